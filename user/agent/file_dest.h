/*
 * File server destinations as an operator writes them:
 *	SMB  \\server\share\dir\dir   (or //server/share/dir)
 *	FTP  ftp://host[:port][/dir/dir]  (host: a name, an IPv4 address or [IPv6])
 * Checked when a job is accepted, so that a typo is refused at once and
 * not after encoding; the delivery takes them apart again.
 */
#ifndef IRSEND_AGENT_FILE_DEST_H
#define IRSEND_AGENT_FILE_DEST_H

#include <stddef.h>

#define FILE_DEST_HOST_MAX 256
#define FILE_DEST_PATH_MAX 1024

struct ftp_dest {
	char host[FILE_DEST_HOST_MAX]; /* without the brackets of an IPv6 literal */
	unsigned int port;	       /* 0: not given (the caller's default, FTPTXPN) */
	char dir[FILE_DEST_PATH_MAX];  /* "" for the login directory; else as written, no "/" first
					*/
};

/* 0, or -1 with why in err. */
int smb_dest_check(const char *text, char *err, size_t errlen);
int ftp_dest_parse(const char *text, struct ftp_dest *out, char *err, size_t errlen);

#endif
