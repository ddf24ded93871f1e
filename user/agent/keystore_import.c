/* A key and certificate chain from a CA, checked, then stored (keystore.h). */
#include "keystore_priv.h"

#include <errno.h>
#include <time.h>

int keystore_import(struct keystore *ks, const char *name, const struct keystore_import *in,
		    char *err, size_t errlen)
{
	time_t now = in->now ? in->now : time(NULL);
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509 *leaf;
	int ret = -1;

	if (!keystore_name_valid(name))
		return ks_fail(err, errlen, EINVAL,
			       "\"%.32s\" is not a key name (1-24 of A-Z a-z 0-9 _ -)", name);
	if (keystore_exists(ks, name))
		return ks_fail(err, errlen, EEXIST, "a key \"%s\" exists: delete it first", name);
	chain = ks_parse_chain(in->chain_pem, in->chain_len, err, errlen);
	if (!chain)
		return -1;
	key = ks_parse_key(in->key_pem, in->key_len, in->passphrase, err, errlen);
	if (!key)
		goto out;
	leaf = sk_X509_value(chain, 0);
	if (ks_check_key(key, err, errlen) < 0 || ks_check_pair(key, leaf, err, errlen) < 0 ||
	    ks_check_chain(chain, err, errlen) < 0 || ks_check_leaf_usage(leaf, err, errlen) < 0)
		goto out;
	if (!in->force && ks_check_dates(chain, now, err, errlen) < 0)
		goto out;
	ret = ks_store(ks, name, key, chain, err, errlen);
out:
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	return ret;
}
