/*
 * The POP check (seed 2.1.3): log in, list the messages by UIDL, and for
 * each one spool it (written and synced) before it is deleted from the
 * server. A message already in the spool is deleted without fetching it
 * again. The check holds the POP session lock, so POP before SMTP waits
 * for it and it waits for POP before SMTP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "atomic_file.h"
#include "errcodes.h"
#include "log.h"
#include "pop_session.h"
#include "receive_priv.h"
#include "settings_store.h"
#include "tls.h"

void receive_pop_name(const char *server, const char *user, const char *uid, char *out,
		      size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* The uid is the server's, for this mailbox: name the mailbox too. */
	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(c, server, strlen(server) + 1) &&
	    EVP_DigestUpdate(c, user, strlen(user) + 1) && EVP_DigestUpdate(c, uid, strlen(uid)))
		EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	snprintf(out, outlen, "pop-");
	for (unsigned int i = 0; i < 16 && i < mdlen; i++)
		snprintf(out + 4 + 2 * i, outlen - 4 - 2 * i, "%02x", md[i]);
}

static int spool_write(void *ctx, const void *buf, size_t len)
{
	return atomic_file_write(ctx, buf, len);
}

struct poll_outcome {
	unsigned int code;
	unsigned int fetched;
	char message[200];
	char login[48]; /* how we logged in: "APOP under TLS" */
};

static void __attribute__((format(printf, 3, 4)))
outcome(struct poll_outcome *o, unsigned int code, const char *fmt, ...)
{
	va_list ap;

	o->code = code;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
}

static struct irs_tls_ctx *make_tls(const struct settings_store *u, char *err, size_t errlen)
{
	struct irs_tls_opts o = IRS_TLS_OPTS_INIT;
	const char *ca = settings_store_get(u, "tls.ca_file"),
		   *pin = settings_store_get(u, "tls.pin_sha256");

	o.verify = settings_store_get_bool(u, "tls.verify");
	o.min_version = irs_tls_version_parse(settings_store_get(u, "tls.min_version"));
	o.ca_file = *ca ? ca : NULL;
	o.pin_sha256 = *pin ? pin : NULL;
	return irs_tls_ctx_new(&o, err, errlen);
}

/* Fetch every message of the open session into the spool: a pop3 status. */
static int fetch_all(struct receiver *rx, struct pop3 *p, const struct pop3_opts *o,
		     uint64_t max_bytes, struct poll_outcome *out)
{
	struct pop3_msg *msgs = NULL;
	size_t n = 0;
	int st = pop3_uidl(p, &msgs, &n);

	for (size_t i = 0; st == POP3_OK && i < n && !atomic_load(&rx->cancel); i++) {
		char name[64], file[80], path[RX_PATH_MAX + 100];
		struct atomic_file af;

		receive_pop_name(o->host, o->user, msgs[i].uid, name, sizeof(name));
		snprintf(file, sizeof(file), "%s.eml", name);
		snprintf(path, sizeof(path), "%s/%s", rx->spool, file);
		if (access(path, F_OK) != 0) {
			if (atomic_file_create(&af, rx->spool, file) < 0) {
				st = POP3_E_WRITE;
				break;
			}
			st = pop3_retr(p, msgs[i].num, max_bytes, spool_write, &af);
			if (st != POP3_OK) {
				atomic_file_abort(&af);
				break;
			}
			if (atomic_file_commit(&af) < 0) {
				st = POP3_E_WRITE;
				break;
			}
			out->fetched++;
			receive_kick(rx);
		}
		/* Safely in the spool: now the server may forget it. */
		st = pop3_dele(p, msgs[i].num);
	}
	free(msgs);
	return st;
}

static void check(struct receiver *rx, struct poll_outcome *out)
{
	struct settings_store *u = receive_user_settings(rx), *s = receive_service_settings(rx);
	struct irs_tls_ctx *tls = NULL;
	struct pop3 *p = NULL;
	struct pop3_opts o;
	char err[256];
	int st;

	if (!u || !s) {
		outcome(out, IRS_E_WORK_AREA_FULL, "%s", "out of memory");
		goto done;
	}
	tls = make_tls(u, err, sizeof(err));
	if (!tls) {
		outcome(out, IRS_E_POP_TLS, "%.190s", err);
		goto done;
	}
	pop_session_opts(u, s, tls, &o);
	if (receive_inbox_full(rx)) {
		outcome(out, IRS_E_BOX_FULL, "%s",
			"the Memory RX Inbox is full: messages stay on the server");
		goto done;
	}
	if (!*o.host) {
		outcome(out, IRS_E_POP_CONNECT, "%s", "no POP server is set (pop.server)");
		goto done;
	}
	pop_session_lock();
	st = pop3_open(&p, &o);
	if (st == POP3_OK)
		st = fetch_all(rx, p, &o,
			       (uint64_t)settings_store_get_int(u, "smtpd.max_size_mb") << 20, out);
	/* QUIT makes the deletions happen; after a failure the session is gone anyway. */
	if (st == POP3_OK)
		st = pop3_quit(p);
	pop_session_unlock();
	if (st == POP3_E_UIDL)
		outcome(out, IRS_E_POP_CONNECT, "%s", "POP server UIDL error");
	else if (st == POP3_E_WRITE)
		outcome(out, IRS_E_WORK_AREA_FULL, "cannot write to the reception spool: %s",
			strerror(errno));
	else if (st != POP3_OK)
		/* The seed's status line first ("SSL Error (POP)", ...), then the detail. */
		outcome(out, pop3_errcode(st) ? pop3_errcode(st) : IRS_E_POP_CONNECT, "%s: %.150s",
			pop3_status_message(st), p ? pop3_error(p) : "");
	else
		snprintf(out->login, sizeof(out->login), "%s%s%s", pop3_mechanism(p) ? "SASL " : "",
			 pop3_mechanism(p)	    ? pop3_mechanism(p)
			 : o.auth == POP3_AUTH_APOP ? "APOP"
						    : "USER/PASS",
			 pop3_is_tls(p) ? " under TLS" : "");
	pop3_close(p);
done:
	irs_tls_ctx_free(tls);
	settings_store_free(u);
	settings_store_free(s);
}

