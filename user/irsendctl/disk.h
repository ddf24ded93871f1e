/* The irsend disk ioctls with the operator's error messages. */
#ifndef IRSENDCTL_DISK_H
#define IRSENDCTL_DISK_H

#include <stdbool.h>

#include <linux/irsend.h>

/* IRSEND_IOC_DISK_INFO with its strings terminated: 0, or -1 with errno. */
int disk_info(int fd, struct irsend_disk_info *info);

/*
 * Attach nvram and data (made absolute), formatting the NVRAM when format:
 * 0, or -1 after printing why to stderr with prefix prog.
 */
int disk_attach(int fd, const char *prog, const char *nvram, const char *data, bool format);

/* "62.0 MiB" */
void format_bytes(char *buf, unsigned long len, unsigned long long bytes);

#endif
