/* irsendctl info: what the loaded irsend module is and can do. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "device.h"
#include "json.h"

static void print_caps_human(unsigned long long caps)
{
	const char *sep = "";

	for (unsigned int bit = 0; bit < 64; bit++) {
		unsigned long long cap = 1ULL << bit;
		const char *name = irsend_cap_name(cap);

		if (!(caps & cap))
			continue;
		if (name)
			printf("%s%s", sep, name);
		else
			printf("%sbit%u", sep, bit);
		sep = " ";
	}
	printf("\n");
}

static void print_info_json(const struct irsend_info *info)
{
	struct json_writer w;

	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_uint(&w, "abi_version", info->abi_version);
	json_string(&w, "build_id", info->build_id);
	json_string(&w, "kernel_release", info->kernel_release);
	json_uint(&w, "caps_mask", info->caps);
	json_array_open(&w, "caps");
	for (unsigned int bit = 0; bit < 64; bit++) {
		const char *name = irsend_cap_name(1ULL << bit);

		if ((info->caps & (1ULL << bit)) && name)
			json_string(&w, NULL, name);
	}
	json_array_close(&w);
	json_object_close(&w);
	json_end(&w);
}

int cmd_info(const struct ctl_options *opt, int argc, char **argv)
{
	struct irsend_info info;
	int fd;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: %s info [--json]\n"
		       "\n"
		       "Show the loaded irsend module's ABI version, build, kernel and "
		       "capabilities.\n"
		       "\n"
		       "Exit status: 0 success, 1 no module or no access, 2 wrong command line.\n",
		       CTL_PROG);
		return CTL_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "%s info: takes no arguments\n", CTL_PROG);
		return CTL_EXIT_USAGE;
	}
	fd = irsend_device_open(CTL_PROG, opt->device);
	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (irsend_get_info(fd, &info) < 0) {
		int err = errno;

		fprintf(stderr, "%s: reading device info failed: %s%s\n", CTL_PROG, strerror(err),
			err == ENOTTY ? " (is this the irsend module's device?)" : "");
		close(fd);
		return CTL_EXIT_FAILURE;
	}
	close(fd);
	/* Strings come from the kernel: never trust them to be terminated. */
	info.build_id[sizeof(info.build_id) - 1] = '\0';
	info.kernel_release[sizeof(info.kernel_release) - 1] = '\0';

	if (opt->json) {
		print_info_json(&info);
		return CTL_EXIT_OK;
	}
	printf("ABI version:    %u%s\n", info.abi_version,
	       info.abi_version == IRSEND_ABI_VERSION ? "" : " (differs from this irsendctl's)");
	printf("Build:          %s\n", info.build_id);
	printf("Kernel:         %s\n", info.kernel_release);
	printf("Capabilities:   ");
	print_caps_human(info.caps);
	return CTL_EXIT_OK;
}
