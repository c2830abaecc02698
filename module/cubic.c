// SPDX-License-Identifier: GPL-2.0
/*
 * CUBIC (RFC 9438) with HyStart, as Linux 6.1's tcp_cubic.c: beta_cubic 717/1024, C = 0.4
 * (bic_scale 41), fast convergence, the Reno-friendly region, the cube root by a table and one
 * Newton-Raphson step, HyStart's ACK-train and delay detection.  Pure logic: only struct
 * tcpalt_cc and struct tcpalt_cc_ack, no socket, no locking; tested by cong_test.c.
 *
 * tcpalt's windows are in bytes; CUBIC thinks in segments of cc->mss, so each entry point
 * divides by the MSS and growth goes back through the byte-counting tcpalt_cc_cong_avoid_ai().
 * Linux counts time in jiffies; tcpalt's ACKs carry microseconds, so time here is in
 * microseconds and "once per jiffy" is once per TCPALT_CUBIC_TICK_US.
 */
#include <kunit/visibility.h>
#include <linux/bits.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "cong.h"
#include "seq.h"

#define TCPALT_CUBIC_FALLBACK_MSS	536	/* before the connection has an MSS (SYN timeout) */
#define TCPALT_CUBIC_TICK_US		1000	/* Linux's jiffy at HZ=1000 */
/* RFC 9438 4.3: alpha_cubic = 3(1 - beta)/(1 + beta); Linux's beta_scale = 8/alpha = 15. */
#define TCPALT_CUBIC_BETA_ALPHA		(8 * (TCPALT_CUBIC_BETA_SCALE + TCPALT_CUBIC_BETA) / 3 / \
					 (TCPALT_CUBIC_BETA_SCALE - TCPALT_CUBIC_BETA))
/* C / RTT scaled by 2^10 with Linux's constant 100 ms RTT: bic_scale * 10 = 410 (C = 0.4). */
#define TCPALT_CUBIC_RTT_SCALE		(41 * 10)
/* K = cbrt(cube_factor * (W_max - cwnd)) in 1/1024 s: 2^(10 + 3 * 10) / 410. */
#define TCPALT_CUBIC_FACTOR		(BIT_ULL(10 + 3 * TCPALT_CUBIC_HZ) / \
					 TCPALT_CUBIC_RTT_SCALE)
/* Beyond this (in 1/1024 s, 256 s) |t - K|^3 * 410 would overflow 64 bits' headroom. */
#define TCPALT_CUBIC_OFFS_MAX		BIT(18)

static u32 tcpalt_cubic_mss(const struct tcpalt_cc *cc)
{
	return cc->mss ? : TCPALT_CUBIC_FALLBACK_MSS;
}

static u32 tcpalt_cubic_segs(const struct tcpalt_cc *cc, u32 bytes)
{
	return max(bytes / tcpalt_cubic_mss(cc), 1U);
}

/**
 * tcpalt_cubic_root() - cube root of @a, by a table lookup and one Newton-Raphson step (Linux's
 * cubic_root(): average error about 0.2%).
 * @a: the number
 *
 * Return: cbrt(@a), rounded.
 */
u32 tcpalt_cubic_root(u64 a)
{
	/* v[x] = cbrt(x << 18) - 1 for x in [0, 63]; cbrt(x) = (v[x] + 10) >> 6 (Willy Tarreau) */
	static const u8 v[] = {
		0,   54,  54,  54,  118, 118, 118, 118,
		123, 129, 134, 138, 143, 147, 151, 156,
		157, 161, 164, 168, 170, 173, 176, 179,
		181, 185, 187, 190, 192, 194, 197, 199,
		200, 202, 204, 206, 209, 211, 213, 215,
		217, 219, 221, 222, 224, 225, 227, 229,
		231, 232, 234, 236, 237, 239, 240, 242,
		244, 245, 246, 248, 250, 251, 252, 254,
	};
	u32 x, b, shift;

	b = fls64(a);
	if (b < 7)	/* a in [0, 63] */
		return ((u32)v[(u32)a] + 35) >> 6;
	b = ((b * 84) >> 8) - 1;
	shift = a >> (b * 3);
	x = ((u32)(((u32)v[shift] + 10) << b)) >> 6;
	/* x' = (2x + a / x^2) / 3, with x(x - 1) for x^2 and 341/1024 for 1/3 */
	x = 2 * x + (u32)div64_u64(a, (u64)x * (u64)(x - 1));
	return (x * 341) >> 10;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cubic_root);

