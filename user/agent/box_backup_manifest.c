/* The backup's manifest.json: written and read with json-c, checked field by field. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box_backup.h"

void bk_manifest_free(struct bk_manifest *m)
{
	for (size_t b = 0; b < m->nboxes; b++) {
		struct bk_box *bx = &m->boxes[b];

		for (size_t d = 0; d < bx->ndocs; d++) {
			for (size_t f = 0; f < bx->docs[d].nfiles; f++)
				free(bx->docs[d].files[f].local);
			free(bx->docs[d].files);
		}
		free(bx->docs);
	}
	free(m->boxes);
	memset(m, 0, sizeof(*m));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static struct json_object *doc_json(const struct bk_doc *d)
{
	struct json_object *o = json_object_new_object(), *files = json_object_new_array();

	add_int(o, "id", d->meta.id);
	add_str(o, "name", d->meta.name);
	add_int(o, "pages", d->meta.pages);
	add_str(o, "formats", d->meta.formats);
	add_int(o, "created", d->meta.created);
	add_int(o, "job", (int64_t)d->meta.job_id);
	add_str(o, "key", d->meta.key);
	for (size_t i = 0; i < d->nfiles; i++) {
		struct json_object *f = json_object_new_object();

		add_str(f, "name", d->files[i].name);
		add_str(f, "remote", d->files[i].remote);
		add_int(f, "size", (int64_t)d->files[i].size);
		add_str(f, "sha256", d->files[i].sha256);
		json_object_array_add(files, f);
	}
	json_object_object_add(o, "files", files);
	return o;
}

char *bk_manifest_format(const struct bk_manifest *m)
{
	struct json_object *o = json_object_new_object(), *boxes = json_object_new_array();
	char *text;

	add_int(o, "format", m->version);
	add_str(o, "serial", m->serial);
	add_int(o, "created", m->created);
	add_int(o, "box_count", (int64_t)m->nboxes);
	for (size_t b = 0; b < m->nboxes; b++) {
		const struct bk_box *bx = &m->boxes[b];
		struct json_object *jb = json_object_new_object(), *docs = json_object_new_array();

		add_int(jb, "box", bx->no);
		add_str(jb, "name", bx->settings.name);
		add_str(jb, "pin_hash", bx->settings.pin_hash);
		add_int(jb, "doc_limit", bx->settings.doc_limit);
		for (size_t d = 0; d < bx->ndocs; d++)
			json_object_array_add(docs, doc_json(&bx->docs[d]));
		json_object_object_add(jb, "documents", docs);
		json_object_array_add(boxes, jb);
	}
	json_object_object_add(o, "boxes", boxes);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* Parsing: every field present, of its type, within its bounds. */
struct parse {
	char *why;
	size_t whylen;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static int get_int(struct parse *p, struct json_object *o, const char *k, int64_t min, int64_t max,
		   int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return bad(p, "manifest: \"%s\" missing or not a number", k);
	*out = json_object_get_int64(v);
	if (*out < min || *out > max)
		return bad(p, "manifest: \"%s\" out of range", k);
	return 0;
}

static int get_str(struct parse *p, struct json_object *o, const char *k, char *out, size_t size)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return bad(p, "manifest: \"%s\" missing or not text", k);
	s = json_object_get_string(v);
	/* An embedded NUL would hide the rest of the text. */
	if ((size_t)json_object_get_string_len(v) >= size ||
	    memchr(s, '\0', (size_t)json_object_get_string_len(v)))
		return bad(p, "manifest: \"%s\" too long or not text", k);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static struct json_object *get_arr(struct parse *p, struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_array)) {
		bad(p, "manifest: \"%s\" missing or not a list", k);
		return NULL;
	}
	return v;
}

static bool hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* A remote name must be ours: no path can be smuggled into the staging directory. */
static bool remote_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static int parse_file(struct parse *p, struct json_object *o, struct bk_file *f)
{
	int64_t v;

	if (get_str(p, o, "name", f->name, sizeof(f->name)) ||
	    get_str(p, o, "remote", f->remote, sizeof(f->remote)) ||
	    get_int(p, o, "size", 0, INT64_MAX, &v) ||
	    get_str(p, o, "sha256", f->sha256, sizeof(f->sha256)))
		return -1;
	f->size = (uint64_t)v;
	if (!box_file_name_valid(f->name) || !remote_valid(f->remote) || !hex64(f->sha256))
		return bad(p, "manifest: a file entry is malformed (\"%.40s\")", f->name);
	return 0;
}

