// SPDX-License-Identifier: GPL-2.0
/*
 * DATA decoding as a five-state machine; the bytes between line ends are
 * found with a tight scan and copied in one go, so that a 10 MB fax costs
 * a memcpy, not a switch per byte.
 */
#include <string.h>

#include "smtpd_data.h"

enum {
	ST_SOL,	  /* at the start of a line */
	ST_TEXT,  /* inside a line */
	ST_CR,	  /* after a CR inside a line */
	ST_DOT,	  /* after a '.' at the start of a line */
	ST_DOTCR, /* after "." CR at the start of a line */
};

void smtpd_data_init(struct smtpd_data *d, size_t max_line)
{
	memset(d, 0, sizeof(*d));
	d->state = ST_SOL;
	d->max_line = max_line;
}

static void check_line(struct smtpd_data *d, size_t with_crlf)
{
	if (d->max_line && with_crlf > d->max_line)
		d->overlong = true;
}

enum smtpd_data_status smtpd_data_decode(struct smtpd_data *d, const char *in, size_t len,
					 char *out, size_t *outlen, size_t *used)
{
	size_t i = 0, o = 0;
	enum smtpd_data_status st = SMTPD_DATA_MORE;

	while (i < len && st == SMTPD_DATA_MORE) {
		char c = in[i];
		size_t start;

		switch (d->state) {
		case ST_SOL:
			d->line_len = 0;
			if (c == '.') {
				d->state = ST_DOT;
				d->line_len = 1;
				i++;
			} else {
				d->state = ST_TEXT; /* c is looked at again there */
			}
			break;
		case ST_TEXT:
			start = i;
			while (i < len && in[i] != '\r' && in[i] != '\n')
				i++;
			memcpy(out + o, in + start, i - start);
			o += i - start;
			d->line_len += i - start;
			check_line(d, d->line_len + 2);
			if (i == len)
				break;
			if (in[i] == '\n') {
				st = SMTPD_DATA_BARE_LF;
				break;
			}
			out[o++] = '\r';
			d->state = ST_CR;
			i++;
			break;
		case ST_CR:
			if (c != '\n') {
				st = SMTPD_DATA_BARE_CR;
				break;
			}
			out[o++] = '\n';
			i++;
			d->state = ST_SOL;
			break;
		case ST_DOT:
			if (c == '\r') {
				d->state = ST_DOTCR;
				i++;
			} else if (c == '\n') {
				st = SMTPD_DATA_BARE_LF;
			} else {
				/* the first dot goes (RFC 5321 4.5.2); c starts the rest */
				d->state = ST_TEXT;
			}
			break;
		default: /* ST_DOTCR */
			if (c != '\n') {
				st = SMTPD_DATA_BARE_CR;
				break;
			}
			i++;
			st = SMTPD_DATA_END;
			break;
		}
	}
	*outlen = o;
	*used = i;
	return st;
}
