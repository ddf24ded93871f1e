/*
 * The backup's thread and status, and the restore at start-up. The
 * snapshot (hard links under data_dir/backup/snap) is taken in the main
 * thread, which owns the box store; the thread then needs only it and
 * the settings copied at the start. A follower gets its events and reply
 * on a dup() of its socket, so that its going away costs nothing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_agent.h"
#include "backup_smb.h"
#include "box_backup.h"
#include "ctl_proto.h"
#include "errcodes.h"
#include "fsutil.h"
#include "log.h"
#include "settings_store.h"

#define EVENT_MS 250

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct backup_status cur; /* under lock */

struct job {
	struct settings_store *u; /* a copy: the thread's own */
	struct bk_manifest m;
	char snap[4096];
	int fd; /* follower, -1: none */
	uint64_t req_id;
	long long last_event_ms;
};

void backup_get_status(struct backup_status *st)
{
	pthread_mutex_lock(&lock);
	*st = cur;
	pthread_mutex_unlock(&lock);
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct json_object *frame(uint64_t id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(CTL_PROTO_VERSION));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)id));
	return o;
}

static void add_progress(struct json_object *o, const struct backup_status *st)
{
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)st->bytes));
	json_object_object_add(o, "total_bytes", json_object_new_int64((int64_t)st->total_bytes));
	json_object_object_add(o, "files", json_object_new_int64(st->files));
	json_object_object_add(o, "total_files", json_object_new_int64(st->total_files));
}

/* The follower's socket is non-blocking: a progress event it cannot take now is skipped. */
static void follower_send(struct job *j, struct json_object *o, bool must)
{
	for (int tries = 0; j->fd >= 0 && tries < (must ? 50 : 1); tries++) {
		struct pollfd p = { .fd = j->fd, .events = POLLOUT };

		if (ctl_send(j->fd, o, NULL, 0) == 0)
			break;
		if (errno != EAGAIN)
			break;
		poll(&p, 1, 100);
	}
	json_object_put(o);
}

static void on_progress(void *arg, const struct bk_progress *p)
{
	struct job *j = arg;
	struct backup_status st;
	struct json_object *o;

	pthread_mutex_lock(&lock);
	cur.bytes = p->bytes;
	cur.files = p->files;
	st = cur;
	pthread_mutex_unlock(&lock);
	if (j->fd < 0 || now_ms() - j->last_event_ms < EVENT_MS)
		return;
	j->last_event_ms = now_ms();
	o = frame(j->req_id);
	json_object_object_add(o, "event", json_object_new_string("progress"));
	add_progress(o, &st);
	follower_send(j, o, false);
}

static void finish(struct job *j, int status, unsigned int code, const char *msg)
{
	struct backup_status st;
	struct json_object *o;

	pthread_mutex_lock(&lock);
	cur.running = false;
	cur.have_last = true;
	cur.status = status;
	cur.code = code;
	cur.ended = time(NULL);
	snprintf(cur.message, sizeof(cur.message), "%s", msg);
	st = cur;
	pthread_mutex_unlock(&lock);
	if (status == BK_OK)
		log_msg(LOG_INFO, 0, "backup: %s", msg);
	else
		log_msg(LOG_ERR, 0, "backup failed: %s", msg);
	if (j->fd < 0)
		return;
	o = frame(j->req_id);
	if (status == BK_OK) {
		struct json_object *res = json_object_new_object();

		add_progress(res, &st);
		json_object_object_add(res, "message", json_object_new_string(msg));
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "result", res);
	} else {
		struct json_object *e = json_object_new_object();
		char c[16];

		if (code)
			snprintf(c, sizeof(c), "#%03u", code);
		else
			snprintf(c, sizeof(c), "%s", status == BK_E_EXISTS ? "EEXIST" : "EIO");
		json_object_object_add(e, "code", json_object_new_string(c));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(o, "ok", json_object_new_boolean(0));
		json_object_object_add(o, "error", e);
	}
	follower_send(j, o, true);
	close(j->fd);
	j->fd = -1;
}

