// SPDX-License-Identifier: GPL-2.0
/*
 * Feeders: processes that put pages from a real scanner into the ring.
 * IRSEND_IOC_FEED_PAGE announces a page (and starts a job on the first),
 * write() delivers its rows, which are copied straight into ring slots
 * and published band by band; IRSEND_IOC_FEED_END ends the job.
 */
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "irsend.h"

struct irsend_feeder {
	struct irsend_job job;
	bool job_active;	/* attached, as far as this feeder knows */
	bool page_open;		/* rows of the current page still to come */
	u32 band_fill;		/* bytes already in the current slot */
	u32 band_rows;		/* rows of the current band */
};

static int feed_page_check(const struct irsend_feed_page *req)
{
	if (req->flags & ~IRSEND_FEED_LAST_PAGE || req->pad)
		return -EINVAL;
	if (req->job_id || req->page || req->stride)
		return -EINVAL;
	return 0;
}

/* The job ended behind the feeder's back: say why, once. */
static int job_gone(struct irsend_feeder *fd)
{
	fd->job_active = false;
	fd->page_open = false;
	return READ_ONCE(fd->job.cancel) ? -ECANCELED : -EPIPE;
}

static struct irsend_feeder *feeder_get(struct irsend_file *f)
{
	if (f->role == IRSEND_ROLE_CONSUMER)
		return ERR_PTR(-EBADFD);
	if (!f->feeder) {
		f->feeder = kzalloc(sizeof(*f->feeder), GFP_KERNEL);
		if (!f->feeder)
			return ERR_PTR(-ENOMEM);
		f->role = IRSEND_ROLE_FEEDER;
	}
	return f->feeder;
}

long irsend_feed_page(struct irsend_file *f, struct file *file,
		      void __user *arg)
{
	struct irsend_feed_page req = {};
	struct irsend_geometry geo;
	struct irsend_feeder *fd;
	struct irsend_job *job;
	u32 usize;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), IRSEND_FEED_PAGE_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	ret = feed_page_check(&req);
	if (ret)
		return ret;
	ret = irsend_geometry_from_feed(&geo, &req, f->ring->slot_size);
	if (ret)
		return ret;

	mutex_lock(&f->lock);
	fd = feeder_get(f);
	if (IS_ERR(fd)) {
		ret = PTR_ERR(fd);
		goto out;
	}
	job = &fd->job;
	if (fd->page_open) {
		ret = -EBUSY;
		goto out;
	}
	if (fd->job_active && READ_ONCE(job->ended)) {
		ret = job_gone(fd);
		goto out;
	}
	if (!fd->job_active) {
		memset(job, 0, sizeof(*job));
		job->desc_flags = IRSEND_DESC_FEEDER;
		ret = irsend_job_attach(f->ring, job,
					file->f_flags & O_NONBLOCK);
		if (ret)
			goto out;
		fd->job_active = true;
	}
	ret = irsend_job_enter_io(job);
	if (ret) {
		job_gone(fd);
		goto out;
	}
	job->geo = geo;
	job->page++;
	job->y = 0;
	job->last_page = req.flags & IRSEND_FEED_LAST_PAGE;
	fd->page_open = true;
	fd->band_fill = 0;
	irsend_job_leave_io(job);

	req.job_id = job->id;
	req.page = job->page;
	req.stride = geo.stride;
	ret = irsend_struct_out(arg, &req, sizeof(req), usize);
out:
	mutex_unlock(&f->lock);
	return ret;
}

