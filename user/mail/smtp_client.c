// SPDX-License-Identifier: GPL-2.0
/*
 * The SMTP session: replies, greeting, EHLO/HELO, STARTTLS and implicit
 * TLS, and the MAIL/RCPT/DATA transaction. AUTH is in smtp_auth.c, the
 * DATA stream in smtp_data.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "errcodes.h"
#include "krb5_login.h"
#include "smtp_priv.h"

unsigned int smtp_fail(struct irs_smtp *s, unsigned int code, int temporary, const char *fmt, ...)
{
	struct irs_smtp_result *r = s->res;
	va_list ap;

	if (r->code && r->code != IRS_E_SENT)
		return r->code;
	r->code = code;
	r->temporary = temporary;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(r->text, sizeof(r->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

unsigned int smtp_fail_reply(struct irs_smtp *s, unsigned int code, int reply)
{
	return smtp_fail(s, code, reply / 100 == 4, NULL);
}

unsigned int smtp_fail_conn(struct irs_smtp *s, int status)
{
	unsigned int code = irs_conn_errcode(s->c, status);
	int temporary = code == IRS_E_NETWORK || code == IRS_E_SERVER || code == IRS_E_CONNECT;

	s->broken = 1;
	return smtp_fail(s, code, temporary, "%s", irs_conn_error(s->c));
}

unsigned int smtp_check_cancel(struct irs_smtp *s)
{
	if (s->o.cancelled && s->o.cancelled(s->o.cancel_arg)) {
		s->broken = 1; /* mid-DATA a QUIT would end the message: just hang up */
		return smtp_fail(s, IRS_E_CANCELLED, 0, "cancelled");
	}
	return 0;
}

unsigned int smtp_send_line(struct irs_smtp *s, const char *line, const char *redact)
{
	size_t n = strlen(line);
	char *buf = malloc(n + 3);
	int rc;

	if (!buf)
		return smtp_fail(s, IRS_E_NETWORK, 1, "out of memory");
	if (s->o.trace)
		s->o.trace(s->o.trace_arg, '>', redact ? redact : line);
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 3);
	rc = irs_conn_write(s->c, buf, n + 2);
	explicit_bzero(buf, n + 2); /* it may be an AUTH response */
	free(buf);
	return rc ? smtp_fail_conn(s, rc) : 0;
}

/* Keep a printable copy of a reply's text (lines joined by spaces) in res->text. */
static void keep_text(struct irs_smtp *s, const char *line, size_t len, int first)
{
	char *t = s->res->text;
	size_t used = first ? 0 : strlen(t);

	if (!first && used + 1 < sizeof(s->res->text))
		t[used++] = ' ';
	for (size_t i = 0; i < len && used + 1 < sizeof(s->res->text); i++)
		t[used++] = isprint((unsigned char)line[i]) ? line[i] : '?';
	t[used] = '\0';
}

unsigned int smtp_read_reply(struct irs_smtp *s, int *code,
			     void (*each)(struct irs_smtp *s, const char *text, size_t len),
			     int keep)
{
	int first = -1;

	for (int n = 0; n < SMTP_REPLY_LINES_MAX; n++) {
		char *line;
		size_t len;
		int rc = irs_conn_read_line(s->c, &line, &len), c;

		if (rc)
			return smtp_fail_conn(s, rc);
		if (s->o.trace)
			s->o.trace(s->o.trace_arg, '<', line);
		/* "ddd", "ddd text" or "ddd-text", the same ddd on every line, 2xx to 5xx. */
		if (len < 3 || !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) || !isdigit((unsigned char)line[2]) ||
		    line[0] < '2' || line[0] > '5' ||
		    (len > 3 && line[3] != ' ' && line[3] != '-') || memchr(line, '\0', len)) {
			char shown[100];

			s->broken = 1;
			keep_text(s, line, len < 80 ? len : 80, 1);
			snprintf(shown, sizeof(shown), "%.80s", s->res->text);
			return smtp_fail(s, IRS_E_SERVER, 1, "malformed reply from the server: %s",
					 shown);
		}
		c = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (first >= 0 && c != first) {
			s->broken = 1;
			return smtp_fail(s, IRS_E_SERVER, 1,
					 "server changed the reply code within one reply (%d, %d)",
					 first, c);
		}
		first = c;
		if (keep)
			keep_text(s, line, len, n == 0);
		if (each)
			each(s, len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0);
		if (len == 3 || line[3] == ' ') {
			*code = c;
			s->res->reply = c;
			s->last = len > 4 ? line + 4 : "";
			s->last_len = len > 4 ? len - 4 : 0;
			return 0;
		}
	}
	s->broken = 1;
	return smtp_fail(s, IRS_E_SERVER, 1, "server reply longer than %d lines",
			 SMTP_REPLY_LINES_MAX);
}

