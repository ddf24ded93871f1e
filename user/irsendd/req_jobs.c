/*
 * Requests about jobs: send (accept a job), jobs (list), job.show,
 * job.cancel, and the events sent to clients that follow a job.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "license.h"
#include "log.h"
#include "mime.h"
#include "paper.h"
#include "pnm.h"
#include "server_priv.h"
#include "spool_task.h"

/* Ended jobs "jobs" lists by default. */
#define JOBS_RECENT_DEFAULT 20

static struct json_object *job_json(const struct job_spec *spec, const struct job_state *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "job", job_spec_to_json(spec));
	json_object_object_add(o, "state", job_state_to_json(spec, st));
	return o;
}

/* Document names become file names: letters, digits, '.', '_', '-'. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= JOB_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

static int parse_formats(struct request *r, struct job_spec *spec)
{
	struct json_object *arr;

	if (!json_object_object_get_ex(r->args, "formats", &arr)) {
		strcpy(spec->formats[0], "pdf");
		spec->nformats = 1;
		return 0;
	}
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1 ||
	    json_object_array_length(arr) > JOB_MAX_FORMATS) {
		reply_error(r, "EINVAL", "send: \"formats\" must list 1 to %d formats",
			    JOB_MAX_FORMATS);
		return -1;
	}
	spec->nformats = (unsigned int)json_object_array_length(arr);
	for (unsigned int i = 0; i < spec->nformats; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *name = json_object_get_string(v);
		enum encode_format fmt;

		if (!json_object_is_type(v, json_type_string) ||
		    strlen(name) >= JOB_FORMAT_NAME_MAX || encode_format_parse(name, &fmt) < 0) {
			reply_error(r, "EINVAL", "send: unknown format \"%.32s\" (expected %s)",
				    name ? name : "", ENCODE_FORMAT_CHOICES);
			return -1;
		}
		for (unsigned int k = 0; k < i; k++)
			if (strcmp(spec->formats[k], name) == 0) {
				reply_error(r, "EINVAL", "send: format \"%s\" given twice", name);
				return -1;
			}
		strcpy(spec->formats[i], name);
	}
	return 0;
}

/* An address we can put in RCPT TO and To: local@domain, nothing that breaks a header. */
static int parse_boxes(struct request *r, struct job_spec *spec, struct json_object *arr)
{
	unsigned int count = box_count(r->srv->engine->boxes);

	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1 ||
	    json_object_array_length(arr) + spec->ndests > JOB_MAX_DESTS) {
		reply_error(r, "EINVAL", "send: \"boxes\" must list 1 to %d box numbers",
			    JOB_MAX_DESTS);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		int64_t n = json_object_get_int64(v);
		struct job_dest *d = &spec->dests[spec->ndests];

		if (!json_object_is_type(v, json_type_int) || n < 0 || n >= count) {
			reply_error(r, "EINVAL", "send: box %lld does not exist (boxes are 0..%u)",
				    (long long)n, count - 1);
			return -1;
		}
		d->type = JOB_DEST_BOX;
		d->box = (uint32_t)n;
		spec->ndests++;
	}
	return 0;
}

/* "to": every address of one e-mail (or, with "ifax", one I-Fax) destination. */
static int parse_recipients(struct request *r, struct job_spec *spec, struct json_object *arr)
{
	const char *mode = arg_string(r, "ifax", false);
	struct job_dest *d = &spec->dests[spec->ndests];
	size_t off = 0;

	if (json_object_object_get_ex(r->args, "ifax", NULL) && !mode)
		return -1;
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1) {
		reply_error(r, "EINVAL", "send: \"to\" must list at least one address");
		return -1;
	}
	if (spec->ndests >= JOB_MAX_DESTS) {
		reply_error(r, "EINVAL", "send: at most %d destinations", JOB_MAX_DESTS);
		return -1;
	}
	if (mode && job_ifax_mode_parse(mode, &d->ifax_mode) < 0) {
		reply_error(r, "EINVAL",
			    "send: ifax mode \"%.16s\": expected simple, full or direct", mode);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *a = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) || !mime_addr_valid(a)) {
			reply_error(r, "EINVAL", "send: \"%.80s\" is not an e-mail address",
				    a ? a : "");
			return -1;
		}
		if (off + strlen(a) + 2 > sizeof(d->addrs)) {
			reply_error(r, "E2BIG", "send: the recipients take more than %d bytes",
				    JOB_ADDRS_MAX - 1);
			return -1;
		}
		off += (size_t)snprintf(d->addrs + off, sizeof(d->addrs) - off, "%s%s",
					off ? "," : "", a);
	}
	d->type = mode ? JOB_DEST_IFAX : JOB_DEST_EMAIL;
	if (!mode)
		d->ifax_mode = JOB_IFAX_SIMPLE;
	spec->ndests++;
	return 0;
}

