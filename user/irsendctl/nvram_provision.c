#include "nvram_provision.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "license_key.h"
#include "serial.h"

struct provisioning {
	char serial[SERIAL_MAX + 1];
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	bool have_serial, have_key;
};

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_key(const char *hex, uint8_t *key)
{
	if (strlen(hex) != 2 * LICENSE_DEVICE_KEY_LEN)
		return false;
	for (size_t i = 0; i < LICENSE_DEVICE_KEY_LEN; i++) {
		int hi = hex_value((unsigned char)hex[2 * i]),
		    lo = hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Parse the "key=value" lines; never echoes a line, which may hold the key. */
static int parse(FILE *in, const char *path, struct provisioning *p, const char *prog)
{
	char line[256];
	unsigned int n = 0;
	int ret = 0;

	while (fgets(line, sizeof(line), in)) {
		char *value;

		n++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		value = strchr(line, '=');
		if (value)
			*value++ = '\0';
		if (value && strcmp(line, "serial") == 0 && !p->have_serial &&
		    serial_valid(value)) {
			snprintf(p->serial, sizeof(p->serial), "%s", value);
			p->have_serial = true;
		} else if (value && strcmp(line, "device-key") == 0 && !p->have_key &&
			   parse_key(value, p->key)) {
			p->have_key = true;
		} else {
			fprintf(stderr, "%s: %s: line %u is not a provisioning record line\n", prog,
				path, n);
			ret = -1;
			break;
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (!ret && (!p->have_serial || !p->have_key)) {
		fprintf(stderr, "%s: %s: no %s (expected the output of 'irsend-lms provision')\n",
			prog, path, p->have_serial ? "device-key line" : "serial line");
		ret = -1;
	}
	return ret;
}

int nvram_provision(const struct nvram_store *store, const char *path, bool force, const char *prog)
{
	struct provisioning p = { 0 };
	char old[SERIAL_MAX + 1];
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t len;
	int ret;

	if (!in) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	ret = parse(in, path, &p, prog);
	if (in != stdin)
		fclose(in);
	if (ret < 0)
		goto out;
	ret = -1;
	if (nvram_store_get(store, IRSEND_NVRAM_SERIAL, old, SERIAL_MAX, &len) < 0) {
		fprintf(stderr, "%s: reading the serial: %s\n", prog,
			errno == ENODEV ? "no disk is attached" : strerror(errno));
		goto out;
	}
	old[len] = '\0';
	if (len && strcmp(old, p.serial) != 0 && !force) {
		fprintf(stderr,
			"%s: this device's serial is '%s', the record is for '%s': add --force to "
			"replace it (a board swapped in service)\n",
			prog, old, p.serial);
		goto out;
	}
	if (nvram_store_set(store, IRSEND_NVRAM_DEVICE_KEY, p.key, sizeof(p.key)) < 0 ||
	    nvram_store_set(store, IRSEND_NVRAM_SERIAL, p.serial, strlen(p.serial)) < 0) {
		fprintf(stderr, "%s: writing to %s: %s\n", prog, nvram_store_where(store),
			strerror(errno));
		goto out;
	}
	printf("provisioned: serial %s, device key written (32 bytes)\n", p.serial);
	ret = 0;
out:
	OPENSSL_cleanse(&p, sizeof(p));
	return ret < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}
