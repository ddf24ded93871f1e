/* irsend-lms: the vendor's License Management System (issue 8, vendor side). */
#ifndef IRSEND_LMS_H
#define IRSEND_LMS_H

#define LMS_PROG "irsend-lms"
#define LMS_DEFAULT_DIR "/var/lib/irsend-lms"
#define LMS_DIR_ENV "IRSEND_LMS_DIR"

/* Exit statuses of every subcommand. */
enum {
	LMS_EXIT_OK = 0,
	LMS_EXIT_FAILURE = 1, /* failed or refused; a message says why */
	LMS_EXIT_USAGE = 2,   /* the command line was wrong */
};

/* Options common to every subcommand. */
struct lms_options {
	const char *dir; /* the state directory */
};

/* Help text every subcommand shares. */
#define HELP_DIR_OPTION                                                                            \
	"  --dir DIR        the state directory (default: $" LMS_DIR_ENV ", else\n"                \
	"                   " LMS_DEFAULT_DIR ")\n"                                                \
	"  -h, --help       print this help and exit\n"
#define HELP_EXIT_STATUS                                                                           \
	"Exit status: 0 success, 1 failed or refused (a message on standard error\n"               \
	"says why), 2 wrong command line.\n"

/* Each returns the exit status. argv[0] is the subcommand name. */
int cmd_init(const struct lms_options *opt, int argc, char **argv);
int cmd_provision(const struct lms_options *opt, int argc, char **argv);
int cmd_access_number(const struct lms_options *opt, int argc, char **argv);
int cmd_issue(const struct lms_options *opt, int argc, char **argv);
int cmd_transfer(const struct lms_options *opt, int argc, char **argv);
int cmd_ledger(const struct lms_options *opt, int argc, char **argv);

#endif