static int parse_dests(struct request *r, struct job_spec *spec)
{
	struct json_object *boxes = NULL, *to = NULL, *smb = NULL, *ftp = NULL;

	json_object_object_get_ex(r->args, "boxes", &boxes);
	json_object_object_get_ex(r->args, "to", &to);
	json_object_object_get_ex(r->args, "smb", &smb);
	json_object_object_get_ex(r->args, "ftp", &ftp);
	if (!boxes && !to && !smb && !ftp) {
		reply_error(r, "EINVAL",
			    "send: give \"boxes\", \"to\", \"smb\" or \"ftp\" (where the document "
			    "goes)");
		return -1;
	}
	if (boxes && parse_boxes(r, spec, boxes) < 0)
		return -1;
	if (to && parse_recipients(r, spec, to) < 0)
		return -1;
	if (smb && parse_file_dests(r, spec, smb, JOB_DEST_SMB) < 0)
		return -1;
	if (ftp && parse_file_dests(r, spec, ftp, JOB_DEST_FTP) < 0)
		return -1;
	if (spec->ndests == 0) {
		reply_error(r, "EINVAL", "send: no destination");
		return -1;
	}
	return 0;
}

/* Transmission to anything but a User Inbox needs the SEND option (seed 4.4.2). */
static int check_send_license(struct request *r, const struct job_spec *spec)
{
	const struct license_device *lic = r->srv->license;

	if (lic && license_is_active(lic, LICENSE_SEND))
		return 0;
	for (unsigned int i = 0; i < spec->ndests; i++) {
		if (spec->dests[i].type == JOB_DEST_BOX)
			continue;
		reply_error(r, "EPERM",
			    "send: %s destinations need the SEND option, which is not active on "
			    "this device (see irsendctl license list)",
			    job_dest_type_name(spec->dests[i].type));
		return -1;
	}
	return 0;
}

/* An I-Fax destination needs the I-Fax profile among the formats: it is added. */
static int add_ifax_format(struct request *r, struct job_spec *spec)
{
	bool wanted = false;

	for (unsigned int i = 0; i < spec->ndests; i++)
		wanted |= spec->dests[i].type == JOB_DEST_IFAX;
	for (unsigned int i = 0; wanted && i < spec->nformats; i++)
		if (strcmp(spec->formats[i], "ifax") == 0)
			return 0;
	if (!wanted)
		return 0;
	if (spec->nformats == JOB_MAX_FORMATS) {
		reply_error(r, "EINVAL",
			    "send: an I-Fax needs the ifax format and there are "
			    "already %d formats",
			    JOB_MAX_FORMATS);
		return -1;
	}
	strcpy(spec->formats[spec->nformats++], "ifax");
	return 0;
}

