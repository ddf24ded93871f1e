// SPDX-License-Identifier: GPL-2.0
/*
 * smtpd connections: try the read or write first, poll() only when the
 * socket or TLS says "would block", so that bytes OpenSSL holds decrypted
 * are never waited for.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "smtpd_io.h"

/* A line that has not ended after this much is not a command: the session ends. */
#define FLOOD_BYTES (1024 * 1024)
/* How long a closing connection waits for the client to read the last reply and go. */
#define LINGER_MS 500
#define LINGER_BYTES 65536

int64_t smtpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void smtpd_io_init(struct smtpd_io *io, int fd, int stop_fd, int64_t session_end_ms)
{
	io->fd = fd;
	io->stop_fd = stop_fd;
	io->ssl = NULL;
	io->tls_broken = false;
	io->session_end_ms = session_end_ms;
	io->rpos = io->rlen = io->wlen = 0;
	io->tls_error[0] = '\0';
}

/* Wait for events on the socket: SMTPD_IO_OK when something happened there. */
static int io_wait(struct smtpd_io *io, short events, int64_t deadline, bool watch_stop)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = io->fd, .events = events },
				       { .fd = io->stop_fd, .events = POLLIN } };
		int64_t now = smtpd_now_ms();
		int64_t end = deadline < io->session_end_ms ? deadline : io->session_end_ms;
		int n;

		if (now >= end)
			return io->session_end_ms <= deadline ? SMTPD_IO_SESSION : SMTPD_IO_TIMEOUT;
		n = poll(p, watch_stop ? 2 : 1, end - now > INT_MAX ? INT_MAX : (int)(end - now));
		if (n < 0 && errno != EINTR)
			return SMTPD_IO_ERROR;
		if (n <= 0)
			continue;
		if (watch_stop && (p[1].revents & POLLIN))
			return SMTPD_IO_STOP;
		if (p[0].revents)
			return SMTPD_IO_OK;
	}
}

