// SPDX-License-Identifier: GPL-2.0
/*
 * The page encoders (user/encode): every format written page by page and
 * read back with libtiff or parsed, pixels compared where the format is
 * lossless, the I-Fax profile S geometry, hostile pages, full disks,
 * atomic output and flat memory over hundreds of pages. Runs on the host.
 *
 * Also a small command for tests/host/encode_tools.sh, which checks the
 * same output with independent tools:
 *   encode_test --encode FORMAT DIR BASE [--threads N] [--binarize]
 *               [--ifax-res 200x100|200x200|204x98|204x196] FILE.pnm...
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tiffio.h>

#include "encoder.h"
#include "pnm.h"
#include "testpage.h"

#include "kselftest_harness.h"

#define A4_W 2100
#define A4_H 2970

/* A fresh empty directory under /tmp; the caller removes it with rm_dir(). */
static char *make_dir(void)
{
	char *d = strdup("/tmp/encode_test.XXXXXX");

	if (d && !mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static void rm_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

/* Entries in dir, hidden (temporary) ones included. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int pixel(const struct page_image *p, uint32_t x, uint32_t y)
{
	const unsigned char *r = (const unsigned char *)p->rows + (size_t)y * p->stride;

	return (r[x / 8] >> (7 - x % 8)) & 1;
}

/* Rows of a decoded TIFF directory equal to page's, ignoring the pad bits. */
static int tiff_rows_equal(TIFF *tif, const struct page_image *page)
{
	size_t row = ((size_t)page->width + 7) / 8;
	unsigned char *buf = malloc(TIFFScanlineSize(tif));
	int ok = buf != NULL;

	for (uint32_t y = 0; ok && y < page->height; y++) {
		const unsigned char *want = (const unsigned char *)page->rows + y * page->stride;
		unsigned char mask = (unsigned char)(0xff << ((8 - page->width % 8) % 8));

		if (TIFFReadScanline(tif, buf, y, 0) < 0)
			ok = 0;
		else if (memcmp(buf, want, row - 1) || ((buf[row - 1] ^ want[row - 1]) & mask))
			ok = 0;
	}
	free(buf);
	return ok;
}

static struct encoder *open_or_log(struct __test_metadata *_metadata, enum encode_format fmt,
				   const char *dir, const char *base,
				   const struct encode_options *opt)
{
	char err[256] = "";
	struct encoder *e = encoder_open(fmt, dir, base, opt, err, sizeof(err));

	if (!e)
		TH_LOG("encoder_open: %s", err);
	return e;
}

#define ADD_PAGE_OK(e, pg)                                                                         \
	do {                                                                                       \
		char _err[256] = "";                                                               \
		int _rc = encoder_add_page((e), (pg), _err, sizeof(_err));                         \
		ASSERT_EQ(0, _rc)                                                                  \
		{                                                                                  \
			TH_LOG("add_page: %s", _err);                                              \
		}                                                                                  \
	} while (0)

#define FINISH_OK(e, res)                                                                          \
	do {                                                                                       \
		char _err[256] = "";                                                               \
		int _rc = encoder_finish((e), (res), _err, sizeof(_err));                          \
		ASSERT_EQ(0, _rc)                                                                  \
		{                                                                                  \
			TH_LOG("finish: %s", _err);                                                \
		}                                                                                  \
	} while (0)

TEST(format_names_round_trip)
{
	enum encode_format f;

	for (int i = 0; i < ENCODE_FORMAT_COUNT; i++) {
		const char *name = encode_format_name((enum encode_format)i);

		ASSERT_NE(NULL, name);
		ASSERT_EQ(0, encode_format_parse(name, &f));
		ASSERT_EQ(i, (int)f);
		ASSERT_NE(NULL, strstr(ENCODE_FORMAT_CHOICES, name));
	}
	ASSERT_EQ(0, encode_format_parse("TIFF-MMR", &f));
	ASSERT_EQ(ENCODE_TIFF_MMR, f);
	ASSERT_EQ(-1, encode_format_parse("tiff", &f));
	ASSERT_EQ(-1, encode_format_parse("", &f));
	ASSERT_EQ(-1, encode_format_parse(NULL, &f));
	ASSERT_EQ(NULL, encode_format_name(ENCODE_FORMAT_COUNT));
	ASSERT_STREQ("image/tiff; application=faxbw", encode_format_mime(ENCODE_IFAX));
	ASSERT_STREQ("pdf", encode_format_extension(ENCODE_PDF_SPLIT));
	ASSERT_TRUE(encode_format_takes_color(ENCODE_PDF));
	ASSERT_FALSE(encode_format_takes_color(ENCODE_TIFF_MMR));
}

TEST(open_refuses_bad_arguments)
{
	const char *bad_names[] = { "", "a/b", ".hidden", NULL };
	struct encode_options opt = { .jpeg_quality = 101 };
	char *dir = make_dir();
	char err[256];

	ASSERT_NE(NULL, dir);
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		err[0] = 0;
		ASSERT_EQ(NULL,
			  encoder_open(ENCODE_PDF, dir, bad_names[i], NULL, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "invalid document name"));
	}
	err[0] = 0;
	ASSERT_EQ(NULL, encoder_open(ENCODE_FORMAT_COUNT, dir, "doc", NULL, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "unknown format"));
	err[0] = 0;
	ASSERT_EQ(NULL,
		  encoder_open(ENCODE_PDF, "/nonexistent/dir", "doc", NULL, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "No such file or directory"));
	err[0] = 0;
	ASSERT_EQ(NULL, encoder_open(ENCODE_PDF, dir, "doc", &opt, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "JPEG quality"));
	ASSERT_EQ(0, count_files(dir));
	rm_dir(dir);
}

/* Every hostile page is refused with a message; the good pages still make a document. */
TEST(hostile_pages_refused_alone)
{
	static unsigned char rows[4096];
	const struct page_image good = { .width = 64,
					 .height = 32,
					 .stride = 8,
					 .bpp = 1,
					 .xres = 200,
					 .yres = 200,
					 .rows = rows };
	struct {
		struct page_image page;
		const char *why;
	} bad[] = {
		{ good, "bits per pixel" }, { good, "pixels" },	      { good, "pixels" },
		{ good, "pixels" },	    { good, "stride" },	      { good, "resolution" },
		{ good, "resolution" },	    { good, "no page data" }, { good, "resolution" },
	};
	struct encode_result res;
	char *dir = make_dir();
	struct encoder *e;

	bad[0].page.bpp = 4;
	bad[1].page.width = 0;
	bad[2].page.height = 0;
	bad[3].page.width = 100000;
	bad[4].page.stride = 7;
	bad[5].page.xres = 0;
	bad[6].page.yres = 0;
	bad[7].page.rows = NULL;
	bad[8].page.xres = 100000;
	ASSERT_NE(NULL, dir);
	for (int fmt = 0; fmt < ENCODE_FORMAT_COUNT; fmt++) {
		e = open_or_log(_metadata, (enum encode_format)fmt, dir, encode_format_name(fmt),
				NULL);
		ASSERT_NE(NULL, e);
		ADD_PAGE_OK(e, &good);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char err[256] = "";

			ASSERT_EQ(-1, encoder_add_page(e, &bad[i].page, err, sizeof(err)));
			ASSERT_NE(NULL, strstr(err, bad[i].why))
			{
				TH_LOG("%s case %zu: \"%s\"", encode_format_name(fmt), i, err);
			}
			ASSERT_EQ(0, strncmp(err, "page 2: ", 8));
		}
		ASSERT_EQ(-1, encoder_add_page(e, NULL, NULL, 0));
		ADD_PAGE_OK(e, &good);
		FINISH_OK(e, &res);
		ASSERT_EQ(2, res.pages);
		encode_result_free(&res);
	}
	/* pdf, pdf-split (2 files), four TIFFs */
	ASSERT_EQ(7, count_files(dir));
	rm_dir(dir);
}

