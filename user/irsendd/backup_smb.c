/* The backup folder on SMB as a bk_io (box_backup.h), from the backup.* settings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup_agent.h"
#include "backup_smb.h"
#include "errcodes.h"
#include "settings_store.h"
#include "smb_tree.h"

struct smb_io {
	struct bk_io io;
	struct irs_smb_tree *t;
	struct irs_smb_opts o;
	char dest[600], user[160], password[160];
};

static int failed(struct smb_io *s)
{
	const char *why;

	s->io.code = irs_smb_tree_error(s->t, &why);
	snprintf(s->io.why, sizeof(s->io.why), "%s", why);
	return -1;
}

static int x_exists(struct bk_io *io, const char *rel)
{
	struct smb_io *s = (struct smb_io *)io;
	int r = irs_smb_tree_exists(s->t, rel);

	return r < 0 ? failed(s) : r;
}

#define OP(name, call)                                                                             \
	static int name                                                                            \
	{                                                                                          \
		struct smb_io *s = (struct smb_io *)io;                                            \
		return call ? failed(s) : 0;                                                       \
	}

OP(x_mkdir(struct bk_io *io, const char *rel), irs_smb_tree_mkdir(s->t, rel))
OP(x_put(struct bk_io *io, const char *rel, int fd), irs_smb_tree_put(s->t, rel, fd))
OP(x_get(struct bk_io *io, const char *rel, int fd), irs_smb_tree_get(s->t, rel, fd))
OP(x_size(struct bk_io *io, const char *rel, uint64_t *size), irs_smb_tree_size(s->t, rel, size))
OP(x_rename(struct bk_io *io, const char *a, const char *b), irs_smb_tree_rename(s->t, a, b))

static const struct bk_io_ops smb_ops = {
	.exists = x_exists,
	.mkdir = x_mkdir,
	.put = x_put,
	.get = x_get,
	.size = x_size,
	.rename = x_rename,
};

int backup_settings_check(const struct settings_store *u, char *err, size_t errlen)
{
	static const char *const need[] = { "backup.server", "backup.user", "backup.password" };

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!settings_store_get(u, need[i])[0]) {
			snprintf(err, errlen, "%s is not set (the backup destination settings)",
				 need[i]);
			return -1;
		}
	return 0;
}

struct bk_io *backup_smb_open(const struct settings_store *u, int (*cancelled)(void *), void *arg,
			      unsigned int *code, char *why, size_t whylen)
{
	struct smb_io *s = calloc(1, sizeof(*s));
	const char *path = settings_store_get(u, "backup.path");
	struct irs_smb_result res;

	*code = IRS_E_SERVER;
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (backup_settings_check(u, why, whylen)) {
		*code = IRS_E_NO_DIRECTORY;
		free(s);
		return NULL;
	}
	snprintf(s->dest, sizeof(s->dest), "%s%s%s", settings_store_get(u, "backup.server"),
		 path[0] && path[0] != '\\' && path[0] != '/' ? "\\" : "", path);
	snprintf(s->user, sizeof(s->user), "%s", settings_store_get(u, "backup.user"));
	snprintf(s->password, sizeof(s->password), "%s", settings_store_get(u, "backup.password"));
	s->o = (struct irs_smb_opts){
		.dest = s->dest,
		.port = (unsigned int)settings_store_get_int(u, "smb.port"),
		.user = s->user,
		.password = s->password,
		.encrypt = settings_store_get_bool(u, "smb.encrypt"),
		.timeout_ms = (int)settings_store_get_int(u, "net.timeout") * 1000,
		.cancelled = cancelled,
		.cancel_arg = arg,
	};
	*code = irs_smb_tree_open(&s->o, &s->t, &res);
	if (*code) {
		snprintf(why, whylen, "%s", res.text);
		explicit_bzero(s->password, sizeof(s->password));
		free(s);
		return NULL;
	}
	s->io.ops = &smb_ops;
	return &s->io;
}

void backup_smb_close(struct bk_io *io)
{
	struct smb_io *s = (struct smb_io *)io;

	if (!s)
		return;
	irs_smb_tree_close(s->t);
	explicit_bzero(s->password, sizeof(s->password));
	free(s);
}
