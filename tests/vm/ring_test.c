// SPDX-License-Identifier: GPL-2.0
/*
 * The scanner page ring: geometry, ADF jobs, feeders, flow control,
 * cancel, roles, the read-only mapping and hostile arguments. Runs in the
 * test VM with irsend.ko loaded (default ring: 32 slots of 512 KiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <linux/irsend.h>

#include "kselftest_harness.h"

struct ring {
	int fd;
	struct irsend_ring_info info;
	const uint8_t *map;
};

/* Open, claim the consumer role, map. Returns 0 or -errno. */
static int ring_open(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = open(IRSEND_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (ioctl(r->fd, IRSEND_IOC_RING_CONSUME))
		return -errno;
	r->info.size = sizeof(r->info);
	if (ioctl(r->fd, IRSEND_IOC_RING_INFO, &r->info))
		return -errno;
	r->map = mmap(NULL, r->info.mmap_size, PROT_READ, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED)
		return -errno;
	return 0;
}

static void ring_close(struct ring *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap((void *)r->map, r->info.mmap_size);
	if (r->fd > 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

static uint32_t mapped_index(const struct ring *r, uint64_t off)
{
	return __atomic_load_n((const uint32_t *)(r->map + off), __ATOMIC_ACQUIRE);
}

static const struct irsend_page_desc *desc_at(const struct ring *r, uint32_t i)
{
	return (const struct irsend_page_desc *)(r->map + r->info.desc_off +
						 (i % r->info.nr_slots) * r->info.desc_size);
}

/* Wait up to timeout_ms for new descriptors; 0 and *count on success. */
static int ring_take(struct ring *r, int timeout_ms, uint32_t *first, uint32_t *count)
{
	struct irsend_ring_get get = { .size = sizeof(get) };
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	if (ioctl(r->fd, IRSEND_IOC_RING_GET, &get))
		return -errno;
	*first = get.first;
	*count = get.count;
	return 0;
}

static int ring_give(struct ring *r, uint32_t count)
{
	struct irsend_ring_release rel = { .size = sizeof(rel), .count = count };

	return ioctl(r->fd, IRSEND_IOC_RING_RELEASE, &rel) ? -errno : 0;
}

static struct irsend_scan_request scan_req(uint32_t pages, uint32_t paper, uint16_t res,
					   uint16_t bpp)
{
	struct irsend_scan_request req = {
		.size = sizeof(req),
		.pages = pages,
		.paper = paper,
		.xres = res,
		.yres = res,
		.bpp = bpp,
		.seed = 7,
	};
	return req;
}

/* What a consumer saw of one job, checked band by band. */
struct job_seen {
	uint32_t job_id;
	uint32_t pages; /* completed pages */
	uint32_t bands;
	uint32_t problems; /* any inconsistency; see why */
	char why[160];
	uint32_t expect_seq;
	int have_seq;
	uint32_t page, y;
	uLong page_crc;
	uint32_t last_page_crc;
	int got_end;
	struct irsend_page_desc end;
	uint8_t *copy; /* optional: the last page, reassembled */
	size_t copy_size;
};

static void problem(struct job_seen *s, const char *why, uint32_t a, uint32_t b)
{
	if (!s->problems++)
		snprintf(s->why, sizeof(s->why), "%s (%u, %u)", why, a, b);
}

static void see_desc(struct job_seen *s, const struct ring *r, uint32_t idx)
{
	const struct irsend_page_desc *d = desc_at(r, idx);
	const uint8_t *data = r->map + d->offset;

	if (s->have_seq && d->seq != s->expect_seq)
		problem(s, "sequence gap", d->seq, s->expect_seq);
	s->have_seq = 1;
	s->expect_seq = d->seq + 1;
	if (d->seq != idx)
		problem(s, "seq is not the index", d->seq, idx);
	if (d->job_id != s->job_id)
		problem(s, "foreign job", d->job_id, s->job_id);
	if (d->flags & IRSEND_DESC_JOB_END) {
		s->got_end = 1;
		s->end = *d;
		return;
	}
	if (s->got_end)
		problem(s, "band after JOB_END", d->seq, 0);
	if (d->offset < r->info.data_off || d->offset + d->length > r->info.mmap_size)
		problem(s, "data outside the ring", (uint32_t)d->offset, d->length);
	if (d->length != d->rows * d->stride || d->length > r->info.slot_size)
		problem(s, "bad length", d->length, d->rows * d->stride);
	if (d->flags & IRSEND_DESC_PAGE_START) {
		if (d->y != 0 || d->page != s->page + 1)
			problem(s, "page out of order", d->page, s->page + 1);
		s->page = d->page;
		s->y = 0;
		s->page_crc = crc32(0, NULL, 0);
	}
	if (d->page != s->page || d->y != s->y)
		problem(s, "band out of order", d->y, s->y);
	if (!(d->flags & IRSEND_DESC_NO_CRC) && crc32(0, data, d->length) != d->band_crc)
		problem(s, "band crc", d->page, d->y);
	s->page_crc = crc32(s->page_crc, data, d->length);
	if (s->copy && (size_t)d->y * d->stride + d->length <= s->copy_size)
		memcpy(s->copy + (size_t)d->y * d->stride, data, d->length);
	s->y += d->rows;
	s->bands++;
	if (d->flags & IRSEND_DESC_PAGE_END) {
		if (s->y != d->height)
			problem(s, "page ends early", s->y, d->height);
		if (!(d->flags & IRSEND_DESC_NO_CRC) && s->page_crc != d->page_crc)
			problem(s, "page crc", d->page, 0);
		s->last_page_crc = d->page_crc;
		s->pages++;
	} else if (d->flags & IRSEND_DESC_LAST_PAGE) {
		problem(s, "LAST_PAGE on a middle band", d->page, d->y);
	}
}

/* Consume until the job's JOB_END, releasing each descriptor after use. */
static int drain(struct ring *r, struct job_seen *s, int timeout_ms)
{
	uint32_t first, count, i;
	int ret;

	while (!s->got_end) {
		ret = ring_take(r, timeout_ms, &first, &count);
		if (ret)
			return ret;
		for (i = 0; i < count; i++) {
			see_desc(s, r, first + i);
			ret = ring_give(r, 1);
			if (ret)
				return ret;
		}
	}
	return 0;
}

FIXTURE(ring)
{
	struct ring r;
};

FIXTURE_SETUP(ring)
{
	int ret = ring_open(&self->r);

	ASSERT_EQ(0, ret)
	{
		TH_LOG("opening the ring: %s", strerror(-ret));
	}
}

FIXTURE_TEARDOWN(ring)
{
	ring_close(&self->r);
}

TEST_F(ring, geometry)
{
	const struct irsend_ring_info *in = &self->r.info;
	long page = sysconf(_SC_PAGESIZE);

	EXPECT_EQ(sizeof(*in), in->size);
	EXPECT_EQ(sizeof(struct irsend_page_desc), in->desc_size);
	EXPECT_EQ(64, in->desc_size);
	EXPECT_EQ(0, in->nr_slots & (in->nr_slots - 1));
	EXPECT_LE(4, in->nr_slots);
	EXPECT_LE(64 * 1024, in->slot_size);
	EXPECT_EQ(0, in->producer_off % page);
	EXPECT_EQ(0, in->consumer_off % page);
	EXPECT_EQ(0, in->desc_off % page);
	EXPECT_EQ(0, in->data_off % page);
	EXPECT_NE(in->producer_off, in->consumer_off);
	EXPECT_LE(in->desc_off + (uint64_t)in->nr_slots * in->desc_size, in->data_off);
	EXPECT_EQ(in->data_off + (uint64_t)in->nr_slots * in->slot_size, in->mmap_size);
	EXPECT_EQ(mapped_index(&self->r, in->producer_off),
		  mapped_index(&self->r, in->consumer_off));
}

TEST_F_TIMEOUT(ring, a4_600dpi_1bit_5_pages, 240)
{
	struct irsend_scan_request req = scan_req(5, IRSEND_PAPER_A4, 600, 1);
	struct job_seen s = { 0 };

	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	EXPECT_EQ(4960, req.width);
	EXPECT_EQ(7016, req.height);
	EXPECT_EQ(620, req.stride);
	ASSERT_NE(0, req.job_id);
	s.job_id = req.job_id;
	ASSERT_EQ(0, drain(&self->r, &s, 60000));
	EXPECT_EQ(0, s.problems)
	{
		TH_LOG("%s", s.why);
	}
	EXPECT_EQ(5, s.pages);
	EXPECT_EQ(5, s.end.page);
	EXPECT_EQ(IRSEND_DESC_JOB_END, s.end.flags);
	EXPECT_EQ(0, s.end.length);
	EXPECT_EQ(mapped_index(&self->r, self->r.info.producer_off),
		  mapped_index(&self->r, self->r.info.consumer_off));
}

/* The last band of the last page, and only it, says LAST_PAGE. */
TEST_F(ring, last_page_flag)
{
	struct irsend_scan_request req = scan_req(3, IRSEND_PAPER_A5, 100, 1);
	uint32_t first, count, last_flags = 0, n_last = 0;
	int ended = 0;

	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	while (!ended) {
		ASSERT_EQ(0, ring_take(&self->r, 10000, &first, &count));
		for (uint32_t i = 0; i < count; i++) {
			const struct irsend_page_desc *d = desc_at(&self->r, first + i);

			if (d->flags & IRSEND_DESC_LAST_PAGE) {
				n_last++;
				last_flags = d->flags;
				EXPECT_EQ(3, d->page);
			}
			ended |= !!(d->flags & IRSEND_DESC_JOB_END);
		}
		ASSERT_EQ(0, ring_give(&self->r, count));
	}
	EXPECT_EQ(1, n_last);
	EXPECT_TRUE(last_flags & IRSEND_DESC_PAGE_END);
}

TEST_F_TIMEOUT(ring, colour_24bit_and_grey_8bit_pages, 120)
{
	static const uint16_t depths[] = { 24, 8 };

	for (size_t k = 0; k < 2; k++) {
		struct irsend_scan_request req = scan_req(1, IRSEND_PAPER_A4, 200, depths[k]);
		struct job_seen s = { 0 };

		ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
		EXPECT_EQ(1648, req.width);
		EXPECT_EQ(2339, req.height);
		EXPECT_EQ(req.width * depths[k] / 8, req.stride);
		s.job_id = req.job_id;
		s.copy_size = (size_t)req.stride * req.height;
		s.copy = malloc(s.copy_size);
		ASSERT_NE(NULL, s.copy);
		ASSERT_EQ(0, drain(&self->r, &s, 30000));
		EXPECT_EQ(0, s.problems)
		{
			TH_LOG("%s", s.why);
		}
		EXPECT_EQ(1, s.pages);
		if (depths[k] == 24) {
			/* The photo block is in colour: R, G and B differ. */
			size_t mid = (size_t)req.stride * (req.height / 2) + req.stride / 2;
			int colourful = 0;

			for (size_t i = mid; i < mid + 300; i += 3)
				colourful |= s.copy[i] != s.copy[i + 1] ||
					     s.copy[i + 1] != s.copy[i + 2];
			EXPECT_TRUE(colourful);
		}
		free(s.copy);
	}
}

/* Same seed, same pages; another seed, other pages. */
TEST_F(ring, deterministic_content)
{
	uint32_t crcs[3];
	static const uint32_t seeds[] = { 11, 11, 12 };

	for (int k = 0; k < 3; k++) {
		struct irsend_scan_request req = scan_req(1, IRSEND_PAPER_A5, 150, 1);
		struct job_seen s = { 0 };

		req.seed = seeds[k];
		ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
		s.job_id = req.job_id;
		ASSERT_EQ(0, drain(&self->r, &s, 20000));
		ASSERT_EQ(0, s.problems);
		crcs[k] = s.last_page_crc;
	}
	EXPECT_EQ(crcs[0], crcs[1]);
	EXPECT_NE(crcs[0], crcs[2]);
}

/* A consumer that does not release pauses the producer; nothing is lost. */
TEST_F_TIMEOUT(ring, backpressure_slow_consumer, 240)
{
	struct irsend_scan_request req = scan_req(20, IRSEND_PAPER_A4, 300, 1);
	const struct ring *r = &self->r;
	struct job_seen s = { 0 };
	uint32_t used = 0, used_later;

	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	s.job_id = req.job_id;
	/* 20 pages of 3 bands do not fit: wait for the ring to fill. */
	for (int i = 0; i < 600 && used < r->info.nr_slots - 1; i++) {
		usleep(100 * 1000);
		used = mapped_index(r, r->info.producer_off) -
		       mapped_index(r, r->info.consumer_off);
	}
	/* One slot stays free for the job's end. */
	EXPECT_EQ(r->info.nr_slots - 1, used);
	usleep(500 * 1000);
	used_later = mapped_index(r, r->info.producer_off) - mapped_index(r, r->info.consumer_off);
	EXPECT_EQ(used, used_later);
	ASSERT_EQ(0, drain(&self->r, &s, 60000));
	EXPECT_EQ(0, s.problems)
	{
		TH_LOG("%s", s.why);
	}
	EXPECT_EQ(20, s.pages);
	EXPECT_EQ(0, s.end.flags & (IRSEND_DESC_CANCELLED | IRSEND_DESC_ERROR));
}

TEST_F_TIMEOUT(ring, cancel_mid_job, 60)
{
	struct irsend_scan_request req = scan_req(50, IRSEND_PAPER_A5, 100, 1);
	struct irsend_scan_cancel cancel = { .size = sizeof(cancel) };
	struct job_seen s = { 0 };
	uint32_t first, count;

	req.pace_ms = 100;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	s.job_id = req.job_id;
	while (s.pages < 2) {
		ASSERT_EQ(0, ring_take(&self->r, 10000, &first, &count));
		for (uint32_t i = 0; i < count; i++)
			see_desc(&s, &self->r, first + i);
		ASSERT_EQ(0, ring_give(&self->r, count));
	}
	cancel.job_id = req.job_id + 1000;
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));
	EXPECT_EQ(ESRCH, errno);
	cancel.job_id = req.job_id;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));
	ASSERT_EQ(0, drain(&self->r, &s, 10000));
	EXPECT_EQ(0, s.problems)
	{
		TH_LOG("%s", s.why);
	}
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_CANCELLED);
	EXPECT_LT(s.pages, 50);
	/* Nothing follows the end of a job. */
	EXPECT_EQ(-ETIMEDOUT, ring_take(&self->r, 500, &first, &count));
	/* No job runs now. */
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));
	EXPECT_EQ(ESRCH, errno);
}

