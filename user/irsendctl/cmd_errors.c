/* irsendctl errors: the error-code catalogue, for operators and scripts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "errcodes.h"
#include "json.h"

#define CMD "errors"
#define WRAP_COLUMNS 78
#define LABEL_WIDTH 9

static void errors_help(void)
{
	printf("Usage: %s errors [CODE] [--area AREA] [--json]\n"
	       "\n"
	       "Explain the error codes that jobs, the job log and reception reports show.\n"
	       "Every failure of a send or receive path is recorded as one of these codes,\n"
	       "whatever protocol produced it. The catalogue is built in: no module, disk\n"
	       "or agent is needed.\n"
	       "\n"
	       "Without CODE, list every code with its one-line message. With CODE (\"#711\"\n"
	       "or \"711\"; \"#022\", \"022\" and \"22\" are the same code), print its message,\n"
	       "the areas it is used in, what kind of failure it is, its cause and what to\n"
	       "do about it.\n"
	       "\n"
	       "Areas: email (e-mail sending), ifax-tx (Internet fax sending), ifax-rx\n"
	       "(Internet fax reception over POP3 or SMTP), smb, ftp, ncp (file sending)\n"
	       "and box (storing into a User Inbox).\n"
	       "\n"
	       "Kinds: success (#899), cancelled (never retried), temporary (may work\n"
	       "later unchanged; jobs retry these), settings (a setting, address or server\n"
	       "must be fixed first), data (the document itself), report (learnt after\n"
	       "the fact, from a notification or during reception).\n"
	       "\n"
	       "Options:\n"
	       "  --area AREA    list only the codes used in AREA\n"
	       "  --json         JSON on standard output: {\"errors\":[...]} for the list, one\n"
	       "                 object for a CODE; each has \"code\" (number), \"id\" "
	       "(\"#711\"),\n"
	       "                 \"name\", \"kind\", \"areas\" (array), \"message\", \"cause\",\n"
	       "                 \"remedy\"\n"
	       "  -h, --help     print this help and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 no such error code, 2 wrong command line.\n"
	       "\n"
	       "Examples:\n"
	       "  %s errors\n"
	       "  %s errors '#711'\n"
	       "  %s errors --area smb\n"
	       "  %s errors 841 --json\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

static const struct option errors_options[] = {
	{ "area", required_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Print text after a label, wrapped at word boundaries and indented to line up. */
static void print_wrapped(const char *label, const char *text)
{
	int col = printf("%-*s", LABEL_WIDTH, label);

	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > LABEL_WIDTH && col + 1 + (int)word > WRAP_COLUMNS) {
			printf("\n%*s", LABEL_WIDTH, "");
			col = LABEL_WIDTH;
		} else if (col > LABEL_WIDTH) {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", (int)word, text);
		text += word;
		text += strspn(text, " ");
	}
	putchar('\n');
}

static void print_areas(unsigned int areas)
{
	const char *sep = "";

	printf("%-*s", LABEL_WIDTH, "Areas:");
	for (unsigned int bit = 1; bit & IRS_AREA_ALL; bit <<= 1) {
		if (areas & bit) {
			printf("%s%s", sep, errcode_area_name(bit));
			sep = ", ";
		}
	}
	putchar('\n');
}

static void print_one_human(const struct irs_errcode *e)
{
	char id[ERRCODE_STR_MAX];

	printf("%s %s: %s\n", errcode_str(e->code, id), e->name, e->message);
	print_areas(e->areas);
	printf("%-*s%s\n", LABEL_WIDTH, "Kind:", errcode_kind_name(e->kind));
	print_wrapped("Cause:", e->cause);
	print_wrapped("Remedy:", e->remedy);
}

static void put_json(struct json_writer *w, const char *key, const struct irs_errcode *e)
{
	char id[ERRCODE_STR_MAX];

	json_object_open(w, key);
	json_uint(w, "code", e->code);
	json_string(w, "id", errcode_str(e->code, id));
	json_string(w, "name", e->name);
	json_string(w, "kind", errcode_kind_name(e->kind));
	json_array_open(w, "areas");
	for (unsigned int bit = 1; bit & IRS_AREA_ALL; bit <<= 1) {
		if (e->areas & bit)
			json_string(w, NULL, errcode_area_name(bit));
	}
	json_array_close(w);
	json_string(w, "message", e->message);
	json_string(w, "cause", e->cause);
	json_string(w, "remedy", e->remedy);
	json_object_close(w);
}

static void list(unsigned int areas, bool json)
{
	struct json_writer w;

	if (json) {
		json_begin(&w, stdout);
		json_object_open(&w, NULL);
		json_array_open(&w, "errors");
	}
	for (size_t i = 0; i < errcode_count(); i++) {
		const struct irs_errcode *e = errcode_at(i);
		char id[ERRCODE_STR_MAX];

		if (!(e->areas & areas))
			continue;
		if (json)
			put_json(&w, NULL, e);
		else
			printf("%s  %-20s %s\n", errcode_str(e->code, id), e->name, e->message);
	}
	if (json) {
		json_array_close(&w);
		json_object_close(&w);
		json_end(&w);
	}
}

int cmd_errors(const struct ctl_options *opt, int argc, char **argv)
{
	unsigned int areas = IRS_AREA_ALL, code;
	const struct irs_errcode *e;
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", errors_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			errors_help();
			return CTL_EXIT_OK;
		case 'a':
			areas = errcode_area_by_name(optarg);
			if (!areas)
				return usage_error(CMD,
						   "unknown area '%s': expected email, ifax-tx, "
						   "ifax-rx, smb, ftp, ncp or box",
						   optarg);
			break;
		default:
			return option_error(CMD, argv, ch);
		}
	}
	if (optind == argc) {
		list(areas, opt->json);
		return CTL_EXIT_OK;
	}
	if (argc - optind > 1)
		return usage_error(CMD, "takes at most one CODE");
	if (areas != IRS_AREA_ALL)
		return usage_error(CMD, "--area filters the list; it does not go with a CODE");
	if (errcode_parse(argv[optind], &code))
		return usage_error(CMD,
				   "'%s' is not an error code: expected a number such as 711 "
				   "or #711",
				   argv[optind]);
	e = errcode_find(code);
	if (!e) {
		char id[ERRCODE_STR_MAX];

		fprintf(stderr, "%s %s: no error code %s (run '%s errors' for the list)\n",
			CTL_PROG, CMD, errcode_str(code, id), CTL_PROG);
		return CTL_EXIT_FAILURE;
	}
	if (opt->json) {
		struct json_writer w;

		json_begin(&w, stdout);
		put_json(&w, NULL, e);
		json_end(&w);
	} else {
		print_one_human(e);
	}
	return CTL_EXIT_OK;
}
