#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "commands.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", CTL_PROG, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s %s --help')\n", CTL_PROG, cmd);
	return CTL_EXIT_USAGE;
}

int option_error(const char *cmd, char **argv, int opt)
{
	/* With opterr = 0 and optstring starting with ':', getopt only reports these two. */
	if (opt == ':')
		return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	if (optopt > 0 && optopt < 128)
		return usage_error(cmd, "unknown option '-%c'", optopt);
	return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}
