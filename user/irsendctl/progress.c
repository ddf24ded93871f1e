#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_MS 100

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void progress_init(struct progress *p)
{
	p->enabled = isatty(STDERR_FILENO);
	p->shown = false;
	p->last_page = 0;
	p->last_percent = -1;
	p->last_ms = 0;
}

void progress_page(struct progress *p, uint32_t page, uint32_t pages, uint32_t rows_done,
		   uint32_t rows)
{
	int percent = rows ? (int)((uint64_t)rows_done * 100 / rows) : 100;
	long long now;

	if (!p->enabled || (p->shown && page == p->last_page && percent == p->last_percent))
		return;
	now = now_ms();
	if (p->shown && now - p->last_ms < PROGRESS_INTERVAL_MS)
		return;
	if (pages)
		fprintf(stderr, "\rpage %u/%u: %3d%%\033[K", page, pages, percent);
	else
		fprintf(stderr, "\rpage %u: %3d%%\033[K", page, percent);
	fflush(stderr);
	p->shown = true;
	p->last_page = page;
	p->last_percent = percent;
	p->last_ms = now;
}

void progress_clear(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
	p->last_percent = -1;
}
