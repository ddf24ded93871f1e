// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of licensing (user/agent/license.c) over an NVRAM kept
 * in a directory: register -> pending -> active at the next start; the
 * seed's two refusals; invalidation with a certificate the vendor can
 * verify, after which that key is dead on this device; the persistent
 * lock after wrong keys; damaged and hostile records refused without
 * being overwritten; an invalidation torn before the SoftID write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "license.h"
#include "nvram.h"

#include "kselftest_harness.h"

#define SERIAL "IRS-TEST-01"
#define NOW 1800000000ull

static const uint8_t master[] = "test master secret, not the vendor's";

static void device_key(const char *serial, uint8_t key[LICENSE_DEVICE_KEY_LEN])
{
	if (license_device_key(master, sizeof(master) - 1, serial, key))
		abort();
}

static void make_key(const char *serial, unsigned int option, uint32_t seq, char *out)
{
	struct license_fields f = { .option = (enum license_option)option, .sequence = seq };
	uint8_t key[LICENSE_DEVICE_KEY_LEN];

	device_key(serial, key);
	if (license_make(LICENSE_KIND_KEY, key, serial, &f, out))
		abort();
}

static void write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		abort();
}

static size_t read_file(const char *dir, const char *name, void *buf, size_t cap)
{
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

FIXTURE(dev)
{
	char dir[64];
	struct nvram_store store;
	struct license_device d;
	char err[256];
};

FIXTURE_SETUP(dev)
{
	uint8_t key[LICENSE_DEVICE_KEY_LEN];

	strcpy(self->dir, "/tmp/irsend-license-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	memset(&self->store, 0, sizeof(self->store));
	self->store.fd = -1;
	snprintf(self->store.dir, sizeof(self->store.dir), "%s", self->dir);
	device_key(SERIAL, key);
	write_file(self->dir, "serial", SERIAL, strlen(SERIAL));
	write_file(self->dir, "device-key", key, sizeof(key));
	ASSERT_EQ(0, license_device_open(&self->d, &self->store, self->err, sizeof(self->err)));
	ASSERT_STREQ("", self->d.problem);
	ASSERT_EQ(0, license_device_start(&self->d, self->err, sizeof(self->err)));
}

FIXTURE_TEARDOWN(dev)
{
	remove_tree(self->dir);
}

/* Stop and start the agent: a fresh state from the same NVRAM. */
static int restart(struct license_device *d, const struct nvram_store *store)
{
	char err[256];

	if (license_device_open(d, store, err, sizeof(err)) < 0)
		return -1;
	return license_device_start(d, err, sizeof(err));
}

TEST_F(dev, register_pending_then_active_for_every_option)
{
	struct license_result res;
	char key[LICENSE_DIGITS + 1];

	for (unsigned int o = 1; o <= LICENSE_OPTION_COUNT; o++) {
		make_key(SERIAL, o, 100 + o, key);
		license_register(&self->d, key, NOW, &res);
		ASSERT_EQ(LICENSE_REGISTERED, res.outcome);
		ASSERT_EQ(o, res.fields.option);
		EXPECT_EQ(LICENSE_PENDING, self->d.softid.opt[o].state);
		EXPECT_FALSE(license_is_active(&self->d, o));
	}
	ASSERT_EQ(LICENSE_OPTION_COUNT, restart(&self->d, &self->store));
	for (unsigned int o = 1; o <= LICENSE_OPTION_COUNT; o++) {
		EXPECT_TRUE(license_is_active(&self->d, o));
		EXPECT_EQ(100 + o, self->d.softid.opt[o].sequence);
	}
	/* A second start activates nothing new and loses nothing. */
	ASSERT_EQ(0, restart(&self->d, &self->store));
	EXPECT_TRUE(license_is_active(&self->d, LICENSE_WEB));
}

TEST_F(dev, already_enabled_and_other_serial_and_typos)
{
	struct license_result res;
	char key[LICENSE_DIGITS + 1];

	make_key(SERIAL, LICENSE_SEND, 1, key);
	license_register(&self->d, key, NOW, &res);
	ASSERT_EQ(LICENSE_REGISTERED, res.outcome);
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_ALREADY_ENABLED, res.outcome);
	make_key(SERIAL, LICENSE_SEND, 2, key); /* another key, same option */
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_ALREADY_ENABLED, res.outcome);

	make_key("IRS-OTHER-02", LICENSE_HDCLR, 1, key);
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_WRONG_KEY, res.outcome);
	EXPECT_EQ(LICENSE_NOT_OURS, res.key_status);
	EXPECT_NE(NULL, strstr(res.detail, "not issued for this device"));
	EXPECT_EQ(1, self->d.ledger.failed);

	make_key(SERIAL, LICENSE_HDCLR, 1, key);
	key[5] = key[5] == '9' ? '0' : key[5] + 1;
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_BAD_CHECK, res.key_status);
	license_register(&self->d, "0108 0000 1234", NOW, &res);
	EXPECT_EQ(LICENSE_BAD_FORMAT, res.key_status);
	license_register(&self->d, "01O8-0000-0000-0000-0000-0000", NOW, &res);
	EXPECT_EQ(LICENSE_BAD_FORMAT, res.key_status);
	/* Typos say nothing about the authenticator and are not counted. */
	EXPECT_EQ(1, self->d.ledger.failed);
	EXPECT_EQ(LICENSE_OFF, self->d.softid.opt[LICENSE_HDCLR].state);
}

