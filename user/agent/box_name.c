/*
 * What the store accepts as names, keys and PINs. Names end up in
 * metadata files, listings and (file names) in directory entries, so
 * anything that could walk out of a directory, break a line of a
 * key=value file or a terminal is refused here, once.
 */
#include "box_priv.h"

#include <string.h>

/* Well-formed UTF-8 without control characters (C0, DEL, C1). */
static bool text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int c = *p, need, cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned int i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF, C1 controls. */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		p += need + 1;
	}
	return true;
}

static bool name_ok(const char *name, size_t max)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, max + 1);
	if (!len || len > max)
		return false;
	if (strpbrk(name, "/\\") || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return text_ok(name);
}

bool box_name_valid(const char *name)
{
	return name_ok(name, BOX_NAME_MAX);
}

bool box_file_name_valid(const char *name)
{
	/* A leading dot is the store's own (.meta, temporaries). */
	return name_ok(name, BOX_FILE_NAME_MAX) && name[0] != '.';
}

bool box_key_valid(const char *key)
{
	size_t len;

	if (!key)
		return false;
	len = strnlen(key, BOX_KEY_MAX + 1);
	if (!len || len > BOX_KEY_MAX)
		return false;
	return strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") ==
	       len;
}

bool box_pin_valid(const char *pin)
{
	size_t len;

	if (!pin)
		return false;
	len = strnlen(pin, BOX_PIN_MAX + 1);
	return len && len <= BOX_PIN_MAX && strspn(pin, "0123456789") == len;
}

bool box_formats_valid(const char *formats)
{
	size_t len = strnlen(formats, BOX_FORMATS_MAX + 1);

	return len <= BOX_FORMATS_MAX &&
	       strspn(formats, "abcdefghijklmnopqrstuvwxyz0123456789-,") == len;
}
