#include "macfilter_apply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/irsend.h>

#include "genl.h"

/* What the STATS reply and the LIST dump hold; libnl checks lengths against it. */
static const struct nla_policy policy[IRSEND_A_MAX + 1] = {
	[IRSEND_A_MAC] = { .minlen = MAC_LEN, .maxlen = MAC_LEN },
	[IRSEND_A_ENABLED] = { .type = NLA_U8 },
	[IRSEND_A_COUNT] = { .type = NLA_U32 },
	[IRSEND_A_LIMIT] = { .type = NLA_U32 },
	[IRSEND_A_HITS] = { .type = NLA_U64 },
};

struct kernel_state {
	struct macfilter_store *s;
	uint32_t limit;
	bool have_stats;
	bool overflow; /* the module lists more than a store holds */
};

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

static int stats_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct kernel_state *k = arg;

	if (cmd != IRSEND_CMD_MAC_STATS || !tb[IRSEND_A_ENABLED] || !tb[IRSEND_A_LIMIT])
		return -EPROTO;
	k->s->enabled = nla_get_u8(tb[IRSEND_A_ENABLED]);
	k->limit = nla_get_u32(tb[IRSEND_A_LIMIT]);
	k->have_stats = true;
	return 0;
}

static int list_entry(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct kernel_state *k = arg;

	if (cmd != IRSEND_CMD_MAC_LIST || !tb[IRSEND_A_MAC])
		return -EPROTO;
	if (macfilter_store_add(k->s, nla_data(tb[IRSEND_A_MAC])))
		k->overflow = true;
	return 0;
}

/* What the module said, as the end of a sentence. */
static const char *why(int err)
{
	if (err == -EPERM)
		return "changing the MAC filter needs CAP_NET_ADMIN (run as root)";
	if (err == -EPROTO)
		return "the module sent a malformed reply";
	if (err == -EIO)
		return "the generic netlink socket failed";
	return strerror(-err);
}

/* The module's state into k (its store already set). 0 or a negative errno. */
static int read_state(struct genl_client *c, struct kernel_state *k)
{
	int err;

	macfilter_store_init(k->s);
	k->have_stats = false;
	k->overflow = false;
	err = genl_client_request(c, IRSEND_CMD_MAC_STATS, false, NULL, 0, stats_reply, k);
	if (!err && !k->have_stats)
		err = -EPROTO;
	if (!err)
		err = genl_client_request(c, IRSEND_CMD_MAC_LIST, true, NULL, 0, list_entry, k);
	return err;
}

static int mac_request(struct genl_client *c, uint8_t cmd, const uint8_t mac[MAC_LEN])
{
	struct genl_attr a = { IRSEND_A_MAC, MAC_LEN, mac };

	return genl_client_request(c, cmd, false, &a, 1, NULL, NULL);
}

static int open_client(struct genl_client *c, const char *prog, char *err, size_t errlen)
{
	if (!genl_client_open(c, prog, IRSEND_GENL_NAME, IRSEND_GENL_VERSION, IRSEND_A_MAX, policy))
		return 0;
	fail(err, errlen, "cannot reach the irsend module (is it loaded?)");
	return -2;
}

int macfilter_store_read_kernel(struct macfilter_store *s, const char *prog, char *err,
				size_t errlen)
{
	struct kernel_state k = { .s = s };
	struct genl_client c;
	int e;

	e = open_client(&c, prog, err, errlen);
	if (e)
		return e;
	e = read_state(&c, &k);
	genl_client_close(&c);
	if (e)
		return fail(err, errlen, "reading the module's MAC list: %s", why(e));
	if (k.overflow)
		return fail(err, errlen,
			    "the module lists more than the %d addresses a saved list holds",
			    MACFILTER_STORE_MAX);
	return 0;
}

/* The kernel's list minus *s, then *s minus the kernel's: 0 or a negative errno. */
static int sync_list(struct genl_client *c, const struct macfilter_store *s,
		     const struct macfilter_store *kernel, bool overflow, char *err, size_t errlen)
{
	char m[MAC_STR_LEN];
	int e = 0;

	/* Too many to know them all: start from an empty list instead. */
	if (overflow)
		e = genl_client_request(c, IRSEND_CMD_MAC_FLUSH, false, NULL, 0, NULL, NULL);
	for (size_t i = 0; !overflow && !e && i < kernel->count; i++) {
		if (macfilter_store_find(s, kernel->macs[i]) >= 0)
			continue;
		e = mac_request(c, IRSEND_CMD_MAC_DEL, kernel->macs[i]);
		if (e == -ENOENT) /* someone else deleted it meanwhile */
			e = 0;
	}
	if (e)
		return fail(err, errlen, "removing unsaved addresses: %s", why(e));
	for (size_t i = 0; i < s->count; i++) {
		if (!overflow && macfilter_store_find(kernel, s->macs[i]) >= 0)
			continue;
		e = mac_request(c, IRSEND_CMD_MAC_ADD, s->macs[i]);
		if (!e)
			continue;
		mac_format(s->macs[i], m);
		if (e == -ENOSPC)
			return fail(err, errlen,
				    "the module's list is full before %s: the saved list has %zu "
				    "addresses, more than the module parameter mac_limit allows",
				    m, s->count);
		return fail(err, errlen, "adding %s: %s", m, why(e));
	}
	return 0;
}

int macfilter_store_apply(const struct macfilter_store *s, const char *prog, char *err,
			  size_t errlen)
{
	struct macfilter_store *kernel = malloc(sizeof(*kernel));
	struct kernel_state k = { .s = kernel };
	struct genl_client c;
	uint8_t on = s->enabled;
	struct genl_attr a = { IRSEND_A_ENABLED, sizeof(on), &on };
	int e, ret = -1;

	if (!kernel)
		return fail(err, errlen, "out of memory");
	ret = open_client(&c, prog, err, errlen);
	if (ret) {
		free(kernel);
		return ret;
	}
	ret = -1;
	e = read_state(&c, &k);
	if (e) {
		fail(err, errlen, "reading the module's MAC list: %s", why(e));
		goto out;
	}
	/* Said before anything changes, so that a refusal leaves the module as it was. */
	if (s->count > k.limit) {
		fail(err, errlen,
		     "the saved list has %zu addresses, the module takes %u (module parameter "
		     "mac_limit)",
		     s->count, k.limit);
		goto out;
	}
	if (sync_list(&c, s, kernel, k.overflow, err, errlen))
		goto out;
	e = genl_client_request(&c, IRSEND_CMD_MAC_SET_ENABLED, false, &a, 1, NULL, NULL);
	if (e) {
		fail(err, errlen, "turning the filter %s: %s", on ? "on" : "off", why(e));
		goto out;
	}
	ret = 0;
out:
	genl_client_close(&c);
	free(kernel);
	return ret;
}
