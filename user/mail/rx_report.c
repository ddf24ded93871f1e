// SPDX-License-Identifier: GPL-2.0
/*
 * Reports about messages we sent: a DSN (RFC 3464, multipart/report;
 * report-type=delivery-status) or an MDN (RFC 8098, report-type=
 * disposition-notification). What the agent needs is which of our
 * messages it is about (our Message-ID, user/mail/mime.c) and whether it
 * failed (#830, #834).
 *
 * Our Message-ID is looked for, best first, in the returned header
 * (text/rfc822-headers, or the returned message/rfc822), in the report's
 * own Original-Message-ID / X-Original-Message-ID, and in the DSN's
 * Original-Envelope-Id (we send the Message-ID's content as ENVID).
 * Nothing a report returns of our message is ever output.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rx_priv.h"

/* Where the Message-ID came from: a better source replaces a worse one. */
enum id_source { ID_NONE, ID_ENVID, ID_FIELD, ID_RETURNED };

struct report {
	struct rx_ctx *c;
	enum id_source id_from;
	bool group_failed, group_any;
	char action[32], status[64], orig_rcpt[320], final_rcpt[320], diag[256];
};

static void set_about(struct report *r, const char *id, enum id_source from)
{
	if (id[0] && from > r->id_from) {
		rx_copy_utf8(r->c->res->about_message_id, sizeof(r->c->res->about_message_id), id);
		r->id_from = from;
	}
}

/* RFC 3461 xtext ("+2B" for '+') into "<...>". */
static void envid_to_msgid(const char *v, char *out, size_t outlen)
{
	char raw[256];
	size_t n = 0;

	for (; *v && n + 1 < sizeof(raw); v++) {
		if (v[0] == '+' && isxdigit((unsigned char)v[1]) && isxdigit((unsigned char)v[2])) {
			char hex[3] = { v[1], v[2], 0 };

			raw[n++] = (char)strtol(hex, NULL, 16);
			v += 2;
		} else {
			raw[n++] = *v;
		}
	}
	raw[n] = '\0';
	if (raw[0] == '<') {
		rx_header_msgid(raw, out, outlen);
	} else {
		char wrapped[260];

		snprintf(wrapped, sizeof(wrapped), "<%s>", raw);
		rx_header_msgid(wrapped, out, outlen);
	}
}

/* "rfc822; a@b" -> "a@b". */
static void recipient(const char *v, char *out, size_t outlen)
{
	const char *semi = strchr(v, ';');

	rx_header_addr(semi ? semi + 1 : v, out, outlen);
}

static void returned_field(void *arg, const char *name, const char *value)
{
	struct report *r = arg;
	char id[256];

	if (!strcasecmp(name, "Message-ID")) {
		rx_header_msgid(value, id, sizeof(id));
		set_about(r, id, ID_RETURNED);
	}
}

static void returned_headers(struct report *r, const char *hdr, size_t len)
{
	size_t body;
	char why[128];

	/* A returned header may be cut short: what was read before still counts. */
	rx_header_scan(hdr, len, &body, returned_field, r, why, sizeof(why));
}

static void report_field(void *arg, const char *name, const char *value)
{
	struct report *r = arg;
	struct rx_result *res = r->c->res;
	char id[256];

	r->group_any = true;
	if (!strcasecmp(name, "Original-Message-ID") ||
	    !strcasecmp(name, "X-Original-Message-ID")) {
		rx_header_msgid(value, id, sizeof(id));
		set_about(r, id, ID_FIELD);
	} else if (!strcasecmp(name, "Original-Envelope-Id")) {
		envid_to_msgid(value, id, sizeof(id));
		set_about(r, id, ID_ENVID);
	} else if (!strcasecmp(name, "Action")) {
		rx_clean_ascii(r->action, sizeof(r->action), value, strlen(value));
	} else if (!strcasecmp(name, "Status")) {
		rx_clean_ascii(r->status, sizeof(r->status), value, strcspn(value, " \t("));
	} else if (!strcasecmp(name, "Original-Recipient")) {
		recipient(value, r->orig_rcpt, sizeof(r->orig_rcpt));
	} else if (!strcasecmp(name, "Final-Recipient")) {
		recipient(value, r->final_rcpt, sizeof(r->final_rcpt));
	} else if (!strcasecmp(name, "Diagnostic-Code") || !strcasecmp(name, "Error") ||
		   !strcasecmp(name, "Failure")) {
		rx_clean_ascii(r->diag, sizeof(r->diag), value, strlen(value));
	} else if (!strcasecmp(name, "Disposition")) {
		rx_clean_ascii(res->status, sizeof(res->status), value, strlen(value));
	}
}

