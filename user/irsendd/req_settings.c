/*
 * settings.get|set|list (user settings, on the data disk) and
 * service.get|set|list (service-mode values, in NVRAM; in a file next to
 * the user settings when the agent runs without the module). Values are
 * text; a value that does not fit is refused with what is allowed.
 * Secrets are shown as "(set)" and never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server_priv.h"
#include "service_blob.h"
#include "settings_store.h"

static struct json_object *setting_json(const struct setting_def *d, const char *value, bool set)
{
	struct json_object *o = json_object_new_object();
	char allowed[256];

	setting_allowed(d, allowed, sizeof(allowed));
	json_object_object_add(o, "key", json_object_new_string(d->key));
	json_object_object_add(o, "value", json_object_new_string(setting_display(d, value)));
	json_object_object_add(o, "default", json_object_new_string(setting_display(d, d->def)));
	json_object_object_add(o, "set", json_object_new_boolean(set));
	json_object_object_add(o, "allowed", json_object_new_string(allowed));
	json_object_object_add(o, "description", json_object_new_string(d->desc));
	return o;
}

/* Service values: NVRAM through the module, else a file beside the user settings. */
static int service_load(struct server *s, struct settings_store *st, char *err, size_t errlen)
{
	char path[600];

	if (s->device_fd >= 0)
		return service_nvram_load(s->device_fd, st, err, errlen);
	snprintf(path, sizeof(path), "%s.service", s->settings_path);
	if (access(path, F_OK) < 0)
		return 0;
	return settings_store_load(st, path, err, errlen);
}

static int service_save(struct server *s, const struct settings_store *st, char *err, size_t errlen)
{
	char path[600];

	if (s->device_fd >= 0)
		return service_nvram_save(s->device_fd, st, err, errlen);
	snprintf(path, sizeof(path), "%s.service", s->settings_path);
	return settings_store_save(st, path, err, errlen);
}

void req_settings(struct request *r)
{
	bool service = strncmp(r->cmd, "service.", 8) == 0;
	const char *verb = strchr(r->cmd, '.') + 1;
	enum setting_scope scope = service ? SETTING_SERVICE : SETTING_USER;
	struct settings_store *st = r->srv->settings, *owned = NULL;
	char err[SETTINGS_LOAD_ERR_MAX];
	const struct setting_def *d = NULL;
	const char *key = NULL, *value;

	if (service) {
		owned = st = settings_store_new(SETTING_SERVICE);
		if (!st || service_load(r->srv, st, err, sizeof(err)) < 0) {
			reply_error(r, "EIO", "service-mode values: %s",
				    st ? err : "out of memory");
			settings_store_free(owned);
			return;
		}
	}
	if (strcmp(verb, "list") != 0) {
		key = arg_string(r, "key", true);
		if (!key)
			goto out;
		d = setting_find(scope, key);
		if (!d) {
			reply_error(r, "ENOENT", "unknown %s setting \"%.64s\" (see %s list)",
				    setting_scope_name(scope), key, r->cmd);
			goto out;
		}
	}
	if (strcmp(verb, "list") == 0) {
		struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

		for (size_t i = 0; i < setting_count(scope); i++) {
			const struct setting_def *sd = setting_at(scope, i);

			json_object_array_add(arr, setting_json(sd, settings_store_value(st, sd),
								settings_store_is_set(st, sd)));
		}
		json_object_object_add(o, "settings", arr);
		reply_ok(r, o);
	} else if (strcmp(verb, "get") == 0) {
		reply_ok(r, setting_json(d, settings_store_value(st, d),
					 settings_store_is_set(st, d)));
	} else {
		/* Service mode is the engineer's: root only. */
		if (service && r->client->uid != 0) {
			reply_error(r, "EPERM", "service-mode values may be changed by root only");
			goto out;
		}
		value = arg_string(r, "value", true);
		if (!value)
			goto out;
		if (settings_store_set(st, d->key, value, err, sizeof(err)) < 0) {
			reply_error(r, "EINVAL", "%s", err);
			goto out;
		}
		if ((service ? service_save(r->srv, st, err, sizeof(err))
			     : settings_store_save(st, r->srv->settings_path, err, sizeof(err))) <
		    0) {
			reply_error(r, "EIO", "%s", err);
			goto out;
		}
		log_msg(LOG_INFO, 0, "uid %ld set %s %s", (long)r->client->uid,
			setting_scope_name(scope), d->key);
		reply_ok(r, setting_json(d, settings_store_value(st, d), true));
		if (r->srv->settings_changed)
			r->srv->settings_changed(r->srv->settings_changed_arg);
	}
out:
	settings_store_free(owned);
}
