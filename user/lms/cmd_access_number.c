/* irsend-lms access-number new: license access numbers to sell. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "cli.h"
#include "ledger.h"
#include "lms.h"
#include "master.h"

#define COUNT_MAX 1000
/* A clash among 10^16 numbers is as good as impossible; a loop on one is not. */
#define ATTEMPTS_MAX 100

static void access_number_help(void)
{
	printf("Usage: %s access-number new --option OPTION [--count N] [--dir DIR]\n"
	       "\n"
	       "Create N license access numbers for OPTION, one per line on standard\n"
	       "output, grouped as 1234-5678-9012-3456. Each is 16 random digits, unique\n"
	       "in the ledger, and yields one license key for one device serial (see\n"
	       "'%s issue'): it is what a customer buys.\n"
	       "\n"
	       "OPTION (any case) is one of these; its number is the first two digits\n"
	       "of its keys:\n",
	       LMS_PROG, LMS_PROG);
	for (unsigned int i = 1; i <= LICENSE_OPTION_COUNT; i++) {
		const char *name = license_option_name(i);

		printf("%s%02u %s", i % 6 == 1 ? "  " : "", i, name);
		if (i % 6 == 0 || i == LICENSE_OPTION_COUNT)
			printf("\n");
		else
			printf("%*s", (int)(8 - strlen(name)), "");
	}
	printf("\n"
	       "Options:\n"
	       "  --option OPTION  the option the numbers are for\n"
	       "  --count N        how many, 1..%d (default 1)\n" HELP_DIR_OPTION
	       "\n" HELP_EXIT_STATUS "\n"
	       "Example:\n"
	       "  %s access-number new --option spdf --count 20 > spdf-batch.txt\n",
	       COUNT_MAX, LMS_PROG);
}

static const struct option access_number_options[] = {
	{ "option", required_argument, NULL, 'o' },
	{ "count", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* 16 uniformly random digits: bytes of 250 and more are drawn again (no modulo bias). */
static int random_number(char out[ACCESS_NUMBER_DIGITS + 1])
{
	unsigned char bytes[32];
	size_t n = 0;

	while (n < ACCESS_NUMBER_DIGITS) {
		if (RAND_bytes(bytes, sizeof(bytes)) != 1)
			return -1;
		for (size_t i = 0; i < sizeof(bytes) && n < ACCESS_NUMBER_DIGITS; i++)
			if (bytes[i] < 250)
				out[n++] = (char)('0' + bytes[i] % 10);
	}
	out[n] = '\0';
	return 0;
}

/* count new numbers for option, all in one transaction: 0, or -1 after a message. */
static int create_numbers(struct ledger *l, enum license_option option, uint32_t count,
			  char (*numbers)[ACCESS_NUMBER_DIGITS + 1])
{
	int64_t now = (int64_t)time(NULL);

	if (ledger_begin(l))
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		int added = 0;

		for (int attempt = 0; !added && attempt < ATTEMPTS_MAX; attempt++) {
			if (random_number(numbers[i])) {
				fail("the random generator failed: no access number made");
				return -1;
			}
			added = ledger_access_number_add(l, numbers[i], option, now);
			if (added < 0)
				return -1;
		}
		if (!added) {
			fail("no unused access number found in %d attempts", ATTEMPTS_MAX);
			return -1;
		}
	}
	return ledger_commit(l);
}

int cmd_access_number(const struct lms_options *opt, int argc, char **argv)
{
	const char *option_name = NULL;
	enum license_option option;
	char(*numbers)[ACCESS_NUMBER_DIGITS + 1];
	char grouped[GROUPED_SIZE(ACCESS_NUMBER_DIGITS)];
	struct ledger l = { 0 };
	uint32_t count = 1;
	int c, status = LMS_EXIT_FAILURE;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", access_number_options, NULL)) != -1) {
		if (c == 'h') {
			access_number_help();
			return LMS_EXIT_OK;
		}
		if (c == 'o')
			option_name = optarg;
		else if (c == 'c' && !parse_uint(optarg, 1, COUNT_MAX, &count))
			return usage_error("--count '%s': expected 1..%d", optarg, COUNT_MAX);
		else if (c != 'c')
			return option_error(argv, c);
	}
	if (optind >= argc)
		return usage_error("expected 'new'");
	if (strcmp(argv[optind], "new"))
		return usage_error("unknown subcommand '%s': expected 'new'", argv[optind]);
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!option_name)
		return usage_error("--option is required");
	if (license_option_parse(option_name, &option))
		return usage_error("unknown option '%s': expected SEND, ENPDF, SPDF, EXPDF, LIPS, "
				   "PDFDR, SCR, HDCLR, BRDIM, VNC or WEB",
				   option_name);
	if (master_check(opt->dir) || ledger_open(&l, opt->dir, LEDGER_EXISTING))
		return LMS_EXIT_FAILURE;
	numbers = calloc(count, sizeof(*numbers));
	if (!numbers)
		fail("out of memory");
	else if (create_numbers(&l, option, count, numbers) == 0)
		status = LMS_EXIT_OK;
	ledger_close(&l);
	for (uint32_t i = 0; status == LMS_EXIT_OK && i < count; i++) {
		group_digits(numbers[i], grouped, sizeof(grouped));
		printf("%s\n", grouped);
	}
	free(numbers);
	return status == LMS_EXIT_OK ? finish_output() : status;
}
