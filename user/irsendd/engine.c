/* The job engine: queue, journal and stage dispatch (see engine.h). */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "engine_priv.h"
#include "errcodes.h"
#include "fsutil.h"
#include "log.h"

int64_t engine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void engine_notify(struct engine *e, const struct engine_job *j, enum engine_event ev)
{
	if (e->notify)
		e->notify(e->notify_arg, j, ev);
}

void engine_pages_dir(const struct engine *e, const struct engine_job *j, char *buf, size_t len)
{
	char dir[JOURNAL_PATH_MAX];

	journal_job_dir(&e->journal, j->spec.id, dir, sizeof(dir));
	snprintf(buf, len, "%.*s/pages", (int)(len - 8), dir);
}

void engine_out_dir(const struct engine *e, const struct engine_job *j, unsigned int fmt, char *buf,
		    size_t len)
{
	char dir[JOURNAL_PATH_MAX];

	journal_job_dir(&e->journal, j->spec.id, dir, sizeof(dir));
	snprintf(buf, len, "%.*s/out-%u", (int)(len - 16), dir, fmt);
}

/*
 * Jobs run in the order they were accepted (recovery hands them back in id
 * order). Not by id: a job whose files were still arriving has a smaller
 * id than a scan accepted meanwhile, and must not cut in before it.
 */
static void enqueue(struct engine *e, struct engine_job *j)
{
	struct engine_job **p = &e->jobs;

	while (*p)
		p = &(*p)->next;
	j->next = NULL;
	*p = j;
}

static void unlink_job(struct engine *e, struct engine_job *j)
{
	for (struct engine_job **p = &e->jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return;
		}
}

static struct engine_job *new_job(const struct job_spec *spec, const struct job_state *st)
{
	struct engine_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->spec = *spec;
	j->st = *st;
	return j;
}

static void recovered(const struct job_spec *spec, const struct job_state *st, void *arg)
{
	struct engine *e = arg;
	struct engine_job *j = new_job(spec, st);

	if (!j) {
		log_msg(LOG_ERR, spec->id, "out of memory: the job stays in the journal");
		return;
	}
	log_msg(LOG_INFO, spec->id, "recovered from the journal at stage %s",
		job_stage_name(st->stage));
	enqueue(e, j);
	/* The pages of a scan that was cut off are gone with the paper path. */
	if (st->stage == JOB_SCANNING)
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_NO_RESPONSE,
			   "the agent stopped during the scan after %u page%s; scan again",
			   st->pages, st->pages == 1 ? "" : "s");
}

