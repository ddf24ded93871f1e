// SPDX-License-Identifier: GPL-2.0
/*
 * One SMTP session: the greeting, then one command at a time through the
 * parser (smtpd_cmd.h) and the RFC 5321 sequence rules, STARTTLS with its
 * reset, the REQUIRED-mode gate, and every way a session ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd_priv.h"

/* How long a last reply may take to go out before the connection is closed anyway. */
#define GOODBYE_MS 2000

static int64_t command_deadline(const struct smtpd_session *ss)
{
	return smtpd_now_ms() + ss->srv->o.command_timeout_ms;
}

void smtpd_reply(struct smtpd_session *ss, const char *text)
{
	if (ss->over)
		return;
	if (smtpd_io_reply(&ss->io, text, command_deadline(ss)))
		ss->over = true;
}

void smtpd_goodbye(struct smtpd_session *ss, const char *text)
{
	if (ss->over)
		return;
	ss->over = true;
	/* the last words go out even when the session's time or the server is over */
	ss->io.session_end_ms = INT64_MAX;
	if (text && smtpd_io_reply(&ss->io, text, smtpd_now_ms() + GOODBYE_MS))
		return;
	smtpd_io_flush(&ss->io, smtpd_now_ms() + GOODBYE_MS, false);
}

void smtpd_goodbye_421(struct smtpd_session *ss, const char *code, const char *text)
{
	char r[400];

	snprintf(r, sizeof(r), "421 %s %s %s", code, ss->srv->hostname, text);
	smtpd_goodbye(ss, r);
}

void smtpd_transaction_reset(struct smtpd_session *ss)
{
	struct smtpd_envelope *e = &ss->env;

	for (size_t i = 0; i < e->nrcpt; i++)
		free(e->rcpt[i]);
	free(e->rcpt);
	free(e->rcpt_dsn);
	e->rcpt = NULL;
	e->rcpt_dsn = NULL;
	e->nrcpt = 0;
	ss->rcpt_cap = 0;
	e->mail_from[0] = '\0';
	e->declared_size = 0;
	e->body = SMTPD_BODY_NONE;
	e->dsn_ret = SMTPD_RET_NONE;
	e->dsn_envid[0] = '\0';
	e->id[0] = '\0';
	e->size = 0;
	ss->in_mail = ss->rcpt_tried = ss->rcpt_limit_said = false;
}

/* A refusal that counts toward max_errors. */
static void bad(struct smtpd_session *ss, const char *text)
{
	smtpd_reply(ss, text);
	ss->errors++;
}

static void ok(struct smtpd_session *ss, const char *text)
{
	smtpd_reply(ss, text);
	ss->errors = 0;
}

static void do_ehlo(struct smtpd_session *ss, bool ehlo)
{
	struct smtpd *s = ss->srv;
	char lines[8][64];
	size_t n = 0;
	char r[600]; /* room for any line below as the compiler counts it */

	smtpd_transaction_reset(ss);
	snprintf(ss->env.helo, sizeof(ss->env.helo), "%s", ss->cmd.arg);
	ss->env.esmtp = ehlo;
	ss->greeted = true;
	if (!ehlo) {
		snprintf(r, sizeof(r), "250 %s", s->hostname);
		ok(ss, r);
		return;
	}
	snprintf(lines[n++], sizeof(lines[0]), "PIPELINING");
	snprintf(lines[n++], sizeof(lines[0]), "SIZE %zu", s->o.max_message_bytes);
	snprintf(lines[n++], sizeof(lines[0]), "8BITMIME");
	snprintf(lines[n++], sizeof(lines[0]), "ENHANCEDSTATUSCODES");
	snprintf(lines[n++], sizeof(lines[0]), "DSN");
	if (s->o.tls_mode != SMTPD_TLS_OFF && !ss->io.ssl)
		snprintf(lines[n++], sizeof(lines[0]), "STARTTLS");
	snprintf(r, sizeof(r), "250-%s", s->hostname);
	smtpd_reply(ss, r);
	for (size_t i = 0; i < n; i++) {
		snprintf(r, sizeof(r), "250%c%s", i + 1 < n ? '-' : ' ', lines[i]);
		smtpd_reply(ss, r);
	}
	ss->errors = 0;
}

