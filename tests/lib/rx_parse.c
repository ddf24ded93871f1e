// SPDX-License-Identifier: GPL-2.0
/*
 * rx_parse: the reception library (user/mail/rx_message.h) from the shell,
 * for tests and for trying messages by hand.
 *
 *   rx_parse [--max-pages N] [--max-lines N] [--max-bytes N] [--raw] MSG OUTDIR
 *       process MSG into OUTDIR (existing, empty) and print the rx_result as JSON
 *   rx_parse --mdn OUT --our ADDR [--error DETAIL] MSG OUTDIR
 *       the same, then write the MDN answering it to OUT ("processed", or
 *       "processed/error" with DETAIL)
 *   rx_parse --dsn OUT --envelope-from A --rcpt B --host H --errcode N MSG
 *       write the DSN for MSG (rx_dsn_build) to OUT
 *
 * Exit status: 0 done (the JSON says whether there was a reception error),
 * 1 I/O failure, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rx_message.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rx_parse [--max-pages N] [--max-lines N] [--max-bytes N] [--raw]\n"
		"                [--mdn OUT --our ADDR [--error DETAIL]] MSG OUTDIR\n"
		"       rx_parse --dsn OUT --envelope-from A --rcpt B --host H --errcode N MSG\n");
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_uint(json_object *o, const char *k, unsigned long long v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static void print_result(const struct rx_result *r)
{
	json_object *o = json_object_new_object();

	add_str(o, "kind", rx_kind_name(r->kind));
	add_uint(o, "errcode", r->errcode);
	add_str(o, "detail", r->detail);
	add_bool(o, "full_mode", r->full_mode);
	add_str(o, "from", r->from);
	add_str(o, "subject", r->subject);
	add_str(o, "message_id", r->message_id);
	add_str(o, "mdn_to", r->mdn_to);
	add_uint(o, "pages", r->pages);
	add_uint(o, "text_lines", r->text_lines);
	add_bool(o, "has_document", r->has_document);
	add_bool(o, "has_text", r->has_text);
	add_str(o, "about_message_id", r->about_message_id);
	add_bool(o, "failed", r->failed);
	add_str(o, "status", r->status);
	add_uint(o, "report_code", r->report_code);
	add_str(o, "recipient", r->recipient);
	add_uint(o, "recipients", r->recipients);
	add_str(o, "diagnostic", r->diagnostic);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-pages", required_argument, NULL, 'p' },
		{ "max-lines", required_argument, NULL, 'l' },
		{ "max-bytes", required_argument, NULL, 'b' },
		{ "raw", no_argument, NULL, 'r' },
		{ "mdn", required_argument, NULL, 'm' },
		{ "our", required_argument, NULL, 'o' },
		{ "error", required_argument, NULL, 'e' },
		{ "dsn", required_argument, NULL, 'd' },
		{ "envelope-from", required_argument, NULL, 'f' },
		{ "rcpt", required_argument, NULL, 't' },
		{ "host", required_argument, NULL, 'H' },
		{ "errcode", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rx_limits lim = { .max_pages = 1000 };
	const char *mdn = NULL, *our = NULL, *error = NULL, *dsn = NULL, *env_from = "",
		   *rcpt = NULL, *host = NULL;
	unsigned errcode = 0;
	struct rx_result res;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			lim.max_pages = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			lim.max_text_lines = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			lim.max_message_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			lim.raw_data = true;
			break;
		case 'm':
			mdn = optarg;
			break;
		case 'o':
			our = optarg;
			break;
		case 'e':
			error = optarg;
			break;
		case 'd':
			dsn = optarg;
			break;
		case 'f':
			env_from = optarg;
			break;
		case 't':
			rcpt = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'c':
			errcode = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (dsn) {
		if (argc - optind != 1 || !rcpt || !host) {
			usage(stderr);
			return 2;
		}
		if (rx_dsn_build(argv[optind], env_from, rcpt, host, errcode, dsn)) {
			fprintf(stderr, "rx_parse: DSN: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc - optind != 2 || (mdn && !our)) {
		usage(stderr);
		return 2;
	}
	if (rx_message_process(argv[optind], argv[optind + 1], &lim, &res)) {
		fprintf(stderr, "rx_parse: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	print_result(&res);
	if (mdn && rx_mdn_build(&res, our, !error, error, mdn)) {
		fprintf(stderr, "rx_parse: MDN: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
