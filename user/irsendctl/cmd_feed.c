/* irsendctl feed: send PNM pages into the page ring as one job. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "device.h"
#include "feed_source.h"
#include "json.h"
#include "paper.h"

#define CMD "feed"

/* Rows are read and written in chunks of about this size, not whole pages. */
#define FEED_CHUNK_BYTES (1024 * 1024)

static void feed_help(void)
{
	printf("Usage: %s feed [--res DPI|XxY] FILE...\n"
	       "       %s feed [--res DPI|XxY] -\n"
	       "\n"
	       "Send pages into the irsend page ring as one job, as a scanner driver would:\n"
	       "the images of binary PNM files - PBM (P4, 1 bit), PGM (P5, 8-bit grey) or\n"
	       "PPM (P6, 24-bit colour), maxval 255 - in the order given; '-' reads standard\n"
	       "input. A file (or standard input) may hold several images one after the\n"
	       "other, as 'cat a.pgm b.pgm' or 'scanimage --batch' make them. Pages are up to\n"
	       "%ux%u pixels. Plain (ASCII) P1, P2, P3 and 16-bit images are refused.\n"
	       "\n"
	       "A consumer must hold the ring: the irsendd agent or '%s capture'. When\n"
	       "another job is using the ring, feed waits for it to end. The last page is\n"
	       "marked as such when it ends the last input and that is a regular file;\n"
	       "otherwise the job is ended after it. An input that is not a valid image\n"
	       "ends the job with an error, so the consumer never takes it as complete.\n"
	       "\n"
	       "For each page a line like this is printed on standard output:\n"
	       "  page 1: 2480x3508 8-bit 300x300 dpi, 8699840 bytes fed (job 7)\n"
	       "and at the end 'job 7: 3 pages fed'.\n"
	       "\n"
	       "Options:\n"
	       "  --res DPI|XxY      resolution of the pages, which PNM does not carry:\n"
	       "                     %d..%d dpi each way (default 300)\n"
	       "  --json             one JSON object per line on standard output instead:\n"
	       "                     "
	       "{\"event\":\"page\",\"job\",\"page\",\"width\",\"height\",\"bpp\",\n"
	       "                     \"xres\",\"yres\",\"bytes\",\"source\"} per page, then\n"
	       "                     "
	       "{\"event\":\"job_end\",\"job\",\"status\":\"done\",\"pages\"}\n"
	       "  --device PATH      the irsend device (default /dev/irsend)\n"
	       "  -h, --help         print this help and exit\n"
	       "\n"
	       "Exit status:\n"
	       "  0    every page was handed to the consumer and the job ended\n"
	       "  1    no consumer is attached, an input is unreadable or not a valid image,\n"
	       "       or the consumer cancelled the job; a message on standard error says\n"
	       "       why\n"
	       "  2    the command line was wrong\n"
	       "\n"
	       "Examples:\n"
	       "  scanimage --format=pnm --resolution 300 | %s feed --res 300 -\n"
	       "  %s feed --res 200x100 fax-1.pbm fax-2.pbm\n"
	       "  cat a.pgm b.pgm | %s feed -\n",
	       CTL_PROG, CTL_PROG, IRSEND_FEED_MAX_WIDTH, IRSEND_FEED_MAX_HEIGHT, CTL_PROG,
	       IRSEND_FEED_MIN_RES, IRSEND_FEED_MAX_RES, CTL_PROG, CTL_PROG, CTL_PROG);
}

static const struct option feed_options[] = {
	{ "res", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct feeder {
	const char *prog;
	bool json;
	int fd;
	struct feed_source src;
	uint16_t xres, yres;
	unsigned char *buf;
	size_t buf_size;
	uint32_t job_id;
	uint32_t pages;
};

/* -1 to go on, else the exit status; *first is the index of the first FILE. */
static int parse_feed_args(int argc, char **argv, struct feeder *f, int *first)
{
	int c;

	f->xres = f->yres = 300;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hr:", feed_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			feed_help();
			return CTL_EXIT_OK;
		case 'r':
			if (!res_parse(optarg, &f->xres, &f->yres) ||
			    !res_is_feed_res(f->xres, f->yres))
				return usage_error(
					CMD, "--res %s: expected DPI or XxY, each %d..%d dpi",
					optarg, IRSEND_FEED_MIN_RES, IRSEND_FEED_MAX_RES);
			break;
		default:
			return option_error(CMD, argv, c);
		}
	}
	if (optind >= argc)
		return usage_error(CMD, "no input: give FILE... or - for standard input");
	*first = optind;
	return -1;
}

/* Why the module stopped taking this feeder's data. */
static void say_job_lost(const struct feeder *f, int err, uint32_t page)
{
	if (err == ECANCELED)
		fprintf(stderr, "%s: the consumer cancelled job %u during page %u\n", f->prog,
			f->job_id, page);
	else if (err == EPIPE)
		fprintf(stderr, "%s: the consumer went away during page %u of job %u\n", f->prog,
			page, f->job_id);
	else
		fprintf(stderr, "%s: feeding page %u failed: %s\n", f->prog, page, strerror(err));
}

/* Write all of buf to the device: 0, or an errno. */
static int write_rows(struct feeder *f, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(f->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = f->fd, .events = POLLOUT };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return errno;
			continue;
		}
		if (n < 0)
			return errno;
		if (!n)
			return EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Announce the page: 0, or -1 after a message. */
