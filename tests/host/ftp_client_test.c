// SPDX-License-Identifier: GPL-2.0
/*
 * The FTP client (user/file/ftp_*.c) against a scripted fake server in a
 * thread, for what real servers do not send: multi-line and odd
 * greetings, a 1 MB reply line, replies split into single bytes, a PASV
 * naming another host or garbage, a server that never answers, a data
 * connection closed early, ACCT demanded, a password echoed back, names
 * that exist (SIZE, MLST and NLST), sizes that do not match, CR/LF in a
 * setting. Each must end in the right code, with nothing sent that should
 * not be. tests/host/ftp_send.sh tests against real vsftpd.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "ftp_client.h"

#include "kselftest_harness.h"

#define PASSWORD "s3cret-FTP-42"
#define TIMEOUT_MS 1500

/* The fake server: one control connection, passive data connections, knobs set by each test. */
struct fake {
	int lfd, fd, dlfd;
	unsigned int port, dport;
	pthread_t th;
	/* knobs */
	const char *greeting;	/* raw bytes; NULL: "220 fake\r\n" */
	const char *pass_reply; /* NULL: "230 in\r\n" */
	const char *pasv_fmt;	/* printf with the data port's two bytes; NULL: 127,0,0,1 */
	const char *stor_final; /* the reply after the data; NULL: "226 done\r\n" */
	const char *rnto_reply; /* NULL: "250 renamed\r\n" */
	const char *cwd_reply;	/* NULL: "250 ok\r\n" */
	const char *exists[4];	/* names that exist already */
	int epsv_refuse, size_unknown, mlst_unknown, split, silent, close_after_pass;
	int data_close_early; /* close the data connection after 10 bytes */
	int data_any;	      /* data listener on every address (127.0.0.2 reaches it too) */
	long size_delta;      /* SIZE of the stored file answers its size plus this */
	/* what happened */
	char rx[1 << 16]; /* control bytes received */
	size_t rxlen;
	char *data; /* the bytes of the last STOR */
	size_t datalen;
	int data_conns;
	char final[256];
};

static void f_send(struct fake *f, const char *s)
{
	size_t n = strlen(s);

	if (!f->split) {
		if (send(f->fd, s, n, MSG_NOSIGNAL) < 0)
			return;
		return;
	}
	/* One byte per packet: the client must join them. */
	for (size_t i = 0; i < n; i++) {
		if (send(f->fd, s + i, 1, MSG_NOSIGNAL) < 0)
			return;
		usleep(200);
	}
}

