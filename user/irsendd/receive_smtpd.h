/*
 * Our SMTP server for I-Fax reception (seed 2.1.4) as the agent runs it:
 * the port (service value SMTPRXPN) is bound at start, as root, when
 * smtpd.enabled is on; the server then runs with the settings of the
 * moment (STARTTLS mode, the key pair named by smtpd.key, the IP
 * allow-list, the limits) and is restarted on the same socket whenever
 * they change. Accepted messages go to the reception spool.
 *
 * The IP allow-list (smtpd.allow; empty: everyone) yields to the MAC
 * allow-list as the MAC filter does: with the filter on, an IPv4 peer on
 * the link whose MAC address is listed is let in even when its IP address
 * is not (its MAC from the kernel's ARP table).
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

/* macfilter_store: the saved MAC allow-list (its MAC-first rule applies to the IP allow-list). */
struct rx_smtpd *rx_smtpd_new(int listen_fd, struct receiver *rx, const char *macfilter_store);

/*
 * (Re)start with these settings; stopped when smtpd.enabled is off. 0, or
 * -1 with err (the server is stopped then: better no server than one
 * with the wrong TLS mode).
 */
int rx_smtpd_apply(struct rx_smtpd *s, const struct settings_store *user,
		   const struct keystore *keys, char *err, size_t errlen);

void rx_smtpd_free(struct rx_smtpd *s);

#endif
