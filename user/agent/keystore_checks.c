/*
 * What a key and certificate chain must be before the device serves TLS
 * with them. Each check fails with EKEYREJECTED (EKEYEXPIRED for the
 * validity period) and a message that names the certificate concerned.
 */
#include "keystore_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/objects.h>

/* 112 bits: what NIST SP 800-57 and OpenSSL's security level 2 ask (RSA 2048, SHA-224). */
#define MIN_SECURITY_BITS 112
#define RSA_MAX_BITS 8192

int ks_check_key(EVP_PKEY *key, char *err, size_t errlen)
{
	int bits = EVP_PKEY_get_bits(key);
	char group[64];
	size_t glen;

	if (EVP_PKEY_is_a(key, "RSA")) {
		if (bits < 2048)
			return ks_fail(err, errlen, EKEYREJECTED,
				       "the key is RSA %d bits: too weak, at least 2048 are needed",
				       bits);
		if (bits > RSA_MAX_BITS)
			return ks_fail(err, errlen, EKEYREJECTED,
				       "the key is RSA %d bits: at most %d (larger keys slow every "
				       "handshake)",
				       bits, RSA_MAX_BITS);
		return 0;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		if (!EVP_PKEY_get_group_name(key, group, sizeof(group), &glen))
			return ks_fail(err, errlen, EKEYREJECTED,
				       "the EC key has explicit curve parameters: only the named "
				       "curves P-256 and P-384 are accepted");
		if (strcmp(group, SN_X9_62_prime256v1) == 0 || strcmp(group, SN_secp384r1) == 0)
			return 0;
		return ks_fail(err, errlen, EKEYREJECTED,
			       "the key is on the EC curve %s: only P-256 and P-384 are accepted",
			       group);
	}
	return ks_fail(err, errlen, EKEYREJECTED,
		       "the key is of type %s: only RSA and EC (P-256, P-384) keys are accepted",
		       EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
}

int ks_check_pair(EVP_PKEY *key, X509 *leaf, char *err, size_t errlen)
{
	EVP_PKEY *pub = X509_get0_pubkey(leaf);
	char label[KS_LABEL_MAX];

	if (pub && EVP_PKEY_eq(pub, key) == 1)
		return 0;
	ks_cert_label(leaf, label, sizeof(label));
	return ks_fail(err, errlen, EKEYREJECTED,
		       "the private key does not belong to the certificate (%s)", label);
}

/* "certificate 2 (CN=Test CA)": its place in the chain, 1 being the device's. */
static void place(STACK_OF(X509) * chain, int i, char *buf, size_t len)
{
	char label[KS_LABEL_MAX];

	ks_cert_label(sk_X509_value(chain, i), label, sizeof(label));
	snprintf(buf, len, "certificate %d (%s)", i + 1, label);
}

static int check_signature_strength(STACK_OF(X509) * chain, int i, char *err, size_t errlen)
{
	X509 *x = sk_X509_value(chain, i);
	int secbits = 0;
	char where[KS_PLACE_MAX];

	/* A root's signature on itself is not what anyone relies on. */
	if (i == sk_X509_num(chain) - 1 && X509_self_signed(x, 0) == 1)
		return 0;
	if (X509_get_signature_info(x, NULL, NULL, &secbits, NULL) && secbits >= MIN_SECURITY_BITS)
		return 0;
	place(chain, i, where, sizeof(where));
	return ks_fail(err, errlen, EKEYREJECTED, "%s is signed with %s: too weak", where,
		       OBJ_nid2ln(X509_get_signature_nid(x)));
}

int ks_check_chain(STACK_OF(X509) * chain, char *err, size_t errlen)
{
	char where[KS_PLACE_MAX], by[KS_PLACE_MAX];

	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
			place(chain, i, where, sizeof(where));
			return ks_fail(err, errlen, EKEYREJECTED, "%s has invalid extensions",
				       where);
		}
		if (check_signature_strength(chain, i, err, errlen) < 0)
			return -1;
		if (i == 0)
			continue;
		place(chain, i - 1, where, sizeof(where));
		place(chain, i, by, sizeof(by));
		if (X509_check_issued(x, sk_X509_value(chain, i - 1)) != X509_V_OK ||
		    X509_verify(sk_X509_value(chain, i - 1), X509_get0_pubkey(x)) != 1)
			return ks_fail(err, errlen, EKEYREJECTED,
				       "%s was not issued by %s: give the device's certificate "
				       "first, then its issuer, then that one's issuer",
				       where, by);
		if (X509_check_ca(x) == 0)
			return ks_fail(err, errlen, EKEYREJECTED, "%s is not a CA certificate", by);
		if (EVP_PKEY_get_security_bits(X509_get0_pubkey(x)) < MIN_SECURITY_BITS)
			return ks_fail(err, errlen, EKEYREJECTED, "%s has a key too weak (%d bits)",
				       by, EVP_PKEY_get_bits(X509_get0_pubkey(x)));
	}
	return 0;
}

int ks_check_leaf_usage(X509 *leaf, char *err, size_t errlen)
{
	uint32_t flags = X509_get_extension_flags(leaf);
	char label[KS_LABEL_MAX];

	ks_cert_label(leaf, label, sizeof(label));
	if ((flags & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(leaf) & (XKU_SSL_SERVER | XKU_ANYEKU)))
		return ks_fail(err, errlen, EKEYREJECTED,
			       "the certificate (%s) is not for TLS servers: its extended key "
			       "usage lacks serverAuth",
			       label);
	/* TLS 1.3 and ECDHE have the server sign the handshake. */
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return ks_fail(err, errlen, EKEYREJECTED,
			       "the certificate (%s) does not allow signatures (key usage lacks "
			       "digitalSignature)",
			       label);
	return 0;
}

int ks_check_dates(STACK_OF(X509) * chain, time_t now, char *err, size_t errlen)
{
	char where[KS_PLACE_MAX], when[40];

	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		int before = X509_cmp_time(X509_get0_notBefore(x), &now);
		int after = X509_cmp_time(X509_get0_notAfter(x), &now);

		place(chain, i, where, sizeof(where));
		if (before == 0 || after == 0)
			return ks_fail(err, errlen, EKEYREJECTED, "%s has an unreadable date",
				       where);
		if (before > 0) {
			ks_time_text(X509_get0_notBefore(x), when, sizeof(when));
			return ks_fail(err, errlen, EKEYEXPIRED,
				       "%s is not valid before %s (is the device's clock right?)",
				       where, when);
		}
		if (after < 0) {
			ks_time_text(X509_get0_notAfter(x), when, sizeof(when));
			return ks_fail(err, errlen, EKEYEXPIRED, "%s expired on %s", where, when);
		}
	}
	return 0;
}
