// SPDX-License-Identifier: GPL-2.0
/*
 * The PNM reader and writer (user/common/pnm.c) and the scan setting
 * parsers (user/common/paper.c): round trips, streams of images, and
 * hostile input that must give a clear error and nothing worse. Runs on
 * the host; no module needed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "pnm.h"

#include "kselftest_harness.h"

/* A stream holding exactly len bytes of data. */
static FILE *stream_of(const void *data, size_t len)
{
	FILE *f = tmpfile();

	if (!f)
		return NULL;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return NULL;
	}
	rewind(f);
	return f;
}

/* Deterministic pixels that are not all alike. */
static void fill_rows(unsigned char *buf, size_t len, unsigned int seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		buf[i] = (unsigned char)(x >> 24);
	}
}

/* Append a whole image (header and rows) to f; returns its pixel data in *data. */
static int put_image(FILE *f, uint32_t width, uint32_t height, unsigned int bpp, unsigned int seed,
		     unsigned char **data, size_t *len)
{
	char header[PNM_HEADER_MAX];
	int n = pnm_format_header(header, sizeof(header), width, height, bpp);
	uint64_t bytes;
	size_t row;

	if (n < 0 || !pnm_page_size(width, height, bpp, &row, &bytes))
		return -1;
	*len = (size_t)bytes;
	*data = malloc(*len);
	if (!*data)
		return -1;
	fill_rows(*data, *len, seed);
	if (fwrite(header, 1, (size_t)n, f) != (size_t)n || fwrite(*data, 1, *len, f) != *len)
		return -1;
	return 0;
}

static void round_trip(struct __test_metadata *_metadata, uint32_t width, uint32_t height,
		       unsigned int bpp)
{
	struct pnm_reader r;
	struct pnm_image img;
	unsigned char *data, *back;
	size_t len;
	FILE *f = tmpfile();

	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, put_image(f, width, height, bpp, width + bpp, &data, &len));
	rewind(f);
	pnm_reader_init(&r, f);
	ASSERT_EQ(1, pnm_next_image(&r, &img))
	{
		TH_LOG("%s", pnm_error(&r));
	}
	EXPECT_EQ(width, img.width);
	EXPECT_EQ(height, img.height);
	EXPECT_EQ(bpp, img.bpp);
	EXPECT_EQ((width * bpp + 7) / 8, img.row_bytes);
	EXPECT_EQ(len, img.data_bytes);
	back = malloc(len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, pnm_read_rows(&r, back, height));
	EXPECT_EQ(0, memcmp(data, back, len));
	EXPECT_EQ(0, pnm_next_image(&r, &img));
	free(data);
	free(back);
	fclose(f);
}

TEST(round_trip_p4_1bit)
{
	round_trip(_metadata, 1, 1, 1);
	round_trip(_metadata, 13, 7, 1); /* rows padded to whole bytes */
	round_trip(_metadata, 2480, 35, 1);
}

TEST(round_trip_p5_8bit)
{
	round_trip(_metadata, 1, 1, 8);
	round_trip(_metadata, 872, 124, 8);
}

TEST(round_trip_p6_24bit)
{
	round_trip(_metadata, 3, 5, 24);
	round_trip(_metadata, PNM_MAX_WIDTH, 2, 24); /* rows longer than any read buffer */
}

TEST(headers_written)
{
	char buf[PNM_HEADER_MAX];

	EXPECT_EQ(8, pnm_format_header(buf, sizeof(buf), 16, 2, 1));
	EXPECT_STREQ("P4\n16 2\n", buf);
	EXPECT_EQ(13, pnm_format_header(buf, sizeof(buf), 640, 4, 8));
	EXPECT_STREQ("P5\n640 4\n255\n", buf);
	EXPECT_STREQ("P6\n14400 28800\n255\n",
		     (pnm_format_header(buf, sizeof(buf), 14400, 28800, 24), buf));
	/* Even the largest numbers fit the documented room. */
	EXPECT_LT(0, pnm_format_header(buf, sizeof(buf), UINT32_MAX, UINT32_MAX, 24));
	EXPECT_EQ(-1, pnm_format_header(buf, sizeof(buf), 10, 10, 16));
	EXPECT_EQ(-1, pnm_format_header(buf, sizeof(buf), 0, 10, 8));
	EXPECT_EQ(-1, pnm_format_header(buf, sizeof(buf), 10, 0, 8));
	EXPECT_EQ(-1, pnm_format_header(buf, 8, 640, 4, 8));
	EXPECT_STREQ("pbm", pnm_extension(1));
	EXPECT_STREQ("pgm", pnm_extension(8));
	EXPECT_STREQ("ppm", pnm_extension(24));
	EXPECT_EQ(NULL, pnm_extension(16));
}

