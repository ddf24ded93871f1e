/* Inside the receiver: shared by receive.c (spool, worker, log) and receive_pop.c. */
#ifndef IRSENDD_RECEIVE_PRIV_H
#define IRSENDD_RECEIVE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "receive.h"

#define RX_PATH_MAX 600
#define RX_NOTICES_MAX 64

struct receiver {
	char dir[RX_PATH_MAX], spool[RX_PATH_MAX], incoming[RX_PATH_MAX], inbox_dir[RX_PATH_MAX],
		log_path[RX_PATH_MAX];
	struct box_store *inbox;
	pthread_mutex_t inbox_lock;
	/* lock guards what follows */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, pending;
	bool inbox_full;		/* a message waits in the spool for room */
	char *user_text, *service_text; /* the settings of the moment, for the threads */
	unsigned int interval_min;	/* pop.interval */
	unsigned int seq;		/* spool names of this run */
	struct receive_status st;
	pthread_t worker;
	bool worker_started;
	/* The POP check, when one runs; its end is reported on done_fd. */
	pthread_t poll_thread;
	bool poll_running;
	atomic_bool cancel;
	/* Reports about our own messages, for the main loop (notice_fd). */
	struct receive_notice {
		uint32_t job;
		unsigned int dest, code;
		char text[200];
	} notices[RX_NOTICES_MAX];
	unsigned int nnotices;
	receive_notice_fn notice_fn;
	void *notice_arg;
	int epfd, timer_fd, done_fd, notice_fd;
};

/* The POP check, in its own thread (receive_pop.c). */
void *receive_pop_main(void *arg);

/* Spool name for a POP message: "pop-" and 32 hex digits of SHA-256(server, user, uid). */
void receive_pop_name(const char *server, const char *user, const char *uid, char *out,
		      size_t outlen);

/* Wake the worker: new spool files. */
void receive_kick(struct receiver *rx);

/* Copies of the settings for a thread (NULL when out of memory); settings_store_free(). */
struct settings_store *receive_user_settings(struct receiver *rx);
struct settings_store *receive_service_settings(struct receiver *rx);

#endif
