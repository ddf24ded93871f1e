/* What the ledger's files share (see ledger.h). */
#ifndef IRSEND_LMS_LEDGER_PRIV_H
#define IRSEND_LMS_LEDGER_PRIV_H

#include <stddef.h>

#include "ledger.h"

/* A prepared statement, or NULL after a message. */
sqlite3_stmt *ledger_prepare(struct ledger *l, const char *sql);
/* Report SQLite's last error on l: returns -1. */
int ledger_error(struct ledger *l);
/* Step st: 1 a row, 0 done, or -1 after a message. */
int ledger_step(struct ledger *l, sqlite3_stmt *st);
/* Step st, which returns no row, and finalize it: 0, or -1 after a message. */
int ledger_run(struct ledger *l, sqlite3_stmt *st);
/* Column i as text into buf ("" for NULL). */
void ledger_column_text(sqlite3_stmt *st, int i, char *buf, size_t size);

#endif
