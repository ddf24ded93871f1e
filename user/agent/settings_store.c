/* A store of setting values, and its text file. */
#include "settings_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "fsutil.h"

struct settings_store {
	enum setting_scope scope;
	size_t n;
	char **values; /* values[i] for setting_at(scope, i); NULL: not set */
};

struct settings_store *settings_store_new(enum setting_scope scope)
{
	struct settings_store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->scope = scope;
	st->n = setting_count(scope);
	st->values = calloc(st->n, sizeof(*st->values));
	if (!st->values) {
		free(st);
		return NULL;
	}
	return st;
}

static void free_values(char **values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(values[i]);
}

void settings_store_clear(struct settings_store *st)
{
	free_values(st->values, st->n);
	memset(st->values, 0, st->n * sizeof(*st->values));
}

void settings_store_free(struct settings_store *st)
{
	if (!st)
		return;
	free_values(st->values, st->n);
	free(st->values);
	free(st);
}

enum setting_scope settings_store_scope(const struct settings_store *st)
{
	return st->scope;
}

/* The table index of d, or n when it is not of this store's scope. */
static size_t index_of(const struct settings_store *st, const struct setting_def *d)
{
	const struct setting_def *first = setting_at(st->scope, 0);

	if (!d || !first || d < first || d >= first + st->n)
		return st->n;
	return (size_t)(d - first);
}

const char *settings_store_value(const struct settings_store *st, const struct setting_def *d)
{
	size_t i = index_of(st, d);

	if (i == st->n)
		return NULL;
	return st->values[i] ? st->values[i] : d->def;
}

bool settings_store_is_set(const struct settings_store *st, const struct setting_def *d)
{
	size_t i = index_of(st, d);

	return i < st->n && st->values[i];
}

const char *settings_store_get(const struct settings_store *st, const char *key)
{
	return settings_store_value(st, setting_find(st->scope, key));
}

long long settings_store_get_int(const struct settings_store *st, const char *key)
{
	const struct setting_def *d = setting_find(st->scope, key);
	long long v;

	if (!d || d->type != SETTING_INT || !setting_value_int(settings_store_value(st, d), &v))
		return 0;
	return v;
}

bool settings_store_get_bool(const struct settings_store *st, const char *key)
{
	const struct setting_def *d = setting_find(st->scope, key);
	bool v;

	if (!d || d->type != SETTING_BOOL || !setting_value_bool(settings_store_value(st, d), &v))
		return false;
	return v;
}

static const struct setting_def *find_or_fail(const struct settings_store *st, const char *key,
					      char *err, size_t errlen)
{
	const struct setting_def *d = setting_find(st->scope, key);

	if (!d && errlen)
		snprintf(err, errlen, "unknown %s setting '%.64s'", setting_scope_name(st->scope),
			 key);
	return d;
}

int settings_store_set(struct settings_store *st, const char *key, const char *text, char *err,
		       size_t errlen)
{
	const struct setting_def *d = find_or_fail(st, key, err, errlen);
	char value[SETTING_VALUE_MAX + 1];
	char *copy;
	size_t i;

	if (!d || setting_normalize(d, text, value, sizeof(value), err, errlen))
		return -1;
	copy = strdup(value);
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", d->key);
		return -1;
	}
	i = index_of(st, d);
	free(st->values[i]);
	st->values[i] = copy;
	return 0;
}

int settings_store_unset(struct settings_store *st, const char *key, char *err, size_t errlen)
{
	const struct setting_def *d = find_or_fail(st, key, err, errlen);
	size_t i;

	if (!d)
		return -1;
	i = index_of(st, d);
	free(st->values[i]);
	st->values[i] = NULL;
	return 0;
}

/* Collects "NAME:LINE: message" lines into a bounded buffer. */
struct problems {
	char *buf;
	size_t len, used;
	unsigned int count;
	const char *name;
};

