/*
 * A small generic netlink client (libnl-genl-3) for the irsend family:
 * requests acknowledged by the kernel, dumps, and the multicast groups.
 */
#ifndef IRSEND_GENL_H
#define IRSEND_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

/*
 * Called with each reply (dump entry, doit reply or multicast event), its
 * attributes checked against the client's policy: tb[type] or NULL.
 * Return 0 to go on, or a negative errno to stop.
 */
typedef int (*genl_reply_fn)(struct nlattr **tb, uint8_t cmd, void *arg);

struct genl_client {
	struct nl_sock *sk;
	int family;
	uint8_t version;
	int maxattr;
	const struct nla_policy *policy;
	const char *prog; /* prefix of the messages printed */
	genl_reply_fn event;
	void *event_arg;
};

/* One attribute of a request. */
struct genl_attr {
	uint16_t type;
	uint16_t len;
	const void *data;
};

/*
 * Connect and resolve the family name. Replies are parsed up to maxattr
 * with policy (maxattr + 1 entries), so that callbacks can trust lengths.
 * On failure print one line to stderr, prefixed with prog (a missing
 * family says the module is not loaded), and return -1.
 */
int genl_client_open(struct genl_client *c, const char *prog, const char *family, uint8_t version,
		     int maxattr, const struct nla_policy *policy);
void genl_client_close(struct genl_client *c);

/*
 * Send cmd with n attributes and wait for the kernel's ack; each reply
 * before it goes to reply (may be NULL). With dump set, the request is a
 * dump: reply sees every entry. Returns 0, the kernel's negative errno, a
 * callback's negative errno, or -EIO after printing a message when the
 * socket itself failed.
 */
int genl_client_request(struct genl_client *c, uint8_t cmd, bool dump,
			const struct genl_attr *attrs, size_t n, genl_reply_fn reply, void *arg);

/*
 * Join the multicast group of the family and send its events to reply
 * from genl_client_receive(). 0, or -1 after printing a message.
 */
int genl_client_subscribe(struct genl_client *c, const char *family, const char *group,
			  genl_reply_fn reply, void *arg);

/* The socket's descriptor, for poll(). */
int genl_client_fd(const struct genl_client *c);

/* Read what is pending and pass events on. 0, or -1 after printing a message. */
int genl_client_receive(struct genl_client *c);

#endif
