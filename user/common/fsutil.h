/* Directory helpers for state that must survive a crash. */
#ifndef IRSEND_FSUTIL_H
#define IRSEND_FSUTIL_H

/* fsync a directory, so that the names created or removed in it are durable. */
int fsync_dir(const char *path);
/* Remove path and everything below it; a missing path is fine: 0, or -1 with errno. */
int remove_tree(const char *path);
/* mkdir that accepts an existing directory: 0, or -1 with errno. */
int make_dir(const char *path, unsigned int mode);

#endif
