/* Spooling a client's files in a thread (see spool_task.h). */
#include "spool_task.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "page_spool.h"
#include "pnm.h"
#include "server_priv.h"

/* Pages one job may have, whatever their source. */
#define JOB_MAX_PAGES 1000
/* Rows read from a client's file at a time. */
#define SPOOL_CHUNK_ROWS 64

static long task_fail(struct spool_task *t, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static long task_fail(struct spool_task *t, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(t->code, sizeof(t->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* One page of the reader into the spool: 0, or -1 with err. */
static int spool_page(struct pnm_reader *rd, const struct pnm_image *img, const char *dir,
		      uint32_t n, unsigned int xres, unsigned int yres, char *err, size_t errlen)
{
	struct page_writer *w = page_writer_open(dir, n, img->width, img->height, img->bpp, xres,
						 yres, err, errlen);
	unsigned char *buf = malloc(img->row_bytes * SPOOL_CHUNK_ROWS);
	int ret = w && buf ? 0 : -1;

	if (w && !buf)
		snprintf(err, errlen, "out of memory");
	for (uint32_t y = 0; ret == 0 && y < img->height; y += SPOOL_CHUNK_ROWS) {
		uint32_t rows =
			img->height - y < SPOOL_CHUNK_ROWS ? img->height - y : SPOOL_CHUNK_ROWS;

		if (pnm_read_rows(rd, buf, rows) < 0) {
			snprintf(err, errlen, "%s", pnm_error(rd));
			ret = -1;
		} else if (page_writer_rows(w, buf, img->row_bytes * rows, err, errlen) < 0) {
			ret = -1;
		}
	}
	free(buf);
	if (ret == 0)
		return page_writer_commit(w, err, errlen);
	page_writer_abort(w);
	return -1;
}

static long spool_files(struct spool_task *t)
{
	long pages = 0;

	for (size_t i = 0; i < t->nfds; i++) {
		struct pnm_reader rd;
		struct pnm_image img;
		char err[300];
		FILE *f = fdopen(t->fds[i], "rb");
		int ret;

		if (!f)
			return task_fail(t, "EIO", "send: file %zu: %s", i + 1, strerror(errno));
		t->fds[i] = -1; /* the FILE owns it now */
		pnm_reader_init(&rd, f);
		while ((ret = pnm_next_image(&rd, &img)) == 1) {
			if (++pages > JOB_MAX_PAGES) {
				fclose(f);
				return task_fail(t, "E2BIG", "send: more than %d pages",
						 JOB_MAX_PAGES);
			}
			if (spool_page(&rd, &img, t->dir, (uint32_t)pages, t->xres, t->yres, err,
				       sizeof(err)) < 0) {
				fclose(f);
				return task_fail(t, "EINVAL", "send: file %zu, page %ld: %s", i + 1,
						 pages, err);
			}
		}
		fclose(f);
		if (ret < 0 || rd.images == 0)
			return task_fail(t, "EINVAL", "send: file %zu: %s", i + 1,
					 ret < 0 ? pnm_error(&rd) : "no image in it");
	}
	return pages;
}

static void *spool_thread(void *arg)
{
	struct spool_task *t = arg;
	ssize_t n;

	t->pages = spool_files(t);
	for (size_t i = 0; i < t->nfds; i++)
		if (t->fds[i] >= 0)
			close(t->fds[i]);
	/* A pointer is less than PIPE_BUF: the write is whole. */
	do
		n = write(t->srv->task_wake[1], &t, sizeof(t));
	while (n < 0 && errno == EINTR);
	return NULL;
}

int spool_task_start(struct spool_task *t)
{
	pthread_attr_t attr;
	pthread_t tid;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&tid, &attr, spool_thread, t);
	pthread_attr_destroy(&attr);
	if (ret) {
		errno = ret;
		return -1;
	}
	t->client->busy++;
	return 0;
}

static void finish(struct server *s, struct spool_task *t)
{
	struct engine *e = s->engine;
	struct request r = { .srv = s, .client = t->client, .id = t->req_id, .cmd = "send" };
	char err[300];

	t->client->busy--;
	if (t->pages < 0) {
		engine_abandon(e, t->spec.id);
		reply_error(&r, t->code, "%s", t->message);
		return;
	}
	/* Whole and journalled: the job is taken even if its client has gone. */
	if (engine_submit(e, &t->spec, (uint32_t)t->pages, err, sizeof(err)) < 0) {
		engine_abandon(e, t->spec.id);
		reply_error(&r, "#702", "send: %s", err);
		return;
	}
	send_accepted(&r, t->spec.id, t->follow);
}

void spool_task_collect(struct server *s)
{
	struct spool_task *t;

	while (read(s->task_wake[0], &t, sizeof(t)) == (ssize_t)sizeof(t)) {
		finish(s, t);
		free(t);
	}
}
