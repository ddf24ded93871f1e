// SPDX-License-Identifier: GPL-2.0
/*
 * The POP3 client (user/mail/pop3_*.c) against what a real server never
 * sends: a scripted fake server in a child process on 127.0.0.1 plays
 * overlong and truncated replies, bad APOP timestamps, bad base64
 * challenges, STLS refused or cut short, and the child checks what the
 * client sent back (never a password after a failed STLS, "*" after a bad
 * challenge). Everything a real server does is tested against Dovecot by
 * pop3_client.sh, through the --tool command:
 *
 *   pop3_test --tool HOST PORT USER standard|apop|sasl [--stls] [--implicit-tls]
 *             [--ca FILE] [--mechs LIST] [--timeout MS] [--before-smtp]
 *             [--retr-all DIR] [--dele-all]
 *
 * which reads the password from $POP3_PASSWORD, logs in and prints
 * "login ok tls=N mech=M", then "stat N BYTES", "uid NUM UID SIZE" lines,
 * and with --retr-all stores each message as DIR/UID.eml; on failure it
 * prints "error #CODE STATUS-MESSAGE: DETAIL" and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pop3_client.h"
#include "sasl_client.h"
#include "tls.h"

#include "kselftest_harness.h"

/*
 * Script lines for the fake server:
 *   "> text"   send text CRLF          "< PREFIX"  the client's next line starts with PREFIX
 *   "raw text" send text without CRLF  "big N"     send a line of N 'A's
 *   "close"    hang up now             "sleep MS"  say nothing for a while
 * After the script the server reads until EOF; a client line starting with
 * any of the forbidden prefixes fails it.
 */
struct fake {
	pid_t pid;
	unsigned int port;
};

static int read_line(FILE *in, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!fgets(buf, (int)len, in))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void play(int fd, const char *const *script, const char *const *forbid)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[8192];
	int bad = 0;

	for (; *script; script++) {
		const char *s = *script;

		if (!strncmp(s, "> ", 2)) {
			dprintf(fd, "%s\r\n", s + 2);
		} else if (!strncmp(s, "raw ", 4)) {
			dprintf(fd, "%s", s + 4);
		} else if (!strncmp(s, "big ", 4)) {
			size_t n = (size_t)atol(s + 4);
			char *b = malloc(n + 2);

			memset(b, 'A', n);
			memcpy(b + n, "\r\n", 2);
			if (write(fd, b, n + 2) < 0)
				bad = 1;
			free(b);
		} else if (!strcmp(s, "close")) {
			break;
		} else if (!strncmp(s, "sleep ", 6)) {
			usleep((useconds_t)atoi(s + 6) * 1000);
		} else if (!strncmp(s, "< ", 2)) {
			if (read_line(in, line, sizeof(line)) ||
			    strncmp(line, s + 2, strlen(s + 2))) {
				fprintf(stderr, "fake server: wanted \"%s\", got \"%s\"\n", s + 2,
					line);
				bad = 1;
				break;
			}
		}
	}
	if (!*script || !strcmp(*script, "close"))
		shutdown(fd, SHUT_WR);
	while (!read_line(in, line, sizeof(line))) {
		for (const char *const *f = forbid; f && *f; f++) {
			if (!strncmp(line, *f, strlen(*f))) {
				fprintf(stderr, "fake server: the client sent \"%s\"\n", line);
				bad = 1;
			}
		}
	}
	exit(bad);
}

static int fake_start(struct fake *f, const char *const *script, const char *const *forbid)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen))
		return -1;
	f->port = ntohs(a.sin_port);
	f->pid = fork();
	if (f->pid < 0)
		return -1;
	if (!f->pid) {
		int fd = accept(ls, NULL, NULL);

		if (fd < 0)
			exit(3);
		play(fd, script, forbid);
	}
	close(ls);
	return 0;
}

