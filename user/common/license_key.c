/* License keys and invalidation certificates (see license_key.h). */
#include "license_key.h"

#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define AUTH_DIGITS 15
#define AUTH_MODULUS 1000000000000000ull /* 10^15 */

static const char *const option_names[LICENSE_OPTION_COUNT + 1] = {
	[LICENSE_SEND] = "SEND",   [LICENSE_ENPDF] = "ENPDF", [LICENSE_SPDF] = "SPDF",
	[LICENSE_EXPDF] = "EXPDF", [LICENSE_LIPS] = "LIPS",   [LICENSE_PDFDR] = "PDFDR",
	[LICENSE_SCR] = "SCR",	   [LICENSE_HDCLR] = "HDCLR", [LICENSE_BRDIM] = "BRDIM",
	[LICENSE_VNC] = "VNC",	   [LICENSE_WEB] = "WEB",
};

/* Damm's totally anti-symmetric quasigroup of order 10. */
static const unsigned char damm_table[10][10] = {
	{ 0, 3, 1, 7, 5, 9, 8, 6, 4, 2 }, { 7, 0, 9, 2, 1, 5, 4, 8, 6, 3 },
	{ 4, 2, 0, 6, 8, 7, 1, 3, 5, 9 }, { 1, 7, 5, 0, 9, 8, 3, 4, 2, 6 },
	{ 6, 1, 2, 3, 0, 4, 5, 9, 7, 8 }, { 3, 6, 7, 4, 2, 0, 9, 5, 8, 1 },
	{ 5, 8, 6, 9, 7, 2, 0, 1, 3, 4 }, { 8, 9, 4, 5, 3, 6, 2, 0, 1, 7 },
	{ 9, 4, 3, 8, 6, 1, 7, 2, 0, 5 }, { 2, 5, 8, 1, 4, 3, 6, 7, 9, 0 },
};

const char *license_option_name(unsigned int option)
{
	return option >= 1 && option <= LICENSE_OPTION_COUNT ? option_names[option] : NULL;
}

int license_option_parse(const char *name, enum license_option *out)
{
	for (unsigned int i = 1; i <= LICENSE_OPTION_COUNT; i++)
		if (strcasecmp(name, option_names[i]) == 0) {
			*out = (enum license_option)i;
			return 0;
		}
	return -1;
}

static int serial_ok(const char *serial)
{
	size_t n = serial ? strlen(serial) : 0;

	if (n < 1 || n > LICENSE_SERIAL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (serial[i] <= ' ' || serial[i] > '~')
			return 0;
	return 1;
}

int license_device_key(const uint8_t *master, size_t master_len, const char *serial,
		       uint8_t key[LICENSE_DEVICE_KEY_LEN])
{
	static const char tag[] = "irsend device key v1";
	unsigned char msg[sizeof(tag) + LICENSE_SERIAL_MAX];
	unsigned int len = LICENSE_DEVICE_KEY_LEN;
	size_t n;

	if (!serial_ok(serial) || !master_len)
		return -1;
	n = strlen(serial);
	memcpy(msg, tag, sizeof(tag)); /* the NUL separates tag and serial */
	memcpy(msg + sizeof(tag), serial, n);
	return HMAC(EVP_sha256(), master, (int)master_len, msg, sizeof(tag) + n, key, &len) ? 0
											    : -1;
}

int license_damm(const char *digits, size_t n)
{
	unsigned int interim = 0;

	for (size_t i = 0; i < n; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		interim = damm_table[interim][digits[i] - '0'];
	}
	return (int)interim;
}

/* The authenticator of (kind, serial, option, sequence) as 15 digits. */
static int authenticator(enum license_kind kind, const uint8_t key[LICENSE_DEVICE_KEY_LEN],
			 const char *serial, const struct license_fields *f, char out[AUTH_DIGITS])
{
	static const char tag[] = "irsend license v1";
	unsigned char msg[sizeof(tag) + 1 + 1 + LICENSE_SERIAL_MAX + 1 + 4], mac[32];
	unsigned int maclen = sizeof(mac);
	size_t n = strlen(serial), off = 0;
	uint64_t v = 0;

	memcpy(msg, tag, sizeof(tag));
	off = sizeof(tag);
	msg[off++] = (unsigned char)kind;
	msg[off++] = (unsigned char)n; /* the length keeps serial and option apart */
	memcpy(msg + off, serial, n);
	off += n;
	msg[off++] = (unsigned char)f->option;
	for (int s = 24; s >= 0; s -= 8)
		msg[off++] = (unsigned char)(f->sequence >> s);
	if (!HMAC(EVP_sha256(), key, LICENSE_DEVICE_KEY_LEN, msg, off, mac, &maclen))
		return -1;
	for (int i = 0; i < 8; i++)
		v = v << 8 | mac[i];
	v %= AUTH_MODULUS;
	for (int i = AUTH_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return 0;
}

int license_make(enum license_kind kind, const uint8_t key[LICENSE_DEVICE_KEY_LEN],
		 const char *serial, const struct license_fields *f, char out[LICENSE_DIGITS + 1])
{
	int check;

	if (!license_option_name(f->option) || f->sequence > LICENSE_SEQUENCE_MAX ||
	    !serial_ok(serial))
		return -1;
	out[0] = (char)('0' + f->option / 10);
	out[1] = (char)('0' + f->option % 10);
	for (int i = 7, s = (int)f->sequence; i >= 2; i--, s /= 10)
		out[i] = (char)('0' + s % 10);
	if (authenticator(kind, key, serial, f, out + 8) < 0)
		return -1;
	check = license_damm(out, LICENSE_DIGITS - 1);
	out[LICENSE_DIGITS - 1] = (char)('0' + check);
	out[LICENSE_DIGITS] = '\0';
	return 0;
}

int license_normalize(const char *text, char out[LICENSE_DIGITS + 1])
{
	size_t n = 0;

	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n == LICENSE_DIGITS)
			return LICENSE_BAD_FORMAT;
		out[n++] = *p;
	}
	if (n != LICENSE_DIGITS)
		return LICENSE_BAD_FORMAT;
	out[n] = '\0';
	return LICENSE_OK;
}

int license_verify(enum license_kind kind, const uint8_t key[LICENSE_DEVICE_KEY_LEN],
		   const char *serial, const char *text, struct license_fields *f)
{
	char d[LICENSE_DIGITS + 1], auth[AUTH_DIGITS];
	struct license_fields got = { 0 };
	unsigned char diff = 0;

	if (license_normalize(text, d) != LICENSE_OK)
		return LICENSE_BAD_FORMAT;
	if (license_damm(d, LICENSE_DIGITS) != 0)
		return LICENSE_BAD_CHECK;
	got.option = (enum license_option)((d[0] - '0') * 10 + (d[1] - '0'));
	for (int i = 2; i < 8; i++)
		got.sequence = got.sequence * 10 + (uint32_t)(d[i] - '0');
	if (!license_option_name(got.option))
		return LICENSE_BAD_OPTION;
	if (!serial_ok(serial) || authenticator(kind, key, serial, &got, auth) < 0)
		return LICENSE_NOT_OURS;
	/* Compared in constant time: the digits are a secret's output. */
	for (int i = 0; i < AUTH_DIGITS; i++)
		diff |= (unsigned char)(auth[i] ^ d[8 + i]);
	if (diff)
		return LICENSE_NOT_OURS;
	if (f)
		*f = got;
	return LICENSE_OK;
}
