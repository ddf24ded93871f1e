/* irsendctl jobs, irsendctl job show|cancel: the agent's jobs. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent_client.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"

static void jobs_help(void)
{
	printf("Usage: %s jobs [--recent N] [--json]\n"
	       "       %s job show ID [--json]\n"
	       "       %s job cancel ID\n"
	       "\n"
	       "The agent's jobs: those waiting or running (with their stage and pages),\n"
	       "then the last N ended ones from the job log (default 20) with their result,\n"
	       "error code and time. 'job show' prints one job whole; 'job cancel' stops a\n"
	       "running job (#099) or withdraws a waiting one (#995); only root and the\n"
	       "user who sent it may.\n"
	       "\n"
	       "Exit status: 0 success, 1 no such job or the agent refused, 2 wrong usage.\n",
	       CTL_PROG, CTL_PROG, CTL_PROG);
}

static void print_job_line(struct json_object *entry)
{
	struct json_object *job = NULL, *state = NULL;
	uint64_t id = 0, pages = 0, code = 0, ended = 0;
	const char *stage, *result, *name;
	char when[32] = "";

	json_object_object_get_ex(entry, "job", &job);
	json_object_object_get_ex(entry, "state", &state);
	ctl_get_uint(job, "id", &id);
	ctl_get_uint(state, "pages", &pages);
	ctl_get_uint(state, "code", &code);
	ctl_get_uint(state, "ended", &ended);
	stage = ctl_get_string(state, "stage");
	result = ctl_get_string(state, "result");
	name = ctl_get_string(job, "name");
	if (ended) {
		time_t t = (time_t)ended;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	}
	printf("%6llu  %-20s %-9s %-9s %5llu  %-4s  %s\n", (unsigned long long)id, name ? name : "",
	       stage ? stage : "", result ? result : "-", (unsigned long long)pages,
	       code ? "" : "-", when);
	if (code)
		printf("%6s  #%03llu %s\n", "", (unsigned long long)code,
		       ctl_get_string(state, "message"));
}

static int list_jobs(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = CTL_PROG " jobs" };
	struct json_object *args = json_object_new_object(), *res, *arr;
	uint32_t recent = 20;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--recent") == 0 && i + 1 < argc &&
		    parse_uint(argv[i + 1], 0, 1000, &recent)) {
			i++;
			continue;
		}
		json_object_put(args);
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			jobs_help();
			return CTL_EXIT_OK;
		}
		return usage_error("jobs", "unexpected argument '%s'", argv[i]);
	}
	json_object_object_add(args, "recent", json_object_new_int64(recent));
	res = agent_request(&call, "jobs", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json) {
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
		json_object_put(res);
		return CTL_EXIT_OK;
	}
	printf("%6s  %-20s %-9s %-9s %5s\n", "JOB", "NAME", "STAGE", "RESULT", "PAGES");
	if (json_object_object_get_ex(res, "active", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			print_job_line(json_object_array_get_idx(arr, i));
	if (json_object_object_get_ex(res, "ended", &arr))
		for (size_t i = json_object_array_length(arr); i > 0; i--)
			print_job_line(json_object_array_get_idx(arr, i - 1));
	json_object_put(res);
	return CTL_EXIT_OK;
}

int cmd_jobs(const struct ctl_options *opt, int argc, char **argv)
{
	return list_jobs(opt, argc, argv);
}

int cmd_job(const struct ctl_options *opt, int argc, char **argv)
{
	struct agent_call call = { .prog = CTL_PROG " job" };
	struct json_object *args, *res;
	uint32_t id;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		jobs_help();
		return CTL_EXIT_OK;
	}
	if (argc != 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "cancel") != 0))
		return usage_error("job", "expected 'show ID' or 'cancel ID'");
	if (!parse_uint(argv[2], 1, UINT32_MAX, &id))
		return usage_error("job", "'%s' is not a job id", argv[2]);
	args = json_object_new_object();
	json_object_object_add(args, "job", json_object_new_int64(id));
	res = agent_request(&call, strcmp(argv[1], "show") == 0 ? "job.show" : "job.cancel", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (strcmp(argv[1], "cancel") == 0)
		printf("job %u: cancel requested\n", id);
	else if (opt->json)
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	else
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PRETTY));
	json_object_put(res);
	return CTL_EXIT_OK;
}
