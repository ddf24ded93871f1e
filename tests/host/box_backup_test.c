// SPDX-License-Identifier: GPL-2.0
/*
 * Mail Box backup and restore (user/agent/box_backup*.c) against a local
 * directory as the server: a round trip gives the same documents byte
 * for byte and the same settings (PIN hashes too); a manifest of another
 * version and a corrupted file are refused with nothing erased; an
 * existing BOX or BOX.tmp stops a backup; a crash at every step of a
 * restore ends, after the next start, exactly as an uninterrupted one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "box_backup.h"

#include "kselftest_harness.h"

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A document of nfiles files whose bytes depend on seed. */
static int add_doc(struct box_store *st, unsigned int box, const char *key, int seed, int nfiles)
{
	struct box_doc_meta m = { .pages = (uint32_t)seed, .job_id = 1000u + (unsigned)seed };
	char *dir, path[1200];
	uint32_t id;
	int r;

	snprintf(m.name, sizeof(m.name), "doc %d é", seed);
	snprintf(m.formats, sizeof(m.formats), "pdf");
	if (box_staging_new(st, &dir))
		return -1;
	for (int f = 0; f < nfiles; f++) {
		FILE *fp;

		snprintf(path, sizeof(path), "%s/file %d:%d.bin", dir, seed, f);
		fp = fopen(path, "w");
		if (!fp)
			return -1;
		for (int i = 0; i < 5000 * (f + 1); i++)
			fputc((i * 7 + seed * 13 + f) & 0xff, fp);
		fclose(fp);
	}
	r = box_store_document(st, box, key, dir, &m, &id);
	free(dir);
	return r;
}

/* Everything a restore must bring back, as text: settings and every byte of every file. */
static char *dump(struct box_store *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	for (unsigned int b = 0; b < box_count(st); b++) {
		struct box_settings s;
		struct box_doc_meta *docs;
		size_t n;

		box_export_settings(st, b, &s);
		box_list_documents(st, b, &docs, &n);
		fprintf(out, "box %u [%s] [%s] %u docs %zu\n", b, s.name, s.pin_hash, s.doc_limit,
			n);
		for (size_t d = 0; d < n; d++) {
			struct box_file *files;
			size_t nf;

			fprintf(out, " doc %u [%s] %u [%s] %lld %llu [%s]\n", docs[d].id,
				docs[d].name, docs[d].pages, docs[d].formats,
				(long long)docs[d].created, (unsigned long long)docs[d].job_id,
				docs[d].key);
			box_open_document(st, b, docs[d].id, &files, &nf);
			for (size_t f = 0; f < nf; f++) {
				char c;

				fprintf(out, "  file [%s] %llu:", files[f].name,
					(unsigned long long)files[f].size);
				while (read(files[f].fd, &c, 1) == 1)
					fputc(c, out);
				fputc('\n', out);
			}
			box_files_close(files, nf);
		}
		free(docs);
	}
	fclose(out);
	return buf;
}

FIXTURE(bk)
{
	char root[256], boxes[300], rxdir[300], server[300], restore[300];
	struct box_store *user, *rx;
	struct bk_io *io;
	char *before; /* dump at backup time */
};

static void open_stores(struct _test_data_bk *self)
{
	struct box_store_opts o = { .count = 8 }, r = { .count = 1 };

	if (box_store_open(self->boxes, &o, &self->user) ||
	    box_store_open(self->rxdir, &r, &self->rx))
		abort();
}

static void close_stores(struct _test_data_bk *self)
{
	box_store_close(self->user);
	box_store_close(self->rx);
	self->user = self->rx = NULL;
}

static struct bk_io *open_io(void *arg, char *why, size_t whylen)
{
	return bk_dir_io_new(arg);
}

static void close_io(void *arg, struct bk_io *io)
{
	free(io);
}

