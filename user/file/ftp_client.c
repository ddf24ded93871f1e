// SPDX-License-Identifier: GPL-2.0
/*
 * The FTP send: connection, greeting, FTPS, login, directory, final name,
 * STOR to a temporary name, size check, rename, QUIT. Replies are read in
 * ftp_reply.c, data connections made in ftp_data.c.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "ftp_priv.h"

#define BLOCK (64 * 1024)
/* "_1" ... "_999" before the extension. */
#define SUFFIX_MAX 999
/* How long the courtesy commands after a failure (DELE, QUIT) may take at most. */
#define CLEANUP_MS 3000

long irs_ftp_fd_reader(void *arg, char *buf, size_t len)
{
	int fd = *(int *)arg;

	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0)
			return (long)n;
		if (errno != EINTR)
			return -IRS_E_SERVER;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect to the first address of host that answers, remembering which one it was. */
static unsigned int ctl_open(struct irs_ftp *s)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	long long deadline = now_ms() + s->o->timeout_ms;
	char port[16], why[256] = "no address";
	unsigned int p = s->o->port ? s->o->port : 21;
	int rc;

	snprintf(port, sizeof(port), "%u", p);
	/*
	 * Resolved here rather than by irs_conn_open() so that the address that
	 * answered is known: data connections go to it and come only from it.
	 */
	rc = getaddrinfo(s->o->host, port, &hints, &res);
	if (rc)
		return ftp_fail(s, IRS_E_DNS, 1, "cannot resolve %s: %s", s->o->host,
				rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	for (struct addrinfo *ai = res; ai && !s->ctl; ai = ai->ai_next) {
		long long left = deadline - now_ms();
		struct irs_conn *c;

		if (left <= 0 || ai->ai_addrlen > sizeof(s->peer))
			break;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, s->peer_str, sizeof(s->peer_str), NULL,
				0, NI_NUMERICHOST))
			continue;
		rc = irs_conn_open(&c, s->peer_str, p, (int)left);
		if (rc) {
			snprintf(why, sizeof(why), "%s", irs_conn_error(c));
			irs_conn_close(c);
			continue;
		}
		s->ctl = c;
		memcpy(&s->peer, ai->ai_addr, ai->ai_addrlen);
		s->peer_len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (!s->ctl)
		return ftp_fail(s, IRS_E_NO_RESPONSE, 1, "%s", why);
	irs_conn_set_cancel(s->ctl, s->o->cancelled, s->o->cancel_arg);
	return 0;
}

static unsigned int greeting(struct irs_ftp *s)
{
	unsigned int r = ftp_read_reply(s);

	/* "120 ready in nnn minutes" comes before the real greeting. */
	for (int i = 0; !r && s->reply < 200 && i < 10; i++)
		r = ftp_read_reply(s);
	if (r)
		return r;
	return s->reply == 220 ? 0 : ftp_fail_reply(s, IRS_E_SERVER);
}

static unsigned int start_tls(struct irs_ftp *s)
{
	unsigned int r = ftp_cmd_final(s, NULL, "AUTH TLS");
	int rc;

	if (r)
		return r;
	/* Refused: nothing else is sent, the credentials least of all. */
	if (s->reply != 234)
		return ftp_fail(s, IRS_E_TLS_HANDSHAKE, s->reply / 100 == 4,
				"the server refused AUTH TLS: %d %s", s->reply, s->last);
	rc = irs_conn_starttls(s->ctl, s->tls, s->o->host);
	if (rc)
		return ftp_fail_conn(s, s->ctl, rc);
	s->res->tls = 1;
	return 0;
}

/* A login reply: 0 for 230/202, otherwise the failure (332: we have no account to give). */
static unsigned int login_refused(struct irs_ftp *s)
{
	if (s->reply == 332)
		return ftp_fail(s, IRS_E_BAD_ADDRESS, 0,
				"the server asks for an account (ACCT), which is not supported: %d "
				"%s",
				s->reply, s->last);
	if (s->reply == 421 || s->reply / 100 == 4)
		return ftp_fail_reply(s, IRS_E_SERVER);
	return ftp_fail_reply(s, IRS_E_BAD_ADDRESS);
}