/* Copy rows into slots; publish each band as it fills. */
static ssize_t feed_rows(struct irsend_feeder *fd, const char __user *buf,
			 size_t count, bool nonblock)
{
	struct irsend_job *job = &fd->job;
	const struct irsend_geometry *geo = &job->geo;
	size_t done = 0, n;
	u32 band_bytes;
	int ret = 0;

	while (done < count && fd->page_open) {
		if (!fd->band_fill) {
			ret = irsend_job_wait_slot(job, nonblock);
			if (ret)
				break;
			fd->band_rows = min(geo->band_rows, geo->height - job->y);
		}
		band_bytes = fd->band_rows * geo->stride;
		n = min_t(size_t, count - done, band_bytes - fd->band_fill);
		if (copy_from_user(irsend_job_slot(job) + fd->band_fill,
				   buf + done, n)) {
			ret = -EFAULT;
			break;
		}
		fd->band_fill += n;
		done += n;
		if (fd->band_fill < band_bytes)
			continue;
		fd->band_fill = 0;
		ret = irsend_job_publish_band(job, fd->band_rows);
		if (ret)
			break;
		if (job->y == geo->height) {
			fd->page_open = false;
			if (job->last_page) {
				irsend_job_end(job, 0, IRSEND_SCAN_ERR_NONE);
				fd->job_active = false;
			}
		}
	}
	if (ret == -ECANCELED)
		irsend_job_end(job, IRSEND_DESC_CANCELLED, IRSEND_SCAN_ERR_NONE);
	if (ret == -ECANCELED || ret == -EPIPE) {
		fd->page_open = false;
		fd->job_active = false;
	}
	return done ? done : ret;
}

ssize_t irsend_feed_write(struct irsend_file *f, struct file *file,
			  const char __user *buf, size_t count)
{
	struct irsend_feeder *fd;
	ssize_t ret;

	mutex_lock(&f->lock);
	fd = f->feeder;
	if (f->role != IRSEND_ROLE_FEEDER || !fd->page_open) {
		ret = -EINVAL;		/* no page announced */
		goto out;
	}
	ret = irsend_job_enter_io(&fd->job);
	if (ret) {
		ret = job_gone(fd);
		goto out;
	}
	ret = feed_rows(fd, buf, count, file->f_flags & O_NONBLOCK);
	irsend_job_leave_io(&fd->job);
out:
	mutex_unlock(&f->lock);
	return ret;
}

long irsend_feed_end(struct irsend_file *f)
{
	struct irsend_feeder *fd;
	long ret = 0;

	mutex_lock(&f->lock);
	fd = f->feeder;
	if (f->role != IRSEND_ROLE_FEEDER || !fd->job_active)
		goto out;		/* nothing to end */
	if (READ_ONCE(fd->job.ended)) {
		ret = job_gone(fd);
		goto out;
	}
	if (fd->page_open) {
		irsend_job_end(&fd->job, IRSEND_DESC_ERROR,
			       IRSEND_SCAN_ERR_SHORT_PAGE);
		ret = -EINVAL;
	} else {
		irsend_job_end(&fd->job, 0, IRSEND_SCAN_ERR_NONE);
	}
	fd->job_active = false;
	fd->page_open = false;
out:
	mutex_unlock(&f->lock);
	return ret;
}

__poll_t irsend_feed_poll(struct irsend_file *f, struct file *file,
			  poll_table *wait)
{
	struct irsend_ring *ring = f->ring;
	struct irsend_feeder *fd = f->feeder;
	u32 used;

	poll_wait(file, &ring->space_wq, wait);
	if (!fd || !fd->job_active || READ_ONCE(fd->job.ended))
		return EPOLLOUT | EPOLLWRNORM;
	used = READ_ONCE(ring->prod) - READ_ONCE(ring->cons);
	if (ring->nr_slots - used >= 2)
		return EPOLLOUT | EPOLLWRNORM;
	return 0;
}

/* The feeder closed: a job it left open ends with an error. */
void irsend_feeder_release(struct irsend_file *f)
{
	struct irsend_feeder *fd = f->feeder;

	if (!fd)
		return;
	if (fd->job_active)
		irsend_job_end(&fd->job, IRSEND_DESC_ERROR,
			       IRSEND_SCAN_ERR_FEEDER_GONE);
	kfree(fd);
	f->feeder = NULL;
}
