// SPDX-License-Identifier: GPL-2.0
/*
 * Received text into UTF-8 with iconv. Whatever the sender declares, the
 * output is valid UTF-8: a byte that does not convert becomes U+FFFD, an
 * unknown charset is read as UTF-8 the same way.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "rx_priv.h"

#define REPLACEMENT "\xef\xbf\xbd"

/* The name iconv gets: web practice for the common mislabels. */
static const char *charset_alias(const char *cs)
{
	static const struct {
		const char *label, *name;
	} aliases[] = {
		{ "", "UTF-8" },
		{ "us-ascii", "UTF-8" }, /* 8-bit bytes labelled ASCII are most often UTF-8 */
		{ "ascii", "UTF-8" },
		{ "iso-8859-1", "WINDOWS-1252" },
		{ "latin1", "WINDOWS-1252" },
		{ "ks_c_5601-1987", "CP949" },
		{ "gb2312", "GB18030" },
		{ "gbk", "GB18030" },
		{ "x-sjis", "SHIFT_JIS" },
	};

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(cs, aliases[i].label))
			return aliases[i].name;
	/* Only plain names: iconv gives '/' a meaning ("//TRANSLIT"). */
	if (strlen(cs) > 40 || strspn(cs, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789_.:-") != strlen(cs))
		return "UTF-8";
	return cs;
}

/* Length of the well-formed UTF-8 character at s (at most n bytes), 0 if it is not one. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	unsigned cp, len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (unsigned i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* in as well-formed UTF-8: iconv's own UTF-8 decoder lets 5- and 6-byte forms through. */
static void put_valid_utf8(struct mbuf *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, run = 0;

	while (i < len) {
		size_t n = utf8_char(s + i, len - i);

		if (n) {
			i += n;
			continue;
		}
		mb_put(out, in + run, i - run);
		mb_puts(out, REPLACEMENT);
		run = ++i;
	}
	mb_put(out, in + run, i - run);
}

void rx_to_utf8(struct mbuf *out, const char *charset, const char *in, size_t len)
{
	const char *name = charset_alias(charset);
	char buf[4096], *ip = (char *)in, *op;
	size_t il = len, ol;
	iconv_t cd;

	if (!strcasecmp(name, "UTF-8") || !strcasecmp(name, "UTF8")) {
		put_valid_utf8(out, in, len);
		return;
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) {
		put_valid_utf8(out, in, len); /* unknown charset: read as UTF-8 */
		return;
	}
	while (il && !out->failed) {
		size_t r;

		op = buf;
		ol = sizeof(buf);
		r = iconv(cd, &ip, &il, &op, &ol);
		put_valid_utf8(out, buf, (size_t)(op - buf));
		if (r == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ, or EINVAL for a sequence cut by the end: one byte is lost. */
			mb_puts(out, REPLACEMENT);
			ip++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	/* Stateful charsets (ISO-2022-JP) may owe a final shift. */
	op = buf;
	ol = sizeof(buf);
	if (iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1)
		put_valid_utf8(out, buf, (size_t)(op - buf));
	iconv_close(cd);
}
