/* Internals shared by the ftp_*.c files. */
#ifndef IRSEND_FILE_FTP_PRIV_H
#define IRSEND_FILE_FTP_PRIV_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "conn.h"
#include "ftp_client.h"

/* Most lines and bytes one reply may have: a server that never ends a reply is a protocol error.
 */
#define FTP_REPLY_LINES_MAX 1000
#define FTP_REPLY_BYTES_MAX (256 * 1024)

struct ftp_tls_reuse;

struct irs_ftp {
	const struct irs_ftp_opts *o;
	struct irs_ftp_result *res;
	struct irs_conn *ctl;
	int broken; /* the control connection is unusable: no more commands */
	/* The control connection's peer: data connections go there, and only it may connect. */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_str[64]; /* numeric */
	struct irs_tls_ctx *tls;
	struct ftp_tls_reuse *reuse;
	int data_tls_conns, data_tls_resumed;
	int has_size, has_mlst; /* -1: unknown, 0: refused once, 1: answered */
	int reply;		/* the code of the last reply */
	/* The text of the last reply's last line (bounded, printable). */
	char last[512];
};

/* Record a failure in s->res (the first one wins); returns code. */
unsigned int ftp_fail(struct irs_ftp *s, unsigned int code, int temporary, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A failure from the last reply (its text is in res->text); temporary for 4xx. */
unsigned int ftp_fail_reply(struct irs_ftp *s, unsigned int code);

/* A conn.h status of the control connection as the failure (lost: #751). */
unsigned int ftp_fail_conn(struct irs_ftp *s, struct irs_conn *c, int status);

void ftp_trace(struct irs_ftp *s, char dir, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Send one command (CRLF added) and read its whole reply: 0 with s->reply
 * set (1xx included: the caller reads on), or the failure code. redact:
 * what the trace shows instead (NULL: the line itself).
 */
unsigned int ftp_cmd(struct irs_ftp *s, const char *redact, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read one whole reply (multi-line per RFC 959): 0 with s->reply set, or the failure. */
unsigned int ftp_read_reply(struct irs_ftp *s);

/* Like ftp_cmd, then read past 1xx replies (for commands without a data transfer). */
unsigned int ftp_cmd_final(struct irs_ftp *s, const char *redact, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One data connection: opened before the transfer command, ready after its 1xx. */
struct ftp_data {
	struct irs_conn *c;
	int listen_fd; /* active mode, until the server connects; -1 otherwise */
	int tls_fd;    /* c's socket under TLS (for ftp_data_finish); -1 otherwise */
};

/* EPSV/PASV (or EPRT/PORT): 0 with d set up, or the failure. */
unsigned int ftp_data_open(struct irs_ftp *s, struct ftp_data *d);

/* After the 1xx of the transfer command: accept (active) and TLS. 0 or the failure. */
unsigned int ftp_data_ready(struct irs_ftp *s, struct ftp_data *d);

/* Drop the data connection at once (failures, listings the server closed). */
void ftp_data_close(struct ftp_data *d);

/*
 * The end of an upload: TLS close_notify, our half of TCP closed, and the
 * server's bytes read until it closes (bounded wait). Under TLS 1.3 the
 * server sends session tickets on the data connection that nobody reads;
 * closing a socket with unread bytes makes Linux answer with a reset, and a
 * reset that overtakes the end of the upload makes the server drop it
 * ("426 Failure reading network stream" from vsftpd).
 */
void ftp_data_finish(struct irs_ftp *s, struct ftp_data *d);

/*
 * Parse "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)" (parentheses
 * optional, as some servers send it): 0 with addr (host order) and port.
 */
int ftp_parse_227(const char *text, unsigned long *addr, unsigned int *port);

/* Parse the text of "229 ... (|||port|)" (any delimiter in 33..126): 0 with port. */
int ftp_parse_229(const char *text, unsigned int *port);

/*
 * TLS session reuse for data connections: hooks on the context of one
 * send (t is that send's own). The control connection's session is kept;
 * every later handshake on t starts from it.
 */
struct ftp_tls_reuse *ftp_tls_reuse_new(struct irs_tls_ctx *t);
/* 1 when the last data handshake resumed the control session. */
int ftp_tls_reuse_last_resumed(const struct ftp_tls_reuse *r);
/* The socket of the last data handshake (conn.h does not show its own); -1: none. */
int ftp_tls_reuse_last_fd(const struct ftp_tls_reuse *r);
void ftp_tls_reuse_free(struct ftp_tls_reuse *r);

/* Does a file of this name exist in the current directory? 1, 0, or -code on failure. */
int ftp_exists(struct irs_ftp *s, const char *name);

#endif
