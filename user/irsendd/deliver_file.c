/*
 * File transmission (seed 1.2.1), run in a delivery thread like e-mail:
 * every encoded file of the job to an SMB or FTP folder with the settings
 * of the moment (smb.encrypt, ftp.tls, ftp.active_fallback, file.existing,
 * tls.*, net.timeout, FTPTXPN). A file arrives whole under its name or not
 * at all: the libraries write a temporary name and rename it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver_task.h"
#include "errcodes.h"
#include "file_dest.h"
#include "ftp_client.h"
#include "settings_store.h"
#include "smb_send.h"
#include "tls.h"

static int is_cancelled(void *arg)
{
	return atomic_load(&((struct deliver_task *)arg)->cancel);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void result(struct deliver_task *t, unsigned int code, bool temporary, const char *text)
{
	t->code = code;
	t->temporary = temporary;
	snprintf(t->reply, sizeof(t->reply), "%.*s", (int)sizeof(t->reply) - 1, text);
}

static void deliver_smb(struct deliver_task *t, const struct settings_store *u)
{
	struct irs_smb_opts o = {
		.dest = t->target.addrs,
		.port = (unsigned int)settings_store_get_int(u, "smb.port"),
		.user = t->target.user,
		.password = t->target.password,
		.encrypt = settings_store_get_bool(u, "smb.encrypt"),
		.exists = strcmp(settings_store_get(u, "file.existing"), "suffix") == 0
				  ? IRS_SMB_EXISTS_SUFFIX
				  : IRS_SMB_EXISTS_REFUSE,
		.timeout_ms = (int)settings_store_get_int(u, "net.timeout") * 1000,
		.cancelled = is_cancelled,
		.cancel_arg = t,
	};
	struct irs_smb_file *files = calloc(t->nfiles ? t->nfiles : 1, sizeof(*files));
	struct irs_smb_result res = { 0 };

	if (!files) {
		result(t, IRS_E_WORK_AREA_FULL, true, "out of memory");
		return;
	}
	for (unsigned int i = 0; i < t->nfiles; i++) {
		files[i].path = t->files[i].path;
		files[i].name = base_name(t->files[i].path);
	}
	irs_smb_send(&o, files, t->nfiles, &res);
	result(t, res.code, res.temporary, res.text);
	free(files);
}

static void deliver_ftp(struct deliver_task *t, const struct settings_store *u,
			const struct settings_store *s)
{
	struct irs_ftp_opts o = IRS_FTP_OPTS_INIT;
	struct irs_ftp_result res = { 0 };
	struct ftp_dest dest;
	const char *ca = settings_store_get(u, "tls.ca_file"),
		   *pin = settings_store_get(u, "tls.pin_sha256");
	char err[200];

	if (ftp_dest_parse(t->target.addrs, &dest, err, sizeof(err)) < 0) {
		result(t, IRS_E_NO_DIRECTORY, false, err);
		return;
	}
	o.host = dest.host;
	o.port = dest.port ? dest.port : (unsigned int)settings_store_get_int(s, "FTPTXPN");
	o.timeout_ms = (int)settings_store_get_int(u, "net.timeout") * 1000;
	o.user = t->target.user;
	o.password = t->target.password;
	o.tls = settings_store_get_bool(u, "ftp.tls") ? IRS_FTP_TLS_EXPLICIT : IRS_FTP_TLS_OFF;
	o.tls_opts.verify = settings_store_get_bool(u, "tls.verify");
	o.tls_opts.min_version = irs_tls_version_parse(settings_store_get(u, "tls.min_version"));
	o.tls_opts.ca_file = *ca ? ca : NULL;
	o.tls_opts.pin_sha256 = *pin ? pin : NULL;
	o.active_fallback = settings_store_get_bool(u, "ftp.active_fallback");
	o.exists = strcmp(settings_store_get(u, "file.existing"), "suffix") == 0
			   ? IRS_FTP_EXISTS_SUFFIX
			   : IRS_FTP_EXISTS_REFUSE;
	o.cancelled = is_cancelled;
	o.cancel_arg = t;
	res.code = IRS_E_SENT;
	/* One session per file: FTP has no transaction for several. */
	for (unsigned int i = 0; i < t->nfiles && res.code == IRS_E_SENT; i++) {
		int fd = open(t->files[i].path, O_RDONLY | O_CLOEXEC);
		struct stat sb;
		struct irs_ftp_file f = { .dir = dest.dir, .name = base_name(t->files[i].path) };

		if (fd < 0 || fstat(fd, &sb) < 0) {
			snprintf(err, sizeof(err), "%s: %s", f.name, strerror(errno));
			if (fd >= 0)
				close(fd);
			result(t, IRS_E_WORK_AREA_FULL, false, err);
			return;
		}
		f.size = (long long)sb.st_size;
		f.read = irs_ftp_fd_reader;
		f.read_arg = &fd;
		irs_ftp_send(&o, &f, &res);
		close(fd);
	}
	result(t, res.code, res.temporary,
	       res.code == IRS_E_SENT && !*res.text ? "sent" : res.text);
}

void deliver_file(struct deliver_task *t)
{
	struct settings_store *u = settings_store_snapshot(SETTING_USER, t->user_settings);
	struct settings_store *s = settings_store_snapshot(SETTING_SERVICE, t->service_settings);

	if (!u || !s)
		result(t, IRS_E_WORK_AREA_FULL, true, "out of memory");
	else if (!t->nfiles)
		result(t, IRS_E_WORK_AREA_FULL, false, "no file to send");
	else if (t->target.type == JOB_DEST_SMB)
		deliver_smb(t, u);
	else
		deliver_ftp(t, u, s);
	settings_store_free(u);
	settings_store_free(s);
}
