/*
 * The saved MAC allow-list and the kernel's: put a saved list into the
 * irsend module (what the agent does at start, and "irsendctl macfilter
 * apply"), and read the module's list to save it.
 */
#ifndef IRSEND_MACFILTER_APPLY_H
#define IRSEND_MACFILTER_APPLY_H

#include <stddef.h>

#include "macfilter_store.h"

/*
 * Make the module's list and on/off state exactly those of *s. Addresses
 * the module lists and *s does not are deleted first, then the missing ones
 * added, then the filter turned on or off: a host listed in both is never
 * dropped on the way and, with the filter on, an unsaved one never let in.
 * Needs CAP_NET_ADMIN. 0, or -1 with a one-line message in err (e.g. the
 * module's mac_limit is below the saved count); -2 when the module cannot
 * be reached: genl.c has then printed why on stderr, prefixed with prog,
 * and err says so in short.
 */
int macfilter_store_apply(const struct macfilter_store *s, const char *prog, char *err,
			  size_t errlen);

/*
 * The module's current list and on/off state into *s. 0, or -1 with a
 * message in err (also when the module lists more than a store holds);
 * -2 as for macfilter_store_apply().
 */
int macfilter_store_read_kernel(struct macfilter_store *s, const char *prog, char *err,
				size_t errlen);

#endif
