// SPDX-License-Identifier: GPL-2.0
/* Format names as operators type them, with their files' extensions and MIME types. */
#include <strings.h>

#include "encoder.h"

struct format_info {
	const char *name;
	const char *ext;
	const char *mime;
	int color;
};

static const struct format_info formats[ENCODE_FORMAT_COUNT] = {
	[ENCODE_PDF] = { "pdf", "pdf", "application/pdf", 1 },
	[ENCODE_PDF_SPLIT] = { "pdf-split", "pdf", "application/pdf", 1 },
	[ENCODE_TIFF_MH] = { "tiff-mh", "tif", "image/tiff", 0 },
	[ENCODE_TIFF_MR] = { "tiff-mr", "tif", "image/tiff", 0 },
	[ENCODE_TIFF_MMR] = { "tiff-mmr", "tif", "image/tiff", 0 },
	/* RFC 3949 / RFC 3250: simple mode I-Fax is TIFF-FX profile S. */
	[ENCODE_IFAX] = { "ifax", "tif", "image/tiff; application=faxbw", 0 },
};

int encode_format_parse(const char *s, enum encode_format *fmt)
{
	if (!s)
		return -1;
	for (int i = 0; i < ENCODE_FORMAT_COUNT; i++) {
		if (!strcasecmp(s, formats[i].name)) {
			*fmt = (enum encode_format)i;
			return 0;
		}
	}
	return -1;
}

static const struct format_info *info(enum encode_format fmt)
{
	return (unsigned int)fmt < ENCODE_FORMAT_COUNT ? &formats[fmt] : NULL;
}

const char *encode_format_name(enum encode_format fmt)
{
	return info(fmt) ? info(fmt)->name : NULL;
}

const char *encode_format_extension(enum encode_format fmt)
{
	return info(fmt) ? info(fmt)->ext : NULL;
}

const char *encode_format_mime(enum encode_format fmt)
{
	return info(fmt) ? info(fmt)->mime : NULL;
}

int encode_format_takes_color(enum encode_format fmt)
{
	return info(fmt) ? info(fmt)->color : 0;
}
