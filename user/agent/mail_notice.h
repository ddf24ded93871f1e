/*
 * The link between a message we sent and a DSN or MDN that comes back
 * about it: the Message-ID carries "j<job>-d<destination>" at the end of
 * its local part (mime_headers.msgid_tag), and a report naming that
 * Message-ID updates that destination of that job (#830, #834).
 */
#ifndef IRSEND_AGENT_MAIL_NOTICE_H
#define IRSEND_AGENT_MAIL_NOTICE_H

#include <stddef.h>
#include <stdint.h>

/* The tag for a job's destination: "j12-d0". */
void mail_notice_tag(uint32_t job, unsigned int dest, char *out, size_t len);

/* The job and destination in a Message-ID ("<....j12-d0@host>"): 0, or -1 when it has none. */
int mail_notice_parse(const char *message_id, uint32_t *job, unsigned int *dest);

#endif