static unsigned int login(struct irs_ftp *s)
{
	const char *user = s->o->user && *s->o->user ? s->o->user : "anonymous";
	unsigned int r = ftp_cmd_final(s, NULL, "USER %s", user);

	if (r || s->reply == 230)
		return r;
	if (s->reply != 331)
		return login_refused(s);
	r = ftp_cmd_final(s, "PASS ****", "PASS %s", s->o->password ? s->o->password : "");
	if (r || s->reply == 230 || s->reply == 202)
		return r;
	return login_refused(s);
}

/* PBSZ 0 and PROT P (RFC 4217 9): data connections under TLS too, or no send. */
static unsigned int protect(struct irs_ftp *s)
{
	unsigned int r = ftp_cmd_final(s, NULL, "PBSZ 0");

	if (!r && s->reply / 100 == 2)
		r = ftp_cmd_final(s, NULL, "PROT P");
	if (r)
		return r;
	if (s->reply / 100 != 2)
		return ftp_fail(s, IRS_E_TLS_HANDSHAKE, s->reply / 100 == 4,
				"the server refused protected data connections: %d %s", s->reply,
				s->last);
	return 0;
}

/* "CMD arg" answered 2xx, or the failure: 4xx #801, 5xx code. */
static unsigned int simple(struct irs_ftp *s, unsigned int code, const char *cmd, const char *arg)
{
	unsigned int r = ftp_cmd_final(s, NULL, "%s %s", cmd, arg);

	if (r || s->reply / 100 == 2)
		return r;
	if (s->reply / 100 == 4)
		return ftp_fail_reply(s, IRS_E_SERVER);
	return ftp_fail_reply(s, code);
}

/* "doc.pdf", 3 -> "doc_3.pdf"; "README", 1 -> "README_1"; -1 when it does not fit. */
static int suffixed(const char *name, int n, char *out, size_t outlen)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	int w = snprintf(out, outlen, "%.*s_%d%s", (int)stem, name, n, name + stem);

	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

static unsigned int pick_name(struct irs_ftp *s, const char *name, char *out, size_t outlen)
{
	for (int n = 0; n <= SUFFIX_MAX; n++) {
		int e;

		if (n == 0)
			snprintf(out, outlen, "%s", name);
		else if (suffixed(name, n, out, outlen))
			break;
		e = ftp_exists(s, out);
		if (e < 0)
			return (unsigned int)-e;
		if (!e)
			return 0;
		if (s->o->exists == IRS_FTP_EXISTS_REFUSE)
			return ftp_fail(s, IRS_E_SERVER, 0,
					"a file named %s exists in the destination directory",
					name);
	}
	return ftp_fail(s, IRS_E_SERVER, 0, "no free name for %s (suffixes up to _%d taken)", name,
			SUFFIX_MAX);
}

/* The final reply of a refused or finished STOR, as a failure (0 for 226/250). */
static unsigned int stor_reply(struct irs_ftp *s)
{
	switch (s->reply) {
	case 226:
	case 250:
		return 0;
	case 532: /* an account is needed for storing */
	case 550:
	case 553:
		return ftp_fail_reply(s, IRS_E_NO_PERMISSION);
	case 522: /* vsftpd: TLS on the data connection refused (no session reuse) */
	case 534:
		return ftp_fail_reply(s, IRS_E_TLS_HANDSHAKE);
	default: /* 452/552 full, 426 aborted, 451 local error, 421 closing, ... */
		return ftp_fail_reply(s, IRS_E_SERVER);
	}
}

/*
 * The file into d after the 1xx: 0, or the failure. *cut is set when the
 * data connection failed under us (the server's reply tells why).
 */
