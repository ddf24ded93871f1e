/*
 * A DSN or MDN about one of our messages (reception found the job and
 * destination in its Message-ID): a failure becomes that destination's
 * code (#830 or #834) and the job's. A job still running keeps it for its
 * end; an ended one gets a new entry in the job log.
 */
#include <stdio.h>
#include <string.h>

#include "engine_priv.h"
#include "log.h"

struct find_last {
	uint32_t id;
	struct json_object *entry;
};

static int find_last(struct json_object *entry, void *arg)
{
	struct find_last *f = arg;
	struct json_object *job, *id;

	if (json_object_object_get_ex(entry, "job", &job) &&
	    json_object_object_get_ex(job, "id", &id) &&
	    (uint32_t)json_object_get_int64(id) == f->id) {
		json_object_put(f->entry);
		f->entry = json_object_get(entry);
	}
	return 0;
}

static void mark(const struct job_spec *spec, struct job_state *st, unsigned int dest,
		 unsigned int code, const char *text)
{
	struct job_dest_state *ds = &st->dests[dest];

	ds->code = code;
	snprintf(ds->reply, sizeof(ds->reply), "%s", text);
	st->result = JOB_RESULT_FAILED;
	st->code = code;
	snprintf(st->message, sizeof(st->message), "%.60s: %.100s", spec->dests[dest].addrs, text);
}

int engine_mail_notice(struct engine *e, uint32_t job, unsigned int dest, unsigned int code,
		       const char *text)
{
	struct engine_job *j = engine_find(e, job);
	struct find_last f = { .id = job };
	struct json_object *spec_o, *state_o;
	struct job_spec spec;
	struct job_state st;
	char err[300];

	if (j) {
		if (dest >= j->spec.ndests || j->spec.dests[dest].type == JOB_DEST_BOX)
			return -1;
		j->st.dests[dest].code = code;
		snprintf(j->st.dests[dest].reply, sizeof(j->st.dests[dest].reply), "%s", text);
		if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0)
			log_msg(LOG_ERR, job, "%s", err);
		return 0;
	}
	journal_log_foreach(&e->journal, find_last, &f);
	if (!f.entry)
		return -1;
	if (!json_object_object_get_ex(f.entry, "job", &spec_o) ||
	    !json_object_object_get_ex(f.entry, "state", &state_o) ||
	    job_spec_from_json(spec_o, &spec, err, sizeof(err)) < 0 ||
	    job_state_from_json(state_o, &spec, &st, err, sizeof(err)) < 0 || dest >= spec.ndests ||
	    spec.dests[dest].type == JOB_DEST_BOX) {
		json_object_put(f.entry);
		return -1;
	}
	json_object_put(f.entry);
	mark(&spec, &st, dest, code, text);
	if (journal_amend(&e->journal, &spec, &st) < 0) {
		log_msg(LOG_ERR, job, "the job log cannot take the report: %m");
		return -1;
	}
	log_msg(LOG_WARNING, job, "#%03u %s", code, text);
	return 0;
}
