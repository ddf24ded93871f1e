/* SPDX-License-Identifier: GPL-2.0 */
/* Internal declarations shared by the irsend.ko source files. */
#ifndef _IRSEND_H
#define _IRSEND_H

#include <linux/types.h>

#define IRSEND_MODULE_VERSION "0.1.0"

long irsend_ioctl_get_info(void __user *arg);

#endif /* _IRSEND_H */
