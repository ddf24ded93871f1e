/* The ledger's devices and access numbers (see ledger.h). */
#include "ledger.h"

#include "ledger_priv.h"

#define DEVICE_SELECT "SELECT serial, provisioned, reprovisioned FROM devices "

static void read_device(sqlite3_stmt *st, struct device_row *d)
{
	ledger_column_text(st, 0, d->serial, sizeof(d->serial));
	d->provisioned = sqlite3_column_int64(st, 1);
	d->reprovisioned = sqlite3_column_int64(st, 2);
}

int ledger_device_find(struct ledger *l, const char *serial, struct device_row *d)
{
	sqlite3_stmt *st = ledger_prepare(l, DEVICE_SELECT "WHERE serial = ?1");
	int found;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	found = ledger_step(l, st);
	if (found == 1)
		read_device(st, d);
	sqlite3_finalize(st);
	return found;
}

int ledger_device_count(struct ledger *l, int64_t *count)
{
	sqlite3_stmt *st = ledger_prepare(l, "SELECT count(*) FROM devices");
	int found;

	if (!st)
		return -1;
	found = ledger_step(l, st);
	if (found == 1)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found == 1 ? 0 : -1;
}

int ledger_device_provisioned(struct ledger *l, const char *serial, int64_t now, bool *again)
{
	struct device_row d;
	sqlite3_stmt *st;
	int found = ledger_device_find(l, serial, &d);

	if (found < 0)
		return -1;
	*again = found;
	st = ledger_prepare(l, found ? "UPDATE devices SET reprovisioned = ?2 WHERE serial = ?1"
				     : "INSERT INTO devices (serial, provisioned) VALUES (?1, ?2)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return ledger_run(l, st);
}

int ledger_each_device(struct ledger *l, const char *serial,
		       int (*fn)(const struct device_row *d, void *ctx), void *ctx)
{
	sqlite3_stmt *st =
		ledger_prepare(l, DEVICE_SELECT "WHERE ?1 IS NULL OR serial = ?1 ORDER BY serial");
	struct device_row d;
	int found = 0, ret = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	while (!ret && (found = ledger_step(l, st)) == 1) {
		read_device(st, &d);
		ret = fn(&d, ctx);
	}
	sqlite3_finalize(st);
	return ret ? ret : found;
}

int ledger_access_number_add(struct ledger *l, const char *number, enum license_option option,
			     int64_t now)
{
	/* Only a number taken already is passed over; any other failure is an error. */
	sqlite3_stmt *st = ledger_prepare(l, "INSERT INTO access_numbers (number, option, created) "
					     "VALUES (?1, ?2, ?3) ON CONFLICT (number) DO NOTHING");

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)option);
	sqlite3_bind_int64(st, 3, now);
	if (ledger_run(l, st))
		return -1;
	return sqlite3_changes(l->db) == 1;
}

int ledger_access_number_find(struct ledger *l, const char *number, enum license_option *option)
{
	sqlite3_stmt *st = ledger_prepare(l, "SELECT option FROM access_numbers WHERE number = ?1");
	int found;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	found = ledger_step(l, st);
	if (found == 1)
		*option = (enum license_option)sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return found;
}
