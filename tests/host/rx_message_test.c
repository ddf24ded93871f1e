// SPDX-License-Identifier: GPL-2.0
/*
 * Reception of a received message (user/mail/rx_*.c): the decoders, the
 * header parser, the MIME tree and what each part becomes, TIFF intake
 * (pages decoded and copied raw, bad ones refused with the right code),
 * DSN/MDN classification, the MDN and DSN we build, our own sender's
 * messages received back, and hostile input that must end in #819/#820/
 * #821/#822 quickly, never in a crash or a hang. rx_ifax.sh does the same
 * with messages and TIFFs made by standard tools.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include "base64.h"
#include "errcodes.h"
#include "mime.h"
#include "rx_message.h"
#include "rx_priv.h"

#include "kselftest_harness.h"

/* --- helpers ------------------------------------------------------------------------ */

static unsigned char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static bool black(unsigned page, uint32_t x, uint32_t y)
{
	return (x / 8 + y / 3 + page) % 5 == 0 || (x + 2 * y) % 97 == 0;
}

/* A TIFF of pages w x h in memory, coded with comp (g3opts for Group 3). */
static unsigned char *make_tiff(unsigned pages, uint32_t w, uint32_t h, uint16_t comp,
				uint32_t g3opts, size_t *len)
{
	char path[] = "/tmp/rx_test_tiff.XXXXXX";
	int fd = mkstemp(path);
	TIFF *t;
	unsigned char *row = calloc(1, (w + 7) / 8), *data;

	if (fd < 0 || !row)
		return NULL;
	close(fd);
	t = TIFFOpen(path, "w");
	for (unsigned p = 0; t && p < pages; p++) {
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_COMPRESSION, comp);
		if (comp == COMPRESSION_CCITTFAX3)
			TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, g3opts);
		TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, h);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, p, pages);
		for (uint32_t y = 0; y < h; y++) {
			memset(row, 0, (w + 7) / 8);
			for (uint32_t x = 0; x < w; x++)
				if (black(p, x, y))
					row[x / 8] |= (unsigned char)(0x80 >> (x % 8));
			TIFFWriteScanline(t, row, y, 0);
		}
		TIFFWriteDirectory(t);
	}
	if (t)
		TIFFClose(t);
	free(row);
	data = slurp_file(path, len);
	unlink(path);
	return data;
}

/* Every page of the TIFF at path decoded and compared with black(); the page count. */
static int check_document(const char *path, unsigned first_page_seed[], unsigned npages,
			  uint16_t comps[])
{
	TIFF *t = TIFFOpen(path, "r");
	unsigned n = 0;

	if (!t)
		return -1;
	do {
		uint32_t w, h;
		uint16_t comp;
		unsigned char *row;

		TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
		TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
		TIFFGetField(t, TIFFTAG_COMPRESSION, &comp);
		if (n < npages && comps && comps[n] != comp) {
			TIFFClose(t);
			return -100 - (int)n;
		}
		row = malloc(TIFFScanlineSize(t));
		for (uint32_t y = 0; y < h; y++) {
			if (TIFFReadScanline(t, row, y, 0) < 0)
				return -200;
			for (uint32_t x = 0; x < w; x++) {
				bool b = row[x / 8] & (0x80 >> (x % 8));

				if (n < npages && b != black(first_page_seed[n], x, y)) {
					free(row);
					TIFFClose(t);
					return -300 - (int)n;
				}
			}
		}
		free(row);
		n++;
	} while (TIFFReadDirectory(t));
	TIFFClose(t);
	return (int)n;
}

/* A message being written (open_memstream). */
struct msg {
	FILE *f;
	char *p;
	size_t len;
};

static void msg_open(struct msg *m)
{
	m->p = NULL;
	m->len = 0;
	m->f = open_memstream(&m->p, &m->len);
}

static void msg_b64(struct msg *m, const void *data, size_t len)
{
	char *out = malloc(b64_mime_size(len) + 1);
	size_t n = b64_encode_lines(data, len, out);

	fwrite(out, 1, n, m->f);
	free(out);
}

static void msg_close(struct msg *m)
{
	fclose(m->f);
}

struct rx_run {
	struct rx_result res;
	char dir[64];
	int rc;
};

static void run_lim(struct rx_run *r, const char *msg, size_t len, const struct rx_limits *lim)
{
	strcpy(r->dir, "/tmp/rx_test_out.XXXXXX");
	if (!mkdtemp(r->dir))
		abort();
	r->rc = rx_message_process_mem(msg, len, r->dir, lim, &r->res);
}

static void run(struct rx_run *r, const char *msg)
{
	struct rx_limits lim = { .max_pages = 1000 };

	run_lim(r, msg, strlen(msg), &lim);
}

static void run_done(struct rx_run *r)
{
	static const char *const names[] = { "document.tif", "text.txt", "raw.eml", "mdn.eml",
					     "dsn.eml" };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, names[i]);
		unlink(path);
	}
	rmdir(r->dir);
}

static char *out_path(struct rx_run *r, const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	return path;
}

static char *text_of(struct rx_run *r)
{
	size_t len;

	return (char *)slurp_file(out_path(r, "text.txt"), &len);
}

/* A message with one base64 attachment of type type. */
static char *msg_with(const char *type, const void *data, size_t len, const char *extra_headers)
{
	struct msg m;

	msg_open(&m);
	fprintf(m.f,
		"From: Fax <fax@example.com>\r\nTo: us@example.org\r\nSubject: test\r\n"
		"Message-ID: <t.1@example.com>\r\n%sMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
		"--BB\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nCover text\r\n"
		"--BB\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		extra_headers ? extra_headers : "", type);
	msg_b64(&m, data, len);
	fprintf(m.f, "--BB--\r\n");
	msg_close(&m);
	return m.p;
}

/* --- decoders ----------------------------------------------------------------------- */

TEST(base64_mime_lenient_on_breaks_strict_on_garbage)
{
	unsigned char out[64];

	ASSERT_EQ(6, rx_base64_decode("Zm9v\r\nYmFy\r\n", 12, out));
	ASSERT_EQ(0, memcmp(out, "foobar", 6));
	ASSERT_EQ(4, rx_base64_decode("Zm9vYg", 6, out)); /* missing padding */
	ASSERT_EQ(4, rx_base64_decode("Zm9v Yg==\n", 10, out));
	EXPECT_EQ(-1, rx_base64_decode("Zm9v!Yg==", 9, out)); /* outside the alphabet */
	EXPECT_EQ(-1, rx_base64_decode("Zg==Zg==", 8, out));  /* data after padding */
	EXPECT_EQ(-1, rx_base64_decode("Zm9vY", 5, out));     /* a lone sixth */
	EXPECT_EQ(-1, rx_base64_decode("Zm9v=", 5, out));     /* padding where none goes */
	EXPECT_EQ(-1, rx_base64_decode("Zm9vYg=", 7, out));   /* one '=' of two */
	EXPECT_EQ(0, rx_base64_decode("", 0, out));
}

TEST(quoted_printable)
{
	static const char in[] = "caf=C3=A9 =\r\nsoft  \r\n=3D=3d =ZZ end=\n";
	unsigned char out[64];
	size_t n = rx_qp_decode(in, strlen(in), out);

	out[n] = '\0';
	ASSERT_STREQ("caf\xc3\xa9 soft\r\n== =ZZ end", (char *)out);
}

TEST(uudecode_lines_and_errors)
{
	/* "Cat" and "hello world" from the classic uuencode. */
	static const char good[] = "begin 644 cat.txt\n#0V%T\n`\nend\n";
	static const char stripped[] = "begin 644 z\n#    \n`\nend\n";
	unsigned char out[256];
	char name[64];
	size_t used;
	long n;

	n = rx_uu_decode(good, strlen(good), &used, out, sizeof(out), name, sizeof(name));
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, memcmp(out, "Cat", 3));
	ASSERT_STREQ("cat.txt", name);
	ASSERT_EQ(strlen(good), used);
	/* Trailing blanks lost in transport are zero bits, not an error. */
	n = rx_uu_decode("begin 644 z\n#\n`\nend\n", 20, &used, out, sizeof(out), name,
			 sizeof(name));
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, memcmp(out, "\0\0\0", 3));
	ASSERT_EQ(3, rx_uu_decode(stripped, strlen(stripped), &used, out, sizeof(out), name,
				  sizeof(name)));
	EXPECT_EQ(0, rx_uu_decode("begin the text\n", 15, &used, out, sizeof(out), name,
				  sizeof(name)));
	EXPECT_EQ(-1, rx_uu_decode("begin 644 x\n#0V%T\n", 18, &used, out, sizeof(out), name,
				   sizeof(name))); /* no end */
	EXPECT_EQ(-1, rx_uu_decode("begin 644 x\n#0V\x7fT\n`\nend\n", 24, &used, out, sizeof(out),
				   name, sizeof(name))); /* a byte outside the alphabet */
	EXPECT_EQ(-1, rx_uu_decode("begin 644 x\n~0V%T\n`\nend\n", 22, &used, out, sizeof(out),
				   name, sizeof(name))); /* a length over 45 */
	/* 30 lines of "M" claim 1350 bytes: more than the room given is refused. */
	{
		char big[400];
		size_t k = (size_t)sprintf(big, "begin 644 x\n");

		for (int i = 0; i < 30; i++)
			k += (size_t)sprintf(big + k, "M\n");
		k += (size_t)sprintf(big + k, "`\nend\n");
		EXPECT_EQ(-1, rx_uu_decode(big, k, &used, out, sizeof(out), name, sizeof(name)));
	}
}

