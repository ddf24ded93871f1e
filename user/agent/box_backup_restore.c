/*
 * Restore at start-up (see box_backup.h): fetch and check into a local
 * staged copy, then replace the boxes from it. The state file decides
 * what a restart does: "scheduled" fetches again from scratch,
 * "applying" replaces the boxes again from the staged copy (box_reset of
 * every box first, so a second pass ends exactly like an uninterrupted one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "box_backup.h"
#include "box_backup_priv.h"
#include "fsutil.h"

struct run {
	const char *dir;
	const struct bk_restore_opts *o;
	struct bk_report *r;
	struct bk_progress pr;
	unsigned int step;
	struct timespec t0;
};

/* Test hook: a crash right here. */
static void step(struct run *ru)
{
	if (ru->o->fail_at && ++ru->step == ru->o->fail_at)
		_exit(99);
}

static int set(struct run *ru, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set(struct run *ru, int status, const char *fmt, ...)
{
	va_list ap;

	ru->r->status = status;
	va_start(ap, fmt);
	vsnprintf(ru->r->message, sizeof(ru->r->message), fmt, ap);
	va_end(ap);
	return status;
}

static void progress(struct run *ru, uint64_t bytes)
{
	ru->pr.bytes += bytes;
	ru->pr.files++;
	if (ru->o->progress)
		ru->o->progress(ru->o->progress_arg, &ru->pr);
}

static void sub(const struct run *ru, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", ru->dir, name);
}

/* What the manifest asks must fit before anything is erased. */
static int fits(struct run *ru, const struct bk_manifest *m, struct box_store *user)
{
	uint64_t used, limit;

	for (size_t b = 0; b < m->nboxes; b++) {
		const struct bk_box *bx = &m->boxes[b];

		if (bx->no >= box_count(user) &&
		    (bx->ndocs || bx->settings.name[0] || bx->settings.pin_hash[0]))
			return set(ru, BK_E_NOFIT, "the backup uses box %u; this device has %u",
				   bx->no, box_count(user));
	}
	box_area_usage(user, &used, &limit);
	if (m->total_bytes > limit)
		return set(ru, BK_E_NOFIT,
			   "the backup holds %llu bytes; the box area takes %llu at most",
			   (unsigned long long)m->total_bytes, (unsigned long long)limit);
	return BK_OK;
}

/* Read a whole small local file: malloc()ed text, NULL with errno. */
static char *slurp(int fd)
{
	struct stat st;
	char *buf;

	if (fstat(fd, &st) || st.st_size > (64 << 20))
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf && pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[st.st_size] = '\0';
	return buf;
}

/* Every file of m: its size and SHA-256 as the manifest says, and local set to dir/remote. */
static int check_files(struct run *ru, struct bk_manifest *m, const char *dir)
{
	for (size_t b = 0; b < m->nboxes; b++)
		for (size_t d = 0; d < m->boxes[b].ndocs; d++)
			for (size_t i = 0; i < m->boxes[b].docs[d].nfiles; i++) {
				struct bk_file *f = &m->boxes[b].docs[d].files[i];
				char hex[65];
				uint64_t size;

				free(f->local);
				if (asprintf(&f->local, "%s/%s", dir, f->remote) < 0) {
					f->local = NULL;
					return set(ru, BK_E_LOCAL, "out of memory");
				}
				if (bk_sha256_file(f->local, hex, &size))
					return set(ru, BK_E_LOCAL, "%s: %s", f->local,
						   strerror(errno));
				if (size != f->size || strcmp(hex, f->sha256))
					return set(ru, BK_E_CORRUPT,
						   "BOX/%s (%s): %s differs from the manifest",
						   f->remote, f->name,
						   size != f->size ? "its size" : "its SHA-256");
			}
	return BK_OK;
}

/* Phase 1: BOX into staged.tmp, checked, then renamed to staged. Nothing local is changed. */
static int fetch(struct run *ru, struct bk_io *io, struct box_store *user)
{
	char tmp[4096], staged[4096], path[4200], rel[64];
	struct bk_manifest m;
	char *text;
	int fd, s;

	sub(ru, "staged.tmp", tmp, sizeof(tmp));
	sub(ru, "staged", staged, sizeof(staged));
	if ((remove_tree(tmp) && errno != ENOENT) || (remove_tree(staged) && errno != ENOENT) ||
	    mkdir(tmp, 0700))
		return set(ru, BK_E_LOCAL, "%s: %s", tmp, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", tmp, BOX_BACKUP_MANIFEST);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return set(ru, BK_E_LOCAL, "%s: %s", path, strerror(errno));
	if (io->ops->get(io, BOX_BACKUP_DIR "/" BOX_BACKUP_MANIFEST, fd)) {
		close(fd);
		return set(ru, BK_E_REMOTE, "reading BOX/%s: %s", BOX_BACKUP_MANIFEST, io->why);
	}
	text = slurp(fd);
	s = fsync(fd);
	close(fd);
	if (!text || s)
		return set(ru, BK_E_LOCAL, "%s: %s", path, strerror(errno ? errno : EIO));
	s = bk_manifest_parse(text, &m, ru->r->message, sizeof(ru->r->message));
	free(text);
	if (s)
		return ru->r->status = s;
	s = fits(ru, &m, user);
	ru->pr = (struct bk_progress){ .phase = "fetch",
				       .total_bytes = m.total_bytes,
				       .total_files = m.total_files };
	for (size_t b = 0; !s && b < m.nboxes; b++)
		for (size_t d = 0; !s && d < m.boxes[b].ndocs; d++)
			for (size_t i = 0; !s && i < m.boxes[b].docs[d].nfiles; i++) {
				const struct bk_file *f = &m.boxes[b].docs[d].files[i];

				snprintf(path, sizeof(path), "%s/%s", tmp, f->remote);
				snprintf(rel, sizeof(rel), BOX_BACKUP_DIR "/%s", f->remote);
				fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
				if (fd < 0) {
					s = set(ru, BK_E_LOCAL, "%s: %s", path, strerror(errno));
					break;
				}
				if (io->ops->get(io, rel, fd))
					s = set(ru, BK_E_REMOTE, "reading %s: %s", rel, io->why);
				else if (fsync(fd))
					s = set(ru, BK_E_LOCAL, "%s: %s", path, strerror(errno));
				close(fd);
				if (!s)
					progress(ru, f->size);
				step(ru);
			}
	if (!s)
		s = check_files(ru, &m, tmp);
	bk_manifest_free(&m);
	if (s)
		return s;
	if (fsync_dir(tmp) || rename(tmp, staged) || fsync_dir(ru->dir))
		return set(ru, BK_E_LOCAL, "%s: %s", staged, strerror(errno));
	return BK_OK;
}

/* One document from the staged copy, its files linked (the staged ones stay for a rerun). */
static int restore_doc(struct run *ru, struct box_store *user, unsigned int box,
		       const struct bk_doc *d)
{
	char *staging = NULL, path[4200];
	int s = box_staging_new(user, &staging);

	if (s != BOX_OK)
		return set(ru, BK_E_LOCAL, "box %u: %s", box, box_strerror(s));
	for (size_t i = 0; i < d->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", staging, d->files[i].name);
		if (link(d->files[i].local, path)) {
			int in = open(d->files[i].local, O_RDONLY | O_CLOEXEC);
			int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			char buf[65536];
			ssize_t n = -1;

			while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)n) != n) {
					n = -1;
					break;
				}
			if (out >= 0 && (fsync(out) || close(out)))
				n = -1;
			if (in >= 0)
				close(in);
			if (n < 0) {
				free(staging);
				return set(ru, BK_E_LOCAL, "%s: %s", path, strerror(errno));
			}
		}
	}
	s = box_restore_document(user, box, staging, &d->meta);
	free(staging);
	if (s != BOX_OK)
		return set(ru, BK_E_LOCAL, "box %u, document %u: %s", box, d->meta.id,
			   box_strerror(s));
	return BK_OK;
}

