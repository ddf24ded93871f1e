/* Names and JSON forms of jobs (see job.h). */
#include "job.h"

#include <stdio.h>
#include <string.h>

static const char *const stage_names[] = {
	[JOB_QUEUED] = "queued",   [JOB_SCANNING] = "scanning", [JOB_ENCODING] = "encoding",
	[JOB_STORING] = "storing", [JOB_DONE] = "done",
};

static const char *const result_names[] = {
	[JOB_RESULT_NONE] = "",
	[JOB_RESULT_OK] = "ok",
	[JOB_RESULT_FAILED] = "failed",
	[JOB_RESULT_CANCELLED] = "cancelled",
};

static const char *const source_names[] = {
	[JOB_SOURCE_SCAN] = "scan",
	[JOB_SOURCE_FILES] = "files",
};

static const char *const dest_names[] = {
	[JOB_DEST_BOX] = "box", [JOB_DEST_EMAIL] = "email", [JOB_DEST_IFAX] = "ifax",
	[JOB_DEST_SMB] = "smb", [JOB_DEST_FTP] = "ftp",
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static int name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *job_stage_name(enum job_stage stage)
{
	return (size_t)stage < N_ELEM(stage_names) ? stage_names[stage] : "?";
}

const char *job_result_name(enum job_result result)
{
	return (size_t)result < N_ELEM(result_names) ? result_names[result] : "?";
}

const char *job_dest_type_name(enum job_dest_type type)
{
	return (size_t)type < N_ELEM(dest_names) ? dest_names[type] : "?";
}

static const char *const ifax_mode_names[] = { "simple", "full", "direct" };

const char *job_ifax_mode_name(enum job_ifax_mode mode)
{
	return (size_t)mode < N_ELEM(ifax_mode_names) ? ifax_mode_names[mode] : "?";
}

int job_ifax_mode_parse(const char *name, enum job_ifax_mode *mode)
{
	int i = name_index(ifax_mode_names, N_ELEM(ifax_mode_names), name);

	if (i < 0)
		return -1;
	*mode = (enum job_ifax_mode)i;
	return 0;
}

const char *job_source_name(enum job_source source)
{
	return (size_t)source < N_ELEM(source_names) ? source_names[source] : "?";
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *spec_json(const struct job_spec *spec, bool secrets)
{
	struct json_object *o = json_object_new_object();
	struct json_object *formats = json_object_new_array();
	struct json_object *dests = json_object_new_array();

	add_int(o, "id", spec->id);
	add_str(o, "name", spec->name);
	add_str(o, "source", job_source_name(spec->source));
	if (spec->source == JOB_SOURCE_SCAN) {
		struct json_object *s = json_object_new_object();

		add_int(s, "pages", spec->scan.pages);
		add_int(s, "paper", spec->scan.paper);
		add_int(s, "width_mm", spec->scan.width_mm);
		add_int(s, "height_mm", spec->scan.height_mm);
		add_int(s, "xres", spec->scan.xres);
		add_int(s, "yres", spec->scan.yres);
		add_int(s, "bpp", spec->scan.bpp);
		add_int(s, "seed", spec->scan.seed);
		add_int(s, "pace_ms", spec->scan.pace_ms);
		add_int(s, "jam_at_page", spec->scan.jam_at_page);
		json_object_object_add(o, "scan", s);
	}
	for (unsigned int i = 0; i < spec->nformats; i++)
		json_object_array_add(formats, json_object_new_string(spec->formats[i]));
	json_object_object_add(o, "formats", formats);
	for (unsigned int i = 0; i < spec->ndests; i++) {
		const struct job_dest *jd = &spec->dests[i];
		struct json_object *d = json_object_new_object();

		add_str(d, "type", job_dest_type_name(jd->type));
		if (jd->type == JOB_DEST_BOX)
			add_int(d, "box", jd->box);
		else
			add_str(d, "to", jd->addrs);
		if (jd->type == JOB_DEST_IFAX)
			add_str(d, "mode", job_ifax_mode_name(jd->ifax_mode));
		if (jd->type == JOB_DEST_SMB || jd->type == JOB_DEST_FTP) {
			add_str(d, "user", jd->user);
			if (secrets)
				add_str(d, "password", jd->password);
		}
		json_object_array_add(dests, d);
	}
	json_object_object_add(o, "destinations", dests);
	add_int(o, "owner", spec->owner);
	add_int(o, "created", spec->created);
	return o;
}

struct json_object *job_spec_to_json(const struct job_spec *spec)
{
	return spec_json(spec, false);
}

struct json_object *job_spec_to_json_private(const struct job_spec *spec)
{
	return spec_json(spec, true);
}

struct json_object *job_state_to_json(const struct job_spec *spec, const struct job_state *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *dests = json_object_new_array();

	add_str(o, "stage", job_stage_name(st->stage));
	if (st->result != JOB_RESULT_NONE)
		add_str(o, "result", job_result_name(st->result));
	add_int(o, "pages", st->pages);
	add_int(o, "formats_done", st->formats_done);
	for (unsigned int i = 0; i < spec->ndests; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "done", json_object_new_boolean(st->dests[i].done));
		add_int(d, "code", st->dests[i].code);
		add_int(d, "doc", st->dests[i].doc);
		add_int(d, "attempts", st->dests[i].attempts);
		add_int(d, "next_try", st->dests[i].next_try);
		add_str(d, "reply", st->dests[i].reply);
		json_object_array_add(dests, d);
	}
	json_object_object_add(o, "destinations", dests);
	add_int(o, "code", st->code);
	add_str(o, "message", st->message);
	add_int(o, "ended", st->ended);
	return o;
}

/* Field readers that say which field was wrong. */
static int get_int(struct json_object *o, const char *key, int64_t min, int64_t max, int64_t *out,
		   char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "\"%s\" is missing or not an integer", key);
		return -1;
	}
	*out = json_object_get_int64(v);
	if (*out < min || *out > max) {
		snprintf(err, errlen, "\"%s\" is out of range", key);
		return -1;
	}
	return 0;
}

