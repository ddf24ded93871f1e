// SPDX-License-Identifier: GPL-2.0
/*
 * The MAC allow-list: generic netlink control (raw netlink here, so that
 * malformed messages can be sent too) and the data path, with two peer
 * hosts in network namespaces behind veth pairs: A (listed) and B (not).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/irsend.h>

#include "kselftest_harness.h"

struct req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[512];
};

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return fd;
}

static void put_attr(struct req *r, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void start_req(struct req *r, uint16_t family, uint8_t cmd, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = family;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->n.nlmsg_seq = 1;
	r->g.cmd = cmd;
	r->g.version = IRSEND_GENL_VERSION;
}

/* Send; return the ack's errno (0 for success); copy a reply into out. */
static int transact(int fd, struct req *r, char *out, size_t outlen)
{
	char buf[8192];
	ssize_t n;

	if (send(fd, r, r->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (out && h->nlmsg_len <= outlen)
				memcpy(out, h, h->nlmsg_len);
		}
	}
}

static int family_id(int fd)
{
	struct req r;
	char out[4096];
	struct nlattr *a;
	int len;

	start_req(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.g.version = 1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, IRSEND_GENL_NAME, sizeof(IRSEND_GENL_NAME));
	if (transact(fd, &r, out, sizeof(out)))
		return -1;
	len = ((struct nlmsghdr *)out)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)(out + NLMSG_LENGTH(GENL_HDRLEN)); len >= NLA_HDRLEN;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
	return -1;
}

/* The id of the family's multicast group name, from the controller. */
static int mcast_group_id(int fd, const char *name)
{
	struct req r;
	char out[4096];
	struct nlattr *a;
	int len;

	start_req(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.g.version = 1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, IRSEND_GENL_NAME, sizeof(IRSEND_GENL_NAME));
	if (transact(fd, &r, out, sizeof(out)))
		return -1;
	len = ((struct nlmsghdr *)out)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)(out + NLMSG_LENGTH(GENL_HDRLEN)); len >= NLA_HDRLEN;
	     len -= NLA_ALIGN(a->nla_len),
	    a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		struct nlattr *grp;
		int glen;

		if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		/* A nest of nests, each with a name and an id. */
		glen = a->nla_len - NLA_HDRLEN;
		for (grp = (struct nlattr *)((char *)a + NLA_HDRLEN); glen >= NLA_HDRLEN;
		     glen -= NLA_ALIGN(grp->nla_len),
		    grp = (struct nlattr *)((char *)grp + NLA_ALIGN(grp->nla_len))) {
			int id = -1, match = 0, ilen = grp->nla_len - NLA_HDRLEN;
			struct nlattr *in = (struct nlattr *)((char *)grp + NLA_HDRLEN);

			for (; ilen >= NLA_HDRLEN;
			     ilen -= NLA_ALIGN(in->nla_len),
			     in = (struct nlattr *)((char *)in + NLA_ALIGN(in->nla_len))) {
				if (in->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = *(uint32_t *)((char *)in + NLA_HDRLEN);
				if (in->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
				    !strcmp((char *)in + NLA_HDRLEN, name))
					match = 1;
			}
			if (match)
				return id;
		}
	}
	return -1;
}

/* One command with at most one attribute; returns the ack. */
static int cmd(int fd, int fam, uint8_t c, uint16_t type, const void *data, uint16_t len)
{
	struct req r;

	start_req(&r, fam, c, 0);
	if (type)
		put_attr(&r, type, data, len);
	return transact(fd, &r, NULL, 0);
}

static int mac_cmd(int fd, int fam, uint8_t c, const uint8_t *mac)
{
	return cmd(fd, fam, c, IRSEND_A_MAC, mac, 6);
}

static int set_enabled(int fd, int fam, uint8_t on)
{
	return cmd(fd, fam, IRSEND_CMD_MAC_SET_ENABLED, IRSEND_A_ENABLED, &on, 1);
}

