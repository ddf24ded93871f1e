/* irsendctl nvram: show the NVRAM records, set the device serial. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "device.h"
#include "json.h"
#include "nvram.h"
#include "nvram_provision.h"
#include "nvram_show.h"
#include "serial.h"

#define CMD "nvram"
#define PROG CTL_PROG " " CMD

static void nvram_help(void)
{
	printf("Usage: %s nvram dump [--json]\n"
	       "       %s nvram get NAME\n"
	       "       %s nvram set serial VALUE [--force]\n"
	       "       %s nvram provision FILE [--force] [--dir DIR]\n"
	       "\n"
	       "Show the records kept in the NVRAM partition of the attached disk, which\n"
	       "survive \"initialize all data\" and every erase. NAME is one of:\n"
	       "  serial         the device serial: printed as text\n"
	       "  softid         license (SoftID) bits: OPTION=state/sequence ...\n"
	       "  counters       usage counters: jobs_ok=5 jobs_failed=1 ... ([N]=V for\n"
	       "                 counters this version has no name for)\n"
	       "  service        factory service-mode values: hex dump\n"
	       "  erase-state    the erase engine's checkpoint: only its length (it holds\n"
	       "                 the pass keys; see '%s erase status')\n"
	       "  erase-history  erase certificates: their number (see '%s erase report\n"
	       "                 --history')\n"
	       "  license        the license ledger: invalidations, wrong keys, lock\n"
	       "  device-key     the per-device license key: only \"set (32 bytes)\"; its\n"
	       "                 bytes are never read into this program nor printed\n"
	       "Hex dumps show the first 256 bytes.\n"
	       "\n"
	       "  dump           every record: name, generation, length and value;\n"
	       "                 --json: {\"records\":[{\"name\",\"type\",\"present\",\"length\",\n"
	       "                 \"generation\", and \"value\", \"counters\", \"entries\" or "
	       "\"hex\"}]}\n"
	       "  get NAME       that record's value alone (exit 1 when it is empty)\n"
	       "  set serial VALUE\n"
	       "                 the one record an operator sets: 1..%d printable ASCII\n"
	       "                 characters, no spaces. A serial is written once, when the\n"
	       "                 record is empty; replacing one (a board swapped in service)\n"
	       "                 needs --force. Every other record is written only by the\n"
	       "                 module, the agent or the factory and is refused here.\n"
	       "  provision FILE what the factory does once per device: write the serial and\n"
	       "                 the device key of FILE, a provisioning record made by\n"
	       "                 'irsend-lms provision' ('-': standard input). Licenses\n"
	       "                 are verified with that key. A device that has another\n"
	       "                 serial is refused without --force; the same record again\n"
	       "                 changes nothing. With --dir DIR the records go to files in\n"
	       "                 DIR instead: the NVRAM of an irsendd run without the module\n"
	       "                 (its nvram_dir).\n"
	       "\n"
	       "Options:\n"
	       "  --force        replace an existing serial\n"
	       "  --dir DIR      provision: a directory of record files, not the device\n"
	       "  --json         JSON on standard output (dump)\n"
	       "  --device PATH  the irsend device (default /dev/irsend)\n"
	       "  -h, --help     print this help and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 failed or refused (a message says why), 2 wrong\n"
	       "command line.\n"
	       "\n"
	       "Examples:\n"
	       "  %s nvram dump\n"
	       "  %s nvram set serial IRS-000123\n"
	       "  %s nvram get serial\n"
	       "  irsend-lms provision --serial IRS-000123 | %s nvram provision -\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, SERIAL_MAX, CTL_PROG,
	       CTL_PROG, CTL_PROG, CTL_PROG);
}

static const struct option nvram_options[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "dir", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Read a record safely: the device key only by length. 0, or -1 with errno. */
static int read_record(int fd, uint32_t type, uint8_t *buf, struct nvram_record *r)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	if (type == IRSEND_NVRAM_DEVICE_KEY
		    ? nvram_probe(fd, type, &r->length, &r->generation)
		    : nvram_get(fd, type, buf, IRSEND_NVRAM_DATA_MAX, &r->length, &r->generation)) {
		if (errno == ENOENT)
			return 0;
		return -1;
	}
	r->present = 1;
	r->data = type == IRSEND_NVRAM_DEVICE_KEY ? NULL : buf;
	return 0;
}

static void read_failed(uint32_t type)
{
	if (errno == ENODEV)
		fprintf(stderr, "%s: no disk is attached (see '%s hdd attach')\n", PROG, CTL_PROG);
	else
		fprintf(stderr, "%s: reading %s failed: %s\n", PROG, nvram_type_name(type),
			strerror(errno));
}

static int nvram_dump(int fd, bool json)
{
	static uint8_t buf[IRSEND_NVRAM_DATA_MAX];
	struct nvram_record r;
	struct json_writer w;

	if (json) {
		json_begin(&w, stdout);
		json_object_open(&w, NULL);
		json_array_open(&w, "records");
	}
	for (uint32_t t = 1; t <= IRSEND_NVRAM_MAX_TYPE; t++) {
		if (read_record(fd, t, buf, &r)) {
			read_failed(t);
			return CTL_EXIT_FAILURE;
		}
		if (json) {
			json_object_open(&w, NULL);
			json_string(&w, "name", nvram_type_name(t));
			json_uint(&w, "type", t);
			nvram_show_json(&w, &r);
			json_object_close(&w);
			continue;
		}
		if (r.present)
			printf("%-14s gen %-6llu %4u bytes  ", nvram_type_name(t),
			       (unsigned long long)r.generation, r.length);
		else
			printf("%-14s %-22s", nvram_type_name(t), "");
		nvram_show_text(stdout, &r);
	}
	if (json) {
		json_array_close(&w);
		json_object_close(&w);
		json_end(&w);
	}
	return CTL_EXIT_OK;
}