TEST_F(dev, invalidate_gives_a_certificate_and_kills_the_key)
{
	struct license_fields f;
	struct license_result res;
	char key[LICENSE_DIGITS + 1], cert[LICENSE_DIGITS + 1];
	uint8_t dk[LICENSE_DEVICE_KEY_LEN];

	make_key(SERIAL, LICENSE_SEND, 7, key);
	license_register(&self->d, key, NOW, &res);
	ASSERT_EQ(1, restart(&self->d, &self->store));
	ASSERT_TRUE(license_is_active(&self->d, LICENSE_SEND));

	ASSERT_EQ(0,
		  license_invalidate(&self->d, LICENSE_SEND, cert, self->err, sizeof(self->err)));
	EXPECT_FALSE(license_is_active(&self->d, LICENSE_SEND)); /* at once */
	device_key(SERIAL, dk);
	ASSERT_EQ(LICENSE_OK, license_verify(LICENSE_KIND_INVALIDATION, dk, SERIAL, cert, &f));
	EXPECT_EQ(LICENSE_SEND, f.option);
	EXPECT_EQ(7, f.sequence);
	/* The certificate is not a key, for this device or another. */
	EXPECT_NE(LICENSE_OK, license_verify(LICENSE_KIND_KEY, dk, SERIAL, cert, &f));

	/* Invalidating again: nothing registered. */
	EXPECT_EQ(-1,
		  license_invalidate(&self->d, LICENSE_SEND, cert, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "not registered"));

	/* That key is dead here, across restarts. */
	ASSERT_EQ(0, restart(&self->d, &self->store));
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_INVALIDATED, res.outcome);
	EXPECT_EQ(1, self->d.ledger.count);
	/* A new key for the option (a transfer back) works. */
	make_key(SERIAL, LICENSE_SEND, 8, key);
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_REGISTERED, res.outcome);
}

TEST_F(dev, wrong_keys_lock_registration_persistently)
{
	struct license_result res;
	char good[LICENSE_DIGITS + 1], bad[LICENSE_DIGITS + 1];
	uint64_t now = NOW;

	self->d.lock_base_s = 60;
	make_key(SERIAL, LICENSE_SPDF, 3, good);
	make_key("IRS-FORGER", LICENSE_SPDF, 3, bad);
	for (int i = 1; i < LICENSE_FREE_TRIES; i++) {
		license_register(&self->d, bad, now, &res);
		ASSERT_EQ(LICENSE_WRONG_KEY, res.outcome);
		ASSERT_EQ(0, self->d.ledger.locked_until);
	}
	license_register(&self->d, bad, now, &res);
	ASSERT_EQ(LICENSE_WRONG_KEY, res.outcome);
	EXPECT_EQ(now + 60, self->d.ledger.locked_until);
	EXPECT_NE(NULL, strstr(res.detail, "locked for 60 s"));

	/* A restart keeps the lock; even the right key waits. */
	ASSERT_EQ(0, restart(&self->d, &self->store));
	EXPECT_EQ(LICENSE_FREE_TRIES, self->d.ledger.failed);
	license_register(&self->d, good, now + 10, &res);
	EXPECT_EQ(LICENSE_LOCKED, res.outcome);
	EXPECT_EQ(50, res.wait_s);
	/* A typo is still told as a typo while locked. */
	good[0] = good[0] == '0' ? '1' : '0';
	license_register(&self->d, good, now + 10, &res);
	EXPECT_EQ(LICENSE_WRONG_KEY, res.outcome);
	EXPECT_EQ(LICENSE_BAD_CHECK, res.key_status);
	good[0] = '0';

	/* Each further wrong key doubles the lock, up to a day. */
	now += 60;
	license_register(&self->d, bad, now, &res);
	EXPECT_EQ(now + 120, self->d.ledger.locked_until);
	for (int i = 0; i < 20; i++) {
		now = self->d.ledger.locked_until;
		license_register(&self->d, bad, now, &res);
	}
	EXPECT_EQ(now + LICENSE_LOCK_MAX_S, self->d.ledger.locked_until);

	/* After the lock the right key works and the count starts again. */
	now = self->d.ledger.locked_until;
	license_register(&self->d, good, now, &res);
	EXPECT_EQ(LICENSE_REGISTERED, res.outcome);
	ASSERT_EQ(1, restart(&self->d, &self->store));
	EXPECT_EQ(0, self->d.ledger.failed);
	EXPECT_EQ(0, self->d.ledger.locked_until);
}

