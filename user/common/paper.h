/*
 * Scan settings as an operator types them: paper ("A4", "210x297mm"),
 * resolution ("300", "200x100") and depth ("1", "8", "24").
 */
#ifndef IRSEND_PAPER_H
#define IRSEND_PAPER_H

#include <stdbool.h>
#include <stdint.h>

struct paper {
	uint32_t id;	   /* IRSEND_PAPER_* */
	uint32_t width_mm; /* the size, also for the named papers */
	uint32_t height_mm;
};

/* What the parsers accept, for usage messages. */
#define PAPER_CHOICES "A3, B4, A4, A5, or WxH in mm (50..297 x 50..432, e.g. 216x279mm)"
#define SCAN_RES_CHOICES "100, 150, 200, 300, 400, 600, 200x100 or 200x400"
#define DEPTH_CHOICES "1, 8 or 24"

/* A paper name (any case) or a custom size "WxH" with an optional "mm". */
bool paper_parse(const char *s, struct paper *p);

/* "N" (N x N dpi) or "XxY", each 1..65535; no range beyond that. */
bool res_parse(const char *s, uint16_t *xres, uint16_t *yres);

/* One of the eight resolutions of the simulated ADF. */
bool res_is_scan_res(uint16_t xres, uint16_t yres);

/* Within what a feeder may announce (IRSEND_FEED_MIN_RES..MAX_RES). */
bool res_is_feed_res(uint16_t xres, uint16_t yres);

/* 1, 8 or 24 bits per pixel. */
bool depth_parse(const char *s, uint16_t *bpp);

#endif
