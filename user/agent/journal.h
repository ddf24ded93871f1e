/*
 * The job journal on the data disk: a job is written here before the
 * agent says it accepted it, and leaves only once its end is in the job
 * log. After a crash or a power cut, journal_recover() hands back every
 * job that had not ended, at the step its state file last recorded.
 *
 * DATA/spool/00000042/job.json      the spec, written once
 *                    /state.json    the state, replaced atomically
 *                    /pages/        spooled pages (page_spool.h)
 *                    /out/          encoded documents
 * DATA/spool/.new-00000042/         a job being accepted: not yet a job
 * DATA/spool/.done-00000042/        an ended job, logged, being removed
 * DATA/joblog.jsonl                 one line per ended job
 * DATA/next-job-id                  ids are never reused
 */
#ifndef IRSEND_JOURNAL_H
#define IRSEND_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"

#define JOURNAL_PATH_MAX 4096
/* The job log keeps at least this many ended jobs, and at most twice as many. */
#define JOURNAL_LOG_KEEP 1000

struct journal {
	char root[JOURNAL_PATH_MAX / 2];
	char spool[JOURNAL_PATH_MAX / 2];
	uint32_t next_id;
};

/* Open (creating the directories) the journal under data_dir: 0, or -1 with err. */
int journal_open(struct journal *j, const char *data_dir, char *err, size_t errlen);

/*
 * Start accepting a job: give spec an id and make its directory under a
 * temporary name, returned in dir (the caller spools pages there): 0, or
 * -1 with err.
 */
int journal_begin(struct journal *j, struct job_spec *spec, char *dir, size_t dirlen, char *err,
		  size_t errlen);
/* Make the job real: write its spec and state and rename its directory: 0, or -1 with err. */
int journal_commit(struct journal *j, const struct job_spec *spec, const struct job_state *st,
		   char *err, size_t errlen);
/* Forget a job that was begun but not committed. */
void journal_discard(struct journal *j, uint32_t id);

/* The directory of an accepted job. */
void journal_job_dir(const struct journal *j, uint32_t id, char *dir, size_t dirlen);
/* Record a step: 0, or -1 with err. */
int journal_save_state(struct journal *j, const struct job_spec *spec, const struct job_state *st,
		       char *err, size_t errlen);
/*
 * The job has ended (st->stage JOB_DONE): append it to the job log, then
 * remove its directory: 0, or -1 with err (it is then recovered as ended
 * and logged again at the next start, never twice).
 */
int journal_end(struct journal *j, const struct job_spec *spec, const struct job_state *st,
		char *err, size_t errlen);

/*
 * An ended job learned more (a DSN or MDN came back): append its new state
 * to the job log; readers take a job's last entry. 0, or -1 with errno.
 */
int journal_amend(struct journal *j, const struct job_spec *spec, const struct job_state *st);

/*
 * At start: drop half-accepted jobs, finish logging ended ones, and call
 * fn for every other job in id order (a job whose files cannot be read is
 * ended as failed, with the reason logged). Returns the number of jobs
 * handed to fn, or -1 with err.
 */
typedef void (*journal_job_fn)(const struct job_spec *spec, const struct job_state *st, void *arg);
int journal_recover(struct journal *j, journal_job_fn fn, void *arg, char *err, size_t errlen);

/*
 * The ended jobs, oldest first: fn gets each log entry (a JSON object
 * {"job":{spec}, "state":{state}}); a nonzero return stops. A line that
 * is not valid JSON (a torn last line after a power cut) is skipped.
 */
typedef int (*journal_log_fn)(struct json_object *entry, void *arg);
int journal_log_foreach(const struct journal *j, journal_log_fn fn, void *arg);

#endif
