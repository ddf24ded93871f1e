#include "nvram.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

static const char *const names[IRSEND_NVRAM_MAX_TYPE + 1] = {
	[IRSEND_NVRAM_SERIAL] = "serial",	    [IRSEND_NVRAM_SOFTID] = "softid",
	[IRSEND_NVRAM_COUNTERS] = "counters",	    [IRSEND_NVRAM_SERVICE] = "service",
	[IRSEND_NVRAM_ERASE_STATE] = "erase-state", [IRSEND_NVRAM_ERASE_HISTORY] = "erase-history",
	[IRSEND_NVRAM_LICENSE] = "license",	    [IRSEND_NVRAM_DEVICE_KEY] = "device-key",
};

int nvram_get(int fd, uint32_t type, void *buf, uint32_t cap, uint32_t *len, uint64_t *generation)
{
	struct irsend_nvram_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.size = sizeof(rec);
	rec.type = type;
	rec.data = (uintptr_t)buf;
	rec.capacity = cap;
	if (ioctl(fd, IRSEND_IOC_NVRAM_GET, &rec) < 0)
		return -1;
	*len = rec.length;
	if (generation)
		*generation = rec.generation;
	return 0;
}

int nvram_probe(int fd, uint32_t type, uint32_t *len, uint64_t *generation)
{
	struct irsend_nvram_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.size = sizeof(rec);
	rec.type = type;
	/* Capacity 0: the kernel reports the length with ENOSPC and copies nothing. */
	if (ioctl(fd, IRSEND_IOC_NVRAM_GET, &rec) < 0 && errno != ENOSPC)
		return -1;
	*len = rec.length;
	if (generation)
		*generation = rec.generation;
	return 0;
}

int nvram_set(int fd, uint32_t type, const void *buf, uint32_t len)
{
	struct irsend_nvram_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.size = sizeof(rec);
	rec.type = type;
	rec.data = (uintptr_t)buf;
	rec.length = len;
	return ioctl(fd, IRSEND_IOC_NVRAM_SET, &rec);
}

const char *nvram_type_name(uint32_t type)
{
	return type <= IRSEND_NVRAM_MAX_TYPE ? names[type] : NULL;
}

uint32_t nvram_type_by_name(const char *name)
{
	for (uint32_t t = 1; t <= IRSEND_NVRAM_MAX_TYPE; t++)
		if (!strcmp(name, names[t]))
			return t;
	return 0;
}
