// SPDX-License-Identifier: GPL-2.0
/*
 * The erase engine on the scratch disks ($IRSEND_TEST_NVRAM, $IRSEND_TEST_DATA):
 * every mode over a disk pre-filled with a known pattern, verification,
 * progress, refusal while the data device is in use, NVRAM untouched,
 * network lockdown, and hostile requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/irsend.h>

#include "irsend_test.h"
#include "kselftest_harness.h"

#define BLK 4096

static int start(int fd, uint32_t mode, uint32_t flags, uint32_t mbps)
{
	struct irsend_erase_request r = {
		.size = sizeof(r), .mode = mode, .flags = flags, .max_mbps = mbps
	};

	return ioctl(fd, IRSEND_IOC_ERASE_START, &r) ? -errno : 0;
}

static int status(int fd, struct irsend_erase_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, IRSEND_IOC_ERASE_STATUS, st) ? -errno : 0;
}

/* Data device size in bytes. */
static uint64_t data_size(void)
{
	uint64_t size = 0;
	int fd = open(data_dev(), O_RDONLY);

	if (fd >= 0) {
		ioctl(fd, BLKGETSIZE64, &size);
		close(fd);
	}
	return size;
}

static void pattern_block(uint8_t *b, uint64_t blk)
{
	for (int i = 0; i < BLK; i += 16)
		snprintf((char *)b + i, 16 + 1, "PATTERN%08x", (unsigned int)(blk & 0xffffffffU));
}

static int prefill(void)
{
	uint64_t size = data_size();
	int fd = open(data_dev(), O_WRONLY);
	uint8_t *b = malloc(BLK + 16);
	int ret = 0;

	if (fd < 0 || !b || !size)
		return -1;
	for (uint64_t blk = 0; blk < size / BLK && !ret; blk++) {
		pattern_block(b, blk);
		ret = pwrite(fd, b, BLK, blk * BLK) == BLK ? 0 : -1;
	}
	ret |= fsync(fd);
	close(fd);
	free(b);
	return ret;
}

/* Read block blk past the page cache. */
static int read_block(int fd, uint64_t blk, uint8_t *b)
{
	return pread(fd, b, BLK, blk * BLK) == BLK ? 0 : -1;
}

static int open_direct(void)
{
	return open(data_dev(), O_RDONLY | O_DIRECT);
}

/* Wait for the erase to end; checks that progress only moves forward. */
static int wait_done(int fd, struct irsend_erase_status *st, int *monotonic, int timeout_s)
{
	uint64_t last_written = 0;
	uint32_t last_pass = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };

	*monotonic = 1;
	for (int i = 0; i < timeout_s * 20; i++) {
		if (status(fd, st))
			return -1;
		if (st->bytes_written < last_written || st->pass < last_pass)
			*monotonic = 0;
		last_written = st->bytes_written;
		last_pass = st->pass;
		if (st->state != IRSEND_ERASE_STATE_RUNNING)
			return 0;
		poll(&pfd, 1, 50);
	}
	return -1;
}

FIXTURE(er)
{
	int fd;
	uint64_t size;
	uint8_t *blk;
};

FIXTURE_SETUP(er)
{
	char serial[] = "ERASE-KEEPS-ME";

	if (!nvram_dev() || !data_dev())
		SKIP(return, "no scratch disks ($IRSEND_TEST_NVRAM, $IRSEND_TEST_DATA)");
	self->fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ioctl(self->fd, IRSEND_IOC_DISK_DETACH);
	ASSERT_EQ(0, attach(self->fd, nvram_dev(), data_dev(), IRSEND_DISK_FORMAT));
	struct irsend_nvram_rec r = { .size = sizeof(r),
				      .type = IRSEND_NVRAM_SERIAL,
				      .length = strlen(serial),
				      .data = (uintptr_t)serial };
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_NVRAM_SET, &r));
	self->size = data_size();
	ASSERT_LT(0, self->size);
	ASSERT_EQ(0, prefill());
	self->blk = aligned_alloc(BLK, BLK);
	ASSERT_NE(NULL, self->blk);
}

FIXTURE_TEARDOWN(er)
{
	struct irsend_erase_status st;
	int mono;

	/* A test that stopped early leaves its erase to finish here. */
	if (self->fd >= 0)
		wait_done(self->fd, &st, &mono, 250);
	free(self->blk);
	if (self->fd >= 0)
		close(self->fd);
}