/* --- headers ------------------------------------------------------------------------ */

struct seen {
	int n;
	char names[8][32], values[8][256];
};

static void collect(void *arg, const char *name, const char *value)
{
	struct seen *s = arg;

	if (s->n < 8) {
		snprintf(s->names[s->n], 32, "%s", name);
		snprintf(s->values[s->n], 256, "%s", value);
	}
	s->n++;
}

TEST(header_folding_and_limits)
{
	static const char h[] = "Subject: one\r\n two\r\n\tthree \r\nX-A : b\nEmpty:\r\n\r\nbody";
	struct seen s = { 0 };
	size_t body;
	char why[128];

	ASSERT_EQ(0, rx_header_scan(h, strlen(h), &body, collect, &s, why, sizeof(why)));
	ASSERT_EQ(3, s.n);
	EXPECT_STREQ(" one two\tthree" + 1, s.values[0]);
	EXPECT_STREQ("X-A", s.names[1]);
	EXPECT_STREQ("b", s.values[1]);
	EXPECT_STREQ("", s.values[2]);
	EXPECT_STREQ("body", h + body);

	EXPECT_EQ(-1, rx_header_scan(" cont\r\n\r\n", 9, &body, collect, &s, why, sizeof(why)));
	EXPECT_EQ(-1, rx_header_scan("no colon here\r\n\r\n", 17, &body, collect, &s, why,
				     sizeof(why)));
	EXPECT_EQ(-1, rx_header_scan("A: b\0c\r\n\r\n", 10, &body, collect, &s, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "NUL"));
	if (true) {
		size_t n = 1 << 20;
		char *big = malloc(n + 8);

		memcpy(big, "X-Big: ", 7);
		memset(big + 7, 'a', n - 7);
		memcpy(big + n, "\r\n\r\n", 4);
		EXPECT_EQ(-1, rx_header_scan(big, n + 4, &body, collect, &s, why, sizeof(why)));
		EXPECT_NE(NULL, strstr(why, "longer"));
		free(big);
	}
	{
		struct msg m;

		msg_open(&m);
		for (int i = 0; i <= RX_MAX_HEADERS; i++)
			fprintf(m.f, "X-%d: v\r\n", i);
		fprintf(m.f, "\r\n");
		msg_close(&m);
		EXPECT_EQ(-1, rx_header_scan(m.p, m.len, &body, collect, &s, why, sizeof(why)));
		EXPECT_NE(NULL, strstr(why, "header fields"));
		free(m.p);
	}
}

TEST(content_type_parameters)
{
	char out[256];

	rx_header_token(" Image/TIFF ; application=faxbw", out, sizeof(out));
	EXPECT_STREQ("image/tiff", out);
	rx_header_token("tiff", out, sizeof(out));
	EXPECT_STREQ("", out);
	ASSERT_EQ(1, rx_header_param("multipart/mixed; boundary=\"a\\\"b; c\"", "boundary", out,
				     sizeof(out)));
	EXPECT_STREQ("a\"b; c", out);
	ASSERT_EQ(1, rx_header_param("x/y; Boundary=abc (comment); n=1", "boundary", out,
				     sizeof(out)));
	EXPECT_STREQ("abc", out);
	/* RFC 2231: charset, percent-encoding, continuations in any order. */
	ASSERT_EQ(1,
		  rx_header_param("attachment; filename*1=\".tif\"; filename*0*=utf-8''%E2%82%AC",
				  "filename", out, sizeof(out)));
	EXPECT_STREQ("\xe2\x82\xac.tif", out);
	ASSERT_EQ(1, rx_header_param("a; filename*=iso-8859-1'fr'caf%E9.tif; filename=x.tif",
				     "filename", out, sizeof(out)));
	EXPECT_STREQ("caf\xc3\xa9.tif", out);
	/* RFC 2047 words inside a quoted name: not standard, but what mailers send. */
	ASSERT_EQ(1, rx_header_param("image/tiff; name=\"=?UTF-8?B?w6kudGlm?=\"", "name", out,
				     sizeof(out)));
	EXPECT_STREQ("\xc3\xa9.tif", out);
	EXPECT_EQ(0, rx_header_param("text/plain; charset=utf-8", "name", out, sizeof(out)));
	EXPECT_EQ(1, rx_header_param("a; filename*99=x; filename*01=y; filename=z", "filename", out,
				     sizeof(out)));
	EXPECT_STREQ("z", out); /* bad segment numbers ignored */
}

