// SPDX-License-Identifier: GPL-2.0
/*
 * FTP commands and replies: failures recorded once, the trace, RFC 959
 * multi-line replies read within bounds, and the 227/229 parsers.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errcodes.h"
#include "ftp_priv.h"

/* 1xx replies one command may get before its final one (servers send one, or none). */
#define PRELIM_MAX 10

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned int ftp_fail(struct irs_ftp *s, unsigned int code, int temporary, const char *fmt, ...)
{
	struct irs_ftp_result *r = s->res;
	va_list ap;

	if (r->code && r->code != IRS_E_SENT)
		return r->code;
	r->code = code;
	r->temporary = temporary;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(r->text, sizeof(r->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

unsigned int ftp_fail_reply(struct irs_ftp *s, unsigned int code)
{
	return ftp_fail(s, code, s->reply / 100 == 4, "%d %s", s->reply, s->last);
}

unsigned int ftp_fail_conn(struct irs_ftp *s, struct irs_conn *c, int status)
{
	unsigned int code;

	s->broken = 1;
	switch (status) {
	case IRS_CONN_DNS:
		code = IRS_E_DNS;
		break;
	case IRS_CONN_REFUSED:
	case IRS_CONN_EOF:
	case IRS_CONN_IO:
		code = IRS_E_NO_RESPONSE;
		break;
	case IRS_CONN_CANCELLED:
		code = IRS_E_CANCELLED;
		break;
	case IRS_CONN_TLS:
		code = irs_conn_errcode(c, status);
		break;
	default: /* timeouts, overlong lines, no memory */
		code = IRS_E_SERVER;
		break;
	}
	/* TLS failures and a cancel need someone to act; the rest may pass. */
	return ftp_fail(s, code,
			code == IRS_E_DNS || code == IRS_E_NO_RESPONSE || code == IRS_E_SERVER,
			"%s", irs_conn_error(c));
}

/*
 * A printable copy of len bytes of src in dst (dstlen > 0): control bytes
 * as '?', and the password, should a hostile server echo it, as "****".
 */
static void shown(const struct irs_ftp *s, const char *src, size_t len, char *dst, size_t dstlen)
{
	const char *pw = s->o->password;
	size_t pwlen = pw ? strlen(pw) : 0, o = 0;

	for (size_t i = 0; i < len && o + 1 < dstlen;) {
		if (pwlen && len - i >= pwlen && !memcmp(src + i, pw, pwlen)) {
			for (int k = 0; k < 4 && o + 1 < dstlen; k++)
				dst[o++] = '*';
			i += pwlen;
			continue;
		}
		dst[o++] = isprint((unsigned char)src[i]) ? src[i] : '?';
		i++;
	}
	dst[o] = '\0';
}

void ftp_trace(struct irs_ftp *s, char dir, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	if (!s->o->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->o->trace(s->o->trace_arg, dir, line);
}

/* Append text to s->last (lines joined by a space). */
static void keep(struct irs_ftp *s, const char *text, size_t len, int first)
{
	size_t used = first ? 0 : strlen(s->last);

	if (!first && used + 1 < sizeof(s->last))
		s->last[used++] = ' ';
	shown(s, text, len, s->last + used, sizeof(s->last) - used);
}

static int is_code(const char *l, size_t len)
{
	return len >= 3 && l[0] >= '1' && l[0] <= '5' && isdigit((unsigned char)l[1]) &&
	       isdigit((unsigned char)l[2]);
}

unsigned int ftp_read_reply(struct irs_ftp *s)
{
	long long deadline = now_ms() + s->o->timeout_ms;
	size_t total = 0;
	char code[3];

	/*
	 * "ddd text" alone, or "ddd-text", any lines, and "ddd text" (or a bare
	 * "ddd") with the same code at the end; inner lines may look like
	 * anything, "ddd-" prefixes and other codes included (RFC 959 4.2).
	 * The whole reply shares one deadline, so a server that dribbles
	 * continuation lines cannot stretch it line by line.
	 */
	for (int n = 0; n < FTP_REPLY_LINES_MAX; n++) {
		long long left = deadline - now_ms();
		char *line, seen[200];
		size_t len;
		int rc;

		if (left <= 0)
			left = 1;
		irs_conn_set_timeout(s->ctl, (int)left);
		rc = irs_conn_read_line(s->ctl, &line, &len);
		irs_conn_set_timeout(s->ctl, s->o->timeout_ms);
		if (rc)
			return ftp_fail_conn(s, s->ctl, rc);
		total += len;
		if (total > FTP_REPLY_BYTES_MAX) {
			s->broken = 1;
			return ftp_fail(s, IRS_E_SERVER, 1, "server reply longer than %d bytes",
					FTP_REPLY_BYTES_MAX);
		}
		shown(s, line, len, seen, sizeof(seen));
		ftp_trace(s, '<', "%s", seen);
		if (n == 0) {
			if (!is_code(line, len) || (len > 3 && line[3] != ' ' && line[3] != '-')) {
				s->broken = 1;
				return ftp_fail(s, IRS_E_SERVER, 1,
						"malformed reply from the server: %.80s", seen);
			}
			memcpy(code, line, 3);
			keep(s, len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0, 1);
			if (len == 3 || line[3] == ' ')
				goto done;
			continue;
		}
		if (len >= 3 && !memcmp(line, code, 3) && (len == 3 || line[3] == ' ')) {
			keep(s, len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0, 0);
			goto done;
		}
		/* "ddd-" on an inner line is decoration; the rest is text. */
		if (len >= 4 && !memcmp(line, code, 3) && line[3] == '-')
			keep(s, line + 4, len - 4, 0);
		else
			keep(s, line, len, 0);
	}
	s->broken = 1;
	return ftp_fail(s, IRS_E_SERVER, 1, "server reply longer than %d lines",
			FTP_REPLY_LINES_MAX);
done:
	s->reply = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	s->res->reply = s->reply;
	return 0;
}

static unsigned int vcmd(struct irs_ftp *s, const char *redact, const char *fmt, va_list ap)
{
	char line[1200];
	int n, rc;

	if (s->broken)
		return ftp_fail(s, IRS_E_NO_RESPONSE, 1, "the control connection is lost");
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	/* Names come from settings: a CR or LF in one would be a second command. */
	if (n < 0 || (size_t)n >= sizeof(line) - 2 || strpbrk(line, "\r\n")) {
		explicit_bzero(line, sizeof(line));
		return ftp_fail(s, IRS_E_SERVER, 0, "command too long or with a line break");
	}
	ftp_trace(s, '>', "%s", redact ? redact : line);
	memcpy(line + n, "\r\n", 2);
	rc = irs_conn_write(s->ctl, line, (size_t)n + 2);
	explicit_bzero(line, sizeof(line)); /* it may be PASS */
	if (rc)
		return ftp_fail_conn(s, s->ctl, rc);
	return ftp_read_reply(s);
}

unsigned int ftp_cmd(struct irs_ftp *s, const char *redact, const char *fmt, ...)
{
	va_list ap;
	unsigned int r;

	va_start(ap, fmt);
	r = vcmd(s, redact, fmt, ap);
	va_end(ap);
	return r;
}

unsigned int ftp_cmd_final(struct irs_ftp *s, const char *redact, const char *fmt, ...)
{
	va_list ap;
	unsigned int r;

	va_start(ap, fmt);
	r = vcmd(s, redact, fmt, ap);
	va_end(ap);
	for (int i = 0; !r && s->reply < 200 && i < PRELIM_MAX; i++)
		r = ftp_read_reply(s);
	if (!r && s->reply < 200) {
		s->broken = 1;
		return ftp_fail(s, IRS_E_SERVER, 1, "server sent only preliminary replies");
	}
	return r;
}

/* Up to max decimal numbers 0..65535 separated by commas from p; the count read. */
static int numbers(const char *p, unsigned long *v, int max)
{
	int n = 0;

	while (n < max) {
		unsigned long x = 0;
		int digits = 0;

		while (isdigit((unsigned char)*p) && digits < 6) {
			x = x * 10 + (unsigned long)(*p++ - '0');
			digits++;
		}
		if (!digits || isdigit((unsigned char)*p))
			return n;
		v[n++] = x;
		if (*p != ',')
			return n;
		p++;
	}
	return n;
}

int ftp_parse_227(const char *text, unsigned long *addr, unsigned int *port)
{
	/* The first run of six comma-separated numbers anywhere in the text (RFC 1123 4.1.2.6). */
	for (const char *p = text; *p; p++) {
		unsigned long v[6];

		if (!isdigit((unsigned char)*p) || (p > text && isdigit((unsigned char)p[-1])))
			continue;
		if (numbers(p, v, 6) != 6)
			continue;
		for (int i = 0; i < 6; i++)
			if (v[i] > 255)
				return -1;
		*addr = v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3];
		*port = (unsigned int)(v[4] << 8 | v[5]);
		return *port ? 0 : -1;
	}
	return -1;
}

int ftp_parse_229(const char *text, unsigned int *port)
{
	const char *p = strchr(text, '(');
	unsigned long v = 0;
	char d;
	int digits = 0;

	/* "(<d><d><d>port<d>)": the network and address fields stay empty (RFC 2428 3). */
	if (!p || p[1] < 33 || p[1] > 126 || isdigit((unsigned char)p[1]))
		return -1;
	d = p[1];
	if (p[2] != d || p[3] != d)
		return -1;
	for (p += 4; isdigit((unsigned char)*p) && digits < 6; p++, digits++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (!digits || *p != d || p[1] != ')' || v == 0 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}
