// SPDX-License-Identifier: GPL-2.0
/*
 * Disk attach and NVRAM records. Needs two scratch disks in the VM: the
 * NVRAM device and the data device, named by $IRSEND_TEST_NVRAM and
 * $IRSEND_TEST_DATA (tests/run attaches them as /dev/vda and /dev/vdb).
 * Everything on them is overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/irsend.h>

#include "irsend_test.h"
#include "kselftest_harness.h"

static int rec_set(int fd, uint32_t type, const void *data, uint32_t len, uint32_t flags)
{
	struct irsend_nvram_rec r = { .size = sizeof(r),
				      .type = type,
				      .flags = flags,
				      .length = len,
				      .data = (uintptr_t)data };

	return ioctl(fd, IRSEND_IOC_NVRAM_SET, &r) ? -errno : 0;
}

/* Returns the length read, or -errno. */
static int rec_get(int fd, uint32_t type, void *buf, uint32_t cap, uint64_t *gen)
{
	struct irsend_nvram_rec r = {
		.size = sizeof(r), .type = type, .data = (uintptr_t)buf, .capacity = cap
	};

	if (ioctl(fd, IRSEND_IOC_NVRAM_GET, &r))
		return -errno;
	if (gen)
		*gen = r.generation;
	return (int)r.length;
}

FIXTURE(nv)
{
	int fd;
};

/* Every test starts from a freshly formatted NVRAM. */
FIXTURE_SETUP(nv)
{
	if (!nvram_dev() || !data_dev())
		SKIP(return, "no scratch disks ($IRSEND_TEST_NVRAM, $IRSEND_TEST_DATA)");
	self->fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ioctl(self->fd, IRSEND_IOC_DISK_DETACH);
	ASSERT_EQ(0, attach(self->fd, nvram_dev(), data_dev(), IRSEND_DISK_FORMAT));
}

FIXTURE_TEARDOWN(nv)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(nv, attach_rules)
{
	struct irsend_disk_info info = { .size = sizeof(info) };
	char zero[4096] = { 0 };
	int nv;

	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_INFO, &info));
	EXPECT_EQ(1, info.attached);
	EXPECT_STREQ(nvram_dev(), info.nvram_path);
	EXPECT_STREQ(data_dev(), info.data_path);
	EXPECT_LE(IRSEND_NVRAM_MIN_BYTES, info.nvram_bytes);
	EXPECT_LT(0, info.data_bytes);
	EXPECT_EQ(-EBUSY, attach(self->fd, nvram_dev(), data_dev(), 0));
	/* While attached the NVRAM device is held exclusively. */
	EXPECT_EQ(-1, open(nvram_dev(), O_RDWR | O_EXCL));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_DETACH));
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_DETACH));
	EXPECT_EQ(ENODEV, errno);
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_INFO, &info));
	EXPECT_EQ(0, info.attached);
	/* No disk, no records. */
	EXPECT_EQ(-ENODEV, rec_get(self->fd, IRSEND_NVRAM_SERIAL, zero, sizeof(zero), NULL));
	EXPECT_EQ(-ENODEV, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "X", 1, 0));

	/* A blank device is never formatted implicitly. */
	nv = open(nvram_dev(), O_WRONLY);
	ASSERT_LE(0, nv);
	ASSERT_EQ(sizeof(zero), pwrite(nv, zero, sizeof(zero), 0));
	ASSERT_EQ(0, fsync(nv));
	close(nv);
	EXPECT_EQ(-EMEDIUMTYPE, attach(self->fd, nvram_dev(), data_dev(), 0));
	/* Bad pairs and paths. */
	EXPECT_EQ(-EINVAL, attach(self->fd, nvram_dev(), nvram_dev(), IRSEND_DISK_FORMAT));
	EXPECT_EQ(-EINVAL, attach(self->fd, "relative", data_dev(), 0));
	EXPECT_EQ(-EINVAL, attach(self->fd, "", data_dev(), 0));
	EXPECT_EQ(-ENOENT, attach(self->fd, "/dev/nonexistent", data_dev(), 0));
	EXPECT_EQ(-ENOTBLK, attach(self->fd, "/dev/null", data_dev(), 0));
	EXPECT_EQ(0, attach(self->fd, nvram_dev(), data_dev(), IRSEND_DISK_FORMAT));
}

