#include "macfilter_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "fsutil.h"

static const char header[] = "# irsend MAC address allow-list: written by irsendctl macfilter,\n"
			     "# put into the kernel by irsendd at start and by\n"
			     "# \"irsendctl macfilter apply\".\n";

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *macfilter_store_path(const char *path)
{
	const char *env = getenv(MACFILTER_STORE_ENV);

	if (path)
		return path;
	return env && *env ? env : MACFILTER_STORE_DEFAULT;
}

void macfilter_store_init(struct macfilter_store *s)
{
	s->enabled = false;
	s->count = 0;
}

long macfilter_store_find(const struct macfilter_store *s, const uint8_t mac[MAC_LEN])
{
	for (size_t i = 0; i < s->count; i++) {
		if (!memcmp(s->macs[i], mac, MAC_LEN))
			return (long)i;
	}
	return -1;
}

int macfilter_store_add(struct macfilter_store *s, const uint8_t mac[MAC_LEN])
{
	if (macfilter_store_find(s, mac) >= 0)
		return 0;
	if (s->count >= MACFILTER_STORE_MAX)
		return -1;
	memcpy(s->macs[s->count++], mac, MAC_LEN);
	return 0;
}

bool macfilter_store_del(struct macfilter_store *s, const uint8_t mac[MAC_LEN])
{
	long i = macfilter_store_find(s, mac);

	if (i < 0)
		return false;
	memmove(s->macs[i], s->macs[i + 1], (s->count - (size_t)i - 1) * MAC_LEN);
	s->count--;
	return true;
}