TEST(page_size_overflow_checked)
{
	uint64_t bytes;
	size_t row;

	ASSERT_TRUE(pnm_page_size(14400, 28800, 24, &row, &bytes));
	EXPECT_EQ(43200, row);
	EXPECT_EQ(43200ULL * 28800, bytes);
	ASSERT_TRUE(pnm_page_size(9, 1, 1, &row, &bytes));
	EXPECT_EQ(2, row);
	EXPECT_FALSE(pnm_page_size(UINT32_MAX, UINT32_MAX, 24, &row, &bytes));
	EXPECT_FALSE(pnm_page_size(10, 10, 2, &row, &bytes));
	EXPECT_FALSE(pnm_page_size(10, 10, 0, &row, &bytes));
}

/* Images one after the other, as cat and scanimage --batch make them. */
TEST(stream_of_images)
{
	static const struct {
		uint32_t width, height;
		unsigned int bpp;
	} pages[] = { { 17, 3, 1 }, { 40, 9, 8 }, { 5, 2, 24 }, { 640, 30, 8 } };
	unsigned char *data[4], buf[640 * 30];
	struct pnm_reader r;
	struct pnm_image img;
	size_t len[4];
	FILE *f = tmpfile();

	ASSERT_NE(NULL, f);
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, put_image(f, pages[i].width, pages[i].height, pages[i].bpp, i,
				       &data[i], &len[i]));
		if (i == 1)
			fputs("\n \t\r\n", f); /* whitespace between images is fine */
	}
	fputs("\n", f);
	rewind(f);
	pnm_reader_init(&r, f);
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(1, pnm_next_image(&r, &img))
		{
			TH_LOG("image %d: %s", i + 1, pnm_error(&r));
		}
		EXPECT_EQ(pages[i].width, img.width);
		EXPECT_EQ(pages[i].bpp, img.bpp);
		if (i == 2)
			continue; /* unread rows are skipped */
		/* Read in chunks of rows, as feed does. */
		for (uint32_t y = 0; y < img.height; y += 2) {
			uint32_t rows = img.height - y < 2 ? img.height - y : 2;

			ASSERT_EQ(0, pnm_read_rows(&r, buf + y * img.row_bytes, rows));
		}
		EXPECT_EQ(0, memcmp(data[i], buf, len[i]));
	}
	EXPECT_EQ(0, pnm_next_image(&r, &img));
	EXPECT_STREQ("", pnm_error(&r));
	for (int i = 0; i < 4; i++)
		free(data[i]);
	fclose(f);
}

TEST(empty_stream_is_a_clean_end)
{
	struct pnm_reader r;
	struct pnm_image img;
	FILE *f = stream_of("", 0);

	ASSERT_NE(NULL, f);
	pnm_reader_init(&r, f);
	EXPECT_EQ(0, pnm_next_image(&r, &img));
	EXPECT_EQ(0, r.images);
	fclose(f);
}

/* Headers that are valid, with comments where netpbm allows them. */
TEST(comments_and_odd_spacing)
{
	static const char *const headers[] = {
		"P5\n# SANE data follows\n3 2\n255\n",
		"P5#right after the magic\n3 2\n255\n",
		"P5\n3#glued to a number\n2\n255\n",
		"P5\n#one\n#two\n\n3 \t 2 # trailing\n255\n",
		"P5\r\n# CR LF lines\r\n3\r\n2\r\n255\r",
		"P5 3 2 255\n",
		"P5\n3 2\n255#comment ends the header\n",
		"P5\n0003 002\n0255\n",
	};
	/* The data starts with bytes that look like whitespace and comments. */
	static const unsigned char rows[6] = { '#', '\n', ' ', 'P', '5', '\r' };

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		unsigned char all[128], back[6];
		size_t hlen = strlen(headers[i]);
		struct pnm_reader r;
		struct pnm_image img;
		FILE *f;

		memcpy(all, headers[i], hlen);
		memcpy(all + hlen, rows, sizeof(rows));
		f = stream_of(all, hlen + sizeof(rows));
		ASSERT_NE(NULL, f);
		pnm_reader_init(&r, f);
		ASSERT_EQ(1, pnm_next_image(&r, &img))
		{
			TH_LOG("header %zu: %s", i, pnm_error(&r));
		}
		EXPECT_EQ(3, img.width);
		EXPECT_EQ(2, img.height);
		ASSERT_EQ(0, pnm_read_rows(&r, back, 2));
		EXPECT_EQ(0, memcmp(rows, back, sizeof(rows)));
		EXPECT_EQ(0, pnm_next_image(&r, &img));
		fclose(f);
	}
}

