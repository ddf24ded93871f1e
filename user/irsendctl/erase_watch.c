#include "erase_watch.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"

/* A missed wake-up or a stalled disk still redraws (and notices the end) this often. */
#define WATCH_TIMEOUT_MS 1000
#define BAR_WIDTH 24

struct watch_view {
	bool tty;
	bool shown;
	uint32_t last_pass;
	int last_decile; /* of last_pass, for the plain lines */
};

int erase_status(int fd, struct irsend_erase_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, IRSEND_IOC_ERASE_STATUS, st);
}

static bool verifying(const struct irsend_erase_status *st)
{
	return st->pass > st->passes;
}

/* Seconds left at the current rate, or -1 when unknown. */
static long long eta_s(const struct irsend_erase_status *st)
{
	uint64_t left = st->bytes_total - st->bytes_done;

	if (!st->rate)
		return -1;
	if (!verifying(st))
		left += (uint64_t)(st->passes - st->pass) * st->bytes_total +
			(st->flags & IRSEND_ERASE_VERIFY ? st->bytes_total : 0);
	return (long long)(left / st->rate);
}

static void phase_text(char *buf, size_t len, const struct irsend_erase_status *st)
{
	if (verifying(st))
		snprintf(buf, len, "verify");
	else
		snprintf(buf, len, "pass %u of %u", st->pass, st->passes);
}

static void show(struct watch_view *v, const struct irsend_erase_status *st)
{
	int percent = st->bytes_total ? (int)(st->bytes_done * 100 / st->bytes_total) : 0;
	long long eta = eta_s(st);
	char phase[32], eta_buf[32], bar[BAR_WIDTH + 1];
	int fill = percent * BAR_WIDTH / 100;

	if (st->state != IRSEND_ERASE_STATE_RUNNING)
		return;
	phase_text(phase, sizeof(phase), st);
	if (eta < 0)
		snprintf(eta_buf, sizeof(eta_buf), "--:--");
	else
		snprintf(eta_buf, sizeof(eta_buf), "%lld:%02lld", eta / 60, eta % 60);
	if (!v->tty) {
		int decile = percent / 10;

		if (st->pass == v->last_pass && decile <= v->last_decile)
			return;
		v->last_pass = st->pass;
		v->last_decile = decile;
		fprintf(stderr, "erase: %s: %3d%%, %.1f MB/s, ETA %s\n", phase, decile * 10,
			(double)st->rate / 1e6, eta_buf);
		return;
	}
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r%s [%s] %3d%%  %6.1f MB/s  ETA %s\033[K", phase, bar, percent,
		(double)st->rate / 1e6, eta_buf);
	fflush(stderr);
	v->shown = true;
}

static void clear(struct watch_view *v)
{
	if (v->tty && v->shown)
		fputs("\r\033[K", stderr);
	v->shown = false;
}

int erase_watch(int fd, const sigset_t *wait_mask, struct irsend_erase_status *st)
{
	struct watch_view v = { .tty = isatty(STDERR_FILENO), .last_decile = -1 };
	struct timespec timeout = { WATCH_TIMEOUT_MS / 1000, (WATCH_TIMEOUT_MS % 1000) * 1000000L };
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };

	for (;;) {
		/* Reading the status also re-arms POLLPRI for this fd. */
		if (erase_status(fd, st) < 0)
			return -1;
		show(&v, st);
		if (st->state != IRSEND_ERASE_STATE_RUNNING)
			break;
		if (ppoll(&pfd, 1, &timeout, wait_mask) < 0 && errno != EINTR)
			return -1;
		if (interrupt_signal()) {
			clear(&v);
			return interrupt_signal();
		}
	}
	clear(&v);
	return 0;
}
