/*
 * E-mail and I-Fax delivery, run in a delivery thread (see deliver_task.h):
 * the settings of the moment (as text) become SMTP options, the encoded
 * files a MIME message (mime.h), and the message goes out with the SMTP
 * client (smtp_client.h), one transaction per 100 recipients (seed 1.2.1)
 * in one session. The To: header names every recipient.
 *
 * Routes: e-mail and I-Fax go through smtp.server; a serverless ("direct")
 * I-Fax goes to the host after each recipient's '@' (a device, so no MX
 * lookup), one session per host, on port SMTPTXPN, without TLS or AUTH,
 * and is limited to ifax.serverless_max_mb unless IFAX-SZL is 1. A simple
 * mode I-Fax larger than the limit (the setting's, or the SIZE the server
 * announces) goes as several messages of whole pages when IFAX-PGD is 1
 * (deliver_divide.c), else fails with #705 before a byte is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "deliver_mail.h"
#include "encoder.h"
#include "errcodes.h"
#include "mail_notice.h"
#include "pop3_client.h"
#include "pop_session.h"
#include "service_blob.h"

void delivery_result(struct irs_smtp_result *res, unsigned int code, bool temporary,
		     const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	res->temporary = temporary;
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
}

/* The outcome; text is cut to fit the journal's reply field. */
static void finish(struct deliver_task *t, const struct irs_smtp_result *res)
{
	t->code = res->code;
	t->temporary = res->temporary;
	snprintf(t->reply, sizeof(t->reply), "%.*s", (int)sizeof(t->reply) - 1, res->text);
}

static const char *user(const struct delivery *d, const char *key)
{
	const char *v = settings_store_get(d->user, key);

	return v ? v : "";
}

static int split_recipients(struct delivery *d)
{
	char *save = NULL;

	d->addrs = strdup(d->t->target.addrs);
	if (!d->addrs)
		return -1;
	for (char *a = strtok_r(d->addrs, ",", &save); a && d->nrcpt < MAX_RCPT;
	     a = strtok_r(NULL, ",", &save))
		d->rcpt[d->nrcpt++] = a;
	return d->nrcpt ? 0 : -1;
}

struct mime_msg *delivery_message(struct delivery *d, const char *const *rcpt, size_t nrcpt,
				  const struct deliver_file *files, unsigned int nfiles,
				  unsigned int part, unsigned int parts, const char *filename,
				  struct irs_smtp_result *res)
{
	struct deliver_task *t = d->t;
	char tag[32];
	struct mime_headers h = {
		.from = user(d, "mail.from"),
		.to = rcpt,
		.nto = nrcpt,
		.subject = user(d, "mail.subject"),
		.body = user(d, "mail.body"),
		.kind = t->target.type == JOB_DEST_EMAIL       ? MIME_EMAIL
			: t->target.ifax_mode == JOB_IFAX_FULL ? MIME_IFAX_FULL
							       : MIME_IFAX_SIMPLE,
		.part = part,
		.parts = parts,
		.msgid_tag = tag,
	};
	struct mime_msg *m;
	char err[256];

	/* A DSN or MDN about this message names the job and destination (mail_notice.h). */
	mail_notice_tag(t->job, t->dest, tag, sizeof(tag));
	if (!*h.from) {
		delivery_result(res, IRS_E_BAD_ADDRESS, false,
				"the device has no e-mail address (mail.from)");
		return NULL;
	}
	m = mime_new(&h, err, sizeof(err));
	if (!m) {
		delivery_result(res, IRS_E_BAD_ADDRESS, false, "%s", err);
		return NULL;
	}
	for (unsigned int i = 0; i < nfiles; i++) {
		enum encode_format fmt;
		const char *base = strrchr(files[i].path, '/');
		const char *name = filename ? filename : base ? base + 1 : files[i].path;

		if (encode_format_parse(files[i].format, &fmt) < 0 ||
		    mime_attach_file(m, files[i].path, name, encode_format_mime(fmt), err,
				     sizeof(err)) < 0) {
			delivery_result(res, IRS_E_WORK_AREA_FULL, false, "%s", err);
			mime_free(m);
			return NULL;
		}
	}
	return m;
}

