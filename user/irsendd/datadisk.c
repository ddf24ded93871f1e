/* Mounting the data partition (see datadisk.h). */
#include "datadisk.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/irsend.h>

#include "fsutil.h"
#include "log.h"

/* The ext4 superblock magic at byte 1080; anything else is treated as blank only if all zero. */
#define EXT_MAGIC_OFFSET 1080
#define PROBE_BYTES 4096

enum fs_kind { FS_EXT4, FS_BLANK, FS_OTHER, FS_ERROR };

static enum fs_kind probe(const char *dev)
{
	unsigned char buf[PROBE_BYTES];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return FS_ERROR;
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n != (ssize_t)sizeof(buf))
		return FS_ERROR;
	if (buf[EXT_MAGIC_OFFSET] == 0x53 && buf[EXT_MAGIC_OFFSET + 1] == 0xef)
		return FS_EXT4;
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			return FS_OTHER;
	return FS_BLANK;
}

static int run_mkfs(const char *dev, char *err, size_t errlen)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp("mkfs.ext4", "mkfs.ext4", "-q", "-F", "-L", "irsend-data", "-m", "0", dev,
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "mkfs.ext4 %s failed (status %d)", dev,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

static int mounted_on(const char *dev, const char *dir)
{
	char line[1024], src[512], mnt[512];
	char *real_dev = realpath(dev, NULL), *real_dir = realpath(dir, NULL);
	FILE *f = fopen("/proc/self/mounts", "re");
	int found = 0;

	while (f && real_dev && real_dir && fgets(line, sizeof(line), f))
		if (sscanf(line, "%511s %511s", src, mnt) == 2 && strcmp(src, real_dev) == 0 &&
		    strcmp(mnt, real_dir) == 0)
			found = 1;
	if (f)
		fclose(f);
	free(real_dev);
	free(real_dir);
	return found;
}

/*
 * The last erase of this disk ended with random data on the partition:
 * what is there is the erase's, so it counts as blank. Anything else that
 * is not ext4 may be someone's data and is left alone.
 */
static bool erased_with_random(int device_fd)
{
	struct irsend_erase_status st = { .size = sizeof(st) };

	return ioctl(device_fd, IRSEND_IOC_ERASE_STATUS, &st) == 0 &&
	       st.state == IRSEND_ERASE_STATE_DONE && st.mode != IRSEND_ERASE_ZERO1;
}

int datadisk_mount(int device_fd, const char *dir, char *err, size_t errlen)
{
	struct irsend_disk_info info = { .size = sizeof(info) };

	if (ioctl(device_fd, IRSEND_IOC_DISK_INFO, &info) < 0) {
		snprintf(err, errlen, "reading the disk state: %s", strerror(errno));
		return -1;
	}
	if (!info.attached)
		return 0;
	info.data_path[sizeof(info.data_path) - 1] = '\0';
	if (make_dir(dir, 0750) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (mounted_on(info.data_path, dir))
		return 1;
	switch (probe(info.data_path)) {
	case FS_EXT4:
		break;
	case FS_BLANK:
		if (run_mkfs(info.data_path, err, errlen) < 0)
			return -1;
		break;
	case FS_OTHER:
		if (erased_with_random(device_fd)) {
			log_msg(LOG_INFO, 0, "%s was erased with random data: making a file system",
				info.data_path);
			if (run_mkfs(info.data_path, err, errlen) < 0)
				return -1;
			break;
		}
		snprintf(err, errlen,
			 "%s holds something that is not an ext4 file system: not touched",
			 info.data_path);
		return -1;
	case FS_ERROR:
		snprintf(err, errlen, "cannot read %s: %s", info.data_path, strerror(errno));
		return -1;
	}
	if (mount(info.data_path, dir, "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		snprintf(err, errlen, "mounting %s on %s: %s", info.data_path, dir,
			 strerror(errno));
		return -1;
	}
	return 1;
}
