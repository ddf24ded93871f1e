/*
 * Requests about User Inboxes: box.list, box.show, box.export (the
 * document's files go back as descriptors), box.delete. A box with a PIN
 * wants it for everything but the list; root may do without.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "receive.h"
#include "server_priv.h"

static struct json_object *box_json(const struct box_info *b)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "box", json_object_new_int64(b->no));
	json_object_object_add(o, "name", json_object_new_string(b->name));
	json_object_object_add(o, "pin", json_object_new_boolean(b->has_pin));
	json_object_object_add(o, "documents", json_object_new_int64(b->doc_count));
	json_object_object_add(o, "doc_limit", json_object_new_int64(b->doc_limit));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)b->bytes));
	return o;
}

static struct json_object *doc_json(const struct box_doc_meta *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "doc", json_object_new_int64(m->id));
	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "pages", json_object_new_int64(m->pages));
	json_object_object_add(o, "formats", json_object_new_string(m->formats));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)m->size));
	json_object_object_add(o, "files", json_object_new_int64(m->files));
	json_object_object_add(o, "created", json_object_new_int64(m->created));
	json_object_object_add(o, "job", json_object_new_int64((int64_t)m->job_id));
	return o;
}

static void box_error(struct request *r, int st)
{
	char code[8];

	if (st == BOX_E_AREA_FULL || st == BOX_E_DOC_LIMIT) {
		snprintf(code, sizeof(code), "#%03d", st);
		reply_error(r, code, "%s", box_strerror(st));
		return;
	}
	reply_error(r,
		    st == BOX_E_NOENT	? "ENOENT"
		    : st == BOX_E_PIN	? "EACCES"
		    : st == BOX_E_RANGE ? "EINVAL"
					: "EIO",
		    "%s", box_strerror(st));
}

/* The box number argument, checked against the store and the PIN: 0, or -1 (replied). */
static int open_box(struct request *r, unsigned int *box)
{
	struct box_store *bs = r->srv->engine->boxes;
	const char *pin = NULL;
	uint64_t v;
	int st;

	if (arg_uint(r, "box", 0, box_count(bs) - 1, true, &v) < 0)
		return -1;
	*box = (unsigned int)v;
	if (json_object_object_get_ex(r->args, "pin", NULL)) {
		pin = arg_string(r, "pin", true);
		if (!pin)
			return -1;
	}
	if (r->client->uid == 0 && !pin)
		return 0;
	st = box_check_pin(bs, *box, pin ? pin : "");
	if (st != BOX_OK) {
		/* The PIN itself never reaches a message or the log. */
		reply_error(r, "EACCES", "box %u: %s", *box,
			    pin ? "wrong PIN" : "this box has a PIN: give it with --pin");
		return -1;
	}
	return 0;
}

void req_box_list(struct request *r)
{
	struct box_info *boxes;
	struct json_object *arr, *o;
	uint64_t used, limit;
	size_t n;
	int st = box_list(r->srv->engine->boxes, &boxes, &n);

	if (st != BOX_OK) {
		box_error(r, st);
		return;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, box_json(&boxes[i]));
	free(boxes);
	box_area_usage(r->srv->engine->boxes, &used, &limit);
	o = json_object_new_object();
	json_object_object_add(o, "boxes", arr);
	json_object_object_add(o, "area_used", json_object_new_int64((int64_t)used));
	json_object_object_add(o, "area_limit", json_object_new_int64((int64_t)limit));
	reply_ok(r, o);
}

static void box_show(struct request *r, struct box_store *bs, unsigned int box)
{
	struct box_doc_meta *docs;
	struct box_info info;
	struct json_object *o, *arr;
	size_t n;
	int st;

	st = box_get_info(bs, box, &info);
	if (st == BOX_OK)
		st = box_list_documents(bs, box, &docs, &n);
	if (st != BOX_OK) {
		box_error(r, st);
		return;
	}
	o = box_json(&info);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, doc_json(&docs[i]));
	free(docs);
	json_object_object_add(o, "docs", arr);
	reply_ok(r, o);
}

static void box_export(struct request *r, struct box_store *bs, unsigned int box)
{
	struct box_doc_meta meta;
	struct box_file *files;
	struct json_object *o, *arr;
	int fds[CTL_MAX_FDS];
	uint64_t doc;
	size_t n;
	int st;

	if (arg_uint(r, "doc", 0, UINT32_MAX, true, &doc) < 0)
		return;
	st = box_get_document(bs, box, (uint32_t)doc, &meta);
	if (st == BOX_OK)
		st = box_open_document(bs, box, (uint32_t)doc, &files, &n);
	if (st != BOX_OK) {
		box_error(r, st);
		return;
	}
	if (n > CTL_MAX_FDS) {
		box_files_close(files, n);
		reply_error(r, "E2BIG", "document %llu has %zu files; export takes %d at a time",
			    (unsigned long long)doc, n, CTL_MAX_FDS);
		return;
	}
	o = doc_json(&meta);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "name", json_object_new_string(files[i].name));
		json_object_object_add(f, "bytes", json_object_new_int64((int64_t)files[i].size));
		json_object_array_add(arr, f);
		fds[i] = files[i].fd;
	}
	json_object_object_add(o, "file_list", arr);
	reply_ok_fds(r, o, fds, n);
	box_files_close(files, n);
}

