// SPDX-License-Identifier: GPL-2.0
/*
 * smtpd's threads: the listening socket, the acceptor that applies the
 * address check and the session cap before a session costs a thread, the
 * session threads, and a stop that every wait in them notices.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtpd_priv.h"

#define DEF_MAX_MESSAGE (10u * 1024 * 1024)
#define DEF_MAX_RECIPIENTS 100
#define DEF_MAX_SESSIONS 10
#define DEF_SESSION_TIMEOUT_S 1800
#define DEF_COMMAND_TIMEOUT_MS 300000
#define DEF_STALL_WINDOW_MS 10000
#define DEF_STALL_MIN_BYTES 1024
#define DEF_MAX_LINE 1024
#define DEF_MAX_TEXT_LINE 1000
#define DEF_MAX_ERRORS 10
#define LISTEN_BACKLOG 64

void smtpd_peer_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a, sizeof(a));
		snprintf(buf, buflen, "%s", a);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			inet_ntop(AF_INET, &in6->s6_addr[12], a, sizeof(a));
			snprintf(buf, buflen, "%s", a);
		} else {
			inet_ntop(AF_INET6, in6, a, sizeof(a));
			snprintf(buf, buflen, "[%s]", a);
		}
	} else {
		snprintf(buf, buflen, "?");
	}
}

/* An IPv4 client on a dual-stack socket as the AF_INET address it is. */
static void unmap_v4(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in = { .sin_family = AF_INET };

	if (ss->ss_family != AF_INET6 || *len < sizeof(in6))
		return;
	memcpy(&in6, ss, sizeof(in6));
	if (!IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr))
		return;
	in.sin_port = in6.sin6_port;
	memcpy(&in.sin_addr, &in6.sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &in, sizeof(in));
	*len = sizeof(in);
}

int smtpd_listen(const char *bind_addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	char addr[INET6_ADDRSTRLEN + 2] = "";
	int fd = -1, one = 1, v6only = 1;

	if (bind_addr) {
		size_t n = strlen(bind_addr);

		/* "[::1]" as well as "::1" */
		if (n >= 2 && bind_addr[0] == '[' && bind_addr[n - 1] == ']' &&
		    n - 2 < sizeof(addr))
			snprintf(addr, sizeof(addr), "%.*s", (int)(n - 2), bind_addr + 1);
		else
			snprintf(addr, sizeof(addr), "%s", bind_addr);
		if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
		} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
		} else {
			snprintf(err, errlen, "'%s' is not a numeric IPv4 or IPv6 address",
				 bind_addr);
			return -1;
		}
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	} else {
		/* every address: one IPv6 socket that takes IPv4 too, or IPv4 alone */
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = in6addr_any;
			v6only = 0;
		} else if (errno == EAFNOSUPPORT) {
			in->sin_family = AF_INET;
			in->sin_addr.s_addr = htonl(INADDR_ANY);
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		}
		snprintf(addr, sizeof(addr), "*");
	}
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		in6->sin6_port = htons(port);
		len = sizeof(*in6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
			goto fail;
	} else {
		in->sin_port = htons(port);
		len = sizeof(*in);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen on %s port %u: %s", addr, port, strerror(errno));
	close(fd);
	return -1;
}

void smtpd_event(struct smtpd *s, enum smtpd_event ev, const char *peer, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	if (!s->o.event)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	s->o.event(ev, peer, detail, s->o.arg);
}

void smtpd_count(struct smtpd *s, unsigned long long *counter, unsigned long long n)
{
	pthread_mutex_lock(&s->lock);
	*counter += n;
	pthread_mutex_unlock(&s->lock);
}

void smtpd_get_stats(struct smtpd *s, struct smtpd_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	pthread_mutex_unlock(&s->lock);
}

/*
 * A thread with every signal blocked: the program's handlers run in its
 * own threads, and a write to a client that left gives EPIPE, not SIGPIPE.
 */