static unsigned int stream(struct irs_ftp *s, const struct irs_ftp_file *f, struct ftp_data *d,
			   int *cut)
{
	char *buf = malloc(BLOCK);
	unsigned int r = 0;

	if (!buf)
		return ftp_fail(s, IRS_E_SERVER, 1, "out of memory");
	for (;;) {
		long n;
		int rc;

		if (s->o->cancelled && s->o->cancelled(s->o->cancel_arg)) {
			r = ftp_fail(s, IRS_E_CANCELLED, 0, "cancelled");
			break;
		}
		n = f->read(f->read_arg, buf, BLOCK);
		if (n < 0) {
			r = ftp_fail(s, n == -1 ? IRS_E_SERVER : (unsigned int)-n, 0,
				     "the document could not be read");
			break;
		}
		if (n == 0)
			break;
		rc = irs_conn_write(d->c, buf, (size_t)n);
		if (rc == IRS_CONN_CANCELLED) {
			r = ftp_fail(s, IRS_E_CANCELLED, 0, "cancelled");
			break;
		}
		if (rc) {
			ftp_trace(s, '*', "data connection: %s", irs_conn_error(d->c));
			*cut = 1;
			break;
		}
		s->res->sent += n;
		if (s->o->progress)
			s->o->progress(s->o->progress_arg, s->res->sent, f->size);
	}
	free(buf);
	return r;
}

/* STOR tmp with the whole file; *stored once the server may have made tmp. */
static unsigned int store(struct irs_ftp *s, const struct irs_ftp_file *f, const char *tmp,
			  int *stored)
{
	struct ftp_data d;
	unsigned int r = ftp_data_open(s, &d), sr;
	int cut = 0;

	if (r)
		goto out;
	r = ftp_cmd(s, NULL, "STOR %s", tmp);
	if (r)
		goto out;
	if (s->reply >= 200) {
		r = s->reply / 100 == 2 ? ftp_fail(s, IRS_E_SERVER, 1,
						   "STOR answered %d before any "
						   "data",
						   s->reply)
					: stor_reply(s);
		goto out;
	}
	*stored = 1;
	r = ftp_data_ready(s, &d);
	if (!r)
		r = stream(s, f, &d, &cut);
	/* The end of the file is the end of the data connection. */
	ftp_data_finish(s, &d);
	if (r == IRS_E_CANCELLED) {
		/* The reply to STOR is still to come; read it without the cancel check. */
		irs_conn_set_cancel(s->ctl, NULL, NULL);
		irs_conn_set_timeout(s->ctl, CLEANUP_MS);
	}
	sr = ftp_read_reply(s);
	for (int i = 0; !sr && s->reply < 200 && i < 10; i++)
		sr = ftp_read_reply(s);
	if (r)
		return r;
	if (sr)
		return sr;
	r = stor_reply(s);
	if (!r && cut)
		r = ftp_fail(s, IRS_E_SERVER, 1,
			     "the data connection broke after %lld bytes, yet the server said %d",
			     s->res->sent, s->reply);
	return r;
out:
	ftp_data_close(&d);
	return r;
}

/* With SIZE known to the server: what it stored is what we sent. */
static unsigned int check_size(struct irs_ftp *s, const char *tmp)
{
	unsigned int r;
	long long n;
	char *end;

	if (s->has_size != 1)
		return 0;
	r = ftp_cmd_final(s, NULL, "SIZE %s", tmp);
	if (r)
		return r;
	if (s->reply != 213)
		return 0;
	errno = 0;
	n = strtoll(s->last, &end, 10);
	if (end == s->last || errno || n != s->res->sent)
		return ftp_fail(s, IRS_E_SERVER, 1, "the server stored %.40s bytes of %lld",
				s->last, s->res->sent);
	return 0;
}

static unsigned int rename_to(struct irs_ftp *s, const char *tmp, const char *final)
{
	unsigned int r = ftp_cmd_final(s, NULL, "RNFR %s", tmp);

	if (r)
		return r;
	if (s->reply != 350)
		return ftp_fail_reply(s, IRS_E_SERVER);
	r = ftp_cmd_final(s, NULL, "RNTO %s", final);
	if (r || s->reply / 100 == 2)
		return r;
	return s->reply == 550 || s->reply == 553 ? ftp_fail_reply(s, IRS_E_NO_PERMISSION)
						  : ftp_fail_reply(s, IRS_E_SERVER);
}

