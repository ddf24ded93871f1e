// SPDX-License-Identifier: GPL-2.0
/*
 * The User Inbox store (user/agent/box*.c) on a temporary directory:
 * documents in and out, limits (#711, #712) that leave nothing half
 * stored, idempotent retries, recovery of what a crash leaves behind,
 * PINs, and hostile input. Runs on the host; no module needed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"

#include "kselftest_harness.h"

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[1200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static bool exists(const char *fmt, const char *a, const char *b)
{
	char path[1200];

	snprintf(path, sizeof(path), fmt, a, b);
	return access(path, F_OK) == 0;
}

/* Entries in a directory other than . and .. (-1 when it cannot be read). */
static int count_entries(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static int count_in(const char *root, const char *sub)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	return count_entries(path);
}

/* A staging directory holding files "page-N.pdf" of len bytes each; malloc()ed path. */
static char *stage(struct box_store *st, int files, size_t len)
{
	char *dir, name[32], *data = malloc(len + 1);

	if (!data || box_staging_new(st, &dir)) {
		free(data);
		return NULL;
	}
	for (int i = 0; i < files; i++) {
		memset(data, 'a' + i, len);
		snprintf(name, sizeof(name), "page-%d.pdf", i + 1);
		if (write_file(dir, name, data, len)) {
			free(dir);
			dir = NULL;
			break;
		}
	}
	free(data);
	return dir;
}

static struct box_doc_meta meta_named(const char *name)
{
	struct box_doc_meta m;

	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.formats, sizeof(m.formats), "pdf");
	m.pages = 2;
	m.job_id = 42;
	return m;
}

FIXTURE(store)
{
	char root[64];
	struct box_store *st;
	struct box_store_opts opts;
};

FIXTURE_SETUP(store)
{
	snprintf(self->root, sizeof(self->root), "/tmp/box_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	self->opts = (struct box_store_opts){ .count = 100, .area_limit = 1 << 20, .doc_limit = 5 };
	ASSERT_EQ(BOX_OK, box_store_open(self->root, &self->opts, &self->st));
}

FIXTURE_TEARDOWN(store)
{
	box_store_close(self->st);
	rm_tree(self->root);
}

static void reopen(struct box_store **st, const char *root, const struct box_store_opts *o)
{
	box_store_close(*st);
	*st = NULL;
	if (box_store_open(root, o, st))
		*st = NULL;
}

TEST_F(store, fresh_store_has_default_boxes)
{
	struct box_info *boxes;
	size_t n;
	uint64_t used, limit;

	ASSERT_EQ(100, box_count(self->st));
	ASSERT_EQ(BOX_OK, box_list(self->st, &boxes, &n));
	ASSERT_EQ(100, n);
	EXPECT_EQ(99, boxes[99].no);
	EXPECT_STREQ("", boxes[7].name);
	EXPECT_FALSE(boxes[7].has_pin);
	EXPECT_EQ(0, boxes[7].doc_count);
	EXPECT_EQ(5, boxes[7].doc_limit);
	free(boxes);
	box_area_usage(self->st, &used, &limit);
	EXPECT_EQ(0, used);
	EXPECT_EQ(1 << 20, limit);
	/* Boxes appear on disk only when first used. */
	EXPECT_FALSE(exists("%s/user/%s", self->root, "007"));
}

TEST_F(store, store_list_show_open_delete)
{
	struct box_doc_meta m = meta_named("Invoice 3"), got, *docs;
	struct box_file *files;
	struct box_info info;
	char *dir = stage(self->st, 2, 100), buf[200];
	uint32_t id = 0;
	size_t n;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 1, "job-1:box-1", dir, &m, &id));
	EXPECT_EQ(1, id);
	EXPECT_NE(0, access(dir, F_OK)); /* moved into the box */
	free(dir);

	ASSERT_EQ(BOX_OK, box_get_info(self->st, 1, &info));
	EXPECT_EQ(1, info.doc_count);
	EXPECT_EQ(200, info.bytes);

	ASSERT_EQ(BOX_OK, box_get_document(self->st, 1, id, &got));
	EXPECT_EQ(id, got.id);
	EXPECT_STREQ("Invoice 3", got.name);
	EXPECT_STREQ("pdf", got.formats);
	EXPECT_STREQ("job-1:box-1", got.key);
	EXPECT_EQ(2, got.pages);
	EXPECT_EQ(42, got.job_id);
	EXPECT_EQ(200, got.size);
	EXPECT_EQ(2, got.files);
	EXPECT_LT(0, got.created);
	EXPECT_FALSE(got.repaired);

	ASSERT_EQ(BOX_OK, box_list_documents(self->st, 1, &docs, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(id, docs[0].id);
	free(docs);

	ASSERT_EQ(BOX_OK, box_open_document(self->st, 1, id, &files, &n));
	ASSERT_EQ(2, n);
	EXPECT_STREQ("page-1.pdf", files[0].name);
	EXPECT_STREQ("page-2.pdf", files[1].name);
	EXPECT_EQ(100, files[1].size);
	ASSERT_EQ(100, read(files[1].fd, buf, sizeof(buf)));
	EXPECT_EQ('b', buf[99]);
	/* Read-only: the client must not be able to change the stored document. */
	EXPECT_EQ(-1, write(files[0].fd, "x", 1));
	box_files_close(files, n);

	ASSERT_EQ(BOX_OK, box_delete_document(self->st, 1, id));
	EXPECT_EQ(BOX_E_NOENT, box_get_document(self->st, 1, id, &got));
	EXPECT_EQ(BOX_E_NOENT, box_delete_document(self->st, 1, id));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 1, &info));
	EXPECT_EQ(0, info.doc_count);
	EXPECT_EQ(0, info.bytes);
	EXPECT_EQ(0, count_in(self->root, ".staging"));
	EXPECT_EQ(1, count_in(self->root, "user/001")); /* box.conf only: no trash left */
}

