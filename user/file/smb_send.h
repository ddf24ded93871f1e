/*
 * SMB file transmission (seed 1.2.1, errors of 4.3.4) over libsmbclient.
 *
 * One call sends one or more local files into one directory of one share,
 * over one connection: destination "\\server\share\dir\dir" (or
 * "//server/share/dir"), SMB2.02 at least and SMB3.11 at most, NTLMv2 only
 * (no LM, no NTLMv1, no Kerberos), the user as "user", "DOMAIN\user" or
 * "user@domain" (the UPN form, sent as such with no domain). The password
 * reaches libsmbclient through its auth callback only: never in a URL, a
 * result text or a trace line.
 *
 * Every file is written under a hidden temporary name in the destination
 * directory (".NAME.XXXXXX.irsend-tmp", created exclusively, so two senders
 * of the same NAME never share one) and renamed to NAME once all of it is
 * written: a reader of the directory never finds a partial NAME. A NAME
 * that exists already is never replaced: IRS_SMB_EXISTS_REFUSE stops with
 * #801, IRS_SMB_EXISTS_SUFFIX stores "NAME (2).pdf", "NAME (3).pdf", ...
 * (limit: 999). A failed or cancelled file loses its temporary file (when
 * the server is still there to delete it) and the files after it are not
 * sent; the files before it stay, complete.
 *
 * Limit of the rename: libsmbclient's smbc_rename() replaces an existing
 * target (on a name collision it deletes the target and renames again,
 * SMBC_rename_ctx), and SMB2's no-replace rename is not reachable through
 * its API. NAME is therefore looked up right before the rename: a file
 * that someone else creates under NAME within that one round trip is
 * replaced. Senders using this module pick different temporary names and
 * look up first, but the window remains.
 *
 * Before libsmbclient is involved the server name is resolved here
 * (getaddrinfo: #802 when it does not resolve) and its port tried with a
 * TCP connect bounded by opts.timeout_ms (#751): libsmbclient's own connect
 * waits 20 s and reports a failed resolution like a missing share. The
 * address found is what libsmbclient connects to, so it resolves nothing
 * itself (no NetBIOS broadcast, no name cache written). The resolution
 * itself lasts as long as the resolver's own timeouts (resolv.conf): it is
 * bounded neither by timeout_ms nor by the cancel callback.
 *
 * Results (struct irs_smb_result.code, section 4.3.4):
 *	#899  every file stored
 *	#751  server unreachable, connection refused or lost, no reply in time
 *	#802  the server name does not resolve
 *	#804  no such share or directory (or the path names a file)
 *	#806  user name or password refused
 *	#807  no write permission (read-only share, denied directory)
 *	#801  server-side failure: disk full, quota, sharing violation, too
 *	      many connections, NAME exists (refuse policy), SMB3 encryption
 *	      required by opts.encrypt but not offered, no common dialect
 *	#995  opts.cancelled said stop
 * text says what happened in a line for an operator (the server, share and
 * file involved; never the password).
 *
 * libsmbclient keeps its configuration in process-wide state (loadparm),
 * and the 4.17 one reloads ~/.smb/smb.conf, or else the system smb.conf,
 * every time a context is made. Each call makes its own context and loads
 * this module's fixed configuration into it before connecting (SMB 2.02
 * to 3.1.1, NTLMv2 only, no Kerberos, no NetBIOS): what the host's files
 * say changes nothing (details in smb_ctx.c). Calls are serialised with a
 * process-wide mutex: loadparm is not safe to use from several threads,
 * whatever the libsmbclient version; run sends in parallel in separate
 * processes if ever needed. A call waiting for another still honours its
 * cancel callback. libsmbclient's own log lines go to opts.trace (errors
 * only), never to stdout.
 *
 * Usage:
 *
 *	struct irs_smb_file f[] = { { .name = "scan 0001.pdf", .path = "/spool/12/doc.pdf" } };
 *	struct irs_smb_opts o = { .dest = "\\\\files\\scans\\2024", .user = "OFFICE\\scanner",
 *				  .password = pw, .exists = IRS_SMB_EXISTS_SUFFIX,
 *				  .timeout_ms = 20000 };
 *	struct irs_smb_result res;
 *	irs_smb_send(&o, f, 1, &res);   // res.code == IRS_E_SENT; f[0].stored: "scan 0001 (2).pdf"
 */
#ifndef IRSEND_FILE_SMB_SEND_H
#define IRSEND_FILE_SMB_SEND_H

#include <stddef.h>

enum irs_smb_exists {
	IRS_SMB_EXISTS_REFUSE, /* NAME exists: #801, nothing written */
	IRS_SMB_EXISTS_SUFFIX, /* NAME exists: "NAME (2).ext", (3), ... */
};

struct irs_smb_opts {
	const char *dest;     /* \\server\share[\dir...] or //server/share[/dir...] */
	unsigned int port;    /* 0: 445 */
	const char *user;     /* "user", "DOMAIN\user", "user@domain"; NULL or "": anonymous */
	const char *password; /* NULL: "" */
	int encrypt;	      /* require SMB3 encryption (else: only if the share demands it) */
	enum irs_smb_exists exists;
	int timeout_ms; /* connect and every SMB request; <= 0: 20000 */

	/* Optional: polled between blocks and while waiting; non-zero stops with #995. */
	int (*cancelled)(void *arg);
	void *cancel_arg;
	/* Optional: bytes of the current file written so far, of total. */
	void (*progress)(void *arg, size_t file, unsigned long long done, unsigned long long total);
	void *progress_arg;
	/* Optional: what happens, one line at a time; never a password. */
	void (*trace)(void *arg, const char *line);
	void *trace_arg;
};

#define IRS_SMB_NAME_MAX 256

struct irs_smb_file {
	const char *name; /* NAME at the destination: no '/', '\\', control characters, ':*?"<>|' */
	const char *path; /* the local file */
	/* Results: */
	unsigned int code;	       /* IRS_E_SENT, the failure, or 0: not tried */
	char stored[IRS_SMB_NAME_MAX]; /* the name it was stored under; "": none */
};

struct irs_smb_result {
	unsigned int code; /* IRS_E_SENT or the failure */
	int temporary;	   /* worth retrying unchanged (network, busy, full) */
	size_t sent;	   /* files stored */
	unsigned long long bytes;
	int err;	/* errno behind the failure, 0: none */
	char text[512]; /* what happened */
};

/* Send files[0..n-1]; fills res and each file's results; returns res->code. */
unsigned int irs_smb_send(const struct irs_smb_opts *opts, struct irs_smb_file *files, size_t n,
			  struct irs_smb_result *res);

#endif
