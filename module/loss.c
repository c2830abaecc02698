// SPDX-License-Identifier: GPL-2.0
/*
 * Loss-recovery arithmetic that needs no socket: the SACK blocks a receiver reports
 * (RFC 2018 4, as tcp_sack_new_ofo_skb() and tcp_sack_remove()), RACK's reordering window
 * (RFC 8985 6.2, tcp_rack_reo_wnd()) and Proportional Rate Reduction (RFC 6937,
 * tcp_cwnd_reduction()).  Pure logic: tested by loss_test.c.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "loss.h"
#include "seq.h"

/* Do [s1, e1) and [s2, e2) overlap or touch? */
static bool tcpalt_sack_meets(u32 s1, u32 e1, u32 s2, u32 e2)
{
	return !tcpalt_seq_after(s1, e2) && !tcpalt_seq_after(s2, e1);
}

/**
 * tcpalt_sack_add() - a segment [@start, @end) joined the out-of-order queue: the block that
 * holds it goes first (RFC 2018 4: the first block reports the most recent segment), merged
 * with every block it meets; the oldest block falls off when all are in use.
 * @b: the blocks, most recent first (TCPALT_MAX_SACKS of room)
 * @n: how many are in use
 * @start: first sequence number of the segment
 * @end: sequence number after it
 */
void tcpalt_sack_add(struct tcpalt_sack_block *b, u8 *n, u32 start, u32 end)
{
	struct tcpalt_sack_block cur = { start, end };
	int i, k;

	/* Merge every block the new one meets into it, removing them from the list. */
	for (i = 0, k = 0; i < *n; i++) {
		if (tcpalt_sack_meets(b[i].start, b[i].end, cur.start, cur.end)) {
			if (tcpalt_seq_before(b[i].start, cur.start))
				cur.start = b[i].start;
			if (tcpalt_seq_after(b[i].end, cur.end))
				cur.end = b[i].end;
			continue;
		}
		b[k++] = b[i];
	}
	if (k == TCPALT_MAX_SACKS)
		k--;	/* the least recent goes */
	memmove(&b[1], &b[0], k * sizeof(*b));
	b[0] = cur;
	*n = k + 1;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_sack_add);

/**
 * tcpalt_sack_trim() - RCV.NXT advanced to @rcv_nxt: blocks it reached are in order now and
 * go (tcp_sack_remove()).
 * @b: the blocks
 * @n: how many are in use
 * @rcv_nxt: the new RCV.NXT
 */
void tcpalt_sack_trim(struct tcpalt_sack_block *b, u8 *n, u32 rcv_nxt)
{
	int i, k;

	for (i = 0, k = 0; i < *n; i++)
		if (tcpalt_seq_after(b[i].start, rcv_nxt))
			b[k++] = b[i];
	*n = k;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_sack_trim);

/**
 * tcpalt_rack_reo_wnd_us() - RACK's reordering window (RFC 8985 6.2, tcp_rack_reo_wnd()):
 * none while no reordering was seen and either recovery is on or three segments were SACKed
 * above a hole (the DupThresh that makes RACK act as fast retransmit), else a quarter of the
 * minimum RTT, at most the smoothed RTT.
 * @reord_seen: the connection has seen reordering
 * @recovering: in fast recovery or after a timeout
 * @sacked_segs: segments SACKed
 * @min_rtt_us: minimum RTT
 * @srtt_us: smoothed RTT
 *
 * Return: the window in microseconds.
 */
u32 tcpalt_rack_reo_wnd_us(bool reord_seen, bool recovering, u32 sacked_segs, u32 min_rtt_us,
			   u32 srtt_us)
{
	if (!reord_seen && (recovering || sacked_segs >= 3))
		return 0;
	return min(min_rtt_us / 4, srtt_us);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_rack_reo_wnd_us);

/**
 * tcpalt_prr_cwnd() - the congestion window for one ACK in fast recovery, by Proportional
 * Rate Reduction (RFC 6937 with PRR-SSRB, as Linux's tcp_cwnd_reduction()), in bytes.
 * @ssthresh: the target window
 * @pipe: bytes in flight after the ACK
 * @prior_cwnd: cwnd when recovery began
 * @prr_delivered: bytes delivered in recovery so far; this ACK's are added
 * @prr_out: bytes sent in recovery so far
 * @newly_delivered: bytes this ACK acknowledged or SACKed
 * @una_advanced: the ACK moved SND.UNA and marked nothing newly lost
 * @mss: the send MSS
 *
 * While pipe is above ssthresh, sending follows delivery scaled by ssthresh/prior_cwnd;
 * below it, slow start brings pipe back up to ssthresh.  The first ACK always sends one
 * segment: the fast retransmit.
 * Return: the new cwnd: pipe plus what may be sent now.
 */
u32 tcpalt_prr_cwnd(u32 ssthresh, u32 pipe, u32 prior_cwnd, u32 *prr_delivered, u32 prr_out,
		    u32 newly_delivered, bool una_advanced, u32 mss)
{
	s64 sndcnt;

	*prr_delivered += newly_delivered;
	if (pipe > ssthresh) {
		u64 d = (u64)ssthresh * *prr_delivered + max(prior_cwnd, 1U) - 1;

		sndcnt = (s64)div_u64(d, max(prior_cwnd, 1U)) - prr_out;
	} else {
		sndcnt = max_t(s64, (s64)*prr_delivered - prr_out, newly_delivered);
		if (una_advanced)
			sndcnt += mss;
		sndcnt = min_t(s64, sndcnt, ssthresh - pipe);
	}
	if (!prr_out)
		sndcnt = max_t(s64, sndcnt, mss);
	sndcnt = max_t(s64, sndcnt, 0);
	return pipe + (u32)sndcnt;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_prr_cwnd);