/* An injected paper jam: the pages before it arrive, then an error. */
TEST_F(ring, paper_jam)
{
	struct irsend_scan_request req = scan_req(3, IRSEND_PAPER_A4, 300, 1);
	struct irsend_scan_request second = scan_req(1, IRSEND_PAPER_A5, 100, 1);
	struct job_seen s = { 0 };

	req.jam_at_page = 2;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	/* One job at a time. */
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &second));
	EXPECT_EQ(EBUSY, errno);
	s.job_id = req.job_id;
	ASSERT_EQ(0, drain(&self->r, &s, 20000));
	EXPECT_EQ(0, s.problems)
	{
		TH_LOG("%s", s.why);
	}
	EXPECT_EQ(1, s.pages);
	EXPECT_EQ(2, s.end.page);
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_ERROR);
	EXPECT_EQ(IRSEND_SCAN_ERR_JAM, s.end.error);
	/* Half of page 2 had been delivered before the jam. */
	EXPECT_LT(0, s.y);
	EXPECT_GT(s.end.height, s.y);
}

TEST_F(ring, one_consumer_only)
{
	int fd2 = open(IRSEND_DEVICE_PATH, O_RDWR);
	struct irsend_scan_request req = scan_req(1, IRSEND_PAPER_A5, 100, 1);

	ASSERT_LE(0, fd2);
	EXPECT_EQ(-1, ioctl(fd2, IRSEND_IOC_RING_CONSUME));
	EXPECT_EQ(EBUSY, errno);
	/* Claiming twice on the same file is harmless. */
	EXPECT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_RING_CONSUME));
	/* Only the consumer starts scans. */
	EXPECT_EQ(-1, ioctl(fd2, IRSEND_IOC_SCAN_START, &req));
	EXPECT_EQ(EBADFD, errno);
	ring_close(&self->r);
	EXPECT_EQ(0, ioctl(fd2, IRSEND_IOC_RING_CONSUME));
	close(fd2);
}

