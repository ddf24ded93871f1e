// SPDX-License-Identifier: GPL-2.0
/*
 * The SMTP server of I-Fax reception (user/mail/smtpd*.c, tls_server.c).
 *
 * First the pure parts on their own: the command parser (every verb, the
 * ESMTP parameters, malformed and hostile lines, a random-line storm) and
 * the DATA decoder (dot-unstuffing, the end of data at every chunk split,
 * bare LF and CR, overlong lines).
 *
 * Then whole sessions against a server started in the test, driven by a
 * client written here byte by byte over loopback TCP: each STARTTLS mode,
 * 530 and close in REQUIRED mode, plaintext pipelined after STARTTLS
 * thrown away, a failed handshake, every limit, the stall rule with short
 * windows, max_sessions, peer refusal, deliver() refusing or slow, a
 * client gone mid-DATA, stop during DATA, restart on the same socket,
 * many clients at once. Real clients (swaks, openssl, Postfix) are
 * tests/host/smtpd_peers.sh.
 */
#define _GNU_SOURCE /* asprintf */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fsutil.h"
#include "keystore.h"
#include "smtpd.h"
#include "smtpd_cmd.h"
#include "smtpd_data.h"
#include "smtpd_io.h"
#include "tls_server.h"

#include "kselftest_harness.h"

#define HOST "rx.test"

/* ---------------------------------------------------------------- the parser */

static const char *parse(const char *line, struct smtpd_cmd *c)
{
	return smtpd_cmd_parse(line, strlen(line), c);
}

/* A refusal is one SMTP reply: "ddd d.d.d text". */
static int well_formed_refusal(const char *r)
{
	return r && strlen(r) > 10 && (r[0] == '5' || r[0] == '4') && r[3] == ' ' && r[4] == r[0] &&
	       r[5] == '.' && !strchr(r, '\r') && !strchr(r, '\n');
}

TEST(parser_knows_every_verb)
{
	static const struct {
		const char *line;
		enum smtpd_verb verb;
		int ok;
	} t[] = {
		{ "HELO client.test", SMTPD_VERB_HELO, 1 },
		{ "ehlo client.test", SMTPD_VERB_EHLO, 1 },
		{ "EHLO [192.0.2.1]", SMTPD_VERB_EHLO, 1 },
		{ "EHLO [IPv6:2001:db8::1]", SMTPD_VERB_EHLO, 1 },
		{ "EHLO WIN_PC-7", SMTPD_VERB_EHLO, 1 },
		{ "MAIL FROM:<a@b.test>", SMTPD_VERB_MAIL, 1 },
		{ "Rcpt To:<a@b.test>", SMTPD_VERB_RCPT, 1 },
		{ "DATA", SMTPD_VERB_DATA, 1 },
		{ "RSET", SMTPD_VERB_RSET, 1 },
		{ "NOOP", SMTPD_VERB_NOOP, 1 },
		{ "NOOP anything at all", SMTPD_VERB_NOOP, 1 },
		{ "QUIT", SMTPD_VERB_QUIT, 1 },
		{ "VRFY bob", SMTPD_VERB_VRFY, 1 },
		{ "HELP", SMTPD_VERB_HELP, 1 },
		{ "HELP MAIL", SMTPD_VERB_HELP, 1 },
		{ "STARTTLS", SMTPD_VERB_STARTTLS, 1 },
		{ "StartTLS ", SMTPD_VERB_STARTTLS, 1 },
		{ "EXPN list", SMTPD_VERB_EXPN, 1 },
		{ "AUTH PLAIN AGFsaWNlAHNlY3JldA==", SMTPD_VERB_AUTH, 1 },
		{ "BDAT 100 LAST", SMTPD_VERB_BDAT, 1 },
		{ "ETRN example.test", SMTPD_VERB_ETRN, 1 },
		{ "TURN", SMTPD_VERB_ETRN, 1 },
		{ "GET / HTTP/1.1", SMTPD_VERB_HTTP, 1 },
		{ "POST /x HTTP/1.0", SMTPD_VERB_HTTP, 1 },
		{ "CONNECT host:25 HTTP/1.1", SMTPD_VERB_HTTP, 1 },
		{ "XYZZY", SMTPD_VERB_UNKNOWN, 0 },
		{ "", SMTPD_VERB_UNKNOWN, 0 },
		{ "MAILFROM:<a@b.test>", SMTPD_VERB_UNKNOWN, 0 },
		{ "HELO", SMTPD_VERB_HELO, 0 },
		{ "EHLO two words", SMTPD_VERB_EHLO, 0 },
		{ "EHLO bad(host)", SMTPD_VERB_EHLO, 0 },
		{ "EHLO -leading.test", SMTPD_VERB_EHLO, 0 },
		{ "EHLO [300.1.1.1]", SMTPD_VERB_EHLO, 0 },
		{ "DATA now", SMTPD_VERB_DATA, 0 },
		{ "QUIT please", SMTPD_VERB_QUIT, 0 },
		{ "STARTTLS x", SMTPD_VERB_STARTTLS, 0 },
		{ "VRFY", SMTPD_VERB_VRFY, 0 },
	};
	struct smtpd_cmd c;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *r = parse(t[i].line, &c);

		EXPECT_EQ(t[i].verb, c.verb) TH_LOG("line '%s'", t[i].line);
		if (t[i].ok) {
			EXPECT_EQ(NULL, r) TH_LOG("line '%s' refused: %s", t[i].line, r);
		} else {
			EXPECT_TRUE(well_formed_refusal(r)) TH_LOG("line '%s': %s", t[i].line, r);
		}
	}
	ASSERT_EQ(NULL, parse("EHLO client.test", &c));
	EXPECT_STREQ("client.test", c.arg);
	ASSERT_EQ(NULL, parse("VRFY  Bob Smith ", &c));
	EXPECT_STREQ("Bob Smith", c.arg);
	EXPECT_STREQ("MAIL", smtpd_verb_name(SMTPD_VERB_MAIL));
}

TEST(parser_mail_parameters)
{
	struct smtpd_cmd c;
	char line[300];

	ASSERT_EQ(NULL, parse("MAIL FROM:<scanner@example.test> SIZE=12345 BODY=8BITMIME RET=HDRS "
			      "ENVID=QQ+2B314+3D",
			      &c));
	EXPECT_STREQ("scanner@example.test", c.path);
	EXPECT_TRUE(c.has_params);
	EXPECT_TRUE(c.has_size);
	EXPECT_EQ(12345, c.size);
	EXPECT_EQ(SMTPD_BODY_8BITMIME, c.body);
	EXPECT_EQ(SMTPD_RET_HDRS, c.ret);
	EXPECT_STREQ("QQ+314=", c.envid);

	ASSERT_EQ(NULL, parse("mail from: <a@b.test>  body=7bit  ret=full", &c));
	EXPECT_STREQ("a@b.test", c.path);
	EXPECT_EQ(SMTPD_BODY_7BIT, c.body);
	EXPECT_EQ(SMTPD_RET_FULL, c.ret);
	EXPECT_FALSE(c.has_size);

	ASSERT_EQ(NULL, parse("MAIL FROM:<>", &c));
	EXPECT_STREQ("", c.path);
	EXPECT_FALSE(c.has_params);
	ASSERT_EQ(NULL, parse("MAIL FROM:<> SIZE=0", &c));
	EXPECT_TRUE(c.has_size);
	ASSERT_EQ(NULL, parse("MAIL FROM:<a@b.test> SIZE=18446744073709551615", &c));
	EXPECT_EQ(18446744073709551615ULL, c.size);

	/* refused, each with its reply */
	EXPECT_STREQ("501 5.5.4 Bad SIZE parameter",
		     parse("MAIL FROM:<a@b.test> SIZE=18446744073709551616", &c));
	EXPECT_STREQ("501 5.5.4 Bad SIZE parameter", parse("MAIL FROM:<a@b.test> SIZE=12a", &c));
	EXPECT_STREQ("501 5.5.4 Bad SIZE parameter", parse("MAIL FROM:<a@b.test> SIZE", &c));
	EXPECT_STREQ("501 5.5.4 Bad parameter syntax", parse("MAIL FROM:<a@b.test> SIZE=", &c));
	EXPECT_STREQ("555 5.5.4 Unsupported BODY type",
		     parse("MAIL FROM:<a@b.test> BODY=BINARYMIME", &c));
	EXPECT_STREQ("501 5.5.4 Bad RET parameter", parse("MAIL FROM:<a@b.test> RET=ALL", &c));
	EXPECT_STREQ("501 5.5.4 Duplicate parameter",
		     parse("MAIL FROM:<a@b.test> SIZE=1 SIZE=2", &c));
	EXPECT_STREQ("555 5.5.4 Unsupported parameter", parse("MAIL FROM:<a@b.test> SMTPUTF8", &c));
	EXPECT_STREQ("555 5.5.4 Unsupported parameter", parse("MAIL FROM:<a@b.test> AUTH=<>", &c));
	EXPECT_STREQ("555 5.5.4 Unsupported parameter",
		     parse("MAIL FROM:<a@b.test> NOTIFY=NEVER", &c));
	/* ENVID: xtext only, decoded printable and at most 100 octets */
	EXPECT_STREQ("501 5.5.4 Bad ENVID parameter",
		     parse("MAIL FROM:<a@b.test> ENVID=a+0D+0Ab", &c));
	EXPECT_STREQ("501 5.5.4 Bad ENVID parameter", parse("MAIL FROM:<a@b.test> ENVID=a+4", &c));
	EXPECT_STREQ("501 5.5.4 Bad ENVID parameter", parse("MAIL FROM:<a@b.test> ENVID=a+ZZ", &c));
	snprintf(line, sizeof(line), "MAIL FROM:<a@b.test> ENVID=%0101d", 0);
	EXPECT_STREQ("501 5.5.4 Bad ENVID parameter", parse(line, &c));
	snprintf(line, sizeof(line), "MAIL FROM:<a@b.test> ENVID=%0100d", 0);
	EXPECT_EQ(NULL, parse(line, &c));
	EXPECT_EQ(100, strlen(c.envid));
	EXPECT_STREQ("501 5.5.4 Syntax: MAIL FROM:<address>",
		     parse("MAIL FROM:<a@b.test>SIZE=1", &c));
	EXPECT_STREQ("501 5.5.4 Bad parameter syntax", parse("MAIL FROM:<a@b.test> =1", &c));
	EXPECT_STREQ("501 5.5.4 Bad parameter syntax", parse("MAIL FROM:<a@b.test> SIZE==1", &c));
}

