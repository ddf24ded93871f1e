/* Destinations, user names, file names and the URLs libsmbclient takes. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "smb_priv.h"

/* Copy n bytes of s into out (size bytes): 0, or -1 when it does not fit or is empty. */
static int put_part(char *out, size_t size, const char *s, size_t n)
{
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int is_sep(char c)
{
	return c == '\\' || c == '/';
}

int smb_dest_parse(const char *in, struct smb_dest *d)
{
	const char *p = in, *e;
	size_t len = 0;

	memset(d, 0, sizeof(*d));
	if (!in || !is_sep(p[0]) || !is_sep(p[1]))
		return -1;
	p += 2;
	for (e = p; *e && !is_sep(*e); e++)
		;
	if (put_part(d->host, sizeof(d->host), p, (size_t)(e - p)))
		return -1;
	for (p = e; is_sep(*p); p++)
		;
	for (e = p; *e && !is_sep(*e); e++)
		;
	if (put_part(d->share, sizeof(d->share), p, (size_t)(e - p)))
		return -1;
	/* The rest, one '/' between components whatever separators came in. */
	for (p = e; *p;) {
		while (is_sep(*p))
			p++;
		for (e = p; *e && !is_sep(*e); e++)
			;
		if (e == p)
			break;
		if ((e - p == 1 && p[0] == '.') || (e - p == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (len + (len > 0) + (size_t)(e - p) >= sizeof(d->dir))
			return -1;
		if (len)
			d->dir[len++] = '/';
		memcpy(d->dir + len, p, (size_t)(e - p));
		len += (size_t)(e - p);
		d->dir[len] = '\0';
		p = e;
	}
	return 0;
}

int smb_user_parse(const char *in, struct smb_user *u)
{
	const char *sep;

	memset(u, 0, sizeof(*u));
	if (!in || !*in)
		return 0;
	sep = strchr(in, '\\');
	if (sep) {
		if (put_part(u->domain, sizeof(u->domain), in, (size_t)(sep - in)))
			return -1;
		in = sep + 1;
		return put_part(u->name, sizeof(u->name), in, strlen(in));
	}
	sep = strrchr(in, '@');
	if (sep) {
		if (put_part(u->name, sizeof(u->name), in, (size_t)(sep - in)))
			return -1;
		return put_part(u->domain, sizeof(u->domain), sep + 1, strlen(sep + 1));
	}
	return put_part(u->name, sizeof(u->name), in, strlen(in));
}

int smb_name_valid(const char *name)
{
	size_t n;
	const unsigned char *p;

	if (!name)
		return 0;
	n = strlen(name);
	if (n == 0 || n >= IRS_SMB_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	/* Windows drops a trailing dot or space: the name would change under us. */
	if (name[n - 1] == '.' || name[n - 1] == ' ')
		return 0;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || strchr("/\\:*?\"<>|", *p))
			return 0;
	return 1;
}

/* Percent-encode s (keep_slash: '/' stays) onto out at *len; -1 when out is full. */
static int escape(char *out, size_t size, size_t *len, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
			    (keep_slash && *p == '/');
		if (*len + (plain ? 1 : 3) >= size)
			return -1;
		if (plain) {
			out[(*len)++] = (char)*p;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[*p >> 4];
			out[(*len)++] = hex[*p & 15];
		}
	}
	out[*len] = '\0';
	return 0;
}

int smb_url(char *out, size_t size, const char *addr, const struct smb_dest *d)
{
	size_t len;
	int n = snprintf(out, size, "smb://%s/", addr);

	if (n < 0 || (size_t)n >= size)
		return -1;
	len = (size_t)n;
	if (escape(out, size, &len, d->share, 0))
		return -1;
	if (d->dir[0]) {
		if (len + 1 >= size)
			return -1;
		out[len++] = '/';
		if (escape(out, size, &len, d->dir, 1))
			return -1;
	}
	return 0;
}

int smb_url_file(char *out, size_t size, const char *dir_url, const char *name)
{
	int n = snprintf(out, size, "%s/", dir_url);
	size_t len;

	if (n < 0 || (size_t)n >= size)
		return -1;
	len = (size_t)n;
	return escape(out, size, &len, name, 0);
}

int smb_suffix_name(char *out, size_t size, const char *name, unsigned int n)
{
	const char *dot = strrchr(name, '.');
	size_t stem = (dot && dot != name) ? (size_t)(dot - name) : strlen(name);
	int r = snprintf(out, size, "%.*s (%u)%s", (int)stem, name, n, name + stem);

	return (r < 0 || (size_t)r >= size || (size_t)r >= IRS_SMB_NAME_MAX) ? -1 : 0;
}

int smb_temp_name(char *out, size_t size, const char *name)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];
	char tag[7];
	size_t keep = strlen(name);
	int r;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* No entropy yet: uniqueness only matters among our own senders. */
		unsigned long t = (unsigned long)time(NULL) ^ (unsigned long)clock();
		for (size_t i = 0; i < sizeof(rnd); i++, t >>= 5)
			rnd[i] = (unsigned char)t;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		tag[i] = set[rnd[i] % (sizeof(set) - 1)];
	tag[6] = '\0';
	/* Stay under 255 bytes: shorten NAME, never in the middle of a UTF-8 sequence. */
	if (keep > 200) {
		keep = 200;
		while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80)
			keep--;
	}
	r = snprintf(out, size, ".%.*s.%s.irsend-tmp", (int)keep, name, tag);
	return (r < 0 || (size_t)r >= size) ? -1 : 0;
}
