/*
 * keys.list, keys.generate, keys.import, keys.use, keys.export-cert,
 * keys.delete: the key pairs and certificates the SMTP server offers for
 * TLS (seed 2.1.7; keystore.h). Anyone allowed on the socket may list
 * them and export certificates; the rest is root's and the agent's
 * user's. A private key comes in only with keys.import, as PEM text in
 * the request, and never goes out: not in a reply, not in the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "keystore.h"
#include "log.h"
#include "server_priv.h"
#include "settings_store.h"

/* The user setting that names the key the SMTP server uses. */
#define KEY_SETTING "smtpd.key"

/* Opened at start-up (agent_keys_init); the handlers run on the agent's thread. */
static struct keystore *keys;

static void host_name(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0 || !buf[0])
		snprintf(buf, len, "irsend");
	buf[len - 1] = '\0';
}

int agent_keys_init(const char *data_dir, char *err, size_t errlen)
{
	char dir[KEYSTORE_PATH_MAX], host[256];
	int made;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", data_dir, KEYSTORE_SUBDIR) >= sizeof(dir)) {
		snprintf(err, errlen, "TLS keys: data_dir is too long");
		return -1;
	}
	keystore_close(keys);
	keys = keystore_open(dir, err, errlen);
	if (!keys)
		return -1;
	host_name(host, sizeof(host));
	made = keystore_ensure_default(keys, host, KEYSTORE_RSA2048, err, errlen);
	if (made > 0)
		log_msg(LOG_INFO, 0, "TLS key %s made: RSA 2048, self-signed for %s",
			KEYSTORE_DEFAULT, host);
	return made < 0 ? -1 : 0;
}

const struct keystore *agent_keys(void)
{
	return keys;
}

void agent_keys_close(void)
{
	keystore_close(keys);
	keys = NULL;
}

/* The protocol's name for what the key store said (keystore.h lists them). */
static const char *code_of(int e)
{
	switch (e) {
	case EINVAL:
		return "EINVAL";
	case EEXIST:
		return "EEXIST";
	case ENOENT:
		return "ENOENT";
	case EPERM:
		return "EPERM";
	case EBUSY:
		return "EBUSY";
	case EFBIG:
		return "EFBIG";
	case EKEYREJECTED:
		return "EKEYREJECTED";
	case EKEYEXPIRED:
		return "EKEYEXPIRED";
	default:
		return "EIO";
	}
}

static void store_error(struct request *r, const char *err)
{
	int e = errno;

	if (e == EKEYEXPIRED)
		reply_error(r, code_of(e), "%s (\"force\" accepts it anyway)", err);
	else
		reply_error(r, code_of(e), "%s", err);
}

static bool have_store(struct request *r)
{
	if (keys)
		return true;
	reply_error(r, "ENODEV", "the key store is not open (the agent's log says why)");
	return false;
}

static bool may_change(struct request *r)
{
	if (r->client->uid == 0 || r->client->uid == geteuid())
		return true;
	reply_error(r, "EPERM", "keys may be changed by root and the agent's user only");
	return false;
}

/* The key the SMTP server uses: the setting, DefaultKey until one is chosen. */
static const char *key_in_use(struct request *r)
{
	const char *v = r->srv->settings ? settings_store_get(r->srv->settings, KEY_SETTING) : NULL;

	return v && *v ? v : KEYSTORE_DEFAULT;
}

