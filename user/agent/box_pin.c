/*
 * Box PINs are kept only as PBKDF2-HMAC-SHA256 of a random salt, in the
 * form "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" so the cost can grow
 * later without breaking stored boxes. A PIN of at most 7 digits cannot
 * resist an offline search for long; the hash keeps it from being read
 * off a disk or a backup at a glance, and the daemon limits online tries.
 */
#include "box_priv.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define PIN_PREFIX "pbkdf2-sha256$"
#define PIN_ITERATIONS 20000u
#define PIN_ITER_MAX 10000000u
#define SALT_LEN 16
#define HASH_LEN 32

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool from_hex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return false;
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	return true;
}

static bool derive(const char *pin, const unsigned char *salt, unsigned int iter,
		   unsigned char *out)
{
	return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, SALT_LEN, (int)iter, EVP_sha256(),
				 HASH_LEN, out) == 1;
}

/* Splits a stored hash; false when it is not one of ours. */
static bool parse(const char *hash, unsigned int *iter, unsigned char *salt, unsigned char *dk)
{
	const char *p, *d1, *d2;
	char num[16];
	uint64_t v;

	if (strncmp(hash, PIN_PREFIX, strlen(PIN_PREFIX)))
		return false;
	p = hash + strlen(PIN_PREFIX);
	d1 = strchr(p, '$');
	if (!d1 || d1 == p || (size_t)(d1 - p) >= sizeof(num))
		return false;
	memcpy(num, p, (size_t)(d1 - p));
	num[d1 - p] = '\0';
	if (!box_parse_u64(num, PIN_ITER_MAX, &v) || !v)
		return false;
	*iter = (unsigned int)v;
	d2 = strchr(d1 + 1, '$');
	if (!d2 || d2 - (d1 + 1) != 2 * SALT_LEN || strlen(d2 + 1) != 2 * HASH_LEN)
		return false;
	return from_hex(d1 + 1, SALT_LEN, salt) && from_hex(d2 + 1, HASH_LEN, dk);
}

int box_pin_hash(const char *pin, char *out, size_t outlen)
{
	unsigned char salt[SALT_LEN], dk[HASH_LEN];
	char salt_hex[2 * SALT_LEN + 1], dk_hex[2 * HASH_LEN + 1];
	int n;

	if (RAND_bytes(salt, SALT_LEN) != 1 || !derive(pin, salt, PIN_ITERATIONS, dk))
		return BOX_E_IO;
	to_hex(salt, SALT_LEN, salt_hex);
	to_hex(dk, HASH_LEN, dk_hex);
	OPENSSL_cleanse(dk, sizeof(dk));
	n = snprintf(out, outlen, PIN_PREFIX "%u$%s$%s", PIN_ITERATIONS, salt_hex, dk_hex);
	return n > 0 && (size_t)n < outlen ? BOX_OK : BOX_E_INVAL;
}

bool box_pin_hash_valid(const char *hash)
{
	unsigned char salt[SALT_LEN], dk[HASH_LEN];
	unsigned int iter;

	return parse(hash, &iter, salt, dk);
}

bool box_pin_matches(const char *pin, const char *hash)
{
	unsigned char salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
	unsigned int iter;
	bool ok;

	if (!pin || !parse(hash, &iter, salt, want) || !derive(pin, salt, iter, got))
		return false;
	/* Constant time: how many bytes matched must not show in the timing. */
	ok = CRYPTO_memcmp(want, got, HASH_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}
