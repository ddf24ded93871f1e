/*
 * Checking a setting's value and writing its canonical spelling. Every
 * message names the key and ends with what is allowed, so that a refusal
 * on the panel, the CLI or in a settings file tells the user what to type.
 * Secret values are never echoed back.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "settings_def.h"

/* How much of a refused value a message quotes. */
#define ECHO_MAX 40

static int fail(const struct setting_def *d, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(const struct setting_def *d, char *err, size_t errlen, const char *fmt, ...)
{
	char allowed[SETTING_ERR_MAX];
	va_list ap;
	int n;

	if (!errlen)
		return -1;
	setting_allowed(d, allowed, sizeof(allowed));
	n = snprintf(err, errlen, "%s: ", d->key);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(err);
	snprintf(err + n, errlen - (size_t)n, " (%s)", allowed);
	return -1;
}

/* The value as a message may quote it: never a secret, never all of a long one. */
static const char *echo(const struct setting_def *d, const char *text, char *buf, size_t len)
{
	if (d->flags & SETTING_SECRET)
		return "the value";
	if (strlen(text) > ECHO_MAX)
		snprintf(buf, len, "'%.*s...'", ECHO_MAX, text);
	else
		snprintf(buf, len, "'%s'", text);
	return buf;
}

/* Characters in well-formed UTF-8 text, or -1 for malformed bytes. */
static long long utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long long n = 0;

	while (*p) {
		int extra = *p < 0x80		  ? 0
			    : (*p & 0xe0) == 0xc0 ? 1
			    : (*p & 0xf0) == 0xe0 ? 2
			    : (*p & 0xf8) == 0xf0 ? 3
						  : -1;

		if (extra < 0 || (extra == 1 && *p < 0xc2))
			return -1;
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
		}
		n++;
	}
	return n;
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

/* A DNS name: labels of letters, digits and '-', not starting or ending with '-'. */
static bool is_dns_name(const char *s)
{
	size_t label = 0, total = strlen(s);
	bool all_numeric = true;

	if (!total || total > 253)
		return false;
	for (const char *p = s;; p++) {
		if (*p == '.' || !*p) {
			if (!label || p[-1] == '-' || label > 63)
				return false;
			if (!*p)
				break;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		if (!label && *p == '-')
			return false;
		if (!isdigit((unsigned char)*p))
			all_numeric = false;
		label++;
	}
	/* "1.2.3.999" is a broken IPv4 address, not a name. */
	return !all_numeric;
}

static bool is_ip(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

static bool is_host(const char *s)
{
	return is_ip(s) || is_dns_name(s);
}

/* RFC 5322 dot-atom local part, then a DNS name or [IP address] domain. */
static bool is_email(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t local = at ? (size_t)(at - s) : 0;
	char domain[256];

	if (!at || !local || local > 64 || s[0] == '.' || at[-1] == '.')
		return false;
	for (const char *p = s; p < at; p++) {
		if (*p == '.' && p[1] == '.')
			return false;
		if (!isalnum((unsigned char)*p) && !strchr(".!#$%&'*+/=?^_`{|}~-", *p))
			return false;
	}
	at++;
	if (*at == '[') {
		size_t n = strlen(at);

		if (n < 3 || at[n - 1] != ']' || n - 2 >= sizeof(domain))
			return false;
		memcpy(domain, at + 1, n - 2);
		domain[n - 2] = '\0';
		if (!strncasecmp(domain, "IPv6:", 5))
			memmove(domain, domain + 5, strlen(domain + 5) + 1);
		return is_ip(domain);
	}
	return is_dns_name(at);
}

/* One entry of an address list: an address with an optional /prefix. */
static bool is_network(const char *s, size_t len)
{
	char buf[64];
	const char *slash;
	unsigned char addr[16];
	int family, bits;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		family = 32;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		family = 128;
	else
		return false;
	if (!slash)
		return true;
	slash++;
	if (!*slash || strlen(slash) > 3 || (slash[0] == '0' && slash[1]))
		return false;
	bits = 0;
	for (; *slash; slash++) {
		if (!isdigit((unsigned char)*slash))
			return false;
		bits = bits * 10 + (*slash - '0');
	}
	return bits <= family;
}

static int normalize_int(const struct setting_def *d, const char *text, char *out, size_t outlen,
			 char *err, size_t errlen)
{
	char q[ECHO_MAX + 8];
	long long v = 0;
	const char *p = text;
	bool neg = *p == '-';

	if (neg)
		p++;
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return fail(d, err, errlen, "%s is not a whole number",
			    echo(d, text, q, sizeof(q)));
	p += strspn(p, "0");
	if (strlen(p) > 15)
		return fail(d, err, errlen, "%s is out of range", echo(d, text, q, sizeof(q)));
	for (; *p; p++)
		v = v * 10 + (*p - '0');
	if (neg)
		v = -v;
	if (v < d->min || v > d->max)
		return fail(d, err, errlen, "%s is out of range", text);
	snprintf(out, outlen, "%lld", v);
	return 0;
}

static int normalize_bool(const struct setting_def *d, const char *text, char *out, size_t outlen,
			  char *err, size_t errlen)
{
	static const char *const on[] = { "on", "yes", "true", "1" };
	static const char *const off[] = { "off", "no", "false", "0" };
	char q[ECHO_MAX + 8];

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcasecmp(text, on[i]) || !strcasecmp(text, off[i])) {
			snprintf(out, outlen, "%s", !strcasecmp(text, on[i]) ? "on" : "off");
			return 0;
		}
	}
	return fail(d, err, errlen, "%s is not a switch", echo(d, text, q, sizeof(q)));
}

