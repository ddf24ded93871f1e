/* Reading stored keys back: describe, list, usable?, export (keystore.h). */
#include "keystore_priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static STACK_OF(X509) *
	load_chain(const struct keystore *ks, const char *name, char *err, size_t errlen)
{
	STACK_OF(X509) * chain;
	size_t len;
	char *pem = ks_read(ks, name, "crt", KEYSTORE_CHAIN_PEM_MAX, &len, err, errlen);

	if (!pem)
		return NULL;
	chain = ks_parse_chain(pem, len, err, errlen);
	free(pem);
	if (!chain)
		errno = EIO;
	return chain;
}

static EVP_PKEY *load_key(const struct keystore *ks, const char *name, char *err, size_t errlen)
{
	EVP_PKEY *key;
	size_t len;
	char *pem = ks_read(ks, name, "key", KEYSTORE_KEY_PEM_MAX, &len, err, errlen);

	if (!pem)
		return NULL;
	key = ks_parse_key(pem, len, NULL, err, errlen);
	ks_free_secret(pem, len);
	if (!key)
		errno = EIO;
	return key;
}

/* The usual names of the two curves accepted. */
static const char *curve_name(const char *group)
{
	if (strcmp(group, SN_X9_62_prime256v1) == 0)
		return "P-256";
	if (strcmp(group, SN_secp384r1) == 0)
		return "P-384";
	return group;
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) ? timegm(&tm) : 0;
}

static void fingerprint(X509 *x, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t o = 0;

	buf[0] = '\0';
	if (!X509_digest(x, EVP_sha256(), md, &n))
		return;
	for (unsigned int i = 0; i < n && o + 4 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, i ? ":%02X" : "%02X", md[i]);
}

static void describe_leaf(X509 *leaf, struct keystore_info *info)
{
	EVP_PKEY *pub = X509_get0_pubkey(leaf);
	char group[64];
	size_t glen;

	if (pub && EVP_PKEY_is_a(pub, "RSA")) {
		snprintf(info->key_type, sizeof(info->key_type), "RSA");
	} else if (pub && EVP_PKEY_is_a(pub, "EC")) {
		snprintf(info->key_type, sizeof(info->key_type), "EC");
		if (EVP_PKEY_get_group_name(pub, group, sizeof(group), &glen))
			snprintf(info->curve, sizeof(info->curve), "%.7s", curve_name(group));
	} else {
		snprintf(info->key_type, sizeof(info->key_type), "%.7s",
			 pub && EVP_PKEY_get0_type_name(pub) ? EVP_PKEY_get0_type_name(pub) : "?");
	}
	info->bits = pub ? (unsigned int)EVP_PKEY_get_bits(pub) : 0;
	ks_name_text(X509_get_subject_name(leaf), info->subject, sizeof(info->subject));
	ks_name_text(X509_get_issuer_name(leaf), info->issuer, sizeof(info->issuer));
	info->self_signed = X509_self_signed(leaf, 1) == 1;
	info->not_before = asn1_time_t(X509_get0_notBefore(leaf));
	info->not_after = asn1_time_t(X509_get0_notAfter(leaf));
	fingerprint(leaf, info->fingerprint, sizeof(info->fingerprint));
	ks_sans_text(leaf, info->sans, sizeof(info->sans));
}

/* Name valid and stored: 0, or -1 (EINVAL, ENOENT) with err. */
static int known(const struct keystore *ks, const char *name, char *err, size_t errlen)
{
	if (!keystore_name_valid(name))
		return ks_fail(err, errlen, EINVAL,
			       "\"%.32s\" is not a key name (1-24 of A-Z a-z 0-9 _ -)", name);
	if (!keystore_exists(ks, name))
		return ks_fail(err, errlen, ENOENT, "no key \"%s\"", name);
	return 0;
}

