#include "license_record.h"

#include <stdio.h>
#include <string.h>

#define SOFTID_MAGIC "SID1"
#define LEDGER_MAGIC "LED1"
#define LEDGER_HEAD 18
#define LEDGER_ENTRY 28

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

const char *license_state_name(unsigned int state)
{
	static const char *const names[] = { "off", "pending", "active" };

	return state < 3 ? names[state] : "unknown";
}

size_t license_softid_encode(const struct license_softid *s, uint8_t *buf)
{
	unsigned int count = LICENSE_OPTION_COUNT;

	for (unsigned int i = LICENSE_OPTION_COUNT + 1; i <= LICENSE_SOFTID_SLOTS; i++)
		if (s->opt[i].state != LICENSE_OFF)
			count = i;
	memcpy(buf, SOFTID_MAGIC, 4);
	buf[4] = (uint8_t)count;
	for (unsigned int i = 1; i <= count; i++) {
		buf[1 + 4 * i] = s->opt[i].state;
		put_be(buf + 2 + 4 * i, s->opt[i].sequence, 3);
	}
	return 5 + 4 * (size_t)count;
}

int license_softid_decode(const uint8_t *buf, size_t len, struct license_softid *s, char *err,
			  size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (len == 0)
		return 0;
	if (len < 5 || memcmp(buf, SOFTID_MAGIC, 4) != 0) {
		snprintf(err, errlen, "SoftID record: not a version 1 record");
		return -1;
	}
	if (buf[4] > LICENSE_SOFTID_SLOTS || len != 5 + 4 * (size_t)buf[4]) {
		snprintf(err, errlen, "SoftID record: %zu bytes for %u options", len, buf[4]);
		return -1;
	}
	for (unsigned int i = 1; i <= buf[4]; i++) {
		uint8_t state = buf[1 + 4 * i];
		uint32_t seq = (uint32_t)get_be(buf + 2 + 4 * i, 3);

		if (state > LICENSE_ACTIVE || seq > LICENSE_SEQUENCE_MAX ||
		    (state == LICENSE_OFF && seq != 0)) {
			snprintf(err, errlen, "SoftID record: option %u: state %u sequence %u", i,
				 state, seq);
			return -1;
		}
		s->opt[i].state = state;
		s->opt[i].sequence = seq;
	}
	return 0;
}

size_t license_ledger_encode(const struct license_ledger *l, uint8_t *buf)
{
	memcpy(buf, LEDGER_MAGIC, 4);
	put_be(buf + 4, l->failed, 4);
	put_be(buf + 8, l->locked_until, 8);
	put_be(buf + 16, l->count, 2);
	for (size_t i = 0; i < l->count; i++) {
		uint8_t *e = buf + LEDGER_HEAD + LEDGER_ENTRY * i;

		e[0] = l->inv[i].option;
		put_be(e + 1, l->inv[i].sequence, 3);
		memcpy(e + 4, l->inv[i].certificate, LICENSE_DIGITS);
	}
	return LEDGER_HEAD + LEDGER_ENTRY * l->count;
}

int license_ledger_decode(const uint8_t *buf, size_t len, struct license_ledger *l, char *err,
			  size_t errlen)
{
	size_t count;

	memset(l, 0, sizeof(*l));
	if (len == 0)
		return 0;
	if (len < LEDGER_HEAD || memcmp(buf, LEDGER_MAGIC, 4) != 0) {
		snprintf(err, errlen, "license ledger: not a version 1 record");
		return -1;
	}
	count = (size_t)get_be(buf + 16, 2);
	if (count > LICENSE_LEDGER_MAX || len != LEDGER_HEAD + LEDGER_ENTRY * count) {
		snprintf(err, errlen, "license ledger: %zu bytes for %zu invalidations", len,
			 count);
		return -1;
	}
	l->failed = (uint32_t)get_be(buf + 4, 4);
	l->locked_until = get_be(buf + 8, 8);
	l->count = count;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = buf + LEDGER_HEAD + LEDGER_ENTRY * i;
		struct license_invalidation *v = &l->inv[i];

		v->option = e[0];
		v->sequence = (uint32_t)get_be(e + 1, 3);
		memcpy(v->certificate, e + 4, LICENSE_DIGITS);
		v->certificate[LICENSE_DIGITS] = '\0';
		if (v->option == 0 || v->option > LICENSE_SOFTID_SLOTS ||
		    v->sequence > LICENSE_SEQUENCE_MAX ||
		    strspn(v->certificate, "0123456789") != LICENSE_DIGITS) {
			snprintf(err, errlen, "license ledger: invalidation %zu is damaged", i + 1);
			return -1;
		}
	}
	return 0;
}

const struct license_invalidation *license_ledger_find(const struct license_ledger *l,
						       unsigned int option, uint32_t sequence)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->inv[i].option == option && l->inv[i].sequence == sequence)
			return &l->inv[i];
	return NULL;
}
