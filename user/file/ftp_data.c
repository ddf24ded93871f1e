// SPDX-License-Identifier: GPL-2.0
/*
 * FTP data connections: passive (EPSV, then PASV) to the control peer,
 * active (EPRT, then PORT) as the fallback a setting allows, and TLS on top
 * under FTPS (with the control session resumed: ftp_tls.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "ftp_priv.h"

/* How often an accept wait looks at the cancel check. */
#define CANCEL_POLL_MS 200
/* Longest wait for the server to close a finished upload's data connection. */
#define FINISH_MS 5000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when a and the control peer are the same host (ports aside). */
static int same_host(const struct irs_ftp *s, const struct sockaddr *a)
{
	const struct sockaddr *p = (const struct sockaddr *)&s->peer;

	if (a->sa_family != p->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)p)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)p)->sin6_addr,
			       sizeof(struct in6_addr));
	return 0;
}

/* Connect the data connection to host:port; 0, or -1 with the reason traced (not recorded). */
static int connect_to(struct irs_ftp *s, struct ftp_data *d, const char *host, unsigned int port,
		      char *why, size_t whylen)
{
	int rc = irs_conn_open(&d->c, host, port, s->o->timeout_ms);

	if (rc) {
		snprintf(why, whylen, "%s", irs_conn_error(d->c));
		irs_conn_close(d->c);
		d->c = NULL;
		return -1;
	}
	irs_conn_set_cancel(d->c, s->o->cancelled, s->o->cancel_arg);
	return 0;
}

/*
 * Passive mode: 0 connected, 1 refused by the server or unreachable (the
 * caller may go active), or a failure code (recorded).
 */
static unsigned int passive(struct irs_ftp *s, struct ftp_data *d, char *why, size_t whylen)
{
	unsigned int r, port;
	unsigned long addr;
	char host[sizeof(s->peer_str)];
	struct in_addr in;

	if (!s->o->no_epsv) {
		r = ftp_cmd_final(s, NULL, "EPSV");
		if (r)
			return r;
		if (s->reply == 229) {
			if (ftp_parse_229(s->last, &port))
				return ftp_fail(s, IRS_E_SERVER, 1,
						"malformed EPSV reply: 229 %.80s", s->last);
			snprintf(s->res->data_mode, sizeof(s->res->data_mode), "EPSV");
			return connect_to(s, d, s->peer_str, port, why, whylen) ? 1 : 0;
		}
		if (s->reply == 421)
			return ftp_fail_reply(s, IRS_E_SERVER);
		snprintf(why, whylen, "EPSV: %d %.200s", s->reply, s->last);
	}
	/* PASV names IPv4 addresses only. */
	if (s->peer.ss_family != AF_INET)
		return 1;
	r = ftp_cmd_final(s, NULL, "PASV");
	if (r)
		return r;
	if (s->reply != 227) {
		if (s->reply == 421)
			return ftp_fail_reply(s, IRS_E_SERVER);
		snprintf(why, whylen, "PASV: %d %.200s", s->reply, s->last);
		return 1;
	}
	if (ftp_parse_227(s->last, &addr, &port))
		return ftp_fail(s, IRS_E_SERVER, 1, "malformed PASV reply: 227 %.80s", s->last);
	snprintf(s->res->data_mode, sizeof(s->res->data_mode), "PASV");
	in.s_addr = htonl((uint32_t)addr);
	inet_ntop(AF_INET, &in, host, sizeof(host));
	if (addr && in.s_addr != ((struct sockaddr_in *)&s->peer)->sin_addr.s_addr) {
		/* Elsewhere than the server we talk to: a bounce or FXP attempt, or NAT. */
		if (s->o->pasv_address == IRS_FTP_PASV_STRICT)
			return ftp_fail(s, IRS_E_SERVER, 0,
					"server offered a data connection to another host (%s, not "
					"%s): refused",
					host, s->peer_str);
		if (s->o->pasv_address == IRS_FTP_PASV_USE_PEER) {
			ftp_trace(s, '*', "PASV named %s; using %s", host, s->peer_str);
			snprintf(host, sizeof(host), "%s", s->peer_str);
		}
	} else {
		/* 0.0.0.0 (some servers) or the peer itself. */
		snprintf(host, sizeof(host), "%s", s->peer_str);
	}
	return connect_to(s, d, host, port, why, whylen) ? 1 : 0;
}

