#include "report.h"

#include <stdio.h>

#include "json.h"

static const char *crc_state(const struct irsend_page_desc *d)
{
	return d->flags & IRSEND_DESC_NO_CRC ? "not computed" : "ok";
}

static void report_page_json(const struct page_report *r)
{
	const struct irsend_page_desc *d = r->desc;
	struct json_writer w;

	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_string(&w, "event", "page");
	json_uint(&w, "job", d->job_id);
	json_uint(&w, "page", d->page);
	if (r->pages)
		json_uint(&w, "pages", r->pages);
	json_uint(&w, "width", d->width);
	json_uint(&w, "height", d->height);
	json_uint(&w, "bpp", d->bpp);
	json_uint(&w, "xres", d->xres);
	json_uint(&w, "yres", d->yres);
	json_uint(&w, "bytes", r->bytes);
	json_string(&w, "crc", crc_state(d));
	json_uint(&w, "page_crc", d->page_crc);
	json_string(&w, "file", r->file);
	json_object_close(&w);
	json_end(&w);
}

void report_page(const struct page_report *r, bool json)
{
	const struct irsend_page_desc *d = r->desc;

	if (json) {
		report_page_json(r);
		return;
	}
	if (r->show_job)
		printf("job %u ", d->job_id);
	printf("page %u", d->page);
	if (r->pages)
		printf("/%u", r->pages);
	printf(": %ux%u %u-bit %ux%u dpi, %llu bytes, crc %s\n", d->width, d->height, d->bpp,
	       d->xres, d->yres, (unsigned long long)r->bytes, crc_state(d));
	fflush(stdout);
}

void report_job_end_json(uint32_t job_id, const char *status, uint32_t pages, const char *error)
{
	struct json_writer w;

	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_string(&w, "event", "job_end");
	json_uint(&w, "job", job_id);
	json_string(&w, "status", status);
	json_uint(&w, "pages", pages);
	if (error)
		json_string(&w, "error", error);
	json_object_close(&w);
	json_end(&w);
}

const char *scan_error_text(uint32_t error)
{
	switch (error) {
	case IRSEND_SCAN_ERR_JAM:
		return "paper jam in the document feeder";
	case IRSEND_SCAN_ERR_SHORT_PAGE:
		return "the feeder ended the job in the middle of a page";
	case IRSEND_SCAN_ERR_FEEDER_GONE:
		return "the feeder went away without ending the job";
	default:
		return "the producer reported an error";
	}
}

const char *scan_error_name(uint32_t error)
{
	switch (error) {
	case IRSEND_SCAN_ERR_JAM:
		return "paper-jam";
	case IRSEND_SCAN_ERR_SHORT_PAGE:
		return "short-page";
	case IRSEND_SCAN_ERR_FEEDER_GONE:
		return "feeder-gone";
	default:
		return "unknown";
	}
}
