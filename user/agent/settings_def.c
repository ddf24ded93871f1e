/*
 * The tables of user settings and service-mode values. Adding a setting
 * is adding a line here; the store, the files, the NVRAM record and the
 * control socket all take it from the table.
 */
#include "settings_def.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const w_pop_auth[] = { "standard", "apop", "popauth", NULL };
static const char *const w_smtpd_tls[] = { "off", "on", "ssl", NULL };
static const char *const w_ifax_mode[] = { "simple", "full", NULL };
static const char *const w_ifax_coding[] = { "mh", "mr", "mmr", NULL };
static const char *const w_mail_format[] = { "pdf", "pdf-split", "tiff", NULL };
static const char *const w_tls_version[] = { "1.2", "1.3", NULL };
static const char *const w_existing[] = { "refuse", "suffix", NULL };

#define INT(k, lo, hi, d, what)                                                                    \
	{                                                                                          \
		.key = k, .type = SETTING_INT, .min = lo, .max = hi, .def = d, .desc = what        \
	}
#define BOOL(k, d, what)                                                                           \
	{                                                                                          \
		.key = k, .type = SETTING_BOOL, .def = d, .desc = what                             \
	}
#define ENUM(k, w, d, what)                                                                        \
	{                                                                                          \
		.key = k, .type = SETTING_ENUM, .words = w, .def = d, .desc = what                 \
	}
#define TEXT(k, kind, fl, lo, hi, d, what)                                                         \
	{                                                                                          \
		.key = k, .type = SETTING_TEXT, .text = kind, .flags = fl, .min = lo, .max = hi,   \
		.def = d, .desc = what                                                             \
	}
#define HOST(k, d, what)                                                                           \
	{                                                                                          \
		.key = k, .type = SETTING_HOST, .max = 253, .def = d, .desc = what                 \
	}
#define EMAIL(k, d, what)                                                                          \
	{                                                                                          \
		.key = k, .type = SETTING_EMAIL, .max = 254, .def = d, .desc = what                \
	}

/*
 * User settings. Ports of 0 defer to the service-mode port (SMTPTXPN,
 * POP3N, FTPTXPN), which is where the device keeps them; a user setting
 * exists only so that implicit TLS (465, 995) needs no service mode.
 */
