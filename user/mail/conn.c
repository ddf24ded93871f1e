// SPDX-License-Identifier: GPL-2.0
/*
 * Connections of the mail clients: non-blocking sockets driven by poll()
 * with deadlines, a bounded line buffer, and TLS on the same socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn.h"
#include "errcodes.h"

/* How often a wait looks at the cancel check. */
#define CANCEL_POLL_MS 200

/* Room for the longest line and its CRLF; one more byte for the NUL of a bare-LF line. */
#define BUF_CAP (IRS_CONN_LINE_MAX + 2)

struct irs_conn {
	int fd;
	int timeout_ms;
	SSL *ssl;
	enum irs_tls_result tls_result;
	unsigned long tls_lines; /* lines read since the handshake: 0 means "refused at once" */
	size_t discarded;
	int (*cancelled)(void *arg);
	void *cancel_arg;
	size_t start, end;
	char err[256];
	char buf[BUF_CAP + 1];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_err(struct irs_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct irs_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Wait for events on the socket until deadline: IRS_CONN_OK, _TIMEOUT or _IO. */
static int wait_fd(struct irs_conn *c, short events, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = events };
		long long left = deadline - now_ms();
		int r;

		if (c->cancelled && c->cancelled(c->cancel_arg)) {
			set_err(c, "cancelled");
			return IRS_CONN_CANCELLED;
		}
		if (left <= 0) {
			set_err(c, "no answer from the server within %d ms", c->timeout_ms);
			return IRS_CONN_TIMEOUT;
		}
		/* With a cancel check, wake often enough for an operator not to wait. */
		if (c->cancelled && left > CANCEL_POLL_MS)
			left = CANCEL_POLL_MS;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return IRS_CONN_OK;
		if (r < 0 && errno != EINTR) {
			set_err(c, "poll: %s", strerror(errno));
			return IRS_CONN_IO;
		}
	}
}

enum ssl_op { OP_CONNECT, OP_READ, OP_WRITE, OP_SHUTDOWN };

/*
 * One OpenSSL call with SIGPIPE blocked: OpenSSL writes to the socket with
 * write(2), and a server that has gone away must give EPIPE, not kill the
 * agent. A SIGPIPE raised here is consumed before the mask is restored.
 */
