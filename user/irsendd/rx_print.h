/*
 * Printing received documents (issue 9): the files of a document stored
 * in the Memory RX Inbox go to a CUPS queue through lp(1) of cups-client,
 * so that whatever CUPS drives (a local printer, an IPP printer, another
 * server) is ours without a CUPS library in the agent.
 *
 * Called from the reception worker thread: no global state; lp runs by
 * fork and execvp, never through a shell, with /dev/null, a pipe and a
 * pipe as its only descriptors, default signal dispositions and mask, and
 * LC_ALL=C (its "request id is" is parsed).
 */
#ifndef IRSENDD_RX_PRINT_H
#define IRSENDD_RX_PRINT_H

#include <stddef.h>

/* lp (in its own process group) is killed after this long. */
#define RX_PRINT_TIMEOUT_MS 60000u

/*
 * Print files as one job. queue "": the default destination; server "":
 * the system's CUPS server, else host[:port] (or a socket path). title
 * becomes the job name (control characters dropped, invalid UTF-8
 * replaced, cut to 127 bytes). TIFF files ask for fit-to-page.
 *
 * 0 with lp's request id ("QUEUE-N") in job_id, or -1 with why in err:
 * lp's own message, or that the CUPS server is not running or not
 * answering (lp alone calls that "The printer or class does not exist"),
 * or that lp could not be run.
 */
int rx_print(const char *queue, const char *server, const char *const *files, size_t nfiles,
	     const char *title, char *job_id, size_t idlen, char *err, size_t errlen);

/* The same with another time limit (tests). */
int rx_print_timed(const char *queue, const char *server, const char *const *files, size_t nfiles,
		   const char *title, char *job_id, size_t idlen, char *err, size_t errlen,
		   unsigned int timeout_ms);

#endif
