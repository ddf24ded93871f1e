/*
 * License keys and invalidation certificates (seed 1.1.1, 3.1.1, 4.4.2):
 * 24 decimal digits, bound to one device serial number.
 *
 *	digits  0-1   option number (license_option_name(): 01 SEND ... 11 WEB)
 *	digits  2-7   issue sequence number, 000000-999999 (one per key issued)
 *	digits  8-22  authenticator: the first 8 bytes of HMAC-SHA-256 over
 *	              (kind, serial, option, sequence), big-endian, mod 10^15
 *	digit  23     Damm check digit over digits 0-22
 *
 * The HMAC key is the device key: HMAC-SHA-256(master secret, "irsend
 * device key v1" || serial), computed by the vendor (irsend-lms) and
 * written into the device's NVRAM at manufacture. Knowing it forges keys
 * for that one device only; the master secret never leaves the vendor.
 *
 * The check digit catches every single mistyped digit and every swap of
 * two neighbouring digits (Damm's quasigroup), so a typo is told apart
 * from a key that is well formed but not ours. A guessed well-formed key
 * passes with probability 10^-15 per attempt (the authenticator's range;
 * the reduction mod 10^15 of a 64-bit value biases it by less than 10^-4
 * of that). Failed attempts are rate-limited on the device besides.
 *
 * An invalidation certificate has the same layout and its own kind in the
 * HMAC: it proves to the vendor that this serial gave up this option and
 * sequence, and cannot be turned into a key or the other way round.
 */
#ifndef IRSEND_COMMON_LICENSE_KEY_H
#define IRSEND_COMMON_LICENSE_KEY_H

#include <stddef.h>
#include <stdint.h>

#define LICENSE_DIGITS 24
#define LICENSE_DEVICE_KEY_LEN 32
#define LICENSE_SEQUENCE_MAX 999999u
#define LICENSE_SERIAL_MAX 64

enum license_option {
	LICENSE_SEND = 1, /* every transmission destination */
	LICENSE_ENPDF,	  /* encrypted PDF */
	LICENSE_SPDF,	  /* searchable PDF */
	LICENSE_EXPDF,	  /* PDF extensions (compact, ...) */
	LICENSE_LIPS,
	LICENSE_PDFDR, /* PDF direct print */
	LICENSE_SCR,   /* security */
	LICENSE_HDCLR, /* the random erase modes */
	LICENSE_BRDIM,
	LICENSE_VNC,
	LICENSE_WEB,
	LICENSE_OPTION_COUNT = LICENSE_WEB
};

enum license_kind {
	LICENSE_KIND_KEY,	   /* enables an option */
	LICENSE_KIND_INVALIDATION, /* proves an option was given up */
};

enum license_status {
	LICENSE_OK = 0,
	LICENSE_BAD_FORMAT = -1, /* not 24 digits (spaces and dashes aside) */
	LICENSE_BAD_CHECK = -2,	 /* the check digit says: a typo */
	LICENSE_BAD_OPTION = -3, /* well formed, but no such option */
	LICENSE_NOT_OURS = -4,	 /* well formed, but not issued for this serial */
};

struct license_fields {
	enum license_option option;
	uint32_t sequence;
};

/* "SEND" ... "WEB" for 1 ... 11; NULL otherwise. */
const char *license_option_name(unsigned int option);
/* The option named name (any case): 0, or -1. */
int license_option_parse(const char *name, enum license_option *out);

/* The device key for serial (1..LICENSE_SERIAL_MAX printable characters): 0, or -1. */
int license_device_key(const uint8_t *master, size_t master_len, const char *serial,
		       uint8_t key[LICENSE_DEVICE_KEY_LEN]);

/*
 * The 24 digits (and a NUL) of a key or certificate for serial: 0, or -1
 * for an option or sequence out of range.
 */
int license_make(enum license_kind kind, const uint8_t key[LICENSE_DEVICE_KEY_LEN],
		 const char *serial, const struct license_fields *f, char out[LICENSE_DIGITS + 1]);

/*
 * The 24 digits of text as a user may type them: spaces and dashes
 * between digit groups are dropped. 0 with out set, or LICENSE_BAD_FORMAT.
 */
int license_normalize(const char *text, char out[LICENSE_DIGITS + 1]);

/*
 * Check typed text as a key or certificate of this kind for serial:
 * LICENSE_OK with *f set, or the first thing wrong with it.
 */
int license_verify(enum license_kind kind, const uint8_t key[LICENSE_DEVICE_KEY_LEN],
		   const char *serial, const char *text, struct license_fields *f);

/* Damm check digit of n decimal digits: 0..9, or -1 for a non-digit. */
int license_damm(const char *digits, size_t n);

#endif
