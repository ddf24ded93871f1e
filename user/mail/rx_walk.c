// SPDX-License-Identifier: GPL-2.0
/*
 * What each part of a received message becomes: the policy table of
 * rx_message.h (text, TIFF pages, ignored, or a reception error), applied
 * to the MIME tree in document order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rx_priv.h"

static const char *const tiff_types[] = { "image/tiff", "image/tif", "image/x-tiff",
					  "application/tiff", "image/tiff-fx" };

/* Parts that carry nothing to output and are no error either. */
static const char *const ignored_types[] = {
	"text/vcard",
	"text/x-vcard",
	"text/directory",
	"text/rfc822-headers",
	"application/pgp-signature",
	"application/pkcs7-signature",
	"application/x-pkcs7-signature",
	"application/pgp-keys",
	"message/delivery-status",
	"message/disposition-notification",
	"message/global-delivery-status",
	"message/global-disposition-notification",
	"x-irsend/broken", /* a part whose header was garbage: its #819 is recorded */
};

/* Formats that are documents, just not ones we can output (#818 rather than #827). */
static const char *const unprintable_types[] = { "application/pdf", "application/postscript",
						 "application/x-pdf" };

static bool in_list(const char *type, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(type, list[i]))
			return true;
	return false;
}

#define IN_LIST(type, list) in_list(type, list, sizeof(list) / sizeof(list[0]))

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static bool name_is_tiff(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && !strcasecmp(name + n - 4, ".tif")) ||
	       (n > 5 && !strcasecmp(name + n - 5, ".tiff"));
}

/*
 * A TIFF met in part number: validated now, so that errors come in
 * document order, and kept whole or not at all.
 */
static void add_tiff(struct rx_ctx *c, unsigned number, const unsigned char *data, size_t len)
{
	struct rx_tiff_check chk;
	struct rx_tiff_blob *t;

	c->saw_tiff = true;
	if (c->pages_full)
		return;
	if (c->ntiffs >= RX_MAX_PARTS) {
		rx_error(c, IRS_E_RX_MIME, "more than %d files in the message", RX_MAX_PARTS);
		return;
	}
	if (c->pages == c->lim.max_pages) {
		chk = (struct rx_tiff_check){ .more = true };
	} else {
		rx_tiff_validate(data, len, c->lim.max_pages - c->pages, &c->budget, &chk);
		if (chk.errcode) {
			rx_error(c, chk.errcode, "part %u: %s", number, chk.detail);
			c->pages_full = chk.errcode == IRS_E_RX_TOO_MANY_PAGES;
			return;
		}
	}
	if (chk.more) {
		rx_error(c, IRS_E_RX_TOO_MANY_PAGES, "more than %u pages: the first %u are kept",
			 c->lim.max_pages, c->lim.max_pages);
		c->pages_full = true;
	}
	if (!chk.pages)
		return;
	t = realloc(c->tiffs, (c->ntiffs + 1) * sizeof(*t));
	if (!t) {
		c->io_errno = ENOMEM;
		return;
	}
	c->tiffs = t;
	c->tiffs[c->ntiffs++] =
		(struct rx_tiff_blob){ .data = data, .len = len, .pages = chk.pages };
	c->pages += chk.pages;
}

void rx_walk_file(struct rx_ctx *c, unsigned number, const char *name, const unsigned char *data,
		  size_t len)
{
	if ((len >= 4 && (!memcmp(data, "II*\0", 4) || !memcmp(data, "MM\0*", 4) ||
			  !memcmp(data, "II+\0", 4) || !memcmp(data, "MM\0+", 4))) ||
	    name_is_tiff(name)) {
		add_tiff(c, number, data, len);
	} else if (len >= 4 && (!memcmp(data, "%PDF", 4) || !memcmp(data, "%!PS", 4))) {
		rx_error(c, IRS_E_RX_UNPRINTABLE,
			 "part %u: a PDF or PostScript file cannot be output", number);
	} else if (len >= 4 && (!memcmp(data, "\xff\xd8\xff", 3) || !memcmp(data, "\x89PNG", 4) ||
				!memcmp(data, "GIF8", 4) || !memcmp(data, "BM", 2))) {
		rx_error(c, IRS_E_RX_UNPRINTABLE,
			 "part %u: a JPEG, PNG, GIF or BMP image cannot be output", number);
	} else if (len) {
		rx_error(c, IRS_E_RX_UNSUPPORTED_MIME, "part %u: a file of unknown kind", number);
	}
}

