/*
 * The device's own Kerberos login for SMTP AUTH GSSAPI (seed 2.1.1: the
 * principal is user@REALM): a ticket-granting ticket got with the SMTP
 * user and password, kept in a MEMORY credentials cache of its own and made
 * the GSSAPI default of the calling thread only (gss_krb5_ccache_name), so
 * that nobody has to run kinit on the device and two deliveries never share
 * tickets. The realm's KDCs come from krb5.conf (KRB5_CONFIG).
 *
 * The KDC's clock offset learned during the exchange is kept: a server that
 * later refuses the authenticator says only "535", and this offset is what
 * tells #843 (clock skew) from #839.
 *
 * Usage (in the thread that then runs GSSAPI):
 *
 *	struct irs_krb5_login *l;
 *	switch (irs_krb5_login("scan@EXAMPLE.COM", pw, &l, err, sizeof(err))) { ... }
 *	... SASL GSSAPI ...
 *	irs_krb5_login_offset(l) ...
 *	irs_krb5_logout(l);
 */
#ifndef IRSEND_MAIL_KRB5_LOGIN_H
#define IRSEND_MAIL_KRB5_LOGIN_H

enum irs_krb5_status {
	IRS_KRB5_OK = 0,
	IRS_KRB5_REFUSED = -1,	   /* unknown principal or wrong password (#839) */
	IRS_KRB5_SKEW = -2,	   /* the KDC refused our clock (#843) */
	IRS_KRB5_UNAVAILABLE = -3, /* no realm configuration, no KDC answered, ... */
};

struct irs_krb5_login;

/*
 * Log in as principal with password: IRS_KRB5_OK with *out (the thread's
 * GSSAPI now uses its tickets), or a failure with a reason in err (never
 * the password) and *out NULL.
 */
int irs_krb5_login(const char *principal, const char *password, struct irs_krb5_login **out,
		   char *err, size_t errlen);

/* Seconds the KDC's clock is ahead of ours (negative: behind). */
long irs_krb5_login_offset(const struct irs_krb5_login *l);

/* Give the thread its default credentials back and destroy the tickets. NULL is fine. */
void irs_krb5_logout(struct irs_krb5_login *l);

#endif
