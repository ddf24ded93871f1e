/* Delivery threads (see deliver_task.h). */
#include "deliver_task.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *deliver_thread(void *arg)
{
	struct deliver_task *t = arg;
	ssize_t n;

	if (t->target.type == JOB_DEST_SMB || t->target.type == JOB_DEST_FTP)
		deliver_file(t);
	else
		deliver_mail(t);
	/* A pointer is less than PIPE_BUF: the write is whole. */
	do
		n = write(t->wake_fd, &t, sizeof(t));
	while (n < 0 && errno == EINTR);
	return NULL;
}

int deliver_task_start(struct deliver_task *t)
{
	pthread_attr_t attr;
	pthread_t tid;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&tid, &attr, deliver_thread, t);
	pthread_attr_destroy(&attr);
	if (ret) {
		errno = ret;
		return -1;
	}
	return 0;
}

void deliver_task_free(struct deliver_task *t)
{
	if (!t)
		return;
	free(t->files);
	free(t->user_settings);
	free(t->service_settings);
	free(t);
}
