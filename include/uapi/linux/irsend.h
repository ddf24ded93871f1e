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
#define IRSEND_CAP_MACFILTER	(1ULL << 4) /* MAC allow-list (generic netlink) */

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

/*
 * Scanner page ring.
 *
 * One consumer (the agent) claims the ring with IRSEND_IOC_RING_CONSUME
 * and maps it read-only. Producers are the simulated ADF inside the module
 * (IRSEND_IOC_SCAN_START) and feeder processes that write pages
 * (IRSEND_IOC_FEED_PAGE, then write() of the rows). One job owns the ring
 * at a time; a page travels as one or more bands, each in its own slot.
 *
 * Mapping (offsets from IRSEND_IOC_RING_INFO, all page-aligned):
 *   producer_off  __u32 producer index: descriptors published so far
 *   consumer_off  __u32 consumer index: descriptors released so far
 *   desc_off      struct irsend_page_desc[nr_slots]
 *   data_off      nr_slots slots of slot_size bytes
 * Indexes count up and wrap at 2^32; descriptor i lives in entry
 * i % nr_slots (nr_slots is a power of two). Read the producer index with
 * acquire semantics before reading descriptors and data.
 *
 * Consumer loop: poll() for POLLIN, IRSEND_IOC_RING_GET to take the newly
 * published descriptors, use their data in place, IRSEND_IOC_RING_RELEASE
 * the oldest ones when done. A full ring pauses the producer; nothing is
 * dropped or overwritten before it is released. Closing the consumer
 * releases everything it held and cancels the running job.
 *
 * A simpler copy path exists as well: while the consumer holds nothing,
 * read() returns the next descriptor followed by its data and releases it
 * (EMSGSIZE when the buffer is too small, EAGAIN with O_NONBLOCK).
 *
 * Pixel data: 1 bit per pixel is PBM order (1 = black, most significant
 * bit first, rows padded to whole bytes); 8 bits is grey (0 = black);
 * 24 bits is RGB. Rows are stride bytes apart.
 */
struct irsend_ring_info {
	__u32 size;
	__u32 nr_slots;
	__u32 slot_size;
	__u32 desc_size;	/* sizeof(struct irsend_page_desc) */
	__aligned_u64 mmap_size;
	__aligned_u64 producer_off;
	__aligned_u64 consumer_off;
	__aligned_u64 desc_off;
	__aligned_u64 data_off;
};

#define IRSEND_RING_INFO_SIZE_VER0	56

/* Descriptor flags. */
#define IRSEND_DESC_PAGE_START	(1U << 0) /* band starts a page (y == 0) */
#define IRSEND_DESC_PAGE_END	(1U << 1) /* band ends a page; page_crc set */
#define IRSEND_DESC_LAST_PAGE	(1U << 2) /* on the last band of the job's last page */
#define IRSEND_DESC_JOB_END	(1U << 3) /* no data: the job is over */
#define IRSEND_DESC_CANCELLED	(1U << 4) /* with JOB_END: the job was cancelled */
#define IRSEND_DESC_ERROR	(1U << 5) /* with JOB_END: see error */
#define IRSEND_DESC_NO_CRC	(1U << 6) /* crcs not computed (IRSEND_SCAN_NO_CRC) */
#define IRSEND_DESC_FEEDER	(1U << 7) /* job came from a feeder process */

/* Reasons in irsend_page_desc.error (with IRSEND_DESC_ERROR). */
#define IRSEND_SCAN_ERR_NONE		0
#define IRSEND_SCAN_ERR_JAM		1 /* the ADF jammed (injected) */
#define IRSEND_SCAN_ERR_SHORT_PAGE	2 /* feeder ended inside a page */
#define IRSEND_SCAN_ERR_FEEDER_GONE	3 /* feeder closed without ending the job */