struct hostile {
	const char *what;
	const char *data;
	size_t len;	   /* 0: strlen(data) */
	const char *error; /* part of the message */
};

static const struct hostile hostile_headers[] = {
	{ "bad magic", "GIF89a", 0, "not a PNM image (starts with 'G'" },
	{ "binary junk", "\x00\x01\x02", 3, "starts with 0x00" },
	{ "plain PBM", "P1\n2 2\n0 1 1 0\n", 0, "plain (ASCII) PBM 'P1' is not supported" },
	{ "plain PGM", "P2\n2 2\n255\n0 1 2 3\n", 0, "plain (ASCII) PGM 'P2'" },
	{ "plain PPM", "P3\n1 1\n255\n0 1 2\n", 0, "plain (ASCII) PPM 'P3'" },
	{ "PAM", "P7\nWIDTH 2\n", 0, "'P7' is not a supported PNM format" },
	{ "magic only", "P", 0, "the header ends early" },
	{ "no whitespace after magic", "P53 2\n255\n", 0, "expected whitespace after the magic" },
	{ "header cut after magic", "P5", 0, "expected whitespace after the magic number 'P5'" },
	{ "header cut before width", "P5\n", 0, "end of input before the width" },
	{ "header cut in width", "P5\n3", 0, "end of input after the width" },
	{ "header cut before height", "P5\n3 ", 0, "end of input before the height" },
	{ "header cut before maxval", "P5\n3 2\n", 0, "end of input before the maxval" },
	{ "header cut after maxval", "P5\n3 2\n255", 0, "end of input after the maxval" },
	{ "header cut in a comment", "P5\n3 2\n# never ends", 0, "end of input before the maxval" },
	{ "negative width", "P5\n-3 2\n255\n", 0, "width: expected a number, found '-'" },
	{ "plus sign", "P5\n+3 2\n255\n", 0, "width: expected a number, found '+'" },
	{ "fraction", "P5\n3.5 2\n255\n", 0, "width 3: expected whitespace after the number" },
	{ "word", "P5\nwide 2\n255\n", 0, "width: expected a number, found 'w'" },
	{ "junk after maxval", "P5\n3 2\n255x", 0, "maxval 255: expected whitespace" },
	{ "hex", "P5\n0x10 2\n255\n", 0, "width 0: expected whitespace after the number" },
	{ "width 0", "P5\n0 2\n255\n", 0, "width 0 is invalid" },
	{ "height 0", "P4\n8 0\n", 0, "height 0 is invalid" },
	{ "width over the limit", "P5\n14401 2\n255\n", 0,
	  "width 14401 is too large (at most 14400)" },
	{ "height over the limit", "P4\n8 28801\n", 0,
	  "height 28801 is too large (at most 28800)" },
	{ "width 2^31", "P5\n2147483648 1\n255\n", 0, "width 2147483648 is too large" },
	{ "height 2^32", "P6\n1 4294967296\n255\n", 0, "height 4294967296 is too large" },
	{ "width 2^64", "P5\n18446744073709551616 1\n255\n", 0,
	  "width 18446744073709551616 is too" },
	{ "width 2^64-1", "P5\n18446744073709551615 1\n255\n", 0, "is too large" },
	{ "endless digits", "P5\n99999999999999999999999999999999999999 1\n255\n", 0,
	  "width 999999999999999999999999... is too large" },
	{ "maxval 0", "P5\n3 2\n0\n", 0, "maxval 0 is invalid" },
	{ "maxval 65535", "P5\n3 2\n65535\n", 0, "maxval 65535 (16-bit samples) is not supported" },
	{ "maxval 256", "P6\n3 2\n256\n", 0, "maxval 256 (16-bit samples)" },
	{ "maxval 65536", "P5\n3 2\n65536\n", 0, "maxval 65536 is too large" },
	{ "maxval 15", "P5\n3 2\n15\n", 0, "maxval 15 is not supported: only maxval 255" },
	{ "maxval 1", "P6\n3 2\n1\n", 0, "maxval 1 is not supported" },
};

