#include "nvram_show.h"

#include "counters.h"
#include "license_record.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/irsend.h>

/* Opaque records are shown up to this many bytes. */
#define HEX_SHOW_MAX 256

unsigned int nvram_history_entries(const uint8_t *data, uint32_t len)
{
	unsigned int n = 0;
	bool in_entry = false;

	for (uint32_t i = 0; i < len; i++) {
		bool blank = data[i] == '\n' && (i == 0 || data[i - 1] == '\n');

		if (!in_entry && data[i] != '\n') {
			in_entry = true;
			n++;
		} else if (blank) {
			in_entry = false;
		}
	}
	return n;
}

static void hex_dump(FILE *out, const uint8_t *d, uint32_t len)
{
	uint32_t show = len < HEX_SHOW_MAX ? len : HEX_SHOW_MAX;

	fprintf(out, "hex:\n");
	for (uint32_t off = 0; off < show; off += 16) {
		fprintf(out, "    %04x ", off);
		for (uint32_t i = off; i < off + 16 && i < show; i++)
			fprintf(out, " %02x", d[i]);
		fputc('\n', out);
	}
	if (show < len)
		fprintf(out, "    ... %u more bytes\n", len - show);
}

static void hex_string(char *buf, const uint8_t *d, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", d[i]);
	buf[2 * len] = '\0';
}

static uint64_t counter(const uint8_t *d, uint32_t i)
{
	uint64_t v;

	memcpy(&v, d + 8 * i, sizeof(v));
	return v;
}

/* The SoftID bits and the license ledger in words; a damaged record as hex. */
static bool show_license_text(FILE *out, const struct nvram_record *r)
{
	struct license_softid sid;
	struct license_ledger *led;
	char err[160];
	const char *sep = "";

	if (r->type == IRSEND_NVRAM_SOFTID) {
		if (license_softid_decode(r->data, r->length, &sid, err, sizeof(err)) < 0)
			return false;
		for (unsigned int o = 1; o <= LICENSE_SOFTID_SLOTS; o++) {
			const char *name = license_option_name(o);

			if (sid.opt[o].state == LICENSE_OFF)
				continue;
			if (name)
				fprintf(out, "%s%s=%s/%06u", sep, name,
					license_state_name(sid.opt[o].state), sid.opt[o].sequence);
			else
				fprintf(out, "%s[%u]=%s/%06u", sep, o,
					license_state_name(sid.opt[o].state), sid.opt[o].sequence);
			sep = " ";
		}
		fprintf(out, "%s\n", *sep ? "" : "no option");
		return true;
	}
	led = malloc(sizeof(*led));
	if (!led || license_ledger_decode(r->data, r->length, led, err, sizeof(err)) < 0) {
		free(led);
		return false;
	}
	fprintf(out,
		"%zu invalidations, %u wrong keys, locked until %llu (see 'irsendctl license "
		"list')\n",
		led->count, led->failed, (unsigned long long)led->locked_until);
	free(led);
	return true;
}

void nvram_show_text(FILE *out, const struct nvram_record *r)
{
	if (!r->present) {
		fprintf(out, "(empty)\n");
		return;
	}
	switch (r->type) {
	case IRSEND_NVRAM_DEVICE_KEY:
		fprintf(out, "set (%u bytes)\n", r->length);
		return;
	case IRSEND_NVRAM_SERIAL:
		fprintf(out, "%.*s\n", (int)r->length, (const char *)r->data);
		return;
	case IRSEND_NVRAM_COUNTERS:
		for (uint32_t i = 0; i < r->length / 8; i++) {
			const char *name = counter_name(i);

			if (name)
				fprintf(out, "%s%s=%llu", i ? " " : "", name,
					(unsigned long long)counter(r->data, i));
			else
				fprintf(out, "%s[%u]=%llu", i ? " " : "", i,
					(unsigned long long)counter(r->data, i));
		}
		fprintf(out, "%s\n", r->length < 8 ? "no counters" : "");
		return;
	case IRSEND_NVRAM_ERASE_STATE:
		fprintf(out, "the erase engine's checkpoint (see 'irsendctl erase status')\n");
		return;
	case IRSEND_NVRAM_ERASE_HISTORY:
		fprintf(out, "%u erase certificates (see 'irsendctl erase report --history')\n",
			nvram_history_entries(r->data, r->length));
		return;
	case IRSEND_NVRAM_SOFTID:
	case IRSEND_NVRAM_LICENSE:
		if (show_license_text(out, r))
			return;
		fprintf(out, "damaged: ");
		hex_dump(out, r->data, r->length);
		return;
	default:
		hex_dump(out, r->data, r->length);
	}
}

void nvram_show_json(struct json_writer *w, const struct nvram_record *r)
{
	char buf[2 * HEX_SHOW_MAX + 1], text[32];

	json_uint(w, "present", r->present);
	if (!r->present)
		return;
	json_uint(w, "length", r->length);
	json_uint(w, "generation", r->generation);
	switch (r->type) {
	case IRSEND_NVRAM_DEVICE_KEY:
		json_string(w, "value", "set");
		return;
	case IRSEND_NVRAM_SERIAL:
		snprintf(text, sizeof(text), "%.*s", (int)r->length, (const char *)r->data);
		json_string(w, "value", text);
		return;
	case IRSEND_NVRAM_COUNTERS:
		json_array_open(w, "counters");
		for (uint32_t i = 0; i < r->length / 8; i++)
			json_uint(w, NULL, counter(r->data, i));
		json_array_close(w);
		return;
	case IRSEND_NVRAM_ERASE_STATE:
		return;
	case IRSEND_NVRAM_ERASE_HISTORY:
		json_uint(w, "entries", nvram_history_entries(r->data, r->length));
		return;
	default:
		hex_string(buf, r->data, r->length < HEX_SHOW_MAX ? r->length : HEX_SHOW_MAX);
		json_string(w, "hex", buf);
		json_uint(w, "hex_truncated", r->length > HEX_SHOW_MAX);
	}
}
