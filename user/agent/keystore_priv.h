/* Inside the key store (keystore.h): files, PEM, checks, names. */
#ifndef IRSEND_AGENT_KEYSTORE_PRIV_H
#define IRSEND_AGENT_KEYSTORE_PRIV_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "keystore.h"

struct keystore {
	char dir[KEYSTORE_PATH_MAX - KEYSTORE_NAME_MAX - 8]; /* room for "/NAME.key" */
};

/* Put the message in err, set errno to code: -1. */
int ks_fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* dir/NAME.ext (ext "key" or "crt"). */
void ks_path(const struct keystore *ks, const char *name, const char *ext,
	     char path[KEYSTORE_PATH_MAX]);

/*
 * NAME.ext, at most max bytes, NUL-terminated, in a malloc()ed buffer
 * (clear a key's with ks_free_secret()), or NULL: ENOENT, EFBIG, EIO.
 */
char *ks_read(const struct keystore *ks, const char *name, const char *ext, size_t max, size_t *len,
	      char *err, size_t errlen);
void ks_free_secret(char *buf, size_t len);

/* Certificates of a PEM text, in order: at least one, at most the limit, no garbage. */
STACK_OF(X509) * ks_parse_chain(const char *pem, size_t len, char *err, size_t errlen);
/* A private key of a PEM text, decrypted with passphrase when it is encrypted. */
EVP_PKEY *ks_parse_key(const char *pem, size_t len, const char *passphrase, char *err,
		       size_t errlen);
/* The chain as PEM certificates, malloc()ed and NUL-terminated. */
char *ks_chain_pem(STACK_OF(X509) * chain, size_t *len);

/* The checks (EKEYREJECTED, or EKEYEXPIRED for the dates), each with its message. */
int ks_check_key(EVP_PKEY *key, char *err, size_t errlen);
int ks_check_pair(EVP_PKEY *key, X509 *leaf, char *err, size_t errlen);
int ks_check_chain(STACK_OF(X509) * chain, char *err, size_t errlen);
int ks_check_leaf_usage(X509 *leaf, char *err, size_t errlen);
int ks_check_dates(STACK_OF(X509) * chain, time_t now, char *err, size_t errlen);

/* Write NAME.key (0600) then NAME.crt, each atomically. */
int ks_store(const struct keystore *ks, const char *name, EVP_PKEY *key, STACK_OF(X509) * chain,
	     char *err, size_t errlen);

/* Room for a certificate's label, and for "certificate N (label)". */
#define KS_LABEL_MAX 128
#define KS_PLACE_MAX (KS_LABEL_MAX + 32)

/* Subject or issuer as one RFC 2253 line; a certificate's name for messages (shortened). */
void ks_name_text(const X509_NAME *n, char *buf, size_t len);
void ks_cert_label(X509 *x, char *buf, size_t len);
/* "2031-05-01 12:00:00 UTC". */
void ks_time_text(const ASN1_TIME *t, char *buf, size_t len);

/* "DNS:a,IP:b" (or one name for cn when text is empty) as subjectAltName names. */
GENERAL_NAMES *ks_sans_parse(const char *text, const char *cn, char *err, size_t errlen);
/* A certificate's DNS and IP names as "DNS:a, IP:b". */
void ks_sans_text(X509 *x, char *buf, size_t len);

#endif
