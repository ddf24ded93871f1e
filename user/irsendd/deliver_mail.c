/*
 * E-mail and I-Fax delivery, run in a delivery thread (see deliver_task.h):
 * the settings of the moment (as text) become SMTP options, the encoded
 * files a MIME message (mime.h), and the message goes out with the SMTP
 * client (smtp_client.h), one transaction per 100 recipients (seed 1.2.1)
 * in one session. The To: header names every recipient.
 */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "deliver_task.h"
#include "encoder.h"
#include "errcodes.h"
#include "mime.h"
#include "pop3_client.h"
#include "service_blob.h"
#include "settings_store.h"
#include "smtp_client.h"

/* Recipients of one SMTP transaction (seed 1.2.1). */
#define RCPT_PER_TRANSACTION 100
#define MAX_RCPT (JOB_ADDRS_MAX / 4)

struct delivery {
	struct deliver_task *t;
	struct settings_store *user, *service;
	char *addrs; /* a copy of the recipients, cut at the commas */
	const char *rcpt[MAX_RCPT];
	size_t nrcpt;
	struct irs_tls_ctx *tls;
	struct mime_msg *msg;
};

/* The outcome; text is cut to fit the journal's reply field. */
static void fail(struct deliver_task *t, unsigned int code, bool temporary, const char *text)
{
	t->code = code;
	t->temporary = temporary;
	snprintf(t->reply, sizeof(t->reply), "%.*s", (int)sizeof(t->reply) - 1, text ? text : "");
}

static struct settings_store *load(enum setting_scope scope, const char *text)
{
	struct settings_store *st = settings_store_new(scope);
	char err[256];

