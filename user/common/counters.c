/* The NVRAM counters (see counters.h). */
#include "counters.h"

#include <errno.h>
#include <string.h>

#include "nvram.h"

static const char *const names[COUNTER_COUNT] = {
	[COUNTER_JOBS_OK] = "jobs_ok",
	[COUNTER_JOBS_FAILED] = "jobs_failed",
	[COUNTER_JOBS_CANCELLED] = "jobs_cancelled",
	[COUNTER_PAGES_SCANNED] = "pages_scanned",
	[COUNTER_PAGES_STORED] = "pages_stored",
	[COUNTER_DOCS_STORED] = "docs_stored",
};

/* The record holds at most this many (IRSEND_NVRAM_COUNTERS: 64). */
#define COUNTERS_MAX 64

const char *counter_name(unsigned int index)
{
	return index < COUNTER_COUNT ? names[index] : NULL;
}

int counters_add(int fd, const uint64_t *delta, size_t n)
{
	uint64_t v[COUNTERS_MAX] = { 0 };
	uint32_t len = 0;
	uint64_t gen;
	size_t count;

	if (n > COUNTERS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (nvram_get(fd, IRSEND_NVRAM_COUNTERS, v, sizeof(v), &len, &gen) < 0) {
		if (errno != ENOENT)
			return -1;
		len = 0;
	}
	/* Counters this version does not know are kept as they are. */
	count = len / sizeof(uint64_t);
	if (count < n)
		count = n;
	for (size_t i = 0; i < n; i++)
		v[i] += delta[i];
	return nvram_set(fd, IRSEND_NVRAM_COUNTERS, v, (uint32_t)(count * sizeof(uint64_t)));
}
