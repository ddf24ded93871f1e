// SPDX-License-Identifier: GPL-2.0
/*
 * One page to its compressed form for a format: what a worker thread
 * does. The decisions about depth live here: PDF takes every depth (G4
 * for 1 bit, JPEG for grey and colour); the TIFF formats and I-Fax are
 * monochrome (seed 1.2.1: "TIFF (monochrome)", no colour I-Fax) and refuse
 * grey and colour pages unless the caller asked for them to be
 * thresholded, because silently turning a photo into black and white is
 * a loss the user should choose.
 */
#include "encode_priv.h"

static bool is_tiff(enum encode_format fmt)
{
	return fmt == ENCODE_TIFF_MH || fmt == ENCODE_TIFF_MR || fmt == ENCODE_TIFF_MMR ||
	       fmt == ENCODE_IFAX;
}

bool page_acceptable(enum encode_format fmt, const struct encode_options *opt,
		     const struct page_image *pg, char *err, size_t errlen)
{
	if (!page_check(pg, err, errlen))
		return false;
	if (is_tiff(fmt) && pg->bpp != 1 && !opt->binarize) {
		enc_errf(err, errlen,
			 "%s takes 1-bit pages only; this page has %u bits per pixel "
			 "(scan in black and white, or ask for thresholding)",
			 encode_format_name(fmt), pg->bpp);
		return false;
	}
	if (fmt == ENCODE_IFAX) {
		struct ifax_geometry g;

		if (ifax_geometry(pg, opt, &g, err, errlen))
			return false;
	}
	return true;
}

int page_encode(enum encode_format fmt, const struct encode_options *opt,
		const struct page_image *pg, struct page_blob *out, char *err, size_t errlen)
{
	struct bitmap mono = { 0 }, fax = { 0 };
	const struct page_image *bits = pg;
	enum blob_codec codec;
	int rc = -1;

	if (!is_tiff(fmt) && pg->bpp != 1)
		return jpeg_encode(pg, opt->jpeg_quality ? opt->jpeg_quality : 75, out, err,
				   errlen);
	if (pg->bpp != 1) {
		if (page_binarize(pg, &mono))
			goto oom;
		bits = &mono.img;
	}
	if (fmt == ENCODE_IFAX) {
		struct ifax_geometry g;

		if (ifax_geometry(bits, opt, &g, err, errlen))
			goto out;
		if (ifax_rescale(bits, &g, &fax))
			goto oom;
		bits = &fax.img;
	}
	switch (fmt) {
	case ENCODE_IFAX:
		codec = opt->ifax_coding == IFAX_CODING_MMR  ? CODEC_G4
			: opt->ifax_coding == IFAX_CODING_MR ? CODEC_G3_2D
							     : CODEC_G3_1D;
		break;
	case ENCODE_TIFF_MH:
		codec = CODEC_G3_1D;
		break;
	case ENCODE_TIFF_MR:
		codec = CODEC_G3_2D;
		break;
	default:
		codec = CODEC_G4;
	}
	rc = ccitt_encode(bits, codec, out, err, errlen);
	goto out;
oom:
	enc_errf(err, errlen, "out of memory for a %ux%u page", pg->width, pg->height);
out:
	bitmap_free(&mono);
	bitmap_free(&fax);
	return rc;
}
