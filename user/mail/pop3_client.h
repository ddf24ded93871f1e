/*
 * POP3 client (RFC 1939, CAPA of RFC 2449, STLS of RFC 2595, AUTH of RFC
 * 5034): the login of POP before SMTP (seed 2.1.1) and the mailbox
 * commands of I-Fax reception (seed 2.1.3, issue 9).
 *
 * Login, in the order of the receive settings:
 *   - greeting: "+OK", and its APOP timestamp (<...@...>) when there is one;
 *   - implicit TLS (port 995) before the greeting, or STLS after CAPA when
 *     asked for: a server that does not offer STLS, refuses it or fails the
 *     handshake is an error (#844), never a login in plaintext
 *     (fetchmail's CVE-2021-39272); after TLS the capabilities are asked
 *     again, the ones heard in plaintext are forgotten;
 *   - Standard: USER/PASS (#813 when refused);
 *   - APOP: MD5 of timestamp and password (#846 when refused, or when the
 *     greeting has no usable timestamp: nothing is sent then);
 *   - POP AUTH: one SASL mechanism from the server's CAPA SASL list in the
 *     order OAUTHBEARER, XOAUTH2 (with oauth2_command, under TLS),
 *     SCRAM-SHA-256, CRAM-MD5, NTLM, PLAIN, LOGIN, limited to the
 *     mechanisms allowed (settings and NS-* switches); PLAIN and LOGIN only
 *     under TLS (seed 2.1.3: without TLS they are refused); no mechanism in
 *     common, a refusal or a broken exchange is #845.
 *
 * Every reply is bounded (status and capability lines, UIDL entries,
 * message lines), every read has the deadline of timeout_ms (the seed's
 * "1 KB in 10 s" stall rule: #810), and a reply that is not POP3 (no
 * +OK/-ERR, a NUL, a multi-line answer cut short, an out-of-range number)
 * ends the session as a connection error rather than being guessed at.
 * The password never appears in an error message or a log line; buffers
 * that held it are wiped.
 *
 * Usage:
 *
 *	struct pop3_opts o = POP3_OPTS_INIT;
 *	o.host = "pop.example.com"; o.user = "fax"; o.password = pw;
 *	o.auth = POP3_AUTH_APOP; o.stls = 1; o.tls = tls_ctx;
 *	struct pop3 *p;
 *	int st = pop3_open(&p, &o);
 *	if (st) { ... pop3_errcode(st) (#810 ...), pop3_error(p) ...; pop3_close(p); }
 *	struct pop3_msg *msgs; size_t n;
 *	st = pop3_uidl(p, &msgs, &n);            // POP3_E_UIDL: the server has no UIDL
 *	st = pop3_retr(p, msgs[0].num, limit, write_cb, ctx);
 *	st = pop3_dele(p, msgs[0].num);          // only after the message is safely stored
 *	st = pop3_quit(p);                       // deletions happen here
 *	pop3_close(p);
 *
 * POP before SMTP is pop3_before_smtp(): log in and QUIT; the caller waits
 * POP3_BEFORE_SMTP_DELAY_MS before connecting to the SMTP server, and never
 * runs it while a POP reception is in progress.
 */
#ifndef IRSEND_MAIL_POP3_CLIENT_H
#define IRSEND_MAIL_POP3_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct irs_tls_ctx;

enum pop3_auth {
	POP3_AUTH_STANDARD, /* USER / PASS */
	POP3_AUTH_APOP,
	POP3_AUTH_SASL, /* the seed's "POP AUTH" */
};

/* SASL mechanisms POP AUTH may use (pop3_opts.mechs). */
enum {
	POP3_MECH_SCRAM_SHA256 = 1u << 0, /* setting pop.scram */
	POP3_MECH_CRAM_MD5 = 1u << 1,	  /* setting pop.cram_md5; NS-CMD5 */
	POP3_MECH_NTLM = 1u << 2,	  /* NS-NTLM */
	POP3_MECH_PLAIN = 1u << 3,	  /* under TLS only; NS-PLNWS */
	POP3_MECH_LOGIN = 1u << 4,	  /* under TLS only; NS-PLNWS, NS-LGN */
};
/* The seed's POP AUTH: NTLM, then PLAIN and LOGIN under TLS; CRAM-MD5 and SCRAM by setting. */
#define POP3_MECHS_DEFAULT (POP3_MECH_NTLM | POP3_MECH_PLAIN | POP3_MECH_LOGIN)

/* The seed's idle time between the POP login and the SMTP connection. */
#define POP3_BEFORE_SMTP_DELAY_MS 300

