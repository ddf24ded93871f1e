#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

int irsend_device_open(const char *prog, const char *path)
{
	if (!path)
		path = getenv("IRSEND_DEVICE");
	if (!path || !*path)
		path = IRSEND_DEVICE_PATH;

	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;

	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		fprintf(stderr,
			"%s: %s: no such device; the irsend module is not loaded "
			"(load it with 'modprobe irsend' or 'insmod kmod/irsend.ko')\n",
			prog, path);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr,
			"%s: %s: permission denied (the device is mode 0600: run as root)\n", prog,
			path);
		break;
	default:
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
	}
	return -1;
}

int irsend_get_info(int fd, struct irsend_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, IRSEND_IOC_GET_INFO, info);
}

const char *irsend_cap_name(unsigned long long cap)
{
	switch (cap) {
	case IRSEND_CAP_INFO:
		return "info";
	case IRSEND_CAP_SCAN_RING:
		return "scan-ring";
	case IRSEND_CAP_NVRAM:
		return "nvram";
	case IRSEND_CAP_ERASE:
		return "erase";
	case IRSEND_CAP_MACFILTER:
		return "macfilter";
	default:
		return NULL;
	}
}
