/*
 * The delivery stage: each destination in turn gets the encoded documents.
 * A User Inbox takes them as one document, keyed by job and destination
 * so that a store repeated after a crash finds the document already there.
 * E-mail and I-Fax go out from a delivery thread; a temporary failure is
 * retried later with a growing pause, while other jobs go on.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_priv.h"
#include "errcodes.h"
#include "fsutil.h"
#include "license.h"
#include "log.h"
#include "service_blob.h"
#include "settings_store.h"

/* The longest pause between two tries of a delivery. */
#define RETRY_MAX_S 3600

/* Hard-link every encoded file into staging: the box takes them without a copy. */
static int link_outputs(struct engine *e, struct engine_job *j, const char *staging, char *err,
			size_t errlen)
{
	for (unsigned int f = 0; f < j->spec.nformats; f++) {
		char dir[JOURNAL_PATH_MAX];
		struct dirent *de;
		DIR *d;

		engine_out_dir(e, j, f, dir, sizeof(dir));
		d = opendir(dir);
		if (!d) {
			snprintf(err, errlen, "cannot read %.200s: %s", dir, strerror(errno));
			return -1;
		}
		while ((de = readdir(d))) {
			char from[JOURNAL_PATH_MAX + 300], to[JOURNAL_PATH_MAX + 300];

			if (de->d_name[0] == '.')
				continue;
			snprintf(from, sizeof(from), "%s/%s", dir, de->d_name);
			snprintf(to, sizeof(to), "%s/%s", staging, de->d_name);
			if (link(from, to) < 0) {
				snprintf(err, errlen, "cannot link %.200s: %s", to,
					 strerror(errno));
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	}
	return 0;
}

static unsigned int box_code(int status)
{
	switch (status) {
	case BOX_E_AREA_FULL:
		return IRS_E_BOX_FULL;
	case BOX_E_DOC_LIMIT:
		return IRS_E_BOX_DOC_LIMIT;
	case BOX_E_RANGE:
		return IRS_E_ADDRESS_GONE;
	default:
		return IRS_E_IMAGE_AREA_FULL;
	}
}

static void store_box(struct engine *e, struct engine_job *j, unsigned int i)
{
	struct job_dest_state *ds = &j->st.dests[i];
	struct box_doc_meta meta = { .pages = j->st.pages, .job_id = j->spec.id };
	char key[BOX_KEY_MAX + 1], err[300] = "";
	char *staging = NULL;
	size_t off = 0;
	int st;

	snprintf(meta.name, sizeof(meta.name), "%s", j->spec.name);
	for (unsigned int f = 0; f < j->spec.nformats; f++)
		off += (size_t)snprintf(meta.formats + off, sizeof(meta.formats) - off, "%s%s",
					f ? "," : "", j->spec.formats[f]);
	snprintf(key, sizeof(key), "job-%u-%u", j->spec.id, i);
	st = box_staging_new(e->boxes, &staging);
	if (st == BOX_OK && link_outputs(e, j, staging, err, sizeof(err)) < 0)
		st = BOX_E_IO;
	if (st == BOX_OK)
		st = box_store_document(e->boxes, j->spec.dests[i].box, key, staging, &meta,
					&ds->doc);
	if (st != BOX_OK && staging)
		remove_tree(staging);
	free(staging);
	ds->done = true;
	ds->attempts++;
	ds->code = st == BOX_OK ? 0 : box_code(st);
	snprintf(ds->reply, sizeof(ds->reply), "%s%s%s", st == BOX_OK ? "" : box_strerror(st),
		 *err ? ": " : "", err);
	if (st == BOX_OK)
		log_msg(LOG_INFO, j->spec.id, "stored in box %u as document %u",
			j->spec.dests[i].box, ds->doc);
	else
		log_msg(LOG_WARNING, j->spec.id, "box %u: #%03u %s", j->spec.dests[i].box, ds->code,
			ds->reply);
}

/*
 * Which formats go to a mail destination: an I-Fax carries the I-Fax
 * profile only (RFC 3965); an e-mail carries the others, or the I-Fax
 * TIFF when that is all there is.
 */
static bool format_for(const struct engine_job *j, enum job_dest_type type, unsigned int f)
{
	bool is_ifax = strcmp(j->spec.formats[f], "ifax") == 0;

	if (type == JOB_DEST_IFAX)
		return is_ifax;
	return !is_ifax || j->spec.nformats == 1;
}

/* One more file for the delivery thread; the list grows by doubling. */
static int add_output(struct deliver_task *t, const char *dir, const char *name, const char *format)
{
	struct deliver_file *df;

	if (!(t->nfiles & (t->nfiles + 1))) { /* 0, 1, 3, 7...: double the room */
		struct deliver_file *more = realloc(t->files, (t->nfiles * 2 + 1) * sizeof(*more));

		if (!more)
			return -1;
		t->files = more;
	}
	df = &t->files[t->nfiles++];
	snprintf(df->path, sizeof(df->path), "%.300s/%.150s", dir, name);
	snprintf(df->format, sizeof(df->format), "%s", format);
	return 0;
}

/*
 * The encoded files a delivery takes, in format order: all of a split
 * PDF's, however many pages.
 */
static int list_outputs(struct engine *e, struct engine_job *j, struct deliver_task *t)
{
	for (unsigned int f = 0; f < j->spec.nformats; f++) {
		char dir[JOURNAL_PATH_MAX];
		struct dirent **names;
		int n, ret = 0;

		if (!format_for(j, t->target.type, f))
			continue;
		engine_out_dir(e, j, f, dir, sizeof(dir));
		/* Sorted: split PDFs go out in page order. */
		n = scandir(dir, &names, NULL, alphasort);
		if (n < 0)
			return -1;
		for (int k = 0; k < n; k++) {
			if (!ret && names[k]->d_name[0] != '.')
				ret = add_output(t, dir, names[k]->d_name, j->spec.formats[f]);
			free(names[k]);
		}
		free(names);
		if (ret < 0)
			return -1;
	}
	return 0;
}

char *engine_service_text(struct engine *e)
{
	struct settings_store *st = settings_store_new(SETTING_SERVICE);
	char err[300], *text = NULL;
	int ret;

	if (!st)
		return NULL;
	if (e->rc)
		ret = service_nvram_load(e->rc->fd, st, err, sizeof(err));
	else
		ret = access(e->service_path, F_OK) == 0
			      ? settings_store_load(st, e->service_path, err, sizeof(err))
			      : 0;
	if (ret < 0)
		log_msg(LOG_WARNING, 0, "service-mode values: %s (defaults used)", err);
	text = settings_store_format(st, NULL);
	settings_store_free(st);
	return text;
}

static void start_delivery(struct engine *e, struct engine_job *j, unsigned int i)
{
	struct job_dest_state *ds = &j->st.dests[i];
	struct deliver_task *t;

	/* Accepted while SEND was on, and it was given up since: nothing goes out. */
	if (e->license && !license_is_active(e->license, LICENSE_SEND)) {
		ds->done = true;
		ds->code = IRS_E_ADDRESS_GONE;
		snprintf(ds->reply, sizeof(ds->reply), "the SEND option is no longer active");
		log_msg(LOG_WARNING, j->spec.id, "%s to %s: #022 SEND is not active",
			job_dest_type_name(j->spec.dests[i].type), j->spec.dests[i].addrs);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (t) {
		t->job = j->spec.id;
		t->dest = i;
		t->target = j->spec.dests[i];
		snprintf(t->name, sizeof(t->name), "%s", j->spec.name);
		t->pages = j->st.pages;
		t->wake_fd = e->wake[1];
		t->user_settings = e->settings ? settings_store_format(e->settings, NULL) : NULL;
		t->service_settings = engine_service_text(e);
	}
	if (!t || list_outputs(e, j, t) < 0 || deliver_task_start(t) < 0) {
		deliver_task_free(t);
		ds->done = true;
		ds->code = IRS_E_WORK_AREA_FULL;
		snprintf(ds->reply, sizeof(ds->reply), "cannot start the delivery: %s",
			 strerror(errno));
		return;
	}
	ds->attempts++;
	j->delivering = t;
	e->delivery_in_flight = true;
	log_msg(LOG_INFO, j->spec.id, "%s to %s (try %u)", job_dest_type_name(t->target.type),
		t->target.addrs, ds->attempts);
}

/* How long to wait after the n-th failed try. */
static time_t backoff(struct engine *e, unsigned int attempts)
{
	long long first = e->settings ? settings_store_get_int(e->settings, "mail.retry_s") : 60;
	long long s = first;

	for (unsigned int k = 1; k < attempts && s < RETRY_MAX_S; k++)
		s *= 2;
	return (time_t)(s < RETRY_MAX_S ? s : RETRY_MAX_S);
}

void stage_store_delivered(struct engine *e, struct deliver_task *t)
{
	struct engine_job *j = engine_find(e, t->job);
	struct job_dest_state *ds;
	long long retries;
	char err[300];

	if (!j)
		return;
	j->delivering = NULL;
	ds = &j->st.dests[t->dest];
	snprintf(ds->reply, sizeof(ds->reply), "%s", t->reply);
	retries = e->settings ? settings_store_get_int(e->settings, "mail.retries") : 5;
	if (t->code == IRS_E_CANCELLED && !j->cancel && e->stopping) {
		/* Stopped by the agent's stop, not by an operator: this try does not count. */
		ds->attempts--;
		ds->next_try = 0;
		snprintf(ds->reply, sizeof(ds->reply), "interrupted by a stop of the agent");
		log_msg(LOG_INFO, j->spec.id,
			"delivery to %s interrupted; it goes at the next start", t->target.addrs);
	} else if (t->code == IRS_E_SENT) {
		ds->done = true;
		ds->code = IRS_E_SENT;
		log_msg(LOG_INFO, j->spec.id, "sent to %s: #899", t->target.addrs);
	} else if (t->temporary && !j->cancel && ds->attempts <= (unsigned int)retries) {
		ds->code = t->code;
		ds->next_try = time(NULL) + backoff(e, ds->attempts);
		log_msg(LOG_WARNING, j->spec.id, "#%03u %s; next try in %lld s", t->code, t->reply,
			(long long)(ds->next_try - time(NULL)));
	} else {
		ds->done = true;
		ds->code = t->code;
		log_msg(LOG_WARNING, j->spec.id, "#%03u %s", t->code, t->reply);
	}
	if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
		return;
	}
	engine_notify(e, j, ENGINE_EV_PROGRESS);
}

time_t stage_store_waiting_until(const struct engine_job *j)
{
	time_t until = 0;

	if (j->st.stage != JOB_STORING || j->delivering)
		return 0;
	for (unsigned int i = 0; i < j->spec.ndests; i++) {
		const struct job_dest_state *ds = &j->st.dests[i];

		if (ds->done)
			continue;
		if (!ds->next_try)
			return 0; /* one destination can go at once */
		if (!until || ds->next_try < until)
			until = ds->next_try;
	}
	return until;
}

static bool dest_failed(const struct job_dest_state *ds)
{
	return ds->code && ds->code != IRS_E_SENT;
}

int stage_store_step(struct engine *e, struct engine_job *j)
{
	unsigned int failed = 0, first = 0;
	time_t now = time(NULL);
	const struct irs_errcode *ec;
	char err[300];

	for (unsigned int i = 0; i < j->spec.ndests; i++) {
		struct job_dest_state *ds = &j->st.dests[i];

		if (ds->done || (ds->next_try && ds->next_try > now))
			continue;
		if (j->spec.dests[i].type != JOB_DEST_BOX) {
			if (e->delivery_in_flight)
				return 0; /* another job's delivery: its result wakes us */
			start_delivery(e, j, i);
			if (j->delivering)
				return 0;
		} else {
			store_box(e, j, i);
		}
		if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0) {
			engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
			return 1;
		}
		engine_notify(e, j, ENGINE_EV_PROGRESS);
		return 1;
	}
	for (unsigned int i = 0; i < j->spec.ndests; i++) {
		if (!j->st.dests[i].done)
			return 0; /* waiting for a retry */
		if (dest_failed(&j->st.dests[i]) && !failed++)
			first = i;
	}
	if (!failed) {
		engine_end(e, j, JOB_RESULT_OK, 0, "delivered");
		return 1;
	}
	ec = errcode_find(j->st.dests[first].code);
	if (j->spec.dests[first].type == JOB_DEST_BOX)
		engine_end(e, j, JOB_RESULT_FAILED, j->st.dests[first].code,
			   "box %u: %s (%u of %u destination%s failed)", j->spec.dests[first].box,
			   ec ? ec->message : "not stored", failed, j->spec.ndests,
			   j->spec.ndests == 1 ? "" : "s");
	else
		engine_end(e, j, JOB_RESULT_FAILED, j->st.dests[first].code,
			   "%.60s: %.100s (%u of %u destination%s failed)",
			   j->spec.dests[first].addrs, j->st.dests[first].reply, failed,
			   j->spec.ndests, j->spec.ndests == 1 ? "" : "s");
	return 1;
}
