/*
 * The control protocol between irsendctl and irsendd, over a UNIX stream
 * socket. Every message is a frame: a 4-byte big-endian length, then that
 * many bytes of one JSON object (UTF-8, at most CTL_FRAME_MAX bytes).
 * File descriptors travel beside a frame as SCM_RIGHTS (files to send in,
 * documents to export out), never inside it.
 *
 * Request:  {"v":1, "id":N, "cmd":"jobs", "args":{...}}
 * Event:    {"v":1, "id":N, "event":"progress", ...}   (zero or more)
 * Reply:    {"v":1, "id":N, "ok":true, "result":{...}}
 *       or  {"v":1, "id":N, "ok":false, "error":{"code":"EINVAL"|"#711",
 *            "message":"..."}}
 *
 * "v" is the protocol version: a peer answers a request of a version it
 * does not speak with an error naming the versions it does. Every request
 * gets exactly one reply, after its events. The commands and their
 * arguments are listed in user/irsendd/README.md.
 */
#ifndef IRSEND_CTL_PROTO_H
#define IRSEND_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#define CTL_PROTO_VERSION 1
#define CTL_FRAME_MAX (64 * 1024)
/* Descriptors one frame may carry. */
#define CTL_MAX_FDS 16
#define CTL_SOCKET_DEFAULT "/run/irsend/irsendd.sock"

/*
 * Send obj as one frame, with nfds descriptors (0..CTL_MAX_FDS) attached:
 * 0, or -1 with errno set (EMSGSIZE: the JSON is over CTL_FRAME_MAX).
 */
int ctl_send(int sock, struct json_object *obj, const int *fds, size_t nfds);

/*
 * Receive one whole frame, blocking: 0 with *obj set (the caller puts it)
 * and up to CTL_MAX_FDS descriptors in fds (*nfds of them; NULL fds: any
 * that arrive are closed), or -1 with errno set: 0 on an orderly end of
 * stream, EMSGSIZE for a length over CTL_FRAME_MAX, EBADMSG for a frame
 * that is not one JSON object.
 */
int ctl_recv(int sock, struct json_object **obj, int *fds, size_t *nfds);

/*
 * Non-blocking side (the agent): bytes are read as they come and frames
 * taken out whole. Descriptors are given to the frame being completed
 * when they arrive.
 */
struct ctl_reader {
	unsigned char *buf;
	size_t len;
	size_t cap;
	int fds[CTL_MAX_FDS];
	size_t nfds;
};

void ctl_reader_init(struct ctl_reader *r);
void ctl_reader_free(struct ctl_reader *r);
/* Read what sock has: >0 bytes read, 0 at end of stream, -1 with errno (EAGAIN). */
ssize_t ctl_reader_fill(struct ctl_reader *r, int sock);
/*
 * Take the next whole frame out: 1 with *obj (and its descriptors, moved
 * to fds and nfds) set, 0 when more bytes are needed, -1 with errno set
 * (EMSGSIZE, EBADMSG) when the stream cannot be understood any more.
 */
int ctl_reader_next(struct ctl_reader *r, struct json_object **obj, int *fds, size_t *nfds);

/* A request frame {"v","id","cmd","args"}; args is taken over (may be NULL). */
struct json_object *ctl_request_new(uint32_t id, const char *cmd, struct json_object *args);

/* Connect to the agent's socket (path NULL: $IRSEND_SOCKET or the default). */
int ctl_connect(const char *path);

/* Small helpers for reading a message. */
const char *ctl_get_string(struct json_object *obj, const char *key);
/* 0 with *out set, or -1 when key is missing or not a non-negative integer. */
int ctl_get_uint(struct json_object *obj, const char *key, uint64_t *out);
/* The member key of obj, or NULL (json_object_get_int() and friends take NULL as 0). */
struct json_object *ctl_get(struct json_object *obj, const char *key);
/* A string member, or "" when it is missing or not a string: for printing. */
const char *ctl_get_text(struct json_object *obj, const char *key);
/* Elements of an array member's value, 0 when it is not an array. */
size_t ctl_array_length(struct json_object *arr);

#endif
