// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for cong.c and cubic.c: Reno's byte-counting slow start and congestion
 * avoidance (RFC 5681, RFC 3465), the multiplicative decrease, CUBIC's cube root, K and
 * W_cubic(t) against numbers worked by hand from RFC 9438's equations, the beta_cubic
 * reduction and fast convergence, the Reno-friendly region, HyStart's two exits, undo, and
 * the algorithm table.
 *
 * Hand numbers use C = 0.4 and beta = 0.7; tcpalt (as Linux) uses C = 410/1024 and
 * beta = 717/1024, a cube root good to about 0.2%, and rounds windows down to whole segments,
 * so a few checks allow a segment or 0.5% either way, never more.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "cong.h"

#define MSS	1000U

static void cc_setup(struct tcpalt_cc *cc, const struct tcpalt_cc_ops *ops, u32 cwnd_segs,
		     u32 ssthresh)
{
	memset(cc, 0, sizeof(*cc));
	cc->cwnd = cwnd_segs * MSS;
	cc->ssthresh = ssthresh;
	tcpalt_cc_start(cc, ops, MSS);
}

/* One ACK of @acked bytes at @now with RTT sample @rtt, as input.c delivers it. */
static void cc_ack(struct tcpalt_cc *cc, u64 now, u32 acked, s32 rtt, u32 una, u32 nxt)
{
	struct tcpalt_cc_ack a = {
		.now_us = now, .acked = acked, .flight = cc->cwnd, .rtt_us = rtt,
		.snd_una = una, .snd_nxt = nxt,
	};

	if (cc->ops->pkts_acked)
		cc->ops->pkts_acked(cc, &a);
	cc->ops->cong_avoid(cc, &a);
}

/*
 * A cwnd-limited sender on a path of RTT @rtt: every segment of each window is acknowledged
 * one by one, spread over the round trip, for @dur microseconds from *@now.
 */
static void cc_run(struct tcpalt_cc *cc, u64 *now, u32 *una, u32 rtt, u64 dur)
{
	u64 end = *now + dur;

	while (*now < end) {
		u32 segs = cc->cwnd / MSS, i;

		for (i = 0; i < segs && *now < end; i++) {
			*una += MSS;
			cc_ack(cc, *now, MSS, rtt, *una, *una + cc->cwnd);
			*now += rtt / segs;
		}
	}
}

/* ---- Reno ---- */

/* RFC 3465 / tcp_slow_start(): cwnd grows by the bytes acknowledged, stretch ACKs included. */
static void tcpalt_cong_test_reno_slow_start(struct kunit *test)
{
	struct tcpalt_cc cc;

	cc_setup(&cc, &tcpalt_reno, 10, U32_MAX);
	cc_ack(&cc, 1000000, 500, -1, 0, 0);	/* half a segment: half a segment of growth */
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10500U);
	/* A stretch ACK of 3 segments: 3 segments (Linux applies no RFC 3465 L limit). */
	cc_ack(&cc, 1000000, 3 * MSS, -1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 13500U);
	/* Crossing ssthresh: up to it, the rest counts toward congestion avoidance. */
	cc.ssthresh = 15000;
	cc_ack(&cc, 1000000, 4 * MSS, -1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 15000U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 2500U);
}

/* RFC 5681 3.1 eq. 3: one MSS per window acknowledged. */
static void tcpalt_cong_test_reno_cong_avoid(struct kunit *test)
{
	struct tcpalt_cc cc;
	int i;

	cc_setup(&cc, &tcpalt_reno, 10, 5 * MSS);
	for (i = 0; i < 9; i++)
		cc_ack(&cc, 1000000, MSS, -1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10 * MSS);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 9 * MSS);
	cc_ack(&cc, 1000000, MSS, -1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 11 * MSS);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
	/* The next MSS needs 11 segments; one ACK of 22 gives two at once. */
	cc_ack(&cc, 1000000, 22 * MSS, -1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 13 * MSS);
}

