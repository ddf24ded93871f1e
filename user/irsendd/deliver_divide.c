/*
 * Divided-page I-Fax (service switch IFAX-PGD, simple mode): a TIFF too
 * large for one message goes as several, each a complete TIFF of whole
 * pages in their order, planned by mime_split.h so that every message is
 * within the limit. The subject of each says "(part/parts)". A part is
 * written next to the document under a dot name (never listed as an
 * output) and removed once sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "deliver_mail.h"
#include "errcodes.h"
#include "mime_split.h"

/*
 * Room for " (999/999)" in the subject of a part, folded and perhaps an
 * encoded-word, over the undivided message's headers.
 */
#define PART_HEADER_SLACK 64

/* ".NAME.part-K" in the directory of path: 0, or -1 when it does not fit. */
static int part_path(const char *path, size_t k, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	int n = snprintf(buf, len, "%.*s%s.%s.part-%zu", dirlen, path, slash ? "/" : "",
			 slash ? slash + 1 : path, k + 1);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static unsigned int send_part(struct delivery *d, struct irs_smtp *s, const char *const *rcpt,
			      size_t nrcpt, const struct mime_page_group *g, size_t k,
			      size_t ngroups, struct irs_smtp_result *res)
{
	const struct deliver_file *whole = &d->t->files[0];
	const char *base = strrchr(whole->path, '/');
	struct deliver_file part;
	struct mime_msg *m;
	char err[256];

	snprintf(part.format, sizeof(part.format), "%s", whole->format);
	if (part_path(whole->path, k, part.path, sizeof(part.path)) < 0) {
		delivery_result(res, IRS_E_WORK_AREA_FULL, false, "part %zu: path too long", k + 1);
		return res->code;
	}
	if (tiff_extract_pages(whole->path, g->first, g->count, part.path, err, sizeof(err)) < 0) {
		delivery_result(res, IRS_E_WORK_AREA_FULL, false, "part %zu: %s", k + 1, err);
		return res->code;
	}
	m = delivery_message(d, rcpt, nrcpt, &part, 1, (unsigned int)(k + 1), (unsigned int)ngroups,
			     base ? base + 1 : whole->path, res);
	if (m)
		delivery_send(s, m, res);
	mime_free(m);
	unlink(part.path);
	return res->code;
}

unsigned int delivery_send_divided(struct delivery *d, struct irs_smtp *s, const char *const *rcpt,
				   size_t nrcpt, struct mime_msg *whole, uint64_t limit,
				   struct irs_smtp_result *res)
{
	const char *path = d->t->files[0].path;
	struct mime_page_group *groups = NULL;
	uint64_t *cost = NULL, overhead;
	uint32_t npages = 0;
	size_t ngroups = 0;
	struct stat st;
	char err[256];

	if (stat(path, &st) < 0) {
		delivery_result(res, IRS_E_WORK_AREA_FULL, false, "%.200s: %s", path,
				strerror(errno));
		return res->code;
	}
	if (tiff_page_costs(path, &cost, &npages, err, sizeof(err)) < 0) {
		delivery_result(res, IRS_E_WORK_AREA_FULL, false, "%s", err);
		return res->code;
	}
	/* The message around the document: the whole one less its base64 TIFF. */
	overhead = mime_size(whole) - b64_mime_size((uint64_t)st.st_size) + PART_HEADER_SLACK;
	if (mime_split_pages(cost, npages, overhead, limit, 0, &groups, &ngroups) < 0) {
		if (errno == EFBIG)
			delivery_result(res, IRS_E_TOO_BIG, false,
					"a single page is larger than the limit (%llu bytes) even "
					"in a message of its own",
					(unsigned long long)limit);
		else
			delivery_result(res, IRS_E_WORK_AREA_FULL, true, "out of memory");
		free(cost);
		return res->code;
	}
	for (size_t k = 0; k < ngroups; k++)
		if (send_part(d, s, rcpt, nrcpt, &groups[k], k, ngroups, res) != IRS_E_SENT)
			break;
	if (res->code == IRS_E_SENT) {
		char last[sizeof(res->text)];

		memcpy(last, res->text, sizeof(last));
		snprintf(res->text, sizeof(res->text),
			 "%u pages in %zu messages (IFAX-PGD): %.400s", npages, ngroups, last);
	}
	free(groups);
	free(cost);
	return res->code;
}