static int get_u32(struct json_object *o, const char *key, uint32_t *out, char *err, size_t errlen)
{
	int64_t v;

	if (get_int(o, key, 0, UINT32_MAX, &v, err, errlen) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int get_u16(struct json_object *o, const char *key, uint16_t *out, char *err, size_t errlen)
{
	int64_t v;

	if (get_int(o, key, 0, UINT16_MAX, &v, err, errlen) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int get_text(struct json_object *o, const char *key, char *out, size_t cap, char *err,
		    size_t errlen)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "\"%s\" is missing or not a string", key);
		return -1;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= cap) {
		snprintf(err, errlen, "\"%s\" is longer than %zu bytes", key, cap - 1);
		return -1;
	}
	strcpy(out, s);
	return 0;
}

static int get_array(struct json_object *o, const char *key, size_t max, struct json_object **arr,
		     char *err, size_t errlen)
{
	if (!json_object_object_get_ex(o, key, arr) ||
	    !json_object_is_type(*arr, json_type_array)) {
		snprintf(err, errlen, "\"%s\" is missing or not an array", key);
		return -1;
	}
	if (json_object_array_length(*arr) > max) {
		snprintf(err, errlen, "\"%s\" has more than %zu entries", key, max);
		return -1;
	}
	return 0;
}

static int scan_from_json(struct json_object *s, struct irsend_scan_request *r, char *err,
			  size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	if (!json_object_is_type(s, json_type_object)) {
		snprintf(err, errlen, "\"scan\" is not an object");
		return -1;
	}
	if (get_u32(s, "pages", &r->pages, err, errlen) < 0 ||
	    get_u32(s, "paper", &r->paper, err, errlen) < 0 ||
	    get_u32(s, "width_mm", &r->width_mm, err, errlen) < 0 ||
	    get_u32(s, "height_mm", &r->height_mm, err, errlen) < 0 ||
	    get_u16(s, "xres", &r->xres, err, errlen) < 0 ||
	    get_u16(s, "yres", &r->yres, err, errlen) < 0 ||
	    get_u16(s, "bpp", &r->bpp, err, errlen) < 0 ||
	    get_u32(s, "seed", &r->seed, err, errlen) < 0 ||
	    get_u32(s, "pace_ms", &r->pace_ms, err, errlen) < 0 ||
	    get_u32(s, "jam_at_page", &r->jam_at_page, err, errlen) < 0)
		return -1;
	return 0;
}

int job_spec_from_json(struct json_object *o, struct job_spec *spec, char *err, size_t errlen)
{
	struct json_object *arr, *v;
	char source[16];
	int64_t n;
	int idx;

	memset(spec, 0, sizeof(*spec));
	if (get_u32(o, "id", &spec->id, err, errlen) < 0 ||
	    get_text(o, "name", spec->name, sizeof(spec->name), err, errlen) < 0 ||
	    get_text(o, "source", source, sizeof(source), err, errlen) < 0)
		return -1;
	idx = name_index(source_names, N_ELEM(source_names), source);
	if (idx < 0) {
		snprintf(err, errlen, "unknown source \"%s\"", source);
		return -1;
	}
	spec->source = (enum job_source)idx;
	if (spec->source == JOB_SOURCE_SCAN) {
		if (!json_object_object_get_ex(o, "scan", &v)) {
			snprintf(err, errlen, "a scan job without \"scan\"");
			return -1;
		}
		if (scan_from_json(v, &spec->scan, err, errlen) < 0)
			return -1;
	}
	if (get_array(o, "formats", JOB_MAX_FORMATS, &arr, err, errlen) < 0)
		return -1;
	spec->nformats = (unsigned int)json_object_array_length(arr);
	for (unsigned int i = 0; i < spec->nformats; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) >= JOB_FORMAT_NAME_MAX) {
			snprintf(err, errlen, "format %u is not a format name", i + 1);
			return -1;
		}
		strcpy(spec->formats[i], json_object_get_string(v));
	}
	if (get_array(o, "destinations", JOB_MAX_DESTS, &arr, err, errlen) < 0)
		return -1;
	spec->ndests = (unsigned int)json_object_array_length(arr);
	for (unsigned int i = 0; i < spec->ndests; i++) {
		struct job_dest *jd = &spec->dests[i];
		char type[16], mode[16];

		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object) ||
		    get_text(v, "type", type, sizeof(type), err, errlen) < 0)
			return -1;
		idx = name_index(dest_names, N_ELEM(dest_names), type);
		if (idx < 0) {
			snprintf(err, errlen, "unknown destination type \"%s\"", type);
			return -1;
		}
		jd->type = (enum job_dest_type)idx;
		if (jd->type == JOB_DEST_BOX) {
			if (get_u32(v, "box", &jd->box, err, errlen) < 0)
				return -1;
			continue;
		}
		if (get_text(v, "to", jd->addrs, sizeof(jd->addrs), err, errlen) < 0)
			return -1;
		if (jd->type == JOB_DEST_SMB || jd->type == JOB_DEST_FTP) {
			jd->user[0] = jd->password[0] = '\0';
			/* The log's copy has no password: a file destination there is only shown.
			 */
			if ((json_object_object_get_ex(v, "user", NULL) &&
			     get_text(v, "user", jd->user, sizeof(jd->user), err, errlen) < 0) ||
			    (json_object_object_get_ex(v, "password", NULL) &&
			     get_text(v, "password", jd->password, sizeof(jd->password), err,
				      errlen) < 0))
				return -1;
		}
		if (jd->type == JOB_DEST_IFAX) {
			if (get_text(v, "mode", mode, sizeof(mode), err, errlen) < 0)
				return -1;
			if (job_ifax_mode_parse(mode, &jd->ifax_mode) < 0) {
				snprintf(err, errlen,
					 "destination %u: unknown I-Fax mode \"%.16s\"", i, mode);
				return -1;
			}
		}
	}
	if (get_int(o, "owner", 0, UINT32_MAX, &n, err, errlen) < 0)
		return -1;
	spec->owner = (uid_t)n;
	if (get_int(o, "created", 0, INT64_MAX, &n, err, errlen) < 0)
		return -1;
	spec->created = (time_t)n;
	return 0;
}

