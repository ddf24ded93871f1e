/* SPDX-License-Identifier: GPL-2.0 */
/* Internal declarations shared by the irsend.ko source files. */
#ifndef _IRSEND_H
#define _IRSEND_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/irsend.h>

#define IRSEND_MODULE_VERSION "0.2.0"

/*
 * Locking of the page ring (one ring per module):
 *
 * ring->lock (mutex) protects the roles (consumer_file), the job that owns
 * the producer side (ring->job and job->orphaned/in_io), the consumer
 * side indexes (taken, cons) and publishing. The producer index is only
 * advanced by the owning job, under ring->lock, with smp_store_release()
 * to the mapped copy after the descriptor and data are written; the
 * consumer reads it with acquire semantics. Slot data is written by the
 * owning job outside the lock: a slot between cons and prod + 1 belongs
 * to the producer alone until published, and to the consumer after.
 *
 * ring->adf_lock (mutex) serialises starting and reaping the ADF thread;
 * it is held across kthread_stop(), so the thread never takes it.
 *
 * Nothing here runs in atomic context: every wait is a sleeping wait on
 * data_wq (consumer: descriptors published), space_wq (producer: slots
 * released, cancel, consumer gone) or job_wq (feeders: ring free).
 */
struct irsend_job;
struct irsend_adf_job;
struct net_device;
struct sk_buff;

struct irsend_ring {
	void *mem;		/* vmalloc_user(), mapped by the consumer */
	size_t mem_size;
	u32 nr_slots;		/* power of two */
	u32 slot_size;
	u32 *producer;		/* mapped copies of the indexes */
	u32 *consumer;
	struct irsend_page_desc *descs;
	u8 *data;

	struct mutex lock;		/* see above */
	struct file *consumer_file;
	u32 prod;		/* published */
	u32 taken;		/* handed to the consumer by RING_GET */
	u32 cons;		/* released by the consumer */
	struct irsend_job *job;	/* owner of the producer side, or NULL */
	atomic_t next_job_id;

	struct mutex adf_lock;		/* see above */
	struct task_struct *adf_task;
	struct irsend_adf_job *adf_job;

	wait_queue_head_t data_wq;
	wait_queue_head_t space_wq;
	wait_queue_head_t job_wq;
};

/* Page geometry shared by the ADF and feeders. */
struct irsend_geometry {
	u32 width;
	u32 height;
	u32 stride;
	u16 bpp;
	u16 xres;
	u16 yres;
	u32 band_rows;		/* rows that fit in one slot */
};

struct irsend_job {
	struct irsend_ring *ring;
	u32 id;
	u16 desc_flags;		/* added to every descriptor (FEEDER, NO_CRC) */
	bool is_adf;
	bool orphaned;		/* consumer gone: under ring->lock */
	bool in_io;		/* producer may be writing a slot: under ring->lock */
	bool cancel;		/* READ_ONCE/WRITE_ONCE */
	bool ended;		/* JOB_END published or job detached */

	struct irsend_geometry geo;
	u32 page;		/* current page, from 1 */
	u32 y;			/* rows of the current page published */
	u32 page_crc;		/* running CRC state of the current page */
	bool last_page;		/* current page is the job's last */
};

enum irsend_role { IRSEND_ROLE_NONE, IRSEND_ROLE_CONSUMER, IRSEND_ROLE_FEEDER };

struct irsend_feeder;

struct irsend_file {
	struct irsend_ring *ring;
	struct mutex lock;	/* serialises this file's feeder calls */
	enum irsend_role role;	/* set once, under lock */
	struct irsend_feeder *feeder;
	u32 erase_seq;		/* erase status seq last read by this file */
};

extern struct irsend_ring irsend_ring;

/* The attached disk (nvram.c); lock rules at the top of nvram.c. */
struct irsend_disk {
	struct mutex lock;		/* attach state and all NVRAM I/O */
	struct block_device *nvram;	/* held exclusively */
	struct block_device *data;	/* held open, not exclusively */
	char nvram_path[IRSEND_PATH_LEN];
	char data_path[IRSEND_PATH_LEN];
	u64 gen[IRSEND_NVRAM_MAX_TYPE + 1][2];	/* valid copies; 0: none */
};

extern struct irsend_disk irsend_disk;

