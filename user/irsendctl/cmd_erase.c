/* irsendctl erase: overwrite the data area, follow it, certify it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "device.h"
#include "disk.h"
#include "erase_cert.h"
#include "erase_watch.h"
#include "interrupt.h"
#include "json.h"
#include "license_gate.h"
#include "license_key.h"
#include "nvram.h"

#define CMD "erase"
#define PROG CTL_PROG " " CMD
#define MAX_MBPS 100000

static void erase_help(void)
{
	printf("Usage: %s erase --mode zero1|random1|random3 [--verify] [--max-mbps N] --yes\n"
	       "       %s erase status [--json]\n"
	       "       %s erase wait\n"
	       "       %s erase report [--json] [--history]\n"
	       "\n"
	       "Overwrite the whole data area (the data partition of the attached disk) in the\n"
	       "kernel. The NVRAM is not touched: serial, licenses, counters and the erase\n"
	       "history survive. While the erase runs the device is off the network (every\n"
	       "frame from outside is dropped). Once started it cannot be stopped: it runs to\n"
	       "the end, and after a power loss it resumes at the next attach. Ctrl-C only\n"
	       "stops watching; '%s erase wait' watches again.\n"
	       "\n"
	       "Modes (all NIST SP 800-88 \"Clear\"; \"Purge\" needs the drive's own sanitize\n"
	       "command, which is not implemented):\n"
	       "  zero1      zeros, one pass\n"
	       "  random1    random data (ChaCha20, key from the kernel CSPRNG), one pass\n"
	       "  random3    random data, three passes, each with its own key\n"
	       "The random modes need the HDCLR option (see '%s license').\n"
	       "\n"
	       "Starting shows progress on standard error (on a terminal a bar: pass k of n,\n"
	       "percent, MB/s, ETA; otherwise a line per 10%%), then a summary and the erase\n"
	       "certificate on standard output (with --json: the certificate as JSON), and\n"
	       "appends the certificate to the NVRAM record erase-history (newest last, the\n"
	       "oldest dropped when it is full).\n"
	       "\n"
	       "  status     the last erase's state and progress, once; --json:\n"
	       "             {\"state\",\"mode\",\"verify\",\"pass\",\"passes\",\"bytes_done\",\n"
	       "             \"bytes_total\",\"bytes_written\",\"rate\",\"verify_result\",\n"
	       "             \"first_bad\",\"error\",\"resumed\",\"start_time\",\"end_time\"}\n"
	       "  wait       follow a running erase to its end, then as when starting\n"
	       "  report     the certificate of the last erase: serial, data device, size\n"
	       "             and model, method, passes, verification (and the first bad\n"
	       "             offset), result, start and end (UTC), bytes written,\n"
	       "             throughput, resumes after power loss; --history: every\n"
	       "             certificate kept in NVRAM\n"
	       "\n"
	       "Options:\n"
	       "  --mode MODE     zero1, random1 or random3 (required to start)\n"
	       "  --verify        read everything back afterwards and compare\n"
	       "  --max-mbps N    limit to N MB/s (10^6 bytes), 1..%d (default: no limit)\n"
	       "  --yes           confirm; without it nothing is started (exit 2)\n"
	       "  --history       report: all certificates from NVRAM\n"
	       "  --json          JSON on standard output\n"
	       "  --device PATH   the irsend device (default /dev/irsend)\n"
	       "  -h, --help      print this help and exit\n"
	       "\n"
	       "Exit status:\n"
	       "  0    the erase completed (and verified, with --verify); status and report:\n"
	       "       printed\n"
	       "  1    it failed, could not start (no disk, data area mounted or in use, an\n"
	       "       erase already running, a random mode without HDCLR), or there is no\n"
	       "       erase to report\n"
	       "  2    wrong command line, or --yes missing\n"
	       "  130  interrupted by SIGINT (143: SIGTERM): the watcher stopped, the erase\n"
	       "       goes on in the kernel\n"
	       "\n"
	       "Examples:\n"
	       "  %s erase --mode random3 --verify --yes\n"
	       "  %s erase status --json\n"
	       "  %s erase report --history\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, MAX_MBPS, CTL_PROG,
	       CTL_PROG, CTL_PROG);
}

enum { OPT_MODE = 256, OPT_VERIFY, OPT_MAX_MBPS, OPT_YES, OPT_HISTORY };

static const struct option erase_options[] = {
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "max-mbps", required_argument, NULL, OPT_MAX_MBPS },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "history", no_argument, NULL, OPT_HISTORY },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct erase_args {
	const char *sub; /* NULL: start */
	uint32_t mode;
	bool verify, yes, history, start_opts;
	uint32_t max_mbps;
};

