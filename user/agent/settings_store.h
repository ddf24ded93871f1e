/*
 * A set of setting values of one scope: what is set differs from the
 * built-in defaults; everything else reads as its default, so a new
 * release's better default reaches devices that never changed the key.
 *
 * The user settings file (on the data disk) is text, one "key = value" a
 * line, '#' comment lines and blank lines ignored. A value is taken as
 * written up to the end of the line (backslashes included: \\srv\share),
 * without surrounding blanks; a value with surrounding blanks, an empty
 * one or one starting with '"' is written in double quotes, in which \"
 * and \\ are the only escapes. Loading is all or nothing: an unknown key,
 * a value out of range, a duplicate key or a malformed line refuses the
 * whole file, with every problem reported as "FILE:LINE: ...".
 *
 * Usage (the daemon):
 *
 *	struct settings_store *st = settings_store_new(SETTING_USER);
 *	char err[SETTINGS_LOAD_ERR_MAX];
 *
 *	if (settings_store_load(st, "/data/settings.conf", err, sizeof(err)))
 *		log_error("%s", err);		// the file is left as it is
 *	settings_store_get(st, "smtp.server");	// "" (the default) or the value
 *	if (settings_store_set(st, "smtp.port", "587", err, sizeof(err)))
 *		reply_error(err);		// "smtp.port: ... (0-65535)"
 *	settings_store_save(st, "/data/settings.conf", err, sizeof(err));
 *
 *	for (size_t i = 0; i < setting_count(SETTING_USER); i++) {	// "list"
 *		const struct setting_def *d = setting_at(SETTING_USER, i);
 *		printf("%s = %s%s\n", d->key,
 *		       setting_display(d, settings_store_value(st, d)),
 *		       settings_store_is_set(st, d) ? "" : " (default)");
 *	}
 *	settings_store_free(st);
 *
 * A store is not thread-safe. Strings it returns stay valid until that
 * key is set, unset or loaded again, or the store is freed.
 */
#ifndef IRSEND_SETTINGS_STORE_H
#define IRSEND_SETTINGS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "settings_def.h"

/* Files larger than this are refused: a settings file is a few KiB. */
#define SETTINGS_FILE_MAX (256 * 1024)
/* Lines longer than this are refused (a value is at most SETTING_VALUE_MAX). */
#define SETTINGS_LINE_MAX (SETTING_VALUE_MAX + 256)
/* Enough room for several "FILE:LINE: ..." messages. */
#define SETTINGS_LOAD_ERR_MAX 2048

struct settings_store;

/* An empty store (every key at its default), or NULL when out of memory. */
struct settings_store *settings_store_new(enum setting_scope scope);
void settings_store_free(struct settings_store *st);
enum setting_scope settings_store_scope(const struct settings_store *st);

/* The effective value of key: set or default. NULL for an unknown key. */
const char *settings_store_get(const struct settings_store *st, const char *key);
/* The same by definition (d must be of the store's scope). */
const char *settings_store_value(const struct settings_store *st, const struct setting_def *d);
bool settings_store_is_set(const struct settings_store *st, const struct setting_def *d);

/*
 * The effective value of an INT or BOOL key. For a key that does not exist
 * or has another type these return 0 / false: callers name keys in code,
 * and the tests check every key they use.
 */
long long settings_store_get_int(const struct settings_store *st, const char *key);
bool settings_store_get_bool(const struct settings_store *st, const char *key);

/*
 * Set key to text after checking it, stored in canonical form: 0, or -1
 * with the reason in err ("unknown setting 'x'", or setting_normalize()'s
 * message) and the store unchanged. Setting a key to its default still
 * marks it set; settings_store_unset() returns it to the default.
 */
int settings_store_set(struct settings_store *st, const char *key, const char *text, char *err,
		       size_t errlen);
int settings_store_unset(struct settings_store *st, const char *key, char *err, size_t errlen);
/* Every key back to its default. */
void settings_store_clear(struct settings_store *st);

/*
 * Replace the store's contents with the settings in text (len bytes; name
 * is used in messages). All or nothing: 0, or -1 with every problem in err
 * (one per line, as many as fit) and the store unchanged.
 * skip_unknown ignores keys this version does not know, for records that
 * a newer version may have written.
 */
int settings_store_parse(struct settings_store *st, const char *text, size_t len, const char *name,
			 bool skip_unknown, char *err, size_t errlen);

/*
 * A store made from a settings_store_format() snapshot (text from a valid
 * store, so it parses); NULL when out of memory. For threads that must
 * not touch the main loop's store.
 */
struct settings_store *settings_store_snapshot(enum setting_scope scope, const char *text);

/* settings_store_parse() of a file. A missing file is an empty store (a fresh disk). */
int settings_store_load(struct settings_store *st, const char *path, char *err, size_t errlen);

/*
 * The keys that are set, in table order, as file text ("key = value\n");
 * a malloc()ed string the caller frees, or NULL when out of memory. A
 * non-NULL header is written first as '#' comment lines.
 */
char *settings_store_format(const struct settings_store *st, const char *header);

/*
 * Write the file atomically (complete or not at all, the rename synced to
 * disk) with mode 0600, since it holds passwords: 0, or -1 with the reason
 * in err.
 */
int settings_store_save(const struct settings_store *st, const char *path, char *err,
			size_t errlen);

#endif
