/*
 * The control socket: irsendctl connects, sends request frames
 * (ctl_proto.h) and reads events and replies. Who may connect: root, the
 * agent's own user and members of the configured group; the socket file's
 * mode says the same to the kernel, and each connection is checked again
 * with its peer credentials.
 */
#ifndef IRSENDD_SERVER_H
#define IRSENDD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl_proto.h"
#include "engine.h"

struct server_client {
	int fd;
	struct ctl_reader rd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	/* A request that waits for a job's end ("follow"): its id, 0 for none. */
	uint32_t follow_job;
	uint64_t follow_req;
	bool closing;
	unsigned int busy; /* spooling threads working for it: not freed before they end */
	struct server_client *next;
};

struct license_device;
struct receiver;

struct server {
	int listen_fd;
	int epfd;
	gid_t group; /* (gid_t)-1: none configured */
	unsigned int max_clients;
	unsigned int nclients;
	struct server_client *clients;
	struct engine *engine;
	struct settings_store *settings; /* may be NULL until the data disk is there */
	const char *settings_path;
	int device_fd; /* -1: no module */
	struct license_device *license;
	struct receiver *receiver; /* reception: POP checks, the Memory RX Inbox */
	/* Called after the user settings changed (settings.set, keys.use). */
	void (*settings_changed)(void *arg);
	void *settings_changed_arg;
	/* Spooling threads hand finished tasks back through this pipe (spool_task.h). */
	int task_wake[2];
};

/* Create, bind and listen on path (replacing a stale socket): 0, or -1 with err. */
int server_listen(struct server *s, const char *path, gid_t group, char *err, size_t errlen);
/* Accept one connection (the listening socket is readable). */
void server_accept(struct server *s);
/* A client's socket is readable: read and answer its requests. */
void server_client_ready(struct server *s, struct server_client *c);
/* The task pipe is readable: finish what the spooling threads did. */
void server_tasks_ready(struct server *s);
/* Drop clients marked closing. */
void server_reap(struct server *s);
void server_close(struct server *s);

/* For the engine's notify hook: send events and final replies to followers. */
void server_job_event(void *arg, const struct engine_job *job, enum engine_event ev);

#endif
