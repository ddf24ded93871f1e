// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated ADF: a kernel thread per job that writes generated pages
 * into the ring band by band, at a configurable pace, pausing whenever the
 * ring is full, with an injectable paper jam for tests.
 */
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "irsend.h"

struct irsend_adf_job {
	struct irsend_job job;
	struct irsend_pattern *pat;
	u32 pages;
	u32 pace_ms;
	u32 jam_at_page;
};

static void adf_free(struct irsend_adf_job *aj)
{
	irsend_pattern_free(aj->pat);
	kfree(aj);
}

/* Returns 0 at the end of the page, or why the job stops. */
static int adf_scan_page(struct irsend_adf_job *aj, u32 page)
{
	struct irsend_job *job = &aj->job;
	const struct irsend_geometry *geo = &job->geo;
	bool jams = page == aj->jam_at_page;
	u32 rows, r;
	u8 *slot;
	int ret;

	job->page = page;
	job->y = 0;
	job->last_page = page == aj->pages;
	while (job->y < geo->height) {
		if (jams && job->y >= geo->height / 2)
			return -EIO;
		ret = irsend_job_wait_slot(job, false);
		if (ret)
			return ret;
		rows = min(geo->band_rows, geo->height - job->y);
		/* A jamming page stops at its middle, even within one band. */
		if (jams && job->y < geo->height / 2)
			rows = min(rows, geo->height / 2 - job->y);
		slot = irsend_job_slot(job);
		for (r = 0; r < rows; r++)
			irsend_pattern_row(aj->pat, page, job->y + r,
					   slot + (size_t)r * geo->stride);
		ret = irsend_job_publish_band(job, rows);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

static int adf_thread(void *data)
{
	struct irsend_adf_job *aj = data;
	struct irsend_job *job = &aj->job;
	struct irsend_ring *ring = job->ring;
	u32 page;
	int ret = 0;

	for (page = 1; page <= aj->pages && !ret; page++) {
		if (page > 1 && aj->pace_ms)
			wait_event_interruptible_timeout(ring->space_wq,
							 irsend_job_should_stop(job),
							 msecs_to_jiffies(aj->pace_ms));
		ret = adf_scan_page(aj, page);
	}
	switch (ret) {
	case 0:
		irsend_job_end(job, 0, IRSEND_SCAN_ERR_NONE);
		break;
	case -EIO:
		irsend_job_end(job, IRSEND_DESC_ERROR, IRSEND_SCAN_ERR_JAM);
		break;
	default:	/* cancelled, or the consumer left */
		irsend_job_end(job, IRSEND_DESC_CANCELLED, IRSEND_SCAN_ERR_NONE);
	}

	/* Stay until reaped, so that kthread_stop() finds us. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void adf_reap_locked(struct irsend_ring *ring)
{
	lockdep_assert_held(&ring->adf_lock);
	if (!ring->adf_task)
		return;
	kthread_stop(ring->adf_task);
	put_task_struct(ring->adf_task);
	adf_free(ring->adf_job);
	ring->adf_task = NULL;
	ring->adf_job = NULL;
}

/* Stop the last ADF thread (ending its job if it still runs). */
void irsend_adf_reap(struct irsend_ring *ring)
{
	mutex_lock(&ring->adf_lock);
	adf_reap_locked(ring);
	mutex_unlock(&ring->adf_lock);
}

static int scan_request_check(const struct irsend_scan_request *req)
{
	if (req->flags & ~(IRSEND_SCAN_FLAT | IRSEND_SCAN_NO_CRC))
		return -EINVAL;
	if (!req->pages || req->pages > IRSEND_SCAN_MAX_PAGES)
		return -EINVAL;
	if (req->pad || req->pace_ms > IRSEND_SCAN_MAX_PACE_MS)
		return -EINVAL;
	if (req->jam_at_page > req->pages)
		return -EINVAL;
	/* Outputs must come in as zero, so that they can become inputs. */
	if (req->job_id || req->width || req->height || req->stride)
		return -EINVAL;
	return 0;
}

long irsend_adf_start(struct irsend_file *f, void __user *arg)
{
	struct irsend_ring *ring = f->ring;
	struct irsend_scan_request req = {};
	struct task_struct *task;
	struct irsend_adf_job *aj;
	u32 usize;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), IRSEND_SCAN_REQUEST_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	ret = scan_request_check(&req);
	if (ret)
		return ret;
	if (f->role != IRSEND_ROLE_CONSUMER)
		return -EBADFD;

	aj = kzalloc(sizeof(*aj), GFP_KERNEL);
	if (!aj)
		return -ENOMEM;
	ret = irsend_geometry_from_scan(&aj->job.geo, &req, ring->slot_size);
	if (ret)
		goto free;
	aj->pages = req.pages;
	aj->pace_ms = req.pace_ms;
	aj->jam_at_page = req.jam_at_page;
	aj->job.is_adf = true;
	if (req.flags & IRSEND_SCAN_NO_CRC)
		aj->job.desc_flags |= IRSEND_DESC_NO_CRC;
	aj->pat = irsend_pattern_new(&aj->job.geo, req.seed,
				     req.flags & IRSEND_SCAN_FLAT);
	if (!aj->pat) {
		ret = -ENOMEM;
		goto free;
	}

	mutex_lock(&ring->adf_lock);
	/* Reap only a finished thread: a running one keeps its job. */
	if (READ_ONCE(ring->job)) {
		ret = -EBUSY;
		goto unlock;
	}
	adf_reap_locked(ring);
	ret = irsend_job_attach(ring, &aj->job, true);
	if (ret)
		goto unlock;
	task = kthread_create(adf_thread, aj, "irsend-adf/%u", aj->job.id);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		irsend_job_detach(&aj->job);
		goto unlock;
	}
	get_task_struct(task);
	ring->adf_task = task;
	ring->adf_job = aj;
	req.job_id = aj->job.id;
	req.width = aj->job.geo.width;
	req.height = aj->job.geo.height;
	req.stride = aj->job.geo.stride;
	wake_up_process(task);
	mutex_unlock(&ring->adf_lock);
	return irsend_struct_out(arg, &req, sizeof(req), usize);

unlock:
	mutex_unlock(&ring->adf_lock);
free:
	adf_free(aj);
	return ret;
}
