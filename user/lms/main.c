/* irsend-lms: the vendor's License Management System for irsend devices. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lms.h"

struct command {
	const char *name;
	int (*run)(const struct lms_options *opt, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, "create the state directory, the master secret and the ledger" },
	{ "provision", cmd_provision, "make a device's provisioning record (its device key)" },
	{ "access-number", cmd_access_number, "create access numbers to sell for an option" },
	{ "issue", cmd_issue, "turn an access number into a license key for one serial" },
	{ "transfer", cmd_transfer, "move an option a device gave up to another device" },
	{ "ledger", cmd_ledger, "list the devices and the keys issued to them" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--dir DIR] COMMAND [OPTIONS...]\n"
		"\n"
		"The vendor's License Management System for irsend devices. It keeps the\n"
		"vendor master secret, from which each device's key derives, and a ledger\n"
		"of the devices, the access numbers sold and the 24-digit license keys\n"
		"issued for them. It runs at the vendor, never on a device.\n"
		"\n"
		"Commands:\n",
		LMS_PROG);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"'%s COMMAND --help' describes each.\n"
		"\n"
		"Options (--dir before or after COMMAND):\n"
		"  --dir DIR        the state directory (default: $%s, else\n"
		"                   %s)\n"
		"  -h, --help       print this help and exit; after COMMAND, that command's\n"
		"                   help\n"
		"  --version        print the version and exit\n"
		"\n"
		"Files:\n"
		"  DIR/master.key     the master secret: 64 hex digits, mode 0600, owned by\n"
		"                     the user running %s (refused otherwise). Back\n"
		"                     it up offline: without it no key can be issued again.\n"
		"  DIR/ledger.sqlite  the ledger (SQLite); concurrent runs take turns\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  failed or refused; a message on standard error says why\n"
		"  2  the command line was wrong\n"
		"\n"
		"Example workflow:\n"
		"  %s init                                   # once\n"
		"  %s provision --serial IRS-000123 --out IRS-000123.rec\n"
		"      # the factory writes it into the device: irsendctl nvram provision\n"
		"  %s access-number new --option SEND --count 10\n"
		"      # sold to a customer, who reads the serial off the device\n"
		"  %s issue --access-number 1234-5678-9012-3456 --serial IRS-000123\n"
		"      # the operator types the key in; later the device gives SEND up and\n"
		"      # prints an invalidation certificate, which moves it:\n"
		"  %s transfer --certificate 0100-... --from IRS-000123 --to IRS-000200\n"
		"  %s ledger --serial IRS-000123\n",
		LMS_PROG, LMS_DIR_ENV, LMS_DEFAULT_DIR, LMS_PROG, LMS_PROG, LMS_PROG, LMS_PROG,
		LMS_PROG, LMS_PROG, LMS_PROG);
}

/*
 * Take --dir out of argv wherever it stands (up to "--"), and --help and
 * --version before the command. Returns the new argc, or -1 after a message.
 */
static int take_global_options(struct lms_options *opt, int argc, char **argv, bool *help,
			       bool *version)
{
	bool in_command = false, options_end = false;
	int kept = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options_end) {
			argv[kept++] = argv[i];
		} else if (!strcmp(a, "--dir")) {
			if (i + 1 >= argc) {
				usage_error("option '--dir' needs a value");
				return -1;
			}
			opt->dir = argv[++i];
		} else if (!strncmp(a, "--dir=", 6)) {
			opt->dir = a + 6;
		} else if (in_command) {
			options_end = !strcmp(a, "--");
			argv[kept++] = argv[i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = true;
		} else if (!strcmp(a, "--version")) {
			*version = true;
		} else if (a[0] == '-' && a[1]) {
			usage_error("unknown option '%s'", a);
			return -1;
		} else {
			in_command = true;
			argv[kept++] = argv[i];
		}
	}
	argv[kept] = NULL;
	return kept;
}

int main(int argc, char **argv)
{
	struct lms_options opt = { 0 };
	bool help = false, version = false;
	const char *env = getenv(LMS_DIR_ENV);

	/* Everything this program writes is secret or private: no file of it is group-readable. */
	umask(077);
	argc = take_global_options(&opt, argc, argv, &help, &version);
	if (argc < 0)
		return LMS_EXIT_USAGE;
	if (help) {
		usage(stdout);
		return LMS_EXIT_OK;
	}
	if (version) {
		printf("%s %s\n", LMS_PROG, IRSEND_VERSION);
		return LMS_EXIT_OK;
	}
	if (argc < 2)
		return usage_error("expected a command");
	if (!opt.dir)
		opt.dir = env && *env ? env : LMS_DEFAULT_DIR;
	if (!*opt.dir)
		return usage_error("--dir needs a directory");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			cli_set_command(commands[i].name);
			return commands[i].run(&opt, argc - 1, argv + 1);
		}
	return usage_error("unknown command '%s'", argv[1]);
}