TEST(parser_rcpt_dsn)
{
	struct smtpd_cmd c;

	ASSERT_EQ(NULL, parse("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE,DELAY "
			      "ORCPT=rfc822;Bob+40example.test",
			      &c));
	EXPECT_STREQ("bob@example.test", c.path);
	EXPECT_EQ(SMTPD_NOTIFY_SUCCESS | SMTPD_NOTIFY_FAILURE | SMTPD_NOTIFY_DELAY, c.notify);
	EXPECT_STREQ("rfc822", c.orcpt_type);
	EXPECT_STREQ("Bob@example.test", c.orcpt);
	ASSERT_EQ(NULL, parse("RCPT TO:<bob@example.test> notify=never", &c));
	EXPECT_EQ(SMTPD_NOTIFY_NEVER, c.notify);
	ASSERT_EQ(NULL, parse("RCPT TO:<Postmaster>", &c));
	EXPECT_STREQ("Postmaster", c.path);

	EXPECT_STREQ("501 5.5.4 Bad NOTIFY parameter",
		     parse("RCPT TO:<b@e.test> NOTIFY=NEVER,SUCCESS", &c));
	EXPECT_STREQ("501 5.5.4 Bad NOTIFY parameter",
		     parse("RCPT TO:<b@e.test> NOTIFY=SOMETIMES", &c));
	EXPECT_STREQ("501 5.5.4 Bad NOTIFY parameter",
		     parse("RCPT TO:<b@e.test> NOTIFY=SUCCESS,", &c));
	EXPECT_STREQ("501 5.5.4 Bad ORCPT parameter", parse("RCPT TO:<b@e.test> ORCPT=rfc822", &c));
	EXPECT_STREQ("501 5.5.4 Bad ORCPT parameter",
		     parse("RCPT TO:<b@e.test> ORCPT=;b@e.test", &c));
	EXPECT_STREQ("501 5.5.4 Bad ORCPT parameter",
		     parse("RCPT TO:<b@e.test> ORCPT=rfc822;", &c));
	EXPECT_STREQ("501 5.5.4 Bad ORCPT parameter",
		     parse("RCPT TO:<b@e.test> ORCPT=utf-8;caf+C3+A9@e.test", &c));
	EXPECT_STREQ("555 5.5.4 Unsupported parameter", parse("RCPT TO:<b@e.test> SIZE=10", &c));
	EXPECT_STREQ("555 5.5.4 Unsupported parameter", parse("RCPT TO:<b@e.test> RET=FULL", &c));
	EXPECT_STREQ("501 5.1.3 Bad recipient address syntax", parse("RCPT TO:<>", &c));
	EXPECT_STREQ("501 5.1.3 Bad recipient address syntax", parse("RCPT TO:<postmaster2>", &c));
}

TEST(parser_addresses)
{
	static const char *const good[] = {
		"a@b.test",
		"first.last@sub.example.test",
		"\"quoted string\"@example.test",
		"\"a>b\\\"c\"@example.test",
		"x!#$%&'*+-/=?^_`{|}~@example.test",
		"user@[192.0.2.1]",
		"user@[IPv6:2001:db8::1]",
		"u@9.example.test",
	};
	static const struct {
		const char *line, *reply;
	} bad[] = {
		{ "MAIL FROM:a@b.test", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<a@b.test", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM <a@b.test>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL TO:<a@b.test>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "RCPT TO:a@b.test", "501 5.5.4 Syntax: RCPT TO:<address>" },
		{ "MAIL FROM:<a@>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<@b.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a b@c.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a..b@c.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<.a@c.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a.@c.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@b..test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@-b.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@b-.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@b_c.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@[1.2.3]>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@[IPv6:zz::1]>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@[tag:anything]>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@b@c.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<\"unterminated@b.test>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<a(comment)@b.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<a@b.test>>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<@a.test,:u@b.test>", "501 5.1.7 Bad sender address syntax" },
		{ "MAIL FROM:<@a.test,@:u@b.test>", "501 5.1.7 Bad sender address syntax" },
		{ "RCPT TO:<u@b.test", "501 5.5.4 Syntax: RCPT TO:<address>" },
		{ "RCPT TO:<caf\xc3\xa9@b.test>",
		  "553 5.6.7 Non-ASCII address needs SMTPUTF8, which is not offered" },
		{ "MAIL FROM:<u@b\xff.test>",
		  "553 5.6.7 Non-ASCII address needs SMTPUTF8, which is not offered" },
		{ "MAIL FROM:<u@b.test> SIZE=1\xe9",
		  "500 5.5.2 Syntax error: 8-bit character in command" },
	};
	struct smtpd_cmd c;
	char line[700], d[300] = "";

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>", good[i]);
		EXPECT_EQ(NULL, parse(line, &c)) TH_LOG("%s refused", good[i]);
		EXPECT_STREQ(good[i], c.path);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_STREQ(bad[i].reply, parse(bad[i].line, &c)) TH_LOG("line '%s'", bad[i].line);
	}

	/* a source route is accepted and dropped */
	ASSERT_EQ(NULL, parse("MAIL FROM:<@relay1.test,@relay2.test:user@b.test>", &c));
	EXPECT_STREQ("user@b.test", c.path);

	/* RFC 5321 size limits: local part 64, label 63, domain 255, path 256 */
	snprintf(line, sizeof(line), "RCPT TO:<%064d@b.test>", 0);
	EXPECT_EQ(NULL, parse(line, &c));
	snprintf(line, sizeof(line), "RCPT TO:<%065d@b.test>", 0);
	EXPECT_STREQ("501 5.1.3 Bad recipient address syntax", parse(line, &c));
	snprintf(line, sizeof(line), "RCPT TO:<u@%063d.test>", 0);
	EXPECT_EQ(NULL, parse(line, &c));
	snprintf(line, sizeof(line), "RCPT TO:<u@%064d.test>", 0);
	EXPECT_STREQ("501 5.1.3 Bad recipient address syntax", parse(line, &c));
	/* 4 labels of 63 and a dot each: a 255-octet domain is fine, 257 octets of path are not */
	for (int i = 0; i < 4; i++)
		snprintf(d + strlen(d), sizeof(d) - strlen(d), "%s%063d", i ? "." : "", i);
	ASSERT_EQ(255, strlen(d));
	snprintf(line, sizeof(line), "RCPT TO:<@x.test:u@%s>", d);
	EXPECT_STREQ("501 5.1.3 Bad recipient address syntax", parse(line, &c));
	d[252] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<ab@%s>", d);
	EXPECT_EQ(NULL, parse(line, &c)) TH_LOG("%s", line);
	EXPECT_EQ(255, strlen(c.path));
}

TEST(parser_hostile_bytes)
{
	struct smtpd_cmd c;
	char big[SMTPD_CMD_LINE_MAX + 10];

	EXPECT_STREQ("500 5.5.2 Syntax error: control character in command",
		     smtpd_cmd_parse("NO\0OP", 5, &c));
	EXPECT_EQ(SMTPD_VERB_UNKNOWN, c.verb);
	EXPECT_STREQ("500 5.5.2 Syntax error: control character in command",
		     smtpd_cmd_parse("MAIL FROM:<a@b.test>\0SIZE=1", 27, &c));
	EXPECT_EQ(SMTPD_VERB_MAIL, c.verb);
	EXPECT_STREQ("500 5.5.2 Syntax error: control character in command",
		     parse("MAIL FROM:<a@b.test>\rRCPT TO:<c@d.test>", &c));
	EXPECT_STREQ("500 5.5.2 Syntax error: control character in command",
		     parse("EHLO a\tb", &c));
	EXPECT_STREQ("500 5.5.2 Syntax error: control character in command",
		     parse("NOOP \x7f", &c));
	EXPECT_STREQ("500 5.5.2 Syntax error: 8-bit character in command",
		     parse("EHLO h\xc3\xa9.test", &c));
	EXPECT_STREQ("500 5.5.2 Syntax error: 8-bit character in command",
		     parse("N\xc3\xa9OP", &c));
	EXPECT_STREQ("500 5.5.2 Syntax error: 8-bit character in command", parse("HELP \xff", &c));

	memset(big, 'a', sizeof(big));
	memcpy(big, "NOOP ", 5);
	EXPECT_EQ(NULL, smtpd_cmd_parse(big, SMTPD_CMD_LINE_MAX, &c));
	EXPECT_STREQ("500 5.5.2 Line too long", smtpd_cmd_parse(big, SMTPD_CMD_LINE_MAX + 1, &c));
	EXPECT_EQ(SMTPD_VERB_NOOP, c.verb);
	/* a VRFY argument or a HELO domain over 255 octets */
	big[0] = 'V', big[1] = 'R', big[2] = 'F', big[3] = 'Y';
	EXPECT_STREQ("501 5.5.4 Syntax: VRFY/EXPN string", smtpd_cmd_parse(big, 300, &c));
	memcpy(big, "EHLO ", 5);
	EXPECT_STREQ("501 5.5.2 Invalid domain name", smtpd_cmd_parse(big, 300, &c));
}