TEST(grey_page_refused_by_tiff_unless_binarized)
{
	struct encode_options opt = { .binarize = 1 };
	struct testpage tp;
	struct encode_result res;
	char *dir = make_dir();
	char err[256] = "", path[4200];
	struct encoder *e;
	TIFF *tif;
	uint16_t bps = 0;
	unsigned char *buf;
	uint32_t bx = 0, by = 0;
	int found = 0;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, 500, 400, 100, 100, 8, 1, 1));
	for (int fmt = ENCODE_TIFF_MH; fmt <= ENCODE_IFAX; fmt++) {
		e = open_or_log(_metadata, (enum encode_format)fmt, dir, "grey", NULL);
		ASSERT_NE(NULL, e);
		ASSERT_EQ(-1, encoder_add_page(e, &tp.img, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "1-bit pages only"))
		{
			TH_LOG("%s", err);
		}
		/* Refusing it left the document empty, which cannot be finished. */
		ASSERT_EQ(-1, encoder_finish(e, NULL, err, sizeof(err)));
		ASSERT_NE(NULL, strstr(err, "at least one page"));
	}
	ASSERT_EQ(0, count_files(dir));

	e = open_or_log(_metadata, ENCODE_TIFF_MMR, dir, "grey", &opt);
	ASSERT_NE(NULL, e);
	ADD_PAGE_OK(e, &tp.img);
	FINISH_OK(e, &res);
	encode_result_free(&res);
	snprintf(path, sizeof(path), "%s/grey.tif", dir);
	tif = TIFFOpen(path, "r");
	ASSERT_NE(NULL, tif);
	TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	ASSERT_EQ(1, bps);
	/* The first dark pixel became black; the white corner stayed white. */
	buf = malloc(TIFFScanlineSize(tif));
	ASSERT_NE(NULL, buf);
	for (uint32_t y = 0; y < tp.img.height && !found; y++) {
		const unsigned char *g = (const unsigned char *)tp.img.rows + y * tp.img.stride;

		for (uint32_t x = 0; x < tp.img.width && !found; x++) {
			if (g[x] < 128) {
				bx = x;
				by = y;
				found = 1;
			}
		}
	}
	ASSERT_TRUE(found);
	/* CCITT strips decode in order only. */
	ASSERT_EQ(1, TIFFReadScanline(tif, buf, 0, 0));
	ASSERT_EQ(0, buf[0]);
	for (uint32_t y = 1; y <= by; y++)
		ASSERT_EQ(1, TIFFReadScanline(tif, buf, y, 0));
	ASSERT_NE(0, buf[bx / 8] & (0x80 >> (bx % 8)));
	free(buf);
	TIFFClose(tif);
	testpage_free(&tp);
	rm_dir(dir);
}

struct tiff_case {
	enum encode_format fmt;
	uint16_t compression;
	uint32_t t4options;
};

