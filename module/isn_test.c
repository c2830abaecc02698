// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for isn.c: RFC 6528 ISNs advance with the 64 ns clock for one 4-tuple and are
 * unrelated across 4-tuples; TSval offsets are one per pair of hosts.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>

#include "tcpalt.h"

#define A(x) htonl(x)

static void tcpalt_isn_test_clock(struct kunit *test)
{
	u64 t0, t1;
	u32 a, b;
	s64 ticks, elapsed;

	t0 = ktime_get_real_ns();
	a = tcpalt_isn(A(0x0a000001), A(0x0a000002), htons(1000), htons(80));
	msleep(20);
	b = tcpalt_isn(A(0x0a000001), A(0x0a000002), htons(1000), htons(80));
	t1 = ktime_get_real_ns();
	/* Same 4-tuple: only M moved, by the elapsed time in 64 ns ticks. */
	ticks = (s32)(b - a);
	elapsed = (t1 - t0) >> 6;
	KUNIT_EXPECT_GT(test, ticks, (s64)(20 * NSEC_PER_MSEC / 64) - 2);
	KUNIT_EXPECT_LE(test, ticks, elapsed + 2);
}

static void tcpalt_isn_test_tuples_differ(struct kunit *test)
{
	u32 isn[8];
	int i, j, same = 0;

	for (i = 0; i < 8; i++)
		isn[i] = tcpalt_isn(A(0x7f000001), A(0x7f000001), htons(40000 + i), htons(80));
	/* F is a keyed hash: neighbouring ports give values far apart, not a few ticks. */
	for (i = 0; i < 8; i++)
		for (j = i + 1; j < 8; j++)
			if (abs((s32)(isn[i] - isn[j])) < 1000000)
				same++;
	KUNIT_EXPECT_LE(test, same, 1);
}

/* TSval offsets: one per pair of hosts (any ports), different for another pair. */
static void tcpalt_isn_test_ts_off(struct kunit *test)
{
	u32 a = tcpalt_ts_off(A(0x0a000001), A(0x0a000002));

	KUNIT_EXPECT_EQ(test, a, tcpalt_ts_off(A(0x0a000001), A(0x0a000002)));
	KUNIT_EXPECT_NE(test, a, tcpalt_ts_off(A(0x0a000001), A(0x0a000003)));
	KUNIT_EXPECT_NE(test, a, tcpalt_ts_off(A(0x0a000002), A(0x0a000001)));
}

static struct kunit_case tcpalt_isn_test_cases[] = {
	KUNIT_CASE(tcpalt_isn_test_clock),
	KUNIT_CASE(tcpalt_isn_test_tuples_differ),
	KUNIT_CASE(tcpalt_isn_test_ts_off),
	{}
};

static struct kunit_suite tcpalt_isn_test_suite = {
	.name = "tcpalt_isn",
	.test_cases = tcpalt_isn_test_cases,
};

kunit_test_suite(tcpalt_isn_test_suite);
