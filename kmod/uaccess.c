// SPDX-License-Identifier: GPL-2.0
/*
 * Size-versioned ioctl structs: every struct starts with a __u32 size that
 * the caller sets to the size it knows (rules in the uapi header).
 */
#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "irsend.h"

/*
 * Copy a struct in. Sizes below the first published size or above
 * IRSEND_STRUCT_MAX_SIZE are EINVAL; a larger struct from a newer caller
 * is accepted only when the fields this module does not know are zero
 * (E2BIG otherwise, as copy_struct_from_user() does).
 */
int irsend_struct_in(void *dst, size_t ksize, size_t min_size,
		     const void __user *src, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)src))
		return -EFAULT;
	if (size < min_size || size > IRSEND_STRUCT_MAX_SIZE)
		return -EINVAL;
	*usize = size;
	return copy_struct_from_user(dst, ksize, src, size);
}

/* Copy the fields both sides know back out; size tells how many. */
int irsend_struct_out(void __user *dst, const void *src, size_t ksize,
		      u32 usize)
{
	u32 n = min_t(u32, usize, ksize);

	if (copy_to_user(dst, src, n))
		return -EFAULT;
	if (put_user(n, (u32 __user *)dst))
		return -EFAULT;
	return 0;
}