static void tiff_round_trip(struct __test_metadata *_metadata, const struct tiff_case *c,
			    unsigned int threads)
{
	/* Three pages that differ in size, resolution and text. */
	static const struct {
		uint32_t w, h;
		unsigned int xres, yres;
	} geo[3] = { { A4_W, A4_H, 200, 200 }, { 1480, 2100, 300, 300 }, { A4_W, A4_H, 200, 100 } };
	struct encode_options opt = { .threads = threads };
	struct testpage tp[3];
	struct encode_result res;
	char *dir = make_dir();
	struct encoder *e;
	TIFF *tif;

	ASSERT_NE(NULL, dir);
	e = open_or_log(_metadata, c->fmt, dir, "doc", &opt);
	ASSERT_NE(NULL, e);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, testpage_make(&tp[i], geo[i].w, geo[i].h, geo[i].xres, geo[i].yres, 1,
					   (uint32_t)i + 7, 1));
		ADD_PAGE_OK(e, &tp[i].img);
	}
	FINISH_OK(e, &res);
	ASSERT_EQ(1, res.nfiles);
	ASSERT_EQ(3, res.pages);
	ASSERT_EQ(3, res.files[0].pages);
	ASSERT_NE(NULL, strstr(res.files[0].path, "/doc.tif"));
	ASSERT_LT(0, res.files[0].bytes);
	ASSERT_EQ(1, count_files(dir));

	tif = TIFFOpen(res.files[0].path, "r");
	ASSERT_NE(NULL, tif);
	ASSERT_EQ(3, TIFFNumberOfDirectories(tif));
	for (int i = 0; i < 3; i++) {
		uint32_t w = 0, h = 0, t4 = 99;
		uint16_t comp = 0, unit = 0, photo = 9;
		float xr = 0, yr = 0;

		ASSERT_EQ(1, TIFFSetDirectory(tif, (uint16_t)i));
		TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
		TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
		TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp);
		TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr);
		TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr);
		TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
		TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo);
		ASSERT_EQ(tp[i].img.width, w);
		ASSERT_EQ(tp[i].img.height, h);
		ASSERT_EQ(c->compression, comp);
		ASSERT_EQ(geo[i].xres, (unsigned int)xr);
		ASSERT_EQ(geo[i].yres, (unsigned int)yr);
		ASSERT_EQ(RESUNIT_INCH, unit);
		ASSERT_EQ(PHOTOMETRIC_MINISWHITE, photo);
		ASSERT_EQ(1, TIFFNumberOfStrips(tif));
		if (c->compression == COMPRESSION_CCITTFAX3) {
			ASSERT_EQ(1, TIFFGetField(tif, TIFFTAG_GROUP3OPTIONS, &t4));
			ASSERT_EQ(c->t4options, t4);
		}
		ASSERT_TRUE(tiff_rows_equal(tif, &tp[i].img))
		{
			TH_LOG("%s page %d pixels differ", encode_format_name(c->fmt), i + 1);
		}
	}
	TIFFClose(tif);
	encode_result_free(&res);
	for (int i = 0; i < 3; i++)
		testpage_free(&tp[i]);
	rm_dir(dir);
}

static const struct tiff_case mh = { ENCODE_TIFF_MH, COMPRESSION_CCITTFAX3, 0 };
static const struct tiff_case mr = { ENCODE_TIFF_MR, COMPRESSION_CCITTFAX3, GROUP3OPT_2DENCODING };
static const struct tiff_case mmr = { ENCODE_TIFF_MMR, COMPRESSION_CCITTFAX4, 0 };

TEST(tiff_mh_three_pages_lossless)
{
	tiff_round_trip(_metadata, &mh, 0);
}

TEST(tiff_mr_three_pages_lossless)
{
	tiff_round_trip(_metadata, &mr, 0);
}

TEST(tiff_mmr_three_pages_lossless)
{
	tiff_round_trip(_metadata, &mmr, 0);
}

TEST(tiff_mmr_threaded_lossless)
{
	tiff_round_trip(_metadata, &mmr, 2);
}

TEST(tiff_mr_threaded_lossless)
{
	tiff_round_trip(_metadata, &mr, 3);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/*
 * Lines of a T.4 MR strip coded 1-D, per line: every line starts after an
 * EOL (eleven zeros, then a one; no other code has eleven zeros in a row)
 * followed by a tag bit, 1 for a 1-D line. With K = 4 every fourth line is
 * 1-D, with K = 2 every second.
 */
static double one_d_share(const unsigned char *p, size_t len)
{
	unsigned int zeros = 0, lines = 0, one_d = 0;
	int want_tag = 0;

	for (size_t i = 0; i < len * 8; i++) {
		int bit = (p[i / 8] >> (7 - i % 8)) & 1;

		if (want_tag) {
			lines++;
			one_d += bit;
			want_tag = 0;
			zeros = 0;
			continue;
		}
		if (!bit) {
			zeros++;
			continue;
		}
		want_tag = zeros >= 11;
		zeros = 0;
	}
	/* The RTC at the end is six EOL+1 in a row: those count as 1-D "lines". */
	return lines > 6 ? (double)(one_d - 6) / (lines - 6) : 0;
}

/* MR's K factor follows the vertical resolution: 2 up to 150 dpi, 4 above (T.4). */
TEST(tiff_mr_k_factor_from_resolution)
{
	static const struct {
		unsigned int yres;
		double share;
	} cases[] = { { 100, 0.5 }, { 200, 0.25 }, { 400, 0.25 } };
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct testpage tp;
		struct encode_result res;
		struct encoder *e = open_or_log(_metadata, ENCODE_TIFF_MR, dir, "mr", NULL);
		TIFF *tif;
		tmsize_t n;
		unsigned char *raw;
		double share;

		ASSERT_NE(NULL, e);
		ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 200, cases[i].yres, 1, 2, 1));
		ADD_PAGE_OK(e, &tp.img);
		FINISH_OK(e, &res);
		tif = TIFFOpen(res.files[0].path, "r");
		ASSERT_NE(NULL, tif);
		raw = malloc(res.files[0].bytes);
		ASSERT_NE(NULL, raw);
		n = TIFFReadRawStrip(tif, 0, raw, (tmsize_t)res.files[0].bytes);
		ASSERT_LT(0, n);
		share = one_d_share(raw, (size_t)n);
		TH_LOG("%u dpi: %.3f of the lines 1-D", cases[i].yres, share);
		ASSERT_LT(share, cases[i].share + 0.01);
		ASSERT_GT(share, cases[i].share - 0.01);
		free(raw);
		TIFFClose(tif);
		encode_result_free(&res);
		testpage_free(&tp);
	}
	rm_dir(dir);
}