/* The child's verdict: 0 when the client behaved. */
static int fake_wait(struct fake *f)
{
	int st;

	if (waitpid(f->pid, &st, 0) != f->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static struct pop3_opts opts(struct fake *f, enum pop3_auth auth)
{
	struct pop3_opts o = POP3_OPTS_INIT;

	o.host = "127.0.0.1";
	o.port = f->port;
	o.user = "fax";
	o.password = "s3cret-PW";
	o.auth = auth;
	o.timeout_ms = 2000;
	return o;
}

/* Open against script; the status, with the child's verdict in *verdict. */
static int run(const char *const *script, const char *const *forbid, struct pop3_opts *o,
	       int *verdict, char *err, size_t errlen)
{
	struct fake f;
	struct pop3 *p;
	int st;

	if (fake_start(&f, script, forbid))
		return 1000;
	o->port = f.port;
	st = pop3_open(&p, o);
	snprintf(err, errlen, "%s", pop3_error(p));
	pop3_close(p);
	*verdict = fake_wait(&f);
	return st;
}

static const char *const no_login[] = { "USER", "PASS", "APOP", "AUTH", NULL };
#define CAPA_BASIC "< CAPA", "> +OK", "> USER", "> UIDL", "> ."

TEST(overlong_greeting)
{
	const char *const script[] = { "big 70000", NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	ASSERT_EQ(POP3_E_CONNECT, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
	ASSERT_EQ(810, pop3_errcode(POP3_E_CONNECT));
}

TEST(not_pop3_greetings)
{
	static const char *const greetings[] = { "> 220 smtp.example.com ESMTP", "> -ERR go away",
						 "> +OKAY", "> ", "raw +OK\x01\x00zz\r\n" };
	struct fake f = { 0 };
	char err[256];
	int v;

	for (size_t i = 0; i < sizeof(greetings) / sizeof(greetings[0]); i++) {
		const char *const script[] = { greetings[i], NULL };
		struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
		int st = run(script, no_login, &o, &v, err, sizeof(err));

		/* "+OK\x01" (a NUL after it) is a greeting; the client may go on to CAPA. */
		if (i == 4) {
			EXPECT_NE(POP3_OK, st);
		} else {
			EXPECT_EQ(POP3_E_CONNECT, st) TH_LOG("greeting %zu: %s", i, err);
		}
		EXPECT_EQ(0, v);
	}
}

TEST(stall_is_a_connection_error)
{
	const char *const script[] = { "sleep 1500", NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	o.timeout_ms = 300;
	ASSERT_EQ(POP3_E_CONNECT, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
}

TEST(connect_refused)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct pop3_opts o = POP3_OPTS_INIT;
	struct pop3 *p;

	/* A port that was just free and has no listener. */
	ASSERT_EQ(0, bind(s, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, getsockname(s, (struct sockaddr *)&a, &alen));
	close(s);
	o.host = "127.0.0.1";
	o.port = ntohs(a.sin_port);
	o.user = "u";
	o.password = "p";
	ASSERT_EQ(POP3_E_CONNECT, pop3_open(&p, &o));
	pop3_close(p);
	ASSERT_EQ(POP3_E_CONNECT, pop3_before_smtp(&o, NULL, 0));
}

/* RFC 1939's own example: the digest must be exactly this. */
TEST(apop_digest_of_rfc1939)
{
	const char *const script[] = { "> +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
				       CAPA_BASIC, "< APOP mrose c4c9334bac560ecc979e58001b3e22fb",
				       "> +OK maildrop has 1 message (369 octets)", NULL };
	const char *const forbid[] = { "USER", "PASS", NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_APOP);
	char err[256];
	int v;

	o.user = "mrose";
	o.password = "tanstaaf";
	ASSERT_EQ(POP3_OK, run(script, forbid, &o, &v, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, v);
}

TEST(apop_bad_timestamps_send_nothing)
{
	static const char *const greetings[] = { "> +OK ready",
						 "> +OK ready <>",
						 "> +OK ready <abc>",
						 "> +OK ready <a b@c>",
						 "> +OK ready <1.2@host",
						 "> +OK ready 1.2@host>",
						 "> +OK ready <<1.2@host>",
						 "> +OK ready <1.2@h\x7f>" };
	struct fake f = { 0 };
	char err[256];
	int v;

	for (size_t i = 0; i < sizeof(greetings) / sizeof(greetings[0]); i++) {
		const char *const script[] = { greetings[i], CAPA_BASIC, NULL };
		struct pop3_opts o = opts(&f, POP3_AUTH_APOP);

		EXPECT_EQ(POP3_E_APOP, run(script, no_login, &o, &v, err, sizeof(err)))
		TH_LOG("greeting %zu: %s", i, err);
		EXPECT_EQ(0, v) TH_LOG("greeting %zu", i);
	}
	ASSERT_EQ(846, pop3_errcode(POP3_E_APOP));
}

TEST(apop_refused)
{
	const char *const script[] = { "> +OK <9.9@x>", CAPA_BASIC, "< APOP fax ",
				       "> -ERR [AUTH] Authentication failed", NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_APOP);
	char err[256];
	int v;

	ASSERT_EQ(POP3_E_APOP, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
	ASSERT_EQ(NULL, strstr(err, "s3cret"));
}

TEST(user_pass_refused_never_shows_password)
{
	const char *const script[] = { "> +OK", CAPA_BASIC,	    "< USER fax",
				       "> +OK", "< PASS s3cret-PW", "> -ERR [AUTH] bad s3cret-PW",
				       NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	ASSERT_EQ(POP3_E_LOGIN, run(script, NULL, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
	ASSERT_EQ(813, pop3_errcode(POP3_E_LOGIN));
	/* Only a server that echoes the password could put it there; we quote replies. */
	ASSERT_NE(NULL, strstr(err, "refused the password"));
}

TEST(injection_in_user_refused)
{
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	struct pop3 *p;

	o.port = 1;
	o.user = "fax\r\nDELE 1";
	ASSERT_EQ(POP3_E_LOGIN, pop3_open(&p, &o));
	pop3_close(p);
	o.user = "fax";
	o.password = "pw\r\nDELE 1";
	ASSERT_EQ(POP3_E_LOGIN, pop3_open(&p, &o));
	pop3_close(p);
}

static struct irs_tls_ctx *tls_ctx(void)
{
	struct irs_tls_opts t = IRS_TLS_OPTS_INIT;
	char err[256];

	return irs_tls_ctx_new(&t, err, sizeof(err));
}

/* STLS asked for: no plaintext login whatever goes wrong (CVE-2021-39272). */
TEST(stls_not_offered)
{
	const char *const script[] = { "> +OK <1.2@x>", CAPA_BASIC, NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	o.stls = 1;
	o.tls = tls_ctx();
	ASSERT_NE(NULL, o.tls);
	ASSERT_EQ(POP3_E_TLS, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
	ASSERT_EQ(844, pop3_errcode(POP3_E_TLS));
	irs_tls_ctx_free(o.tls);
}

TEST(stls_refused_or_cut)
{
	static const char *const answers[] = { "> -ERR not now", "close", "> +OK Begin TLS",
					       "big 70000" };
	struct fake f = { 0 };
	char err[256];
	int v;

	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const char *const script[] = { "> +OK <1.2@x>", "< CAPA",   "> +OK",
					       "> STLS",	"> USER",   "> .",
					       "< STLS",	answers[i], NULL };
		struct pop3_opts o = opts(&f, i % 2 ? POP3_AUTH_APOP : POP3_AUTH_STANDARD);

		o.stls = 1;
		o.tls = tls_ctx();
		/* "+OK Begin TLS" then a hang-up: the server closes after STLS. */
		EXPECT_EQ(POP3_E_TLS, run(script, no_login, &o, &v, err, sizeof(err)))
		TH_LOG("answer %zu: %s", i, err);
		EXPECT_EQ(0, v) TH_LOG("answer %zu", i);
		irs_tls_ctx_free(o.tls);
	}
}

/* Garbage instead of a TLS handshake after "+OK": still #844, still no login. */
TEST(stls_garbage_handshake)
{
	const char *const script[] = {
		"> +OK",     "< CAPA", "> +OK",		  "> STLS",
		"> .",	     "< STLS", "> +OK Begin TLS", "> +OK this is not TLS",
		"sleep 200", NULL
	};
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	o.stls = 1;
	o.tls = tls_ctx();
	ASSERT_EQ(POP3_E_TLS, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
	irs_tls_ctx_free(o.tls);
}

TEST(capa_truncated)
{
	const char *const script[] = { "> +OK", "< CAPA", "> +OK", "> USER", "close", NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	ASSERT_EQ(POP3_E_CONNECT, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
}

/* A server without CAPA (RFC 1939 only) still takes USER/PASS. */
TEST(no_capa_still_logs_in)
{
	const char *const script[] = { "> +OK",	     "< CAPA", "> -ERR unknown command",
				       "< USER fax", "> +OK",  "< PASS ",
				       "> +OK",	     NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_STANDARD);
	char err[256];
	int v;

	ASSERT_EQ(POP3_OK, run(script, NULL, &o, &v, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, v);
}

/* PLAIN and LOGIN only under TLS (seed 2.1.3): offered in plaintext, nothing is sent. */
TEST(sasl_plain_login_refused_without_tls)
{
	const char *const script[] = {
		"> +OK", "< CAPA", "> +OK", "> SASL PLAIN LOGIN", "> .", NULL
	};
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_SASL);
	char err[256];
	int v;

	ASSERT_EQ(POP3_E_AUTH, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
	ASSERT_EQ(845, pop3_errcode(POP3_E_AUTH));
	ASSERT_NE(NULL, strstr(err, "without TLS"));
}

TEST(sasl_no_capa_sasl)
{
	const char *const script[] = { "> +OK", CAPA_BASIC, NULL };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_SASL);
	char err[256];
	int v;

	ASSERT_EQ(POP3_E_AUTH, run(script, no_login, &o, &v, err, sizeof(err)));
	ASSERT_EQ(0, v);
}

/* A challenge that is not base64: the exchange is cancelled with "*", not answered. */
TEST(sasl_bad_base64_challenge)
{
	static const char *const challenges[] = { "> + PDE5MDQ0LjEwNDU4MTEyMThAYmFi!!", "> + PDE5M",
						  "> + ====", "> +x" };
	struct fake f = { 0 };
	char err[256];
	int v;

	if (!irs_sasl_have_mech("CRAM-MD5"))
		SKIP(return, "no Cyrus CRAM-MD5 client plugin");
	for (size_t i = 0; i < sizeof(challenges) / sizeof(challenges[0]); i++) {
		const char *const script[] = {
			"> +OK",	   "< CAPA",	  "> +OK", "> SASL CRAM-MD5",  "> .",
			"< AUTH CRAM-MD5", challenges[i], "< *",   "> -ERR cancelled", NULL
		};
		struct pop3_opts o = opts(&f, POP3_AUTH_SASL);
		int st;

		o.mechs |= POP3_MECH_CRAM_MD5;
		st = run(script, NULL, &o, &v, err, sizeof(err));
		/* "+x" is not a continuation at all: a protocol error. */
		EXPECT_EQ(i == 3 ? POP3_E_CONNECT : POP3_E_AUTH, st) TH_LOG("%zu: %s", i, err);
		if (i < 3) {
			EXPECT_EQ(0, v) TH_LOG("challenge %zu", i);
		}
	}
}

/* A server that keeps challenging is cut off. */
TEST(sasl_endless_challenges)
{
	const char *script[40] = { "> +OK",	      "< CAPA", "> +OK",
				   "> SASL CRAM-MD5", "> .",	"< AUTH CRAM-MD5" };
	struct fake f = { 0 };
	struct pop3_opts o = opts(&f, POP3_AUTH_SASL);
	char err[256];
	int v, n = 6;

	if (!irs_sasl_have_mech("CRAM-MD5"))
		SKIP(return, "no Cyrus CRAM-MD5 client plugin");
	for (int i = 0; i < 12; i++)
		script[n++] = "> + PDE5MDQ0LjEwNDU4MTEyMThAYmFiYS5jY20uY2Fub24uY28uanA+";
	script[n] = NULL;
	o.mechs |= POP3_MECH_CRAM_MD5;
	ASSERT_EQ(POP3_E_AUTH, run(script, NULL, &o, &v, err, sizeof(err))) TH_LOG("%s", err);
}

/* A session logged in, then mailbox commands against hostile answers. */
struct session {
	struct fake f;
	struct pop3 *p;
};

static int session_open(struct session *s, const char *const *after_login)
{
	const char *script[64] = { "> +OK", CAPA_BASIC, "< USER", "> +OK", "< PASS", "> +OK" };
	size_t n = 0;
	struct pop3_opts o;

	while (script[n])
		n++;
	for (; *after_login && n < 63; after_login++)
		script[n++] = *after_login;
	script[n] = NULL;
	if (fake_start(&s->f, script, NULL))
		return -1;
	o = opts(&s->f, POP3_AUTH_STANDARD);
	return pop3_open(&s->p, &o);
}

static int session_end(struct session *s)
{
	pop3_close(s->p);
	return fake_wait(&s->f);
}

struct membuf {
	char buf[4096];
	size_t len;
};

static int to_mem(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len > sizeof(m->buf))
		return -1;
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

TEST(mailbox_commands)
{
	const char *const script[] = { "< STAT",
				       "> +OK 2 320",
				       "< UIDL",
				       "> +OK",
				       "> 1 000001.abc",
				       "> 2 000002.def",
				       "> .",
				       "< LIST",
				       "> +OK 2 messages",
				       "> 1 120",
				       "> 2 200",
				       "> .",
				       "< RETR 1",
				       "> +OK 120 octets",
				       "> Subject: x",
				       "> ",
				       "> ..leading dot",
				       "> .",
				       "< DELE 1",
				       "> +OK",
				       "< RETR 7",
				       "> -ERR no such message",
				       "< QUIT",
				       "> +OK bye",
				       NULL };
	struct session s;
	struct pop3_msg *msgs;
	struct membuf m = { .len = 0 };
	unsigned int count;
	uint64_t bytes;
	size_t n;

	ASSERT_EQ(POP3_OK, session_open(&s, script)) TH_LOG("%s", pop3_error(s.p));
	ASSERT_EQ(POP3_OK, pop3_stat(s.p, &count, &bytes));
	ASSERT_EQ(2, count);
	ASSERT_EQ(320, bytes);
	ASSERT_EQ(POP3_OK, pop3_uidl(s.p, &msgs, &n));
	ASSERT_EQ(2, n);
	ASSERT_STREQ("000002.def", msgs[1].uid);
	ASSERT_EQ(POP3_OK, pop3_list(s.p, msgs, n));
	ASSERT_EQ(200, msgs[1].size);
	ASSERT_EQ(POP3_OK, pop3_retr(s.p, 1, 0, to_mem, &m));
	ASSERT_EQ(strlen("Subject: x\r\n\r\n.leading dot\r\n"), m.len);
	ASSERT_EQ(0, memcmp(m.buf, "Subject: x\r\n\r\n.leading dot\r\n", m.len));
	ASSERT_EQ(POP3_OK, pop3_dele(s.p, 1));
	/* -ERR to a command leaves the session usable. */
	ASSERT_EQ(POP3_E_SERVER, pop3_retr(s.p, 7, 0, to_mem, &m));
	ASSERT_EQ(POP3_OK, pop3_quit(s.p));
	free(msgs);
	ASSERT_EQ(0, session_end(&s));
}

TEST(uidl_missing_and_hostile)
{
	static const char *const answers[][4] = {
		{ "> -ERR unknown command", NULL },
		{ "> +OK", "> 1 ", "> .", NULL },
		{ "> +OK", "> 1 abc\x01", "> .", NULL },
		{ "> +OK", "> x abc", "> .", NULL },
		{ "> +OK", "> 0 abc", "> .", NULL },
		{ "> +OK",
		  "> 1 "
		  "01234567890123456789012345678901234567890123456789012345678901234567890",
		  "> .", NULL },
		{ "> +OK", "> 1 abc", "close", NULL },
		{ "> +OK", "big 2000", "> .", NULL },
	};

	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const char *script[8] = { "< UIDL" };
		struct session s;
		struct pop3_msg *msgs = (void *)1;
		size_t n = 1, k = 1;

		for (const char *const *a = answers[i]; *a; a++)
			script[k++] = *a;
		script[k] = NULL;
		ASSERT_EQ(POP3_OK, session_open(&s, script));
		EXPECT_EQ(i == 0 ? POP3_E_UIDL : POP3_E_CONNECT, pop3_uidl(s.p, &msgs, &n))
		TH_LOG("answer %zu", i);
		EXPECT_EQ(NULL, msgs);
		EXPECT_EQ(0, n);
		session_end(&s);
	}
	ASSERT_STREQ("POP server UIDL error", pop3_status_message(POP3_E_UIDL));
}

TEST(retr_truncated_overlong_too_big)
{
	static const char *const answers[][5] = {
		{ "> +OK", "> line", "close", NULL },
		{ "> +OK", "big 70000", "> .", NULL },
		{ "> +OK", "> 0123456789", "> 0123456789", "> .", NULL },
	};
	static const int want[] = { POP3_E_CONNECT, POP3_E_CONNECT, POP3_E_TOO_BIG };

	for (size_t i = 0; i < 3; i++) {
		const char *script[8] = { "< RETR 1" };
		struct membuf m = { .len = 0 };
		struct session s;
		size_t k = 1;

		for (const char *const *a = answers[i]; *a; a++)
			script[k++] = *a;
		script[k] = NULL;
		ASSERT_EQ(POP3_OK, session_open(&s, script));
		EXPECT_EQ(want[i], pop3_retr(s.p, 1, 20, to_mem, &m)) TH_LOG("answer %zu", i);
		/* After such a failure the session is over. */
		EXPECT_EQ(POP3_E_STATE, pop3_noop(s.p));
		session_end(&s);
	}
}

TEST(stat_garbage)
{
	static const char *const answers[] = { "> +OK", "> +OK two 10", "> +OK 1",
					       "> +OK 99999999999 1", "> +OK -1 5" };

	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const char *script[] = { "< STAT", answers[i], NULL };
		struct session s;
		unsigned int c;
		uint64_t b;

		ASSERT_EQ(POP3_OK, session_open(&s, script));
		EXPECT_EQ(POP3_E_CONNECT, pop3_stat(s.p, &c, &b)) TH_LOG("answer %zu", i);
		session_end(&s);
	}
}

/* ---- the --tool command for pop3_client.sh ---- */

static int to_file(void *ctx, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, ctx) == len ? 0 : -1;
}

static int tool_fail(int st, struct pop3 *p)
{
	printf("error #%u %s: %s\n", pop3_errcode(st), pop3_status_message(st), pop3_error(p));
	return 1;
}

static int tool(int argc, char **argv)
{
	struct pop3_opts o = POP3_OPTS_INIT;
	struct irs_tls_opts t = IRS_TLS_OPTS_INIT;
	const char *retr_dir = NULL;
	int dele = 0, before = 0, st;
	struct pop3_msg *msgs;
	struct pop3 *p;
	char err[256];
	size_t n;

	if (argc < 5) {
		fprintf(stderr, "usage: pop3_test --tool HOST PORT USER standard|apop|sasl ...\n");
		return 2;
	}
	o.host = argv[1];
	o.port = (unsigned int)atoi(argv[2]);
	o.user = argv[3];
	o.password = getenv("POP3_PASSWORD");
	o.auth = !strcmp(argv[4], "apop")   ? POP3_AUTH_APOP
		 : !strcmp(argv[4], "sasl") ? POP3_AUTH_SASL
					    : POP3_AUTH_STANDARD;
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--stls"))
			o.stls = 1;
		else if (!strcmp(argv[i], "--implicit-tls"))
			o.implicit_tls = 1;
		else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
			t.ca_file = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			o.timeout_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mechs") && i + 1 < argc) {
			char *m = argv[++i];

			o.mechs = 0;
			for (char *w = strtok(m, ","); w; w = strtok(NULL, ","))
				o.mechs |= !strcmp(w, "scram-sha-256") ? POP3_MECH_SCRAM_SHA256
					   : !strcmp(w, "cram-md5")    ? POP3_MECH_CRAM_MD5
					   : !strcmp(w, "ntlm")	       ? POP3_MECH_NTLM
					   : !strcmp(w, "plain")       ? POP3_MECH_PLAIN
					   : !strcmp(w, "login")       ? POP3_MECH_LOGIN
								       : 0;
		} else if (!strcmp(argv[i], "--retr-all") && i + 1 < argc)
			retr_dir = argv[++i];
		else if (!strcmp(argv[i], "--dele-all"))
			dele = 1;
		else if (!strcmp(argv[i], "--before-smtp"))
			before = 1;
		else {
			fprintf(stderr, "pop3_test: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!o.password) {
		fprintf(stderr, "pop3_test: set POP3_PASSWORD\n");
		return 2;
	}
	if (o.stls || o.implicit_tls) {
		o.tls = irs_tls_ctx_new(&t, err, sizeof(err));
		if (!o.tls) {
			fprintf(stderr, "pop3_test: %s\n", err);
			return 1;
		}
	}
	if (before) {
		st = pop3_before_smtp(&o, err, sizeof(err));
		if (st) {
			printf("error #%u %s: %s\n", pop3_errcode(st), pop3_status_message(st),
			       err);
			return 1;
		}
		printf("before-smtp ok\n");
		return 0;
	}
	st = pop3_open(&p, &o);
	if (st)
		return tool_fail(st, p);
	printf("login ok tls=%d mech=%s\n", pop3_is_tls(p),
	       pop3_mechanism(p) ? pop3_mechanism(p) : "-");
	{
		unsigned int count;
		uint64_t bytes;

		st = pop3_stat(p, &count, &bytes);
		if (st)
			return tool_fail(st, p);
		printf("stat %u %llu\n", count, (unsigned long long)bytes);
	}
	st = pop3_uidl(p, &msgs, &n);
	if (!st)
		st = pop3_list(p, msgs, n);
	if (st)
		return tool_fail(st, p);
	for (size_t i = 0; i < n; i++) {
		printf("uid %u %s %llu\n", msgs[i].num, msgs[i].uid,
		       (unsigned long long)msgs[i].size);
		if (retr_dir) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s.eml", retr_dir, msgs[i].uid);
			f = fopen(path, "wb");
			if (!f)
				return 1;
			st = pop3_retr(p, msgs[i].num, 0, to_file, f);
			if (fclose(f) && !st)
				return 1;
			if (st)
				return tool_fail(st, p);
		}
		if (dele) {
			st = pop3_dele(p, msgs[i].num);
			if (st)
				return tool_fail(st, p);
		}
	}
	free(msgs);
	st = pop3_quit(p);
	if (st)
		return tool_fail(st, p);
	printf("quit ok\n");
	pop3_close(p);
	irs_tls_ctx_free(o.tls);
	return 0;
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && !strcmp(argv[1], "--tool"))
		return tool(argc - 1, argv + 1);
	return test_harness_run(argc, argv);
}
