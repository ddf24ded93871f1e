#include "erase_cert.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "blockdev.h"
#include "disk.h"
#include "json.h"
#include "nvram.h"

#define NIST_NOTE                                                                                  \
	"these overwrite modes are NIST SP 800-88 \"Clear\"; \"Purge\" needs the drive's own "     \
	"sanitize command (not implemented)"

void erase_cert_collect(int fd, const struct irsend_erase_status *st, struct erase_cert *c)
{
	struct irsend_disk_info info;
	uint32_t len;

	memset(c, 0, sizeof(*c));
	c->st = *st;
	if (nvram_get(fd, IRSEND_NVRAM_SERIAL, c->serial, sizeof(c->serial) - 1, &len, NULL))
		len = 0;
	c->serial[len] = '\0';
	if (disk_info(fd, &info) == 0 && info.attached) {
		snprintf(c->data_path, sizeof(c->data_path), "%s", info.data_path);
		c->data_bytes = info.data_bytes;
		if (blockdev_model(c->data_path, c->model, sizeof(c->model)))
			c->model[0] = '\0';
	}
}

const char *erase_method_text(uint32_t mode)
{
	switch (mode) {
	case IRSEND_ERASE_ZERO1:
		return "Clear: overwrite, zeros, 1 pass";
	case IRSEND_ERASE_RANDOM1:
		return "Clear: overwrite, random data (ChaCha20), 1 pass";
	case IRSEND_ERASE_RANDOM3:
		return "Clear: overwrite, random data (ChaCha20), 3 passes, each its own key";
	default:
		return "unknown";
	}
}

