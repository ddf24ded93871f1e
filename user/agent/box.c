/*
 * Documents in a box: store (rename of a synced staging directory),
 * restore, list, show, open, delete. See box.h for the on-disk layout and
 * box_recover.c for what a crash between any two steps leaves behind.
 */
#include "box_priv.h"
#include "errcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The daemon passes these two on unchanged: they must stay the catalogue's numbers. */
_Static_assert((int)BOX_E_AREA_FULL == (int)IRS_E_BOX_FULL, "#711");
_Static_assert((int)BOX_E_DOC_LIMIT == (int)IRS_E_BOX_DOC_LIMIT, "#712");

static bool meta_fields_valid(const struct box_doc_meta *m)
{
	return memchr(m->name, '\0', sizeof(m->name)) &&
	       memchr(m->formats, '\0', sizeof(m->formats)) &&
	       (!m->name[0] || box_name_valid(m->name)) && box_formats_valid(m->formats) &&
	       m->created >= 0;
}

/*
 * Only a directory made by box_staging_new() is accepted: the store
 * renames it (one filesystem) or removes it, and must never be pointed at
 * anything else.
 */
static bool staging_ok(const struct box_store *st, const char *dir)
{
	size_t rlen = strlen(st->root), plen = strlen("/" BOX_STAGING_DIR "/");
	const char *leaf;

	if (!dir || strncmp(dir, st->root, rlen) ||
	    strncmp(dir + rlen, "/" BOX_STAGING_DIR "/", plen))
		return false;
	leaf = dir + rlen + plen;
	return *leaf && *leaf != '.' && !strchr(leaf, '/');
}

static char *parent_of(const char *path)
{
	char *p = strdup(path), *slash;

	if (p && (slash = strrchr(p, '/')) && slash != p)
		*slash = '\0';
	return p;
}

/* rename() would replace an empty directory: an existing id must never be reused. */
static int rename_noreplace(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A filesystem without the flag; the store is single-threaded, so check then rename. */
	if (!access(to, F_OK) || errno != ENOENT) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/*
 * The common path of store and restore: limits, .meta into the staging
 * directory, one rename into the box. m->id is the id to use; the box's
 * next_id is already on disk past it, so a crash can never hand the same
 * id to two documents.
 */
static int move_in(struct box_store *st, unsigned int box_no, const char *staging,
		   struct box_doc_meta *m, const struct box_dir_scan *scan)
{
	struct box_slot *s = &st->boxes[box_no];
	char *doc = box_path_doc(st, box_no, m->id);
	char *box = box_path_box(st, box_no);
	char *src_parent = parent_of(staging);
	char *meta_path = NULL;
	int ret = BOX_E_IO;

	if (!doc || !box || !src_parent || asprintf(&meta_path, "%s/" BOX_META_NAME, staging) < 0) {
		meta_path = NULL;
		ret = BOX_E_NOMEM;
		goto out;
	}
	if (box_index_reserve(s)) {
		ret = BOX_E_NOMEM;
		goto out;
	}
	m->size = scan->bytes;
	m->files = (uint32_t)scan->n;
	if (box_meta_write(staging, m))
		goto out;
	if (rename_noreplace(staging, doc)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			ret = BOX_E_EXIST;
		unlink(meta_path);
		goto out;
	}
	box_index_add(st, s, m->id, m->size, m->key);
	/*
	 * The document is in the box now even if a sync below fails; the
	 * error tells the caller, whose retry with the same key finds it.
	 */
	ret = box_fsync_dir(box) || box_fsync_dir(src_parent) ? BOX_E_IO : BOX_OK;
out:
	free(meta_path);
	free(src_parent);
	free(box);
	free(doc);
	return ret;
}

static int check_limits(const struct box_store *st, const struct box_slot *s, uint64_t bytes)
{
	if (s->ndocs >= s->doc_limit)
		return BOX_E_DOC_LIMIT;
	if (bytes > st->area_limit || st->used > st->area_limit - bytes)
		return BOX_E_AREA_FULL;
	return BOX_OK;
}

int box_store_document(struct box_store *st, unsigned int box_no, const char *doc_key,
		       const char *staging_dir, const struct box_doc_meta *meta, uint32_t *id)
{
	struct box_slot *s;
	struct box_doc_ent *e;
	struct box_dir_scan scan;
	struct box_doc_meta m;
	int ret;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!box_key_valid(doc_key) || !staging_ok(st, staging_dir) || !meta ||
	    !meta_fields_valid(meta))
		return BOX_E_INVAL;
	s = &st->boxes[box_no];
	e = box_index_find_key(s, doc_key);
	if (e) {
		/* A retry: the first attempt got in; this copy is not needed. */
		*id = e->id;
		box_rm_tree(staging_dir);
		return BOX_OK;
	}
	ret = box_dir_scan(staging_dir, true, &scan);
	if (ret)
		return ret;
	ret = check_limits(st, s, scan.bytes);
	if (!ret && s->next_id > BOX_DOC_ID_MAX)
		ret = BOX_E_DOC_LIMIT;
	if (ret)
		goto out;
	memset(&m, 0, sizeof(m));
	m.id = s->next_id;
	strcpy(m.key, doc_key);
	strcpy(m.name, meta->name);
	strcpy(m.formats, meta->formats);
	m.pages = meta->pages;
	m.job_id = meta->job_id;
	m.created = meta->created ? meta->created : (int64_t)time(NULL);
	/* Reserve the id on disk first: a crash after this only skips it. */
	s->next_id++;
	if (box_conf_write(st, box_no)) {
		s->next_id--;
		ret = BOX_E_IO;
		goto out;
	}
	ret = move_in(st, box_no, staging_dir, &m, &scan);
	if (!ret || box_index_find_id(s, m.id))
		*id = m.id;
out:
	box_dir_scan_free(&scan);
	return ret;
}

