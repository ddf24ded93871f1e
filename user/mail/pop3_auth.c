// SPDX-License-Identifier: GPL-2.0
/* POP3 logins that protect the password: APOP (RFC 1939 section 7) and AUTH (RFC 5034). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base64.h"
#include "conn.h"
#include "pop3_priv.h"
#include "sasl_client.h"

int pop3_login_apop(struct pop3 *p, const struct pop3_opts *o)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * 16 + 1], q[96], *cmd, *data;
	size_t tlen = strlen(p->ts), plen = strlen(o->password);
	const char *text;
	int rc;

	/* Without a timestamp there is nothing to digest: the server does not do APOP. */
	if (!p->ts[0])
		return pop3_fail(p, POP3_E_APOP, "the POP server's greeting has no APOP timestamp");
	data = malloc(tlen + plen);
	if (!data)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	memcpy(data, p->ts, tlen);
	memcpy(data + tlen, o->password, plen);
	rc = EVP_Digest(data, tlen + plen, md, &mdlen, EVP_md5(), NULL);
	OPENSSL_cleanse(data, tlen + plen);
	free(data);
	if (!rc || mdlen != 16)
		return pop3_fail(p, POP3_E_APOP, "MD5 is not available");
	for (unsigned int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (asprintf(&cmd, "APOP %s %s", o->user, hex) < 0)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	rc = pop3_send(p, cmd);
	free(cmd);
	if (!rc)
		rc = pop3_reply(p, &text);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		pop3_quote(q, sizeof(q), text);
		return pop3_fail(p, POP3_E_APOP, "the POP server refused APOP: %s", q);
	}
	return POP3_OK;
}

/*
 * Our order (seed 2.1.3 with the settings' additions first): the
 * challenge-response mechanisms, then PLAIN and LOGIN, which only TLS
 * keeps from being a password in the clear.
 */
static const struct {
	unsigned int bit;
	const char *name;
	int tls_only;
} mech_order[] = {
	{ POP3_MECH_SCRAM_SHA256, "SCRAM-SHA-256", 0 },
	{ POP3_MECH_CRAM_MD5, "CRAM-MD5", 0 },
	{ POP3_MECH_NTLM, "NTLM", 0 },
	{ POP3_MECH_PLAIN, "PLAIN", 1 },
	{ POP3_MECH_LOGIN, "LOGIN", 1 },
};

static int offered(const char *list, const char *mech)
{
	size_t n = strlen(mech);

	for (const char *s = list; *s;) {
		size_t w = strcspn(s, " ");

		if (w == n && !strncasecmp(s, mech, n))
			return 1;
		s += w;
		s += strspn(s, " ");
	}
	return 0;
}

/* A SASL challenge line longer than this is not one (NTLM and GSSAPI tokens are a few KiB). */
#define SASL_LINE_MAX 16384
/* Exchanges longer than this are a server leading us on. */
#define SASL_ROUNDS_MAX 10

static int send_b64(struct pop3 *p, const char *prefix, const unsigned char *data, size_t len)
{
	size_t pl = strlen(prefix);
	char *line = malloc(pl + B64_ENCODED_LEN(len) + 1);
	int rc;

	if (!line)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	memcpy(line, prefix, pl);
	line[pl + b64_encode(data, len, line + pl)] = '\0';
	rc = pop3_send(p, line);
	OPENSSL_cleanse(line, strlen(line));
	free(line);
	return rc;
}

/* Give up an exchange: "*" and the server's -ERR (RFC 5034 section 4). */
static int cancel(struct pop3 *p, const char *why)
{
	char msg[160];
	const char *text;

	snprintf(msg, sizeof(msg), "%s", why);
	if (pop3_send(p, "*") == POP3_OK)
		pop3_reply(p, &text);
	return pop3_fail(p, POP3_E_AUTH, "POP AUTH %s: %s", p->mech, msg);
}

