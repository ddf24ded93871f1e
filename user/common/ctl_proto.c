/* Frames of the irsendctl <-> irsendd control protocol (see ctl_proto.h). */
#include "ctl_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int send_all(int sock, const unsigned char *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
		struct cmsghdr align;
	} control;

	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (nfds > 0) {
			struct cmsghdr *cmsg;

			memset(&control, 0, sizeof(control));
			msg.msg_control = control.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
		}
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* The descriptors went with the first bytes. */
		nfds = 0;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_send(int sock, struct json_object *obj, const int *fds, size_t nfds)
{
	const char *text;
	unsigned char *frame;
	size_t len;
	int ret;

	if (nfds > CTL_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);
	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	if (len > CTL_FRAME_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	frame = malloc(len + 4);
	if (!frame)
		return -1;
	put_be32(frame, (uint32_t)len);
	memcpy(frame + 4, text, len);
	ret = send_all(sock, frame, len + 4, fds, nfds);
	free(frame);
	return ret;
}

/* Keep the descriptors of a received message (close those with no room). */
static void take_fds(struct msghdr *msg, int *fds, size_t *nfds, size_t cap)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fds && *nfds < cap)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

static ssize_t recv_some(int sock, void *buf, size_t len, int *fds, size_t *nfds, size_t cap)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		take_fds(&msg, fds, nfds, cap);
	return n;
}

static int recv_exact(int sock, void *buf, size_t len, int *fds, size_t *nfds)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = recv_some(sock, p, len, fds, nfds, CTL_MAX_FDS);

		if (n < 0)
			return -1;
		if (n == 0) {
			errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The frame's bytes as one JSON object, or NULL with errno EBADMSG. */
static struct json_object *parse_frame(const unsigned char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	if (!tok) {
		errno = ENOMEM;
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, (const char *)text, (int)len);
	/* Trailing bytes after the object, or an incomplete one, are refused. */
	if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len ||
		    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	if (!obj)
		errno = EBADMSG;
	return obj;
}

int ctl_recv(int sock, struct json_object **obj, int *fds, size_t *nfds)
{
	unsigned char hdr[4], *text;
	size_t got = 0;
	uint32_t len;

	if (!nfds)
		fds = NULL;
	else
		*nfds = 0;
	if (recv_exact(sock, hdr, sizeof(hdr), fds, fds ? nfds : &got) < 0)
		return -1;
	len = get_be32(hdr);
	if (len > CTL_FRAME_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	text = malloc(len ? len : 1);
	if (!text)
		return -1;
	if (recv_exact(sock, text, len, fds, fds ? nfds : &got) < 0) {
		free(text);
		return -1;
	}
	*obj = parse_frame(text, len);
	free(text);
	return *obj ? 0 : -1;
}

void ctl_reader_init(struct ctl_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void ctl_reader_free(struct ctl_reader *r)
{
	for (size_t i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	free(r->buf);
	ctl_reader_init(r);
}

ssize_t ctl_reader_fill(struct ctl_reader *r, int sock)
{
	ssize_t n;

	/* Never hold more than one frame and its header. */
	if (r->cap < CTL_FRAME_MAX + 4) {
		unsigned char *b = realloc(r->buf, CTL_FRAME_MAX + 4);

		if (!b)
			return -1;
		r->buf = b;
		r->cap = CTL_FRAME_MAX + 4;
	}
	if (r->len == r->cap) {
		errno = EMSGSIZE;
		return -1;
	}
	n = recv_some(sock, r->buf + r->len, r->cap - r->len, r->fds, &r->nfds, CTL_MAX_FDS);
	if (n > 0)
		r->len += (size_t)n;
	return n;
}

int ctl_reader_next(struct ctl_reader *r, struct json_object **obj, int *fds, size_t *nfds)
{
	uint32_t len;

	if (r->len < 4)
		return 0;
	len = get_be32(r->buf);
	if (len > CTL_FRAME_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (r->len < 4 + (size_t)len)
		return 0;
	*obj = parse_frame(r->buf + 4, len);
	memmove(r->buf, r->buf + 4 + len, r->len - 4 - len);
	r->len -= 4 + len;
	*nfds = r->nfds;
	memcpy(fds, r->fds, r->nfds * sizeof(int));
	r->nfds = 0;
	if (!*obj) {
		for (size_t i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		/* The length was right, so the next frame can still be read. */
		errno = EBADMSG;
		return -1;
	}
	return 1;
}

struct json_object *ctl_request_new(uint32_t id, const char *cmd, struct json_object *args)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "v", json_object_new_int(CTL_PROTO_VERSION));
	json_object_object_add(req, "id", json_object_new_int64(id));
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "args", args ? args : json_object_new_object());
	return req;
}

int ctl_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock;

	if (!path)
		path = getenv("IRSEND_SOCKET");
	if (!path || !*path)
		path = CTL_SOCKET_DEFAULT;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int saved = errno;

		close(sock);
		errno = saved;
		return -1;
	}
	return sock;
}

const char *ctl_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

struct json_object *ctl_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (obj)
		json_object_object_get_ex(obj, key, &v);
	return v;
}

const char *ctl_get_text(struct json_object *obj, const char *key)
{
	const char *s = ctl_get_string(obj, key);

	return s ? s : "";
}

size_t ctl_array_length(struct json_object *arr)
{
	return json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

int ctl_get_uint(struct json_object *obj, const char *key, uint64_t *out)
{
	struct json_object *v;
	int64_t n;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	errno = 0;
	n = json_object_get_int64(v);
	if (n < 0 || errno)
		return -1;
	*out = (uint64_t)n;
	return 0;
}