/* Random lines, and mutations of good ones: never a crash, always a well-formed answer. */
TEST(parser_random_lines)
{
	static const char *const seeds[] = {
		"MAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=x+2By",
		"RCPT TO:<\"q s\"@[IPv6:::1]> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+40b",
		"EHLO [192.0.2.1]",
		"MAIL FROM:<@a.test,@b.test:c@d.test>",
	};
	static const char alphabet[] =
		"<>@.:;=+,\"\\[] \r\n\0\x80\xffMAILFROMRCPTOSZEhelo0123456789-";
	unsigned int seed = 12345;
	struct smtpd_cmd c;
	char line[600];
	unsigned long accepted = 0;

	for (int round = 0; round < 200000; round++) {
		size_t n;
		const char *r;

		if (round & 1) {
			const char *s = seeds[(unsigned)round / 2 % 4];

			n = strlen(s);
			memcpy(line, s, n);
			for (int k = 0; k < 1 + rand_r(&seed) % 4; k++)
				line[rand_r(&seed) % n] =
					alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		} else {
			n = (size_t)(rand_r(&seed) % (int)sizeof(line));
			for (size_t k = 0; k < n; k++)
				line[k] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		}
		r = smtpd_cmd_parse(line, n, &c);
		if (r) {
			ASSERT_TRUE(well_formed_refusal(r)) TH_LOG("%s", r);
			continue;
		}
		accepted++;
		/* what is accepted is printable ASCII and within its limits */
		ASSERT_LE(strlen(c.path), SMTPD_PATH_MAX);
		ASSERT_LE(strlen(c.envid), SMTPD_ENVID_MAX);
		ASSERT_LE(strlen(c.orcpt), SMTPD_ORCPT_MAX);
		for (const char *p = c.path; *p; p++)
			ASSERT_TRUE(*p >= 32 && *p < 127);
		for (const char *p = c.envid; *p; p++)
			ASSERT_TRUE(*p >= 32 && *p < 127);
		for (const char *p = c.arg; *p; p++)
			ASSERT_TRUE((*p > 32 && *p < 127 && !strchr("()<>", *p)) ||
				    c.verb == SMTPD_VERB_VRFY || c.verb == SMTPD_VERB_EXPN);
	}
	EXPECT_GT(accepted, 100); /* the mutations keep some lines valid */
}

/* ---------------------------------------------------------------- the DATA decoder */

/* Decode msg in chunks of step bytes: status, output in out. */
static enum smtpd_data_status decode_in_steps(const char *msg, size_t n, size_t step, char *out,
					      size_t *outlen, size_t *consumed, bool *overlong)
{
	struct smtpd_data d;
	enum smtpd_data_status st = SMTPD_DATA_MORE;
	size_t i = 0;

	smtpd_data_init(&d, 1000);
	*outlen = 0;
	while (i < n && st == SMTPD_DATA_MORE) {
		size_t chunk = n - i < step ? n - i : step, o, used;

		st = smtpd_data_decode(&d, msg + i, chunk, out + *outlen, &o, &used);
		*outlen += o;
		i += used;
	}
	*consumed = i;
	*overlong = d.overlong;
	return st;
}

TEST(data_decoder_unstuffs_at_every_split)
{
	static const char msg[] = "Subject: x\r\n\r\n..leading dot\r\n.single stuffed\r\n"
				  "...\r\n.\r\r\n" /* not the end: ".\r" then "\r\n" is bare CR */;
	static const char good[] = "Subject: x\r\n\r\n..leading dot\r\n..\r\nlast\r\n.\r\nQUIT\r\n";
	static const char want[] = "Subject: x\r\n\r\n.leading dot\r\n.\r\nlast\r\n";
	char out[256];
	size_t outlen, used;
	bool overlong;

	for (size_t step = 1; step <= sizeof(good); step++) {
		ASSERT_EQ(SMTPD_DATA_END, decode_in_steps(good, sizeof(good) - 1, step, out,
							  &outlen, &used, &overlong));
		ASSERT_EQ(strlen(want), outlen) TH_LOG("step %zu", step);
		ASSERT_EQ(0, memcmp(want, out, outlen));
		/* what follows the end belongs to the next command */
		ASSERT_STREQ("QUIT\r\n", good + used);
		ASSERT_FALSE(overlong);
	}
	for (size_t step = 1; step <= sizeof(msg); step++)
		ASSERT_EQ(SMTPD_DATA_BARE_CR, decode_in_steps(msg, sizeof(msg) - 1, step, out,
							      &outlen, &used, &overlong));
	/* the shortest message: nothing at all */
	ASSERT_EQ(SMTPD_DATA_END, decode_in_steps(".\r\n", 3, 1, out, &outlen, &used, &overlong));
	EXPECT_EQ(0, outlen);
	/* a non-stuffed leading dot loses it (RFC 5321 4.5.2) */
	ASSERT_EQ(SMTPD_DATA_END,
		  decode_in_steps(".x\r\n.\r\n", 7, 3, out, &outlen, &used, &overlong));
	EXPECT_EQ(3, outlen);
	EXPECT_EQ(0, memcmp("x\r\n", out, 3));
	/* 8-bit and NUL bytes are data */
	ASSERT_EQ(SMTPD_DATA_END,
		  decode_in_steps("\xc3\xa9\0\xff\r\n.\r\n", 9, 2, out, &outlen, &used, &overlong));
	EXPECT_EQ(6, outlen);
}

TEST(data_decoder_refuses_bare_line_ends)
{
	static const char *const smuggle[] = {
		"a\r\n.\n",		/* <LF>.<LF> style end */
		"a\n.\r\n",		/* bare LF before the dot */
		"a\r\n.\rMAIL\r\n",	/* <CR>.<CR> style */
		"a\rb\r\n.\r\n",	/* bare CR inside a line */
		"a\r\n\n.\r\n",		/* empty line of a bare LF */
		"header: x\n\r\n.\r\n", /* LF-only line end */
	};
	char out[64];
	size_t outlen, used;
	bool overlong;

	for (size_t i = 0; i < sizeof(smuggle) / sizeof(smuggle[0]); i++) {
		for (size_t step = 1; step <= strlen(smuggle[i]); step++) {
			enum smtpd_data_status st =
				decode_in_steps(smuggle[i], strlen(smuggle[i]), step, out, &outlen,
						&used, &overlong);

			ASSERT_TRUE(st == SMTPD_DATA_BARE_LF || st == SMTPD_DATA_BARE_CR)
			TH_LOG("'%s' step %zu gave %d", smuggle[i], step, st);
		}
	}
}

TEST(data_decoder_line_limit)
{
	char msg[2100], out[2100];
	size_t outlen, used;
	bool overlong;

	/* 998 characters and CRLF: the limit exactly */
	memset(msg, 'x', 998);
	memcpy(msg + 998, "\r\n.\r\n", 5);
	ASSERT_EQ(SMTPD_DATA_END, decode_in_steps(msg, 1003, 7, out, &outlen, &used, &overlong));
	EXPECT_FALSE(overlong);
	/* a stuffing dot counts: it was sent */
	msg[0] = '.';
	memmove(msg + 1, msg, 1003);
	msg[0] = '.';
	ASSERT_EQ(SMTPD_DATA_END, decode_in_steps(msg, 1004, 7, out, &outlen, &used, &overlong));
	EXPECT_TRUE(overlong);
	memset(msg, 'x', 2000);
	memcpy(msg + 2000, "\r\n.\r\n", 5);
	ASSERT_EQ(SMTPD_DATA_END, decode_in_steps(msg, 2005, 100, out, &outlen, &used, &overlong));
	EXPECT_TRUE(overlong);
	EXPECT_EQ(2002, outlen); /* still decoded: the session reads to the end, then refuses */
}

/* ---------------------------------------------------------------- sessions */

FIXTURE(srv)
{
	char dir[64], spool[96], out[96], keys[96];
	int lfd;
	uint16_t port;
	struct smtpd_opts o;
	struct smtpd *s;
	SSL_CTX *tls;
	pthread_mutex_t lock;
	int events[SMTPD_EV_LOCAL + 1];
	char detail[SMTPD_EV_LOCAL + 1][256];
	char event_peer[64];
	int delivered;
	char env[8192]; /* the last envelope deliver() saw, one "key value" a line */
	char path_mode[16];
	const char *refuse;
	int deliver_sleep_ms;
	bool deny;
	int allowed_family;
};

static int t_deliver(const struct smtpd_envelope *e, const char *path, void *arg, char *reply,
		     size_t replylen)
{
	FIXTURE_DATA(srv) *self = arg;
	char dst[256], *p;
	struct stat st;
	size_t left;
	int rc = 0;

	if (self->deliver_sleep_ms)
		usleep((useconds_t)self->deliver_sleep_ms * 1000);
	pthread_mutex_lock(&self->lock);
	p = self->env;
	left = sizeof(self->env);
#define ADD(...)                                                                                   \
	do {                                                                                       \
		int n_ = snprintf(p, left, __VA_ARGS__);                                           \
		if (n_ > 0 && (size_t)n_ < left)                                                   \
			p += n_, left -= (size_t)n_;                                               \
	} while (0)
	ADD("peer %s\nhelo %s\nesmtp %d\nfrom <%s>\n", e->peer, e->helo, e->esmtp, e->mail_from);
	for (size_t i = 0; i < e->nrcpt; i++)
		ADD("rcpt <%s> notify=%u orcpt=%s;%s\n", e->rcpt[i], e->rcpt_dsn[i].notify,
		    e->rcpt_dsn[i].orcpt_type, e->rcpt_dsn[i].orcpt);
	ADD("tls %d %s %s\nid %s\nsize %llu\ndeclared %llu\nbody %d\nret %d\nenvid %s\n", e->tls,
	    e->tls_version, e->tls_cipher, e->id, e->size, e->declared_size, e->body, e->dsn_ret,
	    e->dsn_envid);
#undef ADD
	snprintf(self->path_mode, sizeof(self->path_mode), "%o",
		 stat(path, &st) ? 0 : st.st_mode & 0777);
	if (self->refuse) {
		snprintf(reply, replylen, "%s", self->refuse);
		rc = 1;
	} else {
		snprintf(dst, sizeof(dst), "%s/%s.eml", self->out, e->id);
		rc = rename(path, dst) ? 1 : 0;
		self->delivered += !rc;
	}
	pthread_mutex_unlock(&self->lock);
	return rc;
}

