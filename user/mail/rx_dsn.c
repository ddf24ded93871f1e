// SPDX-License-Identifier: GPL-2.0
/*
 * The DSN our SMTP server owes a sender who asked for one (RFC 3461
 * NOTIFY=FAILURE) when a message it accepted could not be processed: an
 * RFC 3464 report with Action failed, a status from the reception error,
 * and the original's header returned (RET=HDRS: never its content).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime.h"
#include "rx_priv.h"

/* Most of the original's header we return: enough to find the Message-ID in. */
#define RETURNED_HEADER_MAX 65536

/* RFC 3463 enhanced status of a reception error. */
static const char *status_of(unsigned errcode)
{
	switch (errcode) {
	case IRS_E_RX_UNPRINTABLE:
	case IRS_E_RX_UNSUPPORTED_MIME:
	case IRS_E_RX_HTML:
		return "5.6.1"; /* media not supported */
	case IRS_E_RX_TOO_MANY_PAGES:
	case IRS_E_RX_TOO_MANY_LINES:
		return "5.3.4"; /* message too big for system */
	case IRS_E_WORK_AREA_FULL:
	case IRS_E_IMAGE_AREA_FULL:
	case IRS_E_BOX_FULL:
		return "5.3.1"; /* mail system full */
	default:
		return "5.6.0"; /* other or undefined media error */
	}
}

/* The original's header block, 7-bit, CRLF lines of at most 998 characters. */
static int returned_header(const char *path, struct mbuf *b)
{
	char *buf = malloc(RETURNED_HEADER_MAX);
	size_t len = 0, line = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (len < RETURNED_HEADER_MAX &&
	       (n = read(fd, buf + len, RETURNED_HEADER_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			free(buf);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (!line)
				break; /* the blank line: end of the header */
			mb_puts(b, "\r\n");
			line = 0;
			continue;
		}
		if (c == '\r')
			continue;
		if (line >= 998)
			continue;
		if ((unsigned char)c >= 0x7f || ((unsigned char)c < 0x20 && c != '\t'))
			c = '?';
		mb_put(b, &c, 1);
		line++;
	}
	if (line)
		mb_puts(b, "\r\n");
	free(buf);
	return 0;
}

int rx_dsn_build(const char *original_path, const char *envelope_from, const char *rcpt,
		 const char *our_host, unsigned errcode, const char *path)
{
	const struct irs_errcode *e = errcode_find(errcode);
	struct mbuf b = { 0 };
	char boundary[48], daemon[300], line[2048], code[ERRCODE_STR_MAX];
	int rc;

	/* Never a DSN for a DSN (empty reverse path), nor to something that is not an address. */
	if (!envelope_from || !*envelope_from || !mime_addr_valid(envelope_from) || !rcpt ||
	    !mime_addr_valid(rcpt) || !our_host || strlen(our_host) > 200) {
		errno = EINVAL;
		return -1;
	}
	snprintf(daemon, sizeof(daemon), "MAILER-DAEMON@%s", our_host);
	if (!mime_addr_valid(daemon)) {
		errno = EINVAL;
		return -1;
	}
	errcode_str(errcode, code);
	rx_notify_boundary(boundary, sizeof(boundary));
	rx_notify_head(&b, daemon, envelope_from, "Delivery Status Notification (Failure)",
		       "delivery-status", boundary);
	snprintf(line, sizeof(line),
		 "\r\n--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
		 "Content-Transfer-Encoding: 7bit\r\n\r\n"
		 "Your message to <%s> was received by %s\r\n"
		 "but could not be processed:\r\n\r\n"
		 "    %s %s\r\n",
		 boundary, rcpt, our_host, code, e ? e->message : "reception error");
	mb_puts(&b, line);
	snprintf(line, sizeof(line),
		 "\r\n--%s\r\nContent-Type: message/delivery-status\r\n\r\n"
		 "Reporting-MTA: dns; %s\r\n\r\n"
		 "Final-Recipient: rfc822; %s\r\n"
		 "Action: failed\r\n"
		 "Status: %s\r\n"
		 "Diagnostic-Code: X-Irsend; %s %s\r\n",
		 boundary, our_host, rcpt, status_of(errcode), code,
		 e ? e->message : "reception error");
	mb_puts(&b, line);
	snprintf(line, sizeof(line), "\r\n--%s\r\nContent-Type: text/rfc822-headers\r\n\r\n",
		 boundary);
	mb_puts(&b, line);
	if (returned_header(original_path, &b)) {
		free(b.p);
		return -1;
	}
	snprintf(line, sizeof(line), "\r\n--%s--\r\n", boundary);
	mb_puts(&b, line);
	rc = rx_notify_write(&b, path);
	free(b.p);
	return rc;
}
