#include "license.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "nvram.h"

static int save_softid(struct license_device *d, char *err, size_t errlen)
{
	uint8_t buf[LICENSE_SOFTID_BYTES];
	size_t len = license_softid_encode(&d->softid, buf);

	if (nvram_store_set(&d->store, IRSEND_NVRAM_SOFTID, buf, len) < 0) {
		snprintf(err, errlen, "writing the SoftID record: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int save_ledger(struct license_device *d, char *err, size_t errlen)
{
	uint8_t buf[LICENSE_LEDGER_BYTES];
	size_t len = license_ledger_encode(&d->ledger, buf);

	if (nvram_store_set(&d->store, IRSEND_NVRAM_LICENSE, buf, len) < 0) {
		snprintf(err, errlen, "writing the license ledger: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Read one record; missing is empty. */
static int load(struct license_device *d, uint32_t type, void *buf, size_t cap, size_t *len,
		char *err, size_t errlen)
{
	if (nvram_store_get(&d->store, type, buf, cap, len) == 0)
		return 0;
	snprintf(err, errlen, "reading the %s record from %s: %s", nvram_type_name(type),
		 nvram_store_where(&d->store), strerror(errno));
	return -1;
}

static int load_identity(struct license_device *d, char *err, size_t errlen)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN + 1];
	size_t len;

	if (load(d, IRSEND_NVRAM_SERIAL, d->serial, LICENSE_SERIAL_MAX, &len, err, errlen) < 0)
		return -1;
	d->serial[len] = '\0';
	if (len == 0) {
		snprintf(d->problem, sizeof(d->problem),
			 "the device has no serial number in NVRAM");
		return 0;
	}
	if (load(d, IRSEND_NVRAM_DEVICE_KEY, key, sizeof(key), &len, err, errlen) < 0)
		return -1;
	if (len != LICENSE_DEVICE_KEY_LEN) {
		snprintf(d->problem, sizeof(d->problem),
			 len ? "the device key in NVRAM is damaged"
			     : "the device was not provisioned: no device key in NVRAM");
	} else {
		memcpy(d->key, key, sizeof(d->key));
		d->have_key = true;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

/*
 * An invalidation is written before the SoftID bit is cleared: an option
 * whose key is in the ledger was given up, whatever the SoftID says.
 */
static bool reconcile(struct license_device *d)
{
	bool changed = false;

	for (unsigned int o = 1; o <= LICENSE_SOFTID_SLOTS; o++) {
		if (d->softid.opt[o].state != LICENSE_OFF &&
		    license_ledger_find(&d->ledger, o, d->softid.opt[o].sequence)) {
			d->softid.opt[o].state = LICENSE_OFF;
			d->softid.opt[o].sequence = 0;
			changed = true;
		}
	}
	return changed;
}

int license_device_open(struct license_device *d, const struct nvram_store *store, char *err,
			size_t errlen)
{
	uint8_t buf[LICENSE_LEDGER_BYTES];
	char why[160];
	size_t len;

	memset(d, 0, sizeof(*d));
	d->store = *store;
	d->lock_base_s = 60;
	if (!nvram_store_usable(store)) {
		snprintf(d->problem, sizeof(d->problem),
			 "no NVRAM: no disk is attached and no nvram_dir is configured");
		return 0;
	}
	if (load_identity(d, err, errlen) < 0)
		return -1;
	if (load(d, IRSEND_NVRAM_SOFTID, buf, LICENSE_SOFTID_BYTES, &len, err, errlen) < 0)
		return -1;
	if (license_softid_decode(buf, len, &d->softid, why, sizeof(why)) < 0) {
		snprintf(d->problem, sizeof(d->problem), "%s: no option is on", why);
		memset(&d->softid, 0, sizeof(d->softid));
		return 0;
	}
	if (load(d, IRSEND_NVRAM_LICENSE, buf, LICENSE_LEDGER_BYTES, &len, err, errlen) < 0)
		return -1;
	if (license_ledger_decode(buf, len, &d->ledger, why, sizeof(why)) < 0) {
		/* Without the ledger, invalidated keys cannot be told: nothing is on. */
		snprintf(d->problem, sizeof(d->problem), "%s: no option is on", why);
		memset(&d->softid, 0, sizeof(d->softid));
		return 0;
	}
	if (reconcile(d) && save_softid(d, err, errlen) < 0)
		return -1;
	return 0;
}

int license_device_start(struct license_device *d, char *err, size_t errlen)
{
	struct license_softid before = d->softid;
	int activated = 0;

	for (unsigned int o = 1; o <= LICENSE_SOFTID_SLOTS; o++) {
		if (d->softid.opt[o].state == LICENSE_PENDING) {
			d->softid.opt[o].state = LICENSE_ACTIVE;
			activated++;
		}
	}
	if (activated && save_softid(d, err, errlen) < 0) {
		d->softid = before;
		activated = -1;
	}
	for (unsigned int o = 1; o <= LICENSE_SOFTID_SLOTS; o++)
		d->active[o] = d->softid.opt[o].state == LICENSE_ACTIVE;
	return activated;
}

bool license_is_active(const struct license_device *d, unsigned int option)
{
	return option >= 1 && option <= LICENSE_SOFTID_SLOTS && d->active[option];
}

/* A wrong key that was well formed: count it and lock when it is one too many. */
static void count_failure(struct license_device *d, uint64_t now, struct license_result *res)
{
	char err[160];

	d->ledger.failed++;
	if (d->ledger.failed >= LICENSE_FREE_TRIES) {
		unsigned int doublings = d->ledger.failed - LICENSE_FREE_TRIES;
		uint64_t lock = d->lock_base_s;

		while (doublings-- && lock < LICENSE_LOCK_MAX_S)
			lock *= 2;
		if (lock > LICENSE_LOCK_MAX_S)
			lock = LICENSE_LOCK_MAX_S;
		d->ledger.locked_until = now + lock;
		snprintf(res->detail, sizeof(res->detail),
			 "%u wrong license keys: registration is locked for %llu s",
			 d->ledger.failed, (unsigned long long)lock);
	}
	if (save_ledger(d, err, sizeof(err)) < 0)
		snprintf(res->detail, sizeof(res->detail), "%s", err);
}

static void wrong_key(struct license_device *d, int status, uint64_t now,
		      struct license_result *res)
{
	res->outcome = LICENSE_WRONG_KEY;
	res->key_status = status;
	switch (status) {
	case LICENSE_BAD_FORMAT:
		snprintf(res->detail, sizeof(res->detail),
			 "A license key is 24 digits; spaces and dashes between them are ignored.");
		return;
	case LICENSE_BAD_CHECK:
		snprintf(res->detail, sizeof(res->detail),
			 "A digit is mistyped or two neighbouring digits are swapped.");
		return;
	case LICENSE_BAD_OPTION:
		snprintf(res->detail, sizeof(res->detail), "The key names no known option.");
		break;
	default:
		snprintf(res->detail, sizeof(res->detail),
			 "The key was not issued for this device (serial %s).", d->serial);
		break;
	}
	count_failure(d, now, res);
}

void license_register(struct license_device *d, const char *text, uint64_t now,
		      struct license_result *res)
{
	struct license_fields f;
	char err[160];
	int status;

	memset(res, 0, sizeof(*res));
	if (d->problem[0] || !d->have_key) {
		res->outcome = LICENSE_UNAVAILABLE;
		snprintf(res->detail, sizeof(res->detail), "%s", d->problem);
		return;
	}
	/* A typo is told before the lock: it says nothing about the authenticator. */
	status = license_verify(LICENSE_KIND_KEY, d->key, d->serial, text, &f);
	if (status == LICENSE_BAD_FORMAT || status == LICENSE_BAD_CHECK) {
		wrong_key(d, status, now, res);
		return;
	}
	if (now < d->ledger.locked_until) {
		res->outcome = LICENSE_LOCKED;
		res->wait_s = d->ledger.locked_until - now;
		return;
	}
	if (status != LICENSE_OK) {
		wrong_key(d, status, now, res);
		return;
	}
	res->fields = f;
	if (d->ledger.failed || d->ledger.locked_until) {
		d->ledger.failed = 0;
		d->ledger.locked_until = 0;
		if (save_ledger(d, err, sizeof(err)) < 0) {
			res->outcome = LICENSE_UNAVAILABLE;
			snprintf(res->detail, sizeof(res->detail), "%s", err);
			return;
		}
	}
	if (license_ledger_find(&d->ledger, f.option, f.sequence)) {
		res->outcome = LICENSE_INVALIDATED;
		return;
	}
	if (d->softid.opt[f.option].state != LICENSE_OFF) {
		res->outcome = LICENSE_ALREADY_ENABLED;
		return;
	}
	d->softid.opt[f.option].state = LICENSE_PENDING;
	d->softid.opt[f.option].sequence = f.sequence;
	if (save_softid(d, err, sizeof(err)) < 0) {
		d->softid.opt[f.option].state = LICENSE_OFF;
		d->softid.opt[f.option].sequence = 0;
		res->outcome = LICENSE_UNAVAILABLE;
		snprintf(res->detail, sizeof(res->detail), "%s", err);
		return;
	}
	res->outcome = LICENSE_REGISTERED;
}

int license_invalidate(struct license_device *d, unsigned int option, char cert[LICENSE_DIGITS + 1],
		       char *err, size_t errlen)
{
	struct license_fields f = { .option = (enum license_option)option };
	struct license_invalidation *inv;

	if (d->problem[0] || !d->have_key) {
		snprintf(err, errlen, "%s", d->problem);
		return -1;
	}
	if (option < 1 || option > LICENSE_OPTION_COUNT ||
	    d->softid.opt[option].state == LICENSE_OFF) {
		snprintf(err, errlen, "%s is not registered on this device",
			 license_option_name(option) ? license_option_name(option) : "that option");
		return -1;
	}
	if (d->ledger.count == LICENSE_LEDGER_MAX) {
		snprintf(err, errlen, "the license ledger is full (%d invalidations)",
			 LICENSE_LEDGER_MAX);
		return -1;
	}
	f.sequence = d->softid.opt[option].sequence;
	if (license_make(LICENSE_KIND_INVALIDATION, d->key, d->serial, &f, cert) < 0) {
		snprintf(err, errlen, "cannot make a certificate for sequence %u", f.sequence);
		return -1;
	}
	/* The ledger first: once it holds the invalidation, the key is dead. */
	inv = &d->ledger.inv[d->ledger.count++];
	inv->option = (uint8_t)option;
	inv->sequence = f.sequence;
	memcpy(inv->certificate, cert, LICENSE_DIGITS + 1);
	if (save_ledger(d, err, errlen) < 0) {
		d->ledger.count--;
		return -1;
	}
	d->active[option] = false;
	d->softid.opt[option].state = LICENSE_OFF;
	d->softid.opt[option].sequence = 0;
	if (save_softid(d, err, errlen) < 0)
		return 0; /* the ledger rules: reconciled at the next start */
	return 0;
}