TEST_F(dev, torn_invalidation_is_reconciled_at_start)
{
	struct license_result res;
	uint8_t softid[LICENSE_SOFTID_BYTES];
	char key[LICENSE_DIGITS + 1], cert[LICENSE_DIGITS + 1];
	size_t len;

	make_key(SERIAL, LICENSE_HDCLR, 9, key);
	license_register(&self->d, key, NOW, &res);
	ASSERT_EQ(1, restart(&self->d, &self->store));
	len = read_file(self->dir, "softid", softid, sizeof(softid));
	ASSERT_EQ(0,
		  license_invalidate(&self->d, LICENSE_HDCLR, cert, self->err, sizeof(self->err)));
	/* Power lost after the ledger write, before the SoftID write. */
	write_file(self->dir, "softid", softid, len);
	ASSERT_EQ(0, restart(&self->d, &self->store));
	EXPECT_FALSE(license_is_active(&self->d, LICENSE_HDCLR));
	EXPECT_EQ(LICENSE_OFF, self->d.softid.opt[LICENSE_HDCLR].state);
	len = read_file(self->dir, "softid", softid, sizeof(softid));
	EXPECT_EQ(LICENSE_OFF, softid[1 + 4 * LICENSE_HDCLR]); /* written back */
}

TEST_F(dev, damaged_records_turn_everything_off_and_are_kept)
{
	static const struct {
		const char *name;
		const char *file;
		uint8_t bytes[12];
		size_t len;
	} cases[] = {
		{ "softid: bad magic", "softid", "XID1\x0b", 5 },
		{ "softid: truncated", "softid", "SID1\x0b\x02\x00\x00", 8 },
		{ "softid: count over slots", "softid", "SID1\x21", 5 },
		{ "softid: unknown state", "softid", "SID1\x01\x03\x00\x00\x01", 9 },
		{ "softid: sequence over 999999", "softid", "SID1\x01\x02\x0f\x42\x40", 9 },
		{ "softid: off with a sequence", "softid", "SID1\x01\x00\x00\x00\x01", 9 },
		{ "ledger: bad magic", "license", "LEDX", 4 },
		{ "ledger: short header", "license", "LED1\x00\x00", 6 },
	};
	struct license_result res;
	char key[LICENSE_DIGITS + 1];
	uint8_t back[16], good[LICENSE_SOFTID_BYTES];
	size_t good_len;

	make_key(SERIAL, LICENSE_SEND, 1, key);
	license_register(&self->d, key, NOW, &res);
	ASSERT_EQ(1, restart(&self->d, &self->store));
	good_len = read_file(self->dir, "softid", good, sizeof(good));
	ASSERT_NE(0, good_len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[300];

		/* Only the case's record is damaged; the other is good or absent. */
		snprintf(path, sizeof(path), "%s/license", self->dir);
		unlink(path);
		write_file(self->dir, "softid", good, good_len);
		ASSERT_EQ(0, restart(&self->d, &self->store));
		ASSERT_TRUE(license_is_active(&self->d, LICENSE_SEND));
		write_file(self->dir, cases[i].file, cases[i].bytes, cases[i].len);
		ASSERT_EQ(0, restart(&self->d, &self->store));
		EXPECT_NE(0, self->d.problem[0]) TH_LOG("%s", cases[i].name);
		EXPECT_FALSE(license_is_active(&self->d, LICENSE_SEND)) TH_LOG("%s", cases[i].name);
		license_register(&self->d, key, NOW, &res);
		EXPECT_EQ(LICENSE_UNAVAILABLE, res.outcome) TH_LOG("%s", cases[i].name);
		/* Kept for the service engineer: not overwritten. */
		EXPECT_EQ(cases[i].len, read_file(self->dir, cases[i].file, back, sizeof(back)));
		EXPECT_EQ(0, memcmp(back, cases[i].bytes, cases[i].len))
		TH_LOG("%s", cases[i].name);
	}
}