TEST_F(store, ids_are_never_reused)
{
	struct box_doc_meta m = meta_named("d");
	uint32_t id;
	char key[16];

	for (int i = 1; i <= 3; i++) {
		char *dir = stage(self->st, 1, 10);

		snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(BOX_OK, box_store_document(self->st, 4, key, dir, &m, &id));
		EXPECT_EQ(i, id);
		free(dir);
	}
	ASSERT_EQ(BOX_OK, box_delete_document(self->st, 4, 3));
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	char *dir = stage(self->st, 1, 10);

	ASSERT_EQ(BOX_OK, box_store_document(self->st, 4, "k4", dir, &m, &id));
	EXPECT_EQ(4, id);
	free(dir);
}

TEST_F(store, same_key_stores_once)
{
	struct box_doc_meta m = meta_named("retry");
	struct box_info info;
	uint32_t id1, id2, id3;
	char *a = stage(self->st, 1, 50), *b = stage(self->st, 1, 50), *c;

	ASSERT_EQ(BOX_OK, box_store_document(self->st, 2, "job-9", a, &m, &id1));
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 2, "job-9", b, &m, &id2));
	EXPECT_EQ(id1, id2);
	EXPECT_NE(0, access(b, F_OK)); /* the retry's copy is discarded */
	/* The retry after a crash: a new process, the staging copy already gone. */
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 2, "job-9", a, &m, &id3));
	EXPECT_EQ(id1, id3);
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 2, &info));
	EXPECT_EQ(1, info.doc_count);
	EXPECT_EQ(50, info.bytes);
	/* The same key in another box is another document. */
	c = stage(self->st, 1, 50);
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 3, "job-9", c, &m, &id3));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 3, &info));
	EXPECT_EQ(1, info.doc_count);
	free(a);
	free(b);
	free(c);
}