/* One per-recipient group read: the first failed one (else the first one) is reported. */
static void dsn_group_done(struct report *r)
{
	struct rx_result *res = r->c->res;
	bool failed = !strcasecmp(r->action, "failed");

	if (!r->action[0] && !r->final_rcpt[0])
		return; /* not a recipient group */
	res->recipients++;
	if (res->recipients == 1 || (failed && !res->failed)) {
		rx_copy_utf8(res->status, sizeof(res->status), r->status);
		rx_copy_utf8(res->recipient, sizeof(res->recipient),
			     r->orig_rcpt[0] ? r->orig_rcpt : r->final_rcpt);
		rx_copy_utf8(res->diagnostic, sizeof(res->diagnostic), r->diag);
	}
	if (failed)
		res->failed = true;
}

static void read_dsn(struct report *r, const char *s, size_t len, unsigned number)
{
	size_t pos = 0;
	unsigned groups = 0;
	char why[128];

	while (pos < len && groups++ <= RX_MAX_HEADERS) {
		size_t body;

		r->action[0] = r->status[0] = r->orig_rcpt[0] = r->final_rcpt[0] = r->diag[0] =
			'\0';
		if (rx_header_scan(s + pos, len - pos, &body, report_field, r, why, sizeof(why))) {
			rx_error(r->c, IRS_E_RX_MIME, "part %u (delivery status): %s", number, why);
			return;
		}
		dsn_group_done(r);
		pos += body ? body : 1;
	}
}

/* "automatic-action/MDN-sent-automatically; processed/error" */
static bool disposition_failed(const char *d)
{
	const char *semi = strchr(d, ';'), *s;
	char type[32];
	size_t n = 0;

	if (!semi)
		return true;
	for (s = semi + 1; *s == ' ' || *s == '\t'; s++)
		;
	while (*s && *s != '/' && *s != ' ' && *s != ';' && n + 1 < sizeof(type))
		type[n++] = (char)tolower((unsigned char)*s++);
	type[n] = '\0';
	if (strcmp(type, "displayed") && strcmp(type, "processed"))
		return true;
	/* Modifiers: error (RFC 8098), failed/failure (RFC 2298 and devices after it). */
	for (; *s; s++) {
		if (*s == '/' || *s == ',') {
			const char *m = s + 1;

			while (*m == ' ')
				m++;
			if (!strncasecmp(m, "error", 5) || !strncasecmp(m, "fail", 4))
				return true;
		}
	}
	return false;
}

static void read_mdn(struct report *r, const char *s, size_t len, unsigned number)
{
	struct rx_result *res = r->c->res;
	size_t body;
	char why[128];

	if (rx_header_scan(s, len, &body, report_field, r, why, sizeof(why))) {
		rx_error(r->c, IRS_E_RX_MIME, "part %u (disposition notification): %s", number,
			 why);
		return;
	}
	rx_copy_utf8(res->recipient, sizeof(res->recipient), r->final_rcpt);
	rx_copy_utf8(res->diagnostic, sizeof(res->diagnostic), r->diag);
	res->failed = !res->status[0] || disposition_failed(res->status);
}

void rx_report_read(struct rx_ctx *c, size_t i)
{
	struct rx_result *res = c->res;
	bool dsn = !strcmp(c->parts[i].report_type, "delivery-status"), seen = false,
	     text_done = false;
	struct report r = { .c = c };

	res->kind = dsn ? RX_DSN : RX_MDN;
	for (int k = c->parts[i].first_child; k >= 0; k = c->parts[k].next_sibling) {
		const struct rx_part *p = &c->parts[k];
		unsigned number = (unsigned)k + 1;
		const unsigned char *data;
		size_t len;

		if (!strcmp(p->type, "text/plain") && !text_done) {
			/* The human-readable part, for the reception report. */
			text_done = true;
			if (!rx_part_decode(c, p, number, &data, &len))
				rx_text_add(c, p, number, data, len);
		} else if (dsn && (!strcmp(p->type, "message/delivery-status") ||
				   !strcmp(p->type, "message/global-delivery-status"))) {
			seen = true;
			if (!rx_part_decode(c, p, number, &data, &len))
				read_dsn(&r, (const char *)data, len, number);
		} else if (!dsn && (!strcmp(p->type, "message/disposition-notification") ||
				    !strcmp(p->type, "message/global-disposition-notification"))) {
			seen = true;
			if (!rx_part_decode(c, p, number, &data, &len))
				read_mdn(&r, (const char *)data, len, number);
		} else if (!strcmp(p->type, "text/rfc822-headers") ||
			   !strcmp(p->type, "message/global-headers")) {
			if (!rx_part_decode(c, p, number, &data, &len))
				returned_headers(&r, (const char *)data, len);
		} else if ((!strcmp(p->type, "message/rfc822") ||
			    !strcmp(p->type, "message/global")) &&
			   p->first_child >= 0) {
			const struct rx_part *m = &c->parts[p->first_child];

			returned_headers(&r, m->hdr, m->hdr_len);
		}
	}
	if (!seen)
		rx_error(c, IRS_E_RX_MIME, "a %s report without its %s part",
			 dsn ? "delivery" : "disposition",
			 dsn ? "message/delivery-status" : "message/disposition-notification");
	if (res->failed)
		res->report_code = dsn ? IRS_E_DSN_FAILURE : IRS_E_MDN_FAILURE;
}
