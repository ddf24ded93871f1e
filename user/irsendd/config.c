/* irsendd's configuration file (see config.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum key_type { KEY_TEXT, KEY_PATH, KEY_WORD, KEY_UINT };

struct config_key {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *choices;	     /* KEY_WORD: "a|b|c" */
	unsigned long long min, max; /* KEY_UINT */
	unsigned int size;	     /* KEY_UINT: sizeof the field */
	const char *help;
};

#define TEXT(n, f, t, h)                                                                           \
	{                                                                                          \
		n, t, offsetof(struct config, f), NULL, 0, 0, 0, h                                 \
	}
#define WORD(n, f, c, h)                                                                           \
	{                                                                                          \
		n, KEY_WORD, offsetof(struct config, f), c, 0, 0, 0, h                             \
	}
#define UINT(n, f, lo, hi, h)                                                                      \
	{                                                                                          \
		n, KEY_UINT, offsetof(struct config, f), NULL, lo, hi,                             \
			sizeof(((struct config *)0)->f), h                                         \
	}

static const struct config_key keys[] = {
	TEXT("device", device, KEY_PATH, "the irsend device; \"none\": no module, file jobs only"),
	TEXT("data_dir", data_dir, KEY_PATH, "user data: job journal, boxes, settings"),
	WORD("data_mount", data_mount, "auto|no",
	     "auto: mount the attached disk's data partition on data_dir (making a file system on "
	     "a blank one)"),
	TEXT("socket", socket_path, KEY_PATH, "the control socket irsendctl talks to"),
	TEXT("socket_group", socket_group, KEY_TEXT,
	     "members of this group may use the socket (root and the agent's user always may)"),
	TEXT("user", user, KEY_TEXT, "the agent drops root for this user once started"),
	WORD("log", log, "stderr|syslog", "where messages go"),
	WORD("log_level", log_level, "error|warning|info|debug",
	     "the least important message logged"),
	TEXT("macfilter_store", macfilter_store, KEY_PATH,
	     "the saved MAC allow-list, applied to the kernel at start"),
	TEXT("nvram_dir", nvram_dir, KEY_PATH,
	     "without the module (device = none): keep the NVRAM records (serial, device key, "
	     "licenses) as files here; \"none\": no NVRAM, so no licensed option"),
	UINT("box_count", box_count, 1, 1000, "number of User Inboxes"),
	UINT("box_area_mb", box_area_mb, 1, 1ull << 30, "size limit of all boxes together, MiB"),
	UINT("encode_threads", encode_threads, 1, 64, "pages compressed in parallel"),
	UINT("max_clients", max_clients, 1, 1024, "control connections served at once"),
	UINT("scan_timeout_s", scan_timeout_s, 5, 3600,
	     "a scan that delivers nothing for this long fails"),
	UINT("license_lock_s", license_lock_s, 1, 86400,
	     "the first lock after 5 wrong license keys; it doubles with each further one"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->device, "/dev/irsend");
	strcpy(c->data_dir, "/var/lib/irsend");
	strcpy(c->data_mount, "auto");
	strcpy(c->socket_path, "/run/irsend/irsendd.sock");
	strcpy(c->socket_group, "irsend");
	strcpy(c->user, "irsend");
	strcpy(c->log, "stderr");
	strcpy(c->log_level, "info");
	strcpy(c->macfilter_store, "/var/lib/irsend/macfilter.conf");
	c->box_count = 100;
	c->box_area_mb = 1024;
	c->encode_threads = 2;
	c->max_clients = 32;
	c->scan_timeout_s = 60;
	strcpy(c->nvram_dir, "none");
	c->license_lock_s = 60;
}

static const struct config_key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool word_ok(const char *choices, const char *value)
{
	size_t len = strlen(value);

	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && strncmp(p, value, n) == 0)
			return true;
		p += n + (bar ? 1 : 0);
	}
	return false;
}

int config_set(struct config *c, const char *name, const char *value, char *err, size_t errlen)
{
	const struct config_key *k = find_key(name);
	char *field;

	if (!k) {
		snprintf(err, errlen, "unknown key \"%s\"", name);
		return -1;
	}
	field = (char *)c + k->offset;
	if (k->type == KEY_UINT) {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(value, &end, 10);
		if (!*value || *end || errno || value[0] == '-' || v < k->min || v > k->max) {
			snprintf(err, errlen, "%s: \"%s\" is not a number in %llu..%llu", name,
				 value, k->min, k->max);
			return -1;
		}
		if (k->size == sizeof(unsigned int))
			*(unsigned int *)field = (unsigned int)v;
		else
			*(unsigned long long *)field = v;
		return 0;
	}
	if (strlen(value) >= CONFIG_VALUE_MAX || !*value) {
		snprintf(err, errlen, "%s: the value must have 1 to %d characters", name,
			 CONFIG_VALUE_MAX - 1);
		return -1;
	}
	if (k->type == KEY_WORD && !word_ok(k->choices, value)) {
		snprintf(err, errlen, "%s: \"%s\" is not one of %s", name, value, k->choices);
		return -1;
	}
	if (k->type == KEY_PATH && value[0] != '/' && strcmp(value, "none") != 0) {
		snprintf(err, errlen, "%s: \"%s\" is not an absolute path", name, value);
		return -1;
	}
	strcpy(field, value);
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int config_load(struct config *c, const char *path, bool required, char *err, size_t errlen)
{
	char line[1024], msg[300];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			fclose(f);
			return -1;
		}
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected \"key = value\"", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		if (config_set(c, trim(s), trim(eq + 1), msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

void config_print(const struct config *c, FILE *out)
{
	fprintf(out, "# irsendd: the effective configuration\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &keys[i];
		const char *field = (const char *)c + k->offset;

		fprintf(out, "\n# %s\n", k->help);
		if (k->type == KEY_WORD)
			fprintf(out, "# one of: %s\n", k->choices);
		if (k->type == KEY_UINT) {
			unsigned long long v = k->size == sizeof(unsigned int)
						       ? *(const unsigned int *)field
						       : *(const unsigned long long *)field;

			fprintf(out, "# %llu..%llu\n%s = %llu\n", k->min, k->max, k->name, v);
		} else {
			fprintf(out, "%s = %s\n", k->name, field);
		}
	}
}
