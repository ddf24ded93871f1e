/*
 * The job engine: runs accepted jobs one at a time, in the order accepted, through
 * their stages (scan -> encode -> store), a small step at a time so that
 * the agent's one thread keeps answering the control socket between steps
 * (a step is one ring descriptor or one page). Each completed stage is
 * recorded in the journal before the next begins.
 */
#ifndef IRSENDD_ENGINE_H
#define IRSENDD_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "encoder.h"
#include "job.h"
#include "journal.h"
#include "page_spool.h"
#include "ring.h"

struct deliver_task;

struct engine_job {
	struct job_spec spec;
	struct job_state st;
	bool cancel;
	/* While scanning. */
	uint32_t ring_job; /* the module's job id; 0: not started */
	bool cancel_sent;
	struct page_writer *pw;
	uint32_t page_rows; /* rows of the current page written */
	struct page_crc crc;
	int64_t last_data_ms;
	/* While encoding. */
	struct encoder *enc;
	uint32_t enc_page; /* pages added to enc */
	/* While delivering: the task of the thread that runs it (deliver_task.h). */
	struct deliver_task *delivering;
	struct engine_job *next;
};

enum engine_event {
	ENGINE_EV_PROGRESS, /* a page scanned or encoded, a destination done */
	ENGINE_EV_END,	    /* the job ended (its state says how) */
};

struct license_device;

struct engine {
	struct journal journal;
	struct box_store *boxes;
	/* The page ring, claimed for the agent's life; NULL: no module (file jobs only). */
	struct ring_consumer *rc;
	unsigned int encode_threads;
	unsigned int scan_timeout_ms;
	struct engine_job *jobs; /* not ended, in the order accepted; the first one runs */
	void (*notify)(void *arg, const struct engine_job *job, enum engine_event ev);
	void *notify_arg;
	bool stopping; /* SIGTERM: no new stage starts */
	/* What a delivery needs: the user settings, the service-mode values. */
	struct settings_store *settings;
	const char *service_path; /* without the module: the file they live in */
	/* Which options are on: a delivery needs SEND. */
	const struct license_device *license;
	/* Delivery threads report through this pipe; one delivery runs at a time. */
	int wake[2];
	bool delivery_in_flight;
};

/* Open the journal and box store under data_dir and recover unfinished jobs. */
int engine_open(struct engine *e, const char *data_dir, const struct box_store_opts *box_opts,
		char *err, size_t errlen);
void engine_close(struct engine *e);

/*
 * Accepting a job takes two calls: engine_begin() gives spec an id and
 * the directory to spool pages into (file jobs write them there first);
 * engine_submit() journals the job with those pages and queues it: 0, or
 * -1 with err. Until engine_submit() succeeds the job does not exist;
 * engine_abandon() drops it.
 */
int engine_begin(struct engine *e, struct job_spec *spec, char *pages_dir, size_t dirlen, char *err,
		 size_t errlen);
int engine_submit(struct engine *e, const struct job_spec *spec, uint32_t pages, char *err,
		  size_t errlen);
void engine_abandon(struct engine *e, uint32_t id);

struct engine_job *engine_find(struct engine *e, uint32_t id);

/*
 * A DSN (#830) or MDN (#834) reported that the message of a job's
 * destination failed: 0, or -1 when there is no such job (any more) or
 * destination.
 */
int engine_mail_notice(struct engine *e, uint32_t job, unsigned int dest, unsigned int code,
		       const char *text);

/* The service-mode values as text, for a thread (NVRAM through the module); free() it. */
char *engine_service_text(struct engine *e);
/* Cancel: 0, or -1 when no such job is waiting or running (it may have ended). */
int engine_cancel(struct engine *e, uint32_t id);

/*
 * Do one step of work. Returns 1 when more work can be done at once, 0
 * when the engine waits: for the descriptor engine_wait_fd() gives (the
 * page ring) to become readable, or for a new job.
 */
int engine_step(struct engine *e);
int engine_wait_fd(const struct engine *e);
/* Milliseconds until the engine wants a step even without fd activity, -1: none. */
int engine_wait_ms(const struct engine *e);

/* SIGTERM: stop between steps; the journal keeps every job for the next start. */
void engine_stop(struct engine *e);
/* True once nothing runs that must be waited for (a scan, a delivery thread). */
bool engine_can_exit(const struct engine *e);

/* The read end of the delivery threads' pipe, for the main loop's epoll. */
int engine_wake_fd(const struct engine *e);
/* It is readable: take the finished deliveries' results. */
void engine_collect(struct engine *e);

#endif
