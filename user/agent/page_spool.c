/* Spooled pages (see page_spool.h). */
#include "page_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pnm.h"

#define PAGE_MAGIC "IRSPAGE"
/* Fast: pages are spooled at scanner speed and read back once. */
#define SPOOL_GZ_MODE "wb1"

struct page_writer {
	gzFile gz;
	int fd;
	char path[4096];
	char tmp[4096];
	uint64_t left; /* bytes of rows still expected */
};

static void page_name(char *buf, size_t len, const char *dir, uint32_t n, int tmp)
{
	snprintf(buf, len, tmp ? "%s/.page-%04u.tmp" : "%s/page-%04u.pnm.gz", dir, n);
}

struct page_writer *page_writer_open(const char *dir, uint32_t n, uint32_t width, uint32_t height,
				     unsigned int bpp, unsigned int xres, unsigned int yres,
				     char *err, size_t errlen)
{
	struct page_writer *w = calloc(1, sizeof(*w));
	char hdr[PNM_HEADER_MAX + 64];
	size_t row_bytes;
	int len, plen;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!pnm_page_size(width, height, bpp, &row_bytes, &w->left) || !xres || !yres) {
		snprintf(err, errlen, "page %u: invalid geometry %ux%u, %u bpp, %ux%u dpi", n,
			 width, height, bpp, xres, yres);
		free(w);
		return NULL;
	}
	page_name(w->path, sizeof(w->path), dir, n, 0);
	page_name(w->tmp, sizeof(w->tmp), dir, n, 1);
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (w->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", w->tmp, strerror(errno));
		free(w);
		return NULL;
	}
	/* gzclose() closes its own descriptor; ours stays for fsync. */
	w->gz = gzdopen(dup(w->fd), SPOOL_GZ_MODE);
	len = snprintf(hdr, sizeof(hdr), PAGE_MAGIC " %u %u\n", xres, yres);
	plen = pnm_format_header(hdr + len, sizeof(hdr) - (size_t)len, width, height, bpp);
	if (!w->gz || plen < 0 || gzwrite(w->gz, hdr, (unsigned int)(len + plen)) != len + plen) {
		snprintf(err, errlen, "cannot write %s", w->tmp);
		page_writer_abort(w);
		return NULL;
	}
	return w;
}

int page_writer_rows(struct page_writer *w, const void *rows, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = rows;

	if (len > w->left) {
		snprintf(err, errlen, "more rows than the page has");
		return -1;
	}
	while (len > 0) {
		unsigned int chunk = len > (1u << 30) ? 1u << 30 : (unsigned int)len;

		if (gzwrite(w->gz, p, chunk) != (int)chunk) {
			int e;

			snprintf(err, errlen, "cannot write %s: %s", w->tmp, gzerror(w->gz, &e));
			return -1;
		}
		p += chunk;
		len -= chunk;
		w->left -= chunk;
	}
	return 0;
}

int page_writer_commit(struct page_writer *w, char *err, size_t errlen)
{
	int ret = -1;

	if (w->left != 0) {
		snprintf(err, errlen, "page incomplete: %llu bytes missing",
			 (unsigned long long)w->left);
	} else if (gzclose(w->gz) != Z_OK) {
		w->gz = NULL;
		snprintf(err, errlen, "cannot write %s", w->tmp);
	} else if (w->gz = NULL, fsync(w->fd) < 0 || rename(w->tmp, w->path) < 0) {
		snprintf(err, errlen, "cannot store %s: %s", w->path, strerror(errno));
	} else {
		close(w->fd);
		free(w);
		return 0;
	}
	page_writer_abort(w);
	return ret;
}

void page_writer_abort(struct page_writer *w)
{
	if (!w)
		return;
	if (w->gz)
		gzclose(w->gz);
	if (w->fd >= 0)
		close(w->fd);
	unlink(w->tmp);
	free(w);
}

/* A FILE over a gzFile, so that the PNM reader reads spooled pages as they are. */
static ssize_t gz_cookie_read(void *cookie, char *buf, size_t size)
{
	int n = gzread(cookie, buf, size > (1u << 30) ? 1u << 30 : (unsigned int)size);

	return n < 0 ? -1 : n;
}

static int gz_cookie_close(void *cookie)
{
	return gzclose(cookie) == Z_OK ? 0 : -1;
}

int page_spool_read(const char *dir, uint32_t n, struct page_image *page, char *err, size_t errlen)
{
	static const cookie_io_functions_t io = { .read = gz_cookie_read,
						  .close = gz_cookie_close };
	char path[4096];
	struct pnm_reader r;
	struct pnm_image img;
	unsigned int xres, yres;
	gzFile gz;
	FILE *f;
	void *rows;

	memset(page, 0, sizeof(*page));
	page_name(path, sizeof(path), dir, n, 0);
	gz = gzopen(path, "rbe");
	if (!gz) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	f = fopencookie(gz, "r", io);
	if (!f) {
		gzclose(gz);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fscanf(f, PAGE_MAGIC " %u %u", &xres, &yres) != 2 || fgetc(f) != '\n' || !xres ||
	    !yres) {
		snprintf(err, errlen, "%s is not a spooled page", path);
		fclose(f);
		return -1;
	}
	pnm_reader_init(&r, f);
	if (pnm_next_image(&r, &img) != 1) {
		snprintf(err, errlen, "%s: %s", path, pnm_error(&r));
		fclose(f);
		return -1;
	}
	rows = malloc(img.data_bytes ? img.data_bytes : 1);
	if (!rows || pnm_read_rows(&r, rows, img.height) < 0) {
		snprintf(err, errlen, "%s: %s", path, rows ? pnm_error(&r) : "out of memory");
		free(rows);
		fclose(f);
		return -1;
	}
	fclose(f);
	page->width = img.width;
	page->height = img.height;
	page->stride = img.row_bytes;
	page->bpp = img.bpp;
	page->xres = xres;
	page->yres = yres;
	page->rows = rows;
	return 0;
}

void page_spool_free(struct page_image *page)
{
	free((void *)page->rows);
	page->rows = NULL;
}
