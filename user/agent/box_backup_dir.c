/* A local directory as the backup's remote side: for tests, and for a mounted share. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box_backup.h"

struct dir_io {
	struct bk_io io;
	char dir[4096];
};

static int path_of(struct bk_io *io, const char *rel, char *out, size_t size)
{
	struct dir_io *d = (struct dir_io *)io;

	return snprintf(out, size, "%s/%s", d->dir, rel) >= (int)size ? -1 : 0;
}

static int failed(struct bk_io *io, const char *rel)
{
	io->code = 0;
	snprintf(io->why, sizeof(io->why), "%s: %s", rel, strerror(errno));
	return -1;
}

static int d_exists(struct bk_io *io, const char *rel)
{
	char p[4200];
	struct stat st;

	if (path_of(io, rel, p, sizeof(p)))
		return -1;
	if (lstat(p, &st) == 0)
		return 1;
	return errno == ENOENT ? 0 : failed(io, rel);
}

static int d_mkdir(struct bk_io *io, const char *rel)
{
	char p[4200];

	if (path_of(io, rel, p, sizeof(p)) || mkdir(p, 0755))
		return failed(io, rel);
	return 0;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		for (ssize_t off = 0, w; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0)
				return -1;
		}
	}
	return 0;
}

static int d_put(struct bk_io *io, const char *rel, int fd)
{
	char p[4200];
	int out, r;

	if (path_of(io, rel, p, sizeof(p)) || lseek(fd, 0, SEEK_SET) < 0)
		return failed(io, rel);
	out = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return failed(io, rel);
	r = copy_fd(fd, out);
	if (close(out))
		r = -1;
	return r ? failed(io, rel) : 0;
}

static int d_get(struct bk_io *io, const char *rel, int fd)
{
	char p[4200];
	int in, r;

	if (path_of(io, rel, p, sizeof(p)) || lseek(fd, 0, SEEK_SET) < 0 || ftruncate(fd, 0))
		return failed(io, rel);
	in = open(p, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return failed(io, rel);
	r = copy_fd(in, fd);
	close(in);
	return r ? failed(io, rel) : 0;
}

static int d_size(struct bk_io *io, const char *rel, uint64_t *size)
{
	char p[4200];
	struct stat st;

	if (path_of(io, rel, p, sizeof(p)) || stat(p, &st))
		return failed(io, rel);
	*size = (uint64_t)st.st_size;
	return 0;
}

static int d_rename(struct bk_io *io, const char *from, const char *to)
{
	char a[4200], b[4200];
	struct stat st;

	if (path_of(io, from, a, sizeof(a)) || path_of(io, to, b, sizeof(b)))
		return failed(io, from);
	/* rename(2) would replace an empty directory: never a backup of someone else. */
	if (lstat(b, &st) == 0) {
		errno = EEXIST;
		return failed(io, to);
	}
	return rename(a, b) ? failed(io, from) : 0;
}

static const struct bk_io_ops dir_ops = {
	.exists = d_exists,
	.mkdir = d_mkdir,
	.put = d_put,
	.get = d_get,
	.size = d_size,
	.rename = d_rename,
};

struct bk_io *bk_dir_io_new(const char *dir)
{
	struct dir_io *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->io.ops = &dir_ops;
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	return &d->io;
}
