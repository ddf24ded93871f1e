/* Opening the store, box settings (name, PIN, limits) and listings. */
#include "box_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>

const char *box_strerror(int status)
{
	switch (status) {
	case BOX_OK:
		return "success";
	case BOX_E_INVAL:
		return "invalid name, key, PIN or document content";
	case BOX_E_RANGE:
		return "no such box number";
	case BOX_E_NOENT:
		return "no such document";
	case BOX_E_PIN:
		return "wrong PIN";
	case BOX_E_EXIST:
		return "document id already in use";
	case BOX_E_BUSY:
		return "box store in use by another process";
	case BOX_E_NOMEM:
		return "out of memory";
	case BOX_E_IO:
		return "box store input/output error";
	case BOX_E_CORRUPT:
		return "box store metadata is damaged";
	case BOX_E_AREA_FULL:
		return "User Inbox memory is full";
	case BOX_E_DOC_LIMIT:
		return "the box holds its maximum number of documents";
	}
	return "unknown box store error";
}

static int lock_store(struct box_store *st)
{
	char *path;

	if (asprintf(&path, "%s/.lock", st->root) < 0)
		return BOX_E_NOMEM;
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (st->lock_fd < 0)
		return BOX_E_IO;
	/* Released by the kernel when the process dies: a crash never leaves it held. */
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? BOX_E_BUSY : BOX_E_IO;
	return BOX_OK;
}

static int load_store_conf(struct box_store *st, const struct box_store_opts *o)
{
	int r = box_store_conf_read(st);

	if (!r)
		return BOX_OK;
	if (r == -1 && errno != ENOENT)
		return BOX_E_IO;
	/*
	 * New store, or a damaged store.conf: it holds only limits, so the
	 * defaults are a safe answer and the boxes stay usable.
	 */
	st->area_limit = o && o->area_limit ? o->area_limit : BOX_DEFAULT_AREA_LIMIT;
	st->doc_limit_default = o && o->doc_limit ? o->doc_limit : BOX_DEFAULT_DOC_LIMIT;
	return box_store_conf_write(st) ? BOX_E_IO : BOX_OK;
}

int box_store_open(const char *root, const struct box_store_opts *opts, struct box_store **out)
{
	unsigned int count = opts && opts->count ? opts->count : BOX_DEFAULT_COUNT;
	struct box_store *st;
	int ret;

	*out = NULL;
	if (!root || !*root || count > BOX_MAX_COUNT ||
	    (opts && opts->doc_limit > BOX_MAX_DOC_LIMIT))
		return BOX_E_INVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return BOX_E_NOMEM;
	st->lock_fd = -1;
	st->count = count;
	st->root = strdup(root);
	st->boxes = calloc(count, sizeof(*st->boxes));
	if (!st->root || !st->boxes) {
		box_store_close(st);
		return BOX_E_NOMEM;
	}
	ret = box_mkdir(root) ? BOX_E_IO : lock_store(st);
	if (!ret)
		ret = load_store_conf(st, opts);
	if (!ret)
		ret = box_recover(st);
	if (ret) {
		box_store_close(st);
		return ret;
	}
	*out = st;
	return BOX_OK;
}

void box_store_close(struct box_store *st)
{
	if (!st)
		return;
	for (unsigned int b = 0; st->boxes && b < st->count; b++)
		free(st->boxes[b].docs);
	free(st->boxes);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->root);
	free(st);
}

unsigned int box_count(const struct box_store *st)
{
	return st->count;
}

void box_area_usage(const struct box_store *st, uint64_t *used, uint64_t *limit)
{
	if (used)
		*used = st->used;
	if (limit)
		*limit = st->area_limit;
}

int box_set_area_limit(struct box_store *st, uint64_t limit)
{
	uint64_t old = st->area_limit;

	if (!limit)
		return BOX_E_INVAL;
	st->area_limit = limit;
	if (box_store_conf_write(st)) {
		st->area_limit = old;
		return BOX_E_IO;
	}
	return BOX_OK;
}

int box_get_info(struct box_store *st, unsigned int box_no, struct box_info *info)
{
	const struct box_slot *s;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	s = &st->boxes[box_no];
	memset(info, 0, sizeof(*info));
	info->no = box_no;
	strcpy(info->name, s->name);
	info->damaged = s->damaged;
	info->has_pin = s->pin_hash[0] || s->damaged;
	info->doc_count = (uint32_t)s->ndocs;
	info->doc_limit = s->doc_limit;
	info->bytes = s->bytes;
	return BOX_OK;
}

