/* Making and recording a license key: what issue and transfer share. */
#ifndef IRSEND_LMS_ISSUING_H
#define IRSEND_LMS_ISSUING_H

#include "ledger.h"

/*
 * Within the caller's transaction, give k->serial its next key for
 * k->option (k->access_number or k->from_id say where it comes from):
 * the next issue sequence, the key made under the serial's device key,
 * recorded in the ledger and in k. 0, or -1 after a message.
 */
int issue_next_key(struct ledger *l, const char *dir, struct key_row *k);

/* The key on standard output, grouped: 0112-3456-... */
void print_key(const struct key_row *k);

#endif