TEST(encoded_words_addresses_ids)
{
	char out[256];

	rx_header_words("=?UTF-8?B?Q2Fmw6k=?= =?ISO-8859-1?Q?cr=E8me_br=FBl=E9e?=", out,
			sizeof(out));
	EXPECT_STREQ("Caf\xc3\xa9"
		     "cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
		     "e",
		     out);
	rx_header_words("Re: =?utf-8*en?q?a=20b?= and =?bogus", out, sizeof(out));
	EXPECT_STREQ("Re: a b and =?bogus", out);
	rx_header_words("tab\there\x01x \xff", out, sizeof(out));
	EXPECT_STREQ("tab here x \xef\xbf\xbd", out);
	/* 5- and 6-byte forms, surrogates, overlongs: iconv lets some through, we do not. */
	rx_header_words("a\xfc\xb5\xb5\xb5\xb5\xb5 \xed\xa0\x80 \xc0\xaf", out, sizeof(out));
	EXPECT_TRUE(utf8_valid(out));
	EXPECT_EQ(NULL, strchr(out, '\xfc'));
	EXPECT_EQ(0, strncmp(out, "a\xef\xbf\xbd", 4));
	/* Cut on a character boundary. */
	rx_header_words("\xc3\xa9\xc3\xa9\xc3\xa9", out, 6);
	EXPECT_STREQ("\xc3\xa9\xc3\xa9", out);

	rx_header_addr("\"Doe, <John>\" <john@example.com>", out, sizeof(out));
	EXPECT_STREQ("john@example.com", out);
	rx_header_addr("jane@example.com (Jane)", out, sizeof(out));
	EXPECT_STREQ("jane@example.com", out);
	rx_header_addr("undisclosed-recipients:;", out, sizeof(out));
	EXPECT_STREQ("", out);
	rx_header_msgid(" <1700.ab@example.com> (comment)", out, sizeof(out));
	EXPECT_STREQ("<1700.ab@example.com>", out);
	rx_header_msgid("1700.ab@example.com", out, sizeof(out));
	EXPECT_STREQ("<1700.ab@example.com>", out);
	rx_header_msgid("<a b@c>", out, sizeof(out));
	EXPECT_STREQ("", out);
}

/* --- what parts become ----------------------------------------------------------------- */

TEST(ifax_simple_and_full_mode)
{
	size_t len;
	unsigned char *tif = make_tiff(2, 1728, 120, COMPRESSION_CCITTFAX3, 0, &len);
	unsigned seeds[] = { 0, 1 };
	uint16_t comps[] = { COMPRESSION_CCITTFAX3, COMPRESSION_CCITTFAX3 };
	char *m = msg_with("image/tiff; application=faxbw", tif, len,
			   "Disposition-Notification-To: Fax <fax@example.com>\r\n");
	struct rx_run r;

	run(&r, m);
	ASSERT_EQ(0, r.rc);
	EXPECT_EQ(RX_IFAX, r.res.kind);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_EQ(2, r.res.pages);
	EXPECT_EQ(1, r.res.text_lines);
	EXPECT_TRUE(r.res.full_mode);
	EXPECT_STREQ("fax@example.com", r.res.mdn_to);
	EXPECT_STREQ("fax@example.com", r.res.from);
	EXPECT_STREQ("<t.1@example.com>", r.res.message_id);
	EXPECT_EQ(2, check_document(out_path(&r, "document.tif"), seeds, 2, comps));
	run_done(&r);
	free(m);

	m = msg_with("image/tiff", tif, len, NULL);
	run(&r, m);
	EXPECT_FALSE(r.res.full_mode);
	EXPECT_STREQ("", r.res.mdn_to);
	EXPECT_EQ(2, r.res.pages);
	run_done(&r);
	free(m);
	free(tif);
}