/**
 * tcpalt_cubic_k() - RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), the time the cubic
 * curve takes from the window after a reduction back to W_max.
 * @w_max: W_max (segments)
 * @cwnd: cwnd at the start of the epoch (segments)
 *
 * Return: K in 1/1024 s; 0 when @cwnd is already at or above @w_max.
 */
u32 tcpalt_cubic_k(u32 w_max, u32 cwnd)
{
	if (w_max <= cwnd)
		return 0;
	return tcpalt_cubic_root(TCPALT_CUBIC_FACTOR * (w_max - cwnd));
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cubic_k);

/**
 * tcpalt_cubic_w() - RFC 9438 eq. 1: W_cubic(t) = C (t - K)^3 + W_max.
 * @origin: W_max of the epoch (segments)
 * @k: K (1/1024 s)
 * @t: time since the epoch began (1/1024 s)
 *
 * Return: W_cubic(@t) in segments, rounded down, as Linux's bictcp_update().
 */
u32 tcpalt_cubic_w(u32 origin, u32 k, u64 t)
{
	u64 offs = t < k ? k - t : t - k;
	u32 delta;

	offs = min_t(u64, offs, TCPALT_CUBIC_OFFS_MAX);
	delta = (TCPALT_CUBIC_RTT_SCALE * offs * offs * offs) >> (10 + 3 * TCPALT_CUBIC_HZ);
	if (t < k)	/* concave: below the plateau */
		return origin - min(delta, origin);
	return origin + delta;	/* convex: probing beyond W_max */
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cubic_w);

/* HyStart: a new round begins now, ending when what is sent so far is acknowledged. */
static void tcpalt_hystart_reset(struct tcpalt_cubic *ca, u32 now, u32 snd_nxt)
{
	ca->round_valid = 1;
	ca->round_start = now;
	ca->last_ack = now;
	ca->end_seq = snd_nxt;
	ca->curr_rtt = ~0U;
	ca->sample_cnt = 0;
}

/*
 * Linux's bictcp_reset() + bictcp_hystart_reset(): a fresh start.  The first HyStart round
 * begins at the next ACK, which carries the time and SND.NXT that Linux reads from the
 * socket (the same round: Linux's first round ends at the first ACK of data).
 */
static void tcpalt_cubic_init(struct tcpalt_cc *cc)
{
	memset(tcpalt_cubic_ca(cc), 0, sizeof(struct tcpalt_cubic));
}

/*
 * cnt, the segments to acknowledge per segment of growth (bictcp_update()): toward
 * W_cubic(t + RTT) (RFC 9438 4.2, 4.4, 4.5), at least as fast as Reno would grow (4.3).
 */
