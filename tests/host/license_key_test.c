// SPDX-License-Identifier: GPL-2.0
/*
 * License keys (user/common/license_key.c): a key made for a serial and an
 * option verifies there and nowhere else; every single-digit error and
 * every swap of neighbouring digits in 10,000 valid keys is caught as a
 * typo by the check digit; a million random well-formed keys are all
 * refused; typed input with spaces and dashes is taken, anything else is
 * a format error; keys and invalidation certificates never pass as each
 * other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "license_key.h"

#include "kselftest_harness.h"

static const uint8_t master[] = "test master secret, not the vendor's";

static void device_key(const char *serial, uint8_t key[LICENSE_DEVICE_KEY_LEN])
{
	if (license_device_key(master, sizeof(master) - 1, serial, key))
		abort();
}

/* A small deterministic generator, so a failure can be reproduced. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(round_trip_every_option)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	char k[LICENSE_DIGITS + 1];

	device_key("IRS-0001", key);
	for (unsigned int o = 1; o <= LICENSE_OPTION_COUNT; o++) {
		struct license_fields f = { (enum license_option)o, 1234 * o }, got;
		enum license_option parsed;

		ASSERT_EQ(0, license_make(LICENSE_KIND_KEY, key, "IRS-0001", &f, k));
		EXPECT_EQ(LICENSE_DIGITS, strlen(k));
		EXPECT_EQ(LICENSE_OK, license_verify(LICENSE_KIND_KEY, key, "IRS-0001", k, &got));
		EXPECT_EQ(f.option, got.option);
		EXPECT_EQ(f.sequence, got.sequence);
		EXPECT_EQ(0, license_option_parse(license_option_name(o), &parsed));
		EXPECT_EQ(o, (unsigned int)parsed);
	}
}

TEST(another_serial_refused)
{
	uint8_t key1[LICENSE_DEVICE_KEY_LEN], key2[LICENSE_DEVICE_KEY_LEN];
	struct license_fields f = { LICENSE_SEND, 7 };
	char k[LICENSE_DIGITS + 1];

	device_key("IRS-0001", key1);
	device_key("IRS-0002", key2);
	ASSERT_EQ(0, license_make(LICENSE_KIND_KEY, key1, "IRS-0001", &f, k));
	/* The other device, with its own key. */
	EXPECT_EQ(LICENSE_NOT_OURS, license_verify(LICENSE_KIND_KEY, key2, "IRS-0002", k, NULL));
	/* Device 1's key material is no use for another serial either. */
	EXPECT_EQ(LICENSE_NOT_OURS, license_verify(LICENSE_KIND_KEY, key1, "IRS-0002", k, NULL));
	EXPECT_NE(0, memcmp(key1, key2, sizeof(key1)));
}

TEST(key_and_certificate_are_not_interchangeable)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	struct license_fields f = { LICENSE_HDCLR, 42 };
	char k[LICENSE_DIGITS + 1], c[LICENSE_DIGITS + 1];

	device_key("IRS-0001", key);
	ASSERT_EQ(0, license_make(LICENSE_KIND_KEY, key, "IRS-0001", &f, k));
	ASSERT_EQ(0, license_make(LICENSE_KIND_INVALIDATION, key, "IRS-0001", &f, c));
	EXPECT_STRNE(k, c);
	EXPECT_EQ(LICENSE_OK, license_verify(LICENSE_KIND_INVALIDATION, key, "IRS-0001", c, NULL));
	EXPECT_EQ(LICENSE_NOT_OURS, license_verify(LICENSE_KIND_KEY, key, "IRS-0001", c, NULL));
	EXPECT_EQ(LICENSE_NOT_OURS,
		  license_verify(LICENSE_KIND_INVALIDATION, key, "IRS-0001", k, NULL));
}

TEST(typos_caught_by_the_check_digit)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	unsigned long single = 0, swaps = 0, missed = 0;

	device_key("IRS-TYPO", key);
	for (int n = 0; n < 10000; n++) {
		struct license_fields f = { (enum license_option)(1 + rng() % LICENSE_OPTION_COUNT),
					    (uint32_t)(rng() % (LICENSE_SEQUENCE_MAX + 1)) };
		char k[LICENSE_DIGITS + 1], t[LICENSE_DIGITS + 1];

		ASSERT_EQ(0, license_make(LICENSE_KIND_KEY, key, "IRS-TYPO", &f, k));
		for (int i = 0; i < LICENSE_DIGITS; i++)
			for (char d = '0'; d <= '9'; d++) {
				if (d == k[i])
					continue;
				memcpy(t, k, sizeof(t));
				t[i] = d;
				single++;
				if (license_verify(LICENSE_KIND_KEY, key, "IRS-TYPO", t, NULL) !=
				    LICENSE_BAD_CHECK)
					missed++;
			}
		for (int i = 0; i + 1 < LICENSE_DIGITS; i++) {
			if (k[i] == k[i + 1])
				continue;
			memcpy(t, k, sizeof(t));
			t[i] = k[i + 1];
			t[i + 1] = k[i];
			swaps++;
			if (license_verify(LICENSE_KIND_KEY, key, "IRS-TYPO", t, NULL) !=
			    LICENSE_BAD_CHECK)
				missed++;
		}
	}
	TH_LOG("%lu single-digit errors and %lu adjacent swaps tried", single, swaps);
	EXPECT_EQ(10000ul * LICENSE_DIGITS * 9, single);
	EXPECT_LT(200000ul, swaps);
	EXPECT_EQ(0ul, missed);
}