static uint32_t mode_by_name(const char *s)
{
	if (!strcmp(s, "zero1"))
		return IRSEND_ERASE_ZERO1;
	if (!strcmp(s, "random1"))
		return IRSEND_ERASE_RANDOM1;
	if (!strcmp(s, "random3"))
		return IRSEND_ERASE_RANDOM3;
	return 0;
}

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case IRSEND_ERASE_ZERO1:
		return "zero1";
	case IRSEND_ERASE_RANDOM1:
		return "random1";
	case IRSEND_ERASE_RANDOM3:
		return "random3";
	default:
		return "none";
	}
}

/* -1 to go on, else the exit status. */
static int parse_erase_args(int argc, char **argv, struct erase_args *a)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", erase_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			erase_help();
			return CTL_EXIT_OK;
		case OPT_MODE:
			a->mode = mode_by_name(optarg);
			if (!a->mode)
				return usage_error(CMD,
						   "--mode %s: expected zero1, random1 or random3",
						   optarg);
			break;
		case OPT_VERIFY:
			a->verify = a->start_opts = true;
			break;
		case OPT_MAX_MBPS:
			if (!parse_uint(optarg, 1, MAX_MBPS, &a->max_mbps))
				return usage_error(CMD, "--max-mbps %s: expected 1..%d", optarg,
						   MAX_MBPS);
			a->start_opts = true;
			break;
		case OPT_YES:
			a->yes = a->start_opts = true;
			break;
		case OPT_HISTORY:
			a->history = true;
			break;
		default:
			return option_error(CMD, argv, c);
		}
	}
	if (optind < argc) {
		a->sub = argv[optind++];
		if (strcmp(a->sub, "status") && strcmp(a->sub, "wait") && strcmp(a->sub, "report"))
			return usage_error(CMD, "unknown subcommand '%s'", a->sub);
		if (optind < argc)
			return usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		if (a->start_opts || a->mode)
			return usage_error(CMD,
					   "--mode, --verify, --max-mbps and --yes start an "
					   "erase; '%s' takes none",
					   a->sub);
	} else if (!a->mode) {
		return usage_error(CMD, "--mode is required to start an erase");
	}
	if (a->history && (!a->sub || strcmp(a->sub, "report")))
		return usage_error(CMD, "--history belongs to 'erase report'");
	if (!a->sub && !a->yes) {
		fprintf(stderr,
			"%s: not started. This overwrites the whole data area of the attached\n"
			"disk (%s%s); the NVRAM (serial, licenses, counters, erase history) is\n"
			"kept. While it runs the device is off the network, and once started it\n"
			"cannot be stopped: it runs to the end, and resumes after a power loss.\n"
			"Add --yes to go ahead.\n",
			PROG, erase_method_text(a->mode), a->verify ? ", then verified" : "");
		return CTL_EXIT_USAGE;
	}
	return -1;
}

static void print_status_json(const struct irsend_erase_status *st)
{
	static const char *const states[] = { "idle", "running", "done", "failed" };
	static const char *const results[] = { "none", "passed", "failed" };
	struct json_writer w;

	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_string(&w, "state", st->state < 4 ? states[st->state] : "unknown");
	json_string(&w, "mode", mode_name(st->mode));
	json_uint(&w, "verify", !!(st->flags & IRSEND_ERASE_VERIFY));
	json_uint(&w, "pass", st->pass);
	json_uint(&w, "passes", st->passes);
	json_uint(&w, "bytes_done", st->bytes_done);
	json_uint(&w, "bytes_total", st->bytes_total);
	json_uint(&w, "bytes_written", st->bytes_written);
	json_uint(&w, "rate", st->rate);
	json_string(&w, "verify_result",
		    st->verify_result < 3 ? results[st->verify_result] : "unknown");
	if (st->verify_result == IRSEND_VERIFY_FAILED)
		json_uint(&w, "first_bad", st->first_bad);
	json_uint(&w, "error", (unsigned long long)(-(long long)st->error));
	json_uint(&w, "resumed", st->resumed);
	json_uint(&w, "start_time", st->start_time);
	json_uint(&w, "end_time", st->end_time);
	json_object_close(&w);
	json_end(&w);
}

