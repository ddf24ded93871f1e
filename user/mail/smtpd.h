/*
 * The SMTP server of I-Fax reception (seed 2.1.4, 4.3.3): RFC 5321 with
 * PIPELINING, 8BITMIME, SIZE, ENHANCEDSTATUSCODES, DSN (RFC 3461
 * parameters handed to the caller) and STARTTLS (RFC 3207) in the three
 * modes of "Allow SSL (SMTP Receive)":
 *   SMTPD_TLS_OFF       STARTTLS is not in the EHLO reply (and answered 502);
 *   SMTPD_TLS_ON        STARTTLS offered; plaintext mail accepted too;
 *   SMTPD_TLS_REQUIRED  STARTTLS offered; MAIL, RCPT, DATA, VRFY, EXPN,
 *                       AUTH, BDAT or ETRN before it get "530 Must issue a
 *                       STARTTLS command first" and the connection is closed
 *                       (SMTPD_EV_TLS_REJECT: "SSL Error (SMTP RX Reject)").
 * A failed handshake closes the connection (SMTPD_EV_TLS_ERROR: "SSL Error
 * (SMTP Receive)"). Whatever the client sent after STARTTLS and before the
 * handshake is thrown away, never read as commands under TLS
 * (CVE-2011-0411), and after the handshake the client must EHLO again.
 *
 * AUTH is not offered: a device receives faxes relayed to it, and who may
 * connect is decided by the address (peer_allowed: the IP allow-list,
 * #831) and by the MAC filter below it, not by a login.
 *
 * Lines end with CRLF only, in commands and in DATA alike: a bare LF (or a
 * bare CR in DATA) ends the session with 521 5.5.2 (see smtpd_data.h).
 *
 * Limits, each with its reply:
 *   a command line over max_line              500 5.5.2, the session goes on
 *   a text line over max_text_line in DATA    554 5.6.0 after the end of data
 *   MAIL SIZE= over max_message_bytes         552 5.3.4
 *   a message over max_message_bytes          552 5.3.4 after the end of data
 *   recipients over max_recipients            452 4.5.3 (the others stand)
 *   max_errors bad commands in a row          421 4.7.0 and close
 *   no command for command_timeout_ms         421 4.4.2 and close (SMTPD_EV_STALL)
 *   < stall_min_bytes in stall_window_ms of DATA  421 4.4.2 and close (SMTPD_EV_STALL, #801)
 *   session_timeout_s since connect           421 4.4.2 and close (SMTPD_EV_LIMIT)
 *   max_sessions at once                      421 4.3.2 at connect and close (SMTPD_EV_LIMIT)
 *
 * Nothing is lost: a message is written to spool_dir (mode 0600) as it
 * arrives, with a Received: header on top; at the end of data it is
 * synced, and deliver() decides. The client gets 250 only after deliver()
 * returned 0 (the file is the caller's then); otherwise deliver()'s reply
 * and the file is removed. A client that disconnects, stalls or is stopped
 * mid-DATA leaves no file behind; a "*.part" left by a crash is removed by
 * the next smtpd_start(). (A crash between the end of data and the 250
 * makes the client send the message again: a duplicate, never a loss.)
 *
 * Message contents are never logged; events carry the peer and a reason.
 *
 * Threads: one acceptor, and one thread per session up to max_sessions.
 * A session blocks only in poll() with its own deadlines, so a slow or
 * stalled client holds its own thread and nobody else's; a device takes a
 * handful of connections at once, and a thread per session keeps the
 * protocol a plain sequence (an event loop would turn every TLS read and
 * the DATA decoder into resumable state for no gain at this scale).
 * deliver(), event() and peer_allowed() are called from those threads,
 * concurrently: they must be thread-safe, and must not call smtpd_stop().
 *
 * Usage:
 *
 *	char err[256];
 *	int lfd = smtpd_listen(NULL, 25, err, sizeof(err));   // as root, before dropping privileges
 *	SSL_CTX *tls = irs_tls_server_ctx_new("/var/lib/irsend/tls/cert.pem",
 *					      "/var/lib/irsend/tls/key.pem", 0, err, sizeof(err));
 *	struct smtpd_opts o = { .listen_fd = lfd, .hostname = "fax.example.com",
 *				.tls_mode = SMTPD_TLS_ON, .tls_ctx = tls,
 *				.spool_dir = "/var/lib/irsend/rx", .deliver = my_deliver, ... };
 *	struct smtpd *s;
 *	if (smtpd_start(&s, &o, err, sizeof(err))) ... err ...
 *	...
 *	smtpd_stop(s);          // lfd stays open: start again with new settings, same port
 *	SSL_CTX_free(tls);
 *	close(lfd);
 */
