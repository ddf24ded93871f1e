/* The reception spool, its worker and the reception log (see receive.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomic_file.h"
#include "deliver_mail.h"
#include "errcodes.h"
#include "fsutil.h"
#include "log.h"
#include "mail_notice.h"
#include "receive_priv.h"
#include "rx_print.h"
#include "rx_message.h"
#include "settings_store.h"

#define LOG_ROTATE_BYTES (1u << 20)

static char *dup_text(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct settings_store *receive_user_settings(struct receiver *rx)
{
	struct settings_store *st;

	pthread_mutex_lock(&rx->lock);
	st = settings_store_snapshot(SETTING_USER, rx->user_text);
	pthread_mutex_unlock(&rx->lock);
	return st;
}

struct settings_store *receive_service_settings(struct receiver *rx)
{
	struct settings_store *st;

	pthread_mutex_lock(&rx->lock);
	st = settings_store_snapshot(SETTING_SERVICE, rx->service_text);
	pthread_mutex_unlock(&rx->lock);
	return st;
}

void receive_kick(struct receiver *rx)
{
	pthread_mutex_lock(&rx->lock);
	rx->pending = true;
	pthread_cond_signal(&rx->wake);
	pthread_mutex_unlock(&rx->lock);
}

const char *receive_incoming_dir(const struct receiver *rx)
{
	return rx->incoming;
}

struct box_store *receive_inbox_lock(struct receiver *rx)
{
	pthread_mutex_lock(&rx->inbox_lock);
	return rx->inbox;
}

void receive_inbox_unlock(struct receiver *rx)
{
	pthread_mutex_unlock(&rx->inbox_lock);
}

/* Append one entry to the log (synced: it is the operator's record of what came in). */
static void log_append(struct receiver *rx, struct json_object *entry)
{
	const char *line = json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN);
	struct stat sb;
	char old[RX_PATH_MAX + 4];
	int fd;

	if (stat(rx->log_path, &sb) == 0 && sb.st_size > LOG_ROTATE_BYTES) {
		snprintf(old, sizeof(old), "%s.1", rx->log_path);
		rename(rx->log_path, old);
	}
	fd = open(rx->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || dprintf(fd, "%s\n", line) < 0 || fsync(fd) < 0)
		log_msg(LOG_ERR, 0, "reception log %s: %s", rx->log_path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* A document name from the sender and subject that the box store accepts. */
static void doc_name(const struct rx_result *res, const char *key, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)len - 1, *res->subject ? res->subject : res->from);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '/' || *p == '\\' || *p == 0x7f)
			*p = ' ';
	if (!box_name_valid(out))
		snprintf(out, len, "rx-%.40s", key);
}

/* Store what res carries from staging into the inbox: the document id, or 0 with a code. */
static uint32_t store(struct receiver *rx, const char *key, const char *staging,
		      const struct rx_result *res, unsigned int *code, char *why, size_t whylen)
{
	struct box_doc_meta meta = { .pages = res->pages };
	uint32_t id = 0;
	int st;

	doc_name(res, key, meta.name, sizeof(meta.name));
	snprintf(meta.formats, sizeof(meta.formats), "%s%s%s%s%s", res->has_document ? "tiff" : "",
		 res->has_document && res->has_text ? "," : "", res->has_text ? "text" : "",
		 (res->has_document || res->has_text) && res->errcode ? "," : "",
		 res->errcode ? "report" : "");
	pthread_mutex_lock(&rx->inbox_lock);
	st = box_store_document(rx->inbox, 0, key, staging, &meta, &id);
	pthread_mutex_unlock(&rx->inbox_lock);
	if (st == BOX_OK)
		return id;
	*code = st == BOX_E_AREA_FULL || st == BOX_E_DOC_LIMIT ? (unsigned int)st : 703;
	snprintf(why, whylen, "not stored in the Memory RX Inbox: %s", box_strerror(st));
	return 0;
}

/*
 * The reception error report (seed 4.3.3: "Error reason given on reception
 * error report"): a text file kept, and printed, with whatever of the
 * message could be salvaged. 0, or -1 with errno.
 */
