// SPDX-License-Identifier: GPL-2.0
/*
 * The POP3 session: connection, greeting, capabilities, STLS, USER/PASS,
 * and the reply readers every command uses.
 */
#include "pop3_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "conn.h"
#include "errcodes.h"
#include "pop3_priv.h"

int pop3_fail(struct pop3 *p, int st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	if (st != POP3_E_SERVER)
		p->dead = 1;
	return st;
}

void pop3_quote(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < outlen && n < 80; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[n] = '\0';
}

/* A failure of the connection itself: #810, or #844 for the handshake. */
static int conn_fail(struct pop3 *p, int rc, const char *what)
{
	if (rc == IRS_CONN_NOMEM)
		return pop3_fail(p, POP3_E_NOMEM, "%s: out of memory", what);
	if (rc == IRS_CONN_TLS)
		return pop3_fail(p, POP3_E_TLS, "%s: %s", what, irs_conn_error(p->c));
	return pop3_fail(p, POP3_E_CONNECT, "%s: %s", what, irs_conn_error(p->c));
}

int pop3_send(struct pop3 *p, const char *line)
{
	size_t len = strlen(line);
	char *buf;
	int rc;

	if (p->dead)
		return POP3_E_STATE;
	buf = malloc(len + 3);
	if (!buf)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 3);
	rc = irs_conn_write(p->c, buf, len + 2);
	/* The line may have been PASS or an AUTH response. */
	OPENSSL_cleanse(buf, len + 2);
	free(buf);
	return rc ? conn_fail(p, rc, "sending to the POP server") : POP3_OK;
}

int pop3_reply(struct pop3 *p, const char **text)
{
	char *line, q[96];
	size_t len;
	int rc;

	if (p->dead)
		return POP3_E_STATE;
	rc = irs_conn_read_line(p->c, &line, &len);
	if (rc)
		return conn_fail(p, rc, "reading the POP server's reply");
	if (len > POP3_STATUS_MAX || strlen(line) != len)
		return pop3_fail(p, POP3_E_CONNECT, "POP server reply too long or with a NUL byte");
	/* "+OK" and "-ERR" exactly, followed by the end or a space (RFC 1939 section 3). */
	if (!strncmp(line, "+OK", 3) && (!line[3] || line[3] == ' ')) {
		*text = line[3] ? line + 4 : line + 3;
		return 1;
	}
	if (!strncmp(line, "-ERR", 4) && (!line[4] || line[4] == ' ')) {
		*text = line[4] ? line + 5 : line + 4;
		return 0;
	}
	pop3_quote(q, sizeof(q), line);
	return pop3_fail(p, POP3_E_CONNECT, "not a POP3 reply: \"%s\"", q);
}

int pop3_lines(struct pop3 *p, size_t max_len, int (*fn)(void *ctx, const char *line, size_t len),
	       void *ctx)
{
	for (;;) {
		char *line;
		size_t len;
		int rc = irs_conn_read_line(p->c, &line, &len);

		if (rc == IRS_CONN_EOF)
			return pop3_fail(
				p, POP3_E_CONNECT,
				"the POP server closed the connection in a multi-line reply");
		if (rc)
			return conn_fail(p, rc, "reading a multi-line reply");
		if (len > max_len)
			return pop3_fail(p, POP3_E_CONNECT, "POP server line over %zu characters",
					 max_len);
		if (line[0] == '.') {
			if (len == 1)
				return POP3_OK;
			line++;
			len--;
		}
		rc = fn(ctx, line, len);
		if (rc)
			return rc;
	}
}

/* The APOP timestamp of a greeting: "<" printable-no-space "@" ... ">" (RFC 1939 section 7). */
static void find_timestamp(struct pop3 *p, const char *greeting)
{
	const char *lt = strchr(greeting, '<'), *gt;
	size_t n;

	p->ts[0] = '\0';
	if (!lt)
		return;
	gt = strchr(lt, '>');
	if (!gt)
		return;
	n = (size_t)(gt - lt) + 1;
	if (n < 5 || n > POP3_TS_MAX)
		return;
	for (const char *c = lt + 1; c < gt; c++)
		if (*c <= 0x20 || *c >= 0x7f || *c == '<')
			return;
	if (!memchr(lt, '@', n))
		return;
	memcpy(p->ts, lt, n);
	p->ts[n] = '\0';
}