/* Threads change who compresses, never the bytes or their order. */
TEST(threads_write_the_same_file)
{
	struct encode_options one = { 0 }, four = { .threads = 4 };
	struct testpage tp[5];
	char *dir = make_dir();
	char a[4200], b[4200];
	char *da, *db;
	size_t la = 0, lb = 0;
	struct encoder *e1, *e4;

	ASSERT_NE(NULL, dir);
	e1 = open_or_log(_metadata, ENCODE_TIFF_MMR, dir, "one", &one);
	e4 = open_or_log(_metadata, ENCODE_TIFF_MMR, dir, "four", &four);
	ASSERT_NE(NULL, e1);
	ASSERT_NE(NULL, e4);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0,
			  testpage_make(&tp[i], A4_W, A4_H, 200, 200, 1, (uint32_t)i * 3, i & 1));
		ADD_PAGE_OK(e1, &tp[i].img);
		ADD_PAGE_OK(e4, &tp[i].img);
	}
	FINISH_OK(e1, NULL);
	FINISH_OK(e4, NULL);
	snprintf(a, sizeof(a), "%s/one.tif", dir);
	snprintf(b, sizeof(b), "%s/four.tif", dir);
	da = slurp(a, &la);
	db = slurp(b, &lb);
	ASSERT_NE(NULL, da);
	ASSERT_NE(NULL, db);
	ASSERT_EQ(la, lb);
	ASSERT_EQ(0, memcmp(da, db, la));
	free(da);
	free(db);
	for (int i = 0; i < 5; i++)
		testpage_free(&tp[i]);
	rm_dir(dir);
}

/* The I-Fax page a scan becomes, read back with libtiff. */
struct ifax_page {
	uint32_t w, h, t4, strips;
	uint16_t comp, fill;
	float xr, yr;
};

static int ifax_encode(const struct page_image *pg, const struct encode_options *opt,
		       const char *dir, struct ifax_page *out, TIFF **keep)
{
	char err[256], path[4200];
	struct encoder *e = encoder_open(ENCODE_IFAX, dir, "fax", opt, err, sizeof(err));
	TIFF *tif;

	if (!e || encoder_add_page(e, pg, err, sizeof(err)) ||
	    encoder_finish(e, NULL, err, sizeof(err))) {
		fprintf(stderr, "# ifax: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/fax.tif", dir);
	tif = TIFFOpen(path, "r");
	if (!tif)
		return -1;
	memset(out, 0, sizeof(*out));
	out->t4 = 99;
	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &out->w);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &out->h);
	TIFFGetField(tif, TIFFTAG_COMPRESSION, &out->comp);
	TIFFGetField(tif, TIFFTAG_GROUP3OPTIONS, &out->t4);
	TIFFGetField(tif, TIFFTAG_FILLORDER, &out->fill);
	TIFFGetField(tif, TIFFTAG_XRESOLUTION, &out->xr);
	TIFFGetField(tif, TIFFTAG_YRESOLUTION, &out->yr);
	out->strips = TIFFNumberOfStrips(tif);
	if (keep)
		*keep = tif;
	else
		TIFFClose(tif);
	return 0;
}

TEST(ifax_a4_600dpi_becomes_1728_wide)
{
	static const struct {
		enum ifax_res res;
		unsigned int xres, yres;
		uint32_t height;
	} cases[] = {
		/* 7016 rows at 600 dpi are 11.69 in: 2339 rows at 200 dpi, 1169 at 100 */
		{ IFAX_RES_AUTO, 200, 200, 2339 },    { IFAX_RES_200X200, 200, 200, 2339 },
		{ IFAX_RES_200X100, 200, 100, 1169 }, { IFAX_RES_204X196, 204, 196, 2292 },
		{ IFAX_RES_204X98, 204, 98, 1146 },
	};
	struct testpage tp;
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 600, 600, 1, 5, 1));
	ASSERT_EQ(4960, tp.img.width);
	ASSERT_EQ(7016, tp.img.height);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct encode_options opt = { .ifax_res = cases[i].res };
		struct ifax_page p;

		ASSERT_EQ(0, ifax_encode(&tp.img, &opt, dir, &p, NULL));
		ASSERT_EQ(1728, p.w);
		ASSERT_EQ(cases[i].height, p.h);
		ASSERT_EQ(COMPRESSION_CCITTFAX3, p.comp);
		ASSERT_EQ(0, p.t4);
		ASSERT_EQ(FILLORDER_MSB2LSB, p.fill);
		ASSERT_EQ(cases[i].xres, (unsigned int)(p.xr + 0.5f));
		ASSERT_EQ(cases[i].yres, (unsigned int)(p.yr + 0.5f));
		ASSERT_EQ(1, p.strips);
	}
	testpage_free(&tp);
	rm_dir(dir);
}