int box_restore_document(struct box_store *st, unsigned int box_no, const char *staging_dir,
			 const struct box_doc_meta *meta)
{
	struct box_slot *s;
	struct box_dir_scan scan;
	struct box_doc_meta m;
	int ret;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!staging_ok(st, staging_dir) || !meta || !meta_fields_valid(meta) || !meta->id ||
	    meta->id > BOX_DOC_ID_MAX || !memchr(meta->key, '\0', sizeof(meta->key)) ||
	    (meta->key[0] && !box_key_valid(meta->key)))
		return BOX_E_INVAL;
	s = &st->boxes[box_no];
	if (box_index_find_id(s, meta->id) || (meta->key[0] && box_index_find_key(s, meta->key)))
		return BOX_E_EXIST;
	ret = box_dir_scan(staging_dir, true, &scan);
	if (ret)
		return ret;
	ret = check_limits(st, s, scan.bytes);
	if (ret)
		goto out;
	m = *meta;
	if (meta->id >= s->next_id) {
		uint32_t old = s->next_id;

		s->next_id = meta->id + 1;
		if (box_conf_write(st, box_no)) {
			s->next_id = old;
			ret = BOX_E_IO;
			goto out;
		}
	} else if (!s->on_disk && box_conf_write(st, box_no)) {
		ret = BOX_E_IO;
		goto out;
	}
	ret = move_in(st, box_no, staging_dir, &m, &scan);
out:
	box_dir_scan_free(&scan);
	return ret;
}

int box_get_document(struct box_store *st, unsigned int box_no, uint32_t id,
		     struct box_doc_meta *meta)
{
	char *doc;
	int r;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!box_index_find_id(&st->boxes[box_no], id))
		return BOX_E_NOENT;
	doc = box_path_doc(st, box_no, id);
	if (!doc)
		return BOX_E_NOMEM;
	r = box_meta_read(doc, meta);
	free(doc);
	if (r == -2 || (!r && meta->id != id))
		return BOX_E_CORRUPT;
	return r ? BOX_E_IO : BOX_OK;
}

int box_list_documents(struct box_store *st, unsigned int box_no, struct box_doc_meta **out,
		       size_t *n)
{
	struct box_slot *s;
	struct box_doc_meta *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (box_no >= st->count)
		return BOX_E_RANGE;
	s = &st->boxes[box_no];
	v = calloc(s->ndocs ? s->ndocs : 1, sizeof(*v));
	if (!v)
		return BOX_E_NOMEM;
	for (size_t i = 0; i < s->ndocs; i++) {
		/* One unreadable .meta must not hide the others: it shows as a bare entry. */
		if (box_get_document(st, box_no, s->docs[i].id, &v[k])) {
			memset(&v[k], 0, sizeof(v[k]));
			v[k].id = s->docs[i].id;
			v[k].size = s->docs[i].size;
		}
		k++;
	}
	*out = v;
	*n = k;
	return BOX_OK;
}

