// SPDX-License-Identifier: GPL-2.0
/*
 * A PDF written as the pages come: each page's image, content stream and
 * page object go out at once, keeping only their byte offsets; the page
 * tree, document info, cross-reference table and trailer follow the last
 * page. Object numbers are fixed by position (1 catalog, 2 page tree,
 * then three per page, then info), so the tree's kids are known without
 * keeping them.
 *
 * 1-bit pages are CCITT G4 (CCITTFaxDecode, K -1; the data codes 1-bits as
 * black, which is BlackIs1 false with DeviceGray 0 for black), grey and
 * colour pages JPEG (DCTDecode). The page size in points is the pixel count
 * at the page's resolution, so the paper size is kept.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encode_priv.h"

#ifndef IRSEND_VERSION
#define IRSEND_VERSION "dev"
#endif

#define OBJ_CATALOG 1
#define OBJ_PAGES 2
#define OBJ_FIRST_PAGE 3
#define OBJS_PER_PAGE 3

struct pdf_doc {
	struct outfile *of;
	uint64_t *off; /* off[n]: where object n starts */
	size_t cap;
	uint32_t pages;
};

static int emit(struct pdf_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int emit(struct pdf_doc *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return outfile_write(d->of, buf, (size_t)n);
}

/* Note where object num starts and write its header. */
static int begin_obj(struct pdf_doc *d, uint32_t num)
{
	if (num >= d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		uint64_t *p;

		while (cap <= num)
			cap *= 2;
		p = realloc(d->off, cap * sizeof(*p));
		if (!p)
			return -1;
		memset(p + d->cap, 0, (cap - d->cap) * sizeof(*p));
		d->off = p;
		d->cap = cap;
	}
	d->off[num] = d->of->offset;
	return emit(d, "%u 0 obj\n", num);
}

static int write_error(struct pdf_doc *d, char *err, size_t errlen)
{
	if (d->of->error)
		enc_errf(err, errlen, "writing %s: %s", d->of->path, strerror(d->of->error));
	else
		enc_errf(err, errlen, "out of memory writing %s", d->of->path);
	return -1;
}

struct pdf_doc *pdf_begin(struct outfile *of, char *err, size_t errlen)
{
	struct pdf_doc *d = calloc(1, sizeof(*d));

	if (!d) {
		enc_errf(err, errlen, "out of memory");
		return NULL;
	}
	d->of = of;
	/* The binary comment line tells transfer tools the file is not text. */
	if (emit(d, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n") || begin_obj(d, OBJ_CATALOG) ||
	    emit(d, "<< /Type /Catalog /Pages %u 0 R >>\nendobj\n", OBJ_PAGES)) {
		write_error(d, err, errlen);
		pdf_free(d);
		return NULL;
	}
	return d;
}

/* A length in points, without trailing zeros. */
static void points(char *buf, size_t size, uint32_t pixels, unsigned int dpi)
{
	int n = snprintf(buf, size, "%.4f", pixels * 72.0 / dpi);

	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = 0;
}

int pdf_add_page(struct pdf_doc *d, const struct page_blob *b, char *err, size_t errlen)
{
	uint32_t img = OBJ_FIRST_PAGE + OBJS_PER_PAGE * d->pages;
	char w[32], h[32], content[128];
	int n, rc;

	points(w, sizeof(w), b->width, b->xres);
	points(h, sizeof(h), b->height, b->yres);
	n = snprintf(content, sizeof(content), "q %s 0 0 %s 0 0 cm /Im0 Do Q\n", w, h);
	if (begin_obj(d, img))
		return write_error(d, err, errlen);
	if (b->codec == CODEC_JPEG)
		rc = emit(d,
			  "<< /Type /XObject /Subtype /Image /Width %u /Height %u /ColorSpace %s "
			  "/BitsPerComponent 8 /Filter /DCTDecode /Length %zu >>\nstream\n",
			  b->width, b->height, b->components == 1 ? "/DeviceGray" : "/DeviceRGB",
			  b->len);
	else
		rc = emit(d,
			  "<< /Type /XObject /Subtype /Image /Width %u /Height %u "
			  "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode "
			  "/DecodeParms << /K -1 /Columns %u /Rows %u /BlackIs1 false >> "
			  "/Length %zu >>\nstream\n",
			  b->width, b->height, b->width, b->height, b->len);
	if (rc || outfile_write(d->of, b->data, b->len) || emit(d, "\nendstream\nendobj\n") ||
	    begin_obj(d, img + 1) ||
	    emit(d, "<< /Length %d >>\nstream\n%sendstream\nendobj\n", n, content) ||
	    begin_obj(d, img + 2) ||
	    emit(d,
		 "<< /Type /Page /Parent %u 0 R /MediaBox [0 0 %s %s] "
		 "/Resources << /XObject << /Im0 %u 0 R >> >> /Contents %u 0 R >>\nendobj\n",
		 OBJ_PAGES, w, h, img, img + 1))
		return write_error(d, err, errlen);
	d->pages++;
	return 0;
}

int pdf_end(struct pdf_doc *d, char *err, size_t errlen)
{
	uint32_t info = OBJ_FIRST_PAGE + OBJS_PER_PAGE * d->pages;
	char date[32];
	time_t now = time(NULL);
	struct tm tm;
	uint64_t xref;
	int rc = -1;

	if (!gmtime_r(&now, &tm) || !strftime(date, sizeof(date), "D:%Y%m%d%H%M%SZ", &tm))
		strcpy(date, "D:19700101000000Z");
	if (begin_obj(d, OBJ_PAGES) || emit(d, "<< /Type /Pages /Kids ["))
		goto fail;
	for (uint32_t i = 0; i < d->pages; i++)
		if (emit(d, "%s%u 0 R", i ? " " : "", OBJ_FIRST_PAGE + OBJS_PER_PAGE * i + 2))
			goto fail;
	if (emit(d, "] /Count %u >>\nendobj\n", d->pages) || begin_obj(d, info) ||
	    emit(d, "<< /Producer (irsend %s) /CreationDate (%s) >>\nendobj\n", IRSEND_VERSION,
		 date))
		goto fail;
	xref = d->of->offset;
	if (emit(d, "xref\n0 %u\n0000000000 65535 f \n", info + 1))
		goto fail;
	for (uint32_t i = 1; i <= info; i++)
		if (emit(d, "%010llu 00000 n \n", (unsigned long long)d->off[i]))
			goto fail;
	if (emit(d, "trailer\n<< /Size %u /Root %u 0 R /Info %u 0 R >>\nstartxref\n%llu\n%%%%EOF\n",
		 info + 1, OBJ_CATALOG, info, (unsigned long long)xref))
		goto fail;
	rc = 0;
	goto out;
fail:
	write_error(d, err, errlen);
out:
	pdf_free(d);
	return rc;
}

void pdf_free(struct pdf_doc *d)
{
	if (!d)
		return;
	free(d->off);
	free(d);
}