	/* A snapshot the main loop made from a valid store: it parses. */
	if (st && text)
		settings_store_parse(st, text, strlen(text), "snapshot", true, err, sizeof(err));
	return st;
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

static int build_message(struct delivery *d)
{
	struct deliver_task *t = d->t;
	struct mime_headers h = {
		.from = user(d, "mail.from"),
		.to = d->rcpt,
		.nto = d->nrcpt,
		.subject = user(d, "mail.subject"),
		.body = user(d, "mail.body"),
		.kind = t->target.type == JOB_DEST_EMAIL       ? MIME_EMAIL
			: t->target.ifax_mode == JOB_IFAX_FULL ? MIME_IFAX_FULL
							       : MIME_IFAX_SIMPLE,
	};
	char err[256];

	if (!*h.from) {
		fail(t, IRS_E_BAD_ADDRESS, false, "the device has no e-mail address (mail.from)");
		return -1;
	}
	d->msg = mime_new(&h, err, sizeof(err));
	if (!d->msg) {
		fail(t, IRS_E_BAD_ADDRESS, false, err);
		return -1;
	}
	for (unsigned int i = 0; i < t->nfiles; i++) {
		enum encode_format fmt;
		const char *base = strrchr(t->files[i].path, '/');

		if (encode_format_parse(t->files[i].format, &fmt) < 0 ||
		    mime_attach_file(d->msg, t->files[i].path, base ? base + 1 : t->files[i].path,
				     encode_format_mime(fmt), err, sizeof(err)) < 0) {
			fail(t, IRS_E_WORK_AREA_FULL, false, err);
			return -1;
		}
	}
	return 0;
}

static int make_tls(struct delivery *d)
{
	struct irs_tls_opts o = IRS_TLS_OPTS_INIT;
	char err[256];

	o.verify = settings_store_get_bool(d->user, "tls.verify");
	o.min_version = irs_tls_version_parse(user(d, "tls.min_version"));
	o.ca_file = *user(d, "tls.ca_file") ? user(d, "tls.ca_file") : NULL;
	o.pin_sha256 = *user(d, "tls.pin_sha256") ? user(d, "tls.pin_sha256") : NULL;
	d->tls = irs_tls_ctx_new(&o, err, sizeof(err));
	if (!d->tls) {
		fail(d->t, IRS_E_TLS_HANDSHAKE, false, err);
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
static int pop_before_smtp(struct delivery *d)
{
	struct pop3_opts o = POP3_OPTS_INIT;
	const char *auth = user(d, "pop.auth");
	struct timespec pause = { 0, POP3_BEFORE_SMTP_DELAY_MS * 1000000L };
	struct pop3 *p = NULL;
	long long port = settings_store_get_int(d->user, "pop.port");
	int st;

	o.host = user(d, "pop.server");
	o.port = (unsigned int)(port ? port : settings_store_get_int(d->service, "POP3N"));
	o.user = user(d, "pop.user");
	o.password = user(d, "pop.password");
	o.auth = strcmp(auth, "apop") == 0	? POP3_AUTH_APOP
		 : strcmp(auth, "popauth") == 0 ? POP3_AUTH_SASL
						: POP3_AUTH_STANDARD;
	o.stls = settings_store_get_bool(d->user, "pop.stls");
	o.implicit_tls = settings_store_get_bool(d->user, "pop.implicit_tls");
	o.tls = d->tls;
	o.timeout_ms = (int)settings_store_get_int(d->user, "net.timeout") * 1000;
	if (settings_store_get_bool(d->user, "pop.cram_md5") &&
	    !settings_store_get_int(d->service, "NS-CMD5"))
		o.mechs |= POP3_MECH_CRAM_MD5;
	if (settings_store_get_bool(d->user, "pop.scram"))
		o.mechs |= POP3_MECH_SCRAM_SHA256;
	if (settings_store_get_int(d->service, "NS-NTLM"))
		o.mechs &= ~(unsigned int)POP3_MECH_NTLM;
	if (settings_store_get_int(d->service, "NS-PLNWS"))
		o.mechs &= ~(unsigned int)(POP3_MECH_PLAIN | POP3_MECH_LOGIN);
	if (settings_store_get_int(d->service, "NS-LGN"))
		o.mechs &= ~(unsigned int)POP3_MECH_LOGIN;
	if (!*o.host) {
		fail(d->t, IRS_E_POP_CONNECT, false,
		     "POP before SMTP is on but no POP server is set (pop.server)");
		return -1;
	}
	st = pop3_open(&p, &o);
	if (st == POP3_OK)
		st = pop3_quit(p);
	if (st != POP3_OK) {
		char why[JOB_MESSAGE_MAX];

		snprintf(why, sizeof(why), "POP before SMTP: %s", p ? pop3_error(p) : "failed");
		/* A server that cannot be reached may be back later; a refused login will not. */
		fail(d->t, pop3_errcode(st), st == POP3_E_CONNECT, why);
		pop3_close(p);
		return -1;
	}
	pop3_close(p);
	nanosleep(&pause, NULL);
	return 0;
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

/* Every batch of recipients in one session; the first failure decides. */
static void send_all(struct delivery *d, const struct irs_smtp_opts *o)
{
	const struct mime_envelope *env = mime_envelope(d->msg);
	struct irs_smtp_rcpt rcpt[RCPT_PER_TRANSACTION];
	struct irs_smtp_result res = { 0 };
	struct irs_smtp *s = NULL;
	char notify[64];
	long long max_mb = settings_store_get_int(d->user, "mail.max_size_mb");
	uint64_t size = mime_size(d->msg);

	if (max_mb && size > (uint64_t)max_mb << 20) {
		fail(d->t, IRS_E_TOO_BIG, false, "the message is larger than mail.max_size_mb");
		return;
	}
	dsn_notify(env->dsn_notify, notify, sizeof(notify));
	if (irs_smtp_open(&s, o, &res) != 0 || !s) {
		fail(d->t, res.code, res.temporary, res.text);
		return;
	}
	for (size_t first = 0; first < env->nrcpt; first += RCPT_PER_TRANSACTION) {
		size_t n = env->nrcpt - first < RCPT_PER_TRANSACTION ? env->nrcpt - first
								     : RCPT_PER_TRANSACTION;
		struct irs_smtp_msg m = {
			.from = env->mail_from,
			.rcpt = rcpt,
			.nrcpt = n,
			.size = (long long)size,
			.dsn_notify = notify,
			.dsn_ret = env->dsn_ret_hdrs ? "HDRS" : NULL,
			.dsn_envid = env->envid,
			.read = read_message,
			.read_arg = d->msg,
		};

		memset(rcpt, 0, sizeof(rcpt));
		for (size_t i = 0; i < n; i++)
			rcpt[i].addr = env->rcpt[first + i];
		if (mime_rewind(d->msg) < 0 || irs_smtp_send(s, &m, &res) != IRS_E_SENT)
			break;
	}
	irs_smtp_close(s);
	fail(d->t, res.code, res.temporary, res.text);
}

void deliver_mail(struct deliver_task *t)
{
	struct delivery d = { .t = t };
	struct irs_smtp_opts o = { 0 };
	long long port;

	d.user = load(SETTING_USER, t->user_settings);
	d.service = load(SETTING_SERVICE, t->service_settings);
	if (!d.user || !d.service || split_recipients(&d) < 0) {
		fail(t, IRS_E_WORK_AREA_FULL, true, "out of memory");
		goto out;
	}
	if (!*user(&d, "smtp.server")) {
		fail(t, IRS_E_CONNECT, false, "no SMTP server is set (smtp.server)");
		goto out;
	}
	if (build_message(&d) < 0 || make_tls(&d) < 0)
		goto out;
	port = settings_store_get_int(d.user, "smtp.port");
	o.host = user(&d, "smtp.server");
	o.port = (unsigned int)(port ? port : settings_store_get_int(d.service, "SMTPTXPN"));
	o.timeout_ms = (int)settings_store_get_int(d.user, "net.timeout") * 1000;
	o.helo_name = *user(&d, "device.hostname") ? user(&d, "device.hostname") : NULL;
	o.tls = settings_store_get_bool(d.user, "smtp.implicit_tls") ? IRS_SMTP_TLS_IMPLICIT
		: settings_store_get_bool(d.user, "smtp.starttls")   ? IRS_SMTP_TLS_STARTTLS
								     : IRS_SMTP_TLS_OFF;
	o.tls_ctx = d.tls;
	o.auth = settings_store_get_bool(d.user, "smtp.auth");
	o.auth_required = settings_store_get_bool(d.user, "smtp.auth_required");
	o.user = user(&d, "smtp.user");
	o.password = user(&d, "smtp.password");
	o.scram = settings_store_get_bool(d.user, "smtp.scram");
	o.disable = disabled_mechanisms(&d);
	if (settings_store_get_bool(d.user, "smtp.pop_before_smtp") && pop_before_smtp(&d) < 0)
		goto out;
	send_all(&d, &o);
out:
	mime_free(d.msg);
	irs_tls_ctx_free(d.tls);
	free(d.addrs);
	settings_store_free(d.user);
	settings_store_free(d.service);
}
