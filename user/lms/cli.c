/* Messages and option parsing the irsend-lms subcommands share (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lms.h"
#include "numbers.h"

static const char *command = "";

void cli_set_command(const char *cmd)
{
	command = cmd;
}

static void vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s%s%s: ", LMS_PROG, *command ? " " : "", command);
	vfprintf(stderr, fmt, ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s%s%s --help')\n", LMS_PROG, *command ? " " : "", command);
	return LMS_EXIT_USAGE;
}

int option_error(char **argv, int opt)
{
	/* With opterr = 0 and optstring starting with ':', getopt only reports these two. */
	if (opt == ':')
		return usage_error("option '%s' needs a value", argv[optind - 1]);
	if (optopt > 0 && optopt < 128)
		return usage_error("unknown option '-%c'", optopt);
	return usage_error("unknown option '%s'", argv[optind - 1]);
}

int serial_error(const char *serial)
{
	return usage_error("serial '%s': expected 1..%d printable ASCII characters without spaces",
			   serial, SERIAL_MAX);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return LMS_EXIT_FAILURE;
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int finish_output(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return LMS_EXIT_OK;
	return fail("writing standard output failed: %s", strerror(errno));
}
