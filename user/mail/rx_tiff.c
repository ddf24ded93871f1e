// SPDX-License-Identifier: GPL-2.0
/*
 * TIFF intake: a received TIFF (in memory) is checked page by page and
 * every row of every page is decoded with libtiff before any of it is
 * kept; the pages then go into document.tif with their compressed strips
 * copied as they came (no re-encoding, so the received coding is what is
 * stored).
 *
 * Bounds: libtiff's own allocations are capped near the file's size, rows
 * are decoded one at a time (strips) or one tile at a time (tiles of at
 * most MAX_TILE_BYTES), pages are at most RX_MAX_WIDTH x RX_MAX_HEIGHT, and
 * the bitmap bytes all pages would need are charged to a budget, so a few
 * KB of MMR claiming gigapixels cannot keep us decoding for minutes.
 */
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "rx_priv.h"

#define MAX_TILE_BYTES (16u << 20)

struct mem_file {
	const unsigned char *p;
	toff_t len, pos;
};

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
	struct mem_file *m = h;
	toff_t left = m->pos < m->len ? m->len - m->pos : 0;

	if (n < 0)
		return -1;
	if ((toff_t)n > left)
		n = (tmsize_t)left;
	memcpy(buf, m->p + m->pos, (size_t)n);
	m->pos += (toff_t)n;
	return n;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
	(void)h;
	(void)buf;
	(void)n;
	return -1;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
	struct mem_file *m = h;
	toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;

	if (off > UINT64_MAX - base)
		return (toff_t)-1;
	m->pos = base + off;
	return m->pos;
}

static int mem_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t mem_size(thandle_t h)
{
	return ((struct mem_file *)h)->len;
}

static int mem_map(thandle_t h, void **base, toff_t *size)
{
	struct mem_file *m = h;

	*base = (void *)m->p;
	*size = m->len;
	return 1;
}

static void mem_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

/* libtiff's complaints are counted, never printed: a decode with one is a failed decode. */
struct tiff_log {
	unsigned errors;
};

static int on_error(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)t;
	(void)module;
	(void)fmt;
	(void)ap;
	((struct tiff_log *)user)->errors++;
	return 1;
}

static int on_warning(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)t;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

static TIFF *open_mem(struct mem_file *m, struct tiff_log *log)
{
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
	TIFF *t;

	if (!opts)
		return NULL;
	/* Nothing libtiff needs for a file already in memory is much larger than the file. */
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(m->len + (4u << 20)));
	TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, log);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, log);
	t = TIFFClientOpenExt("received.tif", "r", m, mem_read, mem_write, mem_seek, mem_close,
			      mem_size, mem_map, mem_unmap, opts);
	TIFFOpenOptionsFree(opts);
	return t;
}

static bool fax_compression(uint16_t c)
{
	return c == COMPRESSION_NONE || c == COMPRESSION_CCITTRLE || c == COMPRESSION_CCITTRLEW ||
	       c == COMPRESSION_CCITTFAX3 || c == COMPRESSION_CCITTFAX4 ||
	       c == COMPRESSION_PACKBITS;
}

static const char *compression_name(uint16_t c)
{
	switch (c) {
	case COMPRESSION_CCITTFAX3:
		return "MH/MR";
	case COMPRESSION_CCITTFAX4:
		return "MMR";
	case COMPRESSION_CCITTRLE:
	case COMPRESSION_CCITTRLEW:
		return "CCITT RLE";
	case COMPRESSION_PACKBITS:
		return "PackBits";
	default:
		return "uncompressed";
	}
}

/* Decode every row of the current page: 0, or nonzero (errcode, detail set). */
static unsigned decode_page(TIFF *t, unsigned page, uint32_t h, uint16_t comp, struct tiff_log *log,
			    struct rx_tiff_check *out)
{
	unsigned rc = 0;
	void *buf = NULL;

	log->errors = 0;
	if (TIFFIsTiled(t)) {
		uint64_t size = TIFFTileSize64(t);
		uint32_t tiles = TIFFNumberOfTiles(t), tw = 0, tl = 0;

		TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
		TIFFGetField(t, TIFFTAG_TILELENGTH, &tl);
		/* TIFF 6.0 wants multiples of 16; libtiff reads others but will not write them. */
		if (!size || size > MAX_TILE_BYTES || !tiles || !tw || !tl || tw % 16 || tl % 16) {
			snprintf(out->detail, sizeof(out->detail), "page %u has unusable tiles",
				 page);
			return IRS_E_RX_TIFF;
		}
		buf = malloc((size_t)size);
		if (!buf)
			return IRS_E_RX_TIFF;
		for (uint32_t i = 0; i < tiles && !rc; i++)
			if (TIFFReadEncodedTile(t, i, buf, (tmsize_t)size) < 0 || log->errors)
				rc = i + 1;
		if (rc)
			snprintf(out->detail, sizeof(out->detail),
				 "page %u tile %u does not decode (%s)", page, rc - 1,
				 compression_name(comp));
	} else {
		uint64_t size = TIFFScanlineSize64(t);
		uint64_t *counts = NULL;

		if (!size || !TIFFNumberOfStrips(t) ||
		    !TIFFGetField(t, TIFFTAG_STRIPBYTECOUNTS, &counts) || !counts) {
			snprintf(out->detail, sizeof(out->detail), "page %u has no image strips",
				 page);
			return IRS_E_RX_TIFF;
		}
		buf = malloc((size_t)size);
		if (!buf)
			return IRS_E_RX_TIFF;
		for (uint32_t row = 0; row < h && !rc; row++)
			if (TIFFReadScanline(t, buf, row, 0) < 0 || log->errors)
				rc = row + 1;
		if (rc)
			snprintf(out->detail, sizeof(out->detail),
				 "page %u does not decode at row %u (%s)", page, rc - 1,
				 compression_name(comp));
	}
	free(buf);
	return rc ? IRS_E_RX_IMAGE : 0;
}

