/* The service-mode values as one NVRAM record. */
#include "service_blob.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "nvram.h"

int service_blob_encode(const struct settings_store *st, void *buf, size_t cap, size_t *len)
{
	size_t used = strlen(SERVICE_BLOB_MAGIC);
	char *out = buf;

	if (settings_store_scope(st) != SETTING_SERVICE) {
		errno = EINVAL;
		return -1;
	}
	if (cap < used) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(out, SERVICE_BLOB_MAGIC, used);
	for (size_t i = 0; i < setting_count(SETTING_SERVICE); i++) {
		const struct setting_def *d = setting_at(SETTING_SERVICE, i);
		int n;

		if (!settings_store_is_set(st, d))
			continue;
		/* Compact "KEY=VALUE": values are canonical numbers, never blank or quoted. */
		n = snprintf(out + used, cap - used, "%s=%s\n", d->key,
			     settings_store_value(st, d));
		if (n < 0 || (size_t)n >= cap - used) {
			errno = ENOSPC;
			return -1;
		}
		used += (size_t)n;
	}
	*len = used;
	return 0;
}

int service_blob_decode(struct settings_store *st, const void *buf, size_t len, char *err,
			size_t errlen)
{
	size_t magic = strlen(SERVICE_BLOB_MAGIC);

	if (settings_store_scope(st) != SETTING_SERVICE) {
		snprintf(err, errlen, "service-mode record: not a service-mode store");
		return -1;
	}
	if (len < magic || memcmp(buf, SERVICE_BLOB_MAGIC, magic)) {
		snprintf(err, errlen,
			 "service-mode record: not in format 'irsend-service 1' (%zu bytes)", len);
		return -1;
	}
	/* Line numbers in messages count from the line after the format line. */
	return settings_store_parse(st, (const char *)buf + magic, len - magic,
				    "service-mode record", true, err, errlen);
}

int service_nvram_load(int fd, struct settings_store *st, char *err, size_t errlen)
{
	char *buf = malloc(IRSEND_NVRAM_DATA_MAX);
	uint32_t len = 0;
	int rc;

	if (!buf) {
		snprintf(err, errlen, "service-mode record: out of memory");
		return -1;
	}
	if (nvram_get(fd, IRSEND_NVRAM_SERVICE, buf, IRSEND_NVRAM_DATA_MAX, &len, NULL)) {
		if (errno == ENOENT) {
			/* Never written: the factory left every value at its default. */
			settings_store_clear(st);
			free(buf);
			return 0;
		}
		snprintf(err, errlen, "reading the service-mode record from NVRAM: %s",
			 strerror(errno));
		free(buf);
		return -1;
	}
	rc = service_blob_decode(st, buf, len, err, errlen);
	free(buf);
	return rc;
}

int service_nvram_save(int fd, const struct settings_store *st, char *err, size_t errlen)
{
	char *buf = malloc(IRSEND_NVRAM_DATA_MAX);
	size_t len;

	if (!buf) {
		snprintf(err, errlen, "service-mode record: out of memory");
		return -1;
	}
	if (service_blob_encode(st, buf, IRSEND_NVRAM_DATA_MAX, &len)) {
		snprintf(err, errlen, "service-mode record: %s", strerror(errno));
		free(buf);
		return -1;
	}
	if (nvram_set(fd, IRSEND_NVRAM_SERVICE, buf, (uint32_t)len)) {
		snprintf(err, errlen, "writing the service-mode record to NVRAM: %s",
			 strerror(errno));
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}