static void leaf(struct rx_ctx *c, size_t i)
{
	const struct rx_part *p = &c->parts[i];
	unsigned number = (unsigned)i + 1;
	const unsigned char *data;
	size_t len;

	if (IN_LIST(p->type, ignored_types))
		return;
	if (!strcmp(p->type, "text/html")) {
		rx_error(c, IRS_E_RX_HTML,
			 "part %u: HTML (text/html) without a plain-text alternative", number);
		return;
	}
	if (!strncmp(p->type, "text/", 5)) {
		if (!rx_part_decode(c, p, number, &data, &len))
			rx_text_add(c, p, number, data, len);
		return;
	}
	if (IN_LIST(p->type, tiff_types)) {
		if (!rx_part_decode(c, p, number, &data, &len))
			add_tiff(c, number, data, len);
		return;
	}
	/* An empty attachment carries nothing: no error for what it claims to be. */
	if (blank(p->body, p->body_len))
		return;
	if (!strcmp(p->type, "application/octet-stream")) {
		if (!rx_part_decode(c, p, number, &data, &len))
			rx_walk_file(c, number, p->filename, data, len);
		return;
	}
	if (IN_LIST(p->type, unprintable_types) || !strncmp(p->type, "image/", 6)) {
		rx_error(c, IRS_E_RX_UNPRINTABLE, "part %u (%s): this format cannot be output",
			 number, p->type);
		return;
	}
	rx_error(c, IRS_E_RX_UNSUPPORTED_MIME, "part %u (%s): content type not accepted", number,
		 p->type);
}

/* multipart/alternative: text/plain first, then the last that is not HTML (RFC 2046 5.1.4). */
static int alternative(const struct rx_ctx *c, size_t i)
{
	int plain = -1, other = -1;

	for (int k = c->parts[i].first_child; k >= 0; k = c->parts[k].next_sibling) {
		const char *t = c->parts[k].type;

		if (!strcmp(t, "text/plain"))
			plain = plain < 0 ? k : plain;
		else if (strcmp(t, "text/html") && !IN_LIST(t, ignored_types))
			other = k;
	}
	return plain >= 0 ? plain : other >= 0 ? other : c->parts[i].first_child;
}

static void walk(struct rx_ctx *c, size_t i)
{
	const struct rx_part *p = &c->parts[i];

	if (!strcmp(p->type, "multipart/alternative")) {
		int k = alternative(c, i);

		if (k >= 0)
			walk(c, (size_t)k);
	} else if (!strcmp(p->type, "multipart/signed")) {
		if (p->first_child >= 0)
			walk(c, (size_t)p->first_child); /* the signature part adds nothing */
	} else if (!strncmp(p->type, "multipart/", 10) || !strcmp(p->type, "message/rfc822") ||
		   !strcmp(p->type, "message/global")) {
		for (int k = p->first_child; k >= 0; k = c->parts[k].next_sibling)
			walk(c, (size_t)k);
	} else if (!strncmp(p->type, "message/", 8) && !IN_LIST(p->type, ignored_types)) {
		/* message/partial and message/external-body: nothing we could reassemble or fetch.
		 */
		rx_error(c, IRS_E_RX_UNSUPPORTED_MIME, "part %zu (%s): content type not accepted",
			 i + 1, p->type);
	} else {
		leaf(c, i);
	}
}

void rx_walk(struct rx_ctx *c)
{
	const struct rx_part *root;

	if (!c->nparts)
		return;
	root = &c->parts[0];
	if (!strcmp(root->type, "multipart/report") &&
	    (!strcmp(root->report_type, "delivery-status") ||
	     !strcmp(root->report_type, "disposition-notification"))) {
		rx_report_read(c, 0);
		return;
	}
	walk(c, 0);
}
