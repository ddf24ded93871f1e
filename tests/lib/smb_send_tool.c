/*
 * SMB sends with user/file/smb_send.h from the command line, for the tests
 * against real servers (tests/host/smb_send.sh) and the benchmark
 * (tests/bench/filesend):
 *
 *	smb_send_tool --dest '\\host\share\dir' [--port N] [--user U]
 *		[--encrypt] [--exists refuse|suffix] [--timeout MS] [--trace]
 *		[--pause-at N --pause-file F] [--cancel-at N] [--threads N]
 *		PATH NAME [PATH NAME...]
 *
 * The password comes from IRS_SMB_PASSWORD (kept out of ps) or --password.
 * Prints KEY=VALUE lines:
 *
 *	code=899 temporary=0 sent=2 bytes=1234 err=0 progress=1234
 *	file0=899 stored0=doc.pdf
 *	text=...
 *
 * and exits 0 when the code is #899, 1 otherwise, 2 for a usage error.
 * --pause-at N --pause-file F: once N bytes of a file are written, the
 * progress callback creates F and waits (up to 60 s) until it is removed,
 * so a test can look at the share or stop the server in the middle of a
 * transfer. --cancel-at N: the cancel check says stop once N bytes went
 * out. --threads N: N sends at once from N threads, the names prefixed
 * "tK-" (K = 1..N), the results printed per thread (code1=..., ...).
 * --trace: the module's trace lines on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errcodes.h"
#include "smb_send.h"

struct run {
	struct irs_smb_opts o;
	struct irs_smb_file *files;
	size_t n;
	struct irs_smb_result res;
	unsigned long long last;
	long long pause_at, cancel_at;
	const char *pause_file;
};

static void progress(void *arg, size_t file, unsigned long long done, unsigned long long total)
{
	struct run *r = arg;

	(void)file, (void)total;
	r->last = done;
	if (r->pause_file && r->pause_at >= 0 && done >= (unsigned long long)r->pause_at) {
		int fd = open(r->pause_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
		for (int i = 0; i < 600 && access(r->pause_file, F_OK) == 0; i++)
			usleep(100000);
		r->pause_at = -1;
	}
}

static int cancelled(void *arg)
{
	struct run *r = arg;

	return r->cancel_at >= 0 && r->last >= (unsigned long long)r->cancel_at;
}

static void trace(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "trace: %s\n", line);
}

static void *run_send(void *arg)
{
	struct run *r = arg;

	irs_smb_send(&r->o, r->files, r->n, &r->res);
	return NULL;
}

static void print_run(const struct run *r, const char *sfx)
{
	printf("code%s=%u\ntemporary%s=%d\nsent%s=%zu\nbytes%s=%llu\nerr%s=%d\nprogress%s=%llu\n",
	       sfx, r->res.code, sfx, r->res.temporary, sfx, r->res.sent, sfx, r->res.bytes, sfx,
	       r->res.err, sfx, r->last);
	for (size_t i = 0; i < r->n; i++)
		printf("file%zu%s=%u\nstored%zu%s=%s\n", i, sfx, r->files[i].code, i, sfx,
		       r->files[i].stored);
	printf("text%s=%s\n", sfx, r->res.text);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: smb_send_tool --dest '\\\\host\\share[\\dir]' [--port N] [--user U] "
		"[--password P] [--encrypt] [--exists refuse|suffix] [--timeout MS] "
		"[--trace] [--pause-at N --pause-file F] [--cancel-at N] [--threads N] "
		"PATH NAME [PATH NAME...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "dest", 1, 0, 'd' },
					    { "port", 1, 0, 'p' },
					    { "user", 1, 0, 'u' },
					    { "password", 1, 0, 'P' },
					    { "encrypt", 0, 0, 'e' },
					    { "exists", 1, 0, 'x' },
					    { "timeout", 1, 0, 't' },
					    { "trace", 0, 0, 'T' },
					    { "pause-at", 1, 0, 'a' },
					    { "pause-file", 1, 0, 'f' },
					    { "cancel-at", 1, 0, 'c' },
					    { "threads", 1, 0, 'n' },
					    { 0, 0, 0, 0 } };
	struct run base = { .pause_at = -1, .cancel_at = -1 };
	int c, threads = 0, ok = 1;

	base.o.password = getenv("IRS_SMB_PASSWORD");
	base.o.exists = IRS_SMB_EXISTS_REFUSE;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			base.o.dest = optarg;
			break;
		case 'p':
			base.o.port = (unsigned int)atoi(optarg);
			break;
		case 'u':
			base.o.user = optarg;
			break;
		case 'P':
			base.o.password = optarg;
			break;
		case 'e':
			base.o.encrypt = 1;
			break;
		case 'x':
			if (!strcmp(optarg, "suffix"))
				base.o.exists = IRS_SMB_EXISTS_SUFFIX;
			else if (strcmp(optarg, "refuse"))
				return usage();
			break;
		case 't':
			base.o.timeout_ms = atoi(optarg);
			break;
		case 'T':
			base.o.trace = trace;
			break;
		case 'a':
			base.pause_at = atoll(optarg);
			break;
		case 'f':
			base.pause_file = optarg;
			break;
		case 'c':
			base.cancel_at = atoll(optarg);
			break;
		case 'n':
			threads = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	if (!base.o.dest || optind >= argc || (argc - optind) % 2 || threads < 0 || threads > 16)
		return usage();
	base.n = (size_t)(argc - optind) / 2;

	if (threads == 0) {
		struct irs_smb_file files[base.n];

		memset(files, 0, sizeof(files));
		for (size_t i = 0; i < base.n; i++) {
			files[i].path = argv[optind + 2 * i];
			files[i].name = argv[optind + 2 * i + 1];
		}
		base.files = files;
		base.o.progress = progress;
		base.o.progress_arg = &base;
		base.o.cancelled = cancelled;
		base.o.cancel_arg = &base;
		run_send(&base);
		print_run(&base, "");
		return base.res.code == IRS_E_SENT ? 0 : 1;
	}

	/* Several sends at once: the module serialises them; each must succeed. */
	struct run runs[threads];
	pthread_t tid[threads];
	static char names[16][8][IRS_SMB_NAME_MAX];
	struct irs_smb_file files[16][8];

	if (base.n > 8)
		return usage();
	for (int t = 0; t < threads; t++) {
		runs[t] = base;
		runs[t].o.progress = progress;
		runs[t].o.progress_arg = &runs[t];
		runs[t].o.cancelled = cancelled;
		runs[t].o.cancel_arg = &runs[t];
		runs[t].files = files[t];
		for (size_t i = 0; i < base.n; i++) {
			snprintf(names[t][i], sizeof(names[t][i]), "t%d-%s", t + 1,
				 argv[optind + 2 * i + 1]);
			files[t][i] = (struct irs_smb_file){ .path = argv[optind + 2 * i],
							     .name = names[t][i] };
		}
		if (pthread_create(&tid[t], NULL, run_send, &runs[t])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (int t = 0; t < threads; t++) {
		char sfx[8];

		pthread_join(tid[t], NULL);
		snprintf(sfx, sizeof(sfx), "%d", t + 1);
		print_run(&runs[t], sfx);
		ok &= runs[t].res.code == IRS_E_SENT;
	}
	return ok ? 0 : 1;
}