static int do_backup(struct _test_data_bk *self, char *why)
{
	struct bk_manifest m;
	struct bk_run_opts o = { 0 };
	char snap[400];
	int r;

	snprintf(snap, sizeof(snap), "%s/snap", self->root);
	rm_tree(snap);
	r = bk_snapshot(self->user, snap, "SER123", &m, why, 512);
	if (!r)
		r = bk_backup(self->io, &m, snap, &o, why, 512);
	bk_manifest_free(&m);
	rm_tree(snap);
	return r;
}

static enum bk_restore_state do_restore(struct _test_data_bk *self, unsigned int fail_at,
					struct bk_report *rep)
{
	struct bk_restore_opts o = {
		.open_io = open_io, .close_io = close_io, .io_arg = self->server, .fail_at = fail_at
	};

	return bk_restore_run(self->restore, self->user, self->rx, &o, rep);
}

FIXTURE_SETUP(bk)
{
	char why[512];

	snprintf(self->root, sizeof(self->root), "/tmp/box_backup_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(self->boxes, sizeof(self->boxes), "%s/boxes", self->root);
	snprintf(self->rxdir, sizeof(self->rxdir), "%s/rx", self->root);
	snprintf(self->server, sizeof(self->server), "%s/server", self->root);
	snprintf(self->restore, sizeof(self->restore), "%s/restore", self->root);
	ASSERT_EQ(0, mkdir(self->server, 0755));
	open_stores(self);
	ASSERT_EQ(0, box_rename(self->user, 0, "Sales"));
	ASSERT_EQ(0, box_set_pin(self->user, 0, "1234"));
	ASSERT_EQ(0, box_set_doc_limit(self->user, 3, 50));
	ASSERT_EQ(0, box_rename(self->user, 3, "Legal, 3rd floor"));
	ASSERT_EQ(0, add_doc(self->user, 0, "k1", 1, 2));
	ASSERT_EQ(0, add_doc(self->user, 0, "k2", 2, 1));
	ASSERT_EQ(0, add_doc(self->user, 3, "k3", 3, 3));
	ASSERT_EQ(0, add_doc(self->rx, 0, "rx1", 4, 1));
	self->io = bk_dir_io_new(self->server);
	ASSERT_NE(NULL, self->io);
	ASSERT_EQ(BK_OK, do_backup(self, why)) TH_LOG("%s", why);
	self->before = dump(self->user);
	/* After the backup: what a restore must undo. */
	ASSERT_EQ(0, add_doc(self->user, 1, "after", 5, 1));
	ASSERT_EQ(0, box_delete_document(self->user, 0, 1));
	ASSERT_EQ(0, box_set_pin(self->user, 0, "999"));
	ASSERT_EQ(0, box_rename(self->user, 3, "renamed"));
}

FIXTURE_TEARDOWN(bk)
{
	if (self->user)
		close_stores(self);
	free(self->io);
	free(self->before);
	rm_tree(self->root);
}

static bool server_has(struct _test_data_bk *self, const char *name)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", self->server, name);
	return access(p, F_OK) == 0;
}

/* The first file of the backup, for damaging it. */
static void first_file(struct _test_data_bk *self, char *out, size_t size)
{
	snprintf(out, size, "%s/BOX/000-000000001-0", self->server);
}

TEST_F(bk, backup_writes_box_and_manifest)
{
	char path[600], *text = NULL;
	struct bk_manifest m;
	char why[256];
	size_t len = 0;
	FILE *f;

	ASSERT_TRUE(server_has(self, "BOX/" BOX_BACKUP_MANIFEST));
	ASSERT_FALSE(server_has(self, "BOX.tmp"));
	snprintf(path, sizeof(path), "%s/BOX/manifest.json", self->server);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_LT(0, getdelim(&text, &len, '\0', f));
	fclose(f);
	ASSERT_EQ(BK_OK, bk_manifest_parse(text, &m, why, sizeof(why)));
	EXPECT_EQ(BOX_BACKUP_VERSION, m.version);
	EXPECT_STREQ("SER123", m.serial);
	EXPECT_EQ(8, m.nboxes);
	EXPECT_EQ(2, m.boxes[0].ndocs);
	EXPECT_EQ(3, m.boxes[3].docs[0].nfiles);
	EXPECT_EQ(6, m.total_files);
	EXPECT_STREQ("Sales", m.boxes[0].settings.name);
	EXPECT_NE(0, m.boxes[0].settings.pin_hash[0]);
	EXPECT_EQ(NULL, strstr(text, "1234"));
	bk_manifest_free(&m);
	free(text);
}

