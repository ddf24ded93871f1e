/*
 * A command-line front end of the SMTP client for the peer tests
 * (tests/host/smtp_client.sh): `build/tests/host/smtp_client_test --send
 * OPTIONS` sends one file and prints the result as key=value lines.
 * Included by tests/host/smtp_client_test.c only.
 *
 *	--host H --port P --timeout MS --helo NAME
 *	--tls off|starttls|implicit --no-verify --ca-file F --pin HEX
 *	--client-cert F --client-key F --min-tls 1.2|1.3
 *	--auth --auth-required --user U --password P --scram --oauth-cmd CMD
 *	--disable cmd5,ntlm,gsapi,plnws,lgn,pln
 *	--from A --to A[,A...] --file F (- for stdin) --size N (default: the file's)
 *	--dsn-notify LIST --dsn-ret FULL|HDRS --envid ID --8bit --trace
 *
 * Exit status 0 when the result is #899, 1 otherwise, 2 on bad usage.
 */
#ifndef IRSEND_TEST_SMTP_SEND_CLI_H
#define IRSEND_TEST_SMTP_SEND_CLI_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtp_client.h"
#include "tls.h"

static void cli_trace(void *arg, char dir, const char *line)
{
	(void)arg;
	fprintf(stderr, "%c %s\n", dir, line);
}

static unsigned int cli_disable(const char *list)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} sw[] = {
		{ "cmd5", IRS_SMTP_NO_CRAM_MD5 }, { "ntlm", IRS_SMTP_NO_NTLM },
		{ "gsapi", IRS_SMTP_NO_GSSAPI },  { "plnws", IRS_SMTP_NO_PLAIN_TLS },
		{ "lgn", IRS_SMTP_NO_LOGIN },	  { "pln", IRS_SMTP_NO_PLAIN },
	};
	unsigned int bits = 0;
	char *copy = strdup(list), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++)
			if (!strcasecmp(t, sw[i].name))
				bits |= sw[i].bit;
	free(copy);
	return bits;
}

static int smtp_send_cli(int argc, char **argv)
{
	struct irs_smtp_opts o = { .port = 25, .timeout_ms = 20000 };
	struct irs_tls_opts to = IRS_TLS_OPTS_INIT;
	struct irs_smtp_msg m = { .size = -2 };
	struct irs_smtp_rcpt rcpt[1000];
	struct irs_smtp_result res;
	const char *file = "-", *to_list = NULL;
	char err[256], *list = NULL, *save = NULL;
	int fd, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used = 1;

#define OPT(name) (!strcmp(a, name) && v)
		if (!strcmp(a, "--send"))
			used = 0;
		else if (OPT("--host"))
			o.host = v;
		else if (OPT("--port"))
			o.port = (unsigned int)atoi(v);
		else if (OPT("--timeout"))
			o.timeout_ms = atoi(v);
		else if (OPT("--helo"))
			o.helo_name = v;
		else if (OPT("--tls"))
			o.tls = !strcmp(v, "starttls")	 ? IRS_SMTP_TLS_STARTTLS
				: !strcmp(v, "implicit") ? IRS_SMTP_TLS_IMPLICIT
							 : IRS_SMTP_TLS_OFF;
		else if (OPT("--ca-file"))
			to.ca_file = v;
		else if (OPT("--pin"))
			to.pin_sha256 = v;
		else if (OPT("--client-cert"))
			to.client_cert = v;
		else if (OPT("--client-key"))
			to.client_key = v;
		else if (OPT("--min-tls"))
			to.min_version = irs_tls_version_parse(v);
		else if (OPT("--user"))
			o.user = v;
		else if (OPT("--password"))
			o.password = v;
		else if (OPT("--oauth-cmd"))
			o.oauth2_command = v;
		else if (OPT("--disable"))
			o.disable = cli_disable(v);
		else if (OPT("--from"))
			m.from = v;
		else if (OPT("--to"))
			to_list = v;
		else if (OPT("--file"))
			file = v;
		else if (OPT("--size"))
			m.size = atoll(v);
		else if (OPT("--dsn-notify"))
			m.dsn_notify = v;
		else if (OPT("--dsn-ret"))
			m.dsn_ret = v;
		else if (OPT("--envid"))
			m.dsn_envid = v;
		else if (!strcmp(a, "--no-verify"))
			used = 0, to.verify = 0;
		else if (!strcmp(a, "--auth"))
			used = 0, o.auth = 1;
		else if (!strcmp(a, "--auth-required"))
			used = 0, o.auth_required = 1;
		else if (!strcmp(a, "--scram"))
			used = 0, o.scram = 1;
		else if (!strcmp(a, "--8bit"))
			used = 0, m.body_8bit = 1;
		else if (!strcmp(a, "--trace"))
			used = 0, o.trace = cli_trace;
		else {
			fprintf(stderr, "smtp --send: unknown or incomplete option %s\n", a);
			return 2;
		}
#undef OPT
		i += used;
	}
	if (!o.host || !m.from || !to_list) {
		fprintf(stderr, "smtp --send: --host, --from and --to are required\n");
		return 2;
	}
	list = strdup(to_list);
	for (char *t = strtok_r(list, ",", &save); t && m.nrcpt < 1000;
	     t = strtok_r(NULL, ",", &save))
		rcpt[m.nrcpt++] = (struct irs_smtp_rcpt){ .addr = t };
	fd = strcmp(file, "-") ? open(file, O_RDONLY) : 0;
	if (fd < 0) {
		perror(file);
		return 2;
	}
	if (m.size == -2) {
		struct stat st;

		m.size = fd && !fstat(fd, &st) ? (long long)st.st_size : -1;
	}
	m.rcpt = rcpt;
	m.read = irs_smtp_fd_reader;
	m.read_arg = &fd;
	if (o.tls != IRS_SMTP_TLS_OFF) {
		o.tls_ctx = irs_tls_ctx_new(&to, err, sizeof(err));
		if (!o.tls_ctx) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	}
	irs_smtp_send_once(&o, &m, &res);
	printf("code=%u\ntemporary=%d\nsent=%d\nreply=%d\nmech=%s\ntls=%d\naccepted=%zu\nrefused=%"
	       "zu\ntext=%s\n",
	       res.code, res.temporary, res.sent, res.reply, res.mech, res.tls, res.accepted,
	       res.refused, res.text);
	for (size_t i = 0; i < m.nrcpt; i++)
		printf("rcpt=%s %u %d %d\n", rcpt[i].addr, rcpt[i].code, rcpt[i].reply,
		       rcpt[i].temporary);
	rc = res.code == 899 ? 0 : 1;
	irs_tls_ctx_free(o.tls_ctx);
	free(list);
	if (fd)
		close(fd);
	return rc;
}

#endif
