#include "receive.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include "atomic_file.h"
#include "interrupt.h"
#include "pnm.h"
#include "progress.h"
#include "report.h"

/* How long a cancelled job may take to deliver its JOB_END. */
#define CANCEL_WAIT_MS 5000

struct receiver {
	const struct receive_options *opt;
	struct ring_consumer *rc;
	struct job_result *res;
	struct progress progress;
	bool in_page;
	struct irsend_page_desc page; /* first band of the page being received */
	uint32_t next_y;
	uint32_t last_page; /* number of the last page started */
	struct page_crc crc;
	struct atomic_file file;
	char name[64];
	bool cancel_sent;
	struct timespec cancel_deadline;
	uint32_t dropped_page; /* a page left incomplete at the end, or 0 */
};

static void say(struct receiver *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct receiver *r, const char *fmt, ...)
{
	va_list ap;

	progress_clear(&r->progress);
	fprintf(stderr, "%s: ", r->opt->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The module handed out something impossible: stop trusting the job. */
static bool broken(struct receiver *r, const struct irsend_page_desc *d, const char *what)
{
	say(r, "page ring protocol error: %s (job %u page %u rows %u+%u, seq %u)", what, d->job_id,
	    d->page, d->y, d->rows, d->seq);
	return false;
}

static void drop_page(struct receiver *r)
{
	if (!r->in_page)
		return;
	atomic_file_abort(&r->file);
	r->in_page = false;
	r->dropped_page = r->page.page;
}

static bool start_page(struct receiver *r, const struct irsend_page_desc *d)
{
	const char *ext = pnm_extension(d->bpp);
	char header[PNM_HEADER_MAX];
	int len = pnm_format_header(header, sizeof(header), d->width, d->height, d->bpp);

	if (r->opt->job_in_names)
		snprintf(r->name, sizeof(r->name), "job-%04u-page-%04u.%s", d->job_id, d->page,
			 ext);
	else
		snprintf(r->name, sizeof(r->name), "page-%04u.%s", d->page, ext);
	if (atomic_file_create(&r->file, r->opt->dir, r->name)) {
		say(r, "cannot create %s/%s: %s", r->opt->dir, r->name, strerror(errno));
		return false;
	}
	r->in_page = true;
	r->page = *d;
	r->next_y = 0;
	r->last_page = d->page;
	page_crc_start(&r->crc);
	if (atomic_file_write(&r->file, header, (size_t)len)) {
		say(r, "writing %s failed: %s", r->file.path, strerror(errno));
		return false;
	}
	return true;
}

static bool same_page(const struct irsend_page_desc *a, const struct irsend_page_desc *b)
{
	return a->page == b->page && a->width == b->width && a->height == b->height &&
	       a->stride == b->stride && a->bpp == b->bpp && a->xres == b->xres &&
	       a->yres == b->yres;
}

static bool finish_page(struct receiver *r, const struct irsend_page_desc *d, uint64_t bytes)
{
	struct page_report rep = {
		.desc = d,
		.pages = r->opt->pages_expected,
		.bytes = bytes,
		.show_job = r->opt->job_in_names,
	};
	char *path = strdup(r->file.path);

	r->in_page = false;
	if (!path || atomic_file_commit(&r->file)) {
		say(r, "saving %s/%s failed: %s", r->opt->dir, r->name, strerror(errno));
		if (!path)
			atomic_file_abort(&r->file);
		free(path);
		return false;
	}
	r->res->pages++;
	rep.file = path;
	progress_clear(&r->progress);
	report_page(&rep, r->opt->json);
	free(path);
	return true;
}

/* One band of data: false on anything that ends the job for us. */
static bool take_band(struct receiver *r, const struct irsend_page_desc *d)
{
	const unsigned char *data = ring_band_data(r->rc, d);
	uint64_t page_bytes;
	size_t row_bytes;

	if (!data || !pnm_page_size(d->width, d->height, d->bpp, &row_bytes, &page_bytes) ||
	    row_bytes != d->stride || !d->rows || d->y > d->height || d->rows > d->height - d->y)
		return broken(r, d, "a band whose geometry or place in the ring makes no sense");
	if (d->flags & IRSEND_DESC_PAGE_START) {
		if (r->in_page || d->y || d->page != r->last_page + 1)
			return broken(r, d, "a page that starts out of order");
		if (!start_page(r, d))
			return false;
	} else if (!r->in_page || !same_page(&r->page, d) || d->y != r->next_y) {
		return broken(r, d, "a band out of order");
	}
	if (!ring_band_crc_ok(d, data)) {
		say(r, "page %u: CRC mismatch in rows %u-%u: the data is corrupt", d->page, d->y,
		    d->y + d->rows - 1);
		return false;
	}
	page_crc_add(&r->crc, data, d->length);
	if (atomic_file_write(&r->file, data, d->length)) {
		say(r, "writing %s failed: %s", r->file.path, strerror(errno));
		return false;
	}
	r->next_y += d->rows;
	progress_page(&r->progress, d->page, r->opt->pages_expected, r->next_y, d->height);
	if (!(d->flags & IRSEND_DESC_PAGE_END)) {
		if (r->next_y == d->height)
			return broken(r, d, "a page with all its rows but no end");
		return true;
	}
	if (r->next_y != d->height)
		return broken(r, d, "a page that ends early");
	if (!page_crc_ok(&r->crc, d)) {
		say(r,
		    "page %u: page CRC mismatch (0x%08lx, the module says 0x%08x): the data is "
		    "corrupt",
		    d->page, r->crc.crc, d->page_crc);
		return false;
	}
	return finish_page(r, d, page_bytes);
}

static void end_job(struct receiver *r, const struct irsend_page_desc *d, uint32_t *error)
{
	struct job_result *res = r->res;

	if (d->flags & IRSEND_DESC_ERROR) {
		res->outcome = JOB_FAILED;
		*error = d->error;
	} else if (r->cancel_sent) {
		res->outcome = JOB_INTERRUPTED;
	} else if (d->flags & IRSEND_DESC_CANCELLED) {
		res->outcome = JOB_CANCELLED;
	} else if (r->in_page) {
		broken(r, d, "the job ended inside a page");
		res->outcome = JOB_BROKEN;
	} else {
		res->outcome = JOB_DONE;
	}
}

static void cancel_job(struct receiver *r)
{
	struct irsend_scan_cancel cancel = { .size = sizeof(cancel), .job_id = r->res->job_id };

	/* ESRCH: the job already ended; its JOB_END is on the way. */
	if (ioctl(r->rc->fd, IRSEND_IOC_SCAN_CANCEL, &cancel) && errno != ESRCH)
		say(r, "cancelling job %u failed: %s", r->res->job_id, strerror(errno));
	r->cancel_sent = true;
	clock_gettime(CLOCK_MONOTONIC, &r->cancel_deadline);
	r->cancel_deadline.tv_sec += CANCEL_WAIT_MS / 1000;
}

static int wait_ms(const struct receiver *r)
{
	struct timespec now;
	long long left;

	if (!r->cancel_sent)
		return r->opt->idle_timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (r->cancel_deadline.tv_sec - now.tv_sec) * 1000LL +
	       (r->cancel_deadline.tv_nsec - now.tv_nsec) / 1000000;
	return left > 0 ? (int)left : 0;
}

/* The next descriptor: 1, or 0 when the job ends without one (outcome set). */
static int next_desc(struct receiver *r, struct irsend_page_desc *d)
{
	struct job_result *res = r->res;
	int ret;

	for (;;) {
		if (!r->cancel_sent && interrupt_signal()) {
			res->outcome = JOB_INTERRUPTED;
			if (!res->job_id)
				return 0;
			cancel_job(r);
		}
		ret = ring_next(r->rc, wait_ms(r), d);
		if (!ret)
			return 1;
		if (ret == -EINTR && !r->cancel_sent)
			continue;
		if (r->cancel_sent) /* a second signal, or the JOB_END is late */
			return 0;
		if (ret == -ETIMEDOUT) {
			if (res->job_id)
				say(r, "no data from job %u for %d s: giving up", res->job_id,
				    r->opt->idle_timeout_ms / 1000);
			else
				say(r, "no job arrived within %d s",
				    r->opt->idle_timeout_ms / 1000);
			res->outcome = JOB_TIMED_OUT;
			return 0;
		}
		say(r, "reading the page ring failed: %s",
		    ret == -EPROTO ? "descriptors out of sequence" : strerror(-ret));
		res->outcome = JOB_BROKEN;
		return 0;
	}
}

/* The line on stderr, or the JSON object, that says how the job ended. */
static void report_end(struct receiver *r, uint32_t error)
{
	const struct job_result *res = r->res;
	const char *s = res->pages == 1 ? "" : "s";
	static const char *const status[] = {
		[JOB_DONE] = "done",	     [JOB_CANCELLED] = "cancelled",
		[JOB_FAILED] = "error",	     [JOB_BROKEN] = "broken",
		[JOB_TIMED_OUT] = "timeout", [JOB_INTERRUPTED] = "interrupted",
	};

	progress_clear(&r->progress);
	if (r->opt->json && res->job_id)
		report_job_end_json(res->job_id, status[res->outcome], res->pages,
				    res->outcome == JOB_FAILED ? scan_error_name(error) : NULL);
	switch (res->outcome) {
	case JOB_DONE:
		if (!r->opt->json)
			printf("job %u: %u page%s saved in %s\n", res->job_id, res->pages, s,
			       r->opt->dir);
		break;
	case JOB_CANCELLED:
		say(r, "job %u was cancelled; %u page%s saved", res->job_id, res->pages, s);
		break;
	case JOB_FAILED:
		if (r->dropped_page)
			say(r, "job %u failed on page %u: %s; %u page%s saved, page %u discarded",
			    res->job_id, r->dropped_page, scan_error_text(error), res->pages, s,
			    r->dropped_page);
		else
			say(r, "job %u failed: %s; %u page%s saved", res->job_id,
			    scan_error_text(error), res->pages, s);
		break;
	case JOB_INTERRUPTED:
		if (res->job_id)
			say(r, "interrupted: job %u stopped; %u page%s saved, no partial page kept",
			    res->job_id, res->pages, s);
		else
			say(r, "interrupted");
		break;
	case JOB_BROKEN:
	case JOB_TIMED_OUT:
		break; /* already said */
	}
	fflush(stdout);
}

void receive_job(struct ring_consumer *rc, const struct receive_options *opt, uint32_t job_id,
		 struct job_result *res)
{
	struct receiver r = { .opt = opt, .rc = rc, .res = res };
	struct irsend_page_desc d;
	uint32_t error = 0;

	r.file.fd = -1;
	progress_init(&r.progress);
	res->job_id = job_id;
	res->pages = 0;
	res->outcome = JOB_DONE;
	while (next_desc(&r, &d)) {
		bool ok = true;
		int ret;

		if (!res->job_id)
			res->job_id = d.job_id;
		if (d.job_id != res->job_id) {
			ok = broken(&r, &d, "a descriptor of another job");
		} else if (d.flags & IRSEND_DESC_JOB_END) {
			end_job(&r, &d, &error);
			drop_page(&r);
		} else {
			ok = take_band(&r, &d);
		}
		/* Released only now that the data is in the file. */
		ret = ring_release(rc, 1);
		if (ok && ret) {
			say(&r, "releasing a descriptor failed: %s", strerror(-ret));
			ok = false;
		}
		if (!ok)
			res->outcome = JOB_BROKEN;
		if (!ok || d.flags & IRSEND_DESC_JOB_END)
			break;
	}
	drop_page(&r);
	report_end(&r, error);
}

int receive_prepare_dir(const char *prog, const char *dir)
{
	struct stat st;

	if (!mkdir(dir, 0777) || (errno == EEXIST && !stat(dir, &st) && S_ISDIR(st.st_mode)))
		return 0;
	if (errno == EEXIST)
		fprintf(stderr, "%s: %s exists and is not a directory\n", prog, dir);
	else
		fprintf(stderr, "%s: cannot create the directory %s: %s\n", prog, dir,
			strerror(errno));
	return -1;
}
