/* irsendctl settings|service get|set|list: the agent's settings. */
#include <stdio.h>
#include <string.h>

#include "agent_client.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"

static void settings_help(const char *cmd)
{
	bool service = strcmp(cmd, "service") == 0;

	printf("Usage: %s %s list [--json]\n"
	       "       %s %s get KEY [--json]\n"
	       "       %s %s set KEY VALUE\n"
	       "\n",
	       CTL_PROG, cmd, CTL_PROG, cmd, CTL_PROG, cmd);
	if (service)
		printf("The service-mode values (SMTPTXPN, SMTPRXPN, POP3N, FTPTXPN, RAW-DATA,\n"
		       "IFAX-LIM, IFAX-SZL, IFAX-PGD, NS-CMD5, NS-NTLM, NS-GSAPI, NS-PLNWS, "
		       "NS-LGN,\n"
		       "NS-PLN), kept in NVRAM so that \"initialize all data\" leaves them. Only\n"
		       "root may set them.\n");
	else
		printf("The device's user settings (SMTP, POP, I-Fax, boxes, ...), kept on the "
		       "data\n"
		       "disk. A key never set reads as its default.\n");
	printf("\n"
	       "'list' shows every key with its value, default, allowed values and meaning;\n"
	       "a value outside the allowed ones is refused with the range in the message.\n"
	       "Secrets (passwords) show as \"(set)\".\n"
	       "\n"
	       "Exit status: 0 success, 1 unknown key, value refused or agent unreachable,\n"
	       "2 wrong usage.\n");
}

static void print_setting(struct json_object *s, bool wide)
{
	const char *key = ctl_get_string(s, "key"), *value = ctl_get_string(s, "value");
	struct json_object *set = NULL;

	json_object_object_get_ex(s, "set", &set);
	if (!wide) {
		printf("%s\n", value ? value : "");
		return;
	}
	printf("%-24s %-24s%s\n", key ? key : "", value ? value : "",
	       json_object_get_boolean(set) ? "" : " (default)");
	printf("%-24s   allowed: %s; %s\n", "", ctl_get_string(s, "allowed"),
	       ctl_get_string(s, "description"));
}

int cmd_settings(const struct ctl_options *opt, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct agent_call call = { .prog = strcmp(cmd, "service") == 0 ? CTL_PROG " service"
								       : CTL_PROG " settings" };
	struct json_object *args, *res, *arr;
	char verb[32];

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		settings_help(cmd);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	args = json_object_new_object();
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
	} else if (strcmp(argv[1], "get") == 0 && argc == 3) {
		json_object_object_add(args, "key", json_object_new_string(argv[2]));
	} else if (strcmp(argv[1], "set") == 0 && argc == 4) {
		json_object_object_add(args, "key", json_object_new_string(argv[2]));
		json_object_object_add(args, "value", json_object_new_string(argv[3]));
	} else {
		json_object_put(args);
		return usage_error(cmd, "expected 'list', 'get KEY' or 'set KEY VALUE'");
	}
	snprintf(verb, sizeof(verb), "%s.%s", strcmp(cmd, "service") == 0 ? "service" : "settings",
		 argv[1]);
	res = agent_request(&call, verb, args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	else if (json_object_object_get_ex(res, "settings", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			print_setting(json_object_array_get_idx(arr, i), true);
	else if (strcmp(argv[1], "get") == 0)
		print_setting(res, false);
	else
		print_setting(res, true);
	json_object_put(res);
	return CTL_EXIT_OK;
}