/* A u64/u32 attribute of the STATS reply. */
static uint64_t stat(int fd, int fam, uint16_t type)
{
	char out[4096];
	struct req r;
	struct nlattr *a;
	int len;

	start_req(&r, fam, IRSEND_CMD_MAC_STATS, 0);
	if (transact(fd, &r, out, sizeof(out)))
		return ~0ULL;
	len = ((struct nlmsghdr *)out)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)(out + NLMSG_LENGTH(GENL_HDRLEN)); len >= NLA_HDRLEN;
	     len -= NLA_ALIGN(a->nla_len),
	    a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type != type)
			continue;
		if (a->nla_len == NLA_HDRLEN + 8) {
			uint64_t v;

			memcpy(&v, (char *)a + NLA_HDRLEN, 8);
			return v;
		}
		if (a->nla_len == NLA_HDRLEN + 4)
			return *(uint32_t *)((char *)a + NLA_HDRLEN);
		return *(uint8_t *)((char *)a + NLA_HDRLEN);
	}
	return ~0ULL;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmdline[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmdline, sizeof(cmdline), fmt, ap);
	va_end(ap);
	st = system(cmdline);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x0b };

FIXTURE(mf)
{
	int fd;
	int fam;
};

/* Host side irsA/irsB in the initial namespace; peers A and B. */
FIXTURE_SETUP(mf)
{
	self->fd = nl_open();
	ASSERT_LE(0, self->fd);
	self->fam = family_id(self->fd);
	ASSERT_LT(0, self->fam);
	ASSERT_EQ(0, sh("set -e; for p in a b; do ip netns add mf-$p; "
			"ip link add irs$p type veth peer name eth0 netns mf-$p; "
			"ip -n mf-$p link set lo up; ip -n mf-$p link set eth0 up; done; "
			"ip -n mf-a link set eth0 address 02:00:5e:10:00:0a; "
			"ip -n mf-b link set eth0 address 02:00:5e:10:00:0b; "
			"ip addr add 198.18.10.1/24 dev irsa; ip addr add 198.18.11.1/24 dev irsb; "
			"ip -6 addr add fd00:18:10::1/64 dev irsa nodad; ip link set irsa up; "
			"ip link set irsb up; "
			"ip -n mf-a addr add 198.18.10.2/24 dev eth0; "
			"ip -n mf-a -6 addr add fd00:18:10::2/64 dev eth0 nodad; "
			"ip -n mf-b addr add 198.18.11.2/24 dev eth0"));
	cmd(self->fd, self->fam, IRSEND_CMD_MAC_FLUSH, 0, NULL, 0);
	set_enabled(self->fd, self->fam, 0);
}

FIXTURE_TEARDOWN(mf)
{
	set_enabled(self->fd, self->fam, 0);
	cmd(self->fd, self->fam, IRSEND_CMD_MAC_FLUSH, 0, NULL, 0);
	sh("ip link del irsa 2>/dev/null; ip link del irsb 2>/dev/null; "
	   "ip netns del mf-a 2>/dev/null; ip netns del mf-b 2>/dev/null");
	close(self->fd);
}

static int ping_from(const char *ns, const char *addr)
{
	return sh("ip netns exec %s ping -q -c1 -W2 %s >/dev/null 2>&1", ns, addr);
}

/* TCP connect from ns to port 7777 on the device side; a listener counts. */
static int tcp_from(const char *ns, const char *addr)
{
	return sh("ip netns exec %s timeout 3 bash -c 'exec 3<>/dev/tcp/%s/7777' 2>/dev/null", ns,
		  addr);
}

TEST_F(mf, filter_off_lets_everyone_in)
{
	EXPECT_EQ(0, ping_from("mf-a", "198.18.10.1"));
	EXPECT_EQ(0, ping_from("mf-b", "198.18.11.1"));
}

TEST_F_TIMEOUT(mf, listed_host_in_unlisted_host_out, 90)
{
	uint64_t dropped0;

	ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac_a));
	ASSERT_EQ(0, set_enabled(self->fd, self->fam, 1));
	EXPECT_EQ(1, stat(self->fd, self->fam, IRSEND_A_ENABLED));
	/* A: ARP (fresh neighbour), IPv4, IPv6 with neighbour discovery, TCP. */
	EXPECT_EQ(0, ping_from("mf-a", "198.18.10.1"));
	EXPECT_EQ(0, sh("ip netns exec mf-a ping -6 -q -c1 -W2 fd00:18:10::1 >/dev/null 2>&1"));
	/* A listening application on the device side. */
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7777) };

	ASSERT_LE(0, ls);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(ls, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(ls, 16));
	EXPECT_EQ(0, tcp_from("mf-a", "198.18.10.1"));
	/* B: nothing gets through, not even ARP. */
	dropped0 = stat(self->fd, self->fam, IRSEND_A_DROPPED);
	EXPECT_NE(0, ping_from("mf-b", "198.18.11.1"));
	EXPECT_NE(0, tcp_from("mf-b", "198.18.11.1"));
	/* B's ARP requests got no answer: its neighbour entry never resolved. */
	EXPECT_EQ(0, sh("! ip -n mf-b neigh show 198.18.11.1 | grep -qE 'REACHABLE|STALE|DELAY'"));
	EXPECT_LT(dropped0, stat(self->fd, self->fam, IRSEND_A_DROPPED));
	/* The listening application heard of A and never of B. */
	int from_a = 0, from_b = 0, c;
	socklen_t sl = sizeof(sin);

	while ((c = accept(ls, (struct sockaddr *)&sin, &sl)) >= 0) {
		from_a += sin.sin_addr.s_addr == inet_addr("198.18.10.2");
		from_b += sin.sin_addr.s_addr == inet_addr("198.18.11.2");
		close(c);
		sl = sizeof(sin);
	}
	close(ls);
	EXPECT_EQ(1, from_a);
	EXPECT_EQ(0, from_b);
	/* Filter off: B is back. */
	ASSERT_EQ(0, set_enabled(self->fd, self->fam, 0));
	EXPECT_EQ(0, ping_from("mf-b", "198.18.11.1"));
}

