/*
 * The data partition of the attached disk holds every piece of user
 * data; the agent mounts it on its data directory at start. A blank
 * partition (new, or just erased by "initialize all data": zeros, or
 * random data when the disk's last erase says so) gets a fresh ext4 file
 * system first.
 */
#ifndef IRSENDD_DATADISK_H
#define IRSENDD_DATADISK_H

#include <stddef.h>

/*
 * With the module's disk attached (device fd), make sure its data
 * partition is mounted on dir: 1 when it is (now or already), 0 when no
 * disk is attached (dir is used as a plain directory), -1 with err.
 */
int datadisk_mount(int device_fd, const char *dir, char *err, size_t errlen);

#endif
