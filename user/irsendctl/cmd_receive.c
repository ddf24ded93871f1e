/* irsendctl receive status|check|log: I-Fax reception. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_client.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"

#define CMD "receive"
#define PROG CTL_PROG " " CMD

static void receive_help(void)
{
	printf("Usage: %s receive status [--json]\n"
	       "       %s receive check [--wait]\n"
	       "       %s receive log [--recent N] [--json]\n"
	       "\n"
	       "I-Fax reception. irsendd fetches messages from the POP server (pop.server,\n"
	       "every pop.interval minutes) and accepts them by SMTP when smtpd.enabled is\n"
	       "on. Each message is spooled on the data disk before the POP server deletes\n"
	       "it, then becomes a document of the Memory RX Inbox ('%s box show rx')\n"
	       "and a line of the reception log; a message it cannot output gets its\n"
	       "reception error (#818 ... #835, see '%s errors').\n"
	       "\n"
	       "  status         the last POP check (when, outcome, messages fetched), the\n"
	       "                 next one, messages waiting in the spool, received so far\n"
	       "  check          start a POP check now; --wait: until it ends, then its\n"
	       "                 outcome (exit 1 when it failed)\n"
	       "  log            the last receptions (default 20, at most 1000): time,\n"
	       "                 source, kind, sender, subject, pages, code, Memory RX Inbox\n"
	       "                 document\n"
	       "\n"
	       "Exit status: 0 success, 1 failed (a message says why) or agent unreachable,\n"
	       "2 wrong usage.\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

static const char *when(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t)
		return "-";
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
	return buf;
}

static struct json_object *status(void)
{
	struct agent_call call = { .prog = PROG };

	return agent_request(&call, "receive.status", json_object_new_object());
}

static void print_status(struct json_object *st)
{
	char a[32], b[32];
	int code = json_object_get_int(ctl_get(st, "last_code"));

	printf("POP check: %s%s\n",
	       json_object_get_boolean(ctl_get(st, "polling")) ? "running; " : "",
	       ctl_get_string(st, "last_message") ? ctl_get_string(st, "last_message") : "");
	printf("last check: %s%s",
	       when(json_object_get_int64(ctl_get(st, "last_poll")), a, sizeof(a)),
	       code ? "" : "\n");
	if (code)
		printf(" (#%03d)\n", code);
	printf("next check: %s\n",
	       when(json_object_get_int64(ctl_get(st, "next_poll")), b, sizeof(b)));
	printf("in the spool: %d; received since start: %lld\n",
	       json_object_get_int(ctl_get(st, "spooled")),
	       (long long)json_object_get_int64(ctl_get(st, "received")));
}

/* Follow a check to its end: the exit status. */
static int wait_check(bool json)
{
	struct json_object *st = NULL;

	for (int i = 0; i < 36000; i++) {
		json_object_put(st);
		st = status();
		if (!st)
			return CTL_EXIT_FAILURE;
		if (!json_object_get_boolean(ctl_get(st, "polling")))
			break;
		usleep(100000);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN));
	else
		print_status(st);
	int failed = json_object_get_int(ctl_get(st, "last_code")) != 0;

	json_object_put(st);
	return failed ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}

static void print_log(struct json_object *res)
{
	struct json_object *arr = ctl_get(res, "receptions");
	char t[32];

	printf("%-19s %-5s %-5s %5s %5s %5s  %s\n", "TIME", "FROM", "KIND", "PAGES", "CODE", "DOC",
	       "SENDER / SUBJECT / DETAIL");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		int code = json_object_get_int(ctl_get(e, "code"));
		char c[8] = "-";

		if (code)
			snprintf(c, sizeof(c), "#%03d", code);
		printf("%-19s %-5s %-5s %5d %5s %5lld  %s / %s%s%s\n",
		       when(json_object_get_int64(ctl_get(e, "time")), t, sizeof(t)),
		       ctl_get_string(e, "source"), ctl_get_string(e, "kind"),
		       json_object_get_int(ctl_get(e, "pages")), c,
		       (long long)json_object_get_int64(ctl_get(e, "doc")),
		       ctl_get_string(e, "from"), ctl_get_string(e, "subject"), code ? " / " : "",
		       code ? ctl_get_string(e, "detail") : "");
	}
}

int cmd_receive(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *res, *args;
	uint32_t recent = 20;
	bool wait = false;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		receive_help();
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[1], "check") == 0 && strcmp(argv[i], "--wait") == 0)
			wait = true;
		else if (strcmp(argv[1], "log") == 0 && strcmp(argv[i], "--recent") == 0 &&
			 i + 1 < argc) {
			if (!parse_uint(argv[++i], 1, 1000, &recent))
				return usage_error(CMD, "--recent %s: expected 1 to 1000", argv[i]);
		} else {
			return usage_error(CMD, "unexpected argument '%s'", argv[i]);
		}
	}
	if (strcmp(argv[1], "status") == 0) {
		res = status();
		if (!res)
			return CTL_EXIT_FAILURE;
		if (opt->json)
			printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
		else
			print_status(res);
		json_object_put(res);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "check") == 0) {
		res = agent_request(&call, "receive.check", json_object_new_object());
		if (!res)
			return CTL_EXIT_FAILURE;
		json_object_put(res);
		if (wait)
			return wait_check(opt->json);
		printf("POP check started ('%s receive status' shows how it went)\n", CTL_PROG);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "log") != 0)
		return usage_error(CMD, "unknown action '%s'", argv[1]);
	args = json_object_new_object();
	json_object_object_add(args, "recent", json_object_new_int64(recent));
	res = agent_request(&call, "receive.log", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	else
		print_log(res);
	json_object_put(res);
	return CTL_EXIT_OK;
}
