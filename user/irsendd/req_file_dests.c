/*
 * The file server destinations of a send: "smb": [{"to": "\\\\server\\share\\dir",
 * "user", "password"}], "ftp": [{"to": "ftp://host[:port]/dir", ...}].
 * Checked here, so that a typo is refused before anything is scanned.
 * The password is kept with the job for its retries and never shown.
 */
#include <stdio.h>
#include <string.h>

#include "file_dest.h"
#include "server_priv.h"

/* A string member of o that fits len, or "" when absent: 0, or -1 replied. */
static int member(struct request *r, struct json_object *o, const char *key, char *out, size_t len,
		  const char *what)
{
	struct json_object *v;
	const char *s;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) || strlen(s) >= len) {
		reply_error(r, "EINVAL", "send: %s \"%s\" must be a string of less than %zu bytes",
			    what, key, len);
		return -1;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			reply_error(r, "EINVAL", "send: %s \"%s\" has a control character", what,
				    key);
			return -1;
		}
	}
	snprintf(out, len, "%s", s);
	return 0;
}

int parse_file_dests(struct request *r, struct job_spec *spec, struct json_object *arr,
		     enum job_dest_type type)
{
	const char *what = type == JOB_DEST_SMB ? "smb" : "ftp";
	char err[200];

	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1 ||
	    json_object_array_length(arr) + spec->ndests > JOB_MAX_DESTS) {
		reply_error(r, "EINVAL", "send: \"%s\" must list 1 to %d folders", what,
			    JOB_MAX_DESTS);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct job_dest *d = &spec->dests[spec->ndests];
		struct ftp_dest fd;

		memset(d, 0, sizeof(*d));
		if (!json_object_is_type(o, json_type_object)) {
			reply_error(r, "EINVAL",
				    "send: each \"%s\" folder is an object with \"to\"", what);
			return -1;
		}
		if (member(r, o, "to", d->addrs, FILE_DEST_PATH_MAX, what) < 0 ||
		    member(r, o, "user", d->user, sizeof(d->user), what) < 0 ||
		    member(r, o, "password", d->password, sizeof(d->password), what) < 0)
			return -1;
		if ((type == JOB_DEST_SMB ? smb_dest_check(d->addrs, err, sizeof(err))
					  : ftp_dest_parse(d->addrs, &fd, err, sizeof(err))) < 0) {
			reply_error(r, "EINVAL", "send: %s", err);
			return -1;
		}
		d->type = type;
		spec->ndests++;
	}
	return 0;
}
