/* irsendctl license register|list|invalidate: the device's licensed options. */
#include <stdio.h>
#include <string.h>

#include "agent_client.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"
#include "license_key.h"

#define CMD "license"
#define PROG CTL_PROG " " CMD

static void license_help(void)
{
	printf("Usage: %s license register KEY\n"
	       "       %s license list [--json]\n"
	       "       %s license invalidate OPTION --yes\n"
	       "\n"
	       "Optional functions are enabled by license keys. A key is 24 digits, issued by\n"
	       "your dealer's License Management System for one option and for this device's\n"
	       "serial number only (see 'irsendctl nvram get serial'). The licenses are kept in\n"
	       "NVRAM: \"initialize all data\", every erase and a reinstall leave them.\n"
	       "\n"
	       "  register KEY   enable the option the key is for. KEY may be typed with\n"
	       "                 spaces or dashes between digit groups, as one argument or\n"
	       "                 several; '-' reads it from standard input. The option is\n"
	       "                 \"pending\" until irsendd next starts, then \"active\".\n"
	       "                 A mistyped digit or two swapped neighbouring digits are\n"
	       "                 caught by the key's check digit. After 5 keys that are well\n"
	       "                 formed but wrong, registration is locked for a minute, twice\n"
	       "                 as long after each further one (up to a day); restarting\n"
	       "                 does not reset this.\n"
	       "  list           each option with its state (active, pending or -), the\n"
	       "                 sequence number of its key, whether the running agent uses\n"
	       "                 it, and the invalidation certificates this device issued\n"
	       "  invalidate OPTION --yes\n"
	       "                 give OPTION up, to move it to another device: it is off at\n"
	       "                 once, and an invalidation certificate is printed. Give the\n"
	       "                 certificate, this serial number and the new device's serial\n"
	       "                 number to your dealer, who issues a key for the new device.\n"
	       "                 The key this device had can never be registered here again.\n"
	       "\n"
	       "Options: SEND (e-mail, I-Fax and file destinations; User Inboxes need no\n"
	       "license), ENPDF (encrypted PDF), SPDF (searchable PDF), EXPDF (PDF\n"
	       "extensions), LIPS, PDFDR (PDF direct print), SCR (security), HDCLR (the random\n"
	       "erase modes of 'irsendctl erase'), BRDIM, VNC, WEB.\n"
	       "\n"
	       "Messages: \"The number of the license key is not correct. Check the license\n"
	       "key.\" (with a second line saying whether it is a typo, the wrong length or a\n"
	       "key for another device) and \"The function has already been enabled.\"\n"
	       "\n"
	       "Only root and the agent's user may register or invalidate; anyone allowed on\n"
	       "the agent's socket may list.\n"
	       "\n"
	       "Exit status: 0 success, 1 refused (the message says why) or agent\n"
	       "unreachable, 2 wrong usage.\n"
	       "\n"
	       "Example:\n"
	       "  %s license register 0100-0001-2345-6789-0123-4567\n"
	       "  systemctl restart irsendd\n"
	       "  %s license list\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

/* 24 digits as six groups of four, the way they are printed for people. */
static void grouped(const char *digits, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; digits[i] && o + 2 < len; i++) {
		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* The key from the arguments (joined) or, for "-", from standard input. */
static int read_key(int argc, char **argv, char *key, size_t len)
{
	size_t o = 0;

	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		if (!fgets(key, (int)len, stdin)) {
			fprintf(stderr, "%s: no key on standard input\n", PROG);
			return -1;
		}
		key[strcspn(key, "\r\n")] = '\0';
		return 0;
	}
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (o + n + 2 > len) {
			fprintf(stderr, "%s: %s\n%s\n", PROG,
				"The number of the license key is not correct. Check the license "
				"key.",
				"A license key is 24 digits; spaces and dashes between them are "
				"ignored.");
			return -1;
		}
		if (i)
			key[o++] = ' ';
		memcpy(key + o, argv[i], n);
		o += n;
	}
	key[o] = '\0';
	return 0;
}

static int do_register(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args, *res;
	char key[128];

	if (argc < 1)
		return usage_error(CMD, "register needs the license key");
	if (read_key(argc, argv, key, sizeof(key)) < 0)
		return CTL_EXIT_FAILURE;
	args = json_object_new_object();
	json_object_object_add(args, "key", json_object_new_string(key));
	res = agent_request(&call, "license.register", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	else
		printf("%s is registered (sequence %06d). It becomes active when irsendd next "
		       "starts.\n",
		       ctl_get_text(res, "option"), json_object_get_int(ctl_get(res, "sequence")));
	json_object_put(res);
	return CTL_EXIT_OK;
}

static void print_list(struct json_object *res)
{
	struct json_object *opts = ctl_get(res, "options"), *invs = ctl_get(res, "invalidations");
	const char *problem = ctl_get_text(res, "problem");
	int locked = json_object_get_int(ctl_get(res, "locked_s"));
	char cert[40];

	printf("Serial number: %s\n",
	       *ctl_get_text(res, "serial") ? ctl_get_text(res, "serial") : "(none)");
	if (*problem)
		printf("Licenses unavailable: %s\n", problem);
	printf("\n%-7s %-8s %-9s %s\n", "OPTION", "STATE", "SEQUENCE", "IN USE");
	for (size_t i = 0; i < ctl_array_length(opts); i++) {
		struct json_object *o = json_object_array_get_idx(opts, i);
		const char *state = ctl_get_text(o, "state");
		bool running = json_object_get_boolean(ctl_get(o, "running"));

		if (strcmp(state, "off") == 0) {
			printf("%-7s %-8s %-9s %s\n", ctl_get_text(o, "option"), "-", "-", "no");
			continue;
		}
		printf("%-7s %-8s %06d    %s\n", ctl_get_text(o, "option"), state,
		       json_object_get_int(ctl_get(o, "sequence")),
		       running ? "yes" : "no (from the next start of irsendd)");
	}
	if (ctl_array_length(invs)) {
		printf("\nInvalidation certificates:\n");
		for (size_t i = 0; i < ctl_array_length(invs); i++) {
			struct json_object *v = json_object_array_get_idx(invs, i);

			grouped(ctl_get_text(v, "certificate"), cert, sizeof(cert));
			printf("%-7s sequence %06d  %s\n", ctl_get_text(v, "option"),
			       json_object_get_int(ctl_get(v, "sequence")), cert);
		}
	}
	if (locked > 0)
		printf("\nRegistration is locked for %d s more (%d wrong keys).\n", locked,
		       json_object_get_int(ctl_get(res, "failed")));
}

static int do_invalidate(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args, *res;
	const char *option = NULL;
	bool yes = false;
	char cert[40];

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0)
			yes = true;
		else if (argv[i][0] == '-')
			return usage_error(CMD, "unknown option '%s'", argv[i]);
		else if (option)
			return usage_error(CMD, "invalidate takes one option");
		else
			option = argv[i];
	}
	if (!option)
		return usage_error(CMD, "invalidate needs an option, such as SEND");
	if (!yes)
		return usage_error(CMD, "invalidating %s cannot be undone: add --yes", option);
	args = json_object_new_object();
	json_object_object_add(args, "option", json_object_new_string(option));
	res = agent_request(&call, "license.invalidate", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json) {
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	} else {
		grouped(ctl_get_text(res, "certificate"), cert, sizeof(cert));
		printf("%s (sequence %06d) is invalidated on this device and is off now.\n"
		       "Invalidation certificate: %s\n"
		       "Serial number: %s\n"
		       "Give both, with the serial number of the new device, to your dealer for a\n"
		       "key for the new device. ('%s license list' shows the certificate again.)\n",
		       ctl_get_text(res, "option"), json_object_get_int(ctl_get(res, "sequence")),
		       cert, ctl_get_text(res, "serial"), CTL_PROG);
	}
	json_object_put(res);
	return CTL_EXIT_OK;
}

int cmd_license(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *res;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		license_help();
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "register") == 0)
		return do_register(opt, argc - 2, argv + 2);
	if (strcmp(argv[1], "invalidate") == 0)
		return do_invalidate(opt, argc - 2, argv + 2);
	if (strcmp(argv[1], "list") != 0 || argc != 2)
		return usage_error(CMD, "expected 'register KEY', 'list' or 'invalidate OPTION'");
	res = agent_request(&call, "license.list", json_object_new_object());
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	else
		print_list(res);
	json_object_put(res);
	return CTL_EXIT_OK;
}