TEST_F(ring, mapping_is_read_only)
{
	int fd2 = open(IRSEND_DEVICE_PATH, O_RDWR);
	size_t size = self->r.info.mmap_size;
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->r.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->r.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->r.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, size);
	/* Beyond the end, or at an offset past it. */
	p = mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, self->r.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->r.fd, size);
	EXPECT_EQ(MAP_FAILED, p);
	/* Only the consumer maps the ring. */
	ASSERT_LE(0, fd2);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	close(fd2);
}

/* Each field out of range, one at a time. */
TEST_F(ring, scan_request_bad_fields)
{
	struct irsend_scan_request req;
	int cases = 0;

#define BAD(field, value)                                                                          \
	do {                                                                                       \
		req = scan_req(5, IRSEND_PAPER_A4, 300, 1);                                        \
		req.field = (value);                                                               \
		errno = 0;                                                                         \
		EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));                     \
		EXPECT_TRUE(errno == EINVAL || errno == EOVERFLOW)                                 \
		{                                                                                  \
			TH_LOG(#field " = %lld: errno %d", (long long)(value), errno);             \
		}                                                                                  \
		cases++;                                                                           \
	} while (0)
	BAD(flags, 1U << 7);
	BAD(flags, 0xffffffffU);
	BAD(pages, 0);
	BAD(pages, IRSEND_SCAN_MAX_PAGES + 1);
	BAD(pages, 0xffffffffU);
	BAD(paper, 0);
	BAD(paper, IRSEND_PAPER_CUSTOM + 1);
	BAD(paper, 0x80000000U);
	BAD(width_mm, 210);
	BAD(xres, 123);
	BAD(xres, 0);
	BAD(yres, 0xffff);
	BAD(bpp, 0);
	BAD(bpp, 2);
	BAD(bpp, 4);
	BAD(bpp, 16);
	BAD(bpp, 32);
	BAD(pad, 1);
	BAD(pace_ms, IRSEND_SCAN_MAX_PACE_MS + 1);
	BAD(jam_at_page, 6);
	BAD(job_id, 1);
	BAD(width, 1);
	BAD(stride, 0xffffffffU);
