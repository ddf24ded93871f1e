// SPDX-License-Identifier: GPL-2.0
/*
 * CCITT MH, MR and MMR data of a 1-bit page, made by libtiff's fax codecs
 * (never our own): the page is written as a one-strip TIFF into memory
 * and the strip's bytes are taken out. The same bytes then go into a TIFF
 * file with TIFFWriteRawStrip or into a PDF as a CCITTFaxDecode stream, so
 * that pages can be compressed in parallel and written in order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "encode_priv.h"

struct membuf {
	unsigned char *data;
	size_t len, cap;
	size_t pos;
	char msg[200]; /* libtiff's first error */
};

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
	struct membuf *m = h;
	size_t avail = m->pos < m->len ? m->len - m->pos : 0;
	size_t k = (size_t)n < avail ? (size_t)n : avail;

	memcpy(buf, m->data + m->pos, k);
	m->pos += k;
	return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
	struct membuf *m = h;
	size_t end = m->pos + (size_t)n;

	if (end > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		unsigned char *p;

		while (cap < end)
			cap *= 2;
		p = realloc(m->data, cap);
		if (!p)
			return -1;
		m->data = p;
		m->cap = cap;
	}
	if (m->pos > m->len)
		memset(m->data + m->len, 0, m->pos - m->len);
	memcpy(m->data + m->pos, buf, (size_t)n);
	m->pos = end;
	if (end > m->len)
		m->len = end;
	return n;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
	struct membuf *m = h;

	switch (whence) {
	case SEEK_SET:
		m->pos = (size_t)off;
		break;
	case SEEK_CUR:
		m->pos += (size_t)off;
		break;
	case SEEK_END:
		m->pos = m->len + (size_t)off;
		break;
	}
	return m->pos;
}

static int mem_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t mem_size(thandle_t h)
{
	return ((struct membuf *)h)->len;
}

static int mem_map(thandle_t h, void **base, toff_t *size)
{
	(void)h;
	(void)base;
	(void)size;
	return 0;
}

static void mem_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

/* Per-handle handlers: libtiff's global ones print to stderr and are shared by threads. */
static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct membuf *m = user;

	(void)tif;
	(void)module;
	if (!m->msg[0])
		vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

uint32_t ccitt_t4options(enum blob_codec codec)
{
	return codec == CODEC_G3_2D ? GROUP3OPT_2DENCODING : 0;
}

int ccitt_encode(const struct page_image *bits, enum blob_codec codec, struct page_blob *out,
		 char *err, size_t errlen)
{
	struct membuf m = { 0 };
	TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
	size_t row = page_row_bytes(bits->width, 1);
	unsigned char *line = malloc(row);
	uint64_t *offsets = NULL, *counts = NULL;
	TIFF *tif = NULL;
	int ok = 0;

	if (!o || !line) {
		enc_errf(err, errlen, "out of memory");
		goto out;
	}
	TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, &m);
	TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, &m);
	tif = TIFFClientOpenExt("page", "w", &m, mem_read, mem_write, mem_seek, mem_close, mem_size,
				mem_map, mem_unmap, o);
	if (!tif)
		goto fail;
	/* Compression first: it installs the codec whose options follow. */
	if (!TIFFSetField(tif, TIFFTAG_COMPRESSION,
			  codec == CODEC_G4 ? COMPRESSION_CCITTFAX4 : COMPRESSION_CCITTFAX3) ||
	    (codec != CODEC_G4 &&
	     !TIFFSetField(tif, TIFFTAG_GROUP3OPTIONS, ccitt_t4options(codec))) ||
	    !TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, bits->width) ||
	    !TIFFSetField(tif, TIFFTAG_IMAGELENGTH, bits->height) ||
	    !TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1) ||
	    !TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1) ||
	    !TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE) ||
	    !TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB) ||
	    !TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, bits->height) ||
	    /* The MR codec takes its K factor (2 or 4) from the vertical resolution. */
	    !TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)bits->xres) ||
	    !TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)bits->yres) ||
	    !TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH))
		goto fail;
	for (uint32_t y = 0; y < bits->height; y++) {
		/* A copy: TIFFWriteScanline takes a writable buffer, the page is read-only. */
		memcpy(line, (const unsigned char *)bits->rows + (size_t)y * bits->stride, row);
		if (TIFFWriteScanline(tif, line, y, 0) < 0)
			goto fail;
	}
	if (!TIFFFlushData(tif) || !TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets) ||
	    !TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts) || !offsets || !counts ||
	    offsets[0] + counts[0] > m.len)
		goto fail;
	*out = (struct page_blob){
		.len = (size_t)counts[0],
		.codec = codec,
		.width = bits->width,
		.height = bits->height,
		.components = 1,
		.bits = 1,
		.xres = bits->xres,
		.yres = bits->yres,
	};
	out->data = malloc(out->len ? out->len : 1);
	if (!out->data) {
		enc_errf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out->data, m.data + offsets[0], out->len);
	ok = 1;
	goto out;
fail:
	enc_errf(err, errlen, "CCITT compression failed: %s", m.msg[0] ? m.msg : "out of memory");
out:
	if (tif)
		TIFFClose(tif);
	if (o)
		TIFFOpenOptionsFree(o);
	free(line);
	free(m.data);
	return ok ? 0 : -1;
}