static void problem(struct problems *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct problems *p, unsigned int line, const char *fmt, ...)
{
	char msg[SETTING_ERR_MAX + 64];
	va_list ap;
	int n;

	p->count++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!p->len || p->used >= p->len - 1)
		return;
	if (line)
		n = snprintf(p->buf + p->used, p->len - p->used, "%s%s:%u: %s", p->used ? "\n" : "",
			     p->name, line, msg);
	else
		n = snprintf(p->buf + p->used, p->len - p->used, "%s%s: %s", p->used ? "\n" : "",
			     p->name, msg);
	if (n < 0 || (size_t)n >= p->len - p->used)
		p->used = p->len - 1; /* full: what fits is there, truncated */
	else
		p->used += (size_t)n;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks at both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

/*
 * A double-quoted value in [s, e): its contents in out, or an error text.
 * Only \" and \\ are escapes, so that nothing else changes meaning.
 */
static const char *unquote(const char *s, const char *e, char *out, size_t outlen)
{
	size_t n = 0;

	for (s++; s < e && *s != '"'; s++) {
		if (*s == '\\') {
			if (s + 1 >= e || (s[1] != '"' && s[1] != '\\'))
				return "unknown escape in quoted value (only \\\" and \\\\)";
			s++;
		}
		if (n + 1 >= outlen)
			return "value is too long";
		out[n++] = *s;
	}
	if (s >= e)
		return "quoted value has no closing '\"'";
	if (s + 1 != e)
		return "text after the closing '\"'";
	out[n] = '\0';
	return NULL;
}

static bool valid_key(const char *s, const char *e)
{
	if (s == e)
		return false;
	for (; s < e; s++) {
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '.' && *s != '_' && *s != '-')
			return false;
	}
	return true;
}

/* One non-comment line: its value is stored in values[] or a problem recorded. */
static void parse_line(const struct settings_store *st, struct problems *p, unsigned int lineno,
		       const char *s, const char *e, bool skip_unknown, char **values,
		       unsigned int *seen)
{
	char key[128], value[SETTING_VALUE_MAX + 2], out[SETTING_VALUE_MAX + 1];
	char err[SETTING_ERR_MAX];
	const char *eq = memchr(s, '=', (size_t)(e - s));
	const char *ks = s, *ke = eq, *vs, *ve = e, *why;
	const struct setting_def *d;
	size_t i;

	if (!eq) {
		problem(p, lineno, "expected 'key = value'");
		return;
	}
	trim(&ks, &ke);
	if (!valid_key(ks, ke) || (size_t)(ke - ks) >= sizeof(key)) {
		problem(p, lineno, "expected 'key = value': '%.*s' is not a key",
			(int)(ke - ks > 64 ? 64 : ke - ks), ks);
		return;
	}
	memcpy(key, ks, (size_t)(ke - ks));
	key[ke - ks] = '\0';
	vs = eq + 1;
	trim(&vs, &ve);
	if (vs < ve && *vs == '"') {
		why = unquote(vs, ve, value, sizeof(value));
		if (why) {
			problem(p, lineno, "%s: %s", key, why);
			return;
		}
	} else {
		if ((size_t)(ve - vs) >= sizeof(value)) {
			problem(p, lineno, "%s: value is too long", key);
			return;
		}
		memcpy(value, vs, (size_t)(ve - vs));
		value[ve - vs] = '\0';
	}
	d = setting_find(st->scope, key);
	if (!d) {
		if (!skip_unknown)
			problem(p, lineno, "unknown %s setting '%s'", setting_scope_name(st->scope),
				key);
		return;
	}
	i = index_of(st, d);
	if (seen[i]) {
		problem(p, lineno, "%s is already set on line %u", d->key, seen[i]);
		return;
	}
	seen[i] = lineno;
	if (setting_normalize(d, value, out, sizeof(out), err, sizeof(err))) {
		problem(p, lineno, "%s", err);
		return;
	}
	values[i] = strdup(out);
	if (!values[i])
		problem(p, lineno, "out of memory");
}