static int capa_line(void *ctx, const char *line, size_t len)
{
	struct pop3 *p = ctx;
	char word[16];
	size_t w = strcspn(line, " ");

	(void)len;
	if (w >= sizeof(word))
		return 0;
	memcpy(word, line, w);
	word[w] = '\0';
	if (!strcasecmp(word, "STLS"))
		p->caps |= POP3_CAP_STLS;
	else if (!strcasecmp(word, "UIDL"))
		p->caps |= POP3_CAP_UIDL;
	else if (!strcasecmp(word, "USER"))
		p->caps |= POP3_CAP_USER;
	else if (!strcasecmp(word, "SASL") && line[w]) {
		p->caps |= POP3_CAP_SASL;
		snprintf(p->sasl, sizeof(p->sasl), "%s", line + w + 1);
	}
	return 0;
}

/* CAPA; a server without it (RFC 1939 only) simply has no capabilities we know of. */
static int capa(struct pop3 *p)
{
	const char *text;
	int rc;

	p->caps = 0;
	p->sasl[0] = '\0';
	rc = pop3_send(p, "CAPA");
	if (!rc)
		rc = pop3_reply(p, &text);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return POP3_OK;
	return pop3_lines(p, POP3_STATUS_MAX, capa_line, p);
}

static int stls(struct pop3 *p, const struct pop3_opts *o)
{
	const char *text;
	char q[96];
	int rc;

	/* Seed 2.1.4: STLS asked for and not offered is an error, never a plaintext login. */
	if (!(p->caps & POP3_CAP_STLS))
		return pop3_fail(p, POP3_E_TLS, "the POP server does not offer STLS");
	rc = pop3_send(p, "STLS");
	if (!rc)
		rc = pop3_reply(p, &text);
	if (rc < 0)
		return rc == POP3_E_CONNECT ? pop3_fail(p, POP3_E_TLS, "STLS: %s", p->err) : rc;
	if (rc == 0) {
		pop3_quote(q, sizeof(q), text);
		return pop3_fail(p, POP3_E_TLS, "the POP server refused STLS: %s", q);
	}
	rc = irs_conn_starttls(p->c, o->tls, o->host);
	if (rc)
		return pop3_fail(p, POP3_E_TLS, "TLS with the POP server: %s",
				 irs_conn_error(p->c));
	p->tls = 1;
	/* RFC 2595 section 4: what was heard before TLS may have been forged. */
	return capa(p);
}

static int login_user(struct pop3 *p, const struct pop3_opts *o)
{
	const char *text;
	char *cmd;
	char q[96];
	int rc;

	if (asprintf(&cmd, "USER %s", o->user) < 0)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	rc = pop3_send(p, cmd);
	free(cmd);
	if (!rc)
		rc = pop3_reply(p, &text);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		pop3_quote(q, sizeof(q), text);
		return pop3_fail(p, POP3_E_LOGIN, "the POP server refused the user: %s", q);
	}
	if (asprintf(&cmd, "PASS %s", o->password) < 0)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	rc = pop3_send(p, cmd);
	OPENSSL_cleanse(cmd, strlen(cmd));
	free(cmd);
	if (!rc)
		rc = pop3_reply(p, &text);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		pop3_quote(q, sizeof(q), text);
		return pop3_fail(p, POP3_E_LOGIN, "the POP server refused the password: %s", q);
	}
	return POP3_OK;
}

/* Nothing that would end a command line early or add a second one. */
static int arg_ok(const char *s, int spaces)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (!spaces && *s == ' '))
			return 0;
	return 1;
}