/* Exactly N frames from B (static neighbour, UDP): exactly N drops. */
TEST_F(mf, counters_match_frames)
{
	uint64_t d0, d1, a0, a1;

	ASSERT_EQ(
		0,
		sh("ip -n mf-b neigh replace 198.18.11.1 lladdr $(cat "
		   "/sys/class/net/irsb/address) dev eth0 nud permanent; "
		   "ip -n mf-a neigh replace 198.18.10.1 lladdr $(cat "
		   "/sys/class/net/irsa/address) dev eth0 nud permanent; "
		   "ip neigh replace 198.18.10.2 lladdr 02:00:5e:10:00:0a dev irsa nud permanent; "
		   "ip neigh replace 198.18.11.2 lladdr 02:00:5e:10:00:0b dev irsb nud permanent"));
	/* No ARP either way, and no IPv6 chatter (MLD, router solicitations). */
	ASSERT_EQ(0, sh("for p in a b; do ip netns exec mf-$p sysctl -qw "
			"net.ipv6.conf.all.disable_ipv6=1; done; sleep 1"));
	ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac_a));
	ASSERT_EQ(0, set_enabled(self->fd, self->fam, 1));
	d0 = stat(self->fd, self->fam, IRSEND_A_DROPPED);
	a0 = stat(self->fd, self->fam, IRSEND_A_ACCEPTED);
	ASSERT_EQ(0, sh("ip netns exec mf-b python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"[s.sendto(b\"x\", (\"198.18.11.1\", 9)) for _ in range(37)]'"));
	ASSERT_EQ(0, sh("ip netns exec mf-a python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"[s.sendto(b\"x\", (\"198.18.10.1\", 9)) for _ in range(23)]'"));
	usleep(300 * 1000);
	d1 = stat(self->fd, self->fam, IRSEND_A_DROPPED);
	a1 = stat(self->fd, self->fam, IRSEND_A_ACCEPTED);
	EXPECT_EQ(37, d1 - d0);
	EXPECT_EQ(23, a1 - a0);
	/* B listed while it sends: the next frame counts as accepted. */
	ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac_b));
	ASSERT_EQ(0, sh("ip netns exec mf-b python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"s.sendto(b\"x\", (\"198.18.11.1\", 9))'"));
	usleep(200 * 1000);
	EXPECT_EQ(d1, stat(self->fd, self->fam, IRSEND_A_DROPPED));
	EXPECT_EQ(a1 + 1, stat(self->fd, self->fam, IRSEND_A_ACCEPTED));
}

/*
 * Dropped sources are reported on the "drops" group, rate-limited: a burst
 * of 50 frames gives at most 10 events, each naming the MAC and device.
 */
TEST_F(mf, drop_events_rate_limited)
{
	int grp = mcast_group_id(self->fd, IRSEND_GENL_MCGRP_DROPS);
	int lfd = nl_open(), events = 0, bad = 0, ifindex = (int)if_nametoindex("irsb");
	struct timeval tv = { .tv_usec = 300 * 1000 };
	char buf[8192];
	ssize_t n;

	ASSERT_LT(0, grp);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0,
		  sh("ip -n mf-b neigh replace 198.18.11.1 lladdr $(cat "
		     "/sys/class/net/irsb/address) dev eth0 nud permanent; "
		     "ip netns exec mf-b sysctl -qw net.ipv6.conf.all.disable_ipv6=1; sleep 1.2"));
	ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac_a));
	ASSERT_EQ(0, set_enabled(self->fd, self->fam, 1));
	ASSERT_EQ(0, sh("ip netns exec mf-b python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"[s.sendto(b\"x\", (\"198.18.11.1\", 9)) for _ in range(50)]'"));
	while ((n = recv(lfd, buf, sizeof(buf), 0)) > 0) {
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			struct genlmsghdr *g = NLMSG_DATA(h);
			int len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), got = 0;
			struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN);

			if (h->nlmsg_type != self->fam || g->cmd != IRSEND_CMD_MAC_DROPPED) {
				bad++;
				continue;
			}
			for (; len >= NLA_HDRLEN;
			     len -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
				if (a->nla_type == IRSEND_A_MAC &&
				    !memcmp((char *)a + NLA_HDRLEN, mac_b, 6))
					got |= 1;
				if (a->nla_type == IRSEND_A_IFINDEX &&
				    *(uint32_t *)((char *)a + NLA_HDRLEN) == (uint32_t)ifindex)
					got |= 2;
			}
			if (got == 3)
				events++;
			else
				bad++;
		}
	}
	close(lfd);
	EXPECT_EQ(0, bad);
	EXPECT_LE(1, events);
	EXPECT_GE(10, events);
}

