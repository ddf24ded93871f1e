// SPDX-License-Identifier: GPL-2.0
/*
 * The MIME writer (user/mail/mime.c) and base64 (user/mail/base64.c): the
 * size announced is the size read at any chunk size, lines are CRLF and
 * short, headers cannot be injected, attachments that change under us
 * fail the read. mime_email.sh checks the output with Python's email
 * package through the --write command:
 *
 *   mime_test --write OUT [--kind email|simple|full] [--from A] [--name N]
 *             [--to A,B] [--cc A] [--bcc A] [--subject S] [--body S]
 *             [--chunk N] [--part K/N] [--attach PATH:NAME:TYPE]...
 *
 * which writes the message to OUT and prints "size N read N maxrss_kb N".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <tiffio.h>

#include "base64.h"
#include "encoder.h"
#include "mime.h"
#include "mime_split.h"

#include "kselftest_harness.h"

/* The whole message, read chunk bytes at a time; NULL on a read error. */
static char *slurp(struct mime_msg *m, size_t chunk, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf) {
		if (n + chunk > cap) {
			char *p = realloc(buf, cap * 2 + chunk);

			if (!p)
				break;
			buf = p;
			cap = cap * 2 + chunk;
		}
		r = mime_read(m, buf + n, chunk);
		if (r < 0)
			break;
		if (!r) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

/* 0 when every line ends in CRLF, is at most max characters and none starts with '.'. */
static int check_lines(const char *buf, size_t len, size_t max)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\r') {
			if (i + 1 >= len || buf[i + 1] != '\n')
				return -1;
			if (i - start > max || buf[start] == '.')
				return -2;
			start = i + 2;
			i++;
		} else if (buf[i] == '\n' || buf[i] == '\0' || (unsigned char)buf[i] >= 0x80) {
			return -3;
		}
	}
	return start == len ? 0 : -4;
}

static char *temp_file(size_t size, unsigned int seed)
{
	char *path = strdup("/tmp/mime_test.XXXXXX");
	int fd = mkstemp(path);
	uint32_t x = seed;

	for (size_t i = 0; i < size; i++) {
		unsigned char c;

		x = x * 1664525u + 1013904223u;
		c = (unsigned char)(x >> 24);
		if (write(fd, &c, 1) != 1)
			abort();
	}
	close(fd);
	return path;
}

static const char *const two[] = { "alice@example.com", "bob@example.org" };

TEST(base64_round_trip)
{
	unsigned char raw[300], back[300];
	char enc[B64_ENCODED_LEN(300)];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(raw); n++) {
		size_t e = b64_encode(raw, n, enc), out = 0;

		ASSERT_EQ(B64_ENCODED_LEN(n), e);
		ASSERT_EQ(0, b64_decode(enc, e, back, &out));
		ASSERT_EQ(n, out);
		ASSERT_EQ(0, memcmp(raw, back, n));
	}
	/* RFC 4648 test vectors. */
	ASSERT_EQ(8, b64_encode("foob", 4, enc));
	ASSERT_EQ(0, memcmp(enc, "Zm9vYg==", 8));
}

TEST(base64_decode_is_strict)
{
	static const char *const bad[] = { "Zm9",      "Zm9vY===",   "Zm=vYg==",
					   "Zm9vYh==", "Zm9v\nYg==", "Zm9v Yg=",
					   "=m9v",     "Zm9vYg=a",   "Zg==Zg==" };
	unsigned char out[16];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, b64_decode(bad[i], strlen(bad[i]), out, &n))
		TH_LOG("accepted %s", bad[i]);
	}
	ASSERT_EQ(0, b64_decode("", 0, out, &n));
	ASSERT_EQ(0, n);
}

TEST(base64_mime_lines_size)
{
	unsigned char raw[400];
	char out[1000];

	memset(raw, 0xa5, sizeof(raw));
	for (size_t n = 0; n <= sizeof(raw); n++)
		ASSERT_EQ(b64_mime_size(n), b64_encode_lines(raw, n, out));
	ASSERT_EQ(78, b64_mime_size(57));
	ASSERT_EQ(78 + 6, b64_mime_size(58));
}

