/*
 * Before libsmbclient: resolve the server, connect within the timeout and
 * ask it, with one SMB2 NEGOTIATE (MS-SMB2 2.2.3), which dialect and which
 * cipher it would use. libsmbclient cannot say whether a session ended up
 * encrypted, and the 4.17 one goes on in cleartext when encryption is
 * required but the server cannot do it (it only prints a line on stdout):
 * the cipher found here is what the encryption setting is checked
 * against.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "smb_priv.h"

#define POLL_SLICE_MS 200
#define HDR 64 /* SMB2 header */

struct wait {
	struct timespec deadline;
	int (*cancelled)(void *);
	void *arg;
};

static long ms_left(const struct wait *w)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (w->deadline.tv_sec - now.tv_sec) * 1000L +
	       (w->deadline.tv_nsec - now.tv_nsec) / 1000000L;
}

/* Wait for events on fd: 1 ready, 0 timed out, -1 cancelled, -2 poll error. */
static int wait_fd(int fd, short events, const struct wait *w)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		long left = ms_left(w);
		int r;

		if (w->cancelled && w->cancelled(w->arg))
			return -1;
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -2;
	}
}

static void put16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static unsigned int get16(const unsigned char *p)
{
	return p[0] | (unsigned int)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* The request, NetBIOS session header first; returns its length. */
static size_t negotiate_request(unsigned char *b)
{
	static const unsigned int dialects[] = { SMB_DIALECT_202, SMB_DIALECT_210, SMB_DIALECT_300,
						 SMB_DIALECT_302, SMB_DIALECT_311 };
	/* What libsmbclient 4.17 offers too, in its order. */
	static const unsigned int ciphers[] = { 0x0002, 0x0001, 0x0004, 0x0003 };
	unsigned char *m = b + 4, *ctx;
	size_t i, off;

	memset(b, 0, 4 + HDR + 200);
	memcpy(m, "\xfeSMB", 4);
	put16(m + 4, HDR);
	put16(m + 14, 1); /* credits requested */
	put16(m + HDR, 36);
	put16(m + HDR + 2, 5);
	put16(m + HDR + 4, 1);	  /* signing enabled */
	put32(m + HDR + 8, 0x40); /* SMB2_GLOBAL_CAP_ENCRYPTION */
	if (getrandom(m + HDR + 12, 16, 0) != 16)
		memset(m + HDR + 12, 0x5a, 16);
	for (i = 0; i < 5; i++)
		put16(m + HDR + 36 + 2 * i, dialects[i]);
	off = HDR + 36 + 10;
	off = (off + 7) & ~(size_t)7;
	put32(m + HDR + 28, (uint32_t)off);
	put16(m + HDR + 32, 2);
	/* SMB2_PREAUTH_INTEGRITY_CAPABILITIES: SHA-512 and a salt. */
	ctx = m + off;
	put16(ctx, 1);
	put16(ctx + 2, 38);
	put16(ctx + 8, 1);
	put16(ctx + 10, 32);
	put16(ctx + 12, 1);
	if (getrandom(ctx + 14, 32, 0) != 32)
		memset(ctx + 14, 0xa5, 32);
	off += 8 + 38;
	off = (off + 7) & ~(size_t)7;
	/* SMB2_ENCRYPTION_CAPABILITIES */
	ctx = m + off;
	put16(ctx, 2);
	put16(ctx + 2, (unsigned int)(2 + 2 * 4));
	put16(ctx + 8, 4);
	for (i = 0; i < 4; i++)
		put16(ctx + 10 + 2 * i, ciphers[i]);
	off += 8 + 2 + 2 * 4;
	b[1] = (unsigned char)(off >> 16);
	b[2] = (unsigned char)(off >> 8);
	b[3] = (unsigned char)off;
	return 4 + off;
}

/* The dialect and cipher from a NEGOTIATE response of len bytes (SMB2 header first). */
static int parse_response(const unsigned char *m, size_t len, struct smb_probe *p)
{
	size_t off, i, n;

	if (len < HDR + 64 || memcmp(m, "\xfeSMB", 4) || get16(m + 12) != 0 || get32(m + 8) != 0)
		return -1;
	p->dialect = get16(m + HDR + 4);
	if (p->dialect == SMB_DIALECT_300 || p->dialect == SMB_DIALECT_302) {
		/* Before 3.1.1 the capability bit is the promise of AES-128-CCM. */
		p->cipher = (get32(m + HDR + 24) & 0x40) ? 0x0001 : 0;
		return 0;
	}
	if (p->dialect != SMB_DIALECT_311)
		return 0;
	n = get16(m + HDR + 6);
	off = get32(m + HDR + 60);
	for (i = 0; i < n && off + 8 <= len; i++) {
		unsigned int type = get16(m + off), dlen = get16(m + off + 2);

		if (off + 8 + dlen > len)
			break;
		if (type == 2 && dlen >= 4 && get16(m + off + 8) >= 1)
			p->cipher = get16(m + off + 10);
		off = (off + 8 + dlen + 7) & ~(size_t)7;
	}
	return 0;
}

static int read_all(int fd, unsigned char *b, size_t len, const struct wait *w)
{
	size_t got = 0;

	while (got < len) {
		int r = wait_fd(fd, POLLIN, w);
		ssize_t n;

		if (r <= 0)
			return r == 0 ? -ETIMEDOUT : (r == -1 ? -ECANCELED : -EIO);
		n = read(fd, b + got, len - got);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

/* Connect to one address: the socket, or -errno. */
static int connect_one(const struct addrinfo *ai, const struct wait *w)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), r, e;
	socklen_t el = sizeof(e);

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		e = errno;
		close(fd);
		return -e;
	}
	r = wait_fd(fd, POLLOUT, w);
	if (r <= 0) {
		close(fd);
		return r == 0 ? -ETIMEDOUT : (r == -1 ? -ECANCELED : -EIO);
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) || e) {
		close(fd);
		return -(e ? e : EIO);
	}
	return fd;
}

