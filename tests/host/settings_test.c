// SPDX-License-Identifier: GPL-2.0
/*
 * User settings and service-mode values (user/agent/settings_*.c,
 * setting_value.c, service_blob.c): the tables, validation with the allowed
 * range in every refusal, the settings file (round trips, malformed and
 * oversized files) and the NVRAM record. Runs on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/irsend.h>

#include "service_blob.h"
#include "settings_def.h"
#include "settings_store.h"

#include "kselftest_harness.h"

static const enum setting_scope scopes[] = { SETTING_USER, SETTING_SERVICE };

/* A valid value of d that differs from its default. */
static void other_value(const struct setting_def *d, char *buf, size_t len)
{
	switch (d->type) {
	case SETTING_INT:
		snprintf(buf, len, "%lld", atoll(d->def) == d->max ? d->min : d->max);
		return;
	case SETTING_BOOL:
		snprintf(buf, len, "%s", strcmp(d->def, "on") ? "on" : "off");
		return;
	case SETTING_ENUM:
		snprintf(buf, len, "%s", strcmp(d->def, d->words[0]) ? d->words[0] : d->words[1]);
		return;
	case SETTING_HOST:
		snprintf(buf, len, "mail.example.com");
		return;
	case SETTING_EMAIL:
		snprintf(buf, len, "scan@example.com");
		return;
	case SETTING_IPLIST:
		snprintf(buf, len, "192.0.2.0/24,2001:db8::1");
		return;
	case SETTING_TEXT:
		break;
	}
	switch (d->text) {
	case TEXT_ANY:
		snprintf(buf, len,
			 "Gr\xc3\xbc\xc3\x9f"
			 "e, \"Ada\" \\ #1");
		break;
	case TEXT_WORD:
		snprintf(buf, len, "DOMAIN\\scanner");
		break;
	case TEXT_HEX:
		memset(buf, 'a', (size_t)d->min);
		buf[d->min] = '\0';
		break;
	case TEXT_PATH:
		snprintf(buf, len, "/etc/irsend/ca.pem");
		break;
	case TEXT_UNC:
		snprintf(buf, len, "\\\\fileserver\\backups");
		break;
	}
}

