// SPDX-License-Identifier: GPL-2.0
/*
 * Content-Transfer-Encodings of received parts: base64, quoted-printable
 * and uuencode. base64 takes line breaks and blanks anywhere (RFC 2045)
 * but nothing else: a character outside the alphabet, data after the
 * padding or a lone sixth of a byte is #820, never a guess. base64 and
 * quoted-printable write at most as many bytes as they read; uuencode at
 * most the room it is given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rx_priv.h"

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long rx_base64_decode(const char *in, size_t len, unsigned char *out)
{
	uint32_t acc = 0;
	unsigned q = 0, pad = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || pad)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (++q == 4) {
			out[n++] = (unsigned char)(acc >> 16);
			out[n++] = (unsigned char)(acc >> 8);
			out[n++] = (unsigned char)acc;
			q = 0;
			acc = 0;
		}
	}
	/* Padding may be missing, but must not be wrong. */
	if (q == 1 || (q == 0 && pad) || (q == 2 && pad && pad != 2) || (q == 3 && pad > 1))
		return -1;
	if (q == 2) {
		out[n++] = (unsigned char)(acc >> 4);
	} else if (q == 3) {
		out[n++] = (unsigned char)(acc >> 10);
		out[n++] = (unsigned char)(acc >> 2);
	}
	return (long)n;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t rx_qp_decode(const char *in, size_t len, unsigned char *out)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - in) : len, lend = end;
		bool crlf = lend > pos && in[lend - 1] == '\r', soft = false;

		if (crlf)
			lend--;
		/* Trailing blanks were added in transport (RFC 2045 6.7 (3)). */
		while (lend > pos && (in[lend - 1] == ' ' || in[lend - 1] == '\t'))
			lend--;
		for (size_t i = pos; i < lend; i++) {
			int hi, lo;

			if (in[i] != '=') {
				out[n++] = (unsigned char)in[i];
				continue;
			}
			if (i + 1 == lend) {
				soft = true;
				break;
			}
			hi = i + 2 < lend ? hexval((unsigned char)in[i + 1]) : -1;
			lo = hi >= 0 ? hexval((unsigned char)in[i + 2]) : -1;
			if (lo < 0) {
				out[n++] = '='; /* not an escape: kept as it is (6.7, note 1) */
				continue;
			}
			out[n++] = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (nl && !soft) {
			if (crlf)
				out[n++] = '\r';
			out[n++] = '\n';
		}
		pos = nl ? end + 1 : len;
	}
	return n;
}

/* The line at in[pos..]: its end without CR/LF in *lend, the next line's start returned. */
static size_t next_line(const char *in, size_t len, size_t pos, size_t *lend)
{
	const char *nl = memchr(in + pos, '\n', len - pos);
	size_t end = nl ? (size_t)(nl - in) : len;

	*lend = end;
	while (*lend > pos &&
	       (in[*lend - 1] == '\r' || in[*lend - 1] == ' ' || in[*lend - 1] == '\t'))
		(*lend)--;
	return nl ? end + 1 : len;
}

/* "begin 644 name": the name into name; false when the line is not one. */
static bool begin_line(const char *l, size_t n, char *name, size_t namelen)
{
	size_t i = 6, digits = 0;

	if (n < 6 || memcmp(l, "begin ", 6))
		return false;
	while (i < n && l[i] >= '0' && l[i] <= '7' && digits < 5) {
		i++;
		digits++;
	}
	if (digits < 3 || digits > 4 || i >= n || l[i] != ' ' || i + 1 >= n)
		return false;
	rx_clean_ascii(name, namelen, l + i + 1, n - i - 1);
	return true;
}

long rx_uu_decode(const char *in, size_t len, size_t *used, unsigned char *out, size_t outcap,
		  char *name, size_t namelen)
{
	size_t lend, pos = next_line(in, len, 0, &lend), n = 0;

	*used = 0;
	if (!begin_line(in, lend, name, namelen))
		return 0;
	while (pos < len) {
		size_t start = pos, count, need, have;
		const char *l = in + pos;

		pos = next_line(in, len, pos, &lend);
		have = lend - start;
		if (have == 3 && !memcmp(l, "end", 3)) {
			*used = pos;
			return (long)n;
		}
		if (!have)
			continue; /* a line of " " that lost its blank in transport */
		count = ((unsigned char)l[0] - 32u) & 63u;
		if ((unsigned char)l[0] < 32 || (unsigned char)l[0] > 96 || count > 45)
			goto bad;
		/*
		 * Trailing blanks (zero bits, for uuencode) are lost in transport: missing
		 * characters read as blanks. More than a checksum character beyond the
		 * line's length is not uuencode.
		 */
		need = (count + 2) / 3 * 4;
		if (have - 1 > need + 2 || count > outcap - n)
			goto bad;
		for (size_t k = 0; k < count; k += 3) {
			unsigned v[4];

			for (int j = 0; j < 4; j++) {
				size_t at = 1 + (k / 3) * 4 + (size_t)j;
				unsigned char c = at < have ? (unsigned char)l[at] : ' ';

				if (c < 32 || c > 96)
					goto bad;
				v[j] = (c - 32u) & 63u;
			}
			out[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
			if (k + 1 < count)
				out[n++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
			if (k + 2 < count)
				out[n++] = (unsigned char)(v[2] << 6 | v[3]);
		}
		continue;
	bad:
		*used = start;
		return -1;
	}
	*used = len;
	return -1; /* no "end" */
}

static const char *cte_name(enum rx_cte cte)
{
	switch (cte) {
	case RX_CTE_QP:
		return "quoted-printable";
	case RX_CTE_BASE64:
		return "base64";
	case RX_CTE_UUENCODE:
		return "uuencode";
	default:
		return "identity";
	}
}

int rx_part_decode(struct rx_ctx *c, const struct rx_part *p, unsigned number,
		   const unsigned char **data, size_t *len)
{
	unsigned char *buf;
	long n = 0;

	*data = (const unsigned char *)p->body;
	*len = p->body_len;
	if (p->cte == RX_CTE_IDENTITY)
		return 0;
	if (p->cte == RX_CTE_UNKNOWN) {
		rx_error(c, IRS_E_RX_MIME, "part %u (%s): unknown Content-Transfer-Encoding",
			 number, p->type);
		return -1;
	}
	buf = rx_own(c,
		     malloc(p->cte == RX_CTE_UUENCODE ? RX_UU_ROOM(p->body_len) : p->body_len + 1));
	if (!buf)
		return -1;
	if (p->cte == RX_CTE_QP) {
		n = (long)rx_qp_decode(p->body, p->body_len, buf);
	} else if (p->cte == RX_CTE_BASE64) {
		n = rx_base64_decode(p->body, p->body_len, buf);
	} else {
		/* The begin line, after any blank lines. */
		size_t skip = 0, used;
		char name[64];

		while (skip < p->body_len && (p->body[skip] == '\r' || p->body[skip] == '\n'))
			skip++;
		n = rx_uu_decode(p->body + skip, p->body_len - skip, &used, buf,
				 RX_UU_ROOM(p->body_len), name, sizeof(name));
		if (!n && !used)
			n = -1; /* no begin line at all */
	}
	if (n < 0) {
		rx_error(c, IRS_E_RX_ENCODING, "part %u (%s): broken %s data", number, p->type,
			 cte_name(p->cte));
		return -1;
	}
	*data = buf;
	*len = (size_t)n;
	return 0;
}
