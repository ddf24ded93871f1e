// SPDX-License-Identifier: GPL-2.0
/*
 * The streaming encoder: pages are checked in the caller, compressed
 * (in the caller, or by a pool of worker threads when asked) and written
 * to the container strictly in page order by the caller's thread, so the
 * container code never needs a lock. With workers, a page's rows are
 * copied into one of threads + 1 slots, because the caller's buffer (a
 * ring slot) is only lent for the call; when every slot is taken the
 * caller waits for the oldest page and writes it, which bounds memory to
 * a few pages whatever the page count.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "encode_priv.h"

/* More workers than this buys nothing on the device and costs a page of memory each. */
#define MAX_THREADS 16

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct slot {
	enum slot_state state;
	uint32_t pageno;
	struct page_image page; /* rows point into copy */
	unsigned char *copy;
	size_t copy_cap;
	struct page_blob blob;
	int rc;
	char err[256];
};

struct encoder {
	enum encode_format fmt;
	struct encode_options opt;
	char *dir, *base;
	uint32_t pages; /* accepted */
	bool failed;

	/* One file (PDF, TIFF), or the closed per-page files of a split PDF. */
	struct outfile out;
	bool have_out;
	struct pdf_doc *pdf;
	struct tiff_doc *tiff;
	struct outfile *parts;
	size_t nparts, parts_cap;

	/* The worker pool; nthreads 0 compresses in the caller. */
	unsigned int nthreads, started;
	pthread_t *threads;
	struct slot *slots;
	unsigned int nslots, head, count;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	bool stop;
};

static bool is_tiff(enum encode_format fmt)
{
	return fmt == ENCODE_TIFF_MH || fmt == ENCODE_TIFF_MR || fmt == ENCODE_TIFF_MMR ||
	       fmt == ENCODE_IFAX;
}

static struct slot *next_queued(struct encoder *e)
{
	for (unsigned int i = 0; i < e->count; i++) {
		struct slot *s = &e->slots[(e->head + i) % e->nslots];

		if (s->state == SLOT_QUEUED)
			return s;
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct encoder *e = arg;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		struct slot *s;

		while (!e->stop && !(s = next_queued(e)))
			pthread_cond_wait(&e->work, &e->lock);
		if (e->stop)
			break;
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&e->lock);
		s->err[0] = 0;
		s->rc = page_encode(e->fmt, &e->opt, &s->page, &s->blob, s->err, sizeof(s->err));
		pthread_mutex_lock(&e->lock);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&e->done);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static void stop_workers(struct encoder *e)
{
	if (!e->started)
		return;
	pthread_mutex_lock(&e->lock);
	e->stop = true;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
	for (unsigned int i = 0; i < e->started; i++)
		pthread_join(e->threads[i], NULL);
	e->started = 0;
}

static int add_part(struct encoder *e, const struct outfile *of)
{
	if (e->nparts == e->parts_cap) {
		size_t cap = e->parts_cap ? e->parts_cap * 2 : 16;
		struct outfile *p = realloc(e->parts, cap * sizeof(*p));

		if (!p)
			return -1;
		e->parts = p;
		e->parts_cap = cap;
	}
	e->parts[e->nparts++] = *of;
	return 0;
}

