/*
 * key=value files for the box store's metadata: readable with a pager,
 * easy to carry in a backup, and never half written (atomic_file).
 * Values never hold control characters (the validators refuse them), so
 * a newline always ends a pair.
 */
#include "box_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

/* Far above any metadata we write; a bigger file is not ours. */
#define KV_FILE_MAX 65536

bool box_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static bool key_ok(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static int parse(char *buf, size_t len, box_kv_fn fn, void *ctx)
{
	char *line = buf, *end = buf + len;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *eq;

		if (!nl)
			return -2; /* a last line without newline: cut short */
		*nl = '\0';
		eq = strchr(line, '=');
		if (!eq)
			return -2;
		*eq = '\0';
		for (char *c = eq + 1; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return -2;
		if (!key_ok(line) || fn(ctx, line, eq + 1))
			return -2;
		line = nl + 1;
	}
	return 0;
}

int box_kv_read(const char *path, box_kv_fn fn, void *ctx)
{
	FILE *f = fopen(path, "rbe");
	char *buf;
	size_t len;
	int ret;

	if (!f)
		return -1;
	buf = malloc(KV_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	len = fread(buf, 1, KV_FILE_MAX + 1, f);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	/* NUL bytes would hide the rest of a line from the parser. */
	ret = (len > KV_FILE_MAX || memchr(buf, '\0', len)) ? -2 : parse(buf, len, fn, ctx);
	free(buf);
	return ret;
}

int box_kv_write(const char *dir, const char *name, const char *text, size_t len)
{
	struct atomic_file af;

	if (atomic_file_create(&af, dir, name))
		return -1;
	if (atomic_file_write(&af, text, len)) {
		atomic_file_abort(&af);
		return -1;
	}
	if (atomic_file_commit(&af))
		return -1;
	return box_fsync_dir(dir);
}
