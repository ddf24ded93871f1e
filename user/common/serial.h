/* The device serial number, as the NVRAM serial record holds it. */
#ifndef IRSEND_COMMON_SERIAL_H
#define IRSEND_COMMON_SERIAL_H

#include <stdbool.h>

#define SERIAL_MAX 31

/* 1..SERIAL_MAX printable ASCII characters, no spaces. */
bool serial_valid(const char *serial);

#endif
