/* Opening /dev/irsend and the ioctls every tool shares. */
#ifndef IRSEND_DEVICE_H
#define IRSEND_DEVICE_H

#include <linux/irsend.h>

/*
 * Open the irsend device (path NULL: $IRSEND_DEVICE or IRSEND_DEVICE_PATH).
 * On failure print one line that says what to do to stderr, prefixed with
 * prog, and return -1.
 */
int irsend_device_open(const char *prog, const char *path);

/* Fill *info with IRSEND_IOC_GET_INFO; -1 with errno set on failure. */
int irsend_get_info(int fd, struct irsend_info *info);

/* Name of one IRSEND_CAP_* bit, or NULL for an unknown bit. */
const char *irsend_cap_name(unsigned long long cap);

#endif
