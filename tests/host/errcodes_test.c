// SPDX-License-Identifier: GPL-2.0
/*
 * The error-code catalogue (user/common/errcodes.c): every code of the
 * service manual's tables is there with the areas it is listed in, every
 * text is present and distinct, and the lookup and parsing helpers work.
 */
#include <ctype.h>
#include <string.h>

#include "errcodes.h"

#include "kselftest_harness.h"

#define EM IRS_AREA_EMAIL
#define IT IRS_AREA_IFAX_TX
#define IR IRS_AREA_IFAX_RX
#define SM IRS_AREA_SMB
#define FT IRS_AREA_FTP
#define NC IRS_AREA_NCP
#define BX IRS_AREA_BOX

/* Transcribed independently from the tables of seed section 4.3. */
static const struct {
	unsigned int code, areas;
} expected[] = {
	{ 22, EM | IT | SM | FT | NC | BX },
	{ 99, EM | IT | SM | FT | NC | BX },
	{ 702, EM | IT | IR | SM | FT | NC },
	{ 703, EM | IT | IR | SM | FT | NC },
	{ 704, EM | IT | SM | FT | NC },
	{ 705, EM | IT },
	{ 706, EM | IT | SM | FT | NC | BX },
	{ 711, BX },
	{ 712, BX },
	{ 713, EM },
	{ 751, SM | FT | NC },
	{ 752, EM | IT },
	{ 753, EM | IT },
	{ 755, EM | IT | SM | FT },
	{ 756, NC },
	{ 801, EM | IT | IR | SM | FT | NC },
	{ 802, EM | IT | IR | SM | FT },
	{ 804, SM | FT | NC },
	{ 806, EM | IT | SM | FT | NC },
	{ 807, SM | FT | NC },
	{ 810, EM | IT | IR },
	{ 813, EM | IT },
	{ 815, FT | NC },
	{ 818, IR },
	{ 819, IR },
	{ 820, IR },
	{ 821, IR },
	{ 822, IR },
	{ 827, IR },
	{ 828, IR },
	{ 829, IR },
	{ 830, EM | IT },
	{ 831, IR },
	{ 832, IR },
	{ 833, IR },
	{ 834, EM | IT },
	{ 835, IR },
	{ 839, EM | IT },
	{ 841, EM | IT },
	{ 842, EM | IT },
	{ 843, EM | IT },
	{ 844, EM | IT },
	{ 845, EM | IT },
	{ 846, EM | IT },
	{ 899, EM | IT },
	{ 995, EM | IT | SM | FT | NC | BX },
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

TEST(every_seed_code_with_its_areas)
{
	for (size_t i = 0; i < N_EXPECTED; i++) {
		const struct irs_errcode *e = errcode_find(expected[i].code);

		ASSERT_NE(NULL, e)
		TH_LOG("code %u missing", expected[i].code);
		EXPECT_EQ(expected[i].code, e->code);
		EXPECT_EQ(expected[i].areas, e->areas)
		TH_LOG("areas of #%03u", expected[i].code);
	}
	/* Nothing beyond the seed's codes either. */
	EXPECT_EQ(N_EXPECTED, errcode_count());
}

TEST(iteration_is_ascending_and_complete)
{
	unsigned int last = 0;

	for (size_t i = 0; i < errcode_count(); i++) {
		const struct irs_errcode *e = errcode_at(i);

		ASSERT_NE(NULL, e);
		EXPECT_GT(e->code, last);
		last = e->code;
		EXPECT_EQ(e, errcode_find(e->code));
	}
	EXPECT_EQ(NULL, errcode_at(errcode_count()));
}

TEST(texts_present_and_all_different)
{
	size_t n = errcode_count();

	for (size_t i = 0; i < n; i++) {
		const struct irs_errcode *a = errcode_at(i);
		const char *ta[] = { a->name, a->message, a->cause, a->remedy };

		for (size_t k = 0; k < 4; k++) {
			ASSERT_NE(NULL, ta[k]);
			EXPECT_GT(strlen(ta[k]), 2) TH_LOG("#%03u text %zu", a->code, k);
		}
		/* Messages fit a status line; causes and remedies are sentences. */
		EXPECT_LE(strlen(a->message), 60) TH_LOG("#%03u message too long", a->code);
		EXPECT_EQ('.', a->cause[strlen(a->cause) - 1]);
		EXPECT_EQ('.', a->remedy[strlen(a->remedy) - 1]);
		for (const char *p = a->name; *p; p++)
			EXPECT_TRUE(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
				    *p == '-');
		EXPECT_NE(0, a->areas);
		EXPECT_EQ(0, a->areas & ~IRS_AREA_ALL);
		EXPECT_STRNE("unknown", errcode_kind_name(a->kind));
		for (size_t j = 0; j < n; j++) {
			const struct irs_errcode *b = errcode_at(j);
			const char *tb[] = { b->name, b->message, b->cause, b->remedy };

			for (size_t k = 0; k < 4; k++) {
				for (size_t l = 0; l < 4; l++) {
					if (i == j && k == l)
						continue;
					EXPECT_STRNE(ta[k], tb[l])
					TH_LOG("#%03u and #%03u share a text", a->code, b->code);
				}
			}
		}
	}
}

TEST(named_constants_match_the_table)
{
	static const struct {
		unsigned int code;
		const char *name;
		enum irs_err_kind kind;
	} named[] = {
		{ IRS_E_CANCELLED, "cancelled", IRS_ERR_CANCELLED },
		{ IRS_E_CANCELLED_SENDING, "cancelled-sending", IRS_ERR_CANCELLED },
		{ IRS_E_BOX_FULL, "box-full", IRS_ERR_SETTINGS },
		{ IRS_E_BOX_DOC_LIMIT, "box-doc-limit", IRS_ERR_SETTINGS },
		{ IRS_E_CONNECT, "connect", IRS_ERR_TEMPORARY },
		{ IRS_E_NETWORK, "network", IRS_ERR_TEMPORARY },
		{ IRS_E_SERVER, "server", IRS_ERR_TEMPORARY },
		{ IRS_E_DNS, "dns", IRS_ERR_TEMPORARY },
		{ IRS_E_BAD_ADDRESS, "bad-address", IRS_ERR_SETTINGS },
		{ IRS_E_SMTP_AUTH, "smtp-auth", IRS_ERR_SETTINGS },
		{ IRS_E_TLS_HANDSHAKE, "tls-handshake", IRS_ERR_SETTINGS },
		{ IRS_E_APOP, "apop", IRS_ERR_SETTINGS },
		{ IRS_E_DSN_FAILURE, "dsn-failure", IRS_ERR_REPORT },
		{ IRS_E_RX_TOO_MANY_PAGES, "rx-too-many-pages", IRS_ERR_DATA },
		{ IRS_E_SENT, "sent", IRS_ERR_SUCCESS },
	};

	EXPECT_EQ(995, IRS_E_CANCELLED);
	EXPECT_EQ(99, IRS_E_CANCELLED_SENDING);
	EXPECT_EQ(711, IRS_E_BOX_FULL);
	EXPECT_EQ(899, IRS_E_SENT);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		const struct irs_errcode *e = errcode_find(named[i].code);

		ASSERT_NE(NULL, e);
		EXPECT_STREQ(named[i].name, e->name);
		EXPECT_EQ(named[i].kind, e->kind);
	}
}

