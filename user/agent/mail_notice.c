#include "mail_notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mail_notice_tag(uint32_t job, unsigned int dest, char *out, size_t len)
{
	snprintf(out, len, "j%u-d%u", job, dest);
}

/* Decimal digits at *p, no sign, no leading zero but "0", up to max: the value, or -1. */
static long long number(const char **p, unsigned long long max)
{
	const char *s = *p;
	unsigned long long v = 0;

	if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v > max)
			return -1;
	}
	*p = s;
	return (long long)v;
}

int mail_notice_parse(const char *message_id, uint32_t *job, unsigned int *dest)
{
	const char *at = strrchr(message_id, '@'), *p;
	long long j, d;

	if (!at)
		return -1;
	/* The tag is the last dot-separated piece of the local part. */
	for (p = at; p > message_id && p[-1] != '.'; p--)
		;
	if (p == message_id || *p != 'j')
		return -1;
	p++;
	j = number(&p, UINT32_MAX);
	if (j < 1 || *p != '-' || p[1] != 'd')
		return -1;
	p += 2;
	d = number(&p, 63);
	if (d < 0 || p != at)
		return -1;
	*job = (uint32_t)j;
	*dest = (unsigned int)d;
	return 0;
}