int box_list(struct box_store *st, struct box_info **out, size_t *n)
{
	struct box_info *v = calloc(st->count, sizeof(*v));

	*out = NULL;
	*n = 0;
	if (!v)
		return BOX_E_NOMEM;
	for (unsigned int b = 0; b < st->count; b++)
		box_get_info(st, b, &v[b]);
	*out = v;
	*n = st->count;
	return BOX_OK;
}

/*
 * Applies a change to a copy of the slot's settings and writes it; the
 * slot changes only once box.conf is on disk, so a failed write leaves
 * memory and disk agreeing.
 */
static int commit_slot(struct box_store *st, unsigned int box_no, const struct box_slot *next)
{
	struct box_slot *s = &st->boxes[box_no];
	struct box_slot saved = *s;

	strcpy(s->name, next->name);
	strcpy(s->pin_hash, next->pin_hash);
	s->doc_limit = next->doc_limit;
	s->next_id = next->next_id;
	if (box_conf_write(st, box_no)) {
		strcpy(s->name, saved.name);
		strcpy(s->pin_hash, saved.pin_hash);
		s->doc_limit = saved.doc_limit;
		s->next_id = saved.next_id;
		s->damaged = saved.damaged;
		return BOX_E_IO;
	}
	return BOX_OK;
}

int box_rename(struct box_store *st, unsigned int box_no, const char *name)
{
	struct box_slot next;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!name || (*name && !box_name_valid(name)))
		return BOX_E_INVAL;
	next = st->boxes[box_no];
	strcpy(next.name, name);
	return commit_slot(st, box_no, &next);
}

int box_set_doc_limit(struct box_store *st, unsigned int box_no, uint32_t limit)
{
	struct box_slot next;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!limit || limit > BOX_MAX_DOC_LIMIT)
		return BOX_E_INVAL;
	next = st->boxes[box_no];
	next.doc_limit = limit;
	return commit_slot(st, box_no, &next);
}

int box_set_pin(struct box_store *st, unsigned int box_no, const char *pin)
{
	struct box_slot next;
	int ret;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	next = st->boxes[box_no];
	if (!pin || !*pin) {
		next.pin_hash[0] = '\0';
	} else {
		if (!box_pin_valid(pin))
			return BOX_E_INVAL;
		ret = box_pin_hash(pin, next.pin_hash, sizeof(next.pin_hash));
		if (ret)
			return ret;
	}
	ret = commit_slot(st, box_no, &next);
	OPENSSL_cleanse(next.pin_hash, sizeof(next.pin_hash));
	return ret;
}

int box_check_pin(struct box_store *st, unsigned int box_no, const char *pin)
{
	const struct box_slot *s;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	s = &st->boxes[box_no];
	if (s->damaged)
		return BOX_E_PIN;
	if (!s->pin_hash[0])
		return BOX_OK;
	return box_pin_matches(pin, s->pin_hash) ? BOX_OK : BOX_E_PIN;
}

int box_staging_new(struct box_store *st, char **path)
{
	char *p;

	*path = NULL;
	if (asprintf(&p, "%s/" BOX_STAGING_DIR "/XXXXXX", st->root) < 0)
		return BOX_E_NOMEM;
	if (!mkdtemp(p)) {
		free(p);
		return BOX_E_IO;
	}
	*path = p;
	return BOX_OK;
}

int box_export_settings(struct box_store *st, unsigned int box_no, struct box_settings *out)
{
	const struct box_slot *s;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	s = &st->boxes[box_no];
	memset(out, 0, sizeof(*out));
	strcpy(out->name, s->name);
	strcpy(out->pin_hash, s->pin_hash);
	out->doc_limit = s->doc_limit;
	return BOX_OK;
}

int box_import_settings(struct box_store *st, unsigned int box_no, const struct box_settings *in)
{
	struct box_slot next;

	if (box_no >= st->count)
		return BOX_E_RANGE;
	if (!memchr(in->name, '\0', sizeof(in->name)) ||
	    !memchr(in->pin_hash, '\0', sizeof(in->pin_hash)) ||
	    (in->name[0] && !box_name_valid(in->name)) ||
	    (in->pin_hash[0] && !box_pin_hash_valid(in->pin_hash)) || !in->doc_limit ||
	    in->doc_limit > BOX_MAX_DOC_LIMIT)
		return BOX_E_INVAL;
	next = st->boxes[box_no];
	strcpy(next.name, in->name);
	strcpy(next.pin_hash, in->pin_hash);
	next.doc_limit = in->doc_limit;
	return commit_slot(st, box_no, &next);
}
