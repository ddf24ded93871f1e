/*
 * SIGINT and SIGTERM end a long command cleanly instead of killing it:
 * they are blocked except while it waits on the ring (ppoll with the mask
 * from interrupt_setup()), and only recorded, so the command cancels its
 * job and removes partial files before it exits 128 + the signal.
 */
#ifndef IRSENDCTL_INTERRUPT_H
#define IRSENDCTL_INTERRUPT_H

#include <signal.h>

/* Install the handlers; *wait_mask lets the signals through while waiting. */
void interrupt_setup(sigset_t *wait_mask);

/* The signal that arrived (also one still pending while blocked), or 0. */
int interrupt_signal(void);

#endif