void irsend_disk_init(struct irsend_disk *d);
void irsend_disk_exit(struct irsend_disk *d);
long irsend_disk_attach(void __user *arg);
long irsend_disk_detach(void);
long irsend_disk_info(void __user *arg);
long irsend_nvram_get(void __user *arg);
long irsend_nvram_set(void __user *arg);
bool irsend_fault_injection(void);
int irsend_nvram_write_locked(struct irsend_disk *d, u32 type, const void *data,
			      u32 len, bool torn, u64 *generation);

/* uaccess.c: size-versioned structs (see the rules in the uapi header). */
int irsend_struct_in(void *dst, size_t ksize, size_t min_size,
		     const void __user *src, u32 *usize);
int irsend_struct_out(void __user *dst, const void *src, size_t ksize,
		      u32 usize);

/* info.c */
long irsend_ioctl_get_info(void __user *arg);

/* ring.c */
int irsend_ring_init(struct irsend_ring *ring, u32 nr_slots, u32 slot_size);
void irsend_ring_free(struct irsend_ring *ring);
long irsend_ring_ioctl(struct irsend_file *f, unsigned int cmd,
		       void __user *arg);
int irsend_ring_mmap(struct irsend_file *f, struct vm_area_struct *vma);
__poll_t irsend_ring_poll(struct irsend_file *f, struct file *file,
			  poll_table *wait);
ssize_t irsend_ring_read(struct irsend_file *f, struct file *file,
			 char __user *buf, size_t count);
void irsend_ring_consumer_gone(struct irsend_file *f);

/* ring.c: the producer side, used by the ADF and feeders. */
long irsend_scan_cancel(struct irsend_ring *ring, void __user *arg);
int irsend_job_attach(struct irsend_ring *ring, struct irsend_job *job,
		      bool nonblock);
int irsend_job_wait_slot(struct irsend_job *job, bool nonblock);
u8 *irsend_job_slot(struct irsend_job *job);
int irsend_job_publish_band(struct irsend_job *job, u32 rows);
void irsend_job_end(struct irsend_job *job, u16 flags, u32 error);
void irsend_job_detach(struct irsend_job *job);
int irsend_job_enter_io(struct irsend_job *job);
void irsend_job_leave_io(struct irsend_job *job);
bool irsend_job_should_stop(struct irsend_job *job);
long irsend_ring_consume_ioctl(struct irsend_file *f, struct file *file);

/* geometry.c */
int irsend_geometry_from_scan(struct irsend_geometry *geo,
			      const struct irsend_scan_request *req,
			      u32 slot_size);
int irsend_geometry_from_feed(struct irsend_geometry *geo,
			      const struct irsend_feed_page *req,
			      u32 slot_size);

/* erase.c */
long irsend_erase_start(void __user *arg);
long irsend_erase_status(struct irsend_file *f, void __user *arg);
__poll_t irsend_erase_poll(struct irsend_file *f, struct file *file,
			   poll_table *wait);
bool irsend_erase_running(void);
void irsend_erase_attach_locked(struct irsend_disk *d, const void *rec, u32 len);

/* netfilter.c */
int irsend_netfilter_init(void);
void irsend_netfilter_exit(void);
void irsend_net_lockdown(bool on);
bool irsend_net_lockdown_on(void);
u64 irsend_net_lockdown_drops(void);

/* macfilter.c */
int irsend_macfilter_init(void);
void irsend_macfilter_exit(void);
bool irsend_mac_filter_on(void);
unsigned int irsend_mac_verdict(const struct sk_buff *skb,
				const struct net_device *dev);

/* adf.c */
long irsend_adf_start(struct irsend_file *f, void __user *arg);
void irsend_adf_reap(struct irsend_ring *ring);

/* adf_pattern.c */
struct irsend_pattern;
struct irsend_pattern *irsend_pattern_new(const struct irsend_geometry *geo,
					  u32 seed, bool flat);
void irsend_pattern_free(struct irsend_pattern *pat);
void irsend_pattern_row(struct irsend_pattern *pat, u32 page, u32 y, u8 *dst);

/* feed.c */
long irsend_feed_page(struct irsend_file *f, struct file *file,
		      void __user *arg);
long irsend_feed_end(struct irsend_file *f);
ssize_t irsend_feed_write(struct irsend_file *f, struct file *file,
			  const char __user *buf, size_t count);
__poll_t irsend_feed_poll(struct irsend_file *f, struct file *file,
			  poll_table *wait);
void irsend_feeder_release(struct irsend_file *f);

#endif /* _IRSEND_H */
