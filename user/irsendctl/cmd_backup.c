/* irsendctl backup run|status, irsendctl restore [--yes]|status|cancel: Mail Box backup
 * (seed 2.1.9). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_client.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"

static void backup_help(void)
{
	printf("Usage: %s backup run [--json]\n"
	       "       %s backup status [--json]\n"
	       "\n"
	       "Backs the User Inboxes up to a folder of an SMB share: every box's settings\n"
	       "(name, PIN as its hash, document limit) and every document with its settings\n"
	       "(name, pages, formats, time, job) and files. The destination comes from the\n"
	       "settings backup.server (\\\\server\\share), backup.path (a folder in the share\n"
	       "that must exist), backup.user and backup.password; smb.port and smb.encrypt\n"
	       "apply as for SMB sending. Set the share's user limit to 2 or more.\n"
	       "\n"
	       "  run      write the backup and wait for its end, with a progress bar on a\n"
	       "           terminal (progress lines otherwise). It is written into BOX.tmp,\n"
	       "           checked, and renamed to BOX when complete: a BOX is never partial.\n"
	       "           It refuses to start when BOX or BOX.tmp exists in the folder (an\n"
	       "           earlier backup, or one that was interrupted): delete or rename it\n"
	       "           first. Only root and the agent's user may run a backup; one runs\n"
	       "           at a time.\n"
	       "  status   whether a backup runs, its progress, and how the last one ended\n"
	       "\n"
	       "The data travel unencrypted unless smb.encrypt is on (SMB3 encryption).\n"
	       "\n"
	       "Errors: #751 server not responding, #802 name not found, #804 no such share\n"
	       "or folder, #806 user name or password refused, #807 no write permission,\n"
	       "#801 server-side failure (disk full, too many connections).\n"
	       "\n"
	       "Exit status: 0 success, 1 failure (the reason is printed) or agent\n"
	       "unreachable, 2 wrong usage.\n",
	       CTL_PROG, CTL_PROG);
}

static void restore_help(void)
{
	printf("Usage: %s restore [--yes]\n"
	       "       %s restore status [--json]\n"
	       "       %s restore cancel\n"
	       "\n"
	       "Schedules a restore of the User Inboxes from BOX in the backup folder (see\n"
	       "'%s backup --help'). It runs at the next start of irsendd, before jobs\n"
	       "or reception start: BOX is first copied to the data disk and every file\n"
	       "checked (size and SHA-256) and a backup of another format version refused;\n"
	       "only then are ALL User Inboxes erased (their documents, names, PINs and\n"
	       "limits, including documents stored after the backup), the backed-up\n"
	       "settings and documents restored with their numbers, and the Memory RX\n"
	       "Inbox emptied. A restore interrupted by a crash or power loss resumes at\n"
	       "the following start. Job numbers do not go back.\n"
	       "\n"
	       "  (none)   schedule the restore; asks for --yes, as it erases the boxes\n"
	       "  status   whether one is scheduled, and the report of the last one\n"
	       "           (boxes, documents, bytes, time, or why it failed)\n"
	       "  cancel   unschedule it (not once it has begun)\n"
	       "\n"
	       "Only root and the agent's user may schedule or cancel.\n"
	       "\n"
	       "Exit status: 0 success, 1 failure or agent unreachable, 2 wrong usage.\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

static long long geti(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *gets_(struct json_object *o, const char *k)
{
	const char *s = ctl_get_string(o, k);

	return s ? s : "";
}

struct bar {
	bool tty, shown;
	int last_tenth;
};

static void on_event(struct json_object *ev, void *arg)
{
	struct bar *b = arg;
	long long bytes = geti(ev, "bytes"), total = geti(ev, "total_bytes");
	int pct = total ? (int)(bytes * 100 / total) : 100;

	if (strcmp(gets_(ev, "event"), "progress"))
		return;
	if (b->tty) {
		char hashes[31];
		int n = pct * 30 / 100;

		memset(hashes, '#', (size_t)n);
		memset(hashes + n, ' ', (size_t)(30 - n));
		hashes[30] = '\0';
		fprintf(stderr, "\rbackup [%s] %3d%%  %lld/%lld files", hashes, pct,
			geti(ev, "files"), geti(ev, "total_files"));
		b->shown = true;
	} else if (pct / 10 != b->last_tenth) {
		b->last_tenth = pct / 10;
		printf("backup: %d%% (%lld of %lld bytes)\n", pct, bytes, total);
		fflush(stdout);
	}
}

static int backup_run(const struct ctl_options *opt)
{
	struct bar b = { .tty = isatty(2) && !opt->json, .last_tenth = -1 };
	struct agent_call call = { .prog = CTL_PROG " backup run",
				   .on_event = on_event,
				   .arg = &b };
	struct json_object *args = json_object_new_object(), *res;

	json_object_object_add(args, "follow", json_object_new_boolean(1));
	res = agent_request(&call, "backup.run", args);
	if (b.shown)
		fputc('\n', stderr);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		printf("%s\n", json_object_to_json_string(res));
	else
		printf("%s\n", gets_(res, "message"));
	json_object_put(res);
	return CTL_EXIT_OK;
}

static int simple(const struct ctl_options *opt, const char *prog, const char *cmd,
		  struct json_object **out)
{
	struct agent_call call = { .prog = prog };
	struct json_object *res = agent_request(&call, cmd, json_object_new_object());

	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json) {
		printf("%s\n", json_object_to_json_string(res));
		json_object_put(res);
		res = NULL;
	}
	*out = res;
	return CTL_EXIT_OK;
}

static void when(const char *label, long long t)
{
	char buf[64];
	time_t tt = (time_t)t;

	if (!t)
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime(&tt));
	printf("%s: %s\n", label, buf);
}

static int backup_status(const struct ctl_options *opt)
{
	struct json_object *res, *v;
	int rc = simple(opt, CTL_PROG " backup status", "backup.status", &res);

	if (rc || !res)
		return rc;
	json_object_object_get_ex(res, "running", &v);
	if (json_object_get_boolean(v))
		printf("running: %lld of %lld files, %lld of %lld bytes\n", geti(res, "files"),
		       geti(res, "total_files"), geti(res, "bytes"), geti(res, "total_bytes"));
	else
		printf("no backup running\n");
	if (json_object_object_get_ex(res, "ok", &v)) {
		when("last backup ended", geti(res, "ended"));
		printf("last result: %s%s%s%s\n",
		       json_object_get_boolean(v) ? "ok: " : "failed: ", gets_(res, "code"),
		       gets_(res, "code")[0] ? " " : "", gets_(res, "message"));
	}
	json_object_put(res);
	return CTL_EXIT_OK;
}

int cmd_backup(const struct ctl_options *opt, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		backup_help();
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (argc > 2)
		return usage_error("backup", "unexpected argument '%s'", argv[2]);
	if (!strcmp(argv[1], "run"))
		return backup_run(opt);
	if (!strcmp(argv[1], "status"))
		return backup_status(opt);
	return usage_error("backup", "unknown action '%s' (run, status)", argv[1]);
}

static int restore_status(const struct ctl_options *opt)
{
	struct json_object *res, *last;
	int rc = simple(opt, CTL_PROG " restore status", "restore.status", &res);

	if (rc || !res)
		return rc;
	printf("scheduled: %s\n", !strcmp(gets_(res, "state"), "scheduled")
					  ? "yes, at the next start"
				  : !strcmp(gets_(res, "state"), "applying") ? "running"
									     : "no");
	if (json_object_object_get_ex(res, "last", &last)) {
		when("last restore", geti(last, "ended"));
		printf("result: %s: %s\n", gets_(last, "state"), gets_(last, "message"));
		printf("boxes %lld, documents %lld, files %lld, bytes %lld, %.1f s\n",
		       geti(last, "boxes"), geti(last, "documents"), geti(last, "files"),
		       geti(last, "bytes"),
		       json_object_get_double(json_object_object_get(last, "seconds")));
	}
	json_object_put(res);
	return CTL_EXIT_OK;
}

int cmd_restore(const struct ctl_options *opt, int argc, char **argv)
{
	struct json_object *res;
	bool yes = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			restore_help();
			return CTL_EXIT_OK;
		}
		if (!strcmp(argv[i], "status") && argc == 2)
			return restore_status(opt);
		if (!strcmp(argv[i], "cancel") && argc == 2) {
			int rc = simple(opt, CTL_PROG " restore cancel", "restore.cancel", &res);

			if (!rc && res)
				printf("the scheduled restore is cancelled\n");
			json_object_put(res);
			return rc;
		}
		if (!strcmp(argv[i], "--yes"))
			yes = true;
		else
			return usage_error("restore", "unexpected argument '%s'", argv[i]);
	}
	if (!yes) {
		fprintf(stderr,
			"%s restore: this erases every User Inbox (documents and settings, also "
			"those\n"
			"stored after the backup) and the Memory RX Inbox at the next start of "
			"irsendd,\n"
			"then restores BOX from the backup folder. Add --yes to schedule it.\n",
			CTL_PROG);
		return CTL_EXIT_USAGE;
	}
	if (simple(opt, CTL_PROG " restore", "restore.schedule", &res))
		return CTL_EXIT_FAILURE;
	if (res)
		printf("restore scheduled: it runs at the next start of irsendd, before anything\n"
		       "else, and erases all User Inboxes and the Memory RX Inbox first\n");
	json_object_put(res);
	return CTL_EXIT_OK;
}
