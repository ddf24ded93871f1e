/* irs_smb_send(): check the request, probe the server, connect, store each file. */
#include <errno.h>
#include <libsmbclient.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "errcodes.h"
#include "smb_priv.h"

/* libsmbclient's auth callback buffers (fstring). */
#define AUTH_FIELD_MAX 255

/* \\host\share[\dir] for messages, as an operator writes it. */
static const char *unc(const struct smb_dest *d, char *buf, size_t size)
{
	snprintf(buf, size, "\\\\%s\\%s%s%s", d->host, d->share, d->dir[0] ? "\\" : "", d->dir);
	for (char *p = buf; *p; p++)
		if (*p == '/')
			*p = '\\';
	return buf;
}

static unsigned int result(struct irs_smb_result *res, unsigned int code, int err, const char *fmt,
			   ...) __attribute__((format(printf, 4, 5)));

static unsigned int result(struct irs_smb_result *res, unsigned int code, int err, const char *fmt,
			   ...)
{
	va_list ap;

	res->code = code;
	res->err = err;
	res->temporary = code == IRS_E_NO_RESPONSE || code == IRS_E_DNS ||
			 (code == IRS_E_SERVER && smb_err_temporary(err));
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
	return code;
}

static void trace(const struct irs_smb_opts *o, const char *line)
{
	if (o->trace)
		o->trace(o->trace_arg, line);
}

/* Everything that can be refused without the network: 0 or the code. */
static unsigned int check_request(const struct irs_smb_opts *o, struct irs_smb_file *files,
				  size_t n, struct smb_dest *d, struct smb_user *u,
				  struct irs_smb_result *res)
{
	if (smb_dest_parse(o->dest, d))
		return result(res, IRS_E_NO_DIRECTORY, EINVAL,
			      "destination \"%s\" is not \\\\server\\share[\\folder...]",
			      o->dest ? o->dest : "");
	/* The user name may be shown; the password never is. */
	if (smb_user_parse(o->user, u) || strlen(u->name) > AUTH_FIELD_MAX ||
	    strlen(u->domain) > AUTH_FIELD_MAX)
		return result(res, IRS_E_BAD_ADDRESS, EINVAL, "user name \"%.64s\" is not usable",
			      o->user);
	if (o->password && strlen(o->password) > AUTH_FIELD_MAX)
		return result(res, IRS_E_BAD_ADDRESS, EINVAL,
			      "password longer than %d bytes: libsmbclient would cut it",
			      AUTH_FIELD_MAX);
	for (size_t i = 0; i < n; i++)
		if (!smb_name_valid(files[i].name))
			return result(res, IRS_E_SERVER, EINVAL,
				      "file name \"%.100s\" cannot be stored over SMB",
				      files[i].name ? files[i].name : "");
	return 0;
}

/* What the server speaks, checked against what we require: 0 or the code. */
static unsigned int check_server(const struct irs_smb_opts *o, const struct smb_dest *d,
				 struct smb_probe *pr, struct irs_smb_result *res)
{
	unsigned int port = o->port ? o->port : 445;
	int timeout = o->timeout_ms > 0 ? o->timeout_ms : 20000;
	unsigned int code = smb_probe(d->host, port, timeout, o->cancelled, o->cancel_arg, pr);
	char line[512];

	if (code == IRS_E_CANCELLED)
		return result(res, code, ECANCELED, "cancelled while connecting to %s", d->host);
	if (code)
		return result(res, code, code == IRS_E_DNS ? 0 : ECONNREFUSED, "%s", pr->why);
	if (!pr->dialect)
		return result(res, IRS_E_SERVER, EPROTONOSUPPORT,
			      "%s speaks no SMB 2 or 3 (SMB1 is never used)", d->host);
	snprintf(line, sizeof(line), "%s (%s): SMB %s, encryption %s", d->host, pr->addr,
		 smb_dialect_name(pr->dialect), smb_cipher_name(pr->cipher));
	trace(o, line);
	if (o->encrypt && !pr->cipher)
		return result(res, IRS_E_SERVER, EPROTONOSUPPORT,
			      "SMB3 encryption is required by the setting, but %s cannot encrypt "
			      "(SMB %s)",
			      d->host, smb_dialect_name(pr->dialect));
	return 0;
}

/* Log in and check the directory: 0 or the code. */
static unsigned int open_dir(struct smb_session *s, const struct smb_dest *d, const char *url,
			     struct irs_smb_result *res)
{
	SMBCCTX *c = smb_session_ctx(s);
	struct stat st;
	unsigned int code;
	char where[1600];

	unc(d, where, sizeof(where));
	smb_session_mark(s);
	if (smbc_getFunctionStat(c)(c, url, &st)) {
		int err = errno ? errno : EIO;

		code = smb_errcode(SMB_STAGE_CONNECT, err, smb_session_login_ok(s));
		if (code == IRS_E_BAD_ADDRESS)
			return result(res, code, err, "%s refused the user name or password",
				      d->host);
		if (code == IRS_E_NO_DIRECTORY)
			return result(res, code, err, "no folder %s on the server", where);
		if (code == IRS_E_NO_PERMISSION)
			return result(res, code, err, "%s: the user may not use this share", where);
		if (code == IRS_E_SERVER && err == EINVAL)
			return result(res, code, err,
				      "%s refused the share %s (too many connections?): %s",
				      d->host, d->share, strerror(err));
		return result(res, code, err, "%s: %s", where, strerror(err));
	}
	if (!S_ISDIR(st.st_mode))
		return result(res, IRS_E_NO_DIRECTORY, ENOTDIR, "%s is not a folder", where);
	smb_session_connected(s);
	return 0;
}

unsigned int irs_smb_send(const struct irs_smb_opts *o, struct irs_smb_file *files, size_t n,
			  struct irs_smb_result *res)
{
	struct smb_dest d;
	struct smb_user u;
	struct smb_probe pr;
	struct smb_session *s = NULL;
	struct smb_auth auth;
	char dir_url[4096], why[256], where[1600];
	unsigned int code;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		files[i].code = 0;
		files[i].stored[0] = '\0';
	}
	code = check_request(o, files, n, &d, &u, res);
	if (!code)
		code = check_server(o, &d, &pr, res);
	if (code)
		return code;
	if (smb_url(dir_url, sizeof(dir_url), pr.addr, &d))
		return result(res, IRS_E_NO_DIRECTORY, ENAMETOOLONG, "destination path too long");
	auth = (struct smb_auth){ .domain = u.domain,
				  .user = u.name,
				  .password = o->password ? o->password : "" };
	code = smb_session_begin(&s, o, &auth, why, sizeof(why));
	if (code)
		return result(res, code, code == IRS_E_CANCELLED ? ECANCELED : 0, "%s", why);
	code = open_dir(s, &d, dir_url, res);
	for (size_t i = 0; !code && i < n; i++) {
		struct smb_put p = {
			.ctx = smb_session_ctx(s), .o = o, .dir_url = dir_url, .index = i
		};

		code = smb_put_file(&p, &files[i]);
		res->bytes += p.bytes;
		if (code != IRS_E_SENT) {
			result(res, code, p.err, "%s: %s", unc(&d, where, sizeof(where)), p.why);
			break;
		}
		res->sent++;
		code = 0;
	}
	smb_session_end(s);
	if (!res->code)
		result(res, IRS_E_SENT, 0, "%zu file%s stored in %s", res->sent,
		       res->sent == 1 ? "" : "s", unc(&d, where, sizeof(where)));
	return res->code;
}
