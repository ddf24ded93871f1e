// SPDX-License-Identifier: GPL-2.0
/*
 * Ingress filtering at the netdev layer: one NF_NETDEV_INGRESS hook per
 * network device of the initial namespace (loopback excepted), added and
 * removed by a netdevice notifier, so that it sees every frame (ARP, IPv4,
 * IPv6 and the rest) before any socket does: the network lockdown during
 * an erase first, then the MAC allow-list (macfilter.c).
 *
 * The hook list is only touched under RTNL (notifier context); the packet
 * path reads one flag and bumps a per-CPU counter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "irsend.h"

struct irsend_nf_dev {
	struct list_head list;
	struct net_device *dev;
	struct nf_hook_ops ops;
};

static LIST_HEAD(nf_devs);		/* under RTNL */
static bool lockdown;
static DEFINE_PER_CPU(u64, lockdown_drops);

void irsend_net_lockdown(bool on)
{
	WRITE_ONCE(lockdown, on);
	pr_info("network lockdown %s\n", on ? "on: dropping all ingress" : "off");
}

bool irsend_net_lockdown_on(void)
{
	return READ_ONCE(lockdown);
}

u64 irsend_net_lockdown_drops(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(lockdown_drops, cpu);
	return sum;
}

static unsigned int irsend_ingress(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	if (READ_ONCE(lockdown)) {
		this_cpu_inc(lockdown_drops);
		return NF_DROP;
	}
	if (irsend_mac_filter_on())
		return irsend_mac_verdict(skb, state->in);
	return NF_ACCEPT;
}

static void hook_add(struct net_device *dev)
{
	struct irsend_nf_dev *nd = kzalloc(sizeof(*nd), GFP_KERNEL);

	if (!nd)
		goto fail;
	nd->dev = dev;
	nd->ops.hook = irsend_ingress;
	nd->ops.pf = NFPROTO_NETDEV;
	nd->ops.hooknum = NF_NETDEV_INGRESS;
	nd->ops.priority = INT_MIN + 1;	/* before any other ingress filter */
	nd->ops.dev = dev;
	if (nf_register_net_hook(dev_net(dev), &nd->ops)) {
		kfree(nd);
		goto fail;
	}
	list_add(&nd->list, &nf_devs);
	return;
fail:
	pr_err("cannot filter %s: its traffic is not covered\n", dev->name);
}

static void hook_del(struct net_device *dev)
{
	struct irsend_nf_dev *nd, *tmp;

	list_for_each_entry_safe(nd, tmp, &nf_devs, list) {
		if (nd->dev != dev)
			continue;
		nf_unregister_net_hook(dev_net(dev), &nd->ops);
		list_del(&nd->list);
		kfree(nd);
	}
}

static int irsend_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_REGISTER:
		if (net_eq(dev_net(dev), &init_net) && !(dev->flags & IFF_LOOPBACK))
			hook_add(dev);
		break;
	case NETDEV_UNREGISTER:
		hook_del(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block irsend_netdev_nb = {
	.notifier_call = irsend_netdev_event,
};

/* Existing devices are announced to a new notifier as NETDEV_REGISTER. */
int irsend_netfilter_init(void)
{
	return register_netdevice_notifier(&irsend_netdev_nb);
}

/* ... and as NETDEV_UNREGISTER when it goes, which removes every hook. */
void irsend_netfilter_exit(void)
{
	unregister_netdevice_notifier(&irsend_netdev_nb);
	WARN_ON_ONCE(!list_empty(&nf_devs));
}
