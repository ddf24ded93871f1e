// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: TIFF intake (rx_tiff.c). Bytes are validated as a
 * received TIFF; whatever passes is appended to a document, and that
 * document must validate again with the same number of pages (the raw
 * copy keeps every page decodable).
 *
 *   build/fuzz/tiff_fuzz tests/fuzz/corpus/tiff
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rx_priv.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	uint64_t budget = 32u << 20, budget2 = 32u << 20;
	struct rx_tiff_check chk, again;
	struct rx_tiff_out *out;
	unsigned page = 0;
	size_t len = 0;
	char *doc;

	if (!path[0])
		snprintf(path, sizeof(path), "%s/rx_tiff_fuzz.%d.tif",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
	rx_tiff_validate(data, size, 20, &budget, &chk);
	if (chk.pages > 20 || (chk.errcode && !chk.detail[0]))
		abort();
	if (chk.errcode || !chk.pages)
		return 0;
	out = rx_tiff_out_open(path);
	if (!out || rx_tiff_append(out, data, size, chk.pages, &page, chk.pages) ||
	    rx_tiff_out_close(out) || page != chk.pages)
		abort();
	doc = read_file(path, &len);
	if (!doc)
		abort();
	rx_tiff_validate(doc, len, 20, &budget2, &again);
	if (again.errcode || again.pages != chk.pages)
		abort();
	free(doc);
	unlink(path);
	return 0;
}
