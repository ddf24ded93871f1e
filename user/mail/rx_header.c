// SPDX-License-Identifier: GPL-2.0
/*
 * Header blocks of a received message: fields unfolded within hard
 * limits, Content-Type parameters (RFC 2045, RFC 2231), addresses,
 * Message-IDs and RFC 2047 encoded words. Everything reads a bounded
 * value and writes into a fixed buffer: hostile input can be refused,
 * never overflow.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rx_priv.h"

static void set_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 5322 field name characters: printable ASCII but ':'. */
static bool field_name_char(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* Hand the collected field (name NUL value) to fn, value trimmed. */
static void field_flush(char *buf, size_t len, rx_field_fn fn, void *arg)
{
	char *value = buf + strlen(buf) + 1, *end = buf + len;

	while (value < end && is_wsp(*value))
		value++;
	while (end > value && (is_wsp(end[-1]) || end[-1] == '\r'))
		end--;
	*end = '\0';
	fn(arg, buf, value);
}

int rx_header_scan(const char *p, size_t len, size_t *body, rx_field_fn fn, void *arg, char *why,
		   size_t whylen)
{
	char *buf = malloc(RX_MAX_HEADER_FIELD + 2);
	size_t pos = 0, fields = 0, blen = 0;
	bool have = false;
	int rc = -1;

	*body = len;
	if (!buf) {
		set_why(why, whylen, "out of memory");
		return -1;
	}
	while (pos < len) {
		const char *nl = memchr(p + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - p) : len, next = nl ? end + 1 : len, lend = end;

		if (lend > pos && p[lend - 1] == '\r')
			lend--;
		if (memchr(p + pos, '\0', end - pos)) {
			set_why(why, whylen, "a NUL byte in a header");
			goto out;
		}
		if (lend == pos) {
			*body = next;
			break;
		}
		if (is_wsp(p[pos])) {
			if (!have) {
				set_why(why, whylen, "a header begins with a continuation line");
				goto out;
			}
		} else {
			size_t n = 0;

			if (have)
				field_flush(buf, blen, fn, arg);
			have = false;
			while (pos + n < lend && field_name_char((unsigned char)p[pos + n]))
				n++;
			if (!n || pos + n >= lend || (p[pos + n] != ':' && !is_wsp(p[pos + n]))) {
				set_why(why, whylen, "a header line that is not a field");
				goto out;
			}
			{
				/* Obsolete syntax: blanks between the name and the colon. */
				size_t k = pos + n;

				while (k < lend && is_wsp(p[k]))
					k++;
				if (k >= lend || p[k] != ':') {
					set_why(why, whylen, "a header line that is not a field");
					goto out;
				}
				if (++fields > RX_MAX_HEADERS) {
					set_why(why, whylen, "more than %d header fields",
						RX_MAX_HEADERS);
					goto out;
				}
				memcpy(buf, p + pos, n);
				buf[n] = '\0';
				blen = n + 1;
				have = true;
				pos = k + 1;
			}
		}
		if (blen + (lend - pos) > RX_MAX_HEADER_FIELD) {
			set_why(why, whylen, "a header field longer than %d bytes",
				RX_MAX_HEADER_FIELD);
			goto out;
		}
		memcpy(buf + blen, p + pos, lend - pos);
		blen += lend - pos;
		pos = next;
	}
	if (have) {
		buf[blen] = '\0';
		field_flush(buf, blen, fn, arg);
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Past blanks and (nested) comments. */
static const char *skip_cfws(const char *s)
{
	for (;;) {
		while (is_wsp(*s) || *s == '\r' || *s == '\n')
			s++;
		if (*s != '(')
			return s;
		for (int depth = 0; *s; s++) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
}

/* RFC 2045 token characters. */
static bool token_char(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

void rx_header_token(const char *value, char *out, size_t outlen)
{
	const char *s = skip_cfws(value);
	size_t n = 0;
	bool slash = false;

	while (*s && (token_char((unsigned char)*s) || (*s == '/' && !slash))) {
		slash |= *s == '/';
		if (n + 1 < outlen)
			out[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	out[n] = '\0';
	/* "image/" or "/tiff" is no type at all. */
	if (!slash || out[0] == '/' || out[n ? n - 1 : 0] == '/')
		out[0] = '\0';
}

void rx_copy_utf8(char *out, size_t outlen, const char *s)
{
	size_t n = strlen(s);

	if (!outlen)
		return;
	if (n >= outlen) {
		n = outlen - 1;
		/* Back to the start of the character that did not fit. */
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* UTF-8 in b, controls as spaces, into out. */
static void finish_text(struct mbuf *b, char *out, size_t outlen)
{
	if (b->failed || !b->p) {
		out[0] = '\0';
		return;
	}
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
			b->p[i] = ' ';
	rx_copy_utf8(out, outlen, b->p);
}

void rx_clean_ascii(char *out, size_t outlen, const char *s, size_t n)
{
	size_t k = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < n && k + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[k] = '\0';
}

/* --- parameters ------------------------------------------------------------------- */

#define MAX_SEGMENTS 64

struct param_parts {
	char *plain;		 /* attr=value */
	char *ext;		 /* attr*=charset'lang'value */
	char *seg[MAX_SEGMENTS]; /* attr*N= / attr*N*= */
	bool seg_ext[MAX_SEGMENTS];
};

/* A quoted-string or token at *s, unquoted into a new string; *s moves past it. */
static char *param_value(const char **s)
{
	const char *p = *s, *end = p;
	size_t n = 0;
	char *v;

	/* Its extent first: the allocation is the value's size, never the rest of the header's. */
	if (*end == '"') {
		for (end++; *end && *end != '"'; end++)
			if (*end == '\\' && end[1])
				end++;
	} else {
		/* Lenient: anything up to ';' or a blank (unquoted '/' and '=' are common). */
		while (*end && *end != ';' && !is_wsp(*end) && *end != '\r' && *end != '\n')
			end++;
	}
	v = malloc((size_t)(end - p) + 1);
	if (!v)
		return NULL;
	if (*p == '"') {
		for (p++; p < end; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (*p != '\r' && *p != '\n')
				v[n++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		memcpy(v, p, (size_t)(end - p));
		n = (size_t)(end - p);
		p = end;
	}
	v[n] = '\0';
	*s = p;
	return v;
}

static void store(char **slot, char *v)
{
	if (*slot)
		free(v); /* the first occurrence counts */
	else
		*slot = v;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* %XX decoding of an RFC 2231 extended value, appended to b. */
static void percent_decode(struct mbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '%' && hexval((unsigned char)s[1]) >= 0 &&
		    hexval((unsigned char)s[2]) >= 0) {
			char c = (char)(hexval((unsigned char)s[1]) << 4 |
					hexval((unsigned char)s[2]));

			mb_put(b, &c, 1);
			s += 2;
		} else {
			mb_put(b, s, 1);
		}
	}
}

/* charset'lang'value: the charset into cs, a pointer to the value returned. */
static const char *split_charset(const char *v, char *cs, size_t cslen)
{
	const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;

	cs[0] = '\0';
	if (!q2)
		return v;
	if ((size_t)(q1 - v) < cslen) {
		memcpy(cs, v, (size_t)(q1 - v));
		cs[q1 - v] = '\0';
	}
	return q2 + 1;
}

static void join_params(struct param_parts *pp, char *out, size_t outlen)
{
	struct mbuf raw = { 0 }, utf8 = { 0 };
	char cs[48] = "";

	if (pp->seg[0]) {
		for (int i = 0; i < MAX_SEGMENTS && pp->seg[i]; i++) {
			const char *v = pp->seg[i];

			if (i == 0 && pp->seg_ext[0])
				v = split_charset(v, cs, sizeof(cs));
			if (pp->seg_ext[i])
				percent_decode(&raw, v);
			else
				mb_puts(&raw, v);
		}
	} else if (pp->ext) {
		percent_decode(&raw, split_charset(pp->ext, cs, sizeof(cs)));
	}
	if (raw.p) {
		rx_to_utf8(&utf8, cs[0] ? cs : "utf-8", raw.p, raw.len);
		finish_text(&utf8, out, outlen);
	} else {
		rx_header_words(pp->plain ? pp->plain : "", out, outlen);
	}
	free(raw.p);
	free(utf8.p);
}

int rx_header_param(const char *value, const char *attr, char *out, size_t outlen)
{
	struct param_parts pp = { 0 };
	size_t alen = strlen(attr);
	const char *s = value;
	bool found = false;

	out[0] = '\0';
	/* Past the type itself, quoted strings included (there should be none). */
	while (*s && *s != ';') {
		if (*s == '"') {
			free(param_value(&s));
			continue;
		}
		s++;
	}
	while (*s) {
		const char *name;
		size_t nlen;
		char *v;

		s = skip_cfws(s);
		if (*s == ';') {
			s = skip_cfws(s + 1);
			continue;
		}
		name = s;
		while (*s && *s != '=' && *s != ';' && !is_wsp(*s))
			s++;
		nlen = (size_t)(s - name);
		s = skip_cfws(s);
		if (*s != '=')
			continue; /* "; junk" without a value: skip it */
		s = skip_cfws(s + 1);
		v = param_value(&s);
		if (!v)
			break;
		if (nlen < alen || strncasecmp(name, attr, alen)) {
			free(v);
			continue;
		}
		if (nlen == alen) {
			store(&pp.plain, v);
		} else if (name[alen] != '*') {
			free(v);
			continue;
		} else if (nlen == alen + 1) {
			store(&pp.ext, v);
		} else {
			/* attr*N or attr*N*: N without leading zeros (RFC 2231). */
			const char *d = name + alen + 1;
			unsigned idx = 0;
			size_t nd = 0;

			while (d + nd < name + nlen && isdigit((unsigned char)d[nd]) && nd < 3)
				idx = idx * 10 + (unsigned)(d[nd++] - '0');
			if (!nd || idx >= MAX_SEGMENTS || (nd > 1 && d[0] == '0') ||
			    !(d + nd == name + nlen ||
			      (d + nd + 1 == name + nlen && d[nd] == '*'))) {
				free(v);
				continue;
			}
			pp.seg_ext[idx] = d + nd != name + nlen;
			store(&pp.seg[idx], v);
		}
		found = true;
	}
	if (found)
		join_params(&pp, out, outlen);
	free(pp.plain);
	free(pp.ext);
	for (int i = 0; i < MAX_SEGMENTS; i++)
		free(pp.seg[i]);
	return found;
}

/* --- addresses and Message-IDs ------------------------------------------------------ */

void rx_header_addr(const char *value, char *out, size_t outlen)
{
	const char *s = value, *lt = NULL;
	bool quoted = false;
	char tmp[512];
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == '<') {
			lt = s;
			break;
		}
	}
	if (lt) {
		for (s = lt + 1; *s && *s != '>' && n + 1 < sizeof(tmp); s++)
			if (!is_wsp(*s))
				tmp[n++] = *s;
	} else {
		/* a@b (comment), or the first address of a list. */
		for (s = skip_cfws(value); *s && *s != ',' && n + 1 < sizeof(tmp);) {
			if (*s == '(') {
				s = skip_cfws(s);
				continue;
			}
			if (!is_wsp(*s) && *s != '\r' && *s != '\n')
				tmp[n++] = *s;
			s++;
		}
	}
	tmp[n] = '\0';
	if (!strchr(tmp, '@'))
		n = 0;
	rx_clean_ascii(out, outlen, tmp, n);
}

void rx_header_msgid(const char *value, char *out, size_t outlen)
{
	const char *lt = strchr(value, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *s, *e;

	out[0] = '\0';
	if (lt && gt) {
		s = lt + 1;
		e = gt;
	} else {
		/* Some MTAs drop the brackets: a bare id@host token. */
		s = skip_cfws(value);
		for (e = s; *e && !is_wsp(*e) && *e != '(' && *e != '\r' && *e != '\n'; e++)
			;
		if (!memchr(s, '@', (size_t)(e - s)))
			return;
	}
	if (e == s || (size_t)(e - s) + 3 > outlen)
		return;
	for (const char *p = s; p < e; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '<')
			return;
	out[0] = '<';
	memcpy(out + 1, s, (size_t)(e - s));
	out[e - s + 1] = '>';
	out[e - s + 2] = '\0';
}

/* --- RFC 2047 encoded words -------------------------------------------------------- */

/* Longer than RFC 2047's 75 for mailers that ignore it, short enough to bound the work. */
#define MAX_WORD 256

/*
 * The encoded word at s ("=?cs?B?...?="): decoded into b as UTF-8 and its
 * length returned, or 0 when s is not one.
 */
static size_t encoded_word(const char *s, struct mbuf *b)
{
	const char *cs = s + 2, *q1 = strchr(cs, '?'), *text, *end;
	char charset[48], enc;
	unsigned char *raw;
	long n = 0;

	if (!q1 || q1 == cs || (size_t)(q1 - cs) >= sizeof(charset) || !q1[1] || q1[2] != '?')
		return 0;
	enc = (char)toupper((unsigned char)q1[1]);
	text = q1 + 3;
	/* RFC 2047 words are at most 75 characters: the search for the end is bounded too. */
	end = memmem(text, strnlen(text, MAX_WORD), "?=", 2);
	if ((enc != 'B' && enc != 'Q') || !end)
		return 0;
	for (const char *p = cs; p < end; p++)
		if (is_wsp(*p) || *p == '\r' || *p == '\n')
			return 0;
	memcpy(charset, cs, (size_t)(q1 - cs));
	charset[q1 - cs] = '\0';
	if (strchr(charset, '*'))
		*strchr(charset, '*') = '\0'; /* RFC 2231 language suffix */
	raw = malloc((size_t)(end - text) + 1);
	if (!raw)
		return 0;
	if (enc == 'B') {
		n = rx_base64_decode(text, (size_t)(end - text), raw);
	} else {
		for (const char *p = text; p < end; p++) {
			if (*p == '_') {
				raw[n++] = ' ';
			} else if (*p == '=' && p + 2 < end && hexval((unsigned char)p[1]) >= 0 &&
				   hexval((unsigned char)p[2]) >= 0) {
				raw[n++] = (unsigned char)(hexval((unsigned char)p[1]) << 4 |
							   hexval((unsigned char)p[2]));
				p += 2;
			} else {
				raw[n++] = (unsigned char)*p;
			}
		}
	}
	if (n < 0) {
		free(raw);
		return 0;
	}
	rx_to_utf8(b, charset, (const char *)raw, (size_t)n);
	free(raw);
	return (size_t)(end + 2 - s);
}

void rx_header_words(const char *value, char *out, size_t outlen)
{
	struct mbuf b = { 0 };
	const char *s = value, *plain = value;
	bool after_word = false;

	mb_puts(&b, "");
	while (*s) {
		size_t n = 0;

		if (s[0] == '=' && s[1] == '?') {
			struct mbuf w = { 0 };

			n = encoded_word(s, &w);
			if (n) {
				/* Blanks between two encoded words are not text (RFC 2047 6.2). */
				const char *p = plain;

				while (after_word && p < s &&
				       (is_wsp(*p) || *p == '\r' || *p == '\n'))
					p++;
				if (p < s)
					rx_to_utf8(&b, "utf-8", plain, (size_t)(s - plain));
				mb_put(&b, w.p ? w.p : "", w.len);
				free(w.p);
				s += n;
				plain = s;
				after_word = true;
				continue;
			}
			free(w.p);
		}
		if (!is_wsp(*s) && *s != '\r' && *s != '\n')
			after_word = false;
		s++;
	}
	if (s > plain)
		rx_to_utf8(&b, "utf-8", plain, (size_t)(s - plain));
	finish_text(&b, out, outlen);
	free(b.p);
}
