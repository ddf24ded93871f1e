/*
 * Inside reception (rx_*.c): the parsed MIME tree, the decoders and the
 * context one rx_message_process() call works in.
 */
#ifndef IRSEND_MAIL_RX_PRIV_H
#define IRSEND_MAIL_RX_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "errcodes.h"
#include "mime_priv.h"
#include "rx_message.h"

enum rx_cte {
	RX_CTE_IDENTITY, /* 7bit, 8bit, binary, or none */
	RX_CTE_QP,
	RX_CTE_BASE64,
	RX_CTE_UUENCODE, /* x-uuencode, x-uue: some mailers say so */
	RX_CTE_UNKNOWN,
};

/* One MIME entity; the tree is in document order, children after their parent. */
struct rx_part {
	int parent;			    /* index, -1 for the message itself */
	int first_child, next_sibling;	    /* -1: none */
	unsigned depth;			    /* 0 for the message */
	char type[96];			    /* "type/subtype", lowercase ASCII */
	char charset[48];		    /* lowercase; "" when not given */
	char boundary[RX_MAX_BOUNDARY + 1]; /* multipart only */
	char report_type[48];		    /* multipart/report only, lowercase */
	char filename[256];		    /* UTF-8 (RFC 2231/2047 decoded), "" when none */
	enum rx_cte cte;
	const char *hdr, *body; /* header block and (still encoded) body, inside the message */
	size_t hdr_len, body_len;
};

/* A decoded TIFF, validated when it was met, waiting to be appended. */
struct rx_tiff_blob {
	const unsigned char *data;
	size_t len;
	unsigned pages; /* validated pages to take from it (0: refused) */
};

struct rx_ctx {
	struct rx_limits lim; /* defaults filled in */
	struct rx_result *res;
	const char *out_dir;
	struct rx_part *parts;
	size_t nparts;
	void **owned; /* decoded bodies, freed at the end */
	size_t nowned;
	struct rx_tiff_blob *tiffs;
	size_t ntiffs;
	unsigned pages;	   /* validated so far, at most lim.max_pages */
	uint64_t budget;   /* bitmap bytes validation may still decode */
	bool pages_full;   /* #829 reached: later TIFFs are not looked at */
	bool saw_tiff;	   /* a TIFF was met (kind RX_IFAX), whatever became of it */
	FILE *text;	   /* text.txt once the first text part came */
	bool text_cut;	   /* max_text_lines reached: nothing more is written */
	bool text_midline; /* the last character written was not a line end */
	int io_errno;	   /* an output could not be written: -1 from the entry point */
};