int box_document_path(struct box_store *st, unsigned int box_no, uint32_t id, char **path)
{
	*path = NULL;
	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!box_index_find_id(&st->boxes[box_no], id))
		return BOX_E_NOENT;
	*path = box_path_doc(st, box_no, id);
	return *path ? BOX_OK : BOX_E_NOMEM;
}

void box_files_close(struct box_file *files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		if (files[i].fd >= 0)
			close(files[i].fd);
	free(files);
}

int box_open_document(struct box_store *st, unsigned int box_no, uint32_t id,
		      struct box_file **files, size_t *n)
{
	struct box_dir_scan scan;
	struct box_file *v;
	char *doc;
	int dfd, ret;

	*files = NULL;
	*n = 0;
	ret = box_document_path(st, box_no, id, &doc);
	if (ret)
		return ret;
	ret = box_dir_scan(doc, false, &scan);
	dfd = ret ? -1 : open(doc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(doc);
	if (ret)
		return ret == BOX_E_INVAL ? BOX_E_CORRUPT : ret;
	v = calloc(scan.n, sizeof(*v));
	if (dfd < 0 || !v) {
		ret = dfd < 0 ? BOX_E_IO : BOX_E_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < scan.n; i++) {
		v[i].fd = -1;
		strcpy(v[i].name, scan.names[i]);
	}
	for (size_t i = 0; i < scan.n; i++) {
		struct stat sb;

		v[i].fd = openat(dfd, v[i].name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (v[i].fd < 0 || fstat(v[i].fd, &sb)) {
			ret = BOX_E_IO;
			goto fail;
		}
		v[i].size = (uint64_t)sb.st_size;
	}
	close(dfd);
	*files = v;
	*n = scan.n;
	box_dir_scan_free(&scan);
	return BOX_OK;
fail:
	if (dfd >= 0)
		close(dfd);
	box_files_close(v, v ? scan.n : 0);
	box_dir_scan_free(&scan);
	return ret;
}

/* Out of the box in one rename; the trash is emptied now or at the next open. */
static int delete_one(struct box_store *st, unsigned int box_no, uint32_t id)
{
	char *doc = box_path_doc(st, box_no, id), *box = box_path_box(st, box_no), *trash = NULL;
	int ret = BOX_E_IO;

	if (!doc || !box || asprintf(&trash, "%s/" BOX_TRASH_PREFIX "%09u", box, id) < 0) {
		trash = NULL;
		ret = BOX_E_NOMEM;
		goto out;
	}
	box_rm_tree(trash); /* a leftover of an earlier failed removal */
	if (rename(doc, trash))
		goto out;
	box_index_remove(st, &st->boxes[box_no], id);
	ret = box_fsync_dir(box) ? BOX_E_IO : BOX_OK;
	box_rm_tree(trash);
out:
	free(trash);
	free(box);
	free(doc);
	return ret;
}

int box_delete_document(struct box_store *st, unsigned int box_no, uint32_t id)
{
	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!box_index_find_id(&st->boxes[box_no], id))
		return BOX_E_NOENT;
	return delete_one(st, box_no, id);
}

int box_delete_all(struct box_store *st, unsigned int box_no)
{
	struct box_slot *s;
	int ret = BOX_OK;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	s = &st->boxes[box_no];
	/* From the last: each step removes one whole document, so a failure stops cleanly. */
	while (!ret && s->ndocs)
		ret = delete_one(st, box_no, s->docs[s->ndocs - 1].id);
	return ret;
}

int box_reset(struct box_store *st, unsigned int box_no)
{
	struct box_slot *s;
	uint32_t next_id;
	int ret = box_delete_all(st, box_no);

	if (ret)
		return ret;
	s = &st->boxes[box_no];
	if (!s->on_disk)
		return BOX_OK;
	/* Ids stay unique across a reset: a restored or new document never takes an old id. */
	next_id = s->next_id;
	box_slot_defaults(st, s);
	s->next_id = next_id;
	return box_conf_write(st, box_no) ? BOX_E_IO : BOX_OK;
}
