/*
 * The store stage: each destination in turn gets the encoded documents.
 * A User Inbox takes them as one document, keyed by job and destination
 * so that a store repeated after a crash finds the document already there.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_priv.h"
#include "errcodes.h"
#include "fsutil.h"
#include "log.h"

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
	ds->code = st == BOX_OK ? 0 : box_code(st);
	if (st == BOX_OK)
		log_msg(LOG_INFO, j->spec.id, "stored in box %u as document %u",
			j->spec.dests[i].box, ds->doc);
	else
		log_msg(LOG_WARNING, j->spec.id, "box %u: #%03u %s%s%s", j->spec.dests[i].box,
			ds->code, box_strerror(st), *err ? ": " : "", err);
}

int stage_store_step(struct engine *e, struct engine_job *j)
{
	unsigned int failed = 0, code = 0, first = 0;
	const struct irs_errcode *ec;
	char err[300];

	for (unsigned int i = 0; i < j->spec.ndests; i++) {
		if (j->st.dests[i].done)
			continue;
		store_box(e, j, i);
		if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0) {
			engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
			return 1;
		}
		engine_notify(e, j, ENGINE_EV_PROGRESS);
		return 1;
	}
	for (unsigned int i = 0; i < j->spec.ndests; i++)
		if (j->st.dests[i].code) {
			failed++;
			if (!code) {
				code = j->st.dests[i].code;
				first = i;
			}
		}
	ec = errcode_find(code);
	if (failed)
		engine_end(e, j, JOB_RESULT_FAILED, code,
			   "box %u: %s (%u of %u destination%s failed)", j->spec.dests[first].box,
			   ec ? ec->message : "not stored", failed, j->spec.ndests,
			   j->spec.ndests == 1 ? "" : "s");
	else
		engine_end(e, j, JOB_RESULT_OK, 0, "stored");
	return 1;
}
