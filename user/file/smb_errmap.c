/*
 * libsmbclient reports failures as errno values mapped from NT status
 * codes (map_errno_from_nt_status): what each means depends on what was
 * being done. Seen with Samba 4.17 as client and server:
 *	wrong password, unknown user            EACCES at connect, before the login succeeded
 *	tree connect refused (valid users)      EACCES at connect, after it
 *	no such share, no such directory        ENOENT at connect
 *	read-only share, denied directory       EACCES at create
 *	"max connections" reached               EINVAL at connect, after the login
 *	disk full                               ENOSPC at write
 *	server killed in a transfer             ECONNABORTED at write
 *	server frozen in a transfer             ETIMEDOUT at write (after opts.timeout_ms)
 */
#include <errno.h>

#include "errcodes.h"
#include "smb_priv.h"

static int is_network(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENETUNREACH:
	case ENETDOWN:
	case ENETRESET:
	case EPIPE:
	case ENOTCONN:
		return 1;
	}
	return 0;
}

unsigned int smb_errcode(enum smb_stage stage, int err, int login_ok)
{
	if (is_network(err))
		return IRS_E_NO_RESPONSE;
	switch (err) {
	case EACCES:
	case EPERM:
		if (stage == SMB_STAGE_CONNECT && !login_ok)
			return IRS_E_BAD_ADDRESS;
		return IRS_E_NO_PERMISSION;
	case EROFS:
		return IRS_E_NO_PERMISSION;
	case ENOENT:
	case ENOTDIR:
		if (stage == SMB_STAGE_CONNECT || stage == SMB_STAGE_CREATE)
			return IRS_E_NO_DIRECTORY;
		return IRS_E_SERVER;
	case ECANCELED:
		return IRS_E_CANCELLED;
	}
	/* Disk full, quota, sharing violation, too many connections, anything else. */
	return IRS_E_SERVER;
}

int smb_err_temporary(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EBUSY:
	case ETXTBSY:
	case EAGAIN:
	case ENOMEM:
	case EIO:
	case EINVAL: /* what a full "max connections" share looks like */
		return 1;
	}
	return is_network(err);
}
