/* Inside the job engine: the stages, each in its own file. */
#ifndef IRSENDD_ENGINE_PRIV_H
#define IRSENDD_ENGINE_PRIV_H

#include <stddef.h>

#include "deliver_task.h"
#include "engine.h"

/* Each returns 1: step again at once, 0: wait (fd or timer), as engine_step(). */
int stage_scan_step(struct engine *e, struct engine_job *j);
void stage_scan_cleanup(struct engine *e, struct engine_job *j);
/* Release descriptors of jobs that are not the agent's (a feeder's). */
void stage_scan_drain(struct engine *e);
int stage_encode_step(struct engine *e, struct engine_job *j);
void stage_encode_cleanup(struct engine_job *j);
int stage_store_step(struct engine *e, struct engine_job *j);
/* A finished delivery thread's result (stage_store.c). */
void stage_store_delivered(struct engine *e, struct deliver_task *t);
/* The job waits for a retry of a delivery: the time it may go on, else 0. */
time_t stage_store_waiting_until(const struct engine_job *j);

/* Move j to its next stage and journal it: 0, or -1 (the job then failed). */
int engine_advance(struct engine *e, struct engine_job *j, enum job_stage next);
/* End j: result, code (section 4.3, 0 for none) and a message; journals and logs it. */
void engine_end(struct engine *e, struct engine_job *j, enum job_result result, unsigned int code,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void engine_notify(struct engine *e, const struct engine_job *j, enum engine_event ev);

/* Where the job's pages and encoded documents live. */
void engine_pages_dir(const struct engine *e, const struct engine_job *j, char *buf, size_t len);
void engine_out_dir(const struct engine *e, const struct engine_job *j, unsigned int fmt, char *buf,
		    size_t len);

int64_t engine_now_ms(void);

#endif