int settings_store_parse(struct settings_store *st, const char *text, size_t len, const char *name,
			 bool skip_unknown, char *err, size_t errlen)
{
	struct problems p = { .buf = err, .len = errlen, .name = name };
	char **values = calloc(st->n, sizeof(*values));
	unsigned int *seen = calloc(st->n, sizeof(*seen));
	unsigned int lineno = 0;
	const char *s = text, *end = text + len;

	if (errlen)
		err[0] = '\0';
	if (!values || !seen) {
		problem(&p, 0, "out of memory");
		goto out;
	}
	if (len > SETTINGS_FILE_MAX) {
		problem(&p, 0, "larger than %d bytes: not a settings file", SETTINGS_FILE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len)) {
		problem(&p, 0, "contains NUL bytes: not a settings file");
		goto out;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *ls = s;

		lineno++;
		s = nl ? nl + 1 : end;
		if (e > ls && e[-1] == '\r')
			e--;
		if ((size_t)(e - ls) > SETTINGS_LINE_MAX) {
			problem(&p, lineno, "line is longer than %d bytes", SETTINGS_LINE_MAX);
			continue;
		}
		trim(&ls, &e);
		if (ls == e || *ls == '#')
			continue;
		parse_line(st, &p, lineno, ls, e, skip_unknown, values, seen);
	}
out:
	if (p.count || !values || !seen) {
		if (values)
			free_values(values, st->n);
		free(values);
		free(seen);
		return -1;
	}
	free_values(st->values, st->n);
	free(st->values);
	st->values = values;
	free(seen);
	return 0;
}

int settings_store_load(struct settings_store *st, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		settings_store_clear(st);
		return 0;
	}
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > SETTINGS_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISREG(sb.st_mode) ? "larger than the settings file limit"
					     : "not a regular file");
		close(fd);
		return -1;
	}
	/* One byte more than allowed tells a file that grew since fstat(). */
	buf = malloc(SETTINGS_FILE_MAX + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got <= SETTINGS_FILE_MAX &&
	       (n = read(fd, buf + got, SETTINGS_FILE_MAX + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	rc = settings_store_parse(st, buf, got, path, false, err, errlen);
	free(buf);
	return rc;
}

/* Whether v must be quoted to read back the same. */
static bool needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return !n || *v == '"' || is_blank(v[0]) || is_blank(v[n - 1]);
}

char *settings_store_format(const struct settings_store *st, const char *header)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	while (header && *header) {
		size_t n = strcspn(header, "\n");

		fprintf(f, "# %.*s\n", (int)n, header);
		header += n;
		header += *header == '\n';
	}
	for (size_t i = 0; i < st->n; i++) {
		const char *v = st->values[i];

		if (!v)
			continue;
		fprintf(f, "%s = ", setting_at(st->scope, i)->key);
		if (needs_quotes(v)) {
			fputc('"', f);
			for (; *v; v++) {
				if (*v == '"' || *v == '\\')
					fputc('\\', f);
				fputc(*v, f);
			}
			fputc('"', f);
		} else {
			fputs(v, f);
		}
		fputc('\n', f);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

int settings_store_save(const struct settings_store *st, const char *path, char *err, size_t errlen)
{
	struct atomic_file af;
	char *text, *dir = strdup(path), *slash;
	const char *name;
	int e;

	text = settings_store_format(st, "irsend settings, written by irsendd: change them with\n"
					 "'irsendctl settings set KEY VALUE'; keys not listed "
					 "have their defaults.");
	if (!text || !dir) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(text);
		free(dir);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash) {
		name = path + (slash - dir) + 1;
		if (slash == dir)
			slash++; /* a file in "/" */
		*slash = '\0';
	} else {
		name = path;
		strcpy(dir, ".");
	}
	if (atomic_file_create(&af, dir, name))
		goto fail;
	/* The file holds passwords: owner only, whatever the umask. */
	if (fchmod(af.fd, 0600) || atomic_file_write(&af, text, strlen(text))) {
		e = errno;
		atomic_file_abort(&af);
		errno = e;
		goto fail;
	}
	/* The rename must reach the disk too, or a power cut brings back the old file. */
	if (atomic_file_commit(&af) || fsync_dir(dir))
		goto fail;
	free(text);
	free(dir);
	return 0;
fail:
	e = errno;
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	free(text);
	free(dir);
	return -1;
}

struct settings_store *settings_store_snapshot(enum setting_scope scope, const char *text)
{
	struct settings_store *st = settings_store_new(scope);
	char err[256];

	if (st && text)
		settings_store_parse(st, text, strlen(text), "snapshot", true, err, sizeof(err));
	return st;
}