/**
 * struct irsend_page_desc - one band of a page, or the end of a job
 * @job_id: job the band belongs to (never 0)
 * @page: page number in the job, from 1
 * @width: page width in pixels
 * @height: page height in pixels
 * @stride: bytes from one row to the next
 * @bpp: bits per pixel: 1, 8 or 24
 * @flags: IRSEND_DESC_*
 * @xres: horizontal resolution in dpi
 * @yres: vertical resolution in dpi
 * @y: first row of this band
 * @rows: rows in this band
 * @length: bytes of data (rows * stride; 0 for JOB_END)
 * @offset: of the data from the start of the mapping
 * @band_crc: CRC-32 (IEEE, as zlib's crc32()) of this band's data
 * @page_crc: CRC-32 of the whole page, with IRSEND_DESC_PAGE_END
 * @seq: producer index at which this descriptor was published
 * @error: IRSEND_SCAN_ERR_* with IRSEND_DESC_ERROR
 */
struct irsend_page_desc {
	__u32 job_id;
	__u32 page;
	__u32 width;
	__u32 height;
	__u32 stride;
	__u16 bpp;
	__u16 flags;
	__u16 xres;
	__u16 yres;
	__u32 y;
	__u32 rows;
	__u32 length;
	__aligned_u64 offset;
	__u32 band_crc;
	__u32 page_crc;
	__u32 seq;
	__u32 error;
};

/**
 * struct irsend_ring_get - take the descriptors published since the last call
 * @size: sizeof(struct irsend_ring_get)
 * @count: out: number of new descriptors (EAGAIN when none)
 * @first: out: producer index of the first of them
 * @held: out: descriptors taken and not yet released, these included
 */
struct irsend_ring_get {
	__u32 size;
	__u32 count;
	__u32 first;
	__u32 held;
};

/**
 * struct irsend_ring_release - give back the oldest taken descriptors
 * @size: sizeof(struct irsend_ring_release)
 * @count: how many; at most the number held
 */
struct irsend_ring_release {
	__u32 size;
	__u32 count;
};

/* Paper sizes (section 1.2.1: A3 to A5). */
#define IRSEND_PAPER_A3		1 /* 297 x 420 mm */
#define IRSEND_PAPER_B4		2 /* 257 x 364 mm */
#define IRSEND_PAPER_A4		3 /* 210 x 297 mm */
#define IRSEND_PAPER_A5		4 /* 148 x 210 mm */
#define IRSEND_PAPER_CUSTOM	5 /* width_mm x height_mm */

#define IRSEND_CUSTOM_MIN_MM		50
#define IRSEND_CUSTOM_MAX_WIDTH_MM	297
#define IRSEND_CUSTOM_MAX_HEIGHT_MM	432

#define IRSEND_SCAN_MAX_PAGES	999
#define IRSEND_SCAN_MAX_PACE_MS	10000

/* Scan request flags. */
#define IRSEND_SCAN_FLAT	(1U << 0) /* plain pages, cheap to make (benchmarks) */
#define IRSEND_SCAN_NO_CRC	(1U << 1) /* skip the CRCs (benchmarks) */

/**
 * struct irsend_scan_request - start a simulated ADF job
 * @size: sizeof(struct irsend_scan_request)
 * @flags: IRSEND_SCAN_*
 * @pages: pages to scan, 1..IRSEND_SCAN_MAX_PAGES
 * @paper: IRSEND_PAPER_*
 * @width_mm: page width for IRSEND_PAPER_CUSTOM, else 0
 * @height_mm: page height for IRSEND_PAPER_CUSTOM, else 0
 * @xres: horizontal dpi; with @yres one of 100x100, 150x150, 200x100,
 *	200x200, 200x400, 300x300, 400x400, 600x600
 * @yres: vertical dpi
 * @bpp: 1, 8 or 24
 * @pad: 0
 * @pace_ms: pause before each page after the first, up to
 *	IRSEND_SCAN_MAX_PACE_MS
 * @seed: selects the generated content; same seed, same pages
 * @jam_at_page: 0, or a page at whose middle the ADF jams (tests)
 * @job_id: out: the job's id
 * @width: out: page width in pixels (mm * dpi / 25.4, rounded, then
 *	down to a multiple of 8)
 * @height: out: page height in pixels (rounded)
 * @stride: out: bytes per row
 */
