// SPDX-License-Identifier: GPL-2.0
/*
 * The DATA stream: the caller's bytes with every line end made CRLF and
 * every line that starts with '.' given another one (RFC 5321 4.5.2),
 * block by block, so that a message of any size costs two buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "errcodes.h"
#include "smtp_priv.h"

#define IN_BLOCK 32768
/* Each input byte becomes at most two output bytes ("\n" -> "\r\n", "." -> ".."). */
#define OUT_BLOCK (2 * IN_BLOCK + 8)

struct stuffer {
	int at_bol;	/* the next byte starts a line */
	int pending_cr; /* a CR was seen; whether LF follows decides nothing: it ends a line */
};

/*
 * Translate n bytes of in into out; returns the bytes written. The bytes
 * between line ends go over in one memcpy (memchr finds the ends, each
 * searched again only once passed: linear also for CR-only or LF-only
 * text): a 2 MB attachment is 2 MB of base64 lines, and a byte-by-byte
 * loop cost about as much as their TLS encryption.
 */
static size_t stuff(struct stuffer *st, const char *in, size_t n, char *out)
{
	size_t o = 0, i = 0, next_lf = 0, next_cr = 0; /* n: none left */
	const char *p;

	while (i < n) {
		char ch = in[i];
		size_t end;

		if (st->pending_cr) {
			st->pending_cr = 0;
			out[o++] = '\r';
			out[o++] = '\n';
			st->at_bol = 1;
			if (ch == '\n') {
				i++;
				continue;
			}
		}
		if (ch == '\r') {
			st->pending_cr = 1;
			i++;
			continue;
		}
		if (ch == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			st->at_bol = 1;
			i++;
			continue;
		}
		if (st->at_bol && ch == '.')
			out[o++] = '.';
		st->at_bol = 0;
		/* The rest of the line: up to the next CR or LF, or the end of the block. */
		if (next_lf <= i) {
			p = memchr(in + i, '\n', n - i);
			next_lf = p ? (size_t)(p - in) : n;
		}
		if (next_cr <= i) {
			p = memchr(in + i, '\r', n - i);
			next_cr = p ? (size_t)(p - in) : n;
		}
		end = next_lf < next_cr ? next_lf : next_cr;
		memcpy(out + o, in + i, end - i);
		o += end - i;
		i = end;
	}
	return o;
}

/* The end: finish an open line, then the lone dot. */
static size_t finish(struct stuffer *st, char *out)
{
	size_t o = 0;

	if (st->pending_cr || !st->at_bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

unsigned int smtp_data_stream(struct irs_smtp *s, struct irs_smtp_msg *msg)
{
	struct stuffer st = { .at_bol = 1 };
	char *in = malloc(IN_BLOCK), *out = malloc(OUT_BLOCK);
	unsigned int rc = 0;
	int w;

	if (!in || !out) {
		s->broken = 1; /* the server waits for data: only hanging up ends that */
		rc = smtp_fail(s, IRS_E_NETWORK, 1, "out of memory");
		goto out;
	}
	if (s->o.trace)
		s->o.trace(s->o.trace_arg, '>', "<message>");
	for (;;) {
		long n;

		if ((rc = smtp_check_cancel(s)))
			goto out;
		n = msg->read(msg->read_arg, in, IN_BLOCK);
		if (n < 0) {
			/* Never the final dot after a broken read: the server would deliver half a
			 * message. */
			s->broken = 1;
			rc = smtp_fail(s, n < -1 ? (unsigned int)-n : IRS_E_SERVER, 0,
				       "reading the message to send failed");
			goto out;
		}
		if (n == 0)
			break;
		w = irs_conn_write(s->c, out, stuff(&st, in, (size_t)n, out));
		if (w) {
			rc = smtp_fail_conn(s, w);
			goto out;
		}
	}
	w = irs_conn_write(s->c, out, finish(&st, out));
	if (w)
		rc = smtp_fail_conn(s, w);
out:
	free(in);
	free(out);
	return rc;
}
