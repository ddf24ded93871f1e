/* The control socket: connections, frames, dispatch (see server.h). */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "server_priv.h"
#include "spool_task.h"

static const struct {
	const char *cmd;
	void (*fn)(struct request *r);
} handlers[] = {
	{ "send", req_send },
	{ "jobs", req_jobs },
	{ "job.show", req_job_show },
	{ "job.cancel", req_job_cancel },
	{ "box.list", req_box_list },
	{ "box.show", req_box_show },
	{ "box.export", req_box_export },
	{ "box.delete", req_box_delete },
	{ "box.set", req_box_set },
	{ "settings.get", req_settings },
	{ "settings.set", req_settings },
	{ "settings.list", req_settings },
	{ "service.get", req_settings },
	{ "service.set", req_settings },
	{ "service.list", req_settings },
	{ "license.list", req_license_list },
	{ "receive.status", req_receive_status },
	{ "receive.check", req_receive_check },
	{ "receive.log", req_receive_log },
	{ "license.register", req_license_register },
	{ "license.invalidate", req_license_invalidate },
	{ "keys.list", req_keys_list },
	{ "keys.generate", req_keys_generate },
	{ "keys.import", req_keys_import },
	{ "keys.use", req_keys_use },
	{ "keys.export-cert", req_keys_export_cert },
	{ "keys.delete", req_keys_delete },
	{ "backup.run", req_backup_run },
	{ "backup.status", req_backup_status },
	{ "restore.schedule", req_restore_schedule },
	{ "restore.status", req_restore_status },
	{ "restore.cancel", req_restore_cancel },
};

#define NHANDLERS (sizeof(handlers) / sizeof(handlers[0]))

static struct json_object *frame(uint64_t id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(CTL_PROTO_VERSION));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)id));
	return o;
}

static void send_frame(struct server_client *c, struct json_object *o, const int *fds, size_t nfds)
{
	/* A client that stopped reading is dropped rather than waited for. */
	if (!c->closing && ctl_send(c->fd, o, fds, nfds) < 0) {
		log_msg(LOG_DEBUG, 0, "client pid %ld: send failed: %s", (long)c->pid,
			strerror(errno));
		c->closing = true;
	}
	json_object_put(o);
}

void reply_ok_fds(struct request *r, struct json_object *result, const int *fds, size_t nfds)
{
	struct json_object *o = frame(r->id);

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "result", result ? result : json_object_new_object());
	send_frame(r->client, o, fds, nfds);
}

void reply_ok(struct request *r, struct json_object *result)
{
	reply_ok_fds(r, result, NULL, 0);
}

static void error_frame(struct server_client *c, uint64_t id, const char *code, const char *msg)
{
	struct json_object *o = frame(id), *e = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	send_frame(c, o, NULL, 0);
}

void reply_error(struct request *r, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_frame(r->client, r->id, code, msg);
}

void send_event(struct server_client *c, uint64_t req_id, struct json_object *event)
{
	struct json_object *o = frame(req_id);

	json_object_object_foreach(event, k, v) json_object_object_add(o, k, json_object_get(v));
	json_object_put(event);
	send_frame(c, o, NULL, 0);
}

int arg_uint(struct request *r, const char *key, uint64_t min, uint64_t max, bool required,
	     uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r->args, key, &v)) {
		if (!required)
			return 0;
		reply_error(r, "EINVAL", "%s: \"%s\" is required", r->cmd, key);
		return -1;
	}
	if (ctl_get_uint(r->args, key, out) < 0 || *out < min || *out > max) {
		reply_error(r, "EINVAL", "%s: \"%s\" must be an integer in %llu..%llu", r->cmd, key,
			    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	return 1;
}

const char *arg_string(struct request *r, const char *key, bool required)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r->args, key, &v)) {
		if (required)
			reply_error(r, "EINVAL", "%s: \"%s\" is required", r->cmd, key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		reply_error(r, "EINVAL", "%s: \"%s\" must be a string", r->cmd, key);
		return NULL;
	}
	return json_object_get_string(v);
}

