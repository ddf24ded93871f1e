// SPDX-License-Identifier: GPL-2.0
/*
 * The disk and its NVRAM records.
 *
 * NVRAM partition layout, 4 KiB blocks, little endian:
 *   block 0              superblock (magic, version, CRC-32)
 *   block 1 + 2(t-1) + c copy c (0 or 1) of the record of type t
 * A record block holds a header (magic, type, generation, length, CRC),
 * the payload, and at its very end the generation again. A write goes to
 * the copy that is not the newest valid one, with FUA after a flush, so a
 * write cut short leaves the other copy; the CRC and the trailer make a
 * block written only in part invalid, whichever sectors reached the disk.
 *
 * disk->lock (mutex) serialises attach, detach and all NVRAM I/O.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/crc32.h>
#include <linux/ctype.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "irsend.h"

static bool fault_injection;
module_param(fault_injection, bool, 0644);
MODULE_PARM_DESC(fault_injection,
		 "Allow test-only fault injection such as torn NVRAM writes (default off)");

bool irsend_fault_injection(void)
{
	return READ_ONCE(fault_injection);
}

#define NVRAM_BLOCK		4096
#define NVRAM_SUPER_MAGIC	0x4d41525644535249ULL	/* "IRSDVRAM" */
#define NVRAM_REC_MAGIC		0x52535249U		/* "IRSR" */
#define NVRAM_VERSION		1
#define NVRAM_HDR		24
#define NVRAM_TRAILER		(NVRAM_BLOCK - 8)

struct nvram_super {
	__le64 magic;
	__le32 version;
	__le32 block_size;
	__le32 max_type;
	__le32 crc;
};

struct nvram_rec_hdr {
	__le32 magic;
	__le32 type;
	__le64 generation;
	__le32 length;
	__le32 crc;
};

static_assert(sizeof(struct nvram_rec_hdr) == NVRAM_HDR);
static_assert(NVRAM_HDR + IRSEND_NVRAM_DATA_MAX <= NVRAM_TRAILER);
static_assert((1 + 2 * IRSEND_NVRAM_MAX_TYPE) * NVRAM_BLOCK <= IRSEND_NVRAM_MIN_BYTES);

struct irsend_disk irsend_disk;

static const u32 type_max_len[IRSEND_NVRAM_MAX_TYPE + 1] = {
	[IRSEND_NVRAM_SERIAL] = 31,
	[IRSEND_NVRAM_SOFTID] = 256,
	[IRSEND_NVRAM_COUNTERS] = 512,
	[IRSEND_NVRAM_SERVICE] = IRSEND_NVRAM_DATA_MAX,
	[IRSEND_NVRAM_ERASE_STATE] = IRSEND_NVRAM_DATA_MAX,
	[IRSEND_NVRAM_ERASE_HISTORY] = IRSEND_NVRAM_DATA_MAX,
	[IRSEND_NVRAM_LICENSE] = IRSEND_NVRAM_DATA_MAX,
	[IRSEND_NVRAM_DEVICE_KEY] = 32,
};

static u32 rec_block(u32 type, int copy)
{
	return 1 + 2 * (type - 1) + copy;
}

