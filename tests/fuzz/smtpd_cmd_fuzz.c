// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what an SMTP client controls before deliver() sees
 * anything, through the two pure parts of the server.
 *
 * First byte even: the rest is one command line for smtpd_cmd_parse().
 * A refusal must be one well-formed reply; an accepted command must have
 * printable fields within their limits, and a MAIL or RCPT rebuilt from
 * what was parsed must parse again to the same address and parameters.
 *
 * First byte odd: the rest is DATA for smtpd_data_decode(), fed in chunks
 * whose sizes come from the second byte. The outcome must not depend on
 * the chunks (same status, output and end as in one piece), the output is
 * never longer than the input and holds no bare LF, and a complete
 * message stuffed again decodes to itself.
 *
 *   make fuzz && scripts/fuzz smtpd_cmd
 *   build/fuzz/smtpd_cmd_fuzz tests/fuzz/corpus/smtpd_cmd
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd_cmd.h"
#include "smtpd_data.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__);          \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_printable(const char *s, size_t max, int space_ok)
{
	size_t n = strlen(s);

	CHECK(n <= max);
	for (size_t i = 0; i < n; i++)
		CHECK((s[i] > 32 || (space_ok && s[i] == ' ')) && s[i] < 127);
}

/* The parameters as xtext again: every byte that is not a plain xchar as +XX. */
static void xtext(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		if (*s > 32 && *s < 127 && *s != '+' && *s != '=')
			out[o++] = *s;
		else
			o += (size_t)snprintf(out + o, len - o, "+%02X", (unsigned char)*s);
	}
	out[o] = '\0';
}

static void fuzz_command(const uint8_t *data, size_t size)
{
	static struct smtpd_cmd c, again;
	static char line[SMTPD_CMD_LINE_MAX * 4];
	const char *r = smtpd_cmd_parse((const char *)data, size, &c);
	size_t n;

	if (r) {
		size_t rl = strlen(r);

		CHECK(rl > 10 && rl < 200 && (r[0] == '4' || r[0] == '5') && r[3] == ' ');
		check_printable(r, 200, 1);
		return;
	}
	CHECK(c.verb != SMTPD_VERB_UNKNOWN);
	CHECK(size <= SMTPD_CMD_LINE_MAX);
	check_printable(c.arg, SMTPD_ARG_MAX,
			c.verb == SMTPD_VERB_VRFY || c.verb == SMTPD_VERB_EXPN);
	check_printable(c.path, SMTPD_PATH_MAX, 1); /* a quoted local part may hold spaces */
	check_printable(c.envid, SMTPD_ENVID_MAX, 1);
	check_printable(c.orcpt, SMTPD_ORCPT_MAX, 1);
	check_printable(c.orcpt_type, 32, 0);
	CHECK(!(c.notify & SMTPD_NOTIFY_NEVER) || c.notify == SMTPD_NOTIFY_NEVER);
	if (c.verb != SMTPD_VERB_MAIL && c.verb != SMTPD_VERB_RCPT)
		return;
	/* rebuilt from its parts, the command means the same */
	n = (size_t)snprintf(line, sizeof(line), "%s %s:<%s>",
			     c.verb == SMTPD_VERB_MAIL ? "MAIL" : "RCPT",
			     c.verb == SMTPD_VERB_MAIL ? "FROM" : "TO", c.path);
	if (c.has_size)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " SIZE=%llu", c.size);
	if (c.body)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " BODY=%s",
				      c.body == SMTPD_BODY_7BIT ? "7BIT" : "8BITMIME");
	if (c.ret)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " RET=%s",
				      c.ret == SMTPD_RET_FULL ? "FULL" : "HDRS");
	if (c.envid[0]) {
		char x[SMTPD_ENVID_MAX * 3 + 1];

		xtext(x, sizeof(x), c.envid);
		n += (size_t)snprintf(line + n, sizeof(line) - n, " ENVID=%s", x);
	}
	if (c.notify) {
		static const char *const names[] = { "NEVER", "SUCCESS", "FAILURE", "DELAY" };
		const char *sep = " NOTIFY=";

		for (unsigned int b = 0; b < 4; b++) {
			if (c.notify & (1u << b)) {
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", sep,
						      names[b]);
				sep = ",";
			}
		}
	}
	if (c.orcpt_type[0]) {
		char x[SMTPD_ORCPT_MAX * 3 + 1];

		xtext(x, sizeof(x), c.orcpt);
		n += (size_t)snprintf(line + n, sizeof(line) - n, " ORCPT=%s;%s", c.orcpt_type, x);
	}
	if (n > SMTPD_CMD_LINE_MAX)
		return; /* xtext made it longer than a line may be */
	r = smtpd_cmd_parse(line, n, &again);
	if (r)
		fprintf(stderr, "rebuilt '%s' refused: %s\n", line, r);
	CHECK(!r);
	CHECK(again.verb == c.verb && !strcmp(again.path, c.path) && again.size == c.size &&
	      again.body == c.body && again.ret == c.ret && !strcmp(again.envid, c.envid) &&
	      again.notify == c.notify && !strcmp(again.orcpt, c.orcpt) &&
	      !strcmp(again.orcpt_type, c.orcpt_type));
}