static unsigned check_page(TIFF *t, unsigned page, uint64_t *budget, struct tiff_log *log,
			   struct rx_tiff_check *out)
{
	uint32_t w = 0, h = 0;
	uint16_t bps = 1, spp = 1, comp = COMPRESSION_NONE, photo = PHOTOMETRIC_MINISWHITE;
	uint64_t bytes;

	if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h)) {
		snprintf(out->detail, sizeof(out->detail), "page %u has no size", page);
		return IRS_E_RX_TIFF;
	}
	if (!w || !h || w > RX_MAX_WIDTH || h > RX_MAX_HEIGHT) {
		snprintf(out->detail, sizeof(out->detail),
			 "page %u is %ux%u pixels (at most %ux%u)", page, w, h, RX_MAX_WIDTH,
			 RX_MAX_HEIGHT);
		return IRS_E_RX_TIFF;
	}
	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
	if (bps != 1 || spp != 1 ||
	    (photo != PHOTOMETRIC_MINISWHITE && photo != PHOTOMETRIC_MINISBLACK)) {
		snprintf(out->detail, sizeof(out->detail),
			 "page %u is not black and white (%u bits, %u samples): cannot be output",
			 page, bps, spp);
		return IRS_E_RX_UNPRINTABLE;
	}
	if (!fax_compression(comp)) {
		snprintf(out->detail, sizeof(out->detail),
			 "page %u uses compression %u, not a fax coding: cannot be output", page,
			 comp);
		return IRS_E_RX_UNPRINTABLE;
	}
	bytes = (uint64_t)(w + 7) / 8 * h;
	if (bytes > *budget) {
		snprintf(out->detail, sizeof(out->detail),
			 "page %u: the document's pages are larger than the reception limit", page);
		return IRS_E_RX_TOO_MANY_PAGES;
	}
	*budget -= bytes;
	return decode_page(t, page, h, comp, log, out);
}

void rx_tiff_validate(const void *data, size_t len, unsigned max_pages, uint64_t *budget,
		      struct rx_tiff_check *out)
{
	struct mem_file m = { .p = data, .len = len };
	struct tiff_log log = { 0 };
	TIFF *t;

	memset(out, 0, sizeof(*out));
	if (!len) {
		out->errcode = IRS_E_RX_TIFF;
		snprintf(out->detail, sizeof(out->detail), "the TIFF file is empty");
		return;
	}
	t = open_mem(&m, &log);
	if (!t) {
		out->errcode = IRS_E_RX_TIFF;
		snprintf(out->detail, sizeof(out->detail), "not a TIFF file libtiff can read");
		return;
	}
	for (;;) {
		if (out->pages == max_pages) {
			out->more = true;
			break;
		}
		out->errcode = check_page(t, out->pages + 1, budget, &log, out);
		if (out->errcode)
			break;
		out->pages++;
		log.errors = 0;
		if (!TIFFReadDirectory(t)) {
			if (log.errors) {
				out->errcode = IRS_E_RX_TIFF;
				snprintf(out->detail, sizeof(out->detail),
					 "the directory after page %u is broken", out->pages);
			}
			break;
		}
	}
	TIFFClose(t);
}

/* --- the document ---------------------------------------------------------------- */

struct rx_tiff_out {
	TIFF *t;
	struct tiff_log log;
};

struct rx_tiff_out *rx_tiff_out_open(const char *path)
{
	struct rx_tiff_out *o = calloc(1, sizeof(*o));
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();

	if (!o || !opts) {
		free(o);
		TIFFOpenOptionsFree(opts);
		return NULL;
	}
	TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &o->log);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &o->log);
	o->t = TIFFOpenExt(path, "w", opts);
	TIFFOpenOptionsFree(opts);
	if (!o->t) {
		free(o);
		return NULL;
	}
	return o;
}

