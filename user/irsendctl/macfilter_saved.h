/*
 * irsendctl macfilter and the saved list (user/common/macfilter_store.h):
 * every change the module took is saved too, so that the agent can put the
 * list back at start; "apply" puts the saved list into the module.
 */
#ifndef IRSENDCTL_MACFILTER_SAVED_H
#define IRSENDCTL_MACFILTER_SAVED_H

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"
#include "macfilter_store.h"

struct saved_list {
	const char *path;
	struct macfilter_store *store;
};

/*
 * Read the saved list before the module is changed, so that a malformed
 * file stops the change instead of being overwritten. A missing file starts
 * as a copy of the module's current state (what an operator set up before
 * saving existed is kept). 0, or -1 after a message on stderr.
 */
int saved_begin(struct saved_list *sl, const char *path);

/* Is mac in the saved list? */
bool saved_has(const struct saved_list *sl, const uint8_t mac[MAC_LEN]);

/*
 * Record the change the module took ("on", "off", "add", "del", "flush";
 * mac for add and del) and write the file. 0, or -1 after a message saying
 * that the module has the change but the file does not.
 */
int saved_commit(struct saved_list *sl, const char *sub, const uint8_t mac[MAC_LEN]);

void saved_end(struct saved_list *sl);

/* irsendctl macfilter apply: the exit status. */
int saved_apply(const char *path);

#endif
