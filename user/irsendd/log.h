/* irsendd's messages: to stderr or syslog, with the job they concern. */
#ifndef IRSENDD_LOG_H
#define IRSENDD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* level_name: error|warning|info|debug; to_syslog: else stderr. */
void log_setup(bool to_syslog, const char *level_name);

/* job 0: not about a job. Never pass secrets (passwords, PINs, keys). */
void log_msg(int priority, uint32_t job, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
