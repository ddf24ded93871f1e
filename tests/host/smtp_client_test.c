// SPDX-License-Identifier: GPL-2.0
/*
 * The SMTP client (user/mail/smtp_*.c, conn.c, tls.c) against a scripted
 * fake server that says what no real server says: truncated, overlong,
 * malformed and out-of-sequence replies, bad base64 challenges, a stall
 * in the middle of DATA, a hang-up or garbage after STARTTLS, bytes
 * injected before the handshake. Each must end in the right code, with no
 * crash and no credential on the wire in the clear. What real servers do
 * is tested against real servers in tests/host/smtp_client.sh, which
 * drives this binary's --send mode (tests/lib/smtp_send_cli.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn.h"
#include "errcodes.h"
#include "smtp_client.h"
#include "tls.h"

#include "kselftest_harness.h"
#include "smtp_send_cli.h"

#define PASSWORD "s3cret-PW-9"
#define TIMEOUT_MS 1500

/* One fake server: a listening socket, a thread that runs script on the one connection. */
struct fake {
	int lfd, fd;
	unsigned int port;
	pthread_t th;
	void (*script)(struct fake *f);
	SSL_CTX *sctx;
	SSL *ssl;
	EVP_PKEY *key;
	char pin[65];
	int require_client_cert, tls_max;
	char rx[1 << 16]; /* bytes received in the clear */
	size_t rxlen;
};

static void f_send(struct fake *f, const char *s)
{
	size_t n = strlen(s);

	if (f->ssl)
		SSL_write(f->ssl, s, (int)n);
	else if (send(f->fd, s, n, MSG_NOSIGNAL) < 0)
		return;
}

/* One line from the client (CRLF stripped); -1 at the end. */
static int f_line(struct fake *f, char *buf, size_t len)
{
	size_t n = 0;

	for (;;) {
		char ch;
		int r = f->ssl ? SSL_read(f->ssl, &ch, 1) : (int)recv(f->fd, &ch, 1, 0);

		if (r <= 0)
			return -1;
		if (!f->ssl && f->rxlen + 1 < sizeof(f->rx))
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

/* Read lines until one starts with prefix; 0 when found. */
static int f_until(struct fake *f, const char *prefix)
{
	char line[1024];

	while (f_line(f, line, sizeof(line)) >= 0)
		if (!strncasecmp(line, prefix, strlen(prefix)))
			return 0;
	return -1;
}

/* A self-signed P-256 certificate for "localhost", made fresh for each test. */
static void f_make_cert(struct fake *f)
{
	X509 *x = X509_new();
	X509_NAME *n;
	unsigned char *der = NULL, md[32];
	unsigned int mdlen;
	int len;

	f->key = EVP_EC_gen("P-256");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, f->key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
				   -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, f->key, EVP_sha256());
	f->sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(f->sctx, x);
	SSL_CTX_use_PrivateKey(f->sctx, f->key);
	len = i2d_PUBKEY(f->key, &der);
	EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(f->pin + 2 * i, "%02x", md[i]);
	OPENSSL_free(der);
	X509_free(x);
}

/* The server side of the handshake; 0 when it completed. */
static int f_tls(struct fake *f)
{
	if (f->require_client_cert)
		SSL_CTX_set_verify(f->sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   NULL);
	if (f->tls_max)
		SSL_CTX_set_max_proto_version(f->sctx, f->tls_max);
	f->ssl = SSL_new(f->sctx);
	SSL_set_fd(f->ssl, f->fd);
	return SSL_accept(f->ssl) == 1 ? 0 : -1;
}

static void *f_main(void *arg)
{
	struct fake *f = arg;

	f->fd = accept(f->lfd, NULL, NULL);
	if (f->fd >= 0) {
		f->script(f);
		if (f->ssl) {
			SSL_shutdown(f->ssl);
			SSL_free(f->ssl);
			f->ssl = NULL;
		}
		close(f->fd);
	}
	return NULL;
}

static void f_start(struct fake *f, void (*script)(struct fake *f))
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	signal(SIGPIPE, SIG_IGN); /* the fake's own writes to a client that left */
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(f->lfd, (struct sockaddr *)&a, sizeof(a));
	listen(f->lfd, 1);
	getsockname(f->lfd, (struct sockaddr *)&a, &alen);
	f->port = ntohs(a.sin_port);
	f->script = script;
	if (!f->sctx)
		f_make_cert(f);
	pthread_create(&f->th, NULL, f_main, f);
}