TEST(a_million_random_well_formed_keys_refused)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	unsigned long accepted = 0, bad_option = 0;

	device_key("IRS-RAND", key);
	for (int n = 0; n < 1000000; n++) {
		char k[LICENSE_DIGITS + 1];
		int st;

		for (int i = 0; i < LICENSE_DIGITS - 1; i++)
			k[i] = (char)('0' + rng() % 10);
		/* Mostly valid options, so the authenticator is what must refuse. */
		if (n % 10) {
			unsigned int o = 1 + (unsigned int)(rng() % LICENSE_OPTION_COUNT);

			k[0] = (char)('0' + o / 10);
			k[1] = (char)('0' + o % 10);
		}
		k[LICENSE_DIGITS - 1] = (char)('0' + license_damm(k, LICENSE_DIGITS - 1));
		k[LICENSE_DIGITS] = '\0';
		st = license_verify(LICENSE_KIND_KEY, key, "IRS-RAND", k, NULL);
		if (st == LICENSE_OK)
			accepted++;
		else if (st == LICENSE_BAD_OPTION)
			bad_option++;
		else
			ASSERT_EQ(LICENSE_NOT_OURS, st);
	}
	EXPECT_EQ(0ul, accepted);
	EXPECT_LT(0ul, bad_option);
}

TEST(typed_input)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	struct license_fields f = { LICENSE_SEND, 99 };
	char k[LICENSE_DIGITS + 1], typed[64], d[LICENSE_DIGITS + 1];
	static const char *const bad[] = {
		"",
		"12345678901234567890123",   /* 23 digits */
		"1234567890123456789012345", /* 25 digits */
		"12345678901234567890123a",
		"123456789012345678901234\n",
		"1234_5678_9012_3456_7890_1234",
		"１２３４",
	};

	device_key("IRS-0001", key);
	ASSERT_EQ(0, license_make(LICENSE_KIND_KEY, key, "IRS-0001", &f, k));
	snprintf(typed, sizeof(typed), " %.4s-%.4s-%.4s %.4s-%.4s-%.4s ", k, k + 4, k + 8, k + 12,
		 k + 16, k + 20);
	EXPECT_EQ(LICENSE_OK, license_verify(LICENSE_KIND_KEY, key, "IRS-0001", typed, NULL));
	EXPECT_EQ(LICENSE_OK, license_normalize(typed, d));
	EXPECT_STREQ(k, d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(LICENSE_BAD_FORMAT,
			  license_verify(LICENSE_KIND_KEY, key, "IRS-0001", bad[i], NULL))
		TH_LOG("took \"%s\"", bad[i]);
	}
}

TEST(out_of_range_refused)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];
	char k[LICENSE_DIGITS + 1];
	struct license_fields no_option = { (enum license_option)0, 1 };
	struct license_fields big_option = { (enum license_option)12, 1 };
	struct license_fields big_seq = { LICENSE_SEND, LICENSE_SEQUENCE_MAX + 1 };
	struct license_fields ok = { LICENSE_SEND, 1 };
	char long_serial[LICENSE_SERIAL_MAX + 2];

	device_key("IRS-0001", key);
	EXPECT_EQ(-1, license_make(LICENSE_KIND_KEY, key, "IRS-0001", &no_option, k));
	EXPECT_EQ(-1, license_make(LICENSE_KIND_KEY, key, "IRS-0001", &big_option, k));
	EXPECT_EQ(-1, license_make(LICENSE_KIND_KEY, key, "IRS-0001", &big_seq, k));
	EXPECT_EQ(-1, license_make(LICENSE_KIND_KEY, key, "", &ok, k));
	EXPECT_EQ(-1, license_make(LICENSE_KIND_KEY, key, "IRS 0001", &ok, k));
	memset(long_serial, 'A', sizeof(long_serial) - 1);
	long_serial[sizeof(long_serial) - 1] = '\0';
	EXPECT_EQ(-1, license_device_key(master, sizeof(master) - 1, long_serial, key));
	EXPECT_EQ(-1, license_device_key(master, 0, "IRS-0001", key));
	EXPECT_EQ(NULL, license_option_name(0));
	EXPECT_EQ(NULL, license_option_name(12));
}

TEST_HARNESS_MAIN