/* The scan request from the operator's words ("A4", "300", "1"). */
static int parse_scan(struct request *r, struct irsend_scan_request *req)
{
	struct json_object *s;
	const char *text;
	struct paper paper;
	uint64_t v;
	struct request sub = *r;

	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	if (!json_object_object_get_ex(r->args, "scan", &s) ||
	    !json_object_is_type(s, json_type_object)) {
		reply_error(r, "EINVAL", "send: \"scan\" must be an object");
		return -1;
	}
	sub.args = s;
	sub.cmd = "send scan";
	if (arg_uint(&sub, "pages", 1, IRSEND_SCAN_MAX_PAGES, true, &v) < 0)
		return -1;
	req->pages = (uint32_t)v;
	paper_parse("A4", &paper);
	text = ctl_get_string(s, "size");
	if (text && !paper_parse(text, &paper)) {
		reply_error(r, "EINVAL", "send: paper size \"%.32s\": expected %s", text,
			    PAPER_CHOICES);
		return -1;
	}
	req->paper = paper.id;
	if (paper.id == IRSEND_PAPER_CUSTOM) {
		req->width_mm = paper.width_mm;
		req->height_mm = paper.height_mm;
	}
	req->xres = req->yres = 300;
	text = ctl_get_string(s, "res");
	if (text &&
	    (!res_parse(text, &req->xres, &req->yres) || !res_is_scan_res(req->xres, req->yres))) {
		reply_error(r, "EINVAL", "send: resolution \"%.32s\": the scanner offers %s", text,
			    SCAN_RES_CHOICES);
		return -1;
	}
	req->bpp = 1;
	text = ctl_get_string(s, "depth");
	if (text && !depth_parse(text, &req->bpp)) {
		reply_error(r, "EINVAL", "send: depth \"%.32s\": expected %s", text, DEPTH_CHOICES);
		return -1;
	}
	v = 1;
	if (arg_uint(&sub, "seed", 0, UINT32_MAX, false, &v) < 0)
		return -1;
	req->seed = (uint32_t)v;
	v = 0;
	if (arg_uint(&sub, "pace_ms", 0, IRSEND_SCAN_MAX_PACE_MS, false, &v) < 0)
		return -1;
	req->pace_ms = (uint32_t)v;
	v = 0;
	if (arg_uint(&sub, "jam_at", 0, req->pages, false, &v) < 0)
		return -1;
	req->jam_at_page = (uint32_t)v;
	return 0;
}

/* The reply to an accepted job: its id, or (follow) an event and the end later. */
void send_accepted(struct request *r, uint32_t job, bool follow)
{
	struct json_object *ev = json_object_new_object();

	if (follow) {
		json_object_object_add(ev, "event", json_object_new_string("accepted"));
		json_object_object_add(ev, "job", json_object_new_int64(job));
		send_event(r->client, r->id, ev);
		r->client->follow_job = job;
		r->client->follow_req = r->id;
		return;
	}
	json_object_object_add(ev, "job", json_object_new_int64(job));
	reply_ok(r, ev);
}

/* Hand the client's descriptors to a spooling thread; it answers when done. */
static void start_spool(struct request *r, const struct job_spec *spec, const char *dir,
			unsigned int xres, unsigned int yres, bool follow)
{
	struct spool_task *t = calloc(1, sizeof(*t));

	if (!t) {
		engine_abandon(r->srv->engine, spec->id);
		reply_error(r, "ENOMEM", "send: out of memory");
		return;
	}
	t->srv = r->srv;
	t->client = r->client;
	t->req_id = r->id;
	t->follow = follow;
	t->spec = *spec;
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	t->xres = xres;
	t->yres = yres;
	for (size_t i = 0; i < r->nfds; i++) {
		t->fds[t->nfds++] = r->fds[i];
		r->fds[i] = -1; /* the task's now */
	}
	if (spool_task_start(t) < 0) {
		for (size_t i = 0; i < t->nfds; i++)
			close(t->fds[i]);
		engine_abandon(r->srv->engine, spec->id);
		reply_error(r, "EAGAIN", "send: cannot start reading the files: %s",
			    strerror(errno));
		free(t);
	}
}

