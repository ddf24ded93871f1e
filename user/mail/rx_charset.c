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

void rx_to_utf8(struct mbuf *out, const char *charset, const char *in, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", charset_alias(charset));
	char buf[4096], *ip = (char *)in, *op;
	size_t il = len, ol;

	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", "UTF-8");
	if (cd == (iconv_t)-1) {
		out->failed = 1;
		return;
	}
	while (il && !out->failed) {
		size_t r;

		op = buf;
		ol = sizeof(buf);
		r = iconv(cd, &ip, &il, &op, &ol);
		mb_put(out, buf, (size_t)(op - buf));
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
		mb_put(out, buf, (size_t)(op - buf));
	iconv_close(cd);
}
