/*
 * Cyrus SASL, client side, one mechanism at a time.
 *
 * Cyrus would pick "the best" mechanism from a list by its own ranking;
 * the device's order (seed 2.1.1) is ours to apply, so the caller names
 * exactly one mechanism per irs_sasl object and makes a new one to try
 * the next. No security layer is ever negotiated (max_ssf 0): after AUTH
 * the protocol continues in the clear or under TLS, never inside SASL.
 *
 * Credentials come from callbacks that read struct irs_sasl_creds; the
 * password is copied into a buffer that is wiped on free, and no error
 * text of this file ever contains it.
 *
 * User names: GSSAPI uses the Kerberos credentials cache of the process
 * (KRB5CCNAME or the default; the principal user@REALM that kinit
 * obtained); NTLM takes "DOMAIN\user" or "user@domain" and gives the
 * plugin the bare user name, because NTLM carries the domain in its own
 * messages (the server's target domain); every other mechanism gets the
 * name exactly as configured.
 *
 * Usage:
 *
 *	struct irs_sasl *s = irs_sasl_new("smtp", host, &creds, err, sizeof(err));
 *	rc = irs_sasl_start(s, "CRAM-MD5", &out, &outlen);
 *	while (rc == IRS_SASL_CONTINUE) { ...send out, read challenge...
 *		rc = irs_sasl_step(s, challenge, len, &out, &outlen); }
 *	irs_sasl_free(s);
 */
#ifndef IRSEND_MAIL_SASL_CLIENT_H
#define IRSEND_MAIL_SASL_CLIENT_H

#include <stddef.h>

struct irs_sasl_creds {
	const char *user;     /* authentication name as configured */
	const char *password; /* never logged */
	const char *realm;    /* DIGEST-MD5 realm; NULL: the server's */
};

enum irs_sasl_status {
	IRS_SASL_OK = 0,       /* exchange complete on our side */
	IRS_SASL_CONTINUE = 1, /* send out, expect another challenge */
	IRS_SASL_NOMECH = -1,  /* no client plugin, or nothing to log in with (no ticket) */
	IRS_SASL_FAIL = -2,    /* the mechanism failed (a bad challenge, say) */
	IRS_SASL_SKEW = -3,    /* Kerberos: clocks too far apart (#843) */
};

struct irs_sasl;

/*
 * A client for service ("smtp", "pop") at host (the name the server's
 * Kerberos principal is made from). NULL with a reason in err.
 */
struct irs_sasl *irs_sasl_new(const char *service, const char *host,
			      const struct irs_sasl_creds *creds, char *err, size_t errlen);

/* Begin mech; *out (maybe NULL or empty) is the initial response. */
int irs_sasl_start(struct irs_sasl *s, const char *mech, const unsigned char **out,
		   unsigned int *outlen);

/* Answer a server challenge (already decoded from base64). */
int irs_sasl_step(struct irs_sasl *s, const unsigned char *in, unsigned int inlen,
		  const unsigned char **out, unsigned int *outlen);

/* Why the last call failed, without secrets. */
const char *irs_sasl_error(const struct irs_sasl *s);

/* 1 when Cyrus has a client plugin for mech here. */
int irs_sasl_have_mech(const char *mech);

void irs_sasl_free(struct irs_sasl *s);

#endif
