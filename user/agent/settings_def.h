/*
 * The device's settings: what keys exist, their types, ranges, defaults
 * and descriptions, and how a value is checked and written.
 *
 * Two scopes share the machinery:
 *  - SETTING_USER: the operator's settings ("smtp.server", "pop.auth",
 *    ...), kept on the data disk (settings_store.h) and wiped by
 *    "initialize all data";
 *  - SETTING_SERVICE: the service-mode values of seed 4.4.1 ("SMTPTXPN",
 *    "NS-CMD5", ...), factory values kept in NVRAM (service_blob.h).
 *
 * Values travel as text everywhere (files, the control socket, the CLI);
 * setting_normalize() turns what a user typed into the one canonical
 * spelling that is stored ("ON" -> "on", "025" -> "25").
 *
 * Usage:
 *
 *	const struct setting_def *d = setting_find(SETTING_USER, "smtp.port");
 *	char err[SETTING_ERR_MAX], v[SETTING_VALUE_MAX];
 *
 *	if (!d)
 *		... "unknown setting"
 *	if (setting_normalize(d, "70000", v, sizeof(v), err, sizeof(err)))
 *		puts(err);	// "smtp.port: 70000 is out of range (0-65535)"
 *
 *	for (size_t i = 0; i < setting_count(SETTING_SERVICE); i++) {
 *		d = setting_at(SETTING_SERVICE, i);
 *		setting_allowed(d, buf, sizeof(buf));	// "0-1", "1-65535", ...
 *	}
 */
#ifndef IRSEND_SETTINGS_DEF_H
#define IRSEND_SETTINGS_DEF_H

#include <stdbool.h>
#include <stddef.h>

enum setting_scope {
	SETTING_USER,
	SETTING_SERVICE,
};

enum setting_type {
	SETTING_INT,	/* decimal integer in [min, max] */
	SETTING_BOOL,	/* "on" or "off" (also accepted: yes/no, true/false, 1/0) */
	SETTING_ENUM,	/* one of words[] (case-insensitive in, lower case stored) */
	SETTING_TEXT,	/* text of kind `text`, length min..max when not empty */
	SETTING_HOST,	/* DNS name, IPv4 or IPv6 address; up to max characters */
	SETTING_EMAIL,	/* local@domain; up to max characters */
	SETTING_IPLIST, /* comma-separated IPv4/IPv6 addresses, each with an optional /prefix */
};

/* What characters a SETTING_TEXT may hold (none may hold control characters). */
enum setting_text {
	TEXT_ANY,  /* any UTF-8 text: subjects, passwords */
	TEXT_WORD, /* no white space: user names such as DOMAIN\user or user@REALM */
	TEXT_HEX,  /* hexadecimal digits */
	TEXT_PATH, /* an absolute file name: starts with '/' */
	TEXT_UNC,  /* an SMB share: \\server\share */
};

/* flags */
#define SETTING_SECRET (1u << 0)   /* never shown: setting_display() masks it */
#define SETTING_REQUIRED (1u << 1) /* may not be empty */

struct setting_def {
	const char *key;
	enum setting_scope scope;
	enum setting_type type;
	unsigned int flags;
	long long min, max;	  /* INT: the range; other text: length bounds */
	const char *const *words; /* ENUM: canonical words, NULL-terminated */
	enum setting_text text;	  /* TEXT: allowed characters */
	const char *def;	  /* built-in default, canonical */
	const char *desc;	  /* one line for "settings list" */
};

/* Longest stored value (bytes, without the NUL), and room for messages. */
#define SETTING_VALUE_MAX 1024
#define SETTING_ERR_MAX 256

/* The definition of key in scope, or NULL. Keys are matched case-insensitively. */
const struct setting_def *setting_find(enum setting_scope scope, const char *key);

/* Iteration in table order (related keys together): setting_at(scope, i), i < count. */
size_t setting_count(enum setting_scope scope);
const struct setting_def *setting_at(enum setting_scope scope, size_t i);

/* "user" or "service". */
const char *setting_scope_name(enum setting_scope scope);

/*
 * Check text against d: 0, or -1 with "KEY: why (allowed)" in err.
 * setting_normalize() also writes the canonical spelling to out (outlen
 * at least SETTING_VALUE_MAX + 1 is always enough).
 */
int setting_validate(const struct setting_def *d, const char *text, char *err, size_t errlen);
int setting_normalize(const struct setting_def *d, const char *text, char *out, size_t outlen,
		      char *err, size_t errlen);

/* What d accepts, for messages and lists: "0-65535", "off|on", "e-mail address, ...". */
void setting_allowed(const struct setting_def *d, char *buf, size_t len);

/* value as it may be shown: secrets become "(set)" or "" (not set). */
const char *setting_display(const struct setting_def *d, const char *value);

/*
 * A stored (canonical) value as a number or a switch. Both return false
 * for a value that is not one (a programming error: wrong key type).
 */
bool setting_value_int(const char *value, long long *out);
bool setting_value_bool(const char *value, bool *out);

#endif