static int f_line(struct fake *f, char *buf, size_t len)
{
	size_t n = 0;

	for (;;) {
		char ch;

		if (recv(f->fd, &ch, 1, 0) <= 0)
			return -1;
		if (f->rxlen + 1 < sizeof(f->rx))
			f->rx[f->rxlen++] = ch;
		if (ch == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

static int f_exists(struct fake *f, const char *name)
{
	for (int i = 0; i < 4 && f->exists[i]; i++)
		if (!strcmp(f->exists[i], name))
			return 1;
	return 0;
}

static void f_listen_data(struct fake *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	if (f->dlfd >= 0)
		close(f->dlfd);
	if (f->data_any)
		a.sin_addr.s_addr = htonl(INADDR_ANY);
	f->dlfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(f->dlfd, (struct sockaddr *)&a, sizeof(a));
	listen(f->dlfd, 1);
	getsockname(f->dlfd, (struct sockaddr *)&a, &alen);
	f->dport = ntohs(a.sin_port);
}

/* Accept the data connection (2 s at most): its fd, or -1. */
static int f_accept_data(struct fake *f)
{
	struct timeval tv = { 2, 0 };
	int fd;

	if (f->dlfd < 0)
		return -1;
	setsockopt(f->dlfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = accept(f->dlfd, NULL, NULL);
	if (fd >= 0)
		f->data_conns++;
	return fd;
}

static void f_store(struct fake *f)
{
	int fd = f_accept_data(f);
	char buf[65536];
	ssize_t n;

	f->datalen = 0;
	if (fd < 0) {
		f_send(f, "425 no data connection\r\n");
		return;
	}
	while ((n = recv(fd, buf, f->data_close_early ? 10 : sizeof(buf), 0)) > 0) {
		f->data = realloc(f->data, f->datalen + (size_t)n);
		memcpy(f->data + f->datalen, buf, (size_t)n);
		f->datalen += (size_t)n;
		if (f->data_close_early)
			break;
	}
	close(fd);
	if (f->data_close_early)
		f_send(f, "426 Connection closed; transfer aborted.\r\n");
	else
		f_send(f, f->stor_final ? f->stor_final : "226 done\r\n");
}

static void f_nlst(struct fake *f, const char *arg)
{
	int fd = f_accept_data(f);

	f_send(f, "150 here\r\n");
	if (fd >= 0) {
		if (f_exists(f, arg)) {
			/* Some servers list "./name": the client compares the last part. */
			if (send(fd, "./", 2, MSG_NOSIGNAL) < 0 ||
			    send(fd, arg, strlen(arg), MSG_NOSIGNAL) < 0 ||
			    send(fd, "\r\n", 2, MSG_NOSIGNAL) < 0)
				f_send(f, "451 lost\r\n");
		}
		close(fd);
	}
	f_send(f, "226 listed\r\n");
}

static void f_serve(struct fake *f)
{
	char line[2048], out[512], stored[256] = "";

	if (f->silent) {
		/* Accepted and never a word: wait for the client to give up. */
		while (recv(f->fd, line, sizeof(line), 0) > 0)
			;
		return;
	}
	f_send(f, f->greeting ? f->greeting : "220 fake\r\n");
	while (f_line(f, line, sizeof(line)) >= 0) {
		char *arg = strchr(line, ' ');

		arg = arg ? arg + 1 : line + strlen(line);
		if (!strncasecmp(line, "USER", 4)) {
			f_send(f, "331 password please\r\n");
		} else if (!strncasecmp(line, "PASS", 4)) {
			if (f->close_after_pass)
				return;
			f_send(f, f->pass_reply ? f->pass_reply : "230 in\r\n");
		} else if (!strncasecmp(line, "TYPE", 4)) {
			f_send(f, "200 binary\r\n");
		} else if (!strncasecmp(line, "CWD", 3)) {
			f_send(f, f->cwd_reply ? f->cwd_reply : "250 ok\r\n");
		} else if (!strncasecmp(line, "SIZE", 4)) {
			if (f->size_unknown)
				snprintf(out, sizeof(out), "502 SIZE not implemented\r\n");
			else if (stored[0] && !strcmp(arg, stored))
				snprintf(out, sizeof(out), "213 %ld\r\n",
					 (long)f->datalen + f->size_delta);
			else if (f_exists(f, arg))
				snprintf(out, sizeof(out), "213 100\r\n");
			else
				snprintf(out, sizeof(out), "550 no such file\r\n");
			f_send(f, out);
		} else if (!strncasecmp(line, "MLST", 4)) {
			if (f->mlst_unknown)
				f_send(f, "500 unknown command\r\n");
			else if (f_exists(f, arg))
				f_send(f, "250-facts\r\n type=file;size=100; x\r\n250 end\r\n");
			else
				f_send(f, "550 no such file\r\n");
		} else if (!strncasecmp(line, "NLST", 4)) {
			f_nlst(f, arg);
		} else if (!strncasecmp(line, "EPSV", 4)) {
			if (f->epsv_refuse) {
				f_send(f, "500 EPSV not understood\r\n");
				continue;
			}
			f_listen_data(f);
			snprintf(out, sizeof(out),
				 "229 Entering Extended Passive Mode (|||%u|)\r\n", f->dport);
			f_send(f, out);
		} else if (!strncasecmp(line, "PASV", 4)) {
			f_listen_data(f);
			snprintf(out, sizeof(out),
				 f->pasv_fmt ? f->pasv_fmt
					     : "227 Entering Passive Mode (127,0,0,1,%u,%u).\r\n",
				 f->dport >> 8, f->dport & 255);
			f_send(f, out);
		} else if (!strncasecmp(line, "STOR", 4)) {
			snprintf(stored, sizeof(stored), "%s", arg);
			f_send(f, "150 go ahead\r\n");
			f_store(f);
		} else if (!strncasecmp(line, "DELE", 4)) {
			f_send(f, "250 deleted\r\n");
		} else if (!strncasecmp(line, "RNFR", 4)) {
			f_send(f, "350 ready\r\n");
		} else if (!strncasecmp(line, "RNTO", 4)) {
			snprintf(f->final, sizeof(f->final), "%s", arg);
			f_send(f, f->rnto_reply ? f->rnto_reply : "250 renamed\r\n");
		} else if (!strncasecmp(line, "QUIT", 4)) {
			f_send(f, "221 bye\r\n");
			return;
		} else {
			f_send(f, "502 not implemented\r\n");
		}
	}
}

static void *f_main(void *arg)
{
	struct fake *f = arg;

	f->fd = accept(f->lfd, NULL, NULL);
	if (f->fd >= 0) {
		f_serve(f);
		close(f->fd);
	}
	return NULL;
}

static void f_start(struct fake *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct timeval tv = { 5, 0 }; /* a client that never comes does not hang the test */

	signal(SIGPIPE, SIG_IGN);
	f->dlfd = -1;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(f->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	bind(f->lfd, (struct sockaddr *)&a, sizeof(a));
	listen(f->lfd, 1);
	getsockname(f->lfd, (struct sockaddr *)&a, &alen);
	f->port = ntohs(a.sin_port);
	pthread_create(&f->th, NULL, f_main, f);
}

static void f_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	if (f->dlfd >= 0)
		close(f->dlfd);
	f->rx[f->rxlen] = '\0';
}

/* The document: n bytes of every value, read in blocks as the client asks. */
struct doc {
	size_t n, off;
	long cancel_after; /* the cancel check says stop once this much was read; -1: never */
};

static unsigned char doc_byte(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static long doc_read(void *arg, char *buf, size_t len)
{
	struct doc *d = arg;
	size_t k = d->n - d->off < len ? d->n - d->off : len;

	for (size_t i = 0; i < k; i++)
		buf[i] = (char)doc_byte(d->off + i);
	d->off += k;
	return (long)k;
}

static int doc_cancelled(void *arg)
{
	struct doc *d = arg;

	return d->cancel_after >= 0 && (long)d->off >= d->cancel_after;
}

static int doc_same(const struct fake *f, size_t n)
{
	if (f->datalen != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)f->data[i] != doc_byte(i))
			return 0;
	return 1;
}

struct run {
	struct irs_ftp_opts o;
	struct irs_ftp_file file;
	struct irs_ftp_result r;
	struct doc doc;
	long long ms;
};

static void trace(void *arg, char dir, const char *line)
{
	(void)arg;
	if (getenv("FTP_TEST_TRACE"))
		fprintf(stderr, "%c %.200s\n", dir, line);
}

static void run_init(struct run *r, struct fake *f, size_t n)
{
	struct irs_ftp_opts o = IRS_FTP_OPTS_INIT;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->o.host = "127.0.0.1";
	r->o.port = f->port; /* set again once the fake listens */
	r->o.timeout_ms = TIMEOUT_MS;
	r->o.user = "scanner";
	r->o.password = PASSWORD;
	r->o.trace = trace;
	r->doc.n = n;
	r->doc.cancel_after = -1;
	r->file.dir = "in";
	r->file.name = "doc.pdf";
	r->file.size = (long long)n;
	r->file.read = doc_read;
	r->file.read_arg = &r->doc;
}

static unsigned int run_send(struct run *r, struct fake *f)
{
	struct timespec t0, t1;

	f_start(f);
	r->o.port = f->port;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	irs_ftp_send(&r->o, &r->file, &r->r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f_stop(f);
	r->ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	return r->r.code;
}

static int sent_cmd(const struct fake *f, const char *cmd)
{
	return strstr(f->rx, cmd) != NULL;
}

/* Nothing a server saw or we reported may hold the password, except the PASS line itself. */
static int password_only_in_pass(const struct fake *f, const struct run *r)
{
	const char *p = strstr(f->rx, PASSWORD);

	if (strstr(r->r.text, PASSWORD))
		return 0;
	return !p || (p - f->rx >= 5 && !strncmp(p - 5, "PASS ", 5) && !strstr(p + 1, PASSWORD));
}

TEST(plain_send)
{
	struct fake f = { 0 };
	struct run r;

	run_init(&r, &f, 300000);
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_TRUE(doc_same(&f, 300000));
	EXPECT_STREQ("doc.pdf", f.final);
	EXPECT_STREQ("doc.pdf", r.r.final_name);
	EXPECT_STREQ("EPSV", r.r.data_mode);
	EXPECT_TRUE(sent_cmd(&f, "TYPE I\r\n"));
	EXPECT_TRUE(sent_cmd(&f, "CWD in\r\n"));
	EXPECT_TRUE(sent_cmd(&f, "STOR .irsend-"));
	EXPECT_TRUE(sent_cmd(&f, "RNTO doc.pdf\r\n"));
	EXPECT_TRUE(sent_cmd(&f, "QUIT\r\n"));
	EXPECT_TRUE(password_only_in_pass(&f, &r));
	free(f.data);
}

TEST(multiline_greeting_and_replies)
{
	struct fake f = {
		.greeting = "220-Welcome to the\r\n"
			    "220-fake server\r\n"
			    " 220 an indented line is not the end\r\n"
			    "plain text in between\r\n"
			    "220-\r\n"
			    "220 ready\r\n",
		.pass_reply = "230-Hello,\r\n230-again\r\n230 logged in\r\n",
	};
	struct run r;

	run_init(&r, &f, 5000);
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_TRUE(doc_same(&f, 5000));
	/* USER only after the whole greeting, TYPE only after the whole 230. */
	EXPECT_TRUE(sent_cmd(&f, "USER scanner\r\nPASS "));
	free(f.data);
}

TEST(odd_greetings)
{
	struct fake f = { .greeting = "120-busy\r\n120 ready in 1 minute\r\n220\r\n" };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	free(f.data);
}

TEST(not_ftp_at_all)
{
	struct fake f = { .greeting = "SSH-2.0-OpenSSH_9.2\r\n" };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "USER"));
}

TEST(one_megabyte_reply_line)
{
	struct fake f = { 0 };
	struct run r;
	char *g = malloc((1 << 20) + 8);

	memcpy(g, "220 ", 4);
	memset(g + 4, 'x', 1 << 20);
	memcpy(g + 4 + (1 << 20), "\r\n", 3);
	f.greeting = g;
	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "USER"));
	EXPECT_LT(strlen(r.r.text), sizeof(r.r.text));
	free(g);
}

TEST(replies_split_into_single_bytes)
{
	struct fake f = { .split = 1, .greeting = "220-split\r\n220 up\r\n" };
	struct run r;

	run_init(&r, &f, 70000);
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_TRUE(doc_same(&f, 70000));
	free(f.data);
}

/* 127.0.0.2 is another host than the control peer 127.0.0.1, and one the fake can listen on. */
TEST(pasv_naming_another_host_refused)
{
	struct fake f = { .epsv_refuse = 1,
			  .data_any = 1,
			  .pasv_fmt = "227 Entering Passive Mode (127,0,0,2,%u,%u)\r\n" };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_NE(NULL, strstr(r.r.text, "127.0.0.2"));
	EXPECT_NE(NULL, strstr(r.r.text, "refused"));
	EXPECT_EQ(0, f.data_conns);
	EXPECT_FALSE(sent_cmd(&f, "STOR"));
}

TEST(pasv_naming_another_host_use_peer)
{
	struct fake f = { .pasv_fmt = "227 Entering Passive Mode (10,1,2,3,%u,%u)\r\n" };
	/* (10.1.2.3 is unreachable: only the peer's address can work) */
	struct run r;

	run_init(&r, &f, 1000);
	r.o.no_epsv = 1;
	r.o.pasv_address = IRS_FTP_PASV_USE_PEER;
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "EPSV"));
	EXPECT_STREQ("PASV", r.r.data_mode);
	EXPECT_TRUE(doc_same(&f, 1000));
	free(f.data);
}

