/* irsendctl macfilter: the MAC address allow-list over generic netlink. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <linux/irsend.h>

#include "cli.h"
#include "commands.h"
#include "genl.h"
#include "interrupt.h"
#include "json.h"
#include "mac.h"
#include "macfilter_saved.h"
#include "macfilter_store.h"

#define CMD "macfilter"
#define PROG CTL_PROG " " CMD

static void macfilter_help(void)
{
	printf("Usage: %s macfilter on|off|flush|apply [--store PATH] [--no-save]\n"
	       "       %s macfilter add|del MAC [--store PATH] [--no-save]\n"
	       "       %s macfilter list|stats|watch [--json]\n"
	       "\n"
	       "Keep the MAC address allow-list of the irsend module. While the filter is\n"
	       "on, a frame arriving on any non-loopback device is accepted only when its\n"
	       "source MAC address is listed, whatever its protocol (ARP, IPv4, IPv6) or\n"
	       "IP address: the MAC rule comes before every IP address rule. Turning the\n"
	       "filter on with an empty list cuts the device off the network (a remote\n"
	       "shell included): add the addresses first.\n"
	       "\n"
	       "  on, off    turn the filter on or off; the list is kept either way\n"
	       "  add MAC    list MAC; adding a listed address again is not an error\n"
	       "  del MAC    take MAC off the list (exit 1 when neither the module nor\n"
	       "             the saved list has it)\n"
	       "  flush      empty the list\n"
	       "  list       one listed address a line and the frames accepted from it:\n"
	       "             \"aa:bb:cc:dd:ee:ff 42\"; --json: [{\"mac\",\"hits\"}]\n"
	       "  stats      whether the filter is on, addresses listed and the limit\n"
	       "             (module parameter mac_limit), frames accepted and dropped,\n"
	       "             whether an erase holds the device off the network (lockdown)\n"
	       "             and the frames dropped for it; --json: {\"enabled\",\"count\",\n"
	       "             \"limit\",\"accepted\",\"dropped\",\"lockdown\",\"lockdown_drops\"}\n"
	       "  watch      print a line for each dropped source the module reports\n"
	       "             (rate-limited): \"aa:bb:cc:dd:ee:ff eth0\"; --json: one\n"
	       "             {\"mac\",\"ifindex\",\"ifname\"} object a line. Runs until Ctrl-C.\n"
	       "  apply      put the saved list into the module: delete what it lists and\n"
	       "             the file does not, add the rest, then turn the filter on or\n"
	       "             off as saved (the agent does this when it starts)\n"
	       "\n"
	       "The module forgets the list when it is unloaded, so every change that\n"
	       "on, off, add, del and flush make is also saved, once the module took it,\n"
	       "in the file --store PATH, else $%s, else\n"
	       "%s: \"enabled on|off\" and one\n"
	       "\"mac aa:bb:cc:dd:ee:ff\" line per address, replaced whole at each change.\n"
	       "The first change saved copies the module's current list and state into a\n"
	       "new file. A malformed file stops the change (the message names its line).\n"
	       "\n"
	       "MAC is six pairs of hex digits separated by ':' or '-', in either case\n"
	       "(aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF). Multicast (the lowest bit of the\n"
	       "first byte set), broadcast and all-zero addresses name no single host and\n"
	       "are refused. Addresses are printed in lower case with colons.\n"
	       "\n"
	       "Changes (on, off, add, del, flush) need CAP_NET_ADMIN: run them as root.\n"
	       "\n"
	       "Options:\n"
	       "  --json         JSON on standard output (list, stats, watch)\n"
	       "  --store PATH   the saved list to change or apply\n"
	       "  --no-save      change only the module, not the saved list\n"
	       "  -h, --help     print this help and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 failed or refused (a message says why; also when\n"
	       "the module is not loaded), 2 wrong command line, 130 watch ended by Ctrl-C\n"
	       "(143: SIGTERM).\n"
	       "\n"
	       "Examples:\n"
	       "  %s macfilter add 52:54:00:12:34:56\n"
	       "  %s macfilter on\n"
	       "  %s macfilter list --json\n"
	       "  %s macfilter watch\n"
	       "  %s macfilter apply --store /etc/irsend/macfilter.conf\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, MACFILTER_STORE_ENV, MACFILTER_STORE_DEFAULT, CTL_PROG,
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

static const struct option macfilter_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "store", required_argument, NULL, 'S' },
	{ "no-save", no_argument, NULL, 'N' },
	{ 0 },
};

/* What replies and events may hold; libnl checks lengths against it. */
static const struct nla_policy policy[IRSEND_A_MAX + 1] = {
	[IRSEND_A_MAC] = { .minlen = MAC_LEN, .maxlen = MAC_LEN },
	[IRSEND_A_ENABLED] = { .type = NLA_U8 },
	[IRSEND_A_COUNT] = { .type = NLA_U32 },
	[IRSEND_A_LIMIT] = { .type = NLA_U32 },
	[IRSEND_A_ACCEPTED] = { .type = NLA_U64 },
	[IRSEND_A_DROPPED] = { .type = NLA_U64 },
	[IRSEND_A_HITS] = { .type = NLA_U64 },
	[IRSEND_A_IFINDEX] = { .type = NLA_U32 },
	[IRSEND_A_LOCKDOWN] = { .type = NLA_U8 },
	[IRSEND_A_LOCKDOWN_DROPS] = { .type = NLA_U64 },
};

