// SPDX-License-Identifier: GPL-2.0
/*
 * The MIME message as a list of segments, literal text or a file to
 * base64-encode, and the reader that walks them a chunk at a time.
 */
#include "mime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "mime_priv.h"

/* Raw bytes read per refill: whole base64 lines, ~56 KiB, ~76 KiB once encoded. */
#define RAW_CHUNK (B64_LINE_RAW * 1000)
#define ENC_CHUNK (RAW_CHUNK / B64_LINE_RAW * (B64_LINE_CHARS + 2))

struct seg {
	char *text; /* literal bytes; NULL for an attachment */
	size_t len;
	char *path; /* attachment: opened while read ... */
	int fd;	    /* ... or a descriptor of our own (dup), -1 */
	uint64_t size;
};

struct mime_msg {
	struct mbuf head; /* the headers up to (not including) Content-Type */
	struct mbuf body; /* the text part's body, already encoded; empty: none */
	const char *charset, *cte;
	struct seg *segs; /* attachments until sealed, then everything */
	size_t nsegs;
	int sealed;
	char boundary[48];
	char *msgid;
	char **rcpt;
	struct mime_envelope env;
	uint64_t total;

	/* The reader. */
	size_t cur;   /* current segment */
	uint64_t off; /* bytes of it given out (text) or read from the file (attachment) */
	int rfd;      /* the attachment being read, -1 */
	char *obuf;   /* encoded lines not yet given out */
	size_t opos, olen;
	unsigned char *rbuf;
	char err[256];
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char r[32];
	size_t got = 0;

	if (bytes > sizeof(r))
		bytes = sizeof(r);
	while (got < bytes) {
		ssize_t n = getrandom(r + got, bytes - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Uniqueness, not secrecy, is what these are for: time and pid do. */
			uint64_t x =
				(uint64_t)time(NULL) * 6364136223846793005ull + (uint64_t)getpid();

			for (; got < bytes;
			     got++, x = x * 6364136223846793005ull + 1442695040888963407ull)
				r[got] = (unsigned char)(x >> 56);
			break;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

static int check_addrs(const char *const *a, size_t n, const char *what, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (!a[i] || !mime_addr_valid(a[i])) {
			/* Addresses are not secrets, but a hostile one could be long or binary. */
			set_err(err, errlen, "%s address %zu is not a usable e-mail address", what,
				i + 1);
			return -1;
		}
	}
	return 0;
}

/* "To:" with every address, folded between them. */
static void addr_list(struct mbuf *b, const char *name, const char *const *a, size_t n)
{
	struct hdr h;

	if (!n)
		return;
	hdr_begin(&h, b, name);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(a[i]);

		if (i + 1 < n) {
			char w[MIME_ADDR_MAX + 2];

			memcpy(w, a[i], len);
			w[len] = ',';
			hdr_word(&h, w, len + 1);
		} else {
			hdr_word(&h, a[i], len);
		}
	}
	hdr_end(&h);
}

static void one_header(struct mbuf *b, const char *name, const char *value)
{
	struct hdr h;

	hdr_begin(&h, b, name);
	hdr_word(&h, value, strlen(value));
	hdr_end(&h);
}

static int add_rcpts(struct mime_msg *m, const char *const *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int dup = 0;

		for (size_t k = 0; k < m->env.nrcpt && !dup; k++)
			dup = !strcasecmp(m->rcpt[k], a[i]);
		if (dup)
			continue;
		m->rcpt[m->env.nrcpt] = strdup(a[i]);
		if (!m->rcpt[m->env.nrcpt])
			return -1;
		m->env.nrcpt++;
	}
	return 0;
}