TEST_F(nv, attach_struct_misuse)
{
	struct irsend_disk_attach a = { .size = sizeof(a) };

	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_DETACH));
	memset(a.nvram_path, 'a', sizeof(a.nvram_path)); /* no NUL */
	a.nvram_path[0] = '/';
	snprintf(a.data_path, sizeof(a.data_path), "%s", data_dev());
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	snprintf(a.nvram_path, sizeof(a.nvram_path), "%s", nvram_dev());
	a.flags = 1U << 5;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.size = IRSEND_DISK_ATTACH_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_ATTACH, NULL));
	EXPECT_EQ(EFAULT, errno);
	a.size = sizeof(a);
	EXPECT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_ATTACH, &a));

	struct irsend_disk_info info = { .size = IRSEND_DISK_INFO_SIZE_VER0 - 8 };
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.size = IRSEND_STRUCT_MAX_SIZE + 1;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_DISK_INFO, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(nv, round_trip_every_type)
{
	static const uint32_t types[] = { IRSEND_NVRAM_SERIAL,	      IRSEND_NVRAM_SOFTID,
					  IRSEND_NVRAM_COUNTERS,      IRSEND_NVRAM_SERVICE,
					  IRSEND_NVRAM_ERASE_HISTORY, IRSEND_NVRAM_LICENSE,
					  IRSEND_NVRAM_DEVICE_KEY };
	static const uint32_t lens[] = { 12, 256, 512, IRSEND_NVRAM_DATA_MAX, 1000, 77, 32 };
	uint8_t in[IRSEND_NVRAM_DATA_MAX], out[IRSEND_NVRAM_DATA_MAX];
	uint64_t gen = 0, last_gen;

	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		uint8_t nothing[1];

		EXPECT_EQ(-ENOENT, rec_get(self->fd, types[k], nothing, 1, NULL));
		last_gen = 0;
		for (int round = 0; round < 3; round++) {
			for (uint32_t i = 0; i < lens[k]; i++)
				in[i] = types[k] == IRSEND_NVRAM_SERIAL
						? 'A' + (i + round) % 26
						: (uint8_t)(i * 7 + round + k);
			ASSERT_EQ(0, rec_set(self->fd, types[k], in, lens[k], 0));
			memset(out, 0, sizeof(out));
			ASSERT_EQ((int)lens[k],
				  rec_get(self->fd, types[k], out, sizeof(out), &gen));
			EXPECT_EQ(0, memcmp(in, out, lens[k]))
			{
				TH_LOG("type %u round %d", types[k], round);
			}
			EXPECT_LT(last_gen, gen);
			last_gen = gen;
		}
	}
	/* Empty records are records too. */
	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_LICENSE, in, 0, 0));
	EXPECT_EQ(0, rec_get(self->fd, IRSEND_NVRAM_LICENSE, out, sizeof(out), NULL));
}

TEST_F(nv, bad_records)
{
	uint8_t buf[IRSEND_NVRAM_DATA_MAX + 8] = { 0 };
	struct irsend_nvram_rec r = { .size = sizeof(r) };
	uint64_t gen = 0;

	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "", 0, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "AB 12", 5, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "AB\n12", 5, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_SERIAL,
				   "0123456789012345678901234567890123", 32, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_COUNTERS, buf, 7, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_COUNTERS, buf, 520, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_DEVICE_KEY, buf, 31, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_SOFTID, buf, 257, 0));
	EXPECT_EQ(-EINVAL,
		  rec_set(self->fd, IRSEND_NVRAM_SERVICE, buf, IRSEND_NVRAM_DATA_MAX + 1, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, 0, buf, 4, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_MAX_TYPE + 1, buf, 4, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, 0xffffffffU, buf, 4, 0));
	EXPECT_EQ(-EINVAL, rec_set(self->fd, IRSEND_NVRAM_LICENSE, buf, 4, 1U << 3));
	EXPECT_EQ(-EPERM, rec_set(self->fd, IRSEND_NVRAM_ERASE_STATE, buf, 4, 0));
	EXPECT_EQ(-EFAULT, rec_set(self->fd, IRSEND_NVRAM_LICENSE, (void *)8, 64, 0));
	EXPECT_EQ(-EINVAL, rec_get(self->fd, 0, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EINVAL, rec_get(self->fd, 99, buf, sizeof(buf), NULL));

	/* Too small a buffer: ENOSPC and the length needed. */
	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_SERVICE, buf, 100, 0));
	r.type = IRSEND_NVRAM_SERVICE;
	r.data = (uintptr_t)buf;
	r.capacity = 99;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_NVRAM_GET, &r));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(100, r.length);
	EXPECT_EQ(-EFAULT, rec_get(self->fd, IRSEND_NVRAM_SERVICE, (void *)8, 4096, &gen));
	r.capacity = sizeof(buf);
	r.pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_NVRAM_GET, &r));
	EXPECT_EQ(EINVAL, errno);
	r.pad = 0;
	r.size = IRSEND_NVRAM_REC_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_NVRAM_GET, &r));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing of that changed the record. */
	EXPECT_EQ(100, rec_get(self->fd, IRSEND_NVRAM_SERVICE, buf, sizeof(buf), NULL));
}