struct stats {
	bool have;
	uint8_t enabled, lockdown;
	uint32_t count, limit;
	uint64_t accepted, dropped, lockdown_drops;
};

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static uint8_t get_u8(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u8(tb[type]) : 0;
}

static int stats_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct stats *s = arg;

	if (cmd != IRSEND_CMD_MAC_STATS || !tb[IRSEND_A_COUNT] || !tb[IRSEND_A_LIMIT])
		return -EPROTO;
	s->have = true;
	s->enabled = get_u8(tb, IRSEND_A_ENABLED);
	s->count = get_u32(tb, IRSEND_A_COUNT);
	s->limit = get_u32(tb, IRSEND_A_LIMIT);
	s->accepted = get_u64(tb, IRSEND_A_ACCEPTED);
	s->dropped = get_u64(tb, IRSEND_A_DROPPED);
	s->lockdown = get_u8(tb, IRSEND_A_LOCKDOWN);
	s->lockdown_drops = get_u64(tb, IRSEND_A_LOCKDOWN_DROPS);
	return 0;
}

/* STATS into *s: 0, or a negative errno. */
static int get_stats(struct genl_client *c, struct stats *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = genl_client_request(c, IRSEND_CMD_MAC_STATS, false, NULL, 0, stats_reply, s);
	if (!err && !s->have)
		err = -EPROTO;
	return err;
}

/* One line on stderr for a failed request; returns the exit status. */
static int report_error(struct genl_client *c, const char *sub, const char *mac, int err)
{
	bool reads = !strcmp(sub, "list") || !strcmp(sub, "stats");
	struct stats s;

	if (err == -EIO) /* genl_client_request() said why */
		return CTL_EXIT_FAILURE;
	if (err == -EPERM)
		fprintf(stderr, "%s: %s the MAC filter needs CAP_NET_ADMIN (run as root)\n", PROG,
			reads ? "reading" : "changing");
	else if (err == -ENOSPC && get_stats(c, &s) == 0)
		fprintf(stderr,
			"%s: the list is full: %u addresses (delete one first, or raise the "
			"module parameter mac_limit)\n",
			PROG, s.limit);
	else if (err == -ENOSPC)
		fprintf(stderr, "%s: the list is full\n", PROG);
	else if (err == -ENOENT && mac)
		fprintf(stderr, "%s: %s is not in the list\n", PROG, mac);
	else if (err == -EINVAL && mac)
		fprintf(stderr,
			"%s: the module refused %s as invalid: not a unicast, non-zero MAC\n", PROG,
			mac);
	else if (err == -EINVAL && !reads && strcmp(sub, "flush"))
		fprintf(stderr, "%s: the module refused the value of '%s' as invalid (0 or 1)\n",
			PROG, sub);
	else if (err == -EPROTO)
		fprintf(stderr, "%s %s: the module sent a malformed reply\n", PROG, sub);
	else if (err == -EOPNOTSUPP || err == -EINVAL)
		fprintf(stderr,
			"%s %s: the module refused the request as unknown or invalid (%s): is it "
			"older than irsendctl?\n",
			PROG, sub, strerror(-err));
	else
		fprintf(stderr, "%s %s: the module refused the request: %s\n", PROG, sub,
			strerror(-err));
	return CTL_EXIT_FAILURE;
}

static int set_enabled(struct genl_client *c, bool on)
{
	uint8_t v = on;
	struct genl_attr a = { IRSEND_A_ENABLED, sizeof(v), &v };
	struct stats s;
	int err;

	err = genl_client_request(c, IRSEND_CMD_MAC_SET_ENABLED, false, &a, 1, NULL, NULL);
	if (err)
		return report_error(c, on ? "on" : "off", NULL, err);
	if (!on || get_stats(c, &s)) {
		printf("MAC filter: %s\n", on ? "on" : "off");
		return CTL_EXIT_OK;
	}
	printf("MAC filter: on, %u of %u addresses listed\n", s.count, s.limit);
	if (!s.count)
		fprintf(stderr,
			"%s: warning: the list is empty: every frame from the network is dropped\n",
			PROG);
	return CTL_EXIT_OK;
}