/* A private directory for files; removed with its contents by the caller's rm. */
static void make_dir(struct __test_metadata *_metadata, char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/irsend-settings-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (len && fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

TEST(tables_are_consistent)
{
	char out[SETTING_VALUE_MAX + 1], err[SETTING_ERR_MAX];

	for (size_t s = 0; s < 2; s++) {
		ASSERT_GT(setting_count(scopes[s]), 0);
		EXPECT_EQ(NULL, setting_at(scopes[s], setting_count(scopes[s])));
		for (size_t i = 0; i < setting_count(scopes[s]); i++) {
			const struct setting_def *d = setting_at(scopes[s], i);

			ASSERT_NE(NULL, d);
			EXPECT_EQ(scopes[s], d->scope) TH_LOG("%s", d->key);
			EXPECT_EQ(d, setting_find(scopes[s], d->key));
			EXPECT_EQ(NULL, setting_find(scopes[1 - s], d->key)) TH_LOG("%s", d->key);
			ASSERT_NE(NULL, d->desc);
			EXPECT_GT(strlen(d->desc), 10) TH_LOG("%s", d->key);
			EXPECT_LE(d->min, d->max);
			if (d->type == SETTING_ENUM) {
				ASSERT_NE(NULL, d->words);
				ASSERT_NE(NULL, d->words[0]);
				EXPECT_NE(NULL, d->words[1]);
			}
			/* The default is valid and already canonical. */
			ASSERT_EQ(0,
				  setting_normalize(d, d->def, out, sizeof(out), err, sizeof(err)))
			TH_LOG("%s: %s", d->key, err);
			EXPECT_STREQ(d->def, out);
			for (size_t j = 0; j < i; j++)
				EXPECT_NE(0, strcasecmp(d->key, setting_at(scopes[s], j)->key));
			if (scopes[s] == SETTING_USER) {
				EXPECT_NE(NULL, strchr(d->key, '.')) TH_LOG("%s", d->key);
				for (const char *p = d->key; *p; p++)
					EXPECT_FALSE(*p >= 'A' && *p <= 'Z');
			}
		}
	}
	EXPECT_STREQ("user", setting_scope_name(SETTING_USER));
	EXPECT_STREQ("service", setting_scope_name(SETTING_SERVICE));
}

/* Seed 4.4.1, transcribed on its own (FTPTXPN: 21, see settings_def.c). */
TEST(service_mode_values_of_the_seed)
{
	static const struct {
		const char *key, *def;
		long long min, max;
	} want[] = {
		{ "SMTPTXPN", "25", 1, 65535 }, { "SMTPRXPN", "25", 1, 65535 },
		{ "POP3N", "110", 1, 65535 },	{ "FTPTXPN", "21", 1, 65535 },
		{ "RAW-DATA", "0", 0, 1 },	{ "IFAX-LIM", "500", 0, 65535 },
		{ "IFAX-SZL", "0", 0, 1 },	{ "IFAX-PGD", "0", 0, 1 },
		{ "NS-CMD5", "0", 0, 1 },	{ "NS-NTLM", "0", 0, 1 },
		{ "NS-GSAPI", "0", 0, 1 },	{ "NS-PLNWS", "0", 0, 1 },
		{ "NS-LGN", "0", 0, 1 },	{ "NS-PLN", "0", 0, 1 },
	};

	ASSERT_EQ(sizeof(want) / sizeof(want[0]), setting_count(SETTING_SERVICE));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct setting_def *d = setting_find(SETTING_SERVICE, want[i].key);

		ASSERT_NE(NULL, d) TH_LOG("%s missing", want[i].key);
		EXPECT_EQ(SETTING_INT, d->type);
		EXPECT_STREQ(want[i].def, d->def) TH_LOG("%s", want[i].key);
		EXPECT_EQ(want[i].min, d->min) TH_LOG("%s", want[i].key);
		EXPECT_EQ(want[i].max, d->max) TH_LOG("%s", want[i].key);
	}
	/* Service names are looked up as typed on a panel, in any case. */
	EXPECT_NE(NULL, setting_find(SETTING_SERVICE, "smtptxpn"));
}

TEST(user_settings_the_agent_relies_on)
{
	static const char *const keys[] = {
		"device.name",	 "mail.from",	  "smtp.server",
		"smtp.port",	 "smtp.starttls", "smtp.auth",
		"smtp.user",	 "smtp.password", "smtp.pop_before_smtp",
		"pop.server",	 "pop.port",	  "pop.auth",
		"pop.stls",	 "pop.interval",  "smtpd.tls",
		"smtpd.allow",	 "ifax.mode",	  "box.doc_limit",
		"file.existing", "backup.server", "backup.password",
		"tls.verify",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		EXPECT_NE(NULL, setting_find(SETTING_USER, keys[i])) TH_LOG("%s", keys[i]);
	}
	EXPECT_TRUE(setting_find(SETTING_USER, "smtp.password")->flags & SETTING_SECRET);
	EXPECT_TRUE(setting_find(SETTING_USER, "pop.password")->flags & SETTING_SECRET);
	EXPECT_TRUE(setting_find(SETTING_USER, "backup.password")->flags & SETTING_SECRET);
	EXPECT_EQ(NULL, setting_find(SETTING_USER, "smtp.bogus"));
}

static void round_trip(struct __test_metadata *_metadata, enum setting_scope scope, const char *dir,
		       bool use_default)
{
	struct settings_store *a = settings_store_new(scope), *b = settings_store_new(scope);
	char err[SETTINGS_LOAD_ERR_MAX], path[300], blob[IRSEND_NVRAM_DATA_MAX];
	size_t n = setting_count(scope), len = 0;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	for (size_t i = 0; i < n; i++) {
		const struct setting_def *d = setting_at(scope, i);
		char v[SETTING_VALUE_MAX + 1];

		if (use_default)
			snprintf(v, sizeof(v), "%s", d->def);
		else
			other_value(d, v, sizeof(v));
		ASSERT_EQ(0, settings_store_set(a, d->key, v, err, sizeof(err)))
		TH_LOG("%s = '%s': %s", d->key, v, err);
		EXPECT_STREQ(v, settings_store_get(a, d->key));
		if (!use_default)
			EXPECT_STRNE(d->def, v) TH_LOG("%s", d->key);
	}
	if (scope == SETTING_USER) {
		snprintf(path, sizeof(path), "%s/settings.conf", dir);
		ASSERT_EQ(0, settings_store_save(a, path, err, sizeof(err))) TH_LOG("%s", err);
		ASSERT_EQ(0, settings_store_load(b, path, err, sizeof(err))) TH_LOG("%s", err);
	} else {
		ASSERT_EQ(0, service_blob_encode(a, blob, sizeof(blob), &len));
		ASSERT_LT(len, IRSEND_NVRAM_DATA_MAX);
		ASSERT_EQ(0, service_blob_decode(b, blob, len, err, sizeof(err))) TH_LOG("%s", err);
	}
	for (size_t i = 0; i < n; i++) {
		const struct setting_def *d = setting_at(scope, i);

		EXPECT_TRUE(settings_store_is_set(b, d)) TH_LOG("%s", d->key);
		EXPECT_STREQ(settings_store_value(a, d), settings_store_value(b, d))
		TH_LOG("%s", d->key);
	}
	settings_store_free(a);
	settings_store_free(b);
}

TEST(every_key_round_trips_its_default)
{
	char dir[64];

	make_dir(_metadata, dir, sizeof(dir));
	round_trip(_metadata, SETTING_USER, dir, true);
	round_trip(_metadata, SETTING_SERVICE, dir, true);
	remove_dir(dir);
}

TEST(every_key_round_trips_another_value)
{
	char dir[64];

	make_dir(_metadata, dir, sizeof(dir));
	round_trip(_metadata, SETTING_USER, dir, false);
	round_trip(_metadata, SETTING_SERVICE, dir, false);
	remove_dir(dir);
}

TEST(unset_keys_read_as_defaults)
{
	struct settings_store *st = settings_store_new(SETTING_USER);
	char err[SETTING_ERR_MAX];

	ASSERT_NE(NULL, st);
	EXPECT_STREQ("0", settings_store_get(st, "smtp.port"));
	EXPECT_STREQ("off", settings_store_get(st, "smtp.starttls"));
	EXPECT_STREQ("irsend", settings_store_get(st, "device.name"));
	EXPECT_EQ(NULL, settings_store_get(st, "no.such.key"));
	EXPECT_FALSE(settings_store_is_set(st, setting_find(SETTING_USER, "smtp.port")));
	ASSERT_EQ(0, settings_store_set(st, "smtp.port", "587", err, sizeof(err)));
	EXPECT_EQ(587, settings_store_get_int(st, "smtp.port"));
	ASSERT_EQ(0, settings_store_set(st, "smtp.starttls", "YES", err, sizeof(err)));
	EXPECT_TRUE(settings_store_get_bool(st, "smtp.starttls"));
	EXPECT_STREQ("on", settings_store_get(st, "smtp.starttls"));
	ASSERT_EQ(0, settings_store_unset(st, "smtp.port", err, sizeof(err)));
	EXPECT_EQ(0, settings_store_get_int(st, "smtp.port"));
	EXPECT_FALSE(settings_store_is_set(st, setting_find(SETTING_USER, "smtp.port")));
	/* Wrong type or unknown key: the neutral value, never a crash. */
	EXPECT_EQ(0, settings_store_get_int(st, "smtp.server"));
	EXPECT_FALSE(settings_store_get_bool(st, "smtp.port"));
	EXPECT_EQ(-1, settings_store_set(st, "smtp.bogus", "1", err, sizeof(err)));
	EXPECT_STREQ("unknown user setting 'smtp.bogus'", err);
	EXPECT_EQ(-1, settings_store_unset(st, "smtp.bogus", err, sizeof(err)));
	/* A definition of the other scope is not this store's. */
	EXPECT_EQ(NULL, settings_store_value(st, setting_find(SETTING_SERVICE, "POP3N")));
	settings_store_free(st);

	st = settings_store_new(SETTING_SERVICE);
	ASSERT_NE(NULL, st);
	EXPECT_EQ(25, settings_store_get_int(st, "SMTPTXPN"));
	EXPECT_EQ(500, settings_store_get_int(st, "IFAX-LIM"));
	EXPECT_EQ(-1, settings_store_set(st, "smtp.port", "25", err, sizeof(err)));
	EXPECT_STREQ("unknown service setting 'smtp.port'", err);
	settings_store_free(st);
}

TEST(out_of_range_states_the_range)
{
	char err[SETTING_ERR_MAX], v[64], want[128];

	for (size_t s = 0; s < 2; s++) {
		for (size_t i = 0; i < setting_count(scopes[s]); i++) {
			const struct setting_def *d = setting_at(scopes[s], i);
			long long bad[2];

			if (d->type != SETTING_INT)
				continue;
			bad[0] = d->max + 1;
			bad[1] = d->min - 1;
			for (int k = 0; k < 2; k++) {
				snprintf(v, sizeof(v), "%lld", bad[k]);
				snprintf(want, sizeof(want), "%s: %s is out of range (%lld-%lld)",
					 d->key, v, d->min, d->max);
				EXPECT_EQ(-1, setting_validate(d, v, err, sizeof(err)));
				EXPECT_STREQ(want, err);
			}
		}
	}
	setting_validate(setting_find(SETTING_USER, "smtp.port"), "70000", err, sizeof(err));
	EXPECT_STREQ("smtp.port: 70000 is out of range (0-65535)", err);
	setting_validate(setting_find(SETTING_SERVICE, "SMTPTXPN"), "0", err, sizeof(err));
	EXPECT_STREQ("SMTPTXPN: 0 is out of range (1-65535)", err);
	setting_validate(setting_find(SETTING_SERVICE, "NS-CMD5"), "2", err, sizeof(err));
	EXPECT_STREQ("NS-CMD5: 2 is out of range (0-1)", err);
	setting_validate(setting_find(SETTING_SERVICE, "POP3N"), "99999999999999999999", err,
			 sizeof(err));
	EXPECT_STREQ("POP3N: '99999999999999999999' is out of range (1-65535)", err);
}

/* key, value, the exact message. */
static const struct {
	const char *key, *value, *msg;
} refusals[] = {
	{ "smtp.port", "abc", "smtp.port: 'abc' is not a whole number (0-65535)" },
	{ "smtp.port", "", "smtp.port: '' is not a whole number (0-65535)" },
	{ "smtp.port", " 25", "smtp.port: ' 25' is not a whole number (0-65535)" },
	{ "smtp.port", "0x19", "smtp.port: '0x19' is not a whole number (0-65535)" },
	{ "smtp.port", "2.5", "smtp.port: '2.5' is not a whole number (0-65535)" },
	{ "smtp.starttls", "maybe", "smtp.starttls: 'maybe' is not a switch (off|on)" },
	{ "pop.auth", "kerberos",
	  "pop.auth: 'kerberos' is not one of the choices (standard|apop|popauth)" },
	{ "smtpd.tls", "required", "smtpd.tls: 'required' is not one of the choices (off|on|ssl)" },
	{ "smtp.server", "mail server",
	  "smtp.server: 'mail server' is not a host name or IP address (host name or IP address, "
	  "up to 253 characters, or empty)" },
	{ "smtp.server", "-mail.example.com", NULL },
	{ "smtp.server", "mail..example.com", NULL },
	{ "smtp.server", "192.0.2.999", NULL },
	{ "smtp.server", "[192.0.2.1]", NULL },
	{ "smtp.server", "mail_x.example.com", NULL },
	{ "mail.from", "nobody",
	  "mail.from: 'nobody' is not an e-mail address (e-mail address user@domain, up to 254 "
	  "characters, or empty)" },
	{ "mail.from", "a@", NULL },
	{ "mail.from", "@example.com", NULL },
	{ "mail.from", "a b@example.com", NULL },
	{ "mail.from", "a..b@example.com", NULL },
	{ "mail.from", ".a@example.com", NULL },
	{ "mail.from", "a@[300.1.1.1]", NULL },
	{ "device.name", "", "device.name: may not be empty (text, 1-32 characters)" },
	{ "device.name", "123456789012345678901234567890123",
	  "device.name: '123456789012345678901234567890123' has 33 characters (text, 1-32 "
	  "characters)" },
	{ "device.name", "tab\there",
	  "device.name: value contains a control character (text, 1-32 characters)" },
	{ "device.name", "bad\xff utf8",
	  "device.name: value is not valid UTF-8 (text, 1-32 characters)" },
	{ "smtp.user", "two words",
	  "smtp.user: 'two words' contains a space (text without spaces, 1-128 characters, or "
	  "empty)" },
	{ "tls.pin_sha256", "abc",
	  "tls.pin_sha256: 'abc' has 3 characters (hexadecimal digits, exactly 64 characters, or "
	  "empty)" },
	{ "tls.pin_sha256", "g000000000000000000000000000000000000000000000000000000000000000",
	  NULL },
	{ "tls.ca_file", "ca.pem", NULL },
	{ "backup.server", "server\\share", NULL },
	{ "backup.server", "\\\\server", NULL },
	{ "backup.server", "\\\\\\share", NULL },
	{ "backup.server", "\\\\server\\", NULL },
	{ "smtpd.allow", "10.0.0.0/33",
	  "smtpd.allow: '10.0.0.0/33' is not an IP address or network (IP addresses or networks "
	  "(192.0.2.0/24, 2001:db8::/32) separated by commas, up to 1000 characters, or empty)" },
	{ "smtpd.allow", "10.0.0.1,", NULL },
	{ "smtpd.allow", "10.0.0.1,,10.0.0.2", NULL },
	{ "smtpd.allow", "10.0.0.1 10.0.0.2", NULL },
	{ "smtpd.allow", "mail.example.com", NULL },
	{ "smtpd.allow", "2001:db8::/129", NULL },
	{ "smtpd.allow", "10.0.0.0/08", NULL },
};

TEST(malformed_values_are_refused_with_what_is_allowed)
{
	char err[SETTING_ERR_MAX], allowed[SETTING_ERR_MAX], tail[SETTING_ERR_MAX + 4];

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct setting_def *d = setting_find(SETTING_USER, refusals[i].key);

		ASSERT_NE(NULL, d);
		err[0] = '\0';
		EXPECT_EQ(-1, setting_validate(d, refusals[i].value, err, sizeof(err)))
		TH_LOG("%s = '%s' accepted", refusals[i].key, refusals[i].value);
		if (refusals[i].msg)
			EXPECT_STREQ(refusals[i].msg, err);
		/* Every refusal starts with the key and ends with what is allowed. */
		EXPECT_EQ(0, strncmp(err, d->key, strlen(d->key)));
		setting_allowed(d, allowed, sizeof(allowed));
		snprintf(tail, sizeof(tail), "(%s)", allowed);
		ASSERT_GE(strlen(err), strlen(tail));
		EXPECT_STREQ(tail, err + strlen(err) - strlen(tail));
	}
}