static void box_delete(struct request *r, struct box_store *bs, unsigned int box)
{
	struct json_object *all;
	uint64_t doc = 0;
	int st, has_doc;

	has_doc = arg_uint(r, "doc", 0, UINT32_MAX, false, &doc);
	if (has_doc < 0)
		return;
	if (json_object_object_get_ex(r->args, "all", &all) && json_object_get_boolean(all)) {
		if (has_doc) {
			reply_error(r, "EINVAL", "box.delete: give \"doc\" or \"all\", not both");
			return;
		}
		st = box_delete_all(bs, box);
	} else if (has_doc) {
		st = box_delete_document(bs, box, (uint32_t)doc);
	} else {
		reply_error(r, "EINVAL", "box.delete: \"doc\" or \"all\" is required");
		return;
	}
	if (st != BOX_OK) {
		box_error(r, st);
		return;
	}
	reply_ok(r, NULL);
}

/* Name, PIN and document limit of a box; the current PIN is needed to change them. */
static void box_set(struct request *r, struct box_store *bs, unsigned int box)
{
	const char *name = NULL, *new_pin = NULL;
	struct json_object *clear;
	bool clear_pin;
	uint64_t limit = 0;
	int has_limit, st = BOX_OK;

	if (json_object_object_get_ex(r->args, "name", NULL) &&
	    !(name = arg_string(r, "name", true)))
		return;
	if (json_object_object_get_ex(r->args, "new_pin", NULL) &&
	    !(new_pin = arg_string(r, "new_pin", true)))
		return;
	clear_pin = json_object_object_get_ex(r->args, "clear_pin", &clear) &&
		    json_object_get_boolean(clear);
	has_limit = arg_uint(r, "doc_limit", 1, BOX_MAX_DOC_LIMIT, false, &limit);
	if (has_limit < 0)
		return;
	if (!name && !new_pin && !clear_pin && !has_limit) {
		reply_error(r, "EINVAL", "box.set: nothing to change");
		return;
	}
	if (new_pin && clear_pin) {
		reply_error(r, "EINVAL", "box.set: a new PIN or no PIN, not both");
		return;
	}
	if (name && !box_name_valid(name)) {
		reply_error(r, "EINVAL",
			    "box.set: a name is 1 to %d characters of text, without control "
			    "characters, '/' or '\\'",
			    BOX_NAME_MAX);
		return;
	}
	if (new_pin && !box_pin_valid(new_pin)) {
		reply_error(r, "EINVAL", "box.set: a PIN is 1 to %d digits", BOX_PIN_MAX);
		return;
	}
	if (name)
		st = box_rename(bs, box, name);
	if (st == BOX_OK && has_limit)
		st = box_set_doc_limit(bs, box, (uint32_t)limit);
	if (st == BOX_OK && (new_pin || clear_pin))
		st = box_set_pin(bs, box, clear_pin ? NULL : new_pin);
	if (st != BOX_OK) {
		box_error(r, st);
		return;
	}
	log_msg(LOG_INFO, 0, "uid %ld changed box %u%s%s%s", (long)r->client->uid, box,
		name ? " (name)" : "", has_limit ? " (document limit)" : "",
		new_pin || clear_pin ? " (PIN)" : "");
	reply_ok(r, NULL);
}

/* "box": "rx" names the Memory RX Inbox (no PIN; the reception worker shares it). */
static bool is_rx_inbox(struct request *r)
{
	struct json_object *v;

	return json_object_object_get_ex(r->args, "box", &v) &&
	       json_object_is_type(v, json_type_string) &&
	       strcmp(json_object_get_string(v), "rx") == 0;
}

static void with_box(struct request *r,
		     void (*fn)(struct request *r, struct box_store *bs, unsigned int box))
{
	unsigned int box;

	if (is_rx_inbox(r)) {
		if (!r->srv->receiver) {
			reply_error(r, "ENODEV", "reception is not running");
			return;
		}
		fn(r, receive_inbox_lock(r->srv->receiver), 0);
		receive_inbox_unlock(r->srv->receiver);
		return;
	}
	if (open_box(r, &box) < 0)
		return;
	fn(r, r->srv->engine->boxes, box);
}

void req_box_show(struct request *r)
{
	with_box(r, box_show);
}

void req_box_export(struct request *r)
{
	with_box(r, box_export);
}

void req_box_delete(struct request *r)
{
	with_box(r, box_delete);
	/* Room in the Memory RX Inbox: what waits in the spool may go in now. */
	if (is_rx_inbox(r) && r->srv->receiver)
		receive_space_freed(r->srv->receiver);
}

void req_box_set(struct request *r)
{
	if (is_rx_inbox(r)) {
		reply_error(r, "EINVAL",
			    "box.set: the Memory RX Inbox has no name, PIN or limit to set");
		return;
	}
	with_box(r, box_set);
}