TEST(hostile_headers_fail_clearly)
{
	for (size_t i = 0; i < sizeof(hostile_headers) / sizeof(hostile_headers[0]); i++) {
		const struct hostile *h = &hostile_headers[i];
		size_t len = h->len ? h->len : strlen(h->data);
		struct pnm_reader r;
		struct pnm_image img;
		FILE *f = stream_of(h->data, len);

		ASSERT_NE(NULL, f);
		pnm_reader_init(&r, f);
		EXPECT_EQ(-1, pnm_next_image(&r, &img))
		{
			TH_LOG("%s: accepted", h->what);
		}
		EXPECT_NE(NULL, strstr(pnm_error(&r), h->error))
		{
			TH_LOG("%s: \"%s\" does not say \"%s\"", h->what, pnm_error(&r), h->error);
		}
		/* One line, nothing a terminal would act on. */
		for (const char *p = pnm_error(&r); *p; p++)
			EXPECT_TRUE(*p >= 0x20 && *p < 0x7f);
		fclose(f);
	}
}

static void expect_data_error(struct __test_metadata *_metadata, const char *data, size_t len,
			      uint32_t read_rows, const char *error)
{
	unsigned char buf[64];
	struct pnm_reader r;
	struct pnm_image img;
	FILE *f = stream_of(data, len);

	ASSERT_NE(NULL, f);
	pnm_reader_init(&r, f);
	ASSERT_EQ(1, pnm_next_image(&r, &img));
	if (read_rows) {
		EXPECT_EQ(-1, pnm_read_rows(&r, buf, read_rows));
	} else {
		EXPECT_EQ(-1, pnm_next_image(&r, &img));
	}
	EXPECT_NE(NULL, strstr(pnm_error(&r), error))
	{
		TH_LOG("\"%s\" does not say \"%s\"", pnm_error(&r), error);
	}
	fclose(f);
}

TEST(truncated_data)
{
	expect_data_error(_metadata, "P4\n8 2\n", 7, 2,
			  "truncated: the data ends after 0 of 2 rows");
	expect_data_error(_metadata, "P4\n8 2\n\xff", 8, 2, "after 1 of 2 rows");
	expect_data_error(_metadata, "P5\n3 3\n255\nabcdefg", 18, 3, "after 2 of 3 rows");
	/* Also when the rows are skipped, not read. */
	expect_data_error(_metadata, "P5\n3 3\n255\nabcd", 15, 0,
			  "image 1: truncated: the data ends after 1 of 3 rows");
}

TEST(garbage_between_images)
{
	expect_data_error(_metadata, "P5\n2 1\n255\nab junk", 18, 0,
			  "image 1: junk after the image at byte 14 ('j')");
	expect_data_error(_metadata, "P5\n2 1\n255\nab\n\x00P5\n2 1\n255\nab", 27, 0,
			  "junk after the image at byte 14 (0x00)");
	expect_data_error(_metadata, "P5\n2 1\n255\nabP1\n1 1\n1\n", 22, 0,
			  "image 2: plain (ASCII) PBM 'P1'");
	/* The second image's header is fine; its data is cut. */
	struct pnm_reader r;
	struct pnm_image img;
	FILE *f = stream_of("P5\n2 1\n255\nabP5\n2 1\n255\na", 25);

	ASSERT_NE(NULL, f);
	pnm_reader_init(&r, f);
	ASSERT_EQ(1, pnm_next_image(&r, &img));
	ASSERT_EQ(1, pnm_next_image(&r, &img));
	EXPECT_EQ(-1, pnm_next_image(&r, &img));
	EXPECT_STREQ("image 2: truncated: the data ends after 0 of 1 rows", pnm_error(&r));
	fclose(f);
}

TEST(read_more_rows_than_left)
{
	unsigned char buf[16];
	struct pnm_reader r;
	struct pnm_image img;
	FILE *f = stream_of("P5\n2 2\n255\nabcd", 15);

	ASSERT_NE(NULL, f);
	pnm_reader_init(&r, f);
	ASSERT_EQ(1, pnm_next_image(&r, &img));
	EXPECT_EQ(-1, pnm_read_rows(&r, buf, 3));
	EXPECT_EQ(-1, pnm_read_rows(&r, buf, 0));
	EXPECT_EQ(0, pnm_read_rows(&r, buf, 2));
	EXPECT_EQ(-1, pnm_read_rows(&r, buf, 1));
	fclose(f);
}

