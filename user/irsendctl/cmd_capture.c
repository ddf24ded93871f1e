/* irsendctl capture: be the ring's consumer and save the pages of the next jobs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "interrupt.h"
#include "receive.h"
#include "ring.h"

#define CMD "capture"

/* Largest --timeout: the wait is in milliseconds in an int. */
#define CAPTURE_MAX_TIMEOUT_S 86400

static void capture_help(void)
{
	printf("Usage: %s capture --out DIR [--jobs N] [--timeout SEC] [--ready-file PATH]\n"
	       "\n"
	       "Claim the consumer role of the irsend page ring, as the irsendd agent does,\n"
	       "and save the pages of the next N jobs of any producer (feeders such as\n"
	       "'%s feed', or the simulated ADF) in DIR as\n"
	       "  DIR/job-JJJJ-page-PPPP.EXT\n"
	       "where JJJJ is the module's job id and PPPP the page number, both in decimal\n"
	       "with at least 4 digits, and EXT is pbm (1 bit), pgm (8-bit grey) or ppm\n"
	       "(24-bit colour): job-0007-page-0001.pgm. Every band's and every page's\n"
	       "CRC-32 is checked; a page file appears only when its page arrived whole and\n"
	       "correct (written under a hidden name, then renamed). DIR is created when\n"
	       "missing.\n"
	       "\n"
	       "Once the ring is claimed, 'waiting for pages' is printed on standard error.\n"
	       "For each page a line like this is printed on standard output:\n"
	       "  job 7 page 1: 2480x3508 8-bit 300x300 dpi, 8699840 bytes, crc ok\n"
	       "and at the end of each job 'job 7: 3 pages saved in DIR'.\n"
	       "\n"
	       "Options:\n"
	       "  --out DIR          directory for the page files (required)\n"
	       "  --jobs N           jobs to capture; 0 captures until interrupted (default 1)\n"
	       "  --timeout SEC      give up when nothing arrives for SEC seconds, while\n"
	       "                     waiting for a job or inside one, 1..%d; 0 waits for\n"
	       "                     ever (default 0)\n"
	       "  --ready-file PATH  create PATH (empty) once the consumer role is claimed,\n"
	       "                     so that scripts can start feeders after it\n"
	       "  --json             one JSON object per line on standard output instead:\n"
	       "                     "
	       "{\"event\":\"page\",\"job\",\"page\",\"width\",\"height\",\"bpp\",\n"
	       "                     \"xres\",\"yres\",\"bytes\",\"crc\",\"page_crc\",\"file\"} "
	       "per page\n"
	       "                     and {\"event\":\"job_end\",\"job\",\"status\",\"pages\"} per "
	       "job,\n"
	       "                     with status done, cancelled, error (and \"error\":\n"
	       "                     short-page, feeder-gone, ...), broken, timeout or\n"
	       "                     interrupted\n"
	       "  --device PATH      the irsend device (default /dev/irsend)\n"
	       "  -h, --help         print this help and exit\n"
	       "\n"
	       "A job that the producer ends with an error (a feeder that went away or ended\n"
	       "inside a page) is reported and its complete pages are kept; capture goes on\n"
	       "with the next job. A CRC mismatch, a write error or a timeout stop it.\n"
	       "\n"
	       "Exit status:\n"
	       "  0    every job ended normally and all its pages were saved\n"
	       "  1    a job failed, or capture could not go on; a message on standard\n"
	       "       error says why\n"
	       "  2    the command line was wrong\n"
	       "  130  interrupted by SIGINT (143: SIGTERM): a running job was cancelled and\n"
	       "       its partial page removed\n"
	       "\n"
	       "Examples:\n"
	       "  %s capture --out /tmp/pages &\n"
	       "  scanimage --format=pnm | %s feed -\n"
	       "  %s capture --out /tmp/pages --jobs 0 --json\n"
	       "  %s capture --out /tmp/pages --timeout 60 --ready-file /tmp/ready\n",
	       CTL_PROG, CTL_PROG, CAPTURE_MAX_TIMEOUT_S, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

enum { OPT_OUT = 256, OPT_JOBS, OPT_TIMEOUT, OPT_READY_FILE };

static const struct option capture_options[] = {
	{ "out", required_argument, NULL, OPT_OUT },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct capture_args {
	const char *dir;
	uint32_t jobs;
	uint32_t timeout_s;
	const char *ready_file;
};

/* -1 to go on, else the exit status. */
static int parse_capture_args(int argc, char **argv, struct capture_args *a)
{
	int c;

	a->jobs = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", capture_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			capture_help();
			return CTL_EXIT_OK;
		case OPT_OUT:
			a->dir = optarg;
			break;
		case OPT_JOBS:
			if (!parse_uint(optarg, 0, UINT32_MAX, &a->jobs))
				return usage_error(CMD, "--jobs %s: expected a number of jobs",
						   optarg);
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(optarg, 0, CAPTURE_MAX_TIMEOUT_S, &a->timeout_s))
				return usage_error(CMD, "--timeout %s: expected 0..%d seconds",
						   optarg, CAPTURE_MAX_TIMEOUT_S);
			break;
		case OPT_READY_FILE:
			a->ready_file = optarg;
			break;
		default:
			return option_error(CMD, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!a->dir)
		return usage_error(CMD, "--out DIR is required");
	return -1;
}

static int signal_ready(const char *prog, const char *ready_file)
{
	int fd;

	if (ready_file) {
		fd = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "%s: cannot create %s: %s\n", prog, ready_file,
				strerror(errno));
			return -1;
		}
		close(fd);
	}
	fprintf(stderr, "%s: waiting for pages\n", prog);
	return 0;
}

int cmd_capture(const struct ctl_options *opt, int argc, char **argv)
{
	struct capture_args args = { 0 };
	struct receive_options ropt = {
		.prog = CTL_PROG " " CMD,
		.job_in_names = true,
		.json = opt->json,
	};
	struct ring_consumer rc;
	struct job_result res;
	sigset_t wait_mask;
	int ret, status = CTL_EXIT_OK;

	ret = parse_capture_args(argc, argv, &args);
	if (ret >= 0)
		return ret;
	ropt.dir = args.dir;
	ropt.idle_timeout_ms = args.timeout_s ? (int)args.timeout_s * 1000 : -1;
	if (receive_prepare_dir(ropt.prog, ropt.dir))
		return CTL_EXIT_FAILURE;
	interrupt_setup(&wait_mask);
	if (ring_open(&rc, ropt.prog, opt->device))
		return CTL_EXIT_FAILURE;
	rc.wait_sigmask = &wait_mask;
	if (signal_ready(ropt.prog, args.ready_file)) {
		ring_close(&rc);
		return CTL_EXIT_FAILURE;
	}
	for (uint32_t done = 0; !args.jobs || done < args.jobs; done++) {
		receive_job(&rc, &ropt, 0, &res);
		if (res.outcome == JOB_INTERRUPTED) {
			status = CTL_EXIT_SIGNAL + interrupt_signal();
			break;
		}
		if (res.outcome != JOB_DONE)
			status = CTL_EXIT_FAILURE;
		/* The ring or the disk is in trouble: no point in waiting for more. */
		if (res.outcome == JOB_BROKEN || res.outcome == JOB_TIMED_OUT)
			break;
	}
	ring_close(&rc);
	return status;
}