/* The keyword of an EHLO line, case-insensitively, followed by the end or a space / '='. */
static const char *ehlo_kw(const char *text, size_t len, const char *kw)
{
	size_t k = strlen(kw);

	if (len < k || strncasecmp(text, kw, k))
		return NULL;
	if (len == k)
		return text + k;
	return text[k] == ' ' || text[k] == '=' ? text + k + 1 : NULL;
}

static void add_auth(struct irs_smtp *s, const char *list)
{
	char *a = s->caps.auth;
	size_t used = strlen(a);

	for (const char *p = list; *p && used + 2 < sizeof(s->caps.auth); p++) {
		char ch = (char)toupper((unsigned char)*p);

		if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_')
			ch = ' ';
		if (ch == ' ' && (!used || a[used - 1] == ' '))
			continue;
		a[used++] = ch;
	}
	while (used && a[used - 1] == ' ')
		used--;
	if (used && used + 1 < sizeof(s->caps.auth))
		a[used++] = ' '; /* "AUTH a" and "AUTH=b" lines add up */
	a[used] = '\0';
}

static void ehlo_line(struct irs_smtp *s, const char *text, size_t len)
{
	const char *v;

	if (ehlo_kw(text, len, "STARTTLS"))
		s->caps.starttls = 1;
	else if (ehlo_kw(text, len, "PIPELINING"))
		s->caps.pipelining = 1;
	else if (ehlo_kw(text, len, "8BITMIME"))
		s->caps.eightbitmime = 1;
	else if (ehlo_kw(text, len, "DSN"))
		s->caps.dsn = 1;
	else if (ehlo_kw(text, len, "SMTPUTF8"))
		s->caps.smtputf8 = 1;
	else if ((v = ehlo_kw(text, len, "SIZE")) != NULL) {
		s->caps.has_size = 1;
		s->caps.size = strtoull(v, NULL, 10);
	} else if ((v = ehlo_kw(text, len, "AUTH")) != NULL)
		add_auth(s, v);
}

static void ehlo_each(struct irs_smtp *s, const char *text, size_t len)
{
	/* The first line is the greeting of EHLO, the rest are capabilities. */
	if (s->caps.esmtp++)
		ehlo_line(s, text, len);
}

/* EHLO with capability parsing (the replies are seen line by line through ehlo_each). */
static unsigned int hello(struct irs_smtp *s)
{
	char cmd[300];
	unsigned int rc;
	int code;

	memset(&s->caps, 0, sizeof(s->caps));
	snprintf(cmd, sizeof(cmd), "EHLO %s", s->helo);
	rc = smtp_send_line(s, cmd, NULL);
	if (!rc)
		rc = smtp_read_reply(s, &code, ehlo_each, 1);
	if (rc)
		return rc;
	if (code == 250) {
		s->caps.esmtp = 1;
		return 0;
	}
	memset(&s->caps, 0, sizeof(s->caps));
	if (code / 100 == 4)
		return smtp_fail_reply(s, IRS_E_SERVER, code);
	snprintf(cmd, sizeof(cmd), "HELO %s", s->helo);
	rc = smtp_send_line(s, cmd, NULL);
	if (!rc)
		rc = smtp_read_reply(s, &code, NULL, 1);
	if (rc)
		return rc;
	return code == 250 ? 0 : smtp_fail_reply(s, IRS_E_SERVER, code);
}

