/* irsend-lms init: the state directory, its master secret and its ledger. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fsutil.h"
#include "ledger.h"
#include "lms.h"
#include "master.h"

static void init_help(void)
{
	printf("Usage: %s init [--dir DIR]\n"
	       "\n"
	       "Set up the License Management System's state directory, once per vendor:\n"
	       "  DIR                created if missing (mode 0700)\n"
	       "  DIR/master.key     the vendor master secret: 32 random bytes as 64 hex\n"
	       "                     digits (mode 0600). Every device key derives from it:\n"
	       "                     back it up offline, never share it. Without it, no\n"
	       "                     key can be issued for a device provisioned under it.\n"
	       "  DIR/ledger.sqlite  the ledger of devices, access numbers and keys\n"
	       "\n"
	       "A directory that holds a master secret already is refused, and so is a\n"
	       "ledger that records devices without one (restore master.key instead).\n"
	       "\n"
	       "Options:\n" HELP_DIR_OPTION "\n" HELP_EXIT_STATUS "\n"
	       "Example:\n"
	       "  %s --dir /var/lib/irsend-lms init\n",
	       LMS_PROG, LMS_PROG);
}

static const struct option init_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* A ledger that knows devices belongs to a master secret that is gone. */
static int make_ledger(const char *dir)
{
	struct ledger l = { 0 };
	int64_t devices = 0;
	int ret = -1;

	if (ledger_open(&l, dir, LEDGER_CREATE))
		return -1;
	if (ledger_device_count(&l, &devices) == 0) {
		if (devices)
			fail("%s records %lld devices, whose device keys came from a master secret "
			     "that is gone: restore %s/%s from its backup instead",
			     l.path, (long long)devices, dir, MASTER_FILE);
		else
			ret = 0;
	}
	ledger_close(&l);
	return ret;
}

int cmd_init(const struct lms_options *opt, int argc, char **argv)
{
	char path[4096];
	struct stat st;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", init_options, NULL)) != -1) {
		if (c != 'h')
			return option_error(argv, c);
		init_help();
		return LMS_EXIT_OK;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (make_dir(opt->dir, 0700))
		return fail("cannot create %s: %s", opt->dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", opt->dir, MASTER_FILE);
	if (lstat(path, &st) == 0)
		return fail("%s is already initialised (%s exists)", opt->dir, path);
	/* The ledger first: a master secret is made only where a ledger works. */
	if (make_ledger(opt->dir) || master_create(opt->dir))
		return LMS_EXIT_FAILURE;
	printf("initialised %s\n"
	       "  master secret %s: back it up offline, every device key derives from it\n"
	       "  ledger        %s/%s\n",
	       opt->dir, path, opt->dir, LEDGER_FILE);
	return finish_output();
}