#undef BAD
	/* Resolution pairs not in the list. */
	static const uint16_t bad_res[][2] = {
		{ 600, 300 }, { 100, 200 }, { 400, 200 }, { 1200, 1200 }, { 75, 75 }
	};
	for (size_t i = 0; i < sizeof(bad_res) / sizeof(bad_res[0]); i++) {
		req = scan_req(1, IRSEND_PAPER_A4, 300, 1);
		req.xres = bad_res[i][0];
		req.yres = bad_res[i][1];
		EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
		EXPECT_EQ(EINVAL, errno);
	}
	/* Custom sizes out of bounds. */
	static const uint32_t bad_custom[][2] = { { 49, 100 }, { 298, 100 },
						  { 100, 49 }, { 100, 433 },
						  { 0, 0 },    { 0xffffffffU, 0xffffffffU } };
	for (size_t i = 0; i < sizeof(bad_custom) / sizeof(bad_custom[0]); i++) {
		req = scan_req(1, IRSEND_PAPER_CUSTOM, 600, 24);
		req.width_mm = bad_custom[i][0];
		req.height_mm = bad_custom[i][1];
		EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_LT(20, cases);
	/* No job was started by any of that. */
	struct irsend_scan_cancel cancel = { .size = sizeof(cancel) };
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(ring, struct_sizes_and_pointers)
{
	unsigned char big[IRSEND_STRUCT_MAX_SIZE + 8];
	struct irsend_scan_request *req = (struct irsend_scan_request *)big;
	struct irsend_scan_cancel cancel = { .size = sizeof(cancel) };
	static const uint32_t bad_sizes[] = { 0, 4, IRSEND_SCAN_REQUEST_SIZE_VER0 - 1,
					      IRSEND_STRUCT_MAX_SIZE + 1, 0xffffffffU };

	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		memset(big, 0, sizeof(big));
		*req = scan_req(1, IRSEND_PAPER_A5, 100, 1);
		req->size = bad_sizes[i];
		EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, req));
		EXPECT_EQ(EINVAL, errno)
		{
			TH_LOG("size %u", bad_sizes[i]);
		}
	}
	/* A newer caller's bigger struct: fine while the unknown tail is zero. */
	memset(big, 0, sizeof(big));
	*req = scan_req(1, IRSEND_PAPER_A5, 100, 1);
	req->size = 256;
	big[200] = 1;
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, req));
	EXPECT_EQ(E2BIG, errno);
	big[200] = 0;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, req));
	EXPECT_EQ(sizeof(*req), req->size);
	EXPECT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_RING_INFO, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_RING_GET, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_FEED_PAGE, (void *)-1L));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(ring, get_and_release_misuse)
{
	struct irsend_ring_get get = { .size = sizeof(get) };
	struct irsend_scan_request req = scan_req(1, IRSEND_PAPER_A5, 100, 1);
	struct job_seen s = { 0 };
	uint32_t first, count;
	int fd2 = open(IRSEND_DEVICE_PATH, O_RDWR);

	EXPECT_EQ(-1, ioctl(self->r.fd, IRSEND_IOC_RING_GET, &get));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-EINVAL, ring_give(&self->r, 1));
	EXPECT_EQ(-EINVAL, ring_give(&self->r, 0));
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-1, ioctl(fd2, IRSEND_IOC_RING_GET, &get));
	EXPECT_EQ(EBADFD, errno);

	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	ASSERT_EQ(0, ring_take(&self->r, 10000, &first, &count));
	EXPECT_EQ(-EINVAL, ring_give(&self->r, count + 1));
	EXPECT_EQ(-EINVAL, ring_give(&self->r, 0xffffffffU));
	/* The copy path refuses while descriptors are held. */
	char buf[64];
	EXPECT_EQ(-1, read(self->r.fd, buf, sizeof(buf)));
	EXPECT_EQ(EBUSY, errno);
	for (uint32_t i = 0; i < count; i++)
		see_desc(&s, &self->r, first + i);
	EXPECT_EQ(0, ring_give(&self->r, count));
	close(fd2);
	s.job_id = req.job_id;
}

