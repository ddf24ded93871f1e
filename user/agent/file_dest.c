#include "file_dest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Printable, no control characters: what may reach a protocol line or a path. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int smb_dest_check(const char *text, char *err, size_t errlen)
{
	char sep;
	const char *server, *share, *end;

	if (strlen(text) >= FILE_DEST_PATH_MAX || !printable(text)) {
		snprintf(err, errlen, "an SMB folder is printable text of less than %d characters",
			 FILE_DEST_PATH_MAX);
		return -1;
	}
	sep = text[0];
	if ((sep != '\\' && sep != '/') || text[1] != sep) {
		snprintf(err, errlen,
			 "an SMB folder starts with \\\\server\\share (or //server/share)");
		return -1;
	}
	server = text + 2;
	share = strchr(server, sep);
	if (!share || share == server || !share[1] || share[1] == sep) {
		snprintf(err, errlen, "\"%.80s\": expected \\\\server\\share[\\folder...]", text);
		return -1;
	}
	share++;
	end = share + strcspn(share, "\\/");
	/* No empty, "." or ".." folder: what the server would make of them is its business. */
	for (const char *p = end; *p;) {
		size_t n;

		p++;
		n = strcspn(p, "\\/");
		if (n == 0 && !p[n])
			break; /* a trailing separator */
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "\"%.80s\": empty, \".\" or \"..\" folders", text);
			return -1;
		}
		p += n;
	}
	return 0;
}

int ftp_dest_parse(const char *text, struct ftp_dest *out, char *err, size_t errlen)
{
	const char *p = text, *host_end, *port_start = NULL;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(p, "ftp://", 6) != 0 || strlen(text) >= FILE_DEST_PATH_MAX ||
	    !printable(text) || strchr(text, ' ')) {
		snprintf(err, errlen, "an FTP folder is ftp://host[:port][/folder...]");
		return -1;
	}
	p += 6;
	if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, "/")) {
		snprintf(err, errlen, "no user or password in the FTP address: give them apart");
		return -1;
	}
	if (*p == '[') {
		host_end = strchr(p, ']');
		if (!host_end) {
			snprintf(err, errlen, "\"%.80s\": an IPv6 address ends with ]", text);
			return -1;
		}
		hlen = (size_t)(host_end - p - 1);
		p++;
		if (host_end[1] == ':')
			port_start = host_end + 2;
		else if (host_end[1] && host_end[1] != '/')
			hlen = 0;
	} else {
		hlen = strcspn(p, ":/");
		host_end = p + hlen;
		if (*host_end == ':')
			port_start = host_end + 1;
	}
	if (!hlen || hlen >= sizeof(out->host)) {
		snprintf(err, errlen, "\"%.80s\": no host", text);
		return -1;
	}
	memcpy(out->host, p, hlen);
	if (port_start) {
		char *end;
		unsigned long v = strtoul(port_start, &end, 10);

		if (end == port_start || v < 1 || v > 65535 || (*end && *end != '/')) {
			snprintf(err, errlen, "\"%.80s\": the port is 1 to 65535", text);
			return -1;
		}
		out->port = (unsigned int)v;
		p = end;
	} else {
		p = host_end + (*host_end == ']');
	}
	if (*p == '/')
		p++;
	snprintf(out->dir, sizeof(out->dir), "%s", p);
	return 0;
}
