// SPDX-License-Identifier: GPL-2.0
/* Page checks and the conversions every format shares. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode_priv.h"

void enc_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

size_t page_row_bytes(uint32_t width, unsigned int bpp)
{
	switch (bpp) {
	case 1:
		return ((size_t)width + 7) / 8;
	case 8:
		return width;
	case 24:
		return (size_t)width * 3;
	}
	return 0;
}

bool page_check(const struct page_image *p, char *err, size_t errlen)
{
	size_t row;

	if (!p || !p->rows) {
		enc_errf(err, errlen, "no page data");
		return false;
	}
	if (p->bpp != 1 && p->bpp != 8 && p->bpp != 24) {
		enc_errf(err, errlen, "%u bits per pixel: pages have 1, 8 or 24", p->bpp);
		return false;
	}
	if (!p->width || !p->height || p->width > PAGE_MAX_WIDTH || p->height > PAGE_MAX_HEIGHT) {
		enc_errf(err, errlen, "page of %ux%u pixels: each side must be 1..%u x 1..%u",
			 p->width, p->height, PAGE_MAX_WIDTH, PAGE_MAX_HEIGHT);
		return false;
	}
	if (!p->xres || !p->yres || p->xres > PAGE_MAX_RES || p->yres > PAGE_MAX_RES) {
		enc_errf(err, errlen, "resolution %ux%u dpi: each must be 1..%u", p->xres, p->yres,
			 PAGE_MAX_RES);
		return false;
	}
	row = page_row_bytes(p->width, p->bpp);
	if (p->stride < row) {
		enc_errf(err, errlen, "stride %zu is shorter than a row of %zu bytes", p->stride,
			 row);
		return false;
	}
	/* The last row must be addressable without overflowing a pointer offset. */
	if (p->stride > (SIZE_MAX - row) / p->height) {
		enc_errf(err, errlen, "stride %zu overflows a page of %u rows", p->stride,
			 p->height);
		return false;
	}
	return true;
}

int bitmap_alloc(struct bitmap *bm, uint32_t width, uint32_t height, unsigned int xres,
		 unsigned int yres)
{
	size_t row = page_row_bytes(width, 1);

	bm->buf = calloc(height ? height : 1, row ? row : 1);
	if (!bm->buf)
		return -1;
	bm->img = (struct page_image){
		.width = width,
		.height = height,
		.stride = row,
		.bpp = 1,
		.xres = xres,
		.yres = yres,
		.rows = bm->buf,
	};
	return 0;
}

void bitmap_free(struct bitmap *bm)
{
	free(bm->buf);
	bm->buf = NULL;
	bm->img.rows = NULL;
}

int page_binarize(const struct page_image *src, struct bitmap *out)
{
	if (bitmap_alloc(out, src->width, src->height, src->xres, src->yres))
		return -1;
	for (uint32_t y = 0; y < src->height; y++) {
		const unsigned char *s = (const unsigned char *)src->rows + (size_t)y * src->stride;
		unsigned char *d = out->buf + (size_t)y * out->img.stride;

		for (uint32_t x = 0; x < src->width; x++) {
			unsigned int luma;

			if (src->bpp == 8) {
				luma = s[x];
			} else {
				const unsigned char *px = s + 3 * (size_t)x;

				/* ITU-R BT.601 weights in 1/256ths. */
				luma = (77u * px[0] + 150u * px[1] + 29u * px[2]) >> 8;
			}
			if (luma < 128)
				d[x / 8] |= (unsigned char)(0x80 >> (x % 8));
		}
	}
	return 0;
}

void page_blob_free(struct page_blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
