/*
 * The device side of licensing: which options are on, registering a key,
 * giving an option up. The state is kept in NVRAM (license_record.h); the
 * serial and the device key are written there at manufacture.
 *
 * A registered option is pending until the agent next starts, then
 * active: what is active is decided once per start, so a running job
 * never sees an option appear. Giving an option up takes effect at once.
 * Wrong keys that are well formed (a typo is caught by the check digit
 * and not counted) lock registration for a while, longer each time; the
 * count is in NVRAM, so restarting does not reset it.
 */
#ifndef IRSEND_AGENT_LICENSE_H
#define IRSEND_AGENT_LICENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "license_key.h"
#include "license_record.h"
#include "nvram_store.h"

/* Wrong keys allowed before the first lock. */
#define LICENSE_FREE_TRIES 5
/* The longest lock, in seconds. */
#define LICENSE_LOCK_MAX_S 86400u

struct license_device {
	struct nvram_store store;
	char serial[LICENSE_SERIAL_MAX + 1];
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	bool have_key;
	struct license_softid softid;	       /* as in NVRAM */
	struct license_ledger ledger;	       /* as in NVRAM */
	bool active[LICENSE_SOFTID_SLOTS + 1]; /* what gates, fixed at start */
	unsigned int lock_base_s;	       /* the first lock; it doubles with each wrong key */
	char problem[200];		       /* why keys cannot be registered, or "" */
};

enum license_outcome {
	LICENSE_REGISTERED,	 /* pending: active from the next start */
	LICENSE_WRONG_KEY,	 /* "The number of the license key is not correct." */
	LICENSE_ALREADY_ENABLED, /* "The function has already been enabled." */
	LICENSE_INVALIDATED,	 /* this device gave that key up */
	LICENSE_LOCKED,		 /* too many wrong keys: wait */
	LICENSE_UNAVAILABLE,	 /* no serial or device key, damaged record, NVRAM error */
};

struct license_result {
	enum license_outcome outcome;
	int key_status;		      /* license_verify()'s, for LICENSE_WRONG_KEY */
	struct license_fields fields; /* the key's, when it was ours */
	uint64_t wait_s;	      /* LICENSE_LOCKED: seconds left */
	char detail[200];	      /* a second line for the user, or "" */
};

/*
 * Read the serial, device key and records (store: where NVRAM is). A
 * device without them, or with a damaged record, still opens: nothing is
 * active and d->problem says why. -1 only for a failure to read.
 */
int license_device_open(struct license_device *d, const struct nvram_store *store, char *err,
			size_t errlen);

/*
 * At the agent's start: pending options become active (written to
 * NVRAM) and the active set is fixed. The number activated, or -1 with
 * err when NVRAM could not be written (they stay pending).
 */
int license_device_start(struct license_device *d, char *err, size_t errlen);

/* Is option on for this run of the agent? */
bool license_is_active(const struct license_device *d, unsigned int option);

/* Register typed key text at time now (Unix seconds). */
void license_register(struct license_device *d, const char *text, uint64_t now,
		      struct license_result *res);

/*
 * Give option up now: its invalidation certificate into cert. 0, or -1
 * with err (the option is not registered, the ledger is full, NVRAM).
 */
int license_invalidate(struct license_device *d, unsigned int option, char cert[LICENSE_DIGITS + 1],
		       char *err, size_t errlen);

#endif