struct irsend_scan_request {
	__u32 size;
	__u32 flags;
	__u32 pages;
	__u32 paper;
	__u32 width_mm;
	__u32 height_mm;
	__u16 xres;
	__u16 yres;
	__u16 bpp;
	__u16 pad;
	__u32 pace_ms;
	__u32 seed;
	__u32 jam_at_page;
	__u32 job_id;
	__u32 width;
	__u32 height;
	__u32 stride;
};

#define IRSEND_SCAN_REQUEST_SIZE_VER0	60

/**
 * struct irsend_scan_cancel - cancel a job
 * @size: sizeof(struct irsend_scan_cancel)
 * @job_id: the job; 0 for whichever job is running
 */
struct irsend_scan_cancel {
	__u32 size;
	__u32 job_id;
};

/* Feeder limits: any page a real scanner could deliver, within reason. */
#define IRSEND_FEED_MAX_WIDTH	14400	/* 24 in at 600 dpi */
#define IRSEND_FEED_MAX_HEIGHT	28800	/* 48 in at 600 dpi */
#define IRSEND_FEED_MIN_RES	50
#define IRSEND_FEED_MAX_RES	1200

#define IRSEND_FEED_LAST_PAGE	(1U << 0) /* this page ends the job */

/**
 * struct irsend_feed_page - start the next page of this feeder's job
 * @size: sizeof(struct irsend_feed_page)
 * @flags: IRSEND_FEED_*
 * @width: pixels, 1..IRSEND_FEED_MAX_WIDTH
 * @height: pixels, 1..IRSEND_FEED_MAX_HEIGHT
 * @bpp: 1, 8 or 24
 * @xres: dpi, IRSEND_FEED_MIN_RES..IRSEND_FEED_MAX_RES
 * @yres: dpi, likewise
 * @pad: 0
 * @job_id: out: the job (started by the first page)
 * @page: out: this page's number
 * @stride: out: bytes per row; write() height * stride bytes next
 *
 * The first page of a feeder waits until the ring is free of other jobs
 * (EBUSY with O_NONBLOCK) and fails with EPIPE when no consumer is there.
 */
struct irsend_feed_page {
	__u32 size;
	__u32 flags;
	__u32 width;
	__u32 height;
	__u16 bpp;
	__u16 xres;
	__u16 yres;
	__u16 pad;
	__u32 job_id;
	__u32 page;
	__u32 stride;
};

#define IRSEND_FEED_PAGE_SIZE_VER0	36

/*
 * The disk: an NVRAM partition (at least IRSEND_NVRAM_MIN_BYTES) holding
 * what survives "initialize all data", and a user-data partition that the
 * erase engine overwrites. Attaching never formats: a NVRAM partition
 * without the irsend superblock is refused (EMEDIUMTYPE) unless
 * IRSEND_DISK_FORMAT asks, explicitly, to write a fresh one.
 */
#define IRSEND_PATH_LEN		128
#define IRSEND_NVRAM_MIN_BYTES	(256 * 1024)

#define IRSEND_DISK_FORMAT	(1U << 0) /* write a new, empty NVRAM */

/**
 * struct irsend_disk_attach - attach the disk
 * @size: sizeof(struct irsend_disk_attach)
 * @flags: IRSEND_DISK_*
 * @nvram_path: NUL-terminated path of the NVRAM block device
 * @data_path: NUL-terminated path of the user-data block device
 */
struct irsend_disk_attach {
	__u32 size;
	__u32 flags;
	char nvram_path[IRSEND_PATH_LEN];
	char data_path[IRSEND_PATH_LEN];
};

#define IRSEND_DISK_ATTACH_SIZE_VER0	264

