// SPDX-License-Identifier: GPL-2.0
/*
 * Text that goes into a message: header folding, RFC 2047 encoded-words,
 * RFC 2231 parameters, the date, and the quoted-printable text part.
 */
#include <arpa/inet.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "mime.h"
#include "mime_priv.h"

void mb_put(struct mbuf *b, const void *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void mb_puts(struct mbuf *b, const char *s)
{
	mb_put(b, s, strlen(s));
}

void hdr_begin(struct hdr *h, struct mbuf *b, const char *name)
{
	h->b = b;
	mb_puts(b, name);
	mb_puts(b, ":");
	h->col = strlen(name) + 1;
}

void hdr_word(struct hdr *h, const char *w, size_t n)
{
	/* A word never starts a line of its own in the header's first column: always " word". */
	if (h->col + 1 + n > MIME_FOLD_AT && h->col > 1) {
		mb_puts(h->b, "\r\n");
		h->col = 0;
	}
	mb_puts(h->b, " ");
	mb_put(h->b, w, n);
	h->col += 1 + n;
}

void hdr_end(struct hdr *h)
{
	mb_puts(h->b, "\r\n");
}

int mime_ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int c = *p, n, cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (unsigned int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* "[198.18.0.7]" or "[IPv6:2001:db8::7]" (RFC 5321 address literals). */
static int addr_literal_valid(const char *d)
{
	char ip[INET6_ADDRSTRLEN + 8];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t n = strlen(d);

	if (n < 3 || d[0] != '[' || d[n - 1] != ']' || n - 2 >= sizeof(ip))
		return 0;
	memcpy(ip, d + 1, n - 2);
	ip[n - 2] = '\0';
	if (strncasecmp(ip, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, ip + 5, bin) == 1;
	return inet_pton(AF_INET, ip, bin) == 1;
}

int mime_addr_valid(const char *a)
{
	const char *at = strrchr(a, '@');
	size_t len = strlen(a);

	if (!at || at == a || !at[1] || len > MIME_ADDR_MAX)
		return 0;
	/*
	 * Printable ASCII without the characters that would end an address in
	 * a header or smuggle a second one in: no quoting, no routes, no
	 * comments, no second '@' (a quoted local part is not worth the risk).
	 * The domain may be an address literal (a serverless I-Fax).
	 */
	for (const char *p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (p > at && at[1] == '[')
			break;
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c) || (c == '@' && p != at))
			return 0;
	}
	return at[1] != '[' || addr_literal_valid(at + 1);
}

/*
 * Whether text can go into a header as it is: printable ASCII, single
 * spaces between words that fit a line, and nothing a decoder would take
 * for an encoded-word. Anything else is encoded, which keeps every space.
 */
static int plain_words_ok(const char *s, size_t max_word)
{
	size_t word = 0;

	if (!mime_ascii_printable(s) || strstr(s, "=?") || s[0] == ' ')
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p == ' ') {
			if (p[1] == ' ' || !p[1])
				return 0;
			word = 0;
		} else if (++word > max_word) {
			return 0;
		}
	}
	return 1;
}

/* Bytes of s (at most max) that end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n ? n : max;
}

/*
 * RFC 2047 B encoded-words of at most 39 bytes of text each (52
 * characters of base64): with the 12 of "=?UTF-8?B??=" and a folding space
 * a line stays within 78 characters even after "Subject:".
 */
static void encoded_words(struct hdr *h, const char *s)
{
	char word[12 + B64_ENCODED_LEN(39) + 1];

	while (*s) {
		size_t n = utf8_cut(s, 39);
		size_t len = 0;

		memcpy(word, "=?UTF-8?B?", 10);
		len = 10 + b64_encode(s, n, word + 10);
		memcpy(word + len, "?=", 2);
		len += 2;
		hdr_word(h, word, len);
		s += n;
	}
}

void hdr_text(struct hdr *h, const char *utf8)
{
	if (!*utf8) {
		return;
	}
	if (!plain_words_ok(utf8, MIME_FOLD_AT - 12)) {
		encoded_words(h, utf8);
		return;
	}
	for (const char *p = utf8; *p;) {
		size_t n = strcspn(p, " ");

		hdr_word(h, p, n);
		p += n;
		if (*p == ' ')
			p++;
	}
}

