/* irsendctl hdd: partition, attach, detach and show the irsend disk. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blockdev.h"
#include "cli.h"
#include "commands.h"
#include "device.h"
#include "disk.h"
#include "hdd_format.h"
#include "json.h"

#define CMD "hdd"
#define PROG CTL_PROG " " CMD

/* How long the partition nodes may take to appear after the re-read (udev). */
#define PART_WAIT_MS 10000

static void hdd_help(void)
{
	printf("Usage: %s hdd format DEVICE [--yes]\n"
	       "       %s hdd attach DISK | NVRAM_DEV DATA_DEV\n"
	       "       %s hdd detach\n"
	       "       %s hdd info [--json]\n"
	       "\n"
	       "Manage the disk of the irsend module: a small NVRAM partition holding what\n"
	       "survives \"initialize all data\" (serial, licenses, counters, erase history)\n"
	       "and a data partition that '%s erase' overwrites.\n"
	       "\n"
	       "  format DEVICE  destroy everything on the whole disk DEVICE and write a GPT\n"
	       "                 partition table: partition 1, 1 MiB, named \"" HDD_NVRAM_PART_NAME
	       "\"\n"
	       "                 (type Linux reserved, " HDD_NVRAM_PART_TYPE ")\n"
	       "                 and partition 2, the rest, named \"" HDD_DATA_PART_NAME "\"\n"
	       "                 (type Linux filesystem data, " HDD_DATA_PART_TYPE "),\n"
	       "                 both 1 MiB aligned; then have the kernel re-read the table,\n"
	       "                 write an empty NVRAM on partition 1 and attach the two.\n"
	       "                 Refused without --yes (exit 2, nothing is touched), when\n"
	       "                 DEVICE or one of its partitions is mounted or in use, when\n"
	       "                 DEVICE is a partition, and while a disk is attached.\n"
	       "  attach DISK    attach partitions 1 (NVRAM) and 2 (data) of a disk that\n"
	       "                 'hdd format' prepared\n"
	       "  attach NVRAM_DEV DATA_DEV\n"
	       "                 attach these two block devices; never formats: an NVRAM\n"
	       "                 without the irsend superblock is refused\n"
	       "  detach         release the disk (refused while an erase runs)\n"
	       "  info           show the attached disk; --json for JSON:\n"
	       "                 {\"attached\",\"nvram_path\",\"nvram_bytes\",\"data_path\","
	       "\"data_bytes\"}\n"
	       "\n"
	       "Options:\n"
	       "  --yes          confirm that DEVICE is to be wiped (format)\n"
	       "  --json         JSON on standard output (info)\n"
	       "  --device PATH  the irsend device (default /dev/irsend)\n"
	       "  -h, --help     print this help and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 the operation failed or was refused (a message\n"
	       "says why), 2 wrong command line or format without --yes.\n"
	       "\n"
	       "Examples:\n"
	       "  %s hdd format /dev/sdb --yes\n"
	       "  %s hdd attach /dev/sdb\n"
	       "  %s hdd attach /dev/sdb1 /dev/sdb2\n"
	       "  %s hdd info --json\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG,
	       CTL_PROG);
}

static const struct option hdd_options[] = {
	{ "yes", no_argument, NULL, 'y' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* -1 to go on, else the exit status; argv[optind] is the first operand. */
static int parse_hdd_args(int argc, char **argv, bool *yes)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", hdd_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			hdd_help();
			return CTL_EXIT_OK;
		case 'y':
			*yes = true;
			break;
		default:
			return option_error(CMD, argv, c);
		}
	}
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for partition partno of disk to show in sysfs and as its node in /dev. */
static int wait_partition(const char *disk, unsigned int partno, char *node, size_t len)
{
	long long deadline = now_ms() + PART_WAIT_MS;
	struct blockdev part;
	struct stat st;

	for (;;) {
		if (blockdev_partition(disk, partno, &part, node, len) == 0 &&
		    stat(node, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == part.dev)
			return 0;
		if (now_ms() > deadline)
			return -1;
		usleep(50 * 1000);
	}
}

static int whole_disk(const char *path, struct blockdev *bd)
{
	if (blockdev_lookup(path, bd) < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path,
			errno == ENOTBLK ? "not a block device" : strerror(errno));
		return -1;
	}
	if (bd->partition) {
		fprintf(stderr, "%s: %s is a partition: give the whole disk\n", PROG, path);
		return -1;
	}
	return 0;
}