TEST(several_tiffs_appended_in_order)
{
	static const uint16_t comp[] = { COMPRESSION_CCITTFAX3, COMPRESSION_CCITTFAX3,
					 COMPRESSION_CCITTFAX4, COMPRESSION_PACKBITS,
					 COMPRESSION_NONE,	COMPRESSION_CCITTRLE };
	static const uint32_t opts[] = { 0, GROUP3OPT_2DENCODING | GROUP3OPT_FILLBITS, 0, 0, 0, 0 };
	unsigned seeds[6] = { 0 };
	struct msg m;
	struct rx_run r;

	msg_open(&m);
	fprintf(m.f, "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
	for (int i = 0; i < 6; i++) {
		size_t len;
		unsigned char *t = make_tiff(1, 1728, 40, comp[i], opts[i], &len);

		/* Each file's one page is the generator's page 0. */
		fprintf(m.f, "--x\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			i == 5 ? "application/octet-stream" : "image/tiff");
		msg_b64(&m, t, len);
		free(t);
	}
	fprintf(m.f, "--x--\r\n");
	msg_close(&m);
	run(&r, m.p);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_EQ(6, r.res.pages);
	EXPECT_EQ(RX_IFAX, r.res.kind);
	EXPECT_EQ(6, check_document(out_path(&r, "document.tif"), seeds, 6, (uint16_t *)comp));
	run_done(&r);
	free(m.p);
}

TEST(types_refused_with_their_codes)
{
	static const struct {
		const char *type;
		const char *data;
		unsigned code;
	} cases[] = {
		{ "application/pdf", "%PDF-1.4 ...", IRS_E_RX_UNPRINTABLE },
		{ "image/jpeg", "\xff\xd8\xff\xe0 jfif", IRS_E_RX_UNPRINTABLE },
		{ "application/octet-stream", "%PDF-1.7", IRS_E_RX_UNPRINTABLE },
		{ "application/octet-stream", "\x89PNG\r\n", IRS_E_RX_UNPRINTABLE },
		{ "application/octet-stream", "MZ\x90\0 exe", IRS_E_RX_UNSUPPORTED_MIME },
		{ "audio/x-wav", "RIFF....WAVE", IRS_E_RX_UNSUPPORTED_MIME },
		{ "application/msword", "\xd0\xcf\x11\xe0", IRS_E_RX_UNSUPPORTED_MIME },
		{ "video/mp4", "....ftyp", IRS_E_RX_UNSUPPORTED_MIME },
		{ "text/html", "<html><body>hi</body></html>", IRS_E_RX_HTML },
		{ "image/tiff", "not a tiff at all", IRS_E_RX_TIFF },
		{ "text/x-vcard", "BEGIN:VCARD\r\nEND:VCARD\r\n", 0 },
		{ "application/pgp-signature", "-----BEGIN PGP", 0 },
		{ "text/plain", "more text", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = msg_with(cases[i].type, cases[i].data, strlen(cases[i].data), NULL);
		struct rx_run r;

		run(&r, m);
		EXPECT_EQ(0, r.rc);
		EXPECT_EQ(cases[i].code, r.res.errcode)
		TH_LOG("%s: %u %s", cases[i].type, r.res.errcode, r.res.detail);
		if (cases[i].code)
			EXPECT_NE(NULL, strstr(r.res.detail, "part 3"))
		TH_LOG("%s", r.res.detail);
		/* The cover text is salvaged whatever the attachment was. */
		EXPECT_TRUE(r.res.has_text);
		EXPECT_LE(1, r.res.text_lines);
		run_done(&r);
		free(m);
	}
}

/* The first error in document order is the one reported, whatever kind of part had it. */
TEST(first_error_in_document_order)
{
	static const char *const orders[2][2] = { { "image/tiff", "application/pdf" },
						  { "application/pdf", "image/tiff" } };
	static const unsigned want[2] = { IRS_E_RX_TIFF, IRS_E_RX_UNPRINTABLE };

	for (int k = 0; k < 2; k++) {
		struct msg m;
		struct rx_run r;

		msg_open(&m);
		fprintf(m.f, "Content-Type: multipart/mixed; boundary=o\r\n\r\n");
		for (int i = 0; i < 2; i++)
			fprintf(m.f, "--o\r\nContent-Type: %s\r\n\r\n%s\r\n", orders[k][i],
				strcmp(orders[k][i], "application/pdf") ? "II*\1garbage"
									: "%PDF-1.4");
		fprintf(m.f, "--o--\r\n");
		msg_close(&m);
		run(&r, m.p);
		EXPECT_EQ(want[k], r.res.errcode) TH_LOG("%s", r.res.detail);
		EXPECT_EQ(RX_IFAX, r.res.kind);
		run_done(&r);
		free(m.p);
	}
}

TEST(empty_attachments)
{
	struct rx_run r;
	char *m = msg_with("application/octet-stream", "", 0, NULL);

	run(&r, m);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	run_done(&r);
	free(m);
	m = msg_with("audio/basic", "", 0, NULL);
	run(&r, m);
	EXPECT_EQ(0, r.res.errcode);
	run_done(&r);
	free(m);
	m = msg_with("image/tiff", "", 0, NULL);
	run(&r, m);
	EXPECT_EQ(IRS_E_RX_TIFF, r.res.errcode);
	EXPECT_NE(NULL, strstr(r.res.detail, "empty"));
	EXPECT_EQ(RX_IFAX, r.res.kind);
	EXPECT_FALSE(r.res.has_document);
	run_done(&r);
	free(m);
}

TEST(alternative_prefers_plain)
{
	struct rx_run r;
	char *t;

	run(&r, "Content-Type: multipart/alternative; boundary=a\r\n\r\n"
		"--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n"
		"--a\r\nContent-Type: text/html\r\n\r\n<p>caf&eacute;</p>\r\n--a--\r\n");
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	t = text_of(&r);
	ASSERT_NE(NULL, t);
	EXPECT_STREQ("caf\xc3\xa9\n", t);
	free(t);
	run_done(&r);
	run(&r, "Content-Type: multipart/alternative; boundary=a\r\n\r\n"
		"--a\r\nContent-Type: text/html\r\n\r\n<p>only html</p>\r\n--a--\r\n");
	EXPECT_EQ(IRS_E_RX_HTML, r.res.errcode);
	run_done(&r);
}

TEST(text_charsets_and_controls)
{
	struct rx_run r;
	char *t;

	run(&r, "Content-Type: multipart/mixed; boundary=a\r\n\r\n"
		"--a\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$B$3$s\x1b(B\r\n"
		"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbad \xff\xfe ok\x1b[31m\r\n"
		"--a\r\nContent-Type: text/plain; charset=x-unknown-cs\r\n\r\ntab\there\fff\r\n"
		"--a--\r\n");
	EXPECT_EQ(0, r.res.errcode);
	EXPECT_EQ(3, r.res.text_lines);
	t = text_of(&r);
	ASSERT_NE(NULL, t);
	EXPECT_STREQ("\xe3\x81\x93\xe3\x82\x93\n"
		     "bad \xef\xbf\xbd\xef\xbf\xbd ok[31m\n"
		     "tab\there\fff\n",
		     t);
	free(t);
	EXPECT_STREQ("", r.res.subject);
	run_done(&r);
}

TEST(text_line_limit_cuts)
{
	struct rx_limits lim = { .max_text_lines = 4 };
	static const char m[] = "Subject: lines\r\n\r\n1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n";
	struct rx_run r;
	char *t;

	run_lim(&r, m, strlen(m), &lim);
	EXPECT_EQ(IRS_E_RX_TOO_MANY_LINES, r.res.errcode);
	EXPECT_EQ(4, r.res.text_lines);
	t = text_of(&r);
	EXPECT_STREQ("1\n2\n3\n4\n", t);
	free(t);
	run_done(&r);
	/* Exactly at the limit is no error. */
	lim.max_text_lines = 6;
	run_lim(&r, m, strlen(m), &lim);
	EXPECT_EQ(0, r.res.errcode);
	EXPECT_EQ(6, r.res.text_lines);
	run_done(&r);
}

TEST(uuencoded_tiff_in_text)
{
	size_t len;
	unsigned char *tif = make_tiff(1, 1728, 30, COMPRESSION_CCITTFAX4, 0, &len);
	unsigned seeds[] = { 0 };
	struct msg m;
	struct rx_run r;
	char *t;

	msg_open(&m);
	fprintf(m.f, "From: a@example.com\r\nSubject: uu\r\n\r\nBefore\r\nbegin 644 fax.tif\r\n");
	for (size_t i = 0; i < len; i += 45) {
		size_t n = len - i < 45 ? len - i : 45;

		fputc(32 + (int)n, m.f);
		for (size_t k = 0; k < n; k += 3) {
			unsigned char b[3] = { 0 };

			memcpy(b, tif + i + k, n - k < 3 ? n - k : 3);
			fputc(b[0] >> 2 ? 32 + (b[0] >> 2) : '`', m.f);
			fputc(32 + (((b[0] << 4) | (b[1] >> 4)) & 63), m.f);
			fputc(32 + (((b[1] << 2) | (b[2] >> 6)) & 63), m.f);
			fputc((b[2] & 63) ? 32 + (b[2] & 63) : '`', m.f);
		}
		fprintf(m.f, "\r\n");
	}
	fprintf(m.f, "`\r\nend\r\nAfter\r\n");
	msg_close(&m);
	run(&r, m.p);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_EQ(RX_IFAX, r.res.kind);
	EXPECT_EQ(1, r.res.pages);
	EXPECT_EQ(1, check_document(out_path(&r, "document.tif"), seeds, 1, NULL));
	t = text_of(&r);
	EXPECT_STREQ("Before\nAfter\n", t);
	free(t);
	run_done(&r);
	/* The same broken in its middle: #820, the text before it kept. */
	m.p[m.len / 2] = '\x7f';
	run(&r, m.p);
	EXPECT_EQ(IRS_E_RX_ENCODING, r.res.errcode);
	t = text_of(&r);
	EXPECT_STREQ("Before\n", t);
	free(t);
	run_done(&r);
	free(m.p);
	free(tif);
}

TEST(broken_base64_is_820)
{
	size_t len;
	unsigned char *tif = make_tiff(1, 1728, 20, COMPRESSION_CCITTFAX3, 0, &len);
	char *m = msg_with("image/tiff", tif, len, NULL);
	char *p = strstr(m, "base64\r\n\r\n") + 12;
	struct rx_run r;

	*p = '*';
	run(&r, m);
	EXPECT_EQ(IRS_E_RX_ENCODING, r.res.errcode);
	EXPECT_NE(NULL, strstr(r.res.detail, "base64"));
	EXPECT_FALSE(r.res.has_document);
	run_done(&r);
	free(m);
	free(tif);
}

/* --- TIFF intake ----------------------------------------------------------------------- */

static unsigned validate(const void *data, size_t len, unsigned max_pages, unsigned *pages)
{
	uint64_t budget = 1ull << 32;
	struct rx_tiff_check c;

	rx_tiff_validate(data, len, max_pages, &budget, &c);
	if (pages)
		*pages = c.pages;
	return c.errcode;
}

TEST(tiff_truncated_strips_are_822)
{
	size_t len;
	unsigned char *tif = make_tiff(1, 1728, 400, COMPRESSION_CCITTFAX4, 0, &len);
	uint64_t *counts;
	uint32_t off_strip;

	ASSERT_EQ(0, validate(tif, len, 10, NULL));
	/* Noise over the coded data: the rows no longer decode. */
	if (true) {
		char path[] = "/tmp/rx_test_t.XXXXXX";
		int fd = mkstemp(path);
		TIFF *t;

		ASSERT_EQ((ssize_t)len, write(fd, tif, len));
		close(fd);
		t = TIFFOpen(path, "r");
		TIFFGetField(t, TIFFTAG_STRIPBYTECOUNTS, &counts);
		{
			uint64_t *offs;

			TIFFGetField(t, TIFFTAG_STRIPOFFSETS, &offs);
			off_strip = (uint32_t)offs[0];
		}
		TIFFClose(t);
		unlink(path);
	}
	for (uint32_t i = off_strip + 20; i < off_strip + 60; i++)
		tif[i] = 0x00; /* long zero runs: not valid MMR */
	EXPECT_EQ(IRS_E_RX_IMAGE, validate(tif, len, 10, NULL));
	free(tif);

	/* A strip cut short at the end of the file. */
	tif = make_tiff(1, 1728, 400, COMPRESSION_CCITTFAX3, 0, &len);
	{
		uint32_t ifd;

		memcpy(&ifd, tif + 4, 4);
		/* The generator puts the directory after the data: move it up front is not */
		/* needed; cutting the data in half while keeping the directory is. */
		unsigned char *cut = malloc(len);
		size_t data_len = ifd - 8;

		memcpy(cut, tif, len);
		memset(cut + 8 + data_len / 2, 0xff, data_len / 2);
		EXPECT_EQ(IRS_E_RX_IMAGE, validate(cut, len, 10, NULL));
		free(cut);
	}
	free(tif);
}

TEST(tiff_refusals)
{
	size_t len;
	unsigned char *tif;
	unsigned pages;

	/* Not bilevel or not a fax coding: #818. */
	tif = make_tiff(1, 64, 64, COMPRESSION_LZW, 0, &len);
	EXPECT_EQ(IRS_E_RX_UNPRINTABLE, validate(tif, len, 10, NULL));
	free(tif);
	{
		char path[] = "/tmp/rx_test_g.XXXXXX";
		int fd = mkstemp(path);
		TIFF *t;
		unsigned char row[64] = { 0 };

		close(fd);
		t = TIFFOpen(path, "w");
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 64);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, 4);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
		for (int y = 0; y < 4; y++)
			TIFFWriteScanline(t, row, (uint32_t)y, 0);
		TIFFClose(t);
		tif = slurp_file(path, &len);
		unlink(path);
		EXPECT_EQ(IRS_E_RX_UNPRINTABLE, validate(tif, len, 10, NULL));
		free(tif);
	}
	/* Absurd dimensions: #821 before any decoding. */
	tif = make_tiff(1, 16, 16, COMPRESSION_CCITTFAX4, 0, &len);
	{
		char path[] = "/tmp/rx_test_d.XXXXXX";
		int fd = mkstemp(path);
		TIFF *t;

		ASSERT_EQ((ssize_t)len, write(fd, tif, len));
		close(fd);
		/* Rewrite the width in place: the directory entry holds it as SHORT or LONG. */
		t = TIFFOpen(path, "r+");
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 20000);
		TIFFRewriteDirectory(t);
		TIFFClose(t);
		free(tif);
		tif = slurp_file(path, &len);
		unlink(path);
		EXPECT_EQ(IRS_E_RX_TIFF, validate(tif, len, 10, NULL));
		free(tif);
	}
	/* Garbage, a header alone, a directory offset past the end: #821. */
	EXPECT_EQ(IRS_E_RX_TIFF, validate("II*\0", 4, 10, NULL));
	EXPECT_EQ(IRS_E_RX_TIFF, validate("II*\0\xff\xff\xff\x7f", 8, 10, NULL));
	EXPECT_EQ(IRS_E_RX_TIFF, validate("MM\0*\0\0\0\x08\0\0", 10, 10, NULL));
	EXPECT_EQ(IRS_E_RX_TIFF, validate("", 0, 10, NULL));
	/* Page limit: 3 pages, 2 allowed: 2 validated, more known. */
	tif = make_tiff(3, 100, 10, COMPRESSION_CCITTFAX4, 0, &len);
	{
		uint64_t budget = 1 << 30;
		struct rx_tiff_check c;

		rx_tiff_validate(tif, len, 2, &budget, &c);
		EXPECT_EQ(0, c.errcode);
		EXPECT_EQ(2, c.pages);
		EXPECT_TRUE(c.more);
		/* A budget smaller than the bitmaps: #829 before decoding. */
		budget = 100;
		rx_tiff_validate(tif, len, 10, &budget, &c);
		EXPECT_EQ(IRS_E_RX_TOO_MANY_PAGES, c.errcode);
	}
	EXPECT_EQ(0, validate(tif, len, 10, &pages));
	EXPECT_EQ(3, pages);
	free(tif);
}

