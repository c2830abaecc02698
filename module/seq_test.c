// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for seq.h: RFC 9293 3.4 sequence arithmetic, wrap-around included.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "seq.h"

static void tcpalt_seq_test_before_after(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_before(1, 2));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_before(2, 1));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_before(5, 5));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_after(2, 1));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_after(5, 5));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_leq(5, 5));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_geq(5, 5));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_geq(4, 5));
}

static void tcpalt_seq_test_wraparound(struct kunit *test)
{
	/* 0xfffffff0 comes just before 0x10 once the circle wraps. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_before(0xfffffff0u, 0x10));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_after(0x10, 0xfffffff0u));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_before(0xffffffffu, 0));
	KUNIT_EXPECT_EQ(test, tcpalt_seq_max(0xffffffffu, 3), 3u);
	KUNIT_EXPECT_EQ(test, tcpalt_seq_min(0xffffffffu, 3), 0xffffffffu);
	/* Just under half the circle apart is still ordered. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_before(0, 0x7fffffffu));
	/*
	 * Exactly half the circle apart the order is undefined (RFC 9293 3.4 needs the two to
	 * be closer): the signed difference is INT_MIN both ways, so each is "before" the other.
	 */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_before(0, 0x80000000u));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_before(0x80000000u, 0));
}

static void tcpalt_seq_test_between(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_between(5, 5, 10));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_between(10, 5, 10));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_between(11, 5, 10));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_between(4, 5, 10));
	/* A window that straddles the wrap. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_between(2, 0xfffffffau, 5));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_between(0xfffffffcu, 0xfffffffau, 5));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_between(6, 0xfffffffau, 5));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_between(0xfffffff9u, 0xfffffffau, 5));
}

/* RFC 9293 3.10.7.4's table: the four (length, window) cases, at and across the wrap. */
static void tcpalt_seq_test_acceptable(struct kunit *test)
{
	/* len 0, wnd 0: only SEG.SEQ == RCV.NXT. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(100, 0, 100, 0));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(101, 0, 100, 0));
	/* len 0, wnd > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(100, 0, 100, 10));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(109, 0, 100, 10));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(110, 0, 100, 10));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(99, 0, 100, 10));
	/* len > 0, wnd 0: never. */
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(100, 1, 100, 0));
	/* len > 0, wnd > 0: first or last byte in the window. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(95, 10, 100, 10));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(105, 10, 100, 10));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(90, 10, 100, 10));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(110, 5, 100, 10));
	/* Across the wrap. */
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(2, 4, 0xfffffffeu, 16));
	KUNIT_EXPECT_TRUE(test, tcpalt_seq_acceptable(0xfffffff0u, 20, 0xfffffffeu, 16));
	KUNIT_EXPECT_FALSE(test, tcpalt_seq_acceptable(0xfffffff0u, 10, 0xfffffffeu, 16));
}

static struct kunit_case tcpalt_seq_test_cases[] = {
	KUNIT_CASE(tcpalt_seq_test_before_after),
	KUNIT_CASE(tcpalt_seq_test_wraparound),
	KUNIT_CASE(tcpalt_seq_test_between),
	KUNIT_CASE(tcpalt_seq_test_acceptable),
	{}
};

static struct kunit_suite tcpalt_seq_test_suite = {
	.name = "tcpalt_seq",
	.test_cases = tcpalt_seq_test_cases,
};

kunit_test_suite(tcpalt_seq_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tcpalt's pure logic");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
