// SPDX-License-Identifier: GPL-2.0
/*
 * Whether a file name is taken in the current directory: SIZE (RFC 3659)
 * where the server has it, MLST where it has that, NLST (RFC 959, every
 * server) otherwise; what a server lacks is remembered for the session.
 */
#include <string.h>

#include "errcodes.h"
#include "ftp_priv.h"

/* Most names an NLST may list: a server that streams forever is a protocol error. */
#define NLST_LINES_MAX 100000

/* 500-504: the command (or this use of it) is not implemented. */
static int unknown(int reply)
{
	return reply >= 500 && reply <= 504;
}

static int nlst_has(struct irs_ftp *s, const char *name)
{
	struct ftp_data d;
	unsigned int r = ftp_data_open(s, &d);
	int found = 0, lines = 0;

	if (r)
		return -(int)r;
	r = ftp_cmd(s, NULL, "NLST %s", name);
	if (!r && s->reply < 200)
		r = ftp_data_ready(s, &d);
	if (r || s->reply >= 200) {
		ftp_data_close(&d);
		if (r)
			return -(int)r;
		/* "550 No files found" (IIS) and "450" (others): nothing of that name. */
		return s->reply / 100 == 2 || s->reply == 550 || s->reply == 450
			       ? 0
			       : -(int)ftp_fail_reply(s, IRS_E_SERVER);
	}
	for (;;) {
		char *line, *base;
		size_t len;
		int rc = irs_conn_read_line(d.c, &line, &len);

		if (rc == IRS_CONN_EOF || rc == IRS_CONN_IO)
			break; /* the end of the list; the reply says whether it was whole */
		if (rc) {
			ftp_data_close(&d);
			return -(int)ftp_fail(
				s, rc == IRS_CONN_CANCELLED ? IRS_E_CANCELLED : IRS_E_SERVER,
				rc != IRS_CONN_CANCELLED, "NLST: %s", irs_conn_error(d.c));
		}
		if (++lines > NLST_LINES_MAX) {
			ftp_data_close(&d);
			s->broken = 1;
			return -(int)ftp_fail(s, IRS_E_SERVER, 1, "NLST longer than %d lines",
					      NLST_LINES_MAX);
		}
		/* Some servers list "dir/name" for "NLST name". */
		base = memrchr(line, '/', len);
		base = base ? base + 1 : line;
		if (!strcmp(base, name))
			found = 1;
	}
	ftp_data_close(&d);
	r = ftp_read_reply(s);
	for (int i = 0; !r && s->reply < 200 && i < 10; i++)
		r = ftp_read_reply(s);
	if (r)
		return -(int)r;
	if (s->reply / 100 != 2)
		return -(int)ftp_fail_reply(s, IRS_E_SERVER);
	return found;
}

int ftp_exists(struct irs_ftp *s, const char *name)
{
	unsigned int r;

	if (s->has_size) {
		r = ftp_cmd_final(s, NULL, "SIZE %s", name);
		if (r)
			return -(int)r;
		if (s->reply == 213 || s->reply == 550) {
			s->has_size = 1;
			return s->reply == 213;
		}
		if (!unknown(s->reply))
			return -(int)ftp_fail_reply(s, IRS_E_SERVER);
		s->has_size = 0;
	}
	if (s->has_mlst) {
		r = ftp_cmd_final(s, NULL, "MLST %s", name);
		if (r)
			return -(int)r;
		if (s->reply == 250 || s->reply == 550) {
			s->has_mlst = 1;
			return s->reply == 250;
		}
		if (!unknown(s->reply))
			return -(int)ftp_fail_reply(s, IRS_E_SERVER);
		s->has_mlst = 0;
	}
	return nlst_has(s, name);
}
