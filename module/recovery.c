// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's side of loss recovery, as Linux 6.1 does it by default:
 *
 *   scoreboard   SACK blocks (RFC 2018) mark sent segments SACKed; D-SACK (RFC 2883) reports
 *                duplicates.  Segments are split at block edges (tcp_sacktag_walk()).
 *   detection    RACK (RFC 8985): a segment is lost once one sent after it was delivered and
 *                a reordering window has passed; without SACK, three duplicate ACKs and
 *                NewReno's partial ACKs (RFC 5681, RFC 6582).  TLP (RFC 8985 7) probes a
 *                silent tail so that its loss shows without a timeout.
 *   recovery     fast recovery with Proportional Rate Reduction (RFC 6937); after a timeout,
 *                everything not SACKed is lost and resent as the window allows.
 *   undo         a reduction shown spurious by timestamps (RFC 3522's Eifel detection, as
 *                tcp_packet_delayed()) or by D-SACKs for every retransmission is undone.
 *
 * Everything here runs under the socket lock.  Windows and counts are in bytes.
 */
#include <linux/random.h>
#include <linux/tcp.h>
#include <net/tcp.h>

#include "loss.h"
#include "seq.h"
#include "tcpalt.h"

/* The bytes of @cb at or above SND.UNA. */
static u32 tcpalt_skb_live(const struct tcpalt_sock *ts, const struct tcpalt_skb_cb *cb)
{
	u32 start = tcpalt_seq_after(ts->snd_una, cb->seq) ? ts->snd_una : cb->seq;

	return tcpalt_seq_after(cb->end_seq, start) ? cb->end_seq - start : 0;
}

static void tcpalt_set_ca_state(struct tcpalt_sock *ts, u8 state)
{
	if (ts->cc.ca_state == state)
		return;
	if (ts->cc.ops->set_state)
		ts->cc.ops->set_state(&ts->cc, state);
	ts->cc.ca_state = state;
}

/**
 * tcpalt_sb_recount() - count the scoreboard again: bytes SACKed, lost and not yet resent,
 * and resent and not yet delivered.  Without SACK, each duplicate ACK stands for one segment
 * that left the network (RFC 5681 3.2, tcp_add_reno_sack()).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_sb_recount(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 sacked = 0, lost = 0, retrans = 0;
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
		u32 live;

		if (skb == ts->send_head)
			break;
		live = tcpalt_skb_live(ts, cb);
		if (cb->sacked & TCPALT_SACKED)
			sacked += live;
		else if (cb->sacked & TCPALT_RETRANS)
			retrans += live;
		else if (cb->sacked & TCPALT_LOST)
			lost += live;
	}
	if (!ts->sack_ok && ts->dupacks) {
		u32 flight = tcpalt_in_flight(ts), holes = max(lost, ts->mss);

		sacked = min_t(u64, (u64)ts->dupacks * ts->mss,
			       flight > holes ? flight - holes : 0);
	}
	ts->sacked_out = sacked;
	ts->lost_out = lost;
	ts->retrans_out = retrans;
}

/**
 * tcpalt_rack_advance() - RFC 8985 6.2 step 2: a segment was delivered; RACK remembers the
 * most recently sent one.  A retransmission that comes back faster than the minimum RTT may
 * be the original's ACK and does not count.
 * @sk: the socket; must be locked by the caller
 * @cb: the delivered segment
 * @now: the time (ns)
 */
void tcpalt_rack_advance(struct sock *sk, const struct tcpalt_skb_cb *cb, u64 now)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 rtt_us;

	if (!cb->sent_ns || now < cb->sent_ns)
		return;
	rtt_us = min_t(u64, div_u64(now - cb->sent_ns, NSEC_PER_USEC), U32_MAX);
	if (cb->retransmitted && rtt_us < ts->min_rtt_us)
		return;
	if (cb->sent_ns > ts->rack_ns ||
	    (cb->sent_ns == ts->rack_ns && tcpalt_seq_after(cb->end_seq, ts->rack_end_seq))) {
		ts->rack_ns = cb->sent_ns;
		ts->rack_end_seq = cb->end_seq;
		ts->rack_rtt_us = rtt_us;
	}
}