static void t_event(enum smtpd_event ev, const char *peer, const char *detail, void *arg)
{
	FIXTURE_DATA(srv) *self = arg;

	pthread_mutex_lock(&self->lock);
	self->events[ev]++;
	snprintf(self->detail[ev], sizeof(self->detail[ev]), "%s", detail);
	snprintf(self->event_peer, sizeof(self->event_peer), "%s", peer);
	pthread_mutex_unlock(&self->lock);
}

static bool t_allowed(const struct sockaddr *sa, socklen_t len, void *arg)
{
	FIXTURE_DATA(srv) *self = arg;

	(void)len;
	self->allowed_family = sa->sa_family;
	return !self->deny;
}

static int events(FIXTURE_DATA(srv) * self, enum smtpd_event ev)
{
	int n;

	pthread_mutex_lock(&self->lock);
	n = self->events[ev];
	pthread_mutex_unlock(&self->lock);
	return n;
}

static int delivered(FIXTURE_DATA(srv) * self)
{
	int n;

	pthread_mutex_lock(&self->lock);
	n = self->delivered;
	pthread_mutex_unlock(&self->lock);
	return n;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &len);
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

FIXTURE_SETUP(srv)
{
	char err[256];

	signal(SIGPIPE, SIG_IGN); /* the test client's writes to a server that closed */
	snprintf(self->dir, sizeof(self->dir), "/tmp/smtpd_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->spool, sizeof(self->spool), "%s/spool", self->dir);
	snprintf(self->out, sizeof(self->out), "%s/out", self->dir);
	snprintf(self->keys, sizeof(self->keys), "%s/keys", self->dir);
	ASSERT_EQ(0, mkdir(self->spool, 0700));
	ASSERT_EQ(0, mkdir(self->out, 0700));
	pthread_mutex_init(&self->lock, NULL);
	self->lfd = smtpd_listen("127.0.0.1", 0, err, sizeof(err));
	ASSERT_LE(0, self->lfd) TH_LOG("%s", err);
	self->port = port_of(self->lfd);
	self->o = (struct smtpd_opts){ .listen_fd = self->lfd,
				       .hostname = HOST,
				       .spool_dir = self->spool,
				       .deliver = t_deliver,
				       .event = t_event,
				       .peer_allowed = t_allowed,
				       .arg = self };
}

FIXTURE_TEARDOWN(srv)
{
	smtpd_stop(self->s);
	SSL_CTX_free(self->tls);
	if (self->lfd >= 0)
		close(self->lfd);
	remove_tree(self->dir);
}

/* A TLS context from a fresh ECDSA key made by the agent's keystore. */
static SSL_CTX *make_tls(FIXTURE_DATA(srv) * self)
{
	struct keystore_gen_opts g = { .alg = KEYSTORE_EC256, .cn = "localhost" };
	char err[512], crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX];
	struct keystore *ks = keystore_open(self->keys, err, sizeof(err));
	SSL_CTX *ctx = NULL;

	if (ks && keystore_generate(ks, "t", &g, err, sizeof(err)) == 0 &&
	    keystore_paths(ks, "t", crt, key) == 0)
		ctx = irs_tls_server_ctx_new(crt, key, 0, err, sizeof(err));
	if (!ctx)
		fprintf(stderr, "# make_tls: %s\n", err);
	keystore_close(ks);
	return ctx;
}

static int srv_go(FIXTURE_DATA(srv) * self, enum smtpd_tls_mode mode)
{
	char err[256];

	self->o.tls_mode = mode;
	if (mode != SMTPD_TLS_OFF && !self->tls) {
		self->tls = make_tls(self);
		if (!self->tls)
			return -1;
	}
	self->o.tls_ctx = self->tls;
	if (smtpd_start(&self->s, &self->o, err, sizeof(err))) {
		fprintf(stderr, "# smtpd_start: %s\n", err);
		return -1;
	}
	return 0;
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static int64_t now_ms(void)
{
	return smtpd_now_ms();
}

/* Wait up to ms for cond: true when it held. */
#define WAIT_FOR(cond, ms)                                                                         \
	({                                                                                         \
		int64_t end_ = now_ms() + (ms);                                                    \
		while (!(cond) && now_ms() < end_)                                                 \
			usleep(10000);                                                             \
		(bool)(cond);                                                                      \
	})

/* The test's SMTP client: raw bytes over TCP, TLS when asked. */
struct cli {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[65536];
	size_t len;
};

static int cli_open_at(struct cli *c, int family, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct timeval tv = { .tv_sec = 5 };
	socklen_t len;

	memset(c, 0, sizeof(*c));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		len = sizeof(*a);
	}
	c->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return connect(c->fd, (struct sockaddr *)&ss, len);
}

static int cli_open(struct cli *c, uint16_t port)
{
	return cli_open_at(c, AF_INET, port);
}

static void cli_close(struct cli *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->ssl = NULL;
	c->ctx = NULL;
}