/* The MAC rule comes first: the IP address of a frame does not matter. */
TEST_F(mf, mac_rule_precedes_ip_address)
{
	uint64_t d0, a0;

	/* A speaks from an address outside its subnet; B borrows A's address. */
	ASSERT_EQ(
		0,
		sh("set -e; ip -n mf-a addr add 198.19.99.2/32 dev eth0; "
		   "ip -n mf-b addr add 198.18.10.2/32 dev eth0; "
		   "ip -n mf-b route add 198.18.10.1/32 dev eth0; "
		   "ip -n mf-a neigh replace 198.18.10.1 lladdr $(cat /sys/class/net/irsa/address) "
		   "dev eth0 nud permanent; "
		   "ip -n mf-b neigh replace 198.18.10.1 lladdr $(cat /sys/class/net/irsb/address) "
		   "dev eth0 nud permanent; "
		   "for p in a b; do ip netns exec mf-$p sysctl -qw "
		   "net.ipv6.conf.all.disable_ipv6=1; "
		   "done; sleep 1"));
	ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac_a));
	ASSERT_EQ(0, set_enabled(self->fd, self->fam, 1));
	d0 = stat(self->fd, self->fam, IRSEND_A_DROPPED);
	a0 = stat(self->fd, self->fam, IRSEND_A_ACCEPTED);
	ASSERT_EQ(0, sh("ip netns exec mf-a python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"s.bind((\"198.19.99.2\", 0))\n"
			"[s.sendto(b\"x\", (\"198.18.10.1\", 9)) for _ in range(11)]'"));
	ASSERT_EQ(0, sh("ip netns exec mf-b python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"s.bind((\"198.18.10.2\", 0))\n"
			"[s.sendto(b\"x\", (\"198.18.10.1\", 9)) for _ in range(13)]'"));
	usleep(300 * 1000);
	EXPECT_EQ(11, stat(self->fd, self->fam, IRSEND_A_ACCEPTED) - a0);
	EXPECT_EQ(13, stat(self->fd, self->fam, IRSEND_A_DROPPED) - d0);
}

TEST_F(mf, list_limits_and_bad_addresses)
{
	uint8_t mac[6] = { 0x02, 0x11, 0, 0, 0, 0 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t zero[6] = { 0 };
	uint64_t limit = stat(self->fd, self->fam, IRSEND_A_LIMIT);

	EXPECT_EQ(100, limit);
	for (int i = 0; i < 100; i++) {
		mac[5] = (uint8_t)i;
		ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac));
	}
	/* Adding one already listed is fine even when full. */
	EXPECT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac));
	EXPECT_EQ(100, stat(self->fd, self->fam, IRSEND_A_COUNT));
	mac[4] = 1;
	EXPECT_EQ(-ENOSPC, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac));
	EXPECT_EQ(-EINVAL, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, bcast));
	EXPECT_EQ(-EINVAL, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mcast));
	EXPECT_EQ(-EINVAL, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, zero));
	EXPECT_EQ(-ENOENT, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_DEL, mac));
	mac[4] = 0;
	mac[5] = 5;
	EXPECT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_DEL, mac));
	EXPECT_EQ(99, stat(self->fd, self->fam, IRSEND_A_COUNT));
	EXPECT_EQ(0, cmd(self->fd, self->fam, IRSEND_CMD_MAC_FLUSH, 0, NULL, 0));
	EXPECT_EQ(0, stat(self->fd, self->fam, IRSEND_A_COUNT));
}

