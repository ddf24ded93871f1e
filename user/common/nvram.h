/* NVRAM records through /dev/irsend: read, write, names. */
#ifndef IRSEND_NVRAM_H
#define IRSEND_NVRAM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/irsend.h>

/*
 * Read record type into buf (cap bytes): 0 with *len and *generation set,
 * or -1 with errno (ENOENT: the record was never written; ENODEV: no disk).
 */
int nvram_get(int fd, uint32_t type, void *buf, uint32_t cap, uint32_t *len, uint64_t *generation);

/*
 * Length and generation of record type without reading its bytes (for
 * secrets such as the device key): 0, or -1 with errno as nvram_get().
 */
int nvram_probe(int fd, uint32_t type, uint32_t *len, uint64_t *generation);

/* Write record type: 0, or -1 with errno. */
int nvram_set(int fd, uint32_t type, const void *buf, uint32_t len);

/* "serial", "softid", ... for IRSEND_NVRAM_*; NULL for an unknown type. */
const char *nvram_type_name(uint32_t type);

/* The type of a name, or 0. */
uint32_t nvram_type_by_name(const char *name);

#endif
