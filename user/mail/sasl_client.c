// SPDX-License-Identifier: GPL-2.0
/*
 * The Cyrus SASL client wrapper: callbacks that hand over the configured
 * credentials, one mechanism per attempt, no security layer, and the
 * Kerberos clock-skew failure told apart from the rest.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sasl/sasl.h>

#include "sasl_client.h"

struct irs_sasl {
	sasl_conn_t *conn;
	sasl_callback_t cb[7];
	char *user;	 /* as configured */
	char *ntlm_user; /* the same without its domain */
	char *realm;
	const char *mech;
	sasl_secret_t *secret; /* length-prefixed copy of the password, wiped on free */
	size_t secret_size;
	char err[256];
};

static int init_status = SASL_FAIL;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Cyrus would log to syslog; what matters reaches us as return codes and errdetail. */
static int log_quiet(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
	return SASL_OK;
}

static const sasl_callback_t global_cb[] = {
	{ SASL_CB_LOG, (int (*)(void))(void (*)(void))log_quiet, NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

static void global_init(void)
{
	init_status = sasl_client_init(global_cb);
}

static int get_simple(void *ctx, int id, const char **result, unsigned int *len)
{
	struct irs_sasl *s = ctx;
	const char *v;

	switch (id) {
	case SASL_CB_USER:
		v = ""; /* no authorisation identity: act as ourselves */
		break;
	case SASL_CB_AUTHNAME:
		v = s->mech && !strcasecmp(s->mech, "NTLM") ? s->ntlm_user : s->user;
		break;
	default:
		return SASL_BADPARAM;
	}
	*result = v;
	if (len)
		*len = (unsigned int)strlen(v);
	return SASL_OK;
}

static int get_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	struct irs_sasl *s = ctx;

	(void)conn;
	if (id != SASL_CB_PASS || !s->secret)
		return SASL_BADPARAM;
	*psecret = s->secret;
	return SASL_OK;
}

static int get_realm(void *ctx, int id, const char **avail, const char **result)
{
	struct irs_sasl *s = ctx;

	if (id != SASL_CB_GETREALM)
		return SASL_BADPARAM;
	*result = s->realm ? s->realm : (avail && avail[0] ? avail[0] : "");
	return SASL_OK;
}

/* "DOMAIN\user" -> "user"; "user@domain" -> "user"; anything else unchanged. */
static char *strip_domain(const char *user)
{
	const char *bs = strchr(user, '\\');
	const char *at = strrchr(user, '@');

	if (bs)
		return strdup(bs + 1);
	if (at)
		return strndup(user, (size_t)(at - user));
	return strdup(user);
}

struct irs_sasl *irs_sasl_new(const char *service, const char *host,
			      const struct irs_sasl_creds *creds, char *err, size_t errlen)
{
	struct irs_sasl *s;
	sasl_security_properties_t props = { 0 };
	const char *user = creds->user ? creds->user : "";
	const char *pw = creds->password ? creds->password : "";
	size_t pwlen = strlen(pw);
	int r;

	pthread_once(&init_once, global_init);
	if (init_status != SASL_OK) {
		snprintf(err, errlen, "sasl: cannot initialise: %s",
			 sasl_errstring(init_status, NULL, NULL));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->user = strdup(user);
	s->ntlm_user = strip_domain(user);
	s->realm = creds->realm ? strdup(creds->realm) : NULL;
	s->secret_size = sizeof(sasl_secret_t) + pwlen + 1;
	s->secret = calloc(1, s->secret_size);
	if (!s->user || !s->ntlm_user || (creds->realm && !s->realm) || !s->secret)
		goto nomem;
	s->secret->len = (unsigned long)pwlen;
	memcpy(s->secret->data, pw, pwlen);

	s->cb[0] = (sasl_callback_t){ SASL_CB_USER, (int (*)(void))(void (*)(void))get_simple, s };
	s->cb[1] =
		(sasl_callback_t){ SASL_CB_AUTHNAME, (int (*)(void))(void (*)(void))get_simple, s };
	s->cb[2] = (sasl_callback_t){ SASL_CB_PASS, (int (*)(void))(void (*)(void))get_pass, s };
	s->cb[3] =
		(sasl_callback_t){ SASL_CB_GETREALM, (int (*)(void))(void (*)(void))get_realm, s };
	s->cb[4] = (sasl_callback_t){ SASL_CB_LOG, (int (*)(void))(void (*)(void))log_quiet, s };
	s->cb[5] = (sasl_callback_t){ SASL_CB_LIST_END, NULL, NULL };

	r = sasl_client_new(service, host, NULL, NULL, s->cb, 0, &s->conn);
	if (r != SASL_OK) {
		snprintf(err, errlen, "sasl: %s", sasl_errstring(r, NULL, NULL));
		irs_sasl_free(s);
		return NULL;
	}
	/* No security layer: max_ssf 0 makes GSSAPI and DIGEST-MD5 settle for authentication only.
	 */
	props.min_ssf = 0;
	props.max_ssf = 0;
	props.maxbufsize = 0;
	props.security_flags = 0;
	sasl_setprop(s->conn, SASL_SEC_PROPS, &props);
	return s;
nomem:
	snprintf(err, errlen, "out of memory");
	irs_sasl_free(s);
	return NULL;
}

/* errdetail, with the skew case recognised by the Kerberos library's message. */
static int failure(struct irs_sasl *s, int r, int at_start)
{
	const char *d = sasl_errdetail(s->conn);

	snprintf(s->err, sizeof(s->err), "%s: %s", s->mech ? s->mech : "sasl",
		 d ? d : sasl_errstring(r, NULL, NULL));
	if (d && (strcasestr(d, "clock skew") || strcasestr(d, "skew too great")))
		return IRS_SASL_SKEW;
	if (at_start && (r == SASL_NOMECH || r == SASL_TOOWEAK || r == SASL_FAIL ||
			 r == SASL_INTERACT || r == SASL_BADPARAM))
		return IRS_SASL_NOMECH;
	return IRS_SASL_FAIL;
}

int irs_sasl_start(struct irs_sasl *s, const char *mech, const unsigned char **out,
		   unsigned int *outlen)
{
	const char *o = NULL, *chosen = NULL;
	sasl_interact_t *prompts = NULL;
	unsigned int ol = 0;
	int r;

	s->mech = mech;
	r = sasl_client_start(s->conn, mech, &prompts, &o, &ol, &chosen);
	if (r != SASL_OK && r != SASL_CONTINUE)
		return failure(s, r, 1);
	*out = (const unsigned char *)o;
	*outlen = ol;
	return r == SASL_OK ? IRS_SASL_OK : IRS_SASL_CONTINUE;
}

int irs_sasl_step(struct irs_sasl *s, const unsigned char *in, unsigned int inlen,
		  const unsigned char **out, unsigned int *outlen)
{
	const char *o = NULL;
	sasl_interact_t *prompts = NULL;
	unsigned int ol = 0;
	int r = sasl_client_step(s->conn, (const char *)in, inlen, &prompts, &o, &ol);

	if (r != SASL_OK && r != SASL_CONTINUE)
		return failure(s, r, 0);
	*out = (const unsigned char *)o;
	*outlen = ol;
	return r == SASL_OK ? IRS_SASL_OK : IRS_SASL_CONTINUE;
}

const char *irs_sasl_error(const struct irs_sasl *s)
{
	return s ? s->err : "";
}

int irs_sasl_have_mech(const char *mech)
{
	const char **list;

	pthread_once(&init_once, global_init);
	if (init_status != SASL_OK)
		return 0;
	list = sasl_global_listmech();
	for (; list && *list; list++)
		if (!strcasecmp(*list, mech))
			return 1;
	return 0;
}

void irs_sasl_free(struct irs_sasl *s)
{
	if (!s)
		return;
	if (s->conn)
		sasl_dispose(&s->conn);
	if (s->secret) {
		explicit_bzero(s->secret, s->secret_size);
		free(s->secret);
	}
	free(s->user);
	free(s->ntlm_user);
	free(s->realm);
	free(s);
}