static int serial_intact(int fd)
{
	char out[64] = { 0 };
	struct irsend_nvram_rec r = { .size = sizeof(r),
				      .type = IRSEND_NVRAM_SERIAL,
				      .data = (uintptr_t)out,
				      .capacity = sizeof(out) };

	return !ioctl(fd, IRSEND_IOC_NVRAM_GET, &r) && !strcmp(out, "ERASE-KEEPS-ME");
}

TEST_F_TIMEOUT(er, zero1, 120)
{
	struct irsend_erase_status st;
	uint8_t zero[BLK] = { 0 };
	int mono, dfd, bad = 0;

	struct pollfd pfd = { .events = POLLPRI };

	ASSERT_EQ(0, start(self->fd, IRSEND_ERASE_ZERO1, 0, 0));
	/* Progress wakes poll() with EPOLLPRI on any open file. */
	pfd.fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, pfd.fd);
	EXPECT_EQ(1, poll(&pfd, 1, 5000));
	EXPECT_TRUE(pfd.revents & POLLPRI);
	close(pfd.fd);
	ASSERT_EQ(0, wait_done(self->fd, &st, &mono, 100));
	EXPECT_TRUE(mono);
	EXPECT_EQ(IRSEND_ERASE_STATE_DONE, st.state);
	EXPECT_EQ(self->size, st.bytes_total);
	/* Read once, the status no longer signals until it changes. */
	pfd.fd = self->fd;
	EXPECT_EQ(0, poll(&pfd, 1, 200));
	EXPECT_EQ(self->size, st.bytes_written);
	EXPECT_EQ(self->size, st.bytes_done);
	EXPECT_EQ(IRSEND_VERIFY_NONE, st.verify_result);
	EXPECT_LE(st.start_time, st.end_time);
	dfd = open_direct();
	ASSERT_LE(0, dfd);
	for (uint64_t b = 0; b < self->size / BLK; b++) {
		ASSERT_EQ(0, read_block(dfd, b, self->blk));
		bad += !!memcmp(self->blk, zero, BLK);
	}
	close(dfd);
	EXPECT_EQ(0, bad);
	/* The page cache held the pattern from the prefill: it must be gone. */
	dfd = open(data_dev(), O_RDONLY);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(BLK, pread(dfd, self->blk, BLK, 7 * BLK));
	EXPECT_EQ(0, memcmp(self->blk, zero, BLK));
	close(dfd);
	EXPECT_TRUE(serial_intact(self->fd));
}

static int random_blocks_ok(uint64_t size, uint8_t *b)
{
	uint8_t zero[BLK] = { 0 }, pat[BLK + 16];
	int dfd = open_direct(), bad = 0;

	if (dfd < 0)
		return -1;
	for (uint64_t blk = 0; blk < size / BLK; blk++) {
		if (read_block(dfd, blk, b))
			return -1;
		pattern_block(pat, blk);
		bad += !memcmp(b, zero, BLK) || !memcmp(b, pat, BLK);
	}
	close(dfd);
	return bad;
}

TEST_F_TIMEOUT(er, random1_verified, 120)
{
	struct irsend_erase_status st;
	int mono;

	ASSERT_EQ(0, start(self->fd, IRSEND_ERASE_RANDOM1, IRSEND_ERASE_VERIFY, 0));
	ASSERT_EQ(0, wait_done(self->fd, &st, &mono, 100));
	EXPECT_TRUE(mono);
	EXPECT_EQ(IRSEND_ERASE_STATE_DONE, st.state);
	EXPECT_EQ(1, st.passes);
	EXPECT_EQ(IRSEND_VERIFY_PASSED, st.verify_result);
	EXPECT_EQ(~0ULL, st.first_bad);
	EXPECT_EQ(0, random_blocks_ok(self->size, self->blk));
	EXPECT_TRUE(serial_intact(self->fd));
	/* The pass keys (from byte 88 of the checkpoint) are wiped at the end. */
	uint8_t ckpt[512] = { 0 }, nothing[512] = { 0 };
	struct irsend_nvram_rec r = { .size = sizeof(r),
				      .type = IRSEND_NVRAM_ERASE_STATE,
				      .data = (uintptr_t)ckpt,
				      .capacity = sizeof(ckpt) };
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_NVRAM_GET, &r));
	ASSERT_LT(88, r.length);
	EXPECT_EQ(0, memcmp(ckpt + 88, nothing, r.length - 88));
}