TEST(pasv_without_parentheses_after_refused_epsv)
{
	struct fake f = { .epsv_refuse = 1, .pasv_fmt = "227 Passive =127,0,0,1,%u,%u\r\n" };
	struct run r;

	run_init(&r, &f, 1000);
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_STREQ("PASV", r.r.data_mode);
	EXPECT_TRUE(doc_same(&f, 1000));
	free(f.data);
}

TEST(pasv_garbage)
{
	static const char *const bad[] = {
		"227 Entering Passive Mode (127,0,0,1)\r\n",
		"227 Entering Passive Mode (127,0,0,1,999,%u)\r\n",
		"227 Entering Passive Mode (127,0,0,1,0,0)\r\n",
		"227 nothing here\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake f = { .epsv_refuse = 1, .pasv_fmt = bad[i] };
		struct run r;

		run_init(&r, &f, 100);
		EXPECT_EQ(IRS_E_SERVER, run_send(&r, &f));
		EXPECT_FALSE(sent_cmd(&f, "STOR"));
	}
}

TEST(server_that_never_answers)
{
	struct fake f = { .silent = 1 };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_EQ(1, r.r.temporary);
	EXPECT_GE(r.ms, TIMEOUT_MS - 100);
	EXPECT_LT(r.ms, 2 * TIMEOUT_MS);
}