/* The copy path: descriptor then data, released on return. */
TEST_F(ring, read_copy_path)
{
	struct irsend_scan_request req = scan_req(2, IRSEND_PAPER_A5, 200, 8);
	size_t size = sizeof(struct irsend_page_desc) + self->r.info.slot_size;
	struct irsend_page_desc d;
	uint8_t *buf = malloc(size);
	int pages = 0, ended = 0;
	ssize_t n;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	EXPECT_EQ(-1, read(self->r.fd, buf, 16));
	EXPECT_EQ(EMSGSIZE, errno);
	void *volatile bad_buf = (void *)8; /* volatile: hide it from the compiler */
	EXPECT_EQ(-1, read(self->r.fd, bad_buf, size));
	EXPECT_EQ(EFAULT, errno);
	while (!ended) {
		n = read(self->r.fd, buf, size);
		ASSERT_LE((ssize_t)sizeof(d), n);
		memcpy(&d, buf, sizeof(d));
		ASSERT_EQ(sizeof(d) + d.length, (size_t)n);
		if (d.length)
			EXPECT_EQ(d.band_crc, crc32(0, buf + sizeof(d), d.length));
		pages += !!(d.flags & IRSEND_DESC_PAGE_END);
		ended = !!(d.flags & IRSEND_DESC_JOB_END);
	}
	EXPECT_EQ(2, pages);
	EXPECT_EQ(mapped_index(&self->r, self->r.info.producer_off),
		  mapped_index(&self->r, self->r.info.consumer_off));
	free(buf);
}