/* The tags of a fax page, from in's current directory. */
static int copy_tags(TIFF *in, TIFF *out, unsigned page, unsigned total)
{
	uint32_t w, h, rps, tw, tl, opts;
	uint16_t comp = COMPRESSION_NONE, photo = PHOTOMETRIC_MINISWHITE, fill = FILLORDER_MSB2LSB;
	uint16_t unit, orient;
	float xr, yr;

	if (!TIFFGetField(in, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(in, TIFFTAG_IMAGELENGTH, &h))
		return -1;
	TIFFGetFieldDefaulted(in, TIFFTAG_COMPRESSION, &comp);
	TIFFGetField(in, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetField(in, TIFFTAG_FILLORDER, &fill);
	if (!TIFFSetField(out, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) ||
	    !TIFFSetField(out, TIFFTAG_IMAGEWIDTH, w) ||
	    !TIFFSetField(out, TIFFTAG_IMAGELENGTH, h) ||
	    !TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 1) ||
	    !TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1) ||
	    !TIFFSetField(out, TIFFTAG_COMPRESSION, comp) ||
	    !TIFFSetField(out, TIFFTAG_PHOTOMETRIC, photo) ||
	    !TIFFSetField(out, TIFFTAG_FILLORDER, fill) ||
	    !TIFFSetField(out, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(out, TIFFTAG_PAGENUMBER, (uint16_t)page, (uint16_t)total))
		return -1;
	if (comp == COMPRESSION_CCITTFAX3 && TIFFGetField(in, TIFFTAG_GROUP3OPTIONS, &opts) &&
	    !TIFFSetField(out, TIFFTAG_GROUP3OPTIONS, opts))
		return -1;
	if (comp == COMPRESSION_CCITTFAX4 && TIFFGetField(in, TIFFTAG_GROUP4OPTIONS, &opts) &&
	    !TIFFSetField(out, TIFFTAG_GROUP4OPTIONS, opts))
		return -1;
	if (TIFFIsTiled(in)) {
		if (!TIFFGetField(in, TIFFTAG_TILEWIDTH, &tw) ||
		    !TIFFGetField(in, TIFFTAG_TILELENGTH, &tl) ||
		    !TIFFSetField(out, TIFFTAG_TILEWIDTH, tw) ||
		    !TIFFSetField(out, TIFFTAG_TILELENGTH, tl))
			return -1;
	} else {
		TIFFGetFieldDefaulted(in, TIFFTAG_ROWSPERSTRIP, &rps);
		if (!TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, rps > h ? h : rps))
			return -1;
	}
	if (TIFFGetField(in, TIFFTAG_XRESOLUTION, &xr) &&
	    TIFFGetField(in, TIFFTAG_YRESOLUTION, &yr)) {
		TIFFSetField(out, TIFFTAG_XRESOLUTION, xr);
		TIFFSetField(out, TIFFTAG_YRESOLUTION, yr);
		if (TIFFGetField(in, TIFFTAG_RESOLUTIONUNIT, &unit))
			TIFFSetField(out, TIFFTAG_RESOLUTIONUNIT, unit);
	}
	if (TIFFGetField(in, TIFFTAG_ORIENTATION, &orient))
		TIFFSetField(out, TIFFTAG_ORIENTATION, orient);
	return 0;
}

/* The page's compressed strips or tiles, byte for byte. */
static int copy_raw(TIFF *in, TIFF *out, size_t file_len)
{
	bool tiled = TIFFIsTiled(in);
	uint32_t n = tiled ? TIFFNumberOfTiles(in) : TIFFNumberOfStrips(in);
	uint64_t *counts = NULL;
	int rc = 0;

	if (!TIFFGetField(in, tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS, &counts) ||
	    !counts)
		return -1;
	for (uint32_t i = 0; i < n && !rc; i++) {
		uint64_t size = counts[i];
		void *buf;
		tmsize_t got;

		if (size > file_len)
			return -1;
		buf = malloc(size ? (size_t)size : 1);
		if (!buf)
			return -1;
		got = tiled ? TIFFReadRawTile(in, i, buf, (tmsize_t)size)
			    : TIFFReadRawStrip(in, i, buf, (tmsize_t)size);
		if (got < 0 || (tiled ? TIFFWriteRawTile(out, i, buf, got)
				      : TIFFWriteRawStrip(out, i, buf, got)) != got)
			rc = -1;
		free(buf);
	}
	return rc;
}

int rx_tiff_append(struct rx_tiff_out *o, const void *data, size_t len, unsigned npages,
		   unsigned *page, unsigned total)
{
	struct mem_file m = { .p = data, .len = len };
	struct tiff_log log = { 0 };
	TIFF *in = open_mem(&m, &log);
	int rc = 0;

	if (!in)
		return -1;
	for (unsigned k = 0; k < npages && !rc; k++) {
		if ((k && !TIFFReadDirectory(in)) || copy_tags(in, o->t, *page, total) ||
		    copy_raw(in, o->t, len) || !TIFFWriteDirectory(o->t))
			rc = -1;
		else
			(*page)++;
	}
	TIFFClose(in);
	return rc;
}

int rx_tiff_out_close(struct rx_tiff_out *o)
{
	int rc;

	if (!o)
		return -1;
	TIFFClose(o->t);
	rc = o->log.errors ? -1 : 0;
	free(o);
	return rc;
}
