/*
 * A document's metadata (".meta" in its directory) and the listing of its
 * files. The metadata travels with the files: a backup that copies the
 * directory copies the document whole.
 */
#include "box_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct meta_ctx {
	struct box_doc_meta *m;
	unsigned int seen;
};

enum { SEEN_FORMAT = 1, SEEN_ID = 2, SEEN_SIZE = 4 };

static int copy_str(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return -1;
	strcpy(dst, v);
	return 0;
}

static int meta_pair(void *ctx, const char *k, const char *v)
{
	struct meta_ctx *c = ctx;
	struct box_doc_meta *m = c->m;
	uint64_t n;

	if (!strcmp(k, "format")) {
		if (!box_parse_u64(v, BOX_FORMAT_VERSION, &n) || !n)
			return -1;
		c->seen |= SEEN_FORMAT;
	} else if (!strcmp(k, "id")) {
		if (!box_parse_u64(v, BOX_DOC_ID_MAX, &n) || !n)
			return -1;
		m->id = (uint32_t)n;
		c->seen |= SEEN_ID;
	} else if (!strcmp(k, "key")) {
		if (*v && !box_key_valid(v))
			return -1;
		return copy_str(m->key, sizeof(m->key), v);
	} else if (!strcmp(k, "name")) {
		if (*v && !box_name_valid(v))
			return -1;
		return copy_str(m->name, sizeof(m->name), v);
	} else if (!strcmp(k, "formats")) {
		if (!box_formats_valid(v))
			return -1;
		return copy_str(m->formats, sizeof(m->formats), v);
	} else if (!strcmp(k, "pages")) {
		if (!box_parse_u64(v, UINT32_MAX, &n))
			return -1;
		m->pages = (uint32_t)n;
	} else if (!strcmp(k, "size")) {
		if (!box_parse_u64(v, UINT64_MAX, &m->size))
			return -1;
		c->seen |= SEEN_SIZE;
	} else if (!strcmp(k, "files")) {
		if (!box_parse_u64(v, UINT32_MAX, &n))
			return -1;
		m->files = (uint32_t)n;
	} else if (!strcmp(k, "created")) {
		if (!box_parse_u64(v, INT64_MAX, &n))
			return -1;
		m->created = (int64_t)n;
	} else if (!strcmp(k, "job_id")) {
		if (!box_parse_u64(v, UINT64_MAX, &m->job_id))
			return -1;
	} else if (!strcmp(k, "repaired")) {
		if (!box_parse_u64(v, 1, &n))
			return -1;
		m->repaired = n;
	}
	return 0;
}

int box_meta_read(const char *doc_dir, struct box_doc_meta *m)
{
	struct meta_ctx c = { .m = m };
	char *path;
	int ret;

	memset(m, 0, sizeof(*m));
	if (asprintf(&path, "%s/" BOX_META_NAME, doc_dir) < 0) {
		errno = ENOMEM;
		return -1;
	}
	ret = box_kv_read(path, meta_pair, &c);
	free(path);
	if (!ret && c.seen != (SEEN_FORMAT | SEEN_ID | SEEN_SIZE))
		ret = -2;
	return ret;
}

int box_meta_write(const char *doc_dir, const struct box_doc_meta *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return -1;
	fprintf(f,
		"format=%d\nid=%u\nkey=%s\nname=%s\npages=%u\nformats=%s\nsize=%llu\n"
		"files=%u\ncreated=%lld\njob_id=%llu\nrepaired=%d\n",
		BOX_FORMAT_VERSION, m->id, m->key, m->name, m->pages, m->formats,
		(unsigned long long)m->size, m->files, (long long)m->created,
		(unsigned long long)m->job_id, m->repaired ? 1 : 0);
	if (fclose(f)) {
		free(text);
		return -1;
	}
	ret = box_kv_write(doc_dir, BOX_META_NAME, text, len);
	free(text);
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Syncing here makes the later rename durable for the file contents too. */
static int sync_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

static int scan_add(struct box_dir_scan *s, size_t *cap, const char *name, uint64_t size)
{
	if (s->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *nn = realloc(s->names, ncap * sizeof(*s->names));

		if (!nn)
			return BOX_E_NOMEM;
		s->names = nn;
		*cap = ncap;
	}
	strcpy(s->names[s->n], name);
	s->n++;
	s->bytes += size;
	return BOX_OK;
}

int box_dir_scan(const char *dir, bool staging, struct box_dir_scan *s)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;
	int ret = BOX_OK;

	memset(s, 0, sizeof(*s));
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? BOX_E_INVAL : BOX_E_IO;
	while ((de = readdir(d))) {
		struct stat sb;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == '.' && !staging)
			continue;
		if (!box_file_name_valid(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(sb.st_mode)) {
			ret = BOX_E_INVAL;
			break;
		}
		if (staging && sync_file(dirfd(d), de->d_name)) {
			ret = BOX_E_IO;
			break;
		}
		ret = scan_add(s, &cap, de->d_name, (uint64_t)sb.st_size);
		if (ret)
			break;
	}
	closedir(d);
	if (!ret && !s->n)
		ret = BOX_E_INVAL;
	if (ret) {
		box_dir_scan_free(s);
		return ret;
	}
	qsort(s->names, s->n, sizeof(*s->names), cmp_name);
	return BOX_OK;
}

void box_dir_scan_free(struct box_dir_scan *s)
{
	free(s->names);
	memset(s, 0, sizeof(*s));
}