/* A 200x200 scan is already a fax page: the same pixels, centred in 1728. */
TEST(ifax_200dpi_scan_kept_pixel_for_pixel)
{
	struct encode_options opt = { .ifax_res = IFAX_RES_200X200 };
	struct testpage tp;
	struct ifax_page p;
	char *dir = make_dir();
	TIFF *tif = NULL;
	unsigned char *buf;
	uint32_t left, diff = 0;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 200, 200, 1, 9, 1));
	ASSERT_EQ(0, ifax_encode(&tp.img, &opt, dir, &p, &tif));
	ASSERT_EQ(1728, p.w);
	ASSERT_EQ(tp.img.height, p.h);
	left = (1728 - tp.img.width) / 2;
	buf = malloc(1728 / 8);
	ASSERT_NE(NULL, buf);
	for (uint32_t y = 0; y < p.h; y++) {
		ASSERT_EQ(1, TIFFReadScanline(tif, buf, y, 0));
		for (uint32_t x = 0; x < 1728; x++) {
			int got = (buf[x / 8] >> (7 - x % 8)) & 1;
			int want = x >= left && x < left + tp.img.width
					   ? pixel(&tp.img, x - left, y)
					   : 0;

			diff += got != want;
		}
	}
	ASSERT_EQ(0, diff);
	free(buf);
	TIFFClose(tif);
	testpage_free(&tp);
	rm_dir(dir);
}

/* Reduction keeps the ink: a 600 dpi page and its 200 dpi fax have about the same black share. */
TEST(ifax_reduction_keeps_ink)
{
	struct encode_options opt = { .ifax_res = IFAX_RES_200X200 };
	struct testpage tp;
	struct ifax_page p;
	char *dir = make_dir();
	TIFF *tif = NULL;
	unsigned char *buf;
	uint64_t src_black = 0, fax_black = 0;
	double src_share, fax_share;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 600, 600, 1, 3, 0));
	for (uint32_t y = 0; y < tp.img.height; y++)
		for (uint32_t x = 0; x < tp.img.width; x++)
			src_black += pixel(&tp.img, x, y);
	ASSERT_EQ(0, ifax_encode(&tp.img, &opt, dir, &p, &tif));
	buf = malloc(1728 / 8);
	ASSERT_NE(NULL, buf);
	for (uint32_t y = 0; y < p.h; y++) {
		ASSERT_EQ(1, TIFFReadScanline(tif, buf, y, 0));
		for (uint32_t i = 0; i < 1728 / 8; i++)
			fax_black += (uint64_t)__builtin_popcount(buf[i]);
	}
	src_share = (double)src_black / ((double)tp.img.width * tp.img.height);
	/* Over the page's own area, not the padding. */
	fax_share = (double)fax_black / (tp.img.width / 3.0 * p.h);
	TH_LOG("black share: scan %.4f, fax %.4f", src_share, fax_share);
	ASSERT_GT(src_share, 0.01);
	ASSERT_LT(fax_share, src_share * 1.5);
	ASSERT_GT(fax_share, src_share * 0.8);
	free(buf);
	TIFFClose(tif);
	testpage_free(&tp);
	rm_dir(dir);
}

/* Seed 1.2.1: A4 always; B4 and A3 when the recipient takes them, else reduced to A4. */
TEST(ifax_b4_a3_widths)
{
	static const struct {
		uint32_t w, h;
		unsigned int accept;
		uint32_t width, height;
	} cases[] = {
		/* B4 257 x 364 mm at 200 dpi: 2024 x 2866 pixels */
		{ 2570, 3640, IFAX_ACCEPT_B4, 2048, 2866 },
		{ 2570, 3640, IFAX_ACCEPT_B4 | IFAX_ACCEPT_A3, 2048, 2866 },
		/* reduced to fit 1728: 2866 * 1728 / 2024 */
		{ 2570, 3640, 0, 1728, 2447 },
		/* A3 297 x 420 mm: 2336 x 3307 pixels */
		{ 2970, 4200, IFAX_ACCEPT_A3, 2432, 3307 },
		{ 2970, 4200, IFAX_ACCEPT_B4, 2048, 2899 },
		{ 2970, 4200, IFAX_ACCEPT_A4, 1728, 2446 },
		/* A5 is smaller than A4: kept at its size inside 1728 */
		{ 1480, 2100, IFAX_ACCEPT_A3, 1728, 1654 },
	};
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct encode_options opt = { .ifax_res = IFAX_RES_200X200,
					      .ifax_accept = cases[i].accept };
		struct testpage tp;
		struct ifax_page p;

		ASSERT_EQ(0, testpage_make(&tp, cases[i].w, cases[i].h, 200, 200, 1, 1, 0));
		ASSERT_EQ(0, ifax_encode(&tp.img, &opt, dir, &p, NULL));
		ASSERT_EQ(cases[i].width, p.w)
		{
			TH_LOG("case %zu", i);
		}
		ASSERT_GE(1, (int)p.h - (int)cases[i].height)
		{
			TH_LOG("case %zu: %u rows", i, p.h);
		}
		ASSERT_LE(-1, (int)p.h - (int)cases[i].height)
		{
			TH_LOG("case %zu: %u rows", i, p.h);
		}
		testpage_free(&tp);
	}
	rm_dir(dir);
}

