/* irsendctl scan: run a job on the simulated ADF and save its pages. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cli.h"
#include "commands.h"
#include "interrupt.h"
#include "paper.h"
#include "receive.h"
#include "ring.h"

#define CMD "scan"

/* Nothing from the ring for this long (beyond the pace) means it hangs. */
#define SCAN_STALL_MS 30000

static void scan_help(void)
{
	printf("Usage: %s scan [OPTIONS] --out DIR\n"
	       "\n"
	       "Scan pages with the simulated document feeder (ADF) of the irsend module and\n"
	       "save them in DIR as DIR/page-0001.pbm, page-0002.pbm, ... (.pgm for 8 bits,\n"
	       ".ppm for 24). Claims the consumer role of the page ring for the job, so no\n"
	       "other consumer (irsendd, '%s capture') may run. Every band's and every\n"
	       "page's CRC-32 is checked; a page file appears only when its page arrived\n"
	       "whole and correct (written under a hidden name, then renamed). DIR is\n"
	       "created when missing; files of the same name are replaced.\n"
	       "\n"
	       "For each page a line like this is printed on standard output:\n"
	       "  page 1/5: 4960x7016 1-bit 600x600 dpi, 4349920 bytes, crc ok\n"
	       "and at the end 'job N: M pages saved in DIR'. A progress line is shown on\n"
	       "standard error when it is a terminal.\n"
	       "\n"
	       "Options:\n"
	       "  --out DIR          directory for the page files (required)\n"
	       "  --pages N          pages to scan, 1..%d (default 1)\n"
	       "  --res DPI|XxY      resolution: %s\n"
	       "                     (default 300)\n"
	       "  --size PAPER       %s\n"
	       "                     (default A4)\n"
	       "  --depth BITS       bits per pixel: 1 (black and white, PBM), 8 (grey, PGM)\n"
	       "                     or 24 (colour, PPM) (default 1)\n"
	       "  --seed N           selects the generated content; the same seed gives the\n"
	       "                     same pages (default 1)\n"
	       "  --pace MS          pause before each page after the first, 0..%d ms\n"
	       "                     (default 0)\n"
	       "  --jam-at N         make the ADF jam in the middle of page N (for tests)\n"
	       "  --json             one JSON object per line on standard output instead:\n"
	       "                     "
	       "{\"event\":\"page\",\"job\",\"page\",\"pages\",\"width\",\"height\",\n"
	       "                     "
	       "\"bpp\",\"xres\",\"yres\",\"bytes\",\"crc\",\"page_crc\",\"file\"} per\n"
	       "                     page, then "
	       "{\"event\":\"job_end\",\"job\",\"status\",\"pages\"}\n"
	       "                     with status done, cancelled, error (and \"error\":\n"
	       "                     paper-jam, ...), broken, timeout or interrupted\n"
	       "  --device PATH      the irsend device (default /dev/irsend)\n"
	       "  -h, --help         print this help and exit\n"
	       "\n"
	       "Exit status:\n"
	       "  0    every page was saved\n"
	       "  1    the job failed (paper jam, CRC mismatch, write error, ...); a message\n"
	       "       on standard error says why; pages saved before stay, a partial page\n"
	       "       leaves no file\n"
	       "  2    the command line was wrong\n"
	       "  130  interrupted by SIGINT (143: SIGTERM): the job was cancelled and the\n"
	       "       partial page removed\n"
	       "\n"
	       "Examples:\n"
	       "  %s scan --out /tmp/scan\n"
	       "  %s scan --pages 5 --res 600 --size A3 --depth 8 --out /tmp/scan\n"
	       "  %s scan --size 216x279mm --res 200x100 --pace 500 --json --out /tmp/scan\n",
	       CTL_PROG, CTL_PROG, IRSEND_SCAN_MAX_PAGES, SCAN_RES_CHOICES, PAPER_CHOICES,
	       IRSEND_SCAN_MAX_PACE_MS, CTL_PROG, CTL_PROG, CTL_PROG);
}

enum { OPT_OUT = 256, OPT_PAGES, OPT_RES, OPT_SIZE, OPT_DEPTH, OPT_SEED, OPT_PACE, OPT_JAM_AT };

