/* The device's own Kerberos login for GSSAPI (see krb5_login.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "krb5_login.h"

struct irs_krb5_login {
	krb5_context ctx;
	krb5_ccache cc;
	long offset;
};

static int status_of(krb5_error_code ret)
{
	switch (ret) {
	case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
	case KRB5KDC_ERR_PREAUTH_FAILED:
	case KRB5KRB_AP_ERR_BAD_INTEGRITY:
	case KRB5KDC_ERR_CLIENT_REVOKED:
	case KRB5KDC_ERR_KEY_EXP:
		return IRS_KRB5_REFUSED;
	case KRB5KRB_AP_ERR_SKEW:
		return IRS_KRB5_SKEW;
	default:
		return IRS_KRB5_UNAVAILABLE;
	}
}

int irs_krb5_login(const char *principal, const char *password, struct irs_krb5_login **out,
		   char *err, size_t errlen)
{
	struct irs_krb5_login *l = calloc(1, sizeof(*l));
	krb5_get_init_creds_opt *opt = NULL;
	krb5_principal p = NULL;
	krb5_creds creds;
	krb5_int32 sec = 0, usec = 0;
	krb5_error_code ret;
	OM_uint32 minor;
	char name[64];
	int st = IRS_KRB5_UNAVAILABLE;

	*out = NULL;
	memset(&creds, 0, sizeof(creds));
	if (!l || krb5_init_context(&l->ctx)) {
		snprintf(err, errlen, "Kerberos: cannot start (out of memory?)");
		free(l);
		return IRS_KRB5_UNAVAILABLE;
	}
	/* MEMORY caches are process-wide by name: the address makes ours unique. */
	snprintf(name, sizeof(name), "MEMORY:irsend-%p", (void *)l);
	ret = krb5_parse_name(l->ctx, principal, &p);
	if (!ret)
		ret = krb5_cc_resolve(l->ctx, name, &l->cc);
	if (!ret)
		ret = krb5_get_init_creds_opt_alloc(l->ctx, &opt);
	if (!ret)
		ret = krb5_get_init_creds_opt_set_out_ccache(l->ctx, opt, l->cc);
	if (!ret)
		ret = krb5_get_init_creds_password(l->ctx, &creds, p, password, NULL, NULL, 0, NULL,
						   opt);
	if (ret) {
		const char *msg = krb5_get_error_message(l->ctx, ret);

		st = status_of(ret);
		snprintf(err, errlen, "Kerberos login of %.128s: %s", principal, msg);
		krb5_free_error_message(l->ctx, msg);
		goto out;
	}
	if (!krb5_get_time_offsets(l->ctx, &sec, &usec))
		l->offset = sec;
	if (GSS_ERROR(gss_krb5_ccache_name(&minor, name, NULL))) {
		snprintf(err, errlen, "Kerberos: GSSAPI does not take the credentials cache");
		goto out;
	}
	st = IRS_KRB5_OK;
	*out = l;
out:
	krb5_free_cred_contents(l->ctx, &creds);
	if (opt)
		krb5_get_init_creds_opt_free(l->ctx, opt);
	if (p)
		krb5_free_principal(l->ctx, p);
	if (st != IRS_KRB5_OK) {
		if (l->cc)
			krb5_cc_destroy(l->ctx, l->cc);
		krb5_free_context(l->ctx);
		free(l);
	}
	return st;
}

long irs_krb5_login_offset(const struct irs_krb5_login *l)
{
	return l ? l->offset : 0;
}

void irs_krb5_logout(struct irs_krb5_login *l)
{
	OM_uint32 minor;

	if (!l)
		return;
	gss_krb5_ccache_name(&minor, NULL, NULL);
	krb5_cc_destroy(l->ctx, l->cc);
	krb5_free_context(l->ctx);
	free(l);
}
