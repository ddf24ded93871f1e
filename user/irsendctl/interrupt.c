#include "interrupt.h"

#include <string.h>

static volatile sig_atomic_t received;

static void record(int sig)
{
	received = sig;
}

void interrupt_setup(sigset_t *wait_mask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = record;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the wait must return EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGINT);
	sigdelset(wait_mask, SIGTERM);
}

int interrupt_signal(void)
{
	static const struct timespec now = { 0, 0 };
	sigset_t set;
	int sig;

	if (received)
		return received;
	/* Blocked signals wait here while the ring never runs dry: take them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sig = sigtimedwait(&set, NULL, &now);
	if (sig > 0)
		received = sig;
	return received;
}