void req_send(struct request *r)
{
	struct engine *e = r->srv->engine;
	struct job_spec spec = { .owner = r->client->uid, .created = time(NULL) };
	const char *source = arg_string(r, "source", true), *name = NULL;
	char dir[JOURNAL_PATH_MAX], err[300];
	struct json_object *v;
	uint64_t xres = 200, yres = 200;
	bool follow;

	if (!source)
		return;
	/* A name that is not a string was answered already: no job may follow the reply. */
	if (json_object_object_get_ex(r->args, "name", NULL) &&
	    !(name = arg_string(r, "name", true)))
		return;
	if (strcmp(source, "scan") == 0) {
		spec.source = JOB_SOURCE_SCAN;
		if (!e->rc) {
			reply_error(r, "ENODEV",
				    "send: no scanner: irsendd runs without the module");
			return;
		}
		if (parse_scan(r, &spec.scan) < 0)
			return;
	} else if (strcmp(source, "files") == 0) {
		spec.source = JOB_SOURCE_FILES;
		if (r->nfds == 0) {
			reply_error(r, "EINVAL", "send: no file came with the request");
			return;
		}
		if (arg_uint(r, "xres", 50, 1200, false, &xres) < 0 ||
		    arg_uint(r, "yres", 50, 1200, false, &yres) < 0)
			return;
	} else {
		reply_error(r, "EINVAL", "send: source \"%.32s\": expected scan or files", source);
		return;
	}
	if (name && !name_ok(name)) {
		reply_error(r, "EINVAL",
			    "send: name \"%.64s\": use 1 to %d letters, digits, '.', '_' or '-' "
			    "(not first)",
			    name, JOB_NAME_MAX - 1);
		return;
	}
	if (parse_formats(r, &spec) < 0 || parse_dests(r, &spec) < 0 ||
	    add_ifax_format(r, &spec) < 0 || check_send_license(r, &spec) < 0)
		return;
	if (engine_begin(e, &spec, dir, sizeof(dir), err, sizeof(err)) < 0) {
		reply_error(r, "#702", "send: %s", err);
		return;
	}
	snprintf(spec.name, sizeof(spec.name), "%s", name ? name : "");
	if (!name)
		snprintf(spec.name, sizeof(spec.name), "doc-%u", spec.id);
	follow = json_object_object_get_ex(r->args, "follow", &v) && json_object_get_boolean(v);
	if (spec.source == JOB_SOURCE_FILES) {
		start_spool(r, &spec, dir, (unsigned int)xres, (unsigned int)yres, follow);
		return;
	}
	if (engine_submit(e, &spec, 0, err, sizeof(err)) < 0) {
		engine_abandon(e, spec.id);
		reply_error(r, "#702", "send: %s", err);
		return;
	}
	send_accepted(r, spec.id, follow);
}

void server_job_event(void *arg, const struct engine_job *j, enum engine_event evt)
{
	struct server *s = arg;

	for (struct server_client *c = s->clients; c; c = c->next) {
		struct json_object *ev;

		if (c->follow_job != j->spec.id || c->closing)
			continue;
		if (evt == ENGINE_EV_END) {
			struct request r = { .srv = s, .client = c, .id = c->follow_req };

			c->follow_job = 0;
			reply_ok(&r, job_json(&j->spec, &j->st));
			continue;
		}
		ev = json_object_new_object();
		json_object_object_add(ev, "event", json_object_new_string("progress"));
		json_object_object_add(ev, "job", json_object_new_int64(j->spec.id));
		json_object_object_add(ev, "stage",
				       json_object_new_string(job_stage_name(j->st.stage)));
		json_object_object_add(ev, "pages", json_object_new_int64(j->st.pages));
		json_object_object_add(ev, "encoded", json_object_new_int64(j->enc_page));
		json_object_object_add(ev, "formats_done",
				       json_object_new_int64(j->st.formats_done));
		json_object_object_add(ev, "state", job_state_to_json(&j->spec, &j->st));
		send_event(c, c->follow_req, ev);
	}
}

struct recent {
	struct json_object **entries;
	size_t n, cap, next;
	uint64_t want_id; /* job.show: 0 for "jobs" */
	struct json_object *found;
};

static uint64_t entry_id(struct json_object *entry)
{
	struct json_object *job, *id;

	if (json_object_object_get_ex(entry, "job", &job) &&
	    json_object_object_get_ex(job, "id", &id))
		return (uint64_t)json_object_get_int64(id);
	return 0;
}

