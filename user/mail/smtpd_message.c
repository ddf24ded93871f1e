// SPDX-License-Identifier: GPL-2.0
/*
 * One message after DATA: a spool file made before the 354 (so a full
 * disk is a 452 before the client sends anything), our Received: header,
 * the decoded data under the stall rule and the size limit, and the
 * hand-over to deliver() that decides the final reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "smtpd_data.h"
#include "smtpd_priv.h"

#define SPOOL_BUF (64 * 1024)

struct spool {
	int fd;
	char part[4096 + 32]; /* DIR/ID.part while DATA arrives */
	char eml[4096 + 32];  /* DIR/ID.eml once complete */
	char *buf;
	size_t len;
	int write_errno; /* the first failed write; the rest of the data is only read */
};

/* 12 upper-case hex digits: the queue id, also the spool file's name. */
static void new_id(char id[13])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char r[6];

	if (RAND_bytes(r, sizeof(r)) != 1) {
		/* no randomness: time and address are unique enough, O_EXCL checks the rest */
		struct timespec ts;
		uint64_t v;

		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^ (uintptr_t)id;
		memcpy(r, &v, sizeof(r));
	}
	for (int i = 0; i < 6; i++) {
		id[2 * i] = hex[r[i] >> 4];
		id[2 * i + 1] = hex[r[i] & 15];
	}
	id[12] = '\0';
}