int server_listen(struct server *s, const char *path, gid_t group, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	s->group = group;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A socket file left by an agent that died is replaced, a live one is not. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		snprintf(err, errlen, "%s: another irsendd is serving it", path);
		close(fd);
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) < 0 || (group != (gid_t)-1 && chown(path, (uid_t)-1, group) < 0)) {
		snprintf(err, errlen, "%s: cannot set its mode or group: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	s->listen_fd = fd;
	ev.data.ptr = NULL; /* NULL: the listening socket */
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	if (pipe2(s->task_wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	ev.data.ptr = s->task_wake;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->task_wake[0], &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Root, the agent's user, or a member of the group (primary or supplementary). */
static bool peer_allowed(const struct server *s, int fd, const struct ucred *cred)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	if (s->group == (gid_t)-1)
		return false;
	if (cred->gid == s->group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == s->group)
			return true;
	return false;
}

void server_accept(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct server_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    !peer_allowed(s, fd, &cred)) {
		struct server_client tmp = { .fd = fd };

		log_msg(LOG_WARNING, 0,
			"refused a control connection from uid %ld (not in the group)",
			(long)cred.uid);
		error_frame(&tmp, 0, "EPERM",
			    "permission denied: only root and members of the agent's group may "
			    "use irsendd");
		close(fd);
		return;
	}
	if (s->nclients >= s->max_clients) {
		struct server_client tmp = { .fd = fd };

		error_frame(&tmp, 0, "EBUSY", "too many connections; try again");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	ctl_reader_init(&c->rd);
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->clients;
	s->clients = c;
	s->nclients++;
}

static void dispatch(struct server *s, struct server_client *c, struct json_object *msg, int *fds,
		     size_t nfds)
{
	struct request r = { .srv = s, .client = c, .fds = fds, .nfds = nfds };
	uint64_t v = 0;

	if (ctl_get_uint(msg, "id", &r.id) < 0)
		r.id = 0;
	r.cmd = ctl_get_string(msg, "cmd");
	if (ctl_get_uint(msg, "v", &v) < 0 || v != CTL_PROTO_VERSION) {
		reply_error(&r, "EPROTO", "protocol version %llu is not spoken here (only %d)",
			    (unsigned long long)v, CTL_PROTO_VERSION);
		return;
	}
	if (!r.cmd) {
		reply_error(&r, "EINVAL", "the request has no \"cmd\"");
		return;
	}
	if (!json_object_object_get_ex(msg, "args", &r.args))
		r.args = NULL;
	if (r.args && !json_object_is_type(r.args, json_type_object)) {
		reply_error(&r, "EINVAL", "\"args\" must be an object");
		return;
	}
	if (!r.args)
		r.args = json_object_new_object(), json_object_object_add(msg, "args", r.args);
	if (strcmp(r.cmd, "hello") == 0) {
		struct json_object *o = json_object_new_object(), *cmds = json_object_new_array();

		json_object_object_add(o, "agent",
				       json_object_new_string("irsendd " IRSEND_VERSION));
		json_object_object_add(o, "protocol", json_object_new_int(CTL_PROTO_VERSION));
		for (size_t i = 0; i < NHANDLERS; i++)
			json_object_array_add(cmds, json_object_new_string(handlers[i].cmd));
		json_object_object_add(o, "commands", cmds);
		reply_ok(&r, o);
		return;
	}
	for (size_t i = 0; i < NHANDLERS; i++)
		if (strcmp(handlers[i].cmd, r.cmd) == 0) {
			log_msg(LOG_DEBUG, 0, "uid %ld: %s", (long)c->uid, r.cmd);
			handlers[i].fn(&r);
			return;
		}
	reply_error(&r, "ENOSYS", "unknown command \"%.64s\"", r.cmd);
}

void server_client_ready(struct server *s, struct server_client *c)
{
	struct json_object *msg;
	int fds[CTL_MAX_FDS];
	size_t nfds;
	ssize_t n;
	int ret;

	n = ctl_reader_fill(&c->rd, c->fd);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (n < 0 && errno == EMSGSIZE)
			error_frame(c, 0, "EMSGSIZE", "frame larger than the limit");
		c->closing = true;
		return;
	}
	while (!c->closing && (ret = ctl_reader_next(&c->rd, &msg, fds, &nfds)) != 0) {
		if (ret < 0) {
			if (errno == EBADMSG) {
				error_frame(c, 0, "EBADMSG", "a frame that is not one JSON object");
				continue;
			}
			error_frame(c, 0, "EMSGSIZE", "frame larger than the limit");
			c->closing = true;
			return;
		}
		dispatch(s, c, msg, fds, nfds);
		json_object_put(msg);
		/* Descriptors a handler did not take are closed. */
		for (size_t i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
}

static void free_client(struct server *s, struct server_client *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ctl_reader_free(&c->rd);
	free(c);
	s->nclients--;
}

void server_tasks_ready(struct server *s)
{
	spool_task_collect(s);
}

void server_reap(struct server *s)
{
	struct server_client **p = &s->clients;

	while (*p) {
		struct server_client *c = *p;

		if (c->closing && !c->busy) {
			*p = c->next;
			free_client(s, c);
		} else {
			p = &c->next;
		}
	}
}

void server_close(struct server *s)
{
	while (s->clients) {
		struct server_client *c = s->clients;

		s->clients = c->next;
		free_client(s, c);
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
}