static unsigned int handshake(struct irs_smtp *s)
{
	int rc = irs_conn_starttls(s->c, s->o.tls_ctx, s->o.host);

	if (rc)
		return smtp_fail_conn(s, rc);
	s->res->tls = 1;
	return 0;
}

/* A host name for EHLO that cannot break the command line. */
static void pick_helo(struct irs_smtp *s)
{
	const char *h = s->o.helo_name;
	char host[256] = "";
	size_t n = 0;

	if (!h || !*h) {
		if (gethostname(host, sizeof(host) - 1))
			host[0] = '\0';
		h = host;
	}
	for (; *h && n + 1 < sizeof(s->helo); h++)
		if (isalnum((unsigned char)*h) || strchr(".-_[]:", *h))
			s->helo[n++] = *h;
	s->helo[n] = '\0';
	if (!n)
		snprintf(s->helo, sizeof(s->helo), "localhost");
}

/*
 * Postfix (smtpd_tls_req_ccert) asks for a certificate, finishes the
 * handshake without one, then refuses with 421 "No client certificate
 * presented": a refusal right after a handshake in which we were asked and
 * had none is #842, whatever the words.
 */
static unsigned int cert_refusal(struct irs_smtp *s, unsigned int rc)
{
	if (rc == IRS_E_SERVER && irs_conn_cert_requested(s->c)) {
		s->res->code = IRS_E_TLS_CLIENT_CERT;
		s->res->temporary = 0;
		return IRS_E_TLS_CLIENT_CERT;
	}
	return rc;
}

static void res_init(struct irs_smtp_result *res)
{
	memset(res, 0, sizeof(*res));
}

int irs_smtp_open(struct irs_smtp **out, const struct irs_smtp_opts *opts,
		  struct irs_smtp_result *res)
{
	struct irs_smtp *s = calloc(1, sizeof(*s));
	unsigned int rc;
	int st, code;

	*out = NULL;
	res_init(res);
	if (!s)
		return (int)smtp_fail(&(struct irs_smtp){ .res = res }, IRS_E_NETWORK, 1,
				      "out of memory");
	s->o = *opts;
	s->res = res;
	pick_helo(s);
	if (opts->tls != IRS_SMTP_TLS_OFF && !opts->tls_ctx) {
		free(s);
		return (int)smtp_fail(&(struct irs_smtp){ .res = res }, IRS_E_TLS_HANDSHAKE, 0,
				      "TLS asked for without a TLS context");
	}
	st = irs_conn_open(&s->c, opts->host, opts->port, opts->timeout_ms);
	if (st) {
		rc = smtp_fail_conn(s, st);
		goto fail;
	}
	if (opts->cancelled)
		irs_conn_set_cancel(s->c, opts->cancelled, opts->cancel_arg);
	if (opts->tls == IRS_SMTP_TLS_IMPLICIT && (rc = handshake(s)) != 0)
		goto fail;
	if ((rc = smtp_check_cancel(s)) || (rc = smtp_read_reply(s, &code, NULL, 1)))
		goto fail;
	if (code != 220) {
		rc = cert_refusal(s, smtp_fail(s, IRS_E_SERVER, code / 100 == 4, NULL));
		goto fail;
	}
	if ((rc = hello(s)) != 0)
		goto fail;
	if (opts->tls == IRS_SMTP_TLS_STARTTLS) {
		if (!s->caps.starttls) {
			rc = smtp_fail(s, IRS_E_TLS_HANDSHAKE, 0,
				       "the server does not offer STARTTLS, and TLS is required");
			goto fail;
		}
		if ((rc = smtp_send_line(s, "STARTTLS", NULL)) ||
		    (rc = smtp_read_reply(s, &code, NULL, 1)))
			goto fail;
		if (code != 220) {
			char why[sizeof(res->text)];

			snprintf(why, sizeof(why), "%s", res->text);
			rc = smtp_fail(s, IRS_E_TLS_HANDSHAKE, 0, "STARTTLS refused: %s", why);
			goto fail;
		}
		if ((rc = handshake(s)) != 0 || (rc = hello(s)) != 0) {
			rc = cert_refusal(s, rc);
			goto fail;
		}
	}
	if ((rc = smtp_check_cancel(s)) || (rc = smtp_auth(s)))
		goto fail;
	snprintf(s->mech, sizeof(s->mech), "%s", res->mech);
	s->res = NULL; /* res belongs to the caller; each send gets its own */
	*out = s;
	return 0;
fail:
	irs_smtp_close(s);
	return (int)rc;
}