#ifndef IRSEND_MAIL_SMTPD_H
#define IRSEND_MAIL_SMTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "smtpd_cmd.h"

enum smtpd_tls_mode { SMTPD_TLS_OFF, SMTPD_TLS_ON, SMTPD_TLS_REQUIRED };

/* RFC 3461 parameters of one recipient. */
struct smtpd_rcpt_dsn {
	unsigned int notify;		 /* SMTPD_NOTIFY_* bits; 0: NOTIFY not given */
	char orcpt_type[33];		 /* ORCPT address type ("rfc822"); "": not given */
	char orcpt[SMTPD_ORCPT_MAX + 1]; /* ORCPT address, xtext decoded */
};

struct smtpd_envelope {
	char peer[64];	     /* "198.18.0.5" or "[2001:db8::5]": the client's address */
	char helo[256];	     /* what it said in HELO/EHLO */
	bool esmtp;	     /* EHLO, not HELO */
	char mail_from[320]; /* reverse path without <>; "" for the null sender */
	char **rcpt;	     /* forward paths without <>, nrcpt of them (at least one) */
	size_t nrcpt;
	bool tls;		 /* the message came under TLS */
	char tls_version[16];	 /* "TLSv1.3"; "" without TLS */
	char tls_cipher[64];	 /* "TLS_AES_256_GCM_SHA384"; "" without TLS */
	char id[16];		 /* our queue id, as in Received: and the 250 reply */
	unsigned long long size; /* message octets received (our Received: not counted) */
	/* ESMTP parameters, when the client gave them: */
	unsigned long long declared_size;    /* MAIL SIZE=; 0: not given */
	enum smtpd_body body;		     /* MAIL BODY= */
	enum smtpd_ret dsn_ret;		     /* MAIL RET= */
	char dsn_envid[SMTPD_ENVID_MAX + 1]; /* MAIL ENVID=, decoded; "": not given */
	struct smtpd_rcpt_dsn *rcpt_dsn;     /* nrcpt entries, rcpt_dsn[i] for rcpt[i] */
};

enum smtpd_event {
	SMTPD_EV_PEER_REFUSED, /* peer_allowed() said no (#831) */
	SMTPD_EV_TLS_REJECT,   /* a mail command before STARTTLS in REQUIRED mode
				  ("SSL Error (SMTP RX Reject)") */
	SMTPD_EV_TLS_ERROR,    /* the handshake failed ("SSL Error (SMTP Receive)") */
	SMTPD_EV_STALL,	       /* DATA slower than the stall rule, or no command in time (#801) */
	SMTPD_EV_LIMIT,	       /* session time, too many sessions, recipients, size, line */
	SMTPD_EV_PROTOCOL,     /* too many bad commands, bare LF, a web client, ... */
	SMTPD_EV_LOCAL,	       /* our side failed (spool not writable, no memory): 4xx given */
};

struct smtpd_opts {
	/*
	 * A bound, listening socket (smtpd_listen()); the caller's: it is made
	 * non-blocking but never closed here, so that the agent, which binds
	 * port 25 as root before dropping privileges, can stop and start the
	 * server again with new settings on the same socket.
	 */
	int listen_fd;
	const char *hostname; /* greeting, EHLO and Received:; NULL: gethostname() */
	enum smtpd_tls_mode tls_mode;
	SSL_CTX *tls_ctx; /* server context (tls_server.h); required unless OFF; not freed here */

