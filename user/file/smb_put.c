/*
 * One file into the destination directory: pick the final name (refuse or
 * suffix), write a hidden temporary file created exclusively, rename it
 * once complete. A failure removes the temporary file when the server
 * still answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <libsmbclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errcodes.h"
#include "smb_priv.h"

/* One SMB write per block; cancel and progress are looked at in between. */
#define BLOCK (1024 * 1024)
#define SUFFIX_MAX 999
#define TEMP_TRIES 8
#define URL_MAX 4096

static void trace(const struct smb_put *p, const char *what, const char *a, const char *b)
{
	char line[768];

	if (!p->o->trace)
		return;
	snprintf(line, sizeof(line), "%s %s%s%s", what, a, b ? " as " : "", b ? b : "");
	p->o->trace(p->o->trace_arg, line);
}

static int file_url(const struct smb_put *p, char *out, const char *name)
{
	return smb_url_file(out, URL_MAX, p->dir_url, name);
}

static unsigned int fail(struct smb_put *p, struct irs_smb_file *f, enum smb_stage stage, int err,
			 const char *what)
{
	p->err = err;
	f->code = smb_errcode(stage, err, 1);
	snprintf(p->why, sizeof(p->why), "%s: %s", what, strerror(err));
	return f->code;
}

/* Is name taken in the directory? 0 free, 1 taken, -errno. */
static int taken(struct smb_put *p, const char *name)
{
	SMBCCTX *c = p->ctx;
	char url[URL_MAX];
	struct stat st;

	if (file_url(p, url, name))
		return -ENAMETOOLONG;
	if (smbc_getFunctionStat(c)(c, url, &st) == 0)
		return 1;
	return errno == ENOENT ? 0 : -(errno ? errno : EIO);
}

/* The name to store under, by the policy: 0 (f->stored set), or the failure code. */
static unsigned int pick_name(struct smb_put *p, struct irs_smb_file *f)
{
	char cand[IRS_SMB_NAME_MAX];
	unsigned int n;
	int t = taken(p, f->name);

	if (t < 0)
		return fail(p, f, SMB_STAGE_LOOKUP, -t, f->name);
	if (!t) {
		snprintf(f->stored, sizeof(f->stored), "%s", f->name);
		return 0;
	}
	if (p->o->exists == IRS_SMB_EXISTS_REFUSE) {
		p->err = EEXIST;
		f->code = IRS_E_SERVER;
		snprintf(p->why, sizeof(p->why), "%s exists already and is not replaced", f->name);
		return f->code;
	}
	for (n = 2; n <= SUFFIX_MAX; n++) {
		if (smb_suffix_name(cand, sizeof(cand), f->name, n)) {
			p->err = ENAMETOOLONG;
			break;
		}
		t = taken(p, cand);
		if (t < 0)
			return fail(p, f, SMB_STAGE_LOOKUP, -t, cand);
		if (!t) {
			snprintf(f->stored, sizeof(f->stored), "%s", cand);
			return 0;
		}
	}
	f->code = IRS_E_SERVER;
	snprintf(p->why, sizeof(p->why), "%s exists, and so do its numbered names up to (%u)",
		 f->name, n - 1);
	return f->code;
}

/* Copy the local file to the open remote one: 0, or the failure code. */
static unsigned int copy(struct smb_put *p, struct irs_smb_file *f, int fd, SMBCFILE *rf,
			 unsigned long long total)
{
	SMBCCTX *c = p->ctx;
	char *buf = malloc(BLOCK);
	unsigned long long done = 0;
	unsigned int code = 0;

	if (!buf)
		return fail(p, f, SMB_STAGE_WRITE, ENOMEM, "buffer");
	for (;;) {
		ssize_t n = read(fd, buf, BLOCK), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* Our own disk, not the server: no catalogue code fits better. */
			code = fail(p, f, SMB_STAGE_WRITE, errno, f->path);
			f->code = code = IRS_E_SERVER;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n; off += w) {
			w = smbc_getFunctionWrite(c)(c, rf, buf + off, (size_t)(n - off));
			if (w <= 0) {
				code = fail(p, f, SMB_STAGE_WRITE, w < 0 ? errno : EIO,
					    "writing the temporary file");
				goto out;
			}
		}
		done += (unsigned long long)n;
		p->bytes += (unsigned long long)n;
		if (p->o->progress)
			p->o->progress(p->o->progress_arg, p->index, done, total);
		if (p->o->cancelled && p->o->cancelled(p->o->cancel_arg)) {
			p->err = ECANCELED;
			f->code = code = IRS_E_CANCELLED;
			snprintf(p->why, sizeof(p->why), "cancelled after %llu of %llu bytes", done,
				 total);
			break;
		}
	}
