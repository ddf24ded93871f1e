/*
 * User Inboxes: the box store on the data partition.
 *
 * Layout under the store root (e.g. /var/lib/irsend/boxes):
 *
 *   .lock                 flock()ed while a process has the store open
 *   store.conf            key=value: format, area_limit, doc_limit (defaults)
 *   .staging/XXXXXX/      documents being written (box_staging_new)
 *   user/NNN/box.conf     one User Inbox: name, PIN hash, doc_limit, next_id
 *   user/NNN/DDDDDDDDD/   one document: its files and ".meta" (key=value)
 *
 * A box directory is created on first use; a box without one has the
 * defaults. Other box kinds (Confidential Fax Inboxes, Memory RX Inbox)
 * are meant to sit next to user/ later.
 *
 * Storing a document renames a whole staging directory, written and synced
 * beforehand with its .meta, into the box: a document is in the box
 * complete or not at all. Deleting renames it to ".trash-ID" first.
 * box_store_open() finishes what a crash interrupted (see box_recover.c):
 * staging and trash are removed, temporary files too, and a document
 * directory whose .meta is missing or unreadable is repaired from its
 * files (so no user data is thrown away) or removed when it has none.
 *
 * Not thread-safe: one thread of one process uses a store (the lock file
 * keeps a second process out).
 */
#ifndef IRSEND_BOX_H
#define IRSEND_BOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Results. The two limits equal the device's error codes (#711, #712) so
 * that the daemon can pass them on unchanged; the others are ours.
 */
enum box_status {
	BOX_OK = 0,
	BOX_E_INVAL = 1, /* a bad name, key, PIN, staging content or argument */
	BOX_E_RANGE = 2, /* box number outside 0..count-1 */
	BOX_E_NOENT = 3, /* no such document */
	BOX_E_PIN = 4,	 /* PIN does not match (or the box settings are damaged) */
	BOX_E_EXIST = 5, /* box_restore_document: that id is taken */
	BOX_E_BUSY = 6,	 /* another process has the store open */
	BOX_E_NOMEM = 7,
	BOX_E_IO = 8,	       /* a system call failed: errno says which */
	BOX_E_CORRUPT = 9,     /* store.conf cannot be read */
	BOX_E_AREA_FULL = 711, /* the box area (store-wide size limit) is full */
	BOX_E_DOC_LIMIT = 712, /* the box holds its maximum number of documents */
};

#define BOX_DEFAULT_COUNT 100u
#define BOX_MAX_COUNT 1000u
#define BOX_DEFAULT_DOC_LIMIT 100u
#define BOX_MAX_DOC_LIMIT 10000u
#define BOX_DEFAULT_AREA_LIMIT (1ull << 30)

/* Box and document names: UTF-8 text, no control characters, no '/' or '\\'. */
#define BOX_NAME_MAX 64
/* Document keys (job engine): [A-Za-z0-9._:-], unique within a box. */
#define BOX_KEY_MAX 64
/* File names in a document: like names, without a leading '.'. */
#define BOX_FILE_NAME_MAX 128
/* Comma-separated list of format tags, e.g. "pdf,tiff-mmr". */
#define BOX_FORMATS_MAX 64
/* PINs are 1 to 7 decimal digits, as on the device's panel. */
#define BOX_PIN_MAX 7

struct box_store;

struct box_store_opts {
	unsigned int count; /* number of User Inboxes; 0 = BOX_DEFAULT_COUNT */
	/* Used only when the store is created (later values come from store.conf). */
	uint64_t area_limit; /* 0 = BOX_DEFAULT_AREA_LIMIT */
	uint32_t doc_limit;  /* per-box default; 0 = BOX_DEFAULT_DOC_LIMIT */
};

struct box_info {
	unsigned int no;
	char name[BOX_NAME_MAX + 1];
	bool has_pin;
	bool damaged; /* box.conf was unreadable: PIN checks fail until it is rewritten */
	uint32_t doc_count;
	uint32_t doc_limit;
	uint64_t bytes;
};

struct box_doc_meta {
	uint32_t id; /* set by the store */
	char name[BOX_NAME_MAX + 1];
	uint32_t pages;
	char formats[BOX_FORMATS_MAX + 1];
	uint64_t size;	 /* set by the store: bytes of all files */
	int64_t created; /* seconds since the epoch; 0 = now */
	uint64_t job_id;
	char key[BOX_KEY_MAX + 1]; /* set by the store; "" for a repaired document */
	uint32_t files;		   /* set by the store: number of files */
	bool repaired;		   /* rebuilt at open from the files: name and pages are guesses */
};