TEST(data_connection_closed_early)
{
	struct fake f = { .data_close_early = 1 };
	struct run r;

	run_init(&r, &f, 8 << 20);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_EQ(426, r.r.reply);
	EXPECT_FALSE(sent_cmd(&f, "RNTO"));
	EXPECT_TRUE(sent_cmd(&f, "DELE .irsend-"));
	EXPECT_STREQ("", r.r.final_name);
	free(f.data);
}

TEST(account_demanded)
{
	struct fake f = { .pass_reply = "332 Need account for login.\r\n" };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_BAD_ADDRESS, run_send(&r, &f));
	EXPECT_NE(NULL, strstr(r.r.text, "ACCT"));
	EXPECT_FALSE(sent_cmd(&f, "ACCT"));
}

TEST(password_echoed_is_masked)
{
	struct fake f = { .pass_reply = "530 Login incorrect: " PASSWORD " is wrong\r\n" };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_BAD_ADDRESS, run_send(&r, &f));
	EXPECT_EQ(NULL, strstr(r.r.text, PASSWORD));
	EXPECT_NE(NULL, strstr(r.r.text, "****"));
}

TEST(control_connection_lost)
{
	struct fake f = { .close_after_pass = 1 };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_NO_RESPONSE, run_send(&r, &f));
}