/* Three passes, each its own stream: sample block 0 during every pass. */
TEST_F_TIMEOUT(er, random3_passes_differ, 300)
{
	uint8_t seen[3][BLK];
	int have[3] = { 0 }, mono, dfd;
	struct irsend_erase_status st;

	/* Slow enough to look at each pass. */
	ASSERT_EQ(0, start(self->fd, IRSEND_ERASE_RANDOM3, IRSEND_ERASE_VERIFY,
			   (uint32_t)(self->size / 1000000 / 2 + 1)));
	/* Opened after the start: an open data device refuses an erase. */
	dfd = open_direct();
	ASSERT_LE(0, dfd);
	for (int i = 0; i < 4000; i++) {
		ASSERT_EQ(0, status(self->fd, &st));
		if (st.state != IRSEND_ERASE_STATE_RUNNING)
			break;
		if (st.pass >= 1 && st.pass <= 3 && !have[st.pass - 1] &&
		    st.bytes_done >= 2 * 1048576 && st.bytes_done < st.bytes_total / 2) {
			ASSERT_EQ(0, read_block(dfd, 0, self->blk));
			memcpy(seen[st.pass - 1], self->blk, BLK);
			/* Still in the same pass? */
			uint32_t pass = st.pass;
			ASSERT_EQ(0, status(self->fd, &st));
			have[pass - 1] = st.pass == pass;
		}
		usleep(20 * 1000);
	}
	close(dfd);
	ASSERT_EQ(0, wait_done(self->fd, &st, &mono, 200));
	EXPECT_EQ(IRSEND_ERASE_STATE_DONE, st.state);
	EXPECT_EQ(3, st.passes);
	EXPECT_EQ(3 * self->size, st.bytes_written);
	EXPECT_EQ(IRSEND_VERIFY_PASSED, st.verify_result);
	ASSERT_TRUE(have[0] && have[1] && have[2]);
	EXPECT_NE(0, memcmp(seen[0], seen[1], BLK));
	EXPECT_NE(0, memcmp(seen[1], seen[2], BLK));
	EXPECT_NE(0, memcmp(seen[0], seen[2], BLK));
	EXPECT_EQ(0, random_blocks_ok(self->size, self->blk));
	EXPECT_TRUE(serial_intact(self->fd));
}

TEST_F_TIMEOUT(er, corrupted_block_fails_verification, 120)
{
	struct irsend_erase_status st;
	int mono;

	EXPECT_EQ(-EPERM, start(self->fd, IRSEND_ERASE_RANDOM1,
				IRSEND_ERASE_VERIFY | IRSEND_ERASE_F_TEST_CORRUPT, 0));
	ASSERT_EQ(0, set_fault_injection(1));
	EXPECT_EQ(-EPERM, start(self->fd, IRSEND_ERASE_RANDOM1, IRSEND_ERASE_F_TEST_CORRUPT, 0));
	ASSERT_EQ(0, start(self->fd, IRSEND_ERASE_RANDOM1,
			   IRSEND_ERASE_VERIFY | IRSEND_ERASE_F_TEST_CORRUPT, 0));
	ASSERT_EQ(0, set_fault_injection(0));
	ASSERT_EQ(0, wait_done(self->fd, &st, &mono, 100));
	EXPECT_EQ(IRSEND_ERASE_STATE_FAILED, st.state);
	EXPECT_EQ(IRSEND_VERIFY_FAILED, st.verify_result);
	EXPECT_EQ((self->size / 2) & ~(uint64_t)(BLK - 1), st.first_bad);
	EXPECT_EQ(0, st.error);
}

TEST_F_TIMEOUT(er, refused_while_in_use, 120)
{
	struct irsend_erase_status st;
	int holder, mono;
	char cmd[256];

	/* Open by another process. */
	holder = open(data_dev(), O_RDONLY);
	ASSERT_LE(0, holder);
	EXPECT_EQ(-EBUSY, start(self->fd, IRSEND_ERASE_ZERO1, 0, 0));
	close(holder);
	/* Mounted. */
	snprintf(cmd, sizeof(cmd),
		 "mkfs.ext4 -q -F %s && mkdir -p /tmp/erase-mnt && "
		 "mount %s /tmp/erase-mnt",
		 data_dev(), data_dev());
	ASSERT_EQ(0, system(cmd));
	EXPECT_EQ(-EBUSY, start(self->fd, IRSEND_ERASE_ZERO1, 0, 0));
	ASSERT_EQ(0, umount("/tmp/erase-mnt"));
	ASSERT_EQ(0, status(self->fd, &st));
	EXPECT_NE(IRSEND_ERASE_STATE_RUNNING, st.state);
	/* Free again: the erase runs, and nothing else may start meanwhile. */
	ASSERT_EQ(0, start(self->fd, IRSEND_ERASE_ZERO1, 0, 20));
	EXPECT_EQ(-EBUSY, start(self->fd, IRSEND_ERASE_ZERO1, 0, 0));
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_DETACH));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, wait_done(self->fd, &st, &mono, 100));
	EXPECT_EQ(IRSEND_ERASE_STATE_DONE, st.state);
}

