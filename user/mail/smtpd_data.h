/*
 * The message bytes after DATA, decoded (RFC 5321 4.5.2): the stuffed dot
 * of a line that starts with one is removed, and CRLF "." CRLF ends the
 * message. Pure, chunk by chunk, whatever the chunk boundaries: tested on
 * its own and fuzzed with the command parser.
 *
 * Lines end with CRLF and nothing else. A bare LF or a bare CR anywhere in
 * the data is reported, not repaired: the session then ends the connection
 * (521 5.5.2), so that there is exactly one reading of where a message
 * ends and no "<LF>.<LF>" can smuggle a second message past a relay that
 * reads it differently (the SMTP smuggling family, 2023). The same rule
 * holds for command lines (smtpd_io.c).
 *
 * The output keeps CRLF line ends: the spool file holds the message as it
 * was meant (RFC 5322 form), byte for byte.
 *
 * Usage:
 *
 *	struct smtpd_data d;
 *	smtpd_data_init(&d, 1000);
 *	st = smtpd_data_decode(&d, in, n, out, &outlen, &used);  // out has room for n bytes
 *	... write out[0..outlen); in[used..n) belongs to the next command after END ...
 */
#ifndef IRSEND_MAIL_SMTPD_DATA_H
#define IRSEND_MAIL_SMTPD_DATA_H

#include <stdbool.h>
#include <stddef.h>

enum smtpd_data_status {
	SMTPD_DATA_MORE,    /* all input taken; the message goes on */
	SMTPD_DATA_END,	    /* CRLF.CRLF seen; *used stops right after it */
	SMTPD_DATA_BARE_LF, /* an LF without CR before it: stop */
	SMTPD_DATA_BARE_CR, /* a CR without LF after it: stop */
};

struct smtpd_data {
	int state;
	size_t line_len; /* octets of the current line so far, as sent (stuffing dot too) */
	size_t max_line; /* text line limit including CRLF (RFC 5321 4.5.3.1.6: 1000) */
	bool overlong;	 /* some line was longer: the message is to be refused */
};

void smtpd_data_init(struct smtpd_data *d, size_t max_line);

/*
 * Decode in[0..len) into out, which has room for len bytes (the output is
 * never longer than the input). *outlen: bytes written; *used: bytes of in
 * consumed (all of them with SMTPD_DATA_MORE).
 */
enum smtpd_data_status smtpd_data_decode(struct smtpd_data *d, const char *in, size_t len,
					 char *out, size_t *outlen, size_t *used);

#endif
