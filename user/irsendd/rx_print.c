/* Received documents to CUPS through lp(1) (see rx_print.h). */
#include "rx_print.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define TITLE_MAX 128 /* job name bytes with the NUL; IPP allows 255 */
#define OUT_MAX 512   /* lp's stdout: one "request id is" line */
#define ERR_MAX 1024  /* what is kept of a child's stderr */
#define PROBE_MS 5000 /* lpstat -r after a failed lp */

struct run {
	char out[OUT_MAX], err[ERR_MAX];
	size_t outlen, errlen;
	int status;	/* wait status; -1: lost */
	int exec_errno; /* the program could not be run */
	bool timed_out; /* killed at the deadline */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* fd moved to 3 or above, so that the child's dup2() onto 0-2 cannot clobber it. */
static int high_fd(int fd)
{
	int n;

	if (fd < 0 || fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

static int pipe_high(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	p[0] = high_fd(p[0]);
	p[1] = high_fd(p[1]);
	return p[0] < 0 || p[1] < 0 ? -1 : 0;
}

/*
 * After fork() in a threaded process: async-signal-safe calls only. The
 * agent ignores SIGPIPE and blocks SIGTERM for its signalfd; exec would
 * hand both to lp.
 */
static _Noreturn void child(char *const argv[], char *const envp[], const int fds[3], int report,
			    int maxfd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	ssize_t n;
	int e;

	setpgid(0, 0);
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	/* What any thread opened without O_CLOEXEC stays out of lp too. */
	if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < maxfd; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	execvpe(argv[0], argv, envp);
fail:
	e = errno;
	n = write(report, &e, sizeof(e));
	(void)n;
	_exit(127);
}

/* Keep the first cap - 1 bytes; 0 at end of file. */
static ssize_t take(int fd, char *buf, size_t cap, size_t *len)
{
	char chunk[512];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0 && errno == EINTR)
		return 1;
	if (n > 0 && *len < cap - 1) {
		size_t k = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;

		memcpy(buf + *len, chunk, k);
		*len += k;
	}
	if (n >= 0)
		buf[*len] = '\0';
	return n;
}

/* stdout and stderr until both close or the deadline passes; then the exit status. */
static void collect(pid_t pid, int *out, int *err, int64_t deadline, struct run *r)
{
	struct pollfd p[2] = { { .fd = *out, .events = POLLIN }, { .fd = *err, .events = POLLIN } };
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int n;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			r->timed_out = true;
			break;
		}
		n = poll(p, 2, (int)left);
		if (n < 0 && errno == EINTR)
			continue; /* revents are stale: read only what poll() reported */
		if (n < 0)
			break;
		if (p[0].revents && take(p[0].fd, r->out, sizeof(r->out), &r->outlen) <= 0)
			p[0].fd = -1;
		if (p[1].revents && take(p[1].fd, r->err, sizeof(r->err), &r->errlen) <= 0)
			p[1].fd = -1;
	}
	close_fd(out);
	close_fd(err);
	while (!r->timed_out) {
		pid_t w = waitpid(pid, &r->status, WNOHANG);

		if (w == pid)
			return;
		if (w < 0 && errno != EINTR) {
			r->status = -1;
			return;
		}
		if (now_ms() >= deadline)
			r->timed_out = true;
		else
			nanosleep(&tick, NULL);
	}
	/* The group (lp and anything it started) while pid still names it: not yet reaped. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
}

/* Run argv (PATH searched) with envp until it ends or the deadline: 0, or -1 with errno. */
static int run(char *const argv[], char *const envp[], int64_t deadline, struct run *r)
{
	int fds[3] = { -1, -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int rep[2] = { -1, -1 }, e = 0, saved;
	struct rlimit rl = { .rlim_cur = 1024 };
	pid_t pid = -1;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	getrlimit(RLIMIT_NOFILE, &rl);
	fds[0] = high_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (fds[0] < 0 || pipe_high(out) < 0 || pipe_high(err) < 0 || pipe_high(rep) < 0)
		goto fail;
	fds[1] = out[1];
	fds[2] = err[1];
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(argv, envp, fds, rep[1], rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur);
	setpgid(pid, pid); /* also here: kill(-pid) must find the group whoever runs first */
	close_fd(&fds[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	close_fd(&rep[1]);
	/* EOF once exec succeeded (close-on-exec), the errno when it failed. */
	while ((n = read(rep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(e))
		r->exec_errno = e;
	close_fd(&rep[0]);
	collect(pid, &out[0], &err[0], deadline, r);
	return 0;
fail:
	saved = errno;
	close_fd(&fds[0]);
	for (int i = 0; i < 2; i++) {
		close_fd(&out[i]);
		close_fd(&err[i]);
		close_fd(&rep[i]);
	}
	errno = saved;
	return -1;
}

/* Length of the valid UTF-8 sequence at s, 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	static const unsigned int min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned int cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	return cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}

/* A job name cupsd accepts (it drops a name that is not UTF-8) that reads on one line. */
static void job_name(const char *title, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)(title ? title : "");
	size_t o = 0;

	while (*s) {
		size_t n = utf8_len(s);

		if (o + (n ? n : 1) >= len)
			break;
		if (n == 0) {
			out[o++] = '?';
		} else if (n == 1 && (*s < 0x20 || *s == 0x7f)) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, s, n);
			o += n;
		}
		s += n ? n : 1;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static bool is_tiff(const char *path)
{
	size_t n = strlen(path);

	return (n > 4 && strcasecmp(path + n - 4, ".tif") == 0) ||
	       (n > 5 && strcasecmp(path + n - 5, ".tiff") == 0);
}

/* The environment with LC_ALL=C: lp's "request id is" is translated otherwise. */
static char **c_locale_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "LC_ALL=", 7) != 0)
			env[k++] = *e;
	env[k++] = "LC_ALL=C";
	return env;
}

/* A child's stderr on one line. */
static void one_line(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = in; *p && o + 3 < len; p++) {
		if (*p == '\n') {
			if (o && p[1]) {
				out[o++] = ';';
				out[o++] = ' ';
			}
		} else {
			out[o++] = (unsigned char)*p < 0x20 ? ' ' : *p;
		}
	}
	while (o && (out[o - 1] == ' ' || out[o - 1] == ';'))
		o--;
	out[o] = '\0';
}

/* After lp failed: true when lpstat says the server does not answer at all. */
static bool server_down(const char *server, char *const envp[], int64_t deadline)
{
	const char *with[] = { "lpstat", "-h", server, "-r", NULL };
	const char *without[] = { "lpstat", "-r", NULL };
	const char **argv = *server ? with : without;
	int64_t left = deadline - now_ms();
	struct run r;

	if (left < 200)
		return false;
	left = left < PROBE_MS ? left : PROBE_MS;
	if (run((char *const *)argv, envp, now_ms() + left, &r) < 0 || r.exec_errno || r.timed_out)
		return false;
	return strstr(r.out, "not running") != NULL;
}

static void failed(const struct run *r, const char *queue, const char *server, char *const envp[],
		   int64_t deadline, unsigned int timeout_ms, char *err, size_t errlen)
{
	char what[300], msg[ERR_MAX];
	char e[128];

	snprintf(what, sizeof(what), "%s%.255s", *server ? "the CUPS server " : "",
		 *server ? server : "the system's CUPS server");
	if (r->exec_errno) {
		snprintf(err, errlen, "cannot run lp: %s (package cups-client)",
			 strerror_r(r->exec_errno, e, sizeof(e)));
		return;
	}
	if (r->timed_out) {
		snprintf(err, errlen,
			 "lp did not finish within %u s and was stopped: is %s answering?",
			 (timeout_ms + 999) / 1000, what);
		return;
	}
	one_line(r->err, msg, sizeof(msg));
	if (!*msg && r->status != -1 && WIFSIGNALED(r->status))
		snprintf(msg, sizeof(msg), "lp killed by signal %d", WTERMSIG(r->status));
	else if (!*msg)
		snprintf(msg, sizeof(msg), "lp exited with status %d",
			 r->status == -1 ? -1 : WEXITSTATUS(r->status));
	if (server_down(server, envp, deadline))
		snprintf(err, errlen, "%s is not running or cannot be reached (%s)", what, msg);
	else if (*queue)
		snprintf(err, errlen, "queue %.127s on %s: %s", queue, what, msg);
	else
		snprintf(err, errlen, "default queue of %s: %s", what, msg);
}

/* "request id is QUEUE-N (K file(s))" */
static void request_id(const char *out, char *id, size_t len)
{
	const char *p = strstr(out, "request id is ");

	if (!id || !len)
		return;
	*id = '\0';
	if (p) {
		p += strlen("request id is ");
		snprintf(id, len, "%.*s", (int)strcspn(p, " \t\r\n"), p);
	}
}

/* "-x value" when there is a value. */
static void add_opt(const char **argv, size_t *a, const char *flag, const char *value)
{
	if (!*value)
		return;
	argv[(*a)++] = flag;
	argv[(*a)++] = value;
}

int rx_print_timed(const char *queue, const char *server, const char *const *files, size_t nfiles,
		   const char *title, char *job_id, size_t idlen, char *err, size_t errlen,
		   unsigned int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	const char **argv = calloc(nfiles + 12, sizeof(*argv));
	char **envp = c_locale_env(), name[TITLE_MAX], e[128];
	bool tiff = false;
	struct run r;
	size_t a = 0;
	int ret = -1;

	queue = queue ? queue : "";
	server = server ? server : "";
	if (job_id && idlen)
		*job_id = '\0';
	if (err && errlen)
		*err = '\0';
	if (!argv || !envp) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!nfiles) {
		snprintf(err, errlen, "nothing to print");
		goto out;
	}
	job_name(title, name, sizeof(name));
	for (size_t i = 0; i < nfiles; i++)
		tiff |= is_tiff(files[i]);
	argv[a++] = "lp";
	add_opt(argv, &a, "-h", server);
	add_opt(argv, &a, "-d", queue);
	add_opt(argv, &a, "-t", name);
	/* A fax page is scaled to the paper loaded; text is laid out by CUPS anyway. */
	add_opt(argv, &a, "-o", tiff ? "fit-to-page" : "");
	argv[a++] = "--"; /* a file name is never an option */
	for (size_t i = 0; i < nfiles; i++)
		argv[a++] = files[i];
	if (run((char *const *)argv, envp, deadline, &r) < 0) {
		snprintf(err, errlen, "cannot start lp: %s", strerror_r(errno, e, sizeof(e)));
		goto out;
	}
	if (!r.exec_errno && !r.timed_out && r.status != -1 && WIFEXITED(r.status) &&
	    WEXITSTATUS(r.status) == 0) {
		request_id(r.out, job_id, idlen);
		ret = 0;
	} else {
		failed(&r, queue, server, envp, deadline, timeout_ms, err, errlen);
	}
out:
	free(argv);
	free(envp);
	return ret;
}

int rx_print(const char *queue, const char *server, const char *const *files, size_t nfiles,
	     const char *title, char *job_id, size_t idlen, char *err, size_t errlen)
{
	return rx_print_timed(queue, server, files, nfiles, title, job_id, idlen, err, errlen,
			      RX_PRINT_TIMEOUT_MS);
}