/**
 * struct irsend_disk_info - the attached disk
 * @size: sizeof(struct irsend_disk_info)
 * @attached: 1 when a disk is attached
 * @nvram_bytes: size of the NVRAM device
 * @data_bytes: size of the user-data device
 * @nvram_path: as attached
 * @data_path: as attached
 */
struct irsend_disk_info {
	__u32 size;
	__u32 attached;
	__aligned_u64 nvram_bytes;
	__aligned_u64 data_bytes;
	char nvram_path[IRSEND_PATH_LEN];
	char data_path[IRSEND_PATH_LEN];
};

#define IRSEND_DISK_INFO_SIZE_VER0	280

/*
 * NVRAM records. Each is stored twice with a generation and a CRC-32; a
 * write goes to the older copy and is flushed, so a write torn by power
 * loss leaves the previous value readable and never garbage.
 */
#define IRSEND_NVRAM_SERIAL		1 /* device serial: 1..31 printable ASCII */
#define IRSEND_NVRAM_SOFTID		2 /* license (SoftID) bits, up to 256 bytes */
#define IRSEND_NVRAM_COUNTERS		3 /* __u64 counters, up to 64 of them */
#define IRSEND_NVRAM_SERVICE		4 /* factory service-mode values */
#define IRSEND_NVRAM_ERASE_STATE	5 /* the erase engine's own: read-only */
#define IRSEND_NVRAM_ERASE_HISTORY	6 /* erase certificates */
#define IRSEND_NVRAM_LICENSE		7 /* license ledger (invalidations, tries) */
#define IRSEND_NVRAM_DEVICE_KEY		8 /* per-device license key: 32 bytes */
#define IRSEND_NVRAM_MAX_TYPE		8

#define IRSEND_NVRAM_DATA_MAX		4000

/* Test only, with the fault_injection module parameter: tear the write. */
#define IRSEND_NVRAM_F_TEST_TORN	(1U << 0)

/**
 * struct irsend_nvram_rec - read or write one record
 * @size: sizeof(struct irsend_nvram_rec)
 * @type: IRSEND_NVRAM_*
 * @flags: IRSEND_NVRAM_F_* (set only)
 * @length: set: bytes at @data; get: out: the record's length
 * @generation: out: generation of the copy read or written
 * @data: user pointer to the record bytes
 * @capacity: get: bytes available at @data (ENOSPC if the record is larger)
 * @pad: 0
 */
struct irsend_nvram_rec {
	__u32 size;
	__u32 type;
	__u32 flags;
	__u32 length;
	__aligned_u64 generation;
	__aligned_u64 data;
	__u32 capacity;
	__u32 pad;
};

#define IRSEND_NVRAM_REC_SIZE_VER0	40

/*
 * The erase engine: overwrites the whole data device with zeros once,
 * random data once or random data three times (NIST SP 800-88 "Clear"),
 * optionally reads everything back to verify it. Random data is ChaCha20
 * keystream with a fresh key per pass from the kernel CSPRNG, seekable,
 * so the verify pass regenerates exactly what the last pass wrote. The
 * erase runs in a kernel thread to the end even if its caller dies; its
 * progress is checkpointed in NVRAM and it resumes at the next attach
 * after a power loss. While it runs, every non-loopback frame arriving at
 * the device is dropped. Never touches the NVRAM device.
 */
#define IRSEND_ERASE_ZERO1	1 /* zeros, one pass */
#define IRSEND_ERASE_RANDOM1	2 /* random, one pass */
#define IRSEND_ERASE_RANDOM3	3 /* random, three passes, each its own key */

#define IRSEND_ERASE_VERIFY		(1U << 0) /* read back and compare all */
#define IRSEND_ERASE_F_TEST_CORRUPT	(1U << 1) /* test: spoil one block before verify */

