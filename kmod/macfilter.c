// SPDX-License-Identifier: GPL-2.0
/*
 * The MAC address allow-list (seed 2.1.5) and its generic netlink family.
 *
 * Packet path: irsend_mac_verdict() runs in the netdev ingress hook under
 * RCU; one hash lookup of the source address, per-CPU counters, and a
 * rate-limited multicast event for dropped sources. Control path: the
 * genl commands, serialised by mac_lock; entries are freed after an RCU
 * grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/hashtable.h>
#include <linux/if_arp.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "irsend.h"

static unsigned int mac_limit = 100;
module_param(mac_limit, uint, 0444);
MODULE_PARM_DESC(mac_limit,
		 "Most MAC addresses in the allow-list, 1 to 65536 (default 100, as the seed)");

struct mac_entry {
	struct hlist_node node;
	struct rcu_head rcu;
	u8 addr[ETH_ALEN];
	u64 __percpu *hits;
};

#define MAC_HASH_BITS 10
static DEFINE_HASHTABLE(mac_table, MAC_HASH_BITS);
static DEFINE_MUTEX(mac_lock);		/* writers of mac_table, mac_count */
static unsigned int mac_count;
static bool mac_enabled;
static DEFINE_PER_CPU(u64, mac_accepted);
static DEFINE_PER_CPU(u64, mac_dropped);
static DEFINE_RATELIMIT_STATE(drop_events, HZ, 10);
/* Index of the "drops" group in irsend_genl_mcgrps[]. */
#define MCGRP_DROPS 0

static struct genl_family irsend_genl;

static u32 mac_hash(const u8 *addr)
{
	return jhash(addr, ETH_ALEN, 0);
}

static struct mac_entry *mac_find(const u8 *addr)
{
	struct mac_entry *e;

	hash_for_each_possible_rcu(mac_table, e, node, mac_hash(addr))
		if (ether_addr_equal(e->addr, addr))
			return e;
	return NULL;
}

bool irsend_mac_filter_on(void)
{
	return READ_ONCE(mac_enabled);
}

static void drop_event(const u8 *addr, int ifindex)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(ETH_ALEN) + nla_total_size(4), GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &irsend_genl, 0, IRSEND_CMD_MAC_DROPPED);
	if (!hdr || nla_put(msg, IRSEND_A_MAC, ETH_ALEN, addr) ||
	    nla_put_u32(msg, IRSEND_A_IFINDEX, ifindex)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&irsend_genl, msg, 0, 0, GFP_ATOMIC);
}

/* In the ingress hook, under RCU: accept listed sources only. */
unsigned int irsend_mac_verdict(const struct sk_buff *skb,
				const struct net_device *dev)
{
	const u8 *src;
	struct mac_entry *e;

	/* Only Ethernet frames carry the address the rule is about. */
	if (dev->type != ARPHRD_ETHER || !skb_mac_header_was_set(skb))
		return NF_ACCEPT;
	src = eth_hdr(skb)->h_source;
	e = mac_find(src);
	if (e) {
		this_cpu_inc(*e->hits);
		this_cpu_inc(mac_accepted);
		return NF_ACCEPT;
	}
	this_cpu_inc(mac_dropped);
	/*
	 * The event costs the ratelimit's lock and an allocation: a flood
	 * pays for them only while someone listens to the group.
	 */
	if (genl_has_listeners(&irsend_genl, dev_net(dev), MCGRP_DROPS) &&
	    __ratelimit(&drop_events))
		drop_event(src, dev->ifindex);
	return NF_DROP;
}

static u64 sum_percpu(u64 __percpu *v)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(v, cpu);
	return sum;
}

static void mac_entry_free(struct rcu_head *rcu)
{
	struct mac_entry *e = container_of(rcu, struct mac_entry, rcu);

	free_percpu(e->hits);
	kfree(e);
}

static void mac_remove_locked(struct mac_entry *e)
{
	hash_del_rcu(&e->node);
	mac_count--;
	call_rcu(&e->rcu, mac_entry_free);
}

static int cmd_set_enabled(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, IRSEND_A_ENABLED))
		return -EINVAL;
	WRITE_ONCE(mac_enabled, nla_get_u8(info->attrs[IRSEND_A_ENABLED]));
	pr_info("MAC filter %s\n", mac_enabled ? "on" : "off");
	return 0;
}

static int cmd_add(struct sk_buff *skb, struct genl_info *info)
{
	struct mac_entry *e;
	const u8 *addr;
	int ret = 0;

	if (GENL_REQ_ATTR_CHECK(info, IRSEND_A_MAC))
		return -EINVAL;
	addr = nla_data(info->attrs[IRSEND_A_MAC]);
	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[IRSEND_A_MAC],
				    "multicast, broadcast and all-zero addresses cannot be listed");
		return -EINVAL;
	}
	mutex_lock(&mac_lock);
	if (mac_find(addr))
		goto out;		/* already listed: nothing to do */
	if (mac_count >= mac_limit) {
		NL_SET_ERR_MSG(info->extack, "the MAC allow-list is full");
		ret = -ENOSPC;
		goto out;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (e)
		e->hits = alloc_percpu(u64);
	if (!e || !e->hits) {
		kfree(e);
		ret = -ENOMEM;
		goto out;
	}
	ether_addr_copy(e->addr, addr);
	hash_add_rcu(mac_table, &e->node, mac_hash(addr));
	mac_count++;
out:
	mutex_unlock(&mac_lock);
	return ret;
}