static int start_page(struct feeder *f, const struct pnm_image *img, struct irsend_feed_page *req)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->width = img->width;
	req->height = img->height;
	req->bpp = (uint16_t)img->bpp;
	req->xres = f->xres;
	req->yres = f->yres;
	if (feed_source_is_last(&f->src, img))
		req->flags = IRSEND_FEED_LAST_PAGE;
	if (!ioctl(f->fd, IRSEND_IOC_FEED_PAGE, req)) {
		if (req->stride == img->row_bytes)
			return 0;
		fprintf(stderr,
			"%s: the module wants rows of %u bytes for a %u-pixel wide %u-bit "
			"page, not %zu\n",
			f->prog, req->stride, img->width, img->bpp, img->row_bytes);
		return -1;
	}
	if (errno == EPIPE && !f->pages)
		fprintf(stderr,
			"%s: no consumer is attached to the page ring: start irsendd or '%s "
			"capture' first\n",
			f->prog, CTL_PROG);
	else if (errno == EINVAL)
		fprintf(stderr,
			"%s: %s: the module refused a %ux%u %u-bit page at %ux%u dpi (a row "
			"longer than a ring slot?)\n",
			f->prog, feed_source_name(&f->src), img->width, img->height, img->bpp,
			f->xres, f->yres);
	else
		say_job_lost(f, errno, f->pages + 1);
	return -1;
}

static void report_page(const struct feeder *f, const struct irsend_feed_page *req,
			const struct pnm_image *img)
{
	struct json_writer w;

	if (!f->json) {
		printf("page %u: %ux%u %u-bit %ux%u dpi, %llu bytes fed (job %u)\n", req->page,
		       img->width, img->height, img->bpp, f->xres, f->yres,
		       (unsigned long long)img->data_bytes, req->job_id);
		fflush(stdout);
		return;
	}
	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_string(&w, "event", "page");
	json_uint(&w, "job", req->job_id);
	json_uint(&w, "page", req->page);
	json_uint(&w, "width", img->width);
	json_uint(&w, "height", img->height);
	json_uint(&w, "bpp", img->bpp);
	json_uint(&w, "xres", f->xres);
	json_uint(&w, "yres", f->yres);
	json_uint(&w, "bytes", img->data_bytes);
	json_string(&w, "source", f->src.inputs[f->src.current].name);
	json_object_close(&w);
	json_end(&w);
}

/* One page, header already read: 0, or -1 after a message. */
static int feed_page(struct feeder *f, const struct pnm_image *img)
{
	uint32_t chunk_rows = FEED_CHUNK_BYTES / img->row_bytes;
	struct irsend_feed_page req;

	if (!chunk_rows)
		chunk_rows = 1;
	if (f->buf_size < chunk_rows * img->row_bytes) {
		free(f->buf);
		f->buf_size = chunk_rows * img->row_bytes;
		f->buf = malloc(f->buf_size);
		if (!f->buf) {
			f->buf_size = 0;
			fprintf(stderr, "%s: out of memory\n", f->prog);
			return -1;
		}
	}
	if (start_page(f, img, &req))
		return -1;
	f->job_id = req.job_id;
	for (uint32_t y = 0; y < img->height;) {
		uint32_t rows = img->height - y < chunk_rows ? img->height - y : chunk_rows;
		int err;

		if (feed_source_read_rows(&f->src, f->buf, rows)) {
			/* Ends the job with a short-page error at the consumer. */
			ioctl(f->fd, IRSEND_IOC_FEED_END);
			return -1;
		}
		err = write_rows(f, f->buf, rows * img->row_bytes);
		if (err) {
			say_job_lost(f, err, req.page);
			return -1;
		}
		y += rows;
	}
	f->pages++;
	report_page(f, &req, img);
	return 0;
}

static int end_job(struct feeder *f)
{
	struct json_writer w;

	if (ioctl(f->fd, IRSEND_IOC_FEED_END)) {
		say_job_lost(f, errno, f->pages);
		return CTL_EXIT_FAILURE;
	}
	if (!f->json) {
		printf("job %u: %u page%s fed\n", f->job_id, f->pages, f->pages == 1 ? "" : "s");
		return CTL_EXIT_OK;
	}
	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_string(&w, "event", "job_end");
	json_uint(&w, "job", f->job_id);
	json_string(&w, "status", "done");
	json_uint(&w, "pages", f->pages);
	json_object_close(&w);
	json_end(&w);
	return CTL_EXIT_OK;
}

static int feed_all(struct feeder *f, const char *device)
{
	struct pnm_image img;
	int ret;

	/* The first header is read before the device is opened: bad input fails early. */
	ret = feed_source_next(&f->src, &img);
	if (ret <= 0)
		return CTL_EXIT_FAILURE;
	f->fd = irsend_device_open(f->prog, device);
	if (f->fd < 0)
		return CTL_EXIT_FAILURE;
	do {
		if (feed_page(f, &img))
			return CTL_EXIT_FAILURE;
		ret = feed_source_next(&f->src, &img);
	} while (ret > 0);
	/* On bad input, closing without FEED_END ends the job with an error. */
	return ret < 0 ? CTL_EXIT_FAILURE : end_job(f);
}

int cmd_feed(const struct ctl_options *opt, int argc, char **argv)
{
	struct feeder f = { .prog = CTL_PROG " " CMD, .json = opt->json, .fd = -1 };
	int first = 0, ret;

	ret = parse_feed_args(argc, argv, &f, &first);
	if (ret >= 0)
		return ret;
	if (feed_source_open(&f.src, f.prog, argv + first, argc - first))
		return CTL_EXIT_FAILURE;
	ret = feed_all(&f, opt->device);
	if (f.fd >= 0)
		close(f.fd);
	feed_source_close(&f.src);
	free(f.buf);
	return ret;
}
