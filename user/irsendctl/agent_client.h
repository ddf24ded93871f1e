/*
 * Talking to irsendd over its control socket ($IRSEND_SOCKET or
 * /run/irsend/irsendd.sock): one request, its events, its reply.
 */
#ifndef IRSENDCTL_AGENT_CLIENT_H
#define IRSENDCTL_AGENT_CLIENT_H

#include <stddef.h>

#include <json-c/json.h>

/* Called for every event frame before the reply; the frame stays the caller's. */
typedef void (*agent_event_fn)(struct json_object *event, void *arg);

struct agent_call {
	const char *prog; /* message prefix, e.g. "irsendctl send" */
	const int *fds;	  /* descriptors to hand over with the request */
	size_t nfds;
	agent_event_fn on_event;
	void *arg;
	/* Out: descriptors that came with the reply (the caller closes them). */
	int reply_fds[16];
	size_t reply_nfds;
};

/*
 * Send cmd with args (taken over) and wait for the reply: the "result"
 * object (the caller puts it) on success; NULL after printing the agent's
 * error message (or why the agent could not be reached) on stderr.
 */
struct json_object *agent_request(struct agent_call *call, const char *cmd,
				  struct json_object *args);

#endif
