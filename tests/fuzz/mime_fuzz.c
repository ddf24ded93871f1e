// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a whole received message through
 * rx_message_process_mem() (MIME tree, decoders, charsets, text, TIFF
 * intake, reports), outputs written to a private directory in /dev/shm.
 * Besides the sanitizers it checks what the library promises: a known
 * error code, a printable one-line detail, UTF-8 subject, bounded fields.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... (make fuzz, scripts/fuzz)
 *   build/fuzz/mime_fuzz tests/fuzz/corpus/mime
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime_priv.h"
#include "rx_message.h"

static const char *out_dir(void)
{
	static char dir[64];

	if (!dir[0]) {
		strcpy(dir, access("/dev/shm", W_OK) ? "/tmp/rx_fuzz.XXXXXX"
						     : "/dev/shm/rx_fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

static void clean(const char *dir)
{
	static const char *const names[] = { "document.tif", "text.txt", "raw.eml" };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
}

static void check_ascii(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned codes[] = { 0, 818, 819, 820, 821, 822, 827, 828, 829, 835 };
	struct rx_limits lim = { .max_pages = 20,
				 .max_text_lines = 200,
				 .raw_data = size & 1,
				 .max_message_bytes = 1 << 20,
				 .max_image_bytes = 32u << 20 };
	const char *dir = out_dir();
	struct rx_result res;
	bool known = false;

	if (rx_message_process_mem(data, size, dir, &lim, &res))
		abort(); /* no I/O can fail here */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		known |= res.errcode == codes[i];
	if (!known || res.pages > lim.max_pages || res.text_lines > lim.max_text_lines)
		abort();
	check_ascii(res.detail, sizeof(res.detail));
	check_ascii(res.from, sizeof(res.from));
	check_ascii(res.message_id, sizeof(res.message_id));
	check_ascii(res.about_message_id, sizeof(res.about_message_id));
	check_ascii(res.status, sizeof(res.status));
	check_ascii(res.diagnostic, sizeof(res.diagnostic));
	if (strnlen(res.subject, sizeof(res.subject)) == sizeof(res.subject) ||
	    !utf8_valid(res.subject))
		abort();
	if (res.errcode && !res.detail[0])
		abort();
	clean(dir);
	return 0;
}