/* Record a reception error (the first one wins) and its detail. */
void rx_error(struct rx_ctx *c, unsigned code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Keep p until the end of the call (freed with the context); p NULL: out of memory. */
void *rx_own(struct rx_ctx *c, void *p);

/* --- rx_header.c: header blocks ------------------------------------------------- */

/* One field: name and unfolded, trimmed value, both NUL-terminated. */
typedef void (*rx_field_fn)(void *arg, const char *name, const char *value);

/*
 * Scan the header block at p (len bytes; CRLF or LF lines) up to its blank
 * line: *body gets the offset of what follows it (len when none). 0, or -1
 * with why set: a NUL, a line that is no field, a field over
 * RX_MAX_HEADER_FIELD, more than RX_MAX_HEADERS fields, out of memory.
 */
int rx_header_scan(const char *p, size_t len, size_t *body, rx_field_fn fn, void *arg, char *why,
		   size_t whylen);

/* "type/subtype" of a Content-Type value in lowercase (the value before ';'); "" when none. */
void rx_header_token(const char *value, char *out, size_t outlen);

/*
 * Parameter attr of a structured value ("x/y; a=b; c*=utf-8''%E2%82%AC"):
 * quoted strings, RFC 2231 continuations and charsets, RFC 2047 words in a
 * quoted value; UTF-8 into out (cut on a character boundary). 1 found, 0 not.
 */
int rx_header_param(const char *value, const char *attr, char *out, size_t outlen);

/* The addr-spec in "Name <a@b>", "a@b (comment)" or "<a@b>" into out; "" when none. */
void rx_header_addr(const char *value, char *out, size_t outlen);

/* "<id@host>" of a Message-ID-like value (first <...> without spaces), or "". */
void rx_header_msgid(const char *value, char *out, size_t outlen);

/* RFC 2047 encoded words decoded; UTF-8, controls as spaces, cut on a character boundary. */
void rx_header_words(const char *value, char *out, size_t outlen);

/* Printable ASCII copy of n bytes of s (others as '?'), cut to outlen - 1. */
void rx_clean_ascii(char *out, size_t outlen, const char *s, size_t n);

/* Copy UTF-8 s into out, cut on a character boundary. */
void rx_copy_utf8(char *out, size_t outlen, const char *s);

/* --- rx_charset.c ------------------------------------------------------------------ */

/* len bytes in charset appended to out as UTF-8 (U+FFFD for what does not convert). */
void rx_to_utf8(struct mbuf *out, const char *charset, const char *in, size_t len);

/* --- rx_decode.c: transfer encodings ------------------------------------------------ */

/* out has room for len bytes (these decodings shrink). Returns bytes, or -1: bad input. */
long rx_base64_decode(const char *in, size_t len, unsigned char *out);
size_t rx_qp_decode(const char *in, size_t len, unsigned char *out);

/*
 * If the line at in (up to len) is "begin <octal mode> <name>", decode the
 * uuencoded file that follows into out (outcap bytes): its size, *used the
 * bytes of in consumed through the "end" line, name its name. 0: not a
 * begin line; -1: broken uuencode, or more than outcap bytes (*used: where
 * it went wrong). Blanks lost at line ends read as zero bits, so a file can
 * decode larger than it is encoded: RX_UU_ROOM(len) is the room to give.
 */
#define RX_UU_ROOM(len) (2 * (size_t)(len) + 1024)
long rx_uu_decode(const char *in, size_t len, size_t *used, unsigned char *out, size_t outcap,
		  char *name, size_t namelen);

/* Decode a part's body by its transfer encoding (owned by c). 0, or -1 (error recorded). */
int rx_part_decode(struct rx_ctx *c, const struct rx_part *part, unsigned number,
		   const unsigned char **data, size_t *len);

/* --- rx_mime.c: the MIME tree -------------------------------------------------------- */

/* Parse the message into c->parts; structure errors are recorded as #819. 0, or -1: no memory. */
int rx_mime_parse(struct rx_ctx *c, const char *msg, size_t len);

/* --- rx_walk.c / rx_text.c / rx_report.c --------------------------------------------- */

/* Decide what each part becomes: text to text.txt, TIFFs to c->tiffs, errors. */
void rx_walk(struct rx_ctx *c);

/* Append a text part (decoded body) to text.txt; uuencoded files inside go to rx_walk_file. */
void rx_text_add(struct rx_ctx *c, const struct rx_part *p, unsigned number,
		 const unsigned char *data, size_t len);

/* A file of unknown type (octet-stream, uuencoded): by its content and name. */
void rx_walk_file(struct rx_ctx *c, unsigned number, const char *name, const unsigned char *data,
		  size_t len);

/* A multipart/report at index i: fills kind, about_message_id, failed, status... */
void rx_report_read(struct rx_ctx *c, size_t i);

/* --- rx_tiff.c ----------------------------------------------------------------------- */

struct rx_tiff_check {
	unsigned pages;	  /* pages validated (at most max_pages) */
	bool more;	  /* the file has more pages than max_pages */
	unsigned errcode; /* 0, 818, 821, 822, 829 */
	char detail[160];
};

/*
 * Validate a TIFF in memory: every page (up to max_pages, plus one to
 * know there is more) a bilevel fax image within RX_MAX_WIDTH x
 * RX_MAX_HEIGHT whose every strip or tile decodes; *budget (bitmap bytes
 * still allowed) is spent. Never allocates more than a few MB.
 */
void rx_tiff_validate(const void *data, size_t len, unsigned max_pages, uint64_t *budget,
		      struct rx_tiff_check *out);

struct rx_tiff_out;
struct rx_tiff_out *rx_tiff_out_open(const char *path);
/* Append the first npages pages of a validated TIFF, numbered from *page of total. 0 or -1. */
int rx_tiff_append(struct rx_tiff_out *o, const void *data, size_t len, unsigned npages,
		   unsigned *page, unsigned total);
/* 0, or -1 when the file could not be completed. */
int rx_tiff_out_close(struct rx_tiff_out *o);

/* --- rx_notify.c: what rx_mdn.c and rx_dsn.c share ------------------------------------ */

/* Date, From, To, Message-ID (on from's domain), Auto-Submitted, MIME-Version, multipart/report. */
void rx_notify_head(struct mbuf *b, const char *from, const char *to, const char *subject_utf8,
		    const char *report_type, const char *boundary);
/* A fresh boundary for a report. */
void rx_notify_boundary(char *out, size_t outlen);
/* A header-safe copy of free text: printable ASCII, at most outlen - 1 (< 998) characters. */
void rx_notify_line(char *out, size_t outlen, const char *s);
/* b written to path (created 0600, replaced). 0, or -1 with errno. */
int rx_notify_write(const struct mbuf *b, const char *path);

#endif
