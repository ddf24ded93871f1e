/* Helpers shared by the kselftests that use the scratch disks. */
#ifndef IRSEND_TEST_H
#define IRSEND_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/irsend.h>

static inline const char *nvram_dev(void)
{
	return getenv("IRSEND_TEST_NVRAM");
}

static inline const char *data_dev(void)
{
	return getenv("IRSEND_TEST_DATA");
}

/* IRSEND_IOC_DISK_ATTACH; 0 or -errno. */
static inline int attach(int fd, const char *nvram, const char *data, uint32_t flags)
{
	struct irsend_disk_attach a = { .size = sizeof(a), .flags = flags };

	snprintf(a.nvram_path, sizeof(a.nvram_path), "%s", nvram);
	snprintf(a.data_path, sizeof(a.data_path), "%s", data);
	return ioctl(fd, IRSEND_IOC_DISK_ATTACH, &a) ? -errno : 0;
}

/* The module's test-only fault injection switch. */
static inline int set_fault_injection(int on)
{
	int fd = open("/sys/module/irsend/parameters/fault_injection", O_WRONLY);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -EIO;
}

#endif