static int spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* One reply to a connection that gets no session; it has sent nothing yet, so no reset. */
static void refuse(int fd, const char *reply)
{
	if (send(fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* nothing to do: the client is gone or its window is closed */
	}
	close(fd);
}

/* Join the sessions that ended. */
static void reap(struct smtpd *s)
{
	struct smtpd_session *done;

	pthread_mutex_lock(&s->lock);
	done = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	while (done) {
		struct smtpd_session *next = done->next;

		pthread_join(done->thread, NULL);
		free(done);
		done = next;
	}
}

void smtpd_session_end(struct smtpd_session *ss)
{
	struct smtpd *s = ss->srv;
	struct smtpd_session **pp;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->live; *pp; pp = &(*pp)->next) {
		if (*pp == ss) {
			*pp = ss->next;
			break;
		}
	}
	ss->next = s->done;
	s->done = ss;
	s->st.sessions_now--;
	pthread_cond_broadcast(&s->session_gone);
	pthread_mutex_unlock(&s->lock);
}

static void accept_one(struct smtpd *s)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	struct smtpd_session *ss;
	char peer[64];
	int fd;

	fd = accept4(s->o.listen_fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* out of descriptors: let sessions end instead of spinning on accept */
			struct pollfd p = { .fd = s->stop_pipe[0], .events = POLLIN };

			smtpd_event(s, SMTPD_EV_LOCAL, "?", "accept: %s", strerror(errno));
			poll(&p, 1, 200);
		}
		return;
	}
	unmap_v4(&sa, &len);
	smtpd_peer_text((struct sockaddr *)&sa, len, peer, sizeof(peer));
	if (s->o.peer_allowed && !s->o.peer_allowed((struct sockaddr *)&sa, len, s->o.arg)) {
		refuse(fd, "554 5.7.1 Access denied\r\n");
		smtpd_count(s, &s->st.sessions_refused, 1);
		smtpd_event(s, SMTPD_EV_PEER_REFUSED, peer, "address not allowed");
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (s->st.sessions_now >= s->o.max_sessions) {
		s->st.sessions_over_limit++;
		pthread_mutex_unlock(&s->lock);
		refuse(fd, "421 4.3.2 Too many connections, try again later\r\n");
		smtpd_event(s, SMTPD_EV_LIMIT, peer, "too many connections (%u)",
			    s->o.max_sessions);
		return;
	}
	ss = calloc(1, sizeof(*ss));
	if (ss) {
		ss->srv = s;
		ss->sa = sa;
		ss->salen = len;
		snprintf(ss->peer, sizeof(ss->peer), "%s", peer);
		ss->io.fd = fd;
		ss->next = s->live;
		s->live = ss;
		s->st.sessions_now++;
		s->st.sessions_total++;
		if (spawn(&ss->thread, smtpd_session_main, ss)) {
			s->live = ss->next;
			s->st.sessions_now--;
			s->st.sessions_total--;
			free(ss);
			ss = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!ss) {
		refuse(fd, "421 4.3.0 Cannot start a session, try again later\r\n");
		smtpd_event(s, SMTPD_EV_LOCAL, peer, "cannot start a session thread");
	}
}

static void *acceptor_main(void *arg)
{
	struct smtpd *s = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = s->o.listen_fd, .events = POLLIN },
				       { .fd = s->stop_pipe[0], .events = POLLIN } };
		int n = poll(p, 2, 1000);

		reap(s);
		if (n < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN)
			break;
		if (n > 0 && (p[0].revents & POLLIN))
			accept_one(s);
	}
	return NULL;
}

/* A spool file name of ours: 12 upper-case hex digits and ".part". */
static bool stale_part(const char *name)
{
	size_t i;

	for (i = 0; i < 12; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'A' && name[i] <= 'F')))
			return false;
	return !strcmp(name + 12, ".part");
}

