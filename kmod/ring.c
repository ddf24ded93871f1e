// SPDX-License-Identifier: GPL-2.0
/*
 * The scanner page ring: memory the consumer maps read-only, the consumer
 * side (claim, get, release, poll, read) and the producer side shared by
 * the simulated ADF and feeders. Locking rules are in irsend.h.
 *
 * A job keeps one slot free for its JOB_END descriptor: a job attaches
 * only with a free slot, and a data band is started only with two free,
 * so ending a job (cancel, close, error) never waits for the consumer.
 */
#include <linux/crc32.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "irsend.h"

#define RING_HDR_PAGES 2	/* producer index, consumer index */

static size_t ring_desc_bytes(u32 nr_slots)
{
	return PAGE_ALIGN((size_t)nr_slots * sizeof(struct irsend_page_desc));
}

static size_t ring_data_off(const struct irsend_ring *ring)
{
	return RING_HDR_PAGES * PAGE_SIZE + ring_desc_bytes(ring->nr_slots);
}

int irsend_ring_init(struct irsend_ring *ring, u32 nr_slots, u32 slot_size)
{
	ring->nr_slots = nr_slots;
	ring->slot_size = slot_size;
	ring->mem_size = ring_data_off(ring) + (size_t)nr_slots * slot_size;
	ring->mem = vmalloc_user(ring->mem_size);
	if (!ring->mem)
		return -ENOMEM;
	ring->producer = ring->mem;
	ring->consumer = ring->mem + PAGE_SIZE;
	ring->descs = ring->mem + RING_HDR_PAGES * PAGE_SIZE;
	ring->data = ring->mem + ring_data_off(ring);
	mutex_init(&ring->lock);
	mutex_init(&ring->adf_lock);
	atomic_set(&ring->next_job_id, 0);
	init_waitqueue_head(&ring->data_wq);
	init_waitqueue_head(&ring->space_wq);
	init_waitqueue_head(&ring->job_wq);
	return 0;
}

void irsend_ring_free(struct irsend_ring *ring)
{
	vfree(ring->mem);
	ring->mem = NULL;
}

/* Slots neither published-and-unreleased nor being filled. */
static u32 ring_free(const struct irsend_ring *ring)
{
	return ring->nr_slots - (READ_ONCE(ring->prod) - READ_ONCE(ring->cons));
}

static void wake_all(struct irsend_ring *ring)
{
	wake_up_interruptible_all(&ring->data_wq);
	wake_up_interruptible_all(&ring->space_wq);
	wake_up_interruptible_all(&ring->job_wq);
}

/* ---- producer side ---------------------------------------------------- */

static bool job_may_attach(struct irsend_ring *ring)
{
	return !READ_ONCE(ring->job) && ring_free(ring) >= 1;
}

/*
 * Make job the owner of the producer side. Waits while another job runs
 * (EBUSY instead when nonblock); EPIPE without a consumer.
 */
int irsend_job_attach(struct irsend_ring *ring, struct irsend_job *job,
		      bool nonblock)
{
	int ret;

	mutex_lock(&ring->lock);
	for (;;) {
		if (!ring->consumer_file) {
			ret = -EPIPE;
			goto out;
		}
		if (job_may_attach(ring))
			break;
		mutex_unlock(&ring->lock);
		if (nonblock)
			return -EBUSY;
		ret = wait_event_interruptible(ring->job_wq,
					       job_may_attach(ring) ||
					       !READ_ONCE(ring->consumer_file));
		if (ret)
			return ret;
		mutex_lock(&ring->lock);
	}
	do {
		job->id = atomic_inc_return(&ring->next_job_id);
	} while (!job->id);
	job->ring = ring;
	job->orphaned = false;
	job->ended = false;
	job->in_io = job->is_adf;
	WRITE_ONCE(job->cancel, false);
	WRITE_ONCE(ring->job, job);
	ret = 0;
out:
	mutex_unlock(&ring->lock);
	return ret;
}

bool irsend_job_should_stop(struct irsend_job *job)
{
	return READ_ONCE(job->cancel) || READ_ONCE(job->orphaned) ||
	       READ_ONCE(job->ended) || (job->is_adf && kthread_should_stop());
}

/* Wait until a data band may start: ECANCELED, EPIPE or EAGAIN otherwise. */
int irsend_job_wait_slot(struct irsend_job *job, bool nonblock)
{
	struct irsend_ring *ring = job->ring;
	int ret;

	for (;;) {
		if (READ_ONCE(job->orphaned) || READ_ONCE(job->ended) ||
		    (job->is_adf && kthread_should_stop()))
			return -EPIPE;
		if (READ_ONCE(job->cancel))
			return -ECANCELED;
		if (ring_free(ring) >= 2)
			return 0;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(ring->space_wq,
					       ring_free(ring) >= 2 ||
					       irsend_job_should_stop(job));
		if (ret)
			return ret;
	}
}

