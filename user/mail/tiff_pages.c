// SPDX-License-Identifier: GPL-2.0
/*
 * Pages of a fax TIFF for divided-page sending: what each costs, and a
 * new TIFF of some of them with their compressed strips copied untouched.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <tiffio.h>

#include "mime_split.h"

/* Directory entries and out-of-line values of one page, generously (strip arrays aside). */
#define IFD_ALLOWANCE 512

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void quiet(const char *module, const char *fmt, va_list ap)
{
	/* libtiff would print to stderr; what went wrong reaches the caller as a result. */
	(void)module;
	(void)fmt;
	(void)ap;
}

int tiff_page_costs(const char *path, uint64_t **cost, uint32_t *npages, char *err, size_t errlen)
{
	TIFFErrorHandler old = TIFFSetErrorHandler(quiet);
	TIFFErrorHandler oldw = TIFFSetWarningHandler(quiet);
	TIFF *in = TIFFOpen(path, "r");
	uint64_t *v = NULL;
	uint32_t n = 0;
	int rc = -1;

	*cost = NULL;
	*npages = 0;
	if (!in) {
		set_err(err, errlen, "%s: not a TIFF file", path);
		goto out;
	}
	do {
		uint64_t *nv = realloc(v, (n + 1) * sizeof(*v));
		uint32_t strips = TIFFNumberOfStrips(in);
		uint64_t *counts = NULL;
		uint64_t c = IFD_ALLOWANCE + 8ull * strips;

		if (!nv) {
			set_err(err, errlen, "out of memory");
			goto out;
		}
		v = nv;
		if (!TIFFGetField(in, TIFFTAG_STRIPBYTECOUNTS, &counts) || !counts) {
			set_err(err, errlen, "%s: page %u has no strips", path, n + 1);
			goto out;
		}
		for (uint32_t s = 0; s < strips; s++)
			c += counts[s];
		v[n++] = c;
	} while (TIFFReadDirectory(in));
	*cost = v;
	*npages = n;
	v = NULL;
	rc = 0;
out:
	free(v);
	if (in)
		TIFFClose(in);
	TIFFSetErrorHandler(old);
	TIFFSetWarningHandler(oldw);
	return rc;
}

/* The tags a fax page needs, from in's current directory to out's. */
static int copy_tags(TIFF *in, TIFF *out, uint16_t page, uint16_t pages)
{
	uint32_t w, h, rps;
	uint16_t bps = 1, spp = 1, comp, photo = PHOTOMETRIC_MINISWHITE, fill = FILLORDER_MSB2LSB;
	uint16_t unit = RESUNIT_INCH;
	uint32_t g3 = 0;
	float xr = 200, yr = 200;
	char *sw = NULL;

	if (!TIFFGetField(in, TIFFTAG_IMAGEWIDTH, &w) ||
	    !TIFFGetField(in, TIFFTAG_IMAGELENGTH, &h) ||
	    !TIFFGetField(in, TIFFTAG_COMPRESSION, &comp))
		return -1;
	TIFFGetFieldDefaulted(in, TIFFTAG_ROWSPERSTRIP, &rps);
	TIFFGetField(in, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetField(in, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetField(in, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetField(in, TIFFTAG_FILLORDER, &fill);
	TIFFGetField(in, TIFFTAG_XRESOLUTION, &xr);
	TIFFGetField(in, TIFFTAG_YRESOLUTION, &yr);
	TIFFGetField(in, TIFFTAG_RESOLUTIONUNIT, &unit);
	if (!TIFFSetField(out, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) ||
	    !TIFFSetField(out, TIFFTAG_COMPRESSION, comp) ||
	    (comp == COMPRESSION_CCITTFAX3 && TIFFGetField(in, TIFFTAG_GROUP3OPTIONS, &g3) &&
	     !TIFFSetField(out, TIFFTAG_GROUP3OPTIONS, g3)) ||
	    !TIFFSetField(out, TIFFTAG_IMAGEWIDTH, w) ||
	    !TIFFSetField(out, TIFFTAG_IMAGELENGTH, h) ||
	    !TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, bps) ||
	    !TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, spp) ||
	    !TIFFSetField(out, TIFFTAG_PHOTOMETRIC, photo) ||
	    !TIFFSetField(out, TIFFTAG_FILLORDER, fill) ||
	    !TIFFSetField(out, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, rps) ||
	    !TIFFSetField(out, TIFFTAG_XRESOLUTION, xr) ||
	    !TIFFSetField(out, TIFFTAG_YRESOLUTION, yr) ||
	    !TIFFSetField(out, TIFFTAG_RESOLUTIONUNIT, unit) ||
	    !TIFFSetField(out, TIFFTAG_PAGENUMBER, page, pages))
		return -1;
	if (TIFFGetField(in, TIFFTAG_SOFTWARE, &sw) && sw)
		TIFFSetField(out, TIFFTAG_SOFTWARE, sw);
	return 0;
}

static int copy_strips(TIFF *in, TIFF *out)
{
	uint32_t strips = TIFFNumberOfStrips(in);
	uint64_t *counts = NULL;

	if (!TIFFGetField(in, TIFFTAG_STRIPBYTECOUNTS, &counts) || !counts)
		return -1;
	for (uint32_t s = 0; s < strips; s++) {
		void *buf = malloc(counts[s] ? (size_t)counts[s] : 1);
		tmsize_t n;

		if (!buf)
			return -1;
		n = TIFFReadRawStrip(in, s, buf, (tmsize_t)counts[s]);
		if (n != (tmsize_t)counts[s] || TIFFWriteRawStrip(out, s, buf, n) != n) {
			free(buf);
			return -1;
		}
		free(buf);
	}
	return 0;
}

int tiff_extract_pages(const char *src, uint32_t first, uint32_t count, const char *dst, char *err,
		       size_t errlen)
{
	TIFFErrorHandler old = TIFFSetErrorHandler(quiet);
	TIFFErrorHandler oldw = TIFFSetWarningHandler(quiet);
	TIFF *in = TIFFOpen(src, "r"), *out = NULL;
	int rc = -1;

	if (!in) {
		set_err(err, errlen, "%s: not a TIFF file", src);
		goto done;
	}
	if (!count || count > 65535 || !TIFFSetDirectory(in, (tdir_t)first)) {
		set_err(err, errlen, "%s: no page %u", src, first + 1);
		goto done;
	}
	out = TIFFOpen(dst, "w");
	if (!out) {
		set_err(err, errlen, "%s: cannot create", dst);
		goto done;
	}
	for (uint32_t k = 0; k < count; k++) {
		if (k && !TIFFReadDirectory(in)) {
			set_err(err, errlen, "%s: no page %u", src, first + k + 1);
			goto done;
		}
		if (copy_tags(in, out, (uint16_t)k, (uint16_t)count) || copy_strips(in, out) ||
		    !TIFFWriteDirectory(out)) {
			set_err(err, errlen, "%s: page %u could not be copied", src, first + k + 1);
			goto done;
		}
	}
	rc = 0;
done:
	if (in)
		TIFFClose(in);
	if (out) {
		TIFFClose(out);
		if (rc)
			unlink(dst);
	}
	TIFFSetErrorHandler(old);
	TIFFSetWarningHandler(oldw);
	return rc;
}