static int cli_write(struct cli *c, const void *p, size_t n)
{
	if (c->ssl)
		return SSL_write(c->ssl, p, (int)n) == (int)n ? 0 : -1;
	return send(c->fd, p, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static int cli_send(struct cli *c, const char *s)
{
	return cli_write(c, s, strlen(s));
}

/* More bytes into buf: their count, 0 at EOF, -1 on error or timeout. */
static ssize_t cli_fill(struct cli *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -1;
	if (c->ssl) {
		n = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len));
		if (n <= 0)
			return SSL_get_error(c->ssl, (int)n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
	} else {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	}
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

/* One reply, continuation lines joined with '\n' into text: its code, or -1. */
static int cli_reply(struct cli *c, char *text, size_t len)
{
	size_t tl = 0;

	text[0] = '\0';
	for (;;) {
		char *lf = memchr(c->buf, '\n', c->len);
		size_t ll;
		int more, code;

		if (!lf) {
			if (cli_fill(c) <= 0)
				return -1;
			continue;
		}
		ll = (size_t)(lf - c->buf) + 1;
		if (ll < 5 || lf[-1] != '\r')
			return -1; /* the server must send CRLF, and at least "ddd" */
		code = (c->buf[0] - '0') * 100 + (c->buf[1] - '0') * 10 + (c->buf[2] - '0');
		more = c->buf[3] == '-';
		tl += (size_t)snprintf(text + tl, tl < len ? len - tl : 0, "%s%.*s", tl ? "\n" : "",
				       (int)(ll - 2), c->buf);
		memmove(c->buf, c->buf + ll, c->len - ll);
		c->len -= ll;
		if (!more)
			return code;
	}
}

static int cli_cmd(struct cli *c, const char *cmd, char *text, size_t len)
{
	char line[4200];

	snprintf(line, sizeof(line), "%s\r\n", cmd);
	if (cli_send(c, line))
		return -1;
	return cli_reply(c, text, len);
}

/* The server closed the connection (EOF or reset), with nothing more to read. */
static bool cli_closed(struct cli *c)
{
	return c->len == 0 && cli_fill(c) == 0;
}

static int cli_starttls(struct cli *c, int max_version)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return -1;
	if (max_version) {
		SSL_CTX_set_security_level(c->ctx, 0);
		SSL_CTX_set_min_proto_version(c->ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(c->ctx, max_version);
		SSL_CTX_set_cipher_list(c->ctx, "DEFAULT:@SECLEVEL=0");
	}
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_connect(c->ssl) == 1)
		return 0;
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
	return -1;
}

/* Connect, 220, EHLO: 0 when all went as it should. */
static int cli_hello(struct cli *c, uint16_t port, char *t, size_t tl)
{
	if (cli_open(c, port) || cli_reply(c, t, tl) != 220)
		return -1;
	return cli_cmd(c, "EHLO client.test", t, tl) == 250 ? 0 : -1;
}

/* The delivered message (our file in out/), Received: header and all: malloc()ed, or NULL. */
static char *read_delivered(FIXTURE_DATA(srv) * self, size_t *len)
{
	DIR *d = opendir(self->out);
	struct dirent *e;
	char path[400] = "", *buf = NULL;
	FILE *f;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s", self->out, e->d_name);
	if (d)
		closedir(d);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

/* The message after our Received: header (its continuation lines start with a tab). */
static const char *after_received(const char *msg)
{
	const char *p = msg;

	if (strncmp(p, "Received: ", 10))
		return NULL;
	do {
		p = strstr(p, "\r\n");
		if (!p)
			return NULL;
		p += 2;
	} while (*p == '\t');
	return p;
}

static char T[8192]; /* reply text */

TEST_F(srv, greeting_and_capabilities)
{
	struct cli c;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_open(&c, self->port));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("220 " HOST " ESMTP irsend", T);
	ASSERT_EQ(250, cli_cmd(&c, "EHLO client.test", T, sizeof(T)));
	EXPECT_STREQ("250-" HOST "\n250-PIPELINING\n250-SIZE 10485760\n250-8BITMIME\n"
		     "250-ENHANCEDSTATUSCODES\n250 DSN",
		     T);
	EXPECT_EQ(NULL, strstr(T, "AUTH"));
	EXPECT_EQ(NULL, strstr(T, "STARTTLS"));
	/* OFF: STARTTLS is not there and not done */
	EXPECT_EQ(502, cli_cmd(&c, "STARTTLS", T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "HELO other.test", T, sizeof(T)));
	EXPECT_STREQ("250 " HOST, T);
	EXPECT_EQ(221, cli_cmd(&c, "QUIT", T, sizeof(T)));
	EXPECT_TRUE(cli_closed(&c));
	cli_close(&c);
}

TEST_F(srv, message_delivered_byte_for_byte)
{
	static const char body[] = "From: <scanner@example.test>\r\nSubject: fax\r\n\r\n"
				   "..a stuffed dot\r\n...two\r\n\r\n\xc3\xa9t\xc3\xa9 8-bit\r\n"
				   "tab\tand trailing space \r\n";
	static const char want[] = "From: <scanner@example.test>\r\nSubject: fax\r\n\r\n"
				   ".a stuffed dot\r\n..two\r\n\r\n\xc3\xa9t\xc3\xa9 8-bit\r\n"
				   "tab\tand trailing space \r\n";
	struct cli c;
	char id[32] = "", *msg, *want_recv, line[64];
	const char *rest;
	size_t len;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<scanner@example.test> BODY=8BITMIME SIZE=200", T,
			       sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<fax@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&c, body));
	ASSERT_EQ(250, cli_cmd(&c, ".", T, sizeof(T)));
	ASSERT_EQ(1, sscanf(T, "250 2.0.0 Ok: queued as %31s", id));
	ASSERT_EQ(1, delivered(self));
	EXPECT_STREQ("600", self->path_mode);
	msg = read_delivered(self, &len);
	ASSERT_NE(NULL, msg);
	rest = after_received(msg);
	ASSERT_NE(NULL, rest);
	EXPECT_EQ(strlen(want), len - (size_t)(rest - msg));
	EXPECT_EQ(0, memcmp(want, rest, strlen(want)));
	/* Received: from the HELO and the address, by us, with ESMTP, our id, the recipient */
	ASSERT_LE(0, asprintf(&want_recv,
			      "Received: from client.test ([127.0.0.1])\r\n\tby " HOST
			      " (irsend) with ESMTP id %s\r\n\tfor <fax@rx.test>;\r\n\t",
			      id));
	EXPECT_EQ(0, strncmp(msg, want_recv, strlen(want_recv))) TH_LOG("%.300s", msg);
	EXPECT_EQ(NULL, strstr(msg, "(using"));
	free(want_recv);
	/* the envelope */
	EXPECT_NE(NULL,
		  strstr(self->env, "peer 127.0.0.1\nhelo client.test\nesmtp 1\n"
				    "from <scanner@example.test>\nrcpt <fax@rx.test> notify=0 "
				    "orcpt=;\ntls 0  \n"));
	EXPECT_NE(NULL, strstr(self->env, "declared 200\nbody 2\n"));
	snprintf(line, sizeof(line), "id %s\nsize %zu\n", id, strlen(want));
	EXPECT_NE(NULL, strstr(self->env, line)) TH_LOG("%s", self->env);
	EXPECT_EQ(0, count_files(self->spool));
	/* the session goes on: a second message, two recipients, after RSET */
	EXPECT_EQ(250, cli_cmd(&c, "RSET", T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "MAIL FROM:<>", T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "RCPT TO:<a@rx.test>", T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "RCPT TO:<b@rx.test>", T, sizeof(T)));
	EXPECT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_EQ(2, delivered(self));
	EXPECT_NE(NULL, strstr(self->env, "from <>\nrcpt <a@rx.test> notify=0 orcpt=;\n"
					  "rcpt <b@rx.test> notify=0 orcpt=;\n"));
	free(msg);
	cli_close(&c);
}

TEST_F(srv, helo_session_says_smtp_and_refuses_esmtp_parameters)
{
	struct cli c;
	char *msg;
	size_t len;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_open(&c, self->port));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "HELO [192.0.2.7]", T, sizeof(T)));
	EXPECT_EQ(555, cli_cmd(&c, "MAIL FROM:<a@b.test> SIZE=10", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	EXPECT_EQ(555, cli_cmd(&c, "RCPT TO:<c@rx.test> NOTIFY=NEVER", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<c@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "hi\r\n.", T, sizeof(T)));
	msg = read_delivered(self, &len);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(0, strncmp(msg, "Received: from [192.0.2.7] ([127.0.0.1])\r\n", 42));
	EXPECT_NE(NULL, strstr(msg, " with SMTP id "));
	free(msg);
	cli_close(&c);
}

TEST_F(srv, sequence_and_command_errors)
{
	static const struct {
		const char *cmd;
		int code;
		const char *text;
	} t[] = {
		{ "MAIL FROM:<a@b.test>", 503, "503 5.5.1 Error: send HELO/EHLO first" },
		{ "EHLO client.test", 250, NULL },
		{ "RCPT TO:<a@b.test>", 503, "503 5.5.1 Error: need MAIL command" },
		{ "DATA", 503, "503 5.5.1 Error: need MAIL command" },
		{ "MAIL FROM:<a@b.test>", 250, "250 2.1.0 Ok" },
		{ "MAIL FROM:<a@b.test>", 503, "503 5.5.1 Error: nested MAIL command" },
		{ "DATA", 503, "503 5.5.1 Error: need RCPT command" },
		{ "RCPT TO:<bad address@x>", 501, "501 5.1.3 Bad recipient address syntax" },
		{ "DATA", 554, "554 5.5.1 Error: no valid recipients" },
		{ "RSET", 250, "250 2.0.0 Ok" },
		{ "RCPT TO:<a@b.test>", 503, NULL },
		{ "NOOP", 250, "250 2.0.0 Ok" },
		{ "VRFY postmaster", 252, NULL },
		{ "HELP", 214, NULL },
		{ "EXPN staff", 502, "502 5.5.1 Error: command not implemented" },
		{ "AUTH PLAIN AGFAYgBj", 502, "502 5.5.1 Error: authentication not enabled" },
		{ "BDAT 10 LAST", 502, NULL },
		{ "ETRN rx.test", 502, NULL },
		{ "FOO bar", 500, "500 5.5.2 Error: command not recognized" },
		{ "DATA extra", 501, NULL },
		{ "MAIL FROM:<caf\xc3\xa9@b.test>", 553, NULL },
		{ "NOOP \xff", 500, NULL },
	};
	struct cli c;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_open(&c, self->port));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		EXPECT_EQ(t[i].code, cli_cmd(&c, t[i].cmd, T, sizeof(T)))
		TH_LOG("%s: %s", t[i].cmd, T);
		if (t[i].text)
			EXPECT_STREQ(t[i].text, T);
	}
	/* a NUL inside a command */
	ASSERT_EQ(0, cli_write(&c, "NO\0OP\r\n", 7));
	EXPECT_EQ(500, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "NOOP", T, sizeof(T)));
	EXPECT_EQ(0, delivered(self));
	cli_close(&c);
}

TEST_F(srv, pipelined_group_answered_in_order)
{
	struct cli c;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&c, "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@rx.test>\r\n"
				  "RCPT TO:<not valid>\r\nRCPT TO:<y@rx.test>\r\nDATA\r\n"));
	EXPECT_EQ(250, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(250, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(501, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(250, cli_reply(&c, T, sizeof(T)));
	ASSERT_EQ(354, cli_reply(&c, T, sizeof(T)));
	/* the end of data and the next commands in one write */
	ASSERT_EQ(0, cli_send(&c, "body\r\n.\r\nRSET\r\nQUIT\r\n"));
	EXPECT_EQ(250, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(250, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(221, cli_reply(&c, T, sizeof(T)));
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_EQ(1, delivered(self));
	EXPECT_NE(NULL, strstr(self->env, "rcpt <x@rx.test> notify=0 orcpt=;\n"
					  "rcpt <y@rx.test> notify=0 orcpt=;\n"));
	cli_close(&c);
}

TEST_F(srv, dsn_parameters_reach_deliver)
{
	struct cli c;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<s@b.test> RET=HDRS ENVID=job+2B42", T, sizeof(T)));
	ASSERT_EQ(250,
		  cli_cmd(&c, "RCPT TO:<a@rx.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;A+40rx.test",
			  T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<b@rx.test> NOTIFY=NEVER", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_NE(NULL, strstr(self->env, "rcpt <a@rx.test> notify=10 orcpt=rfc822;A@rx.test\n"
					  "rcpt <b@rx.test> notify=1 orcpt=;\n"))
	TH_LOG("%s", self->env);
	EXPECT_NE(NULL, strstr(self->env, "ret 2\nenvid job+42\n"));
	cli_close(&c);
}

TEST_F(srv, bare_lf_ends_the_session)
{
	struct cli c;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	/* in a command */
	ASSERT_EQ(0, cli_open(&c, self->port));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&c, "EHLO client.test\n"));
	EXPECT_EQ(521, cli_reply(&c, T, sizeof(T)));
	EXPECT_TRUE(cli_closed(&c));
	cli_close(&c);
	/* in DATA: "<LF>.<LF>" must not end a message here, nor anything after it be a command */
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&c, "first\r\n.\nMAIL FROM:<evil@b.test>\r\nRCPT TO:<x@rx.test>\r\n"
				  "DATA\r\nsmuggled\r\n.\r\n"));
	EXPECT_EQ(521, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("521 5.5.2 Error: bare <LF> received", T);
	EXPECT_TRUE(cli_closed(&c));
	cli_close(&c);
	EXPECT_TRUE(WAIT_FOR(count_files(self->spool) == 0, 2000));
	EXPECT_EQ(0, delivered(self));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_PROTOCOL) == 2, 2000));
}

