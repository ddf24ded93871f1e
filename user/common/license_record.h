/*
 * The device's license state as two NVRAM records, which survive
 * "initialize all data", every erase and parts replacement:
 *
 * IRSEND_NVRAM_SOFTID, the SoftID bits: per option its state and the
 * sequence of the key that enabled it.
 *	"SID1", u8 count, then count times: u8 state, u24 sequence (big-endian)
 *
 * IRSEND_NVRAM_LICENSE, the ledger: the failed-registration counter, the
 * lock it sets, and every invalidation this device made, so that an
 * invalidated key can never be registered again.
 *	"LED1", u32 failed, u64 locked_until (Unix seconds), u16 count,
 *	then count times: u8 option, u24 sequence, 24 certificate digits
 *
 * An empty or missing record is the factory state: no option, no
 * invalidation. A record that does not decode is refused whole.
 */
#ifndef IRSEND_COMMON_LICENSE_RECORD_H
#define IRSEND_COMMON_LICENSE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "license_key.h"

enum license_state {
	LICENSE_OFF = 0,
	LICENSE_PENDING = 1, /* registered; active from the agent's next start */
	LICENSE_ACTIVE = 2,
};

/* Option slots a record may carry: those of newer versions are kept as they are. */
#define LICENSE_SOFTID_SLOTS 32

struct license_softid {
	struct {
		uint8_t state;		 /* enum license_state */
		uint32_t sequence;	 /* of the key that enabled it */
	} opt[LICENSE_SOFTID_SLOTS + 1]; /* [1..LICENSE_SOFTID_SLOTS] */
};

struct license_invalidation {
	uint8_t option;
	uint32_t sequence;
	char certificate[LICENSE_DIGITS + 1];
};

/* As many invalidations as fit in one record (IRSEND_NVRAM_DATA_MAX). */
#define LICENSE_LEDGER_MAX 142

struct license_ledger {
	uint32_t failed;       /* wrong keys since the last good one */
	uint64_t locked_until; /* no registration before this time */
	size_t count;
	struct license_invalidation inv[LICENSE_LEDGER_MAX];
};

/* Bytes of the largest encodings. */
#define LICENSE_SOFTID_BYTES (5 + 4 * LICENSE_SOFTID_SLOTS)
#define LICENSE_LEDGER_BYTES (18 + 28 * LICENSE_LEDGER_MAX)

/* "off", "pending", "active". */
const char *license_state_name(unsigned int state);

/* Encode into buf (at least the *_BYTES above): the length. */
size_t license_softid_encode(const struct license_softid *s, uint8_t *buf);
size_t license_ledger_encode(const struct license_ledger *l, uint8_t *buf);

/*
 * Decode len bytes (0: the factory state): 0, or -1 with a reason in err
 * for a record that is damaged or from a newer version.
 */
int license_softid_decode(const uint8_t *buf, size_t len, struct license_softid *s, char *err,
			  size_t errlen);
int license_ledger_decode(const uint8_t *buf, size_t len, struct license_ledger *l, char *err,
			  size_t errlen);

/* The invalidation of (option, sequence) in l, or NULL. */
const struct license_invalidation *license_ledger_find(const struct license_ledger *l,
						       unsigned int option, uint32_t sequence);

#endif
