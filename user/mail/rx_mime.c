// SPDX-License-Identifier: GPL-2.0
/*
 * The MIME tree of a received message (RFC 2045, 2046): every entity with
 * its type, parameters, transfer encoding and where its body lies in the
 * message. Bodies are not copied (only a message/rfc822 that was itself
 * encoded is decoded first). Depth, part count and header sizes are
 * bounded; a structure that breaks them, or that is broken, is #819 and
 * what was parsed before stays usable.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "rx_priv.h"

struct fields {
	struct rx_ctx *c;
	struct rx_part *p;
	bool top, have_type, have_cte, have_disp_name;
	char cte[32];
};

static void content_type(struct fields *f, const char *value)
{
	struct rx_part *p = f->p;
	char b[256];

	f->have_type = true;
	rx_header_token(value, p->type, sizeof(p->type));
	if (rx_header_param(value, "charset", b, sizeof(b)))
		rx_clean_ascii(p->charset, sizeof(p->charset), b, strlen(b));
	for (char *s = p->charset; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	if (rx_header_param(value, "boundary", b, sizeof(b))) {
		if (strlen(b) > RX_MAX_BOUNDARY)
			p->boundary[0] = '\1'; /* marks "too long" for the multipart check */
		else
			strcpy(p->boundary, b);
	}
	if (rx_header_param(value, "report-type", b, sizeof(b))) {
		rx_clean_ascii(p->report_type, sizeof(p->report_type), b, strlen(b));
		for (char *s = p->report_type; *s; s++)
			if (*s >= 'A' && *s <= 'Z')
				*s = (char)(*s - 'A' + 'a');
	}
	if (!f->have_disp_name)
		rx_header_param(value, "name", p->filename, sizeof(p->filename));
}

static void top_field(struct fields *f, const char *name, const char *value)
{
	struct rx_result *r = f->c->res;

	if (!strcasecmp(name, "From") && !r->from[0]) {
		rx_header_addr(value, r->from, sizeof(r->from));
	} else if (!strcasecmp(name, "Subject") && !r->subject[0]) {
		rx_header_words(value, r->subject, sizeof(r->subject));
	} else if (!strcasecmp(name, "Message-ID") && !r->message_id[0]) {
		rx_header_msgid(value, r->message_id, sizeof(r->message_id));
	} else if (!strcasecmp(name, "Disposition-Notification-To") && !r->mdn_to[0]) {
		char a[320];

		rx_header_addr(value, a, sizeof(a));
		/* Only an address we would put in an envelope: an MDN goes nowhere else. */
		if (mime_addr_valid(a)) {
			strcpy(r->mdn_to, a);
			r->full_mode = true;
		}
	}
}

static void on_field(void *arg, const char *name, const char *value)
{
	struct fields *f = arg;

	if (!strcasecmp(name, "Content-Type")) {
		if (!f->have_type)
			content_type(f, value);
	} else if (!strcasecmp(name, "Content-Transfer-Encoding")) {
		if (!f->have_cte) {
			size_t n = 0;
			const char *s = value;

			while (*s && *s != ' ' && *s != '\t' && *s != ';' && *s != '(' &&
			       n + 1 < sizeof(f->cte)) {
				f->cte[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
				s++;
			}
			f->cte[n] = '\0';
			f->have_cte = true;
		}
	} else if (!strcasecmp(name, "Content-Disposition")) {
		char fn[256];

		if (!f->have_disp_name && rx_header_param(value, "filename", fn, sizeof(fn))) {
			strcpy(f->p->filename, fn);
			f->have_disp_name = true;
		}
	} else if (f->top) {
		top_field(f, name, value);
	}
}

static enum rx_cte cte_of(const char *s)
{
	if (!*s || !strcmp(s, "7bit") || !strcmp(s, "8bit") || !strcmp(s, "binary"))
		return RX_CTE_IDENTITY;
	if (!strcmp(s, "quoted-printable"))
		return RX_CTE_QP;
	if (!strcmp(s, "base64"))
		return RX_CTE_BASE64;
	if (!strcmp(s, "x-uuencode") || !strcmp(s, "x-uue") || !strcmp(s, "uuencode"))
		return RX_CTE_UUENCODE;
	return RX_CTE_UNKNOWN;
}

static int parse_entity(struct rx_ctx *c, const char *text, size_t len, int parent, unsigned depth,
			const char *default_type, bool top);

static bool is_wsp(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The children of multipart part idx, between its boundary lines. */
static void split_multipart(struct rx_ctx *c, int idx, unsigned depth)
{
	struct rx_part *p = &c->parts[idx];
	const char *body = p->body, *b = p->boundary;
	const char *child_type =
		strcmp(p->type, "multipart/digest") ? "text/plain" : "message/rfc822";
	size_t len = p->body_len, blen = strlen(b), pos = 0, seg = 0;
	bool found = false, closed = false;
	int prev = -1;
	unsigned number = (unsigned)idx + 1;

	while (pos < len && !closed) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) : len, next = nl ? end + 1 : len, lend = end;
		size_t rest = pos + 2 + blen;
		bool close = false;

		if (lend > pos && body[lend - 1] == '\r')
			lend--;
		if (lend < rest || body[pos] != '-' || body[pos + 1] != '-' ||
		    memcmp(body + pos + 2, b, blen)) {
			pos = next;
			continue;
		}
		if (rest + 2 <= lend && body[rest] == '-' && body[rest + 1] == '-') {
			close = true;
			rest += 2;
		}
		while (rest < lend && is_wsp(body[rest]))
			rest++;
		if (rest != lend) {
			pos = next;
			continue;
		}
		if (found) {
			/* The line break before a delimiter belongs to it (RFC 2046 5.1.1). */
			size_t seg_end = pos;

			if (seg_end > seg && body[seg_end - 1] == '\n')
				seg_end--;
			if (seg_end > seg && body[seg_end - 1] == '\r')
				seg_end--;
			int child = parse_entity(c, body + seg, seg_end - seg, idx, depth + 1,
						 child_type, false);
			if (child < 0)
				return;
			if (prev < 0)
				c->parts[idx].first_child = child;
			else
				c->parts[prev].next_sibling = child;
			prev = child;
		}
		found = true;
		closed = close;
		seg = next;
		pos = next;
	}
	if (!found) {
		rx_error(c, IRS_E_RX_MIME, "part %u (%s): its boundary never appears", number,
			 c->parts[idx].type);
		return;
	}
	if (!closed) {
		rx_error(c, IRS_E_RX_MIME, "part %u (%s): the closing boundary is missing", number,
			 c->parts[idx].type);
		/* What came after the last delimiter is salvaged as the last part. */
		if (seg < len) {
			int child = parse_entity(c, body + seg, len - seg, idx, depth + 1,
						 child_type, false);
			if (child < 0)
				return;
			if (prev < 0)
				c->parts[idx].first_child = child;
			else
				c->parts[prev].next_sibling = child;
		}
	}
}