/* Each xref entry of a PDF we wrote points at "N 0 obj". */
static int pdf_xref_valid(const char *buf, size_t len, unsigned int *objects)
{
	const char *sx = NULL, *p;
	unsigned long long xref;
	unsigned int first, count;

	for (p = buf; (p = memmem(p, len - (size_t)(p - buf), "startxref", 9)); p++)
		sx = p;
	if (!sx || sscanf(sx, "startxref %llu", &xref) != 1 || xref >= len)
		return 0;
	if (sscanf(buf + xref, "xref %u %u", &first, &count) != 2 || first != 0)
		return 0;
	p = strchr(buf + xref + 5, '\n');
	if (!p)
		return 0;
	p++;
	for (unsigned int i = 0; i < count; i++, p += 20) {
		unsigned long long off;
		char want[32];

		if ((size_t)(p - buf) + 20 > len)
			return 0;
		if (i == 0)
			continue;
		if (sscanf(p, "%10llu", &off) != 1 || off >= len)
			return 0;
		snprintf(want, sizeof(want), "%u 0 obj", i);
		if (strncmp(buf + off, want, strlen(want)))
			return 0;
	}
	*objects = count;
	return !strncmp(buf, "%PDF-1.4", 8) && strstr(buf + len - 7, "%%EOF");
}

TEST(pdf_mixed_depths_three_pages)
{
	struct testpage tp[3];
	struct encode_result res;
	char *dir = make_dir();
	struct encoder *e;
	unsigned int objects = 0;
	size_t len = 0;
	char *pdf;

	ASSERT_NE(NULL, dir);
	e = open_or_log(_metadata, ENCODE_PDF, dir, "doc", NULL);
	ASSERT_NE(NULL, e);
	for (int i = 0; i < 3; i++) {
		static const unsigned int bpp[3] = { 1, 8, 24 };

		ASSERT_EQ(0, testpage_make(&tp[i], A4_W, A4_H, 150, 150, bpp[i], 2, 1));
		ADD_PAGE_OK(e, &tp[i].img);
	}
	FINISH_OK(e, &res);
	ASSERT_EQ(1, res.nfiles);
	ASSERT_EQ(3, res.pages);
	pdf = slurp(res.files[0].path, &len);
	ASSERT_NE(NULL, pdf);
	ASSERT_EQ(res.files[0].bytes, len);
	ASSERT_TRUE(pdf_xref_valid(pdf, len, &objects));
	ASSERT_EQ(3 + 3 * 3 + 1, objects);
	ASSERT_NE(NULL, memmem(pdf, len, "/Count 3", 8));
	ASSERT_NE(NULL, memmem(pdf, len, "/CCITTFaxDecode", 15));
	ASSERT_NE(NULL, memmem(pdf, len, "/DeviceRGB", 10));
	ASSERT_NE(NULL, memmem(pdf, len, "/DCTDecode", 10));
	/* 1240 pixels at 150 dpi are 595.2 points: A4 */
	ASSERT_NE(NULL, memmem(pdf, len, "/MediaBox [0 0 595.2 841.92]", 28));
	free(pdf);
	encode_result_free(&res);
	for (int i = 0; i < 3; i++)
		testpage_free(&tp[i]);
	rm_dir(dir);
}

TEST(pdf_split_one_file_per_page)
{
	struct encode_options opt = { .threads = 2 };
	struct testpage tp;
	struct encode_result res;
	char *dir = make_dir();
	struct encoder *e;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 100, 100, 1, 4, 1));
	e = open_or_log(_metadata, ENCODE_PDF_SPLIT, dir, "scan", &opt);
	ASSERT_NE(NULL, e);
	for (int i = 0; i < 3; i++)
		ADD_PAGE_OK(e, &tp.img);
	FINISH_OK(e, &res);
	ASSERT_EQ(3, res.nfiles);
	ASSERT_EQ(3, res.pages);
	ASSERT_EQ(3, count_files(dir));
	for (size_t i = 0; i < 3; i++) {
		char want[32];
		unsigned int objects = 0;
		size_t len = 0;
		char *pdf = slurp(res.files[i].path, &len);

		snprintf(want, sizeof(want), "/scan-%04zu.pdf", i + 1);
		ASSERT_NE(NULL, strstr(res.files[i].path, want));
		ASSERT_EQ(1, res.files[i].pages);
		ASSERT_NE(NULL, pdf);
		ASSERT_TRUE(pdf_xref_valid(pdf, len, &objects));
		ASSERT_NE(NULL, memmem(pdf, len, "/Count 1", 8));
		free(pdf);
	}
	encode_result_free(&res);
	testpage_free(&tp);
	rm_dir(dir);
}

