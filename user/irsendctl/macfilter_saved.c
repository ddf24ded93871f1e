#include "macfilter_saved.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "macfilter_apply.h"

#define PROG CTL_PROG " macfilter"

int saved_begin(struct saved_list *sl, const char *path)
{
	char err[512];
	int r;

	sl->path = path;
	sl->store = malloc(sizeof(*sl->store));
	if (!sl->store) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return -1;
	}
	r = macfilter_store_load(sl->store, path, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr,
			"%s: %s; nothing changed (fix or remove the file, or use --no-save)\n",
			PROG, err);
		return -1;
	}
	r = r == 1 ? macfilter_store_read_kernel(sl->store, PROG, err, sizeof(err)) : 0;
	if (r == -1)
		fprintf(stderr, "%s: %s\n", PROG, err);
	return r ? -1 : 0;
}

bool saved_has(const struct saved_list *sl, const uint8_t mac[MAC_LEN])
{
	return macfilter_store_find(sl->store, mac) >= 0;
}

int saved_commit(struct saved_list *sl, const char *sub, const uint8_t mac[MAC_LEN])
{
	struct macfilter_store *s = sl->store;
	char err[512];

	if (!strcmp(sub, "on") || !strcmp(sub, "off")) {
		s->enabled = sub[1] == 'n';
	} else if (!strcmp(sub, "flush")) {
		s->count = 0;
	} else if (!strcmp(sub, "del")) {
		macfilter_store_del(s, mac);
	} else if (macfilter_store_add(s, mac)) {
		fprintf(stderr,
			"%s: the module took the change, but %s holds at most %d addresses: not "
			"saved\n",
			PROG, sl->path, MACFILTER_STORE_MAX);
		return -1;
	}
	if (macfilter_store_save(s, sl->path, err, sizeof(err))) {
		fprintf(stderr, "%s: the module took the change, but it was not saved: %s\n", PROG,
			err);
		return -1;
	}
	return 0;
}

void saved_end(struct saved_list *sl)
{
	free(sl->store);
	sl->store = NULL;
}

int saved_apply(const char *path)
{
	struct macfilter_store *s = malloc(sizeof(*s));
	char err[512];
	int r, status = CTL_EXIT_FAILURE;

	if (!s) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return CTL_EXIT_FAILURE;
	}
	r = macfilter_store_load(s, path, err, sizeof(err));
	if (r == 1)
		fprintf(stderr, "%s apply: nothing is saved in %s\n", PROG, path);
	else if (r < 0)
		fprintf(stderr, "%s apply: %s; the module was not changed\n", PROG, err);
	else if ((r = macfilter_store_apply(s, PROG, err, sizeof(err))) == -1)
		fprintf(stderr, "%s apply: %s\n", PROG, err);
	else if (!r)
		status = CTL_EXIT_OK;
	if (status == CTL_EXIT_OK) {
		printf("applied %s: MAC filter %s, %zu address%s listed\n", path,
		       s->enabled ? "on" : "off", s->count, s->count == 1 ? "" : "es");
		if (s->enabled && !s->count)
			fprintf(stderr,
				"%s: warning: the list is empty: every frame from the network is "
				"dropped\n",
				PROG);
	}
	free(s);
	return status;
}
