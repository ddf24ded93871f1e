// SPDX-License-Identifier: GPL-2.0
/*
 * The I-Fax profile S page a scan becomes: fax line widths (1728 pixels
 * for A4, 2048 for B4, 2432 for A3, the ITU-T T.4 widths), the fax
 * resolutions, and the scan resampled to them at its true paper size:
 * an A4 page scanned at 600x600 dpi becomes 1653 of the 1728 pixels at
 * 200 dpi, centred, not 1728 pixels of a stretched page. A page wider
 * than the widest width the recipient accepts is reduced to fit, keeping
 * its proportions (an A3 page to an A4-only recipient).
 */
#include <stdlib.h>

#include "encode_priv.h"

struct fax_width {
	unsigned int accept;
	uint32_t pixels;
};

static const struct fax_width fax_widths[] = {
	{ IFAX_ACCEPT_A4, 1728 },
	{ IFAX_ACCEPT_B4, 2048 },
	{ IFAX_ACCEPT_A3, 2432 },
};

/*
 * A page up to this much wider than a fax width is reduced to it rather
 * than sent at the next width: B4 paper (257 mm) is 2064 pixels at 204 dpi
 * but the B4 fax width is 2048.
 */
#define FIT_SLACK 1.02

int ifax_geometry(const struct page_image *src, const struct encode_options *opt,
		  struct ifax_geometry *g, char *err, size_t errlen)
{
	unsigned int accept =
		(opt->ifax_accept ? opt->ifax_accept : IFAX_ACCEPT_A4) | IFAX_ACCEPT_A4;
	double page_px, height;
	uint32_t width = 0;

	switch (opt->ifax_res) {
	case IFAX_RES_AUTO:
		g->xres = 200;
		g->yres = src->yres >= 200 ? 200 : 100;
		break;
	case IFAX_RES_200X100:
		g->xres = 200;
		g->yres = 100;
		break;
	case IFAX_RES_200X200:
		g->xres = 200;
		g->yres = 200;
		break;
	case IFAX_RES_204X98:
		g->xres = 204;
		g->yres = 98;
		break;
	case IFAX_RES_204X196:
		g->xres = 204;
		g->yres = 196;
		break;
	default:
		enc_errf(err, errlen, "unknown I-Fax resolution %d", (int)opt->ifax_res);
		return -1;
	}
	/* The page's width in fax pixels, at its paper size. */
	page_px = (double)src->width * g->xres / src->xres;
	for (size_t i = 0; i < sizeof(fax_widths) / sizeof(fax_widths[0]); i++) {
		if (!(accept & fax_widths[i].accept))
			continue;
		width = fax_widths[i].pixels;
		if (page_px <= width * FIT_SLACK)
			break;
	}
	g->width = width;
	g->scale = page_px > width ? width / page_px : 1.0;
	height = (double)src->height * g->yres / src->yres * g->scale;
	g->height = (uint32_t)(height + 0.5);
	if (!g->height)
		g->height = 1;
	if (g->height > PAGE_MAX_HEIGHT) {
		enc_errf(err, errlen, "page too long for I-Fax: %u rows at %u dpi", g->height,
			 g->yres);
		return -1;
	}
	return 0;
}

/*
 * Source coordinate of sample i (of k) inside target pixel t, for f source
 * pixels per target pixel; the sample sits in the middle of its share so
 * that 1:1 maps every pixel onto itself.
 */
static uint32_t sample_at(uint32_t t, unsigned int i, unsigned int k, double f, uint32_t limit)
{
	double s = ((double)t + (i + 0.5) / k) * f;
	uint32_t v = s <= 0 ? 0 : (uint32_t)s;

	return v < limit ? v : limit - 1;
}

static unsigned int samples_for(double f)
{
	/* ceil(f), forgiving the rounding error of a ratio that is a whole number. */
	unsigned int k = (unsigned int)f;

	if (k < f - 1e-9)
		k++;
	return k < 1 ? 1 : k;
}

static inline unsigned int bit_at(const unsigned char *row, uint32_t x)
{
	return (row[x >> 3] >> (7 - (x & 7))) & 1;
}

/*
 * Area sampling: each target pixel looks at a k x k grid of its footprint
 * on the scan (one sample per source pixel when reducing) and is black
 * when a third of them are. A third, not a half, so that a one-pixel line
 * of a 600 dpi scan survives the reduction to 200 dpi, as fax machines
 * keep thin strokes rather than lose them.
 */
int ifax_rescale(const struct page_image *src, const struct ifax_geometry *g, struct bitmap *out)
{
	double fx = (double)src->xres / (g->xres * g->scale);
	double fy = (double)src->yres / (g->yres * g->scale);
	unsigned int kx = samples_for(fx), ky = samples_for(fy);
	uint32_t content = (uint32_t)(src->width / fx + 0.5);
	uint32_t left, *xs;

	if (content > g->width)
		content = g->width;
	if (!content)
		content = 1;
	left = (g->width - content) / 2;
	if (bitmap_alloc(out, g->width, g->height, g->xres, g->yres))
		return -1;
	xs = malloc(sizeof(*xs) * content * kx);
	if (!xs) {
		bitmap_free(out);
		return -1;
	}
	for (uint32_t tx = 0; tx < content; tx++)
		for (unsigned int i = 0; i < kx; i++)
			xs[tx * kx + i] = sample_at(tx, i, kx, fx, src->width);

	for (uint32_t ty = 0; ty < g->height; ty++) {
		const unsigned char *rows[64];
		unsigned char *d = out->buf + (size_t)ty * out->img.stride;
		unsigned int n = ky < 64 ? ky : 64;

		for (unsigned int j = 0; j < n; j++)
			rows[j] = (const unsigned char *)src->rows +
				  (size_t)sample_at(ty, j, n, fy, src->height) * src->stride;
		for (uint32_t tx = 0; tx < content; tx++) {
			const uint32_t *x = xs + (size_t)tx * kx;
			unsigned int black = 0;

			for (unsigned int j = 0; j < n; j++)
				for (unsigned int i = 0; i < kx; i++)
					black += bit_at(rows[j], x[i]);
			if (3 * black >= kx * n) {
				uint32_t px = left + tx;

				d[px >> 3] |= (unsigned char)(0x80 >> (px & 7));
			}
		}
	}
	free(xs);
	return 0;
}
