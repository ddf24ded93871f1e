/*
 * Writing a key pair: NAME.key (0600) then NAME.crt, each complete or not
 * at all. The certificate is written last because its presence is what
 * makes the name exist (keystore.h).
 */
#include "keystore_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "atomic_file.h"
#include "fsutil.h"

static int write_file(const struct keystore *ks, const char *name, const char *ext,
		      unsigned int mode, const void *data, size_t len, char *err, size_t errlen)
{
	struct atomic_file af;
	char file[KEYSTORE_NAME_MAX + 8];

	snprintf(file, sizeof(file), "%s.%s", name, ext);
	if (atomic_file_create(&af, ks->dir, file) < 0)
		return ks_fail(err, errlen, EIO, "%s/%s: %s", ks->dir, file, strerror(errno));
	/* The mode before a single byte is written (a leftover temporary keeps its own). */
	if (fchmod(af.fd, mode) < 0 || atomic_file_write(&af, data, len) < 0) {
		int e = errno;

		atomic_file_abort(&af);
		return ks_fail(err, errlen, EIO, "%s/%s: %s", ks->dir, file, strerror(e));
	}
	if (atomic_file_commit(&af) < 0)
		return ks_fail(err, errlen, EIO, "%s/%s: %s", ks->dir, file, strerror(errno));
	return 0;
}

int ks_store(const struct keystore *ks, const char *name, EVP_PKEY *key, STACK_OF(X509) * chain,
	     char *err, size_t errlen)
{
	/* Secure memory: the encoded key is wiped when the BIO is freed. */
	BIO *kb = BIO_new(BIO_s_secmem());
	char *data, *pem = NULL;
	size_t pem_len = 0;
	long klen;
	int ret = -1;

	if (!kb || !PEM_write_bio_PKCS8PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
	    (klen = BIO_get_mem_data(kb, &data)) <= 0) {
		ks_fail(err, errlen, EIO, "cannot encode the private key");
		goto out;
	}
	pem = ks_chain_pem(chain, &pem_len);
	if (!pem) {
		ks_fail(err, errlen, EIO, "cannot encode the certificate");
		goto out;
	}
	if (write_file(ks, name, "key", 0600, data, (size_t)klen, err, errlen) < 0)
		goto out;
	if (write_file(ks, name, "crt", 0644, pem, pem_len, err, errlen) < 0) {
		char path[KEYSTORE_PATH_MAX];

		ks_path(ks, name, "key", path);
		unlink(path);
		goto out;
	}
	if (fsync_dir(ks->dir) < 0) {
		ks_fail(err, errlen, EIO, "%s: %s", ks->dir, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	BIO_free(kb);
	free(pem);
	return ret;
}
