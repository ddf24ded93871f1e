// SPDX-License-Identifier: GPL-2.0
/*
 * rx_print_tool: rx_print() (user/irsendd/rx_print.c) as a program, for
 * tests/host/rx_print.sh.
 *
 *   rx_print_tool [--queue Q] [--server S] [--title T] [--timeout-ms N]
 *                 [--open-fds N] [--threads N] FILE...
 *
 * Set up like the agent (SIGTERM, SIGINT, SIGHUP blocked, SIGPIPE
 * ignored, N descriptors open without O_CLOEXEC, as a careless thread
 * might leave them), it calls rx_print() from N threads at once and
 * prints "job ID" or "error MESSAGE" for each, then "ms N" (elapsed).
 * Exit status 0 when every call returned 0.
 *
 * Run as "lp" (a symbolic link named lp early in PATH) it is a fake lp
 * that appends what it was given to $RX_PRINT_FAKE_REPORT: "arg A" for
 * each argument, "fd N TARGET" for each open descriptor, "sigblk HEX" and
 * "sigign HEX", "lc_all VALUE", "pid N"; then, by $RX_PRINT_FAKE: ok
 * (default: prints a request id), fail (an lp-like error, exit 1) or hang
 * (starts a child, "child N", and both sleep).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The agent links rx_print.o; the generic rule for tests/lib builds one source. */
#include "../../user/irsendd/rx_print.c"

#define MAX_THREADS 16

static void status_line(FILE *f, const char *field, const char *name)
{
	char line[256];
	FILE *st = fopen("/proc/self/status", "re");

	while (st && fgets(line, sizeof(line), st))
		if (strncmp(line, field, strlen(field)) == 0)
			fprintf(f, "%s %s", name, line + strlen(field));
	if (st)
		fclose(st);
}

static int fake_lp(int argc, char **argv)
{
	const char *path = getenv("RX_PRINT_FAKE_REPORT"), *mode = getenv("RX_PRINT_FAKE");
	char lines[64][600], target[256];
	size_t n = 0, files = 0;
	struct dirent *de;
	DIR *d;
	FILE *f;

	/* The descriptors first: opening the report adds one. */
	d = opendir("/proc/self/fd");
	while (d && (de = readdir(d)) && n < 64) {
		ssize_t len;

		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		snprintf(lines[n++], sizeof(lines[0]), "fd %s %s", de->d_name, target);
	}
	if (d)
		closedir(d);
	f = path ? fopen(path, "ae") : NULL;
	if (!f)
		return 2;
	for (int i = 1; i < argc; i++)
		fprintf(f, "arg %s\n", argv[i]);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	status_line(f, "SigBlk:\t", "sigblk");
	status_line(f, "SigIgn:\t", "sigign");
	fprintf(f, "lc_all %s\npid %d\n", getenv("LC_ALL") ? getenv("LC_ALL") : "(unset)",
		(int)getpid());
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			files = (size_t)(argc - i - 1);
	if (mode && strcmp(mode, "fail") == 0) {
		fclose(f);
		fprintf(stderr, "lp: Error - fake failure\nsecond line\n");
		return 1;
	}
	if (mode && strcmp(mode, "hang") == 0) {
		pid_t c = fork();

		if (c == 0) {
			sleep(600);
			_exit(0);
		}
		fprintf(f, "child %d\n", (int)c);
		fclose(f);
		sleep(600);
		return 0;
	}
	fclose(f);
	printf("request id is fake-42 (%zu file(s))\n", files);
	return 0;
}

struct call {
	const char *queue, *server, *title;
	const char *const *files;
	size_t nfiles;
	unsigned int timeout_ms;
	int ret;
	char job[128], err[1024];
};

static void *print_thread(void *arg)
{
	struct call *c = arg;

	c->ret = rx_print_timed(c->queue, c->server, c->files, c->nfiles, c->title, c->job,
				sizeof(c->job), c->err, sizeof(c->err), c->timeout_ms);
	return NULL;
}

/* What the agent does to its signals (main.c) and what a careless thread leaves open. */
static void like_the_agent(int open_fds)
{
	sigset_t set;
	int p[2];

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < open_fds; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			perror("open /dev/null");
	if (open_fds > 0 && pipe(p) < 0)
		perror("pipe");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "server", required_argument, NULL, 's' },
		{ "title", required_argument, NULL, 't' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "open-fds", required_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct call calls[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	struct call c = { .queue = "", .server = "", .title = "", .timeout_ms = 60000 };
	const char *base = strrchr(argv[0], '/');
	int o, threads = 1, open_fds = 0, failed = 0;
	struct timespec t0, t1;

	if (strcmp(base ? base + 1 : argv[0], "lp") == 0)
		return fake_lp(argc, argv);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'q':
			c.queue = optarg;
			break;
		case 's':
			c.server = optarg;
			break;
		case 't':
			c.title = optarg;
			break;
		case 'T':
			c.timeout_ms = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			open_fds = atoi(optarg);
			break;
		case 'n':
			threads = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: rx_print_tool [--queue Q] [--server S] [--title T] "
					"[--timeout-ms N] [--open-fds N] [--threads N] FILE...\n");
			return 2;
		}
	}
	if (threads < 1 || threads > MAX_THREADS)
		threads = 1;
	c.files = (const char *const *)argv + optind;
	c.nfiles = (size_t)(argc - optind);
	like_the_agent(open_fds);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < threads; i++) {
		calls[i] = c;
		if (pthread_create(&th[i], NULL, print_thread, &calls[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 2;
		}
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		if (calls[i].ret == 0) {
			printf("job %s\n", calls[i].job);
		} else {
			printf("error %s\n", calls[i].err);
			failed++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ms %lld\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return failed ? 1 : 0;
}