TEST(nobody_listening)
{
	struct fake f = { 0 };
	struct run r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port just free: bound, named, closed. */
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &alen);
	close(fd);
	run_init(&r, &f, 100);
	r.o.port = ntohs(a.sin_port);
	ASSERT_EQ(IRS_E_NO_RESPONSE, irs_ftp_send(&r.o, &r.file, &r.r));
}

TEST(missing_directory)
{
	struct fake f = { .cwd_reply = "550 Failed to change directory.\r\n" };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_NO_DIRECTORY, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "MKD"));
	EXPECT_FALSE(sent_cmd(&f, "STOR"));
}

TEST(disk_full_and_refusals_after_the_data)
{
	static const struct {
		const char *stor, *rnto;
		unsigned int code;
		int temporary;
	} c[] = {
		{ "452 Insufficient storage space.\r\n", NULL, IRS_E_SERVER, 1 },
		{ "552 Exceeded storage allocation.\r\n", NULL, IRS_E_SERVER, 0 },
		{ "553 Could not create file.\r\n", NULL, IRS_E_NO_PERMISSION, 0 },
		{ NULL, "553 Rename failed.\r\n", IRS_E_NO_PERMISSION, 0 },
		{ NULL, "550 Permission denied.\r\n", IRS_E_NO_PERMISSION, 0 },
		{ NULL, "451 Local error.\r\n", IRS_E_SERVER, 1 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fake f = { .stor_final = c[i].stor, .rnto_reply = c[i].rnto };
		struct run r;

		run_init(&r, &f, 2000);
		EXPECT_EQ(c[i].code, run_send(&r, &f));
		EXPECT_EQ(c[i].temporary, r.r.temporary);
		EXPECT_TRUE(sent_cmd(&f, "DELE .irsend-"));
		free(f.data);
	}
}

TEST(size_mismatch)
{
	struct fake f = { .size_delta = -1 };
	struct run r;

	run_init(&r, &f, 4000);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "RNTO"));
	EXPECT_TRUE(sent_cmd(&f, "DELE .irsend-"));
	free(f.data);
}

