/*
 * Binary PNM images as scanners deliver them: P4 (PBM, 1 bit per pixel),
 * P5 (PGM, 8-bit grey) and P6 (PPM, 8-bit RGB), maxval 255. Their rows
 * are exactly the rows of the irsend page ring, so a page is a header
 * followed by its rows.
 */
#ifndef IRSEND_PNM_H
#define IRSEND_PNM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/irsend.h>

/* Pages as large as a feeder may send, and not larger. */
#define PNM_MAX_WIDTH IRSEND_FEED_MAX_WIDTH
#define PNM_MAX_HEIGHT IRSEND_FEED_MAX_HEIGHT

/* Room for the longest header pnm_format_header() writes. */
#define PNM_HEADER_MAX 32

struct pnm_image {
	uint32_t width;
	uint32_t height;
	unsigned int bpp; /* 1 (P4), 8 (P5) or 24 (P6) */
	size_t row_bytes;
	uint64_t data_bytes; /* height * row_bytes */
};

/* Reads a stream of concatenated images, as "cat a.pgm b.pgm" makes. */
struct pnm_reader {
	FILE *in;
	uint64_t offset;     /* bytes consumed from in */
	unsigned int images; /* headers read */
	uint32_t height;     /* of the current image */
	uint32_t rows_left;  /* of the current image, not yet read */
	size_t row_bytes;
	char error[200];
};

void pnm_reader_init(struct pnm_reader *r, FILE *in);

/*
 * Read the next image's header into *img, first skipping whatever rows of
 * the previous image were not read. Returns 1 for an image, 0 at a clean
 * end of the stream, -1 on an error that pnm_error() describes.
 */
int pnm_next_image(struct pnm_reader *r, struct pnm_image *img);

/* Read the next rows (1..rows left) of the current image: 0, or -1. */
int pnm_read_rows(struct pnm_reader *r, void *buf, uint32_t rows);

/* What went wrong, without a trailing newline ("" when nothing did). */
const char *pnm_error(const struct pnm_reader *r);

/*
 * Row and image size of a width x height page at bpp bits per pixel;
 * false when bpp is not 1, 8 or 24 or the sizes overflow.
 */
bool pnm_page_size(uint32_t width, uint32_t height, unsigned int bpp, size_t *row_bytes,
		   uint64_t *data_bytes);

/*
 * Write the header of a binary PNM image into buf; its length, or -1 for
 * an invalid geometry or a buffer too small (PNM_HEADER_MAX is enough).
 */
int pnm_format_header(char *buf, size_t size, uint32_t width, uint32_t height, unsigned int bpp);

/* "pbm", "pgm" or "ppm" for 1, 8 or 24 bits per pixel; NULL otherwise. */
const char *pnm_extension(unsigned int bpp);

#endif
