/*
 * The numbers people type and read: serials, access numbers (16 digits)
 * and license keys (24 digits), shown in dash-separated groups of four.
 */
#ifndef IRSEND_LMS_NUMBERS_H
#define IRSEND_LMS_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "license_key.h"
#include "serial.h"

#define ACCESS_NUMBER_DIGITS 16

/* A digit string of n digits in groups of four: n + n / 4 bytes (NUL included). */
#define GROUPED_SIZE(n) ((n) + (n) / 4)

/* The 16 digits of an access number as typed, spaces and dashes dropped. */
bool access_number_parse(const char *text, char out[ACCESS_NUMBER_DIGITS + 1]);

/* digits (a multiple of 4 of them) as "1234-5678-...". */
void group_digits(const char *digits, char *out, size_t size);

#endif
