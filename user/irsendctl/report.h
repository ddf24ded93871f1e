/* What scan and capture print about pages and jobs: lines, or JSON lines with --json. */
#ifndef IRSENDCTL_REPORT_H
#define IRSENDCTL_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/irsend.h>

struct page_report {
	const struct irsend_page_desc *desc; /* the page's last band */
	uint32_t pages;			     /* in the job; 0: not known */
	uint64_t bytes;			     /* of pixel data */
	const char *file;
	bool show_job; /* "job 7 page 1: ..." */
};

/*
 * "page 1/5: 4960x7016 1-bit 600x600 dpi, 4349920 bytes, crc ok", or
 * {"event":"page",...} with json.
 */
void report_page(const struct page_report *r, bool json);

/* {"event":"job_end","job":..,"status":..,"pages":..[,"error":..]}; nothing without json. */
void report_job_end_json(uint32_t job_id, const char *status, uint32_t pages, const char *error);

/* What an IRSEND_SCAN_ERR_* means, for people. */
const char *scan_error_text(uint32_t error);

/* Its short name for JSON: "paper-jam", ... */
const char *scan_error_name(uint32_t error);

#endif
