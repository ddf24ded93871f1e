/* Backup: a snapshot of the User Inboxes, then BOX.tmp written, verified and renamed to BOX. */
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
#include "fsutil.h"

static int fail(char *why, size_t whylen, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return status;
}

/* A hard link costs nothing and survives the document's deletion; a copy when it cannot be. */
static int link_or_copy(const char *from, const char *to)
{
	char buf[65536];
	int in, out, ret = -1;
	ssize_t n;

	if (link(from, to) == 0)
		return 0;
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto out;
	ret = n == 0 ? 0 : -1;
out:
	if (out >= 0 && close(out) && !ret)
		ret = -1;
	close(in);
	return ret;
}

static int snap_doc(struct box_store *st, unsigned int box, const struct box_doc_meta *meta,
		    const char *snap_dir, struct bk_doc *d, char *why, size_t whylen)
{
	struct box_file *files = NULL;
	size_t n = 0;
	char *dir = NULL;
	int s = box_open_document(st, box, meta->id, &files, &n);

	d->meta = *meta;
	if (s == BOX_OK)
		s = box_document_path(st, box, meta->id, &dir);
	if (s != BOX_OK)
		return fail(why, whylen, BK_E_LOCAL, "box %u document %u: %s", box, meta->id,
			    box_strerror(s));
	d->files = calloc(n ? n : 1, sizeof(*d->files));
	for (size_t i = 0; d->files && i < n; i++, d->nfiles++) {
		struct bk_file *f = &d->files[i];
		char from[4096];

		snprintf(f->name, sizeof(f->name), "%s", files[i].name);
		snprintf(f->remote, sizeof(f->remote), "%03u-%09u-%u", box % 1000, meta->id,
			 (unsigned int)(i % 100000));
		f->size = files[i].size;
		snprintf(from, sizeof(from), "%s/%s", dir, files[i].name);
		if (asprintf(&f->local, "%s/%s", snap_dir, f->remote) < 0) {
			f->local = NULL;
			break;
		}
		if (link_or_copy(from, f->local)) {
			s = fail(why, whylen, BK_E_LOCAL, "%s: %s", from, strerror(errno));
			d->nfiles++;
			break;
		}
	}
	box_files_close(files, n);
	free(dir);
	if (s)
		return s;
	if (!d->files || d->nfiles < n)
		return fail(why, whylen, BK_E_LOCAL, "out of memory");
	return BK_OK;
}

int bk_snapshot(struct box_store *st, const char *snap_dir, const char *serial,
		struct bk_manifest *m, char *why, size_t whylen)
{
	unsigned int count = box_count(st);

	memset(m, 0, sizeof(*m));
	m->version = BOX_BACKUP_VERSION;
	m->created = time(NULL);
	snprintf(m->serial, sizeof(m->serial), "%s", serial ? serial : "");
	if (mkdir(snap_dir, 0700))
		return fail(why, whylen, BK_E_LOCAL, "%s: %s", snap_dir, strerror(errno));
	m->boxes = calloc(count, sizeof(*m->boxes));
	if (!m->boxes)
		return fail(why, whylen, BK_E_LOCAL, "out of memory");
	for (unsigned int b = 0; b < count; b++, m->nboxes++) {
		struct bk_box *bx = &m->boxes[b];
		struct box_doc_meta *docs = NULL;
		size_t n = 0;
		int s;

		bx->no = b;
		s = box_export_settings(st, b, &bx->settings);
		if (s == BOX_OK)
			s = box_list_documents(st, b, &docs, &n);
		if (s != BOX_OK)
			return fail(why, whylen, BK_E_LOCAL, "box %u: %s", b, box_strerror(s));
		bx->docs = calloc(n ? n : 1, sizeof(*bx->docs));
		if (!bx->docs) {
			free(docs);
			return fail(why, whylen, BK_E_LOCAL, "out of memory");
		}
		for (size_t i = 0; i < n; i++, bx->ndocs++) {
			s = snap_doc(st, b, &docs[i], snap_dir, &bx->docs[i], why, whylen);
			if (s) {
				bx->ndocs++;
				free(docs);
				return s;
			}
			for (size_t f = 0; f < bx->docs[i].nfiles; f++) {
				m->total_bytes += bx->docs[i].files[f].size;
				m->total_files++;
			}
		}
		free(docs);
	}
	return BK_OK;
}

static int remote_fail(struct bk_io *io, char *why, size_t whylen, const char *what)
{
	return fail(why, whylen, BK_E_REMOTE, "%s: %s", what, io->why[0] ? io->why : "failed");
}