/* Put one compressed page into the document, in page order. */
static int write_blob(struct encoder *e, const struct page_blob *b, char *err, size_t errlen)
{
	struct outfile of;
	struct pdf_doc *pdf;
	char name[512];

	if (e->fmt == ENCODE_PDF)
		return pdf_add_page(e->pdf, b, err, errlen);
	if (is_tiff(e->fmt))
		return tiff_add_page(e->tiff, b, err, errlen);
	/* Split PDF: a whole file per page, kept under its temporary name until finish. */
	snprintf(name, sizeof(name), "%s-%04u.pdf", e->base, (unsigned int)e->nparts + 1);
	if (outfile_create(&of, e->dir, name, err, errlen))
		return -1;
	pdf = pdf_begin(&of, err, errlen);
	if (!pdf || pdf_add_page(pdf, b, err, errlen)) {
		pdf_free(pdf);
		outfile_discard(&of, false);
		return -1;
	}
	if (pdf_end(pdf, err, errlen) || outfile_close(&of, err, errlen)) {
		outfile_discard(&of, false);
		return -1;
	}
	if (add_part(e, &of)) {
		outfile_discard(&of, false);
		enc_errf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Wait for the oldest page in the pool (if wait) and write it: 1 written, 0 not ready, -1. */
static int write_head(struct encoder *e, bool wait, char *err, size_t errlen)
{
	struct slot *s;
	bool ready;
	int rc;

	pthread_mutex_lock(&e->lock);
	if (!e->count) {
		pthread_mutex_unlock(&e->lock);
		return 0;
	}
	s = &e->slots[e->head];
	while (wait && s->state != SLOT_DONE)
		pthread_cond_wait(&e->done, &e->lock);
	ready = s->state == SLOT_DONE;
	pthread_mutex_unlock(&e->lock);
	if (!ready)
		return 0;
	/* A done slot is the writer's alone until it is freed. */
	if (s->rc) {
		enc_errf(err, errlen, "page %u: %s", s->pageno, s->err);
		rc = -1;
	} else {
		char msg[256] = "";

		rc = write_blob(e, &s->blob, msg, sizeof(msg));
		if (rc)
			enc_errf(err, errlen, "page %u: %s", s->pageno, msg);
	}
	page_blob_free(&s->blob);
	pthread_mutex_lock(&e->lock);
	s->state = SLOT_FREE;
	e->head = (e->head + 1) % e->nslots;
	e->count--;
	pthread_mutex_unlock(&e->lock);
	return rc ? -1 : 1;
}

static int start_pool(struct encoder *e, char *err, size_t errlen)
{
	e->nslots = e->nthreads + 1;
	e->slots = calloc(e->nslots, sizeof(*e->slots));
	e->threads = calloc(e->nthreads, sizeof(*e->threads));
	if (!e->slots || !e->threads) {
		enc_errf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < e->nthreads; i++) {
		int rc = pthread_create(&e->threads[i], NULL, worker, e);

		if (rc) {
			enc_errf(err, errlen, "starting encoder threads: %s", strerror(rc));
			return -1;
		}
		e->started++;
	}
	return 0;
}

static bool base_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n && n < 200 && s[0] != '.' && !strchr(s, '/');
}

struct encoder *encoder_open(enum encode_format fmt, const char *out_dir, const char *base_name,
			     const struct encode_options *opt, char *err, size_t errlen)
{
	struct encoder *e;
	char name[256];

	if (!encode_format_name(fmt)) {
		enc_errf(err, errlen, "unknown format %d: use %s", (int)fmt, ENCODE_FORMAT_CHOICES);
		return NULL;
	}
	if (!out_dir || !*out_dir) {
		enc_errf(err, errlen, "no output directory");
		return NULL;
	}
	if (!base_name_ok(base_name)) {
		enc_errf(err, errlen,
			 "invalid document name \"%s\": 1..199 characters, no '/', "
			 "not starting with '.'",
			 base_name ? base_name : "");
		return NULL;
	}
	if (opt && opt->jpeg_quality > 100) {
		enc_errf(err, errlen, "JPEG quality %u: use 1..100", opt->jpeg_quality);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		enc_errf(err, errlen, "out of memory");
		return NULL;
	}
	e->fmt = fmt;
	if (opt)
		e->opt = *opt;
	e->out.fd = -1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->work, NULL);
	pthread_cond_init(&e->done, NULL);
	e->dir = strdup(out_dir);
	e->base = strdup(base_name);
	if (!e->dir || !e->base) {
		enc_errf(err, errlen, "out of memory");
		goto fail;
	}
	e->nthreads = e->opt.threads > 1 ? e->opt.threads : 0;
	if (e->nthreads > MAX_THREADS)
		e->nthreads = MAX_THREADS;
	if (e->nthreads && start_pool(e, err, errlen))
		goto fail;
	if (fmt == ENCODE_PDF_SPLIT)
		return e;
	snprintf(name, sizeof(name), "%s.%s", base_name, encode_format_extension(fmt));
	if (outfile_create(&e->out, out_dir, name, err, errlen))
		goto fail;
	e->have_out = true;
	if (fmt == ENCODE_PDF)
		e->pdf = pdf_begin(&e->out, err, errlen);
	else
		e->tiff = tiff_begin(&e->out, err, errlen);
	if (!e->pdf && !e->tiff)
		goto fail;
	return e;
fail:
	encoder_abort(e);
	return NULL;
}

