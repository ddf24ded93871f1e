/*
 * irs_smb_tree: one session on a share's folder for many operations, built
 * from smb_send's pieces (smb_dest, smb_probe, smb_session, smb_errcode).
 */
#include <errno.h>
#include <fcntl.h>
#include <libsmbclient.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errcodes.h"
#include "smb_priv.h"
#include "smb_tree.h"

#define URL_MAX 4096
#define BLOCK (1024 * 1024)

struct irs_smb_tree {
	struct smb_session *s;
	SMBCCTX *c;
	const struct irs_smb_opts *o;
	struct smb_dest d;
	char addr[64];
	struct smb_user u;
	unsigned int code;
	char why[512];
};

static int set_err(struct irs_smb_tree *t, enum smb_stage stage, int err, const char *rel)
{
	t->code = smb_errcode(stage, err, 1);
	snprintf(t->why, sizeof(t->why), "\\\\%.60s\\%.60s\\%.200s%s%.100s: %.60s", t->d.host,
		 t->d.share, t->d.dir, t->d.dir[0] ? "\\" : "", rel, strerror(err));
	for (char *p = t->why; *p && *p != ':'; p++)
		if (*p == '/')
			*p = '\\';
	return -1;
}

/* smb://addr/share/dir/rel: the folder's URL with rel's '/' kept as separators. */
static int url_of(struct irs_smb_tree *t, const char *rel, char *out)
{
	struct smb_dest d = t->d;
	int n = snprintf(d.dir, sizeof(d.dir), "%s%s%s", t->d.dir, t->d.dir[0] ? "/" : "", rel);

	if (n < 0 || (size_t)n >= sizeof(d.dir) || smb_url(out, URL_MAX, t->addr, &d)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static unsigned int open_fail(struct irs_smb_result *res, unsigned int code, int err,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static unsigned int open_fail(struct irs_smb_result *res, unsigned int code, int err,
			      const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	res->err = err;
	res->temporary = code == IRS_E_NO_RESPONSE || code == IRS_E_DNS;
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
	return code;
}

/* The folder itself: the login happens here, so the codes are the connect stage's. */
static unsigned int check_folder(struct irs_smb_tree *t, struct irs_smb_result *res)
{
	char url[URL_MAX];
	struct stat st;
	unsigned int code;
	int err;

	if (smb_url(url, sizeof(url), t->addr, &t->d))
		return open_fail(res, IRS_E_NO_DIRECTORY, ENAMETOOLONG, "folder path too long");
	smb_session_mark(t->s);
	if (smbc_getFunctionStat(t->c)(t->c, url, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return open_fail(res, IRS_E_NO_DIRECTORY, ENOTDIR,
					 "\\\\%s\\%s\\%s is not a folder", t->d.host, t->d.share,
					 t->d.dir);
		smb_session_connected(t->s);
		return 0;
	}
	err = errno ? errno : EIO;
	code = smb_errcode(SMB_STAGE_CONNECT, err, smb_session_login_ok(t->s));
	if (code == IRS_E_BAD_ADDRESS)
		return open_fail(res, code, err, "%s refused the user name or password", t->d.host);
	if (code == IRS_E_NO_DIRECTORY)
		return open_fail(res, code, err, "no folder \\\\%s\\%s\\%s on the server",
				 t->d.host, t->d.share, t->d.dir);
	if (code == IRS_E_NO_PERMISSION)
		return open_fail(res, code, err, "\\\\%s\\%s: the user may not use this share",
				 t->d.host, t->d.share);
	return open_fail(res, code, err, "\\\\%s\\%s: %s", t->d.host, t->d.share, strerror(err));
}

unsigned int irs_smb_tree_open(const struct irs_smb_opts *o, struct irs_smb_tree **out,
			       struct irs_smb_result *res)
{
	struct irs_smb_tree *t;
	struct smb_probe pr;
	struct smb_auth auth;
	unsigned int code;
	char why[256];

	memset(res, 0, sizeof(*res));
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return open_fail(res, IRS_E_SERVER, ENOMEM, "out of memory");
	t->o = o;
	if (smb_dest_parse(o->dest, &t->d))
		code = open_fail(res, IRS_E_NO_DIRECTORY, EINVAL,
				 "\"%s\" is not \\\\server\\share[\\folder...]",
				 o->dest ? o->dest : "");
	else if (smb_user_parse(o->user, &t->u))
		code = open_fail(res, IRS_E_BAD_ADDRESS, EINVAL,
				 "user name \"%.64s\" is not usable", o->user);
	else
		code = smb_probe(t->d.host, o->port ? o->port : 445,
				 o->timeout_ms > 0 ? o->timeout_ms : 20000, o->cancelled,
				 o->cancel_arg, &pr);
	if (code && !res->code)
		open_fail(res, code, ECONNREFUSED, "%s", pr.why);
	if (!code && !pr.dialect)
		code = open_fail(res, IRS_E_SERVER, EPROTONOSUPPORT,
				 "%s speaks no SMB 2 or 3 (SMB1 is never used)", t->d.host);
	if (!code && o->encrypt && !pr.cipher)
		code = open_fail(res, IRS_E_SERVER, EPROTONOSUPPORT,
				 "SMB3 encryption is required by the setting, but %s cannot "
				 "encrypt",
				 t->d.host);
	if (code) {
		free(t);
		return code;
	}
	snprintf(t->addr, sizeof(t->addr), "%s", pr.addr);
	auth = (struct smb_auth){ .domain = t->u.domain,
				  .user = t->u.name,
				  .password = o->password ? o->password : "" };
	code = smb_session_begin(&t->s, o, &auth, why, sizeof(why));
	if (code) {
		free(t);
		return open_fail(res, code, 0, "%s", why);
	}
	t->c = smb_session_ctx(t->s);
	code = check_folder(t, res);
	if (code) {
		irs_smb_tree_close(t);
		return code;
	}
	*out = t;
	return 0;
}

void irs_smb_tree_close(struct irs_smb_tree *t)
{
	if (!t)
		return;
	smb_session_end(t->s);
	free(t);
}

unsigned int irs_smb_tree_error(const struct irs_smb_tree *t, const char **why)
{
	if (why)
		*why = t->why;
	return t->code;
}

int irs_smb_tree_exists(struct irs_smb_tree *t, const char *rel)
{
	char url[URL_MAX];
	struct stat st;

	if (url_of(t, rel, url))
		return set_err(t, SMB_STAGE_LOOKUP, errno, rel);
	if (smbc_getFunctionStat(t->c)(t->c, url, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return set_err(t, SMB_STAGE_LOOKUP, errno ? errno : EIO, rel);
}

int irs_smb_tree_mkdir(struct irs_smb_tree *t, const char *rel)
{
	char url[URL_MAX];

	if (url_of(t, rel, url))
		return set_err(t, SMB_STAGE_CREATE, errno, rel);
	if (smbc_getFunctionMkdir(t->c)(t->c, url, 0755))
		return set_err(t, SMB_STAGE_CREATE, errno ? errno : EIO, rel);
	return 0;
}

int irs_smb_tree_put(struct irs_smb_tree *t, const char *rel, int fd)
{
	char url[URL_MAX], *buf = NULL;
	SMBCFILE *f;
	int ret = -1;

	if (url_of(t, rel, url))
		return set_err(t, SMB_STAGE_CREATE, errno, rel);
	f = smbc_getFunctionOpen(t->c)(t->c, url, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (!f)
		return set_err(t, SMB_STAGE_CREATE, errno ? errno : EIO, rel);
	buf = malloc(BLOCK);
	if (!buf || lseek(fd, 0, SEEK_SET) < 0) {
		set_err(t, SMB_STAGE_WRITE, buf ? errno : ENOMEM, rel);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, BLOCK), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(t, SMB_STAGE_WRITE, errno, rel);
			t->code = IRS_E_SERVER; /* our disk: no better code */
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n; off += w) {
			w = smbc_getFunctionWrite(t->c)(t->c, f, buf + off, (size_t)(n - off));
			if (w <= 0) {
				set_err(t, SMB_STAGE_WRITE, w < 0 && errno ? errno : EIO, rel);
				goto out;
			}
		}
		if (t->o->cancelled && t->o->cancelled(t->o->cancel_arg)) {
			set_err(t, SMB_STAGE_WRITE, ECANCELED, rel);
			goto out;
		}
	}
	ret = 0;
out:
	free(buf);
	/* The close ends the write on the server: its failure is the write's. */
	if (smbc_getFunctionClose(t->c)(t->c, f) && ret == 0)
		ret = set_err(t, SMB_STAGE_WRITE, errno ? errno : EIO, rel);
	return ret;
}

int irs_smb_tree_get(struct irs_smb_tree *t, const char *rel, int fd)
{
	char url[URL_MAX], *buf;
	SMBCFILE *f;
	int ret = -1;

	if (url_of(t, rel, url))
		return set_err(t, SMB_STAGE_LOOKUP, errno, rel);
	f = smbc_getFunctionOpen(t->c)(t->c, url, O_RDONLY, 0);
	if (!f)
		return set_err(t, SMB_STAGE_LOOKUP, errno ? errno : EIO, rel);
	buf = malloc(BLOCK);
	if (!buf || lseek(fd, 0, SEEK_SET) < 0 || ftruncate(fd, 0)) {
		set_err(t, SMB_STAGE_LOOKUP, buf ? errno : ENOMEM, rel);
		goto out;
	}
	for (;;) {
		ssize_t n = smbc_getFunctionRead(t->c)(t->c, f, buf, BLOCK);

		if (n < 0) {
			set_err(t, SMB_STAGE_WRITE, errno ? errno : EIO, rel);
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0, w; off < n; off += w) {
			w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				set_err(t, SMB_STAGE_WRITE, errno, rel);
				t->code = IRS_E_SERVER;
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(buf);
	smbc_getFunctionClose(t->c)(t->c, f);
	return ret;
}

int irs_smb_tree_size(struct irs_smb_tree *t, const char *rel, uint64_t *size)
{
	char url[URL_MAX];
	struct stat st;

	if (url_of(t, rel, url))
		return set_err(t, SMB_STAGE_LOOKUP, errno, rel);
	if (smbc_getFunctionStat(t->c)(t->c, url, &st))
		return set_err(t, SMB_STAGE_LOOKUP, errno ? errno : EIO, rel);
	*size = (uint64_t)st.st_size;
	return 0;
}

int irs_smb_tree_rename(struct irs_smb_tree *t, const char *from, const char *to)
{
	char a[URL_MAX], b[URL_MAX];
	int r = irs_smb_tree_exists(t, to);

	if (r < 0)
		return -1;
	if (r)
		return set_err(t, SMB_STAGE_RENAME, EEXIST, to);
	if (url_of(t, from, a) || url_of(t, to, b))
		return set_err(t, SMB_STAGE_RENAME, errno, from);
	if (smbc_getFunctionRename(t->c)(t->c, a, t->c, b))
		return set_err(t, SMB_STAGE_RENAME, errno ? errno : EIO, from);
	return 0;
}
