#include "license_gate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "license_record.h"
#include "nvram_store.h"

int license_gate(int fd, unsigned int option, const char *prog, const char *what)
{
	struct nvram_store store = { .fd = fd };
	uint8_t buf[LICENSE_SOFTID_BYTES];
	struct license_softid sid;
	const char *name = license_option_name(option);
	char err[160];
	size_t len;

	if (nvram_store_get(&store, IRSEND_NVRAM_SOFTID, buf, sizeof(buf), &len) < 0) {
		fprintf(stderr, "%s: %s needs the %s option; reading the licenses failed: %s\n",
			prog, what, name,
			errno == ENODEV ? "no disk is attached" : strerror(errno));
		return -1;
	}
	if (license_softid_decode(buf, len, &sid, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s needs the %s option; %s\n", prog, what, name, err);
		return -1;
	}
	switch (sid.opt[option].state) {
	case LICENSE_ACTIVE:
		return 0;
	case LICENSE_PENDING:
		fprintf(stderr,
			"%s: %s needs the %s option, which is registered and becomes active when "
			"irsendd next starts\n",
			prog, what, name);
		return -1;
	default:
		fprintf(stderr,
			"%s: %s needs the %s option, which is not active on this device (see "
			"'irsendctl license')\n",
			prog, what, name);
		return -1;
	}
}
