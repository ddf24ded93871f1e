// SPDX-License-Identifier: GPL-2.0
/*
 * rx_message_process(): the message is mapped (never more than
 * max_message_bytes), parsed into its MIME tree, walked (rx_walk.c), and
 * what it carries is written: text.txt as it goes, document.tif once
 * every TIFF has been validated, raw.eml for RAW-DATA.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rx_priv.h"

void rx_error(struct rx_ctx *c, unsigned code, const char *fmt, ...)
{
	char buf[sizeof(c->res->detail)];
	va_list ap;

	if (c->res->errcode)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->res->errcode = code;
	/* Types and numbers only go in, but one line of printable ASCII is the promise. */
	rx_clean_ascii(c->res->detail, sizeof(c->res->detail), buf, strlen(buf));
}

void *rx_own(struct rx_ctx *c, void *p)
{
	void **o;

	if (!p)
		return NULL;
	o = realloc(c->owned, (c->nowned + 1) * sizeof(*o));
	if (!o) {
		free(p);
		return NULL;
	}
	c->owned = o;
	c->owned[c->nowned++] = p;
	return p;
}

const char *rx_kind_name(enum rx_kind kind)
{
	switch (kind) {
	case RX_IFAX:
		return "ifax";
	case RX_DSN:
		return "dsn";
	case RX_MDN:
		return "mdn";
	default:
		return "text";
	}
}

static int write_all(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	const char *p = data;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n < 0 ? errno : EIO;
			close(fd);
			errno = saved;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* The pages of every TIFF that validated, in order, as document.tif. */
static void write_document(struct rx_ctx *c)
{
	struct rx_tiff_out *out;
	unsigned page = 0;
	char path[4096];

	snprintf(path, sizeof(path), "%s/document.tif", c->out_dir);
	out = rx_tiff_out_open(path);
	for (size_t k = 0; out && k < c->ntiffs; k++)
		if (rx_tiff_append(out, c->tiffs[k].data, c->tiffs[k].len, c->tiffs[k].pages, &page,
				   c->pages))
			break;
	if (rx_tiff_out_close(out) || page != c->pages) {
		c->io_errno = errno ? errno : EIO;
	} else {
		c->res->pages = c->pages;
		c->res->has_document = true;
	}
}

/* A message too large to look at: #819 and nothing else. */
static int refuse_size(struct rx_result *res, uint64_t len, size_t max)
{
	memset(res, 0, sizeof(*res));
	res->kind = RX_TEXT;
	res->errcode = IRS_E_RX_MIME;
	snprintf(res->detail, sizeof(res->detail),
		 "the message is %llu bytes, over the limit of %zu", (unsigned long long)len, max);
	return 0;
}

int rx_message_process_mem(const void *msg, size_t len, const char *out_dir,
			   const struct rx_limits *lim, struct rx_result *res)
{
	struct rx_ctx c = { .lim = *lim, .res = res, .out_dir = out_dir };
	int rc = 0;

	memset(res, 0, sizeof(*res));
	res->kind = RX_TEXT;
	if (!c.lim.max_pages)
		c.lim.max_pages = RX_DEFAULT_MAX_PAGES;
	if (!c.lim.max_message_bytes)
		c.lim.max_message_bytes = RX_DEFAULT_MAX_MESSAGE_BYTES;
	if (!c.lim.max_image_bytes)
		c.lim.max_image_bytes = RX_DEFAULT_MAX_IMAGE_BYTES;
	c.budget = c.lim.max_image_bytes;
	if (len > c.lim.max_message_bytes)
		return refuse_size(res, len, c.lim.max_message_bytes);
	if (c.lim.raw_data && write_all(out_dir, "raw.eml", msg, len))
		return -1;
	if (rx_mime_parse(&c, msg, len)) {
		c.io_errno = ENOMEM;
	} else {
		rx_walk(&c);
		if (c.saw_tiff && res->kind == RX_TEXT)
			res->kind = RX_IFAX;
		if (c.pages && !c.io_errno)
			write_document(&c);
	}
	if (c.text && (fclose(c.text) || c.io_errno) && !c.io_errno)
		c.io_errno = errno ? errno : EIO;
	for (size_t i = 0; i < c.nowned; i++)
		free(c.owned[i]);
	free(c.owned);
	free(c.tiffs);
	free(c.parts);
	if (c.io_errno) {
		errno = c.io_errno;
		rc = -1;
	}
	return rc;
}

int rx_message_process(const char *msg_path, const char *out_dir, const struct rx_limits *lim,
		       struct rx_result *res)
{
	size_t max = lim->max_message_bytes ? lim->max_message_bytes : RX_DEFAULT_MAX_MESSAGE_BYTES;
	int fd = open(msg_path, O_RDONLY | O_CLOEXEC), rc, saved;
	struct stat st = { 0 };
	void *map;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		saved = S_ISREG(st.st_mode) || !st.st_mode ? errno
							   : EINVAL; /* EINVAL: not a file */
		close(fd);
		errno = saved ? saved : EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return refuse_size(res, (uint64_t)st.st_size, max);
	}
	if (!st.st_size) {
		close(fd);
		return rx_message_process_mem("", 0, out_dir, lim, res);
	}
	/* The spool file is ours alone: nobody truncates it under the mapping. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = saved;
		return -1;
	}
	rc = rx_message_process_mem(map, (size_t)st.st_size, out_dir, lim, res);
	saved = errno;
	munmap(map, (size_t)st.st_size);
	errno = saved;
	return rc;
}
