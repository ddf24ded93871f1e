// SPDX-License-Identifier: GPL-2.0
/*
 * SMTP server command lines, parsed by hand against the RFC grammars:
 * every byte of the line is looked at exactly by the rule that owns it, and
 * anything outside a rule is refused rather than guessed at.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "smtpd_cmd.h"

static const char R_TOOLONG[] = "500 5.5.2 Line too long";
static const char R_CTRL[] = "500 5.5.2 Syntax error: control character in command";
static const char R_8BIT[] = "500 5.5.2 Syntax error: 8-bit character in command";
static const char R_UNKNOWN[] = "500 5.5.2 Error: command not recognized";
static const char R_NOARG[] = "501 5.5.4 Syntax error: this command takes no argument";
static const char R_HELO[] = "501 5.5.4 Syntax: HELO/EHLO domain";
static const char R_HELO_DOMAIN[] = "501 5.5.2 Invalid domain name";
static const char R_MAIL[] = "501 5.5.4 Syntax: MAIL FROM:<address>";
static const char R_RCPT[] = "501 5.5.4 Syntax: RCPT TO:<address>";
static const char R_SENDER[] = "501 5.1.7 Bad sender address syntax";
static const char R_RECIPIENT[] = "501 5.1.3 Bad recipient address syntax";
static const char R_8BIT_ADDR[] =
	"553 5.6.7 Non-ASCII address needs SMTPUTF8, which is not offered";
static const char R_PARAM[] = "501 5.5.4 Bad parameter syntax";
static const char R_PARAM_UNKNOWN[] = "555 5.5.4 Unsupported parameter";
static const char R_PARAM_DUP[] = "501 5.5.4 Duplicate parameter";
static const char R_SIZE[] = "501 5.5.4 Bad SIZE parameter";
static const char R_BODY[] = "555 5.5.4 Unsupported BODY type";
static const char R_RET[] = "501 5.5.4 Bad RET parameter";
static const char R_ENVID[] = "501 5.5.4 Bad ENVID parameter";
static const char R_NOTIFY[] = "501 5.5.4 Bad NOTIFY parameter";
static const char R_ORCPT[] = "501 5.5.4 Bad ORCPT parameter";
static const char R_VRFY[] = "501 5.5.4 Syntax: VRFY/EXPN string";

static const struct {
	const char *name;
	enum smtpd_verb verb;
} verbs[] = {
	{ "HELO", SMTPD_VERB_HELO },	     { "EHLO", SMTPD_VERB_EHLO },
	{ "MAIL", SMTPD_VERB_MAIL },	     { "RCPT", SMTPD_VERB_RCPT },
	{ "DATA", SMTPD_VERB_DATA },	     { "RSET", SMTPD_VERB_RSET },
	{ "NOOP", SMTPD_VERB_NOOP },	     { "QUIT", SMTPD_VERB_QUIT },
	{ "VRFY", SMTPD_VERB_VRFY },	     { "HELP", SMTPD_VERB_HELP },
	{ "STARTTLS", SMTPD_VERB_STARTTLS }, { "EXPN", SMTPD_VERB_EXPN },
	{ "AUTH", SMTPD_VERB_AUTH },	     { "BDAT", SMTPD_VERB_BDAT },
	{ "ETRN", SMTPD_VERB_ETRN },	     { "TURN", SMTPD_VERB_ETRN },
	{ "ATRN", SMTPD_VERB_ETRN },	     { "GET", SMTPD_VERB_HTTP },
	{ "POST", SMTPD_VERB_HTTP },	     { "HEAD", SMTPD_VERB_HTTP },
	{ "PUT", SMTPD_VERB_HTTP },	     { "CONNECT", SMTPD_VERB_HTTP },
};

const char *smtpd_verb_name(enum smtpd_verb verb)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return "?";
}

/* A slice of the line: the parser never writes into the caller's bytes. */
struct span {
	const char *p;
	size_t n;
};

