// SPDX-License-Identifier: GPL-2.0
/* Base64: the encoder MIME attachments stream through, and a strict decoder. */
#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	char *o = out;

	for (; len >= 3; len -= 3, p += 3) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = alphabet[v & 63];
	}
	if (len) {
		uint32_t v = (uint32_t)p[0] << 16 | (len > 1 ? (uint32_t)p[1] << 8 : 0);

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = len > 1 ? alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	return (size_t)(o - out);
}

static int value_of(char c)
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

int b64_decode(const char *in, size_t len, void *out, size_t *outlen)
{
	unsigned char *o = out;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int v[4];
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			v[k] = value_of(in[i + k]);
			if (v[k] < 0) {
				/* '=' only as the last one or two characters of the data. */
				if (in[i + k] != '=' || !last || k < 2)
					return -1;
				pad++;
				v[k] = 0;
			} else if (pad) {
				return -1;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		/* Bits the padding drops must be zero, or two encodings would mean one thing. */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return -1;
		*o++ = (unsigned char)(w >> 16);
		if (pad < 2)
			*o++ = (unsigned char)(w >> 8);
		if (pad < 1)
			*o++ = (unsigned char)w;
	}
	*outlen = (size_t)(o - (unsigned char *)out);
	return 0;
}

uint64_t b64_mime_size(uint64_t n)
{
	uint64_t full = n / B64_LINE_RAW, rest = n % B64_LINE_RAW;

	return full * (B64_LINE_CHARS + 2) + (rest ? (rest + 2) / 3 * 4 + 2 : 0);
}

size_t b64_encode_lines(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	char *o = out;

	while (len) {
		size_t n = len < B64_LINE_RAW ? len : B64_LINE_RAW;

		o += b64_encode(p, n, o);
		*o++ = '\r';
		*o++ = '\n';
		p += n;
		len -= n;
	}
	return (size_t)(o - out);
}
