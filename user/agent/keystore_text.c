/* How certificates are named to people: subjects, labels, times. */
#include "keystore_priv.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>

void ks_name_text(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long got;

	buf[0] = '\0';
	if (!b)
		return;
	/* RFC 2253 with control characters escaped, UTF-8 kept as it is. */
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		got = BIO_get_mem_data(b, &data);
		if (got > 0)
			snprintf(buf, len, "%.*s", (int)got, data);
	}
	BIO_free(b);
}

void ks_cert_label(X509 *x, char *buf, size_t len)
{
	char subject[256];

	ks_name_text(X509_get_subject_name(x), subject, sizeof(subject));
	if (!subject[0])
		snprintf(buf, len, "no subject");
	else if (strlen(subject) < KS_LABEL_MAX)
		snprintf(buf, len, "%s", subject);
	else
		snprintf(buf, len, "%.*s...", KS_LABEL_MAX - 4, subject);
}

void ks_time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "an unreadable date");
}
