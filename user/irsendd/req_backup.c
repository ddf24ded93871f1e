/*
 * backup.run, backup.status, restore.schedule, restore.status,
 * restore.cancel: the Mail Box backup to an SMB share and its restore
 * (seed 2.1.9). Running a backup, scheduling and cancelling a restore
 * are for root and the agent's user; the restore itself runs at the next
 * start (backup_restore_at_start()). No reply carries the password.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup_agent.h"
#include "box_backup.h"
#include "license.h"
#include "log.h"
#include "server_priv.h"

static bool may_change(struct request *r)
{
	if (r->client->uid == 0 || r->client->uid == geteuid())
		return true;
	reply_error(r, "EPERM", "%s is for root and the agent's user only", r->cmd);
	return false;
}

/* data_dir, from where the settings file lives (data_dir/settings.conf). */
static void data_dir(struct request *r, char *out, size_t size)
{
	char *slash;

	snprintf(out, size, "%s", r->srv->settings_path ? r->srv->settings_path : ".");
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
}

static bool ready(struct request *r)
{
	if (!r->srv->settings || !r->srv->engine || !r->srv->engine->boxes) {
		reply_error(r, "ENODEV", "the data disk is not ready");
		return false;
	}
	return true;
}

void req_backup_run(struct request *r)
{
	struct json_object *v;
	char dir[4096], code[16], err[512];
	bool follow =
		json_object_object_get_ex(r->args, "follow", &v) && json_object_get_boolean(v);
	const char *serial = r->srv->license ? r->srv->license->serial : "";
	int fd = -1;

	if (!may_change(r) || !ready(r))
		return;
	data_dir(r, dir, sizeof(dir));
	if (follow) {
		fd = fcntl(r->client->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			reply_error(r, "EIO", "cannot follow the backup");
			return;
		}
	}
	if (backup_start(r->srv->engine->boxes, r->srv->settings, dir, serial, fd, r->id, code,
			 sizeof(code), err, sizeof(err))) {
		if (fd >= 0)
			close(fd);
		reply_error(r, code, "%s", err);
		return;
	}
	/* A follower has its reply from the thread when the backup ends. */
	if (!follow)
		reply_ok(r, NULL);
}

void req_backup_status(struct request *r)
{
	struct json_object *o = json_object_new_object();
	struct backup_status st;

	backup_get_status(&st);
	json_object_object_add(o, "running", json_object_new_boolean(st.running));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)st.bytes));
	json_object_object_add(o, "total_bytes", json_object_new_int64((int64_t)st.total_bytes));
	json_object_object_add(o, "files", json_object_new_int64(st.files));
	json_object_object_add(o, "total_files", json_object_new_int64(st.total_files));
	json_object_object_add(o, "started", json_object_new_int64(st.started));
	if (st.have_last) {
		char code[16] = "";

		if (st.code)
			snprintf(code, sizeof(code), "#%03u", st.code);
		json_object_object_add(o, "ok", json_object_new_boolean(st.status == BK_OK));
		json_object_object_add(o, "code", json_object_new_string(code));
		json_object_object_add(o, "ended", json_object_new_int64(st.ended));
		json_object_object_add(o, "message", json_object_new_string(st.message));
	}
	reply_ok(r, o);
}

static void restore_dir(struct request *r, char *out, size_t size)
{
	char dir[4000];

	data_dir(r, dir, sizeof(dir));
	snprintf(out, size, "%s/restore", dir);
}

void req_restore_schedule(struct request *r)
{
	char dir[4096], err[300];

	if (!may_change(r) || !ready(r))
		return;
	if (backup_settings_check(r->srv->settings, err, sizeof(err))) {
		reply_error(r, "EINVAL", "%s", err);
		return;
	}
	restore_dir(r, dir, sizeof(dir));
	if (bk_restore_schedule(dir)) {
		reply_error(r, "EIO", "%s: %s", dir, strerror(errno));
		return;
	}
	log_msg(LOG_INFO, 0, "restore scheduled (uid %ld): it runs at the next start",
		(long)r->client->uid);
	reply_ok(r, NULL);
}

void req_restore_status(struct request *r)
{
	struct json_object *o = json_object_new_object();
	char dir[4096];
	struct bk_report rep;

	restore_dir(r, dir, sizeof(dir));
	json_object_object_add(
		o, "state",
		json_object_new_string(bk_restore_state_name(bk_restore_state_read(dir))));
	if (bk_restore_report_read(dir, &rep) == 0) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "state",
				       json_object_new_string(bk_restore_state_name(rep.state)));
		json_object_object_add(l, "message", json_object_new_string(rep.message));
		json_object_object_add(l, "boxes", json_object_new_int64(rep.boxes));
		json_object_object_add(l, "documents", json_object_new_int64(rep.documents));
		json_object_object_add(l, "files", json_object_new_int64(rep.files));
		json_object_object_add(l, "bytes", json_object_new_int64((int64_t)rep.bytes));
		json_object_object_add(l, "started", json_object_new_int64(rep.started));
		json_object_object_add(l, "ended", json_object_new_int64(rep.ended));
		json_object_object_add(l, "seconds", json_object_new_double(rep.seconds));
		json_object_object_add(o, "last", l);
	}
	reply_ok(r, o);
}

void req_restore_cancel(struct request *r)
{
	char dir[4096];

	if (!may_change(r))
		return;
	restore_dir(r, dir, sizeof(dir));
	if (bk_restore_cancel(dir)) {
		reply_error(r,
			    errno == ENOENT  ? "ENOENT"
			    : errno == EBUSY ? "EBUSY"
					     : "EIO",
			    "%s", errno == ENOENT ? "no restore is scheduled" : strerror(errno));
		return;
	}
	log_msg(LOG_INFO, 0, "scheduled restore cancelled (uid %ld)", (long)r->client->uid);
	reply_ok(r, NULL);
}
