#include "receive_smtpd.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errcodes.h"
#include "keystore.h"
#include "log.h"
#include "mac.h"
#include "macfilter_store.h"
#include "receive.h"
#include "settings_store.h"
#include "smtpd.h"
#include "tls.h"
#include "tls_server.h"

#define ALLOW_MAX 1000

struct net {
	int family;
	unsigned char addr[16];
	unsigned int prefix;
};

struct rx_smtpd {
	int listen_fd;
	struct receiver *rx;
	char macfilter_path[256];
	struct macfilter_store macs; /* as saved when the server (re)started */
	struct smtpd *srv;
	SSL_CTX *tls;
	char hostname[256];
	struct net allow[ALLOW_MAX];
	size_t nallow;
};

int rx_smtpd_bind(const struct settings_store *user, const struct settings_store *service,
		  char *err, size_t errlen)
{
	long long port = settings_store_get_int(service, "SMTPRXPN");

	if (!settings_store_get_bool(user, "smtpd.enabled"))
		return -1;
	return smtpd_listen(NULL, (uint16_t)port, err, errlen);
}

struct rx_smtpd *rx_smtpd_new(int listen_fd, struct receiver *rx, const char *macfilter_store)
{
	struct rx_smtpd *s = calloc(1, sizeof(*s));

	if (s) {
		s->listen_fd = listen_fd;
		s->rx = rx;
		snprintf(s->macfilter_path, sizeof(s->macfilter_path), "%s", macfilter_store);
	}
	return s;
}

/* The peer's MAC from the kernel's ARP table (IPv4 peers on the link): 0, or -1. */
static int arp_mac(const unsigned char *a4, uint8_t mac[MAC_LEN])
{
	char line[256], ip[64], hw[64], want[INET_ADDRSTRLEN];
	FILE *f = fopen("/proc/net/arp", "re");
	int ret = -1;

	if (!f)
		return -1;
	inet_ntop(AF_INET, a4, want, sizeof(want));
	while (ret < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %*s %*s %63s", ip, hw) == 2 && strcmp(ip, want) == 0 &&
		    mac_parse(hw, mac))
			ret = 0;
	fclose(f);
	return ret;
}

/*
 * The MAC rule comes first (seed 2.1.5): with the MAC filter on, a peer
 * whose address is listed there is let in whatever the IP allow-list says.
 */
static bool mac_listed(const struct rx_smtpd *s, const unsigned char *a4)
{
	uint8_t mac[MAC_LEN];

	if (!s->macs.enabled || !a4 || arp_mac(a4, mac) < 0)
		return false;
	for (size_t i = 0; i < s->macs.count; i++)
		if (memcmp(s->macs.macs[i], mac, MAC_LEN) == 0)
			return true;
	return false;
}

static void stop(struct rx_smtpd *s)
{
	smtpd_stop(s->srv);
	s->srv = NULL;
	SSL_CTX_free(s->tls);
	s->tls = NULL;
}

void rx_smtpd_free(struct rx_smtpd *s)
{
	if (!s)
		return;
	stop(s);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free(s);
}

/* "198.18.0.0/15", "2001:db8::1" (validated by the settings already). */
static int parse_net(const char *text, size_t len, struct net *n)
{
	char buf[64];
	char *slash;
	unsigned int max;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	n->prefix = slash ? (unsigned int)strtoul(slash, NULL, 10) : max;
	return n->prefix <= max ? 0 : -1;
}

static bool in_net(const struct net *n, const unsigned char *addr)
{
	unsigned int full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, addr, full) != 0)
		return false;
	return !rest || ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

static bool peer_allowed(const struct sockaddr *sa, socklen_t len, void *arg)
{
	const struct rx_smtpd *s = arg;
	const unsigned char *a4 = NULL, *a6 = NULL;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	(void)len;
	if (!s->nallow)
		return true;
	if (sa->sa_family == AF_INET) {
		a4 = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		a6 = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d. */
		if (memcmp(a6, mapped, sizeof(mapped)) == 0)
			a4 = a6 + 12;
	}
	for (size_t i = 0; i < s->nallow; i++) {
		if (s->allow[i].family == AF_INET && a4 && in_net(&s->allow[i], a4))
			return true;
		if (s->allow[i].family == AF_INET6 && a6 && in_net(&s->allow[i], a6))
			return true;
	}
	return mac_listed(s, a4);
}

