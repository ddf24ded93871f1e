/*
 * The scan stage: start a job on the simulated ADF and spool its pages
 * as they come out of the page ring, one descriptor per step. A page is
 * in the spool whole and checked (band and page CRC) or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engine_priv.h"
#include "errcodes.h"
#include "log.h"
#include "pnm.h"

static const char *scan_error_text(uint32_t error)
{
	switch (error) {
	case IRSEND_SCAN_ERR_JAM:
		return "paper jam in the feeder";
	case IRSEND_SCAN_ERR_SHORT_PAGE:
		return "the scanner ended inside a page";
	case IRSEND_SCAN_ERR_FEEDER_GONE:
		return "the scanner went away";
	default:
		return "scanner error";
	}
}

void stage_scan_cleanup(struct engine *e, struct engine_job *j)
{
	page_writer_abort(j->pw);
	j->pw = NULL;
	if (j->ring_job && e->rc && !j->cancel_sent) {
		struct irsend_scan_cancel c = { .size = sizeof(c), .job_id = j->ring_job };

		/* ESRCH: it ended already; its descriptors are drained as foreign. */
		ioctl(e->rc->fd, IRSEND_IOC_SCAN_CANCEL, &c);
	}
	j->ring_job = 0;
}

void stage_scan_drain(struct engine *e)
{
	struct irsend_page_desc d;

	if (!e->rc)
		return;
	while (ring_next(e->rc, 0, &d) == 0) {
		if (d.flags & IRSEND_DESC_JOB_END)
			log_msg(LOG_DEBUG, 0, "ignored the pages of module job %u (not ours)",
				d.job_id);
		ring_release(e->rc, 1);
	}
}

static int start(struct engine *e, struct engine_job *j)
{
	struct irsend_scan_request req = j->spec.scan;

	req.size = sizeof(req);
	if (ioctl(e->rc->fd, IRSEND_IOC_SCAN_START, &req) < 0) {
		int err = errno;

		engine_end(e, j, JOB_RESULT_FAILED, 0, "the scanner refused the job: %s",
			   err == EBUSY ? "it is busy with another job" : strerror(err));
		return 1;
	}
	j->ring_job = req.job_id;
	j->cancel_sent = false;
	j->last_data_ms = engine_now_ms();
	log_msg(LOG_INFO, j->spec.id, "scanning %u page%s (module job %u)", req.pages,
		req.pages == 1 ? "" : "s", req.job_id);
	return 1;
}

static void send_cancel(struct engine *e, struct engine_job *j)
{
	struct irsend_scan_cancel c = { .size = sizeof(c), .job_id = j->ring_job };

	if (ioctl(e->rc->fd, IRSEND_IOC_SCAN_CANCEL, &c) < 0 && errno != ESRCH)
		log_msg(LOG_WARNING, j->spec.id, "cancelling the scan failed: %s", strerror(errno));
	j->cancel_sent = true;
}

static int job_end(struct engine *e, struct engine_job *j, const struct irsend_page_desc *d)
{
	j->ring_job = 0;
	if (j->cancel) {
		engine_end(e, j, JOB_RESULT_CANCELLED, IRS_E_CANCELLED_SENDING,
			   "cancelled by an operator during the scan");
	} else if (d->flags & IRSEND_DESC_ERROR) {
		engine_end(e, j, JOB_RESULT_FAILED, 0, "%s after %u page%s",
			   scan_error_text(d->error), j->st.pages, j->st.pages == 1 ? "" : "s");
	} else if (d->flags & IRSEND_DESC_CANCELLED) {
		engine_end(e, j, JOB_RESULT_CANCELLED, IRS_E_CANCELLED, "the scan was cancelled");
	} else if (j->pw || j->st.pages == 0) {
		engine_end(e, j, JOB_RESULT_FAILED, 0, "the scan ended %s",
			   j->pw ? "inside a page" : "without a page");
	} else if (engine_advance(e, j, JOB_ENCODING) == 0) {
		log_msg(LOG_INFO, j->spec.id, "scanned %u page%s", j->st.pages,
			j->st.pages == 1 ? "" : "s");
	}
	return 1;
}