static int ssl_call(SSL *ssl, enum ssl_op op, void *buf, size_t len, size_t *done)
{
	sigset_t pipe_set, old, pending;
	int was_pending, r;
	struct timespec zero = { 0, 0 };

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	*done = 0;
	if (op == OP_CONNECT)
		r = SSL_connect(ssl);
	else if (op == OP_SHUTDOWN)
		r = SSL_shutdown(ssl) >= 0 ? 1 : -1;
	else if (op == OP_READ)
		r = SSL_read_ex(ssl, buf, len, done);
	else
		r = SSL_write_ex(ssl, buf, len, done);
	r = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
	if (!was_pending) {
		int saved = errno;

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
		errno = saved;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* After a failed TLS call: judge it (client certificate?) and give the status to return. */
static int tls_failure(struct irs_conn *c, int ssl_err, int in_handshake)
{
	char why[200];

	c->tls_result = irs_tls_classify(c->ssl, why, sizeof(why));
	if (in_handshake || c->tls_result == IRS_TLS_CLIENT_CERT) {
		set_err(c, "%s", why);
		return IRS_CONN_TLS;
	}
	c->tls_result = IRS_TLS_OK;
	if (ssl_err == SSL_ERROR_ZERO_RETURN) {
		set_err(c, "the server closed the TLS session");
		return IRS_CONN_EOF;
	}
	set_err(c, "%s", why);
	return IRS_CONN_IO;
}

/* Drive one TLS operation to completion or failure, polling as OpenSSL asks. */
static int tls_op(struct irs_conn *c, enum ssl_op op, void *buf, size_t len, size_t *done,
		  long long deadline)
{
	for (;;) {
		int e = ssl_call(c->ssl, op, buf, len, done);
		int r;

		if (e == SSL_ERROR_NONE)
			return IRS_CONN_OK;
		if (e == SSL_ERROR_WANT_READ)
			r = wait_fd(c, POLLIN, deadline);
		else if (e == SSL_ERROR_WANT_WRITE)
			r = wait_fd(c, POLLOUT, deadline);
		else
			return tls_failure(c, e, op == OP_CONNECT);
		if (r)
			return r;
	}
}

/* Some bytes into dst: a positive count, or a status. */
static long raw_read(struct irs_conn *c, char *dst, size_t n, long long deadline)
{
	if (c->ssl) {
		size_t done;
		int r = tls_op(c, OP_READ, dst, n, &done, deadline);

		return r ? r : (long)done;
	}
	for (;;) {
		ssize_t r = recv(c->fd, dst, n, 0);
		int w;

		if (r > 0)
			return (long)r;
		if (r == 0) {
			set_err(c, "the server closed the connection");
			return IRS_CONN_EOF;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			set_err(c, "read: %s", strerror(errno));
			return IRS_CONN_IO;
		}
		w = wait_fd(c, POLLIN, deadline);
		if (w)
			return w;
	}
}

int irs_conn_read_line(struct irs_conn *c, char **line, size_t *len)
{
	long long deadline = now_ms() + c->timeout_ms;

	for (;;) {
		char *s = c->buf + c->start;
		char *nl = memchr(s, '\n', c->end - c->start);
		long r;

		if (nl) {
			size_t n = (size_t)(nl - s);

			if (n && s[n - 1] == '\r')
				n--;
			if (n > IRS_CONN_LINE_MAX) {
				set_err(c, "server line longer than %d bytes", IRS_CONN_LINE_MAX);
				return IRS_CONN_TOOLONG;
			}
			s[n] = '\0';
			c->start = (size_t)(nl + 1 - c->buf);
			*line = s;
			*len = n;
			if (c->ssl)
				c->tls_lines++;
			return IRS_CONN_OK;
		}
		if (c->start && c->end == BUF_CAP) {
			memmove(c->buf, s, c->end - c->start);
			c->end -= c->start;
			c->start = 0;
		}
		if (c->end == BUF_CAP) {
			set_err(c, "server line longer than %d bytes", IRS_CONN_LINE_MAX);
			return IRS_CONN_TOOLONG;
		}
		r = raw_read(c, c->buf + c->end, BUF_CAP - c->end, deadline);
		if (r < 0)
			return (int)r;
		c->end += (size_t)r;
	}
}

int irs_conn_write(struct irs_conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		long long deadline = now_ms() + c->timeout_ms;
		size_t done = 0;

		if (c->ssl) {
			int r = tls_op(c, OP_WRITE, (void *)p, len, &done, deadline);

			if (r)
				return r;
		} else {
			ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);

			if (w < 0) {
				int r;

				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK) {
					set_err(c, "write: %s", strerror(errno));
					return IRS_CONN_IO;
				}
				r = wait_fd(c, POLLOUT, deadline);
				if (r)
					return r;
				continue;
			}
			done = (size_t)w;
		}
		p += done;
		len -= done;
	}
	return IRS_CONN_OK;
}

static struct irs_conn *conn_new(int fd, int timeout_ms)
{
	struct irs_conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct irs_conn, buf));
	c->buf[0] = '\0';
	c->fd = fd;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
	return c;
}

struct irs_conn *irs_conn_from_fd(int fd, int timeout_ms)
{
	struct irs_conn *c = conn_new(fd, timeout_ms);
	int fl = fcntl(fd, F_GETFL);

	if (c && fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return c;
}

/* Connect one address within deadline: 0, or an errno value. */
static int connect_one(const struct addrinfo *ai, long long deadline, int *fd_out)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int err = 0, one = 1;
	socklen_t elen = sizeof(err);