void *receive_pop_main(void *arg)
{
	struct receiver *rx = arg;
	struct poll_outcome out = { 0 };
	uint64_t one = 1;

	check(rx, &out);
	pthread_mutex_lock(&rx->lock);
	rx->st.last_poll = time(NULL);
	rx->st.last_code = out.code;
	rx->st.last_fetched = out.fetched;
	if (out.code)
		snprintf(rx->st.last_message, sizeof(rx->st.last_message), "%s", out.message);
	else
		snprintf(rx->st.last_message, sizeof(rx->st.last_message), "%u new message%s (%s)",
			 out.fetched, out.fetched == 1 ? "" : "s", out.login);
	pthread_mutex_unlock(&rx->lock);
	if (write(rx->done_fd, &one, sizeof(one)) < 0)
		log_msg(LOG_ERR, 0, "POP check: cannot report its end: %s", strerror(errno));
	return NULL;
}

int receive_poll_now(struct receiver *rx, char *err, size_t errlen)
{
	pthread_mutex_lock(&rx->lock);
	if (rx->poll_running) {
		pthread_mutex_unlock(&rx->lock);
		snprintf(err, errlen, "a POP check is running");
		return -1;
	}
	atomic_store(&rx->cancel, false);
	if (pthread_create(&rx->poll_thread, NULL, receive_pop_main, rx) != 0) {
		pthread_mutex_unlock(&rx->lock);
		snprintf(err, errlen, "cannot start a thread for the POP check");
		return -1;
	}
	rx->poll_running = true;
	pthread_mutex_unlock(&rx->lock);
	return 0;
}

/* Hand the reports the worker queued to the main loop's hook. */
static void deliver_notices(struct receiver *rx)
{
	struct receive_notice copy[RX_NOTICES_MAX];
	unsigned int n;

	pthread_mutex_lock(&rx->lock);
	n = rx->nnotices;
	memcpy(copy, rx->notices, n * sizeof(copy[0]));
	rx->nnotices = 0;
	pthread_mutex_unlock(&rx->lock);
	for (unsigned int i = 0; i < n && rx->notice_fn; i++)
		rx->notice_fn(rx->notice_arg, copy[i].job, copy[i].dest, copy[i].code,
			      copy[i].text);
}

void receive_ready(struct receiver *rx)
{
	struct epoll_event evs[3];
	uint64_t v;
	char err[100];
	int n = epoll_wait(rx->epfd, evs, 3, 0);

	for (int i = 0; i < n; i++) {
		if (read(evs[i].data.fd, &v, sizeof(v)) < 0)
			continue;
		if (evs[i].data.fd == rx->notice_fd) {
			deliver_notices(rx);
			continue;
		}
		if (evs[i].data.fd == rx->timer_fd) {
			pthread_mutex_lock(&rx->lock);
			rx->st.next_poll = 0;
			pthread_mutex_unlock(&rx->lock);
			if (receive_poll_now(rx, err, sizeof(err)) < 0)
				log_msg(LOG_WARNING, 0, "POP check skipped: %s", err);
			continue;
		}
		/* A check ended: join it, say how it went, set the next one. */
		pthread_join(rx->poll_thread, NULL);
		pthread_mutex_lock(&rx->lock);
		rx->poll_running = false;
		if (rx->st.last_code)
			log_msg(LOG_WARNING, 0, "POP check: #%03u %s", rx->st.last_code,
				rx->st.last_message);
		else
			log_msg(LOG_INFO, 0, "POP check: %s", rx->st.last_message);
		if (rx->interval_min) {
			struct itimerspec its = { .it_value = { .tv_sec = rx->interval_min * 60 } };

			timerfd_settime(rx->timer_fd, 0, &its, NULL);
			rx->st.next_poll = time(NULL) + rx->interval_min * 60;
		}
		pthread_mutex_unlock(&rx->lock);
	}
}
