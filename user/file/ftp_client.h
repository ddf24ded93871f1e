/*
 * The FTP client of file transmission (seed 1.2.1, error table 4.3.5): our
 * own state machine over conn.h (deadlines, bounded lines), OpenSSL through
 * tls.h for explicit FTPS (RFC 4217).
 *
 * One send: connect to host:port (the port is the service value FTPTXPN;
 * the caller passes it), greeting, then with FTPS "AUTH TLS" and the
 * handshake before any credential, USER/PASS, "PBSZ 0" and "PROT P"; TYPE
 * I; CWD into dir (nothing is ever created: a missing directory is #804);
 * the final name chosen (an existing file of that name, found with SIZE,
 * MLST or NLST in that order of preference, is refused with #801 or gets a
 * "_N" suffix before the extension, as opts.exists says); STOR to a
 * temporary name ".irsend-XXXXXXXX.tmp", its size checked with SIZE when
 * the server knows SIZE, RNFR/RNTO to the final name, QUIT. A reader of
 * the directory never sees half a document under the final name; a failed
 * or cancelled send deletes its temporary file when the server still
 * listens.
 *
 * Data connections: EPSV, then PASV (IPv4 only). The address in a 227
 * reply is never trusted by default: it must be the control connection's
 * peer, or the send fails (a server that names another host would make us
 * a bounce/FXP relay); opts.pasv_address relaxes that. Active mode (EPRT,
 * then PORT) is used only with opts.active_fallback, when the server
 * refuses both passive commands or its passive port cannot be reached;
 * the incoming connection must come from the control peer. Under FTPS
 * every data connection is TLS too and resumes the control connection's
 * TLS session (vsftpd's require_ssl_reuse demands it: it proves that the
 * data connection comes from the client that logged in).
 *
 * Results: struct irs_ftp_result.code is IRS_E_SENT (#899) or one of:
 *	#751  server unreachable (connect refused or no answer), or the
 *	      control connection lost during the session
 *	#802  host name not resolved
 *	#804  CWD refused (missing directory, or no right to enter it)
 *	#806  USER/PASS refused (530 and other 5xx), or an ACCT (332) asked
 *	      for: accounts are not supported
 *	#807  STOR or RNTO refused with 550/553/532 (no write permission)
 *	#801  anything else the server does wrong: 452/552 (disk full), 421,
 *	      a refused TYPE or rename, malformed or overlong replies, a
 *	      deadline passed, an existing file under the refuse policy, a
 *	      data connection cut before the end, a size that does not match
 *	#841  FTPS: AUTH TLS, PBSZ or PROT refused, handshake or certificate
 *	      check failed (#842: the server wants a client certificate)
 *	#995  cancelled (opts.cancelled)
 * temporary is set for 4xx replies, deadlines and lost connections.
 * text holds the last server reply or our reason, printable, bounded, and
 * never the password (a reply that echoes it has it masked).
 *
 * Usage:
 *
 *	struct irs_ftp_opts o = IRS_FTP_OPTS_INIT;
 *	o.host = "files.example.com"; o.port = ftptxpn;
 *	o.user = "scan"; o.password = pw;
 *	o.tls = IRS_FTP_TLS_EXPLICIT; o.tls_opts.ca_file = "/var/lib/irsend/trust.pem";
 *	struct irs_ftp_file f = { .dir = "incoming/scans", .name = "doc0001.pdf",
 *				  .size = st.st_size, .read = irs_ftp_fd_reader, .read_arg = &fd };
 *	struct irs_ftp_result r;
 *	if (irs_ftp_send(&o, &f, &r) != IRS_E_SENT) ... r.code, r.text ...
 *	... r.final_name is the name the file got ...
 *
 * Thread safety: one send per call, no shared state; callbacks run on the
 * caller's thread.
 */
#ifndef IRSEND_FILE_FTP_CLIENT_H
#define IRSEND_FILE_FTP_CLIENT_H

#include <stddef.h>

#include "tls.h"

