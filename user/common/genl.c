#include "genl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

/* Enough for any family here; tb[] lives on the stack. */
#define ATTR_SLOTS 64

struct dispatch {
	struct genl_client *c;
	genl_reply_fn fn;
	void *arg;
	int err;   /* the kernel's or the callback's negative errno */
	bool done; /* the ack, the error or the end of the dump came */
};

static int on_valid(struct nl_msg *msg, void *data)
{
	struct dispatch *d = data;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[ATTR_SLOTS];
	int err;

	/* After a failure the rest is still read: it must not answer the next request. */
	if (!d->fn || d->err)
		return NL_OK;
	/* A reply that breaks the policy is not trusted at all. */
	if (genlmsg_parse(nlh, 0, tb, d->c->maxattr, d->c->policy) < 0) {
		d->err = -EPROTO;
		return NL_OK;
	}
	err = d->fn(tb, gh->cmd, d->arg);
	if (err < 0)
		d->err = err;
	return NL_OK;
}

/* libnl maps errno to its own codes; keep the kernel's. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *data)
{
	struct dispatch *d = data;

	(void)nla;
	d->err = e->error;
	d->done = true;
	return NL_STOP;
}

static int on_end(struct nl_msg *msg, void *data)
{
	struct dispatch *d = data;

	(void)msg;
	d->done = true;
	return NL_STOP;
}

int genl_client_open(struct genl_client *c, const char *prog, const char *family, uint8_t version,
		     int maxattr, const struct nla_policy *policy)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->version = version;
	c->maxattr = maxattr < ATTR_SLOTS ? maxattr : ATTR_SLOTS - 1;
	c->policy = policy;
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	err = genl_connect(c->sk);
	if (err < 0) {
		fprintf(stderr, "%s: cannot open a generic netlink socket: %s\n", prog,
			nl_geterror(err));
		goto fail;
	}
	c->family = genl_ctrl_resolve(c->sk, family);
	if (c->family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr,
			"%s: the %s module is not loaded (generic netlink family '%s' not "
			"found)\n",
			prog, family, family);
		goto fail;
	}
	if (c->family < 0) {
		fprintf(stderr, "%s: cannot resolve the generic netlink family '%s': %s\n", prog,
			family, nl_geterror(c->family));
		goto fail;
	}
	return 0;
fail:
	nl_socket_free(c->sk);
	c->sk = NULL;
	return -1;
}

void genl_client_close(struct genl_client *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

int genl_client_request(struct genl_client *c, uint8_t cmd, bool dump,
			const struct genl_attr *attrs, size_t n, genl_reply_fn reply, void *arg)
{
	struct dispatch d = { .c = c, .fn = reply, .arg = arg };
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb;
	int err = -NLE_NOMEM;

	if (!msg)
		goto fail;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, dump ? NLM_F_DUMP : 0, cmd,
			 c->version))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		err = nla_put(msg, attrs[i].type, attrs[i].len, attrs[i].data);
		if (err < 0)
			goto fail;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		err = -NLE_NOMEM;
		goto fail;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &d);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_end, &d);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_end, &d);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &d);
	/* A dump ends with NLMSG_DONE: an ack asked for would come after it, unread. */
	if (dump)
		nl_socket_disable_auto_ack(c->sk);
	else
		nl_socket_enable_auto_ack(c->sk);
	err = nl_send_auto(c->sk, msg);
	/*
	 * Not nl_wait_for_ack(): it returns after the first datagram, which is
	 * the reply of a doit that has one, and the ack would be taken as that
	 * of the next request.
	 */
	while (err >= 0 && !d.done)
		err = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	nlmsg_free(msg);
	msg = NULL;
	if (d.err)
		return d.err;
	if (err >= 0)
		return 0;
fail:
	nlmsg_free(msg);
	fprintf(stderr, "%s: generic netlink request failed: %s\n", c->prog, nl_geterror(err));
	return -EIO;
}

static int on_event(struct nl_msg *msg, void *data)
{
	struct genl_client *c = data;
	struct dispatch d = { .c = c, .fn = c->event, .arg = c->event_arg };

	on_valid(msg, &d);
	/* One malformed or unwanted event does not end the watch. */
	return NL_OK;
}

int genl_client_subscribe(struct genl_client *c, const char *family, const char *group,
			  genl_reply_fn reply, void *arg)
{
	int grp = genl_ctrl_resolve_grp(c->sk, family, group);
	int err;

	if (grp < 0) {
		fprintf(stderr, "%s: the generic netlink family '%s' has no group '%s': %s\n",
			c->prog, family, group, nl_geterror(grp));
		return -1;
	}
	err = nl_socket_add_membership(c->sk, grp);
	if (err == -NLE_PERM) {
		fprintf(stderr,
			"%s: joining the multicast group '%s' needs CAP_NET_ADMIN (run as root)\n",
			c->prog, group);
		return -1;
	}
	if (err < 0) {
		fprintf(stderr, "%s: cannot join the multicast group '%s': %s\n", c->prog, group,
			nl_geterror(err));
		return -1;
	}
	/* Events carry sequence number 0: they answer no request. */
	nl_socket_disable_seq_check(c->sk);
	c->event = reply;
	c->event_arg = arg;
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, c);
	return 0;
}

int genl_client_fd(const struct genl_client *c)
{
	return nl_socket_get_fd(c->sk);
}

int genl_client_receive(struct genl_client *c)
{
	int err = nl_recvmsgs_default(c->sk);

	if (err == -NLE_NOMEM) {
		/* ENOBUFS: the socket overran; later events still arrive. */
		fprintf(stderr, "%s: some events were lost (receive buffer overrun)\n", c->prog);
		return 0;
	}
	if (err < 0 && err != -NLE_AGAIN && err != -NLE_INTR) {
		fprintf(stderr, "%s: receiving events failed: %s\n", c->prog, nl_geterror(err));
		return -1;
	}
	return 0;
}
