/*
 * A job: pages from the scanner or from files, encoded in one or more
 * formats, delivered to one or more destinations. What was asked (the
 * spec) never changes once the job is accepted; how far it got (the
 * state) is rewritten at each step, so that a restarted agent continues
 * from the last step that completed.
 */
#ifndef IRSEND_JOB_H
#define IRSEND_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>
#include <linux/irsend.h>

#define JOB_MAX_FORMATS 4
#define JOB_MAX_DESTS 8
#define JOB_NAME_MAX 64
#define JOB_FORMAT_NAME_MAX 16
#define JOB_MESSAGE_MAX 200
/* Recipients of one e-mail or I-Fax destination, comma-separated. */
#define JOB_ADDRS_MAX 4096

enum job_source {
	JOB_SOURCE_SCAN,  /* the simulated ADF (or a feeder) through the page ring */
	JOB_SOURCE_FILES, /* PNM pages handed over by the client, spooled at once */
};

enum job_dest_type {
	JOB_DEST_BOX,	/* a User Inbox */
	JOB_DEST_EMAIL, /* e-mail through the SMTP server of the settings */
	JOB_DEST_IFAX,	/* Internet fax (RFC 3965 simple or RFC 2532 full mode) */
	JOB_DEST_SMB,	/* a folder of an SMB share: \\server\share\dir */
	JOB_DEST_FTP,	/* a folder of an FTP server: ftp://host[:port]/dir */
};

enum job_ifax_mode {
	JOB_IFAX_SIMPLE, /* RFC 3965 through the SMTP server */
	JOB_IFAX_FULL,	 /* RFC 2532: MDN requested */
	JOB_IFAX_DIRECT, /* simple mode straight to the recipient's host (serverless) */
};

/* A file server's login. */
#define JOB_USER_MAX 128
#define JOB_SECRET_MAX 128

struct job_dest {
	enum job_dest_type type;
	uint32_t box;		      /* JOB_DEST_BOX */
	char addrs[JOB_ADDRS_MAX];    /* e-mail and I-Fax: a@b,c@d; SMB and FTP: the folder */
	enum job_ifax_mode ifax_mode; /* JOB_DEST_IFAX */
	char user[JOB_USER_MAX];      /* SMB, FTP: "" for anonymous */
	/* SMB, FTP. Kept in the job's own file (0600) for retries, never shown or logged. */
	char password[JOB_SECRET_MAX];
};

struct job_spec {
	uint32_t id;
	char name[JOB_NAME_MAX];
	enum job_source source;
	struct irsend_scan_request scan; /* JOB_SOURCE_SCAN */
	unsigned int nformats;
	char formats[JOB_MAX_FORMATS][JOB_FORMAT_NAME_MAX];
	unsigned int ndests;
	struct job_dest dests[JOB_MAX_DESTS];
	uid_t owner;
	time_t created;
};

enum job_stage {
	JOB_QUEUED,
	JOB_SCANNING,
	JOB_ENCODING,
	JOB_STORING,
	JOB_DONE, /* ended: ok, failed or cancelled, see result */
};

enum job_result {
	JOB_RESULT_NONE, /* not ended */
	JOB_RESULT_OK,
	JOB_RESULT_FAILED,
	JOB_RESULT_CANCELLED,
};

struct job_dest_state {
	bool done;
	unsigned int code;	     /* error code of section 4.3, 0 when ok (#899 for mail) */
	uint32_t doc;		     /* document id in the box when ok */
	unsigned int attempts;	     /* deliveries tried (mail: temporary failures are retried) */
	time_t next_try;	     /* after a temporary failure: not before this time */
	char reply[JOB_MESSAGE_MAX]; /* the server's last word, or why it failed */
};

struct job_state {
	enum job_stage stage;
	enum job_result result;
	uint32_t pages;		   /* pages in the spool */
	unsigned int formats_done; /* formats encoded, in spec order */
	struct job_dest_state dests[JOB_MAX_DESTS];
	unsigned int code; /* the job's error code, 0 when ok */
	char message[JOB_MESSAGE_MAX];
	time_t ended;
};

const char *job_stage_name(enum job_stage stage);
const char *job_result_name(enum job_result result);
const char *job_source_name(enum job_source source);
const char *job_dest_type_name(enum job_dest_type type);
/* "simple", "full", "direct"; job_ifax_mode_parse: 0, or -1 for another word. */
const char *job_ifax_mode_name(enum job_ifax_mode mode);
int job_ifax_mode_parse(const char *name, enum job_ifax_mode *mode);

/*
 * JSON forms, as the job log keeps them and the control socket shows them:
 * without passwords. job_spec_to_json_private() adds them, for the job's
 * own file only.
 */
struct json_object *job_spec_to_json(const struct job_spec *spec);
struct json_object *job_spec_to_json_private(const struct job_spec *spec);
struct json_object *job_state_to_json(const struct job_spec *spec, const struct job_state *st);
/* 0, or -1 with a reason in err when obj is not a valid spec/state. */
int job_spec_from_json(struct json_object *obj, struct job_spec *spec, char *err, size_t errlen);
int job_state_from_json(struct json_object *obj, const struct job_spec *spec, struct job_state *st,
			char *err, size_t errlen);

#endif
