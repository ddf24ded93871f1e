// SPDX-License-Identifier: GPL-2.0
/* POP3 mailbox commands of the TRANSACTION state: STAT, UIDL, LIST, RETR, DELE, NOOP, QUIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_priv.h"

/* More messages than this in one maildrop is a server making us allocate, not a mailbox. */
#define POP3_MSGS_MAX 100000u
/* A message line (RFC 5322: 998 + CRLF); real mail exceeds it, not by this much. */
#define POP3_MSG_LINE_MAX 65536

/* Strict decimal (no sign, no spaces, no leading junk) up to max; the rest after it in *end. */
static int parse_num(const char *s, const char **end, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return -1;
	}
	*end = p;
	*v = x;
	return 0;
}

/* Send cmd and read its status: 1 (+OK), or POP3_E_SERVER for -ERR, or a failure. */
static int command(struct pop3 *p, const char *cmd, const char **text)
{
	char q[96];
	int rc;

	if (p->dead)
		return POP3_E_STATE;
	rc = pop3_send(p, cmd);
	if (!rc)
		rc = pop3_reply(p, text);
	if (rc == 0) {
		pop3_quote(q, sizeof(q), *text);
		return pop3_fail(p, POP3_E_SERVER, "%s: -ERR %s", cmd, q);
	}
	return rc;
}

int pop3_stat(struct pop3 *p, unsigned int *count, uint64_t *octets)
{
	const char *text, *end;
	uint64_t n, bytes;
	int rc = command(p, "STAT", &text);

	if (rc < 0)
		return rc;
	if (parse_num(text, &end, POP3_MSGS_MAX, &n) || *end != ' ' ||
	    parse_num(end + 1, &end, UINT64_MAX / 10, &bytes) || (*end && *end != ' '))
		return pop3_fail(p, POP3_E_CONNECT, "STAT: a reply without two numbers");
	*count = (unsigned int)n;
	*octets = bytes;
	return POP3_OK;
}

struct uidl_ctx {
	struct pop3 *p;
	struct pop3_msg *v;
	size_t n, cap;
};

static int uidl_line(void *ctx, const char *line, size_t len)
{
	struct uidl_ctx *u = ctx;
	const char *end;
	uint64_t num;
	size_t ulen;

	(void)len;
	if (parse_num(line, &end, POP3_MSGS_MAX, &num) || !num || *end != ' ')
		return pop3_fail(u->p, POP3_E_CONNECT, "UIDL: a line without a message number");
	end++;
	ulen = strlen(end);
	/* RFC 1939 section 7: 1 to 70 characters from 0x21 to 0x7E. */
	if (!ulen || ulen > 70)
		return pop3_fail(u->p, POP3_E_CONNECT, "UIDL: a unique-id of %zu characters", ulen);
	for (size_t i = 0; i < ulen; i++)
		if (end[i] < 0x21 || end[i] > 0x7e)
			return pop3_fail(u->p, POP3_E_CONNECT, "UIDL: a unique-id with a bad byte");
	if (u->n == POP3_MSGS_MAX)
		return pop3_fail(u->p, POP3_E_CONNECT, "UIDL: more than %u messages",
				 POP3_MSGS_MAX);
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		struct pop3_msg *v = realloc(u->v, cap * sizeof(*v));

		if (!v)
			return pop3_fail(u->p, POP3_E_NOMEM, "out of memory");
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n].num = (unsigned int)num;
	u->v[u->n].size = 0;
	memcpy(u->v[u->n].uid, end, ulen + 1);
	u->n++;
	return 0;
}

int pop3_uidl(struct pop3 *p, struct pop3_msg **msgs, size_t *n)
{
	struct uidl_ctx u = { .p = p };
	const char *text;
	int rc;

	*msgs = NULL;
	*n = 0;
	rc = command(p, "UIDL", &text);
	if (rc == POP3_E_SERVER)
		return pop3_fail(p, POP3_E_UIDL, "the POP server does not support UIDL");
	if (rc < 0)
		return rc;
	rc = pop3_lines(p, POP3_STATUS_MAX, uidl_line, &u);
	if (rc) {
		free(u.v);
		return rc;
	}
	*msgs = u.v;
	*n = u.n;
	return POP3_OK;
}

struct list_ctx {
	struct pop3 *p;
	struct pop3_msg *v;
	size_t n, next;
};

static int list_line(void *ctx, const char *line, size_t len)
{
	struct list_ctx *l = ctx;
	const char *end;
	uint64_t num, size;

	(void)len;
	if (parse_num(line, &end, POP3_MSGS_MAX, &num) || *end != ' ' ||
	    parse_num(end + 1, &end, UINT64_MAX / 10, &size) || (*end && *end != ' '))
		return pop3_fail(l->p, POP3_E_CONNECT, "LIST: a line without two numbers");
	/* Both lists come in ascending order: usually the next entry is the one. */
	for (size_t k = 0; k < l->n; k++) {
		size_t i = (l->next + k) % l->n;

		if (l->v[i].num == num) {
			l->v[i].size = size;
			l->next = i + 1;
			break;
		}
	}
	return 0;
}

int pop3_list(struct pop3 *p, struct pop3_msg *msgs, size_t n)
{
	struct list_ctx l = { .p = p, .v = msgs, .n = n };
	const char *text;
	int rc = command(p, "LIST", &text);

	if (rc < 0)
		return rc;
	return pop3_lines(p, POP3_STATUS_MAX, list_line, &l);
}

struct retr_ctx {
	struct pop3 *p;
	uint64_t max, done;
	pop3_writer write;
	void *ctx;
};

static int retr_line(void *ctx, const char *line, size_t len)
{
	struct retr_ctx *r = ctx;

	r->done += len + 2;
	if (r->max && r->done > r->max)
		return pop3_fail(r->p, POP3_E_TOO_BIG, "message larger than %llu bytes",
				 (unsigned long long)r->max);
	/* A NUL in a line is passed on as it is: the MIME parser judges content, not us. */
	if ((len && r->write(r->ctx, line, len)) || r->write(r->ctx, "\r\n", 2))
		return pop3_fail(r->p, POP3_E_WRITE, "the received message could not be stored");
	return 0;
}

int pop3_retr(struct pop3 *p, unsigned int num, uint64_t max_bytes, pop3_writer write, void *ctx)
{
	struct retr_ctx r = { .p = p, .max = max_bytes, .write = write, .ctx = ctx };
	const char *text;
	char cmd[32];
	int rc;

	snprintf(cmd, sizeof(cmd), "RETR %u", num);
	rc = command(p, cmd, &text);
	if (rc < 0)
		return rc;
	return pop3_lines(p, POP3_MSG_LINE_MAX, retr_line, &r);
}

int pop3_dele(struct pop3 *p, unsigned int num)
{
	const char *text;
	char cmd[32];
	int rc;

	snprintf(cmd, sizeof(cmd), "DELE %u", num);
	rc = command(p, cmd, &text);
	return rc < 0 ? rc : POP3_OK;
}

int pop3_noop(struct pop3 *p)
{
	const char *text;
	int rc = command(p, "NOOP", &text);

	return rc < 0 ? rc : POP3_OK;
}

int pop3_quit(struct pop3 *p)
{
	const char *text;
	int rc = command(p, "QUIT", &text);

	/* The session is over whatever the answer; -ERR means some deletions failed. */
	if (rc >= 0 || rc == POP3_E_SERVER)
		p->dead = 1;
	return rc < 0 ? rc : POP3_OK;
}