/* Size announced == size read, at every chunk size, and again after a rewind. */
TEST(size_is_exact_at_any_chunk)
{
	static const size_t sizes[] = { 0, 1, 56, 57, 58, 1000, 200000 };
	static const size_t chunks[] = { 1, 7, 78, 4096, 1 << 20 };
	char err[256];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char *path = temp_file(sizes[s], (unsigned int)s);
		struct mime_headers h = { .from = "scan@example.com",
					  .to = two,
					  .nto = 2,
					  .subject = "Scan",
					  .body = "Hello.\nTwo lines." };
		struct mime_msg *m = mime_new(&h, err, sizeof(err));
		char *first = NULL;
		size_t first_len = 0;

		ASSERT_NE(NULL, m) TH_LOG("%s", err);
		ASSERT_EQ(0,
			  mime_attach_file(m, path, "doc.pdf", "application/pdf", err, sizeof(err)))
		TH_LOG("%s", err);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			size_t len;
			char *buf;

			if (sizes[s] > 10000 && chunks[c] == 1)
				continue;
			ASSERT_EQ(0, mime_rewind(m));
			buf = slurp(m, chunks[c], &len);
			ASSERT_NE(NULL, buf);
			ASSERT_EQ(mime_size(m), len);
			ASSERT_EQ(0, check_lines(buf, len, 78));
			if (!first) {
				first = buf;
				first_len = len;
			} else {
				ASSERT_EQ(first_len, len);
				ASSERT_EQ(0, memcmp(first, buf, len));
				free(buf);
			}
		}
		free(first);
		mime_free(m);
		unlink(path);
		free(path);
	}
}

TEST(header_injection_refused)
{
	static const char *const bad[] = {
		"a@b\r\nBcc: c@d", "a b@c",   "<a@b>", "a@b,c@d", "ab", "@b", "a@",
		"a@b@c",	   "\"a\"@b", "a@b;"
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *to[] = { bad[i] };
		struct mime_headers h = { .from = "scan@example.com", .to = to, .nto = 1 };
		struct mime_headers f = { .from = bad[i], .to = two, .nto = 1 };

		EXPECT_EQ(NULL, mime_new(&h, err, sizeof(err))) TH_LOG("took To %s", bad[i]);
		EXPECT_EQ(NULL, mime_new(&f, err, sizeof(err))) TH_LOG("took From %s", bad[i]);
	}
	struct mime_headers none = { .from = "scan@example.com" };
	struct mime_headers badutf = {
		.from = "scan@example.com", .to = two, .nto = 1, .subject = "\xc3\x28"
	};

	EXPECT_EQ(NULL, mime_new(&none, err, sizeof(err)));
	EXPECT_EQ(NULL, mime_new(&badutf, err, sizeof(err)));
}