static int cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mac_entry *e;
	int ret = 0;

	if (GENL_REQ_ATTR_CHECK(info, IRSEND_A_MAC))
		return -EINVAL;
	mutex_lock(&mac_lock);
	e = mac_find(nla_data(info->attrs[IRSEND_A_MAC]));
	if (e)
		mac_remove_locked(e);
	else
		ret = -ENOENT;
	mutex_unlock(&mac_lock);
	return ret;
}

static void mac_flush(void)
{
	struct hlist_node *tmp;
	struct mac_entry *e;
	int bkt;

	mutex_lock(&mac_lock);
	hash_for_each_safe(mac_table, bkt, tmp, e, node)
		mac_remove_locked(e);
	mutex_unlock(&mac_lock);
}

static int cmd_flush(struct sk_buff *skb, struct genl_info *info)
{
	mac_flush();
	return 0;
}

/* cb->args[0]: entries already sent. */
static int cmd_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	long skip = cb->args[0], i = 0;
	struct mac_entry *e;
	void *hdr;
	int bkt;

	mutex_lock(&mac_lock);
	hash_for_each(mac_table, bkt, e, node) {
		if (i++ < skip)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &irsend_genl, NLM_F_MULTI,
				  IRSEND_CMD_MAC_LIST);
		if (!hdr)
			break;
		if (nla_put(skb, IRSEND_A_MAC, ETH_ALEN, e->addr) ||
		    nla_put_u64_64bit(skb, IRSEND_A_HITS, sum_percpu(e->hits),
				      IRSEND_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
	mutex_unlock(&mac_lock);
	return skb->len;
}

static u64 sum_counter(u64 __percpu *v)
{
	return sum_percpu(v);
}

static int cmd_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &irsend_genl, 0, IRSEND_CMD_MAC_STATS);
	if (!hdr)
		goto nospace;
	mutex_lock(&mac_lock);
	if (nla_put_u8(msg, IRSEND_A_ENABLED, READ_ONCE(mac_enabled)) ||
	    nla_put_u32(msg, IRSEND_A_COUNT, mac_count) ||
	    nla_put_u32(msg, IRSEND_A_LIMIT, mac_limit) ||
	    nla_put_u64_64bit(msg, IRSEND_A_ACCEPTED, sum_counter(&mac_accepted),
			      IRSEND_A_PAD) ||
	    nla_put_u64_64bit(msg, IRSEND_A_DROPPED, sum_counter(&mac_dropped),
			      IRSEND_A_PAD) ||
	    nla_put_u8(msg, IRSEND_A_LOCKDOWN, irsend_net_lockdown_on()) ||
	    nla_put_u64_64bit(msg, IRSEND_A_LOCKDOWN_DROPS,
			      irsend_net_lockdown_drops(), IRSEND_A_PAD)) {
		mutex_unlock(&mac_lock);
		goto nospace;
	}
	mutex_unlock(&mac_lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct nla_policy no_attrs[IRSEND_A_MAX + 1] = {};

static const struct nla_policy enabled_policy[IRSEND_A_MAX + 1] = {
	[IRSEND_A_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy mac_policy[IRSEND_A_MAX + 1] = {
	[IRSEND_A_MAC] = NLA_POLICY_ETH_ADDR,
};

static const struct genl_ops irsend_genl_ops[] = {
	{
		.cmd = IRSEND_CMD_MAC_SET_ENABLED,
		.doit = cmd_set_enabled,
		.policy = enabled_policy,
		.maxattr = IRSEND_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = IRSEND_CMD_MAC_ADD,
		.doit = cmd_add,
		.policy = mac_policy,
		.maxattr = IRSEND_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = IRSEND_CMD_MAC_DEL,
		.doit = cmd_del,
		.policy = mac_policy,
		.maxattr = IRSEND_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = IRSEND_CMD_MAC_FLUSH,
		.doit = cmd_flush,
		.policy = no_attrs,
		.maxattr = IRSEND_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = IRSEND_CMD_MAC_LIST,
		.dumpit = cmd_list,
		.policy = no_attrs,
		.maxattr = IRSEND_A_MAX,
	},
	{
		.cmd = IRSEND_CMD_MAC_STATS,
		.doit = cmd_stats,
		.policy = no_attrs,
		.maxattr = IRSEND_A_MAX,
	},
};

static const struct genl_multicast_group irsend_genl_mcgrps[] = {
	{ .name = IRSEND_GENL_MCGRP_DROPS, .flags = GENL_UNS_ADMIN_PERM },
};

static struct genl_family irsend_genl __ro_after_init = {
	.name = IRSEND_GENL_NAME,
	.version = IRSEND_GENL_VERSION,
	.maxattr = IRSEND_A_MAX,
	.module = THIS_MODULE,
	.ops = irsend_genl_ops,
	.n_ops = ARRAY_SIZE(irsend_genl_ops),
	.mcgrps = irsend_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(irsend_genl_mcgrps),
};

int __init irsend_macfilter_init(void)
{
	if (!mac_limit || mac_limit > 65536) {
		pr_err("mac_limit=%u: must be 1 to 65536\n", mac_limit);
		return -EINVAL;
	}
	/* Suppressed events are expected under a flood: no "callbacks suppressed" lines. */
	ratelimit_set_flags(&drop_events, RATELIMIT_MSG_ON_RELEASE);
	return genl_register_family(&irsend_genl);
}

/* After the hooks are gone: no reader is left once RCU has settled. */
void irsend_macfilter_exit(void)
{
	genl_unregister_family(&irsend_genl);
	mac_flush();
	rcu_barrier();
}
