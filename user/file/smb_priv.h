/* Inside the SMB sender (smb_send.h): the pieces, each in a file of its own. */
#ifndef IRSEND_FILE_SMB_PRIV_H
#define IRSEND_FILE_SMB_PRIV_H

#include <stddef.h>

#include "smb_send.h"

/* smb_dest.c: destination, user name, file names, URLs. */

struct smb_dest {
	char host[256];
	char share[256];
	char dir[1024]; /* "a/b", '/'-separated, no leading or trailing '/'; "": the share's root */
};

/* "\\host\share\a\b", "//host/share/a/b/" (either separator, repeated ones ignored): 0 or -1. */
int smb_dest_parse(const char *in, struct smb_dest *d);

struct smb_user {
	char domain[256]; /* "" when none was given */
	char name[256];
};

/*
 * "user" (no domain), "DOMAIN\user", "user@domain" (split there: Samba
 * standalone servers refuse the UPN form in NTLM, Windows takes both):
 * 0, or -1 for an empty part or an over-long one. NULL or "": anonymous.
 */
int smb_user_parse(const char *in, struct smb_user *u);

/* 1 when name can be stored as it is on any SMB server (see irs_smb_file.name). */
int smb_name_valid(const char *name);

/*
 * smb://addr/share[/dir] (the port is set on the context), every part
 * percent-encoded: libsmbclient decodes them, and reads '?' as the start
 * of options. 0, or -1 when it does not fit.
 */
int smb_url(char *out, size_t size, const char *addr, const struct smb_dest *d);
/* dir_url/name, name percent-encoded: 0 or -1. */
int smb_url_file(char *out, size_t size, const char *dir_url, const char *name);

/* "NAME (n).ext" ("NAME (n)" without an extension, a leading dot is no extension): 0 or -1. */
int smb_suffix_name(char *out, size_t size, const char *name, unsigned int n);

/* ".NAME.XXXXXX.irsend-tmp" with six random characters: 0 or -1. */
int smb_temp_name(char *out, size_t size, const char *name);

/* smb_probe.c: name, reachability and what the server speaks, before libsmbclient. */

#define SMB_DIALECT_202 0x0202
#define SMB_DIALECT_210 0x0210
#define SMB_DIALECT_300 0x0300
#define SMB_DIALECT_302 0x0302
#define SMB_DIALECT_311 0x0311

struct smb_probe {
	char addr[64];	      /* the address that answered, bracketed for IPv6 */
	unsigned int dialect; /* what the server chose of SMB 2.02 ... 3.1.1; 0: no SMB2 */
	unsigned int cipher;  /* SMB3 cipher it would encrypt with; 0: it cannot encrypt */
	char why[256];	      /* when it failed */
};

/*
 * Resolve host (#802), connect to port within timeout_ms (#751), send an
 * SMB2 NEGOTIATE and read the answer (a server that speaks no SMB2 has
 * dialect 0). 0 (IRS_E_SENT is not used here), or the catalogue code with
 * p->why set; cancelled: #995.
 */
unsigned int smb_probe(const char *host, unsigned int port, int timeout_ms,
		       int (*cancelled)(void *), void *cancel_arg, struct smb_probe *p);

/* "3.1.1", "2.0.2", ... */
const char *smb_dialect_name(unsigned int dialect);
/* "AES-128-GCM", ... ; "none" for 0. */
const char *smb_cipher_name(unsigned int cipher);

/* smb_ctx.c: libsmbclient, one context per call, all calls serialised. */

struct smb_session;

struct smb_auth {
	const char *domain, *user, *password;
};

/*
 * Wait for the process-wide lock (polling cancelled), load this module's
 * configuration into libsmbclient if not done yet, and make a context.
 * 0, or the catalogue code with why set. The lock is held until
 * smb_session_end().
 */
unsigned int smb_session_begin(struct smb_session **out, const struct irs_smb_opts *o,
			       const struct smb_auth *auth, char *why, size_t whylen);
void smb_session_end(struct smb_session *s);

/* The libsmbclient context (an SMBCCTX *). */
void *smb_session_ctx(struct smb_session *s);

/*
 * libsmbclient's log of the connection phase: whether its session setup
 * (the login) was seen to succeed. Cleared by smb_session_mark().
 */
void smb_session_mark(struct smb_session *s);
int smb_session_login_ok(const struct smb_session *s);
/* Quieter logging once connected (the per-request lines are not wanted). */
void smb_session_connected(struct smb_session *s);

/* smb_errmap.c: errno after a libsmbclient call, by what was being done. */

enum smb_stage {
	SMB_STAGE_CONNECT, /* login, share, directory */
	SMB_STAGE_CREATE,  /* the temporary file */
	SMB_STAGE_WRITE,   /* its data, its close */
	SMB_STAGE_RENAME,  /* to the final name */
	SMB_STAGE_LOOKUP,  /* is the final name taken */
};

/* The catalogue code for err at stage (login_ok: the login was seen to succeed). */
unsigned int smb_errcode(enum smb_stage stage, int err, int login_ok);
/* Worth retrying unchanged later? */
int smb_err_temporary(int err);

/* smb_put.c: one file into the directory. */

struct smb_put {
	void *ctx; /* SMBCCTX * */
	const struct irs_smb_opts *o;
	const char *dir_url; /* smb://addr/share/dir, no trailing '/' */
	size_t index;	     /* of the file, for progress */
	/* Out: */
	unsigned long long bytes;
	int err;
	char why[384];
};

/* Store f (its code and stored name set); returns f->code. */
unsigned int smb_put_file(struct smb_put *p, struct irs_smb_file *f);

#endif
