/* The key store's directory: names, paths, reading files, deleting (keystore.h). */
#include "keystore_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fsutil.h"

static const char *const alg_names[] = {
	[KEYSTORE_RSA2048] = "rsa2048",
	[KEYSTORE_RSA3072] = "rsa3072",
	[KEYSTORE_EC256] = "ec256",
	[KEYSTORE_EC384] = "ec384",
};

int ks_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = code;
	return -1;
}

struct keystore *keystore_open(const char *dir, char *err, size_t errlen)
{
	struct keystore *ks;
	struct stat st;

	if (strlen(dir) >= sizeof(ks->dir)) {
		ks_fail(err, errlen, ENAMETOOLONG, "key directory name too long: %.64s...", dir);
		return NULL;
	}
	/* Only the agent's user may look inside: private keys are here. */
	if (make_dir(dir, 0700) < 0 || lstat(dir, &st) < 0) {
		ks_fail(err, errlen, errno, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		ks_fail(err, errlen, ENOTDIR, "%s: not a directory", dir);
		return NULL;
	}
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0) {
		ks_fail(err, errlen, errno, "%s: cannot make it private: %s", dir, strerror(errno));
		return NULL;
	}
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		ks_fail(err, errlen, ENOMEM, "out of memory");
		return NULL;
	}
	strcpy(ks->dir, dir);
	return ks;
}

void keystore_close(struct keystore *ks)
{
	free(ks);
}

const char *keystore_dir(const struct keystore *ks)
{
	return ks->dir;
}

bool keystore_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > KEYSTORE_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
	       n;
}

void ks_path(const struct keystore *ks, const char *name, const char *ext,
	     char path[KEYSTORE_PATH_MAX])
{
	snprintf(path, KEYSTORE_PATH_MAX, "%s/%s.%s", ks->dir, name, ext);
}

static bool regular_file(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool keystore_exists(const struct keystore *ks, const char *name)
{
	char path[KEYSTORE_PATH_MAX];

	if (!keystore_name_valid(name))
		return false;
	ks_path(ks, name, "crt", path);
	return regular_file(path);
}

int keystore_alg_parse(const char *text, enum keystore_alg *alg)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (strcasecmp(text, alg_names[i]) == 0) {
			*alg = (enum keystore_alg)i;
			return 0;
		}
	return -1;
}

const char *keystore_alg_name(enum keystore_alg alg)
{
	return (unsigned int)alg < sizeof(alg_names) / sizeof(alg_names[0]) ? alg_names[alg] : "?";
}

char *ks_read(const struct keystore *ks, const char *name, const char *ext, size_t max, size_t *len,
	      char *err, size_t errlen)
{
	char path[KEYSTORE_PATH_MAX], *buf;
	struct stat st;
	size_t got = 0;
	int fd;

	ks_path(ks, name, ext, path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ks_fail(err, errlen, errno == ENOENT ? ENOENT : EIO, "%s: %s", path,
			strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ks_fail(err, errlen, EIO, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((size_t)st.st_size > max) {
		ks_fail(err, errlen, EFBIG, "%s: larger than %zu bytes", path, max);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		if (buf)
			ks_free_secret(buf, got);
		ks_fail(err, errlen, EIO, "%s: cannot read it", path);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

void ks_free_secret(char *buf, size_t len)
{
	if (!buf)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

int keystore_paths(const struct keystore *ks, const char *name, char cert_path[KEYSTORE_PATH_MAX],
		   char key_path[KEYSTORE_PATH_MAX])
{
	if (!keystore_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	ks_path(ks, name, "crt", cert_path);
	ks_path(ks, name, "key", key_path);
	if (!regular_file(cert_path) || !regular_file(key_path)) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int keystore_delete(struct keystore *ks, const char *name, const char *in_use, char *err,
		    size_t errlen)
{
	char path[KEYSTORE_PATH_MAX];

	if (!keystore_name_valid(name))
		return ks_fail(err, errlen, EINVAL,
			       "\"%.32s\" is not a key name (1-24 of A-Z a-z 0-9 _ -)", name);
	if (strcmp(name, KEYSTORE_DEFAULT) == 0)
		return ks_fail(err, errlen, EPERM,
			       "DefaultKey is the device's own key and cannot be deleted");
	if (!keystore_exists(ks, name))
		return ks_fail(err, errlen, ENOENT, "no key \"%s\"", name);
	if (in_use && strcmp(name, in_use) == 0)
		return ks_fail(err, errlen, EBUSY,
			       "%s is in use by the SMTP server: use another key first", name);
	/* The certificate first: once it is gone the name no longer exists. */
	ks_path(ks, name, "crt", path);
	if (unlink(path) < 0)
		return ks_fail(err, errlen, EIO, "%s: %s", path, strerror(errno));
	ks_path(ks, name, "key", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return ks_fail(err, errlen, EIO, "%s: %s", path, strerror(errno));
	if (fsync_dir(ks->dir) < 0)
		return ks_fail(err, errlen, EIO, "%s: %s", ks->dir, strerror(errno));
	return 0;
}