static void f_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	SSL_CTX_free(f->sctx);
	EVP_PKEY_free(f->key);
	f->rx[f->rxlen] = '\0';
}

/* A message of n bytes of text lines, generated as it is read. */
struct gen {
	long long left;
};

static long gen_read(void *arg, char *buf, size_t len)
{
	struct gen *g = arg;
	size_t n = len < (size_t)g->left ? len : (size_t)g->left;

	for (size_t i = 0; i < n; i++)
		buf[i] = (i % 64 == 63) ? '\n' : 'a' + (char)(i % 26);
	g->left -= (long long)n;
	return (long)n;
}

struct run {
	struct irs_smtp_opts o;
	struct irs_smtp_rcpt rcpt[2];
	struct irs_smtp_msg m;
	struct irs_smtp_result res;
	struct gen g;
	struct irs_tls_ctx *tls;
};

static void run_setup(struct run *r, const struct fake *f, enum irs_smtp_tls tls, int verify)
{
	struct irs_tls_opts to = IRS_TLS_OPTS_INIT;
	char err[256];

	memset(r, 0, sizeof(*r));
	to.verify = verify;
	r->tls = irs_tls_ctx_new(&to, err, sizeof(err));
	r->o = (struct irs_smtp_opts){ .host = "127.0.0.1",
				       .port = f->port,
				       .timeout_ms = TIMEOUT_MS,
				       .helo_name = "scanner.test",
				       .tls = tls,
				       .tls_ctx = r->tls,
				       .auth = 1,
				       .user = "alice",
				       .password = PASSWORD };
	r->rcpt[0].addr = "bob@example.test";
	r->g.left = 1000;
	r->m = (struct irs_smtp_msg){ .from = "scanner@example.test",
				      .rcpt = r->rcpt,
				      .nrcpt = 1,
				      .size = 1000,
				      .read = gen_read,
				      .read_arg = &r->g };
}

static unsigned int run_send(struct run *r)
{
	unsigned int code = irs_smtp_send_once(&r->o, &r->m, &r->res);

	irs_tls_ctx_free(r->tls);
	return code;
}

/* Nothing secret, and no AUTH or MAIL at all, in what the server received in the clear. */
static int clean_wire(const struct fake *f)
{
	return !strstr(f->rx, PASSWORD) && !strstr(f->rx, "AUTH") && !strstr(f->rx, "MAIL") &&
	       !strstr(f->rx, "czNjcmV0"); /* base64 of "s3cret" at any alignment of PLAIN */
}

static void s_truncated_greeting(struct fake *f)
{
	f_send(f, "220-smtp.test ESMTP\r\n22");
}

TEST(truncated_reply_is_a_network_error)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_truncated_greeting);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_NETWORK, run_send(&r));
	EXPECT_EQ(1, r.res.temporary);
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_overlong(struct fake *f)
{
	char *big = malloc(70000 + 8);

	f_send(f, "220 smtp.test ESMTP\r\n");
	f_until(f, "EHLO");
	memcpy(big, "250-", 4);
	memset(big + 4, 'x', 70000);
	memcpy(big + 70004, "\r\n", 3);
	f_send(f, big);
	f_send(f, "250 OK\r\n");
	free(big);
}

TEST(overlong_line_is_a_protocol_error)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_overlong);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_wrong_greeting(struct fake *f)
{
	f_send(f, "250 hello, but not a greeting\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

TEST(out_of_sequence_greeting)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_wrong_greeting);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_mixed_codes(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n354 AUTH PLAIN\r\n");
}

TEST(reply_code_changing_mid_reply)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_mixed_codes);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_garbage_reply(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "2x0 what\r\n");
}

TEST(malformed_reply_code)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_garbage_reply);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	f_stop(&f);
}

static void s_bad_base64(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250 AUTH CRAM-MD5\r\n");
	f_until(f, "AUTH CRAM-MD5");
	f_send(f, "334 !!not*base64==\r\n");
	f_until(f, "*");
	f_send(f, "501 5.7.0 cancelled\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

TEST(bad_base64_challenge)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_bad_base64);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	f_stop(&f);
	EXPECT_EQ(NULL, strstr(f.rx, PASSWORD));
	EXPECT_EQ(NULL, strstr(f.rx, "MAIL"));
	EXPECT_NE(NULL, strstr(f.rx, "\r\n*\r\n"));
}