static void tcpalt_cubic_update(struct tcpalt_cubic *ca, u32 cwnd, u32 acked, u32 mss, u64 now)
{
	u32 delta, target, max_cnt;
	u64 t;

	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd && now - ca->last_time <= USEC_PER_SEC / 32)
		return;
	/* cnt changes at most once per tick; every reduction ends the epoch and forces it. */
	if (ca->epoch_start && now - ca->last_time < TCPALT_CUBIC_TICK_US)
		goto friendliness;
	ca->last_cwnd = cwnd;
	ca->last_time = now;
	if (!ca->epoch_start) {
		ca->epoch_start = now ? : 1;
		ca->ack_cnt = acked;
		ca->tcp_cwnd = cwnd;
		if (ca->last_max_cwnd <= cwnd) {
			ca->k = 0;
			ca->origin_point = cwnd;
		} else {
			ca->k = tcpalt_cubic_k(ca->last_max_cwnd, cwnd);
			ca->origin_point = ca->last_max_cwnd;
		}
	}
	/* RFC 9438 4.2: the target is W_cubic(t + RTT), RTT being the smallest one seen. */
	t = div64_u64((now - ca->epoch_start + ca->delay_min) << TCPALT_CUBIC_HZ, USEC_PER_SEC);
	target = tcpalt_cubic_w(ca->origin_point, ca->k, t);
	if (target > cwnd)
		ca->cnt = cwnd / (target - cwnd);
	else
		ca->cnt = 100 * cwnd;	/* at the plateau: a very small increase */
	/* No W_max yet (no loss): the curve is too timid; at least 5% a round trip. */
	if (!ca->last_max_cwnd && ca->cnt > 20)
		ca->cnt = 20;

friendliness:
	/*
	 * RFC 9438 4.3: W_est grows by alpha_cubic = 8/15 segment per window acknowledged; while
	 * it is ahead of cwnd, grow as fast as it does.
	 */
	delta = ((cwnd * TCPALT_CUBIC_BETA_ALPHA) >> 3) * mss;
	while (delta && ca->ack_cnt > delta) {
		ca->ack_cnt -= delta;
		ca->tcp_cwnd++;
	}
	if (ca->tcp_cwnd > cwnd) {
		max_cnt = cwnd / (ca->tcp_cwnd - cwnd);
		ca->cnt = min(ca->cnt, max_cnt);
	}
	/* At most one segment per two acknowledged: 1.5 times a round trip. */
	ca->cnt = max(ca->cnt, 2U);
}

static void tcpalt_cubic_cong_avoid(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a)
{
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(cc);
	u32 acked = a->acked, mss = tcpalt_cubic_mss(cc);

	if (cc->cwnd < cc->ssthresh) {
		acked = tcpalt_cc_slow_start(cc, acked);
		if (!acked)
			return;
	}
	tcpalt_cubic_update(ca, tcpalt_cubic_segs(cc, cc->cwnd), acked, mss, a->now_us);
	tcpalt_cc_cong_avoid_ai(cc, min_t(u64, (u64)ca->cnt * mss, U32_MAX), acked);
}

/*
 * RFC 9438 4.6 and 4.7: ssthresh = cwnd * beta_cubic, and W_max remembers the window; when it
 * falls short of the last W_max another flow is taking bandwidth: release some (fast
 * convergence, W_max * (1 + beta) / 2).
 */
static u32 tcpalt_cubic_ssthresh(struct tcpalt_cc *cc)
{
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(cc);
	u32 cwnd = tcpalt_cubic_segs(cc, cc->cwnd);

	ca->epoch_start = 0;
	if (cwnd < ca->last_max_cwnd)
		ca->last_max_cwnd = (u64)cwnd * (TCPALT_CUBIC_BETA_SCALE + TCPALT_CUBIC_BETA) /
				    (2 * TCPALT_CUBIC_BETA_SCALE);
	else
		ca->last_max_cwnd = cwnd;
	return max_t(u32, (u64)cwnd * TCPALT_CUBIC_BETA / TCPALT_CUBIC_BETA_SCALE, 2U) *
	       tcpalt_cubic_mss(cc);
}

/* A timeout (TCP_CA_Loss) forgets everything, W_max and HyStart's findings included. */
static void tcpalt_cubic_set_state(struct tcpalt_cc *cc, u8 state)
{
	if (state == TCP_CA_Loss)
		tcpalt_cubic_init(cc);
}

