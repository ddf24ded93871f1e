/*
 * The saved MAC address allow-list: whether the filter is on and the
 * listed addresses, kept in a small text file so that the agent can put
 * them back into the kernel at start (the module forgets them on unload).
 *
 *   # comments and blank lines are ignored
 *   enabled on
 *   mac 02:00:5e:10:00:0a
 *   mac 02:00:5e:10:00:0b
 *
 * "enabled" (on or off) appears at most once; without it the filter is
 * off. Each "mac" line names one unicast address, each address once.
 */
#ifndef IRSEND_MACFILTER_STORE_H
#define IRSEND_MACFILTER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

#define MACFILTER_STORE_DEFAULT "/var/lib/irsend/macfilter.conf"
#define MACFILTER_STORE_ENV "IRSEND_MACFILTER_STORE"
/* Far above the seed's 100; the module's own limit is checked on apply. */
#define MACFILTER_STORE_MAX 4096
/* 4096 "mac" lines with room for comments: anything larger is not ours. */
#define MACFILTER_STORE_MAX_BYTES (256 * 1024)
#define MACFILTER_STORE_MAX_LINE 256

struct macfilter_store {
	bool enabled;
	size_t count;
	uint8_t macs[MACFILTER_STORE_MAX][MAC_LEN];
};

/* The file to use: path when given, else $IRSEND_MACFILTER_STORE, else the default. */
const char *macfilter_store_path(const char *path);

/* Empty and off. */
void macfilter_store_init(struct macfilter_store *s);

/*
 * Read path into *s. 0 on success; 1 when the file does not exist (*s is
 * then empty and off); -1 with a message in err ("PATH: line N: ...") for
 * a file that cannot be read or is malformed, too large or too long a list.
 */
int macfilter_store_load(struct macfilter_store *s, const char *path, char *err, size_t errlen);

/*
 * The same from a buffer of len bytes; name prefixes the messages. 0, or -1
 * with a message in err.
 */
int macfilter_store_parse(struct macfilter_store *s, const char *name, const char *buf, size_t len,
			  char *err, size_t errlen);

/*
 * Write *s to path atomically (a reader sees the old file or the new one),
 * creating its directory if that is missing. 0, or -1 with a message in err.
 */
int macfilter_store_save(const struct macfilter_store *s, const char *path, char *err,
			 size_t errlen);

/* The index of mac in the list, or -1. */
long macfilter_store_find(const struct macfilter_store *s, const uint8_t mac[MAC_LEN]);

/* List mac (nothing when listed already): 0, or -1 when the store is full. */
int macfilter_store_add(struct macfilter_store *s, const uint8_t mac[MAC_LEN]);

/* Take mac off the list: true when it was listed. Keeps the order of the rest. */
bool macfilter_store_del(struct macfilter_store *s, const uint8_t mac[MAC_LEN]);

#endif