/* RFC 5681 3.1 eq. 4: half the window, at least two segments. */
static void tcpalt_cong_test_reno_ssthresh(struct kunit *test)
{
	struct tcpalt_cc cc;

	cc_setup(&cc, &tcpalt_reno, 10, U32_MAX);
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 5 * MSS);
	cc.cwnd = 3 * MSS;
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 2 * MSS);
	cc.cwnd = 1;
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 2 * MSS);
}

/* ---- CUBIC arithmetic ---- */

static void tcpalt_cong_test_cubic_root(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_root(0), 0U);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_root(27), 3U);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_root(1000), 10U);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_root(1000000000ULL), 1000U);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_root(1ULL << 30), 1024U);
	/* cbrt(2^40 / 410 * 30) = 4317.0 (K for W_max - cwnd = 30): within 0.5% */
	KUNIT_EXPECT_GE(test, tcpalt_cubic_root((1ULL << 40) / 410 * 30), 4296U);
	KUNIT_EXPECT_LE(test, tcpalt_cubic_root((1ULL << 40) / 410 * 30), 4339U);
}

/* RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C) seconds, here in 1/1024 s. */
static void tcpalt_cong_test_cubic_k(struct kunit *test)
{
	u32 k;

	/* W_max 100, cwnd 70: cbrt(30 / 0.4) = 4.2172 s = 4318 */
	k = tcpalt_cubic_k(100, 70);
	KUNIT_EXPECT_GE(test, k, 4296U);
	KUNIT_EXPECT_LE(test, k, 4340U);
	/* W_max 1000, cwnd 700: cbrt(300 / 0.4) = 9.0856 s = 9304 */
	k = tcpalt_cubic_k(1000, 700);
	KUNIT_EXPECT_GE(test, k, 9257U);
	KUNIT_EXPECT_LE(test, k, 9351U);
	/* At or above W_max the epoch starts on the plateau. */
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_k(100, 100), 0U);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_k(100, 120), 0U);
}

/* RFC 9438 eq. 1: W_cubic(t) = C (t - K)^3 + W_max, W_max 100, K for cwnd 70. */
static void tcpalt_cong_test_cubic_w(struct kunit *test)
{
	u32 k = tcpalt_cubic_k(100, 70);

	/* t = 0: back at cwnd_epoch, 70 (70.02 with tcpalt's C, 71 rounding delta down) */
	KUNIT_EXPECT_GE(test, tcpalt_cubic_w(100, k, 0), 70U);
	KUNIT_EXPECT_LE(test, tcpalt_cubic_w(100, k, 0), 71U);
	/* concave, t = K/2: 100 - 0.4 * 2.1086^3 = 96.25 */
	KUNIT_EXPECT_GE(test, tcpalt_cubic_w(100, k, k / 2), 96U);
	KUNIT_EXPECT_LE(test, tcpalt_cubic_w(100, k, k / 2), 97U);
	/* t = K: W_max */
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_w(100, k, k), 100U);
	/* convex, t = K + 1 s: 100.4; K + 2 s: 103.2; 2K: 130 */
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_w(100, k, k + 1024), 100U);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_w(100, k, k + 2048), 103U);
	KUNIT_EXPECT_GE(test, tcpalt_cubic_w(100, k, 2 * k), 129U);
	KUNIT_EXPECT_LE(test, tcpalt_cubic_w(100, k, 2 * k), 130U);
	/* and symmetric below: t = K - 2 s is 96.8 (rounded down: 96, or 97 via delta) */
	KUNIT_EXPECT_GE(test, tcpalt_cubic_w(100, k, k - 2048), 96U);
	KUNIT_EXPECT_LE(test, tcpalt_cubic_w(100, k, k - 2048), 97U);
}

