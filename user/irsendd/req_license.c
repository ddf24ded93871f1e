/*
 * license.list, license.register, license.invalidate: the device's
 * licensed options (seed 3.1.1, 4.4.2). Registering and giving up are
 * for root and the agent's user; anyone on the socket may list. Keys are
 * never logged: only the option and sequence they carried.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "license.h"
#include "log.h"
#include "server_priv.h"

#define MSG_WRONG_KEY "The number of the license key is not correct. Check the license key."
#define MSG_ALREADY "The function has already been enabled."

static bool may_change(struct request *r)
{
	if (r->client->uid == 0 || r->client->uid == geteuid())
		return true;
	reply_error(r, "EPERM", "licenses may be changed by root and the agent's user only");
	return false;
}

static struct json_object *option_json(const struct license_device *d, unsigned int o)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "option", json_object_new_string(license_option_name(o)));
	json_object_object_add(j, "number", json_object_new_int((int)o));
	json_object_object_add(j, "state",
			       json_object_new_string(license_state_name(d->softid.opt[o].state)));
	json_object_object_add(j, "running", json_object_new_boolean(license_is_active(d, o)));
	json_object_object_add(j, "sequence", json_object_new_int((int)d->softid.opt[o].sequence));
	return j;
}

void req_license_list(struct request *r)
{
	const struct license_device *d = r->srv->license;
	struct json_object *o = json_object_new_object(), *opts = json_object_new_array(),
			   *invs = json_object_new_array();
	time_t now = time(NULL);

	for (unsigned int i = 1; i <= LICENSE_OPTION_COUNT; i++)
		json_object_array_add(opts, option_json(d, i));
	for (size_t i = 0; i < d->ledger.count; i++) {
		const struct license_invalidation *v = &d->ledger.inv[i];
		struct json_object *j = json_object_new_object();
		const char *name = license_option_name(v->option);

		json_object_object_add(j, "option", json_object_new_string(name ? name : "?"));
		json_object_object_add(j, "sequence", json_object_new_int((int)v->sequence));
		json_object_object_add(j, "certificate", json_object_new_string(v->certificate));
		json_object_array_add(invs, j);
	}
	json_object_object_add(o, "serial", json_object_new_string(d->serial));
	json_object_object_add(o, "problem", json_object_new_string(d->problem));
	json_object_object_add(o, "options", opts);
	json_object_object_add(o, "invalidations", invs);
	json_object_object_add(o, "failed", json_object_new_int((int)d->ledger.failed));
	json_object_object_add(
		o, "locked_s",
		json_object_new_int64(d->ledger.locked_until > (uint64_t)now
					      ? (int64_t)(d->ledger.locked_until - (uint64_t)now)
					      : 0));
	reply_ok(r, o);
}

void req_license_register(struct request *r)
{
	struct license_device *d = r->srv->license;
	const char *key = arg_string(r, "key", true);
	struct license_result res;
	struct json_object *o;
	const char *name;

	if (!key || !may_change(r))
		return;
	license_register(d, key, (uint64_t)time(NULL), &res);
	name = license_option_name(res.fields.option);
	switch (res.outcome) {
	case LICENSE_REGISTERED:
		log_msg(LOG_INFO, 0,
			"uid %ld registered %s (sequence %06u): active from the next start",
			(long)r->client->uid, name, res.fields.sequence);
		o = json_object_new_object();
		json_object_object_add(o, "option", json_object_new_string(name));
		json_object_object_add(o, "sequence",
				       json_object_new_int((int)res.fields.sequence));
		json_object_object_add(o, "state", json_object_new_string("pending"));
		reply_ok(r, o);
		return;
	case LICENSE_WRONG_KEY:
		log_msg(LOG_WARNING, 0, "uid %ld: a wrong license key (%s)%s%s",
			(long)r->client->uid,
			res.key_status == LICENSE_NOT_OURS     ? "not for this device"
			: res.key_status == LICENSE_BAD_OPTION ? "no such option"
							       : "mistyped",
			d->ledger.failed >= LICENSE_FREE_TRIES ? ": " : "",
			d->ledger.failed >= LICENSE_FREE_TRIES ? res.detail : "");
		reply_error(r, "EINVAL", MSG_WRONG_KEY "\n%s", res.detail);
		return;
	case LICENSE_ALREADY_ENABLED:
		reply_error(r, "EEXIST", MSG_ALREADY " (%s, sequence %06u)", name,
			    d->softid.opt[res.fields.option].sequence);
		return;
	case LICENSE_INVALIDATED:
		reply_error(r, "EKEYREVOKED",
			    "This license key (%s, sequence %06u) was invalidated on this device "
			    "and cannot be registered again.",
			    name, res.fields.sequence);
		return;
	case LICENSE_LOCKED:
		reply_error(r, "EAGAIN",
			    "Too many wrong license keys: registration is locked for %llu s more.",
			    (unsigned long long)res.wait_s);
		return;
	case LICENSE_UNAVAILABLE:
		reply_error(r, "ENODEV", "Licenses cannot be registered: %s", res.detail);
		return;
	}
}

void req_license_invalidate(struct request *r)
{
	struct license_device *d = r->srv->license;
	const char *name = arg_string(r, "option", true);
	char cert[LICENSE_DIGITS + 1], err[200];
	enum license_option option;
	struct json_object *o;
	uint32_t seq;

	if (!name || !may_change(r))
		return;
	if (license_option_parse(name, &option) < 0) {
		reply_error(r, "EINVAL",
			    "no option \"%.32s\" (SEND, ENPDF, SPDF, EXPDF, LIPS, PDFDR, "
			    "SCR, HDCLR, BRDIM, VNC or WEB)",
			    name);
		return;
	}
	seq = d->softid.opt[option].sequence;
	if (license_invalidate(d, option, cert, err, sizeof(err)) < 0) {
		reply_error(r, d->problem[0] ? "ENODEV" : "ENOENT", "%s", err);
		return;
	}
	log_msg(LOG_WARNING, 0, "uid %ld invalidated %s (sequence %06u): it is off now",
		(long)r->client->uid, license_option_name(option), seq);
	o = json_object_new_object();
	json_object_object_add(o, "option", json_object_new_string(license_option_name(option)));
	json_object_object_add(o, "sequence", json_object_new_int((int)seq));
	json_object_object_add(o, "serial", json_object_new_string(d->serial));
	json_object_object_add(o, "certificate", json_object_new_string(cert));
	reply_ok(r, o);
}
