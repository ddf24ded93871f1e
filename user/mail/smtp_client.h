/*
 * The SMTP client of e-mail and I-Fax sending (seed 2.1.1, 2.1.2): our own
 * state machine over conn.h, OpenSSL through tls.h, Cyrus SASL through
 * sasl_client.h.
 *
 * A session: connect (or TLS at once, port 465), greeting, EHLO (HELO when
 * the server does not know EHLO), STARTTLS when asked and EHLO again, then
 * AUTH. TLS that was asked for is never given up: a server without
 * STARTTLS, a refused STARTTLS or a failed handshake ends the session
 * (#841, #842 when the server wants a client certificate) before a single
 * credential or address is sent.
 *
 * AUTH (when opts.auth and a user are set, or an OAuth2 command is): the
 * mechanisms the server offers are tried in this order, one at a time,
 * until one is usable on our side (GSSAPI needs tickets: with a password
 * and a user@REALM user we log in to the KDC ourselves, krb5_login.h;
 * otherwise the default credentials cache must hold some):
 *	OAUTHBEARER, XOAUTH2       only with oauth2_command
 *	SCRAM-SHA-256              only with opts.scram
 *	CRAM-MD5                   unless NS-CMD5
 *	NTLM                       unless NS-NTLM
 *	GSSAPI                     unless NS-GSAPI
 *	PLAIN, then LOGIN, under TLS      unless NS-PLNWS (LOGIN: NS-LGN too)
 *	LOGIN, then PLAIN, without TLS    unless NS-PLN   (LOGIN: NS-LGN too)
 * The first mechanism the server actually runs decides: a refusal is #839
 * (no second guess that could lock the account), a Kerberos clock skew
 * #843. No AUTH offered, or nothing in common: the message goes without
 * login and that is no error, unless opts.auth_required (#839).
 *
 * A transaction (irs_smtp_send, repeatable in one session): MAIL FROM with
 * SIZE= (and #705 at once when the server's SIZE is smaller), BODY=8BITMIME
 * and DSN parameters when offered; RCPT TO for every recipient, pipelined
 * when offered; DATA streamed from the caller's reader with CRLF
 * normalisation and dot-stuffing, never held in memory whole.
 *
 * Results: struct irs_smtp_result.code is IRS_E_SENT (#899) when every
 * recipient took the message; IRS_E_BAD_ADDRESS (#806) when some or all
 * were refused (each irs_smtp_rcpt says which, and sent tells whether the
 * message went to the others); any other catalogue code otherwise.
 * temporary is set for 4xx replies and network trouble: retry later.
 * text holds the last server reply, or our reason; never a credential.
 *
 * Usage:
 *
 *	struct irs_smtp_opts o = { .host = "mail.example.com", .port = 25, ... };
 *	struct irs_smtp_rcpt r[] = { { .addr = "a@example.com" } };
 *	struct irs_smtp_msg m = { .from = "scanner@example.com", .rcpt = r, .nrcpt = 1,
 *				  .size = -1, .read = irs_smtp_fd_reader, .read_arg = &fd };
 *	struct irs_smtp_result res;
 *	irs_smtp_send_once(&o, &m, &res);   // res.code == IRS_E_SENT ...
 */
#ifndef IRSEND_MAIL_SMTP_CLIENT_H
#define IRSEND_MAIL_SMTP_CLIENT_H

#include <stddef.h>

#include "tls.h"

enum irs_smtp_tls {
	IRS_SMTP_TLS_OFF,      /* plaintext (the server may still refuse it) */
	IRS_SMTP_TLS_STARTTLS, /* smtp.starttls: STARTTLS or nothing */
	IRS_SMTP_TLS_IMPLICIT, /* smtp.implicit_tls: TLS from the first byte */
};

/* Service-mode switches (seed 4.4.1), bits of irs_smtp_opts.disable. */
enum {
	IRS_SMTP_NO_CRAM_MD5 = 1u << 0,	 /* NS-CMD5 */
	IRS_SMTP_NO_NTLM = 1u << 1,	 /* NS-NTLM */
	IRS_SMTP_NO_GSSAPI = 1u << 2,	 /* NS-GSAPI */
	IRS_SMTP_NO_PLAIN_TLS = 1u << 3, /* NS-PLNWS: PLAIN and LOGIN under TLS */
	IRS_SMTP_NO_LOGIN = 1u << 4,	 /* NS-LGN */
	IRS_SMTP_NO_PLAIN = 1u << 5,	 /* NS-PLN: PLAIN and LOGIN without TLS */
};