static int build_headers(struct mime_msg *m, const struct mime_headers *h, const char *domain)
{
	struct mbuf *b = &m->head;
	char date[64];
	struct hdr hd;

	mime_date(date, sizeof(date), h->date ? h->date : time(NULL));
	one_header(b, "Date", date);

	hdr_begin(&hd, b, "From");
	if (h->from_name && *h->from_name)
		hdr_phrase(&hd, h->from_name);
	{
		char a[MIME_ADDR_MAX + 3];
		int n = snprintf(a, sizeof(a), "<%s>", h->from);

		hdr_word(&hd, a, (size_t)n);
	}
	hdr_end(&hd);
	addr_list(b, "To", h->to, h->nto);
	addr_list(b, "Cc", h->cc, h->ncc);
	if (h->reply_to)
		one_header(b, "Reply-To", h->reply_to);
	if (h->subject) {
		char *s = NULL;

		if (h->parts && asprintf(&s, "%s (%u/%u)", h->subject, h->part, h->parts) < 0)
			return -1;
		hdr_begin(&hd, b, "Subject");
		hdr_text(&hd, s ? s : h->subject);
		hdr_end(&hd);
		free(s);
	}

	char id[40];

	random_hex(id, 12);
	if (asprintf(&m->msgid, "<%lld.%s%s%s@%s>", (long long)time(NULL), id,
		     h->msgid_tag ? "." : "", h->msgid_tag ? h->msgid_tag : "", domain) < 0) {
		m->msgid = NULL;
		return -1;
	}
	one_header(b, "Message-ID", m->msgid);
	if (h->kind == MIME_IFAX_FULL) {
		/* RFC 2532 full mode: processing is confirmed by an MDN (RFC 8098 section 2.1). */
		char a[MIME_ADDR_MAX + 3];

		snprintf(a, sizeof(a), "<%s>", h->mdn_to ? h->mdn_to : h->from);
		one_header(b, "Disposition-Notification-To", a);
	}
	one_header(b, "User-Agent", "irsend/" IRSEND_VERSION);
	one_header(b, "MIME-Version", "1.0");
	return b->failed ? -1 : 0;
}

struct mime_msg *mime_new(const struct mime_headers *h, char *err, size_t errlen)
{
	struct mime_msg *m;
	const char *domain;