/**
 * struct irsend_erase_request - start erasing the data device
 * @size: sizeof(struct irsend_erase_request)
 * @mode: IRSEND_ERASE_ZERO1, _RANDOM1 or _RANDOM3
 * @flags: IRSEND_ERASE_VERIFY, IRSEND_ERASE_F_TEST_CORRUPT (with the
 *	fault_injection module parameter only)
 * @max_mbps: limit in MB/s (10^6 bytes), 0 for none
 */
struct irsend_erase_request {
	__u32 size;
	__u32 mode;
	__u32 flags;
	__u32 max_mbps;
};

#define IRSEND_ERASE_STATE_IDLE		0 /* no erase since the disk was formatted */
#define IRSEND_ERASE_STATE_RUNNING	1
#define IRSEND_ERASE_STATE_DONE		2
#define IRSEND_ERASE_STATE_FAILED	3 /* I/O error: see error */

#define IRSEND_VERIFY_NONE	0
#define IRSEND_VERIFY_PASSED	1
#define IRSEND_VERIFY_FAILED	2

/**
 * struct irsend_erase_status - progress and outcome of the last erase
 * @size: sizeof(struct irsend_erase_status)
 * @state: IRSEND_ERASE_STATE_*
 * @mode: IRSEND_ERASE_* of the erase
 * @flags: its IRSEND_ERASE_VERIFY flag
 * @pass: current pass, from 1; passes + 1 once the overwrite passes are
 *	over (verifying, or done)
 * @passes: overwrite passes of the mode
 * @verify_result: IRSEND_VERIFY_*
 * @error: negative errno of an I/O failure, or of why an erase cut by a
 *	power loss could not resume at attach (state stays RUNNING), else 0
 * @resumed: times the erase was resumed after a power loss
 * @seq: changes with every progress update (poll() sees EPOLLPRI)
 * @bytes_done: bytes of the current pass done
 * @bytes_total: bytes per pass (the size of the data device)
 * @bytes_written: bytes written by all passes so far
 * @rate: bytes per second over the current pass
 * @start_time: seconds since the epoch
 * @end_time: seconds since the epoch, 0 while running
 * @first_bad: offset of the first byte that failed verification, or ~0
 */
struct irsend_erase_status {
	__u32 size;
	__u32 state;
	__u32 mode;
	__u32 flags;
	__u32 pass;
	__u32 passes;
	__u32 verify_result;
	__s32 error;
	__u32 resumed;
	__u32 seq;
	__aligned_u64 bytes_done;
	__aligned_u64 bytes_total;
	__aligned_u64 bytes_written;
	__aligned_u64 rate;
	__aligned_u64 start_time;
	__aligned_u64 end_time;
	__aligned_u64 first_bad;
};

#define IRSEND_ERASE_STATUS_SIZE_VER0	96

/*
 * MAC address allow-list (generic netlink family IRSEND_GENL_NAME).
 * While enabled, a frame arriving on any non-loopback device of the initial
 * network namespace is accepted only when its source MAC is listed,
 * whatever its protocol (ARP, IPv4, IPv6) or IP address: the MAC rule
 * comes before any IP address rule. Changes need CAP_NET_ADMIN.
 */
#define IRSEND_GENL_NAME	"irsend"
#define IRSEND_GENL_VERSION	1
#define IRSEND_GENL_MCGRP_DROPS	"drops"	/* IRSEND_CMD_MAC_DROPPED events */

enum irsend_genl_cmd {
	IRSEND_CMD_UNSPEC,
	IRSEND_CMD_MAC_SET_ENABLED,	/* IRSEND_A_ENABLED */
	IRSEND_CMD_MAC_ADD,		/* IRSEND_A_MAC; ENOSPC when full */
	IRSEND_CMD_MAC_DEL,		/* IRSEND_A_MAC; ENOENT when absent */
	IRSEND_CMD_MAC_FLUSH,
	IRSEND_CMD_MAC_LIST,		/* dump: one IRSEND_A_MAC + _HITS each */
	IRSEND_CMD_MAC_STATS,		/* reply: ENABLED, COUNT, LIMIT, ACCEPTED,
					 * DROPPED, LOCKDOWN, LOCKDOWN_DROPS
					 */
	IRSEND_CMD_MAC_DROPPED,		/* event: IRSEND_A_MAC, IRSEND_A_IFINDEX */
	__IRSEND_CMD_MAX
};

