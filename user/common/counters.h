/*
 * The device's counters, kept in the NVRAM COUNTERS record (an array of
 * native-endian u64) so that "initialize all data" leaves them. Each
 * index has a fixed meaning; new ones are only ever appended.
 */
#ifndef IRSEND_COUNTERS_H
#define IRSEND_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

enum counter_index {
	COUNTER_JOBS_OK,
	COUNTER_JOBS_FAILED,
	COUNTER_JOBS_CANCELLED,
	COUNTER_PAGES_SCANNED,
	COUNTER_PAGES_STORED, /* pages delivered into User Inboxes */
	COUNTER_DOCS_STORED,
	COUNTER_COUNT
};

/* "jobs_ok", ...; NULL past the known ones. */
const char *counter_name(unsigned int index);

/*
 * Add delta[i] to counter i for i < n, in one NVRAM write (read, add,
 * write: the record stays whole whatever happens): 0, or -1 with errno.
 */
int counters_add(int fd, const uint64_t *delta, size_t n);

#endif