/* Our address on the route to the control peer (no packet is sent: a UDP connect only). */
static int local_address(const struct irs_ftp *s, struct sockaddr_storage *out, socklen_t *len)
{
	int fd = socket(s->peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	*len = sizeof(*out);
	rc = connect(fd, (const struct sockaddr *)&s->peer, s->peer_len) ||
	     getsockname(fd, (struct sockaddr *)out, len);
	close(fd);
	return rc ? -1 : 0;
}

/* Active mode: a listening socket announced with EPRT (PORT for IPv4 servers without it). */
static unsigned int active(struct irs_ftp *s, struct ftp_data *d)
{
	struct sockaddr_storage a;
	socklen_t alen;
	char host[INET6_ADDRSTRLEN];
	unsigned int port, r;
	int v4 = s->peer.ss_family == AF_INET;

	if (local_address(s, &a, &alen))
		return ftp_fail(s, IRS_E_SERVER, 1, "no local address towards %s: %s", s->peer_str,
				strerror(errno));
	if (v4)
		((struct sockaddr_in *)&a)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&a)->sin6_port = 0;
	d->listen_fd = socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0 || bind(d->listen_fd, (struct sockaddr *)&a, alen) ||
	    listen(d->listen_fd, 1) || getsockname(d->listen_fd, (struct sockaddr *)&a, &alen))
		return ftp_fail(s, IRS_E_SERVER, 1, "cannot listen for the data connection: %s",
				strerror(errno));
	if (getnameinfo((struct sockaddr *)&a, alen, host, sizeof(host), NULL, 0, NI_NUMERICHOST))
		return ftp_fail(s, IRS_E_SERVER, 1, "cannot name our own address");
	port = ntohs(v4 ? ((struct sockaddr_in *)&a)->sin_port
			: ((struct sockaddr_in6 *)&a)->sin6_port);
	r = ftp_cmd_final(s, NULL, "EPRT |%d|%s|%u|", v4 ? 1 : 2, host, port);
	if (r)
		return r;
	snprintf(s->res->data_mode, sizeof(s->res->data_mode), "EPRT");
	if (s->reply / 100 != 2 && v4 && s->reply / 100 == 5) {
		unsigned long h = ntohl(((struct sockaddr_in *)&a)->sin_addr.s_addr);

		r = ftp_cmd_final(s, NULL, "PORT %lu,%lu,%lu,%lu,%u,%u", h >> 24, (h >> 16) & 255,
				  (h >> 8) & 255, h & 255, port >> 8, port & 255);
		if (r)
			return r;
		snprintf(s->res->data_mode, sizeof(s->res->data_mode), "PORT");
	}
	if (s->reply / 100 != 2)
		return ftp_fail_reply(s, IRS_E_SERVER);
	return 0;
}

unsigned int ftp_data_open(struct irs_ftp *s, struct ftp_data *d)
{
	char why[300] = "";
	unsigned int r;

	d->c = NULL;
	d->listen_fd = -1;
	d->tls_fd = -1;
	r = passive(s, d, why, sizeof(why));
	if (r != 1)
		return r;
	if (!s->o->active_fallback)
		return ftp_fail(s, IRS_E_SERVER, 1, "no passive data connection (%s)",
				why[0] ? why : "the server is not on IPv4 and refused EPSV");
	ftp_trace(s, '*', "passive mode failed (%s): active mode", why);
	return active(s, d);
}

/* The server's connection to our listening socket, from the control peer only. */
static unsigned int accept_data(struct irs_ftp *s, struct ftp_data *d)
{
	long long deadline = now_ms() + s->o->timeout_ms;

	for (;;) {
		struct sockaddr_storage a;
		socklen_t alen = sizeof(a);
		struct pollfd p = { .fd = d->listen_fd, .events = POLLIN };
		long long left = deadline - now_ms();
		int fd;

		if (s->o->cancelled && s->o->cancelled(s->o->cancel_arg))
			return ftp_fail(s, IRS_E_CANCELLED, 0, "cancelled");
		if (left <= 0)
			return ftp_fail(s, IRS_E_SERVER, 1,
					"the server did not open the data connection within %d ms",
					s->o->timeout_ms);
		if (poll(&p, 1, left > CANCEL_POLL_MS ? CANCEL_POLL_MS : (int)left) <= 0)
			continue;
		fd = accept4(d->listen_fd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (!same_host(s, (struct sockaddr *)&a)) {
			/* Someone else raced the server to our port: not our data. */
			ftp_trace(s, '*', "data connection from another host refused");
			close(fd);
			continue;
		}
		d->c = irs_conn_from_fd(fd, s->o->timeout_ms);
		if (!d->c) {
			close(fd);
			return ftp_fail(s, IRS_E_SERVER, 1, "out of memory");
		}
		irs_conn_set_cancel(d->c, s->o->cancelled, s->o->cancel_arg);
		close(d->listen_fd);
		d->listen_fd = -1;
		return 0;
	}
}

unsigned int ftp_data_ready(struct irs_ftp *s, struct ftp_data *d)
{
	unsigned int r;
	int rc;

	if (d->listen_fd >= 0) {
		r = accept_data(s, d);
		if (r)
			return r;
	}
	if (!s->tls)
		return 0;
	rc = irs_conn_starttls(d->c, s->tls, s->o->host);
	if (rc) {
		unsigned int code = rc == IRS_CONN_CANCELLED ? IRS_E_CANCELLED
				    : rc == IRS_CONN_TLS     ? irs_conn_errcode(d->c, rc)
							     : IRS_E_SERVER;

		return ftp_fail(s, code, code == IRS_E_SERVER, "data connection: %s",
				irs_conn_error(d->c));
	}
	s->data_tls_conns++;
	s->data_tls_resumed += ftp_tls_reuse_last_resumed(s->reuse);
	d->tls_fd = ftp_tls_reuse_last_fd(s->reuse);
	return 0;
}

void ftp_data_close(struct ftp_data *d)
{
	irs_conn_close(d->c);
	d->c = NULL;
	d->tls_fd = -1;
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	d->listen_fd = -1;
}

void ftp_data_finish(struct irs_ftp *s, struct ftp_data *d)
{
	/* A second descriptor keeps the socket open once irs_conn_close() has sent close_notify. */
	int fd = d->c && d->tls_fd >= 0 ? dup(d->tls_fd) : -1;
	long long deadline =
		now_ms() + (s->o->timeout_ms < FINISH_MS ? s->o->timeout_ms : FINISH_MS);
	char buf[4096];

	ftp_data_close(d);
	if (fd < 0)
		return;
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	close(fd);
}