static int make_tls(struct delivery *d, struct irs_smtp_result *res)
{
	struct irs_tls_opts o = IRS_TLS_OPTS_INIT;
	char err[256];

	o.verify = settings_store_get_bool(d->user, "tls.verify");
	o.min_version = irs_tls_version_parse(user(d, "tls.min_version"));
	o.ca_file = *user(d, "tls.ca_file") ? user(d, "tls.ca_file") : NULL;
	o.pin_sha256 = *user(d, "tls.pin_sha256") ? user(d, "tls.pin_sha256") : NULL;
	d->tls = irs_tls_ctx_new(&o, err, sizeof(err));
	if (!d->tls) {
		delivery_result(res, IRS_E_TLS_HANDSHAKE, false, "%s", err);
		return -1;
	}
	return 0;
}

static unsigned int disabled_mechanisms(const struct delivery *d)
{
	static const struct {
		const char *key;
		unsigned int bit;
	} map[] = {
		{ "NS-CMD5", IRS_SMTP_NO_CRAM_MD5 }, { "NS-NTLM", IRS_SMTP_NO_NTLM },
		{ "NS-GSAPI", IRS_SMTP_NO_GSSAPI },  { "NS-PLNWS", IRS_SMTP_NO_PLAIN_TLS },
		{ "NS-LGN", IRS_SMTP_NO_LOGIN },     { "NS-PLN", IRS_SMTP_NO_PLAIN },
	};
	unsigned int bits = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (settings_store_get_int(d->service, map[i].key))
			bits |= map[i].bit;
	return bits;
}

/*
 * POP before SMTP (seed 2.1.1): log in to the POP server, so that the SMTP
 * server trusts our address for a while, then wait 300 ms before sending.
 * Failures are the POP codes (#810, #813, #844, #845, #846).
 */
static int pop_before_smtp(struct delivery *d, struct irs_smtp_result *res)
{
	struct pop3_opts o;
	struct timespec pause = { 0, POP3_BEFORE_SMTP_DELAY_MS * 1000000L };
	struct pop3 *p = NULL;
	int st;

	pop_session_opts(d->user, d->service, d->tls, &o);
	if (!*o.host) {
		delivery_result(res, IRS_E_POP_CONNECT, false,
				"POP before SMTP is on but no POP server is set (pop.server)");
		return -1;
	}
	/* Never while a POP reception talks to the server (it waits for us as well). */
	pop_session_lock();
	st = pop3_open(&p, &o);
	if (st == POP3_OK)
		st = pop3_quit(p);
	pop_session_unlock();
	if (st != POP3_OK) {
		/* A server that cannot be reached may be back later; a refused login will not. */
		delivery_result(res, pop3_errcode(st), st == POP3_E_CONNECT, "POP before SMTP: %s",
				p ? pop3_error(p) : "failed");
		pop3_close(p);
		return -1;
	}
	pop3_close(p);
	nanosleep(&pause, NULL);
	return 0;
}

static int is_cancelled(void *arg)
{
	struct deliver_task *t = arg;

	return atomic_load(&t->cancel);
}

static long read_message(void *arg, char *buf, size_t len)
{
	ssize_t n = mime_read(arg, buf, len);

	return n < 0 ? -(long)IRS_E_WORK_AREA_FULL : (long)n;
}

static void dsn_notify(unsigned int flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", flags & MIME_NOTIFY_SUCCESS ? "SUCCESS," : "",
		 flags & MIME_NOTIFY_FAILURE ? "FAILURE," : "",
		 flags & MIME_NOTIFY_DELAY ? "DELAY," : "", flags ? "" : "NEVER");
	if (buf[0] && buf[strlen(buf) - 1] == ',')
		buf[strlen(buf) - 1] = '\0';
}

