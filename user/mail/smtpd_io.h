/*
 * One server connection of smtpd: a non-blocking socket driven by poll()
 * with deadlines, plaintext or TLS on the same socket, a read buffer the
 * session takes lines or DATA bytes from, and a reply buffer that is
 * flushed only before the next wait for input (RFC 2920: replies to a
 * pipelined group go out together).
 *
 * Every wait also watches the server's stop pipe (SMTPD_IO_STOP) and the
 * session's end (SMTPD_IO_SESSION), so that no client can hold a thread
 * past smtpd_stop() or its time.
 *
 * Internal to user/mail/smtpd*.c.
 */
#ifndef IRSEND_MAIL_SMTPD_IO_H
#define IRSEND_MAIL_SMTPD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

enum smtpd_io_status {
	SMTPD_IO_OK = 0,
	SMTPD_IO_EOF = -1,     /* the client closed its side */
	SMTPD_IO_TIMEOUT = -2, /* the deadline of this call passed */
	SMTPD_IO_STOP = -3,    /* smtpd_stop() */
	SMTPD_IO_ERROR = -4,   /* socket or TLS error */
	SMTPD_IO_TOOLONG = -5, /* a line over the limit: skipped to its end */
	SMTPD_IO_SESSION = -6, /* the session's time is up */
	SMTPD_IO_BARE_LF = -7, /* a line ended with LF alone */
	SMTPD_IO_FLOOD = -8,   /* a line went on for a MiB without an end */
};

#define SMTPD_IO_RBUF 16384
#define SMTPD_IO_WBUF 4096

struct smtpd_io {
	int fd;
	int stop_fd;		/* readable once the server stops */
	SSL *ssl;		/* NULL: plaintext */
	bool tls_broken;	/* a fatal TLS error: no close_notify may be sent */
	int64_t session_end_ms; /* smtpd_now_ms() at which the session is over */
	size_t rpos, rlen;
	size_t wlen;
	char tls_error[160]; /* why the handshake failed */
	char rbuf[SMTPD_IO_RBUF];
	char wbuf[SMTPD_IO_WBUF];
};

/* CLOCK_MONOTONIC in milliseconds. */
int64_t smtpd_now_ms(void);

void smtpd_io_init(struct smtpd_io *io, int fd, int stop_fd, int64_t session_end_ms);

/*
 * Flush the replies, then wait until deadline_ms for more input and
 * append it to rbuf (room is made by dropping what was consumed).
 */
int smtpd_io_fill(struct smtpd_io *io, int64_t deadline_ms);

/*
 * The next line, without its CRLF, NUL-terminated in rbuf (valid until
 * the next call); NULs inside are kept, len says where it ends. max is the
 * longest line with its CRLF.
 */
int smtpd_io_line(struct smtpd_io *io, size_t max, int64_t deadline_ms, char **line, size_t *len);

/* Input received but not consumed yet. */
static inline size_t smtpd_io_pending(const struct smtpd_io *io, const char **p)
{
	*p = io->rbuf + io->rpos;
	return io->rlen - io->rpos;
}

static inline void smtpd_io_consume(struct smtpd_io *io, size_t n)
{
	io->rpos += n;
}

/* Throw away the input received so far; how much. */
size_t smtpd_io_discard(struct smtpd_io *io);

/* Queue one reply line (CRLF added); flushes first when the buffer is full. */
int smtpd_io_reply(struct smtpd_io *io, const char *text, int64_t deadline_ms);

/* Write out every queued reply; watch_stop: give up when the server stops. */
int smtpd_io_flush(struct smtpd_io *io, int64_t deadline_ms, bool watch_stop);

/* The server side of a TLS handshake; on failure io->tls_error says why. */
int smtpd_io_starttls(struct smtpd_io *io, SSL_CTX *ctx, int64_t deadline_ms);

/*
 * Close politely: TLS close_notify, our FIN, then read and drop what the
 * client still sends for a moment, so that the last reply is not lost to
 * a reset caused by unread input.
 */
void smtpd_io_close(struct smtpd_io *io);

#endif