/* Until finish, the final names do not exist; abort leaves nothing, whatever the format. */
TEST(output_is_atomic_and_abort_cleans)
{
	struct testpage tp;
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 100, 100, 1, 4, 0));
	for (int fmt = 0; fmt < ENCODE_FORMAT_COUNT; fmt++) {
		for (unsigned int threads = 0; threads <= 2; threads += 2) {
			struct encode_options opt = { .threads = threads };
			struct encoder *e =
				open_or_log(_metadata, (enum encode_format)fmt, dir, "doc", &opt);
			char path[4200];
			DIR *d;
			struct dirent *de;

			ASSERT_NE(NULL, e);
			for (int i = 0; i < 3; i++)
				ADD_PAGE_OK(e, &tp.img);
			d = opendir(dir);
			ASSERT_NE(NULL, d);
			while ((de = readdir(d)))
				ASSERT_TRUE(de->d_name[0] == '.')
				{
					TH_LOG("visible: %s", de->d_name);
				}
			closedir(d);
			snprintf(path, sizeof(path), "%s/doc.%s", dir,
				 encode_format_extension((enum encode_format)fmt));
			ASSERT_NE(0, access(path, F_OK));
			encoder_abort(e);
			ASSERT_EQ(0, count_files(dir));
		}
	}
	encoder_abort(NULL);
	testpage_free(&tp);
	rm_dir(dir);
}

/*
 * A write that fails mid-document (here the file size limit, EFBIG) fails
 * the document with the system's reason and leaves no file behind.
 */
TEST(write_error_reported_and_cleaned)
{
	struct rlimit lim = { 64 * 1024, 64 * 1024 };
	struct testpage tp;
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 300, 300, 1, 4, 1));
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &lim));
	for (int fmt = 0; fmt < ENCODE_FORMAT_COUNT; fmt++) {
		struct encoder *e =
			open_or_log(_metadata, (enum encode_format)fmt, dir, "doc", NULL);
		char err[256] = "";
		int rc = 0;

		ASSERT_NE(NULL, e);
		for (int i = 0; i < 20 && !rc; i++)
			rc = encoder_add_page(e, &tp.img, err, sizeof(err));
		if (!rc)
			rc = encoder_finish(e, NULL, err, sizeof(err));
		else
			encoder_abort(e);
		ASSERT_EQ(-1, rc)
		{
			TH_LOG("%s did not fail", encode_format_name(fmt));
		}
		ASSERT_NE(NULL, strstr(err, strerror(EFBIG)))
		{
			TH_LOG("\"%s\"", err);
		}
		ASSERT_EQ(0, count_files(dir));
	}
	testpage_free(&tp);
	rm_dir(dir);
}

/* A private mount namespace with a 256 KiB tmpfs at dir: 0, or -1 when not allowed. */
static int tiny_tmpfs(const char *dir)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int fd;

	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			return -1;
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "deny", 4) != 4) {
				close(fd);
				return -1;
			}
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return -1;
		close(fd);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return -1;
		close(fd);
	} else if (unshare(CLONE_NEWNS)) {
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	return mount("none", dir, "tmpfs", 0, "size=256k");
}

TEST(full_disk_reported_and_cleaned)
{
	struct testpage tp;
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	if (tiny_tmpfs(dir)) {
		rm_dir(dir);
		SKIP(return, "cannot mount a tmpfs here: %s", strerror(errno));
	}
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 300, 300, 1, 4, 1));
	for (int fmt = 0; fmt < ENCODE_FORMAT_COUNT; fmt++) {
		for (unsigned int threads = 0; threads <= 2; threads += 2) {
			struct encode_options opt = { .threads = threads };
			struct encoder *e =
				open_or_log(_metadata, (enum encode_format)fmt, dir, "doc", &opt);
			char err[256] = "";
			int rc = 0;

			ASSERT_NE(NULL, e);
			for (int i = 0; i < 40 && !rc; i++)
				rc = encoder_add_page(e, &tp.img, err, sizeof(err));
			if (!rc)
				rc = encoder_finish(e, NULL, err, sizeof(err));
			else
				encoder_abort(e);
			ASSERT_EQ(-1, rc);
			ASSERT_NE(NULL, strstr(err, strerror(ENOSPC)))
			{
				TH_LOG("%s: \"%s\"", encode_format_name(fmt), err);
			}
			ASSERT_EQ(0, count_files(dir));
		}
	}
	testpage_free(&tp);
	umount(dir);
	rm_dir(dir);
}

/* Max RSS in KiB of a child that encodes pages copies of one page. */
static long rss_after(enum encode_format fmt, unsigned int threads, const struct page_image *pg,
		      int pages, const char *dir)
{
	int status;
	int fds[2];
	long kib = -1;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct encode_options opt = { .threads = threads };
		struct encoder *e = encoder_open(fmt, dir, "big", &opt, NULL, 0);
		struct rusage ru;
		int ok = e != NULL;

		for (int i = 0; ok && i < pages; i++)
			ok = !encoder_add_page(e, pg, NULL, 0);
		ok = ok && !encoder_finish(e, NULL, NULL, 0);
		getrusage(RUSAGE_SELF, &ru);
		kib = ok ? ru.ru_maxrss : -1;
		if (write(fds[1], &kib, sizeof(kib)) != sizeof(kib))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &kib, sizeof(kib)) != sizeof(kib))
		kib = -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return kib;
}

/*
 * 300 pages cost no more memory than 10: the ceiling is 2 MiB over the
 * 10-page run, which itself holds a few pages (the PDF cross-reference and
 * the file list grow by a few bytes a page, nowhere near that).
 */