TEST(paper_names_and_sizes)
{
	static const struct {
		const char *s;
		uint32_t id, w, h;
	} good[] = {
		{ "A3", IRSEND_PAPER_A3, 297, 420 },
		{ "b4", IRSEND_PAPER_B4, 257, 364 },
		{ "A4", IRSEND_PAPER_A4, 210, 297 },
		{ "a5", IRSEND_PAPER_A5, 148, 210 },
		{ "216x279", IRSEND_PAPER_CUSTOM, 216, 279 },
		{ "216x279mm", IRSEND_PAPER_CUSTOM, 216, 279 },
		{ "50X50MM", IRSEND_PAPER_CUSTOM, 50, 50 },
		{ "297x432", IRSEND_PAPER_CUSTOM, 297, 432 },
	};
	static const char *const bad[] = {
		"",	      "A6",	    "Letter",
		"A4 ",	      " A4",	    "A",
		"216x",	      "x279",	    "216x279cm",
		"216x279 mm", "49x100",	    "100x49",
		"298x300",    "297x433",    "-1x100",
		"100x-1",     "0x0",	    "99999999999999999999x100",
		"216*279",    "216x279mmm",
	};
	struct paper p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&p, 0, sizeof(p));
		EXPECT_TRUE(paper_parse(good[i].s, &p))
		{
			TH_LOG("'%s' refused", good[i].s);
		}
		EXPECT_EQ(good[i].id, p.id);
		EXPECT_EQ(good[i].w, p.width_mm);
		EXPECT_EQ(good[i].h, p.height_mm);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(paper_parse(bad[i], &p))
		{
			TH_LOG("'%s' accepted", bad[i]);
		}
	}
}

TEST(resolutions)
{
	static const struct {
		const char *s;
		uint16_t x, y;
		bool scan, feed;
	} good[] = {
		{ "100", 100, 100, true, true },	 { "150", 150, 150, true, true },
		{ "200x100", 200, 100, true, true },	 { "200", 200, 200, true, true },
		{ "200x400", 200, 400, true, true },	 { "300", 300, 300, true, true },
		{ "400x400", 400, 400, true, true },	 { "600X600", 600, 600, true, true },
		{ "100x200", 100, 200, false, true },	 { "1200", 1200, 1200, false, true },
		{ "50", 50, 50, false, true },		 { "72", 72, 72, false, true },
		{ "49", 49, 49, false, false },		 { "2400x1200", 2400, 1200, false, false },
		{ "65535", 65535, 65535, false, false },
	};
	static const char *const bad[] = {
		"",	"0",	"0x300", "300x0",	"x300",	 "300x",       "300dpi", "-300",
		"+300", " 300", "300 ",	 "300x300x300", "65536", "4294967596", "3e2",	 "300,300",
	};
	uint16_t x, y;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_TRUE(res_parse(good[i].s, &x, &y))
		{
			TH_LOG("'%s' refused", good[i].s);
		}
		EXPECT_EQ(good[i].x, x);
		EXPECT_EQ(good[i].y, y);
		EXPECT_EQ(good[i].scan, res_is_scan_res(x, y))
		{
			TH_LOG("'%s' as a scanner resolution", good[i].s);
		}
		EXPECT_EQ(good[i].feed, res_is_feed_res(x, y))
		{
			TH_LOG("'%s' as a feeder resolution", good[i].s);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(res_parse(bad[i], &x, &y))
		{
			TH_LOG("'%s' accepted", bad[i]);
		}
	}
	/* Exactly the eight pairs of struct irsend_scan_request. */
	int pairs = 0;

	for (unsigned int xr = 1; xr <= 1200; xr++)
		for (unsigned int yr = 1; yr <= 1200; yr++)
			pairs += res_is_scan_res((uint16_t)xr, (uint16_t)yr);
	EXPECT_EQ(8, pairs);
}

TEST(depths)
{
	static const char *const bad[] = {
		"", "0", "2", "4", "16", "32", "08x", "-1", "1 ", "24bit"
	};
	uint16_t bpp;

	ASSERT_TRUE(depth_parse("1", &bpp));
	EXPECT_EQ(1, bpp);
	ASSERT_TRUE(depth_parse("8", &bpp));
	EXPECT_EQ(8, bpp);
	ASSERT_TRUE(depth_parse("24", &bpp));
	EXPECT_EQ(24, bpp);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(depth_parse(bad[i], &bpp))
		{
			TH_LOG("'%s' accepted", bad[i]);
		}
	}
}

TEST_HARNESS_MAIN