struct irs_smtp_opts {
	const char *host;
	unsigned int port;
	int timeout_ms;	       /* net.timeout: connect, handshake, every reply */
	const char *helo_name; /* device.hostname; NULL: gethostname() */
	enum irs_smtp_tls tls;
	struct irs_tls_ctx *tls_ctx; /* required unless tls is OFF */

	int auth;	   /* smtp.auth */
	int auth_required; /* smtp.auth_required */
	const char *user;
	const char *password;
	const char *realm;	    /* DIGEST-MD5 only; NULL */
	int scram;		    /* smtp.scram */
	const char *oauth2_command; /* smtp.oauth2_command; NULL or "": none */
	unsigned int disable;	    /* IRS_SMTP_NO_* */

	/* Optional: checked between commands and data blocks; non-zero stops with #995. */
	int (*cancelled)(void *arg);
	void *cancel_arg;
	/* Optional protocol trace: dir '>' sent, '<' received; AUTH payloads are redacted. */
	void (*trace)(void *arg, char dir, const char *line);
	void *trace_arg;
};

struct irs_smtp_rcpt {
	const char *addr;
	/* Results: */
	unsigned int code; /* 0: accepted; IRS_E_BAD_ADDRESS: refused */
	int reply;	   /* the server's reply code to RCPT TO */
	int temporary;	   /* refusal was 4xx */
};

/*
 * The message comes from read: up to len bytes into buf; the count, 0 at
 * the end, or a negative -N to abort with catalogue code N (-1: #801).
 * Line ends may be LF, CRLF or CR; dots are stuffed here.
 */
typedef long (*irs_smtp_reader)(void *arg, char *buf, size_t len);

/* A reader over an int file descriptor pointed to by arg. */
long irs_smtp_fd_reader(void *arg, char *buf, size_t len);

struct irs_smtp_msg {
	const char *from;
	struct irs_smtp_rcpt *rcpt;
	size_t nrcpt;
	long long size;		/* octets, for SIZE= and the #705 check; -1: unknown */
	int body_8bit;		/* BODY=8BITMIME when offered */
	const char *dsn_notify; /* "SUCCESS,FAILURE,DELAY", "NEVER"...; NULL: none */
	const char *dsn_ret;	/* "FULL" or "HDRS"; NULL: none */
	const char *dsn_envid;	/* our job id, xtext-encoded here; NULL: none */
	irs_smtp_reader read;
	void *read_arg;
};

struct irs_smtp_result {
	unsigned int code; /* IRS_E_SENT or the failure */
	int temporary;	   /* worth retrying unchanged */
	int sent;	   /* the server accepted the message (for some recipients at least) */
	int reply;	   /* last reply code, 0: none */
	char text[512];	   /* last server reply or our reason */
	size_t accepted, refused;
	char mech[24]; /* the SASL mechanism used; "": none */
	int tls;       /* the session ran under TLS */
};

/* What the server said it can do (after the last EHLO). */
struct irs_smtp_caps {
	int esmtp;
	int starttls, pipelining, eightbitmime, dsn, smtputf8;
	int has_size;
	unsigned long long size; /* 0 with has_size: no limit stated */
	char auth[512];		 /* AUTH mechanisms, space-separated, upper case */
};

struct irs_smtp;

/* Connect, greet, TLS, AUTH: 0 and *out, or the failure code in res (and *out NULL). */
int irs_smtp_open(struct irs_smtp **out, const struct irs_smtp_opts *opts,
		  struct irs_smtp_result *res);

/* One transaction; res->code as described above; returns res->code. */
unsigned int irs_smtp_send(struct irs_smtp *s, struct irs_smtp_msg *msg,
			   struct irs_smtp_result *res);

const struct irs_smtp_caps *irs_smtp_caps(const struct irs_smtp *s);

/* QUIT (briefly waited for) and free. */
void irs_smtp_close(struct irs_smtp *s);

/* open + send + close. */
unsigned int irs_smtp_send_once(const struct irs_smtp_opts *opts, struct irs_smtp_msg *msg,
				struct irs_smtp_result *res);

#endif
