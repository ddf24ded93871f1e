// SPDX-License-Identifier: GPL-2.0
/*
 * The MDN of I-Fax full mode (RFC 2532, RFC 3298 over RFC 8098): sent
 * automatically once a received message has been processed, "processed"
 * or "processed/error" with what went wrong in the Error field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "rx_priv.h"

int rx_mdn_build(const struct rx_result *res, const char *our_address, bool processed,
		 const char *detail, const char *path)
{
	struct mbuf b = { 0 };
	char boundary[48], subject[300], line[2048], text[2048], from[330];
	const char *domain;
	int rc;

	if (!res->mdn_to[0] || !mime_addr_valid(res->mdn_to) || !our_address ||
	    !mime_addr_valid(our_address)) {
		errno = EINVAL;
		return -1;
	}
	domain = strrchr(our_address, '@') + 1;
	rx_notify_boundary(boundary, sizeof(boundary));
	snprintf(subject, sizeof(subject), "%s: %s", processed ? "Processed" : "Not processed",
		 res->subject[0] && utf8_valid(res->subject) ? res->subject : "your fax");
	rx_notify_head(&b, our_address, res->mdn_to, subject, "disposition-notification", boundary);
	if (res->message_id[0]) {
		snprintf(line, sizeof(line), "In-Reply-To: %s\r\nReferences: %s\r\n",
			 res->message_id, res->message_id);
		mb_puts(&b, line);
	}
	rx_notify_line(from, sizeof(from), res->from[0] ? res->from : "the sender");
	if (processed) {
		snprintf(text, sizeof(text),
			 "The message %s from %s was received by %s and processed (%u pages, "
			 "%u lines of text).",
			 res->message_id[0] ? res->message_id : "without a Message-ID", from,
			 our_address, res->pages, res->text_lines);
	} else {
		char why[600];

		rx_notify_line(why, sizeof(why), detail && *detail ? detail : "processing failed");
		snprintf(text, sizeof(text),
			 "The message %s from %s was received by %s but could not be processed: %s",
			 res->message_id[0] ? res->message_id : "without a Message-ID", from,
			 our_address, why);
	}
	snprintf(line, sizeof(line),
		 "\r\n--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
		 "Content-Transfer-Encoding: 7bit\r\n\r\n",
		 boundary);
	mb_puts(&b, line);
	/* The one long line folded at blanks: 7-bit lines stay short. */
	for (const char *s = text; *s;) {
		size_t n = strlen(s);

		if (n > 76) {
			n = 76;
			while (n > 20 && s[n] != ' ')
				n--;
		}
		mb_put(&b, s, n);
		mb_puts(&b, "\r\n");
		s += n;
		while (*s == ' ')
			s++;
	}
	snprintf(line, sizeof(line),
		 "\r\n--%s\r\nContent-Type: message/disposition-notification\r\n"
		 "Content-Transfer-Encoding: 7bit\r\n\r\n"
		 "Reporting-UA: %s; irsend/" IRSEND_VERSION "\r\n"
		 "Final-Recipient: rfc822;%s\r\n",
		 boundary, domain, our_address);
	mb_puts(&b, line);
	if (res->message_id[0]) {
		snprintf(line, sizeof(line), "Original-Message-ID: %s\r\n", res->message_id);
		mb_puts(&b, line);
	}
	snprintf(line, sizeof(line),
		 "Disposition: automatic-action/MDN-sent-automatically; processed%s\r\n",
		 processed ? "" : "/error");
	mb_puts(&b, line);
	if (!processed) {
		char why[600];

		rx_notify_line(why, sizeof(why), detail && *detail ? detail : "processing failed");
		snprintf(line, sizeof(line), "Error: %s\r\n", why);
		mb_puts(&b, line);
	}
	snprintf(line, sizeof(line), "\r\n--%s--\r\n", boundary);
	mb_puts(&b, line);
	rc = rx_notify_write(&b, path);
	free(b.p);
	return rc;
}
