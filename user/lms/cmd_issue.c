/* irsend-lms issue: an access number becomes a license key for one serial. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "issuing.h"
#include "ledger.h"
#include "lms.h"
#include "master.h"

static void issue_help(void)
{
	printf("Usage: %s issue --access-number NUMBER --serial SERIAL [--dir DIR]\n"
	       "\n"
	       "Issue the license key an access number pays for, for the device SERIAL,\n"
	       "and print it on standard output in groups of four digits:\n"
	       "\n"
	       "  0300-0001-2345-6789-0123-4567\n"
	       "\n"
	       "24 digits: the option number (the access number's option), the device's\n"
	       "next issue sequence number (1 for its first key), an authenticator under\n"
	       "the device's key, and a check digit. The operator types it into the\n"
	       "device, which accepts it for that serial alone.\n"
	       "\n"
	       "An access number yields one key, for one serial. Asked again with the\n"
	       "same serial it prints the same key (a customer lost it) with a note on\n"
	       "standard error; with another serial it is refused, as is an access number\n"
	       "the ledger does not know, a key given up since (see '%s transfer'),\n"
	       "and a serial that was never provisioned (the device has no device key).\n"
	       "NUMBER may be typed with or without spaces and dashes.\n"
	       "\n"
	       "Options:\n"
	       "  --access-number NUMBER\n"
	       "                   the 16-digit access number the customer bought\n"
	       "  --serial SERIAL  the device's serial number\n" HELP_DIR_OPTION
	       "\n" HELP_EXIT_STATUS "\n"
	       "Example:\n"
	       "  %s issue --access-number 1234-5678-9012-3456 --serial IRS-000123\n",
	       LMS_PROG, LMS_PROG, LMS_PROG);
}

static const struct option issue_options[] = {
	{ "access-number", required_argument, NULL, 'a' },
	{ "serial", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* The key number gave before: the same again, for its own serial only. */
static int issued_before(const struct key_row *k, const char *number, const char *serial)
{
	char grouped[GROUPED_SIZE(ACCESS_NUMBER_DIGITS)];

	group_digits(number, grouped, sizeof(grouped));
	if (strcmp(k->serial, serial))
		return fail("access number %s was already used for serial %s", grouped, k->serial);
	if (k->state == KEY_INVALIDATED)
		return fail("access number %s gave %s its %s key #%u, which it has given up since "
			    "(transferred to %s)",
			    grouped, serial, license_option_name(k->option), k->sequence,
			    k->to_serial[0] ? k->to_serial : "no device");
	note("access number %s was already used for %s: the same key again", grouped, serial);
	print_key(k);
	return finish_output();
}

/* Within a transaction: the key for number and serial, new or as before. */
static int issue(struct ledger *l, const char *dir, const char *number, const char *serial)
{
	struct key_row k = { 0 };
	struct device_row d;
	char grouped[GROUPED_SIZE(ACCESS_NUMBER_DIGITS)];
	int found;

	group_digits(number, grouped, sizeof(grouped));
	found = ledger_access_number_find(l, number, &k.option);
	if (found <= 0)
		return found < 0 ? LMS_EXIT_FAILURE : fail("unknown access number %s", grouped);
	found = ledger_key_by_access_number(l, number, &k);
	if (found)
		return found < 0 ? LMS_EXIT_FAILURE : issued_before(&k, number, serial);
	found = ledger_device_find(l, serial, &d);
	if (found <= 0)
		return found < 0 ? LMS_EXIT_FAILURE
				 : fail("%s was never provisioned, so it has no device key: run "
					"'%s provision --serial %s' first",
					serial, LMS_PROG, serial);
	snprintf(k.serial, sizeof(k.serial), "%s", serial);
	snprintf(k.access_number, sizeof(k.access_number), "%s", number);
	if (issue_next_key(l, dir, &k) || ledger_commit(l))
		return LMS_EXIT_FAILURE;
	print_key(&k);
	return finish_output();
}

int cmd_issue(const struct lms_options *opt, int argc, char **argv)
{
	const char *typed = NULL, *serial = NULL;
	char number[ACCESS_NUMBER_DIGITS + 1];
	struct ledger l = { 0 };
	int c, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", issue_options, NULL)) != -1) {
		if (c == 'h') {
			issue_help();
			return LMS_EXIT_OK;
		}
		if (c == 'a')
			typed = optarg;
		else if (c == 's')
			serial = optarg;
		else
			return option_error(argv, c);
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!typed || !serial)
		return usage_error("--access-number and --serial are required");
	if (!access_number_parse(typed, number))
		return usage_error("access number '%s': expected 16 digits", typed);
	if (!serial_valid(serial))
		return serial_error(serial);
	if (master_check(opt->dir) || ledger_open(&l, opt->dir, LEDGER_EXISTING))
		return LMS_EXIT_FAILURE;
	status = ledger_begin(&l) ? LMS_EXIT_FAILURE : issue(&l, opt->dir, number, serial);
	ledger_close(&l); /* rolls back what issue() did not commit */
	return status;
}