int pop3_open(struct pop3 **out, const struct pop3_opts *o)
{
	struct pop3 *p = calloc(1, sizeof(*p));
	int timeout = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	unsigned int port = o->port ? o->port : o->implicit_tls ? 995 : 110;
	const char *text;
	int rc;

	*out = p;
	if (!p)
		return POP3_E_NOMEM;
	if (!o->host || !*o->host || !o->user || !*o->user || !o->password || !arg_ok(o->user, 0) ||
	    !arg_ok(o->password, 1) || strlen(o->user) > 200 || strlen(o->password) > 200)
		return pop3_fail(p, POP3_E_LOGIN,
				 "POP server, user or password missing or unusable");
	if ((o->stls || o->implicit_tls) && !o->tls)
		return pop3_fail(p, POP3_E_TLS, "TLS asked for without a TLS context");
	p->host = strdup(o->host);
	if (!p->host)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	rc = irs_conn_open(&p->c, o->host, port, timeout);
	if (rc == IRS_CONN_NOMEM && !p->c)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	if (rc)
		return pop3_fail(p, POP3_E_CONNECT, "%s", irs_conn_error(p->c));
	if (o->implicit_tls) {
		rc = irs_conn_starttls(p->c, o->tls, o->host);
		if (rc)
			return pop3_fail(p, POP3_E_TLS, "TLS with the POP server: %s",
					 irs_conn_error(p->c));
		p->tls = 1;
	}
	rc = pop3_reply(p, &text);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return pop3_fail(p, POP3_E_CONNECT, "the POP server greeted with -ERR");
	find_timestamp(p, text);
	rc = capa(p);
	if (!rc && o->stls && !o->implicit_tls)
		rc = stls(p, o);
	if (rc)
		return rc;
	switch (o->auth) {
	case POP3_AUTH_APOP:
		return pop3_login_apop(p, o);
	case POP3_AUTH_SASL:
		return pop3_login_sasl(p, o);
	default:
		return login_user(p, o);
	}
}

int pop3_is_tls(const struct pop3 *p)
{
	return p->tls;
}

const char *pop3_mechanism(const struct pop3 *p)
{
	return p->mech;
}

const char *pop3_error(const struct pop3 *p)
{
	return p ? p->err : "out of memory";
}

void pop3_close(struct pop3 *p)
{
	if (!p)
		return;
	if (p->c)
		irs_conn_close(p->c);
	free(p->host);
	free(p);
}

int pop3_before_smtp(const struct pop3_opts *o, char *err, size_t errlen)
{
	struct pop3 *p;
	int rc = pop3_open(&p, o);

	/* The login is what opens the relay window; QUIT only ends it politely. */
	if (!rc)
		rc = pop3_quit(p);
	if (rc && err && errlen)
		snprintf(err, errlen, "%s", pop3_error(p));
	pop3_close(p);
	return rc == POP3_E_SERVER ? POP3_OK : rc;
}

unsigned int pop3_errcode(int status)
{
	switch (status) {
	case POP3_OK:
		return 0;
	case POP3_E_LOGIN:
		return IRS_E_POP_LOGIN;
	case POP3_E_TLS:
		return IRS_E_POP_TLS;
	case POP3_E_AUTH:
		return IRS_E_POP_AUTH;
	case POP3_E_APOP:
		return IRS_E_APOP;
	default:
		return IRS_E_POP_CONNECT;
	}
}

const char *pop3_status_message(int status)
{
	switch (status) {
	case POP3_OK:
		return "OK";
	case POP3_E_LOGIN:
		return "POP server address error";
	case POP3_E_TLS:
		return "SSL Error (POP)";
	case POP3_E_AUTH:
		return "POP AUTH Encryption Error";
	case POP3_E_APOP:
		return "APOP Authentication Error";
	case POP3_E_UIDL:
		return "POP server UIDL error";
	case POP3_E_SERVER:
	case POP3_E_TOO_BIG:
		return "No response";
	default:
		return "POP server connection error";
	}
}
