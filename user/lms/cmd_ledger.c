/* irsend-lms ledger: the devices and the keys issued to them. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "ledger.h"
#include "lms.h"
#include "master.h"

static void ledger_help(void)
{
	printf("Usage: %s ledger [--serial SERIAL] [--json] [--dir DIR]\n"
	       "\n"
	       "List the provisioned devices and every key issued to them: option,\n"
	       "sequence number, state (issued, or invalidated when the device gave it\n"
	       "up), the key, when it was issued, the access number it came from, and\n"
	       "where a transferred option went to or came from. Times are UTC. Device\n"
	       "keys and the master secret are never shown.\n"
	       "\n"
	       "  IRS-000123  provisioned 2025-06-01T09:00:00Z\n"
	       "    SEND  #1   invalidated  0100-0001-...  2025-06-01T09:05:00Z\n"
	       "              access number 1234-5678-9012-3456, transferred to IRS-000200 #1\n"
	       "\n"
	       "With --json: {\"devices\":[{\"serial\",\"provisioned\",[\"reprovisioned\",]\n"
	       "\"keys\":[{\"option\",\"option_number\",\"sequence\",\"state\",\"key\",\"issued\","
	       "\n"
	       "and when they apply \"access_number\",\"certificate\",\"invalidated\",\n"
	       "\"transferred_from\" and \"transferred_to\" ({\"serial\",\"sequence\"})}]}]}.\n"
	       "\n"
	       "Options:\n"
	       "  --serial SERIAL  that device alone (exit 1 if the ledger has no such\n"
	       "                   device)\n"
	       "  --json           JSON on standard output\n" HELP_DIR_OPTION "\n" HELP_EXIT_STATUS
	       "\n"
	       "Example:\n"
	       "  %s ledger --serial IRS-000123\n",
	       LMS_PROG, LMS_PROG);
}

static const struct option ledger_options[] = {
	{ "serial", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct listing {
	struct ledger *l;
	bool json;
	struct json_writer w;
};

static const char *utc(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "@%lld", (long long)t);
	return buf;
}

static void json_end_point(struct json_writer *w, const char *name, const char *serial,
			   uint32_t sequence)
{
	json_object_open(w, name);
	json_string(w, "serial", serial);
	json_uint(w, "sequence", sequence);
	json_object_close(w);
}

static void key_json(struct json_writer *w, const struct key_row *k)
{
	char t[32];

	json_object_open(w, NULL);
	json_string(w, "option", license_option_name(k->option));
	json_uint(w, "option_number", k->option);
	json_uint(w, "sequence", k->sequence);
	json_string(w, "state", key_state_name(k->state));
	json_string(w, "key", k->key);
	json_string(w, "issued", utc(k->issued, t));
	if (k->access_number[0])
		json_string(w, "access_number", k->access_number);
	if (k->certificate[0])
		json_string(w, "certificate", k->certificate);
	if (k->invalidated)
		json_string(w, "invalidated", utc(k->invalidated, t));
	if (k->from_serial[0])
		json_end_point(w, "transferred_from", k->from_serial, k->from_sequence);
	if (k->to_serial[0])
		json_end_point(w, "transferred_to", k->to_serial, k->to_sequence);
	json_object_close(w);
}

static void key_text(const struct key_row *k)
{
	char t[32], grouped[GROUPED_SIZE(LICENSE_DIGITS)], seq[16];
	const char *sep = "";

	group_digits(k->key, grouped, sizeof(grouped));
	snprintf(seq, sizeof(seq), "#%u", k->sequence);
	printf("    %-5s %-4s %-11s  %s  %s\n", license_option_name(k->option), seq,
	       key_state_name(k->state), grouped, utc(k->issued, t));
	if (!k->access_number[0] && !k->from_serial[0] && !k->to_serial[0])
		return;
	printf("              ");
	if (k->access_number[0]) {
		group_digits(k->access_number, grouped, sizeof(grouped));
		printf("access number %s", grouped);
		sep = ", ";
	}
	if (k->from_serial[0]) {
		printf("%stransferred from %s #%u", sep, k->from_serial, k->from_sequence);
		sep = ", ";
	}
	if (k->to_serial[0])
		printf("%stransferred to %s #%u", sep, k->to_serial, k->to_sequence);
	printf("\n");
}

static int list_key(const struct key_row *k, void *ctx)
{
	struct listing *ls = ctx;

	if (ls->json)
		key_json(&ls->w, k);
	else
		key_text(k);
	return 0;
}

static int list_device(const struct device_row *d, void *ctx)
{
	struct listing *ls = ctx;
	char t[32];
	int ret;

	if (!ls->json) {
		printf("%s  provisioned %s", d->serial, utc(d->provisioned, t));
		if (d->reprovisioned)
			printf(", again %s", utc(d->reprovisioned, t));
		printf("\n");
		return ledger_each_key(ls->l, d->serial, list_key, ls);
	}
	json_object_open(&ls->w, NULL);
	json_string(&ls->w, "serial", d->serial);
	json_string(&ls->w, "provisioned", utc(d->provisioned, t));
	if (d->reprovisioned)
		json_string(&ls->w, "reprovisioned", utc(d->reprovisioned, t));
	json_array_open(&ls->w, "keys");
	ret = ledger_each_key(ls->l, d->serial, list_key, ls);
	json_array_close(&ls->w);
	json_object_close(&ls->w);
	return ret;
}

int cmd_ledger(const struct lms_options *opt, int argc, char **argv)
{
	struct ledger l = { 0 };
	struct listing ls = { .l = &l };
	struct device_row d;
	const char *serial = NULL;
	int c, found = 1, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", ledger_options, NULL)) != -1) {
		if (c == 'h') {
			ledger_help();
			return LMS_EXIT_OK;
		}
		if (c == 's')
			serial = optarg;
		else if (c == 'j')
			ls.json = true;
		else
			return option_error(argv, c);
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (serial && !serial_valid(serial))
		return serial_error(serial);
	if (master_check(opt->dir) || ledger_open(&l, opt->dir, LEDGER_EXISTING))
		return LMS_EXIT_FAILURE;
	/* One read transaction: a consistent listing while others issue keys. */
	ret = ledger_begin_read(&l);
	if (ret == 0 && serial)
		found = ledger_device_find(&l, serial, &d);
	if (ret == 0 && found == 1) {
		if (ls.json) {
			json_begin(&ls.w, stdout);
			json_object_open(&ls.w, NULL);
			json_array_open(&ls.w, "devices");
		}
		ret = ledger_each_device(&l, serial, list_device, &ls);
		if (ls.json) {
			json_array_close(&ls.w);
			json_object_close(&ls.w);
			json_end(&ls.w);
		}
	}
	ledger_close(&l);
	if (ret || found < 0)
		return LMS_EXIT_FAILURE;
	if (!found)
		return fail("%s is not in the ledger", serial);
	return finish_output();
}