TEST(secrets_are_never_echoed)
{
	const struct setting_def *d = setting_find(SETTING_USER, "smtp.password");
	char err[SETTING_ERR_MAX], v[200];

	memset(v, 'S', 129);
	v[129] = '\0';
	EXPECT_EQ(-1, setting_validate(d, v, err, sizeof(err)));
	EXPECT_EQ(NULL, strstr(err, "SSSS")) TH_LOG("%s", err);
	EXPECT_STREQ(
		"smtp.password: the value has 129 characters (text, 1-128 characters, or empty)",
		err);
	EXPECT_EQ(-1, setting_validate(d, "hunter2\x01", err, sizeof(err)));
	EXPECT_EQ(NULL, strstr(err, "hunter2"));
	EXPECT_STREQ("(set)", setting_display(d, "hunter2"));
	EXPECT_STREQ("", setting_display(d, ""));
	EXPECT_STREQ("mail", setting_display(setting_find(SETTING_USER, "smtp.server"), "mail"));
}

TEST(values_are_stored_in_canonical_form)
{
	static const struct {
		const char *key, *in, *out;
	} cases[] = {
		{ "smtp.port", "00587", "587" },
		{ "smtp.port", "0", "0" },
		{ "smtp.starttls", "ON", "on" },
		{ "smtp.starttls", "1", "on" },
		{ "smtp.starttls", "False", "off" },
		{ "pop.auth", "APOP", "apop" },
		{ "smtp.server", "[2001:db8::25]", "2001:db8::25" },
		{ "smtp.server", "192.0.2.25", "192.0.2.25" },
		{ "smtp.server", "Mail.Example.COM", "Mail.Example.COM" },
		{ "mail.from", "scan+dept@[IPv6:2001:db8::1]", "scan+dept@[IPv6:2001:db8::1]" },
		{ "mail.from", "o'brien@localhost", "o'brien@localhost" },
		{ "smtpd.allow", " 10.0.0.1 , 10.0.0.0/8,2001:db8::/32 ",
		  "10.0.0.1,10.0.0.0/8,2001:db8::/32" },
		{ "device.name", "\xe8\xa4\x87\xe5\x90\x88\xe6\xa9\x9f",
		  "\xe8\xa4\x87\xe5\x90\x88\xe6\xa9\x9f" },
		{ "backup.server", "\\\\nas\\scans\\backup\\", "\\\\nas\\scans\\backup\\" },
	};
	char out[SETTING_VALUE_MAX + 1], err[SETTING_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct setting_def *d = setting_find(SETTING_USER, cases[i].key);

		ASSERT_NE(NULL, d);
		ASSERT_EQ(0, setting_normalize(d, cases[i].in, out, sizeof(out), err, sizeof(err)))
		TH_LOG("%s = '%s': %s", cases[i].key, cases[i].in, err);
		EXPECT_STREQ(cases[i].out, out);
	}
}