/* An A3 600 dpi colour page is 209 MB; it must be accepted and travel. */
TEST_F_TIMEOUT(ring, a3_600dpi_24bit_accepted, 60)
{
	struct irsend_scan_request req = scan_req(1, IRSEND_PAPER_A3, 600, 24);
	struct irsend_scan_cancel cancel = { .size = sizeof(cancel) };
	struct job_seen s = { 0 };
	uint32_t first, count;

	req.flags = IRSEND_SCAN_FLAT | IRSEND_SCAN_NO_CRC;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_START, &req));
	EXPECT_EQ(7016, req.width);
	EXPECT_EQ(9921, req.height);
	EXPECT_EQ(21048, req.stride);
	s.job_id = req.job_id;
	ASSERT_EQ(0, ring_take(&self->r, 10000, &first, &count));
	for (uint32_t i = 0; i < count; i++)
		see_desc(&s, &self->r, first + i);
	EXPECT_EQ(0, ring_give(&self->r, count));
	EXPECT_EQ(self->r.info.slot_size / 21048, desc_at(&self->r, first)->rows);
	cancel.job_id = req.job_id;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));
	ASSERT_EQ(0, drain(&self->r, &s, 10000));
	EXPECT_EQ(0, s.problems)
	{
		TH_LOG("%s", s.why);
	}
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_CANCELLED);
}

/* A consumer killed while holding descriptors gives everything back. */
TEST(consumer_killed_while_holding)
{
	int ready[2];
	pid_t pid;
	char c;
	struct ring r;
	struct job_seen s = { 0 };
	int ret = -1;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct irsend_scan_request req = scan_req(30, IRSEND_PAPER_A4, 300, 1);
		uint32_t first, count;

		if (ring_open(&r) || ioctl(r.fd, IRSEND_IOC_SCAN_START, &req) ||
		    ring_take(&r, 10000, &first, &count))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	usleep(300 * 1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));

	for (int i = 0; i < 50 && ret; i++) {
		ret = ring_open(&r);
		if (ret)
			ring_close(&r);
		if (ret)
			usleep(100 * 1000);
	}
	ASSERT_EQ(0, ret);
	EXPECT_EQ(mapped_index(&r, r.info.producer_off), mapped_index(&r, r.info.consumer_off));
	/* The ring works as new. */
	struct irsend_scan_request req = scan_req(2, IRSEND_PAPER_A5, 100, 1);
	ret = -1;
	for (int i = 0; i < 50 && ret; i++) {
		ret = ioctl(r.fd, IRSEND_IOC_SCAN_START, &req) ? -errno : 0;
		if (ret == -EBUSY)
			usleep(100 * 1000);
	}
	ASSERT_EQ(0, ret);
	s.job_id = req.job_id;
	ASSERT_EQ(0, drain(&r, &s, 10000));
	EXPECT_EQ(0, s.problems);
	EXPECT_EQ(2, s.pages);
	ring_close(&r);
}

/* A live mapping keeps the module loaded. */
TEST(rmmod_refused_while_mapped)
{
	struct ring r;
	int status;

	ASSERT_EQ(0, ring_open(&r));
	close(r.fd);
	r.fd = -1;
	status = system("rmmod irsend 2>/dev/null");
	EXPECT_NE(0, status);
	munmap((void *)r.map, r.info.mmap_size);
	r.map = NULL;
	status = open(IRSEND_DEVICE_PATH, O_RDWR);
	EXPECT_LE(0, status);
	close(status);
}

/* ---- feeders ------------------------------------------------------------ */

static int feed_page(int fd, uint32_t w, uint32_t h, uint16_t bpp, uint32_t flags,
		     struct irsend_feed_page *out)
{
	struct irsend_feed_page p = { .size = sizeof(p),
				      .flags = flags,
				      .width = w,
				      .height = h,
				      .bpp = bpp,
				      .xres = 300,
				      .yres = 300 };