static int hdd_format(const struct ctl_options *opt, const char *path, bool yes)
{
	char where[4096], nvram[64], data[64], size[32];
	struct irsend_disk_info info;
	struct hdd_layout layout;
	struct blockdev bd;
	const char *what;
	int fd, excl, ret;

	if (whole_disk(path, &bd))
		return CTL_EXIT_FAILURE;
	if (blockdev_mounted(&bd, where, sizeof(where))) {
		fprintf(stderr,
			"%s: %s (or a partition of it) is mounted on %s: unmount it first\n", PROG,
			path, where);
		return CTL_EXIT_FAILURE;
	}
	if (!yes) {
		fprintf(stderr,
			"%s: this destroys every partition and all data on %s and writes a new\n"
			"partition table for irsend (a 1 MiB NVRAM and a data partition); nothing\n"
			"on it can be recovered afterwards. Add --yes to go ahead.\n",
			PROG, path);
		return CTL_EXIT_USAGE;
	}
	fd = irsend_device_open(PROG, opt->device);
	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (disk_info(fd, &info) == 0 && info.attached) {
		fprintf(stderr,
			"%s: a disk is attached (NVRAM %s, data %s): run '%s hdd detach' first\n",
			PROG, info.nvram_path, info.data_path, CTL_PROG);
		goto fail;
	}
	/* O_EXCL on a whole disk fails while anyone holds it or a partition of it. */
	excl = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (excl < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path,
			errno == EBUSY ? "in use (a partition is mounted, swapped on, or held by "
					 "another driver)"
				       : strerror(errno));
		goto fail;
	}
	close(excl);
	ret = hdd_write_table(path, &layout, &what);
	if (ret) {
		fprintf(stderr, "%s: %s: %s failed: %s\n", PROG, path, what, strerror(-ret));
		goto fail;
	}
	format_bytes(size, sizeof(size), layout.data_bytes);
	printf("%s: wrote a GPT partition table: 1 \"%s\" 1 MiB, 2 \"%s\" %s\n", path,
	       HDD_NVRAM_PART_NAME, HDD_DATA_PART_NAME, size);
	if (wait_partition(bd.name, 1, nvram, sizeof(nvram)) ||
	    wait_partition(bd.name, 2, data, sizeof(data))) {
		fprintf(stderr, "%s: the partitions of %s did not appear within %d s\n", PROG, path,
			PART_WAIT_MS / 1000);
		goto fail;
	}
	if (disk_attach(fd, PROG, nvram, data, true))
		goto fail;
	printf("wrote an empty NVRAM on %s\n", nvram);
	printf("attached: NVRAM %s, data %s\n", nvram, data);
	close(fd);
	return CTL_EXIT_OK;
fail:
	close(fd);
	return CTL_EXIT_FAILURE;
}

static int hdd_attach(const struct ctl_options *opt, int n, char **args)
{
	char nvram[64], data[64];
	struct blockdev bd, part;
	int fd, status = CTL_EXIT_OK;

	if (n == 1) {
		if (whole_disk(args[0], &bd))
			return CTL_EXIT_FAILURE;
		if (blockdev_partition(bd.name, 1, &part, nvram, sizeof(nvram)) ||
		    blockdev_partition(bd.name, 2, &part, data, sizeof(data))) {
			fprintf(stderr,
				"%s: %s has no partitions 1 and 2: run '%s hdd format %s' first\n",
				PROG, args[0], CTL_PROG, args[0]);
			return CTL_EXIT_FAILURE;
		}
	} else {
		snprintf(nvram, sizeof(nvram), "%s", args[0]);
		snprintf(data, sizeof(data), "%s", args[1]);
		if (strlen(args[0]) >= sizeof(nvram) || strlen(args[1]) >= sizeof(data)) {
			fprintf(stderr, "%s: device path too long\n", PROG);
			return CTL_EXIT_FAILURE;
		}
	}
	fd = irsend_device_open(PROG, opt->device);
	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (disk_attach(fd, PROG, nvram, data, false))
		status = CTL_EXIT_FAILURE;
	else
		printf("attached: NVRAM %s, data %s\n", nvram, data);
	close(fd);
	return status;
}

