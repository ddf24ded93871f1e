/*
 * Divided-page I-Fax sending (service switch IFAX-PGD, simple mode): a
 * document too large for one message goes as several, each a complete
 * TIFF of some of its pages, so that every message fits the size limit.
 *
 * The job engine:
 *
 *	uint64_t *cost; uint32_t n;
 *	tiff_page_costs(doc, &cost, &n, err, sizeof(err));   // bytes each page adds
 *	overhead = mime_size() of the message with the same headers and an empty TIFF;
 *	mime_split_pages(cost, n, overhead, limit, per_msg, &g, &ng);  // -1: a page alone is
 *								       // too big (#705)
 *	for each group k: tiff_extract_pages(doc, g[k].first, g[k].count, part_path, ...);
 *		message with .part = k + 1, .parts = ng, attaching part_path
 *
 * Pages are copied as they were compressed (raw strips, no re-encoding),
 * so a part is byte for byte the pages of the original.
 */
#ifndef IRSEND_MAIL_MIME_SPLIT_H
#define IRSEND_MAIL_MIME_SPLIT_H

#include <stddef.h>
#include <stdint.h>

struct mime_page_group {
	uint32_t first; /* 0-based page index */
	uint32_t count;
};

/*
 * Group npages pages, page i adding cost[i] bytes to a TIFF, into
 * messages of at most limit bytes each (overhead: the message around an
 * empty TIFF), at most per_msg pages each (0: as many as fit). 0 with
 * *groups (free() it) and *ngroups, or -1 when a single page does not fit
 * (#705) or memory runs out (errno ENOMEM).
 */
int mime_split_pages(const uint64_t *cost, uint32_t npages, uint64_t overhead, uint64_t limit,
		     uint32_t per_msg, struct mime_page_group **groups, size_t *ngroups);

/* Bytes of a TIFF holding pages whose costs sum to page_bytes (the 8-byte file header). */
uint64_t tiff_file_size(uint64_t page_bytes);

/*
 * The bytes each page of the TIFF at path adds to a file: its strips plus
 * an allowance for its directory and tag values (an upper bound, so a
 * group planned to fit does fit). 0 with *cost (free() it) and *npages, or
 * -1 with a reason in err.
 */
int tiff_page_costs(const char *path, uint64_t **cost, uint32_t *npages, char *err, size_t errlen);

/*
 * Write pages first .. first+count-1 of src as a new TIFF at dst (page
 * numbers renumbered from 1 of count). 0, or -1 with a reason in err and
 * dst removed.
 */
int tiff_extract_pages(const char *src, uint32_t first, uint32_t count, const char *dst, char *err,
		       size_t errlen);

#endif