static const struct option scan_options[] = {
	{ "out", required_argument, NULL, OPT_OUT },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "res", required_argument, NULL, OPT_RES },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "pace", required_argument, NULL, OPT_PACE },
	{ "jam-at", required_argument, NULL, OPT_JAM_AT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Fill *req and *dir from the command line: -1 to go on, else the exit status. */
static int parse_scan_args(int argc, char **argv, struct irsend_scan_request *req, const char **dir)
{
	struct paper paper;
	int c;

	paper_parse("A4", &paper);
	req->pages = 1;
	req->xres = req->yres = 300;
	req->bpp = 1;
	req->seed = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", scan_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			scan_help();
			return CTL_EXIT_OK;
		case OPT_OUT:
			*dir = optarg;
			break;
		case OPT_PAGES:
			if (!parse_uint(optarg, 1, IRSEND_SCAN_MAX_PAGES, &req->pages))
				return usage_error(CMD, "--pages %s: expected 1..%d", optarg,
						   IRSEND_SCAN_MAX_PAGES);
			break;
		case OPT_RES:
			if (!res_parse(optarg, &req->xres, &req->yres) ||
			    !res_is_scan_res(req->xres, req->yres))
				return usage_error(CMD, "--res %s: the scanner offers %s", optarg,
						   SCAN_RES_CHOICES);
			break;
		case OPT_SIZE:
			if (!paper_parse(optarg, &paper))
				return usage_error(CMD, "--size %s: expected %s", optarg,
						   PAPER_CHOICES);
			break;
		case OPT_DEPTH:
			if (!depth_parse(optarg, &req->bpp))
				return usage_error(CMD, "--depth %s: expected %s", optarg,
						   DEPTH_CHOICES);
			break;
		case OPT_SEED:
			if (!parse_uint(optarg, 0, UINT32_MAX, &req->seed))
				return usage_error(CMD, "--seed %s: expected 0..%u", optarg,
						   UINT32_MAX);
			break;
		case OPT_PACE:
			if (!parse_uint(optarg, 0, IRSEND_SCAN_MAX_PACE_MS, &req->pace_ms))
				return usage_error(CMD, "--pace %s: expected 0..%d ms", optarg,
						   IRSEND_SCAN_MAX_PACE_MS);
			break;
		case OPT_JAM_AT:
			if (!parse_uint(optarg, 1, IRSEND_SCAN_MAX_PAGES, &req->jam_at_page))
				return usage_error(CMD, "--jam-at %s: expected a page number",
						   optarg);
			break;
		default:
			return option_error(CMD, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!*dir)
		return usage_error(CMD, "--out DIR is required");
	if (req->jam_at_page > req->pages)
		return usage_error(CMD, "--jam-at %u: the job has only %u page%s", req->jam_at_page,
				   req->pages, req->pages == 1 ? "" : "s");
	req->paper = paper.id;
	if (paper.id == IRSEND_PAPER_CUSTOM) {
		req->width_mm = paper.width_mm;
		req->height_mm = paper.height_mm;
	}
	return -1;
}

static const char *scan_start_error(int err)
{
	switch (err) {
	case EBUSY:
		return "the page ring is busy with another job (a feeder's); try again when "
		       "it ends";
	case EINVAL:
		return "the module refused the request (a row longer than a ring slot? see "
		       "the module parameter slot_kb)";
	default:
		return strerror(err);
	}
}

static int exit_status(const struct job_result *res)
{
	switch (res->outcome) {
	case JOB_DONE:
		return CTL_EXIT_OK;
	case JOB_INTERRUPTED:
		return CTL_EXIT_SIGNAL + interrupt_signal();
	default:
		return CTL_EXIT_FAILURE;
	}
}

int cmd_scan(const struct ctl_options *opt, int argc, char **argv)
{
	struct irsend_scan_request req = { .size = sizeof(req) };
	struct receive_options ropt = {
		.prog = CTL_PROG " " CMD,
		.json = opt->json,
	};
	struct ring_consumer rc;
	struct job_result res;
	sigset_t wait_mask;
	int ret;

	ret = parse_scan_args(argc, argv, &req, &ropt.dir);
	if (ret >= 0)
		return ret;
	if (receive_prepare_dir(ropt.prog, ropt.dir))
		return CTL_EXIT_FAILURE;
	interrupt_setup(&wait_mask);
	if (ring_open(&rc, ropt.prog, opt->device))
		return CTL_EXIT_FAILURE;
	rc.wait_sigmask = &wait_mask;
	if (ioctl(rc.fd, IRSEND_IOC_SCAN_START, &req)) {
		fprintf(stderr, "%s: cannot start the scan: %s\n", ropt.prog,
			scan_start_error(errno));
		ring_close(&rc);
		return CTL_EXIT_FAILURE;
	}
	ropt.pages_expected = req.pages;
	ropt.idle_timeout_ms = (int)req.pace_ms + SCAN_STALL_MS;
	receive_job(&rc, &ropt, req.job_id, &res);
	ring_close(&rc);
	return exit_status(&res);
}