static int block_io(struct block_device *bdev, u32 block, struct page *page,
		    blk_opf_t opf, unsigned int len)
{
	struct bio *bio = bio_alloc(bdev, 1, opf, GFP_KERNEL);
	int ret;

	bio->bi_iter.bi_sector = (sector_t)block * (NVRAM_BLOCK >> SECTOR_SHIFT);
	__bio_add_page(bio, page, len, 0);
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

static int block_read(struct irsend_disk *d, u32 block, struct page *page)
{
	return block_io(d->nvram, block, page, REQ_OP_READ, NVRAM_BLOCK);
}

static int block_write(struct irsend_disk *d, u32 block, struct page *page)
{
	return block_io(d->nvram, block, page,
			REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA,
			NVRAM_BLOCK);
}

static u32 block_crc(void *buf, __le32 *crc_field)
{
	__le32 saved = *crc_field;
	u32 crc;

	*crc_field = 0;
	crc = crc32_le(~0U, buf, NVRAM_BLOCK);
	*crc_field = saved;
	return crc;
}

/* The generation of a valid record block of type, or 0. */
static u64 rec_valid(void *buf, u32 type)
{
	struct nvram_rec_hdr *h = buf;
	u64 gen = le64_to_cpu(h->generation);

	if (le32_to_cpu(h->magic) != NVRAM_REC_MAGIC ||
	    le32_to_cpu(h->type) != type ||
	    le32_to_cpu(h->length) > type_max_len[type] || !gen ||
	    le64_to_cpu(*(__le64 *)(buf + NVRAM_TRAILER)) != gen ||
	    block_crc(buf, &h->crc) != le32_to_cpu(h->crc))
		return 0;
	return gen;
}

static void super_fill(void *buf)
{
	struct nvram_super *sb = buf;

	memset(buf, 0, NVRAM_BLOCK);
	sb->magic = cpu_to_le64(NVRAM_SUPER_MAGIC);
	sb->version = cpu_to_le32(NVRAM_VERSION);
	sb->block_size = cpu_to_le32(NVRAM_BLOCK);
	sb->max_type = cpu_to_le32(IRSEND_NVRAM_MAX_TYPE);
	sb->crc = cpu_to_le32(block_crc(buf, &sb->crc));
}

static bool super_valid(void *buf)
{
	struct nvram_super *sb = buf;

	return le64_to_cpu(sb->magic) == NVRAM_SUPER_MAGIC &&
	       le32_to_cpu(sb->version) == NVRAM_VERSION &&
	       le32_to_cpu(sb->block_size) == NVRAM_BLOCK &&
	       block_crc(buf, &sb->crc) == le32_to_cpu(sb->crc);
}

/* Write an empty NVRAM: superblock last, so that a cut format stays unformatted. */
static int nvram_format(struct irsend_disk *d, struct page *page)
{
	u32 b;
	int ret;

	memset(page_address(page), 0, NVRAM_BLOCK);
	for (b = 0; b <= rec_block(IRSEND_NVRAM_MAX_TYPE, 1); b++) {
		ret = block_write(d, b, page);
		if (ret)
			return ret;
	}
	super_fill(page_address(page));
	return block_write(d, 0, page);
}

static int nvram_scan(struct irsend_disk *d, struct page *page)
{
	u32 t;
	int c, ret;

	for (t = 1; t <= IRSEND_NVRAM_MAX_TYPE; t++) {
		for (c = 0; c < 2; c++) {
			ret = block_read(d, rec_block(t, c), page);
			if (ret)
				return ret;
			d->gen[t][c] = rec_valid(page_address(page), t);
		}
	}
	return 0;
}

static int nvram_read_locked(struct irsend_disk *d, u32 type, struct page *page,
			     u64 *generation);

static void disk_put(struct irsend_disk *d)
{
	if (d->data)
		blkdev_put(d->data, FMODE_READ | FMODE_WRITE);
	if (d->nvram)
		blkdev_put(d->nvram, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
	d->data = NULL;
	d->nvram = NULL;
}

static bool path_ok(const char *p)
{
	return p[0] == '/' && strnlen(p, IRSEND_PATH_LEN) < IRSEND_PATH_LEN;
}

long irsend_disk_attach(void __user *arg)
{
	struct irsend_disk *d = &irsend_disk;
	struct irsend_disk_attach req = {};
	struct block_device *bdev;
	struct nvram_rec_hdr *hdr;
	struct page *page;
	u32 usize;
	u64 gen;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), IRSEND_DISK_ATTACH_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	if (req.flags & ~IRSEND_DISK_FORMAT ||
	    !path_ok(req.nvram_path) || !path_ok(req.data_path))
		return -EINVAL;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;

	mutex_lock(&d->lock);
	if (d->nvram) {
		ret = -EBUSY;
		goto out;
	}
	bdev = blkdev_get_by_path(req.nvram_path,
				  FMODE_READ | FMODE_WRITE | FMODE_EXCL, d);
	if (IS_ERR(bdev)) {
		ret = PTR_ERR(bdev);
		goto out;
	}
	d->nvram = bdev;
	bdev = blkdev_get_by_path(req.data_path, FMODE_READ | FMODE_WRITE, NULL);
	if (IS_ERR(bdev)) {
		ret = PTR_ERR(bdev);
		goto put;
	}
	d->data = bdev;
	/* Distinct devices, and the data device must not contain the NVRAM. */
	if (d->data == d->nvram || d->data == bdev_whole(d->nvram) ||
	    d->nvram == bdev_whole(d->data)) {
		ret = -EINVAL;
		goto put;
	}
	if (bdev_nr_bytes(d->nvram) < IRSEND_NVRAM_MIN_BYTES ||
	    bdev_logical_block_size(d->nvram) > NVRAM_BLOCK) {
		ret = -ENOSPC;
		goto put;
	}
	if (req.flags & IRSEND_DISK_FORMAT) {
		ret = nvram_format(d, page);
		if (ret)
			goto put;
	}
	ret = block_read(d, 0, page);
	if (ret)
		goto put;
	if (!super_valid(page_address(page))) {
		ret = -EMEDIUMTYPE;	/* not formatted for irsend */
		goto put;
	}
	ret = nvram_scan(d, page);
	if (ret)
		goto put;
	strscpy(d->nvram_path, req.nvram_path, sizeof(d->nvram_path));
	strscpy(d->data_path, req.data_path, sizeof(d->data_path));
	pr_info("disk attached: NVRAM %s, data %s\n", d->nvram_path,
		d->data_path);
	if (!nvram_read_locked(d, IRSEND_NVRAM_ERASE_STATE, page, &gen)) {
		hdr = page_address(page);
		irsend_erase_attach_locked(d, page_address(page) + NVRAM_HDR,
					   le32_to_cpu(hdr->length));
	} else {
		irsend_erase_attach_locked(d, NULL, 0);
	}
	goto out;
put:
	disk_put(d);
out:
	mutex_unlock(&d->lock);
	__free_page(page);
	return ret;
}

long irsend_disk_detach(void)
{
	struct irsend_disk *d = &irsend_disk;
	long ret = 0;

	mutex_lock(&d->lock);
	if (!d->nvram)
		ret = -ENODEV;
	else if (irsend_erase_running())
		ret = -EBUSY;		/* the erase runs to the end */
	else
		disk_put(d);
	mutex_unlock(&d->lock);
	return ret;
}

long irsend_disk_info(void __user *arg)
{
	struct irsend_disk *d = &irsend_disk;
	struct irsend_disk_info info = {};
	u32 usize;
	int ret;

	ret = irsend_struct_in(&info, sizeof(info), IRSEND_DISK_INFO_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	memset(&info, 0, sizeof(info));
	mutex_lock(&d->lock);
	if (d->nvram) {
		info.attached = 1;
		info.nvram_bytes = bdev_nr_bytes(d->nvram);
		info.data_bytes = bdev_nr_bytes(d->data);
		strscpy(info.nvram_path, d->nvram_path, sizeof(info.nvram_path));
		strscpy(info.data_path, d->data_path, sizeof(info.data_path));
	}
	mutex_unlock(&d->lock);
	return irsend_struct_out(arg, &info, sizeof(info), usize);
}

/* Record contents each type accepts from userspace. */
static int rec_check(u32 type, const u8 *data, u32 len)
{
	u32 i;

	if (len > type_max_len[type])
		return -EINVAL;
	switch (type) {
	case IRSEND_NVRAM_SERIAL:
		if (!len)
			return -EINVAL;
		for (i = 0; i < len; i++)
			if (!isgraph(data[i]))
				return -EINVAL;
		return 0;
	case IRSEND_NVRAM_COUNTERS:
		return len % sizeof(u64) ? -EINVAL : 0;
	case IRSEND_NVRAM_DEVICE_KEY:
		return len == 32 ? 0 : -EINVAL;
	case IRSEND_NVRAM_ERASE_STATE:
		return -EPERM;		/* the erase engine's own */
	default:
		return 0;
	}
}

/* Under d->lock: write a record to its older copy. */
int irsend_nvram_write_locked(struct irsend_disk *d, u32 type, const void *data,
			      u32 len, bool torn, u64 *generation)
{
	struct nvram_rec_hdr *h;
	struct page *page;
	int copy, ret;
	u64 gen;
	void *buf;

	lockdep_assert_held(&d->lock);
	if (!d->nvram)
		return -ENODEV;
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	buf = page_address(page);
	copy = d->gen[type][0] <= d->gen[type][1] ? 0 : 1;
	gen = max(d->gen[type][0], d->gen[type][1]) + 1;

	h = buf;
	h->magic = cpu_to_le32(NVRAM_REC_MAGIC);
	h->type = cpu_to_le32(type);
	h->generation = cpu_to_le64(gen);
	h->length = cpu_to_le32(len);
	memcpy(buf + NVRAM_HDR, data, len);
	*(__le64 *)(buf + NVRAM_TRAILER) = cpu_to_le64(gen);
	h->crc = cpu_to_le32(block_crc(buf, &h->crc));

	if (torn) {
		/* Power lost after the first sector: header new, trailer old. */
		ret = block_io(d->nvram, rec_block(type, copy), page,
			       REQ_OP_WRITE | REQ_SYNC | REQ_FUA, SECTOR_SIZE);
		d->gen[type][copy] = 0;
		ret = ret ?: -EIO;
	} else {
		ret = block_write(d, rec_block(type, copy), page);
		d->gen[type][copy] = ret ? 0 : gen;
		if (!ret && generation)
			*generation = gen;
	}
	__free_page(page);
	return ret;
}

/* Under d->lock: the newest valid copy into buf (NVRAM_BLOCK bytes). */
static int nvram_read_locked(struct irsend_disk *d, u32 type, struct page *page,
			     u64 *generation)
{
	int order[2], i, ret;
	u64 gen;

	if (!d->nvram)
		return -ENODEV;
	order[0] = d->gen[type][0] >= d->gen[type][1] ? 0 : 1;
	order[1] = !order[0];
	for (i = 0; i < 2; i++) {
		if (!d->gen[type][order[i]])
			continue;
		ret = block_read(d, rec_block(type, order[i]), page);
		if (ret)
			return ret;
		gen = rec_valid(page_address(page), type);
		if (gen) {
			*generation = gen;
			return 0;
		}
		d->gen[type][order[i]] = 0;	/* changed under us: forget it */
	}
	return -ENOENT;
}

long irsend_nvram_get(void __user *arg)
{
	struct irsend_disk *d = &irsend_disk;
	struct irsend_nvram_rec rec = {};
	struct page *page;
	u32 usize, len;
	int ret;

	ret = irsend_struct_in(&rec, sizeof(rec), IRSEND_NVRAM_REC_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	if (!rec.type || rec.type > IRSEND_NVRAM_MAX_TYPE || rec.flags ||
	    rec.pad)
		return -EINVAL;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	mutex_lock(&d->lock);
	ret = nvram_read_locked(d, rec.type, page, &rec.generation);
	mutex_unlock(&d->lock);
	if (ret)
		goto out;
	len = le32_to_cpu(((struct nvram_rec_hdr *)page_address(page))->length);
	rec.length = len;
	if (len > rec.capacity) {
		ret = irsend_struct_out(arg, &rec, sizeof(rec), usize) ?: -ENOSPC;
		goto out;
	}
	if (copy_to_user(u64_to_user_ptr(rec.data), page_address(page) + NVRAM_HDR,
			 len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = irsend_struct_out(arg, &rec, sizeof(rec), usize);
out:
	__free_page(page);
	return ret;
}

long irsend_nvram_set(void __user *arg)
{
	struct irsend_disk *d = &irsend_disk;
	struct irsend_nvram_rec rec = {};
	bool torn;
	u32 usize;
	void *buf;
	int ret;

	ret = irsend_struct_in(&rec, sizeof(rec), IRSEND_NVRAM_REC_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	if (!rec.type || rec.type > IRSEND_NVRAM_MAX_TYPE ||
	    rec.flags & ~IRSEND_NVRAM_F_TEST_TORN || rec.pad ||
	    rec.length > IRSEND_NVRAM_DATA_MAX)
		return -EINVAL;
	torn = rec.flags & IRSEND_NVRAM_F_TEST_TORN;
	if (torn && !fault_injection)
		return -EPERM;
	buf = memdup_user(u64_to_user_ptr(rec.data), rec.length);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = rec_check(rec.type, buf, rec.length);
	if (!ret) {
		mutex_lock(&d->lock);
		ret = irsend_nvram_write_locked(d, rec.type, buf, rec.length,
						torn, NULL);
		mutex_unlock(&d->lock);
	}
	kfree(buf);
	return ret;
}

void irsend_disk_init(struct irsend_disk *d)
{
	mutex_init(&d->lock);
}

void irsend_disk_exit(struct irsend_disk *d)
{
	mutex_lock(&d->lock);
	disk_put(d);
	mutex_unlock(&d->lock);
}