TEST_F(store, doc_limit_gives_712_and_stores_nothing)
{
	struct box_doc_meta m = meta_named("x");
	struct box_info info;
	uint32_t id = 0;
	char key[16], *dir;
	uint64_t used;

	ASSERT_EQ(BOX_OK, box_set_doc_limit(self->st, 9, 2));
	for (int i = 0; i < 2; i++) {
		dir = stage(self->st, 1, 10);
		snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(BOX_OK, box_store_document(self->st, 9, key, dir, &m, &id));
		free(dir);
	}
	dir = stage(self->st, 2, 10);
	id = 0;
	EXPECT_EQ(BOX_E_DOC_LIMIT, box_store_document(self->st, 9, "k2", dir, &m, &id));
	EXPECT_EQ(712, BOX_E_DOC_LIMIT);
	EXPECT_EQ(0, id);
	/* The staging copy is untouched, the box unchanged. */
	EXPECT_EQ(2, count_entries(dir));
	EXPECT_FALSE(exists("%s/%s", dir, ".meta"));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 9, &info));
	EXPECT_EQ(2, info.doc_count);
	EXPECT_EQ(3, count_in(self->root, "user/009")); /* box.conf and two documents */
	box_area_usage(self->st, &used, NULL);
	EXPECT_EQ(20, used);
	/* The limit survives a restart, and room made by a delete is usable. */
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 9, &info));
	EXPECT_EQ(2, info.doc_limit);
	ASSERT_EQ(BOX_OK, box_delete_document(self->st, 9, 1));
	free(dir);
	dir = stage(self->st, 1, 10);
	EXPECT_EQ(BOX_OK, box_store_document(self->st, 9, "k2", dir, &m, &id));
	free(dir);
}

TEST_F(store, area_full_gives_711_and_stores_nothing)
{
	struct box_doc_meta m = meta_named("big");
	struct box_info info;
	uint64_t used, limit;
	uint32_t id;
	char *a, *b;

	ASSERT_EQ(BOX_OK, box_set_area_limit(self->st, 100));
	a = stage(self->st, 1, 60);
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 0, "a", a, &m, &id));
	/* Another box: the area is shared by all of them. */
	b = stage(self->st, 2, 30);
	EXPECT_EQ(BOX_E_AREA_FULL, box_store_document(self->st, 5, "b", b, &m, &id));
	EXPECT_EQ(711, BOX_E_AREA_FULL);
	EXPECT_EQ(2, count_entries(b));
	EXPECT_FALSE(exists("%s/%s", b, ".meta"));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 5, &info));
	EXPECT_EQ(0, info.doc_count);
	box_area_usage(self->st, &used, &limit);
	EXPECT_EQ(60, used);
	EXPECT_EQ(100, limit);
	/* Exactly full is allowed. */
	ASSERT_EQ(BOX_OK, box_set_area_limit(self->st, 120));
	EXPECT_EQ(BOX_OK, box_store_document(self->st, 5, "b", b, &m, &id));
	box_area_usage(self->st, &used, NULL);
	EXPECT_EQ(120, used);
	/* The limit is kept in store.conf: a restart does not lift it. */
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	box_area_usage(self->st, &used, &limit);
	EXPECT_EQ(120, used);
	EXPECT_EQ(120, limit);
	EXPECT_EQ(BOX_E_INVAL, box_set_area_limit(self->st, 0));
	free(a);
	free(b);
}