/* Tiles are not fax practice, but TIFF: a tiled MMR page is decoded tile by tile and copied. */
TEST(tiff_tiled_page)
{
	char path[] = "/tmp/rx_test_tile.XXXXXX", out[] = "/tmp/rx_test_tout.XXXXXX";
	int fd = mkstemp(path);
	unsigned char tile[256 * 256 / 8];
	struct rx_tiff_out *o;
	unsigned page = 0, pages;
	unsigned char *data, *doc;
	size_t len, dlen;
	TIFF *t;

	close(fd);
	close(mkstemp(out));
	t = TIFFOpen(path, "w");
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 500);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, 300);
	TIFFSetField(t, TIFFTAG_TILEWIDTH, 256);
	TIFFSetField(t, TIFFTAG_TILELENGTH, 256);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
	for (uint32_t i = 0; i < TIFFNumberOfTiles(t); i++) {
		memset(tile, (int)(i * 37), sizeof(tile));
		ASSERT_LT(0, TIFFWriteEncodedTile(t, i, tile, sizeof(tile)));
	}
	TIFFClose(t);
	data = slurp_file(path, &len);
	ASSERT_EQ(0, validate(data, len, 10, &pages));
	ASSERT_EQ(1, pages);
	o = rx_tiff_out_open(out);
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, rx_tiff_append(o, data, len, 1, &page, 1));
	ASSERT_EQ(0, rx_tiff_out_close(o));
	doc = slurp_file(out, &dlen);
	EXPECT_EQ(0, validate(doc, dlen, 10, &pages));
	EXPECT_EQ(1, pages);
	/* The tiles themselves, byte for byte. */
	t = TIFFOpen(out, "r");
	ASSERT_TRUE(TIFFIsTiled(t));
	for (uint32_t i = 0; i < TIFFNumberOfTiles(t); i++) {
		unsigned char back[sizeof(tile)];

		ASSERT_EQ((tmsize_t)sizeof(back), TIFFReadEncodedTile(t, i, back, sizeof(back)));
		memset(tile, (int)(i * 37), sizeof(tile));
		/* Only the part of an edge tile inside the image is defined. */
		ASSERT_EQ(0, memcmp(back, tile, 32));
	}
	TIFFClose(t);
	free(doc);
	free(data);
	unlink(path);
	unlink(out);
}

/* The next-IFD pointer of the last directory pointed back at the first. */
TEST(tiff_ifd_loop)
{
	size_t len;
	unsigned char *tif = make_tiff(2, 64, 8, COMPRESSION_CCITTFAX4, 0, &len);
	uint32_t first, second;
	uint16_t n;
	unsigned pages = 0, code;

	memcpy(&first, tif + 4, 4);
	memcpy(&n, tif + first, 2);
	memcpy(&second, tif + first + 2 + 12u * n, 4);
	ASSERT_NE(0, second);
	memcpy(&n, tif + second, 2);
	memcpy(tif + second + 2 + 12u * n, &first, 4);
	code = validate(tif, len, 1000, &pages);
	/* The loop ends the file (libtiff notices it): two pages or #821, never a hang. */
	EXPECT_TRUE(code == IRS_E_RX_TIFF || (code == 0 && pages == 2))
	TH_LOG("code %u pages %u", code, pages);
	free(tif);
}

