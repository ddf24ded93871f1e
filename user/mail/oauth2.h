/*
 * The client's first (and only) message of the OAuth2 SASL mechanisms,
 * which Cyrus SASL has no client plugin for. Both are a bearer token in a
 * tiny envelope:
 *
 *	OAUTHBEARER (RFC 7628):  "n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A"
 *	XOAUTH2 (Google, Microsoft): "user=USER^Aauth=Bearer TOKEN^A^A"
 *
 * (^A is the byte 0x01.) The token is the first line a configured command
 * prints (smtp.oauth2_command, run with /bin/sh -c): the device never
 * stores refresh tokens or client secrets itself; the command does (an
 * oauth2 helper, a vault client). Tokens are never logged.
 */
#ifndef IRSEND_MAIL_OAUTH2_H
#define IRSEND_MAIL_OAUTH2_H

#include <stddef.h>

/*
 * Run command, take its first output line as the token, and build mech's
 * message ("OAUTHBEARER" or "XOAUTH2") in *out (malloc'ed, *len bytes, no
 * NUL inside; wipe and free it). 0, or -1 with a reason in err that does
 * not contain the token.
 */
int irs_oauth2_message(const char *mech, const char *command, const char *user, const char *host,
		       unsigned int port, char **out, size_t *len, char *err, size_t errlen);

/* The token alone (trimmed) into buf; 0 or -1 with err. Exposed for POP3 and tests. */
int irs_oauth2_token(const char *command, char *buf, size_t buflen, char *err, size_t errlen);

#endif