static const struct setting_def user_defs[] = {
	TEXT("device.name", TEXT_ANY, SETTING_REQUIRED, 1, 32, "irsend",
	     "name of the device shown to users and in reports"),
	HOST("device.hostname", "",
	     "host name announced to mail servers (EHLO); empty: the system's host name"),
	EMAIL("mail.from", "", "the device's e-mail address: sender of e-mail and I-Fax"),
	TEXT("mail.subject", TEXT_ANY, 0, 0, 128, "Scanned document",
	     "subject of e-mail and I-Fax messages"),
	TEXT("mail.body", TEXT_ANY, 0, 0, 1000, "", "text put before the attachments"),
	ENUM("mail.format", w_mail_format, "pdf", "attachment format of e-mail sends"),
	INT("mail.max_size_mb", 0, 1024, "0",
	    "largest message to send, in MB; larger gives #705; 0: no limit"),
	INT("net.timeout", 5, 600, "60",
	    "seconds to wait for a connection, a TLS handshake or any server reply"),
	INT("mail.retries", 0, 20, "5",
	    "tries after a temporary failure (4xx reply, network) before the job fails"),
	INT("mail.retry_s", 1, 86400, "60",
	    "seconds before the first retry; each further one waits twice as long (at most 1 h)"),

	HOST("smtp.server", "", "SMTP server for e-mail and I-Fax sending"),
	INT("smtp.port", 0, 65535, "0", "SMTP server port; 0: service mode SMTPTXPN"),
	BOOL("smtp.starttls", "off", "use STARTTLS; when on, never send without TLS (#841)"),
	BOOL("smtp.implicit_tls", "off", "TLS from the first byte (port 465) instead of STARTTLS"),
	BOOL("smtp.auth", "off", "log in with SMTP AUTH when the server offers it"),
	BOOL("smtp.auth_required", "off",
	     "fail (#839) instead of sending without login when AUTH is impossible"),
	TEXT("smtp.user", TEXT_WORD, 0, 0, 128, "",
	     "SMTP AUTH user: user, DOMAIN\\user, user@domain or user@REALM"),
	TEXT("smtp.password", TEXT_ANY, SETTING_SECRET, 0, 128, "", "SMTP AUTH password"),
	BOOL("smtp.scram", "on", "prefer SCRAM-SHA-256 when the server offers it"),
	TEXT("smtp.oauth2_command", TEXT_ANY, 0, 0, 255, "",
	     "command printing an OAuth2 token for XOAUTH2/OAUTHBEARER; empty: no OAuth2"),
	BOOL("smtp.pop_before_smtp", "off", "log in to the POP server before each SMTP send"),

	HOST("pop.server", "", "POP3 server for I-Fax reception and POP before SMTP"),
	INT("pop.port", 0, 65535, "0", "POP3 server port; 0: service mode POP3N"),
	TEXT("pop.user", TEXT_WORD, 0, 0, 128, "", "POP user (the POP address)"),
	TEXT("pop.password", TEXT_ANY, SETTING_SECRET, 0, 128, "", "POP password"),
	ENUM("pop.auth", w_pop_auth, "standard",
	     "POP login: standard (USER/PASS), apop or popauth (SASL)"),
	BOOL("pop.stls", "off", "use STLS; when on, never log in without TLS"),
	BOOL("pop.implicit_tls", "off", "TLS from the first byte (port 995) instead of STLS"),
	BOOL("pop.cram_md5", "off", "allow CRAM-MD5 for POP AUTH"),
	BOOL("pop.scram", "off", "allow SCRAM-SHA-256 for POP AUTH"),
	TEXT("pop.oauth2_command", TEXT_ANY, 0, 0, 255, "",
	     "command printing an OAuth2 token for POP XOAUTH2; empty: no OAuth2"),
	INT("pop.interval", 0, 1440, "5", "minutes between POP checks; 0: do not poll"),

	BOOL("smtpd.enabled", "off", "receive I-Fax by SMTP on port SMTPRXPN"),
	ENUM("smtpd.tls", w_smtpd_tls, "off",
	     "SMTP reception TLS: off, on (STARTTLS offered) or ssl (STARTTLS required)"),
	{ .key = "smtpd.allow",
	  .type = SETTING_IPLIST,
	  .max = 1000,
	  .def = "",
	  .desc = "addresses or networks allowed to send by SMTP; empty: all" },
	INT("smtpd.max_size_mb", 1, 1024, "50", "largest message accepted, in MB"),
	INT("smtpd.max_recipients", 1, 1000, "100", "most recipients accepted per message"),
	INT("smtpd.max_sessions", 1, 256, "16", "most SMTP sessions at the same time"),
	TEXT("smtpd.key", TEXT_WORD, SETTING_REQUIRED, 1, 64, "DefaultKey",
	     "name of the key pair and certificate used for TLS"),

	ENUM("ifax.mode", w_ifax_mode, "simple", "I-Fax mode: simple, or full (with MDN request)"),
	ENUM("ifax.coding", w_ifax_coding, "mh",
	     "full-mode I-Fax coding the recipients accept: mh, mr or mmr (simple mode: mh)"),
	INT("ifax.serverless_max_mb", 1, 1024, "3",
	    "largest serverless (direct) I-Fax, in MB, unless IFAX-SZL is 1 (#705)"),
	BOOL("ifax.print", "off", "print received I-Fax documents as well as storing them"),
	TEXT("ifax.print_queue", TEXT_WORD, 0, 0, 127, "",
	     "CUPS queue for received documents; empty: the default queue"),
	TEXT("ifax.print_server", TEXT_WORD, 0, 0, 255, "",
	     "host[:port] of the CUPS server; empty: the system's"),

	INT("box.doc_limit", 1, 10000, "100", "most documents one User Inbox holds (#712)"),
	INT("box.area_mb", 1, 1048576, "1024", "space for all User Inbox documents, in MB (#711)"),

	BOOL("ftp.active_fallback", "off", "try active mode (PORT) when passive mode fails"),
	BOOL("ftp.tls", "off", "explicit FTPS: AUTH TLS and PROT P"),
	BOOL("smb.encrypt", "off", "require SMB3 encryption"),
	INT("smb.port", 0, 65535, "0", "SMB server port; 0: 445"),
	ENUM("file.existing", w_existing, "refuse",
	     "SMB/FTP file of the same name: refuse (#801) or add a suffix"),

	BOOL("tls.verify", "on", "verify server certificates (off only for testing)"),
	ENUM("tls.min_version", w_tls_version, "1.2", "oldest TLS version accepted"),
	TEXT("tls.ca_file", TEXT_PATH, 0, 0, 255, "",
	     "extra trusted CA certificates (PEM); empty: the system store only"),
	TEXT("tls.pin_sha256", TEXT_HEX, 0, 64, 64, "",
	     "SHA-256 of the server's public key to require; empty: no pinning"),

	TEXT("backup.server", TEXT_UNC, 0, 0, 255, "",
	     "SMB share for box backups: \\\\server\\share"),
	TEXT("backup.path", TEXT_ANY, 0, 0, 255, "", "folder in the share that receives BOX"),
	TEXT("backup.user", TEXT_WORD, 0, 0, 128, "", "SMB user for backups: user or DOMAIN\\user"),
	TEXT("backup.password", TEXT_ANY, SETTING_SECRET, 0, 128, "", "SMB password for backups"),
};