static int exchange(struct pop3 *p, struct irs_sasl *s, const unsigned char *ir, unsigned int irlen)
{
	char cmd[300], q[96];
	int pending = 0, rc;
	const unsigned char *out;
	unsigned int outlen;

	/* RFC 5034: an initial response goes with AUTH when the line stays within 255 octets. */
	if (ir && irlen && 5 + strlen(p->mech) + 1 + B64_ENCODED_LEN(irlen) <= 255) {
		snprintf(cmd, sizeof(cmd), "AUTH %s ", p->mech);
		rc = send_b64(p, cmd, ir, irlen);
	} else {
		/* No mechanism we use starts with an empty response: empty means none. */
		pending = ir && irlen;
		snprintf(cmd, sizeof(cmd), "AUTH %s", p->mech);
		rc = pop3_send(p, cmd);
	}
	if (rc)
		return rc;
	for (int round = 0; round < SASL_ROUNDS_MAX; round++) {
		char *line;
		size_t len, dlen;
		unsigned char *dec;

		rc = irs_conn_read_line(p->c, &line, &len);
		if (rc)
			return pop3_fail(p, POP3_E_CONNECT, "POP AUTH: %s", irs_conn_error(p->c));
		if (len > SASL_LINE_MAX || strlen(line) != len)
			return pop3_fail(p, POP3_E_CONNECT,
					 "POP AUTH: reply too long or with a NUL");
		if (!strncmp(line, "+OK", 3) && (!line[3] || line[3] == ' '))
			return POP3_OK;
		if (!strncmp(line, "-ERR", 4) && (!line[4] || line[4] == ' ')) {
			pop3_quote(q, sizeof(q), line + 4);
			return pop3_fail(p, POP3_E_AUTH, "the POP server refused %s:%s", p->mech,
					 q);
		}
		if (line[0] != '+' || (line[1] && line[1] != ' ')) {
			pop3_quote(q, sizeof(q), line);
			return pop3_fail(p, POP3_E_CONNECT, "POP AUTH: not a POP3 reply: \"%s\"",
					 q);
		}
		line += line[1] ? 2 : 1;
		len = strlen(line);
		dec = malloc(len / 4 * 3 + 1);
		if (!dec)
			return pop3_fail(p, POP3_E_NOMEM, "out of memory");
		if (b64_decode(line, len, dec, &dlen)) {
			free(dec);
			return cancel(p, "the server's challenge is not base64");
		}
		if (pending) {
			/* The "+ " that asks for the initial response we could not put on AUTH. */
			pending = 0;
			free(dec);
			if (dlen)
				return cancel(p, "a challenge where the initial response was due");
			rc = send_b64(p, "", ir, irlen);
			if (rc)
				return rc;
			continue;
		}
		rc = irs_sasl_step(s, dec, (unsigned int)dlen, &out, &outlen);
		free(dec);
		if (rc < 0)
			return cancel(p, irs_sasl_error(s));
		rc = send_b64(p, "", out, out ? outlen : 0);
		if (rc)
			return rc;
	}
	return cancel(p, "too many challenges");
}

int pop3_login_sasl(struct pop3 *p, const struct pop3_opts *o)
{
	struct irs_sasl_creds creds = { .user = o->user, .password = o->password };
	const unsigned char *ir = NULL;
	unsigned int irlen = 0;
	struct irs_sasl *s;
	char err[256];
	int rc;

	if (!(p->caps & POP3_CAP_SASL))
		return pop3_fail(p, POP3_E_AUTH,
				 "the POP server offers no POP AUTH (no CAPA SASL)");
	/* A token, when there is a command for one: first, and under TLS only. */
	if (o->oauth2_command && *o->oauth2_command && p->tls) {
		if (offered(p->sasl, "OAUTHBEARER"))
			return pop3_login_oauth(p, o, "OAUTHBEARER");
		if (offered(p->sasl, "XOAUTH2"))
			return pop3_login_oauth(p, o, "XOAUTH2");
	}
	for (size_t i = 0; i < sizeof(mech_order) / sizeof(mech_order[0]) && !p->mech; i++) {
		if ((o->mechs & mech_order[i].bit) && (!mech_order[i].tls_only || p->tls) &&
		    offered(p->sasl, mech_order[i].name) && irs_sasl_have_mech(mech_order[i].name))
			p->mech = mech_order[i].name;
	}
	if (!p->mech) {
		char q[96];

		pop3_quote(q, sizeof(q), p->sasl);
		return pop3_fail(p, POP3_E_AUTH, "no POP AUTH mechanism in common%s (server: %s)",
				 p->tls ? "" : " without TLS", q);
	}
	s = irs_sasl_new("pop", p->host, &creds, err, sizeof(err));
	if (!s)
		return pop3_fail(p, POP3_E_AUTH, "POP AUTH %s: %s", p->mech, err);
	rc = irs_sasl_start(s, p->mech, &ir, &irlen);
	if (rc < 0) {
		rc = pop3_fail(p, POP3_E_AUTH, "POP AUTH %s: %s", p->mech, irs_sasl_error(s));
	} else {
		rc = exchange(p, s, ir, irlen);
	}
	irs_sasl_free(s);
	return rc;
}