int engine_open(struct engine *e, const char *data_dir, const struct box_store_opts *box_opts,
		char *err, size_t errlen)
{
	char boxes[JOURNAL_PATH_MAX];
	int n, st;

	if (pipe2(e->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (journal_open(&e->journal, data_dir, err, errlen) < 0)
		return -1;
	snprintf(boxes, sizeof(boxes), "%.4000s/boxes", data_dir);
	st = box_store_open(boxes, box_opts, &e->boxes);
	if (st != BOX_OK) {
		snprintf(err, errlen, "box store %s: %s", boxes, box_strerror(st));
		return -1;
	}
	n = journal_recover(&e->journal, recovered, e, err, errlen);
	if (n < 0)
		return -1;
	if (n > 0)
		log_msg(LOG_INFO, 0, "%d unfinished job%s recovered", n, n == 1 ? "" : "s");
	return 0;
}

static void free_job(struct engine *e, struct engine_job *j)
{
	stage_scan_cleanup(e, j);
	stage_encode_cleanup(j);
	free(j);
}

void engine_close(struct engine *e)
{
	while (e->jobs) {
		struct engine_job *j = e->jobs;

		e->jobs = j->next;
		free_job(e, j);
	}
	if (e->boxes)
		box_store_close(e->boxes);
	e->boxes = NULL;
}

int engine_begin(struct engine *e, struct job_spec *spec, char *dir, size_t dirlen, char *err,
		 size_t errlen)
{
	char base[JOURNAL_PATH_MAX];

	if (journal_begin(&e->journal, spec, base, sizeof(base), err, errlen) < 0)
		return -1;
	snprintf(dir, dirlen, "%.4000s/pages", base);
	if (make_dir(dir, 0750) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		journal_discard(&e->journal, spec->id);
		return -1;
	}
	return 0;
}

void engine_abandon(struct engine *e, uint32_t id)
{
	journal_discard(&e->journal, id);
}

int engine_submit(struct engine *e, const struct job_spec *spec, uint32_t pages, char *err,
		  size_t errlen)
{
	struct job_state st = { .stage = JOB_QUEUED, .pages = pages };
	struct engine_job *j = new_job(spec, &st);

	if (!j) {
		snprintf(err, errlen, "out of memory");
		journal_discard(&e->journal, spec->id);
		return -1;
	}
	if (journal_commit(&e->journal, spec, &st, err, errlen) < 0) {
		journal_discard(&e->journal, spec->id);
		free(j);
		return -1;
	}
	log_msg(LOG_INFO, spec->id, "accepted: %s, %u format%s, %u destination%s",
		job_source_name(spec->source), spec->nformats, spec->nformats == 1 ? "" : "s",
		spec->ndests, spec->ndests == 1 ? "" : "s");
	enqueue(e, j);
	return 0;
}

struct engine_job *engine_find(struct engine *e, uint32_t id)
{
	for (struct engine_job *j = e->jobs; j; j = j->next)
		if (j->spec.id == id)
			return j;
	return NULL;
}

int engine_cancel(struct engine *e, uint32_t id)
{
	struct engine_job *j = engine_find(e, id);

	if (!j || j->st.stage == JOB_DONE)
		return -1;
	if (j->st.stage == JOB_QUEUED) {
		/* Never started: a reserved job is simply withdrawn. */
		engine_end(e, j, JOB_RESULT_CANCELLED, IRS_E_CANCELLED, "cancelled while queued");
		return 0;
	}
	j->cancel = true;
	/* A delivery in its thread stops at the next server reply. */
	if (j->delivering)
		atomic_store(&j->delivering->cancel, true);
	return 0;
}

int engine_advance(struct engine *e, struct engine_job *j, enum job_stage next)
{
	char err[300];

	j->st.stage = next;
	if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
		return -1;
	}
	log_msg(LOG_DEBUG, j->spec.id, "stage %s", job_stage_name(next));
	return 0;
}

/* The job's share of the NVRAM counters; a failure to count never fails the job. */
static void count_job(struct engine *e, const struct engine_job *j)
{
	uint64_t delta[COUNTER_COUNT] = { 0 };

	if (!e->rc)
		return;
	delta[j->st.result == JOB_RESULT_OK	     ? COUNTER_JOBS_OK
	      : j->st.result == JOB_RESULT_CANCELLED ? COUNTER_JOBS_CANCELLED
						     : COUNTER_JOBS_FAILED] = 1;
	if (j->spec.source == JOB_SOURCE_SCAN)
		delta[COUNTER_PAGES_SCANNED] = j->st.pages;
	for (unsigned int i = 0; i < j->spec.ndests; i++)
		if (j->st.dests[i].done && !j->st.dests[i].code) {
			delta[COUNTER_DOCS_STORED]++;
			delta[COUNTER_PAGES_STORED] += j->st.pages;
		}
	if (counters_add(e->rc->fd, delta, COUNTER_COUNT) < 0)
		log_msg(LOG_WARNING, j->spec.id, "NVRAM counters not updated: %s", strerror(errno));
}

void engine_end(struct engine *e, struct engine_job *j, enum job_result result, unsigned int code,
		const char *fmt, ...)
{
	char err[300];
	va_list ap;

	stage_scan_cleanup(e, j);
	stage_encode_cleanup(j);
	j->st.stage = JOB_DONE;
	j->st.result = result;
	j->st.code = code;
	j->st.ended = time(NULL);
	va_start(ap, fmt);
	vsnprintf(j->st.message, sizeof(j->st.message), fmt, ap);
	va_end(ap);
	if (journal_end(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0)
		log_msg(LOG_ERR, j->spec.id, "%s (the next start logs it)", err);
	else
		count_job(e, j);
	if (result == JOB_RESULT_OK)
		log_msg(LOG_INFO, j->spec.id, "done: %u page%s", j->st.pages,
			j->st.pages == 1 ? "" : "s");
	else
		log_msg(result == JOB_RESULT_CANCELLED ? LOG_INFO : LOG_WARNING, j->spec.id,
			"%s: #%03u %s", job_result_name(result), code, j->st.message);
	engine_notify(e, j, ENGINE_EV_END);
	unlink_job(e, j);
	free_job(e, j);
}

/* The job whose pages are on their way through the page ring, if any. */
static struct engine_job *scanning_job(const struct engine *e)
{
	for (struct engine_job *j = e->jobs; j; j = j->next)
		if (j->st.stage == JOB_SCANNING)
			return j;
	return NULL;
}

/*
 * The job to advance. A scan comes first (the paper is moving). Otherwise
 * the first job, in the order accepted, that can make progress: one whose
 * delivery is in a thread, or that waits for a retry, or for the one
 * delivery thread, lets the next ones scan and encode meanwhile.
 */
static struct engine_job *runnable(struct engine *e)
{
	struct engine_job *scan = scanning_job(e);
	time_t now = time(NULL);

	if (scan)
		return scan;
	for (struct engine_job *j = e->jobs; j; j = j->next) {
		time_t until = stage_store_waiting_until(j);

		if (j->delivering)
			continue;
		if (j->cancel)
			return j;
		if (j->st.stage == JOB_STORING && e->delivery_in_flight)
			continue;
		if (!until || until <= now)
			return j;
	}
	return NULL;
}

int engine_step(struct engine *e)
{
	struct engine_job *j = runnable(e);

	if (!scanning_job(e))
		stage_scan_drain(e);
	if (!j)
		return 0;
	if (j->cancel) {
		if (j->st.stage == JOB_SCANNING && j->ring_job)
			return stage_scan_step(e, j); /* it cancels the ring job first */
		if (j->delivering)
			return 0; /* the thread's result ends it */
		engine_end(e, j, JOB_RESULT_CANCELLED, IRS_E_CANCELLED_SENDING,
			   "cancelled by an operator");
		return 1;
	}
	/* Stopping: a scan runs to its end (the paper is moving), nothing else starts. */
	if (e->stopping && j->st.stage != JOB_SCANNING)
		return 0;
	/* One delivery thread at a time; its result moves the job on. */
	if (j->delivering)
		return 0;
	switch (j->st.stage) {
	case JOB_QUEUED:
		if (engine_advance(e, j,
				   j->spec.source == JOB_SOURCE_SCAN ? JOB_SCANNING
								     : JOB_ENCODING) < 0)
			return 1;
		return 1;
	case JOB_SCANNING:
		if (!e->rc) {
			engine_end(e, j, JOB_RESULT_FAILED, IRS_E_NO_RESPONSE,
				   "no scanner: the agent runs without the irsend module");
			return 1;
		}
		return stage_scan_step(e, j);
	case JOB_ENCODING:
		return stage_encode_step(e, j);
	case JOB_STORING:
		return stage_store_step(e, j);
	case JOB_DONE:
		break;
	}
	return 1;
}

int engine_wait_fd(const struct engine *e)
{
	/* Always: descriptors of jobs that are not ours are drained too. */
	return e->rc ? e->rc->fd : -1;
}

int engine_wait_ms(const struct engine *e)
{
	const struct engine_job *j = scanning_job(e);
	time_t now = time(NULL), soonest = 0;
	int64_t left;

	if (j && j->ring_job) {
		left = j->last_data_ms + e->scan_timeout_ms - engine_now_ms();
		return left > 0 ? (int)left : 0;
	}
	/* The next retry of a delivery. */
	for (j = e->jobs; j; j = j->next) {
		time_t until = stage_store_waiting_until(j);

		if (until && (!soonest || until < soonest))
			soonest = until;
	}
	if (!soonest)
		return -1;
	return soonest > now ? (int)((soonest - now) * 1000) : 0;
}

int engine_wake_fd(const struct engine *e)
{
	return e->wake[0];
}

void engine_collect(struct engine *e)
{
	struct deliver_task *t;

	while (read(e->wake[0], &t, sizeof(t)) == (ssize_t)sizeof(t)) {
		e->delivery_in_flight = false;
		stage_store_delivered(e, t);
		deliver_task_free(t);
	}
}

bool engine_can_exit(const struct engine *e)
{
	const struct engine_job *scan = scanning_job(e);

	return !e->delivery_in_flight && (!scan || !scan->ring_job);
}

void engine_stop(struct engine *e)
{
	e->stopping = true;
	/*
	 * A delivery would hold the stop for as long as a slow server likes:
	 * stop it at its next reply; the journal keeps it to go at the next start.
	 */
	for (struct engine_job *j = e->jobs; j; j = j->next)
		if (j->delivering)
			atomic_store(&j->delivering->cancel, true);
}