#define SERVICE(k, lo, hi, d, what)                                                                \
	{                                                                                          \
		.key = k, .scope = SETTING_SERVICE, .type = SETTING_INT, .min = lo, .max = hi,     \
		.def = d, .desc = what                                                             \
	}
#define SWITCH(k, what) SERVICE(k, 0, 1, "0", what)

/*
 * Service mode, seed 4.4.1 (COPIER>OPTION>BODY, level 2): the seed's names,
 * defaults and values. The seed states no ranges: a port is 1-65535, a
 * switch 0-1, and IFAX-LIM (0: no limit) 0-65535. IFAX-SZL and IFAX-PGD
 * have no stated default and start at 0, the restrictive choice. The seed's FTPTXPN default of 25
 * is the SMTP port copied by mistake (FTP's is 21, and 25 would send FTP commands to a mail
 * server): 21 is used. The seed's table spells the NTLM switch "NS-NTLM5" once; NS-NTLM is the name
 * used everywhere else.
 */
static const struct setting_def service_defs[] = {
	SERVICE("SMTPTXPN", 1, 65535, "25", "TCP port of the SMTP server for sending"),
	SERVICE("SMTPRXPN", 1, 65535, "25", "TCP port the SMTP reception server listens on"),
	SERVICE("POP3N", 1, 65535, "110", "TCP port of the POP3 server"),
	SERVICE("FTPTXPN", 1, 65535, "21", "TCP port of FTP servers for sending"),
	SWITCH("RAW-DATA", "1: output received I-Fax messages raw, to check their data"),
	SERVICE("IFAX-LIM", 0, 65535, "500",
		"most text lines output per received message; 0: no limit"),
	SWITCH("IFAX-SZL", "1: no size limit for serverless I-Fax sending"),
	SWITCH("IFAX-PGD", "1: allow divided-page sending in I-Fax simple mode"),
	SWITCH("NS-CMD5", "1: never use CRAM-MD5 for SMTP AUTH or POP AUTH"),
	SWITCH("NS-NTLM", "1: never use NTLM for SMTP AUTH or POP AUTH"),
	SWITCH("NS-GSAPI", "1: never use GSSAPI for SMTP AUTH or POP AUTH"),
	SWITCH("NS-PLNWS", "1: never use PLAIN or LOGIN over TLS"),
	SWITCH("NS-LGN", "1: never use LOGIN"),
	SWITCH("NS-PLN", "1: never use PLAIN or LOGIN without TLS"),
};

