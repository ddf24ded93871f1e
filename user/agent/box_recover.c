/*
 * Opening the store rebuilds its index from the disk and finishes what a
 * crash interrupted. Every step of the store leaves one of these states,
 * and each has one answer here:
 *
 *  - .staging/<anything>: a document that never reached a box: removed
 *    (the job engine stores it again from its journal);
 *  - .NAME.PID.tmp: a metadata file that was never renamed: removed;
 *  - user/NNN/.trash-ID: a document being deleted: removed;
 *  - a document directory without a readable .meta: its files were
 *    complete when it was renamed into the box (the .meta is written
 *    first), so the metadata is rebuilt from the files and marked
 *    "repaired" rather than losing the user's pages; its doc_key is lost.
 *    A document directory holding no file at all is removed; one holding
 *    something the store never writes (a subdirectory, a symlink) is left
 *    alone and not listed;
 *  - box.conf unreadable: the box keeps its documents, is marked damaged
 *    and refuses every PIN until its settings are written again (a lost
 *    PIN must not open the box).
 */
#include "box_priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Removes dot-temporaries in dir; the rest is left alone. */
static int remove_tmp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (box_is_tmp_name(de->d_name))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return 0;
}

static int clean_staging(struct box_store *st)
{
	char *dir, *p;
	DIR *d;
	struct dirent *de;
	int ret = BOX_OK;

	if (asprintf(&dir, "%s/" BOX_STAGING_DIR, st->root) < 0)
		return BOX_E_NOMEM;
	if (box_mkdir(dir) || !(d = opendir(dir))) {
		free(dir);
		return BOX_E_IO;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
			ret = BOX_E_NOMEM;
			break;
		}
		if (box_rm_tree(p))
			ret = BOX_E_IO;
		free(p);
	}
	closedir(d);
	free(dir);
	return ret;
}

static bool has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool any = false;

	if (!d)
		return true; /* unknown: keep it */
	while (!any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	closedir(d);
	return any;
}

/* "pdf,tif" from the files' extensions: a guess for a repaired document. */
static void guess_formats(const struct box_dir_scan *scan, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < scan->n; i++) {
		const char *dot = strrchr(scan->names[i], '.');
		char ext[16];
		size_t n = 0;

		if (!dot)
			continue;
		for (dot++; *dot && n < sizeof(ext) - 1; dot++) {
			char c = *dot >= 'A' && *dot <= 'Z' ? (char)(*dot - 'A' + 'a') : *dot;

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
				break;
			ext[n++] = c;
		}
		ext[n] = '\0';
		if (!n || *dot || strstr(out, ext))
			continue;
		if (strlen(out) + n + 2 > cap)
			break;
		if (*out)
			strcat(out, ",");
		strcat(out, ext);
	}
}

static int repair_meta(const char *doc_dir, uint32_t id, const struct box_dir_scan *scan,
		       struct box_doc_meta *m)
{
	struct stat sb;

	memset(m, 0, sizeof(*m));
	m->id = id;
	m->size = scan->bytes;
	m->files = (uint32_t)scan->n;
	m->repaired = true;
	m->created = stat(doc_dir, &sb) ? 0 : (int64_t)sb.st_mtime;
	guess_formats(scan, m->formats, sizeof(m->formats));
	return box_meta_write(doc_dir, m) ? BOX_E_IO : BOX_OK;
}

static int load_doc(struct box_store *st, struct box_slot *s, const char *doc_dir, uint32_t id)
{
	struct box_dir_scan scan;
	struct box_doc_meta m;
	int ret, r;

	remove_tmp_files(doc_dir);
	ret = box_dir_scan(doc_dir, false, &scan);
	if (ret == BOX_E_INVAL) {
		/* Nothing the store wrote looks like this; only an empty one is dropped. */
		if (!has_entries(doc_dir))
			return box_rm_tree(doc_dir) ? BOX_E_IO : BOX_OK;
		return BOX_OK;
	}
	if (ret)
		return ret;
	r = box_meta_read(doc_dir, &m);
	if (r == -1 && errno != ENOENT) {
		ret = BOX_E_IO;
	} else if (r || m.id != id) {
		ret = repair_meta(doc_dir, id, &scan, &m);
	}
	/* The files are the truth for the size, whatever .meta says. */
	if (!ret)
		ret = box_index_add(st, s, id, scan.bytes, m.key);
	box_dir_scan_free(&scan);
	return ret;
}

static int load_box(struct box_store *st, unsigned int box_no)
{
	struct box_slot *s = &st->boxes[box_no];
	char *dir = box_path_box(st, box_no), *p;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int ret = BOX_OK, r;
	uint32_t id;

	if (!dir)
		return BOX_E_NOMEM;
	box_slot_defaults(st, s);
	if (lstat(dir, &sb)) {
		free(dir);
		return errno == ENOENT ? BOX_OK : BOX_E_IO;
	}
	s->on_disk = true;
	r = box_conf_read(st, box_no);
	if (r == -2)
		s->damaged = true;
	else if (r && errno != ENOENT)
		ret = BOX_E_IO;
	d = ret ? NULL : opendir(dir);
	if (!d) {
		free(dir);
		return BOX_E_IO;
	}
	while (!ret && (de = readdir(d))) {
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
			ret = BOX_E_NOMEM;
			break;
		}
		if (!strncmp(de->d_name, BOX_TRASH_PREFIX, strlen(BOX_TRASH_PREFIX))) {
			if (box_rm_tree(p))
				ret = BOX_E_IO;
		} else if (box_is_tmp_name(de->d_name)) {
			unlink(p);
		} else if (box_is_doc_dir_name(de->d_name, &id) && !lstat(p, &sb) &&
			   S_ISDIR(sb.st_mode)) {
			ret = load_doc(st, s, p, id);
			if (!ret && id >= s->next_id)
				s->next_id = id + 1;
		}
		free(p);
	}
	closedir(d);
	if (!ret && box_fsync_dir(dir))
		ret = BOX_E_IO;
	free(dir);
	return ret;
}

int box_recover(struct box_store *st)
{
	int ret = clean_staging(st);

	if (!ret && remove_tmp_files(st->root))
		ret = BOX_E_IO;
	for (unsigned int b = 0; !ret && b < st->count; b++)
		ret = load_box(st, b);
	return ret;
}