int job_state_from_json(struct json_object *o, const struct job_spec *spec, struct job_state *st,
			char *err, size_t errlen)
{
	struct json_object *arr, *v;
	char name[16];
	int64_t n;
	int idx;

	memset(st, 0, sizeof(*st));
	if (get_text(o, "stage", name, sizeof(name), err, errlen) < 0)
		return -1;
	idx = name_index(stage_names, N_ELEM(stage_names), name);
	if (idx < 0) {
		snprintf(err, errlen, "unknown stage \"%s\"", name);
		return -1;
	}
	st->stage = (enum job_stage)idx;
	if (json_object_object_get_ex(o, "result", &v)) {
		idx = name_index(result_names, N_ELEM(result_names), json_object_get_string(v));
		if (idx <= 0) {
			snprintf(err, errlen, "unknown result");
			return -1;
		}
		st->result = (enum job_result)idx;
	}
	if (get_u32(o, "pages", &st->pages, err, errlen) < 0 ||
	    get_int(o, "formats_done", 0, spec->nformats, &n, err, errlen) < 0)
		return -1;
	st->formats_done = (unsigned int)n;
	if (get_array(o, "destinations", JOB_MAX_DESTS, &arr, err, errlen) < 0)
		return -1;
	if (json_object_array_length(arr) != spec->ndests) {
		snprintf(err, errlen, "the state has %zu destinations, the job %u",
			 json_object_array_length(arr), spec->ndests);
		return -1;
	}
	for (unsigned int i = 0; i < spec->ndests; i++) {
		struct json_object *done;

		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, "done", &done) ||
		    get_int(v, "code", 0, 999, &n, err, errlen) < 0) {
			snprintf(err, errlen, "destination %u state is malformed", i + 1);
			return -1;
		}
		st->dests[i].done = json_object_get_boolean(done);
		st->dests[i].code = (unsigned int)n;
		if (get_u32(v, "doc", &st->dests[i].doc, err, errlen) < 0 ||
		    get_int(v, "attempts", 0, 1000, &n, err, errlen) < 0)
			return -1;
		st->dests[i].attempts = (unsigned int)n;
		if (get_int(v, "next_try", 0, INT64_MAX, &n, err, errlen) < 0 ||
		    get_text(v, "reply", st->dests[i].reply, sizeof(st->dests[i].reply), err,
			     errlen) < 0)
			return -1;
		st->dests[i].next_try = (time_t)n;
	}
	if (get_int(o, "code", 0, 999, &n, err, errlen) < 0)
		return -1;
	st->code = (unsigned int)n;
	if (get_text(o, "message", st->message, sizeof(st->message), err, errlen) < 0 ||
	    get_int(o, "ended", 0, INT64_MAX, &n, err, errlen) < 0)
		return -1;
	st->ended = (time_t)n;
	return 0;
}
