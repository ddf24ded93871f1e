/*
 * Inside the POP3 client: the session, and the reply readers that
 * pop3_client.c (login), pop3_auth.c (APOP, SASL) and pop3_mailbox.c
 * (STAT, UIDL, LIST, RETR, DELE, QUIT) share.
 */
#ifndef IRSEND_MAIL_POP3_PRIV_H
#define IRSEND_MAIL_POP3_PRIV_H

#include <stddef.h>

#include "pop3_client.h"

struct irs_conn;

/* RFC 2449: a response line is at most 512 octets; we allow twice that for sloppy servers. */
#define POP3_STATUS_MAX 1024
/* An APOP timestamp, <...>, brackets included. */
#define POP3_TS_MAX 200

enum {
	POP3_CAP_STLS = 1u << 0,
	POP3_CAP_UIDL = 1u << 1,
	POP3_CAP_USER = 1u << 2,
	POP3_CAP_SASL = 1u << 3,
};

struct pop3 {
	struct irs_conn *c;
	char *host;
	char ts[POP3_TS_MAX + 1]; /* APOP timestamp of the greeting; "" when none */
	unsigned int caps;
	char sasl[POP3_STATUS_MAX]; /* the CAPA SASL list, space-separated */
	int tls;
	int dead; /* a failure ended the session: only pop3_close() is left */
	const char *mech;
	char err[256];
};

/* Record a failure (printf-style, no secrets) and return st; ends the session unless SERVER. */
int pop3_fail(struct pop3 *p, int st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Send a command line (CRLF added); a status. */
int pop3_send(struct pop3 *p, const char *line);

/*
 * Read one status line: 1 for +OK, 0 for -ERR (text after the indicator in
 * *text either way), or a failure status (POP3_E_CONNECT) for a hang-up, a
 * stall, an overlong line or anything that is not a POP3 status.
 */
int pop3_reply(struct pop3 *p, const char **text);

/*
 * The lines of a multi-line answer after its +OK, dot-unstuffed, until
 * the terminating ".": each handed to fn (non-zero from fn stops with that
 * value). Lines over max_len are a protocol error.
 */
int pop3_lines(struct pop3 *p, size_t max_len, int (*fn)(void *ctx, const char *line, size_t len),
	       void *ctx);

/* Server text fit for an error message: printable ASCII, at most 80 characters. */
void pop3_quote(char *out, size_t outlen, const char *s);

/* Log in by APOP / POP AUTH (pop3_auth.c); a status. */
int pop3_login_apop(struct pop3 *p, const struct pop3_opts *o);
int pop3_login_sasl(struct pop3 *p, const struct pop3_opts *o);
/* POP AUTH mech (OAUTHBEARER or XOAUTH2) with o->oauth2_command's token (pop3_oauth.c). */
int pop3_login_oauth(struct pop3 *p, const struct pop3_opts *o, const char *mech);

#endif