static void s_auth_refused(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250 AUTH CRAM-MD5\r\n");
	f_until(f, "AUTH CRAM-MD5");
	/* base64 of "<1.2@smtp.test>" */
	f_send(f, "334 PDEuMkBzbXRwLnRlc3Q+\r\n");
	f_line(f, (char[256]){ 0 }, 256);
	f_send(f, "535 5.7.8 alice: " PASSWORD " is wrong\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

/* A server that echoes a secret is beyond our control; our own texts never add one. */
TEST(rejected_credentials_839_permanent)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_auth_refused);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SMTP_AUTH, run_send(&r));
	EXPECT_EQ(0, r.res.temporary);
	EXPECT_EQ(535, r.res.reply);
	f_stop(&f);
	EXPECT_EQ(NULL, strstr(f.rx, PASSWORD));
	EXPECT_EQ(NULL, strstr(f.rx, "MAIL"));
}

static void s_stall_in_data(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250 smtp.test\r\n");
	f_until(f, "MAIL");
	f_send(f, "250 ok\r\n");
	f_until(f, "RCPT");
	f_send(f, "250 ok\r\n");
	f_until(f, "DATA");
	f_send(f, "354 go\r\n");
	sleep(4); /* read nothing: the client's writes block, then time out */
}

TEST(stall_mid_data_times_out)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_stall_in_data);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	r.o.auth = 0;
	r.g.left = 64ll << 20; /* more than any socket buffer holds */
	r.m.size = r.g.left;
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	EXPECT_EQ(1, r.res.temporary);
	EXPECT_EQ(0, r.res.sent);
	f_stop(&f);
}

static void s_close_after_starttls(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n");
	f_until(f, "STARTTLS");
	f_send(f, "220 go ahead\r\n");
}

TEST(close_right_after_starttls_841)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_close_after_starttls);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 1);
	EXPECT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r));
	EXPECT_EQ(0, r.res.temporary);
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_garbage_handshake(struct fake *f)
{
	s_close_after_starttls(f);
	f_send(f, "this is not a TLS record\r\n");
	sleep(1);
}

TEST(starttls_then_handshake_fails_841)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_garbage_handshake);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 1);
	EXPECT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_no_starttls(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250 AUTH PLAIN LOGIN\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

TEST(tls_required_but_not_offered_841)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_no_starttls);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 1);
	EXPECT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_starttls_refused(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
	f_until(f, "STARTTLS");
	f_send(f, "454 4.7.0 TLS not available\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

TEST(starttls_refused_841)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_starttls_refused);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 1);
	EXPECT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

/* "220" with a forged EHLO reply in the same packet, then a real TLS session. */
static void s_injection(struct fake *f)
{
	char line[1024];

	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250 STARTTLS\r\n");
	f_until(f, "STARTTLS");
	f_send(f, "220 go ahead\r\n250-forged\r\n250 AUTH PLAIN\r\n");
	if (f_tls(f))
		return;
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n");
	if (f_line(f, line, sizeof(line)) < 0 || strncmp(line, "AUTH PLAIN ", 11))
		return;
	f_send(f, "235 ok\r\n");
	f_until(f, "MAIL FROM:<scanner@example.test>");
	f_until(f, "RCPT TO:<bob@example.test>");
	f_send(f, "250 ok\r\n250 ok\r\n");
	f_until(f, "DATA");
	f_send(f, "354 go\r\n");
	f_until(f, ".");
	f_send(f, "250 queued\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

TEST(bytes_before_the_handshake_are_discarded)
{
	struct fake f = { 0 };
	struct run r;
	struct irs_tls_opts to = IRS_TLS_OPTS_INIT;
	char err[256];

	f_make_cert(&f);
	f_start(&f, s_injection);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 0);
	/* verify off, but the pin of the fake's key: the pin alone is the check. */
	irs_tls_ctx_free(r.tls);
	to.verify = 0;
	to.pin_sha256 = f.pin;
	r.tls = r.o.tls_ctx = irs_tls_ctx_new(&to, err, sizeof(err));
	ASSERT_NE(NULL, r.tls);
	EXPECT_EQ(IRS_E_SENT, run_send(&r));
	EXPECT_STREQ("PLAIN", r.res.mech);
	EXPECT_EQ(1, r.res.tls);
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_tls_then_quit(struct fake *f)
{
	f_send(f, "220 smtp.test\r\n");
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250 STARTTLS\r\n");
	f_until(f, "STARTTLS");
	f_send(f, "220 go ahead\r\n");
	if (f_tls(f))
		return;
	f_until(f, "EHLO");
	f_send(f, "250-smtp.test\r\n250 AUTH PLAIN\r\n");
	f_until(f, "QUIT");
	f_send(f, "221 bye\r\n");
}

TEST(untrusted_certificate_841)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_tls_then_quit);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 1);
	EXPECT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

