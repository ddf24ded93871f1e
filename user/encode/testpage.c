// SPDX-License-Identifier: GPL-2.0
/* Test pages (see testpage.h); built from spans so that making one costs little. */
#include <stdlib.h>
#include <string.h>

#include "encode_priv.h"
#include "testpage.h"

uint32_t testpage_px(uint32_t mm10, unsigned int dpi)
{
	return (uint32_t)(((uint64_t)mm10 * dpi + 127) / 254);
}

static uint32_t mix(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t h =
		a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca77u ^ (c + 0x165667b1u) * 0xc2b2ae3du;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

static void ink(const struct page_image *pg, unsigned char *row, uint32_t x0, uint32_t x1)
{
	if (x1 > pg->width)
		x1 = pg->width;
	if (x0 >= x1)
		return;
	if (pg->bpp == 8) {
		memset(row + x0, 0, x1 - x0);
	} else if (pg->bpp == 24) {
		memset(row + 3 * (size_t)x0, 0, 3 * (size_t)(x1 - x0));
	} else {
		for (uint32_t x = x0; x < x1; x++)
			row[x / 8] |= (unsigned char)(0x80 >> (x % 8));
	}
}

/* One row (v of 16) of a glyph whose strokes are chosen by the bits of g. */
static void glyph(const struct page_image *pg, unsigned char *row, uint32_t x, uint32_t w,
		  uint32_t v, uint32_t g)
{
#define U(u) (x + (u)*w / 16)
	if (g & 1)
		ink(pg, row, U(1), U(4));
	if (g & 2)
		ink(pg, row, U(11), U(14));
	if ((g & 4) && v <= 2)
		ink(pg, row, U(1), U(14));
	if ((g & 8) && (v == 7 || v == 8))
		ink(pg, row, U(1), U(14));
	if ((g & 16) && v >= 13)
		ink(pg, row, U(1), U(14));
	if (g & 32)
		ink(pg, row, U(v * 12 / 16 + 1), U(v * 12 / 16 + 4));
	if (!(g & 63) && v >= 12)
		ink(pg, row, U(6), U(10));
#undef U
}

static const unsigned char bayer4[4][4] = {
	{ 0, 8, 2, 10 },
	{ 12, 4, 14, 6 },
	{ 3, 11, 1, 9 },
	{ 15, 7, 13, 5 },
};

int testpage_make(struct testpage *tp, uint32_t width_mm10, uint32_t height_mm10, unsigned int xres,
		  unsigned int yres, unsigned int bpp, uint32_t seed, int photo)
{
	struct page_image *pg = &tp->img;
	uint32_t mx, my, rule0, rule1, text0, pitch, gh, cell, gw, px0, px1, py0, py1;
	size_t row;

	memset(tp, 0, sizeof(*tp));
	if (!xres || !yres || !page_row_bytes(1, bpp))
		return -1;
	/* Like the simulated ADF: whole bytes of 1-bit pixels, so whole rows of all depths. */
	pg->width = testpage_px(width_mm10, xres);
	if (pg->width >= 8)
		pg->width &= ~7u;
	pg->height = testpage_px(height_mm10, yres);
	if (!pg->width || !pg->height)
		return -1;
	pg->bpp = bpp;
	pg->xres = xres;
	pg->yres = yres;
	row = page_row_bytes(pg->width, bpp);
	pg->stride = row;
	tp->buf = malloc(row * pg->height);
	if (!tp->buf)
		return -1;
	pg->rows = tp->buf;

	mx = testpage_px(100, xres);
	my = testpage_px(100, yres);
	rule0 = my + testpage_px(80, yres);
	rule1 = rule0 + testpage_px(5, yres) + 1;
	text0 = rule1 + testpage_px(40, yres);
	pitch = testpage_px(60, yres) + 1;
	gh = testpage_px(35, yres) + 1;
	cell = testpage_px(25, xres) + 1;
	gw = cell * 4 / 5 + 1;
	px0 = pg->width * 15 / 100;
	px1 = pg->width * 85 / 100;
	py0 = pg->height * 40 / 100;
	py1 = pg->height * 62 / 100;

	for (uint32_t y = 0; y < pg->height; y++) {
		unsigned char *r = tp->buf + (size_t)y * row;

		memset(r, bpp == 1 ? 0x00 : 0xff, row);
		if (y < my || y + my >= pg->height || pg->width <= 2 * mx)
			continue;
		if (y >= rule0 && y < rule1) {
			ink(pg, r, mx, pg->width - mx);
			continue;
		}
		if (photo && y >= py0 && y < py1) {
			for (uint32_t x = px0; x < px1; x++) {
				uint32_t nx = (x - px0) * 255 / (px1 - px0 ? px1 - px0 : 1);
				uint32_t ny = (y - py0) * 255 / (py1 - py0);
				unsigned int level = (nx + ny) / 2;

				if (bpp == 1) {
					if (level < bayer4[y % 4][x % 4] * 16u + 8)
						r[x / 8] |= (unsigned char)(0x80 >> (x % 8));
				} else if (bpp == 8) {
					r[x] = (unsigned char)level;
				} else {
					r[3 * x] = (unsigned char)nx;
					r[3 * x + 1] = (unsigned char)level;
					r[3 * x + 2] = (unsigned char)(255 - ny);
				}
			}
			continue;
		}
		if (y >= text0) {
			uint32_t line = (y - text0) / pitch, v = (y - text0) % pitch;
			uint32_t h = mix(seed, line, 0x7e57), end;

			if (v >= gh || h % 11 == 0)
				continue;
			v = v * 16 / gh;
			end = mx + (pg->width - 2 * mx) * (60 + h % 41) / 100;
			for (uint32_t x = mx, col = 0; x + cell <= end; x += cell, col++) {
				uint32_t g = mix(seed ^ line, col, 0x61f);

				if (g % 6)
					glyph(pg, r, x, gw, v, g >> 3);
			}
		}
	}
	return 0;
}

void testpage_free(struct testpage *tp)
{
	free(tp->buf);
	tp->buf = NULL;
	tp->img.rows = NULL;
}