struct box_file {
	char name[BOX_FILE_NAME_MAX + 1];
	int fd; /* read-only, close-on-exec */
	uint64_t size;
};

/* Opens (creating if needed) and recovers the store at root. */
int box_store_open(const char *root, const struct box_store_opts *opts, struct box_store **out);
void box_store_close(struct box_store *st);

const char *box_strerror(int status);

unsigned int box_count(const struct box_store *st);
void box_area_usage(const struct box_store *st, uint64_t *used, uint64_t *limit);
/* A new limit below the current use is allowed: it only refuses new documents. */
int box_set_area_limit(struct box_store *st, uint64_t limit);

/* Boxes */
int box_get_info(struct box_store *st, unsigned int box_no, struct box_info *info);
/* All boxes in number order; free(*out). */
int box_list(struct box_store *st, struct box_info **out, size_t *n);
int box_rename(struct box_store *st, unsigned int box_no, const char *name);
int box_set_doc_limit(struct box_store *st, unsigned int box_no, uint32_t limit);
/* pin NULL or "" clears it. */
int box_set_pin(struct box_store *st, unsigned int box_no, const char *pin);
/* BOX_OK when it matches or the box has no PIN, else BOX_E_PIN. */
int box_check_pin(struct box_store *st, unsigned int box_no, const char *pin);

/*
 * A fresh directory under the store root for a document's files, so that
 * the rename into the box stays on one filesystem. *path is malloc()ed.
 */
int box_staging_new(struct box_store *st, char **path);

/*
 * Moves the regular files of staging_dir (which must come from
 * box_staging_new(); any other path is BOX_E_INVAL; no subdirectories,
 * names as BOX_FILE_NAME_MAX says) into box box_no as one document. From meta only
 * name, pages, formats, created and job_id are used. With doc_key already
 * in the box it returns that document's id and BOX_OK, storing nothing
 * again. On BOX_OK the staging directory is gone (moved or removed); on an
 * error it is left as it was, for the caller to retry or discard.
 */
int box_store_document(struct box_store *st, unsigned int box_no, const char *doc_key,
		       const char *staging_dir, const struct box_doc_meta *meta, uint32_t *id);

/*
 * For restore from a backup: like box_store_document but keeps meta's id,
 * key (may be "") and created time. BOX_E_EXIST when the id is taken. The
 * limits still apply.
 */
int box_restore_document(struct box_store *st, unsigned int box_no, const char *staging_dir,
			 const struct box_doc_meta *meta);

/* A box's documents in id order; free(*out). */
int box_list_documents(struct box_store *st, unsigned int box_no, struct box_doc_meta **out,
		       size_t *n);
int box_get_document(struct box_store *st, unsigned int box_no, uint32_t id,
		     struct box_doc_meta *meta);
/* The document's files, read-only, in name order; box_files_close() them. */
int box_open_document(struct box_store *st, unsigned int box_no, uint32_t id,
		      struct box_file **files, size_t *n);
void box_files_close(struct box_file *files, size_t n);
/* The document's directory, for backup tools that walk it; malloc()ed. */
int box_document_path(struct box_store *st, unsigned int box_no, uint32_t id, char **path);

int box_delete_document(struct box_store *st, unsigned int box_no, uint32_t id);
int box_delete_all(struct box_store *st, unsigned int box_no);
/* Deletes every document and returns name, PIN and limit to the defaults (restore). */
int box_reset(struct box_store *st, unsigned int box_no);

/*
 * Box settings as stored, for backup and restore: the PIN stays hashed
 * (pin_hash is "" without a PIN). box_import_settings() checks the hash's
 * form but cannot know the PIN.
 */
struct box_settings {
	char name[BOX_NAME_MAX + 1];
	char pin_hash[160];
	uint32_t doc_limit;
};
int box_export_settings(struct box_store *st, unsigned int box_no, struct box_settings *s);
int box_import_settings(struct box_store *st, unsigned int box_no, const struct box_settings *s);

/* Validation used by the store, exported for the daemon's request checks. */
bool box_name_valid(const char *name);
bool box_key_valid(const char *key);
bool box_file_name_valid(const char *name);
bool box_pin_valid(const char *pin);

#endif
