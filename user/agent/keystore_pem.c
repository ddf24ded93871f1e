/*
 * PEM in and out for the key store. Input is parsed into objects and only
 * those are ever written back, so that a private key given by mistake in
 * a certificate file is dropped, never copied. No message quotes input.
 */
#include "keystore_priv.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

/* Certificates carry no passphrase: never prompt on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool at_end_of_pem(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

STACK_OF(X509) * ks_parse_chain(const char *pem, size_t len, char *err, size_t errlen)
{
	STACK_OF(X509) * chain;
	BIO *b;
	X509 *x;

	if (len > KEYSTORE_CHAIN_PEM_MAX) {
		ks_fail(err, errlen, EFBIG,
			"the certificate file is %zu bytes; a chain is at most %d KiB", len,
			KEYSTORE_CHAIN_PEM_MAX / 1024);
		return NULL;
	}
	chain = sk_X509_new_null();
	b = BIO_new_mem_buf(pem ? pem : "", pem ? (int)len : 0);
	if (!chain || !b) {
		sk_X509_free(chain);
		BIO_free(b);
		ks_fail(err, errlen, ENOMEM, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
		if (sk_X509_num(chain) == KEYSTORE_CHAIN_CERTS_MAX || !sk_X509_push(chain, x)) {
			X509_free(x);
			ks_fail(err, errlen, EFBIG, "more than %d certificates in the chain",
				KEYSTORE_CHAIN_CERTS_MAX);
			goto fail;
		}
	}
	if (sk_X509_num(chain) == 0) {
		ks_fail(err, errlen, EINVAL,
			"no certificate in the certificate file (PEM \"-----BEGIN "
			"CERTIFICATE-----\" expected; DER converts with 'openssl x509 -inform "
			"der')");
		goto fail;
	}
	if (!at_end_of_pem()) {
		ks_fail(err, errlen, EINVAL, "certificate %d of the certificate file is damaged",
			sk_X509_num(chain) + 1);
		goto fail;
	}
	ERR_clear_error();
	BIO_free(b);
	return chain;
fail:
	ERR_clear_error();
	BIO_free(b);
	sk_X509_pop_free(chain, X509_free);
	return NULL;
}

struct passphrase {
	const char *text;
	bool asked;
};

static int give_passphrase(char *buf, int size, int rwflag, void *u)
{
	struct passphrase *p = u;
	size_t n;

	(void)rwflag;
	p->asked = true;
	if (!p->text)
		return -1;
	n = strlen(p->text);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, p->text, n);
	return (int)n;
}

EVP_PKEY *ks_parse_key(const char *pem, size_t len, const char *passphrase, char *err,
		       size_t errlen)
{
	struct passphrase p = { .text = passphrase };
	EVP_PKEY *key;
	BIO *b;

	if (len > KEYSTORE_KEY_PEM_MAX) {
		ks_fail(err, errlen, EFBIG, "the key file is %zu bytes; a key is at most %d KiB",
			len, KEYSTORE_KEY_PEM_MAX / 1024);
		return NULL;
	}
	if (passphrase && strlen(passphrase) > KEYSTORE_PASSPHRASE_MAX) {
		ks_fail(err, errlen, EFBIG, "the passphrase is longer than %d bytes",
			KEYSTORE_PASSPHRASE_MAX);
		return NULL;
	}
	b = BIO_new_mem_buf(pem ? pem : "", pem ? (int)len : 0);
	if (!b) {
		ks_fail(err, errlen, ENOMEM, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	key = PEM_read_bio_PrivateKey(b, NULL, give_passphrase, &p);
	ERR_clear_error();
	BIO_free(b);
	if (key)
		return key;
	if (p.asked && !passphrase)
		ks_fail(err, errlen, EINVAL, "the private key is encrypted: give its passphrase");
	else if (p.asked)
		ks_fail(err, errlen, EINVAL, "the passphrase does not decrypt the private key");
	else
		ks_fail(err, errlen, EINVAL,
			"no private key in the key file (PEM \"-----BEGIN PRIVATE KEY-----\" or "
			"\"-----BEGIN RSA/EC PRIVATE KEY-----\" expected)");
	return NULL;
}

char *ks_chain_pem(STACK_OF(X509) * chain, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (!b)
		return NULL;
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(chain, i)))
			goto out;
	n = BIO_get_mem_data(b, &data);
	if (n < 0)
		goto out;
	out = malloc((size_t)n + 1);
	if (!out)
		goto out;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
out:
	BIO_free(b);
	return out;
}
