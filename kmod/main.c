// SPDX-License-Identifier: GPL-2.0
/*
 * irsend: kernel side of the scanner appliance's network-send controller.
 *
 * /dev/irsend is a misc device; the ioctls are defined in
 * include/uapi/linux/irsend.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/irsend.h>

#include "irsend.h"

static long irsend_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IRSEND_IOC_GET_INFO:
		return irsend_ioctl_get_info(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations irsend_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = irsend_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice irsend_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = IRSEND_DEVICE_NAME,
	.fops = &irsend_fops,
	.mode = 0600,
};

static int __init irsend_init(void)
{
	int ret;

	ret = misc_register(&irsend_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", IRSEND_DEVICE_NAME, ret);
		return ret;
	}
	pr_info("version %s-%s, ABI %d\n", IRSEND_MODULE_VERSION,
		IRSEND_BUILD_ID, IRSEND_ABI_VERSION);
	return 0;
}

static void __exit irsend_exit(void)
{
	misc_deregister(&irsend_miscdev);
}

module_init(irsend_init);
module_exit(irsend_exit);

MODULE_DESCRIPTION("Scanner appliance network-send controller: device, NVRAM, MAC filter");
MODULE_AUTHOR("The irsend developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(IRSEND_MODULE_VERSION);
