/*
 * Following a running erase: poll() for POLLPRI (the status changed) with a
 * timeout, and a progress display on stderr: a redrawn bar on a terminal,
 * else a plain line each time a phase passes another 10%.
 */
#ifndef IRSENDCTL_ERASE_WATCH_H
#define IRSENDCTL_ERASE_WATCH_H

#include <signal.h>

#include <linux/irsend.h>

/* IRSEND_IOC_ERASE_STATUS: 0, or -1 with errno. */
int erase_status(int fd, struct irsend_erase_status *st);

/*
 * Show progress until the erase is no longer running; *st is its last
 * status. 0 when it ended, the signal number when one arrived (the erase
 * goes on), -1 with errno on failure.
 */
int erase_watch(int fd, const sigset_t *wait_mask, struct irsend_erase_status *st);

#endif