TEST(wrong_pin_841)
{
	struct fake f = { 0 };
	struct run r;
	struct irs_tls_opts to = IRS_TLS_OPTS_INIT;
	char err[256];

	f_start(&f, s_tls_then_quit);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 0);
	irs_tls_ctx_free(r.tls);
	to.verify = 0;
	to.pin_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	r.tls = r.o.tls_ctx = irs_tls_ctx_new(&to, err, sizeof(err));
	EXPECT_EQ(IRS_E_TLS_HANDSHAKE, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

FIXTURE(client_cert){};
FIXTURE_SETUP(client_cert)
{
}
FIXTURE_TEARDOWN(client_cert)
{
}
FIXTURE_VARIANT(client_cert)
{
	int tls_max;
};
FIXTURE_VARIANT_ADD(client_cert, tls12){
	.tls_max = TLS1_2_VERSION,
};
FIXTURE_VARIANT_ADD(client_cert, tls13){
	.tls_max = TLS1_3_VERSION,
};

/* TLS 1.2 refuses in the handshake, TLS 1.3 at the first read after it: both are #842. */
TEST_F(client_cert, demanded_842)
{
	struct fake f = { 0 };
	struct run r;

	f_make_cert(&f);
	f.require_client_cert = 1;
	f.tls_max = variant->tls_max;
	f_start(&f, s_tls_then_quit);
	run_setup(&r, &f, IRS_SMTP_TLS_STARTTLS, 0);
	EXPECT_EQ(IRS_E_TLS_CLIENT_CERT, run_send(&r));
	f_stop(&f);
	EXPECT_TRUE(clean_wire(&f));
}

static void s_silent(struct fake *f)
{
	sleep(3);
	(void)f;
}

TEST(silent_server_times_out_801)
{
	struct fake f = { 0 };
	struct run r;

	f_start(&f, s_silent);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_SERVER, run_send(&r));
	EXPECT_EQ(1, r.res.temporary);
	f_stop(&f);
}

TEST(unknown_host_802)
{
	struct run r;
	struct fake f = { .port = 25 };

	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	r.o.host = "no-such-host.invalid";
	EXPECT_EQ(IRS_E_DNS, run_send(&r));
}

TEST(refused_connection_752)
{
	struct run r;
	struct fake f = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was just free: bound, not listening. */
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &alen);
	f.port = ntohs(a.sin_port);
	run_setup(&r, &f, IRS_SMTP_TLS_OFF, 1);
	EXPECT_EQ(IRS_E_CONNECT, run_send(&r));
	EXPECT_EQ(1, r.res.temporary);
	close(s);
}

TEST(tls_options_are_checked)
{
	struct irs_tls_opts to = IRS_TLS_OPTS_INIT;
	char err[256];

	to.pin_sha256 = "abc";
	EXPECT_EQ(NULL, irs_tls_ctx_new(&to, err, sizeof(err)));
	to.pin_sha256 = NULL;
	to.ca_file = "/nonexistent/ca.pem";
	EXPECT_EQ(NULL, irs_tls_ctx_new(&to, err, sizeof(err)));
	EXPECT_EQ(TLS1_3_VERSION, irs_tls_version_parse("1.3"));
	EXPECT_EQ(0, irs_tls_version_parse("1.0"));
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--send"))
		return smtp_send_cli(argc, argv);
	return test_harness_run(argc, argv);
}
