/* The irsendctl subcommands. */
#ifndef IRSENDCTL_COMMANDS_H
#define IRSENDCTL_COMMANDS_H

#include <stdbool.h>

/* Options common to every subcommand. */
struct ctl_options {
	bool json;
	const char *device; /* NULL: the default path */
};

/* Each returns the process exit status. argv[0] is the subcommand name. */
int cmd_info(const struct ctl_options *opt, int argc, char **argv);
int cmd_scan(const struct ctl_options *opt, int argc, char **argv);
int cmd_capture(const struct ctl_options *opt, int argc, char **argv);
int cmd_feed(const struct ctl_options *opt, int argc, char **argv);
int cmd_hdd(const struct ctl_options *opt, int argc, char **argv);
int cmd_nvram(const struct ctl_options *opt, int argc, char **argv);
int cmd_erase(const struct ctl_options *opt, int argc, char **argv);
int cmd_macfilter(const struct ctl_options *opt, int argc, char **argv);
int cmd_send(const struct ctl_options *opt, int argc, char **argv);
int cmd_jobs(const struct ctl_options *opt, int argc, char **argv);
int cmd_job(const struct ctl_options *opt, int argc, char **argv);
int cmd_box(const struct ctl_options *opt, int argc, char **argv);
int cmd_settings(const struct ctl_options *opt, int argc, char **argv);
int cmd_receive(const struct ctl_options *opt, int argc, char **argv);
int cmd_license(const struct ctl_options *opt, int argc, char **argv);
int cmd_keys(const struct ctl_options *opt, int argc, char **argv);
int cmd_backup(const struct ctl_options *opt, int argc, char **argv);
int cmd_restore(const struct ctl_options *opt, int argc, char **argv);
int cmd_errors(const struct ctl_options *opt, int argc, char **argv);

#define CTL_PROG "irsendctl"

/* Exit statuses shared by all subcommands. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILURE = 1,  /* the operation failed; a message says why */
	CTL_EXIT_USAGE = 2,    /* the command line was wrong */
	CTL_EXIT_SIGNAL = 128, /* plus the signal that interrupted the command */
};

#endif