/* One SACK block, [@start, @end), on the sent segments: returns the bytes newly SACKed. */
static u32 tcpalt_sack_block(struct sock *sk, u32 start, u32 end, u64 now)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;
	u32 newly = 0;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

		if (skb == ts->send_head || !tcpalt_seq_before(cb->seq, end))
			break;
		if (!tcpalt_seq_after(cb->end_seq, start) || (cb->sacked & TCPALT_SACKED))
			continue;
		/* Split at the block's edges: only what it covers is SACKed. */
		if (tcpalt_seq_before(cb->seq, start)) {
			if (start - cb->seq >= skb->len ||
			    tcpalt_fragment(sk, skb, start - cb->seq))
				break;
			continue;	/* the next piece starts at the block */
		}
		if (tcpalt_seq_after(cb->end_seq, end)) {
			u32 keep = end - cb->seq;	/* a FIN beyond the data stays unSACKed */

			if (!keep || keep >= skb->len || tcpalt_fragment(sk, skb, keep))
				break;
		}
		/*
		 * Delivered without being resent, below what was SACKed before: reordering
		 * (highest_sack counts only while above SND.UNA).
		 */
		if (!cb->retransmitted && tcpalt_seq_after(ts->highest_sack, ts->snd_una) &&
		    tcpalt_seq_before(cb->end_seq, ts->highest_sack)) {
			ts->reord_seen = 1;
			ts->reord_count++;
		}
		cb->sacked = TCPALT_SACKED;
		newly += tcpalt_skb_live(ts, cb);
		tcpalt_rack_advance(sk, cb, now);
		if (!tcpalt_seq_after(ts->highest_sack, ts->snd_una) ||
		    tcpalt_seq_after(cb->end_seq, ts->highest_sack))
			ts->highest_sack = cb->end_seq;
	}
	return newly;
}

/**
 * tcpalt_sacktag() - take the SACK blocks of the ACK being processed (ts->rx_opt) into the
 * scoreboard (tcp_sacktag_write_queue()).
 * @sk: the socket; must be locked by the caller
 * @delivered: bytes newly SACKed are added
 * @dsack: set when the first block is a D-SACK (RFC 2883 4)
 */
void tcpalt_sacktag(struct sock *sk, u32 *delivered, bool *dsack)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	const struct tcpalt_opts *o = &ts->rx_opt;
	u32 ack = ts->snd_una;
	u64 now = ktime_get_ns();
	int i;

	for (i = 0; i < o->num_sacks; i++) {
		u32 start = o->sacks[i].start, end = o->sacks[i].end;

		if (!tcpalt_seq_before(start, end))
			continue;
		/* RFC 2883: a first block below the ACK or inside the second is a duplicate. */
		if (!i && (tcpalt_seq_before(start, ack) ||
			   (o->num_sacks > 1 && !tcpalt_seq_before(start, o->sacks[1].start) &&
			    !tcpalt_seq_after(end, o->sacks[1].end)))) {
			*dsack = true;
			ts->dsack_dups++;
			if (ts->undo_marker && !tcpalt_seq_before(start, ts->undo_marker) &&
			    ts->undo_retrans > 0)
				ts->undo_retrans--;
			continue;
		}
		/* Blocks must lie within what was sent and not yet acknowledged. */
		if (!tcpalt_seq_after(end, ack) || tcpalt_seq_after(end, ts->snd_nxt) ||
		    end - start > ts->snd_nxt - ts->snd_una)
			continue;
		*delivered += tcpalt_sack_block(sk, tcpalt_seq_before(start, ack) ? ack : start,
						end, now);
	}
}

/*
 * RACK's loss detection (RFC 8985 6.2 step 5, tcp_rack_detect_loss()): a segment sent before
 * the most recently delivered one is lost once RACK.rtt plus the reordering window have
 * passed since it was sent.  Returns the bytes newly marked lost; ts->reo_us is how long the
 * earliest of the others still has (0: none waits).
 */
