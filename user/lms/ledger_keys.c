/* The ledger's keys (see ledger.h). */
#include "ledger.h"

#include <string.h>

#include "ledger_priv.h"

/* Every key lookup also names the keys it replaced and was replaced by. */
#define KEY_SELECT                                                                                 \
	"SELECT k.id, k.serial, k.option, k.sequence, k.key, k.state, k.issued, "                  \
	"k.access_number, k.transferred_from, k.certificate, k.invalidated, "                      \
	"f.serial, f.sequence, t.serial, t.sequence FROM keys k "                                  \
	"LEFT JOIN keys f ON f.id = k.transferred_from "                                           \
	"LEFT JOIN keys t ON t.transferred_from = k.id "

static void read_key(sqlite3_stmt *st, struct key_row *k)
{
	char state[16];

	k->id = sqlite3_column_int64(st, 0);
	ledger_column_text(st, 1, k->serial, sizeof(k->serial));
	k->option = (enum license_option)sqlite3_column_int(st, 2);
	k->sequence = (uint32_t)sqlite3_column_int64(st, 3);
	ledger_column_text(st, 4, k->key, sizeof(k->key));
	ledger_column_text(st, 5, state, sizeof(state));
	k->state = strcmp(state, "invalidated") ? KEY_ISSUED : KEY_INVALIDATED;
	k->issued = sqlite3_column_int64(st, 6);
	ledger_column_text(st, 7, k->access_number, sizeof(k->access_number));
	k->from_id = sqlite3_column_int64(st, 8);
	ledger_column_text(st, 9, k->certificate, sizeof(k->certificate));
	k->invalidated = sqlite3_column_int64(st, 10);
	ledger_column_text(st, 11, k->from_serial, sizeof(k->from_serial));
	k->from_sequence = (uint32_t)sqlite3_column_int64(st, 12);
	ledger_column_text(st, 13, k->to_serial, sizeof(k->to_serial));
	k->to_sequence = (uint32_t)sqlite3_column_int64(st, 14);
}

/* The one key st finds: 1, 0 none, or -1 after a message. st is finalized. */
static int find_one(struct ledger *l, sqlite3_stmt *st, struct key_row *k)
{
	int found = ledger_step(l, st);

	if (found == 1)
		read_key(st, k);
	sqlite3_finalize(st);
	return found;
}

int ledger_key_by_access_number(struct ledger *l, const char *number, struct key_row *k)
{
	sqlite3_stmt *st = ledger_prepare(l, KEY_SELECT "WHERE k.access_number = ?1");

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	return find_one(l, st, k);
}

int ledger_key_by_sequence(struct ledger *l, const char *serial, uint32_t sequence,
			   struct key_row *k)
{
	sqlite3_stmt *st = ledger_prepare(l, KEY_SELECT "WHERE k.serial = ?1 AND k.sequence = ?2");

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sequence);
	return find_one(l, st, k);
}

int ledger_next_sequence(struct ledger *l, const char *serial, uint32_t *sequence)
{
	sqlite3_stmt *st = ledger_prepare(
		l, "SELECT coalesce(max(sequence), 0) + 1 FROM keys WHERE serial = ?1");
	int found;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	found = ledger_step(l, st);
	if (found == 1)
		*sequence = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found == 1 ? 0 : -1;
}

int ledger_key_add(struct ledger *l, struct key_row *k)
{
	sqlite3_stmt *st = ledger_prepare(
		l, "INSERT INTO keys (serial, option, sequence, key, state, issued, access_number, "
		   "transferred_from) VALUES (?1, ?2, ?3, ?4, 'issued', ?5, ?6, ?7)");

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, k->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)k->option);
	sqlite3_bind_int64(st, 3, k->sequence);
	sqlite3_bind_text(st, 4, k->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, k->issued);
	if (k->access_number[0])
		sqlite3_bind_text(st, 6, k->access_number, -1, SQLITE_STATIC);
	if (k->from_id)
		sqlite3_bind_int64(st, 7, k->from_id);
	if (ledger_run(l, st))
		return -1;
	k->id = sqlite3_last_insert_rowid(l->db);
	k->state = KEY_ISSUED;
	return 0;
}

int ledger_key_invalidate(struct ledger *l, int64_t id, const char *certificate, int64_t now)
{
	sqlite3_stmt *st = ledger_prepare(l, "UPDATE keys SET state = 'invalidated', "
					     "certificate = ?2, invalidated = ?3 WHERE id = ?1");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, certificate, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return ledger_run(l, st);
}

int ledger_each_key(struct ledger *l, const char *serial,
		    int (*fn)(const struct key_row *k, void *ctx), void *ctx)
{
	sqlite3_stmt *st = ledger_prepare(l, KEY_SELECT "WHERE k.serial = ?1 ORDER BY k.sequence");
	struct key_row k;
	int found = 0, ret = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	while (!ret && (found = ledger_step(l, st)) == 1) {
		read_key(st, &k);
		ret = fn(&k, ctx);
	}
	sqlite3_finalize(st);
	return ret ? ret : found;
}