/*
 * Sending again after an idle time: the epoch moves by the idle time, so the curve goes on
 * where it stopped (Linux's CA_EVENT_TX_START, RFC 9438 5.8).  Linux measures from the last
 * send to the restart; without a clock here the next ACK measures from the last ACK, which is
 * the same span one round trip later.
 */
static void tcpalt_cubic_cwnd_event(struct tcpalt_cc *cc, enum tcp_ca_event ev)
{
	if (ev == CA_EVENT_TX_START)
		tcpalt_cubic_ca(cc)->idle_restart = 1;
}

/* HyStart (hystart_update()): leave slow start at an ACK train as long as RTT/2 or a delay rise. */
static void tcpalt_hystart_update(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a, u32 delay)
{
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(cc);
	u32 now = (u32)a->now_us, threshold;

	if (!ca->round_valid || tcpalt_seq_after(a->snd_una, ca->end_seq))
		tcpalt_hystart_reset(ca, now, a->snd_nxt);
	if (cc->cwnd / tcpalt_cubic_mss(cc) < TCPALT_HYSTART_LOW_WINDOW)
		return;
	if ((s32)(now - ca->last_ack) <= TCPALT_HYSTART_ACK_DELTA_US) {
		ca->last_ack = now;
		/*
		 * The train has lasted half the minimum RTT: the pipe is full.  (Linux adds
		 * hystart_ack_delay() for a paced socket; tcpalt sets no sk_pacing_rate, so that
		 * is 0 there as here.)
		 */
		threshold = ca->delay_min >> 1;
		if ((s32)(now - ca->round_start) > threshold) {
			ca->found = 1;
			cc->ssthresh = cc->cwnd;
		}
	}
	/* The round's smallest RTT is above delay_min by an eighth of it (4 to 16 ms). */
	if (ca->curr_rtt > delay)
		ca->curr_rtt = delay;
	if (ca->sample_cnt < TCPALT_HYSTART_MIN_SAMPLES) {
		ca->sample_cnt++;
	} else if (ca->curr_rtt > ca->delay_min + clamp(ca->delay_min >> 3,
							 TCPALT_HYSTART_DELAY_MIN,
							 TCPALT_HYSTART_DELAY_MAX)) {
		ca->found = 1;
		cc->ssthresh = cc->cwnd;
	}
}

static void tcpalt_cubic_pkts_acked(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a)
{
	struct tcpalt_cubic *ca = tcpalt_cubic_ca(cc);
	u32 delay;

	if (ca->idle_restart) {
		ca->idle_restart = 0;
		if (ca->epoch_start && a->now_us > ca->last_ack_us) {
			ca->epoch_start += a->now_us - ca->last_ack_us;
			ca->epoch_start = min(ca->epoch_start, a->now_us);
		}
	}
	ca->last_ack_us = a->now_us;
	if (a->rtt_us < 0)
		return;
	/* No delay samples in the first second after a reduction. */
	if (ca->epoch_start && a->now_us - ca->epoch_start < USEC_PER_SEC)
		return;
	delay = a->rtt_us ? : 1;
	if (!ca->delay_min || ca->delay_min > delay)
		ca->delay_min = delay;
	if (!ca->found && cc->cwnd < cc->ssthresh)
		tcpalt_hystart_update(cc, a, delay);
}

const struct tcpalt_cc_ops tcpalt_cubic = {
	.name = "cubic",
	.init = tcpalt_cubic_init,
	.ssthresh = tcpalt_cubic_ssthresh,
	.cong_avoid = tcpalt_cubic_cong_avoid,
	.pkts_acked = tcpalt_cubic_pkts_acked,
	.set_state = tcpalt_cubic_set_state,
	.cwnd_event = tcpalt_cubic_cwnd_event,
	.undo_cwnd = tcpalt_reno_undo_cwnd,	/* as Linux 6.1 */
};
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cubic);

static_assert(sizeof(struct tcpalt_cubic) <= sizeof_field(struct tcpalt_cc, priv));