/* What reception needs of the envelope later: the sender, who wants a DSN on failure. */
static char *envelope_json(const struct smtpd_envelope *env)
{
	struct json_object *o = json_object_new_object(), *rcpts = json_object_new_array();
	char *text;

	json_object_object_add(o, "from", json_object_new_string(env->mail_from));
	json_object_object_add(o, "peer", json_object_new_string(env->peer));
	json_object_object_add(o, "tls", json_object_new_boolean(env->tls));
	for (size_t i = 0; i < env->nrcpt; i++) {
		unsigned int notify = env->rcpt_dsn ? env->rcpt_dsn[i].notify : 0;

		/* No NOTIFY means FAILURE (RFC 3461 4.1). */
		if (!notify || (notify & SMTPD_NOTIFY_FAILURE))
			json_object_array_add(rcpts, json_object_new_string(env->rcpt[i]));
	}
	json_object_object_add(o, "dsn_rcpt", rcpts);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

static int deliver(const struct smtpd_envelope *env, const char *path, void *arg, char *reply,
		   size_t replylen)
{
	struct rx_smtpd *s = arg;
	char *envelope;
	int ret;

	/* Full: the sender keeps the message and tries again later. */
	if (receive_inbox_full(s->rx)) {
		snprintf(reply, replylen, "452 4.3.1 Memory RX Inbox full, try again later");
		return -1;
	}
	envelope = envelope_json(env);
	ret = receive_spool_file(s->rx, path, "smtp", envelope);
	free(envelope);
	if (ret < 0) {
		log_msg(LOG_ERR, 0, "SMTP reception from %s: the spool refused it: %s", env->peer,
			strerror(errno));
		snprintf(reply, replylen, "452 4.3.1 Insufficient system storage");
		return -1;
	}
	log_msg(LOG_INFO, 0, "SMTP reception from %s%s: %llu bytes for %zu recipient%s (%s)",
		env->peer, env->tls ? " under TLS" : "", env->size, env->nrcpt,
		env->nrcpt == 1 ? "" : "s", env->id);
	return 0;
}

static void event(enum smtpd_event ev, const char *peer, const char *detail, void *arg)
{
	static const char *const what[] = {
		[SMTPD_EV_PEER_REFUSED] = "#831 refused by the IP allow-list",
		[SMTPD_EV_TLS_REJECT] = "SSL Error (SMTP RX Reject)",
		[SMTPD_EV_TLS_ERROR] = "SSL Error (SMTP Receive)",
		[SMTPD_EV_STALL] = "#801 stalled",
		[SMTPD_EV_LIMIT] = "over a limit",
		[SMTPD_EV_PROTOCOL] = "protocol error",
		[SMTPD_EV_LOCAL] = "our side failed",
	};

	(void)arg;
	log_msg(ev == SMTPD_EV_LIMIT || ev == SMTPD_EV_PROTOCOL ? LOG_INFO : LOG_WARNING, 0,
		"SMTP reception from %s: %s: %s", peer, what[ev], detail);
}

static int load_allow(struct rx_smtpd *s, const char *list, char *err, size_t errlen)
{
	s->nallow = 0;
	for (const char *p = list; *p && s->nallow < ALLOW_MAX;) {
		size_t len = strcspn(p, ",");

		if (parse_net(p, len, &s->allow[s->nallow]) < 0) {
			snprintf(err, errlen, "smtpd.allow: '%.*s' is not a network", (int)len, p);
			return -1;
		}
		s->nallow++;
		p += len;
		p += *p == ',';
	}
	return 0;
}

int rx_smtpd_apply(struct rx_smtpd *s, const struct settings_store *user,
		   const struct keystore *keys, char *err, size_t errlen)
{
	const char *mode = settings_store_get(user, "smtpd.tls");
	const char *name = settings_store_get(user, "smtpd.key");
	const char *host = settings_store_get(user, "device.hostname");
	struct smtpd_opts o = { .listen_fd = s->listen_fd };
	char crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX];

	stop(s);
	if (!settings_store_get_bool(user, "smtpd.enabled"))
		return 0;
	if (s->listen_fd < 0) {
		snprintf(err, errlen,
			 "smtpd.enabled was off at start: the port is bound when irsendd next "
			 "starts");
		return -1;
	}
	if (load_allow(s, settings_store_get(user, "smtpd.allow"), err, errlen) < 0)
		return -1;
	macfilter_store_init(&s->macs);
	if (access(s->macfilter_path, F_OK) == 0 &&
	    macfilter_store_load(&s->macs, s->macfilter_path, err, errlen) < 0)
		log_msg(LOG_WARNING, 0, "SMTP reception: the MAC allow-list is not used: %s", err);
	o.tls_mode = strcmp(mode, "ssl") == 0  ? SMTPD_TLS_REQUIRED
		     : strcmp(mode, "on") == 0 ? SMTPD_TLS_ON
					       : SMTPD_TLS_OFF;
	if (o.tls_mode != SMTPD_TLS_OFF) {
		if (!keys || keystore_paths(keys, name, crt, key) < 0) {
			snprintf(err, errlen, "smtpd.tls is %s but there is no key pair \"%s\"",
				 mode, name);
			return -1;
		}
		s->tls = irs_tls_server_ctx_new(
			crt, key,
			irs_tls_version_parse(settings_store_get(user, "tls.min_version")), err,
			errlen);
		if (!s->tls)
			return -1;
		o.tls_ctx = s->tls;
	}
	snprintf(s->hostname, sizeof(s->hostname), "%s", host);
	o.hostname = *s->hostname ? s->hostname : NULL;
	o.max_message_bytes = (size_t)settings_store_get_int(user, "smtpd.max_size_mb") << 20;
	o.max_recipients = (unsigned int)settings_store_get_int(user, "smtpd.max_recipients");
	o.max_sessions = (unsigned int)settings_store_get_int(user, "smtpd.max_sessions");
	o.spool_dir = receive_incoming_dir(s->rx);
	o.peer_allowed = peer_allowed;
	o.deliver = deliver;
	o.event = event;
	o.arg = s;
	if (smtpd_start(&s->srv, &o, err, errlen) < 0) {
		stop(s);
		return -1;
	}
	log_msg(LOG_INFO, 0, "SMTP reception: STARTTLS %s%s%s, %zu allowed networks", mode,
		o.tls_ctx ? " with key " : "", o.tls_ctx ? name : "", s->nallow);
	return 0;
}