static void do_mail(struct smtpd_session *ss)
{
	struct smtpd *s = ss->srv;
	const struct smtpd_cmd *c = &ss->cmd;

	if (!ss->greeted) {
		bad(ss, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (ss->in_mail) {
		bad(ss, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (c->has_params && !ss->env.esmtp) {
		bad(ss, "555 5.5.4 Error: ESMTP parameters need EHLO");
		return;
	}
	if (c->has_size && c->size > s->o.max_message_bytes) {
		smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "MAIL SIZE=%llu over the limit of %zu",
			    c->size, s->o.max_message_bytes);
		smtpd_reply(ss, "552 5.3.4 Error: message size exceeds fixed limit");
		return;
	}
	snprintf(ss->env.mail_from, sizeof(ss->env.mail_from), "%s", c->path);
	ss->env.declared_size = c->has_size ? c->size : 0;
	ss->env.body = c->body;
	ss->env.dsn_ret = c->ret;
	snprintf(ss->env.dsn_envid, sizeof(ss->env.dsn_envid), "%s", c->envid);
	ss->in_mail = true;
	ok(ss, "250 2.1.0 Ok");
}

static void do_rcpt(struct smtpd_session *ss)
{
	struct smtpd *s = ss->srv;
	struct smtpd_envelope *e = &ss->env;
	const struct smtpd_cmd *c = &ss->cmd;
	struct smtpd_rcpt_dsn *d;

	if (!ss->in_mail) {
		bad(ss, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (c->has_params && !e->esmtp) {
		bad(ss, "555 5.5.4 Error: ESMTP parameters need EHLO");
		return;
	}
	ss->rcpt_tried = true;
	if (e->nrcpt >= s->o.max_recipients) {
		/* RFC 5321 4.5.3.1.10: the client sends the rest in another transaction */
		if (!ss->rcpt_limit_said)
			smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "more than %u recipients",
				    s->o.max_recipients);
		ss->rcpt_limit_said = true;
		smtpd_reply(ss, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (e->nrcpt == ss->rcpt_cap) {
		size_t cap = ss->rcpt_cap ? 2 * ss->rcpt_cap : 8;
		char **r = realloc(e->rcpt, cap * sizeof(*r));

		if (r)
			e->rcpt = r;
		d = r ? realloc(e->rcpt_dsn, cap * sizeof(*d)) : NULL;
		if (!d) {
			smtpd_event(s, SMTPD_EV_LOCAL, ss->peer, "out of memory");
			smtpd_reply(ss, "452 4.3.0 Error: insufficient resources");
			return;
		}
		e->rcpt_dsn = d;
		ss->rcpt_cap = cap;
	}
	e->rcpt[e->nrcpt] = strdup(c->path);
	if (!e->rcpt[e->nrcpt]) {
		smtpd_event(s, SMTPD_EV_LOCAL, ss->peer, "out of memory");
		smtpd_reply(ss, "452 4.3.0 Error: insufficient resources");
		return;
	}
	d = &e->rcpt_dsn[e->nrcpt++];
	d->notify = c->notify;
	snprintf(d->orcpt_type, sizeof(d->orcpt_type), "%s", c->orcpt_type);
	snprintf(d->orcpt, sizeof(d->orcpt), "%s", c->orcpt);
	ok(ss, "250 2.1.5 Ok");
}

static void do_data(struct smtpd_session *ss)
{
	if (!ss->in_mail) {
		bad(ss, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (ss->env.nrcpt == 0) {
		bad(ss, ss->rcpt_tried ? "554 5.5.1 Error: no valid recipients"
				       : "503 5.5.1 Error: need RCPT command");
		return;
	}
	ss->errors = 0;
	smtpd_message_receive(ss);
}

static void do_starttls(struct smtpd_session *ss)
{
	struct smtpd *s = ss->srv;
	size_t dropped;
	int rc;

	if (s->o.tls_mode == SMTPD_TLS_OFF) {
		bad(ss, "502 5.5.1 Error: STARTTLS not available");
		return;
	}
	if (ss->io.ssl) {
		bad(ss, "503 5.5.1 Error: TLS already active");
		return;
	}
	smtpd_reply(ss, "220 2.0.0 Ready to start TLS");
	if (ss->over || smtpd_io_flush(&ss->io, command_deadline(ss), true)) {
		ss->over = true;
		return;
	}
	/* pipelined after STARTTLS: an injection attempt, never a command (CVE-2011-0411) */
	dropped = smtpd_io_discard(&ss->io);
	if (dropped) {
		smtpd_count(s, &s->st.discarded_bytes, dropped);
		smtpd_event(s, SMTPD_EV_PROTOCOL, ss->peer,
			    "%zu bytes sent before the TLS handshake thrown away", dropped);
	}
	rc = smtpd_io_starttls(&ss->io, s->o.tls_ctx, command_deadline(ss));
	if (rc) {
		ss->over = true;
		if (rc == SMTPD_IO_STOP)
			return;
		smtpd_count(s, &s->st.tls_errors, 1);
		smtpd_event(s, SMTPD_EV_TLS_ERROR, ss->peer, "TLS handshake failed: %s",
			    ss->io.tls_error);
		return;
	}
	smtpd_count(s, &s->st.tls_sessions, 1);
	ss->env.tls = true;
	snprintf(ss->env.tls_version, sizeof(ss->env.tls_version), "%s",
		 SSL_get_version(ss->io.ssl));
	snprintf(ss->env.tls_cipher, sizeof(ss->env.tls_cipher), "%s",
		 SSL_CIPHER_get_name(SSL_get_current_cipher(ss->io.ssl)));
	/* RFC 3207 4.2: forget everything said in the clear; the client greets again */
	smtpd_transaction_reset(ss);
	ss->greeted = false;
	ss->env.esmtp = false;
	ss->env.helo[0] = '\0';
	ss->errors = 0;
}

/* MAIL and its kind before STARTTLS, when TLS is required. */
static bool needs_tls(enum smtpd_verb v)
{
	switch (v) {
	case SMTPD_VERB_MAIL:
	case SMTPD_VERB_RCPT:
	case SMTPD_VERB_DATA:
	case SMTPD_VERB_VRFY:
	case SMTPD_VERB_EXPN:
	case SMTPD_VERB_AUTH:
	case SMTPD_VERB_BDAT:
	case SMTPD_VERB_ETRN:
		return true;
	default:
		return false;
	}
}

static void handle_command(struct smtpd_session *ss, const char *line, size_t len)
{
	struct smtpd *s = ss->srv;
	const char *refusal = smtpd_cmd_parse(line, len, &ss->cmd);
	enum smtpd_verb v = ss->cmd.verb;

	if (s->o.tls_mode == SMTPD_TLS_REQUIRED && !ss->io.ssl && needs_tls(v)) {
		smtpd_count(s, &s->st.tls_rejects, 1);
		smtpd_event(s, SMTPD_EV_TLS_REJECT, ss->peer, "%s before STARTTLS",
			    smtpd_verb_name(v));
		smtpd_goodbye(ss, "530 Must issue a STARTTLS command first");
		return;
	}
	if (v == SMTPD_VERB_HTTP) {
		smtpd_event(s, SMTPD_EV_PROTOCOL, ss->peer, "%s: a web request",
			    smtpd_verb_name(v));
		smtpd_goodbye(ss, "521 5.5.1 Error: this is an SMTP server");
		return;
	}
	if (refusal) {
		/* a refused recipient is a recipient tried: DATA then says "no valid recipients" */
		if (v == SMTPD_VERB_RCPT && ss->in_mail)
			ss->rcpt_tried = true;
		bad(ss, refusal);
		return;
	}
	switch (v) {
	case SMTPD_VERB_HELO:
	case SMTPD_VERB_EHLO:
		do_ehlo(ss, v == SMTPD_VERB_EHLO);
		break;
	case SMTPD_VERB_MAIL:
		do_mail(ss);
		break;
	case SMTPD_VERB_RCPT:
		do_rcpt(ss);
		break;
	case SMTPD_VERB_DATA:
		do_data(ss);
		break;
	case SMTPD_VERB_RSET:
		smtpd_transaction_reset(ss);
		ok(ss, "250 2.0.0 Ok");
		break;
	case SMTPD_VERB_NOOP:
		ok(ss, "250 2.0.0 Ok");
		break;
	case SMTPD_VERB_QUIT:
		smtpd_goodbye(ss, "221 2.0.0 Bye");
		break;
	case SMTPD_VERB_VRFY:
		ok(ss, "252 2.5.2 Cannot verify the user; send mail and it will be tried");
		break;
	case SMTPD_VERB_HELP:
		ok(ss, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY "
		       "HELP STARTTLS");
		break;
	case SMTPD_VERB_STARTTLS:
		do_starttls(ss);
		break;
	case SMTPD_VERB_AUTH:
		bad(ss, "502 5.5.1 Error: authentication not enabled");
		break;
	default: /* EXPN, BDAT, ETRN */
		bad(ss, "502 5.5.1 Error: command not implemented");
		break;
	}
}

/* A read that did not give a command: what the client gets, if anything, and why. */
static void handle_status(struct smtpd_session *ss, int rc)
{
	struct smtpd *s = ss->srv;

	switch (rc) {
	case SMTPD_IO_TOOLONG:
		smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "command line over %zu octets",
			    s->o.max_line);
		bad(ss, "500 5.5.2 Line too long");
		break;
	case SMTPD_IO_TIMEOUT:
		smtpd_count(s, &s->st.stalls, 1);
		smtpd_event(s, SMTPD_EV_STALL, ss->peer, "no command within %u ms",
			    s->o.command_timeout_ms);
		smtpd_goodbye_421(ss, "4.4.2", "Error: timeout exceeded");
		break;
	case SMTPD_IO_SESSION:
		smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "session longer than %u s",
			    s->o.session_timeout_s);
		smtpd_goodbye_421(ss, "4.4.2", "Error: session time limit exceeded");
		break;
	case SMTPD_IO_STOP:
		smtpd_goodbye_421(ss, "4.3.2", "Service shutting down");
		break;
	case SMTPD_IO_BARE_LF:
		smtpd_event(s, SMTPD_EV_PROTOCOL, ss->peer, "bare LF in a command line");
		smtpd_goodbye(ss, "521 5.5.2 Error: bare <LF> received");
		break;
	case SMTPD_IO_FLOOD:
		smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "a line without end");
		smtpd_goodbye_421(ss, "4.7.0", "Error: line too long");
		break;
	default: /* EOF, ERROR: nobody to talk to */
		ss->over = true;
		return;
	}
}

void *smtpd_session_main(void *arg)
{
	struct smtpd_session *ss = arg;
	struct smtpd *s = ss->srv;
	const char *first;
	char greeting[300];
	int rc;

	smtpd_io_init(&ss->io, ss->io.fd, s->stop_pipe[0],
		      smtpd_now_ms() + (int64_t)s->o.session_timeout_s * 1000);
	snprintf(ss->env.peer, sizeof(ss->env.peer), "%s", ss->peer);
	snprintf(greeting, sizeof(greeting), "220 %s ESMTP irsend", s->hostname);
	smtpd_reply(ss, greeting);
	/* A TLS ClientHello first: a client that wants implicit TLS (465), not offered here. */
	rc = smtpd_io_fill(&ss->io, command_deadline(ss));
	if (rc)
		handle_status(ss, rc);
	else if (smtpd_io_pending(&ss->io, &first) && first[0] == 0x16) {
		smtpd_event(s, SMTPD_EV_PROTOCOL, ss->peer,
			    "TLS handshake without STARTTLS (implicit TLS is not offered)");
		ss->over = true;
	}
	while (!ss->over) {
		char *line;
		size_t len;

		rc = smtpd_io_line(&ss->io, s->o.max_line, command_deadline(ss), &line, &len);
		if (rc)
			handle_status(ss, rc);
		else
			handle_command(ss, line, len);
		if (!ss->over && ss->errors >= s->o.max_errors) {
			smtpd_event(s, SMTPD_EV_PROTOCOL, ss->peer, "%u bad commands in a row",
				    ss->errors);
			smtpd_goodbye_421(ss, "4.7.0", "Error: too many errors");
		}
	}
	smtpd_transaction_reset(ss);
	smtpd_io_close(&ss->io);
	smtpd_session_end(ss);
	return NULL;
}