/* Phase 2: erase and import, all from staged; redone whole after a crash. */
static int apply(struct run *ru, struct box_store *user, struct box_store *rx)
{
	char staged[4096], path[4200];
	struct bk_manifest m;
	char *text;
	int fd, s;

	sub(ru, "staged", staged, sizeof(staged));
	snprintf(path, sizeof(path), "%s/%s", staged, BOX_BACKUP_MANIFEST);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	text = fd >= 0 ? slurp(fd) : NULL;
	if (fd >= 0)
		close(fd);
	if (!text)
		return set(ru, BK_E_LOCAL, "the staged copy is gone (%s): %s", path,
			   strerror(errno ? errno : EIO));
	s = bk_manifest_parse(text, &m, ru->r->message, sizeof(ru->r->message));
	free(text);
	if (s)
		return ru->r->status = s;
	/* Checked at the fetch; again, as a bad local disk must not half-restore either. */
	s = check_files(ru, &m, staged);
	ru->pr = (struct bk_progress){ .phase = "apply",
				       .total_bytes = m.total_bytes,
				       .total_files = m.total_files };
	ru->r->boxes = ru->r->documents = ru->r->files = 0;
	ru->r->bytes = 0;
	for (unsigned int b = 0; !s && b < box_count(user); b++) {
		int e = box_reset(user, b);

		if (e != BOX_OK)
			s = set(ru, BK_E_LOCAL, "erasing box %u: %s", b, box_strerror(e));
		step(ru);
	}
	for (size_t b = 0; !s && b < m.nboxes; b++) {
		const struct bk_box *bx = &m.boxes[b];
		int e;

		if (bx->no >= box_count(user))
			continue; /* fits() let only empty, default boxes through */
		e = box_import_settings(user, bx->no, &bx->settings);
		if (e != BOX_OK) {
			s = set(ru, BK_E_LOCAL, "box %u settings: %s", bx->no, box_strerror(e));
			break;
		}
		ru->r->boxes++;
		for (size_t d = 0; !s && d < bx->ndocs; d++) {
			s = restore_doc(ru, user, bx->no, &bx->docs[d]);
			if (s)
				break;
			ru->r->documents++;
			for (size_t i = 0; i < bx->docs[d].nfiles; i++) {
				ru->r->files++;
				ru->r->bytes += bx->docs[d].files[i].size;
				progress(ru, bx->docs[d].files[i].size);
			}
			step(ru);
		}
	}
	bk_manifest_free(&m);
	if (!s && rx) {
		int e = box_delete_all(rx, 0);

		if (e != BOX_OK)
			s = set(ru, BK_E_LOCAL, "emptying the Memory RX Inbox: %s",
				box_strerror(e));
		step(ru);
	}
	return s;
}