TEST_F(store, crash_leftovers_are_recovered)
{
	char path[512], *dir;
	struct box_doc_meta got, m = meta_named("after");
	struct box_info info;
	uint32_t id;

	/* What a crash between steps leaves: see box_recover.c. */
	snprintf(path, sizeof(path), "%s/.staging/half", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));
	ASSERT_EQ(0, write_file(path, "page-1.tif", "II*", 3));
	snprintf(path, sizeof(path), "%s/user", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/user/003", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));
	ASSERT_EQ(0, write_file(path, ".box.conf.999.tmp", "format=1\nna", 11));
	snprintf(path, sizeof(path), "%s/user/003/.trash-000000002", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));
	ASSERT_EQ(0, write_file(path, "a.pdf", "%PDF", 4));
	/* A document whose .meta is missing: kept, rebuilt from its files. */
	snprintf(path, sizeof(path), "%s/user/003/000000007", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));
	ASSERT_EQ(0, write_file(path, "scan.PDF", "%PDF-1.4 xx", 11));
	ASSERT_EQ(0, write_file(path, "scan.tif", "II*\0", 4));
	ASSERT_EQ(0, write_file(path, ".meta.1.tmp", "format=1\n", 9));
	/* A document directory with no file at all: removed. */
	snprintf(path, sizeof(path), "%s/user/003/000000008", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));

	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	EXPECT_EQ(0, count_in(self->root, ".staging"));
	EXPECT_FALSE(exists("%s/%s", self->root, "user/003/.trash-000000002"));
	EXPECT_FALSE(exists("%s/%s", self->root, "user/003/.box.conf.999.tmp"));
	EXPECT_FALSE(exists("%s/%s", self->root, "user/003/000000008"));
	EXPECT_FALSE(exists("%s/%s", self->root, "user/003/000000007/.meta.1.tmp"));

	ASSERT_EQ(BOX_OK, box_get_info(self->st, 3, &info));
	EXPECT_EQ(1, info.doc_count);
	EXPECT_EQ(15, info.bytes);
	EXPECT_FALSE(info.damaged);
	ASSERT_EQ(BOX_OK, box_get_document(self->st, 3, 7, &got));
	EXPECT_TRUE(got.repaired);
	EXPECT_EQ(7, got.id);
	EXPECT_EQ(15, got.size);
	EXPECT_EQ(2, got.files);
	EXPECT_STREQ("pdf,tif", got.formats);
	EXPECT_STREQ("", got.key);

	/* New documents never take the ids seen on disk. */
	dir = stage(self->st, 1, 5);
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 3, "new", dir, &m, &id));
	EXPECT_LT(8, id);
	free(dir);
}

TEST_F(store, corrupt_metadata)
{
	struct box_doc_meta m = meta_named("doc"), got, *docs;
	struct box_info info;
	char path[512], *dir = stage(self->st, 1, 20);
	uint32_t id;
	size_t n;

	ASSERT_EQ(BOX_OK, box_store_document(self->st, 6, "k", dir, &m, &id));
	free(dir);
	snprintf(path, sizeof(path), "%s/user/006/%09u", self->root, id);
	/* Damaged while the store is open: reported, and listing still works. */
	ASSERT_EQ(0, write_file(path, ".meta", "format=1\nid=\x01\n", 14));
	EXPECT_EQ(BOX_E_CORRUPT, box_get_document(self->st, 6, id, &got));
	ASSERT_EQ(BOX_OK, box_list_documents(self->st, 6, &docs, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(id, docs[0].id);
	EXPECT_EQ(20, docs[0].size);
	free(docs);
	/* At the next open it is repaired from the files. */
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	ASSERT_EQ(BOX_OK, box_get_document(self->st, 6, id, &got));
	EXPECT_TRUE(got.repaired);
	EXPECT_EQ(20, got.size);

	/* A garbage box.conf: documents kept, box locked until rewritten. */
	snprintf(path, sizeof(path), "%s/user/006", self->root);
	ASSERT_EQ(0, write_file(path, "box.conf", "\xff\xfe garbage", 10));
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 6, &info));
	EXPECT_TRUE(info.damaged);
	EXPECT_TRUE(info.has_pin);
	EXPECT_EQ(1, info.doc_count);
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 6, ""));
	ASSERT_EQ(BOX_OK, box_rename(self->st, 6, "Fixed"));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 6, &info));
	EXPECT_FALSE(info.damaged);
	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 6, ""));

	/* A garbage store.conf: back to the defaults given at open. */
	ASSERT_EQ(0, write_file(self->root, "store.conf", "area_limit=-5\n", 14));
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	uint64_t limit;

	box_area_usage(self->st, NULL, &limit);
	EXPECT_EQ(1 << 20, limit);
}