TEST(existing_name_refused)
{
	struct fake f = { .exists = { "doc.pdf" } };
	struct run r;

	run_init(&r, &f, 100);
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "STOR"));
}

TEST(existing_names_suffixed_by_mlst)
{
	struct fake f = { .size_unknown = 1, .exists = { "doc.pdf", "doc_1.pdf" } };
	struct run r;

	run_init(&r, &f, 100);
	r.o.exists = IRS_FTP_EXISTS_SUFFIX;
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_STREQ("doc_2.pdf", f.final);
	EXPECT_STREQ("doc_2.pdf", r.r.final_name);
	EXPECT_TRUE(sent_cmd(&f, "MLST doc_1.pdf"));
	/* SIZE was refused once: not asked again, nor for the size check. */
	EXPECT_EQ(NULL, strstr(strstr(f.rx, "SIZE") + 1, "SIZE"));
	free(f.data);
}

TEST(existing_names_suffixed_by_nlst)
{
	struct fake f = { .size_unknown = 1, .mlst_unknown = 1, .exists = { "doc.pdf" } };
	struct run r;

	run_init(&r, &f, 100);
	r.o.exists = IRS_FTP_EXISTS_SUFFIX;
	ASSERT_EQ(IRS_E_SENT, run_send(&r, &f));
	EXPECT_STREQ("doc_1.pdf", f.final);
	EXPECT_TRUE(sent_cmd(&f, "NLST doc.pdf"));
	EXPECT_TRUE(sent_cmd(&f, "NLST doc_1.pdf"));
	free(f.data);
}

TEST(cancelled_mid_transfer)
{
	struct fake f = { 0 };
	struct run r;

	run_init(&r, &f, 4 << 20);
	r.doc.cancel_after = 1 << 20;
	r.o.cancelled = doc_cancelled;
	r.o.cancel_arg = &r.doc;
	ASSERT_EQ(IRS_E_CANCELLED, run_send(&r, &f));
	EXPECT_LT(r.r.sent, 4 << 20);
	EXPECT_FALSE(sent_cmd(&f, "RNTO"));
	EXPECT_TRUE(sent_cmd(&f, "DELE .irsend-"));
	free(f.data);
}

TEST(line_breaks_in_settings_never_reach_the_server)
{
	struct fake f = { 0 };
	struct run r;

	run_init(&r, &f, 100);
	r.file.dir = "in\r\nDELE victim";
	ASSERT_EQ(IRS_E_SERVER, run_send(&r, &f));
	EXPECT_FALSE(sent_cmd(&f, "DELE victim"));
	run_init(&r, &f, 100);
	r.file.name = "a\nDELE victim";
	/* Refused before any connection: the fake is not even started. */
	ASSERT_EQ(IRS_E_SERVER, irs_ftp_send(&r.o, &r.file, &r.r));
}

TEST(ftps_refused_sends_no_credentials)
{
	struct fake f = { 0 };
	struct run r;

	run_init(&r, &f, 100);
	r.o.tls = IRS_FTP_TLS_EXPLICIT;
	ASSERT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r, &f));
	EXPECT_TRUE(sent_cmd(&f, "AUTH TLS"));
	EXPECT_FALSE(sent_cmd(&f, "USER"));
	EXPECT_FALSE(sent_cmd(&f, "PASS"));
}

TEST_HARNESS_MAIN
