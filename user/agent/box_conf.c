/* store.conf (store-wide limits) and box.conf (one box's settings). */
#include "box_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_text(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int write_text(const char *dir, const char *name, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = ENOMEM;
		return -1;
	}
	ret = box_kv_write(dir, name, text, (size_t)n);
	free(text);
	return ret;
}

int box_store_conf_write(struct box_store *st)
{
	return write_text(st->root, BOX_STORE_CONF, "format=%d\narea_limit=%llu\ndoc_limit=%u\n",
			  BOX_FORMAT_VERSION, (unsigned long long)st->area_limit,
			  st->doc_limit_default);
}

static int store_pair(void *ctx, const char *k, const char *v)
{
	struct box_store *st = ctx;
	uint64_t n;

	if (!strcmp(k, "format"))
		return box_parse_u64(v, BOX_FORMAT_VERSION, &n) && n ? 0 : -1;
	if (!strcmp(k, "area_limit")) {
		if (!box_parse_u64(v, UINT64_MAX, &n) || !n)
			return -1;
		st->area_limit = n;
	} else if (!strcmp(k, "doc_limit")) {
		if (!box_parse_u64(v, BOX_MAX_DOC_LIMIT, &n) || !n)
			return -1;
		st->doc_limit_default = (uint32_t)n;
	}
	return 0;
}

int box_store_conf_read(struct box_store *st)
{
	char *path;
	int ret;

	if (asprintf(&path, "%s/" BOX_STORE_CONF, st->root) < 0) {
		errno = ENOMEM;
		return -1;
	}
	ret = box_kv_read(path, store_pair, st);
	free(path);
	return ret;
}

void box_slot_defaults(struct box_store *st, struct box_slot *s)
{
	s->damaged = false;
	s->name[0] = '\0';
	s->pin_hash[0] = '\0';
	s->doc_limit = st->doc_limit_default;
	s->next_id = 1;
}

int box_conf_write(struct box_store *st, unsigned int box_no)
{
	struct box_slot *s = &st->boxes[box_no];
	char *dir = box_path_box(st, box_no);
	char *parent = NULL;
	int ret = -1, err;

	if (!dir || asprintf(&parent, "%s/user", st->root) < 0) {
		free(dir);
		errno = ENOMEM;
		return -1;
	}
	/* First use of a box: its directory appears, made durable in user/. */
	if (!s->on_disk) {
		if (box_mkdir(parent) || box_mkdir(dir) || box_fsync_dir(parent) ||
		    box_fsync_dir(st->root))
			goto out;
		s->on_disk = true;
	}
	ret = write_text(dir, BOX_CONF_NAME,
			 "format=%d\nname=%s\npin=%s\ndoc_limit=%u\nnext_id=%u\n",
			 BOX_FORMAT_VERSION, s->name, s->pin_hash, s->doc_limit, s->next_id);
	if (!ret)
		s->damaged = false;
out:
	err = errno;
	free(dir);
	free(parent);
	errno = err;
	return ret;
}

static int box_pair(void *ctx, const char *k, const char *v)
{
	struct box_slot *s = ctx;
	uint64_t n;

	if (!strcmp(k, "format"))
		return box_parse_u64(v, BOX_FORMAT_VERSION, &n) && n ? 0 : -1;
	if (!strcmp(k, "name")) {
		if (*v && !box_name_valid(v))
			return -1;
		strcpy(s->name, v);
	} else if (!strcmp(k, "pin")) {
		if (*v && !box_pin_hash_valid(v))
			return -1;
		if (strlen(v) >= sizeof(s->pin_hash))
			return -1;
		strcpy(s->pin_hash, v);
	} else if (!strcmp(k, "doc_limit")) {
		if (!box_parse_u64(v, BOX_MAX_DOC_LIMIT, &n) || !n)
			return -1;
		s->doc_limit = (uint32_t)n;
	} else if (!strcmp(k, "next_id")) {
		if (!box_parse_u64(v, BOX_DOC_ID_MAX, &n) || !n)
			return -1;
		s->next_id = (uint32_t)n;
	}
	return 0;
}

int box_conf_read(struct box_store *st, unsigned int box_no)
{
	struct box_slot *s = &st->boxes[box_no];
	char *dir = box_path_box(st, box_no);
	char *path = NULL;
	int ret;

	if (!dir || asprintf(&path, "%s/" BOX_CONF_NAME, dir) < 0) {
		free(dir);
		errno = ENOMEM;
		return -1;
	}
	box_slot_defaults(st, s);
	ret = box_kv_read(path, box_pair, s);
	if (ret == -2)
		box_slot_defaults(st, s); /* no half-read settings */
	free(path);
	free(dir);
	return ret;
}
