/*
 * Our SMTP server for I-Fax reception (seed 2.1.4) as the agent runs it:
 * the port (service value SMTPRXPN) is bound at start, as root, when
 * smtpd.enabled is on; the server then runs with the settings of the
 * moment (STARTTLS mode, the key pair named by smtpd.key, the IP
 * allow-list, the limits) and is restarted on the same socket whenever
 * they change. Accepted messages go to the reception spool.
 */
#ifndef IRSENDD_RECEIVE_SMTPD_H
#define IRSENDD_RECEIVE_SMTPD_H

#include <stddef.h>

struct receiver;
struct settings_store;
struct keystore;
struct rx_smtpd;

/* The port is bound (fd) or not needed (-1, no error): at start, before privileges go. */
int rx_smtpd_bind(const struct settings_store *user, const struct settings_store *service,
		  char *err, size_t errlen);

struct rx_smtpd *rx_smtpd_new(int listen_fd, struct receiver *rx);

/*
 * (Re)start with these settings; stopped when smtpd.enabled is off. 0, or
 * -1 with err (the server is stopped then: better no server than one
 * with the wrong TLS mode).
 */
int rx_smtpd_apply(struct rx_smtpd *s, const struct settings_store *user,
		   const struct keystore *keys, char *err, size_t errlen);

void rx_smtpd_free(struct rx_smtpd *s);

#endif