TEST_F(srv, overlong_lines)
{
	struct cli c;
	char line[1400];

	self->o.max_line = 100;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	/* a command line: 500 5.5.2, and the session goes on */
	memset(line, 'a', sizeof(line));
	memcpy(line, "NOOP ", 5);
	line[150] = '\0';
	EXPECT_EQ(500, cli_cmd(&c, line, T, sizeof(T)));
	EXPECT_STREQ("500 5.5.2 Line too long", T);
	line[97] = '\0'; /* 97 + CRLF: within 100 */
	EXPECT_EQ(250, cli_cmd(&c, line, T, sizeof(T)));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_LIMIT) == 1, 2000));
	/* a text line over 1000 octets: read to the end, then refused; nothing stored */
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	memset(line, 'b', sizeof(line));
	line[1001] = '\0';
	ASSERT_EQ(0, cli_send(&c, line));
	EXPECT_EQ(554, cli_cmd(&c, "\r\nmore\r\n.", T, sizeof(T)));
	EXPECT_STREQ("554 5.6.0 Error: message refused: text line too long", T);
	EXPECT_EQ(0, count_files(self->spool));
	/* 998 is fine */
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	line[998] = '\0';
	ASSERT_EQ(0, cli_send(&c, line));
	EXPECT_EQ(250, cli_cmd(&c, "\r\n.", T, sizeof(T)));
	EXPECT_EQ(1, delivered(self));
	cli_close(&c);
}

TEST_F(srv, size_limit)
{
	struct cli c;
	char big[3000];

	self->o.max_message_bytes = 1000;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	EXPECT_NE(NULL, strstr(T, "\n250-SIZE 1000\n"));
	EXPECT_EQ(552, cli_cmd(&c, "MAIL FROM:<a@b.test> SIZE=1001", T, sizeof(T)));
	EXPECT_STREQ("552 5.3.4 Error: message size exceeds fixed limit", T);
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test> SIZE=1000", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	/* it lied: 30 lines of 100 */
	for (int i = 0; i < 30; i++) {
		memset(big + i * 100, 'z', 98);
		memcpy(big + i * 100 + 98, "\r\n", 2);
	}
	ASSERT_EQ(0, cli_write(&c, big, sizeof(big)));
	EXPECT_EQ(552, cli_cmd(&c, ".", T, sizeof(T)));
	EXPECT_EQ(0, count_files(self->spool));
	EXPECT_EQ(0, delivered(self));
	/* exactly the limit is fine */
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(0, cli_write(&c, big, 1000));
	EXPECT_EQ(250, cli_cmd(&c, ".", T, sizeof(T)));
	EXPECT_NE(NULL, strstr(self->env, "size 1000\n"));
	cli_close(&c);
}

TEST_F(srv, recipient_limit)
{
	struct cli c;

	self->o.max_recipients = 3;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	EXPECT_EQ(452, cli_cmd(&c, "RCPT TO:<y@rx.test>", T, sizeof(T)));
	EXPECT_STREQ("452 4.5.3 Error: too many recipients", T);
	EXPECT_EQ(452, cli_cmd(&c, "RCPT TO:<z@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	EXPECT_EQ(250, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_EQ(NULL, strstr(self->env, "<y@rx.test>"));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_LIMIT) == 1, 2000));
	cli_close(&c);
}

TEST_F(srv, too_many_errors)
{
	struct cli c;

	self->o.max_errors = 3;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	EXPECT_EQ(500, cli_cmd(&c, "FOO", T, sizeof(T)));
	EXPECT_EQ(500, cli_cmd(&c, "BAR", T, sizeof(T)));
	EXPECT_EQ(250,
		  cli_cmd(&c, "NOOP", T, sizeof(T))); /* a good command starts the count anew */
	EXPECT_EQ(503, cli_cmd(&c, "DATA", T, sizeof(T)));
	EXPECT_EQ(501, cli_cmd(&c, "MAIL FROM:<>>", T, sizeof(T)));
	EXPECT_EQ(500, cli_cmd(&c, "BAZ", T, sizeof(T)));
	EXPECT_EQ(421, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("421 4.7.0 " HOST " Error: too many errors", T);
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_PROTOCOL) == 1, 2000));
	cli_close(&c);
}

TEST_F(srv, command_timeout)
{
	struct cli c;
	int64_t t0;

	self->o.command_timeout_ms = 300;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	t0 = now_ms();
	EXPECT_EQ(421, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("421 4.4.2 " HOST " Error: timeout exceeded", T);
	EXPECT_GE(now_ms() - t0, 250);
	EXPECT_LT(now_ms() - t0, 3000);
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_STALL) == 1, 2000));
	cli_close(&c);
}

TEST_F(srv, session_time_limit)
{
	struct cli c;
	int code = 250, n = 0;

	self->o.session_timeout_s = 1;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	/* busy, but for too long */
	while (code == 250 && n++ < 100) {
		usleep(100000);
		code = cli_cmd(&c, "NOOP", T, sizeof(T));
	}
	EXPECT_EQ(421, code);
	EXPECT_STREQ("421 4.4.2 " HOST " Error: session time limit exceeded", T);
	EXPECT_GE(n, 8);
	EXPECT_LE(n, 30);
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_LIMIT) == 1, 2000));
	cli_close(&c);
}

/* The seed's 1 KB / 10 s rule, as 1 KB / 300 ms. */
TEST_F(srv, stall_rule_in_data)
{
	struct cli c;
	int64_t t0;
	int n = 0;

	self->o.stall_window_ms = 300;
	self->o.stall_min_bytes = 1024;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	t0 = now_ms();
	/* a dribble: 20 bytes every 50 ms, far below 1 KB per 300 ms */
	while (n++ < 60 && cli_send(&c, "dribbling slowly..\r\n") == 0) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };

		if (poll(&p, 1, 50) > 0)
			break;
	}
	EXPECT_EQ(421, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("421 4.4.2 " HOST " Error: data transfer too slow", T);
	EXPECT_GE(now_ms() - t0, 250);
	EXPECT_LT(now_ms() - t0, 2000);
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_STALL) == 1, 2000));
	EXPECT_TRUE(WAIT_FOR(count_files(self->spool) == 0, 1000));
	EXPECT_EQ(0, delivered(self));
	cli_close(&c);
}

TEST_F(srv, stall_rule_spares_a_steady_sender)
{
	struct cli c;
	char chunk[602];

	self->o.stall_window_ms = 300;
	self->o.stall_min_bytes = 1024;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	memset(chunk, 's', 600);
	memcpy(chunk + 598, "\r\n", 2);
	chunk[600] = '\0';
	/* 600 bytes every 50 ms: 3.6 KB per window, for 1.5 s (five windows) */
	for (int i = 0; i < 30; i++) {
		ASSERT_EQ(0, cli_send(&c, chunk));
		usleep(50000);
	}
	EXPECT_EQ(250, cli_cmd(&c, ".", T, sizeof(T)));
	EXPECT_EQ(0, events(self, SMTPD_EV_STALL));
	EXPECT_EQ(1, delivered(self));
	cli_close(&c);
}

TEST_F(srv, a_stalled_client_blocks_nobody)
{
	struct cli idle, mid, c;
	int64_t t0;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	/* one says nothing at all, one stops in the middle of DATA */
	ASSERT_EQ(0, cli_open(&idle, self->port));
	ASSERT_EQ(0, cli_hello(&mid, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&mid, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&mid, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&mid, "DATA", T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&mid, "partial"));
	t0 = now_ms();
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "quick\r\n.", T, sizeof(T)));
	EXPECT_LT(now_ms() - t0, 1000);
	EXPECT_EQ(1, delivered(self));
	cli_close(&c);
	cli_close(&mid);
	cli_close(&idle);
}

TEST_F(srv, max_sessions)
{
	struct cli a, b, c, d;
	struct smtpd_stats st;

	self->o.max_sessions = 2;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_open(&a, self->port));
	ASSERT_EQ(220, cli_reply(&a, T, sizeof(T)));
	ASSERT_EQ(0, cli_open(&b, self->port));
	ASSERT_EQ(220, cli_reply(&b, T, sizeof(T)));
	ASSERT_EQ(0, cli_open(&c, self->port));
	EXPECT_EQ(421, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("421 4.3.2 Too many connections, try again later", T);
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_LIMIT) == 1, 2000));
	cli_close(&c);
	/* one leaves: there is room again */
	EXPECT_EQ(221, cli_cmd(&a, "QUIT", T, sizeof(T)));
	cli_close(&a);
	smtpd_get_stats(self->s, &st);
	EXPECT_TRUE(WAIT_FOR((smtpd_get_stats(self->s, &st), st.sessions_now == 1), 3000));
	ASSERT_EQ(0, cli_open(&d, self->port));
	EXPECT_EQ(220, cli_reply(&d, T, sizeof(T)));
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(2, st.sessions_now);
	EXPECT_EQ(3, st.sessions_total);
	EXPECT_EQ(1, st.sessions_over_limit);
	cli_close(&d);
	cli_close(&b);
}

