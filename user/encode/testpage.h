/*
 * Deterministic office-like pages for tests, benchmarks and demos without
 * a scanner: margins, a ruled line, lines of text-like glyphs with word
 * gaps and ragged ends, and a shaded photo block (ordered dither at 1 bit),
 * laid out in millimetres so that every resolution shows the same page
 * and the codecs see realistic run lengths.
 */
#ifndef IRSEND_TESTPAGE_H
#define IRSEND_TESTPAGE_H

#include <stdint.h>

#include "encoder.h"

struct testpage {
	struct page_image img;
	unsigned char *buf;
};

/* Pixels of a length in tenths of a millimetre at dpi, rounded. */
uint32_t testpage_px(uint32_t mm10, unsigned int dpi);

/*
 * A page of width_mm10 x height_mm10 at xres x yres dpi and bpp 1, 8 or
 * 24 (the width rounded down to a multiple of 8 pixels, as the simulated
 * ADF does); seed changes the text. photo 0 leaves the photo block out (pure text
 * pages, which is what a lossless round trip through a reduction needs).
 * 0, or -1 for invalid arguments or no memory.
 */
int testpage_make(struct testpage *tp, uint32_t width_mm10, uint32_t height_mm10, unsigned int xres,
		  unsigned int yres, unsigned int bpp, uint32_t seed, int photo);

void testpage_free(struct testpage *tp);

#endif
