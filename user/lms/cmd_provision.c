/* irsend-lms provision: a device's provisioning record, for the factory. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "atomic_file.h"
#include "cli.h"
#include "ledger.h"
#include "lms.h"
#include "master.h"

/* The device side parses this: keep it exact. */
#define RECORD_HEADER                                                                              \
	"# irsend provisioning record: keep it secret, write it with 'irsendctl nvram "            \
	"provision'\n"

static void provision_help(void)
{
	printf("Usage: %s provision --serial SERIAL [--out FILE] [--dir DIR]\n"
	       "\n"
	       "Make the provisioning record the factory writes into a device's NVRAM\n"
	       "(with 'irsendctl nvram provision'), and record the device in the ledger:\n"
	       "\n"
	       "  " RECORD_HEADER "  serial=SERIAL\n"
	       "  device-key=<64 hex digits>\n"
	       "\n"
	       "The device key is HMAC-SHA-256 of the master secret over the serial: the\n"
	       "device checks every license key with it, and with it alone keys for this\n"
	       "one device can be made. Keep the record secret and delete it once written.\n"
	       "SERIAL is 1..%d printable ASCII characters without spaces, as the\n"
	       "device's serial record. A serial provisioned before is taken again (its key\n"
	       "is derived, so the same) with a note on standard error.\n"
	       "\n"
	       "Options:\n"
	       "  --serial SERIAL  the device's serial number\n"
	       "  --out FILE       write the record to FILE (mode 0600, replaced whole)\n"
	       "                   instead of standard output\n" HELP_DIR_OPTION
	       "\n" HELP_EXIT_STATUS "\n"
	       "Example:\n"
	       "  %s provision --serial IRS-000123 --out /media/factory/IRS-000123.rec\n",
	       LMS_PROG, SERIAL_MAX, LMS_PROG);
}

static const struct option provision_options[] = {
	{ "serial", required_argument, NULL, 's' },
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* The record's text for serial; the caller wipes it. */
static void make_record(const char *serial, const uint8_t key[LICENSE_DEVICE_KEY_LEN], char *out,
			size_t size)
{
	char hex[2 * LICENSE_DEVICE_KEY_LEN + 1];

	for (int i = 0; i < LICENSE_DEVICE_KEY_LEN; i++) {
		hex[2 * i] = "0123456789abcdef"[key[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[key[i] & 15];
	}
	hex[sizeof(hex) - 1] = '\0';
	snprintf(out, size, RECORD_HEADER "serial=%s\ndevice-key=%s\n", serial, hex);
	OPENSSL_cleanse(hex, sizeof(hex));
}

/* Start FILE under a temporary name, private: 0, or -1 after a message. */
static int out_create(struct atomic_file *af, const char *file)
{
	char *d = strdup(file), *b = strdup(file);
	int ret = -1;

	if (!d || !b) {
		fail("out of memory");
		goto out;
	}
	if (atomic_file_create(af, dirname(d), basename(b)))
		goto failed;
	/* Private whatever the umask: it will hold a device key. */
	if (fchmod(af->fd, 0600)) {
		atomic_file_abort(af);
		goto failed;
	}
	ret = 0;
	goto out;
failed:
	fail("cannot create %s: %s", file, strerror(errno));
out:
	free(d);
	free(b);
	return ret;
}

/* Record serial as provisioned now. 0, or -1 after a message. */
static int record_device(const char *dir, const char *serial)
{
	struct ledger l = { 0 };
	bool again = false;
	int ret = -1;

	if (ledger_open(&l, dir, LEDGER_EXISTING))
		return -1;
	if (ledger_begin(&l) == 0 &&
	    ledger_device_provisioned(&l, serial, (int64_t)time(NULL), &again) == 0 &&
	    ledger_commit(&l) == 0)
		ret = 0;
	ledger_close(&l);
	if (ret == 0 && again)
		note("%s was provisioned before: the same device key again", serial);
	return ret;
}

int cmd_provision(const struct lms_options *opt, int argc, char **argv)
{
	const char *serial = NULL, *out = NULL;
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	struct atomic_file af = { .fd = -1 };
	char record[256];
	int c, status = LMS_EXIT_FAILURE;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", provision_options, NULL)) != -1) {
		if (c == 'h') {
			provision_help();
			return LMS_EXIT_OK;
		}
		if (c == 's')
			serial = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return option_error(argv, c);
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!serial)
		return usage_error("--serial is required");
	if (!serial_valid(serial))
		return serial_error(serial);
	if (master_device_key(opt->dir, serial, key))
		return LMS_EXIT_FAILURE;
	make_record(serial, key, record, sizeof(record));
	OPENSSL_cleanse(key, sizeof(key));
	/* A file that cannot be made fails before the ledger records anything. */
	if (out && out_create(&af, out))
		goto done;
	if (record_device(opt->dir, serial))
		goto done;
	if (!out) {
		fputs(record, stdout);
		status = finish_output();
	} else if (atomic_file_write(&af, record, strlen(record)) || atomic_file_commit(&af)) {
		fail("cannot write %s: %s", out, strerror(errno));
	} else {
		printf("wrote the provisioning record of %s to %s\n", serial, out);
		status = finish_output();
	}
done:
	if (af.fd >= 0)
		atomic_file_abort(&af);
	OPENSSL_cleanse(record, sizeof(record));
	return status;
}
