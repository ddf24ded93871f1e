#include "disk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

int disk_info(int fd, struct irsend_disk_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(fd, IRSEND_IOC_DISK_INFO, info) < 0)
		return -1;
	info->nvram_path[sizeof(info->nvram_path) - 1] = '\0';
	info->data_path[sizeof(info->data_path) - 1] = '\0';
	return 0;
}

/* The kernel wants absolute paths that fit IRSEND_PATH_LEN. */
static int absolute(const char *prog, const char *path, char *out)
{
	char buf[PATH_MAX];

	if (path[0] != '/') {
		if (!realpath(path, buf)) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			return -1;
		}
		path = buf;
	}
	if (strlen(path) >= IRSEND_PATH_LEN) {
		fprintf(stderr, "%s: %s: path longer than %d bytes\n", prog, path,
			IRSEND_PATH_LEN - 1);
		return -1;
	}
	strcpy(out, path);
	return 0;
}

int disk_attach(int fd, const char *prog, const char *nvram, const char *data, bool format)
{
	struct irsend_disk_attach req;
	struct irsend_disk_info info;
	int err;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = format ? IRSEND_DISK_FORMAT : 0;
	if (absolute(prog, nvram, req.nvram_path) || absolute(prog, data, req.data_path))
		return -1;
	if (ioctl(fd, IRSEND_IOC_DISK_ATTACH, &req) == 0)
		return 0;
	err = errno;
	switch (err) {
	case EMEDIUMTYPE:
		fprintf(stderr, "%s: %s: not formatted for irsend: run '%s hdd format'\n", prog,
			req.nvram_path, "irsendctl");
		break;
	case EBUSY:
		if (disk_info(fd, &info) == 0 && info.attached)
			fprintf(stderr,
				"%s: a disk is already attached (NVRAM %s, data %s): run "
				"'irsendctl hdd detach' first\n",
				prog, info.nvram_path, info.data_path);
		else
			fprintf(stderr,
				"%s: %s is in use (mounted, or claimed by another driver)\n", prog,
				req.nvram_path);
		break;
	case ENOSPC:
		fprintf(stderr,
			"%s: %s is too small for the NVRAM (at least %d KiB) or has sectors "
			"larger than 4 KiB\n",
			prog, req.nvram_path, IRSEND_NVRAM_MIN_BYTES / 1024);
		break;
	case EINVAL:
		fprintf(stderr,
			"%s: the NVRAM and data devices must be different and must not contain "
			"each other\n",
			prog);
		break;
	case ENOENT:
	case ENXIO:
	case ENOTBLK:
		fprintf(stderr, "%s: %s or %s: no such block device\n", prog, req.nvram_path,
			req.data_path);
		break;
	default:
		fprintf(stderr, "%s: attaching %s and %s failed: %s\n", prog, req.nvram_path,
			req.data_path, strerror(err));
	}
	errno = err;
	return -1;
}

void format_bytes(char *buf, unsigned long len, unsigned long long bytes)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu bytes", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}