out:
	free(buf);
	return code;
}

/* Create the temporary file exclusively: the open file, or NULL with the failure in f. */
static SMBCFILE *create_temp(struct smb_put *p, struct irs_smb_file *f, char *url, char *tmp,
			     size_t tmplen)
{
	SMBCCTX *c = p->ctx;

	for (int i = 0; i < TEMP_TRIES; i++) {
		SMBCFILE *rf;

		if (smb_temp_name(tmp, tmplen, f->name) || file_url(p, url, tmp)) {
			fail(p, f, SMB_STAGE_CREATE, ENAMETOOLONG, f->name);
			return NULL;
		}
		rf = smbc_getFunctionOpen(c)(c, url, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (rf)
			return rf;
		if (errno != EEXIST) {
			fail(p, f, SMB_STAGE_CREATE, errno ? errno : EIO,
			     "creating the temporary file");
			return NULL;
		}
	}
	fail(p, f, SMB_STAGE_CREATE, EEXIST, "creating the temporary file");
	return NULL;
}

/* Rename tmp to f->stored, looking again right before: 0, or the failure code. */
static unsigned int finish(struct smb_put *p, struct irs_smb_file *f, const char *tmp_url)
{
	SMBCCTX *c = p->ctx;
	char url[URL_MAX];
	unsigned int code;

	/* Someone may have taken the name while we wrote: the policy again. */
	code = pick_name(p, f);
	if (code)
		return code;
	if (file_url(p, url, f->stored))
		return fail(p, f, SMB_STAGE_RENAME, ENAMETOOLONG, f->stored);
	if (smbc_getFunctionRename(c)(c, tmp_url, c, url))
		return fail(p, f, SMB_STAGE_RENAME, errno ? errno : EIO,
			    "renaming to the final name");
	return 0;
}

unsigned int smb_put_file(struct smb_put *p, struct irs_smb_file *f)
{
	SMBCCTX *c = p->ctx;
	char tmp[IRS_SMB_NAME_MAX + 32], tmp_url[URL_MAX];
	SMBCFILE *rf;
	struct stat st;
	unsigned int code;
	int fd;

	f->code = 0;
	f->stored[0] = '\0';
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fail(p, f, SMB_STAGE_WRITE, errno, f->path);
		if (fd >= 0)
			close(fd);
		/* A document of ours that is gone: the job's problem, not the server's. */
		return f->code = IRS_E_SERVER;
	}
	/* Refuse before sending megabytes, when the name is taken already. */
	code = pick_name(p, f);
	if (code) {
		close(fd);
		f->stored[0] = '\0';
		return code;
	}
	rf = create_temp(p, f, tmp_url, tmp, sizeof(tmp));
	if (!rf) {
		close(fd);
		f->stored[0] = '\0';
		return f->code;
	}
	trace(p, "writing", f->name, tmp);
	code = copy(p, f, fd, rf, (unsigned long long)st.st_size);
	close(fd);
	/* The close ends the write on the server: its failure is the write's. */
	if (smbc_getFunctionClose(c)(c, rf) && !code)
		code = fail(p, f, SMB_STAGE_WRITE, errno ? errno : EIO,
			    "closing the temporary file");
	if (!code)
		code = finish(p, f, tmp_url);
	if (code) {
		f->stored[0] = '\0';
		/* Best effort: after a lost connection this reconnects, or fails. */
		if (smbc_getFunctionUnlink(c)(c, tmp_url) == 0)
			trace(p, "removed", tmp, NULL);
		return f->code = code;
	}
	trace(p, "stored", f->name, f->stored);
	return f->code = IRS_E_SENT;
}