#define IRSEND_CMD_MAX (__IRSEND_CMD_MAX - 1)

enum irsend_genl_attr {
	IRSEND_A_UNSPEC,
	IRSEND_A_MAC,		/* binary, 6 bytes: unicast, not zero */
	IRSEND_A_ENABLED,	/* u8: 0 or 1 */
	IRSEND_A_COUNT,		/* u32: addresses listed */
	IRSEND_A_LIMIT,		/* u32: most addresses (module parameter mac_limit) */
	IRSEND_A_ACCEPTED,	/* u64: frames accepted by the filter */
	IRSEND_A_DROPPED,	/* u64: frames dropped by the filter */
	IRSEND_A_HITS,		/* u64: frames accepted from this address */
	IRSEND_A_IFINDEX,	/* u32 */
	IRSEND_A_LOCKDOWN,	/* u8: an erase holds the device off the network */
	IRSEND_A_LOCKDOWN_DROPS, /* u64 */
	IRSEND_A_PAD,
	__IRSEND_A_MAX
};

#define IRSEND_A_MAX (__IRSEND_A_MAX - 1)

#define IRSEND_IOC_MAGIC	0xB8 /* free in ioctl-number.rst as of 6.1 */

#define IRSEND_IOC_GET_INFO	_IOWR(IRSEND_IOC_MAGIC, 0x00, struct irsend_info)

/* Scanner page ring. */
#define IRSEND_IOC_RING_INFO	_IOWR(IRSEND_IOC_MAGIC, 0x10, struct irsend_ring_info)
#define IRSEND_IOC_RING_CONSUME	_IO(IRSEND_IOC_MAGIC, 0x11)
#define IRSEND_IOC_RING_GET	_IOWR(IRSEND_IOC_MAGIC, 0x12, struct irsend_ring_get)
#define IRSEND_IOC_RING_RELEASE	_IOW(IRSEND_IOC_MAGIC, 0x13, struct irsend_ring_release)
#define IRSEND_IOC_SCAN_START	_IOWR(IRSEND_IOC_MAGIC, 0x14, struct irsend_scan_request)
#define IRSEND_IOC_SCAN_CANCEL	_IOW(IRSEND_IOC_MAGIC, 0x15, struct irsend_scan_cancel)
#define IRSEND_IOC_FEED_PAGE	_IOWR(IRSEND_IOC_MAGIC, 0x16, struct irsend_feed_page)
#define IRSEND_IOC_FEED_END	_IO(IRSEND_IOC_MAGIC, 0x17)

/* Disk and NVRAM. */
#define IRSEND_IOC_DISK_ATTACH	_IOW(IRSEND_IOC_MAGIC, 0x20, struct irsend_disk_attach)
#define IRSEND_IOC_DISK_DETACH	_IO(IRSEND_IOC_MAGIC, 0x21)
#define IRSEND_IOC_DISK_INFO	_IOWR(IRSEND_IOC_MAGIC, 0x22, struct irsend_disk_info)
#define IRSEND_IOC_NVRAM_GET	_IOWR(IRSEND_IOC_MAGIC, 0x23, struct irsend_nvram_rec)
#define IRSEND_IOC_NVRAM_SET	_IOW(IRSEND_IOC_MAGIC, 0x24, struct irsend_nvram_rec)
#define IRSEND_IOC_ERASE_START	_IOW(IRSEND_IOC_MAGIC, 0x25, struct irsend_erase_request)
#define IRSEND_IOC_ERASE_STATUS	_IOWR(IRSEND_IOC_MAGIC, 0x26, struct irsend_erase_status)

#endif /* _UAPI_LINUX_IRSEND_H */