static u32 tcpalt_rack_detect(struct sock *sk, u64 now)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 reo_us, newly = 0;
	s64 wait_max = 0;
	struct sk_buff *skb;

	ts->reo_us = 0;
	if (!ts->rack_ns)
		return 0;
	reo_us = tcpalt_rack_reo_wnd_us(ts->reord_seen, ts->cc.ca_state >= TCP_CA_Recovery,
					ts->sacked_out / max_t(u32, ts->mss, 1), ts->min_rtt_us,
					ts->rto.srtt_us);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
		s64 wait;

		if (skb == ts->send_head)
			break;
		if ((cb->sacked & TCPALT_SACKED) ||
		    (cb->sacked & (TCPALT_LOST | TCPALT_RETRANS)) == TCPALT_LOST || !cb->sent_ns)
			continue;
		if (!(cb->sent_ns < ts->rack_ns ||
		      (cb->sent_ns == ts->rack_ns &&
		       tcpalt_seq_before(cb->end_seq, ts->rack_end_seq))))
			continue;
		wait = (s64)(ts->rack_rtt_us + reo_us) * NSEC_PER_USEC - (s64)(now - cb->sent_ns);
		if (wait <= 0) {
			cb->sacked = TCPALT_LOST;
			newly += tcpalt_skb_live(ts, cb);
		} else {
			wait_max = max(wait_max, wait);
		}
	}
	if (wait_max)
		ts->reo_us = max_t(u32, div_u64(wait_max, NSEC_PER_USEC), 1);
	return newly;
}

/*
 * Without SACK (RFC 6582): the first unacknowledged segment is lost after three duplicate
 * ACKs, and again after each partial ACK in recovery.
 */
static u32 tcpalt_reno_detect(struct sock *sk, bool partial)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct tcpalt_skb_cb *cb;

	if (!skb || skb == ts->send_head)
		return 0;
	if (!(ts->cc.ca_state < TCP_CA_Recovery ? ts->dupacks >= 3 : partial))
		return 0;
	cb = TCPALT_SKB_CB(skb);
	/* The part below SND.UNA is acknowledged: what is lost starts at SND.UNA. */
	if (tcpalt_seq_before(cb->seq, ts->snd_una)) {
		u32 off = ts->snd_una - cb->seq;

		if (off >= skb->len || tcpalt_fragment(sk, skb, off) ||
		    skb_queue_is_last(&sk->sk_write_queue, skb))
			return 0;
		skb = skb_queue_next(&sk->sk_write_queue, skb);
		if (skb == ts->send_head)
			return 0;
		cb = TCPALT_SKB_CB(skb);
	}
	if (cb->sacked & TCPALT_LOST)
		return 0;
	/* Whole segments: the rest of a large one stays in flight. */
	if (skb->len > ts->mss && tcpalt_fragment(sk, skb, ts->mss))
		return 0;
	cb->sacked = TCPALT_LOST;
	return tcpalt_skb_live(ts, cb);
}

/* Start a congestion-window reduction (tcp_init_cwnd_reduction()). */
static void tcpalt_init_reduction(struct tcpalt_sock *ts, u32 prior_flight)
{
	ts->cc.prior_cwnd = ts->cc.cwnd;
	ts->cc.prior_ssthresh = ts->cc.ssthresh;
	ts->cc.ssthresh = ts->cc.ops->ssthresh(&ts->cc);
	ts->cc.cwnd_cnt = 0;
	ts->high_seq = ts->snd_nxt;
	ts->tlp_high_seq = 0;
	ts->prr_delivered = 0;
	ts->prr_out = 0;
	ts->prior_flight = prior_flight;
}

/* No segment in the write queue was ever resent (tcp_any_retrans_done(), negated). */
static bool tcpalt_none_resent(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == ts->send_head)
			break;
		if (TCPALT_SKB_CB(skb)->retransmitted)
			return false;
	}
	return true;
}