TEST_F(dev, ledger_records_are_checked_entry_by_entry)
{
	struct license_ledger l = { .count = 1 }, back;
	uint8_t buf[LICENSE_LEDGER_BYTES];
	char err[160];
	size_t len;

	l.inv[0].option = LICENSE_SEND;
	l.inv[0].sequence = 5;
	memset(l.inv[0].certificate, '7', LICENSE_DIGITS);
	len = license_ledger_encode(&l, buf);
	ASSERT_EQ(0, license_ledger_decode(buf, len, &back, err, sizeof(err)));
	EXPECT_EQ(5, back.inv[0].sequence);
	EXPECT_EQ(-1, license_ledger_decode(buf, len - 1, &back, err, sizeof(err)));
	buf[18 + 4] = 'x'; /* a certificate digit */
	EXPECT_EQ(-1, license_ledger_decode(buf, len, &back, err, sizeof(err)));
	buf[18 + 4] = '7';
	buf[18] = 0; /* option 0 */
	EXPECT_EQ(-1, license_ledger_decode(buf, len, &back, err, sizeof(err)));
	buf[18] = 1;
	buf[17] = 0xff; /* count 255 > max */
	EXPECT_EQ(-1, license_ledger_decode(buf, len, &back, err, sizeof(err)));
}

TEST_F(dev, full_ledger_refuses_an_invalidation_and_keeps_the_option)
{
	struct license_result res;
	char key[LICENSE_DIGITS + 1], cert[LICENSE_DIGITS + 1];

	for (uint32_t seq = 1; seq <= LICENSE_LEDGER_MAX; seq++) {
		make_key(SERIAL, LICENSE_VNC, seq, key);
		license_register(&self->d, key, NOW, &res);
		ASSERT_EQ(LICENSE_REGISTERED, res.outcome);
		ASSERT_EQ(0, license_invalidate(&self->d, LICENSE_VNC, cert, self->err,
						sizeof(self->err)));
	}
	ASSERT_EQ(0, restart(&self->d, &self->store));
	EXPECT_EQ(LICENSE_LEDGER_MAX, self->d.ledger.count);
	make_key(SERIAL, LICENSE_VNC, 1000, key);
	license_register(&self->d, key, NOW, &res);
	ASSERT_EQ(LICENSE_REGISTERED, res.outcome);
	EXPECT_EQ(-1,
		  license_invalidate(&self->d, LICENSE_VNC, cert, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "full"));
	EXPECT_EQ(LICENSE_PENDING, self->d.softid.opt[LICENSE_VNC].state);
}

TEST_F(dev, nvram_write_failure_leaves_state_unchanged)
{
	struct license_result res;
	char key[LICENSE_DIGITS + 1];

	make_key(SERIAL, LICENSE_WEB, 4, key);
	/* The directory is gone: every write fails. */
	ASSERT_EQ(0, remove_tree(self->dir));
	license_register(&self->d, key, NOW, &res);
	EXPECT_EQ(LICENSE_UNAVAILABLE, res.outcome);
	EXPECT_NE(NULL, strstr(res.detail, "SoftID"));
	EXPECT_EQ(LICENSE_OFF, self->d.softid.opt[LICENSE_WEB].state);
}

TEST(unprovisioned_devices_open_with_a_reason)
{
	struct nvram_store none = { .fd = -1 }, store = { .fd = -1 };
	struct license_device d;
	struct license_result res;
	char dir[] = "/tmp/irsend-license-XXXXXX", err[200];

	ASSERT_EQ(0, license_device_open(&d, &none, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(d.problem, "no NVRAM"));
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(store.dir, sizeof(store.dir), "%s", dir);
	ASSERT_EQ(0, license_device_open(&d, &store, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(d.problem, "no serial"));
	write_file(dir, "serial", SERIAL, strlen(SERIAL));
	ASSERT_EQ(0, license_device_open(&d, &store, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(d.problem, "not provisioned"));
	write_file(dir, "device-key", "short", 5);
	ASSERT_EQ(0, license_device_open(&d, &store, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(d.problem, "damaged"));
	license_register(&d, "0100-0001-0000-0000-0000-0000", NOW, &res);
	EXPECT_EQ(LICENSE_UNAVAILABLE, res.outcome);
	remove_tree(dir);
}

TEST_HARNESS_MAIN
