// SPDX-License-Identifier: GPL-2.0
/*
 * Test pages of the simulated ADF: deterministic for a seed, laid out in
 * millimetres so that they look alike at every resolution, and made of
 * what real office pages hold (margins, a ruled line, lines of text-like
 * glyphs with word gaps and ragged ends, blank lines, a halftoned photo
 * block), so that MH/MR/MMR and JPEG see realistic compression.
 *
 * Rows are built from spans, so that the cost follows the ink rather than
 * the pixel count; only the photo block is computed pixel by pixel.
 */
#include <linux/jhash.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "irsend.h"

struct irsend_pattern {
	struct irsend_geometry geo;
	u32 seed;
	bool flat;

	u32 margin_x, margin_y;		/* blank margins */
	u32 rule_y0, rule_y1;		/* the ruled line under the header */
	u32 text_y0;			/* first text line */
	u32 line_pitch, glyph_h;	/* text line spacing and glyph height */
	u32 cell_w, glyph_w;		/* glyph cell and glyph width */
	u32 photo_x0, photo_x1;		/* the photo block */
	u32 photo_y0, photo_y1;
};

/* 8x8 ordered-dither thresholds for the photo block at 1 bit per pixel. */
static const u8 bayer8[8][8] = {
	{ 0, 32, 8, 40, 2, 34, 10, 42 },  { 48, 16, 56, 24, 50, 18, 58, 26 },
	{ 12, 44, 4, 36, 14, 46, 6, 38 }, { 60, 28, 52, 20, 62, 30, 54, 22 },
	{ 3, 35, 11, 43, 1, 33, 9, 41 },  { 51, 19, 59, 27, 49, 17, 57, 25 },
	{ 15, 47, 7, 39, 13, 45, 5, 37 }, { 63, 31, 55, 23, 61, 29, 53, 21 },
};

/* Tenths of a millimetre to pixels at dpi. */
static u32 mm10_px(u32 mm10, u32 dpi)
{
	return max_t(u32, 1, mm10 * dpi / 254);
}

struct irsend_pattern *irsend_pattern_new(const struct irsend_geometry *geo,
					  u32 seed, bool flat)
{
	struct irsend_pattern *pat = kzalloc(sizeof(*pat), GFP_KERNEL);
	u32 w, h;

	if (!pat)
		return NULL;
	pat->geo = *geo;
	pat->seed = seed;
	pat->flat = flat;
	w = geo->width;
	h = geo->height;

	pat->margin_x = min(mm10_px(100, geo->xres), w / 8);
	pat->margin_y = min(mm10_px(100, geo->yres), h / 8);
	pat->rule_y0 = pat->margin_y + mm10_px(80, geo->yres);
	pat->rule_y1 = pat->rule_y0 + mm10_px(5, geo->yres);
	pat->text_y0 = pat->rule_y1 + mm10_px(40, geo->yres);
	pat->line_pitch = mm10_px(60, geo->yres);
	pat->glyph_h = mm10_px(35, geo->yres);
	pat->cell_w = mm10_px(25, geo->xres);
	pat->glyph_w = max_t(u32, 1, pat->cell_w * 4 / 5);
	pat->photo_x0 = w * 15 / 100;
	pat->photo_x1 = w * 85 / 100;
	pat->photo_y0 = h * 40 / 100;
	pat->photo_y1 = h * 62 / 100;
	return pat;
}

void irsend_pattern_free(struct irsend_pattern *pat)
{
	kfree(pat);
}

static void row_white(const struct irsend_pattern *pat, u8 *dst)
{
	memset(dst, pat->geo.bpp == 1 ? 0x00 : 0xff, pat->geo.stride);
}

/* Ink (black) from pixel x0 up to, not including, x1. */
static void span_black(const struct irsend_pattern *pat, u8 *dst, u32 x0, u32 x1)
{
	u32 b0, b1;

	x1 = min(x1, pat->geo.width);
	if (x0 >= x1)
		return;
	switch (pat->geo.bpp) {
	case 8:
		memset(dst + x0, 0, x1 - x0);
		return;
	case 24:
		memset(dst + 3 * x0, 0, 3 * (x1 - x0));
		return;
	}
	/* 1 bit per pixel, most significant bit first. */
	b0 = x0 / 8;
	b1 = (x1 - 1) / 8;
	if (b0 == b1) {
		dst[b0] |= (0xff >> (x0 % 8)) & (0xff << (7 - (x1 - 1) % 8));
		return;
	}
	dst[b0] |= 0xff >> (x0 % 8);
	memset(dst + b0 + 1, 0xff, b1 - b0 - 1);
	dst[b1] |= 0xff << (7 - (x1 - 1) % 8);
}

