#include "paper.h"

#include <string.h>
#include <strings.h>

#include <linux/irsend.h>

static const struct paper papers[] = {
	{ IRSEND_PAPER_A3, 297, 420 },
	{ IRSEND_PAPER_B4, 257, 364 },
	{ IRSEND_PAPER_A4, 210, 297 },
	{ IRSEND_PAPER_A5, 148, 210 },
};
static const char *const paper_names[] = { "A3", "B4", "A4", "A5" };

/* The resolutions of the scanner, as in struct irsend_scan_request. */
static const uint16_t scan_res[][2] = {
	{ 100, 100 }, { 150, 150 }, { 200, 100 }, { 200, 200 },
	{ 200, 400 }, { 300, 300 }, { 400, 400 }, { 600, 600 },
};

/* Decimal digits at *s, at most max; no sign, no spaces. Advances *s. */
static bool take_uint(const char **s, uint32_t max, uint32_t *value)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return false;
	}
	*s = p;
	*value = (uint32_t)v;
	return true;
}

/* "AxB" with an optional suffix; both numbers at most max. */
static bool take_pair(const char *s, uint32_t max, const char *suffix, uint32_t *a, uint32_t *b)
{
	if (!take_uint(&s, max, a) || (*s != 'x' && *s != 'X'))
		return false;
	s++;
	if (!take_uint(&s, max, b))
		return false;
	return !*s || (suffix && !strcasecmp(s, suffix));
}

bool paper_parse(const char *s, struct paper *p)
{
	uint32_t w, h;

	for (size_t i = 0; i < sizeof(papers) / sizeof(papers[0]); i++) {
		if (!strcasecmp(s, paper_names[i])) {
			*p = papers[i];
			return true;
		}
	}
	if (!take_pair(s, 100000, "mm", &w, &h))
		return false;
	if (w < IRSEND_CUSTOM_MIN_MM || w > IRSEND_CUSTOM_MAX_WIDTH_MM ||
	    h < IRSEND_CUSTOM_MIN_MM || h > IRSEND_CUSTOM_MAX_HEIGHT_MM)
		return false;
	p->id = IRSEND_PAPER_CUSTOM;
	p->width_mm = w;
	p->height_mm = h;
	return true;
}

bool res_parse(const char *s, uint16_t *xres, uint16_t *yres)
{
	const char *p = s;
	uint32_t x, y;

	if (take_uint(&p, UINT16_MAX, &x) && !*p) {
		y = x;
	} else if (!take_pair(s, UINT16_MAX, NULL, &x, &y)) {
		return false;
	}
	if (!x || !y)
		return false;
	*xres = (uint16_t)x;
	*yres = (uint16_t)y;
	return true;
}

bool res_is_scan_res(uint16_t xres, uint16_t yres)
{
	for (size_t i = 0; i < sizeof(scan_res) / sizeof(scan_res[0]); i++) {
		if (scan_res[i][0] == xres && scan_res[i][1] == yres)
			return true;
	}
	return false;
}

bool res_is_feed_res(uint16_t xres, uint16_t yres)
{
	return xres >= IRSEND_FEED_MIN_RES && xres <= IRSEND_FEED_MAX_RES &&
	       yres >= IRSEND_FEED_MIN_RES && yres <= IRSEND_FEED_MAX_RES;
}

bool depth_parse(const char *s, uint16_t *bpp)
{
	const char *p = s;
	uint32_t v;

	if (!take_uint(&p, 24, &v) || *p || (v != 1 && v != 8 && v != 24))
		return false;
	*bpp = (uint16_t)v;
	return true;
}
