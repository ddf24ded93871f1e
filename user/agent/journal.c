/* The job journal (see journal.h). */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "fsutil.h"

#define NEW_PREFIX ".new-"
/* An ended job's directory on its way out: renamed first, so never seen half removed. */
#define DONE_PREFIX ".done-"
#define LOG_NAME "joblog.jsonl"
#define NEXT_ID_NAME "next-job-id"
/* A log line longer than this is not one we wrote. */
#define LOG_LINE_MAX (64 * 1024)

static void fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
}

/* mode: 0 for the default, else the file's (before anything is written to it). */
static int write_json_file(const char *dir, const char *name, struct json_object *obj,
			   unsigned int mode)
{
	struct atomic_file af;
	size_t len;
	const char *text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);

	if (atomic_file_create(&af, dir, name) < 0)
		return -1;
	if ((mode && fchmod(af.fd, mode) < 0) || atomic_file_write(&af, text, len) < 0 ||
	    atomic_file_write(&af, "\n", 1) < 0) {
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af);
}

static struct json_object *read_json_file(const char *dir, const char *name)
{
	char path[JOURNAL_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return json_object_from_file(path);
}

static int save_next_id(struct journal *j)
{
	struct atomic_file af;
	char text[16];
	int n = snprintf(text, sizeof(text), "%u\n", j->next_id);

	if (atomic_file_create(&af, j->root, NEXT_ID_NAME) < 0)
		return -1;
	if (atomic_file_write(&af, text, (size_t)n) < 0) {
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af);
}

/* The job id in a spool entry's name, or 0 (ids start at 1). */
static uint32_t id_of_name(const char *name, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *end;
	unsigned long v;

	if (strncmp(name, prefix, plen) != 0 || strlen(name) != plen + 8)
		return 0;
	errno = 0;
	v = strtoul(name + plen, &end, 10);
	if (errno || *end || v == 0 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

static int note_logged_id(struct json_object *entry, void *arg)
{
	struct journal *j = arg;
	struct json_object *job, *id;

	if (json_object_object_get_ex(entry, "job", &job) &&
	    json_object_object_get_ex(job, "id", &id)) {
		uint32_t v = (uint32_t)json_object_get_int64(id);

		if (v >= j->next_id)
			j->next_id = v + 1;
	}
	return 0;
}

int journal_open(struct journal *j, const char *data_dir, char *err, size_t errlen)
{
	FILE *f;
	DIR *d;
	struct dirent *de;
	char path[JOURNAL_PATH_MAX];

	memset(j, 0, sizeof(*j));
	if (strlen(data_dir) + 16 >= sizeof(j->root)) {
		snprintf(err, errlen, "data directory path too long");
		return -1;
	}
	snprintf(j->root, sizeof(j->root), "%s", data_dir);
	snprintf(j->spool, sizeof(j->spool), "%s/spool", data_dir);
	if (make_dir(j->root, 0750) < 0) {
		fail(err, errlen, "cannot create", j->root);
		return -1;
	}
	if (make_dir(j->spool, 0750) < 0) {
		fail(err, errlen, "cannot create", j->spool);
		return -1;
	}
	j->next_id = 1;
	snprintf(path, sizeof(path), "%s/%s", j->root, NEXT_ID_NAME);
	f = fopen(path, "re");
	if (f) {
		unsigned int v;

		if (fscanf(f, "%u", &v) == 1 && v > 0)
			j->next_id = v;
		fclose(f);
	}
	/* The id file may lag behind a job committed just before a crash. */
	d = opendir(j->spool);
	if (!d) {
		fail(err, errlen, "cannot read", j->spool);
		return -1;
	}
	while ((de = readdir(d))) {
		uint32_t id = id_of_name(de->d_name, "");

		if (!id)
			id = id_of_name(de->d_name, NEW_PREFIX);
		if (id >= j->next_id)
			j->next_id = id + 1;
	}
	closedir(d);
	journal_log_foreach(j, note_logged_id, j);
	return 0;
}

int journal_begin(struct journal *j, struct job_spec *spec, char *dir, size_t dirlen, char *err,
		  size_t errlen)
{
	spec->id = j->next_id++;
	if (save_next_id(j) < 0) {
		fail(err, errlen, "cannot record the next job id in", j->root);
		return -1;
	}
	snprintf(dir, dirlen, "%s/" NEW_PREFIX "%08u", j->spool, spec->id);
	if (remove_tree(dir) < 0 || mkdir(dir, 0750) < 0) {
		fail(err, errlen, "cannot create", dir);
		return -1;
	}
	return 0;
}

int journal_commit(struct journal *j, const struct job_spec *spec, const struct job_state *st,
		   char *err, size_t errlen)
{
	char tmp[JOURNAL_PATH_MAX], dir[JOURNAL_PATH_MAX];
	struct json_object *obj;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s/" NEW_PREFIX "%08u", j->spool, spec->id);
	journal_job_dir(j, spec->id, dir, sizeof(dir));
	/* The only copy with the file servers' passwords: the agent's alone. */
	obj = job_spec_to_json_private(spec);
	ret = write_json_file(tmp, "job.json", obj, 0600);
	json_object_put(obj);
	if (ret == 0) {
		obj = job_state_to_json(spec, st);
		ret = write_json_file(tmp, "state.json", obj, 0);
		json_object_put(obj);
	}
	/* The pages and both files must be on disk before the name says "job". */
	if (ret < 0 || fsync_dir(tmp) < 0) {
		fail(err, errlen, "cannot write the job in", tmp);
		return -1;
	}
	if (rename(tmp, dir) < 0 || fsync_dir(j->spool) < 0) {
		fail(err, errlen, "cannot commit", dir);
		return -1;
	}
	return 0;
}

void journal_discard(struct journal *j, uint32_t id)
{
	char tmp[JOURNAL_PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s/" NEW_PREFIX "%08u", j->spool, id);
	remove_tree(tmp);
}

void journal_job_dir(const struct journal *j, uint32_t id, char *dir, size_t dirlen)
{
	snprintf(dir, dirlen, "%s/%08u", j->spool, id);
}

int journal_save_state(struct journal *j, const struct job_spec *spec, const struct job_state *st,
		       char *err, size_t errlen)
{
	char dir[JOURNAL_PATH_MAX];
	struct json_object *obj = job_state_to_json(spec, st);
	int ret;

	journal_job_dir(j, spec->id, dir, sizeof(dir));
	ret = write_json_file(dir, "state.json", obj, 0);
	json_object_put(obj);
	if (ret < 0)
		fail(err, errlen, "cannot save the state of", dir);
	return ret;
}

static struct json_object *log_entry(const struct job_spec *spec, const struct job_state *st)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "job", job_spec_to_json(spec));
	json_object_object_add(e, "state", job_state_to_json(spec, st));
	return e;
}

struct trim_ctx {
	size_t total;
	size_t skip;
	FILE *out;
};

static int count_entry(struct json_object *entry, void *arg)
{
	(void)entry;
	((struct trim_ctx *)arg)->total++;
	return 0;
}

static int copy_entry(struct json_object *entry, void *arg)
{
	struct trim_ctx *t = arg;

	if (t->skip > 0) {
		t->skip--;
		return 0;
	}
	fprintf(t->out, "%s\n", json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN));
	return 0;
}

/* Keep the log between JOURNAL_LOG_KEEP and twice that many entries. */
static void trim_log(struct journal *j)
{
	struct trim_ctx t = { 0 };
	char tmp[JOURNAL_PATH_MAX], path[JOURNAL_PATH_MAX];

	journal_log_foreach(j, count_entry, &t);
	if (t.total <= 2 * JOURNAL_LOG_KEEP)
		return;
	snprintf(tmp, sizeof(tmp), "%s/." LOG_NAME ".tmp", j->root);
	snprintf(path, sizeof(path), "%s/" LOG_NAME, j->root);
	t.out = fopen(tmp, "we");
	if (!t.out)
		return;
	t.skip = t.total - JOURNAL_LOG_KEEP;
	journal_log_foreach(j, copy_entry, &t);
	if (fflush(t.out) == 0 && fsync(fileno(t.out)) == 0 && fclose(t.out) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

static int append_log(struct journal *j, const struct job_spec *spec, const struct job_state *st)
{
	char path[JOURNAL_PATH_MAX];
	struct json_object *e = log_entry(spec, st);
	size_t len;
	const char *text = json_object_to_json_string_length(e, JSON_C_TO_STRING_PLAIN, &len);
	char *line = malloc(len + 1);
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/" LOG_NAME, j->root);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd >= 0 && line) {
		memcpy(line, text, len);
		line[len] = '\n';
		/* One write: O_APPEND keeps the line whole among lines. */
		if (write(fd, line, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0)
			ret = 0;
	}
	if (fd >= 0)
		close(fd);
	free(line);
	json_object_put(e);
	return ret;
}

int journal_end(struct journal *j, const struct job_spec *spec, const struct job_state *st,
		char *err, size_t errlen)
{
	char dir[JOURNAL_PATH_MAX], gone[JOURNAL_PATH_MAX];

	journal_job_dir(j, spec->id, dir, sizeof(dir));
	/* Ended in the state first: a crash after the log line must not log it again. */
	if (journal_save_state(j, spec, st, err, errlen) < 0)
		return -1;
	if (append_log(j, spec, st) < 0) {
		fail(err, errlen, "cannot append to the job log in", j->root);
		return -1;
	}
	snprintf(gone, sizeof(gone), "%s/" DONE_PREFIX "%08u", j->spool, spec->id);
	if (rename(dir, gone) < 0 || fsync_dir(j->spool) < 0) {
		fail(err, errlen, "cannot remove", dir);
		return -1;
	}
	remove_tree(gone);
	trim_log(j);
	return 0;
}

int journal_amend(struct journal *j, const struct job_spec *spec, const struct job_state *st)
{
	if (append_log(j, spec, st) < 0)
		return -1;
	trim_log(j);
	return 0;
}

struct find_ctx {
	uint32_t id;
	int found;
};

static int find_logged(struct json_object *entry, void *arg)
{
	struct find_ctx *f = arg;
	struct json_object *job, *id;

	if (json_object_object_get_ex(entry, "job", &job) &&
	    json_object_object_get_ex(job, "id", &id) &&
	    (uint32_t)json_object_get_int64(id) == f->id)
		f->found = 1;
	return f->found;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Load one job; a job that cannot be read is logged as failed and removed. */
static int recover_one(struct journal *j, uint32_t id, journal_job_fn fn, void *arg)
{
	char dir[JOURNAL_PATH_MAX], why[JOB_MESSAGE_MAX] = "";
	struct json_object *spec_obj, *state_obj;
	struct job_spec spec;
	struct job_state st;
	int ok = 0;

	journal_job_dir(j, id, dir, sizeof(dir));
	spec_obj = read_json_file(dir, "job.json");
	state_obj = read_json_file(dir, "state.json");
	if (!spec_obj || !state_obj)
		snprintf(why, sizeof(why), "the journal lost this job's %s",
			 spec_obj ? "state" : "description");
	else if (job_spec_from_json(spec_obj, &spec, why, sizeof(why)) == 0 &&
		 job_state_from_json(state_obj, &spec, &st, why, sizeof(why)) == 0)
		ok = 1;
	json_object_put(spec_obj);
	json_object_put(state_obj);
	if (ok && spec.id != id) {
		snprintf(why, sizeof(why), "the journal entry %08u describes job %u", id, spec.id);
		ok = 0;
	}
	if (!ok) {
		memset(&spec, 0, sizeof(spec));
		memset(&st, 0, sizeof(st));
		spec.id = id;
		snprintf(spec.name, sizeof(spec.name), "job-%u", id);
		st.stage = JOB_DONE;
		st.result = JOB_RESULT_FAILED;
		snprintf(st.message, sizeof(st.message), "%s", why);
		append_log(j, &spec, &st);
		remove_tree(dir);
		return 0;
	}
	if (st.stage == JOB_DONE) {
		struct find_ctx f = { .id = id };

		journal_log_foreach(j, find_logged, &f);
		if (!f.found && append_log(j, &spec, &st) < 0)
			return 0;
		remove_tree(dir);
		return 0;
	}
	fn(&spec, &st, arg);
	return 1;
}

int journal_recover(struct journal *j, journal_job_fn fn, void *arg, char *err, size_t errlen)
{
	uint32_t *ids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(j->spool);
	int handed = 0;

	if (!d) {
		fail(err, errlen, "cannot read", j->spool);
		return -1;
	}
	while ((de = readdir(d))) {
		uint32_t id = id_of_name(de->d_name, NEW_PREFIX);
		char path[JOURNAL_PATH_MAX];

		if (!id)
			id = id_of_name(de->d_name, DONE_PREFIX);
		if (id) {
			/* Never acknowledged (the client was told it failed), or ended and logged.
			 */
			snprintf(path, sizeof(path), "%s/%s", j->spool, de->d_name);
			remove_tree(path);
			continue;
		}
		id = id_of_name(de->d_name, "");
		if (!id)
			continue;
		if (n == cap) {
			uint32_t *more = realloc(ids, (cap ? cap * 2 : 16) * sizeof(*ids));

			if (!more) {
				closedir(d);
				free(ids);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			ids = more;
			cap = cap ? cap * 2 : 16;
		}
		ids[n++] = id;
	}
	closedir(d);
	qsort(ids, n, sizeof(*ids), cmp_u32);
	for (size_t i = 0; i < n; i++)
		handed += recover_one(j, ids[i], fn, arg);
	free(ids);
	fsync_dir(j->spool);
	return handed;
}

int journal_log_foreach(const struct journal *j, journal_log_fn fn, void *arg)
{
	char path[JOURNAL_PATH_MAX];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/" LOG_NAME, j->root);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (ret == 0 && (len = getline(&line, &cap, f)) >= 0) {
		struct json_object *e;

		if (len > LOG_LINE_MAX)
			continue;
		e = json_tokener_parse(line);
		if (!e)
			continue;
		if (json_object_is_type(e, json_type_object))
			ret = fn(e, arg);
		json_object_put(e);
	}
	free(line);
	fclose(f);
	return ret;
}
