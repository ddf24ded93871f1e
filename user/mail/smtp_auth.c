// SPDX-License-Identifier: GPL-2.0
/*
 * SMTP AUTH (RFC 4954): the device's mechanism order, one SASL exchange
 * at a time, and what a refusal means. The OAuth2 mechanisms have no
 * Cyrus plugin: their one message is formatted here (oauth2.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "errcodes.h"
#include "krb5_login.h"
#include "krb5_skew.h"
#include "oauth2.h"
#include "sasl_client.h"
#include "smtp_priv.h"

enum mech_kind { MECH_SASL, MECH_OAUTH };

struct mech {
	const char *name;
	enum mech_kind kind;
	int needs_password;
};

/* Whether the server listed name among its AUTH mechanisms. */
static int offered(const struct irs_smtp *s, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = s->caps.auth; *p;) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncasecmp(p, name, n))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* The candidates, best first, before looking at what the server offers. */
static size_t candidates(const struct irs_smtp *s, struct mech *m)
{
	unsigned int off = s->o.disable;
	int tls = irs_conn_is_tls(s->c);
	size_t n = 0;

	if (s->o.oauth2_command && *s->o.oauth2_command) {
		m[n++] = (struct mech){ "OAUTHBEARER", MECH_OAUTH, 0 };
		m[n++] = (struct mech){ "XOAUTH2", MECH_OAUTH, 0 };
	}
	if (s->o.scram)
		m[n++] = (struct mech){ "SCRAM-SHA-256", MECH_SASL, 1 };
	if (!(off & IRS_SMTP_NO_CRAM_MD5))
		m[n++] = (struct mech){ "CRAM-MD5", MECH_SASL, 1 };
	if (!(off & IRS_SMTP_NO_NTLM))
		m[n++] = (struct mech){ "NTLM", MECH_SASL, 1 };
	if (!(off & IRS_SMTP_NO_GSSAPI))
		m[n++] = (struct mech){ "GSSAPI", MECH_SASL, 0 };
	if (tls && !(off & IRS_SMTP_NO_PLAIN_TLS)) {
		m[n++] = (struct mech){ "PLAIN", MECH_SASL, 1 };
		if (!(off & IRS_SMTP_NO_LOGIN))
			m[n++] = (struct mech){ "LOGIN", MECH_SASL, 1 };
	}
	if (!tls && !(off & IRS_SMTP_NO_PLAIN)) {
		if (!(off & IRS_SMTP_NO_LOGIN))
			m[n++] = (struct mech){ "LOGIN", MECH_SASL, 1 };
		m[n++] = (struct mech){ "PLAIN", MECH_SASL, 1 };
	}
	return n;
}

/* Base64 of len bytes, NUL-terminated, in a new buffer (wiped by the caller). */
static char *b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/* Strict base64: the alphabet, length a multiple of 4, '=' only at the end. -1 otherwise. */
static long unb64(const char *in, size_t len, unsigned char *out)
{
	size_t pad = 0;
	int n;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char ch = in[i];

		if (ch == '=') {
			if (i + 2 < len || (i + 1 < len && in[i + 1] != '='))
				return -1;
			pad++;
		} else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			     (ch >= '0' && ch <= '9') || ch == '+' || ch == '/')) {
			return -1;
		}
	}
	if (!len)
		return 0;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	return n < 0 || (size_t)n < pad ? -1 : (long)((size_t)n - pad);
}

/* Send a response (base64 of data, or "*" to cancel); the trace shows no credential. */
static unsigned int respond(struct irs_smtp *s, const char *prefix, const unsigned char *data,
			    size_t len, int has_data)
{
	char *enc = has_data ? b64(data, len) : NULL;
	char *line;
	size_t n;
	unsigned int rc;
	char shown[64];

	if (has_data && !enc)
		return smtp_fail(s, IRS_E_NETWORK, 1, "out of memory");
	n = strlen(prefix) + (enc ? strlen(enc) + 2 : 0) + 2;
	line = malloc(n);
	if (!line) {
		free(enc);
		return smtp_fail(s, IRS_E_NETWORK, 1, "out of memory");
	}
	if (*prefix)
		snprintf(line, n, "%s%s%s", prefix, enc ? " " : "", enc ? (*enc ? enc : "=") : "");
	else
		snprintf(line, n, "%s", enc ? enc : "");
	snprintf(shown, sizeof(shown), "%s%s", prefix,
		 has_data ? (*prefix ? " <redacted>" : "<redacted>") : "");
	rc = smtp_send_line(s, line, shown);
	explicit_bzero(line, strlen(line));
	free(line);
	if (enc) {
		explicit_bzero(enc, strlen(enc));
		free(enc);
	}
	return rc;
}

