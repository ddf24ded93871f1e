#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void forget(struct atomic_file *af)
{
	free(af->path);
	free(af->tmp_path);
	af->path = NULL;
	af->tmp_path = NULL;
	af->fd = -1;
}

int atomic_file_create(struct atomic_file *af, const char *dir, const char *name)
{
	af->fd = -1;
	af->path = NULL;
	af->tmp_path = NULL;
	if (asprintf(&af->path, "%s/%s", dir, name) < 0) {
		af->path = NULL;
		errno = ENOMEM;
		return -1;
	}
	/* The pid keeps concurrent writers apart; a leftover of a dead one is reused. */
	if (asprintf(&af->tmp_path, "%s/.%s.%ld.tmp", dir, name, (long)getpid()) < 0) {
		af->tmp_path = NULL;
		forget(af);
		errno = ENOMEM;
		return -1;
	}
	af->fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (af->fd < 0) {
		int err = errno;

		forget(af);
		errno = err;
		return -1;
	}
	return 0;
}

int atomic_file_write(struct atomic_file *af, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(af->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_file_commit(struct atomic_file *af)
{
	int err;

	if (fsync(af->fd) || close(af->fd)) {
		err = errno;
		af->fd = -1;
		goto fail;
	}
	af->fd = -1;
	if (rename(af->tmp_path, af->path)) {
		err = errno;
		goto fail;
	}
	forget(af);
	return 0;
fail:
	unlink(af->tmp_path);
	forget(af);
	errno = err;
	return -1;
}

void atomic_file_abort(struct atomic_file *af)
{
	int err = errno;

	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp_path)
		unlink(af->tmp_path);
	forget(af);
	errno = err;
}