#define USER_N (sizeof(user_defs) / sizeof(user_defs[0]))
#define SERVICE_N (sizeof(service_defs) / sizeof(service_defs[0]))

size_t setting_count(enum setting_scope scope)
{
	return scope == SETTING_SERVICE ? SERVICE_N : USER_N;
}

static const struct setting_def *table_of(enum setting_scope scope)
{
	return scope == SETTING_SERVICE ? service_defs : user_defs;
}

const struct setting_def *setting_at(enum setting_scope scope, size_t i)
{
	return i < setting_count(scope) ? &table_of(scope)[i] : NULL;
}

const struct setting_def *setting_find(enum setting_scope scope, const char *key)
{
	for (size_t i = 0; i < setting_count(scope); i++) {
		if (!strcasecmp(table_of(scope)[i].key, key))
			return &table_of(scope)[i];
	}
	return NULL;
}

const char *setting_scope_name(enum setting_scope scope)
{
	return scope == SETTING_SERVICE ? "service" : "user";
}

const char *setting_display(const struct setting_def *d, const char *value)
{
	if (!(d->flags & SETTING_SECRET))
		return value;
	return *value ? "(set)" : "";
}

static const char *text_kind(enum setting_text t)
{
	switch (t) {
	case TEXT_WORD:
		return "text without spaces";
	case TEXT_HEX:
		return "hexadecimal digits";
	case TEXT_PATH:
		return "absolute file name";
	case TEXT_UNC:
		return "SMB share \\\\server\\share";
	case TEXT_ANY:
		break;
	}
	return "text";
}

void setting_allowed(const struct setting_def *d, char *buf, size_t len)
{
	const char *empty = d->flags & SETTING_REQUIRED ? "" : ", or empty";
	size_t used = 0;

	switch (d->type) {
	case SETTING_INT:
		snprintf(buf, len, "%lld-%lld", d->min, d->max);
		return;
	case SETTING_BOOL:
		snprintf(buf, len, "off|on");
		return;
	case SETTING_ENUM:
		if (len)
			buf[0] = '\0';
		for (size_t i = 0; d->words[i] && used < len; i++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "|" : "",
						 d->words[i]);
		return;
	case SETTING_TEXT:
		if (d->min == d->max)
			snprintf(buf, len, "%s, exactly %lld characters%s", text_kind(d->text),
				 d->max, empty);
		else
			snprintf(buf, len, "%s, %lld-%lld characters%s", text_kind(d->text),
				 d->min ? d->min : 1, d->max, empty);
		return;
	case SETTING_HOST:
		snprintf(buf, len, "host name or IP address, up to %lld characters%s", d->max,
			 empty);
		return;
	case SETTING_EMAIL:
		snprintf(buf, len, "e-mail address user@domain, up to %lld characters%s", d->max,
			 empty);
		return;
	case SETTING_IPLIST:
		snprintf(buf, len,
			 "IP addresses or networks (192.0.2.0/24, 2001:db8::/32) separated by "
			 "commas, up to %lld characters%s",
			 d->max, empty);
		return;
	}
	snprintf(buf, len, "?");
}

bool setting_value_int(const char *value, long long *out)
{
	long long v = 0;
	bool neg = *value == '-';

	if (neg)
		value++;
	if (!*value)
		return false;
	for (; *value; value++) {
		if (*value < '0' || *value > '9' || v > (1LL << 53))
			return false;
		v = v * 10 + (*value - '0');
	}
	*out = neg ? -v : v;
	return true;
}

bool setting_value_bool(const char *value, bool *out)
{
	if (!strcmp(value, "on") || !strcmp(value, "off")) {
		*out = value[1] == 'n';
		return true;
	}
	return false;
}