/* RFC 9438 4.6: ssthresh = 0.7 cwnd; 4.7: fast convergence lowers W_max below the window. */
static void tcpalt_cong_test_cubic_beta_fast_convergence(struct kunit *test)
{
	struct tcpalt_cc cc;
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(&cc);

	cc_setup(&cc, &tcpalt_cubic, 100, U32_MAX);
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 70 * MSS);	/* 100 * 717 / 1024 = 70.02 */
	KUNIT_EXPECT_EQ(test, ca->last_max_cwnd, 100U);
	KUNIT_EXPECT_EQ(test, ca->epoch_start, 0ULL);
	/* The next loss at 80 < W_max 100: W_max = 80 * (1 + 0.7) / 2 = 68 */
	cc.cwnd = 80 * MSS;
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 56 * MSS);	/* 80 * 0.7 */
	KUNIT_EXPECT_EQ(test, ca->last_max_cwnd, 68U);
	/* Above W_max again: W_max is the window. */
	cc.cwnd = 90 * MSS;
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 63 * MSS);	/* 90 * 717 / 1024 = 63.02 */
	KUNIT_EXPECT_EQ(test, ca->last_max_cwnd, 90U);
	/* Two segments at least. */
	cc.cwnd = 2 * MSS;
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 2 * MSS);
	/* A window that is not whole segments counts whole ones: 10.5 -> 10 -> 7 */
	cc.cwnd = 10 * MSS + MSS / 2;
	KUNIT_EXPECT_EQ(test, cc.ops->ssthresh(&cc), 7 * MSS);
}

/* After a loss at W_max 100 (cwnd = ssthresh = 70), a path of RTT @rtt: the epoch. */
static void cubic_after_loss(struct tcpalt_cc *cc, u64 *now, u32 *una, u32 rtt)
{
	struct tcpalt_cc_ack a = { .now_us = *now, .acked = MSS, .rtt_us = rtt };

	cc_setup(cc, &tcpalt_cubic, 100, U32_MAX);
	cc->ops->pkts_acked(cc, &a);	/* delay_min = rtt */
	tcpalt_cubic_ca(cc)->found = 1;	/* no HyStart in this test */
	cc->ssthresh = cc->ops->ssthresh(cc);
	cc->cwnd = cc->ssthresh;
}

/*
 * RTT 200 ms: CUBIC's own curve rules (W_est = 70 + 0.53 per RTT stays far below).  cwnd
 * follows W_cubic: concave up to W_max, flat about K = 4.2 s, convex after.
 */
static void tcpalt_cong_test_cubic_regions(struct kunit *test)
{
	struct tcpalt_cc cc;
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(&cc);
	u64 now = 1000000, t0;
	u32 una = 1;

	cubic_after_loss(&cc, &now, &una, 200000);
	KUNIT_ASSERT_EQ(test, cc.cwnd, 70 * MSS);
	t0 = now;
	cc_run(&cc, &now, &una, 200000, 2 * USEC_PER_SEC);
	/* W_cubic(2 s) = 100 - 0.4 (4.217 - 2)^3 = 95.6; (2.2 s, one RTT ahead) 96.7 */
	KUNIT_EXPECT_GE(test, cc.cwnd / MSS, 95U);
	KUNIT_EXPECT_LE(test, cc.cwnd / MSS, 97U);
	KUNIT_EXPECT_EQ(test, ca->origin_point, 100U);
	cc_run(&cc, &now, &una, 200000, t0 + 3 * USEC_PER_SEC - now);
	/* 3 s: 99.3 to 99.6 */
	KUNIT_EXPECT_GE(test, cc.cwnd / MSS, 99U);
	KUNIT_EXPECT_LE(test, cc.cwnd / MSS, 100U);
	cc_run(&cc, &now, &una, 200000, t0 + 5 * USEC_PER_SEC - now);
	/* the plateau about K: 100.0 to 100.4 */
	KUNIT_EXPECT_GE(test, cc.cwnd / MSS, 100U);
	KUNIT_EXPECT_LE(test, cc.cwnd / MSS, 101U);
	cc_run(&cc, &now, &una, 200000, t0 + 8 * USEC_PER_SEC - now);
	/* convex, 8 s: 100 + 0.4 (8 - 4.217)^3 = 121.7; 8.2 s: 125.3 */
	KUNIT_EXPECT_GE(test, cc.cwnd / MSS, 120U);
	KUNIT_EXPECT_LE(test, cc.cwnd / MSS, 126U);
	/* Reno's estimate, 70 + 40 RTTs * 8/15 = 91.3, is far behind. */
	KUNIT_EXPECT_GE(test, ca->tcp_cwnd, 88U);
	KUNIT_EXPECT_LE(test, ca->tcp_cwnd, 92U);
}