/* The slot the next band is written to; the job owns it until published. */
u8 *irsend_job_slot(struct irsend_job *job)
{
	struct irsend_ring *ring = job->ring;

	return ring->data + (size_t)(ring->prod % ring->nr_slots) * ring->slot_size;
}

/* Under ring->lock: make d the next descriptor and tell the consumer. */
static void publish_locked(struct irsend_ring *ring, struct irsend_page_desc *d)
{
	d->seq = ring->prod;
	ring->descs[ring->prod % ring->nr_slots] = *d;
	/* Descriptor and data before the index the consumer polls. */
	smp_store_release(ring->producer, ring->prod + 1);
	WRITE_ONCE(ring->prod, ring->prod + 1);
}

static void fill_desc(const struct irsend_job *job, struct irsend_page_desc *d)
{
	const struct irsend_geometry *geo = &job->geo;

	memset(d, 0, sizeof(*d));
	d->job_id = job->id;
	d->page = job->page;
	d->width = geo->width;
	d->height = geo->height;
	d->stride = geo->stride;
	d->bpp = geo->bpp;
	d->xres = geo->xres;
	d->yres = geo->yres;
	d->flags = job->desc_flags;
}

/*
 * Publish the band of rows just written to irsend_job_slot(). The CRCs
 * are zlib-compatible: the page CRC is extended by the band with
 * crc32_le_shift() instead of a second pass over the data.
 */
int irsend_job_publish_band(struct irsend_job *job, u32 rows)
{
	struct irsend_ring *ring = job->ring;
	const struct irsend_geometry *geo = &job->geo;
	struct irsend_page_desc d;
	u8 *slot = irsend_job_slot(job);
	u32 len = rows * geo->stride;
	u32 raw;

	fill_desc(job, &d);
	d.y = job->y;
	d.rows = rows;
	d.length = len;
	d.offset = slot - (u8 *)ring->mem;
	if (!job->y) {
		d.flags |= IRSEND_DESC_PAGE_START;
		job->page_crc = ~0U;
	}
	if (!(job->desc_flags & IRSEND_DESC_NO_CRC)) {
		raw = crc32_le(~0U, slot, len);
		d.band_crc = ~raw;
		job->page_crc = crc32_le_shift(job->page_crc, len) ^ raw ^
				crc32_le_shift(~0U, len);
	}
	if (job->y + rows == geo->height) {
		d.flags |= IRSEND_DESC_PAGE_END;
		if (job->last_page)
			d.flags |= IRSEND_DESC_LAST_PAGE;
		if (!(job->desc_flags & IRSEND_DESC_NO_CRC))
			d.page_crc = ~job->page_crc;
	}

	mutex_lock(&ring->lock);
	if (ring->job != job || job->orphaned) {
		mutex_unlock(&ring->lock);
		return -EPIPE;
	}
	publish_locked(ring, &d);
	mutex_unlock(&ring->lock);
	wake_up_interruptible(&ring->data_wq);
	job->y += rows;
	return 0;
}

/* Under ring->lock: publish JOB_END (if anyone listens) and detach. */
static void job_end_locked(struct irsend_job *job, u16 flags, u32 error)
{
	struct irsend_ring *ring = job->ring;
	struct irsend_page_desc d;

	if (job->ended)
		return;
	WRITE_ONCE(job->ended, true);
	if (ring->job != job)
		return;
	if (!job->orphaned && ring_free(ring) >= 1) {
		fill_desc(job, &d);
		d.flags |= IRSEND_DESC_JOB_END | flags;
		d.error = error;
		publish_locked(ring, &d);
	}
	WRITE_ONCE(ring->job, NULL);
}

void irsend_job_end(struct irsend_job *job, u16 flags, u32 error)
{
	struct irsend_ring *ring = job->ring;

	mutex_lock(&ring->lock);
	job_end_locked(job, flags, error);
	mutex_unlock(&ring->lock);
	wake_all(ring);
}

/* Detach a job that never produced anything, without a JOB_END. */
void irsend_job_detach(struct irsend_job *job)
{
	struct irsend_ring *ring = job->ring;

	mutex_lock(&ring->lock);
	WRITE_ONCE(job->ended, true);
	if (ring->job == job)
		WRITE_ONCE(ring->job, NULL);
	mutex_unlock(&ring->lock);
	wake_all(ring);
}

