/*
 * Reception of one I-Fax or e-mail message (POP3 or our SMTP server): what
 * it carries, written into a directory, and the reception error of section
 * 4.3.3 when it carries something we cannot output.
 *
 *	struct rx_limits lim = { .max_pages = 1000, .max_text_lines = 500 };
 *	struct rx_result res;
 *
 *	if (rx_message_process("/spool/rx/17.eml", "/spool/rx/17.d", &lim, &res))
 *		... I/O failure: errno ...
 *	switch (res.kind) {
 *	case RX_IFAX: case RX_TEXT:   document.tif (res.pages) and/or text.txt (res.text_lines)
 *		if (res.errcode) ... #8xx with res.detail, the rest as salvaged ...
 *		if (res.full_mode) rx_mdn_build(&res, our_address, !res.errcode, res.detail, path);
 *	case RX_DSN: case RX_MDN:     res.about_message_id: one of our Message-IDs;
 *		if (res.failed) ... that job gets #830 (DSN) or #834 (MDN) ...
 *	}
 *
 * What each MIME part becomes (in document order; the first error is the
 * one reported, and processing goes on to salvage the rest):
 *
 *   text/plain, and text/<other> (RFC 2046: unknown text is plain text)
 *       -> text.txt, in UTF-8 (iconv from the part's charset; bytes that
 *          do not convert become U+FFFD), control characters other than
 *          TAB and FF dropped. uuencoded files inside ("begin 644 name" ..
 *          "end") are taken out of the text and handled as attachments.
 *   image/tiff, application/tiff, image/x-tiff, and application/octet-stream
 *   or uuencoded files that are TIFF by content
 *       -> pages appended to document.tif (compressed strips copied, never
 *          re-encoded), once every strip of every page has decoded.
 *   text/html with no text/plain alternative            -> #828
 *   application/pdf, image/<other>, PostScript, a PDF or JPEG/PNG/GIF by
 *   content                                             -> #818
 *   audio, video, other application types (octet-stream of unknown kind),
 *   model, font, unknown top-level types                -> #827
 *   ignored, no error: vCards (text/vcard, text/x-vcard, text/directory),
 *   signatures (application/pgp-signature, application/pkcs7-signature and
 *   x-pkcs7-signature), application/pgp-keys, empty attachments other than
 *   TIFF, message/delivery-status and message/disposition-notification
 *   outside a report, text/rfc822-headers.
 *   multipart/alternative: text/plain preferred, then the last alternative
 *   that is not HTML. multipart/signed: the signed part. message/rfc822:
 *   its parts, as if attached (its own headers aside).
 *   multipart/report (delivery-status, disposition-notification): the
 *   report is read; its human-readable text goes to text.txt; what it
 *   returns of our message (a TIFF included) is never output.
 *
 * Errors of the structure itself: a missing or never closed boundary, a
 * part whose header is not one, nesting deeper than RX_MAX_DEPTH, more than
 * RX_MAX_PARTS parts, a header field over RX_MAX_HEADER_FIELD bytes, more
 * than RX_MAX_HEADERS fields, a boundary over 70 characters, a NUL in a
 * header, an unknown Content-Transfer-Encoding, a message over
 * max_message_bytes: #819. Bad base64 or uuencode: #820. A TIFF libtiff
 * cannot open, empty, or absurd (width > 10000, height > 100000, bits it
 * cannot be a fax page with): #821; one whose strips do not decode: #822;
 * a TIFF that is not bilevel MH/MR/MMR/PackBits/uncompressed: #818.
 *
 * Reentrant: no global state (libtiff's error handlers are per file), so
 * messages may be received on several threads at once.
 */
#ifndef IRSEND_MAIL_RX_MESSAGE_H
#define IRSEND_MAIL_RX_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits of the MIME parser (past them: #819). */
#define RX_MAX_DEPTH 16				 /* nested multiparts and message/rfc822 */
#define RX_MAX_PARTS 1000			 /* MIME entities in one message */
#define RX_MAX_HEADER_FIELD 16384		 /* one header field, unfolded */
#define RX_MAX_HEADERS 1000			 /* fields in one header block */
#define RX_MAX_BOUNDARY 70			 /* RFC 2046 */
#define RX_MAX_WIDTH 10000			 /* pixels of a TIFF page (#821 beyond) */
#define RX_MAX_HEIGHT 100000			 /* rows of a TIFF page (#821 beyond) */
#define RX_DEFAULT_MAX_PAGES 1000		 /* max_pages 0 */
#define RX_DEFAULT_MAX_MESSAGE_BYTES (64u << 20) /* max_message_bytes 0 */
#define RX_DEFAULT_MAX_IMAGE_BYTES (8ull << 30)	 /* max_image_bytes 0 */