/* Every file into BOX.tmp with its SHA-256 taken on the way. */
static int put_files(struct bk_io *io, struct bk_manifest *m, const struct bk_run_opts *o,
		     char *why, size_t whylen)
{
	struct bk_progress pr = { .phase = "backup",
				  .total_bytes = m->total_bytes,
				  .total_files = m->total_files };

	for (size_t b = 0; b < m->nboxes; b++)
		for (size_t d = 0; d < m->boxes[b].ndocs; d++)
			for (size_t i = 0; i < m->boxes[b].docs[d].nfiles; i++) {
				struct bk_file *f = &m->boxes[b].docs[d].files[i];
				char rel[64];
				uint64_t size;
				int fd, r;

				if (o->cancelled && o->cancelled(o->cancel_arg))
					return fail(why, whylen, BK_E_CANCELED, "cancelled");
				if (bk_sha256_file(f->local, f->sha256, &size))
					return fail(why, whylen, BK_E_LOCAL, "%s: %s", f->local,
						    strerror(errno));
				f->size = size;
				fd = open(f->local, O_RDONLY | O_CLOEXEC);
				if (fd < 0)
					return fail(why, whylen, BK_E_LOCAL, "%s: %s", f->local,
						    strerror(errno));
				snprintf(rel, sizeof(rel), BOX_BACKUP_TMP "/%s", f->remote);
				r = io->ops->put(io, rel, fd);
				close(fd);
				if (r)
					return remote_fail(io, why, whylen, rel);
				pr.bytes += size;
				pr.files++;
				if (o->progress)
					o->progress(o->progress_arg, &pr);
			}
	return BK_OK;
}

/* The manifest through a local file (io takes descriptors). */
static int put_manifest(struct bk_io *io, const char *text, const char *snap_dir, char *why,
			size_t whylen)
{
	char path[4096];
	size_t len = strlen(text);
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", snap_dir, BOX_BACKUP_MANIFEST);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return fail(why, whylen, BK_E_LOCAL, "%s: %s", path, strerror(errno));
	}
	r = io->ops->put(io, BOX_BACKUP_TMP "/" BOX_BACKUP_MANIFEST, fd);
	close(fd);
	return r ? remote_fail(io, why, whylen, BOX_BACKUP_TMP "/" BOX_BACKUP_MANIFEST) : BK_OK;
}

/* Read back: the manifest byte for byte, every file's size. */
static int verify(struct bk_io *io, const struct bk_manifest *m, const char *text,
		  const char *snap_dir, char *why, size_t whylen)
{
	char path[4096];
	size_t len = strlen(text);
	struct stat sb;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/manifest.read", snap_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(why, whylen, BK_E_LOCAL, "%s: %s", path, strerror(errno));
	if (io->ops->get(io, BOX_BACKUP_TMP "/" BOX_BACKUP_MANIFEST, fd)) {
		close(fd);
		return remote_fail(io, why, whylen, "reading the manifest back");
	}
	ok = fstat(fd, &sb) == 0 && (size_t)sb.st_size == len;
	if (ok) {
		char *buf = malloc(len + 1);

		ok = buf && pread(fd, buf, len, 0) == (ssize_t)len && memcmp(buf, text, len) == 0;
		free(buf);
	}
	close(fd);
	if (!ok)
		return fail(why, whylen, BK_E_CORRUPT, "the manifest read back differs");
	for (size_t b = 0; b < m->nboxes; b++)
		for (size_t d = 0; d < m->boxes[b].ndocs; d++)
			for (size_t i = 0; i < m->boxes[b].docs[d].nfiles; i++) {
				const struct bk_file *f = &m->boxes[b].docs[d].files[i];
				char rel[64];
				uint64_t size;

				snprintf(rel, sizeof(rel), BOX_BACKUP_TMP "/%s", f->remote);
				if (io->ops->size(io, rel, &size))
					return remote_fail(io, why, whylen, rel);
				if (size != f->size)
					return fail(why, whylen, BK_E_CORRUPT,
						    "%s: %llu bytes on the server, %llu sent", rel,
						    (unsigned long long)size,
						    (unsigned long long)f->size);
			}
	return BK_OK;
}

int bk_backup(struct bk_io *io, struct bk_manifest *m, const char *snap_dir,
	      const struct bk_run_opts *o, char *why, size_t whylen)
{
	char *text;
	int r;

	/* The seed's rule: never write over or next to an earlier backup. */
	for (int i = 0; i < 2; i++) {
		const char *name = i ? BOX_BACKUP_TMP : BOX_BACKUP_DIR;

		r = io->ops->exists(io, name);
		if (r < 0)
			return remote_fail(io, why, whylen, "looking at the backup folder");
		if (r)
			return fail(why, whylen, BK_E_EXISTS,
				    "%s exists in the backup folder: delete or rename it first",
				    name);
	}
	if (io->ops->mkdir(io, BOX_BACKUP_TMP))
		return remote_fail(io, why, whylen, "creating " BOX_BACKUP_TMP);
	r = put_files(io, m, o, why, whylen);
	if (r)
		return r;
	text = bk_manifest_format(m);
	if (!text)
		return fail(why, whylen, BK_E_LOCAL, "out of memory");
	r = put_manifest(io, text, snap_dir, why, whylen);
	if (!r)
		r = verify(io, m, text, snap_dir, why, whylen);
	free(text);
	if (r)
		return r;
	if (o->cancelled && o->cancelled(o->cancel_arg))
		return fail(why, whylen, BK_E_CANCELED, "cancelled");
	if (io->ops->rename(io, BOX_BACKUP_TMP, BOX_BACKUP_DIR))
		return remote_fail(io, why, whylen, "renaming " BOX_BACKUP_TMP " to BOX");
	return BK_OK;
}