/* Keep only the final reply's last line as the result text (never a 334 challenge). */
static void keep_last(struct irs_smtp *s, int code)
{
	snprintf(s->res->text, sizeof(s->res->text), "%d %.*s", code,
		 (int)(s->last_len < 400 ? s->last_len : 400), s->last);
	for (char *p = s->res->text; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			*p = '?';
}

/* Cancel an exchange ("*"), read the server's answer, and fail with code. */
static unsigned int cancel(struct irs_smtp *s, unsigned int code, const char *why)
{
	int reply;
	char reason[256];

	snprintf(reason, sizeof(reason), "%s", why);
	if (!respond(s, "*", NULL, 0, 0))
		smtp_read_reply(s, &reply, NULL, 0);
	return smtp_fail(s, code, code == IRS_E_SERVER, "%s", reason);
}

/* Outcomes of one mechanism: done, try the next one, or stop with res set. */
enum { TRY_DONE, TRY_NEXT, TRY_FAILED };

/* Our clock against the KDC's: from our own login, else from the default credentials cache. */
static int gssapi_skewed(const struct irs_smtp *s, long *off)
{
	if (!s->krb5)
		return irs_krb5_clock_skewed(off);
	*off = irs_krb5_login_offset(s->krb5);
	return *off > IRS_KRB5_SKEW_MAX || *off < -IRS_KRB5_SKEW_MAX;
}

/*
 * GSSAPI with a password and a principal (user@REALM): get our own
 * tickets first. A refused login is final (#839, #843); a realm we cannot
 * reach leaves GSSAPI to whatever tickets the default cache holds.
 */
static int gssapi_login(struct irs_smtp *s)
{
	char err[300];
	int st;

	if (s->krb5 || !s->o.password || !*s->o.password || !s->o.user || !strchr(s->o.user, '@'))
		return TRY_DONE;
	st = irs_krb5_login(s->o.user, s->o.password, &s->krb5, err, sizeof(err));
	if (st == IRS_KRB5_REFUSED)
		smtp_fail(s, IRS_E_SMTP_AUTH, 0, "%s", err);
	else if (st == IRS_KRB5_SKEW)
		smtp_fail(s, IRS_E_GSSAPI_CLOCK_SKEW, 0, "%s", err);
	return st == IRS_KRB5_REFUSED || st == IRS_KRB5_SKEW ? TRY_FAILED : TRY_DONE;
}

static int final_reply(struct irs_smtp *s, const char *mech, int code)
{
	keep_last(s, code);
	if (code == 235) {
		snprintf(s->res->mech, sizeof(s->res->mech), "%s", mech);
		return TRY_DONE;
	}
	/* Not this mechanism (504 unknown, 534 too weak, 538 needs TLS): the next may do. */
	if (code == 504 || code == 534 || code == 538)
		return TRY_NEXT;
	if (code / 100 == 4 || code / 100 == 5) {
		long off = 0;
		char said[sizeof(s->res->text)];

		snprintf(said, sizeof(said), "%s", s->res->text);
		if (!strcasecmp(mech, "GSSAPI") && code / 100 == 5 && gssapi_skewed(s, &off))
			smtp_fail(s, IRS_E_GSSAPI_CLOCK_SKEW, 0,
				  "GSSAPI refused; our clock is %ld s off the KDC's: %.300s", off,
				  said);
		else
			smtp_fail(s, IRS_E_SMTP_AUTH, code / 100 == 4, NULL);
		return TRY_FAILED;
	}
	smtp_fail(s, IRS_E_SERVER, 1, "unexpected reply %d to AUTH", code);
	s->broken = 1;
	return TRY_FAILED;
}

static int try_sasl(struct irs_smtp *s, const char *mech)
{
	struct irs_sasl_creds cr = { s->o.user, s->o.password, s->o.realm };
	char err[256], prefix[64];
	const unsigned char *out = NULL;
	unsigned int outlen = 0;
	unsigned char *chal = NULL;
	struct irs_sasl *x = irs_sasl_new("smtp", s->o.host, &cr, err, sizeof(err));
	int st, code, ret = TRY_FAILED;

	if (!x) {
		smtp_fail(s, IRS_E_SMTP_AUTH, 0, "%s", err);
		return TRY_FAILED;
	}
	if (!strcasecmp(mech, "GSSAPI") && gssapi_login(s) == TRY_FAILED)
		goto out;
	st = irs_sasl_start(x, mech, &out, &outlen);
	if (st == IRS_SASL_SKEW) {
		smtp_fail(s, IRS_E_GSSAPI_CLOCK_SKEW, 0, "%s", irs_sasl_error(x));
		goto out;
	}
	if (st < 0) {
		ret = TRY_NEXT; /* nothing sent yet: no plugin, no ticket */
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "AUTH %s", mech);
	if (respond(s, prefix, out, outlen, out != NULL))
		goto out;
	chal = malloc(IRS_CONN_LINE_MAX);
	if (!chal) {
		smtp_fail(s, IRS_E_NETWORK, 1, "out of memory");
		goto out;
	}
	for (;;) {
		long n;

		if (smtp_read_reply(s, &code, NULL, 0))
			goto out;
		if (code != 334) {
			ret = final_reply(s, mech, code);
			goto out;
		}
		n = unb64(s->last, s->last_len, chal);
		if (n < 0) {
			cancel(s, IRS_E_SERVER, "the server sent a challenge that is not base64");
			goto out;
		}
		st = irs_sasl_step(x, chal, (unsigned int)n, &out, &outlen);
		if (st == IRS_SASL_SKEW) {
			cancel(s, IRS_E_GSSAPI_CLOCK_SKEW, irs_sasl_error(x));
			goto out;
		}
		if (st < 0) {
			cancel(s, IRS_E_SERVER, irs_sasl_error(x));
			goto out;
		}
		if (respond(s, "", out, outlen, 1))
			goto out;
	}
out:
	free(chal);
	irs_sasl_free(x);
	return ret;
}

static int try_oauth(struct irs_smtp *s, const char *mech)
{
	char err[256], prefix[64];
	char *msg = NULL;
	size_t len = 0;
	int code, ret = TRY_FAILED;

	if (irs_oauth2_message(mech, s->o.oauth2_command, s->o.user, s->o.host, s->o.port, &msg,
			       &len, err, sizeof(err))) {
		smtp_fail(s, IRS_E_SMTP_AUTH, 0, "%s", err);
		return TRY_FAILED;
	}
	snprintf(prefix, sizeof(prefix), "AUTH %s", mech);
	if (respond(s, prefix, (const unsigned char *)msg, len, 1) ||
	    smtp_read_reply(s, &code, NULL, 0))
		goto out;
	if (code == 334) {
		/* An error report (JSON); the exchange ends with a dummy response, then 5xx. */
		static const unsigned char ctrl_a = 0x01;
		int is_bearer = !strcasecmp(mech, "OAUTHBEARER");

		if (respond(s, "", &ctrl_a, is_bearer ? 1 : 0, 1) ||
		    smtp_read_reply(s, &code, NULL, 0))
			goto out;
		if (code == 334 || code == 235) {
			smtp_fail(s, IRS_E_SERVER, 1, "unexpected reply %d after an OAuth2 error",
				  code);
			s->broken = 1;
			goto out;
		}
	}
	ret = final_reply(s, mech, code);
out:
	if (msg) {
		explicit_bzero(msg, len);
		free(msg);
	}
	return ret;
}

unsigned int smtp_auth(struct irs_smtp *s)
{
	struct mech m[12];
	size_t n;
	int have_user = s->o.user && *s->o.user;

	if (!s->o.auth)
		return 0;
	n = candidates(s, m);
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!offered(s, m[i].name) || (m[i].needs_password && !have_user))
			continue;
		if (m[i].kind == MECH_SASL && !irs_sasl_have_mech(m[i].name))
			continue;
		if (smtp_check_cancel(s))
			return s->res->code;
		r = m[i].kind == MECH_OAUTH ? try_oauth(s, m[i].name) : try_sasl(s, m[i].name);
		if (r == TRY_DONE)
			return 0;
		if (r == TRY_FAILED)
			return s->res->code;
	}
	/* Seed 2.1.1: no AUTH, or nothing in common, is no error; unless the site wants login. */
	if (s->o.auth_required)
		return smtp_fail(s, IRS_E_SMTP_AUTH, 0,
				 s->caps.auth[0]
					 ? "no usable AUTH mechanism in common with the server "
					   "(offered: %s)"
					 : "the server offers no AUTH%s",
				 s->caps.auth);
	return 0;
}
