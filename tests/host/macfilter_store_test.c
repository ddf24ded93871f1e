// SPDX-License-Identifier: GPL-2.0
/*
 * The saved MAC allow-list (user/common/macfilter_store.c): round trips
 * through the file, and files that must be refused with the line that is
 * wrong: malformed lines, duplicates, too many addresses, too many bytes.
 * Runs on the host; no module needed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macfilter_store.h"

#include "kselftest_harness.h"

static const uint8_t mac_a[MAC_LEN] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a };
static const uint8_t mac_b[MAC_LEN] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint8_t mac_c[MAC_LEN] = { 0x00, 0x1b, 0x21, 0x00, 0x00, 0x01 };

/* A fresh directory; the test's process ends before anyone else sees it. */
static char *scratch_dir(void)
{
	char *d = strdup("/tmp/macfilter-store-XXXXXX");

	return d && mkdtemp(d) ? d : NULL;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	if (!f || !buf || fread(buf, 1, 65535, f) == 0) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

static int write_all(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static int parse(struct macfilter_store *s, const char *text, char *err, size_t errlen)
{
	return macfilter_store_parse(s, "f", text, strlen(text), err, errlen);
}

TEST(round_trip)
{
	struct macfilter_store s, back;
	char err[256] = "", path[256], *dir = scratch_dir(), *text;

	ASSERT_NE(NULL, dir);
	snprintf(path, sizeof(path), "%s/macfilter.conf", dir);
	macfilter_store_init(&s);
	s.enabled = true;
	ASSERT_EQ(0, macfilter_store_add(&s, mac_a));
	ASSERT_EQ(0, macfilter_store_add(&s, mac_b));
	ASSERT_EQ(0, macfilter_store_add(&s, mac_c));
	ASSERT_EQ(0, macfilter_store_save(&s, path, err, sizeof(err)))
	TH_LOG("%s", err);
	text = read_all(path);
	ASSERT_NE(NULL, text);
	/* Canonical spelling, in the order added, after the comment header. */
	EXPECT_NE(NULL, strstr(text, "\nenabled on\n"
				     "mac 02:00:5e:10:00:0a\n"
				     "mac 52:54:00:ab:cd:ef\n"
				     "mac 00:1b:21:00:00:01\n"));
	EXPECT_EQ('#', text[0]);
	/* Only the file: the temporary one was renamed into place. */
	EXPECT_EQ(1, entries(dir));
	ASSERT_EQ(0, macfilter_store_load(&back, path, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_TRUE(back.enabled);
	ASSERT_EQ(3, back.count);
	EXPECT_EQ(0, memcmp(s.macs, back.macs, 3 * MAC_LEN));

	/* Saving again replaces the file whole. */
	s.enabled = false;
	EXPECT_TRUE(macfilter_store_del(&s, mac_a));
	ASSERT_EQ(0, macfilter_store_save(&s, path, err, sizeof(err)));
	ASSERT_EQ(0, macfilter_store_load(&back, path, err, sizeof(err)));
	EXPECT_FALSE(back.enabled);
	ASSERT_EQ(2, back.count);
	EXPECT_EQ(0, memcmp(back.macs[0], mac_b, MAC_LEN));
	EXPECT_EQ(0, memcmp(back.macs[1], mac_c, MAC_LEN));
	EXPECT_EQ(1, entries(dir));
	unlink(path);
	rmdir(dir);
	free(text);
	free(dir);
}

TEST(empty_store_round_trip)
{
	struct macfilter_store s, back;
	char err[256] = "", path[256], *dir = scratch_dir(), *text;

	ASSERT_NE(NULL, dir);
	snprintf(path, sizeof(path), "%s/m.conf", dir);
	macfilter_store_init(&s);
	ASSERT_EQ(0, macfilter_store_save(&s, path, err, sizeof(err)));
	text = read_all(path);
	ASSERT_NE(NULL, text);
	EXPECT_NE(NULL, strstr(text, "\nenabled off\n"));
	EXPECT_EQ(NULL, strstr(text, "mac "));
	back.enabled = true;
	back.count = 9;
	ASSERT_EQ(0, macfilter_store_load(&back, path, err, sizeof(err)));
	EXPECT_FALSE(back.enabled);
	EXPECT_EQ(0, back.count);
	unlink(path);
	rmdir(dir);
	free(text);
	free(dir);
}

TEST(missing_file_is_empty_and_off)
{
	struct macfilter_store s;
	char err[256] = "";

	s.enabled = true;
	s.count = 5;
	EXPECT_EQ(1,
		  macfilter_store_load(&s, "/nonexistent/irsend/macfilter.conf", err, sizeof(err)));
	EXPECT_FALSE(s.enabled);
	EXPECT_EQ(0, s.count);
}

TEST(save_creates_the_directory)
{
	struct macfilter_store s, back;
	char err[256] = "", sub[200], path[256], *dir = scratch_dir();
	struct stat st;

	ASSERT_NE(NULL, dir);
	snprintf(sub, sizeof(sub), "%s/irsend", dir);
	snprintf(path, sizeof(path), "%s/macfilter.conf", sub);
	macfilter_store_init(&s);
	ASSERT_EQ(0, macfilter_store_add(&s, mac_b));
	ASSERT_EQ(0, macfilter_store_save(&s, path, err, sizeof(err)))
	TH_LOG("%s", err);
	ASSERT_EQ(0, stat(sub, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0, macfilter_store_load(&back, path, err, sizeof(err)));
	EXPECT_EQ(1, back.count);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	free(dir);
}

TEST(save_failure_says_why)
{
	struct macfilter_store s;
	char err[256] = "";

	macfilter_store_init(&s);
	/* Two missing levels: only the last one is ever created. */
	EXPECT_EQ(-1, macfilter_store_save(&s, "/nonexistent/a/b/m.conf", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent/a/b/m.conf: cannot create the directory "
				    "/nonexistent/a/b: No such file or directory"))
	TH_LOG("%s", err);
	EXPECT_EQ(-1, macfilter_store_save(&s, "/tmp/", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "names a directory")) TH_LOG("%s", err);
}

TEST(not_a_regular_file)
{
	struct macfilter_store s;
	char err[256] = "", *dir = scratch_dir();

	ASSERT_NE(NULL, dir);
	EXPECT_EQ(-1, macfilter_store_load(&s, dir, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a regular file")) TH_LOG("%s", err);
	rmdir(dir);
	free(dir);
}

TEST(comments_blanks_spelling_crlf)
{
	struct macfilter_store s;
	char err[256] = "";

	ASSERT_EQ(0, parse(&s,
			   "# saved\n"
			   "\n"
			   "   \t\n"
			   "  mac\t02-00-5E-10-00-0A  \r\n"
			   "enabled on\r\n"
			   "mac 52:54:00:AB:cd:ef",
			   err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_TRUE(s.enabled);
	ASSERT_EQ(2, s.count);
	EXPECT_EQ(0, memcmp(s.macs[0], mac_a, MAC_LEN));
	EXPECT_EQ(0, memcmp(s.macs[1], mac_b, MAC_LEN));
	/* No "enabled" line: off. */
	ASSERT_EQ(0, parse(&s, "mac 02:00:5e:10:00:0a\n", err, sizeof(err)));
	EXPECT_FALSE(s.enabled);
	EXPECT_EQ(1, s.count);
	ASSERT_EQ(0, parse(&s, "", err, sizeof(err)));
	EXPECT_EQ(0, s.count);
}

struct bad_case {
	const char *text;
	const char *message;
};

TEST(malformed_lines_name_their_line)
{
	static const struct bad_case cases[] = {
		{ "enabled on\nfilter on\n", "f: line 2: unknown keyword 'filter': expected "
					     "\"enabled\" or \"mac\"" },
		{ "\n\nenabled yes\n", "f: line 3: expected \"enabled on\" or \"enabled off\"" },
		{ "enabled\n", "f: line 1: expected \"enabled on\" or \"enabled off\"" },
		{ "enabled on off\n", "f: line 1: expected \"enabled on\" or \"enabled off\"" },
		{ "enabled on\n# x\nenabled off\n",
		  "f: line 3: a second \"enabled\" line (the first is line 1)" },
		{ "mac\n", "f: line 1: expected \"mac\" and one MAC address" },
		{ "mac 02:00:5e:10:00:0a 02:00:5e:10:00:0b\n",
		  "f: line 1: expected \"mac\" and one MAC address" },
		{ "# a\nmac 02:00:5e:10:00\n", "f: line 2: '02:00:5e:10:00' is not a MAC address: "
					       "expected aa:bb:cc:dd:ee:ff" },
		{ "mac 02:00:5e:10:00:zz\n",
		  "f: line 1: '02:00:5e:10:00:zz' is not a MAC address" },
		{ "mac 01:00:5e:00:00:01\n", "f: line 1: 01:00:5e:00:00:01 is a multicast address: "
					     "only a unicast address names one host" },
		{ "mac FF:FF:FF:FF:FF:FF\n",
		  "f: line 1: FF:FF:FF:FF:FF:FF is the broadcast address" },
		{ "mac 00-00-00-00-00-00\n",
		  "f: line 1: 00-00-00-00-00-00 is the all-zero address" },
		{ "MAC 02:00:5e:10:00:0a\n", "f: line 1: unknown keyword 'MAC'" },
	};
	struct macfilter_store s;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(err, "unchanged");
		s.count = 7;
		EXPECT_EQ(-1, parse(&s, cases[i].text, err, sizeof(err)))
		TH_LOG("case %zu accepted", i);
		EXPECT_NE(NULL, strstr(err, cases[i].message))
		TH_LOG("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].message);
		/* Nothing half-read is left for a caller that ignores the error. */
		EXPECT_EQ(0, s.count);
		EXPECT_FALSE(s.enabled);
	}
}

TEST(long_line_and_nul_byte)
{
	char text[600], err[256] = "";
	struct macfilter_store s;

	memset(text, ' ', sizeof(text));
	memcpy(text, "enabled on\n#", 12);
	text[sizeof(text) - 1] = '\n';
	EXPECT_EQ(-1, macfilter_store_parse(&s, "f", text, sizeof(text), err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "f: line 2: longer than 256 characters")) TH_LOG("%s", err);
	EXPECT_EQ(-1, macfilter_store_parse(&s, "f", "enabled on\nmac \0\n", 17, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "f: line 2: a NUL byte")) TH_LOG("%s", err);
}

TEST(oversized_file)
{
	size_t n = MACFILTER_STORE_MAX_BYTES + 1;
	char *text = malloc(n), err[256] = "", path[256], *dir = scratch_dir();
	struct macfilter_store s;

	ASSERT_NE(NULL, text);
	ASSERT_NE(NULL, dir);
	/* Comment lines only: what is refused is the size itself. */
	for (size_t i = 0; i < n; i++)
		text[i] = i % 64 == 63 ? '\n' : '#';
	EXPECT_EQ(0, macfilter_store_parse(&s, "f", text, n - 1, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(-1, macfilter_store_parse(&s, "f", text, n, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "f: larger than 256 KiB")) TH_LOG("%s", err);
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	ASSERT_EQ(0, write_all(path, text, n));
	EXPECT_EQ(-1, macfilter_store_load(&s, path, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "big.conf: larger than 256 KiB")) TH_LOG("%s", err);
	unlink(path);
	rmdir(dir);
	free(dir);
	free(text);
}

TEST(duplicate_macs)
{
	struct macfilter_store s;
	char err[256] = "";

	EXPECT_EQ(-1, parse(&s,
			    "enabled on\n"
			    "mac 02:00:5e:10:00:0a\n"
			    "mac 52:54:00:ab:cd:ef\n"
			    "mac 02-00-5E-10-00-0A\n",
			    err, sizeof(err)));
	EXPECT_NE(NULL,
		  strstr(err, "f: line 4: 02-00-5E-10-00-0A is listed twice (first on line 2)"))
	TH_LOG("%s", err);
	/* In memory, adding a listed address is not an error and lists it once. */
	macfilter_store_init(&s);
	ASSERT_EQ(0, macfilter_store_add(&s, mac_a));
	ASSERT_EQ(0, macfilter_store_add(&s, mac_a));
	EXPECT_EQ(1, s.count);
	EXPECT_FALSE(macfilter_store_del(&s, mac_b));
	EXPECT_TRUE(macfilter_store_del(&s, mac_a));
	EXPECT_EQ(0, s.count);
}

/* n "mac" lines of distinct addresses after "enabled on". */
static char *many_macs(size_t n, size_t *len)
{
	char *text = malloc(16 + n * 22), *p = text;

	if (!text)
		return NULL;
	p += sprintf(p, "enabled on\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "mac 02:00:00:00:%02zx:%02zx\n", i >> 8, i & 0xff);
	*len = (size_t)(p - text);
	return text;
}

TEST(too_many_macs)
{
	struct macfilter_store s;
	char err[256] = "", *text;
	size_t len;

	text = many_macs(MACFILTER_STORE_MAX, &len);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, macfilter_store_parse(&s, "f", text, len, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(MACFILTER_STORE_MAX, s.count);
	/* Full in memory too. */
	EXPECT_EQ(-1, macfilter_store_add(&s, mac_a));
	EXPECT_EQ(0, macfilter_store_add(&s, s.macs[17]));
	free(text);

	text = many_macs(MACFILTER_STORE_MAX + 1, &len);
	ASSERT_NE(NULL, text);
	EXPECT_EQ(-1, macfilter_store_parse(&s, "f", text, len, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "f: line 4098: more than 4096 addresses")) TH_LOG("%s", err);
	EXPECT_EQ(0, s.count);
	free(text);
}

TEST(path_choice)
{
	unsetenv(MACFILTER_STORE_ENV);
	EXPECT_STREQ("/var/lib/irsend/macfilter.conf", macfilter_store_path(NULL));
	setenv(MACFILTER_STORE_ENV, "/tmp/x.conf", 1);
	EXPECT_STREQ("/tmp/x.conf", macfilter_store_path(NULL));
	EXPECT_STREQ("/etc/y.conf", macfilter_store_path("/etc/y.conf"));
	setenv(MACFILTER_STORE_ENV, "", 1);
	EXPECT_STREQ("/var/lib/irsend/macfilter.conf", macfilter_store_path(NULL));
}

TEST_HARNESS_MAIN
