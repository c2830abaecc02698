// SPDX-License-Identifier: GPL-2.0
/*
 * TIME-WAIT (RFC 9293 3.6, DESIGN D4): when a connection enters TIME-WAIT its socket is
 * freed and a small entry takes its place in the established table for 2MSL.  The entry
 * re-ACKs a retransmitted FIN and restarts 2MSL (RFC 9293 3.10.7.4), ignores RST (RFC 1337),
 * and yields to a new SYN whose sequence number is above the old connection's (RFC 1122
 * 4.2.2.13; without timestamps this is the rule Linux applies too).
 *
 * References: the armed hrtimer holds one, the table another, each lookup one more.  Exactly
 * one of the timer callback, tcpalt_tw_kill() and tcpalt_tw_purge() drops the timer's.
 */
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "seq.h"
#include "tcpalt.h"

/**
 * tcpalt_tw_put() - drop a reference; the last one frees the entry after a grace period.
 * @tw: the entry
 */
void tcpalt_tw_put(struct tcpalt_tw *tw)
{
	if (refcount_dec_and_test(&tw->refcnt))
		kfree_rcu(tw, rcu);
}

static void tcpalt_tw_unlink(struct tcpalt_tw *tw)
{
	tcpalt_unhash(&tw->h);
	tcpalt_all_del(&tw->h);
	tcpalt_port_put(xchg(&tw->port, NULL), false);
}

/* The entry ends (by whoever won its timer): TIME-WAIT -> CLOSED; drop the timer's ref. */
static void tcpalt_tw_end(struct tcpalt_tw *tw)
{
	atomic_dec(&tcpalt_pernet(tw->h.net)->tw_count);
	tcpalt_trace_tw_end(tw);
	tcpalt_tw_unlink(tw);
	tcpalt_tw_put(tw);
}

static enum hrtimer_restart tcpalt_tw_timer_fn(struct hrtimer *t)
{
	tcpalt_tw_end(container_of(t, struct tcpalt_tw, timer));
	return HRTIMER_NORESTART;
}

static u64 tcpalt_tw_len_ns(struct net *net)
{
	return 2ULL * tcpalt_pernet(net)->msl_ms * NSEC_PER_MSEC;
}

/**
 * tcpalt_time_wait() - enter TIME-WAIT: replace @sk by a TIME-WAIT entry and end @sk.
 * @sk: the socket, just past the peer's FIN and with its own FIN acknowledged or not yet
 *      (CLOSING/FIN-WAIT-2 paths); must be locked by the caller
 */
