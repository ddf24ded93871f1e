/*
 * Mail Box backup and restore (seed 2.1.9): the User Inboxes (settings,
 * documents, their settings) to a folder "BOX" on a file server, and back.
 *
 * The remote side is reached through struct bk_io, a folder that can
 * make folders, take and give whole files and rename: a local directory
 * in tests (box_backup_dir.c), SMB in the agent (irsendd/backup_smb.c).
 *
 * Remote layout, under the backup folder:
 *	BOX/manifest.json	format version, serial, time, boxes, documents, files
 *	BOX/BBB-DDDDDDDDD-K	file K of document D of box B (the real name is
 *				in the manifest: any file name survives any server)
 *
 * Backup writes into BOX.tmp, reads the manifest back and checks every
 * file's size, then renames BOX.tmp to BOX: a BOX is always complete.
 * It refuses to start when BOX or BOX.tmp exists (the operator removes or
 * renames the old one), so a backup never overwrites another.
 *
 * Restore works in two phases around a state file (restore/state, written
 * atomically) so that a crash anywhere either resumes or fails clearly:
 *	scheduled	fetch BOX into restore/staged.tmp, checking the manifest's
 *			version and every file's size and SHA-256; then rename it
 *			to restore/staged. Nothing local is touched: a refused or
 *			failed fetch ends in "failed" with the boxes as they were.
 *	applying	from restore/staged only: box_reset() of every User Inbox,
 *			settings and documents imported (ids kept), the Memory RX
 *			Inbox emptied. Every step is redone from the start after a
 *			crash: the staged copy stays until the state says "done".
 *	done/failed	a report (restore/report.json); staged copy removed.
 */
#ifndef IRSEND_BOX_BACKUP_H
#define IRSEND_BOX_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "box.h"

#define BOX_BACKUP_VERSION 1
#define BOX_BACKUP_DIR "BOX"
#define BOX_BACKUP_TMP "BOX.tmp"
#define BOX_BACKUP_MANIFEST "manifest.json"

/* The remote folder. Paths are relative to it and '/'-separated. */
struct bk_io;
struct bk_io_ops {
	/* 1 exists, 0 does not, -1 failed. */
	int (*exists)(struct bk_io *io, const char *rel);
	int (*mkdir)(struct bk_io *io, const char *rel);
	/* The whole of local fd (read from offset 0) into a new file rel. */
	int (*put)(struct bk_io *io, const char *rel, int fd);
	/* The whole of rel into local fd (written from offset 0). */
	int (*get)(struct bk_io *io, const char *rel, int fd);
	/* Size of rel, -1 when it cannot be told. */
	int (*size)(struct bk_io *io, const char *rel, uint64_t *size);
	int (*rename)(struct bk_io *io, const char *from, const char *to);
};

struct bk_io {
	const struct bk_io_ops *ops;
	/* Set by a failing op: a section 4.3 code (0: none fits) and a line. */
	unsigned int code;
	char why[512];
};

/* Progress: bytes and files so far of the totals (phase: "backup", "fetch", "apply"). */
struct bk_progress {
	const char *phase;
	uint64_t bytes, total_bytes;
	uint32_t files, total_files;
};
typedef void (*bk_progress_fn)(void *arg, const struct bk_progress *p);

/* Why a backup or restore stopped. */
enum bk_status {
	BK_OK = 0,
	BK_E_EXISTS,   /* BOX or BOX.tmp at the destination */
	BK_E_REMOTE,   /* the remote side failed: io->code, io->why */
	BK_E_LOCAL,    /* our disk or store failed */
	BK_E_VERSION,  /* a manifest of another format version */
	BK_E_CORRUPT,  /* a manifest that cannot be read, a size or SHA-256 mismatch */
	BK_E_NOFIT,    /* more boxes than ours, or more bytes than the area */
	BK_E_CANCELED, /* cancelled */
};

/* A document as saved: its settings and files. */
struct bk_file {
	char name[BOX_FILE_NAME_MAX + 1];
	char remote[32]; /* BBB-DDDDDDDDD-K */
	uint64_t size;
	char sha256[65];
	char *local; /* snapshot (backup) or staged (restore) path; malloc()ed */
};

