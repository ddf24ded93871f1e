/*
 * Base64 (RFC 4648, standard alphabet, '=' padding) for MIME bodies and
 * for SASL exchanges. Decoding is strict: a challenge from a server with a
 * stray character, bad padding or trailing bits is refused rather than
 * guessed at, so a hostile server cannot make us answer something else
 * than what it sent.
 */
#ifndef IRSEND_MAIL_BASE64_H
#define IRSEND_MAIL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters b64_encode() writes for len bytes (no NUL). */
#define B64_ENCODED_LEN(len) ((((len) + 2) / 3) * 4)

/* Raw bytes per MIME line and the characters they become (RFC 2045: at most 76). */
#define B64_LINE_RAW 57
#define B64_LINE_CHARS 76

/* Encode len bytes into out (B64_ENCODED_LEN(len) bytes, not NUL-terminated); returns that. */
size_t b64_encode(const void *in, size_t len, char *out);

/*
 * Decode exactly len characters of in into out (at least len / 4 * 3
 * bytes). 0 with *outlen set, or -1 for anything that is not canonical
 * base64 (wrong length, characters outside the alphabet, misplaced '=',
 * non-zero trailing bits).
 */
int b64_decode(const char *in, size_t len, void *out, size_t *outlen);

/*
 * Bytes of the MIME base64 body of an n-byte file: lines of 76 characters,
 * each followed by CRLF, the last one shorter.
 */
uint64_t b64_mime_size(uint64_t n);

/*
 * Encode whole MIME lines: len bytes (a multiple of B64_LINE_RAW except for
 * the very end of the data) into out as lines ending in CRLF; returns the
 * bytes written, b64_mime_size(len).
 */
size_t b64_encode_lines(const void *in, size_t len, char *out);

#endif
