/* Inside the control server: replies and the request handlers. */
#ifndef IRSENDD_SERVER_PRIV_H
#define IRSENDD_SERVER_PRIV_H

#include "server.h"

struct request {
	struct server *srv;
	struct server_client *client;
	uint64_t id;
	const char *cmd;
	struct json_object *args;
	int *fds; /* descriptors that came with the request; a handler may take them */
	size_t nfds;
};

/* Send the reply (takes result; NULL: an empty object), or an error reply. */
void reply_ok(struct request *r, struct json_object *result);
void reply_ok_fds(struct request *r, struct json_object *result, const int *fds, size_t nfds);
/* code: "EINVAL", "ENOENT", "EPERM", ... or "#711" for a section 4.3 code. */
void reply_error(struct request *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void send_event(struct server_client *c, uint64_t req_id, struct json_object *event);

/* Answer a send whose job is journalled: its id, or the "accepted" event (follow). */
void send_accepted(struct request *r, uint32_t job, bool follow);

/* Handlers: each sends exactly one reply (or arranges one, for follow). */
void req_send(struct request *r);
void req_jobs(struct request *r);
void req_job_show(struct request *r);
void req_job_cancel(struct request *r);
void req_box_list(struct request *r);
void req_box_show(struct request *r);
void req_box_export(struct request *r);
void req_box_delete(struct request *r);
void req_box_set(struct request *r);
void req_settings(struct request *r);
void req_license_list(struct request *r);
void req_receive_status(struct request *r);
void req_receive_check(struct request *r);
void req_receive_log(struct request *r);
void req_license_register(struct request *r);
void req_license_invalidate(struct request *r);
void req_keys_list(struct request *r);
void req_keys_generate(struct request *r);
void req_keys_import(struct request *r);
void req_keys_use(struct request *r);
void req_keys_export_cert(struct request *r);
void req_keys_delete(struct request *r);
void req_backup_run(struct request *r);
void req_backup_status(struct request *r);
void req_restore_schedule(struct request *r);
void req_restore_status(struct request *r);
void req_restore_cancel(struct request *r);

/*
 * The TLS key store (req_keys.c): at start-up, after the privilege drop,
 * open data_dir/keys and make DefaultKey when there is none: 0, or -1
 * with err (keys.* then answer ENODEV). agent_keys() is the open store
 * (NULL before), for the SMTP server's keystore_paths().
 */
struct keystore;
int agent_keys_init(const char *data_dir, char *err, size_t errlen);
const struct keystore *agent_keys(void);
void agent_keys_close(void);

/* "smb" or "ftp" destinations of a send into spec: 0, or -1 (replied). */
int parse_file_dests(struct request *r, struct job_spec *spec, struct json_object *arr,
		     enum job_dest_type type);

/* Argument helpers: on failure they reply EINVAL and return -1. */
int arg_uint(struct request *r, const char *key, uint64_t min, uint64_t max, bool required,
	     uint64_t *out);
const char *arg_string(struct request *r, const char *key, bool required);

#endif