static void print_status(const struct irsend_erase_status *st)
{
	char buf[40];

	switch (st->state) {
	case IRSEND_ERASE_STATE_IDLE:
		printf("state: idle (no erase since the disk was formatted)\n");
		return;
	case IRSEND_ERASE_STATE_RUNNING:
		printf("state: running\n");
		break;
	case IRSEND_ERASE_STATE_DONE:
		printf("state: done\n");
		break;
	default:
		printf("state: FAILED%s%s\n", st->error ? ": " : " (verification)",
		       st->error ? strerror(-st->error) : "");
	}
	printf("method: %s%s\n", erase_method_text(st->mode),
	       st->flags & IRSEND_ERASE_VERIFY ? ", then verify" : "");
	if (st->state == IRSEND_ERASE_STATE_RUNNING) {
		if (st->pass > st->passes)
			printf("phase: verify\n");
		else
			printf("phase: pass %u of %u\n", st->pass, st->passes);
		printf("progress: %llu%% (%llu of %llu bytes), %.1f MB/s\n",
		       st->bytes_total
			       ? (unsigned long long)(st->bytes_done * 100 / st->bytes_total)
			       : 0ULL,
		       (unsigned long long)st->bytes_done, (unsigned long long)st->bytes_total,
		       (double)st->rate / 1e6);
	}
	printf("bytes written: %llu\n", (unsigned long long)st->bytes_written);
	if (st->flags & IRSEND_ERASE_VERIFY)
		printf("verification: %s\n", st->verify_result == IRSEND_VERIFY_PASSED ? "passed"
					     : st->verify_result == IRSEND_VERIFY_FAILED
						     ? "FAILED"
						     : "not done");
	erase_time_text(buf, sizeof(buf), st->start_time);
	printf("started: %s\n", buf);
	erase_time_text(buf, sizeof(buf), st->end_time);
	printf("ended: %s\n", buf);
	printf("resumed after power loss: %u times\n", st->resumed);
}

static void save_history(int fd, const struct erase_cert *c)
{
	int ret = erase_history_append(fd, c);

	if (ret < 0)
		fprintf(stderr, "%s: saving the certificate in NVRAM failed: %s\n", PROG,
			strerror(errno));
	else if (ret > 0)
		fprintf(stderr, "%s: certificate saved in NVRAM (erase-history)\n", PROG);
}

/* The end of an erase: summary, certificate, history. */
static int finish(int fd, const struct irsend_erase_status *st, bool json)
{
	struct erase_cert c;
	char size[32];
	bool ok = st->state == IRSEND_ERASE_STATE_DONE;

	erase_cert_collect(fd, st, &c);
	save_history(fd, &c);
	if (json) {
		erase_cert_json(&c);
	} else {
		format_bytes(size, sizeof(size), st->bytes_total);
		printf("erase %s: %s of %s overwritten in %llu s, %u pass%s%s\n\n",
		       ok ? "done" : "FAILED", c.data_path[0] ? c.data_path : "the data area", size,
		       (unsigned long long)(st->end_time - st->start_time), st->passes,
		       st->passes == 1 ? "" : "es",
		       !(st->flags & IRSEND_ERASE_VERIFY)	   ? ""
		       : st->verify_result == IRSEND_VERIFY_PASSED ? ", verified"
								   : ", verification FAILED");
		erase_cert_text(stdout, &c, false);
	}
	return ok ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}

