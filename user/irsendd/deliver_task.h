/*
 * Network deliveries (e-mail, I-Fax) run in a thread of their own: a
 * server may take seconds per reply, and the agent's main loop must keep
 * serving requests and other jobs meanwhile. The thread gets a copy of
 * everything it needs (recipients, the files, the settings as text), so
 * it touches nothing the main loop owns; its result comes back through
 * the engine's wake pipe.
 */
#ifndef IRSENDD_DELIVER_TASK_H
#define IRSENDD_DELIVER_TASK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "job.h"

#define DELIVER_PATH_MAX 512

struct deliver_file {
	char path[DELIVER_PATH_MAX];
	char format[JOB_FORMAT_NAME_MAX]; /* "pdf", "tiff-mmr", ... */
};

struct deliver_task {
	/* In: set by the engine. */
	uint32_t job;
	unsigned int dest;
	struct job_dest target;
	char name[JOB_NAME_MAX];
	uint32_t pages;
	struct deliver_file
		*files; /* every file of the formats, in page order; the task frees it */
	unsigned int nfiles;
	char *user_settings;	/* settings_store_format() text; the task frees it */
	char *service_settings; /* the same for the service-mode values */
	int wake_fd;		/* the task writes its own pointer here when done */
	/* Set by the engine at any time: stop at the next reply (#995). */
	atomic_bool cancel;
	/* Out: set by the thread. */
	unsigned int code; /* section 4.3: #899 sent, else the failure */
	bool temporary;	   /* worth another try later (4xx, network) */
	char reply[JOB_MESSAGE_MAX];
};

/* Start the thread: 0, or -1 with errno (the task is still the caller's). */
int deliver_task_start(struct deliver_task *t);
void deliver_task_free(struct deliver_task *t);

/* The delivery itself, run by the thread: e-mail and I-Fax (deliver_mail.c), SMB and FTP
 * (deliver_file.c). */
void deliver_mail(struct deliver_task *t);
void deliver_file(struct deliver_task *t);

#endif