void tcpalt_time_wait(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct net *net = sock_net(sk);
	struct tcpalt_net *tn = tcpalt_pernet(net);
	struct tcpalt_tw *tw;

	tcpalt_set_state(sk, TCP_TIME_WAIT);
	tw = NULL;
	if (atomic_read(&tn->tw_count) <
	    READ_ONCE(net->ipv4.tcp_death_row.sysctl_max_tw_buckets))
		tw = kzalloc(sizeof(*tw), GFP_ATOMIC);
	else
		tcpalt_mib_inc(net, TCPALT_MIB_TWOVERFLOW);	/* as "bucket table overflow" */
	if (tw) {
		atomic_inc(&tn->tw_count);
		tw->h = ts->h;
		tw->h.kind = TCPALT_KIND_TW;
		tw->h.hashed = 0;
		INIT_LIST_HEAD(&tw->h.all);
		refcount_set(&tw->refcnt, 1);	/* the timer's */
		tw->snd_nxt = ts->snd_nxt;
		tw->rcv_nxt = ts->rcv_nxt;
		/* The window field as sent: shifted by our scale (RFC 7323 2.3). */
		tw->rcv_wnd = min(ts->rcv_wnd >> ts->rcv_wscale, TCPALT_MAX_WINDOW);
		tw->tstamp_ok = ts->tstamp_ok;
		tw->ts_offset = ts->ts_offset;
		tw->ts_recent = ts->ts_recent;
		tw->ts_recent_stamp = ts->ts_recent_stamp;
		tw->port = ts->port;	/* the port stays taken for 2MSL */
		ts->port = NULL;
		hrtimer_init(&tw->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
		tw->timer.function = tcpalt_tw_timer_fn;
		tcpalt_all_add(&tw->h);
		hrtimer_start(&tw->timer, ns_to_ktime(tcpalt_tw_len_ns(net)),
			      HRTIMER_MODE_REL_SOFT);
		if (ts->h.hashed == 'e')
			tcpalt_ehash_replace(&ts->h, &tw->h);
	}
	/* Without memory for the entry the connection just ends, as Linux does. */
	if (!tw)
		tcpalt_trace_sk(sk, TCP_TIME_WAIT, TCP_CLOSE);
	tcpalt_done(sk);
}

/**
 * tcpalt_tw_kill() - end a TIME-WAIT entry now (a new SYN took its 4-tuple).
 * @tw: the entry; the caller holds a reference
 *
 * Return: true if this call ended it, false if its timer was already firing.
 */
bool tcpalt_tw_kill(struct tcpalt_tw *tw)
{
	if (hrtimer_try_to_cancel(&tw->timer) != 1)
		return false;
	tcpalt_tw_end(tw);
	return true;
}

/**
 * tcpalt_tw_reuse() - connect() takes its 4-tuple from the TIME-WAIT entry holding it, when
 * net.ipv4.tcp_tw_reuse allows (1; 2, the default: toward or from a loopback address) and
 * the entry's timestamps make it safe: a second has passed since the last one it took, so
 * PAWS tells the old connection's duplicates from the new one's (tcp_twsk_unique()).
 * @sk: the connecting socket, its 4-tuple in its hash node; process context
 *
 * Return: the ISN for the new connection, above what the old one sent (0: the entry stays).
 */
u32 tcpalt_tw_reuse(struct sock *sk)
{
	struct tcpalt_hnode *h = &tcpalt_sk(sk)->h;
	struct net *net = sock_net(sk);
	int reuse = READ_ONCE(net->ipv4.sysctl_tcp_tw_reuse);
	struct tcpalt_tw *tw;
	u32 isn = 0;

	if (!reuse)
		return 0;
	tw = tcpalt_lookup_tw(net, h->laddr, h->lport, h->raddr, h->rport);
	if (!tw)
		return 0;
	if (reuse == 2 && !ipv4_is_loopback(h->laddr) && !ipv4_is_loopback(h->raddr) &&
	    sk->sk_bound_dev_if != LOOPBACK_IFINDEX)
		reuse = 0;
	if (reuse && tw->tstamp_ok && tw->ts_recent_stamp &&
	    time_after32((u32)ktime_get_seconds(), tw->ts_recent_stamp) && tcpalt_tw_kill(tw)) {
		isn = (tw->snd_nxt + 65535 + 2) ? : 1;
		tcpalt_mib_inc(net, TCPALT_MIB_TWRECYCLED);
	}
	tcpalt_tw_put(tw);
	return isn;
}

/* The timestamps of a segment for the entry (none when the connection did not use them). */
static void tcpalt_tw_options(struct tcpalt_tw *tw, struct sk_buff *skb, struct tcpalt_opts *o)
{
	const struct tcphdr *th = tcp_hdr(skb);

	o->saw_ts = 0;
	if (tw->tstamp_ok && th->doff > sizeof(*th) / 4 &&
	    tcpalt_parse_options((const u8 *)(th + 1), th->doff * 4 - sizeof(*th), o))
		tcpalt_mib_inc(tw->h.net, TCPALT_MIB_MALFORMED);
}

/* The entry's ACK, with timestamps when the connection used them. */
static void tcpalt_tw_ack(struct tcpalt_tw *tw, struct sk_buff *skb)
{
	if (tw->tstamp_ok)
		tcpalt_send_reply_ts(tw->h.net, skb, tw->snd_nxt, tw->rcv_nxt, TCPALT_ACK,
				     tw->rcv_wnd,
				     (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC) + tw->ts_offset,
				     tw->ts_recent);
	else
		tcpalt_send_reply(tw->h.net, skb, tw->snd_nxt, tw->rcv_nxt, TCPALT_ACK,
				  tw->rcv_wnd);
}

/**
 * tcpalt_tw_rcv() - a segment for a connection in TIME-WAIT (RFC 9293 3.10.7.4).
 * @tw: the entry; the caller holds a reference
 * @skb: the validated segment; consumed unless the verdict is TCPALT_TW_SYN
 *
 * Return: TCPALT_TW_DONE, or TCPALT_TW_SYN when a new SYN ended the entry: the caller hands
 * @skb to the port's listener.
 */
enum tcpalt_tw_verdict tcpalt_tw_rcv(struct tcpalt_tw *tw, struct sk_buff *skb)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	struct net *net = tw->h.net;
	struct tcpalt_opts o;
	bool paws_reject;

	if (cb->flags & TCPALT_RST) {
		/* RFC 1337: TIME-WAIT assassination hazards; stay. */
		tcpalt_mib_inc(net, TCPALT_MIB_TWRSTIGNORED);
		goto drop;
	}
	tcpalt_tw_options(tw, skb, &o);
	paws_reject = tw->tstamp_ok && o.saw_ts && tw->ts_recent_stamp &&
		      (s32)(tw->ts_recent - o.tsval) > 1;
	/*
	 * A new SYN ends the entry (RFC 9293 3.10.7.4 and RFC 6191): one above the old
	 * connection's sequence space, or, when it used timestamps, one whose TSval is newer.
	 */
	if ((cb->flags & (TCPALT_SYN | TCPALT_ACK)) == TCPALT_SYN && !paws_reject &&
	    (tcpalt_seq_after(cb->seq, tw->rcv_nxt) ||
	     (tw->tstamp_ok && o.saw_ts && (s32)(o.tsval - tw->ts_recent) > 0)) &&
	    tcpalt_tw_kill(tw)) {
		tcpalt_mib_inc(net, TCPALT_MIB_TWRECYCLED);
		return TCPALT_TW_SYN;
	}
	if (paws_reject) {
		tcpalt_mib_inc(net, TCPALT_MIB_PAWSDROP);
		tcpalt_tw_ack(tw, skb);
		goto drop;
	}
	if ((cb->flags & TCPALT_FIN) && cb->end_seq == tw->rcv_nxt) {
		/* The peer did not get our ACK of its FIN: ACK again, restart 2MSL. */
		tcpalt_mib_inc(net, TCPALT_MIB_TWREACKS);
		if (o.saw_ts) {
			tw->ts_recent = o.tsval;
			tw->ts_recent_stamp = ktime_get_seconds();
		}
		if (hrtimer_try_to_cancel(&tw->timer) == 1)
			hrtimer_start(&tw->timer, ns_to_ktime(tcpalt_tw_len_ns(net)),
				      HRTIMER_MODE_REL_SOFT);
		tcpalt_tw_ack(tw, skb);
		goto drop;
	}
	/* Anything else that is not an old duplicate ACK gets an ACK (3.10.7.4 first). */
	if (cb->end_seq != cb->seq || (cb->flags & TCPALT_SYN))
		tcpalt_tw_ack(tw, skb);
drop:
	kfree_skb(skb);
	return TCPALT_TW_DONE;
}