/*
 * RTT 1 ms: the curve hardly moves in 0.2 s (W_cubic(0.2 s) = 73.7), Reno's window would
 * grow by alpha_cubic = 3 (1 - 0.7) / (1 + 0.7) = 0.53 a round trip: 70 + 200 * 0.53 = 176.
 * RFC 9438 4.3: in the Reno-friendly region cwnd follows W_est.
 */
static void tcpalt_cong_test_cubic_reno_friendly(struct kunit *test)
{
	struct tcpalt_cc cc;
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(&cc);
	u64 now = 1000000;
	u32 una = 1;

	cubic_after_loss(&cc, &now, &una, 1000);
	cc_run(&cc, &now, &una, 1000, 200000);
	KUNIT_EXPECT_GE(test, cc.cwnd / MSS, 170U);
	KUNIT_EXPECT_LE(test, cc.cwnd / MSS, 182U);
	KUNIT_EXPECT_GE(test, ca->tcp_cwnd, 170U);
	KUNIT_EXPECT_LE(test, ca->tcp_cwnd, 182U);
	KUNIT_EXPECT_LE(test, tcpalt_cubic_w(ca->origin_point, ca->k, 205), 75U);
}

/* No loss yet (W_max 0): at least 5% a round trip (cnt at most 20). */
static void tcpalt_cong_test_cubic_no_wmax(struct kunit *test)
{
	struct tcpalt_cc cc;
	u64 now = 1000000;
	u32 una = 1;

	cc_setup(&cc, &tcpalt_cubic, 100, 100 * MSS);
	tcpalt_cubic_ca(&cc)->found = 1;
	cc_run(&cc, &now, &una, 200000, 200000);	/* one round trip */
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->cnt, 20U);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 105 * MSS);
}

/* ---- HyStart ---- */

/*
 * Delay increase: delay_min 10 ms; a round whose smallest RTT is 13 ms stays under
 * 10 + max(10/8, 4) = 14 ms; one at 15 ms ends slow start after 8 samples: ssthresh = cwnd.
 * ACKs 3 ms apart, so no ACK train.
 */
static void tcpalt_cong_test_hystart_delay(struct kunit *test)
{
	struct tcpalt_cc cc;
	u64 now = 1000000;
	u32 una = 1000, nxt = 100000;
	int i;

	cc_setup(&cc, &tcpalt_cubic, 20, U32_MAX);
	/* round 1: 8 samples at 10 ms set delay_min, then one more ends nothing */
	for (i = 0; i < 9; i++, now += 3000)
		cc_ack(&cc, now, MSS, 10000, una += MSS, nxt);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->delay_min, 10000U);
	/* round 2 (SND.UNA passed the round's end): 13 ms is under the threshold */
	una = nxt + 1;
	nxt += 100000;
	for (i = 0; i < 12; i++, now += 3000)
		cc_ack(&cc, now, MSS, 13000, una += MSS, nxt);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, U32_MAX);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->found, 0);
	/* round 3 at 15 ms: the first 8 samples measure, the 9th finds it */
	una = nxt + 1;
	nxt += 100000;
	for (i = 0; i < 8; i++, now += 3000)
		cc_ack(&cc, now, MSS, 15000, una += MSS, nxt);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, U32_MAX);
	cc_ack(&cc, now, MSS, 15000, una += MSS, nxt);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->found, 1);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, cc.cwnd);
	/* Slow start grew it by the 29 ACKs before; the 30th's growth is congestion avoidance. */
	KUNIT_EXPECT_EQ(test, cc.cwnd, (20 + 29) * MSS);
}

/*
 * ACK train: ACKs 1 ms apart (closer than 2 ms) from the round's start for longer than
 * delay_min / 2 = 5 ms: the pipe is full, slow start ends.
 */