void erase_time_text(char *buf, size_t len, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void verification_text(char *buf, size_t len, const struct irsend_erase_status *st)
{
	if (!(st->flags & IRSEND_ERASE_VERIFY))
		snprintf(buf, len, "not requested");
	else if (st->verify_result == IRSEND_VERIFY_PASSED)
		snprintf(buf, len, "passed");
	else if (st->verify_result == IRSEND_VERIFY_FAILED)
		snprintf(buf, len, "FAILED, first bad byte at offset %llu",
			 (unsigned long long)st->first_bad);
	else
		snprintf(buf, len, "not done");
}

static void status_text(char *buf, size_t len, const struct irsend_erase_status *st)
{
	switch (st->state) {
	case IRSEND_ERASE_STATE_DONE:
		snprintf(buf, len, "completed");
		break;
	case IRSEND_ERASE_STATE_FAILED:
		if (st->error)
			snprintf(buf, len, "FAILED: %s", strerror(-st->error));
		else
			snprintf(buf, len, "FAILED: verification");
		break;
	case IRSEND_ERASE_STATE_RUNNING:
		snprintf(buf, len, "running");
		break;
	default:
		snprintf(buf, len, "no erase");
	}
}

/* Average over the whole erase; 0 when it took under a second. */
static double throughput_mbps(const struct irsend_erase_status *st)
{
	if (!st->end_time || st->end_time <= st->start_time)
		return 0;
	return (double)st->bytes_written / 1e6 / (double)(st->end_time - st->start_time);
}

void erase_cert_text(FILE *out, const struct erase_cert *c, bool history)
{
	const struct irsend_erase_status *st = &c->st;
	char buf[128], size[32];
	double mbps = throughput_mbps(st);

	fprintf(out, "erase certificate\n");
	fprintf(out, "serial: %s\n", c->serial[0] ? c->serial : "not set");
	fprintf(out, "data device: %s\n", c->data_path[0] ? c->data_path : "unknown");
	format_bytes(size, sizeof(size), c->data_bytes ? c->data_bytes : st->bytes_total);
	fprintf(out, "data size: %llu bytes (%s)\n",
		(unsigned long long)(c->data_bytes ? c->data_bytes : st->bytes_total), size);
	fprintf(out, "model: %s\n", c->model[0] ? c->model : "unknown");
	fprintf(out, "method: %s\n", erase_method_text(st->mode));
	fprintf(out, "passes: %u\n", st->passes);
	verification_text(buf, sizeof(buf), st);
	fprintf(out, "verification: %s\n", buf);
	status_text(buf, sizeof(buf), st);
	fprintf(out, "result: %s\n", buf);
	erase_time_text(buf, sizeof(buf), st->start_time);
	fprintf(out, "started: %s\n", buf);
	erase_time_text(buf, sizeof(buf), st->end_time);
	fprintf(out, "ended: %s\n", buf);
	fprintf(out, "bytes written: %llu\n", (unsigned long long)st->bytes_written);
	if (mbps > 0)
		fprintf(out, "throughput: %.1f MB/s\n", mbps);
	else
		fprintf(out, "throughput: n/a (under 1 s or not ended)\n");
	fprintf(out, "resumed after power loss: %u times\n", st->resumed);
	if (!history)
		fprintf(out, "note: %s\n", NIST_NOTE);
}

void erase_cert_json(const struct erase_cert *c)
{
	const struct irsend_erase_status *st = &c->st;
	struct json_writer w;
	char buf[128];

	json_begin(&w, stdout);
	json_object_open(&w, NULL);
	json_string(&w, "serial", c->serial);
	json_string(&w, "data_device", c->data_path);
	json_uint(&w, "data_bytes", c->data_bytes ? c->data_bytes : st->bytes_total);
	json_string(&w, "model", c->model);
	json_string(&w, "method", erase_method_text(st->mode));
	json_string(&w, "nist_category", "clear");
	json_uint(&w, "passes", st->passes);
	json_string(&w, "verification",
		    !(st->flags & IRSEND_ERASE_VERIFY)		? "not-requested"
		    : st->verify_result == IRSEND_VERIFY_PASSED ? "passed"
		    : st->verify_result == IRSEND_VERIFY_FAILED ? "failed"
								: "not-done");
	if (st->verify_result == IRSEND_VERIFY_FAILED)
		json_uint(&w, "first_bad_offset", st->first_bad);
	status_text(buf, sizeof(buf), st);
	json_string(&w, "result", buf);
	erase_time_text(buf, sizeof(buf), st->start_time);
	json_string(&w, "started", buf);
	erase_time_text(buf, sizeof(buf), st->end_time);
	json_string(&w, "ended", buf);
	json_uint(&w, "bytes_written", st->bytes_written);
	json_uint(&w, "throughput_bps", (unsigned long long)(throughput_mbps(st) * 1e6));
	json_uint(&w, "resumed", st->resumed);
	json_string(&w, "note", NIST_NOTE);
	json_object_close(&w);
	json_end(&w);
}

/* Start of the entry after the one at p, or NULL when p is the last. */
static char *next_entry(char *p)
{
	char *sep = strstr(p, "\n\n");

	return sep ? sep + 2 : NULL;
}

int erase_history_append(int fd, const struct erase_cert *c)
{
	static char hist[IRSEND_NVRAM_DATA_MAX + 1], entry[IRSEND_NVRAM_DATA_MAX + 1];
	char started[40], ended[40], key[128];
	uint32_t len = 0;
	size_t elen;
	FILE *f;
	char *keep;

	if (nvram_get(fd, IRSEND_NVRAM_ERASE_HISTORY, hist, IRSEND_NVRAM_DATA_MAX, &len, NULL) &&
	    errno != ENOENT)
		return -1;
	hist[len] = '\0';
	erase_time_text(started, sizeof(started), c->st.start_time);
	erase_time_text(ended, sizeof(ended), c->st.end_time);
	/* The same erase, seen by a second watcher or a later 'erase report'. */
	snprintf(key, sizeof(key), "started: %s\nended: %s\n", started, ended);
	if (strstr(hist, key))
		return 0;
	f = fmemopen(entry, sizeof(entry), "w");
	if (!f)
		return -1;
	erase_cert_text(f, c, true);
	fclose(f);
	entry[sizeof(entry) - 1] = '\0';
	elen = strlen(entry);
	/* Newest last: drop whole entries from the front until the new one fits. */
	keep = hist;
	while (keep && strlen(keep) + 1 + elen > IRSEND_NVRAM_DATA_MAX)
		keep = next_entry(keep);
	if (!keep || !*keep) {
		keep = hist;
		*keep = '\0';
	}
	if (*keep) {
		memmove(hist, keep, strlen(keep) + 1);
		strcat(hist, "\n");
	}
	strcat(hist, entry);
	if (nvram_set(fd, IRSEND_NVRAM_ERASE_HISTORY, hist, (uint32_t)strlen(hist)))
		return -1;
	return 1;
}

/* One "key: value" line of an entry into the open JSON object. */
static void line_json(struct json_writer *w, char *line)
{
	char *colon = strstr(line, ": ");

	if (!colon)
		return;
	*colon = '\0';
	for (char *k = line; *k; k++)
		if (*k == ' ')
			*k = '_';
	json_string(w, line, colon + 2);
}

int erase_history_print(int fd, bool json)
{
	static char hist[IRSEND_NVRAM_DATA_MAX + 1];
	struct json_writer w;
	uint32_t len = 0;
	bool in_entry = false;
	char *save, *line;

	if (nvram_get(fd, IRSEND_NVRAM_ERASE_HISTORY, hist, IRSEND_NVRAM_DATA_MAX, &len, NULL)) {
		if (errno != ENOENT)
			return -1;
		len = 0;
	}
	hist[len] = '\0';
	if (!json) {
		if (len)
			fputs(hist, stdout);
		else
			printf("no erase certificates in NVRAM\n");
		return 0;
	}
	json_begin(&w, stdout);
	json_array_open(&w, NULL);
	/* Entries are separated by blank lines; strtok_r skips them, so split by hand. */
	for (char *p = hist; p && *p; p = save) {
		save = strchr(p, '\n');
		if (save)
			*save++ = '\0';
		line = p;
		if (!*line) {
			if (in_entry)
				json_object_close(&w);
			in_entry = false;
			continue;
		}
		if (!in_entry)
			json_object_open(&w, NULL);
		in_entry = true;
		line_json(&w, line);
	}
	if (in_entry)
		json_object_close(&w);
	json_array_close(&w);
	json_end(&w);
	return 0;
}