/* Write a band's rows to the page file, dropping any padding past each row. */
static int write_band(struct engine_job *j, const struct irsend_page_desc *d,
		      const unsigned char *data, char *err, size_t errlen)
{
	size_t row_bytes;
	uint64_t total;

	if (!pnm_page_size(d->width, d->height, d->bpp, &row_bytes, &total) ||
	    d->stride < row_bytes) {
		snprintf(err, errlen, "a band with an impossible geometry");
		return -1;
	}
	if (d->stride == row_bytes)
		return page_writer_rows(j->pw, data, (size_t)d->rows * row_bytes, err, errlen);
	for (uint32_t r = 0; r < d->rows; r++)
		if (page_writer_rows(j->pw, data + (size_t)r * d->stride, row_bytes, err, errlen) <
		    0)
			return -1;
	return 0;
}

static int band(struct engine *e, struct engine_job *j, const struct irsend_page_desc *d)
{
	const unsigned char *data = ring_band_data(e->rc, d);
	char dir[JOURNAL_PATH_MAX], err[300];

	if (!data || !ring_band_crc_ok(d, data)) {
		snprintf(err, sizeof(err), "page %u: a band %s", d->page,
			 data ? "failed its CRC check" : "lies outside the ring");
		goto broken;
	}
	if (!j->pw) {
		if (d->y != 0 || d->page != j->st.pages + 1) {
			snprintf(err, sizeof(err), "page %u row %u arrived out of order", d->page,
				 d->y);
			goto broken;
		}
		engine_pages_dir(e, j, dir, sizeof(dir));
		j->pw = page_writer_open(dir, d->page, d->width, d->height, d->bpp, d->xres,
					 d->yres, err, sizeof(err));
		if (!j->pw)
			goto broken;
		j->page_rows = 0;
		page_crc_start(&j->crc);
	} else if (d->y != j->page_rows) {
		snprintf(err, sizeof(err), "page %u row %u arrived out of order", d->page, d->y);
		goto broken;
	}
	page_crc_add(&j->crc, data, d->length);
	if (write_band(j, d, data, err, sizeof(err)) < 0)
		goto broken;
	j->page_rows += d->rows;
	ring_release(e->rc, 1);
	if (!(d->flags & IRSEND_DESC_PAGE_END))
		return 1;
	if (j->page_rows != d->height || !page_crc_ok(&j->crc, d)) {
		snprintf(err, sizeof(err), "page %u is %s", d->page,
			 j->page_rows != d->height ? "short" : "corrupt (page CRC)");
		return engine_end(e, j, JOB_RESULT_FAILED, 0, "%s", err), 1;
	}
	if (page_writer_commit(j->pw, err, sizeof(err)) < 0) {
		j->pw = NULL;
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
		return 1;
	}
	j->pw = NULL;
	j->st.pages++;
	if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
		return 1;
	}
	engine_notify(e, j, ENGINE_EV_PROGRESS);
	return 1;
broken:
	ring_release(e->rc, 1);
	engine_end(e, j, JOB_RESULT_FAILED, 0, "%s", err);
	return 1;
}

int stage_scan_step(struct engine *e, struct engine_job *j)
{
	struct irsend_page_desc d;
	int ret;

	if (!j->ring_job)
		return j->cancel ? 1 : start(e, j);
	if (j->cancel && !j->cancel_sent)
		send_cancel(e, j);
	ret = ring_next(e->rc, 0, &d);
	if (ret == -ETIMEDOUT || ret == -EAGAIN || ret == -EINTR) {
		if (engine_now_ms() - j->last_data_ms < e->scan_timeout_ms)
			return 0;
		send_cancel(e, j);
		j->ring_job = 0;
		engine_end(e, j, JOB_RESULT_FAILED, 0, "the scanner delivered nothing for %u s",
			   e->scan_timeout_ms / 1000);
		return 1;
	}
	if (ret < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, 0, "reading the page ring failed: %s",
			   strerror(-ret));
		return 1;
	}
	j->last_data_ms = engine_now_ms();
	if (d.job_id != j->ring_job) {
		ring_release(e->rc, 1);
		return 1;
	}
	if (d.flags & IRSEND_DESC_JOB_END) {
		ring_release(e->rc, 1);
		return job_end(e, j, &d);
	}
	return band(e, j, &d);
}
