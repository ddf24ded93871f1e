/*
 * What the encoder's pieces share: page checks and conversions, the
 * compressed form of a page (a "blob", made by a worker) and the
 * containers that write blobs in page order (TIFF, PDF).
 */
#ifndef IRSEND_ENCODE_PRIV_H
#define IRSEND_ENCODE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/irsend.h>

#include "encoder.h"

/* Pages as large as a feeder may send, and not larger. */
#define PAGE_MAX_WIDTH IRSEND_FEED_MAX_WIDTH
#define PAGE_MAX_HEIGHT IRSEND_FEED_MAX_HEIGHT
#define PAGE_MAX_RES IRSEND_FEED_MAX_RES

void enc_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* page.c */

/* Bytes in one row of pixels; 0 for a bpp other than 1, 8 or 24. */
size_t page_row_bytes(uint32_t width, unsigned int bpp);

/* Whether a page can be read safely: geometry, stride, depth, resolution. */
bool page_check(const struct page_image *p, char *err, size_t errlen);

/* A 1-bit page in a buffer of its own. */
struct bitmap {
	struct page_image img;
	unsigned char *buf;
};

/* A white width x height page: 0, or -1 (out of memory). */
int bitmap_alloc(struct bitmap *bm, uint32_t width, uint32_t height, unsigned int xres,
		 unsigned int yres);
void bitmap_free(struct bitmap *bm);

/* Threshold a grey or colour page to 1 bit (luma below 128 is black): 0, or -1. */
int page_binarize(const struct page_image *src, struct bitmap *out);

/* fax_scale.c */

struct ifax_geometry {
	uint32_t width; /* 1728, 2048 or 2432 */
	uint32_t height;
	unsigned int xres, yres;
	double scale; /* 1 keeps the paper size; below 1 reduces to fit the width */
};

/* The profile S page a scanned page becomes: 0, or -1 with a message. */
int ifax_geometry(const struct page_image *src, const struct encode_options *opt,
		  struct ifax_geometry *g, char *err, size_t errlen);

/* Resample a 1-bit page to g, centred: 0, or -1 (out of memory). */
int ifax_rescale(const struct page_image *src, const struct ifax_geometry *g, struct bitmap *out);

/* blobs */

enum blob_codec {
	CODEC_G3_1D, /* MH */
	CODEC_G3_2D, /* MR */
	CODEC_G4,    /* MMR */
	CODEC_JPEG,
};

struct page_blob {
	unsigned char *data;
	size_t len;
	enum blob_codec codec;
	uint32_t width, height;
	unsigned int components; /* 1 (1-bit or grey) or 3 */
	unsigned int bits;	 /* per component: 1 or 8 */
	unsigned int xres, yres;
};

void page_blob_free(struct page_blob *b);

/* ccitt.c: a 1-bit page compressed by libtiff's fax codecs: 0, or -1. */
int ccitt_encode(const struct page_image *bits, enum blob_codec codec, struct page_blob *out,
		 char *err, size_t errlen);

/* The Group3Options (T4Options) that go with codec's data. */
uint32_t ccitt_t4options(enum blob_codec codec);

/* jpeg.c: a grey or colour page as a baseline JPEG: 0, or -1. */
int jpeg_encode(const struct page_image *pg, unsigned int quality, struct page_blob *out, char *err,
		size_t errlen);

/* page_encode.c: everything a worker does to one page. */

/* Whether fmt can take this page (depth, I-Fax size); cheap, run before queueing. */
bool page_acceptable(enum encode_format fmt, const struct encode_options *opt,
		     const struct page_image *pg, char *err, size_t errlen);

int page_encode(enum encode_format fmt, const struct encode_options *opt,
		const struct page_image *pg, struct page_blob *out, char *err, size_t errlen);

/* outfile.c: a file that appears under its name only once complete. */

struct outfile {
	int fd;		 /* -1 once closed */
	int error;	 /* first errno of a failed write, sticky */
	uint64_t offset; /* of the next sequential write */
	char *path;
	char *tmp_path; /* NULL once published or discarded */
};

int outfile_create(struct outfile *of, const char *dir, const char *name, char *err, size_t errlen);
/* Append len bytes: 0, or -1 (the errno is kept in of->error). */
int outfile_write(struct outfile *of, const void *buf, size_t len);
/* Sync and close the temporary file: 0, or -1 with a message. */
int outfile_close(struct outfile *of, char *err, size_t errlen);
/* Rename a closed file into place: 0, or -1 with a message. */
int outfile_publish(struct outfile *of, char *err, size_t errlen);
/* Remove the temporary or, when published is set, the final file; free names. */
void outfile_discard(struct outfile *of, bool published);
/* Sync the directory so renames survive a power cut: 0, or -1. */
int outfile_sync_dir(const char *dir, char *err, size_t errlen);

/* pdf.c */

struct pdf_doc;
struct pdf_doc *pdf_begin(struct outfile *of, char *err, size_t errlen);
int pdf_add_page(struct pdf_doc *d, const struct page_blob *b, char *err, size_t errlen);
/* Page tree, cross-reference and trailer; frees d whatever happens. */
int pdf_end(struct pdf_doc *d, char *err, size_t errlen);
void pdf_free(struct pdf_doc *d);

/* tiff_out.c */

struct tiff_doc;
struct tiff_doc *tiff_begin(struct outfile *of, char *err, size_t errlen);
int tiff_add_page(struct tiff_doc *d, const struct page_blob *b, char *err, size_t errlen);
/* Close the TIFF; frees d whatever happens. */
int tiff_end(struct tiff_doc *d, char *err, size_t errlen);
void tiff_free(struct tiff_doc *d);

#endif