TEST_F(store, pin_set_check_clear)
{
	struct box_info info;
	char path[512], buf[1024];
	ssize_t len;
	int fd;

	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 8, NULL)); /* no PIN: open */
	ASSERT_EQ(BOX_OK, box_set_pin(self->st, 8, "7294013"));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 8, &info));
	EXPECT_TRUE(info.has_pin);
	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 8, "7294013"));
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 8, "7294014"));
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 8, "729401"));
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 8, ""));
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 8, NULL));

	/* Never in clear on disk. */
	snprintf(path, sizeof(path), "%s/user/008/box.conf", self->root);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LT(0, len);
	buf[len] = '\0';
	EXPECT_EQ(NULL, strstr(buf, "7294013"));
	EXPECT_NE(NULL, strstr(buf, "pin=pbkdf2-sha256$"));

	/* Survives a restart; the same PIN on another box gets another salt. */
	reopen(&self->st, self->root, &self->opts);
	ASSERT_NE(NULL, self->st);
	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 8, "7294013"));
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 8, "1111111"));
	struct box_settings s8, s9;

	ASSERT_EQ(BOX_OK, box_set_pin(self->st, 9, "7294013"));
	ASSERT_EQ(BOX_OK, box_export_settings(self->st, 8, &s8));
	ASSERT_EQ(BOX_OK, box_export_settings(self->st, 9, &s9));
	EXPECT_STRNE(s8.pin_hash, s9.pin_hash);

	/* Bad PINs are refused and leave the old one in place. */
	EXPECT_EQ(BOX_E_INVAL, box_set_pin(self->st, 8, "12a4"));
	EXPECT_EQ(BOX_E_INVAL, box_set_pin(self->st, 8, "12345678"));
	EXPECT_EQ(BOX_E_INVAL, box_set_pin(self->st, 8, "-1"));
	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 8, "7294013"));

	ASSERT_EQ(BOX_OK, box_set_pin(self->st, 8, NULL));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 8, &info));
	EXPECT_FALSE(info.has_pin);
	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 8, "anything"));
}

TEST_F(store, settings_export_import)
{
	struct box_settings s, bad;
	struct box_info info;

	ASSERT_EQ(BOX_OK, box_rename(self->st, 10, "Legal"));
	ASSERT_EQ(BOX_OK, box_set_pin(self->st, 10, "4242"));
	ASSERT_EQ(BOX_OK, box_set_doc_limit(self->st, 10, 3));
	ASSERT_EQ(BOX_OK, box_export_settings(self->st, 10, &s));
	ASSERT_EQ(BOX_OK, box_import_settings(self->st, 11, &s));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 11, &info));
	EXPECT_STREQ("Legal", info.name);
	EXPECT_EQ(3, info.doc_limit);
	EXPECT_EQ(BOX_OK, box_check_pin(self->st, 11, "4242"));
	EXPECT_EQ(BOX_E_PIN, box_check_pin(self->st, 11, "4243"));

	bad = s;
	snprintf(bad.pin_hash, sizeof(bad.pin_hash), "4242");
	EXPECT_EQ(BOX_E_INVAL, box_import_settings(self->st, 12, &bad));
	bad = s;
	snprintf(bad.name, sizeof(bad.name), "../x");
	EXPECT_EQ(BOX_E_INVAL, box_import_settings(self->st, 12, &bad));
	bad = s;
	bad.doc_limit = 0;
	EXPECT_EQ(BOX_E_INVAL, box_import_settings(self->st, 12, &bad));
}

