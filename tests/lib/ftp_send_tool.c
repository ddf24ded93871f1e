// SPDX-License-Identifier: GPL-2.0
/*
 * One FTP send with user/file/ftp_client.h from the command line, for the
 * tests against real servers (tests/host/ftp_send.sh) and the benchmark
 * (tests/bench/filesend). Prints the result as KEY=VALUE lines:
 *
 *	code=899 reply=250 final=doc.pdf sent=1234 tls=1 resumed=1 data=EPSV
 *	temporary=0 text=...
 *
 * and exits 0 when the code is #899, 1 otherwise, 2 for a usage error.
 * The password comes from --password or, kept out of ps, IRS_FTP_PASSWORD.
 * --pause-at N --pause-file F: after N bytes the reader creates F and waits
 * (up to 60 s) until someone removes it, so a test can stop the server in
 * the middle of a transfer. --cancel-at N: the cancel check says stop once
 * N bytes went out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "ftp_client.h"

struct src {
	int fd;
	long long done, pause_at, cancel_at;
	const char *pause_file;
};

static long reader(void *arg, char *buf, size_t len)
{
	struct src *s = arg;
	long n;

	if (s->pause_file && s->pause_at >= 0 && s->done >= s->pause_at) {
		int fd = open(s->pause_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
		for (int i = 0; i < 600 && access(s->pause_file, F_OK) == 0; i++)
			usleep(100000);
		s->pause_at = -1;
	}
	if (s->pause_at > s->done && (long long)len > s->pause_at - s->done)
		len = (size_t)(s->pause_at - s->done);
	n = irs_ftp_fd_reader(&s->fd, buf, len);
	if (n > 0)
		s->done += n;
	return n;
}

static int cancelled(void *arg)
{
	const struct src *s = arg;

	return s->cancel_at >= 0 && s->done >= s->cancel_at;
}

static void trace(void *arg, char dir, const char *line)
{
	(void)arg;
	fprintf(stderr, "%c %s\n", dir, line);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: ftp_send_tool --host H [--port P] [--user U] [--password PW]\n"
		   "         --file PATH --name NAME [--dir DIR] [--timeout MS]\n"
		   "         [--tls [--ca FILE] [--no-verify] [--pin SHA256]]\n"
		   "         [--no-epsv] [--active-fallback] [--pasv strict|peer|trust]\n"
		   "         [--exists refuse|suffix] [--trace]\n"
		   "         [--pause-at N --pause-file F] [--cancel-at N]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "host", 1, 0, 'h' },	     { "port", 1, 0, 'p' },
		{ "user", 1, 0, 'u' },	     { "password", 1, 0, 'w' },
		{ "file", 1, 0, 'f' },	     { "name", 1, 0, 'n' },
		{ "dir", 1, 0, 'd' },	     { "timeout", 1, 0, 't' },
		{ "tls", 0, 0, 'T' },	     { "ca", 1, 0, 'c' },
		{ "no-verify", 0, 0, 'V' },  { "pin", 1, 0, 'P' },
		{ "no-epsv", 0, 0, 'E' },    { "active-fallback", 0, 0, 'A' },
		{ "pasv", 1, 0, 'a' },	     { "exists", 1, 0, 'x' },
		{ "trace", 0, 0, 'r' },	     { "pause-at", 1, 0, 'z' },
		{ "pause-file", 1, 0, 'Z' }, { "cancel-at", 1, 0, 'C' },
		{ "help", 0, 0, 'H' },	     { 0, 0, 0, 0 },
	};
	struct irs_ftp_opts o = IRS_FTP_OPTS_INIT;
	struct src src = { .fd = -1, .pause_at = -1, .cancel_at = -1 };
	struct irs_ftp_file f = { .size = -1, .read = reader, .read_arg = &src };
	struct irs_ftp_result r;
	const char *path = NULL;
	struct timespec t0, t1;
	struct stat st;
	char cbuf[ERRCODE_STR_MAX];
	int c;

	o.password = getenv("IRS_FTP_PASSWORD");
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			o.host = optarg;
			break;
		case 'p':
			o.port = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'w':
			o.password = optarg;
			break;
		case 'f':
			path = optarg;
			break;
		case 'n':
			f.name = optarg;
			break;
		case 'd':
			f.dir = optarg;
			break;
		case 't':
			o.timeout_ms = atoi(optarg);
			break;
		case 'T':
			o.tls = IRS_FTP_TLS_EXPLICIT;
			break;
		case 'c':
			o.tls_opts.ca_file = optarg;
			break;
		case 'V':
			o.tls_opts.verify = 0;
			break;
		case 'P':
			o.tls_opts.pin_sha256 = optarg;
			break;
		case 'E':
			o.no_epsv = 1;
			break;
		case 'A':
			o.active_fallback = 1;
			break;
		case 'a':
			if (!strcmp(optarg, "strict"))
				o.pasv_address = IRS_FTP_PASV_STRICT;
			else if (!strcmp(optarg, "peer"))
				o.pasv_address = IRS_FTP_PASV_USE_PEER;
			else if (!strcmp(optarg, "trust"))
				o.pasv_address = IRS_FTP_PASV_TRUST;
			else
				return usage(stderr), 2;
			break;
		case 'x':
			if (!strcmp(optarg, "refuse"))
				o.exists = IRS_FTP_EXISTS_REFUSE;
			else if (!strcmp(optarg, "suffix"))
				o.exists = IRS_FTP_EXISTS_SUFFIX;
			else
				return usage(stderr), 2;
			break;
		case 'r':
			o.trace = trace;
			break;
		case 'z':
			src.pause_at = atoll(optarg);
			break;
		case 'Z':
			src.pause_file = optarg;
			break;
		case 'C':
			src.cancel_at = atoll(optarg);
			break;
		case 'H':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.host || !path || !f.name || optind != argc) {
		usage(stderr);
		return 2;
	}
	src.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0 || fstat(src.fd, &st)) {
		fprintf(stderr, "ftp_send_tool: %s: %s\n", path, strerror(errno));
		return 2;
	}
	f.size = st.st_size;
	if (src.cancel_at >= 0) {
		o.cancelled = cancelled;
		o.cancel_arg = &src;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	irs_ftp_send(&o, &f, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("code=%u\nreply=%d\nfinal=%s\nsent=%lld\ntls=%d\nresumed=%d\ndata=%s\n"
	       "temporary=%d\nseconds=%.3f\ntext=%s\n",
	       r.code, r.reply, r.final_name, r.sent, r.tls, r.data_tls_resumed, r.data_mode,
	       r.temporary,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, r.text);
	if (r.code != IRS_E_SENT)
		fprintf(stderr, "ftp_send_tool: %s %s\n", errcode_str(r.code, cbuf), r.text);
	close(src.fd);
	return r.code == IRS_E_SENT ? 0 : 1;
}
