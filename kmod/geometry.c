// SPDX-License-Identifier: GPL-2.0
/*
 * Page geometry: paper sizes and resolutions of the simulated ADF and the
 * limits of fed pages, with every size computation overflow-checked.
 */
#include <linux/kernel.h>
#include <linux/overflow.h>

#include "irsend.h"

struct paper {
	u32 width_mm;
	u32 height_mm;
};

static const struct paper papers[] = {
	[IRSEND_PAPER_A3] = { 297, 420 },
	[IRSEND_PAPER_B4] = { 257, 364 },
	[IRSEND_PAPER_A4] = { 210, 297 },
	[IRSEND_PAPER_A5] = { 148, 210 },
};

/* The resolutions of the scanner (section 1.2.1), x by y dpi. */
static const u16 scan_res[][2] = {
	{ 100, 100 }, { 150, 150 }, { 200, 100 }, { 200, 200 },
	{ 200, 400 }, { 300, 300 }, { 400, 400 }, { 600, 600 },
};

static bool scan_res_valid(u16 xres, u16 yres)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scan_res); i++)
		if (scan_res[i][0] == xres && scan_res[i][1] == yres)
			return true;
	return false;
}

static bool bpp_valid(u16 bpp)
{
	return bpp == 1 || bpp == 8 || bpp == 24;
}

/* Stride and rows per slot; EOVERFLOW/EINVAL when a page cannot travel. */
static int geometry_finish(struct irsend_geometry *geo, u32 slot_size)
{
	u64 page_bytes;
	u32 bits;

	if (check_mul_overflow(geo->width, (u32)geo->bpp, &bits) ||
	    check_add_overflow(bits, 7U, &bits))
		return -EOVERFLOW;
	geo->stride = bits / 8;
	if (check_mul_overflow((u64)geo->stride, (u64)geo->height, &page_bytes))
		return -EOVERFLOW;
	if (!geo->stride || geo->stride > slot_size)
		return -EINVAL;
	geo->band_rows = slot_size / geo->stride;
	return 0;
}

static u32 mm_to_px(u32 mm, u32 dpi)
{
	return DIV_ROUND_CLOSEST(mm * dpi * 10, 254);
}

int irsend_geometry_from_scan(struct irsend_geometry *geo,
			      const struct irsend_scan_request *req,
			      u32 slot_size)
{
	u32 wmm, hmm;

	if (!req->paper || req->paper > IRSEND_PAPER_CUSTOM)
		return -EINVAL;
	if (req->paper == IRSEND_PAPER_CUSTOM) {
		wmm = req->width_mm;
		hmm = req->height_mm;
		if (wmm < IRSEND_CUSTOM_MIN_MM || wmm > IRSEND_CUSTOM_MAX_WIDTH_MM ||
		    hmm < IRSEND_CUSTOM_MIN_MM || hmm > IRSEND_CUSTOM_MAX_HEIGHT_MM)
			return -EINVAL;
	} else {
		if (req->width_mm || req->height_mm)
			return -EINVAL;
		wmm = papers[req->paper].width_mm;
		hmm = papers[req->paper].height_mm;
	}
	if (!scan_res_valid(req->xres, req->yres) || !bpp_valid(req->bpp))
		return -EINVAL;

	geo->xres = req->xres;
	geo->yres = req->yres;
	geo->bpp = req->bpp;
	/* Whole bytes per row at 1 bit per pixel, as scanners deliver. */
	geo->width = round_down(mm_to_px(wmm, req->xres), 8);
	geo->height = mm_to_px(hmm, req->yres);
	return geometry_finish(geo, slot_size);
}

int irsend_geometry_from_feed(struct irsend_geometry *geo,
			      const struct irsend_feed_page *req,
			      u32 slot_size)
{
	if (!req->width || req->width > IRSEND_FEED_MAX_WIDTH ||
	    !req->height || req->height > IRSEND_FEED_MAX_HEIGHT ||
	    !bpp_valid(req->bpp) ||
	    req->xres < IRSEND_FEED_MIN_RES || req->xres > IRSEND_FEED_MAX_RES ||
	    req->yres < IRSEND_FEED_MIN_RES || req->yres > IRSEND_FEED_MAX_RES)
		return -EINVAL;
	geo->width = req->width;
	geo->height = req->height;
	geo->bpp = req->bpp;
	geo->xres = req->xres;
	geo->yres = req->yres;
	return geometry_finish(geo, slot_size);
}
