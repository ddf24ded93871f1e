/*
 * receive.status, receive.check (a POP check now), receive.log (the last
 * receptions). The Memory RX Inbox itself is box "rx" of the box requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "receive.h"
#include "server_priv.h"

static struct receiver *receiver(struct request *r)
{
	if (!r->srv->receiver)
		reply_error(r, "ENODEV", "reception is not running");
	return r->srv->receiver;
}

void req_receive_status(struct request *r)
{
	struct receiver *rx = receiver(r);
	struct receive_status st;
	struct json_object *o;

	if (!rx)
		return;
	receive_status(rx, &st);
	o = json_object_new_object();
	json_object_object_add(o, "polling", json_object_new_boolean(st.polling));
	json_object_object_add(o, "last_poll", json_object_new_int64(st.last_poll));
	json_object_object_add(o, "last_code", json_object_new_int((int)st.last_code));
	json_object_object_add(o, "last_message", json_object_new_string(st.last_message));
	json_object_object_add(o, "last_fetched", json_object_new_int((int)st.last_fetched));
	json_object_object_add(o, "next_poll", json_object_new_int64(st.next_poll));
	json_object_object_add(o, "spooled", json_object_new_int((int)st.spooled));
	json_object_object_add(o, "received", json_object_new_int64((int64_t)st.received));
	reply_ok(r, o);
}

void req_receive_check(struct request *r)
{
	struct receiver *rx = receiver(r);
	char err[120];

	if (!rx)
		return;
	if (receive_poll_now(rx, err, sizeof(err)) < 0) {
		reply_error(r, "EBUSY", "%s", err);
		return;
	}
	log_msg(LOG_INFO, 0, "uid %ld started a POP check", (long)r->client->uid);
	reply_ok(r, NULL);
}

void req_receive_log(struct request *r)
{
	struct receiver *rx = receiver(r);
	struct json_object *arr, *o;
	uint64_t recent = 20;
	char *text, *line, *save = NULL;

	if (!rx || arg_uint(r, "recent", 1, 1000, false, &recent) < 0)
		return;
	text = receive_log_read(rx, (size_t)recent);
	if (!text) {
		reply_error(r, "ENOMEM", "out of memory");
		return;
	}
	arr = json_object_new_array();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *e = json_tokener_parse(line);

		/* A line cut by a crash is skipped, not guessed at. */
		if (e)
			json_object_array_add(arr, e);
	}
	free(text);
	o = json_object_new_object();
	json_object_object_add(o, "receptions", arr);
	reply_ok(r, o);
}
