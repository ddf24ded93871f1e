/* Requests to irsendd (see agent_client.h). */
#include "agent_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_proto.h"

static const char *socket_path(void)
{
	const char *p = getenv("IRSEND_SOCKET");

	return p && *p ? p : CTL_SOCKET_DEFAULT;
}

static int connect_agent(const char *prog)
{
	int sock = ctl_connect(NULL);

	if (sock >= 0)
		return sock;
	if (errno == ENOENT || errno == ECONNREFUSED)
		fprintf(stderr,
			"%s: irsendd is not running (no one listens on %s); start it "
			"with 'irsendd' or set IRSEND_SOCKET\n",
			prog, socket_path());
	else if (errno == EACCES)
		fprintf(stderr,
			"%s: permission denied on %s: use root or a member of the "
			"agent's group\n",
			prog, socket_path());
	else
		fprintf(stderr, "%s: cannot reach irsendd at %s: %s\n", prog, socket_path(),
			strerror(errno));
	return -1;
}

static void print_error(const char *prog, const char *cmd, struct json_object *msg)
{
	struct json_object *err = NULL;
	const char *code, *text;
	size_t n = strlen(cmd);

	json_object_object_get_ex(msg, "error", &err);
	code = ctl_get_string(err, "code");
	text = ctl_get_string(err, "message");
	/* "send: ..." after "irsendctl send: " says the command twice. */
	if (text && strncmp(text, cmd, n) == 0 && text[n] == ':' && text[n + 1] == ' ')
		text += n + 2;
	if (code && code[0] == '#')
		fprintf(stderr, "%s: %s %s\n", prog, code, text ? text : "");
	else
		fprintf(stderr, "%s: %s\n", prog, text ? text : "the agent refused the request");
}

struct json_object *agent_request(struct agent_call *call, const char *cmd,
				  struct json_object *args)
{
	struct json_object *req = ctl_request_new(1, cmd, args), *msg, *result = NULL;
	int sock = connect_agent(call->prog);

	call->reply_nfds = 0;
	if (sock < 0) {
		json_object_put(req);
		return NULL;
	}
	if (ctl_send(sock, req, call->fds, call->nfds) < 0) {
		int err = errno;

		/*
		 * An agent that refuses a connection (not in the group, too many
		 * clients) says why in one frame and closes: the request then
		 * meets a closed socket, but the reason is there to read.
		 */
		if ((err == EPIPE || err == ECONNRESET) && ctl_recv(sock, &msg, NULL, NULL) == 0) {
			print_error(call->prog, cmd, msg);
			json_object_put(msg);
		} else {
			fprintf(stderr, "%s: sending the request failed: %s\n", call->prog,
				strerror(err));
		}
		json_object_put(req);
		close(sock);
		return NULL;
	}
	json_object_put(req);
	for (;;) {
		struct json_object *ok;

		if (ctl_recv(sock, &msg, call->reply_fds, &call->reply_nfds) < 0) {
			if (errno == 0)
				fprintf(stderr,
					"%s: irsendd closed the connection without a "
					"reply (did it stop?)\n",
					call->prog);
			else
				fprintf(stderr, "%s: reading the reply failed: %s\n", call->prog,
					strerror(errno));
			break;
		}
		if (ctl_get_string(msg, "event")) {
			if (call->on_event)
				call->on_event(msg, call->arg);
			json_object_put(msg);
			continue;
		}
		if (json_object_object_get_ex(msg, "ok", &ok) && json_object_get_boolean(ok)) {
			if (!json_object_object_get_ex(msg, "result", &result))
				result = NULL;
			result = json_object_get(result ? result : NULL);
			if (!result)
				result = json_object_new_object();
		} else {
			print_error(call->prog, cmd, msg);
		}
		json_object_put(msg);
		break;
	}
	close(sock);
	return result;
}
