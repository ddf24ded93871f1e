/*
 * The consumer side of the scanner page ring: claim it, map it read-only,
 * take descriptors one by one, read their bands in place, release them,
 * and check the bands' and pages' CRC-32s.
 */
#ifndef IRSEND_RING_H
#define IRSEND_RING_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/irsend.h>

struct ring_consumer {
	int fd;
	struct irsend_ring_info info;
	const unsigned char *map;
	size_t map_size;
	uint32_t next;	  /* index of the next taken descriptor to hand out */
	uint32_t pending; /* taken from the module, not handed out yet */
	/* Signals to let through while waiting (ppoll); NULL: the current mask. */
	const sigset_t *wait_sigmask;
};

/*
 * Open the device (path NULL: the default, as irsend_device_open()),
 * claim the consumer role and map the ring. On failure print one line
 * saying why to stderr, prefixed with prog, and return -1.
 */
int ring_open(struct ring_consumer *rc, const char *prog, const char *path);

/* Unmap and close; the module releases what was held and cancels the job. */
void ring_close(struct ring_consumer *rc);

/*
 * Copy the next descriptor into *d, waiting up to timeout_ms (-1: for
 * ever). 0, or -ETIMEDOUT, -EINTR (a signal arrived), or another -errno.
 */
int ring_next(struct ring_consumer *rc, int timeout_ms, struct irsend_page_desc *d);

/* Give the oldest count descriptors handed out back to the module: 0 or -errno. */
int ring_release(struct ring_consumer *rc, uint32_t count);

/*
 * The band of d in the mapping, or NULL when the descriptor does not
 * describe a band that lies inside the data area (a JOB_END, or a bug).
 */
const unsigned char *ring_band_data(const struct ring_consumer *rc,
				    const struct irsend_page_desc *d);

/* The band's CRC-32 matches (or d says none was computed). */
bool ring_band_crc_ok(const struct irsend_page_desc *d, const unsigned char *data);

/* CRC-32 of a whole page, extended band by band. */
struct page_crc {
	unsigned long crc;
};

void page_crc_start(struct page_crc *pc);
void page_crc_add(struct page_crc *pc, const unsigned char *data, size_t len);
/* Compare with the PAGE_END band's page_crc (true when d carries none). */
bool page_crc_ok(const struct page_crc *pc, const struct irsend_page_desc *d);

#endif