struct rx_limits {
	unsigned max_pages;	  /* 1000: more is #829 (the first max_pages are kept); 0: 1000 */
	unsigned max_text_lines;  /* IFAX-LIM: 0 = no limit; more is #835 (text cut there) */
	bool raw_data;		  /* service mode RAW-DATA: keep the raw message too (raw.eml) */
	size_t max_message_bytes; /* larger is #819 unread; 0: RX_DEFAULT_MAX_MESSAGE_BYTES */
	/*
	 * Decoded bitmap bytes (width / 8 * height, summed over every page)
	 * the validation may spend: a few KB of G4 can claim a gigapixel. More
	 * is #829. 0: RX_DEFAULT_MAX_IMAGE_BYTES.
	 */
	uint64_t max_image_bytes;
};

enum rx_kind {
	RX_IFAX, /* TIFF image(s) (even ones that failed: errcode says so) */
	RX_TEXT, /* a mail without a TIFF */
	RX_DSN,	 /* RFC 3464 about one of our messages */
	RX_MDN,	 /* RFC 8098 about one of ours */
};

struct rx_result {
	enum rx_kind kind;
	unsigned errcode;     /* 0, or 818/819/820/821/822/827/828/829/835 (errcodes.h names) */
	char detail[256];     /* one line for the operator; never message text */
	bool full_mode;	      /* Disposition-Notification-To with a usable address: send an MDN */
	char from[320];	      /* addr-spec of From (printable ASCII) */
	char subject[256];    /* decoded (RFC 2047) to UTF-8, controls replaced */
	char message_id[256]; /* "<...>", or "" */
	char mdn_to[320];     /* the Disposition-Notification-To addr-spec */
	unsigned pages;	      /* of the TIFF document written to out_dir/document.tif */
	unsigned text_lines;  /* of out_dir/text.txt (text body parts, decoded to UTF-8) */
	/* RX_DSN / RX_MDN: which of our messages they are about, and whether it failed */
	char about_message_id[256];
	bool failed; /* DSN Action: failed (#830) / MDN not displayed/processed, or error (#834) */
	char status[64];      /* DSN Status ("5.1.1") / MDN disposition ("automatic-action/...;
				 processed") */
	unsigned report_code; /* 830 or 834 when failed, else 0 */
	char recipient[320];  /* DSN: the (first failed) recipient; MDN: its Final-Recipient */
	unsigned recipients;  /* DSN: per-recipient groups read */
	char diagnostic[256]; /* DSN Diagnostic-Code / MDN Error, printable ASCII, cut */
	bool has_document;    /* document.tif was written */
	bool has_text;	      /* text.txt was written */
};

/*
 * Read the RFC 5322 message at msg_path, write what it carries into out_dir
 * (an existing empty directory): document.tif (all TIFF pages as one
 * multi-page TIFF, validated by decoding every page with libtiff),
 * text.txt, raw.eml when raw_data. 0 with res filled (res->errcode may be
 * set: a reception error, with what could be salvaged), -1 only for an I/O
 * failure (errno).
 */
int rx_message_process(const char *msg_path, const char *out_dir, const struct rx_limits *lim,
		       struct rx_result *res);

/* The same for a message already in memory (tests, fuzzing). */
int rx_message_process_mem(const void *msg, size_t len, const char *out_dir,
			   const struct rx_limits *lim, struct rx_result *res);

/*
 * An MDN (RFC 8098; RFC 3298 for I-Fax full mode) answering res: a complete
 * message to send (to res->mdn_to, with an empty reverse path), written to
 * path. processed: true ("processed"), false with failure detail
 * ("processed/error", detail in the Error field). 0, or -1 with errno
 * (EINVAL: res has no usable mdn_to, our_address is not one).
 */
int rx_mdn_build(const struct rx_result *res, const char *our_address, bool processed,
		 const char *detail, const char *path);

/*
 * A DSN (RFC 3464) for a message our SMTP server accepted but could not
 * process, where the sender asked for one (NOTIFY=FAILURE): Action failed
 * for rcpt, the reason from errcode, the original's header returned
 * (RET=HDRS). To send with an empty reverse path to envelope_from. 0, or
 * -1 with errno (EINVAL: envelope_from empty, i.e. never a DSN for a DSN,
 * or not an address).
 */
int rx_dsn_build(const char *original_path, const char *envelope_from, const char *rcpt,
		 const char *our_host, unsigned errcode, const char *path);

/* "ifax", "text", "dsn", "mdn". */
const char *rx_kind_name(enum rx_kind kind);

#endif
