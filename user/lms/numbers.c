/* Serials, access numbers and keys as typed and shown (see numbers.h). */
#include "numbers.h"

#include <string.h>

bool access_number_parse(const char *text, char out[ACCESS_NUMBER_DIGITS + 1])
{
	size_t n = 0;

	for (; *text; text++) {
		if (*text == ' ' || *text == '-')
			continue;
		if (*text < '0' || *text > '9' || n == ACCESS_NUMBER_DIGITS)
			return false;
		out[n++] = *text;
	}
	out[n] = '\0';
	return n == ACCESS_NUMBER_DIGITS;
}

void group_digits(const char *digits, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; digits[i]; i++) {
		bool dash = i && i % 4 == 0;

		if (o + dash + 1 >= size)
			break;
		if (dash)
			out[o++] = '-';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}