unsigned int delivery_send(struct irs_smtp *s, struct mime_msg *m, struct irs_smtp_result *res)
{
	const struct mime_envelope *env = mime_envelope(m);
	struct irs_smtp_rcpt rcpt[RCPT_PER_TRANSACTION];
	char notify[64];
	uint64_t size = mime_size(m);

	dsn_notify(env->dsn_notify, notify, sizeof(notify));
	/* Every batch of recipients in one session; the first failure decides. */
	for (size_t first = 0; first < env->nrcpt; first += RCPT_PER_TRANSACTION) {
		size_t n = env->nrcpt - first < RCPT_PER_TRANSACTION ? env->nrcpt - first
								     : RCPT_PER_TRANSACTION;
		struct irs_smtp_msg msg = {
			.from = env->mail_from,
			.rcpt = rcpt,
			.nrcpt = n,
			.size = (long long)size,
			.dsn_notify = notify,
			.dsn_ret = env->dsn_ret_hdrs ? "HDRS" : NULL,
			.dsn_envid = env->envid,
			.read = read_message,
			.read_arg = m,
		};

		memset(rcpt, 0, sizeof(rcpt));
		for (size_t i = 0; i < n; i++)
			rcpt[i].addr = env->rcpt[first + i];
		if (mime_rewind(m) < 0) {
			delivery_result(res, IRS_E_WORK_AREA_FULL, false, "%s", mime_error(m));
			break;
		}
		if (irs_smtp_send(s, &msg, res) != IRS_E_SENT)
			break;
	}
	return res->code;
}

/* Divided pages apply: a simple-mode I-Fax of one TIFF, with IFAX-PGD on. */
static bool may_divide(const struct delivery *d)
{
	const struct deliver_task *t = d->t;

	return t->target.type == JOB_DEST_IFAX && t->target.ifax_mode != JOB_IFAX_FULL &&
	       t->nfiles == 1 && strcmp(t->files[0].format, "ifax") == 0 &&
	       settings_store_get_int(d->service, "IFAX-PGD");
}

/* One session: these recipients, through the server of o, within limit bytes (0: none). */
static void deliver_route(struct delivery *d, const struct irs_smtp_opts *o,
			  const char *const *rcpt, size_t nrcpt, uint64_t limit,
			  struct irs_smtp_result *res)
{
	struct mime_msg *m =
		delivery_message(d, rcpt, nrcpt, d->t->files, d->t->nfiles, 0, 0, NULL, res);
	const struct irs_smtp_caps *caps;
	struct irs_smtp *s = NULL;
	bool divide = may_divide(d);
	uint64_t size;

	if (!m)
		return;
	size = mime_size(m);
	/* Too big by our own limit: say so before connecting. */
	if (limit && size > limit && !divide) {
		delivery_result(res, IRS_E_TOO_BIG, false,
				"the message (%llu bytes) is larger than the limit (%llu bytes)",
				(unsigned long long)size, (unsigned long long)limit);
		goto out;
	}
	if (irs_smtp_open(&s, o, res) != 0 || !s)
		goto out;
	caps = irs_smtp_caps(s);
	if (caps->has_size && caps->size && (!limit || caps->size < limit))
		limit = caps->size;
	if (!limit || size <= limit)
		delivery_send(s, m, res);
	else if (divide)
		delivery_send_divided(d, s, rcpt, nrcpt, m, limit, res);
	else
		delivery_result(
			res, IRS_E_TOO_BIG, false,
			"the message (%llu bytes) is larger than the server takes (%llu bytes)",
			(unsigned long long)size, (unsigned long long)limit);
	irs_smtp_close(s);
out:
	mime_free(m);
}

/*
 * The host of a direct I-Fax: what follows the last '@', an address
 * literal unbracketed ("[198.18.0.7]", "[IPv6:2001:db8::7]"). 0, or -1.
 */
