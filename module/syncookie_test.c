// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for syncookie.c: a cookie comes back valid with its MSS for two minutes and
 * for its own connection only; anything else is refused.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "tcpalt.h"

#define L	htonl(0x0a000001)
#define R	htonl(0x0a000002)
#define LP	htons(80)
#define RP	htons(40000)

static void tcpalt_syncookie_test_roundtrip(struct kunit *test)
{
	u16 mss = 1460;
	u32 c = tcpalt_cookie_make(L, R, LP, RP, 12345, &mss, 1000);

	KUNIT_EXPECT_EQ(test, mss, 1460);
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 12345, c, 1000), 1460);
	/* Still good the next minute, not the one after. */
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 12345, c, 1001), 1460);
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 12345, c, 1002), 0);
	/* Across the counter's wrap (minute 31 -> 32). */
	mss = 1460;
	c = tcpalt_cookie_make(L, R, LP, RP, 7, &mss, 31);
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 7, c, 32), 1460);
}

static void tcpalt_syncookie_test_mss_rounds_down(struct kunit *test)
{
	u16 mss = 1400;
	u32 c = tcpalt_cookie_make(L, R, LP, RP, 1, &mss, 5);

	KUNIT_EXPECT_EQ(test, mss, 1300);
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 1, c, 5), 1300);
	mss = 100;	/* below every entry: the smallest, 536 */
	tcpalt_cookie_make(L, R, LP, RP, 1, &mss, 5);
	KUNIT_EXPECT_EQ(test, mss, 536);
	mss = 65535;
	tcpalt_cookie_make(L, R, LP, RP, 1, &mss, 5);
	KUNIT_EXPECT_EQ(test, mss, 65483);
}

static void tcpalt_syncookie_test_other_connection(struct kunit *test)
{
	u16 mss = 1460;
	u32 c = tcpalt_cookie_make(L, R, LP, RP, 99, &mss, 7);

	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, htons(40001), 99, c, 7), 0);
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, htonl(0x0a000003), LP, RP, 99, c, 7), 0);
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 100, c, 7), 0);
	/* Another MSS index with the same hash bits is refused too. */
	KUNIT_EXPECT_EQ(test, tcpalt_cookie_check(L, R, LP, RP, 99, c ^ (1U << 24), 7), 0);
}

static void tcpalt_syncookie_test_guessing(struct kunit *test)
{
	int i, hits = 0;

	/* Random ACK numbers almost never pass: 2^-24 each, times 2 minutes. */
	for (i = 0; i < 20000; i++)
		if (tcpalt_cookie_check(L, R, LP, RP, 5, get_random_u32(), 9))
			hits++;
	KUNIT_EXPECT_LE(test, hits, 1);
}

static struct kunit_case tcpalt_syncookie_test_cases[] = {
	KUNIT_CASE(tcpalt_syncookie_test_roundtrip),
	KUNIT_CASE(tcpalt_syncookie_test_mss_rounds_down),
	KUNIT_CASE(tcpalt_syncookie_test_other_connection),
	KUNIT_CASE(tcpalt_syncookie_test_guessing),
	{}
};

static struct kunit_suite tcpalt_syncookie_test_suite = {
	.name = "tcpalt_syncookie",
	.test_cases = tcpalt_syncookie_test_cases,
};

kunit_test_suite(tcpalt_syncookie_test_suite);
