/*
 * Pages kept on the data disk between scanning and encoding, one
 * compressed file per page (DIR/page-0001.pnm.gz): a line with the
 * resolution, then the page as binary PNM. A page file appears whole or
 * not at all. Only one page is ever in memory.
 */
#ifndef IRSEND_PAGE_SPOOL_H
#define IRSEND_PAGE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "encoder.h"

struct page_writer;

/* Start page number n (from 1) in dir: NULL with err on failure. */
struct page_writer *page_writer_open(const char *dir, uint32_t n, uint32_t width, uint32_t height,
				     unsigned int bpp, unsigned int xres, unsigned int yres,
				     char *err, size_t errlen);
/* Append rows (whole rows, in order): 0, or -1 with err. */
int page_writer_rows(struct page_writer *w, const void *rows, size_t len, char *err, size_t errlen);
/* All rows written: sync and put the page in place: 0, or -1 with err (nothing left). */
int page_writer_commit(struct page_writer *w, char *err, size_t errlen);
/* Drop an unfinished page. NULL is fine. */
void page_writer_abort(struct page_writer *w);

/*
 * Read page n of dir into *page, allocating its rows (free page->rows
 * with page_spool_free()): 0, or -1 with err.
 */
int page_spool_read(const char *dir, uint32_t n, struct page_image *page, char *err, size_t errlen);
void page_spool_free(struct page_image *page);

#endif