static int direct_host_of(const char *addr, char *host, size_t len)
{
	const char *at = strrchr(addr, '@');
	size_t n;

	if (!at || !at[1])
		return -1;
	at++;
	n = strlen(at);
	if (at[0] == '[') {
		if (n < 3 || at[n - 1] != ']')
			return -1;
		at++;
		n -= 2;
		if (strncasecmp(at, "IPv6:", 5) == 0) {
			at += 5;
			n -= 5;
		}
	}
	if (!n || n >= len)
		return -1;
	memcpy(host, at, n);
	host[n] = '\0';
	return 0;
}

/* Serverless I-Fax: each host gets its recipients in one session; the first failure decides. */
static void deliver_direct(struct delivery *d, struct irs_smtp_result *res)
{
	struct irs_smtp_opts o = { 0 };
	/* The distinct hosts, each recipient's host, and one host's recipients. */
	char(*hosts)[MIME_ADDR_MAX + 1] = calloc(d->nrcpt, sizeof(*hosts));
	size_t *host_of = calloc(d->nrcpt, sizeof(*host_of));
	const char **list = calloc(d->nrcpt, sizeof(*list));
	long long max_mb = settings_store_get_int(d->user, "mail.max_size_mb");
	uint64_t limit = max_mb > 0 ? (uint64_t)max_mb << 20 : 0;
	size_t nhosts = 0;

	if (!hosts || !host_of || !list) {
		delivery_result(res, IRS_E_WORK_AREA_FULL, true, "out of memory");
		goto out;
	}
	if (!settings_store_get_int(d->service, "IFAX-SZL")) {
		uint64_t direct =
			(uint64_t)settings_store_get_int(d->user, "ifax.serverless_max_mb") << 20;

		if (!limit || direct < limit)
			limit = direct;
	}
	for (size_t i = 0; i < d->nrcpt; i++) {
		char host[MIME_ADDR_MAX + 1];
		size_t k = 0;

		if (direct_host_of(d->rcpt[i], host, sizeof(host)) < 0) {
			delivery_result(res, IRS_E_BAD_ADDRESS, false,
					"%.200s: no host to send a serverless I-Fax to",
					d->rcpt[i]);
			goto out;
		}
		while (k < nhosts && strcasecmp(hosts[k], host) != 0)
			k++;
		if (k == nhosts)
			memcpy(hosts[nhosts++], host, sizeof(host));
		host_of[i] = k;
	}
	o.port = (unsigned int)settings_store_get_int(d->service, "SMTPTXPN");
	o.timeout_ms = (int)settings_store_get_int(d->user, "net.timeout") * 1000;
	o.helo_name = *user(d, "device.hostname") ? user(d, "device.hostname") : NULL;
	o.tls = IRS_SMTP_TLS_OFF;
	o.cancelled = is_cancelled;
	o.cancel_arg = d->t;
	delivery_result(res, IRS_E_SENT, false, "sent");
	for (size_t k = 0; k < nhosts; k++) {
		struct irs_smtp_result one = { 0 };
		size_t n = 0;

		for (size_t i = 0; i < d->nrcpt; i++)
			if (host_of[i] == k)
				list[n++] = d->rcpt[i];
		o.host = hosts[k];
		deliver_route(d, &o, list, n, limit, &one);
		if (one.code != IRS_E_SENT && res->code == IRS_E_SENT)
			*res = one;
		else if (res->code == IRS_E_SENT)
			snprintf(res->text, sizeof(res->text), "%s", one.text);
	}
out:
	free(list);
	free(host_of);
	free(hosts);
}

