/* The vendor master secret file (see master.h). */
#include "master.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli.h"
#include "fsutil.h"
#include "lms.h"

#define MASTER_HEX (2 * MASTER_LEN)

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Write len bytes of text into the new file tmp, durably: 0, or -1 with errno set. */
static int write_new_file(const char *tmp, const char *text, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err;

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			close(fd);
			goto fail;
		}
		text += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == 0 && close(fd) == 0)
		return 0;
	err = errno;
fail:
	unlink(tmp);
	errno = err;
	return -1;
}

int master_create(const char *dir)
{
	uint8_t secret[MASTER_LEN];
	char text[MASTER_HEX + 1], path[4096], tmp[4096];
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, MASTER_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, MASTER_FILE, (long)getpid());
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		fail("the random generator failed: no master secret made");
		return -1;
	}
	for (int i = 0; i < MASTER_LEN; i++) {
		text[2 * i] = "0123456789abcdef"[secret[i] >> 4];
		text[2 * i + 1] = "0123456789abcdef"[secret[i] & 15];
	}
	text[MASTER_HEX] = '\n';
	/* Written whole under a temporary name, then linked: link() never replaces a secret. */
	if (write_new_file(tmp, text, sizeof(text))) {
		fail("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path)) {
		if (errno == EEXIST)
			fail("%s is already initialised (%s exists)", dir, path);
		else
			fail("cannot create %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	if (fsync_dir(dir)) {
		fail("cannot sync %s: %s", dir, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

/* Refuse a file that is not the caller's own private regular file, as ssh does. */
static int check_file(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		fail("%s is not a regular file", path);
		return -1;
	}
	if (st->st_uid != geteuid()) {
		fail("%s is owned by uid %ld, not by you (uid %ld)", path, (long)st->st_uid,
		     (long)geteuid());
		return -1;
	}
	if (st->st_mode & 077) {
		fail("%s is %s by others (mode %04o): chmod 600 it", path,
		     st->st_mode & 044 ? "readable" : "accessible",
		     (unsigned int)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Open and check dir's master secret: an fd, or -1 after a message. */
static int open_master(const char *dir, char *path, size_t size)
{
	struct stat st;
	int fd;

	snprintf(path, size, "%s/%s", dir, MASTER_FILE);
	/* O_NOFOLLOW: a link is refused; O_NONBLOCK: a FIFO does not hang us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			fail("no master secret in %s: run '%s init'", dir, LMS_PROG);
		else if (errno == ELOOP)
			fail("%s is a symbolic link, not a regular file", path);
		else
			fail("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || check_file(path, &st)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read dir's master secret into master: 0, or -1 after a message. */
static int read_master(const char *dir, uint8_t master[MASTER_LEN])
{
	char path[4096], text[MASTER_HEX + 2];
	ssize_t n;
	int fd = open_master(dir, path, sizeof(path)), ret = -1;

	if (fd < 0)
		return -1;
	do
		n = read(fd, text, sizeof(text));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		fail("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	/* 64 hex digits, a newline at most: a longer file reads more than 65 bytes. */
	if (n < MASTER_HEX || (n > MASTER_HEX && (n > MASTER_HEX + 1 || text[MASTER_HEX] != '\n')))
		goto damaged;
	for (int i = 0; i < MASTER_LEN; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto damaged;
		master[i] = (uint8_t)(hi << 4 | lo);
	}
	ret = 0;
	goto out;
damaged:
	fail("%s is not 64 lowercase hex digits and a newline: restore it from its backup", path);
out:
	OPENSSL_cleanse(text, sizeof(text));
	if (ret)
		OPENSSL_cleanse(master, MASTER_LEN);
	return ret;
}

int master_check(const char *dir)
{
	uint8_t master[MASTER_LEN];
	int ret = read_master(dir, master);

	OPENSSL_cleanse(master, sizeof(master));
	return ret;
}

int master_device_key(const char *dir, const char *serial, uint8_t key[LICENSE_DEVICE_KEY_LEN])
{
	uint8_t master[MASTER_LEN];
	int ret;

	if (read_master(dir, master))
		return -1;
	ret = license_device_key(master, sizeof(master), serial, key);
	OPENSSL_cleanse(master, sizeof(master));
	if (ret)
		fail("cannot derive the device key of serial '%s'", serial);
	return ret;
}
