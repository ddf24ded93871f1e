// SPDX-License-Identifier: GPL-2.0
/*
 * text.txt: the text parts of a received message in UTF-8, one line end
 * convention (LF), no control characters that could drive a terminal or a
 * printer (TAB and FF stay), and at most IFAX-LIM lines: past them the text
 * is cut and the reception is #835. uuencoded files inside a text part
 * ("begin 644 name" .. "end") are taken out and handled as attachments.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rx_priv.h"

static FILE *text_file(struct rx_ctx *c)
{
	char path[4096];

	if (c->text || c->io_errno)
		return c->text;
	snprintf(path, sizeof(path), "%s/text.txt", c->out_dir);
	c->text = fopen(path, "we");
	if (!c->text)
		c->io_errno = errno ? errno : EIO;
	else
		c->res->has_text = true;
	return c->text;
}

static void text_put(struct rx_ctx *c, const char *s, size_t n)
{
	FILE *f = text_file(c);
	unsigned max = c->lim.max_text_lines;

	for (size_t i = 0; f && i < n && !c->text_cut; i++) {
		char ch = s[i];

		if (ch == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			ch = '\n';
		}
		if (((unsigned char)ch < 0x20 && ch != '\t' && ch != '\f' && ch != '\n') ||
		    ch == 0x7f)
			continue;
		if (max && c->res->text_lines == max) {
			rx_error(c, IRS_E_RX_TOO_MANY_LINES, "text longer than %u lines: cut there",
				 max);
			c->text_cut = true;
			break;
		}
		putc(ch, f);
		c->text_midline = ch != '\n';
		if (ch == '\n')
			c->res->text_lines++;
	}
}

static void text_flush(struct rx_ctx *c, const struct rx_part *p, const unsigned char *data,
		       size_t len)
{
	struct mbuf u = { 0 };

	if (!len)
		return;
	rx_to_utf8(&u, p->charset, (const char *)data, len);
	if (u.failed)
		c->io_errno = ENOMEM;
	else
		text_put(c, u.p, u.len);
	free(u.p);
}

void rx_text_add(struct rx_ctx *c, const struct rx_part *p, unsigned number,
		 const unsigned char *data, size_t len)
{
	unsigned char *files = NULL; /* every uuencoded file of the part, one after the other */
	size_t pos = 0, seg = 0, files_used = 0;

	text_file(c);
	while (pos < len) {
		const unsigned char *nl = memchr(data + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - data) + 1 : len, used;
		char name[256];
		long n;

		if (len - pos < 6 || memcmp(data + pos, "begin ", 6)) {
			pos = next;
			continue;
		}
		if (!files)
			files = rx_own(c, malloc(RX_UU_ROOM(len)));
		if (!files) {
			c->io_errno = ENOMEM;
			return;
		}
		n = rx_uu_decode((const char *)data + pos, len - pos, &used, files + files_used,
				 RX_UU_ROOM(len) - files_used, name, sizeof(name));
		if (!n && !used) {
			pos = next; /* "begin" in a sentence */
			continue;
		}
		text_flush(c, p, data + seg, pos - seg);
		if (n < 0) {
			rx_error(c, IRS_E_RX_ENCODING, "part %u: broken uuencoded file", number);
			seg = pos = len;
			break;
		}
		rx_walk_file(c, number, name, files + files_used, (size_t)n);
		files_used += (size_t)n;
		pos += used;
		seg = pos;
	}
	text_flush(c, p, data + seg, len - seg);
	if (c->text && c->text_midline && !c->text_cut) {
		putc('\n', c->text);
		c->text_midline = false;
		c->res->text_lines++;
	}
}