static int parse_doc(struct parse *p, struct json_object *o, struct bk_doc *d)
{
	struct json_object *files;
	int64_t v;
	size_t n;

	memset(&d->meta, 0, sizeof(d->meta));
	if (get_int(p, o, "id", 1, UINT32_MAX, &v))
		return -1;
	d->meta.id = (uint32_t)v;
	if (get_str(p, o, "name", d->meta.name, sizeof(d->meta.name)) ||
	    get_int(p, o, "pages", 0, UINT32_MAX, &v))
		return -1;
	d->meta.pages = (uint32_t)v;
	if (get_str(p, o, "formats", d->meta.formats, sizeof(d->meta.formats)) ||
	    get_int(p, o, "created", INT64_MIN, INT64_MAX, &d->meta.created) ||
	    get_int(p, o, "job", 0, INT64_MAX, &v))
		return -1;
	d->meta.job_id = (uint64_t)v;
	if (get_str(p, o, "key", d->meta.key, sizeof(d->meta.key)))
		return -1;
	files = get_arr(p, o, "files");
	if (!files)
		return -1;
	n = json_object_array_length(files);
	d->files = calloc(n ? n : 1, sizeof(*d->files));
	if (!d->files)
		return bad(p, "out of memory");
	for (size_t i = 0; i < n; i++, d->nfiles++)
		if (parse_file(p, json_object_array_get_idx(files, i), &d->files[i]))
			return -1;
	return 0;
}

static int parse_box(struct parse *p, struct json_object *o, struct bk_box *b)
{
	struct json_object *docs;
	int64_t v;
	size_t n;

	if (get_int(p, o, "box", 0, BOX_MAX_COUNT - 1, &v))
		return -1;
	b->no = (unsigned int)v;
	if (get_str(p, o, "name", b->settings.name, sizeof(b->settings.name)) ||
	    get_str(p, o, "pin_hash", b->settings.pin_hash, sizeof(b->settings.pin_hash)) ||
	    get_int(p, o, "doc_limit", 0, BOX_MAX_DOC_LIMIT, &v))
		return -1;
	b->settings.doc_limit = (uint32_t)v;
	docs = get_arr(p, o, "documents");
	if (!docs)
		return -1;
	n = json_object_array_length(docs);
	b->docs = calloc(n ? n : 1, sizeof(*b->docs));
	if (!b->docs)
		return bad(p, "out of memory");
	for (size_t i = 0; i < n; i++, b->ndocs++)
		if (parse_doc(p, json_object_array_get_idx(docs, i), &b->docs[i]))
			return -1;
	return 0;
}

static int parse_body(struct parse *p, struct json_object *o, struct bk_manifest *m)
{
	struct json_object *boxes;
	int64_t v;
	size_t n;

	if (get_str(p, o, "serial", m->serial, sizeof(m->serial)) ||
	    get_int(p, o, "created", INT64_MIN, INT64_MAX, &m->created) ||
	    get_int(p, o, "box_count", 0, BOX_MAX_COUNT, &v))
		return -1;
	boxes = get_arr(p, o, "boxes");
	if (!boxes)
		return -1;
	n = json_object_array_length(boxes);
	if ((int64_t)n != v)
		return bad(p, "manifest: box_count %lld, but %zu boxes listed", (long long)v, n);
	m->boxes = calloc(n ? n : 1, sizeof(*m->boxes));
	if (!m->boxes)
		return bad(p, "out of memory");
	for (size_t i = 0; i < n; i++, m->nboxes++)
		if (parse_box(p, json_object_array_get_idx(boxes, i), &m->boxes[i]))
			return -1;
	for (size_t b = 0; b < m->nboxes; b++)
		for (size_t d = 0; d < m->boxes[b].ndocs; d++)
			for (size_t f = 0; f < m->boxes[b].docs[d].nfiles; f++) {
				m->total_bytes += m->boxes[b].docs[d].files[f].size;
				m->total_files++;
			}
	return 0;
}

int bk_manifest_parse(const char *text, struct bk_manifest *m, char *why, size_t whylen)
{
	struct parse p = { .why = why, .whylen = whylen };
	struct json_object *o = json_tokener_parse(text);
	int64_t v;
	int ret = BK_E_CORRUPT;

	memset(m, 0, sizeof(*m));
	if (!o || !json_object_is_type(o, json_type_object)) {
		bad(&p, "manifest: not a JSON object");
		goto out;
	}
	if (get_int(&p, o, "format", INT32_MIN, INT32_MAX, &v))
		goto out;
	m->version = (int)v;
	/* Another version is refused before anything else is read: its fields may mean else. */
	if (m->version != BOX_BACKUP_VERSION) {
		bad(&p, "the backup has format version %d; this irsend reads version %d only",
		    m->version, BOX_BACKUP_VERSION);
		ret = BK_E_VERSION;
		goto out;
	}
	if (parse_body(&p, o, m) == 0)
		ret = BK_OK;
out:
	json_object_put(o);
	if (ret != BK_OK) {
		int version = m->version;

		bk_manifest_free(m);
		m->version = version;
	}
	return ret;
}

int bk_sha256_file(const char *path, char hex[65], uint64_t *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
	ssize_t n;

	*size = 0;
	if (fd < 0 || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || !EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto out;
		*size += (uint64_t)n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen))
		goto out;
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	if (ret && !errno)
		errno = EIO;
	return ret;
}