	if (fd < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			long long left = deadline - now_ms();
			int r;

			if (left <= 0) {
				err = ETIMEDOUT;
				goto fail;
			}
			r = poll(&p, 1, (int)left);
			if (r > 0)
				break;
			if (r < 0 && errno != EINTR) {
				err = errno;
				goto fail;
			}
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err)
			goto fail;
	}
	/* We write whole commands ourselves; Nagle would only delay the next one. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	return err;
}

int irs_conn_open(struct irs_conn **out, const char *host, unsigned int port, int timeout_ms)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	struct irs_conn *c = conn_new(-1, timeout_ms);
	long long deadline;
	char portstr[16];
	int r, err = 0;

	*out = c;
	if (!c)
		return IRS_CONN_NOMEM;
	deadline = now_ms() + c->timeout_ms;
	snprintf(portstr, sizeof(portstr), "%u", port);
	/* The resolver's own timeouts (resolv.conf) bound this call, not ours. */
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r) {
		set_err(c, "cannot resolve %s: %s", host,
			r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return IRS_CONN_DNS;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		err = connect_one(ai, deadline, &c->fd);
		if (!err)
			break;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		set_err(c, "connect to %s port %u: %s", host, port,
			strerror(err ? err : ETIMEDOUT));
		return IRS_CONN_REFUSED;
	}
	return IRS_CONN_OK;
}

void irs_conn_set_timeout(struct irs_conn *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
}

int irs_conn_starttls(struct irs_conn *c, struct irs_tls_ctx *t, const char *host)
{
	long long deadline = now_ms() + c->timeout_ms;
	size_t done;
	int r;

	/* Anything that arrived before the handshake is not covered by it: drop it. */
	c->discarded += c->end - c->start;
	c->start = c->end = 0;
	c->tls_result = IRS_TLS_OK;
	c->tls_lines = 0;
	ERR_clear_error();
	c->ssl = irs_tls_session(t, host);
	if (!c->ssl) {
		set_err(c, "tls: cannot create a session");
		return IRS_CONN_NOMEM;
	}
	if (SSL_set_fd(c->ssl, c->fd) != 1) {
		set_err(c, "tls: cannot attach the socket");
		return IRS_CONN_NOMEM;
	}
	r = tls_op(c, OP_CONNECT, NULL, 0, &done, deadline);
	if (r == IRS_CONN_TIMEOUT)
		set_err(c, "tls: no handshake within %d ms", c->timeout_ms);
	if (r)
		return r;
	c->tls_result = irs_tls_check_peer(t, c->ssl, c->err, sizeof(c->err));
	return c->tls_result ? IRS_CONN_TLS : IRS_CONN_OK;
}

enum irs_tls_result irs_conn_tls_result(struct irs_conn *c)
{
	return c->tls_result;
}

int irs_conn_is_tls(const struct irs_conn *c)
{
	return c->ssl != NULL;
}

int irs_conn_cert_requested(const struct irs_conn *c)
{
	return c->ssl && irs_tls_cert_requested(c->ssl);
}

size_t irs_conn_discarded(const struct irs_conn *c)
{
	return c->discarded;
}

const char *irs_conn_error(const struct irs_conn *c)
{
	return c ? c->err : "out of memory";
}

void irs_conn_set_cancel(struct irs_conn *c, int (*cancelled)(void *arg), void *arg)
{
	c->cancelled = cancelled;
	c->cancel_arg = arg;
}

unsigned int irs_conn_errcode(const struct irs_conn *c, int status)
{
	switch (status) {
	case IRS_CONN_OK:
		return 0;
	case IRS_CONN_DNS:
		return IRS_E_DNS;
	case IRS_CONN_REFUSED:
		return IRS_E_CONNECT;
	case IRS_CONN_TIMEOUT:
	case IRS_CONN_TOOLONG:
		return IRS_E_SERVER;
	case IRS_CONN_CANCELLED:
		return IRS_E_CANCELLED;
	case IRS_CONN_TLS:
		return c->tls_result == IRS_TLS_CLIENT_CERT ? IRS_E_TLS_CLIENT_CERT
							    : IRS_E_TLS_HANDSHAKE;
	default:
		/*
		 * A server that asked for a certificate and hangs up before
		 * its first word over TLS refused us for lacking one.
		 */
		if (c && c->ssl && !c->tls_lines && irs_tls_cert_requested(c->ssl))
			return IRS_E_TLS_CLIENT_CERT;
		return IRS_E_NETWORK;
	}
}

void irs_conn_close(struct irs_conn *c)
{
	if (!c)
		return;
	if (c->ssl) {
		size_t done;

		/* A polite close_notify if the socket takes it at once; never wait for it. */
		if (SSL_is_init_finished(c->ssl))
			ssl_call(c->ssl, OP_SHUTDOWN, NULL, 0, &done);
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
