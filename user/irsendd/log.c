/* irsendd's messages (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool use_syslog;
static int max_priority = LOG_INFO;

void log_setup(bool to_syslog, const char *level_name)
{
	static const struct {
		const char *name;
		int priority;
	} levels[] = {
		{ "error", LOG_ERR },
		{ "warning", LOG_WARNING },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(levels[i].name, level_name) == 0)
			max_priority = levels[i].priority;
	use_syslog = to_syslog;
	if (use_syslog)
		openlog("irsendd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static const char *priority_name(int priority)
{
	switch (priority) {
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void log_msg(int priority, uint32_t job, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (priority > max_priority)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (use_syslog) {
		if (job)
			syslog(priority, "job %u: %s", job, text);
		else
			syslog(priority, "%s", text);
		return;
	}
	if (job)
		fprintf(stderr, "irsendd: %s: job %u: %s\n", priority_name(priority), job, text);
	else
		fprintf(stderr, "irsendd: %s: %s\n", priority_name(priority), text);
}