static bool is_blank(char c)
{
	/* \r too: a file edited on another system still reads. */
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split line into at most max words in place; returns how many there were. */
static int split(char *line, char **words, int max)
{
	int n = 0;

	for (char *p = line; *p;) {
		while (is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (n < max)
			words[n] = p;
		n++;
		while (*p && !is_blank(*p))
			p++;
	}
	return n;
}

/* One line, without its newline. 0, or -1 with a message. */
static int parse_line(struct macfilter_store *s, unsigned int *lines, unsigned int *enabled_line,
		      const char *name, unsigned int no, char *line, char *err, size_t errlen)
{
	char *w[2];
	int n = split(line, w, 2);
	uint8_t mac[MAC_LEN];
	const char *why;
	long i;

	if (!n || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "enabled")) {
		if (n != 2 || (strcmp(w[1], "on") && strcmp(w[1], "off")))
			return fail(err, errlen,
				    "%s: line %u: expected \"enabled on\" or \"enabled off\"", name,
				    no);
		if (*enabled_line)
			return fail(err, errlen,
				    "%s: line %u: a second \"enabled\" line (the first is line %u)",
				    name, no, *enabled_line);
		*enabled_line = no;
		s->enabled = w[1][1] == 'n';
		return 0;
	}
	if (strcmp(w[0], "mac"))
		return fail(err, errlen,
			    "%s: line %u: unknown keyword '%.32s': expected \"enabled\" or \"mac\"",
			    name, no, w[0]);
	if (n != 2)
		return fail(err, errlen, "%s: line %u: expected \"mac\" and one MAC address", name,
			    no);
	if (!mac_parse(w[1], mac))
		return fail(err, errlen,
			    "%s: line %u: '%.32s' is not a MAC address: expected aa:bb:cc:dd:ee:ff",
			    name, no, w[1]);
	why = mac_not_unicast(mac);
	if (why)
		return fail(err, errlen,
			    "%s: line %u: %s is %s: only a unicast address names one host", name,
			    no, w[1], why);
	i = macfilter_store_find(s, mac);
	if (i >= 0)
		return fail(err, errlen, "%s: line %u: %s is listed twice (first on line %u)", name,
			    no, w[1], lines[i]);
	if (s->count >= MACFILTER_STORE_MAX)
		return fail(err, errlen, "%s: line %u: more than %d addresses", name, no,
			    MACFILTER_STORE_MAX);
	lines[s->count] = no;
	memcpy(s->macs[s->count++], mac, MAC_LEN);
	return 0;
}

int macfilter_store_parse(struct macfilter_store *s, const char *name, const char *buf, size_t len,
			  char *err, size_t errlen)
{
	unsigned int lines[MACFILTER_STORE_MAX]; /* of each address: for a duplicate */
	unsigned int no = 0, enabled_line = 0;
	char line[MACFILTER_STORE_MAX_LINE + 1];

	macfilter_store_init(s);
	if (len > MACFILTER_STORE_MAX_BYTES)
		return fail(err, errlen, "%s: larger than %d KiB: not a saved MAC allow-list", name,
			    MACFILTER_STORE_MAX_BYTES / 1024);
	for (size_t pos = 0; pos < len;) {
		const char *end = memchr(buf + pos, '\n', len - pos);
		size_t n = (end ? (size_t)(end - buf) : len) - pos;

		no++;
		if (n > MACFILTER_STORE_MAX_LINE) {
			fail(err, errlen, "%s: line %u: longer than %d characters", name, no,
			     MACFILTER_STORE_MAX_LINE);
			goto bad;
		}
		if (memchr(buf + pos, '\0', n)) {
			fail(err, errlen, "%s: line %u: a NUL byte: not a text file", name, no);
			goto bad;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (parse_line(s, lines, &enabled_line, name, no, line, err, errlen))
			goto bad;
		pos += n + 1;
	}
	return 0;
bad:
	macfilter_store_init(s);
	return -1;
}

int macfilter_store_load(struct macfilter_store *s, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n = 0;
	size_t len = 0;
	int fd, ret;

	macfilter_store_init(s);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "%s: not a regular file", path);
	}
	/* One byte more than allowed, so that a file that grew is still caught. */
	buf = malloc(MACFILTER_STORE_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return fail(err, errlen, "%s: out of memory", path);
	}
	while (len <= MACFILTER_STORE_MAX_BYTES) {
		n = read(fd, buf + len, MACFILTER_STORE_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (n < 0) {
		ret = fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	} else {
		ret = macfilter_store_parse(s, path, buf, len, err, errlen);
	}
	free(buf);
	close(fd);
	return ret;
}

/* The directory of path and its last component, split in place in copy. */
static void split_path(char *copy, const char **dir, const char **name)
{
	char *slash = strrchr(copy, '/');

	if (!slash) {
		*dir = ".";
		*name = copy;
	} else if (slash == copy) {
		*dir = "/";
		*name = copy + 1;
	} else {
		*slash = '\0';
		*dir = copy;
		*name = slash + 1;
	}
}

int macfilter_store_save(const struct macfilter_store *s, const char *path, char *err,
			 size_t errlen)
{
	struct atomic_file af;
	const char *dir, *name;
	char *copy, *text;
	size_t len;
	FILE *f;
	int ret = -1;

	copy = strdup(path);
	f = open_memstream(&text, &len);
	if (!copy || !f) {
		if (f)
			fclose(f);
		free(copy);
		return fail(err, errlen, "%s: out of memory", path);
	}
	fprintf(f, "%senabled %s\n", header, s->enabled ? "on" : "off");
	for (size_t i = 0; i < s->count; i++) {
		char m[MAC_STR_LEN];

		mac_format(s->macs[i], m);
		fprintf(f, "mac %s\n", m);
	}
	if (fclose(f)) {
		free(copy);
		return fail(err, errlen, "%s: out of memory", path);
	}
	split_path(copy, &dir, &name);
	if (!*name) {
		fail(err, errlen, "%s: names a directory, not a file", path);
		goto out;
	}
	/* The agent's state directory may not exist yet on a fresh system. */
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fail(err, errlen, "%s: cannot create the directory %s: %s", path, dir,
		     strerror(errno));
		goto out;
	}
	if (atomic_file_create(&af, dir, name)) {
		fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	if (atomic_file_write(&af, text, len)) {
		fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		atomic_file_abort(&af);
		goto out;
	}
	if (atomic_file_commit(&af)) {
		fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	/* The rename itself must survive a power cut, or the old list comes back. */
	if (fsync_dir(dir)) {
		fail(err, errlen, "%s: cannot sync the directory %s: %s", path, dir,
		     strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(text);
	free(copy);
	return ret;
}