static void format_addr(const struct addrinfo *ai, char *out, size_t size)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (ai->ai_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, h, sizeof(h));
		snprintf(out, size, "[%s]", h);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, h, sizeof(h));
		snprintf(out, size, "%s", h);
	}
}

/* NEGOTIATE on fd: 0, or the code with p->why. */
static unsigned int negotiate(int fd, const struct wait *w, struct smb_probe *p, const char *host)
{
	unsigned char req[4 + HDR + 200], resp[4096];
	size_t len = negotiate_request(req), sent = 0, rlen;
	int r;

	while (sent < len) {
		ssize_t n;

		r = wait_fd(fd, POLLOUT, w);
		if (r <= 0) {
			r = r == 0 ? -ETIMEDOUT : (r == -1 ? -ECANCELED : -EIO);
			goto fail;
		}
		n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			r = -errno;
			goto fail;
		}
		if (n > 0)
			sent += (size_t)n;
	}
	r = read_all(fd, resp, 4, w);
	if (r)
		goto fail;
	rlen = (size_t)resp[1] << 16 | (size_t)resp[2] << 8 | resp[3];
	if (resp[0] != 0 || rlen > sizeof(resp) || rlen < 4) {
		/* Too big for a NEGOTIATE response, or no session message at all. */
		snprintf(p->why, sizeof(p->why),
			 "%s answered the SMB2 NEGOTIATE with something else", host);
		return IRS_E_SERVER;
	}
	r = read_all(fd, resp, rlen, w);
	if (r)
		goto fail;
	if (parse_response(resp, rlen, p) || p->dialect < SMB_DIALECT_202 ||
	    p->dialect > SMB_DIALECT_311)
		p->dialect = 0;
	return 0;
fail:
	if (r == -ECANCELED)
		return IRS_E_CANCELLED;
	if (r == -ECONNRESET || r == -EPIPE) {
		/* SMB1-only servers hang up on an SMB2 NEGOTIATE. */
		p->dialect = 0;
		return 0;
	}
	snprintf(p->why, sizeof(p->why), "%s did not answer the SMB2 NEGOTIATE: %s", host,
		 strerror(-r));
	return IRS_E_NO_RESPONSE;
}

unsigned int smb_probe(const char *host, unsigned int port, int timeout_ms,
		       int (*cancelled)(void *), void *cancel_arg, struct smb_probe *p)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	struct wait w = { .cancelled = cancelled, .arg = cancel_arg };
	char svc[8], name[256];
	int r, fd = -ECONNREFUSED;
	unsigned int code;
	size_t n = strlen(host);

	memset(p, 0, sizeof(*p));
	/* "[v6]" is how an IPv6 literal is written in \\[::1]\share. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(name))
		snprintf(name, sizeof(name), "%.*s", (int)(n - 2), host + 1);
	else
		snprintf(name, sizeof(name), "%s", host);
	snprintf(svc, sizeof(svc), "%u", port);
	clock_gettime(CLOCK_MONOTONIC, &w.deadline);
	w.deadline.tv_sec += timeout_ms / 1000;
	w.deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (w.deadline.tv_nsec >= 1000000000L) {
		w.deadline.tv_sec++;
		w.deadline.tv_nsec -= 1000000000L;
	}
	r = getaddrinfo(name, svc, &hints, &res);
	if (r) {
		snprintf(p->why, sizeof(p->why), "cannot resolve %s: %s", host,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return IRS_E_DNS;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, &w);
		if (fd >= 0 || fd == -ECANCELED)
			break;
	}
	if (fd == -ECANCELED) {
		freeaddrinfo(res);
		return IRS_E_CANCELLED;
	}
	if (fd < 0) {
		snprintf(p->why, sizeof(p->why), "no connection to %s port %u: %s", host, port,
			 strerror(-fd));
		freeaddrinfo(res);
		return IRS_E_NO_RESPONSE;
	}
	format_addr(ai, p->addr, sizeof(p->addr));
	freeaddrinfo(res);
	code = negotiate(fd, &w, p, host);
	close(fd);
	return code;
}

const char *smb_dialect_name(unsigned int dialect)
{
	switch (dialect) {
	case SMB_DIALECT_202:
		return "2.0.2";
	case SMB_DIALECT_210:
		return "2.1";
	case SMB_DIALECT_300:
		return "3.0";
	case SMB_DIALECT_302:
		return "3.0.2";
	case SMB_DIALECT_311:
		return "3.1.1";
	}
	return "none of SMB 2/3";
}

const char *smb_cipher_name(unsigned int cipher)
{
	switch (cipher) {
	case 0:
		return "none";
	case 1:
		return "AES-128-CCM";
	case 2:
		return "AES-128-GCM";
	case 3:
		return "AES-256-CCM";
	case 4:
		return "AES-256-GCM";
	}
	return "unknown cipher";
}
