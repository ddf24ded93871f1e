/*
 * Safe renderings of NVRAM records for people and for JSON: never the
 * device key's bytes, never the erase engine's checkpoint (it holds the
 * pass keys).
 */
#ifndef IRSENDCTL_NVRAM_SHOW_H
#define IRSENDCTL_NVRAM_SHOW_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"

struct nvram_record {
	uint32_t type;
	int present;
	uint32_t length;
	uint64_t generation;
	const uint8_t *data; /* NULL for the device key */
};

/* The value part of a line: "ABC-123", "set (32 bytes)", "[0]=5 [1]=7", a hex dump below. */
void nvram_show_text(FILE *out, const struct nvram_record *r);

/* The record's fields into the open JSON object. */
void nvram_show_json(struct json_writer *w, const struct nvram_record *r);

/* Certificates in an ERASE_HISTORY record (entries separated by blank lines). */
unsigned int nvram_history_entries(const uint8_t *data, uint32_t len);

#endif