/* An optional boolean argument: 0, or -1 (replied). */
static int arg_bool(struct request *r, const char *key, bool *out)
{
	struct json_object *v;

	*out = false;
	if (!json_object_object_get_ex(r->args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		reply_error(r, "EINVAL", "%s: \"%s\" must be true or false", r->cmd, key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* An optional string argument, def when absent: 0, or -1 (replied). */
static int opt_string(struct request *r, const char *key, const char *def, const char **out)
{
	if (!json_object_object_get_ex(r->args, key, NULL)) {
		*out = def;
		return 0;
	}
	*out = arg_string(r, key, true);
	return *out ? 0 : -1;
}

/* A string argument with its length (PEM may hold anything). */
static const char *arg_text(struct request *r, const char *key, bool required, size_t *len)
{
	const char *s = arg_string(r, key, required);
	struct json_object *v;

	*len = 0;
	if (s && json_object_object_get_ex(r->args, key, &v))
		*len = (size_t)json_object_get_string_len(v);
	return s;
}

/* Wipe the request's copy of a secret once used (json-c owns the buffer; it is freed after). */
static void wipe_arg(struct request *r, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(r->args, key, &v) && json_object_is_type(v, json_type_string))
		OPENSSL_cleanse((char *)json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
}

static struct json_object *utc(time_t t)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

static struct json_object *sans_json(const char *text)
{
	struct json_object *a = json_object_new_array();

	while (*text) {
		size_t n = strcspn(text, ",");

		json_object_array_add(a, json_object_new_string_len(text, (int)n));
		text += n;
		text += strspn(text, ", ");
	}
	return a;
}

static struct json_object *info_json(const struct keystore_info *k)
{
	struct json_object *o = json_object_new_object();
	char alg[32];

	/* "RSA 2048", "EC P-256": how people name them. */
	if (k->curve[0])
		snprintf(alg, sizeof(alg), "%s %s", k->key_type, k->curve);
	else
		snprintf(alg, sizeof(alg), "%s %u", k->key_type, k->bits);
	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "in_use", json_object_new_boolean(k->in_use));
	json_object_object_add(o, "problem", json_object_new_string(k->problem));
	if (!k->key_type[0]) /* its certificate could not be read */
		return o;
	json_object_object_add(o, "algorithm", json_object_new_string(alg));
	json_object_object_add(o, "key_type", json_object_new_string(k->key_type));
	json_object_object_add(o, "bits", json_object_new_int((int)k->bits));
	json_object_object_add(o, "subject", json_object_new_string(k->subject));
	json_object_object_add(o, "issuer", json_object_new_string(k->issuer));
	json_object_object_add(o, "self_signed", json_object_new_boolean(k->self_signed));
	json_object_object_add(o, "not_before", utc(k->not_before));
	json_object_object_add(o, "not_after", utc(k->not_after));
	json_object_object_add(o, "sha256", json_object_new_string(k->fingerprint));
	json_object_object_add(o, "sans", sans_json(k->sans));
	json_object_object_add(o, "chain", json_object_new_int((int)k->chain_len));
	return o;
}

/* Reply with one key as keys.list shows it. */
static void reply_key(struct request *r, const char *name)
{
	struct keystore_info info;
	char err[KEYSTORE_ERR_MAX];
	struct json_object *o;

	if (keystore_describe(keys, name, key_in_use(r), 0, &info, err, sizeof(err)) < 0) {
		store_error(r, err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "key", info_json(&info));
	reply_ok(r, o);
}

void req_keys_list(struct request *r)
{
	struct json_object *o, *arr;
	struct keystore_info *list;
	char err[KEYSTORE_ERR_MAX];
	size_t n;

	if (!have_store(r))
		return;
	if (keystore_list(keys, key_in_use(r), 0, &list, &n, err, sizeof(err)) < 0) {
		store_error(r, err);
		return;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, info_json(&list[i]));
	free(list);
	o = json_object_new_object();
	json_object_object_add(o, "keys", arr);
	json_object_object_add(o, "in_use", json_object_new_string(key_in_use(r)));
	reply_ok(r, o);
}

void req_keys_generate(struct request *r)
{
	struct keystore_gen_opts o = { .alg = KEYSTORE_RSA2048 };
	const char *name = arg_string(r, "name", true), *alg;
	char err[KEYSTORE_ERR_MAX], host[256];
	uint64_t days = 0;

	if (!name || !have_store(r) || !may_change(r))
		return;
	host_name(host, sizeof(host));
	if (opt_string(r, "algorithm", "rsa2048", &alg) < 0 ||
	    opt_string(r, "cn", host, &o.cn) < 0 || opt_string(r, "sans", "", &o.sans) < 0 ||
	    arg_uint(r, "days", 1, KEYSTORE_DAYS_MAX, false, &days) < 0)
		return;
	if (keystore_alg_parse(alg, &o.alg) < 0) {
		reply_error(r, "EINVAL",
			    "no key algorithm \"%.16s\" (rsa2048, rsa3072, ec256, ec384)", alg);
		return;
	}
	o.days = (unsigned int)days;
	if (keystore_generate(keys, name, &o, err, sizeof(err)) < 0) {
		store_error(r, err);
		return;
	}
	log_msg(LOG_INFO, 0, "uid %ld generated TLS key %s (%s, CN %.64s)", (long)r->client->uid,
		name, keystore_alg_name(o.alg), o.cn);
	reply_key(r, name);
}

void req_keys_import(struct request *r)
{
	struct keystore_import in = { 0 };
	const char *name = arg_string(r, "name", true);
	char err[KEYSTORE_ERR_MAX];
	int ret;

	if (!name || !have_store(r) || !may_change(r))
		goto out;
	in.key_pem = arg_text(r, "key", true, &in.key_len);
	if (!in.key_pem)
		goto out;
	in.chain_pem = arg_text(r, "chain", true, &in.chain_len);
	if (!in.chain_pem)
		goto out;
	if (opt_string(r, "passphrase", NULL, &in.passphrase) < 0 ||
	    arg_bool(r, "force", &in.force) < 0)
		goto out;
	ret = keystore_import(keys, name, &in, err, sizeof(err));
	if (ret < 0) {
		/* A name is logged only once known to be harmless: no line breaks from clients. */
		log_msg(LOG_WARNING, 0, "uid %ld: TLS key %s not imported: %s",
			(long)r->client->uid, keystore_name_valid(name) ? name : "(bad name)", err);
		store_error(r, err);
		goto out;
	}
	log_msg(LOG_INFO, 0, "uid %ld imported TLS key %s%s", (long)r->client->uid, name,
		in.force ? " (forced: dates not checked)" : "");
	reply_key(r, name);
out:
	wipe_arg(r, "key");
	wipe_arg(r, "passphrase");
}

void req_keys_use(struct request *r)
{
	struct settings_store *st = r->srv->settings;
	const char *name = arg_string(r, "name", true);
	char err[SETTINGS_LOAD_ERR_MAX], previous[KEYSTORE_PATH_MAX];
	struct json_object *o;
	bool force;

	if (!name || !have_store(r) || !may_change(r) || arg_bool(r, "force", &force) < 0)
		return;
	if (!st) {
		reply_error(r, "EIO", "the user settings are not available");
		return;
	}
	if (keystore_check_usable(keys, name, force, 0, err, sizeof(err)) < 0) {
		store_error(r, err);
		return;
	}
	snprintf(previous, sizeof(previous), "%s", key_in_use(r));
	if (settings_store_set(st, KEY_SETTING, name, err, sizeof(err)) < 0) {
		reply_error(r, "EINVAL", "%s", err);
		return;
	}
	if (settings_store_save(st, r->srv->settings_path, err, sizeof(err)) < 0) {
		char undo[SETTINGS_LOAD_ERR_MAX];

		/* What is in memory stays what is on disk. */
		settings_store_set(st, KEY_SETTING, previous, undo, sizeof(undo));
		reply_error(r, "EIO", "%s", err);
		return;
	}
	log_msg(LOG_INFO, 0, "uid %ld: the SMTP server's TLS key is %s (was %s)",
		(long)r->client->uid, name, previous);
	if (r->srv->settings_changed)
		r->srv->settings_changed(r->srv->settings_changed_arg);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "previous", json_object_new_string(previous));
	reply_ok(r, o);
}

void req_keys_export_cert(struct request *r)
{
	const char *name = arg_string(r, "name", true);
	char err[KEYSTORE_ERR_MAX], *pem;
	struct json_object *o;
	size_t len;

	if (!name || !have_store(r))
		return;
	pem = keystore_export_cert(keys, name, &len, err, sizeof(err));
	if (!pem) {
		store_error(r, err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "pem", json_object_new_string_len(pem, (int)len));
	free(pem);
	reply_ok(r, o);
}

void req_keys_delete(struct request *r)
{
	const char *name = arg_string(r, "name", true);
	char err[KEYSTORE_ERR_MAX];

	if (!name || !have_store(r) || !may_change(r))
		return;
	if (keystore_delete(keys, name, key_in_use(r), err, sizeof(err)) < 0) {
		store_error(r, err);
		return;
	}
	log_msg(LOG_INFO, 0, "uid %ld deleted TLS key %s", (long)r->client->uid, name);
	reply_ok(r, NULL);
}
