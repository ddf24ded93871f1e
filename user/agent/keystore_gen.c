/* Key pairs made on the device, with their self-signed certificates (keystore.h). */
#include "keystore_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>

/* Clocks of clients a little behind the device's still accept a new certificate. */
#define NOT_BEFORE_SLACK_S 300

static EVP_PKEY *new_key(enum keystore_alg alg)
{
	switch (alg) {
	case KEYSTORE_RSA2048:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case KEYSTORE_RSA3072:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	case KEYSTORE_EC256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case KEYSTORE_EC384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	}
	return NULL;
}

static bool cn_valid(const char *cn)
{
	size_t n = strlen(cn);

	if (n < 1 || n > KEYSTORE_CN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)cn[i] < 0x20 || cn[i] == 0x7f)
			return false;
	return true;
}

/* A fixed extension from OpenSSL's own syntax: value is ours, never the user's. */
static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	bool ok = e && X509_add_ext(x, e, -1);

	X509_EXTENSION_free(e);
	return ok;
}

static bool set_random_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	bool ok = bn && BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		  (!BN_is_zero(bn) || BN_one(bn)) &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));

	BN_free(bn);
	return ok;
}

static X509 *self_signed(EVP_PKEY *key, const struct keystore_gen_opts *o, GENERAL_NAMES *sans)
{
	bool rsa = o->alg == KEYSTORE_RSA2048 || o->alg == KEYSTORE_RSA3072;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	bool ok;

	ok = x && name && X509_set_version(x, X509_VERSION_3) && set_random_serial(x) &&
	     X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
					(const unsigned char *)o->cn, -1, -1, 0) &&
	     X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -NOT_BEFORE_SLACK_S) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), (int)o->days, 0, NULL) &&
	     X509_set_pubkey(x, key);
	if (ok) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ok = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_ext(x, &ctx, NID_key_usage,
			     rsa ? "critical,digitalSignature,keyEncipherment"
				 : "critical,digitalSignature") &&
		     add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") &&
		     add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
		     add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
		     (sk_GENERAL_NAME_num(sans) == 0 ||
		      X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT) ==
			      1) &&
		     X509_sign(x, key, o->alg == KEYSTORE_EC384 ? EVP_sha384() : EVP_sha256()) > 0;
	}
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int keystore_generate(struct keystore *ks, const char *name, const struct keystore_gen_opts *o,
		      char *err, size_t errlen)
{
	struct keystore_gen_opts opts = *o;
	STACK_OF(X509) *chain = NULL;
	GENERAL_NAMES *sans;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int ret = -1;

	if (!keystore_name_valid(name))
		return ks_fail(err, errlen, EINVAL,
			       "\"%.32s\" is not a key name (1-24 of A-Z a-z 0-9 _ -)", name);
	if (keystore_exists(ks, name))
		return ks_fail(err, errlen, EEXIST, "a key \"%s\" exists: delete it first", name);
	if ((unsigned int)o->alg > KEYSTORE_EC384)
		return ks_fail(err, errlen, EINVAL, "unknown key algorithm");
	if (!o->cn || !cn_valid(o->cn))
		return ks_fail(err, errlen, EINVAL,
			       "the common name must be 1-%d characters, none of them a control "
			       "character",
			       KEYSTORE_CN_MAX);
	if (!opts.days)
		opts.days = KEYSTORE_DAYS_DEFAULT;
	if (opts.days > KEYSTORE_DAYS_MAX)
		return ks_fail(err, errlen, EINVAL, "a certificate is valid for 1-%d days",
			       KEYSTORE_DAYS_MAX);
	sans = ks_sans_parse(o->sans, o->cn, err, errlen);
	if (!sans)
		return -1;
	key = new_key(o->alg);
	x = key ? self_signed(key, &opts, sans) : NULL;
	chain = x ? sk_X509_new_null() : NULL;
	if (!chain || !sk_X509_push(chain, x)) {
		ks_fail(err, errlen, EIO,
			"cannot make a %s key and its certificate (is the common "
			"name valid UTF-8?)",
			keystore_alg_name(o->alg));
		X509_free(x);
		goto out;
	}
	ret = ks_store(ks, name, key, chain, err, errlen);
out:
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	GENERAL_NAMES_free(sans);
	return ret;
}

int keystore_ensure_default(struct keystore *ks, const char *hostname, enum keystore_alg alg,
			    char *err, size_t errlen)
{
	struct keystore_gen_opts o = { .alg = alg, .cn = hostname };

	if (keystore_exists(ks, KEYSTORE_DEFAULT))
		return 0;
	/* A host without a usable name still gets its key. */
	if (!hostname || !cn_valid(hostname))
		o.cn = "irsend";
	return keystore_generate(ks, KEYSTORE_DEFAULT, &o, err, errlen) < 0 ? -1 : 1;
}
