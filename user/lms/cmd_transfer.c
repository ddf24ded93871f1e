/* irsend-lms transfer: an option given up by one device, issued to another. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "issuing.h"
#include "ledger.h"
#include "lms.h"
#include "master.h"

static void transfer_help(void)
{
	printf("Usage: %s transfer --certificate CERT --from SERIAL --to SERIAL\n"
	       "                           [--dir DIR]\n"
	       "\n"
	       "Move a licensed option from one device to another. When a device gives\n"
	       "up an option it prints an invalidation certificate: 24 digits like a\n"
	       "key, made under its device key. This command checks CERT against the\n"
	       "device --from, marks the key it names (option and sequence) as\n"
	       "invalidated in the ledger, issues a key for the same option to the device\n"
	       "--to (its next sequence number) and prints that key on standard output.\n"
	       "\n"
	       "Refused: a certificate with a typo (its check digit says so), one that is\n"
	       "well formed but was not made by --from, one naming a key the ledger does\n"
	       "not hold for --from, and a --to that was never provisioned. The same\n"
	       "certificate again with the same --to prints the same key again; with\n"
	       "another --to it is refused (the option was transferred already). CERT\n"
	       "may be typed with or without spaces and dashes.\n"
	       "\n"
	       "Options:\n"
	       "  --certificate CERT\n"
	       "                   the invalidation certificate the --from device printed\n"
	       "  --from SERIAL    the device that gave the option up\n"
	       "  --to SERIAL      the device that gets it\n" HELP_DIR_OPTION "\n" HELP_EXIT_STATUS
	       "\n"
	       "Example:\n"
	       "  %s transfer --certificate '0300-0001-9876-5432-1098-7654' \\\n"
	       "      --from IRS-000123 --to IRS-000200\n",
	       LMS_PROG, LMS_PROG);
}

static const struct option transfer_options[] = {
	{ "certificate", required_argument, NULL, 'c' },
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Check cert against from's device key: 0 with *f set, or -1 after a message. */
static int verify_certificate(const char *dir, const char *cert, const char *from,
			      struct license_fields *f)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	char grouped[GROUPED_SIZE(LICENSE_DIGITS)];
	int status;

	if (master_device_key(dir, from, key))
		return -1;
	status = license_verify(LICENSE_KIND_INVALIDATION, key, from, cert, f);
	OPENSSL_cleanse(key, sizeof(key));
	group_digits(cert, grouped, sizeof(grouped));
	switch (status) {
	case LICENSE_OK:
		return 0;
	case LICENSE_BAD_CHECK:
		fail("certificate %s has a typo (its check digit does not match): compare it "
		     "with the device's printout",
		     grouped);
		break;
	case LICENSE_BAD_OPTION:
		fail("certificate %s names no option: a typo in its first two digits?", grouped);
		break;
	default:
		fail("certificate %s was not made by %s: it is well formed, but not an "
		     "invalidation certificate of that device",
		     grouped, from);
	}
	return -1;
}

/* The key given up before: its replacement again, for the same device only. */
static int transferred_before(const struct key_row *old, const char *to, struct ledger *l)
{
	struct key_row k;
	int found;

	if (strcmp(old->to_serial, to)) {
		if (!old->to_serial[0])
			return fail(
				"%s key #%u of %s is invalidated, but the ledger names no device "
				"it went to",
				license_option_name(old->option), old->sequence, old->serial);
		return fail("this certificate was already transferred to %s (%s key #%u)",
			    old->to_serial, license_option_name(old->option), old->to_sequence);
	}
	found = ledger_key_by_sequence(l, old->to_serial, old->to_sequence, &k);
	if (found <= 0)
		return found < 0 ? LMS_EXIT_FAILURE : fail("the ledger lost the transferred key");
	note("this certificate was already transferred to %s: the same key again", to);
	print_key(&k);
	return finish_output();
}

/* Within a transaction: give up from's key named by cert, issue its option to to. */
static int transfer(struct ledger *l, const char *dir, const char *cert, const char *from,
		    const char *to)
{
	struct key_row old, k = { 0 };
	struct license_fields f;
	struct device_row d;
	int found;

	found = ledger_device_find(l, from, &d);
	if (found <= 0)
		return found < 0 ? LMS_EXIT_FAILURE
				 : fail("%s was never provisioned: no certificate of it can be "
					"taken",
					from);
	if (verify_certificate(dir, cert, from, &f))
		return LMS_EXIT_FAILURE;
	found = ledger_key_by_sequence(l, from, f.sequence, &old);
	if (found < 0)
		return LMS_EXIT_FAILURE;
	if (!found || old.option != f.option)
		return fail("the ledger holds no %s key #%u of %s: it was not issued here",
			    license_option_name(f.option), f.sequence, from);
	if (old.state == KEY_INVALIDATED)
		return transferred_before(&old, to, l);
	found = ledger_device_find(l, to, &d);
	if (found <= 0)
		return found < 0 ? LMS_EXIT_FAILURE
				 : fail("%s was never provisioned, so it has no device key: run "
					"'%s provision --serial %s' first",
					to, LMS_PROG, to);
	if (ledger_key_invalidate(l, old.id, cert, (int64_t)time(NULL)))
		return LMS_EXIT_FAILURE;
	snprintf(k.serial, sizeof(k.serial), "%s", to);
	k.option = old.option;
	k.from_id = old.id;
	if (issue_next_key(l, dir, &k) || ledger_commit(l))
		return LMS_EXIT_FAILURE;
	print_key(&k);
	return finish_output();
}

int cmd_transfer(const struct lms_options *opt, int argc, char **argv)
{
	const char *typed = NULL, *from = NULL, *to = NULL;
	char cert[LICENSE_DIGITS + 1];
	struct ledger l = { 0 };
	int c, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", transfer_options, NULL)) != -1) {
		if (c == 'h') {
			transfer_help();
			return LMS_EXIT_OK;
		}
		if (c == 'c')
			typed = optarg;
		else if (c == 'f')
			from = optarg;
		else if (c == 't')
			to = optarg;
		else
			return option_error(argv, c);
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!typed || !from || !to)
		return usage_error("--certificate, --from and --to are required");
	if (license_normalize(typed, cert) != LICENSE_OK)
		return usage_error("certificate '%s': expected 24 digits", typed);
	if (!serial_valid(from))
		return serial_error(from);
	if (!serial_valid(to))
		return serial_error(to);
	if (!strcmp(from, to))
		return usage_error("--from and --to are the same device");
	if (master_check(opt->dir) || ledger_open(&l, opt->dir, LEDGER_EXISTING))
		return LMS_EXIT_FAILURE;
	status = ledger_begin(&l) ? LMS_EXIT_FAILURE : transfer(&l, opt->dir, cert, from, to);
	ledger_close(&l); /* rolls back what transfer() did not commit */
	return status;
}