void hdr_phrase(struct hdr *h, const char *utf8)
{
	struct mbuf q = { 0 };

	if (!plain_words_ok(utf8, 60) || strlen(utf8) > 60) {
		encoded_words(h, utf8);
		return;
	}
	mb_puts(&q, "\"");
	for (const char *p = utf8; *p; p++) {
		if (*p == '"' || *p == '\\')
			mb_puts(&q, "\\");
		mb_put(&q, p, 1);
	}
	mb_puts(&q, "\"");
	if (q.failed)
		h->b->failed = 1;
	else
		hdr_word(h, q.p, q.len);
	free(q.p);
}

/* attribute-char of RFC 2231: what needs no %XX. */
static int attr_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("*'%()<>@,;:\\\"/[]?=", c);
}

void hdr_param(struct hdr *h, const char *attr, const char *utf8)
{
	char piece[MIME_FOLD_AT];
	size_t len = strlen(utf8);

	if (len <= 60 && mime_ascii_printable(utf8) && !strpbrk(utf8, "\"\\")) {
		int n = snprintf(piece, sizeof(piece), "%s=\"%s\"", attr, utf8);

		hdr_word(h, piece, (size_t)n);
		return;
	}
	/* RFC 2231 continuations, each %-encoded and short enough for its own line. */
	for (unsigned int i = 0; *utf8; i++) {
		int n = snprintf(piece, sizeof(piece), "%s*%u*=%s", attr, i, i ? "" : "utf-8''");

		/* A piece ends between characters, never inside one. */
		while (*utf8 && (n < 60 || ((unsigned char)*utf8 & 0xc0) == 0x80)) {
			unsigned char c = (unsigned char)*utf8++;

			if (attr_char(c))
				piece[n++] = (char)c;
			else
				n += snprintf(piece + n, sizeof(piece) - (size_t)n, "%%%02X", c);
		}
		if (*utf8)
			piece[n++] = ';';
		hdr_word(h, piece, (size_t)n);
	}
}

void mime_date(char *buf, size_t len, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	/* Names from our own tables: the C library's follow the locale, RFC 5322's do not. */
	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* Whether the text part can go as it is (7bit) once its line ends are CRLF. */
static int text_is_7bit(const char *s)
{
	size_t col = 0;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n' || c == '\r') {
			/* Trailing blanks may be stripped in transit; '.' would need stuffing. */
			if (col && (p[-1] == ' ' || p[-1] == '\t'))
				return 0;
			col = 0;
			continue;
		}
		/* '=' keeps the boundary (which contains "=_") out of the text. */
		if (c >= 0x7f || (c < 0x20 && c != '\t') || c == '=' || (col == 0 && c == '.'))
			return 0;
		if (++col > 76)
			return 0;
	}
	return !(col && (s[strlen(s) - 1] == ' ' || s[strlen(s) - 1] == '\t'));
}

/* Quoted-printable (RFC 2045 6.7) lines of at most 76 characters; no line starts with '.'. */
static void qp_body(struct mbuf *b, const char *s)
{
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[4];
		size_t n;
		unsigned char c = *p;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && p[1] == '\n')
				p++;
			mb_puts(b, "\r\n");
			col = 0;
			continue;
		}
		int line_end = !p[1] || p[1] == '\r' || p[1] == '\n';

		if ((c >= 0x21 && c <= 0x7e && c != '=' && !(col == 0 && c == '.')) ||
		    ((c == ' ' || c == '\t') && !line_end)) {
			enc[0] = (char)c;
			n = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", c);
			n = 3;
		}
		/* Room for a soft break "=" at column 76. */
		if (col + n > 75) {
			mb_puts(b, "=\r\n");
			col = 0;
			if (n == 1 && c == '.') {
				snprintf(enc, sizeof(enc), "=2E");
				n = 3;
			}
		}
		mb_put(b, enc, n);
		col += n;
	}
}

void mime_text_body(struct mbuf *b, const char *text, const char **charset, const char **cte)
{
	*charset = "us-ascii";
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*charset = "utf-8";
	if (text_is_7bit(text)) {
		*cte = "7bit";
		for (const char *p = text; *p; p++) {
			if (*p == '\r' || *p == '\n') {
				if (*p == '\r' && p[1] == '\n')
					p++;
				mb_puts(b, "\r\n");
			} else {
				mb_put(b, p, 1);
			}
		}
	} else {
		*cte = "quoted-printable";
		qp_body(b, text);
	}
	/* The body ends with a line end, whatever the text did. */
	if (b->len < 2 || memcmp(b->p + b->len - 2, "\r\n", 2))
		mb_puts(b, "\r\n");
}
