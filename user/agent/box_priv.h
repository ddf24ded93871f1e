/* Internals of the box store shared by its files; not for other users. */
#ifndef IRSEND_BOX_PRIV_H
#define IRSEND_BOX_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "box.h"

#define BOX_FORMAT_VERSION 1
#define BOX_META_NAME ".meta"
#define BOX_CONF_NAME "box.conf"
#define BOX_STORE_CONF "store.conf"
#define BOX_STAGING_DIR ".staging"
#define BOX_TRASH_PREFIX ".trash-"
/* Document directories are named by id, zero-padded so they sort. */
#define BOX_DOC_ID_MAX 999999999u

/* What the store keeps in memory of a document: enough for limits and keys. */
struct box_doc_ent {
	uint32_t id;
	uint64_t size;
	char key[BOX_KEY_MAX + 1];
};

struct box_slot {
	bool on_disk; /* user/NNN exists */
	bool damaged;
	char name[BOX_NAME_MAX + 1];
	char pin_hash[sizeof(((struct box_settings *)0)->pin_hash)];
	uint32_t doc_limit;
	uint32_t next_id;
	struct box_doc_ent *docs; /* sorted by id */
	size_t ndocs, cap;
	uint64_t bytes;
};

struct box_store {
	char *root;
	int lock_fd;
	unsigned int count;
	uint64_t area_limit;
	uint32_t doc_limit_default;
	uint64_t used;
	struct box_slot *boxes;
};

/* Paths (malloc()ed; NULL when out of memory). */
char *box_path_box(const struct box_store *st, unsigned int box_no);
char *box_path_doc(const struct box_store *st, unsigned int box_no, uint32_t id);

/* box_fs.c: 0, or -1 with errno set. */
int box_fsync_dir(const char *path);
int box_rm_tree(const char *path);	/* a missing path is not an error */
int box_mkdir(const char *path);	/* an existing directory is not an error */
bool box_is_tmp_name(const char *name); /* leftovers of atomic_file */
bool box_is_doc_dir_name(const char *name, uint32_t *id);

/* box_kv.c: key=value files, one pair per line, unknown keys ignored. */
typedef int (*box_kv_fn)(void *ctx, const char *key, const char *value);
/* 0; -1 with errno (ENOENT: no file); -2 when malformed or fn refused a value. */
int box_kv_read(const char *path, box_kv_fn fn, void *ctx);
/* Replaces dir/name atomically and syncs dir: 0, or -1 with errno. */
int box_kv_write(const char *dir, const char *name, const char *text, size_t len);
bool box_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* box_meta.c */
int box_meta_read(const char *doc_dir, struct box_doc_meta *m); /* as box_kv_read */
int box_meta_write(const char *doc_dir, const struct box_doc_meta *m);
bool box_formats_valid(const char *formats);
/* Regular files of a document or staging directory, skipping dot files. */
struct box_dir_scan {
	char (*names)[BOX_FILE_NAME_MAX + 1];
	size_t n;
	uint64_t bytes;
};
/*
 * BOX_OK, BOX_E_INVAL (bad entry or no file), BOX_E_IO or BOX_E_NOMEM; sorted
 * by name. A staging directory (caller's content) may hold no dot file at
 * all and its files are synced; a document's dot files (.meta) are skipped.
 */
int box_dir_scan(const char *dir, bool staging, struct box_dir_scan *scan);
void box_dir_scan_free(struct box_dir_scan *scan);

/* box_conf.c */
int box_conf_write(struct box_store *st, unsigned int box_no);
int box_conf_read(struct box_store *st, unsigned int box_no); /* as box_kv_read */
int box_store_conf_write(struct box_store *st);
int box_store_conf_read(struct box_store *st); /* as box_kv_read */
void box_slot_defaults(struct box_store *st, struct box_slot *s);

/* box_pin.c */
int box_pin_hash(const char *pin, char *out, size_t outlen); /* BOX_OK or BOX_E_IO */
bool box_pin_matches(const char *pin, const char *hash);
bool box_pin_hash_valid(const char *hash);

/* box_recover.c: loads the index and finishes interrupted work. */
int box_recover(struct box_store *st);

/* box_index.c */
struct box_doc_ent *box_index_find_id(struct box_slot *s, uint32_t id);
struct box_doc_ent *box_index_find_key(struct box_slot *s, const char *key);
/* Room for one more entry, so that adding after a rename cannot fail. */
int box_index_reserve(struct box_slot *s);
int box_index_add(struct box_store *st, struct box_slot *s, uint32_t id, uint64_t size,
		  const char *key);
void box_index_remove(struct box_store *st, struct box_slot *s, uint32_t id);

#endif
