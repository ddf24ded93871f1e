/*
 * A file that appears complete or not at all: written under a hidden
 * temporary name in its directory, then synced and renamed into place.
 */
#ifndef IRSEND_ATOMIC_FILE_H
#define IRSEND_ATOMIC_FILE_H

#include <stddef.h>

struct atomic_file {
	int fd; /* -1 when no file is open */
	char *path;
	char *tmp_path;
};

/* Start dir/name (mode 0666 less the umask): 0, or -1 with errno set. */
int atomic_file_create(struct atomic_file *af, const char *dir, const char *name);

/* Write all of buf, retrying short writes: 0, or -1 with errno set. */
int atomic_file_write(struct atomic_file *af, const void *buf, size_t len);

/* Sync, close and rename into place: 0, or -1 with errno set (the file is discarded). */
int atomic_file_commit(struct atomic_file *af);

/* Discard the file, if one is open. */
void atomic_file_abort(struct atomic_file *af);

#endif