TEST(page_limit_829_keeps_first_pages)
{
	size_t len;
	unsigned char *tif = make_tiff(3, 200, 20, COMPRESSION_CCITTFAX4, 0, &len);
	char *m = msg_with("image/tiff", tif, len, NULL);
	struct rx_limits lim = { .max_pages = 2 };
	unsigned seeds[] = { 0, 1 };
	struct rx_run r;

	run_lim(&r, m, strlen(m), &lim);
	EXPECT_EQ(IRS_E_RX_TOO_MANY_PAGES, r.res.errcode);
	EXPECT_EQ(2, r.res.pages);
	EXPECT_EQ(2, check_document(out_path(&r, "document.tif"), seeds, 2, NULL));
	run_done(&r);
	/* A gigapixel of G4 white pages in a few KB: the image budget stops it. */
	free(tif);
	free(m);
	tif = make_tiff(1, 16, 16, COMPRESSION_CCITTFAX4, 0, &len);
	m = msg_with("image/tiff", tif, len, NULL);
	lim = (struct rx_limits){ .max_image_bytes = 16 };
	run_lim(&r, m, strlen(m), &lim);
	EXPECT_EQ(IRS_E_RX_TOO_MANY_PAGES, r.res.errcode); /* 32 bitmap bytes over 16 */
	EXPECT_NE(NULL, strstr(r.res.detail, "reception limit"));
	EXPECT_FALSE(r.res.has_document);
	run_done(&r);
	free(tif);
	free(m);
}

/* --- hostile structure ------------------------------------------------------------------- */

TEST(deep_nesting)
{
	struct msg m;
	struct rx_run r;
	time_t t0 = time(NULL);

	msg_open(&m);
	fprintf(m.f, "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (int i = 1; i < 200; i++)
		fprintf(m.f, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i - 1,
			i);
	fprintf(m.f, "--b199\r\n\r\nleaf\r\n");
	for (int i = 199; i >= 0; i--)
		fprintf(m.f, "--b%d--\r\n", i);
	msg_close(&m);
	run(&r, m.p);
	EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
	EXPECT_NE(NULL, strstr(r.res.detail, "deeper"));
	EXPECT_GE(2, time(NULL) - t0);
	run_done(&r);
	free(m.p);
	/* message/rfc822 inside message/rfc822 ...: the same limit. */
	msg_open(&m);
	for (int i = 0; i < 100; i++)
		fprintf(m.f, "Content-Type: message/rfc822\r\n\r\n");
	fprintf(m.f, "\r\nhi\r\n");
	msg_close(&m);
	run(&r, m.p);
	EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
	run_done(&r);
	free(m.p);
}

TEST(hundred_thousand_parts)
{
	struct msg m;
	struct rx_run r;
	time_t t0 = time(NULL);

	msg_open(&m);
	fprintf(m.f, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (int i = 0; i < 100000; i++)
		fprintf(m.f, "--p\r\n\r\nx\r\n");
	fprintf(m.f, "--p--\r\n");
	msg_close(&m);
	run(&r, m.p);
	EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
	EXPECT_NE(NULL, strstr(r.res.detail, "parts"));
	EXPECT_GE(3, time(NULL) - t0);
	/* What came before the limit is kept. */
	EXPECT_LE(900, r.res.text_lines);
	run_done(&r);
	free(m.p);
}

/* Headers as large and as many as the limits allow, full of parameters and would-be words. */
TEST(hostile_headers_stay_linear)
{
	struct msg m;
	struct rx_run r;
	time_t t0 = time(NULL);

	msg_open(&m);
	fprintf(m.f, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (int i = 0; i < 990; i++) {
		fprintf(m.f, "--p\r\nContent-Type: text/plain");
		for (int k = 0; k < 1500; k++)
			fprintf(m.f, ";a=b");
		fprintf(m.f, "; name=\"");
		for (int k = 0; k < 1500; k++)
			fprintf(m.f, "=?a?B?");
		fprintf(m.f, "\"\r\n\r\nx\r\n");
	}
	fprintf(m.f, "--p--\r\n");
	msg_close(&m);
	run_lim(&r, m.p, m.len, &(struct rx_limits){ 0 });
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_EQ(990, r.res.text_lines);
	EXPECT_GE(5, time(NULL) - t0);
	run_done(&r);
	free(m.p);
}

TEST(broken_structures_are_819)
{
	static const char *const cases[] = {
		/* boundary never appears */
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\nno parts\r\n",
		/* closing boundary missing */
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\r\nsalvaged\r\n",
		/* no boundary parameter */
		"Content-Type: multipart/mixed\r\n\r\n--zz\r\n\r\nx\r\n--zz--\r\n",
		/* part header garbage */
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nthis is no header\r\n"
		"\r\nx\r\n--zz--\r\n",
		/* a control character starting a part header line */
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain"
		"\r\n\1junk\r\n\r\nx\r\n--zz--\r\n",
		/* inner part reusing the outer boundary */
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\r\nx\r\n--zz--\r\n",
		/* unknown transfer encoding */
		"Content-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n",
		/* an encoded multipart */
		"Content-Type: multipart/mixed; boundary=zz\r\nContent-Transfer-Encoding: "
		"base64\r\n\r\n"
		"LS16eg==\r\n",
		"",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rx_run r;

		run(&r, cases[i]);
		EXPECT_EQ(0, r.rc);
		EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode) TH_LOG("case %zu: %s", i, r.res.detail);
		EXPECT_NE(0, r.res.detail[0]);
		if (i == 1)
			EXPECT_EQ(1, r.res.text_lines); /* salvaged */
		run_done(&r);
	}
	{
		/* NUL bytes in the message header, and a 1 MB header line. */
		static const char nul[] = "Subject: a\0b\r\n\r\nbody\r\n";
		struct rx_limits lim = { 0 };
		struct rx_run r;
		size_t n = 1 << 20;
		char *big = malloc(n + 16);

		run_lim(&r, nul, sizeof(nul) - 1, &lim);
		EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
		EXPECT_NE(NULL, strstr(r.res.detail, "NUL"));
		run_done(&r);
		memcpy(big, "Subject: ", 9);
		memset(big + 9, 'x', n);
		memcpy(big + 9 + n, "\r\n\r\nb\r\n", 7);
		run_lim(&r, big, n + 16, &lim);
		EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
		run_done(&r);
		/* A boundary of 200 characters. */
		memset(big, 0, n);
		strcpy(big, "Content-Type: multipart/mixed; boundary=");
		memset(big + strlen(big), 'b', 200);
		strcat(big, "\r\n\r\n--x\r\n");
		run_lim(&r, big, strlen(big), &lim);
		EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
		EXPECT_NE(NULL, strstr(r.res.detail, "boundary longer"));
		run_done(&r);
		/* Over max_message_bytes: refused unread. */
		lim.max_message_bytes = 100;
		run_lim(&r, big, strlen(big), &lim);
		EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
		EXPECT_NE(NULL, strstr(r.res.detail, "over the limit"));
		run_done(&r);
		free(big);
	}
}

TEST(forwarded_message_and_raw_data)
{
	size_t len, rawlen;
	unsigned char *tif = make_tiff(1, 300, 30, COMPRESSION_CCITTFAX3, 0, &len);
	char *inner = msg_with("image/tiff", tif, len, NULL);
	struct rx_limits lim = { .raw_data = true };
	struct msg m;
	struct rx_run r;
	unsigned char *raw;

	msg_open(&m);
	fprintf(m.f,
		"From: fwd@example.com\r\nSubject: Fwd\r\nContent-Type: multipart/mixed;"
		" boundary=o\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n%s\r\n--o--\r\n",
		inner);
	msg_close(&m);
	run_lim(&r, m.p, m.len, &lim);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_EQ(1, r.res.pages);
	EXPECT_STREQ("Fwd", r.res.subject); /* the outer message's, not the forwarded one's */
	EXPECT_STREQ("fwd@example.com", r.res.from);
	raw = slurp_file(out_path(&r, "raw.eml"), &rawlen);
	ASSERT_NE(NULL, raw);
	EXPECT_EQ(m.len, rawlen);
	EXPECT_EQ(0, memcmp(raw, m.p, m.len));
	free(raw);
	run_done(&r);
	free(m.p);
	free(inner);
	free(tif);
}

/* --- reports ----------------------------------------------------------------------------- */

static const char postfix_dsn[] =
	"Return-Path: <>\n"
	"From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"To: scan@example.com\n"
	"Auto-Submitted: auto-replied\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"8F2C1200A1.1700000001/mx.example.com\"\n"
	"Message-Id: <20231114221321.8F2C1200A1@mx.example.com>\n"
	"\n"
	"This is a MIME-encapsulated message.\n"
	"\n"
	"--8F2C1200A1.1700000001/mx.example.com\n"
	"Content-Description: Notification\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"This is the mail system at host mx.example.com.\n"
	"\n"
	"--8F2C1200A1.1700000001/mx.example.com\n"
	"Content-Description: Delivery report\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.com\n"
	"X-Postfix-Queue-ID: 8F2C1200A1\n"
	"X-Postfix-Sender: rfc822; scan@example.com\n"
	"Arrival-Date: Tue, 14 Nov 2023 22:13:21 +0000 (UTC)\n"
	"Original-Envelope-Id: 1699999999.0011223344556677+2B@example.com\n"
	"\n"
	"Final-Recipient: rfc822; ok@example.net\n"
	"Action: delayed\n"
	"Status: 4.4.1\n"
	"\n"
	"Final-Recipient: rfc822; nobody@mx.example.com\n"
	"Original-Recipient: rfc822;Nobody@mx.example.com\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Diagnostic-Code: X-Postfix; unknown user: \"nobody\"\n"
	"\n"
	"--8F2C1200A1.1700000001/mx.example.com\n"
	"Content-Description: Undelivered Message Headers\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"From: scan@example.com\n"
	"Message-ID: <1699999999.0011223344556677@example.com>\n"
	"Subject: Scanned document\n"
	"\n"
	"--8F2C1200A1.1700000001/mx.example.com--\n";

TEST(dsn_from_postfix)
{
	struct rx_run r;
	char *t;

	run(&r, postfix_dsn);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_EQ(RX_DSN, r.res.kind);
	EXPECT_TRUE(r.res.failed);
	EXPECT_EQ(IRS_E_DSN_FAILURE, r.res.report_code);
	EXPECT_STREQ("5.1.1", r.res.status);
	EXPECT_STREQ("Nobody@mx.example.com", r.res.recipient);
	EXPECT_EQ(2, r.res.recipients);
	EXPECT_STREQ("<1699999999.0011223344556677@example.com>", r.res.about_message_id);
	EXPECT_NE(NULL, strstr(r.res.diagnostic, "unknown user"));
	EXPECT_FALSE(r.res.has_document);
	t = text_of(&r);
	EXPECT_STREQ("This is the mail system at host mx.example.com.\n", t);
	free(t);
	run_done(&r);

	/* Without the returned header: the ENVID (xtext) names our message. */
	{
		char *m = strdup(postfix_dsn), *h = strstr(m, "Message-ID: <1699");

		memcpy(h, "X-Nothing", 9);
		run(&r, m);
		EXPECT_STREQ("<1699999999.0011223344556677+@example.com>", r.res.about_message_id);
		run_done(&r);
		/* Only delayed: no failure. */
		h = strstr(m, "Action: failed");
		memcpy(h, "Action: relayd", 14);
		run(&r, m);
		EXPECT_FALSE(r.res.failed);
		EXPECT_EQ(0, r.res.report_code);
		EXPECT_STREQ("4.4.1", r.res.status);
		run_done(&r);
		free(m);
	}
}

TEST(dsn_returning_our_tiff_outputs_nothing)
{
	size_t len;
	unsigned char *tif = make_tiff(1, 100, 10, COMPRESSION_CCITTFAX3, 0, &len);
	char *orig = msg_with("image/tiff", tif, len, NULL);
	struct msg m;
	struct rx_run r;

	msg_open(&m);
	fprintf(m.f,
		"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n"
		"\r\n--r\r\n\r\nhuman\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\n"
		"Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b.c\r\n"
		"Action: failed\r\nStatus: 5.2.2\r\n\r\n--r\r\n"
		"Content-Type: message/rfc822\r\n\r\n%s\r\n--r--\r\n",
		orig);
	msg_close(&m);
	run(&r, m.p);
	EXPECT_EQ(RX_DSN, r.res.kind);
	EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
	EXPECT_FALSE(r.res.has_document);
	EXPECT_EQ(0, r.res.pages);
	EXPECT_STREQ("<t.1@example.com>", r.res.about_message_id);
	run_done(&r);
	free(m.p);
	free(orig);
	free(tif);
}

static const char *mdn_with(const char *disposition)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "From: fax@example.org\r\nContent-Type: multipart/report;"
		 " report-type=disposition-notification; boundary=\"q\"\r\n\r\n"
		 "--q\r\nContent-Type: text/plain\r\n\r\nabout your fax\r\n"
		 "--q\r\nContent-Type: message/disposition-notification\r\n\r\n"
		 "Reporting-UA: fax.example.org; x\r\nFinal-Recipient: rfc822; fax@example.org\r\n"
		 "Original-Message-ID: <1700.ab@example.com>\r\nDisposition: %s\r\n\r\n--q--\r\n",
		 disposition);
	return buf;
}