/* Key and chain as they will serve: 0, or -1 with the reason (errno says which kind). */
static int usable(const struct keystore *ks, const char *name, STACK_OF(X509) * chain, bool force,
		  time_t now, char *err, size_t errlen)
{
	EVP_PKEY *key = load_key(ks, name, err, errlen);
	int ret;

	if (!key)
		return ks_fail(err, errlen, EKEYREJECTED, "its private key is missing or damaged");
	ret = ks_check_pair(key, sk_X509_value(chain, 0), err, errlen);
	EVP_PKEY_free(key);
	if (ret == 0 && !force)
		ret = ks_check_dates(chain, now ? now : time(NULL), err, errlen);
	return ret;
}

int keystore_describe(const struct keystore *ks, const char *name, const char *in_use, time_t now,
		      struct keystore_info *info, char *err, size_t errlen)
{
	STACK_OF(X509) * chain;

	memset(info, 0, sizeof(*info));
	if (known(ks, name, err, errlen) < 0)
		return -1;
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->in_use = in_use && strcmp(name, in_use) == 0;
	chain = load_chain(ks, name, err, errlen);
	if (!chain)
		return ks_fail(err, errlen, EIO, "the certificate of %s is damaged", name);
	describe_leaf(sk_X509_value(chain, 0), info);
	info->chain_len = (unsigned int)sk_X509_num(chain);
	if (usable(ks, name, chain, false, now, info->problem, sizeof(info->problem)) == 0)
		info->problem[0] = '\0';
	sk_X509_pop_free(chain, X509_free);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct keystore_info *x = a, *y = b;
	bool dx = strcmp(x->name, KEYSTORE_DEFAULT) == 0,
	     dy = strcmp(y->name, KEYSTORE_DEFAULT) == 0;

	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x->name, y->name);
}

int keystore_list(const struct keystore *ks, const char *in_use, time_t now,
		  struct keystore_info **list, size_t *count, char *err, size_t errlen)
{
	struct keystore_info *out = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(ks->dir);

	if (!d)
		return ks_fail(err, errlen, EIO, "%s: %s", ks->dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char name[KEYSTORE_NAME_MAX + 1], why[sizeof(out->problem)];

		if (len < 5 || len - 4 > KEYSTORE_NAME_MAX || strcmp(de->d_name + len - 4, ".crt"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), de->d_name);
		if (!keystore_name_valid(name))
			continue;
		if (n == cap) {
			struct keystore_info *more =
				realloc(out, (cap = cap ? cap * 2 : 8) * sizeof(*out));

			if (!more) {
				free(out);
				closedir(d);
				return ks_fail(err, errlen, ENOMEM, "out of memory");
			}
			out = more;
		}
		if (keystore_describe(ks, name, in_use, now, &out[n], why, sizeof(why)) < 0) {
			if (errno == ENOENT) /* deleted meanwhile */
				continue;
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			snprintf(out[n].problem, sizeof(out[n].problem), "%s", why);
			out[n].in_use = in_use && strcmp(name, in_use) == 0;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(out, n, sizeof(*out), by_name);
	*list = out;
	*count = n;
	return 0;
}

int keystore_check_usable(const struct keystore *ks, const char *name, bool force, time_t now,
			  char *err, size_t errlen)
{
	STACK_OF(X509) * chain;
	int ret;

	if (known(ks, name, err, errlen) < 0)
		return -1;
	chain = load_chain(ks, name, err, errlen);
	if (!chain)
		return ks_fail(err, errlen, EIO, "the certificate of %s is damaged", name);
	ret = usable(ks, name, chain, force, now, err, errlen);
	sk_X509_pop_free(chain, X509_free);
	return ret;
}

char *keystore_export_cert(const struct keystore *ks, const char *name, size_t *len, char *err,
			   size_t errlen)
{
	STACK_OF(X509) * chain;
	char *pem;

	if (known(ks, name, err, errlen) < 0)
		return NULL;
	/* Parsed and written again: certificates only, whatever the file holds. */
	chain = load_chain(ks, name, err, errlen);
	if (!chain) {
		ks_fail(err, errlen, EIO, "the certificate of %s is damaged", name);
		return NULL;
	}
	pem = ks_chain_pem(chain, len);
	sk_X509_pop_free(chain, X509_free);
	if (!pem)
		ks_fail(err, errlen, ENOMEM, "out of memory");
	return pem;
}