static int watch_to_end(int fd, bool json)
{
	struct irsend_erase_status st;
	sigset_t wait_mask;
	int ret;

	interrupt_setup(&wait_mask);
	ret = erase_watch(fd, &wait_mask, &st);
	if (ret < 0) {
		fprintf(stderr, "%s: reading the erase status failed: %s\n", PROG, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	if (ret > 0) {
		fprintf(stderr,
			"%s: stopped watching; the erase goes on in the kernel ('%s erase wait' "
			"follows it again)\n",
			PROG, CTL_PROG);
		return CTL_EXIT_SIGNAL + ret;
	}
	if (st.state == IRSEND_ERASE_STATE_IDLE) {
		fprintf(stderr, "%s: no erase is running or has run\n", PROG);
		return CTL_EXIT_FAILURE;
	}
	return finish(fd, &st, json);
}

static int start(int fd, const struct erase_args *a, bool json)
{
	struct irsend_erase_request req = {
		.size = sizeof(req),
		.mode = a->mode,
		.flags = a->verify ? IRSEND_ERASE_VERIFY : 0,
		.max_mbps = a->max_mbps,
	};
	struct irsend_disk_info info;
	struct irsend_erase_status st;

	/* Zeros are "initialize all data"; random passes are the HDCLR option's. */
	if (a->mode != IRSEND_ERASE_ZERO1 &&
	    license_gate(fd, LICENSE_HDCLR, PROG, "erasing with random data") < 0)
		return CTL_EXIT_FAILURE;
	if (ioctl(fd, IRSEND_IOC_ERASE_START, &req) < 0) {
		int err = errno;

		if (err == ENODEV)
			fprintf(stderr, "%s: no disk is attached (see '%s hdd attach')\n", PROG,
				CTL_PROG);
		else if (err == EBUSY && erase_status(fd, &st) == 0 &&
			 st.state == IRSEND_ERASE_STATE_RUNNING)
			fprintf(stderr,
				"%s: an erase is already running ('%s erase wait' follows it)\n",
				PROG, CTL_PROG);
		else if (err == EBUSY)
			fprintf(stderr, "%s: the data area %s is mounted or in use\n", PROG,
				disk_info(fd, &info) == 0 ? info.data_path : "");
		else
			fprintf(stderr, "%s: starting the erase failed: %s\n", PROG, strerror(err));
		return CTL_EXIT_FAILURE;
	}
	fprintf(stderr, "%s: started: %s%s; the device is off the network until it ends\n", PROG,
		erase_method_text(a->mode), a->verify ? ", then verify" : "");
	return watch_to_end(fd, json);
}

/*
 * The kernel keeps the last erase's status across detach and attach; a
 * freshly formatted NVRAM has no erase state, so an ended erase reported
 * then belongs to another disk: show idle instead.
 */
static int current_status(int fd, struct irsend_erase_status *st)
{
	uint32_t len;

	if (erase_status(fd, st) < 0)
		return -1;
	if (st->state != IRSEND_ERASE_STATE_IDLE && st->state != IRSEND_ERASE_STATE_RUNNING &&
	    nvram_probe(fd, IRSEND_NVRAM_ERASE_STATE, &len, NULL) < 0 && errno == ENOENT)
		st->state = IRSEND_ERASE_STATE_IDLE;
	return 0;
}

static int report(int fd, bool json, bool history)
{
	struct irsend_erase_status st;
	struct erase_cert c;

	if (history) {
		if (erase_history_print(fd, json) == 0)
			return CTL_EXIT_OK;
		fprintf(stderr, "%s: reading the erase history failed: %s\n", PROG,
			errno == ENODEV ? "no disk is attached" : strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	if (current_status(fd, &st) < 0) {
		fprintf(stderr, "%s: reading the erase status failed: %s\n", PROG, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	if (st.state == IRSEND_ERASE_STATE_IDLE) {
		fprintf(stderr, "%s: no erase to report since the disk was formatted or attached\n",
			PROG);
		return CTL_EXIT_FAILURE;
	}
	erase_cert_collect(fd, &st, &c);
	/* A watcher that was interrupted did not save it; save it now. */
	if (st.state != IRSEND_ERASE_STATE_RUNNING)
		save_history(fd, &c);
	if (json)
		erase_cert_json(&c);
	else
		erase_cert_text(stdout, &c, false);
	return CTL_EXIT_OK;
}

int cmd_erase(const struct ctl_options *opt, int argc, char **argv)
{
	struct erase_args a = { 0 };
	struct irsend_erase_status st;
	int ret, fd;

	ret = parse_erase_args(argc, argv, &a);
	if (ret >= 0)
		return ret;
	fd = irsend_device_open(PROG, opt->device);
	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (!a.sub) {
		ret = start(fd, &a, opt->json);
	} else if (!strcmp(a.sub, "wait")) {
		ret = watch_to_end(fd, opt->json);
	} else if (!strcmp(a.sub, "report")) {
		ret = report(fd, opt->json, a.history);
	} else if (current_status(fd, &st) < 0) {
		fprintf(stderr, "%s: reading the erase status failed: %s\n", PROG, strerror(errno));
		ret = CTL_EXIT_FAILURE;
	} else {
		if (opt->json)
			print_status_json(&st);
		else
			print_status(&st);
		ret = CTL_EXIT_OK;
	}
	close(fd);
	return ret;
}
