// SPDX-License-Identifier: GPL-2.0
/*
 * irsend: kernel side of the scanner appliance's network-send controller.
 *
 * /dev/irsend is a misc device; the ioctls are defined in
 * include/uapi/linux/irsend.h. Each open file takes at most one role on
 * the page ring: consumer (IRSEND_IOC_RING_CONSUME) or feeder (first
 * IRSEND_IOC_FEED_PAGE).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "irsend.h"

static unsigned int ring_slots = 32;
module_param(ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots,
		 "Slots in the scanner page ring, a power of two from 4 to 1024 (default 32)");

static unsigned int slot_kb = 512;
module_param(slot_kb, uint, 0444);
MODULE_PARM_DESC(slot_kb,
		 "Size of one ring slot in KiB, a multiple of 4 from 64 to 16384 (default 512)");

#define RING_MAX_BYTES (512UL << 20)

struct irsend_ring irsend_ring;

static int irsend_open(struct inode *inode, struct file *file)
{
	struct irsend_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->ring = &irsend_ring;
	mutex_init(&f->lock);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int irsend_release(struct inode *inode, struct file *file)
{
	struct irsend_file *f = file->private_data;

	if (f->role == IRSEND_ROLE_CONSUMER)
		irsend_ring_consumer_gone(f);
	else if (f->role == IRSEND_ROLE_FEEDER)
		irsend_feeder_release(f);
	kfree(f);
	return 0;
}

static long irsend_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct irsend_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IRSEND_IOC_GET_INFO:
		return irsend_ioctl_get_info(uarg);
	case IRSEND_IOC_RING_INFO:
	case IRSEND_IOC_RING_GET:
	case IRSEND_IOC_RING_RELEASE:
		return irsend_ring_ioctl(f, cmd, uarg);
	case IRSEND_IOC_RING_CONSUME:
		return irsend_ring_consume_ioctl(f, file);
	case IRSEND_IOC_SCAN_START:
		return irsend_adf_start(f, uarg);
	case IRSEND_IOC_SCAN_CANCEL:
		return irsend_scan_cancel(f->ring, uarg);
	case IRSEND_IOC_FEED_PAGE:
		return irsend_feed_page(f, file, uarg);
	case IRSEND_IOC_FEED_END:
		return irsend_feed_end(f);
	case IRSEND_IOC_DISK_ATTACH:
		return irsend_disk_attach(uarg);
	case IRSEND_IOC_DISK_DETACH:
		return irsend_disk_detach();
	case IRSEND_IOC_DISK_INFO:
		return irsend_disk_info(uarg);
	case IRSEND_IOC_NVRAM_GET:
		return irsend_nvram_get(uarg);
	case IRSEND_IOC_NVRAM_SET:
		return irsend_nvram_set(uarg);
	case IRSEND_IOC_ERASE_START:
		return irsend_erase_start(uarg);
	case IRSEND_IOC_ERASE_STATUS:
		return irsend_erase_status(f, uarg);
	default:
		return -ENOTTY;
	}
}

static int irsend_mmap(struct file *file, struct vm_area_struct *vma)
{
	return irsend_ring_mmap(file->private_data, vma);
}

static __poll_t irsend_poll(struct file *file, poll_table *wait)
{
	struct irsend_file *f = file->private_data;
	__poll_t mask = irsend_erase_poll(f, file, wait);

	if (f->role == IRSEND_ROLE_FEEDER)
		return mask | irsend_feed_poll(f, file, wait);
	return mask | irsend_ring_poll(f, file, wait);
}

static ssize_t irsend_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	return irsend_ring_read(file->private_data, file, buf, count);
}

static ssize_t irsend_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	return irsend_feed_write(file->private_data, file, buf, count);
}

static const struct file_operations irsend_fops = {
	.owner = THIS_MODULE,
	.open = irsend_open,
	.release = irsend_release,
	.unlocked_ioctl = irsend_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = irsend_mmap,
	.poll = irsend_poll,
	.read = irsend_read,
	.write = irsend_write,
	.llseek = no_llseek,
};

static struct miscdevice irsend_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = IRSEND_DEVICE_NAME,
	.fops = &irsend_fops,
	.mode = 0600,
};

static int __init irsend_check_params(void)
{
	if (ring_slots < 4 || ring_slots > 1024 || !is_power_of_2(ring_slots)) {
		pr_err("ring_slots=%u: must be a power of two from 4 to 1024\n",
		       ring_slots);
		return -EINVAL;
	}
	if (slot_kb < 64 || slot_kb > 16384 || slot_kb % 4) {
		pr_err("slot_kb=%u: must be a multiple of 4 from 64 to 16384\n",
		       slot_kb);
		return -EINVAL;
	}
	if ((unsigned long)ring_slots * slot_kb * 1024 > RING_MAX_BYTES) {
		pr_err("ring_slots x slot_kb exceeds %lu MiB\n",
		       RING_MAX_BYTES >> 20);
		return -EINVAL;
	}
	return 0;
}

static int __init irsend_init(void)
{
	int ret;

	ret = irsend_check_params();
	if (ret)
		return ret;
	ret = irsend_ring_init(&irsend_ring, ring_slots, slot_kb * 1024);
	if (ret)
		return ret;
	irsend_disk_init(&irsend_disk);
	ret = irsend_macfilter_init();
	if (ret)
		goto free_ring;
	ret = irsend_netfilter_init();
	if (ret)
		goto macfilter;
	ret = misc_register(&irsend_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", IRSEND_DEVICE_NAME, ret);
		goto netfilter;
	}
	pr_info("version %s-%s, ABI %d, ring %u x %u KiB\n",
		IRSEND_MODULE_VERSION, IRSEND_BUILD_ID, IRSEND_ABI_VERSION,
		ring_slots, slot_kb);
	return 0;

netfilter:
	irsend_netfilter_exit();
macfilter:
	irsend_macfilter_exit();
free_ring:
	irsend_ring_free(&irsend_ring);
	return ret;
}

static void __exit irsend_exit(void)
{
	misc_deregister(&irsend_miscdev);
	irsend_disk_exit(&irsend_disk);
	irsend_netfilter_exit();
	irsend_macfilter_exit();
	irsend_adf_reap(&irsend_ring);
	irsend_ring_free(&irsend_ring);
}

module_init(irsend_init);
module_exit(irsend_exit);

MODULE_DESCRIPTION("Scanner appliance network-send controller: page ring, NVRAM, MAC filter");
MODULE_AUTHOR("The irsend developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(IRSEND_MODULE_VERSION);
