// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for rto.c: RFC 6298's estimator, bounds and backoff.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "rto.h"

static void tcpalt_rto_test_initial(struct kunit *test)
{
	struct tcpalt_rto r;

	tcpalt_rto_init(&r);
	KUNIT_EXPECT_EQ(test, r.rto_us, 1000000U);	/* RFC 6298 2.1 */
	KUNIT_EXPECT_EQ(test, r.srtt_us, 0U);
}

static void tcpalt_rto_test_first_sample(struct kunit *test)
{
	struct tcpalt_rto r;

	tcpalt_rto_init(&r);
	tcpalt_rto_sample(&r, 100000);	/* R = 100 ms */
	/* RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR = 300 ms. */
	KUNIT_EXPECT_EQ(test, r.srtt_us, 100000U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 50000U);
	KUNIT_EXPECT_EQ(test, r.rto_us, 300000U);
}

static void tcpalt_rto_test_smoothing(struct kunit *test)
{
	struct tcpalt_rto r;

	tcpalt_rto_init(&r);
	tcpalt_rto_sample(&r, 100000);
	tcpalt_rto_sample(&r, 200000);
	/* RFC 6298 2.3: RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5 ms; SRTT = 7/8*100 + 1/8*200 */
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 62500U);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 112500U);
	KUNIT_EXPECT_EQ(test, r.rto_us, 112500U + 4 * 62500U);
}

static void tcpalt_rto_test_bounds(struct kunit *test)
{
	struct tcpalt_rto r;
	int i;

	tcpalt_rto_init(&r);
	for (i = 0; i < 50; i++)
		tcpalt_rto_sample(&r, 10);	/* loopback: microseconds */
	KUNIT_EXPECT_EQ(test, r.rto_us, TCPALT_RTO_MIN_US);
	tcpalt_rto_sample(&r, 200000000);	/* 200 s */
	KUNIT_EXPECT_EQ(test, r.rto_us, TCPALT_RTO_MAX_US);
}

static void tcpalt_rto_test_backoff(struct kunit *test)
{
	struct tcpalt_rto r;

	tcpalt_rto_init(&r);
	KUNIT_EXPECT_EQ(test, tcpalt_rto_backoff(&r, 0), 1000000U);
	KUNIT_EXPECT_EQ(test, tcpalt_rto_backoff(&r, 1), 2000000U);	/* RFC 6298 5.5 */
	KUNIT_EXPECT_EQ(test, tcpalt_rto_backoff(&r, 3), 8000000U);
	KUNIT_EXPECT_EQ(test, tcpalt_rto_backoff(&r, 10), TCPALT_RTO_MAX_US);
	KUNIT_EXPECT_EQ(test, tcpalt_rto_backoff(&r, 40), TCPALT_RTO_MAX_US);
}

static struct kunit_case tcpalt_rto_test_cases[] = {
	KUNIT_CASE(tcpalt_rto_test_initial),
	KUNIT_CASE(tcpalt_rto_test_first_sample),
	KUNIT_CASE(tcpalt_rto_test_smoothing),
	KUNIT_CASE(tcpalt_rto_test_bounds),
	KUNIT_CASE(tcpalt_rto_test_backoff),
	{}
};

static struct kunit_suite tcpalt_rto_test_suite = {
	.name = "tcpalt_rto",
	.test_cases = tcpalt_rto_test_cases,
};

kunit_test_suite(tcpalt_rto_test_suite);
