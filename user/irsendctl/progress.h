/* A one-line progress indication on stderr, only when stderr is a terminal. */
#ifndef IRSENDCTL_PROGRESS_H
#define IRSENDCTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool enabled;
	bool shown; /* a line is on the terminal */
	uint32_t last_page;
	int last_percent;
	long long last_ms; /* when it was drawn */
};

void progress_init(struct progress *p);

/* "page 2/5: 40%" (pages 0: not known); redrawn when it changes, 10 times a second at most. */
void progress_page(struct progress *p, uint32_t page, uint32_t pages, uint32_t rows_done,
		   uint32_t rows);

/* Erase the line, before anything else is printed. */
void progress_clear(struct progress *p);

#endif
