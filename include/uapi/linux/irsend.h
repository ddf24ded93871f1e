/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * irsend: the one contract between irsend.ko and its userspace.
 *
 * Rules for growth: structs only ever grow at the end; every struct that
 * crosses the boundary starts with a __u32 size that the caller sets to
 * the size it knows. The kernel accepts any size from the first published
 * size of that struct up to IRSEND_STRUCT_MAX_SIZE, fills what both sides
 * know and zeroes the rest, and writes back the size it filled. Old
 * binaries keep working with new modules and the other way round.
 */
#ifndef _UAPI_LINUX_IRSEND_H
#define _UAPI_LINUX_IRSEND_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define IRSEND_DEVICE_NAME	"irsend"
#define IRSEND_DEVICE_PATH	"/dev/irsend"

/* Bumped on any incompatible change; additions do not bump it. */
#define IRSEND_ABI_VERSION	1

/* Largest size a caller may claim for any ioctl struct. */
#define IRSEND_STRUCT_MAX_SIZE	4096

/* Capability flags reported by IRSEND_IOC_GET_INFO. */
#define IRSEND_CAP_INFO		(1ULL << 0) /* GET_INFO (always set) */
#define IRSEND_CAP_SCAN_RING	(1ULL << 1) /* scanner page ring */
#define IRSEND_CAP_NVRAM	(1ULL << 2) /* NVRAM records on the disk */
#define IRSEND_CAP_ERASE	(1ULL << 3) /* user-data erase engine */
#define IRSEND_CAP_MACFILTER	(1ULL << 4) /* MAC allow-list (genl) */

#define IRSEND_BUILD_ID_LEN	48
#define IRSEND_RELEASE_LEN	64

/**
 * struct irsend_info - what the module is and what it can do
 * @size: in: sizeof(struct irsend_info) as the caller knows it;
 *	out: number of bytes the module filled
 * @abi_version: IRSEND_ABI_VERSION of the module
 * @caps: IRSEND_CAP_* flags of the features this module provides
 * @build_id: NUL-terminated module version and source revision
 * @kernel_release: NUL-terminated release of the running kernel
 */
struct irsend_info {
	__u32 size;
	__u32 abi_version;
	__aligned_u64 caps;
	char build_id[IRSEND_BUILD_ID_LEN];
	char kernel_release[IRSEND_RELEASE_LEN];
};

#define IRSEND_INFO_SIZE_VER0	128 /* first published size */

#define IRSEND_IOC_MAGIC	0xB8 /* free in ioctl-number.rst as of 6.1 */

#define IRSEND_IOC_GET_INFO	_IOWR(IRSEND_IOC_MAGIC, 0x00, struct irsend_info)

#endif /* _UAPI_LINUX_IRSEND_H */