/* The options of a session with smtp.server: 0, or -1 with the failure in res. */
static int server_opts(struct delivery *d, struct irs_smtp_opts *o, struct irs_smtp_result *res)
{
	long long port = settings_store_get_int(d->user, "smtp.port");

	memset(o, 0, sizeof(*o));
	if (!*user(d, "smtp.server")) {
		delivery_result(res, IRS_E_CONNECT, false, "no SMTP server is set (smtp.server)");
		return -1;
	}
	if (make_tls(d, res) < 0)
		return -1;
	o->host = user(d, "smtp.server");
	o->port = (unsigned int)(port ? port : settings_store_get_int(d->service, "SMTPTXPN"));
	o->timeout_ms = (int)settings_store_get_int(d->user, "net.timeout") * 1000;
	o->helo_name = *user(d, "device.hostname") ? user(d, "device.hostname") : NULL;
	o->tls = settings_store_get_bool(d->user, "smtp.implicit_tls") ? IRS_SMTP_TLS_IMPLICIT
		 : settings_store_get_bool(d->user, "smtp.starttls")   ? IRS_SMTP_TLS_STARTTLS
								       : IRS_SMTP_TLS_OFF;
	o->tls_ctx = d->tls;
	o->auth = settings_store_get_bool(d->user, "smtp.auth");
	o->auth_required = settings_store_get_bool(d->user, "smtp.auth_required");
	o->user = user(d, "smtp.user");
	o->password = user(d, "smtp.password");
	o->scram = settings_store_get_bool(d->user, "smtp.scram");
	o->oauth2_command = user(d, "smtp.oauth2_command");
	o->disable = disabled_mechanisms(d);
	if (d->t) {
		o->cancelled = is_cancelled;
		o->cancel_arg = d->t;
	}
	if (settings_store_get_bool(d->user, "smtp.pop_before_smtp") && pop_before_smtp(d, res) < 0)
		return -1;
	return 0;
}

/* Through smtp.server: TLS, AUTH and POP before SMTP as the settings say. */
static void deliver_server(struct delivery *d, struct irs_smtp_result *res)
{
	struct irs_smtp_opts o;
	long long max_mb = settings_store_get_int(d->user, "mail.max_size_mb");

	if (server_opts(d, &o, res) < 0)
		return;
	deliver_route(d, &o, d->rcpt, d->nrcpt, max_mb > 0 ? (uint64_t)max_mb << 20 : 0, res);
}

void deliver_prebuilt(const char *user_text, const char *service_text, const char *rcpt,
		      const char *path, struct irs_smtp_result *res)
{
	struct delivery d = { 0 };
	struct irs_smtp_rcpt r = { .addr = rcpt };
	struct irs_smtp_msg msg = { .from = "", .rcpt = &r, .nrcpt = 1, .size = -1 };
	struct irs_smtp_opts o;
	int fd = -1;

	memset(res, 0, sizeof(*res));
	d.user = settings_store_snapshot(SETTING_USER, user_text);
	d.service = settings_store_snapshot(SETTING_SERVICE, service_text);
	if (!d.user || !d.service) {
		delivery_result(res, IRS_E_WORK_AREA_FULL, true, "out of memory");
	} else if (server_opts(&d, &o, res) == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			delivery_result(res, IRS_E_WORK_AREA_FULL, false, "%s: %s", path,
					strerror(errno));
		} else {
			msg.read = irs_smtp_fd_reader;
			msg.read_arg = &fd;
			irs_smtp_send_once(&o, &msg, res);
			close(fd);
		}
	}
	irs_tls_ctx_free(d.tls);
	settings_store_free(d.user);
	settings_store_free(d.service);
}

void deliver_mail(struct deliver_task *t)
{
	struct delivery d = { .t = t };
	struct irs_smtp_result res = { 0 };

	d.user = settings_store_snapshot(SETTING_USER, t->user_settings);
	d.service = settings_store_snapshot(SETTING_SERVICE, t->service_settings);
	if (!d.user || !d.service || split_recipients(&d) < 0)
		delivery_result(&res, IRS_E_WORK_AREA_FULL, true, "out of memory");
	else if (t->target.type == JOB_DEST_IFAX && t->target.ifax_mode == JOB_IFAX_DIRECT)
		deliver_direct(&d, &res);
	else
		deliver_server(&d, &res);
	finish(t, &res);
	irs_tls_ctx_free(d.tls);
	free(d.addrs);
	settings_store_free(d.user);
	settings_store_free(d.service);
}
