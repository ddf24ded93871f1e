// SPDX-License-Identifier: GPL-2.0
/*
 * The erase engine: a kernel thread that overwrites the data device pass
 * by pass with large sequential writes, checkpoints its progress in NVRAM
 * so that it resumes after a power loss, optionally verifies every byte,
 * and keeps the device off the network while it runs.
 *
 * Random passes are ChaCha20 keystream: key and nonce per pass from the
 * kernel CSPRNG, block counter = byte offset / 64, so any chunk can be
 * regenerated: after a resume, and by the verify pass.
 *
 * Locking: irsend_disk.lock is held to start (or resume) an erase and for
 * every checkpoint; erase.lock (spinlock) protects the status that ioctls
 * and poll read. The thread holds a module reference and runs to the end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/chacha.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>
#include <linux/vmalloc.h>

#include "irsend.h"

#define ERASE_CHUNK		SZ_1M		/* one bio: 256 pages */
#define ERASE_CKPT_BYTES	(16ULL << 20)
#define ERASE_CKPT_MAGIC	0x45535249U	/* "IRSE" */
#define ERASE_CKPT_VERSION	1
#define ERASE_KEY		32
#define ERASE_NONCE		8

/* The ERASE_STATE record: the erase engine's own, little endian. */
struct erase_ckpt {
	__le32 magic;
	__le32 version;
	__le32 state;
	__le32 mode;
	__le32 flags;
	__le32 max_mbps;
	__le32 pass;
	__le32 verify_result;
	__le32 resumed;
	__le32 error;
	__le64 offset;
	__le64 total;
	__le64 bytes_written;
	__le64 start_time;
	__le64 end_time;
	__le64 first_bad;
	u8 keys[3][ERASE_KEY];
	u8 nonces[3][ERASE_NONCE];
};

struct irsend_erase {
	spinlock_t lock;		/* st */
	struct irsend_erase_status st;
	wait_queue_head_t wq;		/* status changes, for poll() */
	/* Owned by the running thread; set up under irsend_disk.lock. */
	struct task_struct *task;
	struct block_device *bdev;
	u64 offset;			/* done in the current pass */
	u64 run_bytes;			/* written since (re)start, for the rate */
	u64 run_start_ns;
	u8 keys[3][ERASE_KEY];
	u8 nonces[3][ERASE_NONCE];
	bool corrupt_test;
	u32 max_mbps;
};

static struct irsend_erase erase = {
	.lock = __SPIN_LOCK_UNLOCKED(erase.lock),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(erase.wq),
	.st.first_bad = ~0ULL,
};

static u32 mode_passes(u32 mode)
{
	return mode == IRSEND_ERASE_RANDOM3 ? 3 : 1;
}

bool irsend_erase_running(void)
{
	return !!READ_ONCE(erase.task);
}

/* Keystream of pass (from 1) for len bytes at byte offset off. */
static void keystream(u32 pass, u64 off, u8 *dst, size_t len)
{
	u32 state[16], key[8];
	u8 iv[CHACHA_IV_SIZE];
	u64 ctr = off / CHACHA_BLOCK_SIZE;
	size_t i;

	for (i = 0; i < 8; i++)
		key[i] = get_unaligned_le32(erase.keys[pass - 1] + 4 * i);
	put_unaligned_le64(ctr, iv);
	memcpy(iv + 8, erase.nonces[pass - 1], ERASE_NONCE);
	chacha_init_generic(state, key, iv);
	for (i = 0; i < len; i += CHACHA_BLOCK_SIZE) {
		chacha_block_generic(state, dst + i, 20);
		if (!state[12])		/* the generic block only counts 32 bits */
			state[13]++;
	}
	memzero_explicit(state, sizeof(state));
	memzero_explicit(key, sizeof(key));
}

static void expected(u32 pass, u64 off, u8 *dst, size_t len)
{
	if (erase.st.mode == IRSEND_ERASE_ZERO1)
		memset(dst, 0, len);
	else
		keystream(pass, off, dst, len);
}