static int normalize_enum(const struct setting_def *d, const char *text, char *out, size_t outlen,
			  char *err, size_t errlen)
{
	char q[ECHO_MAX + 8];

	for (size_t i = 0; d->words[i]; i++) {
		if (!strcasecmp(text, d->words[i])) {
			snprintf(out, outlen, "%s", d->words[i]);
			return 0;
		}
	}
	return fail(d, err, errlen, "%s is not one of the choices", echo(d, text, q, sizeof(q)));
}

static int check_text(const struct setting_def *d, const char *text, char *err, size_t errlen)
{
	char q[ECHO_MAX + 8];
	const char *e = echo(d, text, q, sizeof(q));

	switch (d->text) {
	case TEXT_ANY:
		break;
	case TEXT_WORD:
		if (strpbrk(text, " \t"))
			return fail(d, err, errlen, "%s contains a space", e);
		break;
	case TEXT_HEX:
		if (strspn(text, "0123456789abcdefABCDEF") != strlen(text))
			return fail(d, err, errlen, "%s holds a character that is not a hex digit",
				    e);
		break;
	case TEXT_PATH:
		if (text[0] != '/')
			return fail(d, err, errlen, "%s does not start with '/'", e);
		break;
	case TEXT_UNC: {
		/* \\server\share, then optional \more\folders. */
		const char *server = text + 2, *share;

		if (strncmp(text, "\\\\", 2) || !(share = strchr(server, '\\')) ||
		    share == server || !share[1] || share[1] == '\\' || strchr(server, '/'))
			return fail(d, err, errlen, "%s is not an SMB share", e);
		break;
	}
	}
	return 0;
}

int setting_normalize(const struct setting_def *d, const char *text, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	char q[ECHO_MAX + 8], tmp[SETTING_VALUE_MAX + 1];
	const char *e;
	long long chars;

	if (errlen)
		err[0] = '\0';
	if (strlen(text) > SETTING_VALUE_MAX)
		return fail(d, err, errlen, "value is longer than %d bytes", SETTING_VALUE_MAX);
	if (has_control(text))
		return fail(d, err, errlen, "value contains a control character");
	e = echo(d, text, q, sizeof(q));
	switch (d->type) {
	case SETTING_INT:
		return normalize_int(d, text, out, outlen, err, errlen);
	case SETTING_BOOL:
		return normalize_bool(d, text, out, outlen, err, errlen);
	case SETTING_ENUM:
		return normalize_enum(d, text, out, outlen, err, errlen);
	case SETTING_TEXT:
	case SETTING_HOST:
	case SETTING_EMAIL:
	case SETTING_IPLIST:
		break;
	}
	chars = utf8_length(text);
	if (chars < 0)
		return fail(d, err, errlen, "value is not valid UTF-8");
	if (!*text) {
		if (d->flags & SETTING_REQUIRED)
			return fail(d, err, errlen, "may not be empty");
		snprintf(out, outlen, "%s", "");
		return 0;
	}
	if (chars > d->max || (d->type == SETTING_TEXT && chars < d->min))
		return fail(d, err, errlen, "%s has %lld characters", e, chars);
	switch (d->type) {
	case SETTING_TEXT:
		if (check_text(d, text, err, errlen))
			return -1;
		snprintf(out, outlen, "%s", text);
		return 0;
	case SETTING_HOST: {
		size_t n = strlen(text);

		/* "[2001:db8::1]" as in URLs: stored without the brackets. */
		if (text[0] == '[' && n > 2 && text[n - 1] == ']') {
			unsigned char addr[16];

			snprintf(tmp, sizeof(tmp), "%.*s", (int)(n - 2), text + 1);
			if (inet_pton(AF_INET6, tmp, addr) != 1)
				return fail(d, err, errlen, "%s is not a host name or IP address",
					    e);
			snprintf(out, outlen, "%s", tmp);
			return 0;
		}
		if (!is_host(text))
			return fail(d, err, errlen, "%s is not a host name or IP address", e);
		snprintf(out, outlen, "%s", text);
		return 0;
	}
	case SETTING_EMAIL:
		if (!is_email(text))
			return fail(d, err, errlen, "%s is not an e-mail address", e);
		snprintf(out, outlen, "%s", text);
		return 0;
	case SETTING_IPLIST: {
		size_t used = 0;

		tmp[0] = '\0';
		for (const char *p = text; *p;) {
			size_t len;

			p += strspn(p, " ");
			len = strcspn(p, ", ");
			if (!is_network(p, len)) {
				char item[ECHO_MAX + 8];

				snprintf(item, sizeof(item), "'%.*s'",
					 (int)(len > ECHO_MAX ? ECHO_MAX : len), p);
				return fail(d, err, errlen, "%s is not an IP address or network",
					    len ? item : "an empty entry");
			}
			used += (size_t)snprintf(tmp + used, sizeof(tmp) - used, "%s%.*s",
						 used ? "," : "", (int)len, p);
			p += len;
			p += strspn(p, " ");
			if (*p == ',') {
				p++;
				if (!p[strspn(p, " ")])
					return fail(d, err, errlen, "the list ends with a comma");
			} else if (*p) {
				return fail(d, err, errlen, "entries must be separated by commas");
			}
		}
		snprintf(out, outlen, "%s", tmp);
		return 0;
	}
	case SETTING_INT:
	case SETTING_BOOL:
	case SETTING_ENUM:
		break;
	}
	return fail(d, err, errlen, "unknown type");
}

int setting_validate(const struct setting_def *d, const char *text, char *err, size_t errlen)
{
	char out[SETTING_VALUE_MAX + 1];

	return setting_normalize(d, text, out, sizeof(out), err, errlen);
}
