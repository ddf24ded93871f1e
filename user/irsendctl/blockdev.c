#include "blockdev.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The first line of a sysfs file, without its newline: 0, or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int sys_dir(dev_t dev, char *dir, size_t len)
{
	char link[64];

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (!realpath(link, dir))
		return -1;
	(void)len;
	return 0;
}

int blockdev_lookup(const char *path, struct blockdev *bd)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	struct stat st;
	const char *base;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISBLK(st.st_mode)) {
		errno = ENOTBLK;
		return -1;
	}
	if (sys_dir(st.st_rdev, dir, sizeof(dir)) < 0)
		return -1;
	base = strrchr(dir, '/');
	if (snprintf(bd->name, sizeof(bd->name), "%s", base ? base + 1 : dir) >=
	    (int)sizeof(bd->name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(file, sizeof(file), "%s/partition", dir);
	bd->partition = access(file, F_OK) == 0;
	bd->dev = st.st_rdev;
	return 0;
}

static int parse_devnum(const char *s, dev_t *dev)
{
	unsigned int ma, mi;

	if (sscanf(s, "%u:%u", &ma, &mi) != 2)
		return -1;
	*dev = makedev(ma, mi);
	return 0;
}

int blockdev_partition(const char *disk, unsigned int partno, struct blockdev *part, char *node,
		       size_t node_len)
{
	char dir[PATH_MAX], file[PATH_MAX + 300], line[32];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/class/block/%s", disk);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/partition", dir, e->d_name);
		if (read_line(file, line, sizeof(line)) || strtoul(line, NULL, 10) != partno)
			continue;
		snprintf(file, sizeof(file), "%s/%s/dev", dir, e->d_name);
		if (read_line(file, line, sizeof(line)) || parse_devnum(line, &part->dev))
			continue;
		if (snprintf(part->name, sizeof(part->name), "%s", e->d_name) >=
			    (int)sizeof(part->name) ||
		    snprintf(node, node_len, "/dev/%s", e->d_name) >= (int)node_len)
			continue;
		part->partition = true;
		closedir(d);
		return 0;
	}
	closedir(d);
	errno = ENOENT;
	return -1;
}

/* Does the mountinfo devnum belong to bd (itself, or a partition of the disk bd)? */
static bool covers(const struct blockdev *bd, dev_t dev)
{
	char dir[PATH_MAX], line[32];
	const char *base;
	char file[PATH_MAX + 16];

	if (dev == bd->dev)
		return true;
	if (bd->partition || sys_dir(dev, dir, sizeof(dir)) < 0)
		return false;
	snprintf(file, sizeof(file), "%s/partition", dir);
	if (read_line(file, line, sizeof(line)))
		return false;
	/* A partition's sysfs directory sits inside its disk's. */
	*strrchr(dir, '/') = '\0';
	base = strrchr(dir, '/');
	return base && !strcmp(base + 1, bd->name);
}

bool blockdev_mounted(const struct blockdev *bd, char *where, size_t where_len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char devnum[32], mnt[PATH_MAX];
		dev_t dev;

		/* id parent major:minor root mount-point ... */
		if (sscanf(line, "%*s %*s %31s %*s %4095s", devnum, mnt) != 2 ||
		    parse_devnum(devnum, &dev))
			continue;
		if (major(dev) && covers(bd, dev)) {
			snprintf(where, where_len, "%s", mnt);
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

int blockdev_model(const char *path, char *model, size_t len)
{
	char dir[PATH_MAX], file[PATH_MAX + 32];
	struct blockdev bd;
	size_t n;

	if (blockdev_lookup(path, &bd) < 0 || sys_dir(bd.dev, dir, sizeof(dir)) < 0)
		return -1;
	if (bd.partition)
		*strrchr(dir, '/') = '\0';
	snprintf(file, sizeof(file), "%s/device/model", dir);
	if (read_line(file, model, len))
		return -1;
	n = strlen(model);
	while (n && isspace((unsigned char)model[n - 1]))
		model[--n] = '\0';
	return n ? 0 : -1;
}