	if (ioctl(fd, IRSEND_IOC_FEED_PAGE, &p))
		return -errno;
	if (out)
		*out = p;
	return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len, size_t chunk)
{
	while (len) {
		ssize_t n = write(fd, buf, len < chunk ? len : chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

TEST_F(ring, feeder_page_round_trip)
{
	const uint32_t w = 1001, h = 1500;
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	struct irsend_feed_page p;
	struct job_seen s = { 0 };
	size_t size = (size_t)w * h;
	uint8_t *src = malloc(size);

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, src);
	for (size_t i = 0; i < size; i++)
		src[i] = (uint8_t)(i * 2654435761u >> 13);
	ASSERT_EQ(0, feed_page(fd, w, h, 8, IRSEND_FEED_LAST_PAGE, &p));
	EXPECT_EQ(w, p.stride);
	EXPECT_EQ(1, p.page);
	/* A feeder cannot consume. */
	EXPECT_EQ(-1, ioctl(fd, IRSEND_IOC_RING_CONSUME));
	EXPECT_EQ(EBADFD, errno);
	/* A second page cannot start inside the first. */
	EXPECT_EQ(-EBUSY, feed_page(fd, w, h, 8, 0, NULL));
	s.job_id = p.job_id;
	s.copy_size = size;
	s.copy = calloc(1, size);
	ASSERT_NE(NULL, s.copy);
	/* Odd write sizes cross band boundaries; the ring has room for it. */
	ASSERT_EQ(0, write_all(fd, src, size, 7777));
	ASSERT_EQ(0, drain(&self->r, &s, 10000));
	EXPECT_EQ(0, s.problems)
	{
		TH_LOG("%s", s.why);
	}
	EXPECT_EQ(1, s.pages);
	EXPECT_LT(1, s.bands);
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_FEEDER);
	EXPECT_EQ(0, s.end.flags & (IRSEND_DESC_CANCELLED | IRSEND_DESC_ERROR));
	EXPECT_EQ(0, memcmp(src, s.copy, size));
	/* The job ended with its last page: write has no page now. */
	EXPECT_EQ(-1, write(fd, src, 16));
	EXPECT_EQ(EINVAL, errno);
	free(src);
	free(s.copy);
	close(fd);
}

TEST_F(ring, feeder_bad_pages)
{
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	struct irsend_feed_page p;
	static const struct {
		uint32_t w, h;
		uint16_t bpp, res;
		uint32_t flags;
	} bad[] = {
		{ 0, 10, 1, 300, 0 },		{ IRSEND_FEED_MAX_WIDTH + 1, 10, 1, 300, 0 },
		{ 10, 0, 1, 300, 0 },		{ 10, IRSEND_FEED_MAX_HEIGHT + 1, 1, 300, 0 },
		{ 10, 10, 2, 300, 0 },		{ 10, 10, 32, 300, 0 },
		{ 10, 10, 1, 49, 0 },		{ 10, 10, 1, 1201, 0 },
		{ 10, 10, 1, 300, 2 },		{ 0xffffffffU, 0xffffffffU, 24, 300, 0 },
		{ 0x80000000U, 2, 24, 300, 0 },
	};

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EINVAL, errno);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct irsend_feed_page q = { .size = sizeof(q),
					      .flags = bad[i].flags,
					      .width = bad[i].w,
					      .height = bad[i].h,
					      .bpp = bad[i].bpp,
					      .xres = bad[i].res,
					      .yres = bad[i].res };
		errno = 0;
		EXPECT_EQ(-1, ioctl(fd, IRSEND_IOC_FEED_PAGE, &q));
		EXPECT_TRUE(errno == EINVAL || errno == EOVERFLOW)
		{
			TH_LOG("case %zu: errno %d", i, errno);
		}
	}
	memset(&p, 0, sizeof(p));
	p.size = IRSEND_FEED_PAGE_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(fd, IRSEND_IOC_FEED_PAGE, &p));
	EXPECT_EQ(EINVAL, errno);
	/* The consumer cannot feed. */
	EXPECT_EQ(-EBADFD, feed_page(self->r.fd, 8, 8, 1, 0, NULL));
	close(fd);
}

