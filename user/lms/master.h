/*
 * The vendor master secret, DIR/master.key: 32 random bytes as 64 hex
 * digits and a newline, mode 0600. Every device key derives from it, so it
 * is read only when a device key is needed, checked like ssh checks a
 * private key (a regular file of the caller's, closed to group and others),
 * and wiped from memory right after use.
 */
#ifndef IRSEND_LMS_MASTER_H
#define IRSEND_LMS_MASTER_H

#include <stdint.h>

#include "license_key.h"

#define MASTER_LEN 32
#define MASTER_FILE "master.key"

/* Make a new master secret in dir: 0, or -1 after a message ("already initialised"). */
int master_create(const char *dir);

/* Whether dir holds a usable master secret: 0, or -1 after a message. */
int master_check(const char *dir);

/* The device key of serial under dir's master secret: 0, or -1 after a message. */
int master_device_key(const char *dir, const char *serial, uint8_t key[LICENSE_DEVICE_KEY_LEN]);

#endif
