/*
 * Inside an e-mail or I-Fax delivery (deliver_mail.c): what the parts of
 * it share. One delivery is one destination of a job: its recipients, the
 * encoded files, the settings of the moment, and the result in the task.
 */
#ifndef IRSENDD_DELIVER_MAIL_H
#define IRSENDD_DELIVER_MAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "deliver_task.h"
#include "mime.h"
#include "settings_store.h"
#include "smtp_client.h"

/* Recipients of one SMTP transaction (seed 1.2.1). */
#define RCPT_PER_TRANSACTION 100
#define MAX_RCPT (JOB_ADDRS_MAX / 4)

struct delivery {
	struct deliver_task *t;
	struct settings_store *user, *service;
	char *addrs; /* a copy of the recipients, cut at the commas */
	const char *rcpt[MAX_RCPT];
	size_t nrcpt;
	struct irs_tls_ctx *tls;
};

/*
 * The message to rcpt with these files attached (part/parts: 1-based
 * piece of a divided I-Fax, 0/0 for a whole one); filename: the name the
 * recipient sees for a single file, NULL for each file's own. NULL with
 * the failure in res.
 */
struct mime_msg *delivery_message(struct delivery *d, const char *const *rcpt, size_t nrcpt,
				  const struct deliver_file *files, unsigned int nfiles,
				  unsigned int part, unsigned int parts, const char *filename,
				  struct irs_smtp_result *res);

/* Send m in the open session, RCPT_PER_TRANSACTION recipients at a time; res->code. */
unsigned int delivery_send(struct irs_smtp *s, struct mime_msg *m, struct irs_smtp_result *res);

/*
 * Divided-page I-Fax (IFAX-PGD): the single TIFF of the delivery as
 * several messages of whole pages, each at most limit bytes, in the open
 * session; whole is the undivided message (for its size). res->code.
 */
unsigned int delivery_send_divided(struct delivery *d, struct irs_smtp *s, const char *const *rcpt,
				   size_t nrcpt, struct mime_msg *whole, uint64_t limit,
				   struct irs_smtp_result *res);

/*
 * A message made already (an MDN or a DSN of reception), from the null
 * reverse path to rcpt through smtp.server with these settings (text
 * snapshots); res->code is #899 when sent.
 */
void deliver_prebuilt(const char *user_text, const char *service_text, const char *rcpt,
		      const char *path, struct irs_smtp_result *res);

/* Set res to a failure of ours (not a server reply). */
void delivery_result(struct irs_smtp_result *res, unsigned int code, bool temporary,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
