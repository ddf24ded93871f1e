// SPDX-License-Identifier: GPL-2.0
/*
 * Page ring throughput: simulated ADF -> consumer through the read-only
 * mmap ring (data used in place) versus the read() copy path, with the
 * guest's memcpy bandwidth as the ceiling. Every path folds each byte of
 * page data into a checksum, as an encoder would read it once.
 *
 * Usage: ring_bench [PAGES]   (A4 300 dpi 8-bit pages, default 60)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/irsend.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t fold(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t acc = 0;

	for (size_t i = 0; i < len / 8; i++)
		acc ^= w[i];
	return acc;
}

static void die(const char *what)
{
	fprintf(stderr, "ring_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct irsend_scan_request request(uint32_t pages)
{
	struct irsend_scan_request req = {
		.size = sizeof(req),
		.flags = IRSEND_SCAN_FLAT | IRSEND_SCAN_NO_CRC,
		.pages = pages,
		.paper = IRSEND_PAPER_A4,
		.xres = 300,
		.yres = 300,
		.bpp = 8,
	};
	return req;
}

struct result {
	double seconds;
	uint64_t bytes;
	uint32_t pages;
	uint64_t check;
};

static struct result run_mmap(int fd, const struct irsend_ring_info *info, uint32_t pages)
{
	const uint8_t *map = mmap(NULL, info->mmap_size, PROT_READ, MAP_SHARED, fd, 0);
	struct irsend_scan_request req = request(pages);
	struct result res = { 0 };
	int ended = 0;
	double t0;

	if (map == MAP_FAILED)
		die("mmap");
	t0 = now();
	if (ioctl(fd, IRSEND_IOC_SCAN_START, &req))
		die("SCAN_START");
	while (!ended) {
		struct irsend_ring_get get = { .size = sizeof(get) };
		struct irsend_ring_release rel = { .size = sizeof(rel) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 60000) != 1)
			die("poll");
		if (ioctl(fd, IRSEND_IOC_RING_GET, &get))
			die("RING_GET");
		for (uint32_t i = 0; i < get.count; i++) {
			const struct irsend_page_desc *d =
				(const void *)(map + info->desc_off +
					       ((get.first + i) % info->nr_slots) *
						       info->desc_size);

			res.check ^= fold(map + d->offset, d->length);
			res.bytes += d->length;
			res.pages += !!(d->flags & IRSEND_DESC_PAGE_END);
			ended |= !!(d->flags & IRSEND_DESC_JOB_END);
			/* Release as we go, as a streaming encoder would. */
			rel.count = 1;
			if (ioctl(fd, IRSEND_IOC_RING_RELEASE, &rel))
				die("RING_RELEASE");
		}
	}
	res.seconds = now() - t0;
	munmap((void *)map, info->mmap_size);
	return res;
}

static struct result run_read(int fd, const struct irsend_ring_info *info, uint32_t pages)
{
	size_t size = sizeof(struct irsend_page_desc) + info->slot_size;
	struct irsend_scan_request req = request(pages);
	uint8_t *buf = aligned_alloc(64, size + 64);
	struct result res = { 0 };
	int ended = 0;
	double t0;

	if (!buf)
		die("malloc");
	t0 = now();
	if (ioctl(fd, IRSEND_IOC_SCAN_START, &req))
		die("SCAN_START");
	while (!ended) {
		struct irsend_page_desc d;
		ssize_t n = read(fd, buf, size);

		if (n < (ssize_t)sizeof(d))
			die("read");
		memcpy(&d, buf, sizeof(d));
		res.check ^= fold(buf + sizeof(d), d.length);
		res.bytes += d.length;
		res.pages += !!(d.flags & IRSEND_DESC_PAGE_END);
		ended = !!(d.flags & IRSEND_DESC_JOB_END);
	}
	res.seconds = now() - t0;
	free(buf);
	return res;
}

/* memcpy of the same amount in slot-sized blocks, then the same fold. */
static struct result run_memcpy(uint32_t slot_size, uint64_t bytes)
{
	uint8_t *src = aligned_alloc(64, slot_size), *dst = aligned_alloc(64, slot_size);
	struct result res = { 0 };
	double t0;

	if (!src || !dst)
		die("malloc");
	memset(src, 0x5a, slot_size);
	t0 = now();
	for (uint64_t done = 0; done < bytes; done += slot_size) {
		memcpy(dst, src, slot_size);
		res.check ^= fold(dst, slot_size);
		src[done % slot_size] ^= 1; /* keep the copy from being hoisted */
	}
	res.seconds = now() - t0;
	res.bytes = bytes;
	free(src);
	free(dst);
	return res;
}

static void show(const char *name, const struct result *r)
{
	printf("%-28s %8.1f MB/s %8.1f pages/s  (%llu bytes in %.2f s)\n", name,
	       r->bytes / r->seconds / 1e6, r->pages / r->seconds, (unsigned long long)r->bytes,
	       r->seconds);
}

int main(int argc, char **argv)
{
	uint32_t pages = argc > 1 ? (uint32_t)atoi(argv[1]) : 60;
	struct irsend_ring_info info = { .size = sizeof(info) };
	struct result m, r, c;
	int fd = open(IRSEND_DEVICE_PATH, O_RDWR);

	if (fd < 0)
		die(IRSEND_DEVICE_PATH);
	if (ioctl(fd, IRSEND_IOC_RING_CONSUME) || ioctl(fd, IRSEND_IOC_RING_INFO, &info))
		die("claiming the ring");
	printf("ring: %u slots x %u KiB; %u pages A4 300 dpi 8-bit (%.1f MB each)\n", info.nr_slots,
	       info.slot_size / 1024, pages, 2480.0 * 3508 / 1e6);
	m = run_mmap(fd, &info, pages);
	r = run_read(fd, &info, pages);
	c = run_memcpy(info.slot_size, m.bytes);
	c.pages = m.pages;
	show("mmap ring (zero copy)", &m);
	show("read() copy path", &r);
	show("memcpy ceiling (guest)", &c);
	if (m.bytes != r.bytes || m.check != r.check)
		fprintf(stderr, "ring_bench: the two paths saw different data\n");
	printf("ratio mmap/read:    %.2f\n", (m.bytes / m.seconds) / (r.bytes / r.seconds));
	printf("ratio mmap/memcpy:  %.2f\n", (m.bytes / m.seconds) / (c.bytes / c.seconds));
	printf("ratio read/memcpy:  %.2f\n", (r.bytes / r.seconds) / (c.bytes / c.seconds));
	close(fd);
	return m.bytes == r.bytes && m.check == r.check ? 0 : 1;
}