/* Fast recovery begins (tcp_enter_recovery()). */
static void tcpalt_enter_recovery(struct sock *sk, u32 prior_flight)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_FASTRETRANS);
	ts->undo_marker = ts->snd_una;
	ts->undo_retrans = -1;
	tcpalt_init_reduction(ts, prior_flight);
	tcpalt_set_ca_state(ts, TCP_CA_Recovery);
}

/**
 * tcpalt_enter_loss() - a retransmission timeout: everything not SACKed is lost, cwnd is one
 * segment, ssthresh comes from the algorithm (kept from the first of several timeouts in a
 * row), as tcp_enter_loss().
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_enter_loss(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	if (ts->cc.ca_state != TCP_CA_Loss || !ts->backoff) {
		/*
		 * retrans_stamp stays: a loss probe resent data before this timeout, and an
		 * ACK must predate that first retransmission to show the timeout spurious.
		 */
		if (ts->cc.ca_state <= TCP_CA_Disorder || !ts->undo_marker ||
		    !tcpalt_seq_before(ts->snd_una, ts->high_seq)) {
			ts->undo_marker = ts->snd_una;
			ts->undo_retrans = -1;
		}
		ts->cc.prior_cwnd = ts->cc.cwnd;
		ts->cc.prior_ssthresh = ts->cc.ssthresh;
		ts->cc.ssthresh = ts->cc.ops->ssthresh(&ts->cc);
	}
	if (ts->cc.ops->cwnd_event)
		ts->cc.ops->cwnd_event(&ts->cc, CA_EVENT_LOSS);
	ts->cc.cwnd = ts->mss;
	ts->cc.cwnd_cnt = 0;
	ts->high_seq = ts->snd_nxt;
	ts->tlp_high_seq = 0;
	ts->dupacks = 0;
	ts->reo_us = 0;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

		if (skb == ts->send_head)
			break;
		if (!(cb->sacked & TCPALT_SACKED))
			cb->sacked = TCPALT_LOST;
	}
	tcpalt_set_ca_state(ts, TCP_CA_Loss);
	tcpalt_sb_recount(sk);
}

/* Timestamps show the peer's ACK answers the original, not the retransmission. */
static bool tcpalt_packet_delayed(const struct tcpalt_sock *ts)
{
	return ts->retrans_stamp && ts->rx_opt.saw_ts && ts->rx_opt.tsecr &&
	       tcpalt_seq_before(ts->rx_opt.tsecr, ts->retrans_stamp);
}

static bool tcpalt_may_undo(const struct tcpalt_sock *ts)
{
	return ts->undo_marker && (!ts->undo_retrans || tcpalt_packet_delayed(ts));
}

/*
 * The reduction was spurious (tcp_undo_cwnd_reduction()): cwnd and ssthresh as before it,
 * nothing is lost any more.
 */
static void tcpalt_undo(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == ts->send_head)
			break;
		TCPALT_SKB_CB(skb)->sacked &= ~TCPALT_LOST;
	}
	if (ts->cc.prior_ssthresh) {
		ts->cc.cwnd = ts->cc.ops->undo_cwnd ? ts->cc.ops->undo_cwnd(&ts->cc) :
			      max(ts->cc.cwnd, ts->cc.prior_cwnd);
		ts->cc.ssthresh = max(ts->cc.ssthresh, ts->cc.prior_ssthresh);
	}
	ts->undo_marker = 0;
	ts->retrans_stamp = 0;
	ts->dupacks = 0;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_UNDO);
	tcpalt_set_ca_state(ts, TCP_CA_Open);
	tcpalt_sb_recount(sk);
}

/*
 * A loss probe's fate (tcp_process_tlp_ack()): a D-SACK for it, or a pure duplicate ACK,
 * says the original arrived too; an ACK beyond it says the probe repaired a loss, and the
 * window is reduced as for one.
 */