TEST_F(srv, peer_refused)
{
	struct cli c;
	struct smtpd_stats st;

	self->deny = true;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_open(&c, self->port));
	EXPECT_EQ(554, cli_reply(&c, T, sizeof(T)));
	EXPECT_STREQ("554 5.7.1 Access denied", T);
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_PEER_REFUSED) == 1, 2000));
	EXPECT_STREQ("127.0.0.1", self->event_peer);
	EXPECT_EQ(AF_INET, self->allowed_family);
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(1, st.sessions_refused);
	EXPECT_EQ(0, st.sessions_total);
	cli_close(&c);
}

TEST_F(srv, deliver_refusal_is_the_reply)
{
	struct cli c;

	self->refuse = "452 4.3.1 Memory RX Inbox full";
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	EXPECT_EQ(452, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_STREQ("452 4.3.1 Memory RX Inbox full", T);
	EXPECT_EQ(0, count_files(self->spool));
	EXPECT_EQ(0, count_files(self->out));
	/* a reply that is no SMTP reply (or tries to add lines) becomes a generic 451 */
	self->refuse = "250 ok\r\n250 really";
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	EXPECT_EQ(451, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_STREQ("451 4.3.0 Error: local delivery failed", T);
	EXPECT_EQ(0, count_files(self->spool));
	EXPECT_EQ(250, cli_cmd(&c, "NOOP", T, sizeof(T)));
	cli_close(&c);
}

struct noop_arg {
	uint16_t port;
	int64_t took;
	int code;
};

static void *noop_client(void *arg)
{
	struct noop_arg *a = arg;
	struct cli c;
	char t[1024];
	int64_t t0 = smtpd_now_ms();

	a->code = -1;
	if (cli_hello(&c, a->port, t, sizeof(t)) == 0)
		a->code = cli_cmd(&c, "NOOP", t, sizeof(t));
	a->took = smtpd_now_ms() - t0;
	cli_close(&c);
	return NULL;
}

TEST_F(srv, reply_250_only_after_deliver_returned)
{
	struct cli c;
	struct noop_arg other = { 0 };
	pthread_t th;
	int64_t t0;

	self->deliver_sleep_ms = 500;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	other.port = self->port;
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	t0 = now_ms();
	ASSERT_EQ(0, cli_send(&c, "x\r\n.\r\n"));
	usleep(50000);
	/* meanwhile, someone else is served at once */
	pthread_create(&th, NULL, noop_client, &other);
	pthread_join(th, NULL);
	EXPECT_EQ(250, other.code);
	EXPECT_LT(other.took, 400);
	EXPECT_EQ(250, cli_reply(&c, T, sizeof(T)));
	EXPECT_GE(now_ms() - t0, 480);
	EXPECT_EQ(1, delivered(self));
	cli_close(&c);
}

TEST_F(srv, client_gone_mid_data_leaves_no_file)
{
	struct cli c;
	struct smtpd_stats st;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&c, "Subject: half\r\n\r\nhalf a message\r\n"));
	EXPECT_TRUE(WAIT_FOR(count_files(self->spool) == 1, 2000));
	cli_close(&c);
	EXPECT_TRUE(WAIT_FOR(count_files(self->spool) == 0, 2000));
	EXPECT_TRUE(WAIT_FOR((smtpd_get_stats(self->s, &st), st.sessions_now == 0), 3000));
	EXPECT_EQ(1, st.messages_aborted);
	EXPECT_EQ(0, delivered(self));
}

TEST_F(srv, stop_during_data)
{
	struct cli mid, idle;
	int64_t t0;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&idle, self->port, T, sizeof(T)));
	ASSERT_EQ(0, cli_hello(&mid, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&mid, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&mid, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&mid, "DATA", T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&mid, "Subject: interrupted\r\n\r\npart\r\n"));
	EXPECT_TRUE(WAIT_FOR(count_files(self->spool) == 1, 2000));
	t0 = now_ms();
	smtpd_stop(self->s);
	self->s = NULL;
	EXPECT_LT(now_ms() - t0, 3000);
	EXPECT_EQ(421, cli_reply(&mid, T, sizeof(T)));
	EXPECT_STREQ("421 4.3.2 " HOST " Service shutting down", T);
	EXPECT_EQ(421, cli_reply(&idle, T, sizeof(T)));
	EXPECT_STREQ("421 4.3.2 " HOST " Service shutting down", T);
	EXPECT_TRUE(cli_closed(&mid));
	EXPECT_EQ(0, count_files(self->spool));
	EXPECT_EQ(0, delivered(self));
	cli_close(&mid);
	cli_close(&idle);
}

TEST_F(srv, restart_on_the_same_socket)
{
	struct cli c;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	EXPECT_EQ(NULL, strstr(T, "STARTTLS"));
	cli_close(&c);
	smtpd_stop(self->s);
	self->s = NULL;
	/* new settings, same port: the agent cannot bind port 25 again after dropping root */
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_REQUIRED));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	EXPECT_NE(NULL, strstr(T, "250 STARTTLS"));
	cli_close(&c);
}

TEST_F(srv, stale_part_files_removed_at_start)
{
	char p[200];
	int fd;

	snprintf(p, sizeof(p), "%s/0123456789AB.part", self->spool);
	ASSERT_LE(0, fd = open(p, O_CREAT | O_WRONLY, 0600));
	close(fd);
	snprintf(p, sizeof(p), "%s/0123456789AB.eml", self->spool); /* deliver()'s: kept */
	ASSERT_LE(0, fd = open(p, O_CREAT | O_WRONLY, 0600));
	close(fd);
	snprintf(p, sizeof(p), "%s/notes.part", self->spool); /* not ours: kept */
	ASSERT_LE(0, fd = open(p, O_CREAT | O_WRONLY, 0600));
	close(fd);
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	EXPECT_EQ(2, count_files(self->spool));
	snprintf(p, sizeof(p), "%s/0123456789AB.part", self->spool);
	EXPECT_NE(0, access(p, F_OK));
}

TEST_F(srv, start_refuses_bad_options)
{
	char err[256];
	struct smtpd_opts o = self->o;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	o.deliver = NULL;
	EXPECT_EQ(-1, smtpd_start(&self->s, &o, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "deliver"));
	o = self->o;
	o.listen_fd = fd;
	EXPECT_EQ(-1, smtpd_start(&self->s, &o, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "listening"));
	o = self->o;
	o.tls_mode = SMTPD_TLS_ON;
	EXPECT_EQ(-1, smtpd_start(&self->s, &o, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "TLS"));
	o = self->o;
	o.spool_dir = "/nonexistent/spool";
	EXPECT_EQ(-1, smtpd_start(&self->s, &o, err, sizeof(err)));
	o = self->o;
	o.max_line = 5000;
	EXPECT_EQ(-1, smtpd_start(&self->s, &o, err, sizeof(err)));
	EXPECT_EQ(NULL, self->s);
	close(fd);
	EXPECT_EQ(-1, smtpd_listen("not-an-address", 0, err, sizeof(err)));
	EXPECT_EQ(-1, smtpd_listen("127.0.0.1", self->port, err, sizeof(err))); /* in use */
}

TEST_F(srv, tls_server_context_refusals)
{
	struct keystore_gen_opts g = { .alg = KEYSTORE_EC256, .cn = "localhost" };
	char err[512], crt1[KEYSTORE_PATH_MAX], key1[KEYSTORE_PATH_MAX];
	char crt2[KEYSTORE_PATH_MAX], key2[KEYSTORE_PATH_MAX];
	struct keystore *ks = keystore_open(self->keys, err, sizeof(err));
	SSL_CTX *ctx;

	ASSERT_NE(NULL, ks);
	ASSERT_EQ(0, keystore_generate(ks, "one", &g, err, sizeof(err)));
	ASSERT_EQ(0, keystore_generate(ks, "two", &g, err, sizeof(err)));
	ASSERT_EQ(0, keystore_paths(ks, "one", crt1, key1));
	ASSERT_EQ(0, keystore_paths(ks, "two", crt2, key2));
	keystore_close(ks);
	ctx = irs_tls_server_ctx_new(crt1, key1, TLS1_3_VERSION, err, sizeof(err));
	ASSERT_NE(NULL, ctx);
	EXPECT_EQ(TLS1_3_VERSION, SSL_CTX_get_min_proto_version(ctx));
	SSL_CTX_free(ctx);
	EXPECT_EQ(NULL, irs_tls_server_ctx_new(crt1, key2, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "mismatch")) TH_LOG("%s", err);
	EXPECT_EQ(NULL, irs_tls_server_ctx_new(crt1, key1, TLS1_1_VERSION, err, sizeof(err)));
	EXPECT_EQ(NULL, irs_tls_server_ctx_new("/nonexistent.crt", key1, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent.crt"));
	EXPECT_EQ(NULL, irs_tls_server_ctx_new(crt1, NULL, 0, err, sizeof(err))); /* no key in it */
}

TEST_F(srv, tls_on_starttls_then_plaintext_too)
{
	struct cli c;
	char *msg;
	size_t len;
	struct smtpd_stats st;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_ON));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	EXPECT_NE(NULL, strstr(T, "\n250 STARTTLS"));
	ASSERT_EQ(220, cli_cmd(&c, "STARTTLS", T, sizeof(T)));
	ASSERT_EQ(0, cli_starttls(&c, 0));
	/* everything said before is forgotten: greet again */
	EXPECT_EQ(503, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "EHLO client.test", T, sizeof(T)));
	EXPECT_EQ(NULL, strstr(T, "STARTTLS"));
	EXPECT_EQ(503, cli_cmd(&c, "STARTTLS", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "secret fax\r\n.", T, sizeof(T)));
	EXPECT_NE(NULL, strstr(self->env, "tls 1 TLSv1.3 TLS_")) TH_LOG("%s", self->env);
	msg = read_delivered(self, &len);
	ASSERT_NE(NULL, msg);
	EXPECT_NE(NULL, strstr(msg, "\r\n\t(using TLSv1.3 with cipher TLS_"));
	EXPECT_NE(NULL, strstr(msg, " with ESMTPS id "));
	free(msg);
	EXPECT_EQ(221, cli_cmd(&c, "QUIT", T, sizeof(T)));
	cli_close(&c);
	/* ON: plaintext mail is taken as well */
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "plain fax\r\n.", T, sizeof(T)));
	EXPECT_NE(NULL, strstr(self->env, "tls 0"));
	EXPECT_EQ(2, delivered(self));
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(1, st.tls_sessions);
	cli_close(&c);
}

