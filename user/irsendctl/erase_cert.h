/*
 * The erase certificate (after NIST SP 800-88 Rev. 2, Appendix G): what was
 * erased, how, when and with what result, as text, as JSON, and as an entry
 * of the NVRAM ERASE_HISTORY record, which survives the erase it describes.
 */
#ifndef IRSENDCTL_ERASE_CERT_H
#define IRSENDCTL_ERASE_CERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/irsend.h>

struct erase_cert {
	char serial[32];		 /* "" when not set */
	char data_path[IRSEND_PATH_LEN]; /* "" when no disk is attached */
	uint64_t data_bytes;
	char model[64]; /* "" when sysfs has none */
	struct irsend_erase_status st;
};

/* Gather serial, disk and model for st from the device fd. */
void erase_cert_collect(int fd, const struct irsend_erase_status *st, struct erase_cert *c);

/* "Clear: overwrite, zeros, 1 pass" */
const char *erase_method_text(uint32_t mode);

/* "2024-05-01T12:00:00Z" (buf of 24 bytes at least); "-" for 0. */
void erase_time_text(char *buf, size_t len, uint64_t t);

/* Certificate as "key: value" lines (with the NIST note unless history). */
void erase_cert_text(FILE *out, const struct erase_cert *c, bool history);

/* Certificate as a JSON object on stdout. */
void erase_cert_json(const struct erase_cert *c);

/*
 * Append the certificate of a finished erase to ERASE_HISTORY unless it is
 * there already, dropping the oldest entries to fit: 1 appended, 0 already
 * there, -1 with errno.
 */
int erase_history_append(int fd, const struct erase_cert *c);

/* The ERASE_HISTORY record, as text or as a JSON array of objects. 0, or -1 with errno. */
int erase_history_print(int fd, bool json);

#endif