TEST_F(store, restore_keeps_ids)
{
	struct box_doc_meta m = meta_named("old"), got;
	uint32_t id;
	char *dir = stage(self->st, 1, 10);

	m.id = 57;
	m.created = 1000000000;
	snprintf(m.key, sizeof(m.key), "job-3");
	ASSERT_EQ(BOX_OK, box_restore_document(self->st, 12, dir, &m));
	free(dir);
	ASSERT_EQ(BOX_OK, box_get_document(self->st, 12, 57, &got));
	EXPECT_EQ(1000000000, got.created);
	EXPECT_STREQ("job-3", got.key);
	dir = stage(self->st, 1, 10);
	EXPECT_EQ(BOX_E_EXIST, box_restore_document(self->st, 12, dir, &m));
	EXPECT_EQ(1, count_entries(dir));
	EXPECT_EQ(BOX_OK, box_store_document(self->st, 12, "next", dir, &m, &id));
	EXPECT_EQ(58, id);
	free(dir);
}

TEST_F(store, delete_all)
{
	struct box_doc_meta m = meta_named("d");
	struct box_info info;
	uint64_t used;
	uint32_t id;
	char key[16];

	for (int i = 0; i < 4; i++) {
		char *dir = stage(self->st, 2, 7);

		snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(BOX_OK, box_store_document(self->st, 13, key, dir, &m, &id));
		free(dir);
	}
	char *other = stage(self->st, 1, 7);

	ASSERT_EQ(BOX_OK, box_store_document(self->st, 14, "k", other, &m, &id));
	free(other);
	ASSERT_EQ(BOX_OK, box_delete_all(self->st, 13));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 13, &info));
	EXPECT_EQ(0, info.doc_count);
	EXPECT_EQ(1, count_in(self->root, "user/013"));
	box_area_usage(self->st, &used, NULL);
	EXPECT_EQ(7, used);
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 14, &info));
	EXPECT_EQ(1, info.doc_count);
}

TEST_F(store, hostile_names_are_refused)
{
	static const char *const bad[] = {
		"a/b",	     "..",   ".",	 "x\\y",	 "a\nb",     "\x1b[2J",
		"tab\there", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xc2\x85", "",
	};
	char longname[BOX_NAME_MAX + 2];
	struct box_doc_meta m = meta_named("ok");
	struct box_info info;
	uint32_t id;
	char *dir, path[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(box_name_valid(bad[i]));
		EXPECT_FALSE(box_file_name_valid(bad[i]));
		if (bad[i][0])
			EXPECT_EQ(BOX_E_INVAL, box_rename(self->st, 1, bad[i]));
		m = meta_named("ok");
		snprintf(m.name, sizeof(m.name), "%s", bad[i]);
		if (bad[i][0]) {
			dir = stage(self->st, 1, 3);
			EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", dir, &m, &id));
			EXPECT_EQ(1, count_entries(dir));
			free(dir);
		}
	}
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_EQ(BOX_E_INVAL, box_rename(self->st, 1, longname));
	longname[BOX_NAME_MAX] = '\0';
	EXPECT_EQ(BOX_OK, box_rename(self->st, 1, longname));
	EXPECT_EQ(BOX_OK, box_rename(self->st, 2, "Sales \xe2\x80\x93 2F"));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 2, &info));
	EXPECT_STREQ("Sales \xe2\x80\x93 2F", info.name);

	/* Keys end up in key=value files: no separators, no line breaks. */
	m = meta_named("ok");
	dir = stage(self->st, 1, 3);
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "a/b", dir, &m, &id));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "a\nname=x", dir, &m, &id));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "", dir, &m, &id));
	snprintf(m.formats, sizeof(m.formats), "pdf\nkey=x");
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", dir, &m, &id));
	free(dir);

	/* Staging content the store never accepts: dot files, directories, symlinks. */
	m = meta_named("ok");
	dir = stage(self->st, 1, 3);
	ASSERT_EQ(0, write_file(dir, ".meta", "format=1\nid=1\nsize=1\n", 21));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", dir, &m, &id));
	free(dir);
	dir = stage(self->st, 1, 3);
	snprintf(path, sizeof(path), "%s/sub", dir);
	ASSERT_EQ(0, mkdir(path, 0700));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", dir, &m, &id));
	free(dir);
	dir = stage(self->st, 1, 3);
	snprintf(path, sizeof(path), "%s/link.pdf", dir);
	ASSERT_EQ(0, symlink("/etc/passwd", path));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", dir, &m, &id));
	free(dir);
	/* An empty document is not a document. */
	ASSERT_EQ(BOX_OK, box_staging_new(self->st, &dir));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", dir, &m, &id));
	free(dir);
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", "/nonexistent/dir", &m, &id));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 1, &info));
	EXPECT_EQ(0, info.doc_count);
}

