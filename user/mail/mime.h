/*
 * The MIME message of an e-mail or I-Fax send, written as a stream.
 *
 * A message is described once (headers, text, attachments given as files)
 * and then pulled by the SMTP client with mime_read(), CRLF line after
 * CRLF line, in pieces of whatever size it likes. Attachments are read
 * from their files and base64-encoded a chunk at a time, so memory stays
 * flat whatever their size, and the exact byte count is known before the
 * first byte is read (mime_size(): the SMTP SIZE= parameter and the #705
 * limit check). Date, Message-ID and the boundary are fixed when the
 * message is created, so a rewound message (a retry on a new connection)
 * is byte for byte the one counted.
 *
 * What comes out is 7-bit: headers in US-ASCII with RFC 2047 encoded-words
 * for anything else, the text part in quoted-printable when it needs it,
 * attachments in base64; every line ends in CRLF and is at most 78
 * characters (998 is the limit of RFC 5322). No line starts with '.', so
 * SMTP dot-stuffing changes nothing (the client may still stuff to be
 * safe).
 *
 * Usage:
 *
 *	const char *to[] = { "a@example.com", "b@example.com" };
 *	struct mime_headers h = { .from = "scanner@example.com", .to = to, .nto = 2,
 *				  .subject = "Scanned document", .body = text,
 *				  .kind = MIME_IFAX_FULL };
 *	struct mime_msg *m = mime_new(&h, err, sizeof(err));
 *	mime_attach_file(m, "/spool/7/doc.tif", "doc.tif", "image/tiff; application=faxbw",
 *			 err, sizeof(err));
 *	if (limit && mime_size(m) > limit) ... #705 (or divided pages, mime_split.h)
 *	while ((n = mime_read(m, buf, sizeof(buf))) > 0) ... send n bytes ...
 *	if (n < 0) ... mime_error(m) says why (a file gone or changed) ...
 *	mime_free(m);
 */
#ifndef IRSEND_MAIL_MIME_H
#define IRSEND_MAIL_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum mime_kind {
	MIME_EMAIL,	  /* plain e-mail with attachments */
	MIME_IFAX_SIMPLE, /* RFC 3965: no delivery or processing confirmation asked */
	MIME_IFAX_FULL,	  /* RFC 2532/4142: asks for an MDN (RFC 8098) */
};

/* Longest e-mail address taken (RFC 5321's path limit less the brackets). */
#define MIME_ADDR_MAX 254

struct mime_headers {
	const char *from;      /* addr-spec of the device; required */
	const char *from_name; /* display name (UTF-8); NULL or "": none */
	const char *const *to; /* every recipient in To: (seed 1.2.1); at least one of to/cc */
	size_t nto;
	const char *const *cc;
	size_t ncc;
	const char *const *bcc; /* envelope only, never in the headers */
	size_t nbcc;
	const char *reply_to;	  /* NULL: none */
	const char *subject;	  /* UTF-8; NULL: no Subject header */
	const char *body;	  /* UTF-8 text before the attachments; NULL or "": no text part */
	time_t date;		  /* 0: now */
	const char *msgid_domain; /* right side of Message-ID; NULL: the domain of from */
	/*
	 * [A-Za-z0-9-], up to 32: the Message-ID's local part ends in ".TAG",
	 * so that a DSN or MDN naming it leads back to what sent it; NULL: none.
	 */
	const char *msgid_tag;
	enum mime_kind kind;
	const char *mdn_to; /* I-Fax full mode: where MDNs go; NULL: from */
	/*
	 * Divided-page sending (IFAX-PGD): this message is part `part` of
	 * `parts` (1-based); the subject gets " (part/parts)". 0: undivided.
	 */
	unsigned int part, parts;
};

struct mime_msg;

/*
 * 1 when a is an addr-spec we are willing to put in a header and an
 * envelope: printable ASCII, no quoting, comments or routes, and a domain
 * that is a name or an address literal ([198.18.0.7], [IPv6:2001:db8::7]).
 */
int mime_addr_valid(const char *a);

/*
 * A message with these headers and no attachment yet; NULL with a reason
 * in err (an address that is not one, text that is not UTF-8, no
 * recipient). Every string is copied.
 */
struct mime_msg *mime_new(const struct mime_headers *h, char *err, size_t errlen);

/*
 * Attach the file at path as filename (the name the recipient sees: no
 * '/', UTF-8) of MIME type type (e.g. encode_format_mime()'s). The file's
 * size is taken now; it is opened only while it is being read, so a split
 * PDF of many pages holds no descriptors. 0, or -1 with a reason in err.
 */
int mime_attach_file(struct mime_msg *m, const char *path, const char *filename, const char *type,
		     char *err, size_t errlen);

/* The same for an open regular file (read with pread(): its offset is left alone). fd is dup'ed. */
int mime_attach_fd(struct mime_msg *m, int fd, const char *filename, const char *type, char *err,
		   size_t errlen);

/* Exact bytes mime_read() produces from the start; UINT64_MAX when out of memory. */
uint64_t mime_size(struct mime_msg *m);

/*
 * The next bytes of the message into buf: the count (len, except at the
 * end), 0 at the end, or -1 with errno set and mime_error() saying why
 * (an attachment that cannot be read, or whose size changed since it was
 * attached: the count given out would be a lie).
 */
ssize_t mime_read(struct mime_msg *m, void *buf, size_t len);

/* Back to the first byte (the same bytes again). 0 or -1. */
int mime_rewind(struct mime_msg *m);

/* Why the last mime_read() failed; "" when it did not. */
const char *mime_error(const struct mime_msg *m);

/* What the message asks of the SMTP envelope; owned by the message. */
enum {
	MIME_NOTIFY_SUCCESS = 1u << 0,
	MIME_NOTIFY_FAILURE = 1u << 1,
	MIME_NOTIFY_DELAY = 1u << 2,
};

struct mime_envelope {
	const char *mail_from;	 /* reverse path: the From address */
	const char *const *rcpt; /* to, cc and bcc, in that order, duplicates removed */
	size_t nrcpt;
	const char *envid; /* RFC 3461 ENVID (raw: xtext-encode it): the Message-ID's content */
	unsigned int dsn_notify; /* MIME_NOTIFY_*: what DSNs to ask for when the server has DSN */
	int dsn_ret_hdrs;	 /* RET=HDRS: a DSN need not carry the document back */
	int mdn_requested;	 /* Disposition-Notification-To is in the headers */
};

const struct mime_envelope *mime_envelope(const struct mime_msg *m);

/* The Message-ID with its angle brackets, to match DSNs and MDNs that come back (#830, #834). */
const char *mime_message_id(const struct mime_msg *m);

void mime_free(struct mime_msg *m);

#endif