/* saved: the saved list has mac (del then succeeds when only the file has it). */
static int change(struct genl_client *c, const char *sub, const uint8_t mac[MAC_LEN], bool saved)
{
	struct genl_attr a = { IRSEND_A_MAC, MAC_LEN, mac };
	uint8_t cmd = !strcmp(sub, "add") ? IRSEND_CMD_MAC_ADD : IRSEND_CMD_MAC_DEL;
	char s[MAC_STR_LEN];
	int err;

	mac_format(mac, s);
	err = genl_client_request(c, cmd, false, &a, 1, NULL, NULL);
	if (err == -ENOENT && saved) {
		printf("deleted %s from the saved list (the module did not list it)\n", s);
		return CTL_EXIT_OK;
	}
	if (err)
		return report_error(c, sub, s, err);
	printf("%s %s\n", cmd == IRSEND_CMD_MAC_ADD ? "added" : "deleted", s);
	return CTL_EXIT_OK;
}

static int flush(struct genl_client *c)
{
	int err = genl_client_request(c, IRSEND_CMD_MAC_FLUSH, false, NULL, 0, NULL, NULL);

	if (err)
		return report_error(c, "flush", NULL, err);
	printf("the list is empty\n");
	return CTL_EXIT_OK;
}

struct list_state {
	struct json_writer *w; /* NULL: text */
};

static int list_entry(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct list_state *ls = arg;
	char s[MAC_STR_LEN];

	if (cmd != IRSEND_CMD_MAC_LIST || !tb[IRSEND_A_MAC])
		return -EPROTO;
	mac_format(nla_data(tb[IRSEND_A_MAC]), s);
	if (!ls->w) {
		printf("%s %llu\n", s, (unsigned long long)get_u64(tb, IRSEND_A_HITS));
		return 0;
	}
	json_object_open(ls->w, NULL);
	json_string(ls->w, "mac", s);
	json_uint(ls->w, "hits", get_u64(tb, IRSEND_A_HITS));
	json_object_close(ls->w);
	return 0;
}

static int list(struct genl_client *c, bool json)
{
	struct json_writer w;
	struct list_state ls = { json ? &w : NULL };
	int err;

	if (json) {
		json_begin(&w, stdout);
		json_array_open(&w, NULL);
	}
	err = genl_client_request(c, IRSEND_CMD_MAC_LIST, true, NULL, 0, list_entry, &ls);
	if (json) {
		/* Valid JSON even after an error: the exit status says it failed. */
		json_array_close(&w);
		json_end(&w);
	}
	return err ? report_error(c, "list", NULL, err) : CTL_EXIT_OK;
}

static int stats(struct genl_client *c, bool json)
{
	struct json_writer w;
	struct stats s;
	int err = get_stats(c, &s);

	if (err)
		return report_error(c, "stats", NULL, err);
	if (!json) {
		printf("enabled:        %s\n"
		       "addresses:      %u of %u\n"
		       "accepted:       %llu\n"
		       "dropped:        %llu\n"
		       "lockdown:       %s\n"
		       "lockdown drops: %llu\n",
		       s.enabled ? "yes" : "no", s.count, s.limit, (unsigned long long)s.accepted,
		       (unsigned long long)s.dropped, s.lockdown ? "yes" : "no",
		       (unsigned long long)s.lockdown_drops);
		return CTL_EXIT_OK;
	}
	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_uint(&w, "enabled", s.enabled);
	json_uint(&w, "count", s.count);
	json_uint(&w, "limit", s.limit);
	json_uint(&w, "accepted", s.accepted);
	json_uint(&w, "dropped", s.dropped);
	json_uint(&w, "lockdown", s.lockdown);
	json_uint(&w, "lockdown_drops", s.lockdown_drops);
	json_object_close(&w);
	json_end(&w);
	return CTL_EXIT_OK;
}

static int drop_event(struct nlattr **tb, uint8_t cmd, void *arg)
{
	bool json = *(bool *)arg;
	char s[MAC_STR_LEN], name[IF_NAMESIZE] = "";
	uint32_t ifindex = get_u32(tb, IRSEND_A_IFINDEX);
	struct json_writer w;

	if (cmd != IRSEND_CMD_MAC_DROPPED || !tb[IRSEND_A_MAC])
		return -EPROTO;
	mac_format(nla_data(tb[IRSEND_A_MAC]), s);
	/* The device may be gone already: then only its index is known. */
	if (!ifindex || !if_indextoname(ifindex, name))
		name[0] = '\0';
	if (json) {
		json_begin(&w, stdout);
		json_object_open(&w, NULL);
		json_string(&w, "mac", s);
		json_uint(&w, "ifindex", ifindex);
		json_string(&w, "ifname", name);
		json_object_close(&w);
		json_end(&w);
		return 0;
	}
	if (name[0])
		printf("%s %s\n", s, name);
	else
		printf("%s ifindex %u\n", s, ifindex);
	fflush(stdout);
	return 0;
}