TEST_F(mf, bad_messages)
{
	uint8_t two = 2, five[5] = { 2, 0, 0, 0, 1 }, seven[7] = { 2, 0, 0, 0, 0, 1, 9 };
	struct req r;

	/* Missing attributes. */
	EXPECT_EQ(-EINVAL, cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, cmd(self->fd, self->fam, IRSEND_CMD_MAC_DEL, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, cmd(self->fd, self->fam, IRSEND_CMD_MAC_SET_ENABLED, 0, NULL, 0));
	/* Wrong lengths and values. */
	int ret = cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, IRSEND_A_MAC, five, 5);

	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE);
	ret = cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, IRSEND_A_MAC, seven, 7);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE);
	EXPECT_EQ(-ERANGE,
		  cmd(self->fd, self->fam, IRSEND_CMD_MAC_SET_ENABLED, IRSEND_A_ENABLED, &two, 1));
	/* Attributes a command does not take, or nobody knows. */
	EXPECT_EQ(-EINVAL, cmd(self->fd, self->fam, IRSEND_CMD_MAC_FLUSH, IRSEND_A_MAC, mac_a, 6));
	EXPECT_EQ(-EINVAL,
		  cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, IRSEND_A_MAX + 5, mac_a, 6));
	/* Unknown commands, and events are not commands. */
	EXPECT_EQ(-EOPNOTSUPP, cmd(self->fd, self->fam, 99, 0, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, cmd(self->fd, self->fam, IRSEND_CMD_MAC_DROPPED, 0, NULL, 0));
	/* A truncated attribute header. */
	start_req(&r, self->fam, IRSEND_CMD_MAC_ADD, 0);
	r.n.nlmsg_len += 2;
	EXPECT_EQ(-EINVAL, transact(self->fd, &r, NULL, 0));
	EXPECT_EQ(0, stat(self->fd, self->fam, IRSEND_A_COUNT));
}

TEST_F(mf, unprivileged_caller_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = nl_open();
		if (fd < 0)
			_exit(11);
		/* Reading is allowed; changing is not. */
		if (stat(fd, self->fam, IRSEND_A_LIMIT) != 100)
			_exit(12);
		if (mac_cmd(fd, self->fam, IRSEND_CMD_MAC_ADD, mac_a) != -EPERM)
			_exit(13);
		if (set_enabled(fd, self->fam, 1) != -EPERM)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, stat(self->fd, self->fam, IRSEND_A_COUNT));
}

/* Changes racing with a flood: no warning, and rmmod later stays clean. */
TEST_F_TIMEOUT(mf, churn_under_flood, 90)
{
	uint8_t mac[6] = { 0x02, 0x22, 0, 0, 0, 0 };
	int ret;

	ASSERT_EQ(0, sh("ip -n mf-b neigh replace 198.18.11.1 lladdr $(cat "
			"/sys/class/net/irsb/address) dev eth0 nud permanent"));
	ASSERT_EQ(0, set_enabled(self->fd, self->fam, 1));
	ASSERT_EQ(0, sh("ip netns exec mf-b timeout 6 python3 -c 'import socket\n"
			"s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
			"while True: s.sendto(b\"x\"*64, (\"198.18.11.1\", 9))' & true"));
	for (int round = 0; round < 200; round++) {
		mac[5] = (uint8_t)round;
		ASSERT_EQ(0, mac_cmd(self->fd, self->fam, IRSEND_CMD_MAC_ADD, mac));
		ret = mac_cmd(self->fd, self->fam,
			      round & 1 ? IRSEND_CMD_MAC_ADD : IRSEND_CMD_MAC_DEL, mac_b);
		ASSERT_TRUE(ret == 0 || ret == -ENOENT);
		if (round % 3 == 2)
			ASSERT_EQ(0, cmd(self->fd, self->fam, IRSEND_CMD_MAC_FLUSH, 0, NULL, 0));
	}
	sleep(6);
	EXPECT_LT(0, stat(self->fd, self->fam, IRSEND_A_DROPPED));
}

TEST_HARNESS_MAIN
