/* The restore's state file and report under restore_dir, both replaced atomically. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "box_backup.h"
#include "box_backup_priv.h"

static const char *const names[] = {
	[BK_RS_NONE] = "none", [BK_RS_SCHEDULED] = "scheduled", [BK_RS_APPLYING] = "applying",
	[BK_RS_DONE] = "done", [BK_RS_FAILED] = "failed",
};

const char *bk_restore_state_name(enum bk_restore_state s)
{
	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

enum bk_restore_state bk_restore_state_read(const char *restore_dir)
{
	char path[4096], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/state", restore_dir);
	f = fopen(path, "re");
	if (!f)
		return BK_RS_NONE;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(buf, names[i]) == 0)
			return (enum bk_restore_state)i;
	/* An atomic write leaves no torn file: anything else is not ours to act on. */
	return BK_RS_NONE;
}

static int write_atomic(const char *dir, const char *name, const char *text)
{
	struct atomic_file af;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	if (atomic_file_create(&af, dir, name))
		return -1;
	if (atomic_file_write(&af, text, strlen(text))) {
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af);
}

int bk_state_write(const char *restore_dir, enum bk_restore_state s)
{
	char line[32];

	snprintf(line, sizeof(line), "%s\n", bk_restore_state_name(s));
	return write_atomic(restore_dir, "state", line);
}

int bk_restore_schedule(const char *restore_dir)
{
	if (bk_restore_state_read(restore_dir) == BK_RS_APPLYING) {
		errno = EBUSY;
		return -1;
	}
	return bk_state_write(restore_dir, BK_RS_SCHEDULED);
}

int bk_restore_cancel(const char *restore_dir)
{
	char path[4096];

	switch (bk_restore_state_read(restore_dir)) {
	case BK_RS_APPLYING:
		errno = EBUSY;
		return -1;
	case BK_RS_SCHEDULED:
		snprintf(path, sizeof(path), "%s/state", restore_dir);
		return unlink(path) && errno != ENOENT ? -1 : 0;
	default:
		errno = ENOENT;
		return -1;
	}
}

int bk_report_write(const char *restore_dir, const struct bk_report *r)
{
	struct json_object *o = json_object_new_object();
	int ret;

	json_object_object_add(o, "state", json_object_new_string(bk_restore_state_name(r->state)));
	json_object_object_add(o, "status", json_object_new_int(r->status));
	json_object_object_add(o, "message", json_object_new_string(r->message));
	json_object_object_add(o, "boxes", json_object_new_int64(r->boxes));
	json_object_object_add(o, "documents", json_object_new_int64(r->documents));
	json_object_object_add(o, "files", json_object_new_int64(r->files));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
	json_object_object_add(o, "started", json_object_new_int64(r->started));
	json_object_object_add(o, "ended", json_object_new_int64(r->ended));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	ret = write_atomic(restore_dir, "report.json", json_object_to_json_string(o));
	json_object_put(o);
	return ret;
}

static int64_t get_i(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

int bk_restore_report_read(const char *restore_dir, struct bk_report *r)
{
	char path[4096];
	struct json_object *o, *v;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/report.json", restore_dir);
	o = json_object_from_file(path);
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "state", &v)) {
		for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(json_object_get_string(v), names[i]) == 0)
				r->state = (enum bk_restore_state)i;
	}
	if (json_object_object_get_ex(o, "message", &v))
		snprintf(r->message, sizeof(r->message), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "seconds", &v))
		r->seconds = json_object_get_double(v);
	r->status = (int)get_i(o, "status");
	r->boxes = (uint32_t)get_i(o, "boxes");
	r->documents = (uint32_t)get_i(o, "documents");
	r->files = (uint32_t)get_i(o, "files");
	r->bytes = (uint64_t)get_i(o, "bytes");
	r->started = get_i(o, "started");
	r->ended = get_i(o, "ended");
	json_object_put(o);
	return 0;
}