TEST_F(srv, tls_required_530_and_close)
{
	static const char *const cmds[] = {
		"MAIL FROM:<a@b.test>", "RCPT TO:<x@rx.test>", "DATA", "VRFY bob", "EXPN all",
		"AUTH PLAIN",		"MAIL FROM:garbage"
	};
	struct cli c;
	struct smtpd_stats st;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_REQUIRED));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
		EXPECT_NE(NULL, strstr(T, "STARTTLS"));
		/* harmless commands are fine before TLS */
		EXPECT_EQ(250, cli_cmd(&c, "NOOP", T, sizeof(T)));
		EXPECT_EQ(250, cli_cmd(&c, "RSET", T, sizeof(T)));
		EXPECT_EQ(214, cli_cmd(&c, "HELP", T, sizeof(T)));
		EXPECT_EQ(530, cli_cmd(&c, cmds[i], T, sizeof(T))) TH_LOG("%s", cmds[i]);
		EXPECT_STREQ("530 Must issue a STARTTLS command first", T);
		EXPECT_TRUE(cli_closed(&c)) TH_LOG("%s", cmds[i]);
		cli_close(&c);
	}
	EXPECT_TRUE(WAIT_FOR(
		events(self, SMTPD_EV_TLS_REJECT) == (int)(sizeof(cmds) / sizeof(cmds[0])), 2000));
	EXPECT_NE(NULL, strstr(self->detail[SMTPD_EV_TLS_REJECT], "before STARTTLS"));
	/* with STARTTLS it goes through */
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(220, cli_cmd(&c, "STARTTLS", T, sizeof(T)));
	ASSERT_EQ(0, cli_starttls(&c, 0));
	ASSERT_EQ(250, cli_cmd(&c, "EHLO client.test", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_EQ(1, delivered(self));
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(sizeof(cmds) / sizeof(cmds[0]), st.tls_rejects);
	cli_close(&c);
}

TEST_F(srv, plaintext_pipelined_after_starttls_is_discarded)
{
	struct cli c;
	struct smtpd_stats st;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_ON));
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	/* the CVE-2011-0411 attack: commands injected behind STARTTLS, in the same packet */
	ASSERT_EQ(0, cli_send(&c, "STARTTLS\r\nMAIL FROM:<evil@attacker.test>\r\n"
				  "RCPT TO:<victim@rx.test>\r\n"));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	ASSERT_EQ(0, c.len); /* and no reply to the injected commands came before TLS */
	ASSERT_EQ(0, cli_starttls(&c, 0));
	ASSERT_EQ(250, cli_cmd(&c, "EHLO client.test", T, sizeof(T)));
	/* had MAIL been read under TLS, RCPT would be accepted and DATA go on */
	EXPECT_EQ(503, cli_cmd(&c, "RCPT TO:<victim@rx.test>", T, sizeof(T)));
	EXPECT_STREQ("503 5.5.1 Error: need MAIL command", T);
	EXPECT_EQ(503, cli_cmd(&c, "DATA", T, sizeof(T)));
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(strlen("MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@rx.test>\r\n"),
		  st.discarded_bytes);
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_PROTOCOL) == 1, 2000));
	EXPECT_EQ(0, delivered(self));
	cli_close(&c);
}

TEST_F(srv, failed_handshakes)
{
	struct cli c;
	struct smtpd_stats st;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_REQUIRED));
	/* no TLS at all after 220 */
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(220, cli_cmd(&c, "STARTTLS", T, sizeof(T)));
	ASSERT_EQ(0, cli_send(&c, "EHLO still plaintext\r\nMAIL FROM:<a@b.test>\r\n"));
	EXPECT_TRUE(cli_closed(&c));
	cli_close(&c);
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_TLS_ERROR) == 1, 2000));
	/* a client that goes no higher than TLS 1.1 */
	ASSERT_EQ(0, cli_hello(&c, self->port, T, sizeof(T)));
	ASSERT_EQ(220, cli_cmd(&c, "STARTTLS", T, sizeof(T)));
	EXPECT_EQ(-1, cli_starttls(&c, TLS1_1_VERSION));
	cli_close(&c);
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_TLS_ERROR) == 2, 2000));
	EXPECT_NE(NULL, strstr(self->detail[SMTPD_EV_TLS_ERROR], "TLS handshake failed: "));
	TH_LOG("%s", self->detail[SMTPD_EV_TLS_ERROR]);
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(2, st.tls_errors);
	EXPECT_EQ(0, st.tls_sessions);
	EXPECT_EQ(0, delivered(self));
}

TEST_F(srv, implicit_tls_and_web_clients_are_turned_away)
{
	static const unsigned char client_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00 };
	struct cli c;
	int64_t t0;

	self->o.command_timeout_ms = 10000;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_ON));
	ASSERT_EQ(0, cli_open(&c, self->port));
	ASSERT_EQ(0, cli_write(&c, client_hello, sizeof(client_hello)));
	t0 = now_ms();
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	EXPECT_TRUE(cli_closed(&c));
	EXPECT_LT(now_ms() - t0, 2000); /* at once, not after the command timeout */
	cli_close(&c);
	EXPECT_TRUE(WAIT_FOR(events(self, SMTPD_EV_PROTOCOL) == 1, 2000));
	ASSERT_EQ(0, cli_open(&c, self->port));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	EXPECT_EQ(521, cli_cmd(&c, "GET / HTTP/1.1", T, sizeof(T)));
	EXPECT_TRUE(cli_closed(&c));
	cli_close(&c);
}

TEST_F(srv, ipv6_peer)
{
	char err[256];
	struct cli c;
	char *msg;
	size_t len;

	close(self->lfd);
	self->lfd = smtpd_listen("::1", 0, err, sizeof(err));
	if (self->lfd < 0)
		SKIP(return, "no IPv6 loopback: %s", err);
	self->o.listen_fd = self->lfd;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_open_at(&c, AF_INET6, port_of(self->lfd)));
	ASSERT_EQ(220, cli_reply(&c, T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "EHLO [IPv6:::1]", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_NE(NULL, strstr(self->env, "peer [::1]\n"));
	EXPECT_EQ(AF_INET6, self->allowed_family);
	msg = read_delivered(self, &len);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(0, strncmp(msg, "Received: from [IPv6:::1] ([IPv6:::1])\r\n", 40))
	TH_LOG("%.80s", msg);
	free(msg);
	cli_close(&c);
}

TEST_F(srv, dual_stack_listener_sees_ipv4_as_ipv4)
{
	char err[256];
	struct cli c;

	close(self->lfd);
	self->lfd = smtpd_listen(NULL, 0, err, sizeof(err));
	ASSERT_LE(0, self->lfd) TH_LOG("%s", err);
	self->o.listen_fd = self->lfd;
	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	ASSERT_EQ(0, cli_hello(&c, port_of(self->lfd), T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "MAIL FROM:<a@b.test>", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "RCPT TO:<x@rx.test>", T, sizeof(T)));
	ASSERT_EQ(354, cli_cmd(&c, "DATA", T, sizeof(T)));
	ASSERT_EQ(250, cli_cmd(&c, "x\r\n.", T, sizeof(T)));
	EXPECT_NE(NULL, strstr(self->env, "peer 127.0.0.1\n"));
	EXPECT_EQ(AF_INET, self->allowed_family);
	cli_close(&c);
}

struct many_arg {
	uint16_t port;
	int id, ok;
};

static void *many_client(void *arg)
{
	struct many_arg *a = arg;
	char t[1024], line[128];
	struct cli c;

	if (cli_hello(&c, a->port, t, sizeof(t)))
		return NULL;
	for (int m = 0; m < 10; m++) {
		snprintf(line, sizeof(line), "MAIL FROM:<c%d@b.test>", a->id);
		if (cli_cmd(&c, line, t, sizeof(t)) != 250 ||
		    cli_cmd(&c, "RCPT TO:<x@rx.test>", t, sizeof(t)) != 250 ||
		    cli_cmd(&c, "DATA", t, sizeof(t)) != 354)
			break;
		snprintf(line, sizeof(line), "Subject: %d/%d\r\n\r\nbody\r\n.", a->id, m);
		if (cli_cmd(&c, line, t, sizeof(t)) != 250)
			break;
		a->ok++;
	}
	cli_cmd(&c, "QUIT", t, sizeof(t));
	cli_close(&c);
	return NULL;
}

TEST_F(srv, many_clients_at_once)
{
	struct many_arg a[8];
	pthread_t th[8];
	struct smtpd_stats st;

	ASSERT_EQ(0, srv_go(self, SMTPD_TLS_OFF));
	for (int i = 0; i < 8; i++) {
		a[i] = (struct many_arg){ .port = self->port, .id = i };
		pthread_create(&th[i], NULL, many_client, &a[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(10, a[i].ok);
	}
	EXPECT_EQ(80, delivered(self));
	EXPECT_EQ(80, count_files(self->out));
	smtpd_get_stats(self->s, &st);
	EXPECT_EQ(80, st.messages_accepted);
	EXPECT_EQ(8, st.sessions_total);
}

TEST_HARNESS_MAIN
