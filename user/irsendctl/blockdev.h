/* Block devices as sysfs and /proc see them: disks, partitions, mounts. */
#ifndef IRSENDCTL_BLOCKDEV_H
#define IRSENDCTL_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BLOCKDEV_NAME_MAX 64

struct blockdev {
	dev_t dev;
	char name[BLOCKDEV_NAME_MAX]; /* kernel name: "vdb", "nvme0n1p2" */
	bool partition;
};

/*
 * What block device path is: 0, or -1 with errno (ENOTBLK: not a block
 * device; errors of stat() and of sysfs as they come).
 */
int blockdev_lookup(const char *path, struct blockdev *bd);

/* Partition partno of disk (by kernel name) as /dev/NAME: 0, or -1 with errno (ENOENT). */
int blockdev_partition(const char *disk, unsigned int partno, struct blockdev *part, char *node,
		       size_t node_len);

/* Where dev or, for a whole disk, any partition of it is mounted: true and the mount point. */
bool blockdev_mounted(const struct blockdev *bd, char *where, size_t where_len);

/* The drive's model from sysfs (for a partition, its disk's): 0, or -1 when unknown. */
int blockdev_model(const char *path, char *model, size_t len);

#endif
