/*
 * Page encoders: a document is written page by page, as the scanner
 * delivers it, into TIFF (MH, MR, MMR), the I-Fax profile S TIFF, one PDF,
 * or one PDF per page. Memory holds at most a few pages in flight whatever
 * the page count (plus a few bytes of bookkeeping per page for the PDF
 * cross-reference and the list of files written).
 *
 * Output appears complete or not at all: every file is written under a
 * hidden temporary name in out_dir, synced, and renamed into place by
 * encoder_finish(); encoder_abort() and any failure remove what was
 * written. A split PDF appears as a whole too: its per-page files are
 * renamed only once every page is done.
 *
 * Pages must be 1 bit per pixel for the TIFF formats and I-Fax: a grey
 * or colour page is refused unless encode_options.binarize is set, which
 * thresholds it (luma below 128 is black). PDF takes all depths: 1-bit
 * pages become CCITT G4 images, grey and colour pages JPEG.
 */
#ifndef IRSEND_ENCODER_H
#define IRSEND_ENCODER_H

#include <stddef.h>
#include <stdint.h>

enum encode_format {
	ENCODE_PDF,	  /* one PDF; G4 for 1-bit pages, JPEG for the others */
	ENCODE_PDF_SPLIT, /* one PDF per page: BASE-0001.pdf, BASE-0002.pdf, ... */
	ENCODE_TIFF_MH,	  /* multi-page TIFF, CCITT Group 3 1D (Compression 3) */
	ENCODE_TIFF_MR,	  /* multi-page TIFF, CCITT Group 3 2D (Compression 3, T4Options 1) */
	ENCODE_TIFF_MMR,  /* multi-page TIFF, CCITT Group 4 (Compression 4) */
	ENCODE_IFAX,	  /* I-Fax simple mode, TIFF profile S (RFC 3949): MH, fax widths */
	ENCODE_FORMAT_COUNT
};

/* The names encode_format_parse() takes, for usage messages. */
#define ENCODE_FORMAT_CHOICES "pdf, pdf-split, tiff-mh, tiff-mr, tiff-mmr or ifax"

/* I-Fax resolutions (x by y dpi); the ITU ones are 204 dpi wide. */
enum ifax_res {
	IFAX_RES_AUTO,	  /* 200x200 when the scan has 200 dpi or more vertically, else 200x100 */
	IFAX_RES_200X100, /* standard */
	IFAX_RES_200X200, /* fine */
	IFAX_RES_204X98,
	IFAX_RES_204X196,
};

enum ifax_coding {
	IFAX_CODING_MH, /* the default */
	IFAX_CODING_MR,
	IFAX_CODING_MMR,
};

/* Paper widths the I-Fax recipient accepts (seed 1.2.1: A4 always; B4, A3 by setting). */
#define IFAX_ACCEPT_A4 0x1u
#define IFAX_ACCEPT_B4 0x2u
#define IFAX_ACCEPT_A3 0x4u

/* Zero-initialised options are the defaults. */
struct encode_options {
	unsigned int threads;	   /* pages compressed in parallel; 0 or 1: in the caller */
	unsigned int jpeg_quality; /* 1..100 for grey and colour PDF pages; 0: 75 */
	int binarize;		   /* TIFF/I-Fax: threshold grey and colour pages, not refuse */
	enum ifax_res ifax_res;
	unsigned int ifax_accept; /* IFAX_ACCEPT_*; 0: A4 only */
	/*
	 * I-Fax coding: IFAX_CODING_MH (profile S, what simple mode must send)
	 * or, for full mode recipients that accept them (RFC 2532 capabilities),
	 * MR or MMR (TIFF-F profile F).
	 */
	enum ifax_coding ifax_coding;
};

/*
 * One page as the scanner page ring carries it: rows top to bottom, each
 * stride bytes apart; 1 bit per pixel MSB first with 1 = black (PBM), 8-bit
 * grey (0 = black) or 24-bit RGB. The rows are only read, and only during
 * encoder_add_page().
 */
struct page_image {
	uint32_t width;
	uint32_t height;
	size_t stride;
	unsigned int bpp;  /* 1, 8 or 24 */
	unsigned int xres; /* dpi */
	unsigned int yres;
	const void *rows;
};

struct encode_file {
	char *path; /* out_dir/name */
	uint64_t bytes;
	uint32_t pages;
};

struct encode_result {
	struct encode_file *files; /* in page order */
	size_t nfiles;
	uint32_t pages;
	uint64_t bytes; /* all files */
};

struct encoder;

/*
 * Start a document named base_name (no '/', not starting with '.') in
 * out_dir: BASE.pdf, BASE.tif or BASE-NNNN.pdf. An existing file of the
 * same name is replaced when the document is finished. NULL on error, with
 * a message in err.
 */
struct encoder *encoder_open(enum encode_format fmt, const char *out_dir, const char *base_name,
			     const struct encode_options *opt, char *err, size_t errlen);

/*
 * Add the next page: 0, or -1 with a message in err ("page N: ..."). A
 * page refused for what it is (geometry, depth, resolution) leaves the
 * document as it was, and the next page may follow. Any other failure
 * (compression, a write error such as a full disk) fails the document:
 * later calls fail, and encoder_finish() or encoder_abort() removes what
 * was written. With worker threads a page's compression error may surface
 * at a later call or at encoder_finish(); the message names its page.
 */
int encoder_add_page(struct encoder *e, const struct page_image *page, char *err, size_t errlen);

/*
 * Complete the document, put its files in place and free the encoder: 0
 * with the files in *res (release with encode_result_free()), or -1 with a
 * message in err and nothing left behind. res may be NULL.
 */
int encoder_finish(struct encoder *e, struct encode_result *res, char *err, size_t errlen);

/* Drop the document: remove whatever was written and free the encoder. NULL is fine. */
void encoder_abort(struct encoder *e);

void encode_result_free(struct encode_result *res);

/* "pdf", "pdf-split", "tiff-mh", "tiff-mr", "tiff-mmr", "ifax" (any case): 0, or -1. */
int encode_format_parse(const char *s, enum encode_format *fmt);

/* The name of fmt as encode_format_parse() takes it; NULL for an invalid value. */
const char *encode_format_name(enum encode_format fmt);

/* File name extension (without the dot) and MIME type of a format's files. */
const char *encode_format_extension(enum encode_format fmt);
const char *encode_format_mime(enum encode_format fmt);

/* Whether fmt takes grey and colour pages as they are. */
int encode_format_takes_color(enum encode_format fmt);

#endif