TEST_F(store, box_numbers_out_of_range)
{
	struct box_doc_meta m = meta_named("x"), *docs;
	struct box_settings s;
	struct box_info info;
	struct box_file *files;
	uint32_t id;
	size_t n;
	char *dir = stage(self->st, 1, 3);

	EXPECT_EQ(BOX_E_RANGE, box_get_info(self->st, 100, &info));
	EXPECT_EQ(BOX_E_RANGE, box_get_info(self->st, (unsigned int)-1, &info));
	EXPECT_EQ(BOX_E_RANGE, box_rename(self->st, 100, "x"));
	EXPECT_EQ(BOX_E_RANGE, box_set_pin(self->st, 100, "1"));
	EXPECT_EQ(BOX_E_RANGE, box_check_pin(self->st, 100, "1"));
	EXPECT_EQ(BOX_E_RANGE, box_set_doc_limit(self->st, 100, 1));
	EXPECT_EQ(BOX_E_RANGE, box_store_document(self->st, 100, "k", dir, &m, &id));
	EXPECT_EQ(BOX_E_RANGE, box_list_documents(self->st, 100, &docs, &n));
	EXPECT_EQ(BOX_E_RANGE, box_get_document(self->st, 100, 1, &m));
	EXPECT_EQ(BOX_E_RANGE, box_open_document(self->st, 100, 1, &files, &n));
	EXPECT_EQ(BOX_E_RANGE, box_delete_document(self->st, 100, 1));
	EXPECT_EQ(BOX_E_RANGE, box_delete_all(self->st, 100));
	EXPECT_EQ(BOX_E_RANGE, box_export_settings(self->st, 100, &s));
	EXPECT_EQ(1, count_entries(dir));
	free(dir);
	EXPECT_EQ(BOX_E_INVAL, box_set_doc_limit(self->st, 1, 0));
	EXPECT_EQ(BOX_E_INVAL, box_set_doc_limit(self->st, 1, BOX_MAX_DOC_LIMIT + 1));
	EXPECT_EQ(BOX_E_NOENT, box_open_document(self->st, 1, 1, &files, &n));
}

TEST_F(store, only_its_own_staging_directories)
{
	struct box_doc_meta m = meta_named("x");
	char outside[] = "/tmp/box_outside.XXXXXX", path[600], *dir = stage(self->st, 1, 3);
	uint32_t id;

	ASSERT_EQ(BOX_OK, box_store_document(self->st, 1, "k", dir, &m, &id));
	free(dir);
	ASSERT_NE(NULL, mkdtemp(outside));
	ASSERT_EQ(0, write_file(outside, "keep.pdf", "data", 4));
	/* Even a retry of a stored key must not remove a directory it does not own. */
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", outside, &m, &id));
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k2", outside, &m, &id));
	snprintf(path, sizeof(path), "%s/.staging/../user", self->root);
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", path, &m, &id));
	snprintf(path, sizeof(path), "%s/.staging/", self->root);
	EXPECT_EQ(BOX_E_INVAL, box_store_document(self->st, 1, "k", path, &m, &id));
	EXPECT_TRUE(exists("%s/%s", outside, "keep.pdf"));
	rm_tree(outside);
}

