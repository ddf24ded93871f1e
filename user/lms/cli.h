/* Messages and option parsing the irsend-lms subcommands share. */
#ifndef IRSEND_LMS_CLI_H
#define IRSEND_LMS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "decimal.h"

/* The subcommand messages are prefixed with ("irsend-lms issue: ..."). */
void cli_set_command(const char *cmd);

/* "irsend-lms CMD: message (see 'irsend-lms CMD --help')": returns LMS_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The usage error for what getopt_long() returned for a bad option. */
int option_error(char **argv, int opt);

/* The usage error for a serial that is not serial_valid(). */
int serial_error(const char *serial);

/* "irsend-lms CMD: message": returns LMS_EXIT_FAILURE. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "irsend-lms CMD: message", a note beside the result. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flush standard output: LMS_EXIT_OK, or LMS_EXIT_FAILURE after a message. */
int finish_output(void);

#endif