static void finish(struct run *ru, enum bk_restore_state st)
{
	struct timespec t1;
	char staged[4096];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ru->r->state = st;
	ru->r->ended = time(NULL);
	ru->r->seconds =
		(double)(t1.tv_sec - ru->t0.tv_sec) + (double)(t1.tv_nsec - ru->t0.tv_nsec) / 1e9;
	if (st == BK_RS_DONE)
		snprintf(ru->r->message, sizeof(ru->r->message),
			 "restored %u boxes, %u documents, %llu bytes", ru->r->boxes,
			 ru->r->documents, (unsigned long long)ru->r->bytes);
	/* Report first: a crash in between redoes the (idempotent) last step, report again. */
	bk_report_write(ru->dir, ru->r);
	bk_state_write(ru->dir, st);
	step(ru);
	sub(ru, "staged", staged, sizeof(staged));
	remove_tree(staged);
	sub(ru, "staged.tmp", staged, sizeof(staged));
	remove_tree(staged);
}

enum bk_restore_state bk_restore_run(const char *restore_dir, struct box_store *user,
				     struct box_store *rx, const struct bk_restore_opts *o,
				     struct bk_report *r)
{
	struct run ru = { .dir = restore_dir, .o = o, .r = r };
	enum bk_restore_state st = bk_restore_state_read(restore_dir);
	int s;

	memset(r, 0, sizeof(*r));
	if (st != BK_RS_SCHEDULED && st != BK_RS_APPLYING) {
		char left[4096];

		/* A crash right after the final state: its copy is of no use now. */
		sub(&ru, "staged", left, sizeof(left));
		remove_tree(left);
		sub(&ru, "staged.tmp", left, sizeof(left));
		remove_tree(left);
		return BK_RS_NONE;
	}
	clock_gettime(CLOCK_MONOTONIC, &ru.t0);
	r->started = time(NULL);
	step(&ru);
	if (st == BK_RS_SCHEDULED) {
		char why[512] = "";
		struct bk_io *io = o->open_io(o->io_arg, why, sizeof(why));

		if (!io) {
			set(&ru, BK_E_REMOTE, "%s", why);
			finish(&ru, BK_RS_FAILED);
			return BK_RS_FAILED;
		}
		s = fetch(&ru, io, user);
		o->close_io(o->io_arg, io);
		if (s) {
			/* Nothing was erased: say so, the operator needs to know. */
			size_t n = strlen(r->message);

			snprintf(r->message + n, sizeof(r->message) - n, "; nothing was erased");
			finish(&ru, BK_RS_FAILED);
			return BK_RS_FAILED;
		}
		step(&ru);
		if (bk_state_write(restore_dir, BK_RS_APPLYING)) {
			set(&ru, BK_E_LOCAL, "%s/state: %s; nothing was erased", restore_dir,
			    strerror(errno));
			finish(&ru, BK_RS_FAILED);
			return BK_RS_FAILED;
		}
		step(&ru);
	}
	s = apply(&ru, user, rx);
	if (s) {
		/* Never half the boxes: all of them empty, and the reason said. */
		size_t n = strlen(r->message);

		for (unsigned int b = 0; b < box_count(user); b++)
			box_reset(user, b);
		snprintf(r->message + n, sizeof(r->message) - n,
			 "; the User Inboxes were left empty (BOX on the server is unchanged: "
			 "schedule the restore again)");
	}
	finish(&ru, s ? BK_RS_FAILED : BK_RS_DONE);
	return s ? BK_RS_FAILED : BK_RS_DONE;
}
