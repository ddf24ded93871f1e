/*
 * NVRAM records wherever they are kept: on the device's NVRAM partition
 * through /dev/irsend, or, on a development host without the module, as
 * one file per record in a directory (named as nvram_type_name()). The
 * directory stands in for the partition; it is not a device.
 */
#ifndef IRSEND_COMMON_NVRAM_STORE_H
#define IRSEND_COMMON_NVRAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/irsend.h>

struct nvram_store {
	int fd;	       /* /dev/irsend, or -1 */
	char dir[256]; /* used when fd < 0; "" when there is no NVRAM at all */
};

/* True when records can be read and written. */
bool nvram_store_usable(const struct nvram_store *s);

/*
 * Read record type into buf (cap bytes): 0 with *len set (0 for a record
 * never written), or -1 with errno (ENODEV: no NVRAM; ENOSPC: larger than cap).
 */
int nvram_store_get(const struct nvram_store *s, uint32_t type, void *buf, size_t cap, size_t *len);

/* Write record type whole (a file is replaced atomically, mode 0600): 0, or -1 with errno. */
int nvram_store_set(const struct nvram_store *s, uint32_t type, const void *buf, size_t len);

/* "/dev/irsend" or the directory, for messages. */
const char *nvram_store_where(const struct nvram_store *s);

#endif
