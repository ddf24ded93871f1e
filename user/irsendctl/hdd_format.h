/* Writing the irsend partition table on a whole disk with libfdisk. */
#ifndef IRSENDCTL_HDD_FORMAT_H
#define IRSENDCTL_HDD_FORMAT_H

#include <stdint.h>

#define HDD_NVRAM_PART_NAME "irsend-nvram"
#define HDD_DATA_PART_NAME "irsend-data"
/* "Linux reserved": no filesystem, so desktop tools and automounters leave it alone. */
#define HDD_NVRAM_PART_TYPE "8DA63339-0007-60C0-C436-083AC8230908"
/* "Linux filesystem data". */
#define HDD_DATA_PART_TYPE "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
#define HDD_NVRAM_PART_BYTES (1024 * 1024)

struct hdd_layout {
	uint64_t nvram_start, nvram_bytes; /* bytes from the start of the disk */
	uint64_t data_start, data_bytes;
};

/*
 * Replace any partition table on disk_path with GPT: partition 1 of
 * HDD_NVRAM_PART_BYTES, partition 2 the rest, both 1 MiB aligned; then ask
 * the kernel to re-read it. 0, or a negative errno with *what naming the
 * step that failed.
 */
int hdd_write_table(const char *disk_path, struct hdd_layout *layout, const char **what);

#endif
