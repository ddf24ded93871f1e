/*
 * Reading a client's files into the spool happens in a thread of its own:
 * a client's pipe may deliver pages as slowly as a scanner does (or stall),
 * and the agent's main loop must keep serving everyone else meanwhile.
 * When the thread is done, the main loop journals the job and answers.
 */
#ifndef IRSENDD_SPOOL_TASK_H
#define IRSENDD_SPOOL_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

struct spool_task {
	/* Set by the main loop before the start; the thread leaves them alone. */
	struct server *srv;
	struct server_client *client;
	uint64_t req_id;
	bool follow;
	struct job_spec spec;
	char dir[JOURNAL_PATH_MAX];
	int fds[CTL_MAX_FDS];
	size_t nfds;
	unsigned int xres, yres;
	/* The thread's answer. */
	long pages;    /* -1: failed */
	char code[16]; /* "EINVAL", ... when failed */
	char message[400];
};

/* Start reading (the task is the thread's until it is handed back): 0, or -1. */
int spool_task_start(struct spool_task *t);
/* The main loop's side: take the finished tasks, journal their jobs, reply, free. */
void spool_task_collect(struct server *s);

#endif
