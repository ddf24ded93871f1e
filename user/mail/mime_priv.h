/*
 * Inside the MIME writer: a growing text buffer and the header and text
 * encoders (mime_text.c) that mime.c assembles a message from.
 */
#ifndef IRSEND_MAIL_MIME_PRIV_H
#define IRSEND_MAIL_MIME_PRIV_H

#include <stddef.h>
#include <time.h>

/* Growing buffer; an allocation failure is remembered and reported once, at the end. */
struct mbuf {
	char *p;
	size_t len, cap;
	int failed;
};

void mb_put(struct mbuf *b, const void *s, size_t n);
void mb_puts(struct mbuf *b, const char *s);

/* Lines of a header are folded before they pass this many characters (RFC 5322's SHOULD). */
#define MIME_FOLD_AT 78

/* One header being written, with the column its current line has reached. */
struct hdr {
	struct mbuf *b;
	size_t col;
};

/* "Name:" */
void hdr_begin(struct hdr *h, struct mbuf *b, const char *name);
/* " word", or CRLF SP word when the line would grow past MIME_FOLD_AT. */
void hdr_word(struct hdr *h, const char *w, size_t n);
void hdr_end(struct hdr *h);
/* Unstructured UTF-8 text (Subject): words as they are, or RFC 2047 encoded-words. */
void hdr_text(struct hdr *h, const char *utf8);
/* A display name: a quoted-string, or encoded-words. */
void hdr_phrase(struct hdr *h, const char *utf8);
/* ` filename="x"` or RFC 2231 `filename*0*=utf-8''...` pieces, as parameter attr. */
void hdr_param(struct hdr *h, const char *attr, const char *utf8);

/* 1 when s is well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s);
/* 1 when s is printable US-ASCII (space included) and has no byte that would break a header. */
int mime_ascii_printable(const char *s);

/* RFC 5322 date of t in local time: "Thu, 02 Jan 2025 13:04:05 +0100". */
void mime_date(char *buf, size_t len, time_t t);

/*
 * The text part's body: CRLF line ends whatever the input used, 7bit when
 * the text allows it, quoted-printable otherwise; *charset and *cte get
 * the header values.
 */
void mime_text_body(struct mbuf *b, const char *text, const char **charset, const char **cte);

#endif