static int hdd_detach(const struct ctl_options *opt)
{
	int fd = irsend_device_open(PROG, opt->device);
	int status = CTL_EXIT_OK;

	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (ioctl(fd, IRSEND_IOC_DISK_DETACH) < 0) {
		if (errno == ENODEV)
			fprintf(stderr, "%s: no disk is attached\n", PROG);
		else if (errno == EBUSY)
			fprintf(stderr,
				"%s: an erase is running; it runs to the end and the disk "
				"stays attached until then\n",
				PROG);
		else
			fprintf(stderr, "%s: detach failed: %s\n", PROG, strerror(errno));
		status = CTL_EXIT_FAILURE;
	} else {
		printf("detached\n");
	}
	close(fd);
	return status;
}

static void print_info(const struct irsend_disk_info *info, bool json)
{
	char a[32], b[32];
	struct json_writer w;

	if (json) {
		json_begin(&w, stdout);
		json_object_open(&w, NULL);
		json_uint(&w, "attached", info->attached);
		if (info->attached) {
			json_string(&w, "nvram_path", info->nvram_path);
			json_uint(&w, "nvram_bytes", info->nvram_bytes);
			json_string(&w, "data_path", info->data_path);
			json_uint(&w, "data_bytes", info->data_bytes);
		}
		json_object_close(&w);
		json_end(&w);
		return;
	}
	if (!info->attached) {
		printf("no disk attached\n");
		return;
	}
	format_bytes(a, sizeof(a), info->nvram_bytes);
	format_bytes(b, sizeof(b), info->data_bytes);
	printf("NVRAM: %s, %llu bytes (%s)\n", info->nvram_path,
	       (unsigned long long)info->nvram_bytes, a);
	printf("data:  %s, %llu bytes (%s)\n", info->data_path,
	       (unsigned long long)info->data_bytes, b);
}

static int hdd_info(const struct ctl_options *opt)
{
	struct irsend_disk_info info;
	int fd = irsend_device_open(PROG, opt->device);

	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (disk_info(fd, &info) < 0) {
		fprintf(stderr, "%s: reading the disk info failed: %s\n", PROG, strerror(errno));
		close(fd);
		return CTL_EXIT_FAILURE;
	}
	close(fd);
	print_info(&info, opt->json);
	return CTL_EXIT_OK;
}

int cmd_hdd(const struct ctl_options *opt, int argc, char **argv)
{
	const char *sub;
	bool yes = false;
	int ret, n;
	char **args;

	ret = parse_hdd_args(argc, argv, &yes);
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return usage_error(CMD, "expected format, attach, detach or info");
	sub = argv[optind];
	args = argv + optind + 1;
	n = argc - optind - 1;
	if (yes && strcmp(sub, "format"))
		return usage_error(CMD, "--yes belongs to 'hdd format'");
	if (!strcmp(sub, "format")) {
		if (n != 1)
			return usage_error(CMD, "format takes one whole-disk DEVICE");
		return hdd_format(opt, args[0], yes);
	}
	if (!strcmp(sub, "attach")) {
		if (n < 1 || n > 2)
			return usage_error(CMD, "attach takes DISK, or NVRAM_DEV and DATA_DEV");
		return hdd_attach(opt, n, args);
	}
	if (!strcmp(sub, "detach") || !strcmp(sub, "info")) {
		if (n)
			return usage_error(CMD, "%s takes no arguments", sub);
		return sub[0] == 'd' ? hdd_detach(opt) : hdd_info(opt);
	}
	return usage_error(CMD, "unknown subcommand '%s'", sub);
}
