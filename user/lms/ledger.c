/* The ledger's file, schema and transactions (see ledger.h). */
#include "ledger.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger_priv.h"
#include "lms.h"

/* PRAGMA user_version of the schema below; a newer ledger is refused. */
#define LEDGER_VERSION 1
/* How long a run waits for another to finish its transaction. */
#define LEDGER_BUSY_MS 15000
#define STR_(x) #x
#define STR(x) STR_(x)

static const char schema[] = "CREATE TABLE devices (\n"
			     "  serial TEXT PRIMARY KEY NOT NULL,\n"
			     "  provisioned INTEGER NOT NULL,\n"
			     "  reprovisioned INTEGER\n"
			     ");\n"
			     "CREATE TABLE access_numbers (\n"
			     "  number TEXT PRIMARY KEY NOT NULL CHECK (length(number) = 16),\n"
			     "  option INTEGER NOT NULL CHECK (option >= 1),\n"
			     "  created INTEGER NOT NULL\n"
			     ");\n"
			     "CREATE TABLE keys (\n"
			     "  id INTEGER PRIMARY KEY,\n"
			     "  serial TEXT NOT NULL REFERENCES devices (serial),\n"
			     "  option INTEGER NOT NULL CHECK (option >= 1),\n"
			     "  sequence INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 999999),\n"
			     "  key TEXT NOT NULL UNIQUE CHECK (length(key) = 24),\n"
			     "  state TEXT NOT NULL CHECK (state IN ('issued', 'invalidated')),\n"
			     "  issued INTEGER NOT NULL,\n"
			     /* One key per access number; transferred keys have none. */
			     "  access_number TEXT UNIQUE REFERENCES access_numbers (number),\n"
			     /* One replacement per given-up key. */
			     "  transferred_from INTEGER UNIQUE REFERENCES keys (id),\n"
			     "  certificate TEXT UNIQUE,\n"
			     "  invalidated INTEGER,\n"
			     "  UNIQUE (serial, sequence)\n"
			     ");\n"
			     "PRAGMA user_version = " STR(LEDGER_VERSION) ";\n";

const char *key_state_name(enum key_state state)
{
	return state == KEY_INVALIDATED ? "invalidated" : "issued";
}

int ledger_error(struct ledger *l)
{
	int code = sqlite3_errcode(l->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		fail("%s is busy (another %s run holds it): try again", l->path, LMS_PROG);
	else
		fail("%s: %s", l->path, sqlite3_errmsg(l->db));
	return -1;
}

sqlite3_stmt *ledger_prepare(struct ledger *l, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
		ledger_error(l);
		return NULL;
	}
	return st;
}

int ledger_step(struct ledger *l, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : ledger_error(l);
}

int ledger_run(struct ledger *l, sqlite3_stmt *st)
{
	int rc = ledger_step(l, st);

	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

void ledger_column_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static int exec(struct ledger *l, const char *sql)
{
	return sqlite3_exec(l->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : ledger_error(l);
}

static int user_version(struct ledger *l, int *version)
{
	sqlite3_stmt *st = ledger_prepare(l, "PRAGMA user_version");
	int ret = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		ret = 0;
	} else {
		ledger_error(l);
	}
	sqlite3_finalize(st);
	return ret;
}

/* The schema, made in a transaction of its own when the ledger is new. */
static int create_schema(struct ledger *l)
{
	int version;

	if (ledger_begin(l) || user_version(l, &version))
		return -1;
	if (version == 0 && exec(l, schema))
		return -1;
	return ledger_commit(l);
}

int ledger_open(struct ledger *l, const char *dir, enum ledger_mode mode)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, version;

	snprintf(l->path, sizeof(l->path), "%s/%s", dir, LEDGER_FILE);
	if (mode == LEDGER_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(l->path, &l->db, flags, NULL) != SQLITE_OK) {
		if (mode == LEDGER_EXISTING && sqlite3_errcode(l->db) == SQLITE_CANTOPEN)
			fail("cannot open the ledger %s: run '%s init' (or restore it)", l->path,
			     LMS_PROG);
		else
			ledger_error(l);
		goto fail;
	}
	sqlite3_busy_timeout(l->db, LEDGER_BUSY_MS);
	if (exec(l, "PRAGMA foreign_keys = ON") || (mode == LEDGER_CREATE && create_schema(l)) ||
	    user_version(l, &version))
		goto fail;
	if (version > LEDGER_VERSION) {
		fail("%s has schema version %d, newer than this %s knows (%d): use a newer %s",
		     l->path, version, LMS_PROG, LEDGER_VERSION, LMS_PROG);
		goto fail;
	}
	if (version == 0) {
		fail("%s has no ledger schema: run '%s init'", l->path, LMS_PROG);
		goto fail;
	}
	return 0;
fail:
	ledger_close(l);
	return -1;
}

void ledger_close(struct ledger *l)
{
	if (!l->db)
		return;
	if (!sqlite3_get_autocommit(l->db))
		ledger_rollback(l);
	sqlite3_close(l->db);
	l->db = NULL;
}

int ledger_begin(struct ledger *l)
{
	return exec(l, "BEGIN IMMEDIATE");
}

int ledger_begin_read(struct ledger *l)
{
	return exec(l, "BEGIN");
}

int ledger_commit(struct ledger *l)
{
	return exec(l, "COMMIT");
}

void ledger_rollback(struct ledger *l)
{
	sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}