	/* Limits; 0 takes the default in brackets. */
	size_t max_message_bytes;	 /* [10 MiB] advertised as SIZE */
	unsigned int max_recipients;	 /* [100] RFC 5321 4.5.3.1.8's minimum */
	unsigned int max_sessions;	 /* [10] */
	unsigned int session_timeout_s;	 /* [1800] whole session */
	unsigned int command_timeout_ms; /* [300000] waiting for a command (RFC 5321 4.5.3.2.7) */
	unsigned int stall_window_ms;	 /* [10000] with stall_min_bytes: the seed's 1 KB / 10 s */
	size_t stall_min_bytes;		 /* [1024] */
	size_t max_line;		 /* [1024] command line with CRLF: RFC 5321's 512 plus the
					    500 RFC 3461 adds to RCPT for NOTIFY and ORCPT; at most 2050 */
	size_t max_text_line;		 /* [1000] text line in DATA with CRLF */
	unsigned int max_errors;	 /* [10] bad commands in a row before 421 */

	const char *spool_dir; /* required: messages are written here while DATA arrives */

	/* NULL: every peer may connect; otherwise false refuses with 554 5.7.1. */
	bool (*peer_allowed)(const struct sockaddr *sa, socklen_t len, void *arg);
	/*
	 * Required. The message is complete in path (Received: on top). Return
	 * 0 to accept: the file is the callee's now (move it or remove it), and
	 * the client gets 250 only after this returned. Otherwise write a full
	 * SMTP reply into reply ("452 4.3.1 Insufficient storage"; anything
	 * that is not one 4xx/5xx line becomes "451 4.3.0 ...") and the file is
	 * removed. path stays valid only during the call.
	 */
	int (*deliver)(const struct smtpd_envelope *env, const char *path, void *arg, char *reply,
		       size_t replylen);
	/* Optional: something the operator's status line or log should know. */
	void (*event)(enum smtpd_event ev, const char *peer, const char *detail, void *arg);
	void *arg;
};

/* Counters for status displays. */
struct smtpd_stats {
	unsigned int sessions_now;
	unsigned long long sessions_total;	/* sessions that got a greeting */
	unsigned long long sessions_refused;	/* peer_allowed() said no */
	unsigned long long sessions_over_limit; /* max_sessions reached */
	unsigned long long messages_accepted;	/* deliver() returned 0 */
	unsigned long long messages_refused;	/* by deliver(), size, line length */
	unsigned long long messages_aborted;	/* connection lost, stalled or stopped mid-DATA */
	unsigned long long bytes_accepted;
	unsigned long long tls_sessions;    /* handshakes that succeeded */
	unsigned long long tls_errors;	    /* handshakes that failed */
	unsigned long long tls_rejects;	    /* 530 in REQUIRED mode */
	unsigned long long stalls;	    /* command timeouts and the DATA stall rule */
	unsigned long long discarded_bytes; /* pipelined after STARTTLS, thrown away */
};

struct smtpd;

/*
 * A listening TCP socket on bind_addr (a numeric IPv4 or IPv6 address;
 * NULL: every address, IPv6 and IPv4 on one socket where the system has
 * IPv6) and port (0: any, see getsockname()). The fd, or -1 with err.
 */
int smtpd_listen(const char *bind_addr, uint16_t port, char *err, size_t errlen);

/*
 * Check opts, clean spool_dir of "*.part" files a crash left, and start
 * accepting in threads of our own: 0, or -1 with err. opts' strings must
 * stay valid until smtpd_stop().
 */
int smtpd_start(struct smtpd **out, const struct smtpd_opts *opts, char *err, size_t errlen);

/*
 * Stop accepting, end every session (421 to the idle ones; one in the
 * middle of DATA loses its partial file; one inside deliver() finishes it
 * first), join every thread and free s. NULL is fine.
 */
void smtpd_stop(struct smtpd *s);

void smtpd_get_stats(struct smtpd *s, struct smtpd_stats *out);

/* "198.18.0.5", "[2001:db8::5]" (an IPv4-mapped IPv6 address as IPv4); "?" when unknown. */
void smtpd_peer_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen);

#endif