static int write_error_report(const char *staging, const char *key, const struct rx_result *res)
{
	const struct irs_errcode *ec = errcode_find(res->errcode);
	char path[RX_PATH_MAX + 300], when[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	snprintf(path, sizeof(path), "%s/error-report.txt", staging);
	f = fopen(path, "wxe");
	if (!f)
		return -1;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", localtime_r(&now, &tm));
	fprintf(f,
		"RECEPTION ERROR REPORT\n\n"
		"Received:   %s\nFrom:       %s\nSubject:    %s\nMessage-ID: %s\nReception:  %s\n\n"
		"Error:      #%03u %s\nReason:     %s\nWhat to do: %s\n\n"
		"Kept:       %u page%s%s\n",
		when, res->from, res->subject, res->message_id, key, res->errcode,
		ec ? ec->message : "", *res->detail ? res->detail : (ec ? ec->cause : ""),
		ec ? ec->remedy : "", res->pages, res->pages == 1 ? "" : "s",
		res->has_text ? " and the text" : "");
	if (fclose(f) != 0)
		return -1;
	return 0;
}

static void entry_add(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* A message made already, to rcpt through smtp.server with the settings of the moment. */
static void send_prebuilt(struct receiver *rx, const char *rcpt, const char *path,
			  struct irs_smtp_result *sres)
{
	char *user_text, *service_text;

	pthread_mutex_lock(&rx->lock);
	user_text = dup_text(rx->user_text);
	service_text = dup_text(rx->service_text);
	pthread_mutex_unlock(&rx->lock);
	deliver_prebuilt(user_text, service_text, rcpt, path, sres);
	free(user_text);
	free(service_text);
}

/*
 * Full mode: the sender asked for an MDN (RFC 3298); it goes through
 * smtp.server from the null reverse path. What happened goes into the
 * log entry; a failure is #833.
 */
static void send_mdn(struct receiver *rx, const char *key, const struct rx_result *res,
		     unsigned int code, const char *why, struct json_object *entry)
{
	struct settings_store *u = receive_user_settings(rx);
	struct irs_smtp_result sres;
	char path[RX_PATH_MAX + 100];
	const char *from = u ? settings_store_get(u, "mail.from") : "";

	snprintf(path, sizeof(path), "%s/mdn-%.64s.eml", rx->dir, key);
	if (rx_mdn_build(res, from, code == 0, code ? why : NULL, path) < 0) {
		snprintf(sres.text, sizeof(sres.text), "no MDN: %s",
			 *from ? "the sender's address is not usable"
			       : "no device address is set (mail.from)");
		sres.code = IRS_E_MDN_SEND;
	} else {
		send_prebuilt(rx, res->mdn_to, path, &sres);
		if (sres.code != IRS_E_SENT)
			sres.code = IRS_E_MDN_SEND;
	}
	unlink(path);
	settings_store_free(u);
	json_object_object_add(entry, "mdn_code", json_object_new_int((int)sres.code));
	json_object_object_add(entry, "mdn", json_object_new_string(sres.text));
	if (sres.code != IRS_E_SENT)
		log_msg(LOG_WARNING, 0, "reception %s: #833 MDN to %s not sent: %s", key,
			res->mdn_to, sres.text);
}

void receive_set_notice_hook(struct receiver *rx, receive_notice_fn fn, void *arg)
{
	rx->notice_fn = fn;
	rx->notice_arg = arg;
}

/* A report that one of our messages failed: to the main loop, if it names a job. */
static void queue_notice(struct receiver *rx, const struct rx_result *res, struct json_object *e)
{
	struct receive_notice *n;
	uint32_t job;
	unsigned int dest;
	uint64_t one = 1;

	if (mail_notice_parse(res->about_message_id, &job, &dest) < 0)
		return;
	json_object_object_add(e, "job", json_object_new_int64(job));
	if (!res->failed)
		return;
	pthread_mutex_lock(&rx->lock);
	if (rx->nnotices < RX_NOTICES_MAX) {
		n = &rx->notices[rx->nnotices++];
		n->job = job;
		n->dest = dest;
		n->code = res->kind == RX_DSN ? IRS_E_DSN_FAILURE : IRS_E_MDN_FAILURE;
		snprintf(n->text, sizeof(n->text), "%s: %.40s %.60s%s%.80s",
			 res->kind == RX_DSN ? "DSN" : "MDN", res->recipient, res->status,
			 *res->diagnostic ? ": " : "", res->diagnostic);
	}
	pthread_mutex_unlock(&rx->lock);
	if (write(rx->notice_fd, &one, sizeof(one)) < 0)
		log_msg(LOG_ERR, 0, "reception: cannot wake the main loop: %s", strerror(errno));
}

/* The envelope kept beside a spooled SMTP message, or NULL. */
static struct json_object *read_envelope(const char *eml_path)
{
	char env[RX_PATH_MAX + 400];
	size_t n = strlen(eml_path);

	snprintf(env, sizeof(env), "%.*s.env", (int)(n - 4), eml_path);
	return json_object_from_file(env);
}

static void remove_envelope(const char *eml_path)
{
	char env[RX_PATH_MAX + 400];
	size_t n = strlen(eml_path);

	snprintf(env, sizeof(env), "%.*s.env", (int)(n - 4), eml_path);
	unlink(env);
}

/*
 * We said 250 to a message we then could not output: its sender gets a
 * DSN (RFC 3461: unless every recipient said NOTIFY=NEVER, and never for
 * the null sender). A DSN that cannot go is #832 in the log entry.
 */
static void send_dsn(struct receiver *rx, const char *key, const char *eml_path, unsigned int code,
		     struct json_object *entry)
{
	struct json_object *env = read_envelope(eml_path), *from, *rcpts;
	struct settings_store *u = receive_user_settings(rx);
	char path[RX_PATH_MAX + 100];
	struct irs_smtp_result sres = { .code = IRS_E_DSN_SEND };
	const char *host = u ? settings_store_get(u, "device.hostname") : "";

	if (!env || !json_object_object_get_ex(env, "from", &from) ||
	    !*json_object_get_string(from) || !json_object_object_get_ex(env, "dsn_rcpt", &rcpts) ||
	    !json_object_array_length(rcpts))
		goto out;
	snprintf(path, sizeof(path), "%s/dsn-%.64s.eml", rx->dir, key);
	if (rx_dsn_build(eml_path, json_object_get_string(from),
			 json_object_get_string(json_object_array_get_idx(rcpts, 0)),
			 *host ? host : "irsend", code, path) < 0) {
		snprintf(sres.text, sizeof(sres.text),
			 "no DSN: the sender's address is not usable");
	} else {
		send_prebuilt(rx, json_object_get_string(from), path, &sres);
		if (sres.code != IRS_E_SENT)
			sres.code = IRS_E_DSN_SEND;
	}
	unlink(path);
	json_object_object_add(entry, "dsn_code", json_object_new_int((int)sres.code));
	json_object_object_add(entry, "dsn", json_object_new_string(sres.text));
	if (sres.code != IRS_E_SENT)
		log_msg(LOG_WARNING, 0, "reception %s: #832 DSN to %s not sent: %s", key,
			json_object_get_string(from), sres.text);
out:
	json_object_put(env);
	settings_store_free(u);
}

/*
 * ifax.print (issue 9): the stored document's files to CUPS as one job. A
 * failure is logged and recorded in the log entry; the document stays.
 */
static void print_stored(struct receiver *rx, const char *key, uint32_t id,
			 const struct rx_result *res, struct json_object *e)
{
	static const char *const names[] = { "error-report.txt", "document.tif", "text.txt" };
	const bool has[] = { res->errcode != 0, res->has_document,
			     res->has_text && res->text_lines > 0 };
	struct settings_store *u = receive_user_settings(rx);
	char paths[3][RX_PATH_MAX + 20], title[BOX_NAME_MAX + 1], job[64], why[400] = "";
	const char *files[3];
	char *dir = NULL;
	size_t n = 0;
	int st;

	if (!u || !settings_store_get_bool(u, "ifax.print")) {
		settings_store_free(u);
		return;
	}
	pthread_mutex_lock(&rx->inbox_lock);
	st = box_document_path(rx->inbox, 0, id, &dir);
	pthread_mutex_unlock(&rx->inbox_lock);
	for (size_t i = 0; i < 3 && st == BOX_OK; i++) {
		if (!has[i])
			continue;
		snprintf(paths[n], sizeof(paths[n]), "%.580s/%s", dir, names[i]);
		files[n] = paths[n];
		n++;
	}
	free(dir);
	doc_name(res, key, title, sizeof(title));
	if (st != BOX_OK)
		snprintf(why, sizeof(why), "stored document %u not found: %s", (unsigned int)id,
			 box_strerror(st));
	else if (rx_print(settings_store_get(u, "ifax.print_queue"),
			  settings_store_get(u, "ifax.print_server"), files, n, title, job,
			  sizeof(job), why, sizeof(why)) == 0)
		why[0] = '\0';
	if (*why) {
		entry_add(e, "print_error", why);
		log_msg(LOG_WARNING, 0, "reception %s: not printed: %s", key, why);
	} else {
		entry_add(e, "print_job", job);
		log_msg(LOG_INFO, 0, "reception %s: printed as %s", key, job);
	}
	settings_store_free(u);
}

/* One spool file: 0 when it is done with (removed), -1 to keep it for later. */
static int process_one(struct receiver *rx, const char *name, const struct rx_limits *lim)
{
	char path[RX_PATH_MAX + 300], key[BOX_KEY_MAX + 1], why[300] = "";
	struct json_object *e = json_object_new_object();
	struct rx_result res;
	unsigned int code;
	char *staging = NULL;
	uint32_t id = 0;
	int st;

	snprintf(path, sizeof(path), "%s/%s", rx->spool, name);
	snprintf(key, sizeof(key), "%.*s", (int)(strlen(name) - 4), name); /* without ".eml" */
	pthread_mutex_lock(&rx->inbox_lock);
	st = box_staging_new(rx->inbox, &staging);
	pthread_mutex_unlock(&rx->inbox_lock);
	if (st != BOX_OK) {
		log_msg(LOG_ERR, 0, "reception %s: no staging directory: %s", key,
			box_strerror(st));
		json_object_put(e);
		return -1;
	}
	if (rx_message_process(path, staging, lim, &res) < 0) {
		int err = errno;

		log_msg(LOG_ERR, 0, "reception %s: %s (kept in the spool)", key, strerror(err));
		/* A full disk is a full inbox: stop taking messages until there is room. */
		if (err == ENOSPC || err == EDQUOT) {
			pthread_mutex_lock(&rx->lock);
			rx->inbox_full = true;
			pthread_mutex_unlock(&rx->lock);
		}
		remove_tree(staging);
		free(staging);
		json_object_put(e);
		return -1;
	}
	code = res.errcode;
	/* A reception error leaves its report with what was salvaged (or alone). */
	if ((res.kind == RX_IFAX || res.kind == RX_TEXT) && res.errcode &&
	    write_error_report(staging, key, &res) < 0)
		log_msg(LOG_ERR, 0, "reception %s: no error report: %s", key, strerror(errno));
	if ((res.kind == RX_IFAX || res.kind == RX_TEXT) &&
	    (res.has_document || res.has_text || res.errcode)) {
		id = store(rx, key, staging, &res, &code, why, sizeof(why));
		if (!id) {
			/* No room: the message waits in the spool until there is (nothing lost). */
			remove_tree(staging);
			free(staging);
			json_object_put(e);
			pthread_mutex_lock(&rx->lock);
			if (!rx->inbox_full)
				log_msg(LOG_WARNING, 0,
					"reception: #%03u %s; messages wait in the spool", code,
					why);
			rx->inbox_full = true;
			pthread_mutex_unlock(&rx->lock);
			return -1;
		}
		pthread_mutex_lock(&rx->lock);
		rx->inbox_full = false;
		pthread_mutex_unlock(&rx->lock);
	}
	remove_tree(staging); /* gone already when stored */
	free(staging);
	json_object_object_add(e, "time", json_object_new_int64(time(NULL)));
	entry_add(e, "key", key);
	entry_add(e, "source", strncmp(key, "pop-", 4) == 0 ? "pop" : "smtp");
	entry_add(e, "kind", rx_kind_name(res.kind));
	entry_add(e, "from", res.from);
	entry_add(e, "subject", res.subject);
	entry_add(e, "message_id", res.message_id);
	json_object_object_add(e, "pages", json_object_new_int((int)res.pages));
	json_object_object_add(e, "code", json_object_new_int((int)code));
	entry_add(e, "detail", *why ? why : res.detail);
	json_object_object_add(e, "doc", json_object_new_int64(id));
	if (res.kind == RX_DSN || res.kind == RX_MDN) {
		entry_add(e, "about", res.about_message_id);
		json_object_object_add(e, "failed", json_object_new_boolean(res.failed));
		entry_add(e, "status", res.status);
		queue_notice(rx, &res, e);
	}
	if (res.full_mode && (res.kind == RX_IFAX || res.kind == RX_TEXT))
		send_mdn(rx, key, &res, code, *why ? why : res.detail, e);
	if (code && code != IRS_E_RX_TOO_MANY_LINES)
		send_dsn(rx, key, path, code, e);
	if (id)
		print_stored(rx, key, id, &res, e);
	log_append(rx, e);
	json_object_put(e);
	if (code)
		log_msg(LOG_WARNING, 0, "reception %s: #%03u %s", key, code,
			*why ? why : res.detail);
	else
		log_msg(LOG_INFO, 0, "reception %s: %s, %u page%s%s", key, rx_kind_name(res.kind),
			res.pages, res.pages == 1 ? "" : "s",
			id ? " into the Memory RX Inbox" : "");
	pthread_mutex_lock(&rx->lock);
	rx->st.received++;
	pthread_mutex_unlock(&rx->lock);
	remove_envelope(path);
	if (unlink(path) < 0)
		log_msg(LOG_ERR, 0, "reception %s: cannot remove it from the spool: %s", key,
			strerror(errno));
	fsync_dir(rx->spool);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_spooled(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".eml") == 0;
}

static void limits(struct receiver *rx, struct rx_limits *lim)
{
	struct settings_store *svc = receive_service_settings(rx);
	struct settings_store *usr = receive_user_settings(rx);

	memset(lim, 0, sizeof(*lim));
	lim->max_pages = 1000;
	if (svc) {
		lim->max_text_lines = (unsigned int)settings_store_get_int(svc, "IFAX-LIM");
		lim->raw_data = settings_store_get_int(svc, "RAW-DATA") != 0;
	}
	if (usr)
		lim->max_message_bytes = (size_t)settings_store_get_int(usr, "smtpd.max_size_mb")
					 << 20;
	settings_store_free(svc);
	settings_store_free(usr);
}

/* Work through the spool, oldest name first (names start with the time for SMTP). */
static void work_spool(struct receiver *rx)
{
	struct dirent **names;
	struct rx_limits lim;
	int n = scandir(rx->spool, &names, is_spooled, by_name);

	if (n < 0) {
		log_msg(LOG_ERR, 0, "reception spool %s: %s", rx->spool, strerror(errno));
		return;
	}
	pthread_mutex_lock(&rx->lock);
	rx->st.spooled = (unsigned int)n;
	pthread_mutex_unlock(&rx->lock);
	limits(rx, &lim);
	for (int i = 0; i < n; i++) {
		bool stop;

		pthread_mutex_lock(&rx->lock);
		stop = rx->stop;
		pthread_mutex_unlock(&rx->lock);
		/* A message that must wait (no room) stops the round: order is kept. */
		if (!stop && process_one(rx, names[i]->d_name, &lim) < 0)
			stop = true;
		if (stop) {
			pthread_mutex_lock(&rx->lock);
			rx->st.spooled = (unsigned int)(n - i);
			pthread_mutex_unlock(&rx->lock);
			for (int k = i; k < n; k++)
				free(names[k]);
			break;
		}
		pthread_mutex_lock(&rx->lock);
		if (rx->st.spooled)
			rx->st.spooled--;
		pthread_mutex_unlock(&rx->lock);
		free(names[i]);
	}
	free(names);
}

static void *worker_main(void *arg)
{
	struct receiver *rx = arg;

	for (;;) {
		pthread_mutex_lock(&rx->lock);
		while (!rx->stop && !rx->pending)
			pthread_cond_wait(&rx->wake, &rx->lock);
		if (rx->stop) {
			pthread_mutex_unlock(&rx->lock);
			return NULL;
		}
		rx->pending = false;
		pthread_mutex_unlock(&rx->lock);
		work_spool(rx);
	}
}

int receive_spool_file(struct receiver *rx, const char *path, const char *source,
		       const char *envelope)
{
	char name[RX_PATH_MAX + 100], env[RX_PATH_MAX + 120];
	unsigned int seq;
	int fd;

	pthread_mutex_lock(&rx->lock);
	seq = ++rx->seq;
	pthread_mutex_unlock(&rx->lock);
	/* The time first: the worker takes the spool in name order. */
	snprintf(name, sizeof(name), "%s/%s-%012lld-%d-%06u.eml", rx->spool, source,
		 (long long)time(NULL), (int)getpid(), seq);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	/* The envelope first: whenever NAME.eml is there, so is what it needs. */
	if (envelope) {
		struct atomic_file af;

		snprintf(env, sizeof(env), "%.*s.env",
			 (int)(strlen(name) - 4 - strlen(rx->spool) - 1),
			 name + strlen(rx->spool) + 1);
		if (atomic_file_create(&af, rx->spool, env) < 0)
			return -1;
		if (atomic_file_write(&af, envelope, strlen(envelope)) < 0 ||
		    atomic_file_commit(&af) < 0) {
			atomic_file_abort(&af);
			return -1;
		}
	}
	if (rename(path, name) < 0 || fsync_dir(rx->spool) < 0)
		return -1;
	receive_kick(rx);
	return 0;
}

static int make_dirs(struct receiver *rx, const char *data_dir, char *err, size_t errlen)
{
	snprintf(rx->dir, sizeof(rx->dir), "%.500s/rx", data_dir);
	snprintf(rx->spool, sizeof(rx->spool), "%.580s/spool", rx->dir);
	snprintf(rx->incoming, sizeof(rx->incoming), "%.580s/incoming", rx->dir);
	snprintf(rx->inbox_dir, sizeof(rx->inbox_dir), "%.580s/inbox", rx->dir);
	snprintf(rx->log_path, sizeof(rx->log_path), "%.580s/log", rx->dir);
	if (make_dir(rx->dir, 0750) < 0 || make_dir(rx->spool, 0750) < 0 ||
	    make_dir(rx->incoming, 0750) < 0) {
		snprintf(err, errlen, "%s: %s", rx->dir, strerror(errno));
		return -1;
	}
	/* What the SMTP server was writing when the agent stopped is incomplete. */
	if (remove_tree(rx->incoming) < 0 || make_dir(rx->incoming, 0750) < 0) {
		snprintf(err, errlen, "%s: %s", rx->incoming, strerror(errno));
		return -1;
	}
	return 0;
}

struct receiver *receive_open(const char *data_dir, char *err, size_t errlen)
{
	struct box_store_opts opts = { .count = 1 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct receiver *rx = calloc(1, sizeof(*rx));
	int st;

	if (!rx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rx->epfd = rx->timer_fd = rx->done_fd = rx->notice_fd = -1;
	pthread_mutex_init(&rx->lock, NULL);
	pthread_mutex_init(&rx->inbox_lock, NULL);
	pthread_cond_init(&rx->wake, NULL);
	if (make_dirs(rx, data_dir, err, errlen) < 0)
		goto fail;
	st = box_store_open(rx->inbox_dir, &opts, &rx->inbox);
	/* A fax machine's memory holds more than a User Inbox: the store's most. */
	if (st == BOX_OK)
		st = box_set_doc_limit(rx->inbox, 0, BOX_MAX_DOC_LIMIT);
	if (st != BOX_OK) {
		snprintf(err, errlen, "the Memory RX Inbox %s: %s", rx->inbox_dir,
			 box_strerror(st));
		goto fail;
	}
	rx->epfd = epoll_create1(EPOLL_CLOEXEC);
	rx->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	rx->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rx->notice_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rx->epfd < 0 || rx->timer_fd < 0 || rx->done_fd < 0 || rx->notice_fd < 0 ||
	    epoll_ctl(rx->epfd, EPOLL_CTL_ADD, rx->notice_fd, (ev.data.fd = rx->notice_fd, &ev)) <
		    0 ||
	    epoll_ctl(rx->epfd, EPOLL_CTL_ADD, rx->timer_fd, (ev.data.fd = rx->timer_fd, &ev)) <
		    0 ||
	    epoll_ctl(rx->epfd, EPOLL_CTL_ADD, rx->done_fd, (ev.data.fd = rx->done_fd, &ev)) < 0) {
		snprintf(err, errlen, "reception events: %s", strerror(errno));
		goto fail;
	}
	rx->pending = true; /* what an earlier run left in the spool */
	if (pthread_create(&rx->worker, NULL, worker_main, rx) != 0) {
		snprintf(err, errlen, "reception worker: cannot start a thread");
		goto fail;
	}
	rx->worker_started = true;
	return rx;
fail:
	receive_close(rx);
	return NULL;
}

void receive_close(struct receiver *rx)
{
	if (!rx)
		return;
	pthread_mutex_lock(&rx->lock);
	rx->stop = true;
	pthread_cond_signal(&rx->wake);
	pthread_mutex_unlock(&rx->lock);
	atomic_store(&rx->cancel, true);
	if (rx->worker_started)
		pthread_join(rx->worker, NULL);
	if (rx->poll_running)
		pthread_join(rx->poll_thread, NULL);
	if (rx->inbox)
		box_store_close(rx->inbox);
	for (int *fd = &rx->epfd; fd <= &rx->notice_fd; fd++)
		if (*fd >= 0)
			close(*fd);
	free(rx->user_text);
	free(rx->service_text);
	pthread_cond_destroy(&rx->wake);
	pthread_mutex_destroy(&rx->inbox_lock);
	pthread_mutex_destroy(&rx->lock);
	free(rx);
}

int receive_fd(const struct receiver *rx)
{
	return rx->epfd;
}

static void arm_timer(struct receiver *rx, unsigned int seconds)
{
	struct itimerspec its = { .it_value = { .tv_sec = seconds } };

	timerfd_settime(rx->timer_fd, 0, &its, NULL);
	rx->st.next_poll = seconds ? time(NULL) + seconds : 0;
}

void receive_configure(struct receiver *rx, const struct settings_store *user,
		       const char *service_text)
{
	unsigned int interval = (unsigned int)settings_store_get_int(user, "pop.interval");
	bool polls = interval && *settings_store_get(user, "pop.server");

	pthread_mutex_lock(&rx->lock);
	free(rx->user_text);
	free(rx->service_text);
	rx->user_text = settings_store_format(user, NULL);
	rx->service_text = dup_text(service_text);
	if (!polls)
		arm_timer(rx, 0);
	else if (interval != rx->interval_min || !rx->st.next_poll)
		arm_timer(rx, interval * 60);
	rx->interval_min = polls ? interval : 0;
	pthread_mutex_unlock(&rx->lock);
}

void receive_status(struct receiver *rx, struct receive_status *st)
{
	pthread_mutex_lock(&rx->lock);
	*st = rx->st;
	st->polling = rx->poll_running;
	pthread_mutex_unlock(&rx->lock);
}

char *receive_log_read(struct receiver *rx, size_t max)
{
	char *text = NULL, *start;
	size_t len = 0, lines = 0;
	FILE *f = fopen(rx->log_path, "re");

	if (!f)
		return strdup("");
	if (getdelim(&text, &len, '\0', f) < 0) {
		fclose(f);
		free(text);
		return strdup("");
	}
	fclose(f);
	/* From the end back over max lines. */
	start = text + strlen(text);
	while (start > text) {
		char *p = start - 1;

		if (*p == '\n' && p != text + strlen(text) - 1 && ++lines == max)
			break;
		start = p;
	}
	if (*start == '\n')
		start++;
	memmove(text, start, strlen(start) + 1);
	return text;
}

bool receive_inbox_full(struct receiver *rx)
{
	bool full;

	pthread_mutex_lock(&rx->lock);
	full = rx->inbox_full;
	pthread_mutex_unlock(&rx->lock);
	return full;
}

void receive_space_freed(struct receiver *rx)
{
	pthread_mutex_lock(&rx->lock);
	rx->inbox_full = false;
	pthread_mutex_unlock(&rx->lock);
	receive_kick(rx);
}