/*
 * A feeder is "in io" while inside a call that may write a slot. A job
 * whose consumer left while it was not is detached at once; otherwise on
 * leaving, which is also where a cancel that raced with the call ends it.
 */
int irsend_job_enter_io(struct irsend_job *job)
{
	struct irsend_ring *ring = job->ring;
	int ret = 0;

	mutex_lock(&ring->lock);
	if (job->ended || ring->job != job)
		ret = READ_ONCE(job->cancel) ? -ECANCELED : -EPIPE;
	else
		job->in_io = true;
	mutex_unlock(&ring->lock);
	return ret;
}

void irsend_job_leave_io(struct irsend_job *job)
{
	struct irsend_ring *ring = job->ring;

	mutex_lock(&ring->lock);
	job->in_io = false;
	if (ring->job == job && !job->ended &&
	    (job->orphaned || READ_ONCE(job->cancel)))
		job_end_locked(job, IRSEND_DESC_CANCELLED, 0);
	mutex_unlock(&ring->lock);
	wake_all(ring);
}

long irsend_scan_cancel(struct irsend_ring *ring, void __user *arg)
{
	struct irsend_scan_cancel req = {};
	struct irsend_job *job;
	u32 usize;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), sizeof(req), arg, &usize);
	if (ret)
		return ret;
	mutex_lock(&ring->lock);
	job = ring->job;
	if (!job || job->ended || (req.job_id && req.job_id != job->id)) {
		mutex_unlock(&ring->lock);
		return -ESRCH;
	}
	WRITE_ONCE(job->cancel, true);
	/* A feeder between calls cannot notice: end its job here. */
	if (!job->in_io)
		job_end_locked(job, IRSEND_DESC_CANCELLED, 0);
	mutex_unlock(&ring->lock);
	wake_all(ring);
	return 0;
}

/* ---- consumer side ---------------------------------------------------- */

static bool is_consumer(struct irsend_file *f)
{
	return f->role == IRSEND_ROLE_CONSUMER;
}

static void release_locked(struct irsend_ring *ring, u32 count)
{
	WRITE_ONCE(ring->cons, ring->cons + count);
	/* Pairs with the consumer's acquire load of the mapped index. */
	smp_store_release(ring->consumer, ring->cons);
}

static long ring_consume(struct irsend_file *f, struct file *file)
{
	struct irsend_ring *ring = f->ring;
	long ret = 0;

	mutex_lock(&f->lock);
	if (f->role == IRSEND_ROLE_FEEDER) {
		ret = -EBADFD;
		goto out;
	}
	mutex_lock(&ring->lock);
	if (ring->consumer_file && ring->consumer_file != file) {
		ret = -EBUSY;
	} else if (!ring->consumer_file) {
		ring->consumer_file = file;
		ring->taken = ring->prod;
		release_locked(ring, ring->prod - ring->cons);
		f->role = IRSEND_ROLE_CONSUMER;
	}
	mutex_unlock(&ring->lock);
out:
	mutex_unlock(&f->lock);
	return ret;
}

static long ring_info(struct irsend_ring *ring, void __user *arg)
{
	struct irsend_ring_info info = {};
	u32 usize;
	int ret;

	ret = irsend_struct_in(&info, sizeof(info), IRSEND_RING_INFO_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	info.nr_slots = ring->nr_slots;
	info.slot_size = ring->slot_size;
	info.desc_size = sizeof(struct irsend_page_desc);
	info.mmap_size = ring->mem_size;
	info.producer_off = 0;
	info.consumer_off = PAGE_SIZE;
	info.desc_off = RING_HDR_PAGES * PAGE_SIZE;
	info.data_off = ring_data_off(ring);
	return irsend_struct_out(arg, &info, sizeof(info), usize);
}

static long ring_get(struct irsend_file *f, void __user *arg)
{
	struct irsend_ring *ring = f->ring;
	struct irsend_ring_get req = {};
	u32 usize;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), sizeof(req), arg, &usize);
	if (ret)
		return ret;
	if (!is_consumer(f))
		return -EBADFD;
	mutex_lock(&ring->lock);
	req.first = ring->taken;
	req.count = ring->prod - ring->taken;
	ring->taken = ring->prod;
	req.held = ring->taken - ring->cons;
	mutex_unlock(&ring->lock);
	if (!req.count)
		return -EAGAIN;
	return irsend_struct_out(arg, &req, sizeof(req), usize);
}