static void tcpalt_tlp_ack(struct sock *sk, u32 ack, bool dsack, bool una_advanced,
			   u32 prior_flight)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!ts->tlp_high_seq || tcpalt_seq_before(ack, ts->tlp_high_seq))
		return;
	if (!ts->tlp_retrans || dsack) {
		ts->tlp_high_seq = 0;
	} else if (tcpalt_seq_after(ack, ts->tlp_high_seq)) {
		tcpalt_init_reduction(ts, prior_flight);
		ts->cc.cwnd = min(ts->cc.cwnd, max(ts->cc.ssthresh, 2U * ts->mss));
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_TLPRECOVERY);
	} else if (!una_advanced) {
		ts->tlp_high_seq = 0;
	}
}

/*
 * Congestion control for an ACK outside recovery: RTT samples to the algorithm, and growth
 * only for a window in use (tcp_is_cwnd_limited()): in slow start while more than half of
 * cwnd was in flight, after it while no more than one MSS of it was idle.
 */
static void tcpalt_cc_ack(struct sock *sk, u32 acked, u32 flight, s32 rtt_us)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_cc *cc = &ts->cc;
	struct tcpalt_cc_ack a = {
		.now_us = div_u64(ktime_get_ns(), NSEC_PER_USEC),
		.acked = acked,
		.flight = flight,
		.rtt_us = rtt_us,
		.min_rtt_us = ts->min_rtt_us,
		.snd_una = ts->snd_una,
		.snd_nxt = ts->snd_nxt,
	};

	if (cc->ops->pkts_acked && acked)
		cc->ops->pkts_acked(cc, &a);
	if (cc->ca_state == TCP_CA_Recovery || cc->ca_state == TCP_CA_CWR || !acked)
		return;
	if (cc->cwnd < cc->ssthresh ? 2 * flight <= cc->cwnd : flight + ts->mss < cc->cwnd)
		return;
	cc->ops->cong_avoid(cc, &a);
}

/**
 * tcpalt_recovery_ack() - what one acceptable ACK means for loss recovery and congestion
 * control (tcp_ack()'s second half: tcp_fastretrans_alert(), tcp_cong_control()).
 * @sk: the socket; must be locked by the caller
 * @prior_una: SND.UNA before the ACK
 * @delivered: bytes it acknowledged or SACKed newly
 * @dsack: its first SACK block was a D-SACK
 * @rtt_us: its RTT sample, or -1
 * @prior_flight: bytes in flight (pipe) before it
 * @dupack: a duplicate ACK (no data, no window change, SND.UNA unchanged, data in flight)
 */