static int chunk_io(u64 off, void *buf, size_t len, blk_opf_t opf)
{
	struct bio *bio = bio_alloc(erase.bdev, DIV_ROUND_UP(len, PAGE_SIZE),
				    opf, GFP_KERNEL);
	size_t done, n;
	int ret;

	bio->bi_iter.bi_sector = off >> SECTOR_SHIFT;
	for (done = 0; done < len; done += n) {
		n = min_t(size_t, PAGE_SIZE, len - done);
		__bio_add_page(bio, vmalloc_to_page(buf + done), n, 0);
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

static void ckpt_fill(struct erase_ckpt *c, u32 state)
{
	const struct irsend_erase_status *st = &erase.st;

	memset(c, 0, sizeof(*c));
	c->magic = cpu_to_le32(ERASE_CKPT_MAGIC);
	c->version = cpu_to_le32(ERASE_CKPT_VERSION);
	c->state = cpu_to_le32(state);
	c->mode = cpu_to_le32(st->mode);
	c->flags = cpu_to_le32(st->flags);
	c->max_mbps = cpu_to_le32(erase.max_mbps);
	c->pass = cpu_to_le32(st->pass);
	c->verify_result = cpu_to_le32(st->verify_result);
	c->resumed = cpu_to_le32(st->resumed);
	c->error = cpu_to_le32(st->error);
	c->offset = cpu_to_le64(erase.offset);
	c->total = cpu_to_le64(st->bytes_total);
	c->bytes_written = cpu_to_le64(st->bytes_written);
	c->start_time = cpu_to_le64(st->start_time);
	c->end_time = cpu_to_le64(st->end_time);
	c->first_bad = cpu_to_le64(st->first_bad);
	memcpy(c->keys, erase.keys, sizeof(c->keys));
	memcpy(c->nonces, erase.nonces, sizeof(c->nonces));
}

static int checkpoint_state_locked(struct irsend_disk *d, u32 state)
{
	struct erase_ckpt c;
	int ret;

	spin_lock(&erase.lock);
	ckpt_fill(&c, state);
	spin_unlock(&erase.lock);
	ret = irsend_nvram_write_locked(d, IRSEND_NVRAM_ERASE_STATE, &c,
					sizeof(c), false, NULL);
	memzero_explicit(&c, sizeof(c));
	return ret;
}

static int checkpoint_locked(struct irsend_disk *d)
{
	return checkpoint_state_locked(d, IRSEND_ERASE_STATE_RUNNING);
}

static int checkpoint_state(u32 state)
{
	int ret;

	mutex_lock(&irsend_disk.lock);
	ret = checkpoint_state_locked(&irsend_disk, state);
	mutex_unlock(&irsend_disk.lock);
	return ret;
}

static int checkpoint(void)
{
	return checkpoint_state(IRSEND_ERASE_STATE_RUNNING);
}

/* Publish progress of the current pass. */
static void progress(u64 done, u64 written)
{
	u64 ns = ktime_get_ns() - erase.run_start_ns;

	spin_lock(&erase.lock);
	erase.st.bytes_done = done;
	erase.st.bytes_written += written;
	if (ns)
		erase.st.rate = div64_u64(erase.run_bytes * NSEC_PER_SEC, ns);
	erase.st.seq++;
	spin_unlock(&erase.lock);
	wake_up_interruptible_all(&erase.wq);
}

/* Sleep off any lead over the requested rate. */
static void throttle(void)
{
	u64 due_ns, now_ns;

	if (!erase.max_mbps)
		return;
	due_ns = div64_u64(erase.run_bytes * 1000, erase.max_mbps);
	now_ns = ktime_get_ns() - erase.run_start_ns;
	if (due_ns > now_ns)
		msleep(div64_u64(due_ns - now_ns, NSEC_PER_MSEC));
}

static int overwrite_pass(u32 pass, u8 *buf)
{
	u64 total = erase.st.bytes_total, last_ckpt = erase.offset;
	size_t len;
	int ret;

	if (erase.st.mode == IRSEND_ERASE_ZERO1)
		memset(buf, 0, ERASE_CHUNK);
	while (erase.offset < total) {
		len = min_t(u64, ERASE_CHUNK, total - erase.offset);
		if (erase.st.mode != IRSEND_ERASE_ZERO1)
			keystream(pass, erase.offset, buf, len);
		ret = chunk_io(erase.offset, buf, len, REQ_OP_WRITE);
		if (ret)
			return ret;
		erase.offset += len;
		erase.run_bytes += len;
		progress(erase.offset, len);
		if (erase.offset - last_ckpt >= ERASE_CKPT_BYTES) {
			/* The checkpoint must not run ahead of the disk. */
			ret = blkdev_issue_flush(erase.bdev) ?: checkpoint();
			if (ret)
				return ret;
			last_ckpt = erase.offset;
		}
		throttle();
		cond_resched();
	}
	return blkdev_issue_flush(erase.bdev);
}

/* Test only: what a failing sector or a buggy pass would leave behind. */
static int corrupt_one_block(u8 *buf)
{
	u64 off = round_down(erase.st.bytes_total / 2, PAGE_SIZE);

	memset(buf, 0xa5, PAGE_SIZE);
	return chunk_io(off, buf, PAGE_SIZE, REQ_OP_WRITE | REQ_FUA);
}

/* Read everything back; returns 0 and sets verify_result. */
static int verify_pass(u32 last_pass, u8 *buf, u8 *want)
{
	u64 total = erase.st.bytes_total, off;
	size_t len, i;
	int ret;

	for (off = 0; off < total; off += len) {
		len = min_t(u64, ERASE_CHUNK, total - off);
		ret = chunk_io(off, buf, len, REQ_OP_READ);
		if (ret)
			return ret;
		expected(last_pass, off, want, len);
		if (memcmp(buf, want, len)) {
			for (i = 0; i < len && buf[i] == want[i]; i++)
				;
			spin_lock(&erase.lock);
			erase.st.first_bad = off + i;
			erase.st.verify_result = IRSEND_VERIFY_FAILED;
			spin_unlock(&erase.lock);
			return 0;
		}
		erase.run_bytes += len;
		progress(off + len, 0);
		throttle();
		cond_resched();
	}
	spin_lock(&erase.lock);
	erase.st.verify_result = IRSEND_VERIFY_PASSED;
	spin_unlock(&erase.lock);
	return 0;
}

static void set_pass(u32 pass)
{
	spin_lock(&erase.lock);
	erase.st.pass = pass;
	erase.st.bytes_done = 0;
	erase.st.seq++;
	spin_unlock(&erase.lock);
	wake_up_interruptible_all(&erase.wq);
	erase.offset = 0;
	erase.run_bytes = 0;
	erase.run_start_ns = ktime_get_ns();
}

static int erase_thread(void *data)
{
	u32 passes = erase.st.passes, pass, final;
	u8 *buf = vmalloc(ERASE_CHUNK), *want = vmalloc(ERASE_CHUNK);
	int ret = buf && want ? 0 : -ENOMEM;

	for (pass = erase.st.pass; !ret && pass <= passes; pass++) {
		ret = overwrite_pass(pass, buf);
		if (!ret) {
			set_pass(pass + 1);
			ret = checkpoint();
		}
	}
	if (!ret && erase.corrupt_test)
		ret = corrupt_one_block(buf);
	if (!ret && (erase.st.flags & IRSEND_ERASE_VERIFY))
		ret = verify_pass(passes, buf, want);

	final = ret || erase.st.verify_result == IRSEND_VERIFY_FAILED ?
		IRSEND_ERASE_STATE_FAILED : IRSEND_ERASE_STATE_DONE;
	spin_lock(&erase.lock);
	erase.st.error = ret;
	erase.st.end_time = ktime_get_real_seconds();
	if (final == IRSEND_ERASE_STATE_DONE)
		erase.st.bytes_done = erase.st.bytes_total;
	spin_unlock(&erase.lock);
	/* The keys served their purpose: keep them neither here nor in NVRAM. */
	memzero_explicit(erase.keys, sizeof(erase.keys));
	memzero_explicit(erase.nonces, sizeof(erase.nonces));
	/* NVRAM first: a power loss from here on must not resume. */
	if (checkpoint_state(final))
		pr_err("erase finished but its end could not be recorded in NVRAM\n");
	pr_info("erase %s: %llu bytes written, verify %u\n",
		final == IRSEND_ERASE_STATE_DONE ? "done" : "FAILED",
		erase.st.bytes_written, erase.st.verify_result);

	vfree(buf);
	vfree(want);
	/* Readers of the device must not see pre-erase data from the cache. */
	invalidate_bdev(erase.bdev);
	blkdev_put(erase.bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
	erase.bdev = NULL;
	irsend_net_lockdown(false);
	/* Only now may another erase start, or the disk be detached. */
	WRITE_ONCE(erase.task, NULL);
	spin_lock(&erase.lock);
	erase.st.state = final;
	erase.st.seq++;
	spin_unlock(&erase.lock);
	wake_up_interruptible_all(&erase.wq);
	module_put_and_kthread_exit(0);
}

/*
 * Under d->lock: claim the data device for ourselves alone and start the
 * thread from the state in erase.st/offset/keys.
 */
static int erase_begin_locked(struct irsend_disk *d)
{
	struct block_device *bdev;
	struct task_struct *task;
	int ret;

	bdev = blkdev_get_by_path(d->data_path, FMODE_READ | FMODE_WRITE | FMODE_EXCL,
				  &erase);
	if (IS_ERR(bdev)) {
		if (PTR_ERR(bdev) == -EBUSY)
			pr_info("erase refused: %s is mounted or in use\n", d->data_path);
		return PTR_ERR(bdev);
	}
	/* Our two handles (attach and this claim) and nobody else's. */
	if (atomic_read(&bdev->bd_openers) > 2) {
		pr_info("erase refused: %s is open by another user\n", d->data_path);
		blkdev_put(bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
		return -EBUSY;
	}
	erase.bdev = bdev;
	invalidate_bdev(bdev);		/* nothing cached survives the erase */
	erase.st.bytes_total = bdev_nr_bytes(bdev);
	erase.run_bytes = 0;
	erase.run_start_ns = ktime_get_ns();
	ret = checkpoint_locked(d);	/* before the first byte is written */
	if (ret)
		goto put;
	irsend_net_lockdown(true);
	__module_get(THIS_MODULE);
	task = kthread_create(erase_thread, NULL, "irsend-erase");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		module_put(THIS_MODULE);
		irsend_net_lockdown(false);
		goto put;
	}
	WRITE_ONCE(erase.task, task);
	wake_up_process(task);
	return 0;
put:
	blkdev_put(bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
	erase.bdev = NULL;
	return ret;
}

long irsend_erase_start(void __user *arg)
{
	struct irsend_disk *d = &irsend_disk;
	struct irsend_erase_request req = {};
	u32 usize;
	int ret;

	ret = irsend_struct_in(&req, sizeof(req), sizeof(req), arg, &usize);
	if (ret)
		return ret;
	if (req.mode < IRSEND_ERASE_ZERO1 || req.mode > IRSEND_ERASE_RANDOM3 ||
	    req.flags & ~(IRSEND_ERASE_VERIFY | IRSEND_ERASE_F_TEST_CORRUPT) ||
	    req.max_mbps > 100000)
		return -EINVAL;
	if (req.flags & IRSEND_ERASE_F_TEST_CORRUPT &&
	    (!irsend_fault_injection() || !(req.flags & IRSEND_ERASE_VERIFY)))
		return -EPERM;

	mutex_lock(&d->lock);
	if (!d->nvram) {
		ret = -ENODEV;
		goto out;
	}
	if (irsend_erase_running()) {
		ret = -EBUSY;
		goto out;
	}
	spin_lock(&erase.lock);
	memset(&erase.st, 0, sizeof(erase.st));
	erase.st.state = IRSEND_ERASE_STATE_RUNNING;
	erase.st.mode = req.mode;
	erase.st.flags = req.flags & IRSEND_ERASE_VERIFY;
	erase.st.pass = 1;
	erase.st.passes = mode_passes(req.mode);
	erase.st.first_bad = ~0ULL;
	erase.st.start_time = ktime_get_real_seconds();
	spin_unlock(&erase.lock);
	erase.offset = 0;
	erase.max_mbps = req.max_mbps;
	erase.corrupt_test = req.flags & IRSEND_ERASE_F_TEST_CORRUPT;
	get_random_bytes(erase.keys, sizeof(erase.keys));
	get_random_bytes(erase.nonces, sizeof(erase.nonces));
	ret = erase_begin_locked(d);
	if (ret) {
		spin_lock(&erase.lock);
		erase.st.state = IRSEND_ERASE_STATE_IDLE;
		spin_unlock(&erase.lock);
	}
out:
	mutex_unlock(&d->lock);
	return ret;
}

/*
 * Under d->lock, at attach: load the last erase from NVRAM (rec NULL when
 * the NVRAM has none) and resume it if a power loss cut it short.
 */
void irsend_erase_attach_locked(struct irsend_disk *d, const void *rec, u32 len)
{
	const struct erase_ckpt *c = rec;
	struct irsend_erase_status *st = &erase.st;
	int ret;

	if (irsend_erase_running())
		return;
	/* What a previous disk said no longer holds. */
	spin_lock(&erase.lock);
	memset(st, 0, sizeof(*st));
	st->first_bad = ~0ULL;
	st->seq = 1;
	spin_unlock(&erase.lock);
	if (!c || len != sizeof(*c) || le32_to_cpu(c->magic) != ERASE_CKPT_MAGIC ||
	    le32_to_cpu(c->version) != ERASE_CKPT_VERSION) {
		if (c)
			pr_err("erase checkpoint in NVRAM is unreadable; ignored\n");
		return;
	}
	spin_lock(&erase.lock);
	memset(st, 0, sizeof(*st));
	st->state = le32_to_cpu(c->state);
	st->mode = le32_to_cpu(c->mode);
	st->flags = le32_to_cpu(c->flags);
	st->pass = le32_to_cpu(c->pass);
	st->passes = mode_passes(st->mode);
	st->verify_result = le32_to_cpu(c->verify_result);
	st->resumed = le32_to_cpu(c->resumed);
	st->error = le32_to_cpu(c->error);
	st->bytes_total = le64_to_cpu(c->total);
	st->bytes_written = le64_to_cpu(c->bytes_written);
	st->start_time = le64_to_cpu(c->start_time);
	st->end_time = le64_to_cpu(c->end_time);
	st->first_bad = le64_to_cpu(c->first_bad);
	st->bytes_done = le64_to_cpu(c->offset);
	spin_unlock(&erase.lock);
	erase.offset = le64_to_cpu(c->offset);
	erase.max_mbps = le32_to_cpu(c->max_mbps);
	erase.corrupt_test = false;
	memcpy(erase.keys, c->keys, sizeof(erase.keys));
	memcpy(erase.nonces, c->nonces, sizeof(erase.nonces));

	if (st->state != IRSEND_ERASE_STATE_RUNNING)
		return;
	if (st->mode < IRSEND_ERASE_ZERO1 || st->mode > IRSEND_ERASE_RANDOM3 ||
	    !st->pass || st->pass > st->passes + 1) {
		pr_err("erase checkpoint in NVRAM is inconsistent; not resuming\n");
		return;
	}
	st->resumed++;
	pr_info("resuming the erase cut short: pass %u of %u at %llu bytes\n",
		st->pass, st->passes, erase.offset);
	ret = erase_begin_locked(d);
	if (ret) {
		/* Still pending in NVRAM: the next attach tries again. */
		pr_err("cannot resume the erase yet: %d\n", ret);
		spin_lock(&erase.lock);
		st->error = ret;
		spin_unlock(&erase.lock);
	}
}

long irsend_erase_status(struct irsend_file *f, void __user *arg)
{
	struct irsend_erase_status st = {};
	u32 usize;
	int ret;

	ret = irsend_struct_in(&st, sizeof(st), IRSEND_ERASE_STATUS_SIZE_VER0,
			       arg, &usize);
	if (ret)
		return ret;
	spin_lock(&erase.lock);
	st = erase.st;
	spin_unlock(&erase.lock);
	st.size = sizeof(st);
	f->erase_seq = st.seq;
	return irsend_struct_out(arg, &st, sizeof(st), usize);
}

__poll_t irsend_erase_poll(struct irsend_file *f, struct file *file,
			   poll_table *wait)
{
	poll_wait(file, &erase.wq, wait);
	return READ_ONCE(erase.st.seq) != f->erase_seq ? EPOLLPRI : 0;
}
