/* Internals shared by smtp_client.c, smtp_auth.c and smtp_data.c. */
#ifndef IRSEND_MAIL_SMTP_PRIV_H
#define IRSEND_MAIL_SMTP_PRIV_H

#include "conn.h"
#include "smtp_client.h"

/* Most lines one reply may have: a server that never ends a reply is a protocol error. */
#define SMTP_REPLY_LINES_MAX 1000

struct irs_krb5_login;

struct irs_smtp {
	struct irs_smtp_opts o;
	struct irs_conn *c;
	struct irs_smtp_caps caps;
	struct irs_smtp_result *res;
	char helo[256];
	int broken;		     /* the connection is unusable: no QUIT */
	char mech[24];		     /* the mechanism AUTH used, for every transaction's result */
	struct irs_krb5_login *krb5; /* our own Kerberos login for GSSAPI; NULL: none */
	/* The last line's text of the last reply; points into the conn's buffer until the next
	 * read. */
	const char *last;
	size_t last_len;
};

/* Record a failure in s->res (first one wins); returns code. */
unsigned int smtp_fail(struct irs_smtp *s, unsigned int code, int temporary, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A failure from the server's reply: temporary for 4xx; the reply text is already in res. */
unsigned int smtp_fail_reply(struct irs_smtp *s, unsigned int code, int reply);

/* A conn.h status as the session's failure; marks the connection broken. */
unsigned int smtp_fail_conn(struct irs_smtp *s, int status);

/*
 * Send one command line (CRLF added). redact: what the trace shows instead
 * (NULL: the line itself). 0, or the failure code.
 */
unsigned int smtp_send_line(struct irs_smtp *s, const char *line, const char *redact);

/*
 * Read one whole reply: *code its number. each (may be NULL) sees every
 * line's text after the code. keep: store the text in res->text (not for
 * AUTH challenges). 0, or the failure code (#801 for malformed replies).
 */
unsigned int smtp_read_reply(struct irs_smtp *s, int *code,
			     void (*each)(struct irs_smtp *s, const char *text, size_t len),
			     int keep);

/* Check opts.cancelled; #995 recorded when set. */
unsigned int smtp_check_cancel(struct irs_smtp *s);

/* AUTH as described in smtp_client.h: 0 (logged in or no login needed), or the failure. */
unsigned int smtp_auth(struct irs_smtp *s);

/* After 354: stream msg and the final dot; 0 or the failure (the reply is read by the caller). */
unsigned int smtp_data_stream(struct irs_smtp *s, struct irs_smtp_msg *msg);

#endif
