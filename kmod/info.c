// SPDX-License-Identifier: GPL-2.0
/*
 * IRSEND_IOC_GET_INFO: ABI version, build id and capabilities.
 */
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/irsend.h>

#include "irsend.h"

static_assert(sizeof(struct irsend_info) == IRSEND_INFO_SIZE_VER0);

long irsend_ioctl_get_info(void __user *arg)
{
	struct irsend_info __user *uinfo = arg;
	struct irsend_info info = {};
	u32 usize, n;

	if (get_user(usize, &uinfo->size))
		return -EFAULT;
	if (usize < IRSEND_INFO_SIZE_VER0 || usize > IRSEND_STRUCT_MAX_SIZE)
		return -EINVAL;

	n = min_t(u32, usize, sizeof(info));
	info.size = n;
	info.abi_version = IRSEND_ABI_VERSION;
	info.caps = IRSEND_CAP_INFO | IRSEND_CAP_SCAN_RING | IRSEND_CAP_NVRAM |
		    IRSEND_CAP_ERASE | IRSEND_CAP_MACFILTER;
	strscpy(info.build_id, IRSEND_MODULE_VERSION "-" IRSEND_BUILD_ID,
		sizeof(info.build_id));
	strscpy(info.kernel_release, init_utsname()->release,
		sizeof(info.kernel_release));

	if (copy_to_user(uinfo, &info, n))
		return -EFAULT;
	/* A newer caller knows fields this module does not: zero them. */
	if (usize > n && clear_user((u8 __user *)uinfo + n, usize - n))
		return -EFAULT;
	return 0;
}