static long ring_release(struct irsend_file *f, void __user *arg)
{
	struct irsend_ring *ring = f->ring;
	struct irsend_ring_release req = {};
	u32 usize;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), sizeof(req), arg, &usize);
	if (ret)
		return ret;
	if (!is_consumer(f))
		return -EBADFD;
	mutex_lock(&ring->lock);
	if (!req.count || req.count > ring->taken - ring->cons) {
		mutex_unlock(&ring->lock);
		return -EINVAL;
	}
	release_locked(ring, req.count);
	mutex_unlock(&ring->lock);
	wake_up_interruptible_all(&ring->space_wq);
	wake_up_interruptible_all(&ring->job_wq);
	return 0;
}

long irsend_ring_ioctl(struct irsend_file *f, unsigned int cmd,
		       void __user *arg)
{
	switch (cmd) {
	case IRSEND_IOC_RING_INFO:
		return ring_info(f->ring, arg);
	case IRSEND_IOC_RING_GET:
		return ring_get(f, arg);
	case IRSEND_IOC_RING_RELEASE:
		return ring_release(f, arg);
	default:
		return -ENOTTY;
	}
}

long irsend_ring_consume_ioctl(struct irsend_file *f, struct file *file)
{
	return ring_consume(f, file);
}

static void vma_clear_flags(struct vm_area_struct *vma, unsigned long flags)
{
#ifdef IRSEND_HAVE_VM_FLAGS_CLEAR	/* 6.3+: vm_flags is read-only */
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* The consumer maps the ring read-only; it gives slots back by ioctl. */
int irsend_ring_mmap(struct irsend_file *f, struct vm_area_struct *vma)
{
	if (!is_consumer(f))
		return -EACCES;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vma_clear_flags(vma, VM_MAYWRITE);
	return remap_vmalloc_range(vma, f->ring->mem, vma->vm_pgoff);
}

__poll_t irsend_ring_poll(struct irsend_file *f, struct file *file,
			  poll_table *wait)
{
	struct irsend_ring *ring = f->ring;

	if (!is_consumer(f))
		return 0;
	poll_wait(file, &ring->data_wq, wait);
	if (READ_ONCE(ring->prod) != READ_ONCE(ring->taken))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/*
 * The copy path: the next descriptor and its data, released at once.
 * Only while the consumer holds nothing, so that releases stay in order.
 */
ssize_t irsend_ring_read(struct irsend_file *f, struct file *file,
			 char __user *buf, size_t count)
{
	struct irsend_ring *ring = f->ring;
	struct irsend_page_desc d;
	size_t len;
	int ret;

	if (!is_consumer(f))
		return -EINVAL;
	for (;;) {
		mutex_lock(&ring->lock);
		if (ring->taken != ring->cons) {
			mutex_unlock(&ring->lock);
			return -EBUSY;
		}
		if (ring->prod != ring->taken)
			break;
		mutex_unlock(&ring->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(ring->data_wq,
					       READ_ONCE(ring->prod) !=
					       READ_ONCE(ring->taken));
		if (ret)
			return ret;
	}
	d = ring->descs[ring->taken % ring->nr_slots];
	len = sizeof(d) + d.length;
	if (count < len) {
		mutex_unlock(&ring->lock);
		return -EMSGSIZE;
	}
	ring->taken++;
	mutex_unlock(&ring->lock);

	ret = 0;
	if (copy_to_user(buf, &d, sizeof(d)) ||
	    copy_to_user(buf + sizeof(d), (u8 *)ring->mem + d.offset, d.length))
		ret = -EFAULT;

	mutex_lock(&ring->lock);
	if (ret)
		ring->taken--;		/* not lost: the next read returns it */
	else
		release_locked(ring, 1);
	mutex_unlock(&ring->lock);
	if (ret)
		return ret;
	wake_up_interruptible_all(&ring->space_wq);
	wake_up_interruptible_all(&ring->job_wq);
	return len;
}

/* The consumer closed: release all it held, cancel the running job. */
void irsend_ring_consumer_gone(struct irsend_file *f)
{
	struct irsend_ring *ring = f->ring;
	struct irsend_job *job;

	mutex_lock(&ring->lock);
	ring->consumer_file = NULL;
	job = ring->job;
	if (job) {
		WRITE_ONCE(job->orphaned, true);
		/* A producer inside a call detaches itself on the way out. */
		if (!job->in_io) {
			WRITE_ONCE(job->ended, true);
			WRITE_ONCE(ring->job, NULL);
		}
	}
	ring->taken = ring->prod;
	release_locked(ring, ring->prod - ring->cons);
	mutex_unlock(&ring->lock);
	wake_all(ring);
	irsend_adf_reap(ring);
}
