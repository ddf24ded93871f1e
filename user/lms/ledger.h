/*
 * The vendor's ledger, DIR/ledger.sqlite: the provisioned devices, the
 * access numbers sold, and every key issued with what became of it.
 * Device keys and the master secret are never stored here; they are
 * derived when needed.
 *
 * Changes run in a BEGIN IMMEDIATE transaction, so that concurrent runs
 * take turns (waiting up to a busy timeout): one access number cannot
 * yield two keys, nor one serial two keys of the same sequence; unique
 * constraints back that up.
 */
#ifndef IRSEND_LMS_LEDGER_H
#define IRSEND_LMS_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "license_key.h"
#include "numbers.h"

#define LEDGER_FILE "ledger.sqlite"

struct ledger {
	sqlite3 *db;
	char path[4096];
};

enum ledger_mode {
	LEDGER_EXISTING, /* refuse a missing or empty ledger */
	LEDGER_CREATE,	 /* create the file and schema if needed (init) */
};

struct device_row {
	char serial[SERIAL_MAX + 1];
	int64_t provisioned;   /* Unix seconds, the first time */
	int64_t reprovisioned; /* the latest time again, or 0 */
};

enum key_state {
	KEY_ISSUED,
	KEY_INVALIDATED, /* given up by the device: its certificate is recorded */
};

struct key_row {
	int64_t id;
	char serial[SERIAL_MAX + 1];
	enum license_option option;
	uint32_t sequence;
	char key[LICENSE_DIGITS + 1];
	enum key_state state;
	int64_t issued;
	char access_number[ACCESS_NUMBER_DIGITS + 1]; /* "" for a transferred key */
	int64_t from_id;			      /* the key this one replaces, or 0 */
	char certificate[LICENSE_DIGITS + 1];	      /* "" unless invalidated */
	int64_t invalidated;			      /* when, or 0 */
	/* The other ends of transfers ("" and 0 when none): filled in by every lookup. */
	char from_serial[SERIAL_MAX + 1];
	uint32_t from_sequence;
	char to_serial[SERIAL_MAX + 1];
	uint32_t to_sequence;
};

const char *key_state_name(enum key_state state);

/* Open dir's ledger: 0, or -1 after a message. */
int ledger_open(struct ledger *l, const char *dir, enum ledger_mode mode);
/* Roll back what is not committed and close. */
void ledger_close(struct ledger *l);

/* BEGIN IMMEDIATE (to change), BEGIN (to read alike), COMMIT: 0, or -1 after a message. */
int ledger_begin(struct ledger *l);
int ledger_begin_read(struct ledger *l);
int ledger_commit(struct ledger *l);
void ledger_rollback(struct ledger *l);

/* Lookups return 1 found, 0 not found, or -1 after a message. */
int ledger_device_find(struct ledger *l, const char *serial, struct device_row *d);
int ledger_device_count(struct ledger *l, int64_t *count);
/* Record serial as provisioned now; *again says whether it was before. */
int ledger_device_provisioned(struct ledger *l, const char *serial, int64_t now, bool *again);

/* Add an access number: 1 added, 0 it exists already, or -1 after a message. */
int ledger_access_number_add(struct ledger *l, const char *number, enum license_option option,
			     int64_t now);
int ledger_access_number_find(struct ledger *l, const char *number, enum license_option *option);

int ledger_key_by_access_number(struct ledger *l, const char *number, struct key_row *k);
int ledger_key_by_sequence(struct ledger *l, const char *serial, uint32_t sequence,
			   struct key_row *k);
/* The sequence serial's next key gets: 1 for its first. 0, or -1 after a message. */
int ledger_next_sequence(struct ledger *l, const char *serial, uint32_t *sequence);
/* Insert k (its id is set): 0, or -1 after a message. */
int ledger_key_add(struct ledger *l, struct key_row *k);
int ledger_key_invalidate(struct ledger *l, int64_t id, const char *certificate, int64_t now);

/* Call fn for each device (only serial's, unless NULL) and for each of a serial's keys. */
int ledger_each_device(struct ledger *l, const char *serial,
		       int (*fn)(const struct device_row *d, void *ctx), void *ctx);
int ledger_each_key(struct ledger *l, const char *serial,
		    int (*fn)(const struct key_row *k, void *ctx), void *ctx);

#endif