/*
 * Keep the last cap entries of the log in a ring. A job logged again (a
 * DSN or MDN came back for it) takes the place of its earlier entry.
 */
static int collect_recent(struct json_object *entry, void *arg)
{
	struct recent *rc = arg;
	uint64_t id = entry_id(entry);

	if (rc->want_id) {
		if (id == rc->want_id) {
			json_object_put(rc->found);
			rc->found = json_object_get(entry);
		}
		return 0;
	}
	for (size_t i = 0; i < rc->n; i++) {
		size_t k = (rc->next + rc->cap - rc->n + i) % rc->cap;

		if (entry_id(rc->entries[k]) == id) {
			json_object_put(rc->entries[k]);
			rc->entries[k] = json_object_get(entry);
			return 0;
		}
	}
	if (rc->n == rc->cap) {
		json_object_put(rc->entries[rc->next]);
		rc->n--;
	}
	rc->entries[rc->next] = json_object_get(entry);
	rc->next = (rc->next + 1) % rc->cap;
	rc->n++;
	return 0;
}

void req_jobs(struct request *r)
{
	struct engine *e = r->srv->engine;
	struct json_object *active = json_object_new_array(), *ended = json_object_new_array();
	struct json_object *o = json_object_new_object();
	struct recent rc = { 0 };
	uint64_t limit = JOBS_RECENT_DEFAULT;

	if (arg_uint(r, "recent", 0, JOURNAL_LOG_KEEP, false, &limit) < 0) {
		json_object_put(active);
		json_object_put(ended);
		json_object_put(o);
		return;
	}
	for (struct engine_job *j = e->jobs; j; j = j->next)
		json_object_array_add(active, job_json(&j->spec, &j->st));
	if (limit > 0) {
		rc.cap = (size_t)limit;
		rc.entries = calloc(rc.cap, sizeof(*rc.entries));
		if (rc.entries) {
			journal_log_foreach(&e->journal, collect_recent, &rc);
			for (size_t i = 0; i < rc.n; i++)
				json_object_array_add(
					ended, rc.entries[(rc.next + rc.cap - rc.n + i) % rc.cap]);
			free(rc.entries);
		}
	}
	json_object_object_add(o, "active", active);
	json_object_object_add(o, "ended", ended);
	reply_ok(r, o);
}

void req_job_show(struct request *r)
{
	struct engine *e = r->srv->engine;
	struct recent rc = { 0 };
	struct engine_job *j;
	uint64_t id;

	if (arg_uint(r, "job", 1, UINT32_MAX, true, &id) < 0)
		return;
	j = engine_find(e, (uint32_t)id);
	if (j) {
		reply_ok(r, job_json(&j->spec, &j->st));
		return;
	}
	rc.want_id = id;
	journal_log_foreach(&e->journal, collect_recent, &rc);
	if (!rc.found) {
		reply_error(r, "ENOENT", "no job %llu (the log keeps the last %d or more)",
			    (unsigned long long)id, JOURNAL_LOG_KEEP);
		return;
	}
	reply_ok(r, rc.found);
}

void req_job_cancel(struct request *r)
{
	struct engine_job *j;
	uint64_t id;

	if (arg_uint(r, "job", 1, UINT32_MAX, true, &id) < 0)
		return;
	j = engine_find(r->srv->engine, (uint32_t)id);
	/* Only root and the job's owner may stop it. */
	if (j && r->client->uid != 0 && r->client->uid != j->spec.owner &&
	    r->client->uid != geteuid()) {
		reply_error(r, "EPERM", "job %llu belongs to another user", (unsigned long long)id);
		return;
	}
	if (engine_cancel(r->srv->engine, (uint32_t)id) < 0) {
		reply_error(r, "ESRCH", "job %llu is not waiting or running",
			    (unsigned long long)id);
		return;
	}
	log_msg(LOG_INFO, (uint32_t)id, "cancel requested by uid %ld", (long)r->client->uid);
	reply_ok(r, NULL);
}