static void tcpalt_cong_test_hystart_ack_train(struct kunit *test)
{
	struct tcpalt_cc cc;
	u64 now = 1000000;
	u32 una = 1000, nxt = 100000;
	int i;

	cc_setup(&cc, &tcpalt_cubic, 20, U32_MAX);
	/* delay_min 10 ms from an ACK before the round (3 ms gaps: no train yet) */
	cc_ack(&cc, now, MSS, 10000, una += MSS, nxt);
	una = nxt + 1;
	nxt += 100000;
	now += 3000;
	/* ACK 0 starts the round; ACKs 1..5 are within 5 ms of it */
	for (i = 0; i <= 5; i++, now += 1000)
		cc_ack(&cc, now, MSS, 10000, una += MSS, nxt);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, U32_MAX);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->found, 0);
	cc_ack(&cc, now, MSS, 10000, una += MSS, nxt);	/* 6 ms > 5 ms */
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->found, 1);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, cc.cwnd);
	KUNIT_EXPECT_EQ(test, cc.cwnd, (20 + 7) * MSS);	/* slow start for the 7 ACKs before */
}

/* Below hystart_low_window (16 segments) neither detector runs. */
static void tcpalt_cong_test_hystart_low_window(struct kunit *test)
{
	struct tcpalt_cc cc;
	u64 now = 1000000;
	u32 una = 1000;
	int i;

	cc_setup(&cc, &tcpalt_cubic, 4, U32_MAX);
	for (i = 0; i < 10; i++, now += 1000)
		cc_ack(&cc, now, 1, 10000 + 5000 * (i > 0), una += 1, 100000);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->found, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, U32_MAX);
}

/* ---- state, undo, idle, table ---- */

/* A spurious reduction undone: cwnd as before it (tcp_reno_undo_cwnd()). */
static void tcpalt_cong_test_undo(struct kunit *test)
{
	const struct tcpalt_cc_ops *ops[] = { &tcpalt_reno, &tcpalt_cubic };
	struct tcpalt_cc cc;
	int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		cc_setup(&cc, ops[i], 100, U32_MAX);
		cc.prior_cwnd = cc.cwnd;
		cc.ssthresh = cc.ops->ssthresh(&cc);
		cc.cwnd = cc.ssthresh;
		KUNIT_EXPECT_EQ(test, cc.cwnd, i ? 70 * MSS : 50 * MSS);
		KUNIT_EXPECT_EQ(test, cc.ops->undo_cwnd(&cc), 100 * MSS);
		cc.cwnd = 120 * MSS;	/* grew past it since: kept */
		KUNIT_EXPECT_EQ(test, cc.ops->undo_cwnd(&cc), 120 * MSS);
	}
}

/* TCP_CA_Loss (a timeout) forgets W_max and delay_min; Recovery keeps them. */
static void tcpalt_cong_test_cubic_loss_state(struct kunit *test)
{
	struct tcpalt_cc cc;
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(&cc);
	u64 now = 1000000;
	u32 una = 1;

	cubic_after_loss(&cc, &now, &una, 20000);
	cc.ops->set_state(&cc, TCP_CA_Recovery);
	KUNIT_EXPECT_EQ(test, ca->last_max_cwnd, 100U);
	KUNIT_EXPECT_EQ(test, ca->delay_min, 20000U);
	cc.ops->set_state(&cc, TCP_CA_Loss);
	KUNIT_EXPECT_EQ(test, ca->last_max_cwnd, 0U);
	KUNIT_EXPECT_EQ(test, ca->delay_min, 0U);
	KUNIT_EXPECT_EQ(test, ca->found, 0);
}

/* CA_EVENT_TX_START: the epoch moves by the idle time, the curve resumes where it was. */
static void tcpalt_cong_test_cubic_idle(struct kunit *test)
{
	struct tcpalt_cc cc;
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(&cc);
	u64 now = 1000000, epoch;
	u32 una = 1;

	cubic_after_loss(&cc, &now, &una, 200000);
	cc_run(&cc, &now, &una, 200000, USEC_PER_SEC);
	epoch = ca->epoch_start;
	KUNIT_EXPECT_NE(test, epoch, 0ULL);
	cc.ops->cwnd_event(&cc, CA_EVENT_TX_START);
	now = ca->last_ack_us + 5 * USEC_PER_SEC;	/* 5 s without ACKs */
	una += MSS;
	cc_ack(&cc, now, MSS, 200000, una, una + cc.cwnd);
	KUNIT_EXPECT_EQ(test, ca->epoch_start, epoch + 5 * USEC_PER_SEC);
}

