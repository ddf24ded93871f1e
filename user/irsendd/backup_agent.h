/*
 * Mail Box backup and restore in the agent (box_backup.h does the work):
 * the SMB side from the backup.* settings, the backup's thread and its
 * status, and the restore that runs at start-up.
 */
#ifndef IRSENDD_BACKUP_AGENT_H
#define IRSENDD_BACKUP_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "box.h"

struct settings_store;

/*
 * At start-up, after the privilege drop and before engine_open() and
 * receive_open(): a scheduled or interrupted restore runs to its end here
 * (data_dir/restore), with the User Inboxes (data_dir/boxes, box_opts)
 * and the Memory RX Inbox (data_dir/rx/inbox) opened and closed again.
 * Its outcome is logged and kept for restore.status; a failed restore
 * does not stop the agent. 0, or -1 with err when the stores could not
 * be opened (the agent should not go on then).
 */
int backup_restore_at_start(const char *data_dir, const struct box_store_opts *box_opts, char *err,
			    size_t errlen);

/* The backup's status, for backup.status and the follower. */
struct backup_status {
	bool running, have_last;
	uint64_t bytes, total_bytes;
	uint32_t files, total_files;
	int64_t started, ended;
	int status;	   /* enum bk_status of the last one */
	unsigned int code; /* its section 4.3 code, 0: none */
	char message[512];
};
void backup_get_status(struct backup_status *st);

/*
 * Start a backup (main thread: the snapshot of the store is taken here):
 * 0, or -1 with code ("EBUSY", "EINVAL", "#804", ...) and err. follow_fd
 * (>= 0, taken over) receives "progress" events and the final reply to
 * req_id; -1: nobody follows.
 */
int backup_start(struct box_store *boxes, const struct settings_store *u, const char *data_dir,
		 const char *serial, int follow_fd, uint64_t req_id, char *code, size_t codelen,
		 char *err, size_t errlen);

/* backup.* settings present: 0, or -1 with err naming what is missing. */
int backup_settings_check(const struct settings_store *u, char *err, size_t errlen);

#endif
