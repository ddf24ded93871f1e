// SPDX-License-Identifier: GPL-2.0
/* OAuth2 bearer tokens from a command, wrapped for OAUTHBEARER and XOAUTH2 (see oauth2.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "oauth2.h"

/* Longest token accepted: Microsoft's JWTs run to a few KiB. */
#define TOKEN_MAX 16384

int irs_oauth2_token(const char *command, char *buf, size_t buflen, char *err, size_t errlen)
{
	FILE *p;
	size_t n = 0;
	int c, st;

	if (!command || !*command) {
		snprintf(err, errlen, "oauth2: no token command configured");
		return -1;
	}
	fflush(NULL);
	p = popen(command, "r");
	if (!p) {
		snprintf(err, errlen, "oauth2: cannot run the token command");
		return -1;
	}
	/* The first line only; the rest is read and dropped so the command is not killed by
	 * SIGPIPE. */
	while ((c = getc(p)) != EOF && c != '\n')
		if (n + 1 < buflen)
			buf[n++] = (char)c;
	while (c != EOF)
		c = getc(p);
	st = pclose(p);
	while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		explicit_bzero(buf, buflen);
		snprintf(err, errlen, "oauth2: the token command failed (status %d)",
			 st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] > '~') {
			explicit_bzero(buf, buflen);
			snprintf(err, errlen, "oauth2: the token command printed no usable token");
			return -1;
		}
	if (!n) {
		snprintf(err, errlen, "oauth2: the token command printed nothing");
		return -1;
	}
	return 0;
}

/* RFC 7628's gs2 header escapes ',' and '=' in the user name. */
static size_t gs2_user(char *out, const char *user)
{
	size_t n = 0;

	for (; *user; user++) {
		if (*user == ',')
			n += (size_t)sprintf(out + n, "=2C");
		else if (*user == '=')
			n += (size_t)sprintf(out + n, "=3D");
		else
			out[n++] = *user;
	}
	out[n] = '\0';
	return n;
}

int irs_oauth2_message(const char *mech, const char *command, const char *user, const char *host,
		       unsigned int port, char **out, size_t *len, char *err, size_t errlen)
{
	char *token = malloc(TOKEN_MAX);
	const char *u = user ? user : "";
	size_t cap;
	char *msg, *guser;
	int n;

	if (!token) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (irs_oauth2_token(command, token, TOKEN_MAX, err, errlen)) {
		free(token);
		return -1;
	}
	cap = strlen(token) + 3 * strlen(u) + strlen(host ? host : "") + 64;
	msg = malloc(cap);
	guser = malloc(3 * strlen(u) + 1);
	if (!msg || !guser) {
		snprintf(err, errlen, "out of memory");
		n = -1;
	} else if (!strcasecmp(mech, "OAUTHBEARER")) {
		gs2_user(guser, u);
		n = snprintf(msg, cap, "n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
			     guser, host ? host : "", port, token);
	} else {
		n = snprintf(msg, cap, "user=%s\001auth=Bearer %s\001\001", u, token);
	}
	explicit_bzero(token, TOKEN_MAX);
	free(token);
	free(guser);
	if (n < 0 || (size_t)n >= cap) {
		free(msg);
		return -1;
	}
	*out = msg;
	*len = (size_t)n;
	return 0;
}
