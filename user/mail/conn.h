/*
 * One client connection of a line-based mail protocol (SMTP, POP3):
 * TCP connect with a deadline, CRLF lines read through a bounded buffer,
 * whole writes, and the switch to TLS (STARTTLS, STLS, or from the first
 * byte for ports 465/995).
 *
 * Every read and write has a deadline of timeout_ms from its start (a
 * write's restarts whenever bytes move), so a server that stalls, or
 * dribbles, cannot hold a job forever. A line longer than IRS_CONN_LINE_MAX
 * is a protocol error (IRS_CONN_TOOLONG), never a bigger buffer. After any
 * error but IRS_CONN_TIMEOUT the connection is unusable; close it.
 *
 * irs_conn_starttls() throws away whatever the server sent before the
 * handshake: bytes pipelined after "220 go ahead" are an injection attempt
 * (CVE-2011-0411 and its relatives), not replies.
 *
 * Usage (SMTP):
 *
 *	struct irs_conn *c;
 *	int rc = irs_conn_open(&c, "mail.example.com", 25, 30000);
 *	if (rc) ... irs_conn_error(c) says why (c is non-NULL on error too) ...
 *	char *line; size_t len;
 *	while ((rc = irs_conn_read_line(c, &line, &len)) == 0 && ...) ...
 *	irs_conn_write(c, "STARTTLS\r\n", 10);
 *	rc = irs_conn_starttls(c, tls, "mail.example.com");   // IRS_CONN_TLS: see tls_result
 *	irs_conn_close(c);
 *
 * The process must not die of SIGPIPE: plaintext writes use MSG_NOSIGNAL
 * and TLS writes block SIGPIPE around the call.
 */
#ifndef IRSEND_MAIL_CONN_H
#define IRSEND_MAIL_CONN_H

#include <stddef.h>

#include "tls.h"

/* Longest line accepted, CRLF not counted (SMTP's limit is 512; servers exceed it, not by 64 KiB).
 */
#define IRS_CONN_LINE_MAX 65536

enum irs_conn_status {
	IRS_CONN_OK = 0,
	IRS_CONN_DNS = -1,     /* host name not resolved (#802) */
	IRS_CONN_REFUSED = -2, /* no address accepted the connection in time (#752) */
	IRS_CONN_EOF = -3,     /* the server closed the connection (#753) */
	IRS_CONN_TIMEOUT = -4, /* nothing (or not enough) within timeout_ms (#801) */
	IRS_CONN_TOOLONG = -5, /* a line over IRS_CONN_LINE_MAX (#801) */
	IRS_CONN_IO = -6,      /* socket or TLS record error (#753) */
	IRS_CONN_TLS = -7,     /* handshake or peer check failed: irs_conn_tls_result() */
	IRS_CONN_NOMEM = -8,
	IRS_CONN_CANCELLED = -9, /* the cancel check said stop (#995) */
};

struct irs_conn;

/*
 * Resolve host (getaddrinfo: names, IPv4 and IPv6 literals) and connect to
 * the first address that answers within what is left of timeout_ms. *out
 * is set even on failure (for irs_conn_error()); close it in both cases,
 * except on IRS_CONN_NOMEM, where it is NULL.
 */
int irs_conn_open(struct irs_conn **out, const char *host, unsigned int port, int timeout_ms);

/* Wrap an already connected socket (tests, socketpairs); the conn owns fd. NULL on ENOMEM. */
struct irs_conn *irs_conn_from_fd(int fd, int timeout_ms);

/*
 * A check that ends any wait for the server with IRS_CONN_CANCELLED once
 * it returns non-zero (looked at every 200 ms); NULL: none.
 */
void irs_conn_set_cancel(struct irs_conn *c, int (*cancelled)(void *arg), void *arg);

/* Change the deadline of later reads and writes. */
void irs_conn_set_timeout(struct irs_conn *c, int timeout_ms);

/*
 * The next line without its CRLF (a bare LF is accepted), NUL-terminated,
 * valid until the next call. A NUL inside the line is kept (len says
 * where the line ends) so callers can refuse it.
 */
int irs_conn_read_line(struct irs_conn *c, char **line, size_t *len);

/* Write all of buf, or fail. */
int irs_conn_write(struct irs_conn *c, const void *buf, size_t len);

/*
 * TLS handshake on the connection with host's name checked; discards any
 * buffered input first (irs_conn_discarded() tells how much, for logs and
 * tests). IRS_CONN_TLS with irs_conn_tls_result() set for every failure
 * of the handshake itself, a server that hangs up during it included (one
 * that drops us for lack of a client certificate looks like that);
 * IRS_CONN_TIMEOUT when it takes longer than timeout_ms.
 */
int irs_conn_starttls(struct irs_conn *c, struct irs_tls_ctx *t, const char *host);

/* What the last TLS failure was; after a TLS 1.3 handshake also judges a failed first read. */
enum irs_tls_result irs_conn_tls_result(struct irs_conn *c);

int irs_conn_is_tls(const struct irs_conn *c);
/* 1 when the server asked for a client certificate and we had none (TLS 1.3 refuses later). */
int irs_conn_cert_requested(const struct irs_conn *c);
size_t irs_conn_discarded(const struct irs_conn *c);

/* The last failure as one line for a job log ("connect to host:25: Connection refused"). */
const char *irs_conn_error(const struct irs_conn *c);

/* The catalogue code (#752, #753, #801, #802, #841, #842) of a status from this file. */
unsigned int irs_conn_errcode(const struct irs_conn *c, int status);

void irs_conn_close(struct irs_conn *c);

#endif