TEST_F(store, failure_after_reserving_an_id_stores_nothing)
{
	struct box_doc_meta m = meta_named("x");
	struct box_info info;
	char path[512], *dir;
	uint32_t id = 0;

	ASSERT_EQ(BOX_OK, box_rename(self->st, 15, "Target"));
	/* Something the store did not make sits where the next document goes. */
	snprintf(path, sizeof(path), "%s/user/015/000000001", self->root);
	ASSERT_EQ(0, mkdir(path, 0700));
	ASSERT_EQ(0, write_file(path, "foreign.pdf", "zz", 2));
	dir = stage(self->st, 1, 3);
	EXPECT_EQ(BOX_E_EXIST, box_store_document(self->st, 15, "k", dir, &m, &id));
	EXPECT_EQ(0, id);
	EXPECT_EQ(1, count_entries(dir));
	EXPECT_FALSE(exists("%s/%s", dir, ".meta"));
	EXPECT_TRUE(exists("%s/%s", path, "foreign.pdf"));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 15, &info));
	EXPECT_EQ(0, info.doc_count);
	/* The retry takes the next id; the foreign directory is never overwritten. */
	EXPECT_EQ(BOX_OK, box_store_document(self->st, 15, "k", dir, &m, &id));
	EXPECT_EQ(2, id);
	free(dir);
}

TEST_F(store, reset_returns_a_box_to_defaults)
{
	struct box_doc_meta m = meta_named("x");
	struct box_info info;
	uint32_t id;
	char *dir = stage(self->st, 1, 3);

	ASSERT_EQ(BOX_OK, box_rename(self->st, 16, "Old"));
	ASSERT_EQ(BOX_OK, box_set_pin(self->st, 16, "99"));
	ASSERT_EQ(BOX_OK, box_set_doc_limit(self->st, 16, 2));
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 16, "k", dir, &m, &id));
	free(dir);
	ASSERT_EQ(BOX_OK, box_reset(self->st, 16));
	ASSERT_EQ(BOX_OK, box_get_info(self->st, 16, &info));
	EXPECT_STREQ("", info.name);
	EXPECT_FALSE(info.has_pin);
	EXPECT_EQ(5, info.doc_limit);
	EXPECT_EQ(0, info.doc_count);
	dir = stage(self->st, 1, 3);
	ASSERT_EQ(BOX_OK, box_store_document(self->st, 16, "k", dir, &m, &id));
	EXPECT_EQ(2, id);
	free(dir);
	EXPECT_EQ(BOX_E_RANGE, box_reset(self->st, 100));
}

TEST(store_count_is_a_parameter)
{
	char root[] = "/tmp/box_test.XXXXXX";
	struct box_store_opts o = { .count = 1001 };
	struct box_store *st, *second;
	struct box_info info;

	ASSERT_NE(NULL, mkdtemp(root));
	EXPECT_EQ(BOX_E_INVAL, box_store_open(root, &o, &st));
	o.count = 10;
	ASSERT_EQ(BOX_OK, box_store_open(root, &o, &st));
	EXPECT_EQ(10, box_count(st));
	EXPECT_EQ(BOX_E_RANGE, box_get_info(st, 10, &info));
	EXPECT_EQ(BOX_OK, box_get_info(st, 9, &info));
	EXPECT_EQ(BOX_DEFAULT_DOC_LIMIT, info.doc_limit);
	/* One process at a time: the lock keeps a second daemon out. */
	EXPECT_EQ(BOX_E_BUSY, box_store_open(root, &o, &second));
	box_store_close(st);
	ASSERT_EQ(BOX_OK, box_store_open(root, NULL, &st));
	EXPECT_EQ(BOX_DEFAULT_COUNT, box_count(st));
	box_store_close(st);
	rm_tree(root);
}

TEST(strerror_names_every_status)
{
	static const int codes[] = { BOX_E_INVAL,   BOX_E_RANGE,     BOX_E_NOENT,    BOX_E_PIN,
				     BOX_E_EXIST,   BOX_E_BUSY,	     BOX_E_NOMEM,    BOX_E_IO,
				     BOX_E_CORRUPT, BOX_E_AREA_FULL, BOX_E_DOC_LIMIT };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		EXPECT_STRNE("unknown box store error", box_strerror(codes[i]));
	EXPECT_STREQ("unknown box store error", box_strerror(-3));
}

TEST_HARNESS_MAIN