/* Commands whose outcome must not change the result: DELE after a failure, QUIT. */
static void courtesy(struct irs_ftp *s, const char *cmd, const char *arg)
{
	struct irs_ftp_result keep = *s->res;

	if (s->broken || !s->ctl)
		return;
	irs_conn_set_cancel(s->ctl, NULL, NULL);
	irs_conn_set_timeout(s->ctl, CLEANUP_MS < s->o->timeout_ms ? CLEANUP_MS : s->o->timeout_ms);
	s->res->code = 0;
	if (arg)
		ftp_cmd_final(s, NULL, "%s %s", cmd, arg);
	else
		ftp_cmd_final(s, NULL, "%s", cmd);
	*s->res = keep;
}

static int valid_name(const char *n)
{
	return n && *n && !strpbrk(n, "/\r\n") && strcmp(n, ".") && strcmp(n, "..") &&
	       strlen(n) < sizeof(((struct irs_ftp_result *)0)->final_name) - 8;
}

static unsigned int session(struct irs_ftp *s, const struct irs_ftp_file *f, char *tmp, int *stored)
{
	char final[sizeof(s->res->final_name)];
	unsigned int r = ctl_open(s);

	if (!r)
		r = greeting(s);
	if (!r && s->tls)
		r = start_tls(s);
	if (!r)
		r = login(s);
	if (!r && s->tls)
		r = protect(s);
	if (!r)
		r = simple(s, IRS_E_SERVER, "TYPE", "I");
	if (!r && f->dir && *f->dir)
		r = simple(s, IRS_E_NO_DIRECTORY, "CWD", f->dir);
	if (!r)
		r = pick_name(s, f->name, final, sizeof(final));
	if (!r)
		r = store(s, f, tmp, stored);
	if (!r)
		r = check_size(s, tmp);
	if (!r)
		r = rename_to(s, tmp, final);
	if (r)
		return r;
	*stored = 0;
	snprintf(s->res->final_name, sizeof(s->res->final_name), "%s", final);
	s->res->code = IRS_E_SENT;
	s->res->temporary = 0;
	return IRS_E_SENT;
}

unsigned int irs_ftp_send(const struct irs_ftp_opts *opts, const struct irs_ftp_file *file,
			  struct irs_ftp_result *res)
{
	struct irs_ftp_opts o = *opts;
	struct irs_ftp s = { .o = &o, .res = res, .has_size = -1, .has_mlst = -1 };
	unsigned char rnd[4] = { 0 };
	char tmp[32], err[256];
	int stored = 0;

	memset(res, 0, sizeof(*res));
	if (o.timeout_ms <= 0)
		o.timeout_ms = 60000;
	if (!o.host || !*o.host || !valid_name(file->name) || !file->read)
		return ftp_fail(&s, IRS_E_SERVER, 0, "no server, no valid file name or no reader");
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (unsigned char)getpid();
	snprintf(tmp, sizeof(tmp), ".irsend-%02x%02x%02x%02x.tmp", rnd[0], rnd[1], rnd[2], rnd[3]);
	if (o.tls == IRS_FTP_TLS_EXPLICIT) {
		s.tls = irs_tls_ctx_new(&o.tls_opts, err, sizeof(err));
		if (!s.tls)
			return ftp_fail(&s, IRS_E_TLS_HANDSHAKE, 0, "%s", err);
		s.reuse = ftp_tls_reuse_new(s.tls);
		if (!s.reuse) {
			irs_tls_ctx_free(s.tls);
			return ftp_fail(&s, IRS_E_SERVER, 1, "out of memory");
		}
	}
	session(&s, file, tmp, &stored);
	if (stored)
		courtesy(&s, "DELE", tmp);
	courtesy(&s, "QUIT", NULL);
	res->data_tls_resumed = s.data_tls_conns && s.data_tls_resumed == s.data_tls_conns;
	irs_conn_close(s.ctl);
	ftp_tls_reuse_free(s.reuse);
	irs_tls_ctx_free(s.tls);
	return res->code;
}