TEST_F(nv, torn_write_keeps_previous_value)
{
	char out[64];
	uint64_t gens[2] = { 0 };

	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "SERIAL-ONE", 10, 0));
	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "SERIAL-TWO", 10, 0));
	ASSERT_EQ(10, rec_get(self->fd, IRSEND_NVRAM_SERIAL, out, sizeof(out), &gens[0]));
	/* Refused unless the module allows fault injection. */
	ASSERT_EQ(0, set_fault_injection(0));
	EXPECT_EQ(-EPERM,
		  rec_set(self->fd, IRSEND_NVRAM_SERIAL, "SERIAL-3", 8, IRSEND_NVRAM_F_TEST_TORN));
	ASSERT_EQ(0, set_fault_injection(1));
	EXPECT_EQ(-EIO, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "SERIAL-TORN", 11,
				IRSEND_NVRAM_F_TEST_TORN));
	ASSERT_EQ(0, set_fault_injection(0));
	memset(out, 0, sizeof(out));
	ASSERT_EQ(10, rec_get(self->fd, IRSEND_NVRAM_SERIAL, out, sizeof(out), &gens[1]));
	EXPECT_EQ(0, memcmp(out, "SERIAL-TWO", 10));
	EXPECT_EQ(gens[0], gens[1]);
	/* Still so after the disk is read afresh. */
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_DISK_DETACH));
	ASSERT_EQ(0, attach(self->fd, nvram_dev(), data_dev(), 0));
	memset(out, 0, sizeof(out));
	ASSERT_EQ(10, rec_get(self->fd, IRSEND_NVRAM_SERIAL, out, sizeof(out), NULL));
	EXPECT_EQ(0, memcmp(out, "SERIAL-TWO", 10));
	/* And the next write works. */
	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "SERIAL-FOUR", 11, 0));
	ASSERT_EQ(11, rec_get(self->fd, IRSEND_NVRAM_SERIAL, out, sizeof(out), NULL));
	EXPECT_EQ(0, memcmp(out, "SERIAL-FOUR", 11));
}

/* Records survive the module going away and coming back. */
TEST_F(nv, persists_across_module_reload)
{
	char out[64];
	uint64_t counters[4] = { 1, 2, 3, 0x1122334455667788ULL }, back[4];

	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_SERIAL, "RELOAD-7", 8, 0));
	ASSERT_EQ(0, rec_set(self->fd, IRSEND_NVRAM_COUNTERS, counters, sizeof(counters), 0));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, system("rmmod irsend && insmod kmod/irsend.ko"));
	self->fd = open(IRSEND_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, attach(self->fd, nvram_dev(), data_dev(), 0));
	ASSERT_EQ(8, rec_get(self->fd, IRSEND_NVRAM_SERIAL, out, sizeof(out), NULL));
	EXPECT_EQ(0, memcmp(out, "RELOAD-7", 8));
	ASSERT_EQ(sizeof(back), rec_get(self->fd, IRSEND_NVRAM_COUNTERS, back, sizeof(back), NULL));
	EXPECT_EQ(0, memcmp(counters, back, sizeof(back)));
}

TEST_HARNESS_MAIN