/* One row of a glyph: strokes on a 16 x 16 grid chosen by the bits of g. */
static void glyph_row(const struct irsend_pattern *pat, u8 *dst, u32 x, u32 v,
		      u32 g)
{
	u32 w = pat->glyph_w;

#define U(u) (x + (u) * w / 16)
	if (g & 1)				/* left stem */
		span_black(pat, dst, U(1), U(4));
	if (g & 2)				/* right stem */
		span_black(pat, dst, U(11), U(14));
	if ((g & 4) && v <= 2)			/* top bar */
		span_black(pat, dst, U(1), U(14));
	if ((g & 8) && (v == 7 || v == 8))	/* middle bar */
		span_black(pat, dst, U(1), U(14));
	if ((g & 16) && v >= 13)		/* bottom bar */
		span_black(pat, dst, U(1), U(14));
	if (g & 32)				/* diagonal */
		span_black(pat, dst, U(v * 12 / 16 + 1), U(v * 12 / 16 + 4));
	if (!(g & 0x3f))			/* a dot */
		if (v >= 12)
			span_black(pat, dst, U(6), U(10));
#undef U
}

static void text_row(const struct irsend_pattern *pat, u32 page, u32 y, u8 *dst)
{
	u32 line, v, h, len, x, col, g, end;

	if (y < pat->text_y0)
		return;
	line = (y - pat->text_y0) / pat->line_pitch;
	v = (y - pat->text_y0) % pat->line_pitch;
	if (v >= pat->glyph_h)
		return;				/* between lines */
	h = jhash_3words(pat->seed, page, line, 0x7e57);
	if (h % 11 == 0)
		return;				/* paragraph break */
	v = v * 16 / pat->glyph_h;
	end = pat->geo.width - pat->margin_x;
	len = (end - pat->margin_x) * (60 + h % 41) / 100;
	end = pat->margin_x + len;
	for (x = pat->margin_x, col = 0; x + pat->cell_w <= end;
	     x += pat->cell_w, col++) {
		g = jhash_3words(pat->seed ^ page, line, col, 0x61f);
		if (g % 6 == 0)
			continue;		/* word gap */
		glyph_row(pat, dst, x, v, g >> 3);
	}
}

/* Smooth shading with rings: 0 (black) .. 255 (white). */
static u8 photo_level(u32 nx, u32 ny, u32 seed)
{
	u32 r2 = (nx - 128) * (nx - 128) + (ny - 128) * (ny - 128);

	return (u8)((nx + ny) / 2 + ((r2 + seed) >> 7) % 64 - 32 + 16);
}

static void photo_row(const struct irsend_pattern *pat, u32 y, u8 *dst)
{
	const struct irsend_geometry *geo = &pat->geo;
	u32 pw = pat->photo_x1 - pat->photo_x0;
	u32 ph = pat->photo_y1 - pat->photo_y0;
	u32 ny = (y - pat->photo_y0) * 255 / ph;
	u32 x, nx;
	u8 level;

	for (x = pat->photo_x0; x < pat->photo_x1; x++) {
		nx = (x - pat->photo_x0) * 255 / pw;
		level = photo_level(nx, ny, pat->seed);
		switch (geo->bpp) {
		case 1:
			if (level < bayer8[y % 8][x % 8] * 4 + 2)
				dst[x / 8] |= 0x80 >> (x % 8);
			else
				dst[x / 8] &= ~(0x80 >> (x % 8));
			break;
		case 8:
			dst[x] = level;
			break;
		default:
			dst[3 * x] = (u8)nx;
			dst[3 * x + 1] = level;
			dst[3 * x + 2] = (u8)(255 - ny);
		}
	}
}

/* Row y of page (from 1) into dst, which holds geo.stride bytes. */
void irsend_pattern_row(struct irsend_pattern *pat, u32 page, u32 y, u8 *dst)
{
	if (pat->flat) {
		memset(dst, (u8)(page * 31 + y), pat->geo.stride);
		return;
	}
	row_white(pat, dst);
	if (y < pat->margin_y || y >= pat->geo.height - pat->margin_y)
		return;
	if (y >= pat->rule_y0 && y < pat->rule_y1) {
		span_black(pat, dst, pat->margin_x,
			   pat->geo.width - pat->margin_x);
		return;
	}
	text_row(pat, page, y, dst);
	if (y >= pat->photo_y0 && y < pat->photo_y1)
		photo_row(pat, y, dst);
}