/* A copy of the page's rows, packed, in the slot's own buffer. */
static int copy_page(struct slot *s, const struct page_image *pg)
{
	size_t row = page_row_bytes(pg->width, pg->bpp);
	size_t need = row * pg->height;

	if (need > s->copy_cap) {
		unsigned char *p = realloc(s->copy, need);

		if (!p)
			return -1;
		s->copy = p;
		s->copy_cap = need;
	}
	for (uint32_t y = 0; y < pg->height; y++)
		memcpy(s->copy + (size_t)y * row,
		       (const unsigned char *)pg->rows + (size_t)y * pg->stride, row);
	s->page = *pg;
	s->page.stride = row;
	s->page.rows = s->copy;
	return 0;
}

int encoder_add_page(struct encoder *e, const struct page_image *page, char *err, size_t errlen)
{
	char msg[256] = "";
	uint32_t pageno;
	struct slot *s;

	if (!e) {
		enc_errf(err, errlen, "no encoder");
		return -1;
	}
	if (e->failed) {
		enc_errf(err, errlen, "the document already failed");
		return -1;
	}
	pageno = e->pages + 1;
	if (!page_acceptable(e->fmt, &e->opt, page, msg, sizeof(msg))) {
		/* A bad page is refused alone; the document can go on without it. */
		enc_errf(err, errlen, "page %u: %s", pageno, msg);
		return -1;
	}
	if (!e->nthreads) {
		struct page_blob b = { 0 };
		int rc = page_encode(e->fmt, &e->opt, page, &b, msg, sizeof(msg));

		if (!rc)
			rc = write_blob(e, &b, msg, sizeof(msg));
		page_blob_free(&b);
		if (rc) {
			enc_errf(err, errlen, "page %u: %s", pageno, msg);
			e->failed = true;
			return -1;
		}
		e->pages++;
		return 0;
	}
	/* Free a slot: write what is done, and wait for the oldest page if all are taken. */
	for (;;) {
		int rc = write_head(e, e->count == e->nslots, err, errlen);

		if (rc < 0) {
			e->failed = true;
			return -1;
		}
		if (!rc && e->count < e->nslots)
			break;
	}
	s = &e->slots[(e->head + e->count) % e->nslots];
	if (copy_page(s, page)) {
		enc_errf(err, errlen, "page %u: out of memory", pageno);
		e->failed = true;
		return -1;
	}
	s->pageno = pageno;
	pthread_mutex_lock(&e->lock);
	s->state = SLOT_QUEUED;
	e->count++;
	pthread_cond_signal(&e->work);
	pthread_mutex_unlock(&e->lock);
	e->pages++;
	return 0;
}