TEST(unknown_codes_are_not_found)
{
	static const unsigned int absent[] = { 0,   1,	 21,  23,  98,	100,  701,  714, 800,
					       836, 900, 994, 996, 999, 1000, 1711, ~0u };

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		EXPECT_EQ(NULL, errcode_find(absent[i])) TH_LOG("%u", absent[i]);
	}
}

TEST(parse_accepts_hash_and_leading_zeros)
{
	unsigned int code = 0;

	ASSERT_EQ(0, errcode_parse("#711", &code));
	EXPECT_EQ(711, code);
	ASSERT_EQ(0, errcode_parse("711", &code));
	EXPECT_EQ(711, code);
	ASSERT_EQ(0, errcode_parse("#022", &code));
	EXPECT_EQ(22, code);
	ASSERT_EQ(0, errcode_parse("22", &code));
	EXPECT_EQ(22, code);
	ASSERT_EQ(0, errcode_parse("123", &code));
	EXPECT_EQ(123, code);
}

TEST(parse_refuses_malformed)
{
	static const char *const bad[] = {
		"",	"#",	"##711", "7 11", "711 ", " 711", "-711",
		"+711", "0711", "1000",	 "71a",	 "0x2f", "#-1",	 "711#"
	};
	unsigned int code = 4242;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, errcode_parse(bad[i], &code)) TH_LOG("'%s'", bad[i]);
	}
	EXPECT_EQ(4242, code);
}

TEST(str_is_three_digits_with_hash)
{
	char buf[ERRCODE_STR_MAX];

	EXPECT_STREQ("#022", errcode_str(22, buf));
	EXPECT_STREQ("#099", errcode_str(99, buf));
	EXPECT_STREQ("#995", errcode_str(995, buf));
}

TEST(area_names_round_trip)
{
	unsigned int seen = 0;

	for (unsigned int bit = 1; bit & IRS_AREA_ALL; bit <<= 1) {
		const char *name = errcode_area_name(bit);

		ASSERT_NE(NULL, name);
		EXPECT_EQ(bit, errcode_area_by_name(name));
		seen |= bit;
	}
	EXPECT_EQ(IRS_AREA_ALL, seen);
	EXPECT_EQ(NULL, errcode_area_name(0));
	EXPECT_EQ(NULL, errcode_area_name(IRS_AREA_EMAIL | IRS_AREA_SMB));
	EXPECT_EQ(0, errcode_area_by_name("fax"));
	EXPECT_EQ(IRS_AREA_SMB, errcode_area_by_name("SMB"));
}

TEST_HARNESS_MAIN