/* What an SSL call's failure means: the poll events to wait for, or a status. */
static int tls_wait_events(struct smtpd_io *io, int r, short *events)
{
	switch (SSL_get_error(io->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*events = POLLIN;
		return SMTPD_IO_OK;
	case SSL_ERROR_WANT_WRITE:
		*events = POLLOUT;
		return SMTPD_IO_OK;
	case SSL_ERROR_ZERO_RETURN:
		return SMTPD_IO_EOF;
	default:
		/* SSL_ERROR_SYSCALL, SSL_ERROR_SSL: no close_notify may follow */
		io->tls_broken = true;
		ERR_clear_error();
		return SMTPD_IO_ERROR;
	}
}

/* Append what the client sent next to rbuf. */
static int io_read(struct smtpd_io *io, int64_t deadline)
{
	if (io->rpos == io->rlen) {
		io->rpos = io->rlen = 0;
	} else if (io->rlen == sizeof(io->rbuf) && io->rpos > 0) {
		memmove(io->rbuf, io->rbuf + io->rpos, io->rlen - io->rpos);
		io->rlen -= io->rpos;
		io->rpos = 0;
	}
	if (io->rlen == sizeof(io->rbuf))
		return SMTPD_IO_ERROR; /* callers consume before they ask for more */
	for (;;) {
		size_t room = sizeof(io->rbuf) - io->rlen;
		short events = POLLIN;
		int rc;

		if (io->ssl) {
			size_t got;
			int r;

			ERR_clear_error();
			r = SSL_read_ex(io->ssl, io->rbuf + io->rlen, room, &got);
			if (r == 1) {
				io->rlen += got;
				return SMTPD_IO_OK;
			}
			rc = tls_wait_events(io, r, &events);
			if (rc)
				return rc;
		} else {
			ssize_t n = recv(io->fd, io->rbuf + io->rlen, room, 0);

			if (n > 0) {
				io->rlen += (size_t)n;
				return SMTPD_IO_OK;
			}
			if (n == 0)
				return SMTPD_IO_EOF;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return SMTPD_IO_ERROR;
		}
		rc = io_wait(io, events, deadline, true);
		if (rc)
			return rc;
	}
}

int smtpd_io_fill(struct smtpd_io *io, int64_t deadline_ms)
{
	int rc = smtpd_io_flush(io, deadline_ms, true);

	return rc ? rc : io_read(io, deadline_ms);
}

int smtpd_io_line(struct smtpd_io *io, size_t max, int64_t deadline_ms, char **line, size_t *len)
{
	size_t scanned = 0; /* bytes after rpos known to hold no LF */
	size_t skipped = 0; /* bytes of an overlong line thrown away */
	int rc;

	for (;;) {
		char *start = io->rbuf + io->rpos;
		size_t avail = io->rlen - io->rpos;
		char *lf = memchr(start + scanned, '\n', avail - scanned);

		if (lf) {
			size_t n = (size_t)(lf - start); /* without the LF */

			io->rpos += n + 1;
			if (skipped || n + 1 > max)
				return SMTPD_IO_TOOLONG;
			if (n == 0 || start[n - 1] != '\r')
				return SMTPD_IO_BARE_LF;
			start[n - 1] = '\0';
			*line = start;
			*len = n - 1;
			return SMTPD_IO_OK;
		}
		if (avail >= max) {
			/* too long already: drop it, and look for its end */
			skipped += avail;
			io->rpos = io->rlen;
			scanned = 0;
			if (skipped > FLOOD_BYTES)
				return SMTPD_IO_FLOOD;
		} else {
			scanned = avail;
		}
		rc = smtpd_io_fill(io, deadline_ms);
		if (rc)
			return rc;
	}
}

size_t smtpd_io_discard(struct smtpd_io *io)
{
	size_t n = io->rlen - io->rpos;

	io->rpos = io->rlen = 0;
	return n;
}

int smtpd_io_reply(struct smtpd_io *io, const char *text, int64_t deadline_ms)
{
	size_t n = strlen(text);

	if (n > sizeof(io->wbuf) - 2)
		n = sizeof(io->wbuf) - 2;
	if (io->wlen + n + 2 > sizeof(io->wbuf)) {
		int rc = smtpd_io_flush(io, deadline_ms, true);

		if (rc)
			return rc;
	}
	memcpy(io->wbuf + io->wlen, text, n);
	memcpy(io->wbuf + io->wlen + n, "\r\n", 2);
	io->wlen += n + 2;
	return SMTPD_IO_OK;
}

int smtpd_io_flush(struct smtpd_io *io, int64_t deadline_ms, bool watch_stop)
{
	size_t off = 0;
	int rc = SMTPD_IO_OK;

	while (off < io->wlen) {
		short events = POLLOUT;

		if (io->ssl) {
			size_t put;
			int r;

			ERR_clear_error();
			/* a retry passes the same bytes again, as OpenSSL requires */
			r = SSL_write_ex(io->ssl, io->wbuf + off, io->wlen - off, &put);
			if (r == 1) {
				off += put;
				continue;
			}
			rc = tls_wait_events(io, r, &events);
			if (rc)
				break;
		} else {
			ssize_t n = send(io->fd, io->wbuf + off, io->wlen - off, MSG_NOSIGNAL);

			if (n >= 0) {
				off += (size_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				rc = SMTPD_IO_ERROR;
				break;
			}
		}
		rc = io_wait(io, events, deadline_ms, watch_stop);
		if (rc)
			break;
	}
	if (rc) {
		/* nothing more will be written on this connection */
		io->wlen = 0;
		return rc;
	}
	io->wlen = 0;
	return SMTPD_IO_OK;
}

int smtpd_io_starttls(struct smtpd_io *io, SSL_CTX *ctx, int64_t deadline_ms)
{
	io->ssl = SSL_new(ctx);
	if (!io->ssl || !SSL_set_fd(io->ssl, io->fd)) {
		snprintf(io->tls_error, sizeof(io->tls_error), "cannot create a TLS session");
		goto fail;
	}
	/* A client that hangs up without close_notify has just hung up: SMTP says where data ends.
	 */
	SSL_set_options(io->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_set_mode(io->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_accept_state(io->ssl);
	for (;;) {
		short events;
		int r, e, rc;

		ERR_clear_error();
		r = SSL_accept(io->ssl);
		if (r == 1)
			return SMTPD_IO_OK;
		e = SSL_get_error(io->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
			rc = io_wait(io, events, deadline_ms, true);
			if (!rc)
				continue;
			snprintf(io->tls_error, sizeof(io->tls_error), "%s",
				 rc == SMTPD_IO_STOP ? "server stopping during the handshake"
						     : "handshake timed out");
			SSL_free(io->ssl);
			io->ssl = NULL;
			return rc;
		} else {
			unsigned long code = ERR_get_error();
			const char *why = code ? ERR_reason_error_string(code) : NULL;

			if (!why)
				why = e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN
					      ? "the client closed the connection during the "
						"handshake"
					      : "handshake failed";
			snprintf(io->tls_error, sizeof(io->tls_error), "%s", why);
			goto fail;
		}
	}
fail:
	ERR_clear_error();
	SSL_free(io->ssl);
	io->ssl = NULL;
	return SMTPD_IO_ERROR;
}

void smtpd_io_close(struct smtpd_io *io)
{
	int64_t end = smtpd_now_ms() + LINGER_MS;
	size_t drained = 0;

	if (io->fd < 0)
		return;
	if (io->ssl) {
		if (!io->tls_broken)
			SSL_shutdown(io->ssl); /* our close_notify; not waiting for theirs */
		SSL_free(io->ssl);
		io->ssl = NULL;
		ERR_clear_error();
	}
	shutdown(io->fd, SHUT_WR);
	while (drained < LINGER_BYTES) {
		struct pollfd p[2] = { { .fd = io->fd, .events = POLLIN },
				       { .fd = io->stop_fd, .events = POLLIN } };
		int64_t now = smtpd_now_ms();
		char junk[4096];
		ssize_t n;

		/* when the server stops, what is there is read, nothing is waited for */
		if (now >= end || poll(p, 2, (int)(end - now)) <= 0)
			break;
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			break;
		n = recv(io->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n <= 0)
			break;
		drained += (size_t)n;
	}
	close(io->fd);
	io->fd = -1;
}