TEST(mdn_dispositions)
{
	static const struct {
		const char *d;
		bool failed;
	} cases[] = {
		{ "automatic-action/MDN-sent-automatically; processed", false },
		{ "automatic-action/MDN-sent-automatically; displayed", false },
		{ "automatic-action/MDN-sent-automatically;Processed/Error", true },
		{ "automatic-action/MDN-sent-automatically; processed/warning", false },
		{ "automatic-action/MDN-sent-automatically; deleted", true },
		{ "automatic-action/MDN-sent-automatically; failed/failure", true },
		{ "manual-action/MDN-sent-manually; dispatched", true },
		{ "garbage", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rx_run r;

		run(&r, mdn_with(cases[i].d));
		EXPECT_EQ(RX_MDN, r.res.kind);
		EXPECT_EQ(cases[i].failed, r.res.failed) TH_LOG("%s", cases[i].d);
		EXPECT_EQ(cases[i].failed ? IRS_E_MDN_FAILURE : 0, r.res.report_code);
		EXPECT_STREQ("<1700.ab@example.com>", r.res.about_message_id);
		EXPECT_STREQ("fax@example.org", r.res.recipient);
		run_done(&r);
	}
	{
		struct rx_run r;

		run(&r, "Content-Type: multipart/report; report-type=disposition-notification;"
			" boundary=q\r\n\r\n--q\r\n\r\nonly text\r\n--q--\r\n");
		EXPECT_EQ(RX_MDN, r.res.kind);
		EXPECT_EQ(IRS_E_RX_MIME, r.res.errcode);
		run_done(&r);
	}
}

/* --- what we send back ------------------------------------------------------------------- */

TEST(mdn_build_round_trip)
{
	size_t len;
	unsigned char *tif = make_tiff(1, 100, 10, COMPRESSION_CCITTFAX3, 0, &len);
	char *m = msg_with("image/tiff", tif, len,
			   "Disposition-Notification-To: <fax@example.com>\r\n"
			   "Subject: =?UTF-8?B?w6l0w6k=?=\r\n");
	struct rx_run r, back;
	char mdn[128];
	unsigned char *text;
	struct rx_result bad = { 0 };

	run(&r, m);
	ASSERT_TRUE(r.res.full_mode);
	snprintf(mdn, sizeof(mdn), "%s/mdn.eml", r.dir);
	ASSERT_EQ(0, rx_mdn_build(&r.res, "ifax@device.example.org", true, NULL, mdn));
	text = slurp_file(mdn, &len);
	ASSERT_NE(NULL, text);
	EXPECT_NE(NULL, strstr((char *)text, "\r\nTo: <fax@example.com>\r\n"));
	EXPECT_NE(NULL, strstr((char *)text, "\r\nIn-Reply-To: <t.1@example.com>\r\n"));
	EXPECT_NE(NULL, strstr((char *)text, "Disposition: automatic-action/MDN-sent-automatically;"
					     " processed\r\n"));
	run_lim(&back, (char *)text, len, &(struct rx_limits){ 0 });
	EXPECT_EQ(RX_MDN, back.res.kind);
	EXPECT_FALSE(back.res.failed);
	EXPECT_STREQ("<t.1@example.com>", back.res.about_message_id);
	EXPECT_STREQ("ifax@device.example.org", back.res.from);
	run_done(&back);
	free(text);

	ASSERT_EQ(0, rx_mdn_build(&r.res, "ifax@device.example.org", false,
				  "part 2: page 1 does not decode\r\nBcc: evil@x", mdn));
	text = slurp_file(mdn, &len);
	EXPECT_EQ(NULL, strstr((char *)text, "\r\nBcc:"));
	run_lim(&back, (char *)text, len, &(struct rx_limits){ 0 });
	EXPECT_TRUE(back.res.failed);
	EXPECT_EQ(IRS_E_MDN_FAILURE, back.res.report_code);
	EXPECT_NE(NULL, strstr(back.res.diagnostic, "does not decode"));
	run_done(&back);
	free(text);
	unlink(mdn);

	errno = 0;
	EXPECT_EQ(-1, rx_mdn_build(&bad, "ifax@device.example.org", true, NULL, mdn));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, rx_mdn_build(&r.res, "not an address", true, NULL, mdn));
	run_done(&r);
	free(m);
	free(tif);
}

