/* irsendctl: the operator's command line for the irsend controller. */
#include <stdio.h>
#include <string.h>

#include <linux/irsend.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(const struct ctl_options *opt, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "info", cmd_info, "show the loaded kernel module's ABI version, build and capabilities" },
	{ "scan", cmd_scan, "scan pages with the simulated ADF into PNM files" },
	{ "capture", cmd_capture, "save the pages of the next jobs of any producer as PNM files" },
	{ "feed", cmd_feed, "send PNM pages (files or a scanner's output) as one job" },
	{ "hdd", cmd_hdd, "partition, attach, detach and show the disk (NVRAM and data)" },
	{ "nvram", cmd_nvram, "show the NVRAM records; set the device serial" },
	{ "erase", cmd_erase, "overwrite the data area, watch it, print its certificate" },
	{ "macfilter", cmd_macfilter, "keep the MAC address allow-list; watch dropped sources" },
	{ "send", cmd_send, "give irsendd a job: scan or files -> formats -> User Inboxes" },
	{ "jobs", cmd_jobs, "list the agent's running and recent jobs" },
	{ "job", cmd_job, "show or cancel one job" },
	{ "box", cmd_box, "list, show, export and delete User Inbox documents" },
	{ "settings", cmd_settings, "get, set and list the device's user settings" },
	{ "service", cmd_settings, "get, set and list the service-mode values (NVRAM)" },
	{ "receive", cmd_receive, "I-Fax reception: POP checks, the reception log" },
	{ "license", cmd_license, "register, list and invalidate licensed options (keys)" },
	{ "keys", cmd_keys, "TLS server keys and certificates: list, generate, import, use" },
	{ "backup", cmd_backup, "back the User Inboxes up to an SMB share (BOX); its status" },
	{ "restore", cmd_restore, "restore the User Inboxes from BOX at the next start" },
	{ "errors", cmd_errors, "explain the error codes (#022 ... #995) of jobs and reports" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--json] [--device PATH] COMMAND [ARGS...]\n"
		"\n"
		"Operate the irsend network-send controller: the kernel module behind\n"
		"/dev/irsend and the irsendd agent.\n"
		"\n"
		"Commands:\n",
		CTL_PROG);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options (before or after COMMAND):\n"
		"  --json         print machine-readable JSON on standard output\n"
		"  --device PATH  use PATH instead of /dev/irsend (also: $IRSEND_DEVICE)\n"
		"  -h, --help     print this help and exit; after COMMAND, that command's help\n"
		"  --version      print the version of irsendctl and exit\n"
		"\n"
		"Exit status:\n"
		"  0    success\n"
		"  1    the operation failed; a one-line message on standard error says why\n"
		"  2    the command line was wrong\n"
		"  130  interrupted by SIGINT (143: SIGTERM); a scan job was cancelled, an\n"
		"       erase goes on in the kernel\n"
		"\n"
		"Examples:\n"
		"  %s info\n"
		"  %s info --json\n"
		"  %s scan --pages 3 --res 600 --out /tmp/scan\n"
		"  scanimage --format=pnm | %s feed -\n"
		"  %s hdd format /dev/sdb --yes\n"
		"  %s erase --mode random1 --verify --yes\n"
		"  %s macfilter add 52:54:00:12:34:56\n"
		"  %s send --box 1 --format pdf,tiff-mmr --scan 3\n"
		"\n"
		"Commands that talk to irsendd (send, jobs, job, box, settings, service,\n"
		"receive, license, keys) use its socket, /run/irsend/irsendd.sock or\n"
		"$IRSEND_SOCKET.\n",
		CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

/*
 * Take the global options out of argv wherever they stand, so that
 * "irsendctl --json info" and "irsendctl info --json" mean the same.
 * After the command, other options (and --help) are the command's, and
 * "--" ends the global ones. Returns the new argc, or -1 after printing
 * an error.
 */
static int take_global_options(struct ctl_options *opt, int argc, char **argv, bool *help,
			       bool *version)
{
	bool in_command = false, options_end = false;
	int kept = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options_end || (in_command && a[0] == '-' && a[1] && strcmp(a, "--json") &&
				    strcmp(a, "--device") && strncmp(a, "--device=", 9))) {
			options_end = options_end || !strcmp(a, "--");
			argv[kept++] = argv[i];
		} else if (!strcmp(a, "--json")) {
			opt->json = true;
		} else if (!strcmp(a, "--device")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: --device needs a path\n", CTL_PROG);
				return -1;
			}
			opt->device = argv[++i];
		} else if (!strncmp(a, "--device=", 9)) {
			opt->device = a + 9;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = true;
		} else if (!strcmp(a, "--version")) {
			*version = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "%s: unknown option '%s' (see '%s --help')\n", CTL_PROG, a,
				CTL_PROG);
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
	struct ctl_options opt = { 0 };
	bool help = false, version = false;

	argc = take_global_options(&opt, argc, argv, &help, &version);
	if (argc < 0)
		return CTL_EXIT_USAGE;
	if (help) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (version) {
		printf("%s %s (ABI %d)\n", CTL_PROG, IRSEND_VERSION, IRSEND_ABI_VERSION);
		return CTL_EXIT_OK;
	}
	if (argc < 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(&opt, argc - 1, argv + 1);
	}
	fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", CTL_PROG, argv[1],
		CTL_PROG);
	return CTL_EXIT_USAGE;
}