/* Short pages and vanished feeders end the job with an error. */
TEST_F(ring, feeder_errors_end_the_job)
{
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	uint8_t row[64] = { 0 };
	struct irsend_feed_page p;
	struct job_seen s = { 0 };

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, feed_page(fd, 64, 16, 8, 0, &p));
	ASSERT_EQ(0, write_all(fd, row, sizeof(row), sizeof(row)));
	EXPECT_EQ(-1, ioctl(fd, IRSEND_IOC_FEED_END));
	EXPECT_EQ(EINVAL, errno);
	s.job_id = p.job_id;
	ASSERT_EQ(0, drain(&self->r, &s, 5000));
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_ERROR);
	EXPECT_EQ(IRSEND_SCAN_ERR_SHORT_PAGE, s.end.error);
	EXPECT_EQ(0, s.pages);

	/* A whole page, then the feeder goes away without ending the job. */
	ASSERT_EQ(0, feed_page(fd, 64, 1, 8, 0, &p));
	ASSERT_EQ(0, write_all(fd, row, sizeof(row), sizeof(row)));
	close(fd);
	memset(&s, 0, sizeof(s));
	s.job_id = p.job_id;
	ASSERT_EQ(0, drain(&self->r, &s, 5000));
	EXPECT_EQ(1, s.pages);
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_ERROR);
	EXPECT_EQ(IRSEND_SCAN_ERR_FEEDER_GONE, s.end.error);
}

TEST(feeder_without_consumer)
{
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPIPE, feed_page(fd, 8, 8, 1, 0, NULL));
	close(fd);
}

/* A cancelled feeder job: the feeder hears ECANCELED, the consumer sees it. */
TEST_F(ring, feeder_cancelled)
{
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	struct irsend_scan_cancel cancel = { .size = sizeof(cancel) };
	uint8_t row[8] = { 0 };
	struct irsend_feed_page p;
	struct job_seen s = { 0 };

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, feed_page(fd, 64, 4, 1, 0, &p));
	cancel.job_id = p.job_id;
	ASSERT_EQ(0, ioctl(self->r.fd, IRSEND_IOC_SCAN_CANCEL, &cancel));
	s.job_id = p.job_id;
	ASSERT_EQ(0, drain(&self->r, &s, 5000));
	EXPECT_TRUE(s.end.flags & IRSEND_DESC_CANCELLED);
	EXPECT_EQ(-1, write(fd, row, sizeof(row)));
	EXPECT_TRUE(errno == ECANCELED || errno == EINVAL);
	/* The next page starts a new job. */
	ASSERT_EQ(0, feed_page(fd, 64, 1, 1, IRSEND_FEED_LAST_PAGE, &p));
	EXPECT_NE(s.job_id, p.job_id);
	ASSERT_EQ(0, write_all(fd, row, sizeof(row), sizeof(row)));
	memset(&s, 0, sizeof(s));
	s.job_id = p.job_id;
	ASSERT_EQ(0, drain(&self->r, &s, 5000));
	EXPECT_EQ(1, s.pages);
	close(fd);
}

#define FEED_PAGES 5000

static int feeder_run(int which)
{
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	uint8_t page[64];

	if (fd < 0)
		return 1;
	for (int n = 1; n <= FEED_PAGES; n++) {
		struct irsend_feed_page p;

		for (size_t i = 0; i < sizeof(page); i++)
			page[i] = (uint8_t)(which * 131 + n * 7 + i);
		if (feed_page(fd, 64, 8, 1, n == FEED_PAGES ? IRSEND_FEED_LAST_PAGE : 0, &p) ||
		    write_all(fd, page, sizeof(page), sizeof(page)))
			return 2;
	}
	close(fd);
	return 0;
}

/* 10,000 small pages from two feeder processes, none lost, none mixed. */
TEST_F_TIMEOUT(ring, two_feeders_10000_pages, 600)
{
	pid_t pids[2];
	uint32_t jobs[2] = { 0 }, pages[2] = { 0 }, ends = 0, bad = 0, first, count;
	int status;

	for (int k = 0; k < 2; k++) {
		pids[k] = fork();
		ASSERT_LE(0, pids[k]);
		if (pids[k] == 0)
			_exit(feeder_run(k));
	}
	while (ends < 2) {
		ASSERT_EQ(0, ring_take(&self->r, 30000, &first, &count));
		for (uint32_t i = 0; i < count; i++) {
			const struct irsend_page_desc *d = desc_at(&self->r, first + i);
			const uint8_t *data = self->r.map + d->offset;
			int k;

			if (jobs[0] == d->job_id || !jobs[0])
				k = 0;
			else if (jobs[1] == d->job_id || !jobs[1])
				k = 1;
			else
				k = -1;
			ASSERT_LE(0, k);
			if (!jobs[k])
				jobs[k] = d->job_id;
			if (d->flags & IRSEND_DESC_JOB_END) {
				ends++;
				bad += !!(d->flags & (IRSEND_DESC_ERROR | IRSEND_DESC_CANCELLED));
				continue;
			}
			bad += d->page != pages[k] + 1 || d->length != 64 ||
			       crc32(0, data, 64) != d->band_crc;
			pages[k] = d->page;
		}
		ASSERT_EQ(0, ring_give(&self->r, count));
	}
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(pids[k], waitpid(pids[k], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	EXPECT_EQ(FEED_PAGES, pages[0]);
	EXPECT_EQ(FEED_PAGES, pages[1]);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