static int spool_open(struct smtpd_session *ss, struct spool *sp)
{
	const char *dir = ss->srv->o.spool_dir;

	for (int tries = 0; tries < 8; tries++) {
		new_id(ss->env.id);
		snprintf(sp->part, sizeof(sp->part), "%s/%s.part", dir, ss->env.id);
		snprintf(sp->eml, sizeof(sp->eml), "%s/%s.eml", dir, ss->env.id);
		sp->fd = open(sp->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (sp->fd >= 0 || errno != EEXIST)
			break;
	}
	if (sp->fd < 0)
		return -1;
	sp->buf = malloc(SPOOL_BUF);
	if (!sp->buf) {
		close(sp->fd);
		unlink(sp->part);
		errno = ENOMEM;
		return -1;
	}
	sp->len = 0;
	sp->write_errno = 0;
	return 0;
}

static void spool_flush(struct spool *sp)
{
	size_t off = 0;

	while (!sp->write_errno && off < sp->len) {
		ssize_t n = write(sp->fd, sp->buf + off, sp->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			sp->write_errno = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	sp->len = 0;
}

/* Close and remove the file (path: whichever name it has now). */
static void spool_drop(struct spool *sp, const char *path)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	unlink(path);
	free(sp->buf);
	sp->buf = NULL;
}

/* RFC 5322 date-time in local time, without the locale's names. */
static void rfc5322_date(char *buf, size_t len)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;
	long off;

	localtime_r(&now, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/*
 * Received: (RFC 5321 4.4) with what we know for sure: the client's name
 * for itself, its address (no reverse lookup: no DNS on the receive path),
 * TLS, our id, the recipient when there is one. Every part was checked by
 * the parser, so none can fold or inject a header.
 */
static size_t received_header(const struct smtpd_session *ss, char *buf, size_t len)
{
	const struct smtpd_envelope *e = &ss->env;
	const char *proto = e->tls ? "ESMTPS" : e->esmtp ? "ESMTP" : "SMTP";
	char date[64], literal[80], tls[128] = "", rcpt[SMTPD_PATH_MAX + 16] = "";
	int n;

	rfc5322_date(date, sizeof(date));
	if (e->peer[0] == '[')
		snprintf(literal, sizeof(literal), "[IPv6:%s", e->peer + 1);
	else
		snprintf(literal, sizeof(literal), "[%s]", e->peer);
	if (e->tls)
		snprintf(tls, sizeof(tls), "\t(using %s with cipher %s)\r\n", e->tls_version,
			 e->tls_cipher);
	if (e->nrcpt == 1)
		snprintf(rcpt, sizeof(rcpt), "\r\n\tfor <%s>", e->rcpt[0]);
	n = snprintf(buf, len,
		     "Received: from %s (%s)\r\n%s\tby %s (irsend) with %s id %s%s;\r\n\t%s\r\n",
		     e->helo, literal, tls, ss->srv->hostname, proto, e->id, rcpt, date);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

/* deliver()'s refusal if it is one 4xx/5xx line of printable ASCII; a generic one otherwise. */
static const char *checked_reply(const char *r)
{
	size_t n = strlen(r);

	if (n < 3 || (r[0] != '4' && r[0] != '5') || r[1] < '0' || r[1] > '9' || r[2] < '0' ||
	    r[2] > '9' || (n > 3 && r[3] != ' ') || n > 510)
		return "451 4.3.0 Error: local delivery failed";
	for (size_t i = 0; i < n; i++)
		if (r[i] < 32 || r[i] > 126)
			return "451 4.3.0 Error: local delivery failed";
	return r;
}

/* How the data ended, besides the io statuses (which are negative). */
enum outcome { GOT_ALL = 1, STALLED, BARE_LF, BARE_CR, GONE };

/*
 * Read the data to its end into sp (or only read it once sp is not to be
 * written any more). io status or an outcome of the stream itself.
 */
static int read_data(struct smtpd_session *ss, struct spool *sp, struct smtpd_data *dec,
		     bool *too_big)
{
	const struct smtpd_opts *o = &ss->srv->o;
	int64_t window_start = smtpd_now_ms();
	size_t window_bytes = 0;
	bool writing = true;

	for (;;) {
		enum smtpd_data_status st = SMTPD_DATA_MORE;
		const char *p;
		size_t n = smtpd_io_pending(&ss->io, &p);
		int64_t now;
		int rc;

		while (n && st == SMTPD_DATA_MORE) {
			size_t room = SPOOL_BUF - sp->len, chunk = n < room ? n : room, outlen,
			       used;

			st = smtpd_data_decode(dec, p, chunk, sp->buf + sp->len, &outlen, &used);
			smtpd_io_consume(&ss->io, used);
			p += used;
			n -= used;
			window_bytes += used;
			if (writing) {
				ss->env.size += outlen;
				if (ss->env.size > o->max_message_bytes) {
					*too_big = true;
					writing = false;
				} else {
					sp->len += outlen;
				}
			}
			if (sp->len == SPOOL_BUF)
				spool_flush(sp);
			if (sp->write_errno)
				writing = false;
		}
		if (st == SMTPD_DATA_END)
			return GOT_ALL;
		if (st == SMTPD_DATA_BARE_LF)
			return BARE_LF;
		if (st == SMTPD_DATA_BARE_CR)
			return BARE_CR;
		/* the seed's rule: less than stall_min_bytes in a window is a stalled sender (#801)
		 */
		now = smtpd_now_ms();
		if (now - window_start >= o->stall_window_ms) {
			if (window_bytes < o->stall_min_bytes)
				return STALLED;
			window_start = now;
			window_bytes = 0;
		}
		rc = smtpd_io_fill(&ss->io, window_start + o->stall_window_ms);
		if (rc && rc != SMTPD_IO_TIMEOUT)
			return rc;
	}
}

/* The end of data with everything written: sync, hand over, reply. */
static void hand_over(struct smtpd_session *ss, struct spool *sp)
{
	struct smtpd *s = ss->srv;
	char reply[512] = "";
	char ok[80];

	spool_flush(sp);
	if (!sp->write_errno && fsync(sp->fd) < 0)
		sp->write_errno = errno;
	if (!sp->write_errno && close(sp->fd) < 0)
		sp->write_errno = errno;
	sp->fd = -1;
	if (!sp->write_errno && rename(sp->part, sp->eml) < 0)
		sp->write_errno = errno;
	if (sp->write_errno) {
		smtpd_event(s, SMTPD_EV_LOCAL, ss->peer, "spool %s: %s", sp->part,
			    strerror(sp->write_errno));
		smtpd_count(s, &s->st.messages_refused, 1);
		spool_drop(sp, sp->part);
		smtpd_reply(ss, sp->write_errno == ENOSPC || sp->write_errno == EDQUOT
					? "452 4.3.1 Error: insufficient system storage"
					: "451 4.3.0 Error: cannot store the message");
		return;
	}
	free(sp->buf);
	sp->buf = NULL;
	if (s->o.deliver(&ss->env, sp->eml, s->o.arg, reply, sizeof(reply)) == 0) {
		pthread_mutex_lock(&s->lock);
		s->st.messages_accepted++;
		s->st.bytes_accepted += ss->env.size;
		pthread_mutex_unlock(&s->lock);
		snprintf(ok, sizeof(ok), "250 2.0.0 Ok: queued as %s", ss->env.id);
		smtpd_reply(ss, ok);
		return;
	}
	reply[sizeof(reply) - 1] = '\0';
	unlink(sp->eml);
	smtpd_count(s, &s->st.messages_refused, 1);
	smtpd_reply(ss, checked_reply(reply));
}

void smtpd_message_receive(struct smtpd_session *ss)
{
	struct smtpd *s = ss->srv;
	struct spool sp = { .fd = -1 };
	struct smtpd_data dec;
	bool too_big = false;
	int outcome;

	if (spool_open(ss, &sp) < 0) {
		int e = errno;

		smtpd_event(s, SMTPD_EV_LOCAL, ss->peer, "spool %s: %s", s->o.spool_dir,
			    strerror(e));
		smtpd_reply(ss, e == ENOSPC || e == EDQUOT
					? "452 4.3.1 Error: insufficient system storage"
					: "451 4.3.0 Error: cannot store the message");
		smtpd_transaction_reset(ss);
		return;
	}
	sp.len = received_header(ss, sp.buf, SPOOL_BUF);
	smtpd_data_init(&dec, s->o.max_text_line);
	smtpd_reply(ss, "354 End data with <CR><LF>.<CR><LF>");
	outcome = ss->over ? GONE : read_data(ss, &sp, &dec, &too_big);

	switch (outcome) {
	case GOT_ALL:
		if (too_big) {
			smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "message over %zu octets",
				    s->o.max_message_bytes);
			smtpd_count(s, &s->st.messages_refused, 1);
			spool_drop(&sp, sp.part);
			smtpd_reply(ss, "552 5.3.4 Error: message size exceeds fixed limit");
		} else if (dec.overlong) {
			smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "text line over %zu octets",
				    s->o.max_text_line);
			smtpd_count(s, &s->st.messages_refused, 1);
			spool_drop(&sp, sp.part);
			smtpd_reply(ss, "554 5.6.0 Error: message refused: text line too long");
		} else {
			hand_over(ss, &sp);
		}
		break;
	case BARE_LF:
	case BARE_CR:
		smtpd_event(s, SMTPD_EV_PROTOCOL, ss->peer, "bare %s in DATA",
			    outcome == BARE_LF ? "LF" : "CR");
		smtpd_count(s, &s->st.messages_aborted, 1);
		spool_drop(&sp, sp.part);
		smtpd_goodbye(ss, outcome == BARE_LF ? "521 5.5.2 Error: bare <LF> received"
						     : "521 5.5.2 Error: bare <CR> received");
		break;
	case STALLED:
		smtpd_count(s, &s->st.stalls, 1);
		smtpd_event(s, SMTPD_EV_STALL, ss->peer, "less than %zu octets in %u ms of DATA",
			    s->o.stall_min_bytes, s->o.stall_window_ms);
		smtpd_count(s, &s->st.messages_aborted, 1);
		spool_drop(&sp, sp.part);
		smtpd_goodbye_421(ss, "4.4.2", "Error: data transfer too slow");
		break;
	default: /* the connection ended, the session's time or the server is over */
		smtpd_count(s, &s->st.messages_aborted, 1);
		spool_drop(&sp, sp.part);
		if (outcome == SMTPD_IO_SESSION) {
			smtpd_event(s, SMTPD_EV_LIMIT, ss->peer, "session longer than %u s",
				    s->o.session_timeout_s);
			smtpd_goodbye_421(ss, "4.4.2", "Error: session time limit exceeded");
		} else if (outcome == SMTPD_IO_STOP) {
			smtpd_goodbye_421(ss, "4.3.2", "Service shutting down");
		} else {
			ss->over = true;
		}
		break;
	}
	free(sp.buf);
	smtpd_transaction_reset(ss);
}
