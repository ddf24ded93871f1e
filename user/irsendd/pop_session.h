/*
 * What the POP clients of the agent share: the options of a login made
 * from the settings (the receive settings and the NS-* switches), and a
 * lock, so that I-Fax reception and POP before SMTP never talk to the POP
 * server at the same time (seed 2.1.3): each waits for the other.
 */
#ifndef IRSENDD_POP_SESSION_H
#define IRSENDD_POP_SESSION_H

#include "pop3_client.h"
#include "settings_store.h"

/* Fill o from the settings; host, user and password point into user. */
void pop_session_opts(const struct settings_store *user, const struct settings_store *service,
		      struct irs_tls_ctx *tls, struct pop3_opts *o);

void pop_session_lock(void);
void pop_session_unlock(void);

#endif
