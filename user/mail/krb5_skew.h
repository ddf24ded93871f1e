/*
 * Is our clock far from the KDC's? MIT Kerberos learns the difference when
 * it gets a ticket (kdc_timesync, on by default) and keeps it in the
 * credentials cache; GSSAPI then works on our side while a server whose
 * clock agrees with ours refuses the authenticator. That refusal reaches
 * an SMTP client only as "535 authentication failed", so after a failed
 * GSSAPI login this offset is what tells #843 (clock skew) from #839.
 */
#ifndef IRSEND_MAIL_KRB5_SKEW_H
#define IRSEND_MAIL_KRB5_SKEW_H

/* Kerberos' default tolerance, and the seed's "more than 5 minutes". */
#define IRS_KRB5_SKEW_MAX 300

/*
 * 1 when the default credentials cache (KRB5CCNAME) records a KDC clock
 * offset beyond IRS_KRB5_SKEW_MAX seconds (*offset set), 0 otherwise
 * (no cache, no offset, or a small one).
 */
int irs_krb5_clock_skewed(long *offset);

#endif
