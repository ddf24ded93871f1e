/* Numbers typed on a command line. */
#ifndef IRSEND_COMMON_DECIMAL_H
#define IRSEND_COMMON_DECIMAL_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal number in min..max, nothing else: no sign, no spaces, no suffix. */
bool parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *value);

#endif