static int watch(struct genl_client *c, bool json)
{
	sigset_t wait_mask;
	struct pollfd pfd;

	interrupt_setup(&wait_mask);
	if (genl_client_subscribe(c, IRSEND_GENL_NAME, IRSEND_GENL_MCGRP_DROPS, drop_event, &json))
		return CTL_EXIT_FAILURE;
	pfd.fd = genl_client_fd(c);
	pfd.events = POLLIN;
	while (!interrupt_signal()) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s watch: %s\n", PROG, strerror(errno));
			return CTL_EXIT_FAILURE;
		}
		if ((pfd.revents & (POLLIN | POLLERR)) && genl_client_receive(c))
			return CTL_EXIT_FAILURE;
	}
	return CTL_EXIT_SIGNAL + interrupt_signal();
}

/* The subcommand's work once the command line is known good. */
static int run(struct genl_client *c, const struct ctl_options *opt, const char *sub,
	       const uint8_t mac[MAC_LEN], struct saved_list *sl)
{
	bool takes_mac = !strcmp(sub, "add") || !strcmp(sub, "del");

	if (takes_mac)
		return change(c, sub, mac, sl && saved_has(sl, mac));
	if (!strcmp(sub, "on") || !strcmp(sub, "off"))
		return set_enabled(c, sub[1] == 'n');
	if (!strcmp(sub, "flush"))
		return flush(c);
	if (!strcmp(sub, "list"))
		return list(c, opt->json);
	if (!strcmp(sub, "stats"))
		return stats(c, opt->json);
	return watch(c, opt->json);
}

int cmd_macfilter(const struct ctl_options *opt, int argc, char **argv)
{
	static const char *const simple[] = { "on",    "off",	"flush", "list",
					      "stats", "watch", "apply" };
	struct saved_list sl = { 0 };
	const char *sub, *why, *store = NULL;
	bool takes_mac = false, save = true, changes;
	struct genl_client c;
	uint8_t mac[MAC_LEN];
	int ch, n, status;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", macfilter_options, NULL)) != -1) {
		if (ch == 'S') {
			store = optarg;
		} else if (ch == 'N') {
			save = false;
		} else if (ch == 'h') {
			macfilter_help();
			return CTL_EXIT_OK;
		} else {
			return option_error(CMD, argv, ch);
		}
	}
	if (optind >= argc)
		return usage_error(
			CMD, "expected on, off, add, del, flush, list, stats, watch or apply");
	sub = argv[optind];
	n = argc - optind - 1;
	if (!strcmp(sub, "add") || !strcmp(sub, "del")) {
		takes_mac = true;
		if (n != 1)
			return usage_error(CMD, "%s takes one MAC address", sub);
		if (!mac_parse(argv[optind + 1], mac))
			return usage_error(CMD,
					   "'%s' is not a MAC address: expected aa:bb:cc:dd:ee:ff "
					   "or aa-bb-cc-dd-ee-ff",
					   argv[optind + 1]);
		why = mac_not_unicast(mac);
		if (why)
			return usage_error(CMD, "%s is %s: only a unicast address names one host",
					   argv[optind + 1], why);
	} else {
		size_t i = 0;

		while (i < sizeof(simple) / sizeof(simple[0]) && strcmp(sub, simple[i]))
			i++;
		if (i == sizeof(simple) / sizeof(simple[0]))
			return usage_error(CMD, "unknown subcommand '%s'", sub);
		if (n)
			return usage_error(CMD, "%s takes no arguments", sub);
	}
	if (store && !*store)
		return usage_error(CMD, "--store needs a path");
	if (!strcmp(sub, "apply")) {
		if (!save)
			return usage_error(CMD,
					   "apply saves nothing: --no-save does not go with it");
		return saved_apply(macfilter_store_path(store));
	}
	changes = takes_mac || !strcmp(sub, "on") || !strcmp(sub, "off") || !strcmp(sub, "flush");
	if (changes && save && saved_begin(&sl, macfilter_store_path(store))) {
		saved_end(&sl);
		return CTL_EXIT_FAILURE;
	}
	if (genl_client_open(&c, PROG, IRSEND_GENL_NAME, IRSEND_GENL_VERSION, IRSEND_A_MAX,
			     policy)) {
		saved_end(&sl);
		return CTL_EXIT_FAILURE;
	}
	status = run(&c, opt, sub, mac, sl.store ? &sl : NULL);
	genl_client_close(&c);
	if (status == CTL_EXIT_OK && sl.store && saved_commit(&sl, sub, mac))
		status = CTL_EXIT_FAILURE;
	saved_end(&sl);
	return status;
}
