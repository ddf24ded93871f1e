// SPDX-License-Identifier: GPL-2.0
/*
 * The frame of the notifications we send back (MDN, DSN): an RFC 5322
 * header with Date and Message-ID, a multipart/report body, 7-bit CRLF
 * lines, written to a file the agent hands to the SMTP client.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rx_priv.h"

static void random_hex(char *out, size_t bytes)
{
	unsigned char r[16] = { 0 };
	uint64_t x;

	if (bytes > sizeof(r))
		bytes = sizeof(r);
	if (getrandom(r, bytes, GRND_NONBLOCK) != (ssize_t)bytes) {
		/* Uniqueness, not secrecy: time and pid do. */
		x = (uint64_t)time(NULL) * 6364136223846793005ull ^ (uint64_t)getpid() << 20 ^
		    (uint64_t)clock();
		memcpy(r, &x, sizeof(x) < bytes ? sizeof(x) : bytes);
	}
	for (size_t i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

void rx_notify_boundary(char *out, size_t outlen)
{
	char hex[33];

	random_hex(hex, 12);
	snprintf(out, outlen, "=_irs_rx.%s", hex);
}

void rx_notify_line(char *out, size_t outlen, const char *s)
{
	if (outlen > 900)
		outlen = 900;
	rx_clean_ascii(out, outlen, s, strlen(s));
}

void rx_notify_head(struct mbuf *b, const char *from, const char *to, const char *subject_utf8,
		    const char *report_type, const char *boundary)
{
	const char *domain = strrchr(from, '@');
	char date[64], hex[33], line[1024];
	struct hdr h;

	mime_date(date, sizeof(date), time(NULL));
	random_hex(hex, 12);
	snprintf(line, sizeof(line), "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\n", date, from, to);
	mb_puts(b, line);
	hdr_begin(&h, b, "Subject");
	hdr_text(&h, subject_utf8);
	hdr_end(&h);
	snprintf(line, sizeof(line),
		 "Message-ID: <%lld.%s%s>\r\n"
		 "Auto-Submitted: auto-replied\r\n"
		 "User-Agent: irsend/" IRSEND_VERSION "\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: multipart/report; report-type=%s;\r\n"
		 "\tboundary=\"%s\"\r\n",
		 (long long)time(NULL), hex, domain ? domain : "@localhost", report_type, boundary);
	mb_puts(b, line);
}

int rx_notify_write(const struct mbuf *b, const char *path)
{
	const char *p = b->p;
	size_t len = b->len;
	int fd, saved;

	if (b->failed || !p) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n < 0 ? errno : EIO;
			close(fd);
			unlink(path);
			errno = saved;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}