TEST(allowed_describes_each_type)
{
	char buf[SETTING_ERR_MAX];

	setting_allowed(setting_find(SETTING_USER, "pop.auth"), buf, sizeof(buf));
	EXPECT_STREQ("standard|apop|popauth", buf);
	setting_allowed(setting_find(SETTING_USER, "smtp.starttls"), buf, sizeof(buf));
	EXPECT_STREQ("off|on", buf);
	setting_allowed(setting_find(SETTING_SERVICE, "IFAX-LIM"), buf, sizeof(buf));
	EXPECT_STREQ("0-65535", buf);
	/* A short buffer is cut, never overrun. */
	memset(buf, 'x', sizeof(buf));
	setting_allowed(setting_find(SETTING_USER, "pop.auth"), buf, 6);
	EXPECT_STREQ("stand", buf);
	EXPECT_EQ('x', buf[6]);
}

TEST(file_with_comments_quotes_and_crlf)
{
	static const char text[] = "# settings\n"
				   "\n"
				   "  smtp.server = mail.example.com  \n"
				   "smtp.port=587\r\n"
				   "\tsmtp.starttls =ON\n"
				   "smtp.password = \" spaced \\\"pass\\\\ \"\n"
				   "mail.subject = Scan # not a comment\n"
				   "backup.server = \\\\nas\\share\n"
				   "mail.body = \"\"\n"
				   "   # indented comment\n"
				   "device.name = Front desk";
	struct settings_store *st = settings_store_new(SETTING_USER);
	char err[SETTINGS_LOAD_ERR_MAX];

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, settings_store_parse(st, text, strlen(text), "t", false, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_STREQ("mail.example.com", settings_store_get(st, "smtp.server"));
	EXPECT_STREQ("587", settings_store_get(st, "smtp.port"));
	EXPECT_STREQ("on", settings_store_get(st, "smtp.starttls"));
	EXPECT_STREQ(" spaced \"pass\\ ", settings_store_get(st, "smtp.password"));
	EXPECT_STREQ("Scan # not a comment", settings_store_get(st, "mail.subject"));
	EXPECT_STREQ("\\\\nas\\share", settings_store_get(st, "backup.server"));
	EXPECT_STREQ("", settings_store_get(st, "mail.body"));
	EXPECT_TRUE(settings_store_is_set(st, setting_find(SETTING_USER, "mail.body")));
	EXPECT_STREQ("Front desk", settings_store_get(st, "device.name"));
	settings_store_free(st);
}

TEST(malformed_file_reports_every_line_and_changes_nothing)
{
	static const char text[] = "smtp.port = 587\n"		       /* 1: fine */
				   "# comment\n"		       /* 2 */
				   "smtp.bogus = 1\n"		       /* 3: unknown */
				   "just some words\n"		       /* 4: no '=' */
				   "smtp.server = a.example.com\n"     /* 5: fine */
				   "smtp.server = b.example.com\n"     /* 6: duplicate */
				   "pop.port = 70000\n"		       /* 7: range */
				   "smtp.password = \"unterminated\n"  /* 8: quote */
				   "= value\n"			       /* 9: no key */
				   "mail.body = \"a\" trailing\n"      /* 10: after quote */
				   "smtp.user = \"bad \\n escape\"\n"; /* 11: escape */
	static const char *const want[] = {
		"f:3: unknown user setting 'smtp.bogus'",
		"f:4: expected 'key = value'",
		"f:6: smtp.server is already set on line 5",
		"f:7: pop.port: 70000 is out of range (0-65535)",
		"f:8: smtp.password: quoted value has no closing '\"'",
		"f:9: expected 'key = value': '' is not a key",
		"f:10: mail.body: text after the closing '\"'",
		"f:11: smtp.user: unknown escape in quoted value (only \\\" and \\\\)",
	};
	struct settings_store *st = settings_store_new(SETTING_USER);
	char err[SETTINGS_LOAD_ERR_MAX], expect[SETTINGS_LOAD_ERR_MAX] = "";

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, settings_store_set(st, "smtp.port", "2525", err, sizeof(err)));
	EXPECT_EQ(-1, settings_store_parse(st, text, strlen(text), "f", false, err, sizeof(err)));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%s",
			 i ? "\n" : "", want[i]);
	EXPECT_STREQ(expect, err);
	/* All or nothing: the good lines were not applied either. */
	EXPECT_STREQ("2525", settings_store_get(st, "smtp.port"));
	EXPECT_STREQ("", settings_store_get(st, "smtp.server"));
	/* A record from a newer version may carry keys this one does not know. */
	EXPECT_EQ(0, settings_store_parse(st, "smtp.future = 1\nsmtp.port = 26\n", 31, "f", true,
					  err, sizeof(err)));
	EXPECT_STREQ("26", settings_store_get(st, "smtp.port"));
	settings_store_free(st);
}