struct bk_doc {
	struct box_doc_meta meta;
	struct bk_file *files;
	size_t nfiles;
};

struct bk_box {
	unsigned int no;
	struct box_settings settings;
	struct bk_doc *docs;
	size_t ndocs;
};

struct bk_manifest {
	int version;
	char serial[64];
	int64_t created;
	struct bk_box *boxes;
	size_t nboxes;
	uint64_t total_bytes;
	uint32_t total_files;
};

void bk_manifest_free(struct bk_manifest *m);
/* JSON text (free() it), NULL without memory. */
char *bk_manifest_format(const struct bk_manifest *m);
/* BK_OK, BK_E_VERSION (m->version set) or BK_E_CORRUPT, with why. */
int bk_manifest_parse(const char *text, struct bk_manifest *m, char *why, size_t whylen);

/* SHA-256 of a local file as hex; its size too. 0, or -1 with errno. */
int bk_sha256_file(const char *path, char hex[65], uint64_t *size);

/*
 * Backup, step 1 (the thread that owns the store): every User Inbox's
 * settings and documents, the files hard-linked (or copied) under
 * snap_dir, which must not exist. The backup then needs the store no more.
 */
int bk_snapshot(struct box_store *st, const char *snap_dir, const char *serial,
		struct bk_manifest *m, char *why, size_t whylen);

/* Backup, step 2 (any thread): the snapshot to io as BOX. */
struct bk_run_opts {
	bk_progress_fn progress;
	void *progress_arg;
	int (*cancelled)(void *arg);
	void *cancel_arg;
};
int bk_backup(struct bk_io *io, struct bk_manifest *m, const char *snap_dir,
	      const struct bk_run_opts *o, char *why, size_t whylen);

/* Restore: the state under restore_dir (e.g. data_dir/restore). */
enum bk_restore_state {
	BK_RS_NONE,	 /* nothing scheduled */
	BK_RS_SCHEDULED, /* to fetch at the next start */
	BK_RS_APPLYING,	 /* fetched and checked; boxes being replaced */
	BK_RS_DONE,
	BK_RS_FAILED,
};
const char *bk_restore_state_name(enum bk_restore_state s);
enum bk_restore_state bk_restore_state_read(const char *restore_dir);
/* Schedule (state "scheduled") or cancel (back to the last report's state): 0 or -1 (errno). */
int bk_restore_schedule(const char *restore_dir);
/* -1 with errno EBUSY when the restore is applying already. */
int bk_restore_cancel(const char *restore_dir);

struct bk_report {
	enum bk_restore_state state;
	int status; /* enum bk_status */
	char message[512];
	uint32_t boxes, documents, files;
	uint64_t bytes;
	int64_t started, ended;
	double seconds;
};
/* The last report (restore_dir/report.json): 0, or -1 when there is none. */
int bk_restore_report_read(const char *restore_dir, struct bk_report *r);

/*
 * At start-up, before the stores are used by anyone else: whatever the
 * state says. io is opened only when a fetch is needed (open_io returns
 * NULL with why for a failure); rx (the Memory RX Inbox, box 0) may be
 * NULL. fail_at: test hook, _exit(99) before step n (0: never). Returns
 * the final state with r filled (BK_RS_NONE: nothing was scheduled).
 */
struct bk_restore_opts {
	struct bk_io *(*open_io)(void *arg, char *why, size_t whylen);
	void (*close_io)(void *arg, struct bk_io *io);
	void *io_arg;
	bk_progress_fn progress;
	void *progress_arg;
	unsigned int fail_at;
};
enum bk_restore_state bk_restore_run(const char *restore_dir, struct box_store *user,
				     struct box_store *rx, const struct bk_restore_opts *o,
				     struct bk_report *r);

/* The local directory as a bk_io (box_backup_dir.c); free() it. */
struct bk_io *bk_dir_io_new(const char *dir);

#endif
