/* Filesystem helpers of the box store: paths, directory sync, removal. */
#include "box_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *box_path_box(const struct box_store *st, unsigned int box_no)
{
	char *p;

	if (asprintf(&p, "%s/user/%03u", st->root, box_no) < 0)
		return NULL;
	return p;
}

char *box_path_doc(const struct box_store *st, unsigned int box_no, uint32_t id)
{
	char *p;

	if (asprintf(&p, "%s/user/%03u/%09u", st->root, box_no, id) < 0)
		return NULL;
	return p;
}

/* A rename or create is durable only once its directory is synced. */
int box_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -1;
	if (fsync(fd)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) && errno != ENOENT ? -1 : 0;
	return unlink(path) && errno != ENOENT ? -1 : 0;
}

int box_rm_tree(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path);
	/* FTW_PHYS: a symlink planted in a staging directory is removed, never followed. */
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int box_mkdir(const char *path)
{
	struct stat sb;

	if (!mkdir(path, 0750))
		return 0;
	if (errno != EEXIST)
		return -1;
	if (lstat(path, &sb))
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* atomic_file writes ".NAME.PID.tmp". */
bool box_is_tmp_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] == '.' && len > 5 && !strcmp(name + len - 4, ".tmp");
}

bool box_is_doc_dir_name(const char *name, uint32_t *id)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; name[i]; i++) {
		if (i >= 9 || name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(name[i] - '0');
	}
	if (i != 9 || !v)
		return false;
	*id = v;
	return true;
}
