// SPDX-License-Identifier: GPL-2.0
/*
 * smtpd_serve: the SMTP server library (user/mail/smtpd.h) as a program,
 * for the tests against real clients (tests/host/smtpd_peers.sh) and the
 * benchmark (tests/bench/smtpd). Every accepted message lands in --out as
 * ID.eml (the spool file, Received: on top) with ID.env beside it (the
 * envelope, one "key value" a line, written after the .eml: a test that
 * sees the .env finds the message complete).
 *
 * Prints "listening PORT" once it accepts; runs until SIGTERM or SIGINT,
 * then stops the server (421 to every session) and prints its counters.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "smtpd.h"
#include "tls_server.h"

static const char usage[] =
	"usage: smtpd_serve --spool DIR --out DIR [options]\n"
	"  --bind ADDR             numeric address to listen on (default 127.0.0.1; '*': all)\n"
	"  --port N                port (default 0: any; printed as \"listening N\")\n"
	"  --hostname NAME         our name in the greeting and Received: (default rx.test)\n"
	"  --tls off|on|required   STARTTLS mode (default off)\n"
	"  --cert PEM --key PEM    the server's certificate chain and key (for --tls on|required)\n"
	"  --min-tls 1.2|1.3       lowest TLS version (default 1.2)\n"
	"  --max-size N            max_message_bytes       --max-rcpt N     max_recipients\n"
	"  --max-sessions N        max_sessions            --max-line N     max_line\n"
	"  --command-timeout-ms N  command_timeout_ms      --session-timeout-s N\n"
	"  --stall-window-ms N     stall_window_ms         --stall-min N    stall_min_bytes\n"
	"  --refuse-first N        deliver() refuses the first N messages with --refuse-reply\n"
	"  --refuse-reply TEXT     (default \"451 4.3.0 try again later\")\n"
	"  --deny ADDR             peer_allowed() refuses this client address\n"
	"  --discard               accept every message and remove it (benchmarks)\n"
	"  --events FILE           append each event as \"NAME peer detail\"\n";

static struct {
	const char *out;
	int refuse_first;
	const char *refuse_reply;
	const char *deny;
	bool discard;
	FILE *events;
	pthread_mutex_t lock;
	unsigned long delivered;
} g = { .refuse_reply = "451 4.3.0 try again later", .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *const event_names[] = {
	[SMTPD_EV_PEER_REFUSED] = "PEER_REFUSED",
	[SMTPD_EV_TLS_REJECT] = "TLS_REJECT",
	[SMTPD_EV_TLS_ERROR] = "TLS_ERROR",
	[SMTPD_EV_STALL] = "STALL",
	[SMTPD_EV_LIMIT] = "LIMIT",
	[SMTPD_EV_PROTOCOL] = "PROTOCOL",
	[SMTPD_EV_LOCAL] = "LOCAL",
};

static void on_event(enum smtpd_event ev, const char *peer, const char *detail, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g.lock);
	fprintf(stderr, "smtpd_serve: %s %s %s\n", event_names[ev], peer, detail);
	if (g.events) {
		fprintf(g.events, "%s %s %s\n", event_names[ev], peer, detail);
		fflush(g.events);
	}
	pthread_mutex_unlock(&g.lock);
}

static bool allowed(const struct sockaddr *sa, socklen_t len, void *arg)
{
	char peer[64];

	(void)arg;
	smtpd_peer_text(sa, len, peer, sizeof(peer));
	return !g.deny || strcmp(peer, g.deny);
}

static int write_env(const struct smtpd_envelope *e, const char *path)
{
	char tmp[4300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "peer %s\nhelo %s\nesmtp %d\nfrom %s\n", e->peer, e->helo, e->esmtp,
		e->mail_from);
	for (size_t i = 0; i < e->nrcpt; i++) {
		const struct smtpd_rcpt_dsn *d = &e->rcpt_dsn[i];

		fprintf(f, "rcpt %s", e->rcpt[i]);
		if (d->notify)
			fprintf(f, " notify=%s%s%s%s",
				d->notify & SMTPD_NOTIFY_NEVER ? "NEVER" : "",
				d->notify & SMTPD_NOTIFY_SUCCESS ? "SUCCESS," : "",
				d->notify & SMTPD_NOTIFY_FAILURE ? "FAILURE," : "",
				d->notify & SMTPD_NOTIFY_DELAY ? "DELAY," : "");
		if (d->orcpt_type[0])
			fprintf(f, " orcpt=%s;%s", d->orcpt_type, d->orcpt);
		fputc('\n', f);
	}
	fprintf(f, "tls %d %s %s\nsize %llu\n", e->tls, e->tls_version, e->tls_cipher, e->size);
	if (e->declared_size)
		fprintf(f, "declared_size %llu\n", e->declared_size);
	if (e->body)
		fprintf(f, "body %s\n", e->body == SMTPD_BODY_8BITMIME ? "8BITMIME" : "7BIT");
	if (e->dsn_ret)
		fprintf(f, "ret %s\n", e->dsn_ret == SMTPD_RET_FULL ? "FULL" : "HDRS");
	if (e->dsn_envid[0])
		fprintf(f, "envid %s\n", e->dsn_envid);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int deliver(const struct smtpd_envelope *e, const char *path, void *arg, char *reply,
		   size_t replylen)
{
	char eml[4200], env[4200];
	int rc = 0;

	(void)arg;
	pthread_mutex_lock(&g.lock);
	if (g.refuse_first > 0) {
		g.refuse_first--;
		pthread_mutex_unlock(&g.lock);
		snprintf(reply, replylen, "%s", g.refuse_reply);
		return 1;
	}
	g.delivered++;
	pthread_mutex_unlock(&g.lock);
	if (g.discard)
		return unlink(path) < 0;
	snprintf(eml, sizeof(eml), "%.4000s/%s.eml", g.out, e->id);
	snprintf(env, sizeof(env), "%.4000s/%s.env", g.out, e->id);
	if (rename(path, eml) < 0 || write_env(e, env) < 0) {
		snprintf(reply, replylen, "451 4.3.0 cannot store: %s", strerror(errno));
		unlink(eml);
		rc = 1;
	}
	return rc;
}

static unsigned long number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "smtpd_serve: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "spool", 1, NULL, 's' },
		{ "out", 1, NULL, 'o' },
		{ "bind", 1, NULL, 'b' },
		{ "port", 1, NULL, 'p' },
		{ "hostname", 1, NULL, 'H' },
		{ "tls", 1, NULL, 't' },
		{ "cert", 1, NULL, 'c' },
		{ "key", 1, NULL, 'k' },
		{ "min-tls", 1, NULL, 'm' },
		{ "max-size", 1, NULL, 'S' },
		{ "max-rcpt", 1, NULL, 'R' },
		{ "max-sessions", 1, NULL, 'N' },
		{ "max-line", 1, NULL, 'L' },
		{ "command-timeout-ms", 1, NULL, 'C' },
		{ "session-timeout-s", 1, NULL, 'T' },
		{ "stall-window-ms", 1, NULL, 'W' },
		{ "stall-min", 1, NULL, 'M' },
		{ "refuse-first", 1, NULL, 'r' },
		{ "refuse-reply", 1, NULL, 'y' },
		{ "deny", 1, NULL, 'd' },
		{ "discard", 0, NULL, 'D' },
		{ "events", 1, NULL, 'e' },
		{ "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct smtpd_opts o = { .hostname = "rx.test",
				.deliver = deliver,
				.event = on_event,
				.peer_allowed = allowed };
	const char *bind_addr = "127.0.0.1", *cert = NULL, *key = NULL;
	unsigned long port = 0;
	int min_tls = 0, c, sig;
	char err[512];
	struct smtpd *s;
	struct smtpd_stats st;
	sigset_t stop;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			o.spool_dir = optarg;
			break;
		case 'o':
			g.out = optarg;
			break;
		case 'b':
			bind_addr = strcmp(optarg, "*") ? optarg : NULL;
			break;
		case 'p':
			port = number(optarg, "port");
			break;
		case 'H':
			o.hostname = optarg;
			break;
		case 't':
			if (!strcmp(optarg, "off"))
				o.tls_mode = SMTPD_TLS_OFF;
			else if (!strcmp(optarg, "on"))
				o.tls_mode = SMTPD_TLS_ON;
			else if (!strcmp(optarg, "required"))
				o.tls_mode = SMTPD_TLS_REQUIRED;
			else {
				fputs(usage, stderr);
				return 2;
			}
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'm':
			min_tls = !strcmp(optarg, "1.3") ? TLS1_3_VERSION : TLS1_2_VERSION;
			break;
		case 'S':
			o.max_message_bytes = number(optarg, "size");
			break;
		case 'R':
			o.max_recipients = (unsigned int)number(optarg, "count");
			break;
		case 'N':
			o.max_sessions = (unsigned int)number(optarg, "count");
			break;
		case 'L':
			o.max_line = number(optarg, "length");
			break;
		case 'C':
			o.command_timeout_ms = (unsigned int)number(optarg, "time");
			break;
		case 'T':
			o.session_timeout_s = (unsigned int)number(optarg, "time");
			break;
		case 'W':
			o.stall_window_ms = (unsigned int)number(optarg, "time");
			break;
		case 'M':
			o.stall_min_bytes = number(optarg, "size");
			break;
		case 'r':
			g.refuse_first = (int)number(optarg, "count");
			break;
		case 'y':
			g.refuse_reply = optarg;
			break;
		case 'd':
			g.deny = optarg;
			break;
		case 'D':
			g.discard = true;
			break;
		case 'e':
			g.events = fopen(optarg, "a");
			if (!g.events) {
				perror(optarg);
				return 1;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!o.spool_dir || (!g.out && !g.discard) || port > 65535) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.tls_mode != SMTPD_TLS_OFF) {
		o.tls_ctx = irs_tls_server_ctx_new(cert, key, min_tls, err, sizeof(err));
		if (!o.tls_ctx) {
			fprintf(stderr, "smtpd_serve: %s\n", err);
			return 1;
		}
	}
	o.listen_fd = smtpd_listen(bind_addr, (uint16_t)port, err, sizeof(err));
	if (o.listen_fd < 0) {
		fprintf(stderr, "smtpd_serve: %s\n", err);
		return 1;
	}
	/* the signals that stop us are taken by sigwait() below, in this thread only */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (smtpd_start(&s, &o, err, sizeof(err))) {
		fprintf(stderr, "smtpd_serve: %s\n", err);
		return 1;
	}
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		getsockname(o.listen_fd, (struct sockaddr *)&ss, &len);
		printf("listening %u\n",
		       ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port));
		fflush(stdout);
	}
	sigwait(&stop, &sig);
	smtpd_get_stats(s, &st);
	smtpd_stop(s);
	SSL_CTX_free(o.tls_ctx);
	close(o.listen_fd);
	fprintf(stderr,
		"smtpd_serve: sessions %llu refused %llu over_limit %llu; messages accepted %llu "
		"refused %llu aborted %llu; tls %llu errors %llu rejects %llu; stalls %llu; "
		"discarded %llu bytes\n",
		st.sessions_total, st.sessions_refused, st.sessions_over_limit,
		st.messages_accepted, st.messages_refused, st.messages_aborted, st.tls_sessions,
		st.tls_errors, st.tls_rejects, st.stalls, st.discarded_bytes);
	if (g.events)
		fclose(g.events);
	return 0;
}