/* TCP_CONGESTION after connect: the algorithm restarts, cwnd and ssthresh stay. */
static void tcpalt_cong_test_reinit(struct kunit *test)
{
	struct tcpalt_cc cc;
	u64 now = 1000000;
	u32 una = 1;

	cubic_after_loss(&cc, &now, &una, 20000);
	cc.prior_ssthresh = 5;
	tcpalt_cc_reinit(&cc, &tcpalt_reno, true);
	KUNIT_EXPECT_PTR_EQ(test, cc.ops, &tcpalt_reno);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 70 * MSS);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 70 * MSS);
	KUNIT_EXPECT_EQ(test, cc.prior_ssthresh, 0U);
	tcpalt_cc_reinit(&cc, &tcpalt_cubic, false);
	KUNIT_EXPECT_EQ(test, tcpalt_cubic_ca(&cc)->last_max_cwnd, 0U);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 70 * MSS);
}

static void tcpalt_cong_test_table(struct kunit *test)
{
	char buf[32];

	KUNIT_EXPECT_PTR_EQ(test, tcpalt_cc_find("reno"), &tcpalt_reno);
	KUNIT_EXPECT_PTR_EQ(test, tcpalt_cc_find("cubic"), &tcpalt_cubic);
	KUNIT_EXPECT_PTR_EQ(test, tcpalt_cc_find("bbr"), (const struct tcpalt_cc_ops *)NULL);
	KUNIT_EXPECT_PTR_EQ(test, tcpalt_cc_find(""), (const struct tcpalt_cc_ops *)NULL);
	KUNIT_EXPECT_EQ(test, tcpalt_cc_available(buf, sizeof(buf)), strlen("reno cubic"));
	KUNIT_EXPECT_STREQ(test, buf, "reno cubic");
	tcpalt_cc_available(buf, 5);
	KUNIT_EXPECT_STREQ(test, buf, "reno");
}

static struct kunit_case tcpalt_cong_test_cases[] = {
	KUNIT_CASE(tcpalt_cong_test_reno_slow_start),
	KUNIT_CASE(tcpalt_cong_test_reno_cong_avoid),
	KUNIT_CASE(tcpalt_cong_test_reno_ssthresh),
	KUNIT_CASE(tcpalt_cong_test_cubic_root),
	KUNIT_CASE(tcpalt_cong_test_cubic_k),
	KUNIT_CASE(tcpalt_cong_test_cubic_w),
	KUNIT_CASE(tcpalt_cong_test_cubic_beta_fast_convergence),
	KUNIT_CASE(tcpalt_cong_test_cubic_regions),
	KUNIT_CASE(tcpalt_cong_test_cubic_reno_friendly),
	KUNIT_CASE(tcpalt_cong_test_cubic_no_wmax),
	KUNIT_CASE(tcpalt_cong_test_hystart_delay),
	KUNIT_CASE(tcpalt_cong_test_hystart_ack_train),
	KUNIT_CASE(tcpalt_cong_test_hystart_low_window),
	KUNIT_CASE(tcpalt_cong_test_undo),
	KUNIT_CASE(tcpalt_cong_test_cubic_loss_state),
	KUNIT_CASE(tcpalt_cong_test_cubic_idle),
	KUNIT_CASE(tcpalt_cong_test_reinit),
	KUNIT_CASE(tcpalt_cong_test_table),
	{}
};

static struct kunit_suite tcpalt_cong_test_suite = {
	.name = "tcpalt_cong",
	.test_cases = tcpalt_cong_test_cases,
};

kunit_test_suite(tcpalt_cong_test_suite);