static void parse_body(struct rx_ctx *c, int idx, unsigned depth)
{
	struct rx_part *p = &c->parts[idx];
	unsigned number = (unsigned)idx + 1;

	if (!strncmp(p->type, "multipart/", 10)) {
		if (p->cte != RX_CTE_IDENTITY) {
			rx_error(c, IRS_E_RX_MIME, "part %u (%s): a multipart cannot be encoded",
				 number, p->type);
		} else if (p->boundary[0] == '\1') {
			rx_error(c, IRS_E_RX_MIME,
				 "part %u (%s): boundary longer than %d characters", number,
				 p->type, RX_MAX_BOUNDARY);
		} else if (!p->boundary[0]) {
			rx_error(c, IRS_E_RX_MIME, "part %u (%s): no boundary parameter", number,
				 p->type);
		} else {
			split_multipart(c, idx, depth);
		}
	} else if (!strcmp(p->type, "message/rfc822") || !strcmp(p->type, "message/global")) {
		const unsigned char *data;
		size_t len;
		int child;

		if (rx_part_decode(c, p, number, &data, &len))
			return;
		child = parse_entity(c, (const char *)data, len, idx, depth + 1, "text/plain",
				     false);
		if (child >= 0)
			c->parts[idx].first_child = child;
	}
}

static int parse_entity(struct rx_ctx *c, const char *text, size_t len, int parent, unsigned depth,
			const char *default_type, bool top)
{
	struct fields f = { .c = c, .top = top };
	struct rx_part *p;
	size_t body;
	char why[128];
	int idx;

	if (depth > RX_MAX_DEPTH) {
		rx_error(c, IRS_E_RX_MIME, "MIME parts nested deeper than %d levels", RX_MAX_DEPTH);
		return -1;
	}
	if (c->nparts >= RX_MAX_PARTS) {
		rx_error(c, IRS_E_RX_MIME, "more than %d MIME parts", RX_MAX_PARTS);
		return -1;
	}
	idx = (int)c->nparts++;
	p = &c->parts[idx];
	memset(p, 0, sizeof(*p));
	p->parent = parent;
	p->first_child = p->next_sibling = -1;
	p->depth = depth;
	p->hdr = text;
	f.p = p;
	if (rx_header_scan(text, len, &body, on_field, &f, why, sizeof(why))) {
		rx_error(c, IRS_E_RX_MIME, "part %d: %s", idx + 1, why);
		strcpy(p->type, "x-irsend/broken"); /* nothing of it is used */
		return idx;
	}
	p->hdr_len = body;
	p->body = text + body;
	p->body_len = len - body;
	if (!p->type[0])
		strcpy(p->type, default_type);
	p->cte = cte_of(f.cte);
	parse_body(c, idx, depth);
	return idx;
}

int rx_mime_parse(struct rx_ctx *c, const char *msg, size_t len)
{
	c->parts = calloc(RX_MAX_PARTS, sizeof(*c->parts));
	c->nparts = 0;
	if (!c->parts)
		return -1;
	/* An mbox "From " line before the header is no field: not the sender's fault. */
	if (len > 5 && !memcmp(msg, "From ", 5)) {
		const char *nl = memchr(msg, '\n', len);
		size_t skip = nl ? (size_t)(nl - msg) + 1 : len;

		msg += skip;
		len -= skip;
	}
	if (!len) {
		rx_error(c, IRS_E_RX_MIME, "the message is empty");
		return 0;
	}
	parse_entity(c, msg, len, -1, 0, "text/plain", true);
	return 0;
}
