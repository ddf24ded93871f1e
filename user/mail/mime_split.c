// SPDX-License-Identifier: GPL-2.0
/* Planning divided-page messages: greedy, in page order, within the size limit. */
#include "mime_split.h"

#include <errno.h>
#include <stdlib.h>

#include "base64.h"

uint64_t tiff_file_size(uint64_t page_bytes)
{
	return 8 + page_bytes;
}

int mime_split_pages(const uint64_t *cost, uint32_t npages, uint64_t overhead, uint64_t limit,
		     uint32_t per_msg, struct mime_page_group **groups, size_t *ngroups)
{
	struct mime_page_group *g = calloc(npages ? npages : 1, sizeof(*g));
	size_t n = 0;

	*groups = NULL;
	*ngroups = 0;
	if (!g) {
		errno = ENOMEM;
		return -1;
	}
	for (uint32_t i = 0; i < npages;) {
		uint64_t bytes = 0;
		uint32_t k = 0;

		/* Pages are never reordered: the recipient prints the parts in turn. */
		while (i + k < npages && (!per_msg || k < per_msg)) {
			uint64_t next = bytes + cost[i + k];

			if (limit && overhead + b64_mime_size(tiff_file_size(next)) > limit)
				break;
			bytes = next;
			k++;
		}
		if (!k) {
			free(g);
			errno = EFBIG;
			return -1;
		}
		g[n].first = i;
		g[n].count = k;
		n++;
		i += k;
	}
	*groups = g;
	*ngroups = n;
	return 0;
}
