#include "nvram_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "nvram.h"

bool nvram_store_usable(const struct nvram_store *s)
{
	return s->fd >= 0 || s->dir[0] != '\0';
}

const char *nvram_store_where(const struct nvram_store *s)
{
	return s->fd >= 0 ? "the NVRAM partition" : s->dir[0] ? s->dir : "nowhere";
}

static int file_get(const struct nvram_store *s, const char *name, void *buf, size_t cap,
		    size_t *len)
{
	char path[320];
	ssize_t n;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			return -1;
		*len = 0;
		return 0;
	}
	/* One byte more than cap tells a record that is too large. */
	n = read(fd, buf, cap);
	if (n == (ssize_t)cap) {
		char extra;

		if (read(fd, &extra, 1) == 1) {
			close(fd);
			errno = ENOSPC;
			return -1;
		}
	}
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

int nvram_store_get(const struct nvram_store *s, uint32_t type, void *buf, size_t cap, size_t *len)
{
	const char *name = nvram_type_name(type);
	uint32_t got;

	if (!name) {
		errno = EINVAL;
		return -1;
	}
	if (s->fd < 0) {
		if (!s->dir[0]) {
			errno = ENODEV;
			return -1;
		}
		return file_get(s, name, buf, cap, len);
	}
	if (nvram_get(s->fd, type, buf, cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap, &got, NULL) <
	    0) {
		if (errno != ENOENT)
			return -1;
		got = 0;
	}
	*len = got;
	return 0;
}

int nvram_store_set(const struct nvram_store *s, uint32_t type, const void *buf, size_t len)
{
	const char *name = nvram_type_name(type);
	struct atomic_file af;

	if (!name || len > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (s->fd >= 0)
		return nvram_set(s->fd, type, buf, (uint32_t)len);
	if (!s->dir[0]) {
		errno = ENODEV;
		return -1;
	}
	if (atomic_file_create(&af, s->dir, name) < 0)
		return -1;
	if (fchmod(af.fd, 0600) < 0 || atomic_file_write(&af, buf, len) < 0) {
		int saved = errno;

		atomic_file_abort(&af);
		errno = saved;
		return -1;
	}
	return atomic_file_commit(&af);
}
