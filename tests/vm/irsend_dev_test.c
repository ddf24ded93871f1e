// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/irsend basics: the misc device, IRSEND_IOC_GET_INFO and the ioctl
 * argument checks. Runs inside the test VM with irsend.ko loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/irsend.h>

#include "kselftest_harness.h"

FIXTURE(dev)
{
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(IRSEND_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd)
	{
		TH_LOG("open %s: %s (is irsend.ko loaded?)", IRSEND_DEVICE_PATH, strerror(errno));
	}
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(open_close)
{
	for (int i = 0; i < 100; i++) {
		int fd = open(IRSEND_DEVICE_PATH, O_RDWR);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
}

TEST(node_is_char_device_mode_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(IRSEND_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST(unprivileged_open_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(IRSEND_DEVICE_PATH, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(dev, get_info)
{
	struct irsend_info info;
	struct utsname uts;

	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_GET_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(IRSEND_ABI_VERSION, info.abi_version);
	EXPECT_TRUE(info.caps & IRSEND_CAP_INFO);
	ASSERT_NE(NULL, memchr(info.build_id, '\0', sizeof(info.build_id)));
	EXPECT_LT(0, strlen(info.build_id));
	EXPECT_EQ(0, strncmp(info.build_id, "0.", 2));
	ASSERT_NE(NULL, memchr(info.kernel_release, '\0', sizeof(info.kernel_release)));
	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, info.kernel_release);
	/* The unused tail of the strings is zeroed, not stack garbage. */
	for (size_t i = strlen(info.build_id); i < sizeof(info.build_id); i++)
		ASSERT_EQ(0, info.build_id[i]);
}

/* A newer caller with a bigger struct gets the known part and zeroes. */
TEST_F(dev, get_info_larger_struct_zero_filled)
{
	unsigned char buf[IRSEND_STRUCT_MAX_SIZE];
	struct irsend_info *info = (struct irsend_info *)buf;

	memset(buf, 0xa5, sizeof(buf));
	info->size = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->fd, IRSEND_IOC_GET_INFO, buf));
	EXPECT_EQ(sizeof(struct irsend_info), info->size);
	EXPECT_EQ(IRSEND_ABI_VERSION, info->abi_version);
	for (size_t i = sizeof(struct irsend_info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
}

TEST_F(dev, get_info_bad_sizes)
{
	static const uint32_t bad[] = {
		0, 1, 8, IRSEND_INFO_SIZE_VER0 - 1, IRSEND_STRUCT_MAX_SIZE + 1, 65536, UINT32_MAX
	};
	struct irsend_info info;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&info, 0xa5, sizeof(info));
		info.size = bad[i];
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, &info));
		EXPECT_EQ(EINVAL, errno)
		{
			TH_LOG("size %u", bad[i]);
		}
		/* Nothing written back on a refused call. */
		EXPECT_EQ(bad[i], info.size);
		EXPECT_EQ(0xa5a5a5a5u, info.abi_version);
	}
}

TEST_F(dev, get_info_bad_pointers)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map;
	struct irsend_info *edge;

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);

	/* Two pages, the second inaccessible. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, map + page));
	EXPECT_EQ(EFAULT, errno);

	/* Size readable, struct runs into the protected page. */
	edge = (struct irsend_info *)(map + page - 16);
	edge->size = sizeof(*edge);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, edge));
	EXPECT_EQ(EFAULT, errno);

	/* Struct fits, claimed larger size runs into the protected page. */
	edge = (struct irsend_info *)(map + page - sizeof(*edge));
	edge->size = sizeof(*edge) + 64;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, edge));
	EXPECT_EQ(EFAULT, errno);

	/* Read-only memory cannot take the answer. */
	((struct irsend_info *)map)->size = sizeof(struct irsend_info);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, IRSEND_IOC_GET_INFO, map));
	EXPECT_EQ(EFAULT, errno);
	munmap(map, 2 * page);
}

TEST_F(dev, unknown_ioctls)
{
	struct irsend_info info = { .size = sizeof(info) };
	const unsigned long cmds[] = {
		_IO(IRSEND_IOC_MAGIC, 0x7f),
		_IOWR(IRSEND_IOC_MAGIC, 0xff, struct irsend_info),
		/* Right number, wrong direction or size bits. */
		_IOR(IRSEND_IOC_MAGIC, 0x00, struct irsend_info),
		_IOWR(IRSEND_IOC_MAGIC, 0x00, __u32),
		_IOWR('T', 0x00, struct irsend_info),
		0,
		TCGETS,
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &info));
		EXPECT_EQ(ENOTTY, errno)
		{
			TH_LOG("cmd %#lx", cmds[i]);
		}
	}
}

TEST_F(dev, read_write_seek_refused)
{
	char buf[16];

	EXPECT_GT(0, read(self->fd, buf, sizeof(buf)));
	EXPECT_GT(0, write(self->fd, buf, sizeof(buf)));
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_HARNESS_MAIN
