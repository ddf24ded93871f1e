/*
 * The service-mode values in their NVRAM record (IRSEND_NVRAM_SERVICE):
 * factory adjustments survive "initialize all data" because they live
 * there and not on the data disk.
 *
 * The record is text, small and readable in 'irsendctl nvram dump':
 *
 *	irsend-service 1
 *	SMTPTXPN=587
 *	NS-PLN=1
 *
 * Only values that were set are stored; the others read as their built-in
 * defaults. The first line names the format; keys this version does not
 * know are skipped (a newer agent may have added some), anything else
 * malformed refuses the whole record.
 *
 * Usage (the daemon, fd from irsend_device_open()):
 *
 *	struct settings_store *svc = settings_store_new(SETTING_SERVICE);
 *	if (service_nvram_load(fd, svc, err, sizeof(err)))	// no record: defaults
 *		log_error("%s", err);
 *	settings_store_set(svc, "SMTPTXPN", "587", err, sizeof(err));
 *	service_nvram_save(fd, svc, err, sizeof(err));
 */
#ifndef IRSEND_SERVICE_BLOB_H
#define IRSEND_SERVICE_BLOB_H

#include <stddef.h>

#include "settings_store.h"

#define SERVICE_BLOB_MAGIC "irsend-service 1\n"

/*
 * Encode st (a SETTING_SERVICE store) into buf: 0 with *len set, or -1
 * when cap is too small (errno ENOSPC) or st has another scope (EINVAL).
 */
int service_blob_encode(const struct settings_store *st, void *buf, size_t cap, size_t *len);

/* Replace st's values with the record's: 0, or -1 with the reason in err and st unchanged. */
int service_blob_decode(struct settings_store *st, const void *buf, size_t len, char *err,
			size_t errlen);

/*
 * Read or write the record through /dev/irsend. Loading a record that was
 * never written gives the defaults (0). -1 with the reason in err.
 */
int service_nvram_load(int fd, struct settings_store *st, char *err, size_t errlen);
int service_nvram_save(int fd, const struct settings_store *st, char *err, size_t errlen);

#endif
