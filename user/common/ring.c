#include "ring.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "device.h"

static const char *claim_error(int err)
{
	switch (err) {
	case EBUSY:
		return "another consumer (irsendd or 'irsendctl capture') already holds the page "
		       "ring";
	case ENOTTY:
		return "this irsend module has no page ring (load a newer irsend.ko)";
	default:
		return strerror(err);
	}
}

/* The layout the module reports fits in the mapping it offers. */
static bool layout_sane(const struct irsend_ring_info *i)
{
	uint64_t descs = (uint64_t)i->nr_slots * i->desc_size;
	uint64_t data = (uint64_t)i->nr_slots * i->slot_size;

	return i->nr_slots && !(i->nr_slots & (i->nr_slots - 1)) &&
	       i->desc_size >= sizeof(struct irsend_page_desc) && i->mmap_size <= SIZE_MAX &&
	       i->producer_off <= i->mmap_size - sizeof(uint32_t) &&
	       i->consumer_off <= i->mmap_size - sizeof(uint32_t) && i->desc_off <= i->mmap_size &&
	       descs <= i->mmap_size - i->desc_off && i->data_off <= i->mmap_size &&
	       data <= i->mmap_size - i->data_off;
}

int ring_open(struct ring_consumer *rc, const char *prog, const char *path)
{
	memset(rc, 0, sizeof(*rc));
	rc->map = MAP_FAILED;
	rc->fd = irsend_device_open(prog, path);
	if (rc->fd < 0)
		return -1;
	if (ioctl(rc->fd, IRSEND_IOC_RING_CONSUME)) {
		fprintf(stderr, "%s: cannot claim the page ring: %s\n", prog, claim_error(errno));
		goto fail;
	}
	rc->info.size = sizeof(rc->info);
	if (ioctl(rc->fd, IRSEND_IOC_RING_INFO, &rc->info)) {
		fprintf(stderr, "%s: reading the page ring's layout failed: %s\n", prog,
			strerror(errno));
		goto fail;
	}
	if (rc->info.size < IRSEND_RING_INFO_SIZE_VER0 || rc->info.mmap_size < sizeof(uint32_t) ||
	    !layout_sane(&rc->info)) {
		fprintf(stderr, "%s: the module reports an impossible page ring layout\n", prog);
		goto fail;
	}
	rc->map_size = (size_t)rc->info.mmap_size;
	rc->map = mmap(NULL, rc->map_size, PROT_READ, MAP_SHARED, rc->fd, 0);
	if (rc->map == MAP_FAILED) {
		fprintf(stderr, "%s: mapping the page ring failed: %s\n", prog, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	ring_close(rc);
	return -1;
}

void ring_close(struct ring_consumer *rc)
{
	if (rc->map && rc->map != MAP_FAILED)
		munmap((void *)rc->map, rc->map_size);
	if (rc->fd >= 0)
		close(rc->fd);
	rc->map = NULL;
	rc->fd = -1;
	rc->pending = 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Take whatever the module published since the last call: 0, -EAGAIN or -errno. */
static int take_published(struct ring_consumer *rc)
{
	struct irsend_ring_get get = { .size = sizeof(get) };
	uint32_t producer;

	if (ioctl(rc->fd, IRSEND_IOC_RING_GET, &get))
		return -errno;
	/* Acquire: the descriptors and data are visible once the index is. */
	producer = __atomic_load_n((const uint32_t *)(rc->map + rc->info.producer_off),
				   __ATOMIC_ACQUIRE);
	if (!get.count || (uint32_t)(producer - get.first) < get.count ||
	    get.count > rc->info.nr_slots)
		return -EPROTO;
	rc->next = get.first;
	rc->pending = get.count;
	return 0;
}

/* Wait for POLLIN until deadline (-1: none): 0, -ETIMEDOUT, -EINTR, -errno. */
static int wait_published(struct ring_consumer *rc, int64_t deadline)
{
	struct pollfd pfd = { .fd = rc->fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	int n;

	if (deadline >= 0) {
		int64_t left = deadline - now_ms();

		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		tsp = &ts;
	}
	n = ppoll(&pfd, 1, tsp, rc->wait_sigmask);
	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return -EIO;
	return 0;
}

int ring_next(struct ring_consumer *rc, int timeout_ms, struct irsend_page_desc *d)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	const unsigned char *entry;
	int ret;

	while (!rc->pending) {
		ret = take_published(rc);
		if (!ret)
			break;
		if (ret != -EAGAIN)
			return ret;
		ret = wait_published(rc, deadline);
		if (ret)
			return ret;
	}
	entry = rc->map + rc->info.desc_off +
		(size_t)(rc->next % rc->info.nr_slots) * rc->info.desc_size;
	memcpy(d, entry, sizeof(*d));
	if (d->seq != rc->next)
		return -EPROTO;
	rc->next++;
	rc->pending--;
	return 0;
}

int ring_release(struct ring_consumer *rc, uint32_t count)
{
	struct irsend_ring_release rel = { .size = sizeof(rel), .count = count };

	return ioctl(rc->fd, IRSEND_IOC_RING_RELEASE, &rel) ? -errno : 0;
}

const unsigned char *ring_band_data(const struct ring_consumer *rc,
				    const struct irsend_page_desc *d)
{
	if (d->flags & IRSEND_DESC_JOB_END || !d->length)
		return NULL;
	if ((uint64_t)d->rows * d->stride != d->length || d->length > rc->info.slot_size)
		return NULL;
	if (d->offset < rc->info.data_off || d->offset > rc->map_size ||
	    d->length > rc->map_size - d->offset)
		return NULL;
	return rc->map + d->offset;
}

bool ring_band_crc_ok(const struct irsend_page_desc *d, const unsigned char *data)
{
	if (d->flags & IRSEND_DESC_NO_CRC)
		return true;
	return crc32_z(crc32_z(0, Z_NULL, 0), data, d->length) == d->band_crc;
}

void page_crc_start(struct page_crc *pc)
{
	pc->crc = crc32_z(0, Z_NULL, 0);
}

void page_crc_add(struct page_crc *pc, const unsigned char *data, size_t len)
{
	pc->crc = crc32_z(pc->crc, data, len);
}

bool page_crc_ok(const struct page_crc *pc, const struct irsend_page_desc *d)
{
	if (d->flags & IRSEND_DESC_NO_CRC)
		return true;
	return pc->crc == d->page_crc;
}
