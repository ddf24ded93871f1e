/*
 * The SMTP server's command parser: one command line in (CRLF already
 * removed), one parsed command out, or the reply that refuses it. Pure: no
 * I/O, no state, no allocation, so that it is tested on its own and fuzzed
 * (tests/fuzz/smtpd_cmd_fuzz.c). What a command means in a session's state
 * is smtpd_session.c's business.
 *
 * Grammar (RFC 5321 4.1; SIZE RFC 1870, BODY RFC 6152, RET/ENVID/NOTIFY/
 * ORCPT RFC 3461):
 *   - the verb is case-insensitive and ends at a single SP or the end;
 *   - MAIL FROM:<path> and RCPT TO:<path>; spaces after the colon are
 *     tolerated (common), the angle brackets are not optional; a source
 *     route (<@a,@b:user@host>) is accepted and dropped; <> only for MAIL;
 *     RCPT TO:<postmaster> without a domain is accepted (RFC 5321 4.5.1);
 *   - a mailbox is a dot-string or quoted-string local part (at most 64
 *     octets) "@" a domain (labels of letters, digits, inner hyphens; at
 *     most 255 octets) or an address literal ([IPv4] or [IPv6:...]);
 *     the path at most 256 octets;
 *   - ESMTP parameters KEYWORD[=VALUE] separated by spaces, keywords
 *     case-insensitive, each at most once; unknown ones (SMTPUTF8 too:
 *     not offered) are refused with 555;
 *   - ENVID and ORCPT are xtext (RFC 3461 4) and are decoded here; a
 *     decoded control or 8-bit character is refused (they end up in DSN
 *     headers);
 *   - a control character (NUL and bare CR included) anywhere, or an 8-bit
 *     byte outside an address, is a syntax error; an 8-bit address gets
 *     553 5.6.7 (SMTPUTF8 is not offered);
 *   - HELO/EHLO take one domain (underscores tolerated: Windows host
 *     names have them) or address literal; DATA, RSET, QUIT and STARTTLS
 *     take no argument; NOOP and HELP take anything printable.
 *
 * Usage:
 *
 *	struct smtpd_cmd c;
 *	const char *refusal = smtpd_cmd_parse(line, len, &c);
 *	if (refusal) reply(refusal);        // "501 5.1.7 Bad sender address syntax"; c.verb still
 *	                                    // names the command when the verb was known
 *	else if (c.verb == SMTPD_VERB_MAIL) ... c.path, c.size, c.body, c.ret, c.envid ...
 */
#ifndef IRSEND_MAIL_SMTPD_CMD_H
#define IRSEND_MAIL_SMTPD_CMD_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line the parser looks at, CRLF not counted; a session's own limit is lower. */
#define SMTPD_CMD_LINE_MAX 2048
#define SMTPD_PATH_MAX 256   /* RFC 5321 4.5.3.1.3, without the angle brackets */
#define SMTPD_DOMAIN_MAX 255 /* RFC 5321 4.5.3.1.2 */
#define SMTPD_LOCAL_MAX 64   /* RFC 5321 4.5.3.1.1 */
#define SMTPD_ENVID_MAX 100  /* RFC 3461 4.4, decoded */
#define SMTPD_ORCPT_MAX 500  /* RFC 3461 4.2, decoded */
#define SMTPD_ARG_MAX 255    /* a HELO domain, a VRFY string */

enum smtpd_verb {
	SMTPD_VERB_UNKNOWN,
	SMTPD_VERB_HELO,
	SMTPD_VERB_EHLO,
	SMTPD_VERB_MAIL,
	SMTPD_VERB_RCPT,
	SMTPD_VERB_DATA,
	SMTPD_VERB_RSET,
	SMTPD_VERB_NOOP,
	SMTPD_VERB_QUIT,
	SMTPD_VERB_VRFY,
	SMTPD_VERB_HELP,
	SMTPD_VERB_STARTTLS,
	/* Known, never offered (502): */
	SMTPD_VERB_EXPN,
	SMTPD_VERB_AUTH,
	SMTPD_VERB_BDAT,
	SMTPD_VERB_ETRN, /* ETRN, TURN, ATRN */
	/* GET, POST, HEAD, PUT, CONNECT: a web client or a cross-protocol attack */
	SMTPD_VERB_HTTP,
};

enum smtpd_body { SMTPD_BODY_NONE, SMTPD_BODY_7BIT, SMTPD_BODY_8BITMIME };
enum smtpd_ret { SMTPD_RET_NONE, SMTPD_RET_FULL, SMTPD_RET_HDRS };

/* NOTIFY= of RCPT (RFC 3461 4.1): NEVER alone, or any of the other three. */
enum {
	SMTPD_NOTIFY_NEVER = 1u << 0,
	SMTPD_NOTIFY_SUCCESS = 1u << 1,
	SMTPD_NOTIFY_FAILURE = 1u << 2,
	SMTPD_NOTIFY_DELAY = 1u << 3,
};

struct smtpd_cmd {
	enum smtpd_verb verb;
	char arg[SMTPD_ARG_MAX + 1];   /* HELO/EHLO domain, VRFY/EXPN argument */
	char path[SMTPD_PATH_MAX + 1]; /* MAIL/RCPT mailbox without <> and route; "" for <> */
	bool has_params;	       /* any ESMTP parameter (refused after HELO) */
	bool has_size;
	unsigned long long size;	 /* SIZE= */
	enum smtpd_body body;		 /* BODY= */
	enum smtpd_ret ret;		 /* RET= */
	char envid[SMTPD_ENVID_MAX + 1]; /* ENVID=, decoded; "": none */
	unsigned int notify;		 /* NOTIFY=, SMTPD_NOTIFY_* bits; 0: none */
	char orcpt_type[33];		 /* ORCPT= address type ("rfc822"); "": none */
	char orcpt[SMTPD_ORCPT_MAX + 1]; /* ORCPT= address, decoded */
};

/*
 * Parse line[0..len) (no CRLF; NULs count as bytes). NULL when it is a
 * well-formed command, filled into *cmd; otherwise a complete reply
 * without CRLF (a static string). cmd->verb is set whenever the verb was
 * recognised, also when the rest was refused.
 */
const char *smtpd_cmd_parse(const char *line, size_t len, struct smtpd_cmd *cmd);

/* The verb's name in upper case ("MAIL"); "?" for SMTPD_VERB_UNKNOWN. */
const char *smtpd_verb_name(enum smtpd_verb verb);

#endif
