// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-page TIFF of precompressed CCITT pages: one directory per page,
 * one strip per page (what I-Fax profile S asks, and harmless elsewhere),
 * written by libtiff with TIFFWriteRawStrip so that the data made by
 * ccitt.c goes in unchanged. libtiff writes through our descriptor so that
 * a full disk is seen as the errno it is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>

#include "encode_priv.h"

#ifndef IRSEND_VERSION
#define IRSEND_VERSION "dev"
#endif

struct tiff_doc {
	struct outfile *of;
	TIFF *tif;
	uint32_t pages;
	char msg[200]; /* libtiff's first error */
};

static tmsize_t fd_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tiff_doc *d = h;
	ssize_t r;

	do
		r = read(d->of->fd, buf, (size_t)n);
	while (r < 0 && errno == EINTR);
	return r;
}

static tmsize_t fd_write(thandle_t h, void *buf, tmsize_t n)
{
	struct tiff_doc *d = h;
	const unsigned char *p = buf;
	size_t left = (size_t)n;

	if (d->of->error)
		return -1;
	while (left) {
		ssize_t w = write(d->of->fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			d->of->error = w < 0 ? errno : EIO;
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	return n;
}

static toff_t fd_seek(thandle_t h, toff_t off, int whence)
{
	struct tiff_doc *d = h;

	return (toff_t)lseek(d->of->fd, (off_t)off, whence);
}

static int fd_close(thandle_t h)
{
	/* The descriptor belongs to the outfile, which syncs and closes it. */
	(void)h;
	return 0;
}

static toff_t fd_size(thandle_t h)
{
	struct tiff_doc *d = h;
	struct stat st;

	return fstat(d->of->fd, &st) ? 0 : (toff_t)st.st_size;
}

static int fd_map(thandle_t h, void **base, toff_t *size)
{
	(void)h;
	(void)base;
	(void)size;
	return 0;
}

static void fd_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct tiff_doc *d = user;

	(void)tif;
	(void)module;
	if (!d->msg[0])
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
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

static int fail(struct tiff_doc *d, char *err, size_t errlen)
{
	if (d->of->error)
		enc_errf(err, errlen, "writing %s: %s", d->of->path, strerror(d->of->error));
	else
		enc_errf(err, errlen, "writing %s: %s", d->of->path,
			 d->msg[0] ? d->msg : "libtiff failed");
	return -1;
}

struct tiff_doc *tiff_begin(struct outfile *of, char *err, size_t errlen)
{
	struct tiff_doc *d = calloc(1, sizeof(*d));
	TIFFOpenOptions *o = TIFFOpenOptionsAlloc();

	if (!d || !o) {
		enc_errf(err, errlen, "out of memory");
		goto out;
	}
	d->of = of;
	TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, d);
	TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, d);
	d->tif = TIFFClientOpenExt(of->path, "w", d, fd_read, fd_write, fd_seek, fd_close, fd_size,
				   fd_map, fd_unmap, o);
	if (!d->tif) {
		fail(d, err, errlen);
		free(d);
		d = NULL;
	}
out:
	if (o)
		TIFFOpenOptionsFree(o);
	return d;
}

int tiff_add_page(struct tiff_doc *d, const struct page_blob *b, char *err, size_t errlen)
{
	TIFF *tif = d->tif;

	if (b->codec == CODEC_JPEG || b->bits != 1) {
		enc_errf(err, errlen, "internal error: a non-CCITT page for a TIFF");
		return -1;
	}
	if (!TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) ||
	    !TIFFSetField(tif, TIFFTAG_COMPRESSION,
			  b->codec == CODEC_G4 ? COMPRESSION_CCITTFAX4 : COMPRESSION_CCITTFAX3) ||
	    (b->codec != CODEC_G4 &&
	     !TIFFSetField(tif, TIFFTAG_GROUP3OPTIONS, ccitt_t4options(b->codec))) ||
	    !TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, b->width) ||
	    !TIFFSetField(tif, TIFFTAG_IMAGELENGTH, b->height) ||
	    !TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1) ||
	    !TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1) ||
	    !TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE) ||
	    !TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB) ||
	    !TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, b->height) ||
	    !TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)b->xres) ||
	    !TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)b->yres) ||
	    !TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH) ||
	    /* The page count is not known while streaming: 0 says so. */
	    !TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)d->pages, (uint16_t)0) ||
	    !TIFFSetField(tif, TIFFTAG_SOFTWARE, "irsend " IRSEND_VERSION))
		return fail(d, err, errlen);
	if (TIFFWriteRawStrip(tif, 0, b->data, (tmsize_t)b->len) != (tmsize_t)b->len ||
	    !TIFFWriteDirectory(tif))
		return fail(d, err, errlen);
	d->pages++;
	return 0;
}

int tiff_end(struct tiff_doc *d, char *err, size_t errlen)
{
	int rc = 0;

	/* Every directory is already written; closing flushes nothing more. */
	TIFFClose(d->tif);
	d->tif = NULL;
	if (d->of->error || d->msg[0])
		rc = fail(d, err, errlen);
	free(d);
	return rc;
}

void tiff_free(struct tiff_doc *d)
{
	if (!d)
		return;
	if (d->tif)
		TIFFClose(d->tif);
	free(d);
}
