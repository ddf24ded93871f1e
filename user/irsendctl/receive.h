/*
 * Receive the pages of one job from the page ring into PNM files, checking
 * every band's place and CRC and every page's CRC. Used by scan and
 * capture; they differ only in naming and in what they expect.
 */
#ifndef IRSENDCTL_RECEIVE_H
#define IRSENDCTL_RECEIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "ring.h"

struct receive_options {
	const char *prog; /* message prefix, e.g. "irsendctl scan" */
	const char *dir;
	/*
	 * Capture's naming: DIR/job-0007-page-0001.pgm and lines that start
	 * "job 7 page 1: "; otherwise DIR/page-0001.pgm and "page 1/5: ".
	 */
	bool job_in_names;
	bool json;
	uint32_t pages_expected; /* 0: not known */
	int idle_timeout_ms;	 /* for each descriptor; -1: wait for ever */
};

enum job_outcome {
	JOB_DONE,	 /* every page arrived whole and checked out */
	JOB_CANCELLED,	 /* someone else cancelled it */
	JOB_FAILED,	 /* the producer reported an error (paper jam, ...) */
	JOB_BROKEN,	 /* a CRC mismatch, a write error or a ring that makes no sense */
	JOB_TIMED_OUT,	 /* nothing came for idle_timeout_ms */
	JOB_INTERRUPTED, /* SIGINT or SIGTERM: the job was cancelled */
};

struct job_result {
	uint32_t job_id; /* 0: no descriptor arrived */
	uint32_t pages;	 /* saved */
	enum job_outcome outcome;
};

/*
 * Receive one job, from its first descriptor to its JOB_END (job_id 0:
 * whichever job comes). Pages are saved as they complete, atomically; a
 * page that does not complete leaves no file. Prints a line (or JSON
 * object) per page on stdout, and one line on stderr saying what went
 * wrong when the outcome is not JOB_DONE.
 */
void receive_job(struct ring_consumer *rc, const struct receive_options *opt, uint32_t job_id,
		 struct job_result *res);

/* Make dir when it does not exist: 0, or -1 after printing why. */
int receive_prepare_dir(const char *prog, const char *dir);

#endif