TEST_F(er, bad_requests)
{
	struct irsend_erase_request r = { .size = sizeof(r), .mode = IRSEND_ERASE_ZERO1 };
	struct irsend_erase_status st = { .size = sizeof(st) };

	/* A freshly formatted NVRAM knows of no erase, whatever came before. */
	ASSERT_EQ(0, status(self->fd, &st));
	EXPECT_EQ(IRSEND_ERASE_STATE_IDLE, st.state);
	EXPECT_EQ(0, st.bytes_written);
	st.size = sizeof(st);
	EXPECT_EQ(-EINVAL, start(self->fd, 0, 0, 0));
	EXPECT_EQ(-EINVAL, start(self->fd, 4, 0, 0));
	EXPECT_EQ(-EINVAL, start(self->fd, 0xffffffffU, 0, 0));
	EXPECT_EQ(-EINVAL, start(self->fd, IRSEND_ERASE_ZERO1, 1U << 9, 0));
	EXPECT_EQ(-EINVAL, start(self->fd, IRSEND_ERASE_ZERO1, 0, 100001));
	r.size = 8;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_ERASE_START, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_ERASE_START, NULL));
	EXPECT_EQ(EFAULT, errno);
	st.size = IRSEND_ERASE_STATUS_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_ERASE_STATUS, &st));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_ERASE_STATUS, (void *)16));
	EXPECT_EQ(EFAULT, errno);
	/* Without a disk there is nothing to erase. */
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_DETACH));
	EXPECT_EQ(-ENODEV, start(self->fd, IRSEND_ERASE_ZERO1, 0, 0));
	/* Nothing of that touched the data. */
	int dfd = open_direct();
	uint8_t pat[BLK + 16];
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, read_block(dfd, 5, self->blk));
	pattern_block(pat, 5);
	EXPECT_EQ(0, memcmp(self->blk, pat, BLK));
	close(dfd);
}

/* While an erase runs the device is off the network; then back on. */
TEST_F_TIMEOUT(er, network_lockdown, 120)
{
	struct irsend_erase_status st;
	int mono;

	ASSERT_EQ(0, system("ip netns add irsend-peer 2>/dev/null; "
			    "ip link add irs-host type veth peer name irs-peer && "
			    "ip link set irs-peer netns irsend-peer && "
			    "ip addr add 198.18.0.1/24 dev irs-host && ip link set irs-host up && "
			    "ip -n irsend-peer addr add 198.18.0.2/24 dev irs-peer && "
			    "ip -n irsend-peer link set irs-peer up && ip -n irsend-peer link set "
			    "lo up"));
	EXPECT_EQ(0, system("ip netns exec irsend-peer ping -q -c1 -W2 198.18.0.1 >/dev/null"));
	ASSERT_EQ(0,
		  start(self->fd, IRSEND_ERASE_ZERO1, 0, (uint32_t)(self->size / 1000000 / 4 + 1)));
	usleep(300 * 1000);
	ASSERT_EQ(0, status(self->fd, &st));
	ASSERT_EQ(IRSEND_ERASE_STATE_RUNNING, st.state);
	EXPECT_NE(0, system("ip netns exec irsend-peer ping -q -c2 -W1 198.18.0.1 >/dev/null"));
	/* Loopback is never filtered. */
	EXPECT_EQ(0, system("ping -q -c1 -W2 127.0.0.1 >/dev/null"));
	ASSERT_EQ(0, wait_done(self->fd, &st, &mono, 100));
	EXPECT_EQ(IRSEND_ERASE_STATE_DONE, st.state);
	EXPECT_EQ(0, system("ip netns exec irsend-peer ping -q -c1 -W2 198.18.0.1 >/dev/null"));
	system("ip link del irs-host 2>/dev/null; ip netns del irsend-peer");
}

TEST_HARNESS_MAIN