	if (!h->from || !mime_addr_valid(h->from)) {
		set_err(err, errlen, "the sender is not a usable e-mail address");
		return NULL;
	}
	if (check_addrs(h->to, h->nto, "To", err, errlen) ||
	    check_addrs(h->cc, h->ncc, "Cc", err, errlen) ||
	    check_addrs(h->bcc, h->nbcc, "Bcc", err, errlen))
		return NULL;
	if (!h->nto && !h->ncc) {
		set_err(err, errlen, "no recipient in To or Cc");
		return NULL;
	}
	if ((h->reply_to && !mime_addr_valid(h->reply_to)) ||
	    (h->mdn_to && !mime_addr_valid(h->mdn_to))) {
		set_err(err, errlen, "Reply-To or the MDN address is not a usable e-mail address");
		return NULL;
	}
	if ((h->subject && !utf8_valid(h->subject)) || (h->body && !utf8_valid(h->body)) ||
	    (h->from_name && !utf8_valid(h->from_name))) {
		set_err(err, errlen, "subject, text or sender name is not valid UTF-8");
		return NULL;
	}
	if (h->parts && (!h->part || h->part > h->parts)) {
		set_err(err, errlen, "part %u of %u makes no sense", h->part, h->parts);
		return NULL;
	}
	if (h->msgid_tag &&
	    (!*h->msgid_tag || strlen(h->msgid_tag) > 32 ||
	     strspn(h->msgid_tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789-") != strlen(h->msgid_tag))) {
		set_err(err, errlen, "bad Message-ID tag");
		return NULL;
	}
	domain = h->msgid_domain ? h->msgid_domain : strrchr(h->from, '@') + 1;
	if (!*domain || strlen(domain) > 200 || !mime_ascii_printable(domain) ||
	    strpbrk(domain, " <>@\"\\")) {
		set_err(err, errlen, "bad Message-ID domain");
		return NULL;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		goto oom;
	m->rfd = -1;
	m->rcpt = calloc(h->nto + h->ncc + h->nbcc, sizeof(*m->rcpt));
	m->env.mail_from = strdup(h->from);
	if (!m->rcpt || !m->env.mail_from || add_rcpts(m, h->to, h->nto) ||
	    add_rcpts(m, h->cc, h->ncc) || add_rcpts(m, h->bcc, h->nbcc))
		goto oom;
	m->env.rcpt = (const char *const *)m->rcpt;
	if (build_headers(m, h, domain))
		goto oom;
	/* ENVID is the Message-ID's content: a DSN names it, and it names the job. */
	m->env.envid = strndup(m->msgid + 1, strlen(m->msgid) - 2);
	if (!m->env.envid)
		goto oom;
	/* Failures and delays always come back (#830); I-Fax full mode wants delivery too. */
	m->env.dsn_notify = MIME_NOTIFY_FAILURE | MIME_NOTIFY_DELAY;
	if (h->kind == MIME_IFAX_FULL)
		m->env.dsn_notify |= MIME_NOTIFY_SUCCESS;
	m->env.dsn_ret_hdrs = 1;
	m->env.mdn_requested = h->kind == MIME_IFAX_FULL;
	if (h->body && *h->body) {
		mime_text_body(&m->body, h->body, &m->charset, &m->cte);
		if (m->body.failed)
			goto oom;
	}
	random_hex(m->boundary, 16);
	/* "=_" appears neither in base64 nor in quoted-printable, nor in our 7bit text. */
	memmove(m->boundary + 7, m->boundary, 33);
	memcpy(m->boundary, "=_irs_", 6);
	m->boundary[6] = '.';
	return m;
oom:
	set_err(err, errlen, "out of memory");
	mime_free(m);
	return NULL;
}

static int check_attach(struct mime_msg *m, const char *filename, const char *type, char *err,
			size_t errlen)
{
	struct seg *s;

	if (m->sealed) {
		set_err(err, errlen, "the message is already being read");
		return -1;
	}
	if (!filename || !*filename || strlen(filename) > 255 || strchr(filename, '/') ||
	    !utf8_valid(filename)) {
		set_err(err, errlen, "bad attachment file name");
		return -1;
	}
	for (const char *p = filename; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			set_err(err, errlen, "bad attachment file name");
			return -1;
		}
	}
	if (!type || !*type || strlen(type) > 60 || !mime_ascii_printable(type) ||
	    !strchr(type, '/')) {
		set_err(err, errlen, "bad MIME type for %s", filename);
		return -1;
	}
	s = realloc(m->segs, (m->nsegs + 1) * sizeof(*s));
	if (!s) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	m->segs = s;
	memset(&s[m->nsegs], 0, sizeof(*s));
	s[m->nsegs].fd = -1;
	/* The part's headers ride in text until sealing makes them a segment of their own. */
	struct mbuf hb = { 0 };
	struct hdr h;
	char t[64];

	snprintf(t, sizeof(t), "%s;", type);
	hdr_begin(&h, &hb, "Content-Type");
	hdr_word(&h, t, strlen(t));
	hdr_param(&h, "name", filename);
	hdr_end(&h);
	mb_puts(&hb, "Content-Transfer-Encoding: base64\r\n");
	hdr_begin(&h, &hb, "Content-Disposition");
	hdr_word(&h, "attachment;", 11);
	hdr_param(&h, "filename", filename);
	hdr_end(&h);
	if (hb.failed) {
		free(hb.p);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	s[m->nsegs].text = hb.p;
	s[m->nsegs].len = hb.len;
	return 0;
}

static int attach(struct mime_msg *m, const char *path, int fd, const char *filename,
		  const char *type, char *err, size_t errlen)
{
	struct stat st;
	int own = -1;

	if (check_attach(m, filename, type, err, errlen))
		return -1;
	struct seg *s = &m->segs[m->nsegs];

	if (path) {
		own = open(path, O_RDONLY | O_CLOEXEC);
		if (own < 0 || fstat(own, &st)) {
			set_err(err, errlen, "%s: %s", filename, strerror(errno));
			goto fail;
		}
		close(own);
		own = -1;
		s->path = strdup(path);
		if (!s->path) {
			set_err(err, errlen, "out of memory");
			goto fail;
		}
	} else {
		if (fstat(fd, &st)) {
			set_err(err, errlen, "%s: %s", filename, strerror(errno));
			goto fail;
		}
		s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (s->fd < 0) {
			set_err(err, errlen, "%s: %s", filename, strerror(errno));
			goto fail;
		}
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", filename);
		goto fail;
	}
	s->size = (uint64_t)st.st_size;
	m->nsegs++;
	return 0;
fail:
	if (own >= 0)
		close(own);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->text);
	return -1;
}

int mime_attach_file(struct mime_msg *m, const char *path, const char *filename, const char *type,
		     char *err, size_t errlen)
{
	return attach(m, path, -1, filename, type, err, errlen);
}

int mime_attach_fd(struct mime_msg *m, int fd, const char *filename, const char *type, char *err,
		   size_t errlen)
{
	return attach(m, NULL, fd, filename, type, err, errlen);
}

static int push_text(struct seg **v, size_t *n, struct mbuf *b)
{
	if (b->failed)
		return -1;
	(*v)[*n] = (struct seg){ .text = b->p, .len = b->len, .fd = -1 };
	(*n)++;
	*b = (struct mbuf){ 0 };
	return 0;
}

/*
 * Turn headers, text and attachments into the final list of segments:
 * top headers, text part, then for each attachment its headers and its
 * file, and the closing delimiter. Runs once, at the first size or read.
 */
static int seal(struct mime_msg *m)
{
	size_t natt = m->nsegs, n = 0;
	struct seg *v;
	struct mbuf b = { 0 };

	if (m->sealed)
		return 0;
	v = calloc(2 * natt + 2, sizeof(*v));
	if (!v)
		return -1;
	mb_put(&b, m->head.p, m->head.len);
	if (!natt) {
		if (m->body.len) {
			mb_puts(&b, "Content-Type: text/plain; charset=");
			mb_puts(&b, m->charset);
			mb_puts(&b, "\r\nContent-Transfer-Encoding: ");
			mb_puts(&b, m->cte);
			mb_puts(&b, "\r\n\r\n");
			mb_put(&b, m->body.p, m->body.len);
		} else {
			mb_puts(&b, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
		}
	} else {
		mb_puts(&b, "Content-Type: multipart/mixed;\r\n boundary=\"");
		mb_puts(&b, m->boundary);
		mb_puts(&b, "\"\r\n\r\n");
		if (m->body.len) {
			mb_puts(&b, "--");
			mb_puts(&b, m->boundary);
			mb_puts(&b, "\r\nContent-Type: text/plain; charset=");
			mb_puts(&b, m->charset);
			mb_puts(&b, "\r\nContent-Transfer-Encoding: ");
			mb_puts(&b, m->cte);
			mb_puts(&b, "\r\n\r\n");
			mb_put(&b, m->body.p, m->body.len);
		}
	}
	for (size_t i = 0; i < natt; i++) {
		struct seg *a = &m->segs[i];

		mb_puts(&b, "--");
		mb_puts(&b, m->boundary);
		mb_puts(&b, "\r\n");
		mb_put(&b, a->text, a->len);
		/* An empty file still gets a body line, so the delimiter's CRLF is not the blank
		 * line's. */
		mb_puts(&b, a->size ? "\r\n" : "\r\n\r\n");
		if (push_text(&v, &n, &b))
			goto fail;
		v[n++] = (struct seg){ .path = a->path, .fd = a->fd, .size = a->size };
	}
	if (natt) {
		mb_puts(&b, "--");
		mb_puts(&b, m->boundary);
		mb_puts(&b, "--\r\n");
	}
	if (push_text(&v, &n, &b))
		goto fail;
	/* Paths and descriptors now belong to v; only the part headers (copied) go. */
	for (size_t i = 0; i < natt; i++)
		free(m->segs[i].text);
	free(m->segs);
	m->segs = v;
	m->nsegs = n;
	m->total = 0;
	for (size_t i = 0; i < n; i++)
		m->total += v[i].text ? v[i].len : b64_mime_size(v[i].size);
	m->obuf = malloc(ENC_CHUNK);
	m->rbuf = malloc(RAW_CHUNK);
	if (!m->obuf || !m->rbuf)
		return -1;
	m->sealed = 1;
	return 0;
fail:
	/* Attachments still belong to m->segs; v holds only copies of their names. */
	free(b.p);
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
	return -1;
}

uint64_t mime_size(struct mime_msg *m)
{
	if (seal(m))
		return UINT64_MAX;
	return m->total;
}

static void close_reader(struct mime_msg *m)
{
	if (m->rfd >= 0 && m->rfd != m->segs[m->cur].fd)
		close(m->rfd);
	m->rfd = -1;
	m->opos = m->olen = 0;
}

static ssize_t read_fail(struct mime_msg *m, int e, const char *what)
{
	snprintf(m->err, sizeof(m->err), "attachment %zu: %s", m->cur / 2 + 1, what);
	close_reader(m);
	errno = e;
	return -1;
}

/* Refill obuf from the current attachment; 0 at its end, -1 on error. */
static int refill(struct mime_msg *m, struct seg *s)
{
	struct stat st;
	size_t want, got = 0;

	if (m->rfd < 0) {
		m->rfd = s->path ? open(s->path, O_RDONLY | O_CLOEXEC) : s->fd;
		if (m->rfd < 0)
			return read_fail(m, errno, strerror(errno));
		if (fstat(m->rfd, &st) || (uint64_t)st.st_size != s->size)
			return read_fail(m, EIO, "changed size since it was attached");
	}
	if (m->off == s->size)
		return 0;
	want = s->size - m->off < RAW_CHUNK ? (size_t)(s->size - m->off) : RAW_CHUNK;
	while (got < want) {
		ssize_t n = pread(m->rfd, m->rbuf + got, want - got, (off_t)(m->off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return read_fail(m, errno, strerror(errno));
		if (!n)
			return read_fail(m, EIO, "shrank while being sent");
		got += (size_t)n;
	}
	m->off += got;
	m->olen = b64_encode_lines(m->rbuf, got, m->obuf);
	m->opos = 0;
	return 1;
}

ssize_t mime_read(struct mime_msg *m, void *buf, size_t len)
{
	char *out = buf;
	size_t done = 0;

	if (seal(m)) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		errno = ENOMEM;
		return -1;
	}
	m->err[0] = '\0';
	while (done < len && m->cur < m->nsegs) {
		struct seg *s = &m->segs[m->cur];
		size_t n;

		if (s->text) {
			n = s->len - (size_t)m->off;
			if (n > len - done)
				n = len - done;
			memcpy(out + done, s->text + m->off, n);
			m->off += n;
			done += n;
			if (m->off < s->len)
				continue;
		} else {
			if (m->opos == m->olen) {
				int r = refill(m, s);

				if (r < 0)
					return -1;
				if (r > 0)
					continue;
				close_reader(m);
			} else {
				n = m->olen - m->opos;
				if (n > len - done)
					n = len - done;
				memcpy(out + done, m->obuf + m->opos, n);
				m->opos += n;
				done += n;
				continue;
			}
		}
		m->cur++;
		m->off = 0;
	}
	return (ssize_t)done;
}

int mime_rewind(struct mime_msg *m)
{
	if (seal(m))
		return -1;
	if (m->cur < m->nsegs)
		close_reader(m);
	m->cur = 0;
	m->off = 0;
	m->err[0] = '\0';
	return 0;
}

const char *mime_error(const struct mime_msg *m)
{
	return m->err;
}

const struct mime_envelope *mime_envelope(const struct mime_msg *m)
{
	return &m->env;
}

const char *mime_message_id(const struct mime_msg *m)
{
	return m->msgid;
}

void mime_free(struct mime_msg *m)
{
	if (!m)
		return;
	if (m->cur < m->nsegs)
		close_reader(m);
	for (size_t i = 0; i < m->nsegs; i++) {
		free(m->segs[i].text);
		free(m->segs[i].path);
		if (m->segs[i].fd >= 0)
			close(m->segs[i].fd);
	}
	free(m->segs);
	for (size_t i = 0; i < m->env.nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free((char *)m->env.mail_from);
	free((char *)m->env.envid);
	free(m->msgid);
	free(m->head.p);
	free(m->body.p);
	free(m->obuf);
	free(m->rbuf);
	free(m);
}
