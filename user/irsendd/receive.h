/*
 * I-Fax reception (seed 2.1.3, 2.1.4): messages from the POP server and
 * from our SMTP server land in a spool on the data disk, and one worker
 * thread turns each into a document of the Memory RX Inbox and an entry
 * of the reception log.
 *
 * Nothing is lost: a message is written to the spool and synced before
 * the POP server is told to delete it (or the SMTP client gets its 250);
 * the worker removes a spool file only once its document is stored, and
 * the spool is worked through again at every start. Storing uses the
 * message's spool name as the document key, so a message fetched twice
 * (a crash between spooling and DELE) is stored once.
 *
 * Layout under data_dir/rx: spool/ (NAME.eml, complete), inbox/ (a box
 * store of one box: the Memory RX Inbox), log (one JSON object per line,
 * newest last; the previous one in log.1).
 *
 * POP polling runs in a thread of its own every pop.interval minutes and
 * on request, never at the same time as POP before SMTP (pop_session.h).
 */
#ifndef IRSENDD_RECEIVE_H
#define IRSENDD_RECEIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "box.h"

struct receiver;
struct settings_store;

/* Open data_dir/rx, recover the spool and start the worker: NULL with err. */
struct receiver *receive_open(const char *data_dir, char *err, size_t errlen);
/* Stop the threads (a poll ends at its next server reply) and free. */
void receive_close(struct receiver *rx);

/* Readable when a poll ended or a timer is due: call receive_ready(). */
int receive_fd(const struct receiver *rx);

/*
 * Give the current settings (user store, service-mode values as text) to
 * the receiver; done at start and whenever they may have changed. Arms the
 * poll timer from pop.interval.
 */
void receive_configure(struct receiver *rx, const struct settings_store *user,
		       const char *service_text);

void receive_ready(struct receiver *rx);

/* Start a POP check now: 0, or -1 when one runs already or no POP server is set (why in err). */
int receive_poll_now(struct receiver *rx, char *err, size_t errlen);

/*
 * Spool one message (SMTP server): moves path into the spool; 0, or -1
 * with errno. envelope (may be NULL): its sender and the recipients that
 * want a DSN on failure, kept beside it as NAME.env (JSON: "from",
 * "dsn_rcpt": [...]), so that a message we accepted and then could not
 * process is answered with a DSN (RFC 3461).
 */
int receive_spool_file(struct receiver *rx, const char *path, const char *source,
		       const char *envelope);

/* The directory the SMTP server should write incoming messages to (same file system). */
const char *receive_incoming_dir(const struct receiver *rx);

struct receive_status {
	bool polling;
	int64_t last_poll;	/* end of the last POP check, 0: none yet */
	unsigned int last_code; /* its section 4.3 code, 0: fine */
	char last_message[200]; /* its outcome */
	unsigned int last_fetched;
	int64_t next_poll;    /* 0: not scheduled */
	unsigned int spooled; /* messages waiting for the worker */
	uint64_t received;    /* since start */
};
void receive_status(struct receiver *rx, struct receive_status *st);

/*
 * The Memory RX Inbox: box 0 of this store. Hold the lock while using it
 * (the worker stores into it).
 */
struct box_store *receive_inbox_lock(struct receiver *rx);
void receive_inbox_unlock(struct receiver *rx);

/*
 * Called in the main loop (from receive_ready) for a DSN (#830) or MDN
 * (#834) that says a message of job's destination dest failed.
 */
typedef void (*receive_notice_fn)(void *arg, uint32_t job, unsigned int dest, unsigned int code,
				  const char *text);
void receive_set_notice_hook(struct receiver *rx, receive_notice_fn fn, void *arg);

/*
 * The Memory RX Inbox had no room for the last message, which waits in
 * the spool: POP checks fetch nothing and the SMTP server answers 452
 * until documents are deleted (receive_space_freed()).
 */
bool receive_inbox_full(struct receiver *rx);
void receive_space_freed(struct receiver *rx);

/* The reception log, oldest first: the last max entries as JSON text lines (free() it). */
char *receive_log_read(struct receiver *rx, size_t max);

#endif
