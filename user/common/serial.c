#include "serial.h"

#include <string.h>

bool serial_valid(const char *serial)
{
	size_t n = strlen(serial);

	if (!n || n > SERIAL_MAX)
		return false;
	for (; *serial; serial++)
		if (*serial <= ' ' || *serial > '~')
			return false;
	return true;
}
