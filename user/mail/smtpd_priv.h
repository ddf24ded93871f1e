/*
 * Internals shared by smtpd.c (threads, limits, counters), smtpd_session.c
 * (the command state machine) and smtpd_message.c (one message after DATA).
 */
#ifndef IRSEND_MAIL_SMTPD_PRIV_H
#define IRSEND_MAIL_SMTPD_PRIV_H

#include <pthread.h>

#include "smtpd.h"
#include "smtpd_cmd.h"
#include "smtpd_io.h"

struct smtpd_session;

struct smtpd {
	struct smtpd_opts o; /* with the defaults filled in */
	char hostname[256];
	int stop_pipe[2]; /* written once by smtpd_stop(); every wait watches [0] */
	pthread_t acceptor;
	pthread_mutex_t lock;	     /* the lists and st */
	pthread_cond_t session_gone; /* a session moved from live to done */
	struct smtpd_session *live;  /* running */
	struct smtpd_session *done;  /* ended, to be joined */
	struct smtpd_stats st;
};

struct smtpd_session {
	struct smtpd *srv;
	struct smtpd_session *next;
	pthread_t thread;
	struct sockaddr_storage sa; /* IPv4-mapped addresses made AF_INET */
	socklen_t salen;
	char peer[64];
	bool over; /* the conversation has ended: close */

	/* Protocol state */
	bool greeted; /* HELO or EHLO since the connection or the TLS handshake */
	unsigned int errors;
	bool in_mail;	      /* MAIL accepted, transaction open */
	bool rcpt_tried;      /* some RCPT in this transaction, accepted or not */
	bool rcpt_limit_said; /* SMTPD_EV_LIMIT for recipients given in this transaction */
	size_t rcpt_cap;
	struct smtpd_envelope env; /* peer, helo, tls fields live here for the whole session */
	struct smtpd_cmd cmd;	   /* the command being handled (large: not on the stack) */

	struct smtpd_io io;
};

/* Thread body of one session (smtpd_session.c); it ends with smtpd_session_end(). */
void *smtpd_session_main(void *arg);

/* The session's thread is about to return: counters and lists (smtpd.c). */
void smtpd_session_end(struct smtpd_session *ss);

/* DATA accepted by the state machine: 354, the message, and the final reply (smtpd_message.c). */
void smtpd_message_receive(struct smtpd_session *ss);

/* Forget the transaction (MAIL, RCPT): after RSET, HELO/EHLO, TLS, the end of a message. */
void smtpd_transaction_reset(struct smtpd_session *ss);

/* Queue a reply; a failed write ends the session. */
void smtpd_reply(struct smtpd_session *ss, const char *text);

/* A last reply (or none), flushed within a short time, and the session is over. */
void smtpd_goodbye(struct smtpd_session *ss, const char *text);

/* smtpd_goodbye() with "421 <code> <our host name> <text>". */
void smtpd_goodbye_421(struct smtpd_session *ss, const char *code, const char *text);

/* event() with a printf-style detail; nothing when there is no callback. */
void smtpd_event(struct smtpd *s, enum smtpd_event ev, const char *peer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One counter of s->st (a field of it) up by n, under the lock. */
void smtpd_count(struct smtpd *s, unsigned long long *counter, unsigned long long n);

#endif