static void *run(void *arg)
{
	struct job *j = arg;
	struct bk_run_opts o = { .progress = on_progress, .progress_arg = j };
	char why[512] = "", msg[700];
	unsigned int code = 0;
	struct timespec t0, t1;
	struct bk_io *io;
	int s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	io = backup_smb_open(j->u, NULL, NULL, &code, why, sizeof(why));
	if (!io) {
		finish(j, BK_E_REMOTE, code, why);
	} else {
		s = bk_backup(io, &j->m, j->snap, &o, why, sizeof(why));
		code = s == BK_E_REMOTE ? io->code : 0;
		backup_smb_close(io);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (s == BK_OK)
			snprintf(msg, sizeof(msg), "BOX written: %u files, %llu bytes in %.1f s",
				 j->m.total_files, (unsigned long long)j->m.total_bytes,
				 (double)(t1.tv_sec - t0.tv_sec) +
					 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		else
			snprintf(msg, sizeof(msg), "%s", why);
		finish(j, s, code, msg);
	}
	remove_tree(j->snap);
	bk_manifest_free(&j->m);
	settings_store_free(j->u);
	free(j);
	return NULL;
}

/* A private copy of the user settings for the thread. */
static struct settings_store *copy_settings(const struct settings_store *u)
{
	char *text = settings_store_format(u, NULL);
	struct settings_store *c = text ? settings_store_snapshot(SETTING_USER, text) : NULL;

	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return c;
}

int backup_start(struct box_store *boxes, const struct settings_store *u, const char *data_dir,
		 const char *serial, int follow_fd, uint64_t req_id, char *code, size_t codelen,
		 char *err, size_t errlen)
{
	struct job *j = calloc(1, sizeof(*j));
	char dir[4096];
	pthread_t th;
	int s;

	snprintf(code, codelen, "EIO");
	if (!j)
		goto fail_nomem;
	j->fd = follow_fd;
	j->req_id = req_id;
	pthread_mutex_lock(&lock);
	s = cur.running;
	pthread_mutex_unlock(&lock);
	if (s) {
		snprintf(code, codelen, "EBUSY");
		snprintf(err, errlen, "a backup is running already");
		goto fail;
	}
	if (backup_settings_check(u, err, errlen)) {
		snprintf(code, codelen, "EINVAL");
		goto fail;
	}
	j->u = copy_settings(u);
	if (!j->u)
		goto fail_nomem;
	snprintf(dir, sizeof(dir), "%.4000s/backup", data_dir);
	snprintf(j->snap, sizeof(j->snap), "%.4000s/snap", dir);
	/* What a crash left is a snapshot no one needs. */
	remove_tree(j->snap);
	if (make_dir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	s = bk_snapshot(boxes, j->snap, serial, &j->m, err, errlen);
	if (s)
		goto fail;
	pthread_mutex_lock(&lock);
	memset(&cur, 0, sizeof(cur));
	cur.running = true;
	cur.started = time(NULL);
	cur.total_bytes = j->m.total_bytes;
	cur.total_files = j->m.total_files;
	pthread_mutex_unlock(&lock);
	if (pthread_create(&th, NULL, run, j)) {
		pthread_mutex_lock(&lock);
		cur.running = false;
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "cannot start the backup thread");
		goto fail;
	}
	pthread_detach(th);
	log_msg(LOG_INFO, 0, "backup started: %u files, %llu bytes", j->m.total_files,
		(unsigned long long)j->m.total_bytes);
	return 0;
fail_nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (j) {
		if (j->snap[0])
			remove_tree(j->snap);
		bk_manifest_free(&j->m);
		settings_store_free(j->u);
		free(j);
	}
	return -1;
}

/* Restore at start-up. */

struct start_io {
	struct settings_store *u;
};

static struct bk_io *start_open(void *arg, char *why, size_t whylen)
{
	struct start_io *s = arg;
	unsigned int code;

	return backup_smb_open(s->u, NULL, NULL, &code, why, whylen);
}

static void start_close(void *arg, struct bk_io *io)
{
	(void)arg;
	backup_smb_close(io);
}

static void start_progress(void *arg, const struct bk_progress *p)
{
	(void)arg;
	/* One line per tenth: enough to see it move in the log. */
	if (p->total_files &&
	    (p->files * 10 / p->total_files) != ((p->files - 1) * 10 / p->total_files))
		log_msg(LOG_INFO, 0, "restore: %s %u/%u files, %llu/%llu bytes", p->phase, p->files,
			p->total_files, (unsigned long long)p->bytes,
			(unsigned long long)p->total_bytes);
}

int backup_restore_at_start(const char *data_dir, const struct box_store_opts *box_opts, char *err,
			    size_t errlen)
{
	struct box_store_opts rx_opts = { .count = 1 };
	struct box_store *user = NULL, *rx = NULL;
	struct start_io sio = { 0 };
	struct bk_restore_opts o = { .open_io = start_open,
				     .close_io = start_close,
				     .io_arg = &sio,
				     .progress = start_progress };
	char dir[4096], path[4200];
	struct bk_report r;
	enum bk_restore_state st;
	const char *hook = getenv("IRSEND_TEST_RESTORE_CRASH_AT");
	int s;

	snprintf(dir, sizeof(dir), "%.4000s/restore", data_dir);
	st = bk_restore_state_read(dir);
	if (st != BK_RS_SCHEDULED && st != BK_RS_APPLYING) {
		/* Leftovers of a crash right after the end. */
		bk_restore_run(dir, NULL, NULL, &o, &r);
		return 0;
	}
	log_msg(LOG_INFO, 0, "restore %s: the boxes are replaced before anything else starts",
		st == BK_RS_SCHEDULED ? "scheduled" : "interrupted; resuming");
	/*
	 * Fault injection, like the module's fault_injection parameter: the
	 * crash-safety test stops the restore at step N as a power cut would.
	 */
	if (hook)
		o.fail_at = (unsigned int)strtoul(hook, NULL, 10);
	sio.u = settings_store_new(SETTING_USER);
	snprintf(path, sizeof(path), "%.4000s/settings.conf", data_dir);
	if (!sio.u || (access(path, F_OK) == 0 && settings_store_load(sio.u, path, err, errlen))) {
		log_msg(LOG_ERR, 0, "restore: the settings cannot be read: %s", err);
	}
	snprintf(path, sizeof(path), "%.4000s/boxes", data_dir);
	s = box_store_open(path, box_opts, &user);
	if (s == BOX_OK) {
		snprintf(path, sizeof(path), "%.4000s/rx", data_dir);
		if (make_dir(path, 0750) && errno != EEXIST)
			s = BOX_E_IO;
		snprintf(path, sizeof(path), "%.4000s/rx/inbox", data_dir);
		if (s == BOX_OK)
			s = box_store_open(path, &rx_opts, &rx);
	}
	if (s != BOX_OK) {
		snprintf(err, errlen, "restore: box store %s: %s", path, box_strerror(s));
		if (user)
			box_store_close(user);
		settings_store_free(sio.u);
		return -1;
	}
	st = bk_restore_run(dir, user, rx, &o, &r);
	box_store_close(rx);
	box_store_close(user);
	settings_store_free(sio.u);
	if (st == BK_RS_DONE)
		log_msg(LOG_INFO, 0, "restore done in %.1f s: %s", r.seconds, r.message);
	else
		log_msg(LOG_ERR, 0, "restore failed: %s", r.message);
	return 0;
}