TEST_F(bk, second_backup_refused_box_then_box_tmp)
{
	char why[512], a[600], b[600];

	EXPECT_EQ(BK_E_EXISTS, do_backup(self, why));
	EXPECT_NE(NULL, strstr(why, "BOX exists"));
	snprintf(a, sizeof(a), "%s/BOX", self->server);
	snprintf(b, sizeof(b), "%s/BOX.old", self->server);
	ASSERT_EQ(0, rename(a, b));
	snprintf(a, sizeof(a), "%s/BOX.tmp", self->server);
	ASSERT_EQ(0, mkdir(a, 0755));
	EXPECT_EQ(BK_E_EXISTS, do_backup(self, why));
	EXPECT_NE(NULL, strstr(why, "BOX.tmp exists"));
	EXPECT_FALSE(server_has(self, "BOX"));
	ASSERT_EQ(0, rmdir(a));
	EXPECT_EQ(BK_OK, do_backup(self, why));
	EXPECT_TRUE(server_has(self, "BOX/manifest.json"));
}

TEST_F(bk, round_trip)
{
	struct bk_report rep;
	struct box_info info;
	char *after;

	ASSERT_EQ(0, bk_restore_schedule(self->restore));
	EXPECT_EQ(BK_RS_SCHEDULED, bk_restore_state_read(self->restore));
	ASSERT_EQ(BK_RS_DONE, do_restore(self, 0, &rep)) TH_LOG("%s", rep.message);
	EXPECT_EQ(8, rep.boxes);
	EXPECT_EQ(3, rep.documents);
	after = dump(self->user);
	EXPECT_STREQ(self->before, after);
	free(after);
	EXPECT_EQ(BOX_OK, box_check_pin(self->user, 0, "1234"));
	ASSERT_EQ(0, box_get_info(self->rx, 0, &info));
	EXPECT_EQ(0, info.doc_count);
	/* Done: the next start does nothing, the report stays. */
	EXPECT_EQ(BK_RS_NONE, do_restore(self, 0, &rep));
	ASSERT_EQ(0, bk_restore_report_read(self->restore, &rep));
	EXPECT_EQ(BK_RS_DONE, rep.state);
	EXPECT_EQ(3, rep.documents);
}

static void expect_untouched(struct __test_metadata *_metadata, struct _test_data_bk *self,
			     struct bk_report *rep, int status)
{
	struct box_info info;
	char *now = dump(self->user);

	EXPECT_EQ(status, rep->status);
	EXPECT_NE(NULL, strstr(rep->message, "nothing was erased"));
	EXPECT_STRNE(self->before, now);
	EXPECT_EQ(BOX_OK, box_check_pin(self->user, 0, "999"));
	ASSERT_EQ(0, box_get_info(self->user, 1, &info));
	EXPECT_EQ(1, info.doc_count);
	ASSERT_EQ(0, box_get_info(self->rx, 0, &info));
	EXPECT_EQ(1, info.doc_count);
	free(now);
}

