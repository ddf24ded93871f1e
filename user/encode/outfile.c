// SPDX-License-Identifier: GPL-2.0
/*
 * Output files that appear complete or not at all: written under a hidden
 * unique name in the target directory (mkstemp, so concurrent encoders and
 * threads never share one), synced, and renamed into place only when the
 * whole document is done; the directory is synced after the renames. Files
 * are mode 0600: scanned documents belong to the agent that made them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encode_priv.h"

int outfile_create(struct outfile *of, const char *dir, const char *name, char *err, size_t errlen)
{
	*of = (struct outfile){ .fd = -1 };
	if (asprintf(&of->path, "%s/%s", dir, name) < 0) {
		of->path = NULL;
		goto oom;
	}
	if (asprintf(&of->tmp_path, "%s/.%s.XXXXXX", dir, name) < 0) {
		of->tmp_path = NULL;
		goto oom;
	}
	of->fd = mkostemp(of->tmp_path, O_CLOEXEC);
	if (of->fd < 0) {
		enc_errf(err, errlen, "creating a file in %s: %s", dir, strerror(errno));
		free(of->tmp_path);
		of->tmp_path = NULL;
		outfile_discard(of, false);
		return -1;
	}
	return 0;
oom:
	enc_errf(err, errlen, "out of memory");
	outfile_discard(of, false);
	return -1;
}

int outfile_write(struct outfile *of, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (of->error)
		return -1;
	while (len) {
		ssize_t n = write(of->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			of->error = n < 0 ? errno : EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		of->offset += (uint64_t)n;
	}
	return 0;
}

int outfile_close(struct outfile *of, char *err, size_t errlen)
{
	int rc = 0;

	if (of->fd < 0)
		return 0;
	if (!of->error && fsync(of->fd))
		of->error = errno;
	if (close(of->fd) && !of->error)
		of->error = errno;
	of->fd = -1;
	if (of->error) {
		enc_errf(err, errlen, "writing %s: %s", of->path, strerror(of->error));
		rc = -1;
	}
	return rc;
}

int outfile_publish(struct outfile *of, char *err, size_t errlen)
{
	if (rename(of->tmp_path, of->path)) {
		enc_errf(err, errlen, "renaming into %s: %s", of->path, strerror(errno));
		return -1;
	}
	free(of->tmp_path);
	of->tmp_path = NULL;
	return 0;
}

void outfile_discard(struct outfile *of, bool published)
{
	int saved = errno;

	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	if (of->tmp_path)
		unlink(of->tmp_path);
	else if (published && of->path)
		unlink(of->path);
	free(of->tmp_path);
	free(of->path);
	of->tmp_path = NULL;
	of->path = NULL;
	errno = saved;
}

int outfile_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0 || fsync(fd)) {
		enc_errf(err, errlen, "syncing %s: %s", dir, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