static int nvram_get_one(int fd, uint32_t type)
{
	static uint8_t buf[IRSEND_NVRAM_DATA_MAX];
	struct nvram_record r;

	if (read_record(fd, type, buf, &r)) {
		read_failed(type);
		return CTL_EXIT_FAILURE;
	}
	if (!r.present) {
		fprintf(stderr, "%s: %s is not set\n", PROG, nvram_type_name(type));
		return CTL_EXIT_FAILURE;
	}
	if (type == IRSEND_NVRAM_ERASE_HISTORY)
		fwrite(buf, 1, r.length, stdout);
	else
		nvram_show_text(stdout, &r);
	return CTL_EXIT_OK;
}

static const char *why_not_settable(uint32_t type)
{
	switch (type) {
	case IRSEND_NVRAM_SOFTID:
	case IRSEND_NVRAM_LICENSE:
		return "written by the license manager when a license is installed";
	case IRSEND_NVRAM_COUNTERS:
		return "kept by the irsend agent";
	case IRSEND_NVRAM_SERVICE:
		return "written in factory service mode only";
	case IRSEND_NVRAM_ERASE_STATE:
		return "the erase engine's own";
	case IRSEND_NVRAM_ERASE_HISTORY:
		return "appended by 'irsendctl erase' when an erase ends";
	case IRSEND_NVRAM_DEVICE_KEY:
		return "provisioned once by the factory";
	default:
		return "not operator-settable";
	}
}

static int nvram_set_serial(int fd, const char *value, bool force)
{
	uint8_t old[IRSEND_NVRAM_DATA_MAX];
	uint32_t len;

	if (nvram_get(fd, IRSEND_NVRAM_SERIAL, old, sizeof(old), &len, NULL) == 0) {
		if (len == strlen(value) && !memcmp(old, value, len)) {
			printf("serial: %s (unchanged)\n", value);
			return CTL_EXIT_OK;
		}
		if (!force) {
			fprintf(stderr,
				"%s: the serial is already set to '%.*s'; a serial is written "
				"once: add --force to replace it\n",
				PROG, (int)len, (const char *)old);
			return CTL_EXIT_FAILURE;
		}
	} else if (errno != ENOENT) {
		read_failed(IRSEND_NVRAM_SERIAL);
		return CTL_EXIT_FAILURE;
	}
	if (nvram_set(fd, IRSEND_NVRAM_SERIAL, value, (uint32_t)strlen(value)) < 0) {
		fprintf(stderr, "%s: writing the serial failed: %s\n", PROG, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	printf("serial: %s\n", value);
	return CTL_EXIT_OK;
}

int cmd_nvram(const struct ctl_options *opt, int argc, char **argv)
{
	struct nvram_store store = { .fd = -1 };
	bool force = false;
	uint32_t type = 0;
	const char *sub;
	char **args;
	int c, n, fd, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", nvram_options, NULL)) != -1) {
		if (c == 'h') {
			nvram_help();
			return CTL_EXIT_OK;
		}
		if (c == 'd') {
			snprintf(store.dir, sizeof(store.dir), "%s", optarg);
			continue;
		}
		if (c != 'f')
			return option_error(CMD, argv, c);
		force = true;
	}
	if (optind >= argc)
		return usage_error(CMD, "expected dump, get, set or provision");
	sub = argv[optind];
	args = argv + optind + 1;
	n = argc - optind - 1;
	if (force && strcmp(sub, "set") && strcmp(sub, "provision"))
		return usage_error(CMD, "--force belongs to 'nvram set' and 'nvram provision'");
	if (store.dir[0] && strcmp(sub, "provision"))
		return usage_error(CMD, "--dir belongs to 'nvram provision'");
	if (!strcmp(sub, "provision")) {
		if (n != 1)
			return usage_error(CMD, "provision takes FILE");
		if (store.dir[0])
			return nvram_provision(&store, args[0], force, PROG);
		store.fd = irsend_device_open(PROG, opt->device);
		if (store.fd < 0)
			return CTL_EXIT_FAILURE;
		status = nvram_provision(&store, args[0], force, PROG);
		close(store.fd);
		return status;
	}
	if (!strcmp(sub, "dump")) {
		if (n)
			return usage_error(CMD, "dump takes no arguments");
	} else if (!strcmp(sub, "get") || !strcmp(sub, "set")) {
		if (n != (sub[0] == 'g' ? 1 : 2))
			return usage_error(CMD, sub[0] == 'g' ? "get takes NAME"
							      : "set takes NAME VALUE");
		type = nvram_type_by_name(args[0]);
		if (!type)
			return usage_error(CMD, "unknown record '%s'", args[0]);
		if (sub[0] == 's' && type != IRSEND_NVRAM_SERIAL) {
			fprintf(stderr, "%s: %s cannot be set here: %s; only the serial is\n", PROG,
				args[0], why_not_settable(type));
			return CTL_EXIT_FAILURE;
		}
		if (sub[0] == 's' && !serial_valid(args[1]))
			return usage_error(CMD,
					   "serial '%s': expected 1..%d printable ASCII characters "
					   "without spaces",
					   args[1], SERIAL_MAX);
	} else {
		return usage_error(CMD, "unknown subcommand '%s'", sub);
	}
	fd = irsend_device_open(PROG, opt->device);
	if (fd < 0)
		return CTL_EXIT_FAILURE;
	if (!strcmp(sub, "dump"))
		status = nvram_dump(fd, opt->json);
	else if (sub[0] == 'g')
		status = nvram_get_one(fd, type);
	else
		status = nvram_set_serial(fd, args[1], force);
	close(fd);
	return status;
}
