/*
 * POP AUTH with an OAuth2 bearer token (XOAUTH2, OAUTHBEARER of RFC 7628)
 * when pop.oauth2_command is set and the server lists the mechanism. The
 * token is a password-equivalent: it is sent under TLS only. One message
 * goes to the server; a server that refuses answers a challenge (a JSON
 * error report), which takes a dummy response before the -ERR.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "base64.h"
#include "conn.h"
#include "oauth2.h"
#include "pop3_priv.h"

enum { AUTH_ERR = 0, AUTH_CONT = 1, AUTH_OK = 2 };

/* One line of the exchange: AUTH_OK, AUTH_CONT ("+ DATA", *data set), AUTH_ERR, or a failure. */
static int auth_line(struct pop3 *p, const char **data)
{
	char *line, q[96];
	size_t len;

	if (irs_conn_read_line(p->c, &line, &len))
		return pop3_fail(p, POP3_E_CONNECT, "POP AUTH: %s", irs_conn_error(p->c));
	if (len > 16384 || strlen(line) != len)
		return pop3_fail(p, POP3_E_CONNECT, "POP AUTH: reply too long or with a NUL");
	if (!strncmp(line, "+OK", 3) && (!line[3] || line[3] == ' '))
		return AUTH_OK;
	if (!strncmp(line, "-ERR", 4) && (!line[4] || line[4] == ' '))
		return AUTH_ERR;
	if (line[0] != '+' || (line[1] && line[1] != ' ')) {
		pop3_quote(q, sizeof(q), line);
		return pop3_fail(p, POP3_E_CONNECT, "POP AUTH: not a POP3 reply: \"%s\"", q);
	}
	*data = line + (line[1] ? 2 : 1);
	return AUTH_CONT;
}

/* "AUTH MECH b64": the initial response on the line when it fits (RFC 5034: 255 octets). */
static int send_message(struct pop3 *p, const char *mech, const char *msg, size_t len)
{
	size_t b64 = B64_ENCODED_LEN(len), head = strlen("AUTH ") + strlen(mech) + 1;
	char *line = malloc(head + b64 + 1);
	const char *text;
	int rc;

	if (!line)
		return pop3_fail(p, POP3_E_NOMEM, "out of memory");
	if (head + b64 <= 255) {
		memcpy(line, "AUTH ", 5);
		strcpy(line + 5, mech);
		line[head - 1] = ' ';
		line[head + b64_encode((const unsigned char *)msg, len, line + head)] = '\0';
		rc = pop3_send(p, line);
	} else {
		strcpy(line, "AUTH ");
		strcat(line, mech);
		rc = pop3_send(p, line);
		/* The empty challenge that asks for the initial response. */
		if (!rc)
			rc = auth_line(p, &text);
		if (rc == AUTH_CONT && !*text) {
			line[b64_encode((const unsigned char *)msg, len, line)] = '\0';
			rc = pop3_send(p, line);
		} else if (rc >= 0) {
			rc = pop3_fail(p, rc == AUTH_ERR ? POP3_E_AUTH : POP3_E_CONNECT,
				       "POP AUTH %s: %s", mech,
				       rc == AUTH_ERR ? "refused" : "no room for the token asked");
		}
	}
	OPENSSL_cleanse(line, strlen(line));
	free(line);
	return rc;
}

int pop3_login_oauth(struct pop3 *p, const struct pop3_opts *o, const char *mech)
{
	char err[256], *msg = NULL;
	const char *text;
	size_t len = 0;
	int rc;

	p->mech = mech;
	if (!p->tls)
		return pop3_fail(p, POP3_E_AUTH, "POP AUTH %s: a bearer token goes under TLS only",
				 mech);
	if (irs_oauth2_message(mech, o->oauth2_command, o->user, p->host,
			       o->port ? o->port : (o->implicit_tls ? 995 : 110), &msg, &len, err,
			       sizeof(err)))
		return pop3_fail(p, POP3_E_AUTH, "POP AUTH %s: %s", mech, err);
	rc = send_message(p, mech, msg, len);
	OPENSSL_cleanse(msg, len);
	free(msg);
	if (rc)
		return rc;
	rc = auth_line(p, &text);
	if (rc == AUTH_OK)
		return POP3_OK;
	if (rc == AUTH_CONT) {
		/* The error report: a dummy response (^A for OAUTHBEARER, empty for XOAUTH2). */
		rc = pop3_send(p, strcasecmp(mech, "OAUTHBEARER") ? "" : "AQ==");
		if (!rc)
			rc = auth_line(p, &text);
		if (rc == AUTH_OK || rc == AUTH_CONT)
			return pop3_fail(p, POP3_E_CONNECT, "POP AUTH %s: no -ERR after an error",
					 mech);
	}
	if (rc < 0)
		return rc;
	return pop3_fail(p, POP3_E_AUTH, "the POP server refused %s (the token)", mech);
}