/* Serverless I-Fax addresses: a domain may be an address literal, a real one. */
TEST(address_literals)
{
	static const char *const good[] = { "fax@[198.18.0.7]", "fax@[IPv6:2001:db8::7]",
					    "fax@[ipv6:::1]", "a.b-c@example.com" };
	static const char *const bad[] = {
		"fax@[300.1.1.1]",    "fax@[198.18.0.7",
		"fax@198.18.0.7]",    "fax@[]",
		"fax@[IPv6:zz::1]",   "fax@[198.18.0.7]x",
		"fax@[2001:db8::7]",  "fax@[198.18.0.7\r\n]",
		"f[a]x@[198.18.0.7]", "fax@[1.2.3.4] ",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_EQ(1, mime_addr_valid(good[i])) TH_LOG("refused %s", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(0, mime_addr_valid(bad[i])) TH_LOG("took %s", bad[i]);
	}
}

TEST(control_characters_stay_inside_encoded_words)
{
	struct mime_headers h = { .from = "scan@example.com",
				  .to = two,
				  .nto = 1,
				  .subject = "a\r\nBcc: evil@example.com",
				  .from_name = "x\"\r\nBcc: e@x" };
	char err[256];
	struct mime_msg *m = mime_new(&h, err, sizeof(err));
	size_t len;
	char *buf;

	ASSERT_NE(NULL, m);
	buf = slurp(m, 100, &len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, check_lines(buf, len, 78));
	ASSERT_EQ(NULL, strstr(buf, "\r\nBcc:"));
	free(buf);
	mime_free(m);
}

TEST(envelope_and_headers)
{
	const char *cc[] = { "BOB@example.org", "carol@example.net" };
	const char *bcc[] = { "dave@example.com" };
	struct mime_headers h = { .from = "scan@example.com",
				  .to = two,
				  .nto = 2,
				  .cc = cc,
				  .ncc = 2,
				  .bcc = bcc,
				  .nbcc = 1,
				  .subject = "Doc",
				  .kind = MIME_IFAX_FULL,
				  .part = 2,
				  .parts = 3 };
	char err[256];
	struct mime_msg *m = mime_new(&h, err, sizeof(err));
	const struct mime_envelope *env;
	size_t len;
	char *buf;

	ASSERT_NE(NULL, m);
	env = mime_envelope(m);
	ASSERT_EQ(4, env->nrcpt); /* bob twice in two cases: once */
	EXPECT_STREQ("dave@example.com", env->rcpt[3]);
	EXPECT_STREQ("scan@example.com", env->mail_from);
	EXPECT_TRUE(env->mdn_requested);
	EXPECT_TRUE(env->dsn_notify & MIME_NOTIFY_SUCCESS);
	EXPECT_EQ(0, strncmp(mime_message_id(m) + 1, env->envid, strlen(env->envid)));
	buf = slurp(m, 1000, &len);
	ASSERT_NE(NULL, buf);
	EXPECT_NE(NULL, strstr(buf, "\r\nDisposition-Notification-To: <scan@example.com>\r\n"));
	EXPECT_NE(NULL, strstr(buf, "\r\nSubject: Doc (2/3)\r\n"));
	EXPECT_NE(NULL, strstr(buf, "\r\nCc: BOB@example.org, carol@example.net\r\n"));
	EXPECT_EQ(NULL, strstr(buf, "dave"));
	EXPECT_NE(NULL, strstr(buf, "\r\nMIME-Version: 1.0\r\n"));
	free(buf);
	mime_free(m);

	h.kind = MIME_IFAX_SIMPLE;
	m = mime_new(&h, err, sizeof(err));
	ASSERT_NE(NULL, m);
	EXPECT_FALSE(mime_envelope(m)->mdn_requested);
	EXPECT_FALSE(mime_envelope(m)->dsn_notify & MIME_NOTIFY_SUCCESS);
	buf = slurp(m, 1000, &len);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(NULL, strstr(buf, "Disposition-Notification-To"));
	free(buf);
	mime_free(m);
}

/* A hundred recipients in To: folded, every line short. */
TEST(hundred_recipients_folded)
{
	const char *to[100];
	char names[100][40];
	struct mime_headers h = { .from = "scan@example.com", .to = to, .nto = 100 };
	char err[256];
	struct mime_msg *m;
	size_t len;
	char *buf;

	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "recipient%03d@example.com", i);
		to[i] = names[i];
	}
	m = mime_new(&h, err, sizeof(err));
	ASSERT_NE(NULL, m);
	ASSERT_EQ(100, mime_envelope(m)->nrcpt);
	buf = slurp(m, 333, &len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, check_lines(buf, len, 78));
	for (int i = 0; i < 100; i++)
		ASSERT_NE(NULL, strstr(buf, names[i]));
	free(buf);
	mime_free(m);
}

TEST(text_needing_quoted_printable)
{
	static const char *const texts[] = {
		".starts with a dot\n.\n..",
		"caf\xc3\xa9 cr\xc3\xa8me",
		"a=b",
		"trailing space \nx",
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789",
		"tab\tinside and \x01 control",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct mime_headers h = {
			.from = "s@example.com", .to = two, .nto = 1, .body = texts[i]
		};
		struct mime_msg *m = mime_new(&h, err, sizeof(err));
		size_t len;
		char *buf;

		ASSERT_NE(NULL, m);
		buf = slurp(m, 64, &len);
		ASSERT_NE(NULL, buf);
		EXPECT_NE(NULL, strstr(buf, "Content-Transfer-Encoding: quoted-printable"))
		TH_LOG("text %zu", i);
		EXPECT_EQ(0, check_lines(buf, len, 78)) TH_LOG("text %zu", i);
		free(buf);
		mime_free(m);
	}
}

/* A file that changes between attach and read makes the read fail, never lie. */
TEST(attachment_changed_fails_read)
{
	char *path = temp_file(1000, 1);
	struct mime_headers h = { .from = "s@example.com", .to = two, .nto = 1 };
	char err[256], buf[4096];
	struct mime_msg *m = mime_new(&h, err, sizeof(err));
	ssize_t r;
	int fd;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, mime_attach_file(m, path, "a.tif", "image/tiff", err, sizeof(err)));
	fd = open(path, O_WRONLY | O_APPEND);
	ASSERT_EQ(3, write(fd, "abc", 3));
	close(fd);
	while ((r = mime_read(m, buf, sizeof(buf))) > 0)
		;
	EXPECT_EQ(-1, r);
	EXPECT_NE(NULL, strstr(mime_error(m), "changed size"));
	unlink(path);
	ASSERT_EQ(0, mime_rewind(m));
	while ((r = mime_read(m, buf, sizeof(buf))) > 0)
		;
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ENOENT, errno);
	mime_free(m);
	free(path);

	m = mime_new(&h, err, sizeof(err));
	ASSERT_NE(NULL, m);
	EXPECT_EQ(-1, mime_attach_file(m, "/nonexistent/x", "x.pdf", "application/pdf", err,
				       sizeof(err)));
	EXPECT_EQ(-1, mime_attach_file(m, "/tmp", "x.pdf", "application/pdf", err, sizeof(err)));
	EXPECT_EQ(-1, mime_attach_file(m, "/etc/hostname", "a/b", "text/plain", err, sizeof(err)));
	EXPECT_EQ(-1, mime_attach_file(m, "/etc/hostname", "ab", "bad\r\ntype", err, sizeof(err)));
	mime_free(m);
}