TEST_F(bk, other_version_refused_nothing_erased)
{
	char path[600], *text = NULL, *p;
	struct bk_report rep;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/BOX/manifest.json", self->server);
	f = fopen(path, "r+");
	ASSERT_NE(NULL, f);
	ASSERT_LT(0, getdelim(&text, &len, '\0', f));
	p = strstr(text, "\"format\":1");
	ASSERT_NE(NULL, p);
	p[9] = '2';
	rewind(f);
	fputs(text, f);
	fclose(f);
	free(text);
	ASSERT_EQ(0, bk_restore_schedule(self->restore));
	ASSERT_EQ(BK_RS_FAILED, do_restore(self, 0, &rep));
	EXPECT_NE(NULL, strstr(rep.message, "format version 2"));
	expect_untouched(_metadata, self, &rep, BK_E_VERSION);
}

TEST_F(bk, corrupted_file_refused_nothing_erased)
{
	char path[600];
	struct bk_report rep;
	int fd;

	first_file(self, path, sizeof(path));
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "X", 1, 100));
	close(fd);
	ASSERT_EQ(0, bk_restore_schedule(self->restore));
	ASSERT_EQ(BK_RS_FAILED, do_restore(self, 0, &rep));
	EXPECT_NE(NULL, strstr(rep.message, "SHA-256"));
	expect_untouched(_metadata, self, &rep, BK_E_CORRUPT);
	EXPECT_EQ(BK_RS_FAILED, bk_restore_state_read(self->restore));
}

TEST_F(bk, cancel_unschedules)
{
	struct bk_report rep;
	char *now;

	ASSERT_EQ(0, bk_restore_schedule(self->restore));
	ASSERT_EQ(0, bk_restore_cancel(self->restore));
	EXPECT_EQ(BK_RS_NONE, do_restore(self, 0, &rep));
	EXPECT_EQ(-1, bk_restore_cancel(self->restore));
	now = dump(self->user);
	EXPECT_STRNE(self->before, now);
	free(now);
}

/* A crash before step n (a child _exit()s), then a normal start: always the same result. */
TEST_F(bk, crash_at_every_step_resumes)
{
	struct bk_report rep;
	unsigned int n;
	int crashes = 0;

	ASSERT_EQ(0, bk_restore_schedule(self->restore));
	close_stores(self);
	for (n = 1; n < 200; n++) {
		pid_t pid = fork();
		int ws;

		ASSERT_LE(0, pid);
		if (pid == 0) {
			open_stores(self);
			_exit(do_restore(self, n, &rep) == BK_RS_DONE ? 0 : 1);
		}
		ASSERT_EQ(pid, waitpid(pid, &ws, 0));
		ASSERT_TRUE(WIFEXITED(ws));
		if (WEXITSTATUS(ws) == 0)
			break; /* no step n: it ran to its end */
		ASSERT_EQ(99, WEXITSTATUS(ws));
		crashes++;
		/* The next start, with the state the crash left. */
		open_stores(self);
		{
			enum bk_restore_state st = do_restore(self, 0, &rep);
			char *now = dump(self->user);
			struct box_info info;

			/* After the last step the state is "done" already: nothing to redo. */
			EXPECT_TRUE(st == BK_RS_DONE || st == BK_RS_NONE) TH_LOG("step %u", n);
			EXPECT_STREQ(self->before, now) TH_LOG("step %u", n);
			ASSERT_EQ(0, box_get_info(self->rx, 0, &info));
			EXPECT_EQ(0, info.doc_count);
			free(now);
		}
		EXPECT_EQ(BK_RS_DONE, bk_restore_state_read(self->restore));
		/* Back to the scheduled state on the store as it was after the backup. */
		ASSERT_EQ(0, bk_restore_schedule(self->restore));
		ASSERT_EQ(0, add_doc(self->user, 1, "after", 5, 1));
		ASSERT_EQ(0, add_doc(self->rx, 0, "rx-again", 6, 1));
		close_stores(self);
	}
	open_stores(self);
	EXPECT_LT(10, crashes);
	TH_LOG("%d crash points", crashes);
}

TEST_HARNESS_MAIN