TEST(many_problems_fit_the_buffer)
{
	struct settings_store *st = settings_store_new(SETTING_USER);
	char err[100], *text = malloc(100 * 32);
	size_t len = 0;

	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, text);
	for (int i = 0; i < 100; i++)
		len += (size_t)sprintf(text + len, "nonsense line %d\n", i);
	memset(err, 'x', sizeof(err));
	EXPECT_EQ(-1, settings_store_parse(st, text, len, "f", false, err, sizeof(err)));
	EXPECT_LT(strlen(err), sizeof(err));
	EXPECT_EQ(0, strncmp(err, "f:1: expected 'key = value'\nf:2: ", 33));
	free(text);
	settings_store_free(st);
}

TEST(oversized_and_binary_files_are_refused)
{
	struct settings_store *st = settings_store_new(SETTING_USER);
	char err[SETTINGS_LOAD_ERR_MAX], dir[64], path[128], want[256];
	size_t big = SETTINGS_FILE_MAX + 1;
	char *text = malloc(big);

	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, text);
	make_dir(_metadata, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/big.conf", dir);

	/* A file of comments one byte over the limit. */
	memset(text, '#', big);
	for (size_t i = 100; i < big; i += 100)
		text[i] = '\n';
	ASSERT_EQ(0, write_file(path, text, big));
	EXPECT_EQ(-1, settings_store_load(st, path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than the settings file limit", path);
	EXPECT_STREQ(want, err);
	EXPECT_EQ(-1, settings_store_parse(st, text, big, "f", false, err, sizeof(err)));
	EXPECT_STREQ("f: larger than 262144 bytes: not a settings file", err);

	/* One overlong line among good ones. */
	memset(text, 'a', SETTINGS_LINE_MAX + 40);
	memcpy(text, "smtp.port = 25\nmail.body = ", 27);
	memcpy(text + SETTINGS_LINE_MAX + 40, "\nsmtp.auth = on\n", 16);
	EXPECT_EQ(-1, settings_store_parse(st, text, SETTINGS_LINE_MAX + 56, "f", false, err,
					   sizeof(err)));
	snprintf(want, sizeof(want), "f:2: line is longer than %d bytes", SETTINGS_LINE_MAX);
	EXPECT_STREQ(want, err);

	/* A value at the limit of its setting is fine; one character more is not. */
	memset(text, 'b', 1013);
	memcpy(text, "mail.body = ", 12);
	EXPECT_EQ(0, settings_store_parse(st, text, 1012, "f", false, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(1000, strlen(settings_store_get(st, "mail.body")));
	EXPECT_EQ(-1, settings_store_parse(st, text, 1013, "f", false, err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, "f:1: mail.body: 'bbbb", 21)) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "' has 1001 characters (text, 1-1000 characters, or empty)"));

	/* NUL bytes: not text. */
	EXPECT_EQ(-1,
		  settings_store_parse(st, "smtp.port = 25\0\n", 16, "f", false, err, sizeof(err)));
	EXPECT_STREQ("f: contains NUL bytes: not a settings file", err);

	/* Not a regular file. */
	EXPECT_EQ(-1, settings_store_load(st, dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	EXPECT_STREQ(want, err);
	free(text);
	settings_store_free(st);
	remove_dir(dir);
}

TEST(missing_file_is_a_fresh_disk)
{
	struct settings_store *st = settings_store_new(SETTING_USER);
	char err[SETTINGS_LOAD_ERR_MAX];

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, settings_store_set(st, "smtp.port", "26", err, sizeof(err)));
	EXPECT_EQ(0,
		  settings_store_load(st, "/nonexistent/irsend/settings.conf", err, sizeof(err)));
	EXPECT_STREQ("0", settings_store_get(st, "smtp.port"));
	settings_store_free(st);
}

TEST(save_is_private_atomic_and_readable)
{
	struct settings_store *st = settings_store_new(SETTING_USER);
	struct settings_store *back = settings_store_new(SETTING_USER);
	static const char *const tricky[] = { " lead and trail ", "\"quoted\"", "back\\slash\\",
					      "#not a comment",	  "a = b",	"" };
	char err[SETTINGS_LOAD_ERR_MAX], dir[64], path[128], want[256];
	struct stat sb;
	char *text;
	FILE *f;
	int files = 0;

	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, back);
	make_dir(_metadata, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/settings.conf", dir);
	for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		ASSERT_EQ(0, settings_store_set(st, "smtp.password", tricky[i], err, sizeof(err)));
		ASSERT_EQ(0, settings_store_save(st, path, err, sizeof(err))) TH_LOG("%s", err);
		ASSERT_EQ(0, settings_store_load(back, path, err, sizeof(err))) TH_LOG("%s", err);
		EXPECT_STREQ(tricky[i], settings_store_get(back, "smtp.password"));
	}
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_EQ(0600, sb.st_mode & 0777);
	/* Only the file itself is left: no temporary. */
	snprintf(want, sizeof(want), "ls -A '%s' | wc -l", dir);
	f = popen(want, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(1, fscanf(f, "%d", &files));
	pclose(f);
	EXPECT_EQ(1, files);
	/* The file lists what is set and nothing else, after a comment header. */
	text = settings_store_format(st, "line one\nline two");
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("# line one\n# line two\nsmtp.password = \"\"\n", text);
	free(text);
	/* A directory that does not exist: the path and the reason. */
	snprintf(path, sizeof(path), "%s/missing/settings.conf", dir);
	EXPECT_EQ(-1, settings_store_save(st, path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	EXPECT_STREQ(want, err);
	settings_store_free(st);
	settings_store_free(back);
	remove_dir(dir);
}

TEST(service_blob_round_trip_and_refusals)
{
	struct settings_store *st = settings_store_new(SETTING_SERVICE);
	struct settings_store *back = settings_store_new(SETTING_SERVICE);
	struct settings_store *user = settings_store_new(SETTING_USER);
	char err[SETTINGS_LOAD_ERR_MAX], blob[IRSEND_NVRAM_DATA_MAX];
	size_t len = 0;

	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, back);
	ASSERT_NE(NULL, user);
	/* Nothing set: just the format line; everything reads as default. */
	ASSERT_EQ(0, service_blob_encode(st, blob, sizeof(blob), &len));
	EXPECT_EQ(strlen(SERVICE_BLOB_MAGIC), len);
	ASSERT_EQ(0, service_blob_decode(back, blob, len, err, sizeof(err)));
	EXPECT_STREQ("110", settings_store_get(back, "POP3N"));

	ASSERT_EQ(0, settings_store_set(st, "SMTPTXPN", "587", err, sizeof(err)));
	ASSERT_EQ(0, settings_store_set(st, "ns-pln", "1", err, sizeof(err)));
	ASSERT_EQ(0, service_blob_encode(st, blob, sizeof(blob), &len));
	EXPECT_EQ(0, memcmp(blob, "irsend-service 1\nSMTPTXPN=587\nNS-PLN=1\n", len));
	EXPECT_EQ(39, len);
	ASSERT_EQ(0, service_blob_decode(back, blob, len, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(587, settings_store_get_int(back, "SMTPTXPN"));
	EXPECT_EQ(1, settings_store_get_int(back, "NS-PLN"));
	EXPECT_FALSE(settings_store_is_set(back, setting_find(SETTING_SERVICE, "POP3N")));

	/* Too small a buffer, or the wrong scope: refused, nothing half-written claimed. */
	errno = 0;
	EXPECT_EQ(-1, service_blob_encode(st, blob, 20, &len));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, service_blob_encode(user, blob, sizeof(blob), &len));
	EXPECT_EQ(EINVAL, errno);

	/* Unknown keys are a newer version's: skipped. */
	EXPECT_EQ(0, service_blob_decode(back, "irsend-service 1\nNEW-KEY=3\nPOP3N=1110\n", 38, err,
					 sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(1110, settings_store_get_int(back, "POP3N"));
	/* A bad record leaves the values as they were. */
	EXPECT_EQ(-1,
		  service_blob_decode(back, "irsend-service 2\nPOP3N=1\n", 25, err, sizeof(err)));
	EXPECT_STREQ("service-mode record: not in format 'irsend-service 1' (25 bytes)", err);
	EXPECT_EQ(-1, service_blob_decode(back, "irsend", 6, err, sizeof(err)));
	EXPECT_EQ(-1, service_blob_decode(back, "irsend-service 1\nIFAX-LIM=70000\n", 32, err,
					  sizeof(err)));
	EXPECT_STREQ("service-mode record:1: IFAX-LIM: 70000 is out of range (0-65535)", err);
	EXPECT_EQ(-1,
		  service_blob_decode(back, "irsend-service 1\ngarbage\n", 25, err, sizeof(err)));
	EXPECT_EQ(-1, service_blob_decode(user, blob, len, err, sizeof(err)));
	EXPECT_EQ(1110, settings_store_get_int(back, "POP3N"));
	settings_store_free(st);
	settings_store_free(back);
	settings_store_free(user);
}

TEST(every_service_value_fits_one_nvram_record)
{
	struct settings_store *st = settings_store_new(SETTING_SERVICE);
	char err[SETTING_ERR_MAX], blob[IRSEND_NVRAM_DATA_MAX], v[32];
	size_t len = 0;

	ASSERT_NE(NULL, st);
	for (size_t i = 0; i < setting_count(SETTING_SERVICE); i++) {
		const struct setting_def *d = setting_at(SETTING_SERVICE, i);

		snprintf(v, sizeof(v), "%lld", d->max);
		ASSERT_EQ(0, settings_store_set(st, d->key, v, err, sizeof(err)));
	}
	ASSERT_EQ(0, service_blob_encode(st, blob, sizeof(blob), &len));
	/* Room to grow: a few hundred bytes of the 4000. */
	EXPECT_LT(len, IRSEND_NVRAM_DATA_MAX / 4);
	settings_store_free(st);
}

TEST(service_nvram_without_a_device_reports_the_error)
{
	struct settings_store *st = settings_store_new(SETTING_SERVICE);
	char err[SETTINGS_LOAD_ERR_MAX];
	int fd = open("/dev/null", O_RDONLY);

	ASSERT_NE(NULL, st);
	ASSERT_LE(0, fd);
	/* /dev/null has no NVRAM ioctls: a message, not a crash or a silent default. */
	EXPECT_EQ(-1, service_nvram_load(fd, st, err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, "reading the service-mode record from NVRAM: ", 44));
	EXPECT_EQ(-1, service_nvram_save(fd, st, err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, "writing the service-mode record to NVRAM: ", 42));
	close(fd);
	settings_store_free(st);
}

TEST_HARNESS_MAIN
