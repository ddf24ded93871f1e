/* irsendctl box list|show|export|delete: the User Inboxes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_client.h"
#include "atomic_file.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"

static void box_help(void)
{
	printf("Usage: %s box list [--json]\n"
	       "       %s box show N [--pin PIN] [--json]\n"
	       "       %s box export N DOC [--out DIR] [--pin PIN]\n"
	       "       %s box delete N (DOC | --all) [--pin PIN]\n"
	       "       %s box set N [--name NAME] [--new-pin PIN | --clear-pin]\n"
	       "                   [--doc-limit N] [--pin PIN]\n"
	       "\n"
	       "The User Inboxes on the data disk: list shows every box in use (number,\n"
	       "name, PIN or not, documents, bytes) and the box area's use; show lists a\n"
	       "box's documents; export copies a document's files into DIR (default: the\n"
	       "current directory), each written whole or not at all; delete removes one\n"
	       "document or all of a box; set names the box, gives it a PIN (1 to 7\n"
	       "digits) or takes it away, and sets how many documents it may hold\n"
	       "(more are refused with #712). A box with a PIN wants it for everything\n"
	       "but list (root may do without).\n"
	       "PIN: also $IRSEND_BOX_PIN, which keeps it out of the process list.\n"
	       "\n"
	       "N may be \"rx\" for the Memory RX Inbox, where received I-Faxes are kept\n"
	       "(show, export, delete; it has no PIN or settings here). See '%s receive'.\n"
	       "\n"
	       "Exit status: 0 success, 1 refused or failed (a message says why), 2 wrong\n"
	       "usage.\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

/* Copy a received descriptor into dir/name atomically. */
static int save_file(int fd, const char *dir, const char *name)
{
	struct atomic_file af;
	char buf[65536];
	ssize_t n;

	if (!name || !*name || strchr(name, '/') || name[0] == '.') {
		fprintf(stderr, "%s box export: the agent sent a bad file name\n", CTL_PROG);
		return -1;
	}
	if (atomic_file_create(&af, dir, name) < 0) {
		fprintf(stderr, "%s box export: %s/%s: %s\n", CTL_PROG, dir, name, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (atomic_file_write(&af, buf, (size_t)n) < 0)
			break;
	if (n != 0 || atomic_file_commit(&af) < 0) {
		fprintf(stderr, "%s box export: writing %s/%s: %s\n", CTL_PROG, dir, name,
			strerror(errno));
		atomic_file_abort(&af);
		return -1;
	}
	return 0;
}

static int export_files(struct agent_call *call, struct json_object *res, const char *dir,
			bool json)
{
	struct json_object *list = NULL;
	size_t n;
	int ret = CTL_EXIT_OK;

	json_object_object_get_ex(res, "file_list", &list);
	n = list ? json_object_array_length(list) : 0;
	if (n != call->reply_nfds) {
		fprintf(stderr, "%s box export: %zu files announced, %zu received\n", CTL_PROG, n,
			call->reply_nfds);
		ret = CTL_EXIT_FAILURE;
	}
	for (size_t i = 0; ret == CTL_EXIT_OK && i < n; i++) {
		const char *name = ctl_get_string(json_object_array_get_idx(list, i), "name");

		if (save_file(call->reply_fds[i], dir, name) < 0)
			ret = CTL_EXIT_FAILURE;
		else if (!json)
			printf("%s/%s\n", dir, name);
	}
	for (size_t i = 0; i < call->reply_nfds; i++)
		close(call->reply_fds[i]);
	if (json && ret == CTL_EXIT_OK)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	return ret;
}

static void print_list(struct json_object *res)
{
	struct json_object *arr = NULL;
	uint64_t used = 0, limit = 0;

	json_object_object_get_ex(res, "boxes", &arr);
	ctl_get_uint(res, "area_used", &used);
	ctl_get_uint(res, "area_limit", &limit);
	printf("%4s  %-24s %-4s %6s %12s\n", "BOX", "NAME", "PIN", "DOCS", "BYTES");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *b = json_object_array_get_idx(arr, i), *pin = NULL;
		uint64_t no = 0, docs = 0, bytes = 0;

		ctl_get_uint(b, "box", &no);
		ctl_get_uint(b, "documents", &docs);
		ctl_get_uint(b, "bytes", &bytes);
		json_object_object_get_ex(b, "pin", &pin);
		/* Unused boxes without a name or PIN are not worth a line each. */
		if (!docs && !json_object_get_boolean(pin) && !*ctl_get_string(b, "name"))
			continue;
		printf("%4llu  %-24s %-4s %6llu %12llu\n", (unsigned long long)no,
		       ctl_get_string(b, "name"), json_object_get_boolean(pin) ? "yes" : "no",
		       (unsigned long long)docs, (unsigned long long)bytes);
	}
	printf("box area: %llu of %llu bytes used\n", (unsigned long long)used,
	       (unsigned long long)limit);
}

static void print_show(struct json_object *res)
{
	struct json_object *docs = NULL;

	json_object_object_get_ex(res, "docs", &docs);
	printf("%6s  %-24s %5s %-16s %10s\n", "DOC", "NAME", "PAGES", "FORMATS", "BYTES");
	for (size_t i = 0; docs && i < json_object_array_length(docs); i++) {
		struct json_object *d = json_object_array_get_idx(docs, i);
		uint64_t id = 0, pages = 0, bytes = 0;

		ctl_get_uint(d, "doc", &id);
		ctl_get_uint(d, "pages", &pages);
		ctl_get_uint(d, "bytes", &bytes);
		printf("%6llu  %-24s %5llu %-16s %10llu\n", (unsigned long long)id,
		       ctl_get_string(d, "name"), (unsigned long long)pages,
		       ctl_get_string(d, "formats"), (unsigned long long)bytes);
	}
}

int cmd_box(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = CTL_PROG " box" };
	struct json_object *args, *res;
	const char *verb, *pin = getenv("IRSEND_BOX_PIN"), *dir = ".";
	const char *pos[2] = { NULL, NULL };
	const char *set_name = NULL, *new_pin = NULL;
	bool all = false, clear_pin = false, has_limit = false;
	uint32_t limit = 0;
	int npos = 0, ret;
	uint32_t box, doc;
	char cmd[32];

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		box_help();
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	verb = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--pin") == 0 && i + 1 < argc)
			pin = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			set_name = argv[++i];
		else if (strcmp(argv[i], "--new-pin") == 0 && i + 1 < argc)
			new_pin = argv[++i];
		else if (strcmp(argv[i], "--clear-pin") == 0)
			clear_pin = true;
		else if (strcmp(argv[i], "--doc-limit") == 0 && i + 1 < argc) {
			if (!parse_uint(argv[++i], 1, 100000, &limit))
				return usage_error("box", "--doc-limit %s: expected a number",
						   argv[i]);
			has_limit = true;
		} else if (argv[i][0] != '-' && npos < 2)
			pos[npos++] = argv[i];
		else
			return usage_error("box", "unexpected argument '%s'", argv[i]);
	}
	if (strcmp(verb, "list") != 0 && strcmp(verb, "show") != 0 && strcmp(verb, "export") != 0 &&
	    strcmp(verb, "delete") != 0 && strcmp(verb, "set") != 0)
		return usage_error("box", "unknown action '%s'", verb);
	args = json_object_new_object();
	if (strcmp(verb, "list") != 0) {
		bool need_doc =
			strcmp(verb, "export") == 0 || (strcmp(verb, "delete") == 0 && !all);
		bool one_box = strcmp(verb, "show") == 0 || strcmp(verb, "set") == 0;

		bool rx = pos[0] && strcmp(pos[0], "rx") == 0;

		if (!pos[0] || (!rx && !parse_uint(pos[0], 0, 9999, &box)) ||
		    (need_doc && (!pos[1] || !parse_uint(pos[1], 0, UINT32_MAX, &doc))) ||
		    (!need_doc && pos[1])) {
			json_object_put(args);
			return usage_error("box", "%s: expected %s", verb, one_box ? "N" : "N DOC");
		}
		json_object_object_add(args, "box",
				       rx ? json_object_new_string("rx")
					  : json_object_new_int64(box));
		if (need_doc)
			json_object_object_add(args, "doc", json_object_new_int64(doc));
		if (all)
			json_object_object_add(args, "all", json_object_new_boolean(1));
		if (pin)
			json_object_object_add(args, "pin", json_object_new_string(pin));
		if (set_name)
			json_object_object_add(args, "name", json_object_new_string(set_name));
		if (new_pin)
			json_object_object_add(args, "new_pin", json_object_new_string(new_pin));
		if (clear_pin)
			json_object_object_add(args, "clear_pin", json_object_new_boolean(1));
		if (has_limit)
			json_object_object_add(args, "doc_limit", json_object_new_int64(limit));
	}
	snprintf(cmd, sizeof(cmd), "box.%s", verb);
	res = agent_request(&call, cmd, args);
	if (!res)
		return CTL_EXIT_FAILURE;
	ret = CTL_EXIT_OK;
	if (strcmp(verb, "export") == 0)
		ret = export_files(&call, res, dir, opt->json);
	else if (opt->json)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	else if (strcmp(verb, "list") == 0)
		print_list(res);
	else if (strcmp(verb, "show") == 0)
		print_show(res);
	else if (strcmp(verb, "set") == 0)
		printf("box %u changed\n", box);
	else
		printf("deleted\n");
	json_object_put(res);
	return ret;
}
