// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for loss.c: the receiver's SACK blocks (RFC 2018 4), RACK's reordering window
 * (RFC 8985 6.2) and PRR (RFC 6937).
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "loss.h"

static void tcpalt_loss_test_sack_order(struct kunit *test)
{
	struct tcpalt_sack_block b[TCPALT_MAX_SACKS];
	u8 n = 0;

	/* Three holes: blocks most recent first. */
	tcpalt_sack_add(b, &n, 2000, 3000);
	tcpalt_sack_add(b, &n, 4000, 5000);
	tcpalt_sack_add(b, &n, 6000, 7000);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, b[0].start, 6000U);
	KUNIT_EXPECT_EQ(test, b[1].start, 4000U);
	KUNIT_EXPECT_EQ(test, b[2].start, 2000U);
	/* A segment extending the oldest block moves it to the front. */
	tcpalt_sack_add(b, &n, 3000, 3500);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, b[0].start, 2000U);
	KUNIT_EXPECT_EQ(test, b[0].end, 3500U);
	KUNIT_EXPECT_EQ(test, b[1].start, 6000U);
	/* One that fills the gap between two merges them. */
	tcpalt_sack_add(b, &n, 3500, 4000);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, b[0].start, 2000U);
	KUNIT_EXPECT_EQ(test, b[0].end, 5000U);
	KUNIT_EXPECT_EQ(test, b[1].start, 6000U);
}

static void tcpalt_loss_test_sack_full(struct kunit *test)
{
	struct tcpalt_sack_block b[TCPALT_MAX_SACKS];
	u8 n = 0;
	int i;

	for (i = 0; i < 6; i++)
		tcpalt_sack_add(b, &n, 1000 * (2 * i + 1), 1000 * (2 * i + 2));
	KUNIT_ASSERT_EQ(test, n, TCPALT_MAX_SACKS);
	KUNIT_EXPECT_EQ(test, b[0].start, 11000U);	/* the newest */
	KUNIT_EXPECT_EQ(test, b[3].start, 5000U);	/* the two oldest fell off */
	/* RCV.NXT reaching blocks removes them. */
	tcpalt_sack_trim(b, &n, 7000);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, b[0].start, 11000U);
	KUNIT_EXPECT_EQ(test, b[1].start, 9000U);
	tcpalt_sack_trim(b, &n, 20000);
	KUNIT_EXPECT_EQ(test, n, 0);
}

static void tcpalt_loss_test_sack_wrap(struct kunit *test)
{
	struct tcpalt_sack_block b[TCPALT_MAX_SACKS];
	u8 n = 0;

	tcpalt_sack_add(b, &n, 0xfffffc00, 0xfffffe00);
	tcpalt_sack_add(b, &n, 0xfffffe00, 0x100);	/* touches across 2^32 */
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, b[0].start, 0xfffffc00U);
	KUNIT_EXPECT_EQ(test, b[0].end, 0x100U);
	tcpalt_sack_trim(b, &n, 0xfffffb00);
	KUNIT_EXPECT_EQ(test, n, 1);
	tcpalt_sack_trim(b, &n, 0xfffffc00);
	KUNIT_EXPECT_EQ(test, n, 0);
}

static void tcpalt_loss_test_reo_wnd(struct kunit *test)
{
	/* No reordering seen: none in recovery or after three SACKed segments (DupThresh). */
	KUNIT_EXPECT_EQ(test, tcpalt_rack_reo_wnd_us(false, true, 0, 20000, 25000), 0U);
	KUNIT_EXPECT_EQ(test, tcpalt_rack_reo_wnd_us(false, false, 3, 20000, 25000), 0U);
	/* Otherwise min_rtt / 4 ... */
	KUNIT_EXPECT_EQ(test, tcpalt_rack_reo_wnd_us(false, false, 2, 20000, 25000), 5000U);
	KUNIT_EXPECT_EQ(test, tcpalt_rack_reo_wnd_us(true, true, 10, 20000, 25000), 5000U);
	/* ... at most SRTT. */
	KUNIT_EXPECT_EQ(test, tcpalt_rack_reo_wnd_us(true, false, 0, 40000, 8000), 8000U);
}

static void tcpalt_loss_test_prr(struct kunit *test)
{
	const u32 mss = 1000, prior = 20 * mss, ssthresh = 10 * mss;
	u32 delivered = 0, out = 0, pipe = 19 * mss, cwnd;
	int i;

	/* First ACK of recovery: always one segment (the fast retransmit). */
	cwnd = tcpalt_prr_cwnd(ssthresh, pipe, prior, &delivered, out, mss, false, mss);
	KUNIT_EXPECT_EQ(test, delivered, mss);
	KUNIT_EXPECT_EQ(test, cwnd, pipe + mss);
	out += mss;
	/*
	 * RFC 6937: while pipe > ssthresh, sending follows delivery times ssthresh/prior_cwnd
	 * = 1/2: over 18 more SACKed segments, 9 more segments go out in total (not a burst).
	 */
	for (i = 0; i < 18; i++) {
		pipe -= mss;	/* one delivered */
		cwnd = tcpalt_prr_cwnd(ssthresh, pipe, prior, &delivered, out, mss, false, mss);
		KUNIT_EXPECT_LE(test, cwnd - pipe, 2 * mss);
		out += cwnd - pipe;
		pipe = cwnd;
	}
	KUNIT_EXPECT_EQ(test, delivered, 19 * mss);
	KUNIT_EXPECT_EQ(test, out, 10 * mss);	/* ceil(10/20 * 19) = 10 segments */
	/*
	 * Pipe below ssthresh: PRR-SSRB sends what was delivered and one more segment when
	 * SND.UNA advanced, never past ssthresh.
	 */
	delivered = 20 * mss;
	out = 19 * mss;
	pipe = 4 * mss;
	cwnd = tcpalt_prr_cwnd(ssthresh, pipe, prior, &delivered, out, 3 * mss, true, mss);
	KUNIT_EXPECT_EQ(test, cwnd, pipe + 5 * mss);	/* max(23 - 19, 3) + 1 */
	pipe = 9 * mss;
	cwnd = tcpalt_prr_cwnd(ssthresh, pipe, prior, &delivered, out, 3 * mss, true, mss);
	KUNIT_EXPECT_EQ(test, cwnd, ssthresh);
}

static struct kunit_case tcpalt_loss_test_cases[] = {
	KUNIT_CASE(tcpalt_loss_test_sack_order),
	KUNIT_CASE(tcpalt_loss_test_sack_full),
	KUNIT_CASE(tcpalt_loss_test_sack_wrap),
	KUNIT_CASE(tcpalt_loss_test_reo_wnd),
	KUNIT_CASE(tcpalt_loss_test_prr),
	{}
};

static struct kunit_suite tcpalt_loss_test_suite = {
	.name = "tcpalt_loss",
	.test_cases = tcpalt_loss_test_cases,
};

kunit_test_suite(tcpalt_loss_test_suite);