const struct irs_smtp_caps *irs_smtp_caps(const struct irs_smtp *s)
{
	return &s->caps;
}

void irs_smtp_close(struct irs_smtp *s)
{
	if (!s)
		return;
	if (s->c && !s->broken) {
		int code;
		struct irs_smtp_result scratch, *keep = s->res;

		/* QUIT's own troubles must not overwrite the session's result. */
		memset(&scratch, 0, sizeof(scratch));
		s->res = &scratch;
		irs_conn_set_timeout(s->c, 2000);
		if (!smtp_send_line(s, "QUIT", NULL))
			smtp_read_reply(s, &code, NULL, 0);
		s->res = keep;
	}
	irs_conn_close(s->c);
	irs_krb5_logout(s->krb5);
	free(s);
}

/* An address usable inside <...> of a command: printable, no spaces, brackets or controls. */
static int addr_ok(const char *a)
{
	size_t n = strlen(a);

	if (n > 320)
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a <= ' ' || *a == '<' || *a == '>' || *a == 0x7f)
			return 0;
	return 1;
}

/* xtext (RFC 3461): '+', '=' and anything not printable as +XX. */
static void xtext(char *out, size_t outlen, const char *in)
{
	size_t n = 0;

	for (; *in && n + 4 < outlen; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch < '!' || ch > '~' || ch == '+' || ch == '=')
			n += (size_t)snprintf(out + n, outlen - n, "+%02X", ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = '\0';
}

/* A DSN keyword list: letters and commas only, or NULL. */
static const char *dsn_word(const char *w)
{
	if (!w || !*w || strlen(w) > 64)
		return NULL;
	for (const char *p = w; *p; p++)
		if (!isalpha((unsigned char)*p) && *p != ',')
			return NULL;
	return w;
}

static unsigned int mail_from(struct irs_smtp *s, const struct irs_smtp_msg *m, char *cmd,
			      size_t len)
{
	size_t n = (size_t)snprintf(cmd, len, "MAIL FROM:<%s>", m->from);

	if (s->caps.has_size && m->size >= 0)
		n += (size_t)snprintf(cmd + n, len - n, " SIZE=%lld", m->size);
	if (s->caps.eightbitmime && m->body_8bit)
		n += (size_t)snprintf(cmd + n, len - n, " BODY=8BITMIME");
	if (s->caps.dsn && dsn_word(m->dsn_ret))
		n += (size_t)snprintf(cmd + n, len - n, " RET=%s", m->dsn_ret);
	if (s->caps.dsn && m->dsn_envid && *m->dsn_envid) {
		char x[200];

		xtext(x, sizeof(x), m->dsn_envid);
		n += (size_t)snprintf(cmd + n, len - n, " ENVID=%s", x);
	}
	return n < len ? 0 : smtp_fail(s, IRS_E_BAD_ADDRESS, 0, "sender address too long");
}

static void rcpt_cmd(struct irs_smtp *s, const struct irs_smtp_msg *m, size_t i, char *cmd,
		     size_t len)
{
	size_t n = (size_t)snprintf(cmd, len, "RCPT TO:<%s>", m->rcpt[i].addr);

	if (s->caps.dsn && dsn_word(m->dsn_notify))
		snprintf(cmd + n, len - n, " NOTIFY=%s", m->dsn_notify);
}

/* Interpret MAIL FROM's reply. */
static unsigned int mail_reply(struct irs_smtp *s, int code)
{
	if (code == 250)
		return 0;
	if (code == 552 || strstr(s->res->text, "5.3.4"))
		return smtp_fail_reply(s, IRS_E_TOO_BIG, code);
	if (code / 100 == 5 && (strstr(s->res->text, "5.1.7") || strstr(s->res->text, "5.1.8")))
		return smtp_fail_reply(s, IRS_E_BAD_ADDRESS, code);
	return smtp_fail_reply(s, IRS_E_SERVER, code);
}

static void rcpt_reply(struct irs_smtp *s, struct irs_smtp_rcpt *r, int code)
{
	r->reply = code;
	if (code == 250 || code == 251) {
		r->code = 0;
		s->res->accepted++;
	} else {
		r->code = IRS_E_BAD_ADDRESS;
		r->temporary = code / 100 == 4;
		s->res->refused++;
	}
}

/* MAIL and the RCPTs, pipelined in one write when the server allows it. */
static unsigned int envelope(struct irs_smtp *s, struct irs_smtp_msg *m)
{
	size_t cap = 512 * (m->nrcpt + 1), n = 0;
	char *batch = s->caps.pipelining ? malloc(cap) : NULL;
	char cmd[512];
	unsigned int rc;
	int code;

	if ((rc = mail_from(s, m, cmd, sizeof(cmd))))
		goto out;
	if (!batch) {
		if ((rc = smtp_send_line(s, cmd, NULL)) ||
		    (rc = smtp_read_reply(s, &code, NULL, 1)) || (rc = mail_reply(s, code)))
			goto out;
		for (size_t i = 0; i < m->nrcpt; i++) {
			if ((rc = smtp_check_cancel(s)))
				goto out;
			rcpt_cmd(s, m, i, cmd, sizeof(cmd));
			if ((rc = smtp_send_line(s, cmd, NULL)) ||
			    (rc = smtp_read_reply(s, &code, NULL, 1)))
				goto out;
			rcpt_reply(s, &m->rcpt[i], code);
		}
		goto out;
	}
	/* RFC 2920: the whole group in one write, then the replies in order. */
	n += (size_t)snprintf(batch + n, cap - n, "%s\r\n", cmd);
	if (s->o.trace)
		s->o.trace(s->o.trace_arg, '>', cmd);
	for (size_t i = 0; i < m->nrcpt; i++) {
		rcpt_cmd(s, m, i, cmd, sizeof(cmd));
		if (s->o.trace)
			s->o.trace(s->o.trace_arg, '>', cmd);
		n += (size_t)snprintf(batch + n, cap - n, "%s\r\n", cmd);
	}
	{
		int st = irs_conn_write(s->c, batch, n);

		if (st) {
			rc = smtp_fail_conn(s, st);
			goto out;
		}
	}
	if ((rc = smtp_read_reply(s, &code, NULL, 1)))
		goto out;
	if (code != 250) {
		/* The RCPTs' replies still come (all refused): read them so the session stays in
		 * step. */
		unsigned int mrc = mail_reply(s, code);

		for (size_t i = 0; i < m->nrcpt && !s->broken; i++)
			if (smtp_read_reply(s, &code, NULL, 0))
				break;
		rc = mrc;
		goto out;
	}
	for (size_t i = 0; i < m->nrcpt; i++) {
		if ((rc = smtp_read_reply(s, &code, NULL, 1)))
			goto out;
		rcpt_reply(s, &m->rcpt[i], code);
	}
out:
	free(batch);
	return rc;
}

static unsigned int transaction(struct irs_smtp *s, struct irs_smtp_msg *m)
{
	unsigned int rc;
	int code;

	if (!m->from || !addr_ok(m->from))
		return smtp_fail(s, IRS_E_BAD_ADDRESS, 0, "invalid sender address");
	if (!m->nrcpt)
		return smtp_fail(s, IRS_E_BAD_ADDRESS, 0, "no recipients");
	for (size_t i = 0; i < m->nrcpt; i++) {
		m->rcpt[i].code = 0;
		m->rcpt[i].reply = 0;
		m->rcpt[i].temporary = 0;
		if (!m->rcpt[i].addr || !*m->rcpt[i].addr || !addr_ok(m->rcpt[i].addr))
			return smtp_fail(s, IRS_E_BAD_ADDRESS, 0, "invalid recipient address %zu",
					 i + 1);
	}
	if (s->caps.has_size && s->caps.size && m->size > 0 &&
	    (unsigned long long)m->size > s->caps.size)
		return smtp_fail(s, IRS_E_TOO_BIG, 0,
				 "message of %lld bytes, the server takes at most %llu", m->size,
				 s->caps.size);
	if ((rc = smtp_check_cancel(s)) || (rc = envelope(s, m)))
		return rc;
	if (!s->res->accepted) {
		int all_temp = 1;

		for (size_t i = 0; i < m->nrcpt; i++)
			all_temp &= m->rcpt[i].temporary;
		smtp_fail(s, IRS_E_BAD_ADDRESS, all_temp, NULL);
		if (!smtp_send_line(s, "RSET", NULL))
			smtp_read_reply(s, &code, NULL, 0);
		return s->res->code;
	}
	if ((rc = smtp_send_line(s, "DATA", NULL)) || (rc = smtp_read_reply(s, &code, NULL, 1)))
		return rc;
	if (code != 354)
		return mail_reply(s, code);
	if ((rc = smtp_data_stream(s, m)) || (rc = smtp_read_reply(s, &code, NULL, 1)))
		return rc;
	if (code != 250)
		return mail_reply(s, code);
	s->res->sent = 1;
	if (s->res->refused) {
		int all_temp = 1;

		for (size_t i = 0; i < m->nrcpt; i++)
			if (m->rcpt[i].code)
				all_temp &= m->rcpt[i].temporary;
		return smtp_fail(s, IRS_E_BAD_ADDRESS, all_temp, NULL);
	}
	s->res->code = IRS_E_SENT;
	return IRS_E_SENT;
}

unsigned int irs_smtp_send(struct irs_smtp *s, struct irs_smtp_msg *msg,
			   struct irs_smtp_result *res)
{
	res_init(res);
	snprintf(res->mech, sizeof(res->mech), "%s", s->mech);
	res->tls = irs_conn_is_tls(s->c);
	s->res = res;
	if (s->broken)
		return smtp_fail(s, IRS_E_NETWORK, 1, "the session is no longer usable");
	transaction(s, msg);
	/* A failed transaction leaves the server mid-way: RSET so the next one starts clean. */
	if (res->code != IRS_E_SENT && !res->sent && !s->broken && res->accepted) {
		int code;
		struct irs_smtp_result scratch, *keep = s->res;

		memset(&scratch, 0, sizeof(scratch));
		s->res = &scratch;
		if (!smtp_send_line(s, "RSET", NULL))
			smtp_read_reply(s, &code, NULL, 0);
		s->res = keep;
	}
	return res->code;
}

unsigned int irs_smtp_send_once(const struct irs_smtp_opts *opts, struct irs_smtp_msg *msg,
				struct irs_smtp_result *res)
{
	struct irs_smtp *s;

	if (irs_smtp_open(&s, opts, res))
		return res->code;
	irs_smtp_send(s, msg, res);
	irs_smtp_close(s);
	return res->code;
}

long irs_smtp_fd_reader(void *arg, char *buf, size_t len)
{
	int fd = *(const int *)arg;

	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0)
			return (long)n;
		if (errno != EINTR)
			return -1;
	}
}