static bool is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5322 atext. */
static bool is_atext(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool span_eq(struct span s, const char *word)
{
	return s.n == strlen(word) && !strncasecmp(s.p, word, s.n);
}

static void span_copy(char *dst, struct span s)
{
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
}

/* Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str]; '_' only in HELO. */
static bool valid_domain(struct span s, bool underscore)
{
	size_t label = 0;

	if (s.n == 0 || s.n > SMTPD_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '.') {
			if (label == 0 || s.p[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(is_alpha(c) || is_digit(c) || c == '-' || (underscore && c == '_')))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s.p[s.n - 1] != '-';
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]"; general address literals are not accepted. */
static bool valid_literal(struct span s)
{
	char buf[64];
	unsigned char addr[16];
	struct span in;

	if (s.n < 3 || s.p[0] != '[' || s.p[s.n - 1] != ']')
		return false;
	in = (struct span){ s.p + 1, s.n - 2 };
	if (in.n > 5 && !strncasecmp(in.p, "IPv6:", 5)) {
		in.p += 5;
		in.n -= 5;
		if (in.n >= sizeof(buf))
			return false;
		span_copy(buf, in);
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	if (in.n >= sizeof(buf))
		return false;
	span_copy(buf, in);
	return inet_pton(AF_INET, buf, addr) == 1;
}

static bool valid_host(struct span s, bool underscore)
{
	return s.n && s.p[0] == '[' ? valid_literal(s) : valid_domain(s, underscore);
}

/*
 * Local part at the start of s: dot-string or quoted-string (RFC 5321
 * 4.1.2). Its length, or 0 when it is malformed.
 */
static size_t local_part(struct span s)
{
	size_t i = 0;

	if (s.n && s.p[0] == '"') {
		for (i = 1; i < s.n; i++) {
			unsigned char c = (unsigned char)s.p[i];

			if (c == '"')
				return i + 1;
			if (c == '\\') {
				if (++i >= s.n || s.p[i] < 32 || s.p[i] > 126)
					return 0;
			} else if (c < 32 || c > 126) {
				return 0;
			}
		}
		return 0; /* no closing quote */
	}
	for (;;) {
		size_t start = i;

		while (i < s.n && is_atext((unsigned char)s.p[i]))
			i++;
		if (i == start)
			return 0; /* empty atom: leading, doubled or trailing dot */
		if (i < s.n && s.p[i] == '.') {
			i++;
			continue;
		}
		return i;
	}
}

/*
 * The text between < and >: [A-d-l ":"] Mailbox, or "" (when allowed).
 * On success the mailbox (route dropped) is copied to out.
 */
static bool parse_path(struct span s, bool rcpt, char *out)
{
	struct span box = s;
	size_t lp;

	if (s.n == 0) {
		out[0] = '\0';
		return !rcpt; /* MAIL FROM:<> is the null sender; RCPT TO:<> means nothing */
	}
	if (s.n > SMTPD_PATH_MAX)
		return false;
	if (s.p[0] == '@') {
		/* A-d-l = At-domain *( "," At-domain ) ":"; kept out of the address */
		const char *colon = memchr(s.p, ':', s.n);
		size_t i = 0;

		if (!colon)
			return false;
		while (s.p + i < colon) {
			const char *end = s.p + i + 1;

			if (s.p[i] != '@')
				return false;
			while (end < colon && *end != ',')
				end++;
			if (!valid_domain((struct span){ s.p + i + 1, (size_t)(end - s.p - i - 1) },
					  false))
				return false;
			i = (size_t)(end - s.p) + (end < colon);
			if (end < colon && s.p + i == colon)
				return false; /* trailing comma */
		}
		box = (struct span){ colon + 1, s.n - (size_t)(colon + 1 - s.p) };
	}
	lp = local_part(box);
	if (lp == 0 || lp > SMTPD_LOCAL_MAX)
		return false;
	if (lp == box.n) {
		/* no domain: only RCPT TO:<postmaster> (RFC 5321 4.5.1) */
		if (!rcpt || !span_eq(box, "postmaster"))
			return false;
	} else if (box.p[lp] != '@' ||
		   !valid_host((struct span){ box.p + lp + 1, box.n - lp - 1 }, false)) {
		return false;
	}
	span_copy(out, box);
	return true;
}

static int hex_digit(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') /* RFC 3461 says upper case; lower case is harmless */
		return c - 'a' + 10;
	return -1;
}

/*
 * xtext (RFC 3461 4) into out (room for max + 1). Decoded bytes must be
 * printable ASCII or space: they are copied into DSN headers later.
 */
static bool xtext_decode(struct span s, char *out, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '+') {
			int hi, lo;

			if (i + 2 >= s.n || (hi = hex_digit((unsigned char)s.p[i + 1])) < 0 ||
			    (lo = hex_digit((unsigned char)s.p[i + 2])) < 0)
				return false;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c < 32 || c > 126)
				return false;
		} else if (c < 33 || c > 126 || c == '=') {
			return false;
		}
		if (o == max)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o > 0;
}

static bool parse_size(struct span v, unsigned long long *size)
{
	unsigned long long n = 0;

	if (v.n == 0 || v.n > 20)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		unsigned int d;

		if (!is_digit((unsigned char)v.p[i]))
			return false;
		d = (unsigned int)(v.p[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*size = n;
	return true;
}

static bool parse_notify(struct span v, unsigned int *notify)
{
	unsigned int bits = 0;
	size_t i = 0;

	while (i <= v.n) {
		const char *comma = memchr(v.p + i, ',', v.n - i);
		struct span item = { v.p + i, comma ? (size_t)(comma - v.p) - i : v.n - i };

		if (span_eq(item, "NEVER"))
			bits |= SMTPD_NOTIFY_NEVER;
		else if (span_eq(item, "SUCCESS"))
			bits |= SMTPD_NOTIFY_SUCCESS;
		else if (span_eq(item, "FAILURE"))
			bits |= SMTPD_NOTIFY_FAILURE;
		else if (span_eq(item, "DELAY"))
			bits |= SMTPD_NOTIFY_DELAY;
		else
			return false;
		i += item.n + 1;
	}
	if ((bits & SMTPD_NOTIFY_NEVER) && bits != SMTPD_NOTIFY_NEVER)
		return false;
	*notify = bits;
	return true;
}

/* ORCPT=addr-type;xtext. */
static bool parse_orcpt(struct span v, struct smtpd_cmd *cmd)
{
	const char *semi = memchr(v.p, ';', v.n);
	struct span type;

	if (!semi)
		return false;
	type = (struct span){ v.p, (size_t)(semi - v.p) };
	if (type.n == 0 || type.n >= sizeof(cmd->orcpt_type))
		return false;
	for (size_t i = 0; i < type.n; i++)
		if (!is_alpha((unsigned char)type.p[i]) && !is_digit((unsigned char)type.p[i]) &&
		    type.p[i] != '-')
			return false;
	span_copy(cmd->orcpt_type, type);
	return xtext_decode((struct span){ semi + 1, v.n - type.n - 1 }, cmd->orcpt,
			    SMTPD_ORCPT_MAX);
}

enum { P_SIZE = 1, P_BODY = 2, P_RET = 4, P_ENVID = 8, P_NOTIFY = 16, P_ORCPT = 32 };

/* One KEYWORD[=VALUE] of MAIL (rcpt false) or RCPT. */
static const char *parse_param(struct span kw, struct span v, bool has_v, bool rcpt,
			       unsigned int *seen, struct smtpd_cmd *cmd)
{
	static const struct {
		const char *name;
		unsigned int bit;
		bool rcpt;
	} known[] = {
		{ "SIZE", P_SIZE, false },    { "BODY", P_BODY, false },
		{ "RET", P_RET, false },      { "ENVID", P_ENVID, false },
		{ "NOTIFY", P_NOTIFY, true }, { "ORCPT", P_ORCPT, true },
	};
	unsigned int bit = 0;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (span_eq(kw, known[i].name) && known[i].rcpt == rcpt)
			bit = known[i].bit;
	if (!bit)
		return R_PARAM_UNKNOWN;
	if (*seen & bit)
		return R_PARAM_DUP;
	*seen |= bit;
	switch (bit) {
	case P_SIZE:
		cmd->has_size = true;
		return has_v && parse_size(v, &cmd->size) ? NULL : R_SIZE;
	case P_BODY:
		if (has_v && span_eq(v, "7BIT"))
			cmd->body = SMTPD_BODY_7BIT;
		else if (has_v && span_eq(v, "8BITMIME"))
			cmd->body = SMTPD_BODY_8BITMIME;
		else
			return R_BODY;
		return NULL;
	case P_RET:
		if (has_v && span_eq(v, "FULL"))
			cmd->ret = SMTPD_RET_FULL;
		else if (has_v && span_eq(v, "HDRS"))
			cmd->ret = SMTPD_RET_HDRS;
		else
			return R_RET;
		return NULL;
	case P_ENVID:
		return has_v && xtext_decode(v, cmd->envid, SMTPD_ENVID_MAX) ? NULL : R_ENVID;
	case P_NOTIFY:
		return has_v && parse_notify(v, &cmd->notify) ? NULL : R_NOTIFY;
	default: /* P_ORCPT */
		return has_v && parse_orcpt(v, cmd) ? NULL : R_ORCPT;
	}
}

/* esmtp-param *(SP esmtp-param); extra spaces between them are tolerated. */
static const char *parse_params(struct span s, bool rcpt, struct smtpd_cmd *cmd)
{
	unsigned int seen = 0;
	size_t i = 0;

	while (i < s.n) {
		struct span kw, v = { NULL, 0 };
		bool has_v = false;
		const char *err;
		size_t start;

		if (s.p[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		if (!is_alpha((unsigned char)s.p[i]) && !is_digit((unsigned char)s.p[i]))
			return R_PARAM;
		while (i < s.n && (is_alpha((unsigned char)s.p[i]) ||
				   is_digit((unsigned char)s.p[i]) || s.p[i] == '-'))
			i++;
		kw = (struct span){ s.p + start, i - start };
		if (i < s.n && s.p[i] == '=') {
			has_v = true;
			start = ++i;
			/* esmtp-value = 1*(%d33-60 / %d62-126) */
			while (i < s.n && s.p[i] != ' ') {
				unsigned char c = (unsigned char)s.p[i];

				if (c >= 0x80)
					return R_8BIT;
				if (c < 33 || c == '=')
					return R_PARAM;
				i++;
			}
			v = (struct span){ s.p + start, i - start };
			if (v.n == 0)
				return R_PARAM;
		} else if (i < s.n && s.p[i] != ' ') {
			return (unsigned char)s.p[i] >= 0x80 ? R_8BIT : R_PARAM;
		}
		cmd->has_params = true;
		err = parse_param(kw, v, has_v, rcpt, &seen, cmd);
		if (err)
			return err;
	}
	return NULL;
}

/* "FROM:<path> params" or "TO:<path> params". */
static const char *parse_mail_rcpt(struct span s, bool rcpt, struct smtpd_cmd *cmd)
{
	const char *word = rcpt ? "TO:" : "FROM:";
	const char *syntax = rcpt ? R_RCPT : R_MAIL;
	size_t wl = strlen(word), i, end;
	bool quoted = false;

	if (s.n < wl || strncasecmp(s.p, word, wl))
		return syntax;
	i = wl;
	while (i < s.n && s.p[i] == ' ')
		i++;
	if (i >= s.n || s.p[i] != '<')
		return syntax;
	/* the closing '>' is the first one outside a quoted local part */
	for (end = i + 1; end < s.n; end++) {
		if (quoted && s.p[end] == '\\') {
			end++;
			continue;
		}
		if (s.p[end] == '"')
			quoted = !quoted;
		else if (!quoted && s.p[end] == '>')
			break;
	}
	if (end >= s.n)
		return syntax;
	for (size_t k = i + 1; k < end; k++)
		if ((unsigned char)s.p[k] >= 0x80)
			return R_8BIT_ADDR;
	if (!parse_path((struct span){ s.p + i + 1, end - i - 1 }, rcpt, cmd->path))
		return rcpt ? R_RECIPIENT : R_SENDER;
	end++;
	if (end < s.n && s.p[end] != ' ')
		return syntax;
	return parse_params((struct span){ s.p + end, s.n - end }, rcpt, cmd);
}

static bool has_8bit(struct span s)
{
	for (size_t i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] >= 0x80)
			return true;
	return false;
}

const char *smtpd_cmd_parse(const char *line, size_t len, struct smtpd_cmd *cmd)
{
	struct span verb, rest;
	size_t i = 0;

	memset(cmd, 0, sizeof(*cmd));
	while (i < len && line[i] != ' ')
		i++;
	verb = (struct span){ line, i };
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (span_eq(verb, verbs[k].name))
			cmd->verb = verbs[k].verb;
	if (len > SMTPD_CMD_LINE_MAX)
		return R_TOOLONG;
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)line[k] < 32 || line[k] == 127)
			return R_CTRL;
	if (cmd->verb == SMTPD_VERB_UNKNOWN)
		return has_8bit((struct span){ line, len }) ? R_8BIT : R_UNKNOWN;
	/* the argument: after the one SP, spaces at either end tolerated */
	rest = (struct span){ line + i, len - i };
	while (rest.n && rest.p[0] == ' ')
		rest.p++, rest.n--;
	while (rest.n && rest.p[rest.n - 1] == ' ')
		rest.n--;

	switch (cmd->verb) {
	case SMTPD_VERB_HELO:
	case SMTPD_VERB_EHLO:
		if (has_8bit(rest))
			return R_8BIT;
		if (rest.n == 0 || memchr(rest.p, ' ', rest.n))
			return R_HELO;
		if (rest.n > SMTPD_ARG_MAX || !valid_host(rest, true))
			return R_HELO_DOMAIN;
		span_copy(cmd->arg, rest);
		return NULL;
	case SMTPD_VERB_MAIL:
		return parse_mail_rcpt(rest, false, cmd);
	case SMTPD_VERB_RCPT:
		return parse_mail_rcpt(rest, true, cmd);
	case SMTPD_VERB_DATA:
	case SMTPD_VERB_RSET:
	case SMTPD_VERB_QUIT:
	case SMTPD_VERB_STARTTLS:
		return rest.n ? R_NOARG : NULL;
	case SMTPD_VERB_VRFY:
	case SMTPD_VERB_EXPN:
		if (has_8bit(rest))
			return R_8BIT;
		if (rest.n == 0 || rest.n > SMTPD_ARG_MAX)
			return R_VRFY;
		span_copy(cmd->arg, rest);
		return NULL;
	case SMTPD_VERB_NOOP:
	case SMTPD_VERB_HELP:
		return has_8bit(rest) ? R_8BIT : NULL;
	default: /* AUTH, BDAT, ETRN, HTTP: refused by the session whatever follows */
		return NULL;
	}
}
