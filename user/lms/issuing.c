/* Making and recording a license key (see issuing.h). */
#include "issuing.h"

#include <stdio.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "master.h"

int issue_next_key(struct ledger *l, const char *dir, struct key_row *k)
{
	uint8_t device_key[LICENSE_DEVICE_KEY_LEN];
	struct license_fields f = { .option = k->option };
	int made;

	if (ledger_next_sequence(l, k->serial, &f.sequence))
		return -1;
	if (f.sequence > LICENSE_SEQUENCE_MAX) {
		fail("%s has had %u keys, the most one serial can: no sequence number is left",
		     k->serial, LICENSE_SEQUENCE_MAX);
		return -1;
	}
	if (master_device_key(dir, k->serial, device_key))
		return -1;
	made = license_make(LICENSE_KIND_KEY, device_key, k->serial, &f, k->key);
	OPENSSL_cleanse(device_key, sizeof(device_key));
	if (made) {
		fail("cannot make a key for %s", k->serial);
		return -1;
	}
	k->sequence = f.sequence;
	k->issued = (int64_t)time(NULL);
	return ledger_key_add(l, k);
}

void print_key(const struct key_row *k)
{
	char grouped[GROUPED_SIZE(LICENSE_DIGITS)];

	group_digits(k->key, grouped, sizeof(grouped));
	printf("%s\n", grouped);
}