/* Remove what a crash left in the middle of DATA: never told 250, the client sends it again. */
static int clean_spool(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		snprintf(err, errlen, "spool directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)))
		if (stale_part(e->d_name))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	return 0;
}

static int check_opts(const struct smtpd_opts *o, char *err, size_t errlen)
{
	struct stat st;
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (!o->deliver || !o->spool_dir) {
		snprintf(err, errlen, "smtpd: deliver and spool_dir are required");
		return -1;
	}
	if (getsockopt(o->listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    !listening) {
		snprintf(err, errlen, "smtpd: listen_fd is not a listening socket");
		return -1;
	}
	if (o->tls_mode != SMTPD_TLS_OFF && !o->tls_ctx) {
		snprintf(err, errlen, "smtpd: STARTTLS needs a TLS context (key and certificate)");
		return -1;
	}
	if (stat(o->spool_dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(o->spool_dir, W_OK)) {
		snprintf(err, errlen, "smtpd: spool directory %s is not a writable directory",
			 o->spool_dir);
		return -1;
	}
	if (strlen(o->spool_dir) > 4000) {
		snprintf(err, errlen, "smtpd: spool directory path too long");
		return -1;
	}
	if (o->max_line && (o->max_line < 16 || o->max_line > SMTPD_CMD_LINE_MAX + 2)) {
		snprintf(err, errlen, "smtpd: max_line must be 16..%d", SMTPD_CMD_LINE_MAX + 2);
		return -1;
	}
	return 0;
}

#define DEFAULT(field, value)                                                                      \
	do {                                                                                       \
		if (!s->o.field)                                                                   \
			s->o.field = (value);                                                      \
	} while (0)

int smtpd_start(struct smtpd **out, const struct smtpd_opts *opts, char *err, size_t errlen)
{
	struct smtpd *s;
	int fl;

	*out = NULL;
	if (check_opts(opts, err, errlen) || clean_spool(opts->spool_dir, err, errlen))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "smtpd: out of memory");
		return -1;
	}
	s->o = *opts;
	DEFAULT(max_message_bytes, DEF_MAX_MESSAGE);
	DEFAULT(max_recipients, DEF_MAX_RECIPIENTS);
	DEFAULT(max_sessions, DEF_MAX_SESSIONS);
	DEFAULT(session_timeout_s, DEF_SESSION_TIMEOUT_S);
	DEFAULT(command_timeout_ms, DEF_COMMAND_TIMEOUT_MS);
	DEFAULT(stall_window_ms, DEF_STALL_WINDOW_MS);
	DEFAULT(stall_min_bytes, DEF_STALL_MIN_BYTES);
	DEFAULT(max_line, DEF_MAX_LINE);
	DEFAULT(max_text_line, DEF_MAX_TEXT_LINE);
	DEFAULT(max_errors, DEF_MAX_ERRORS);
	if (opts->hostname && *opts->hostname)
		snprintf(s->hostname, sizeof(s->hostname), "%s", opts->hostname);
	else if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0 || !s->hostname[0])
		snprintf(s->hostname, sizeof(s->hostname), "localhost");
	s->o.hostname = s->hostname;

	fl = fcntl(opts->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(opts->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "smtpd: %s", strerror(errno));
		free(s);
		return -1;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->session_gone, NULL);
	if (spawn(&s->acceptor, acceptor_main, s)) {
		snprintf(err, errlen, "smtpd: cannot start the acceptor thread");
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
		pthread_cond_destroy(&s->session_gone);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void smtpd_stop(struct smtpd *s)
{
	if (!s)
		return;
	/* never read: the pipe stays readable for every wait from now on */
	if (write(s->stop_pipe[1], "x", 1) != 1)
		abort(); /* a fresh pipe with room; nothing else can happen */
	pthread_join(s->acceptor, NULL);
	pthread_mutex_lock(&s->lock);
	while (s->live)
		pthread_cond_wait(&s->session_gone, &s->lock);
	pthread_mutex_unlock(&s->lock);
	reap(s);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	pthread_cond_destroy(&s->session_gone);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