TEST(dsn_build_round_trip)
{
	char orig[] = "/tmp/rx_test_orig.XXXXXX", dsn[] = "/tmp/rx_test_dsn.XXXXXX";
	static const char msg[] = "From: sender@example.com\r\nMessage-ID: <orig.1@example.com>\r\n"
				  "Subject: caf\xc3\xa9\r\nContent-Type: application/pdf\r\n\r\n"
				  "%PDF secret content\r\n";
	int fd = mkstemp(orig);
	struct rx_run back;
	unsigned char *text;
	size_t len;

	ASSERT_EQ((ssize_t)strlen(msg), write(fd, msg, strlen(msg)));
	close(fd);
	close(mkstemp(dsn));
	ASSERT_EQ(0, rx_dsn_build(orig, "sender@example.com", "fax@device.example.org",
				  "device.example.org", IRS_E_RX_UNPRINTABLE, dsn));
	text = slurp_file(dsn, &len);
	ASSERT_NE(NULL, text);
	EXPECT_EQ(NULL, strstr((char *)text, "secret")); /* RET=HDRS: never the content */
	EXPECT_NE(NULL, strstr((char *)text, "Status: 5.6.1\r\n"));
	EXPECT_NE(NULL, strstr((char *)text, "From: <MAILER-DAEMON@device.example.org>"));
	for (size_t i = 0; i < len; i++)
		ASSERT_GT(0x80, text[i]);
	run_lim(&back, (char *)text, len, &(struct rx_limits){ 0 });
	EXPECT_EQ(RX_DSN, back.res.kind);
	EXPECT_TRUE(back.res.failed);
	EXPECT_STREQ("<orig.1@example.com>", back.res.about_message_id);
	EXPECT_STREQ("fax@device.example.org", back.res.recipient);
	run_done(&back);
	free(text);
	errno = 0;
	EXPECT_EQ(-1, rx_dsn_build(orig, "", "fax@device.example.org", "device.example.org",
				   IRS_E_RX_MIME, dsn));
	EXPECT_EQ(EINVAL, errno);
	unlink(orig);
	unlink(dsn);
}

/* Our own I-Fax sender (mime.h) in both modes, received back page for page. */
TEST(our_own_messages_received_back)
{
	static const enum mime_kind kinds[] = { MIME_IFAX_SIMPLE, MIME_IFAX_FULL };
	const char *to[] = { "fax@example.org" };
	char path[] = "/tmp/rx_test_own.XXXXXX", err[256];
	size_t len;
	unsigned char *tif = make_tiff(3, 1728, 100, COMPRESSION_CCITTFAX3, 0, &len);
	unsigned seeds[] = { 0, 1, 2 };
	int fd = mkstemp(path);

	ASSERT_EQ((ssize_t)len, write(fd, tif, len));
	close(fd);
	for (size_t k = 0; k < 2; k++) {
		struct mime_headers h = { .from = "scan@example.com",
					  .to = to,
					  .nto = 1,
					  .subject = "Scan \xe2\x82\xac",
					  .body = "Three pages.",
					  .kind = kinds[k] };
		struct mime_msg *m = mime_new(&h, err, sizeof(err));
		struct msg out;
		char buf[4096];
		ssize_t n;
		struct rx_run r;

		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, mime_attach_file(m, path, "doc.tif", "image/tiff; application=faxbw",
					      err, sizeof(err)));
		msg_open(&out);
		while ((n = mime_read(m, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, out.f);
		msg_close(&out);
		run_lim(&r, out.p, out.len, &(struct rx_limits){ 0 });
		EXPECT_EQ(RX_IFAX, r.res.kind);
		EXPECT_EQ(0, r.res.errcode) TH_LOG("%s", r.res.detail);
		EXPECT_EQ(3, r.res.pages);
		EXPECT_STREQ("Scan \xe2\x82\xac", r.res.subject);
		EXPECT_STREQ(mime_message_id(m), r.res.message_id);
		EXPECT_EQ(kinds[k] == MIME_IFAX_FULL, r.res.full_mode);
		EXPECT_EQ(3, check_document(out_path(&r, "document.tif"), seeds, 3, NULL));
		run_done(&r);
		free(out.p);
		mime_free(m);
	}
	unlink(path);
	free(tif);
}

TEST(process_from_file_and_io_errors)
{
	char path[] = "/tmp/rx_test_file.XXXXXX";
	struct rx_limits lim = { .max_message_bytes = 64 };
	struct rx_result res;
	int fd = mkstemp(path);
	static const char m[] = "Subject: x\r\n\r\nhello\r\n";

	ASSERT_EQ((ssize_t)strlen(m), write(fd, m, strlen(m)));
	close(fd);
	errno = 0;
	EXPECT_EQ(-1, rx_message_process("/nonexistent/x.eml", "/tmp", &lim, &res));
	EXPECT_EQ(ENOENT, errno);
	/* An output directory that does not exist: text.txt cannot be written. */
	EXPECT_EQ(-1, rx_message_process(path, "/nonexistent-dir", &lim, &res));
	lim.max_message_bytes = 10;
	EXPECT_EQ(0, rx_message_process(path, "/nonexistent-dir", &lim, &res));
	EXPECT_EQ(IRS_E_RX_MIME, res.errcode);
	unlink(path);
}

TEST_HARNESS_MAIN
