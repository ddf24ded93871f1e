/*
 * The encode stage: each requested format in turn, one spooled page per
 * step. A format whose document is complete is recorded in the journal;
 * after a restart the format in progress is encoded again from page 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine_priv.h"
#include "errcodes.h"
#include "fsutil.h"
#include "log.h"
#include "settings_store.h"

void stage_encode_cleanup(struct engine_job *j)
{
	encoder_abort(j->enc);
	j->enc = NULL;
	j->enc_page = 0;
}

/*
 * The coding of the job's I-Fax document: what the recipients accept
 * (ifax.coding) when the job has I-Fax destinations and all of them are
 * full mode, else MH, the only coding of simple mode (profile S) and of an
 * "ifax" document kept in a box.
 */
static enum ifax_coding ifax_coding(const struct engine *e, const struct engine_job *j)
{
	const char *c = e->settings ? settings_store_get(e->settings, "ifax.coding") : NULL;
	bool full = false;

	for (unsigned int i = 0; i < j->spec.ndests; i++) {
		if (j->spec.dests[i].type != JOB_DEST_IFAX)
			continue;
		if (j->spec.dests[i].ifax_mode != JOB_IFAX_FULL)
			return IFAX_CODING_MH;
		full = true;
	}
	if (!full || !c)
		return IFAX_CODING_MH;
	return strcmp(c, "mmr") == 0  ? IFAX_CODING_MMR
	       : strcmp(c, "mr") == 0 ? IFAX_CODING_MR
				      : IFAX_CODING_MH;
}

static int open_encoder(struct engine *e, struct engine_job *j, unsigned int f)
{
	struct encode_options opt = { .threads = e->encode_threads };
	enum encode_format fmt;
	char dir[JOURNAL_PATH_MAX], err[300];

	if (encode_format_parse(j->spec.formats[f], &fmt) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, 0, "unknown format \"%s\"", j->spec.formats[f]);
		return -1;
	}
	engine_out_dir(e, j, f, dir, sizeof(dir));
	/* A half-encoded document of a run that was cut off starts again. */
	if (remove_tree(dir) < 0 || make_dir(dir, 0750) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "cannot create %s: %s",
			   dir, strerror(errno));
		return -1;
	}
	if (fmt == ENCODE_IFAX)
		opt.ifax_coding = ifax_coding(e, j);
	j->enc = encoder_open(fmt, dir, j->spec.name, &opt, err, sizeof(err));
	if (!j->enc) {
		engine_end(e, j, JOB_RESULT_FAILED, 0, "%s: %s", j->spec.formats[f], err);
		return -1;
	}
	j->enc_page = 0;
	return 0;
}

static int finish_format(struct engine *e, struct engine_job *j)
{
	struct encode_result res;
	char err[300];

	if (encoder_finish(j->enc, &res, err, sizeof(err)) < 0) {
		j->enc = NULL;
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s: %s",
			   j->spec.formats[j->st.formats_done], err);
		return 1;
	}
	j->enc = NULL;
	log_msg(LOG_INFO, j->spec.id, "encoded %s: %zu file%s, %llu bytes",
		j->spec.formats[j->st.formats_done], res.nfiles, res.nfiles == 1 ? "" : "s",
		(unsigned long long)res.bytes);
	encode_result_free(&res);
	j->st.formats_done++;
	if (journal_save_state(&e->journal, &j->spec, &j->st, err, sizeof(err)) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, IRS_E_WORK_AREA_FULL, "%s", err);
		return 1;
	}
	engine_notify(e, j, ENGINE_EV_PROGRESS);
	return 1;
}

int stage_encode_step(struct engine *e, struct engine_job *j)
{
	struct page_image page;
	char dir[JOURNAL_PATH_MAX], err[300];
	int ret;

	if (j->st.formats_done >= j->spec.nformats) {
		engine_advance(e, j, JOB_STORING);
		return 1;
	}
	if (!j->enc && open_encoder(e, j, j->st.formats_done) < 0)
		return 1;
	if (j->enc_page == j->st.pages)
		return finish_format(e, j);
	engine_pages_dir(e, j, dir, sizeof(dir));
	if (page_spool_read(dir, j->enc_page + 1, &page, err, sizeof(err)) < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, 0, "%s", err);
		return 1;
	}
	ret = encoder_add_page(j->enc, &page, err, sizeof(err));
	page_spool_free(&page);
	if (ret < 0) {
		engine_end(e, j, JOB_RESULT_FAILED, errno == ENOSPC ? IRS_E_WORK_AREA_FULL : 0,
			   "%s, page %u: %s", j->spec.formats[j->st.formats_done], j->enc_page + 1,
			   err);
		return 1;
	}
	j->enc_page++;
	engine_notify(e, j, ENGINE_EV_PROGRESS);
	return 1;
}