/**
 * tcpalt_tw_ms_left() - milliseconds until the entry's 2MSL ends.
 * @tw: the entry
 *
 * Return: the time left, 0 if it is ending.
 */
s64 tcpalt_tw_ms_left(struct tcpalt_tw *tw)
{
	s64 ms = ktime_to_ms(hrtimer_get_remaining(&tw->timer));

	return ms > 0 ? ms : 0;
}

/**
 * tcpalt_tw_purge() - end every TIME-WAIT entry of @net: its exit (module unload included).
 * Process context.
 * @net: namespace
 *
 * By then the namespace has no sockets left, so each pass finds an entry at the head of the
 * list and the whole purge is linear.
 */
void tcpalt_tw_purge(struct net *net)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);
	struct tcpalt_hnode *h;
	struct tcpalt_tw *tw;

	for (;;) {
		tw = NULL;
		spin_lock_bh(&tn->all_lock);
		list_for_each_entry(h, &tn->all, all) {
			if (h->kind == TCPALT_KIND_TW) {
				tw = container_of(h, struct tcpalt_tw, h);
				refcount_inc(&tw->refcnt);
				break;
			}
		}
		spin_unlock_bh(&tn->all_lock);
		if (!tw)
			return;
		if (hrtimer_cancel(&tw->timer))
			tcpalt_tw_end(tw);
		else	/* the callback ran; make sure the entry is off the list */
			tcpalt_tw_unlink(tw);
		tcpalt_tw_put(tw);
	}
}