void tcpalt_recovery_ack(struct sock *sk, u32 prior_una, u32 delivered, bool dsack,
			 s32 rtt_us, u32 prior_flight, bool dupack)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	bool una_adv = tcpalt_seq_after(ts->snd_una, prior_una);
	u32 newly_lost, prior_reo = ts->reo_us;
	u8 prior_state = ts->cc.ca_state;

	if (!ts->sack_ok) {
		if (dupack) {
			ts->dupacks++;
			delivered += ts->mss;	/* a segment left the network */
		} else if (una_adv) {
			u32 segs = (ts->snd_una - prior_una) / max_t(u32, ts->mss, 1);

			ts->dupacks = ts->cc.ca_state < TCP_CA_Recovery ? 0 :
				      ts->dupacks - min(ts->dupacks, segs);
		}
	}
	tcpalt_tlp_ack(sk, ts->snd_una, dsack, una_adv, prior_flight);
	/*
	 * Nothing SACKed, lost or resent and no duplicate ACK: the scoreboard is empty and
	 * no segment can be lost by RACK (one sent later was not delivered before it), so the
	 * per-ACK walks of the write queue are skipped, as the common case of a clean path.
	 */
	if (ts->cc.ca_state == TCP_CA_Open && !ts->sacked_out && !ts->lost_out &&
	    !ts->retrans_out && !ts->dupacks && !ts->rx_opt.num_sacks && !ts->reo_us) {
		newly_lost = 0;
	} else {
		tcpalt_sb_recount(sk);
		newly_lost = ts->sack_ok ? tcpalt_rack_detect(sk, ktime_get_ns()) :
					   tcpalt_reno_detect(sk, una_adv);
		if (newly_lost)
			tcpalt_sb_recount(sk);
	}

	/* Undo a reduction shown spurious; end recovery once its data is acknowledged. */
	if (ts->cc.ca_state >= TCP_CA_Recovery && (una_adv || dsack) && tcpalt_may_undo(ts) &&
	    (ts->cc.ca_state == TCP_CA_Loss || !ts->undo_retrans ||
	     !tcpalt_seq_before(ts->snd_una, ts->high_seq))) {
		tcpalt_undo(sk);
	} else if (ts->cc.ca_state >= TCP_CA_CWR &&
		   !tcpalt_seq_before(ts->snd_una, ts->high_seq) && una_adv) {
		/* The episode's undo_marker stays: a late D-SACK may still undo it. */
		if (ts->cc.ca_state == TCP_CA_Recovery && ts->cc.ssthresh != U32_MAX)
			ts->cc.cwnd = max(ts->cc.ssthresh, 2U * ts->mss);
		ts->retrans_stamp = 0;
		ts->dupacks = 0;
		tcpalt_set_ca_state(ts, TCP_CA_Open);
	} else if (ts->cc.ca_state <= TCP_CA_Disorder && dsack && ts->undo_marker &&
		   !ts->undo_retrans) {
		/* D-SACKs showed every retransmission needless (tcp_try_undo_dsack()). */
		tcpalt_undo(sk);
	}
	if (ts->lost_out && ts->cc.ca_state < TCP_CA_Recovery) {
		tcpalt_enter_recovery(sk, prior_flight);
		prior_state = TCP_CA_Recovery;
	}
	/* No resent data left in flight: the next episode's first retransmission counts. */
	if (ts->cc.ca_state == TCP_CA_Open && ts->retrans_stamp && !ts->retrans_out &&
	    tcpalt_none_resent(sk))
		ts->retrans_stamp = 0;
	if (ts->cc.ca_state == TCP_CA_Open && ts->sacked_out)
		tcpalt_set_ca_state(ts, TCP_CA_Disorder);
	else if (ts->cc.ca_state == TCP_CA_Disorder && !ts->sacked_out)
		tcpalt_set_ca_state(ts, TCP_CA_Open);

	if (ts->cc.ca_state == TCP_CA_Recovery) {
		if (delivered || newly_lost)
			ts->cc.cwnd = tcpalt_prr_cwnd(ts->cc.ssthresh, tcpalt_pipe(ts),
						      ts->cc.prior_cwnd, &ts->prr_delivered,
						      ts->prr_out, delivered,
						      una_adv && !newly_lost, ts->mss);
		tcpalt_cc_ack(sk, delivered, prior_flight, rtt_us);	/* samples only */
	} else {
		tcpalt_cc_ack(sk, una_adv ? delivered : 0, prior_flight, rtt_us);
	}
	tcpalt_trace_cwnd(sk);
	tcpalt_xmit_retrans(sk);
	/* A new timer when recovery changed course; dupACKs alone leave the RTO where it is. */
	if (una_adv || newly_lost || ts->reo_us != prior_reo || prior_state != ts->cc.ca_state)
		tcpalt_rearm_rtx(sk);
}

/**
 * tcpalt_rack_timeout() - RACK's reordering timer fired (tcp_rack_reo_timeout()): the
 * segments it waited on are lost now unless delivered meanwhile.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_rack_timeout(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 prior_flight = tcpalt_pipe(ts);

	if (tcpalt_rack_detect(sk, ktime_get_ns())) {
		tcpalt_sb_recount(sk);
		if (ts->cc.ca_state < TCP_CA_Recovery) {
			tcpalt_enter_recovery(sk, prior_flight);
			ts->cc.cwnd = tcpalt_prr_cwnd(ts->cc.ssthresh, tcpalt_pipe(ts),
						      ts->cc.prior_cwnd, &ts->prr_delivered,
						      ts->prr_out, ts->mss, false, ts->mss);
		}
		tcpalt_xmit_retrans(sk);
	}
	tcpalt_rearm_rtx(sk);
}

/**
 * tcpalt_tlp_ns() - when a tail loss probe is due (tcp_schedule_loss_probe()): twice the
 * smoothed RTT, plus 2 jiffies, or plus the minimum RTO when a single segment is out; never
 * after the RTO.  Only with SACK, outside recovery, one probe at a time.
 * @sk: the socket; must be locked by the caller
 * @rto_ns: the retransmission timeout that would be armed
 *
 * Return: the delay in ns, or 0 when no probe is due.
 */