struct pop3_opts {
	const char *host;
	unsigned int port; /* 0: 110, or 995 with implicit_tls */
	const char *user;
	const char *password;
	enum pop3_auth auth;
	unsigned int mechs;	 /* POP3_MECH_* allowed for POP3_AUTH_SASL */
	int stls;		 /* "Allow SSL (POP)": STLS, and no login without it */
	int implicit_tls;	 /* TLS from the first byte (995) */
	struct irs_tls_ctx *tls; /* required with stls or implicit_tls */
	int timeout_ms;		 /* connect and every read; 0: 10000 */
	/*
	 * POP AUTH: a command printing an OAuth2 token (oauth2.h); with it,
	 * OAUTHBEARER or XOAUTH2 come first when offered, under TLS only.
	 */
	const char *oauth2_command;
};

#define POP3_OPTS_INIT                                                                             \
	{                                                                                          \
		.mechs = POP3_MECHS_DEFAULT, .timeout_ms = 10000                                   \
	}

enum pop3_status {
	POP3_OK = 0,
	POP3_E_CONNECT = -1, /* resolve, connect, stall, hang-up, or not POP3 (#810) */
	POP3_E_LOGIN = -2,   /* USER/PASS refused (#813) */
	POP3_E_TLS = -3,     /* STLS missing, refused or failed; implicit TLS failed (#844) */
	POP3_E_AUTH = -4,    /* POP AUTH: no mechanism in common, refused, broken (#845) */
	POP3_E_APOP = -5,    /* APOP refused, or no usable timestamp (#846) */
	POP3_E_UIDL = -6,    /* the server does not do UIDL (reception needs it) */
	POP3_E_SERVER = -7,  /* -ERR to a mailbox command (RETR of a vanished message...) */
	POP3_E_TOO_BIG = -8, /* RETR: the message is larger than the limit given */
	POP3_E_WRITE = -9,   /* RETR: the writer refused the data */
	POP3_E_NOMEM = -10,
	POP3_E_STATE = -11, /* used after a failure that ended the session */
};

struct pop3;

/*
 * Connect, greet, (STLS,) log in: POP3_OK with *out ready for mailbox
 * commands, or a status with *out still set (for pop3_error(); close it)
 * unless memory ran out.
 */
int pop3_open(struct pop3 **out, const struct pop3_opts *o);

/* Messages and octets in the maildrop. */
int pop3_stat(struct pop3 *p, unsigned int *count, uint64_t *octets);

struct pop3_msg {
	unsigned int num; /* message number in this session */
	uint64_t size;	  /* from LIST; 0 until pop3_list() */
	char uid[71];	  /* unique-id: 1-70 characters 0x21-0x7e */
};

/*
 * UIDL of every message: an array in *msgs (free() it) of *n entries, in
 * the server's order. POP3_E_UIDL when the server answers -ERR.
 */
int pop3_uidl(struct pop3 *p, struct pop3_msg **msgs, size_t *n);

/* LIST: fill in the sizes of msgs (matched by number). */
int pop3_list(struct pop3 *p, struct pop3_msg *msgs, size_t n);

/* Receives a message's bytes in order; non-zero stops the transfer (POP3_E_WRITE). */
typedef int (*pop3_writer)(void *ctx, const void *buf, size_t len);

/*
 * RETR num: the message as it was stored, dot-unstuffed, every line
 * ending in CRLF, handed to write in pieces. More than max_bytes (0: no
 * limit) is POP3_E_TOO_BIG; the session is then unusable (the rest of the
 * message is still on the wire), as after every error but POP3_E_SERVER.
 */
int pop3_retr(struct pop3 *p, unsigned int num, uint64_t max_bytes, pop3_writer write, void *ctx);

int pop3_dele(struct pop3 *p, unsigned int num);
int pop3_noop(struct pop3 *p);

/* QUIT: the server removes the messages marked deleted. */
int pop3_quit(struct pop3 *p);

/* 1 once the session runs under TLS. */
int pop3_is_tls(const struct pop3 *p);

/* The SASL mechanism POP AUTH used; NULL otherwise. */
const char *pop3_mechanism(const struct pop3 *p);

/* The last failure in one line, without secrets. */
const char *pop3_error(const struct pop3 *p);

/* Close the connection (without QUIT: nothing is deleted) and free p. NULL is fine. */
void pop3_close(struct pop3 *p);

/* POP before SMTP: pop3_open() then QUIT. A status; why in err. */
int pop3_before_smtp(const struct pop3_opts *o, char *err, size_t errlen);

/* The catalogue code of a status for POP before SMTP (#810, #813, #844, #845, #846); 0 for OK. */
unsigned int pop3_errcode(int status);

/* The reception status line of seed 4.3.3 ("APOP Authentication Error", ...). */
const char *pop3_status_message(int status);

#endif
