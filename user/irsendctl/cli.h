/* Command-line helpers the subcommands share. */
#ifndef IRSENDCTL_CLI_H
#define IRSENDCTL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "decimal.h"

/* Print "irsendctl CMD: message (see 'irsendctl CMD --help')"; returns CTL_EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The usage error for what getopt_long() returned for a bad option. */
int option_error(const char *cmd, char **argv, int opt);

#endif