enum irs_ftp_tls {
	IRS_FTP_TLS_OFF,      /* plaintext: user name and password in the clear */
	IRS_FTP_TLS_EXPLICIT, /* AUTH TLS before USER, PROT P: or nothing is sent */
};

/* What to do when the file name exists already in the destination directory. */
enum irs_ftp_exists {
	IRS_FTP_EXISTS_REFUSE, /* #801, the existing file untouched */
	IRS_FTP_EXISTS_SUFFIX, /* "doc.pdf" -> "doc_1.pdf", "doc_2.pdf", ... (up to _999) */
};

/* Where a passive data connection goes, whatever address a 227 reply names. */
enum irs_ftp_pasv_address {
	IRS_FTP_PASV_STRICT,   /* the control peer; a 227 naming another host fails (#801) */
	IRS_FTP_PASV_USE_PEER, /* the control peer; the 227's address is ignored (servers behind
				  NAT that name their private address) */
	IRS_FTP_PASV_TRUST,    /* wherever the 227 says (site-to-site setups): unsafe */
};

struct irs_ftp_opts {
	const char *host;
	unsigned int port; /* FTPTXPN; 0: 21 */
	int timeout_ms;	   /* net.timeout: connect, handshake, every reply and data write */
	const char *user;  /* NULL or "": "anonymous" */
	const char *password;

	enum irs_ftp_tls tls;
	struct irs_tls_opts tls_opts; /* verify, ca_file, pin_sha256, ... (copied) */

	int no_epsv;	     /* go straight to PASV (servers that mishandle EPSV) */
	int active_fallback; /* EPRT/PORT when passive is refused or unreachable */
	enum irs_ftp_pasv_address pasv_address;
	enum irs_ftp_exists exists;

	/* Optional: checked during every wait and between data blocks; non-zero stops with #995. */
	int (*cancelled)(void *arg);
	void *cancel_arg;
	/* Optional: bytes of the file sent so far, after every block, and total (size or -1). */
	void (*progress)(void *arg, long long sent, long long total);
	void *progress_arg;
	/* Optional protocol trace: dir '>' sent, '<' received, '*' our notes; PASS is redacted. */
	void (*trace)(void *arg, char dir, const char *line);
	void *trace_arg;
};

#define IRS_FTP_OPTS_INIT                                                                          \
	{                                                                                          \
		.port = 21, .timeout_ms = 60000, .tls_opts = IRS_TLS_OPTS_INIT                     \
	}

/*
 * The file comes from read: up to len bytes into buf; the count, 0 at the
 * end, or a negative -N to abort with catalogue code N (-1: #801). Bytes go
 * out exactly as read (TYPE I).
 */
typedef long (*irs_ftp_reader)(void *arg, char *buf, size_t len);

/* A reader over an int file descriptor pointed to by arg. */
long irs_ftp_fd_reader(void *arg, char *buf, size_t len);

struct irs_ftp_file {
	const char *dir;  /* destination directory as the server names it; NULL or "": the login
			     directory */
	const char *name; /* final file name: no '/', no CR/LF */
	long long size;	  /* bytes, for progress and the size check; -1: unknown */
	irs_ftp_reader read;
	void *read_arg;
};

struct irs_ftp_result {
	unsigned int code;    /* IRS_E_SENT or the failure */
	int temporary;	      /* worth retrying unchanged */
	int reply;	      /* last reply code, 0: none */
	char text[512];	      /* last server reply or our reason */
	char final_name[256]; /* the name the file got (with a suffix perhaps); "" on failure */
	long long sent;	      /* bytes of the file written to the data connection */
	int tls;	      /* the control connection ran under TLS */
	int data_tls_resumed; /* every TLS data connection resumed the control session */
	char data_mode[8];    /* "EPSV", "PASV", "EPRT" or "PORT": the last data connection */
};

/* One whole send as described above; returns res->code. */
unsigned int irs_ftp_send(const struct irs_ftp_opts *opts, const struct irs_ftp_file *file,
			  struct irs_ftp_result *res);

#endif