static int fill_result(struct encoder *e, struct encode_result *res, char *err, size_t errlen)
{
	size_t n = e->fmt == ENCODE_PDF_SPLIT ? e->nparts : 1;
	struct outfile *files = e->fmt == ENCODE_PDF_SPLIT ? e->parts : &e->out;

	memset(res, 0, sizeof(*res));
	res->files = calloc(n, sizeof(*res->files));
	if (!res->files)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct encode_file *f = &res->files[i];
		struct stat st;

		f->path = strdup(files[i].path);
		if (!f->path)
			goto oom;
		res->nfiles++;
		f->pages = e->fmt == ENCODE_PDF_SPLIT ? 1 : e->pages;
		if (!stat(f->path, &st))
			f->bytes = (uint64_t)st.st_size;
		res->bytes += f->bytes;
	}
	res->pages = e->pages;
	return 0;
oom:
	encode_result_free(res);
	enc_errf(err, errlen, "out of memory");
	return -1;
}

/* Rename every file into place; undo the ones already renamed if one fails. */
static int publish(struct encoder *e, char *err, size_t errlen)
{
	size_t n = e->fmt == ENCODE_PDF_SPLIT ? e->nparts : 1;
	struct outfile *files = e->fmt == ENCODE_PDF_SPLIT ? e->parts : &e->out;

	for (size_t i = 0; i < n; i++) {
		if (outfile_publish(&files[i], err, errlen)) {
			for (size_t j = 0; j < i; j++)
				outfile_discard(&files[j], true);
			return -1;
		}
	}
	return outfile_sync_dir(e->dir, err, errlen);
}

int encoder_finish(struct encoder *e, struct encode_result *res, char *err, size_t errlen)
{
	struct encode_result tmp;
	int rc;

	if (!e) {
		enc_errf(err, errlen, "no encoder");
		return -1;
	}
	if (res)
		memset(res, 0, sizeof(*res));
	if (e->failed) {
		enc_errf(err, errlen, "the document already failed");
		goto fail;
	}
	while ((rc = write_head(e, true, err, errlen)) > 0)
		;
	if (rc < 0)
		goto fail;
	stop_workers(e);
	if (!e->pages) {
		enc_errf(err, errlen, "a document needs at least one page");
		goto fail;
	}
	if (e->pdf) {
		rc = pdf_end(e->pdf, err, errlen);
		e->pdf = NULL;
		if (rc)
			goto fail;
	}
	if (e->tiff) {
		rc = tiff_end(e->tiff, err, errlen);
		e->tiff = NULL;
		if (rc)
			goto fail;
	}
	if (e->have_out && outfile_close(&e->out, err, errlen))
		goto fail;
	if (publish(e, err, errlen))
		goto fail;
	if (fill_result(e, res ? res : &tmp, err, errlen)) {
		/* The files are in place; only the report is missing. */
		e->nparts = 0;
		e->have_out = false;
		goto fail;
	}
	if (!res)
		encode_result_free(&tmp);
	/* Published: nothing left for abort to remove. */
	for (size_t i = 0; i < e->nparts; i++)
		outfile_discard(&e->parts[i], false);
	e->nparts = 0;
	if (e->have_out)
		outfile_discard(&e->out, false);
	e->have_out = false;
	encoder_abort(e);
	return 0;
fail:
	encoder_abort(e);
	return -1;
}

void encoder_abort(struct encoder *e)
{
	if (!e)
		return;
	stop_workers(e);
	for (unsigned int i = 0; i < e->nslots; i++) {
		page_blob_free(&e->slots[i].blob);
		free(e->slots[i].copy);
	}
	free(e->slots);
	free(e->threads);
	pdf_free(e->pdf);
	tiff_free(e->tiff);
	if (e->have_out)
		outfile_discard(&e->out, true);
	for (size_t i = 0; i < e->nparts; i++)
		outfile_discard(&e->parts[i], true);
	free(e->parts);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->work);
	pthread_cond_destroy(&e->done);
	free(e->dir);
	free(e->base);
	free(e);
}

void encode_result_free(struct encode_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nfiles; i++)
		free(res->files[i].path);
	free(res->files);
	memset(res, 0, sizeof(*res));
}