TEST(split_pages_plan)
{
	const uint64_t cost[] = { 1000, 1000, 5000, 1000, 1000, 1000 };
	struct mime_page_group *g;
	size_t n;
	uint64_t limit = 2000 + b64_mime_size(tiff_file_size(2000));

	/* Pages 1-2 fit together, page 3 alone, then 4-5, then 6. */
	ASSERT_EQ(-1, mime_split_pages(cost, 6, 2000, limit, 0, &g, &n));
	limit = 2000 + b64_mime_size(tiff_file_size(5000));
	ASSERT_EQ(0, mime_split_pages(cost, 6, 2000, limit, 0, &g, &n));
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, g[0].first);
	EXPECT_EQ(2, g[0].count);
	EXPECT_EQ(2, g[1].first);
	EXPECT_EQ(1, g[1].count);
	EXPECT_EQ(3, g[2].first);
	EXPECT_EQ(3, g[2].count);
	free(g);
	/* One page per message whatever the limit (per_msg 1), and no limit at all. */
	ASSERT_EQ(0, mime_split_pages(cost, 6, 2000, 0, 1, &g, &n));
	ASSERT_EQ(6, n);
	free(g);
	ASSERT_EQ(0, mime_split_pages(cost, 6, 2000, 0, 0, &g, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(6, g[0].count);
	free(g);
}

/* A 5-page MMR TIFF from the encoder, split: the parts hold the same compressed strips. */
TEST(split_tiff_pages)
{
	char dir[] = "/tmp/mime_split.XXXXXX", err[256], part[300];
	struct encode_result res;
	struct encoder *e;
	uint64_t *cost;
	uint32_t n;
	static unsigned char rows[1728 / 8 * 300];

	ASSERT_NE(NULL, mkdtemp(dir));
	e = encoder_open(ENCODE_TIFF_MMR, dir, "doc", NULL, err, sizeof(err));
	ASSERT_NE(NULL, e) TH_LOG("%s", err);
	for (unsigned int p = 0; p < 5; p++) {
		struct page_image img = { .width = 1728,
					  .height = 300,
					  .stride = 1728 / 8,
					  .bpp = 1,
					  .xres = 200,
					  .yres = 200,
					  .rows = rows };

		for (size_t i = 0; i < sizeof(rows); i++)
			rows[i] = (unsigned char)((i / 216 + p) % 7 ? 0 : 0xf0 >> (p % 4));
		ASSERT_EQ(0, encoder_add_page(e, &img, err, sizeof(err))) TH_LOG("%s", err);
	}
	ASSERT_EQ(0, encoder_finish(e, &res, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, tiff_page_costs(res.files[0].path, &cost, &n, err, sizeof(err)))
	TH_LOG("%s", err);
	ASSERT_EQ(5, n);
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += cost[i];
	/* An upper bound of the file: planning with it never overshoots. */
	EXPECT_GE(tiff_file_size(sum), res.files[0].bytes);
	snprintf(part, sizeof(part), "%s/part2.tif", dir);
	ASSERT_EQ(0, tiff_extract_pages(res.files[0].path, 1, 3, part, err, sizeof(err)))
	TH_LOG("%s", err);

	TIFF *a = TIFFOpen(res.files[0].path, "r"), *b = TIFFOpen(part, "r");

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(3, TIFFNumberOfDirectories(b));
	for (int k = 0; k < 3; k++) {
		uint64_t *ca, *cb;
		uint16_t pg, pgs;

		ASSERT_TRUE(TIFFSetDirectory(a, (tdir_t)(k + 1)));
		ASSERT_TRUE(TIFFSetDirectory(b, (tdir_t)k));
		ASSERT_TRUE(TIFFGetField(a, TIFFTAG_STRIPBYTECOUNTS, &ca));
		ASSERT_TRUE(TIFFGetField(b, TIFFTAG_STRIPBYTECOUNTS, &cb));
		ASSERT_EQ(ca[0], cb[0]);
		ASSERT_TRUE(TIFFGetField(b, TIFFTAG_PAGENUMBER, &pg, &pgs));
		EXPECT_EQ(k, pg);
		EXPECT_EQ(3, pgs);
		/* Decoded pixels alike too: the strips were copied, not re-encoded. */
		tmsize_t sz = TIFFStripSize(a);
		unsigned char *pa = malloc((size_t)sz), *pb = malloc((size_t)sz);

		ASSERT_EQ(sz, TIFFReadEncodedStrip(a, 0, pa, sz));
		ASSERT_EQ(sz, TIFFReadEncodedStrip(b, 0, pb, sz));
		ASSERT_EQ(0, memcmp(pa, pb, (size_t)sz));
		free(pa);
		free(pb);
	}
	TIFFClose(a);
	TIFFClose(b);
	EXPECT_EQ(-1, tiff_extract_pages(res.files[0].path, 4, 2, part, err, sizeof(err)));
	EXPECT_EQ(-1, access(part, F_OK));
	unlink(res.files[0].path);
	encode_result_free(&res);
	free(cost);
	rmdir(dir);
}

static int split_list(char *s, const char **out, int max)
{
	int n = 0;

	for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
		out[n++] = t;
	return n;
}

/* The --write command (see the top of the file). */
static int write_tool(int argc, char **argv)
{
	static const char *to[200], *cc[200], *bcc[200];
	struct mime_headers h = { .from = "scanner@example.com" };
	size_t chunk = 65536;
	char err[256];
	struct mime_msg *m;
	struct rusage ru;
	uint64_t total = 0;
	char *buf;
	FILE *out;
	ssize_t r;

	if (argc < 2) {
		fprintf(stderr, "usage: mime_test --write OUT [options] (see the source)\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--kind"))
			h.kind = !strcmp(v, "full")	? MIME_IFAX_FULL
				 : !strcmp(v, "simple") ? MIME_IFAX_SIMPLE
							: MIME_EMAIL;
		else if (!strcmp(o, "--from"))
			h.from = v;
		else if (!strcmp(o, "--name"))
			h.from_name = v;
		else if (!strcmp(o, "--to"))
			h.nto = (size_t)split_list(argv[i + 1], to, 200);
		else if (!strcmp(o, "--cc"))
			h.ncc = (size_t)split_list(argv[i + 1], cc, 200);
		else if (!strcmp(o, "--bcc"))
			h.nbcc = (size_t)split_list(argv[i + 1], bcc, 200);
		else if (!strcmp(o, "--subject"))
			h.subject = v;
		else if (!strcmp(o, "--body"))
			h.body = v;
		else if (!strcmp(o, "--chunk"))
			chunk = (size_t)atol(v);
		else if (!strcmp(o, "--part"))
			sscanf(v, "%u/%u", &h.part, &h.parts);
		else if (strcmp(o, "--attach")) {
			fprintf(stderr, "mime_test: unknown option %s\n", o);
			return 2;
		}
	}
	h.to = to;
	h.cc = cc;
	h.bcc = bcc;
	m = mime_new(&h, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "mime_test: %s\n", err);
		return 1;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		char *path, *name, *type;

		if (strcmp(argv[i], "--attach"))
			continue;
		path = argv[i + 1];
		name = strchr(path, ':');
		type = name ? strchr(name + 1, ':') : NULL;
		if (!type) {
			fprintf(stderr, "mime_test: --attach PATH:NAME:TYPE\n");
			return 2;
		}
		*name++ = '\0';
		*type++ = '\0';
		if (mime_attach_file(m, path, name, type, err, sizeof(err))) {
			fprintf(stderr, "mime_test: %s\n", err);
			return 1;
		}
	}
	out = fopen(argv[1], "wb");
	buf = malloc(chunk);
	if (!out || !buf)
		return 1;
	while ((r = mime_read(m, buf, chunk)) > 0) {
		if (fwrite(buf, 1, (size_t)r, out) != (size_t)r)
			return 1;
		total += (uint64_t)r;
	}
	if (r < 0) {
		fprintf(stderr, "mime_test: %s\n", mime_error(m));
		return 1;
	}
	if (fclose(out))
		return 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("size %llu read %llu maxrss_kb %ld\n", (unsigned long long)mime_size(m),
	       (unsigned long long)total, ru.ru_maxrss);
	free(buf);
	mime_free(m);
	return 0;
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--write"))
		return write_tool(argc - 1, argv + 1);
	return test_harness_run(argc, argv);
}