u64 tcpalt_tlp_ns(struct sock *sk, u64 rto_ns)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u64 pto;

	if (!ts->sack_ok || ts->cc.ca_state != TCP_CA_Open || ts->tlp_high_seq ||
	    !ts->rto.srtt_us || sk->sk_state != TCP_ESTABLISHED || ts->backoff)
		return 0;
	pto = 2ULL * ts->rto.srtt_us * NSEC_PER_USEC;
	if (tcpalt_in_flight(ts) <= ts->mss)
		pto += (u64)TCPALT_RTO_MIN_US * NSEC_PER_USEC;
	else
		pto += 2 * TICK_NSEC;
	return min(pto, rto_ns);
}

/**
 * tcpalt_tlp_timeout() - send a loss probe (tcp_send_loss_probe()): new data if the peer's
 * window has room, else the last segment sent again; the RTO follows.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_tlp_timeout(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 prior_nxt = ts->snd_nxt;
	struct sk_buff *skb, *last = NULL;

	if (ts->tlp_high_seq || ts->cc.ca_state != TCP_CA_Open || !tcpalt_in_flight(ts))
		goto rearm;
	if (ts->send_head) {
		u32 cwnd = ts->cc.cwnd;

		/* One segment beyond the congestion window, as the probe may. */
		ts->cc.cwnd = tcpalt_pipe(ts) + ts->mss;
		__tcpalt_push(sk, TCPALT_PUSH_FORCE);
		ts->cc.cwnd = max(cwnd, ts->cc.cwnd - ts->mss);
	}
	if (ts->snd_nxt != prior_nxt) {
		ts->tlp_retrans = 0;
	} else {
		skb_queue_walk(&sk->sk_write_queue, skb) {
			if (skb == ts->send_head)
				break;
			last = skb;
		}
		if (!last || (TCPALT_SKB_CB(last)->sacked & TCPALT_SACKED))
			goto rearm;
		/* The last MSS of it: that is what a lost tail needs. */
		if (last->len > ts->mss &&
		    !tcpalt_fragment(sk, last, rounddown(last->len - 1, ts->mss)))
			last = skb_queue_next(&sk->sk_write_queue, last);
		if (tcpalt_retransmit_one(sk, last))
			goto rearm;
		ts->tlp_retrans = 1;
	}
	ts->tlp_high_seq = ts->snd_nxt;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_TLP);
rearm:
	ts->rtx_kind = TCPALT_RTX_NONE;
	tcpalt_rearm_rtx(sk);
}

/**
 * tcpalt_recovery_reset() - forget what a connection learnt of its path and peer (after
 * disconnect, AF_UNSPEC connect()): options, scoreboard, recovery and congestion state.
 * @ts: the socket; must be locked by the caller
 */
void tcpalt_recovery_reset(struct tcpalt_sock *ts)
{
	ts->tstamp_ok = 0;
	ts->sack_ok = 0;
	ts->num_sacks = 0;
	ts->dsack = 0;
	ts->ts_recent = 0;
	ts->ts_recent_stamp = 0;
	ts->sacked_out = 0;
	ts->lost_out = 0;
	ts->retrans_out = 0;
	ts->dupacks = 0;
	ts->reord_seen = 0;
	ts->rack_ns = 0;
	ts->rack_rtt_us = 0;
	ts->reo_us = 0;
	ts->tlp_high_seq = 0;
	ts->retrans_stamp = 0;
	ts->undo_marker = 0;
	ts->undo_retrans = -1;
	ts->min_rtt_us = 0;
	ts->cc.ca_state = TCP_CA_Open;
	ts->cc.ssthresh = U32_MAX;
	ts->ts_offset = get_random_u32();
}