/* Decode in chunks (sizes from seed; 0: all at once). */
static enum smtpd_data_status decode(const uint8_t *in, size_t len, unsigned int seed, char *out,
				     size_t *outlen, size_t *used, int *overlong)
{
	struct smtpd_data d;
	enum smtpd_data_status st = SMTPD_DATA_MORE;
	size_t i = 0;

	smtpd_data_init(&d, 1000);
	*outlen = 0;
	while (i < len && st == SMTPD_DATA_MORE) {
		size_t chunk = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 17 : len;
		size_t o, u;

		if (chunk > len - i)
			chunk = len - i;
		st = smtpd_data_decode(&d, (const char *)in + i, chunk, out + *outlen, &o, &u);
		CHECK(o <= chunk && u <= chunk);
		CHECK(st != SMTPD_DATA_MORE || u == chunk);
		*outlen += o;
		i += u;
	}
	*used = i;
	*overlong = d.overlong;
	return st;
}

static void fuzz_data(const uint8_t *data, size_t size)
{
	unsigned int seed = size ? data[0] | 1u : 1u;
	/* split also takes the decoding of the stuffed copy, up to twice as long */
	char *whole = malloc(size + 1), *split = malloc(2 * size + 16), *again;
	size_t wl, sl, wu, su, al, au, n = 0;
	int wo, so, ao;
	enum smtpd_data_status ws, ss, as;

	if (size) {
		data++;
		size--;
	}
	ws = decode(data, size, 0, whole, &wl, &wu, &wo);
	ss = decode(data, size, seed, split, &sl, &su, &so);
	CHECK(ws == ss && wl == sl && wu == su && wo == so && !memcmp(whole, split, wl));
	CHECK(wl <= wu);
	for (size_t i = 0; i < wl; i++)
		CHECK(whole[i] != '\n' || (i > 0 && whole[i - 1] == '\r'));
	if (ws != SMTPD_DATA_END || (wl && (wl < 2 || whole[wl - 1] != '\n'))) {
		free(whole);
		free(split);
		return;
	}
	/* a whole message, stuffed again, decodes to itself */
	again = malloc(2 * wl + 8);
	for (size_t i = 0; i < wl; i++) {
		if (whole[i] == '.' && (i == 0 || whole[i - 1] == '\n'))
			again[n++] = '.';
		again[n++] = whole[i];
	}
	memcpy(again + n, ".\r\n", 3);
	n += 3;
	as = decode((const uint8_t *)again, n, seed, split, &al, &au, &ao);
	CHECK(as == SMTPD_DATA_END && au == n && al == wl && !memcmp(split, whole, wl));
	free(again);
	free(whole);
	free(split);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_data(data + 1, size - 1);
	else
		fuzz_command(data + 1, size - 1);
	return 0;
}
