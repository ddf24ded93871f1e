/*
 * irsendd's own configuration: where things are and who runs it. Every
 * key has a built-in default, so the agent starts without a file; a file
 * (default /etc/irsend/irsendd.conf) of "key = value" lines overrides
 * them. The device's user settings and service-mode values are not here:
 * they live on the data disk and in NVRAM (settings_def.h).
 */
#ifndef IRSENDD_CONFIG_H
#define IRSENDD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/irsend/irsendd.conf"
#define CONFIG_VALUE_MAX 256

struct config {
	char device[CONFIG_VALUE_MAX];		/* /dev/irsend, or "none" for file jobs only */
	char data_dir[CONFIG_VALUE_MAX];	/* user data: journal, boxes, settings */
	char data_mount[CONFIG_VALUE_MAX];	/* auto | no: mount the disk's data partition */
	char socket_path[CONFIG_VALUE_MAX];	/* the control socket */
	char socket_group[CONFIG_VALUE_MAX];	/* members may use the socket */
	char user[CONFIG_VALUE_MAX];		/* run as this user after start-up */
	char log[CONFIG_VALUE_MAX];		/* stderr | syslog */
	char log_level[CONFIG_VALUE_MAX];	/* error | warning | info | debug */
	char macfilter_store[CONFIG_VALUE_MAX]; /* the saved MAC allow-list */
	char nvram_dir[CONFIG_VALUE_MAX];	/* NVRAM records as files, without the module */
	unsigned int box_count;
	unsigned long long box_area_mb;
	unsigned int encode_threads;
	unsigned int max_clients;
	unsigned int scan_timeout_s;
	unsigned int license_lock_s;
};

void config_defaults(struct config *c);
/*
 * Read path over the current values: 0, or -1 with a message naming the
 * file and line in err. A missing file is an error only when required.
 */
int config_load(struct config *c, const char *path, bool required, char *err, size_t errlen);
/* Set one key from text: 0, or -1 with the allowed values in err. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* The effective configuration, in the file's own syntax, with a comment per key. */
void config_print(const struct config *c, FILE *out);

#endif
