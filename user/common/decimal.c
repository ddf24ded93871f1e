#include "decimal.h"

bool parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *value)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*value = (uint32_t)v;
	return true;
}