FIXTURE(memory){};
FIXTURE_SETUP(memory)
{
}
FIXTURE_TEARDOWN(memory)
{
}

TEST_F_TIMEOUT(memory, flat_over_300_pages, 240)
{
	static const struct {
		enum encode_format fmt;
		unsigned int threads;
	} cases[] = {
		{ ENCODE_TIFF_MMR, 0 },
		{ ENCODE_TIFF_MMR, 2 },
		{ ENCODE_PDF, 2 },
		{ ENCODE_PDF_SPLIT, 2 },
	};
	struct testpage tp;
	char *dir = make_dir();

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, testpage_make(&tp, A4_W, A4_H, 200, 200, 1, 8, 1));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long small = rss_after(cases[i].fmt, cases[i].threads, &tp.img, 10, dir);
		long big = rss_after(cases[i].fmt, cases[i].threads, &tp.img, 300, dir);

		TH_LOG("%s, %u threads: max RSS %ld KiB for 10 pages, %ld KiB for 300",
		       encode_format_name(cases[i].fmt), cases[i].threads, small, big);
		ASSERT_LT(0, small);
		ASSERT_LT(0, big);
		ASSERT_LT(big, small + 2048);
	}
	testpage_free(&tp);
	rm_dir(dir);
}

/* Every image of a PNM file ("FILE:XRES" or "FILE:XRESxYRES"; 200 dpi otherwise) into e. */
static int encode_pnm_file(struct encoder *e, const char *arg)
{
	char *name = strdup(arg), *colon = name ? strrchr(name, ':') : NULL;
	unsigned int xres = 200, yres = 200;
	struct pnm_reader r;
	struct pnm_image img;
	char err[256] = "";
	int rc = -1, more;
	FILE *f;

	if (!name)
		return -1;
	if (colon) {
		*colon = 0;
		if (sscanf(colon + 1, "%ux%u", &xres, &yres) == 1)
			yres = xres;
	}
	f = fopen(name, "rb");
	if (!f) {
		fprintf(stderr, "encode_test: %s: %s\n", name, strerror(errno));
		free(name);
		return -1;
	}
	pnm_reader_init(&r, f);
	while ((more = pnm_next_image(&r, &img)) == 1) {
		unsigned char *rows = malloc(img.data_bytes);
		struct page_image pg = {
			.width = img.width,
			.height = img.height,
			.stride = img.row_bytes,
			.bpp = img.bpp,
			.xres = xres,
			.yres = yres,
			.rows = rows,
		};
		int bad = !rows || pnm_read_rows(&r, rows, img.height) ||
			  encoder_add_page(e, &pg, err, sizeof(err));

		free(rows);
		if (bad) {
			more = -1;
			break;
		}
	}
	if (more == 0)
		rc = 0;
	else
		fprintf(stderr, "encode_test: %s: %s\n", name,
			pnm_error(&r)[0] ? pnm_error(&r)
			: err[0]	 ? err
					 : "out of memory");
	fclose(f);
	free(name);
	return rc;
}

/* The --encode command: PNM files in, one document out; prints the files written. */
static int encode_tool(int argc, char **argv)
{
	struct encode_options opt = { 0 };
	enum encode_format fmt;
	struct encode_result res;
	struct encoder *e;
	char err[256];
	int i = 4;

	if (argc < 5 || encode_format_parse(argv[1], &fmt)) {
		fprintf(stderr, "usage: encode_test --encode FORMAT DIR BASE [--threads N] "
				"[--binarize] [--ifax-res XxY] [--ifax-accept a4,b4,a3] FILE...\n");
		return 2;
	}
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			opt.threads = (unsigned int)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--binarize")) {
			opt.binarize = 1;
		} else if (!strcmp(argv[i], "--ifax-res") && i + 1 < argc) {
			const char *r = argv[++i];

			opt.ifax_res = !strcmp(r, "200x100")   ? IFAX_RES_200X100
				       : !strcmp(r, "200x200") ? IFAX_RES_200X200
				       : !strcmp(r, "204x98")  ? IFAX_RES_204X98
				       : !strcmp(r, "204x196") ? IFAX_RES_204X196
							       : IFAX_RES_AUTO;
		} else if (!strcmp(argv[i], "--ifax-accept") && i + 1 < argc) {
			const char *a = argv[++i];

			opt.ifax_accept = (strstr(a, "a4") ? IFAX_ACCEPT_A4 : 0) |
					  (strstr(a, "b4") ? IFAX_ACCEPT_B4 : 0) |
					  (strstr(a, "a3") ? IFAX_ACCEPT_A3 : 0);
		} else {
			fprintf(stderr, "encode_test: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	e = encoder_open(fmt, argv[2], argv[3], &opt, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "encode_test: %s\n", err);
		return 1;
	}
	for (; i < argc; i++) {
		if (encode_pnm_file(e, argv[i])) {
			encoder_abort(e);
			return 1;
		}
	}
	if (encoder_finish(e, &res, err, sizeof(err))) {
		fprintf(stderr, "encode_test: %s\n", err);
		return 1;
	}
	for (size_t k = 0; k < res.nfiles; k++)
		printf("%s %llu %u\n", res.files[k].path, (unsigned long long)res.files[k].bytes,
		       res.files[k].pages);
	encode_result_free(&res);
	return 0;
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--encode"))
		return encode_tool(argc - 1, argv + 1);
	return test_harness_run(argc, argv);
}
