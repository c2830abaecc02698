// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path.  tcpalt's handler for IP protocol 6 sits in front of the kernel TCP's, so
 * segments reach it where they reach TCP: after defragmentation and every LOCAL_IN hook (the
 * host firewall, SELinux, conntrack).  It takes the segments of tcpalt's connections,
 * TIME-WAIT entries and listeners, validates them (header, checksum), applies the host's
 * policy as tcp_v4_rcv() does (IPsec, socket filters), and runs RFC 9293 3.10.7 "SEGMENT
 * ARRIVES" on them.  Every other segment goes on, untouched, to the kernel TCP; ICMP errors
 * likewise (tcpalt_v4_err()).
 */
#include <linux/filter.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/protocol.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/xfrm.h>

#include "loss.h"
#include "seq.h"
#include "tcpalt.h"

static u32 tcpalt_seg_datalen(const struct sk_buff *skb)
{
	return skb->len - tcp_hdr(skb)->doff * 4;
}

/* Header sanity and checksum; skb->data ends at the TCP header.  Counts and drops bad ones. */
static bool tcpalt_validate(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	unsigned int thoff = skb_transport_offset(skb);

	if (th->doff < sizeof(struct tcphdr) / 4 ||
	    !pskb_may_pull(skb, thoff + th->doff * 4)) {
		tcpalt_mib_inc(net, TCPALT_MIB_MALFORMED);
		tcpalt_mib_inc(net, TCPALT_MIB_INERRS);
		return false;
	}
	__skb_pull(skb, thoff);
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	    (!skb_csum_unnecessary(skb) && __skb_checksum_complete(skb))) {
		tcpalt_mib_inc(net, TCPALT_MIB_INCSUMERRORS);
		tcpalt_mib_inc(net, TCPALT_MIB_INERRS);
		return false;
	}
	th = tcp_hdr(skb);
	if ((tcp_flag_byte(th) & (TCPALT_SYN | TCPALT_FIN)) == (TCPALT_SYN | TCPALT_FIN) ||
	    (tcp_flag_byte(th) & (TCPALT_SYN | TCPALT_RST)) == (TCPALT_SYN | TCPALT_RST)) {
		tcpalt_mib_inc(net, TCPALT_MIB_MALFORMED);
		tcpalt_mib_inc(net, TCPALT_MIB_INERRS);
		return false;
	}
	return true;
}

/* Describe a validated segment in its cb (after the socket filter, which may trim it). */
static void tcpalt_fill_cb(struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = tcp_flag_byte(th);
	cb->win = ntohs(th->window);
}

/* RFC 9293 3.10.7.1: RST in reply to a segment for no connection (or a closed one). */
static void tcpalt_reply_rst(struct net *net, struct sk_buff *skb)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

	if (cb->flags & TCPALT_RST)
		return;
	if (cb->flags & TCPALT_ACK)
		tcpalt_send_reply(net, skb, cb->ack_seq, 0, TCPALT_RST, 0);
	else
		tcpalt_send_reply(net, skb, 0, cb->end_seq, TCPALT_RST | TCPALT_ACK, 0);
}

/* The options of a SYN; malformed ones count as absent. */
static void tcpalt_syn_options(struct sock *sk, struct sk_buff *skb, struct tcpalt_opts *o)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (tcpalt_parse_options((const u8 *)(th + 1), th->doff * 4 - sizeof(*th), o)) {
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_MALFORMED);
		o->mss = 0;
		o->wscale = -1;
	}
}

/* Learn the peer's initial sequence number, MSS and window from its SYN. */
static void tcpalt_rcv_syn(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	struct tcpalt_opts o;

	tcpalt_syn_options(sk, skb, &o);
	ts->irs = cb->seq;
	ts->rcv_nxt = cb->seq + 1;
	ts->rcv_wup = ts->rcv_nxt;
	ts->copied_seq = ts->rcv_nxt;
	/* RFC 9293 3.7.1: 536 without the option. */
	/*
	 * Timestamps and SACK only when both SYNs carry them: a listener's child answers what
	 * the SYN offers, as the host's net.ipv4 sysctls allow; a connect() offered them in
	 * its SYN (tcpalt_send_syn()).
	 */
	if (ts->passive) {
		ts->tstamp_ok = !!READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_timestamps);
		ts->sack_ok = !!READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_sack);
	}
	ts->tstamp_ok = ts->tstamp_ok && o.saw_ts;
	ts->sack_ok = ts->sack_ok && o.sack_ok;
	if (ts->tstamp_ok) {
		ts->ts_recent = o.tsval;
		ts->ts_recent_stamp = ktime_get_seconds();
	}
	/* The options every segment carries come out of the MSS (tcp_mtu_to_mss()). */
	ts->mss = min_t(u16, max_t(u16, o.mss ? : TCPALT_DEFAULT_MSS, TCP_MIN_MSS),
			ts->adv_mss ? : tcpalt_route_mss(sk)) - tcpalt_opt_overhead(ts);
	ts->cc.mss = ts->mss;
	/* RFC 7323 2.2: scaling is on only when both SYNs carried the option. */
	ts->wscale_ok = o.wscale >= 0;
	ts->snd_wscale = ts->wscale_ok ? o.wscale : 0;
	if (!ts->wscale_ok)
		ts->rcv_wscale = 0;
	ts->cc.cwnd = TCPALT_INIT_CWND * ts->mss;
	ts->snd_wnd = cb->win;
	ts->max_window = cb->win;
	ts->snd_wl1 = cb->seq;
	ts->snd_wl2 = cb->ack_seq;
}

/*
 * RFC 5961 10 and Linux's tcp_oow_rate_limited(): an ACK provoked by a segment without data
 * (out of window, acknowledging unsent data, a challenge) goes out at most once per
 * net.ipv4.tcp_invalid_ratelimit on a connection, so blind segments get no amplifier.
 */
static bool __tcpalt_oow_rate_limited(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	unsigned long limit = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_invalid_ratelimit);

	if (ts->last_oow_ack && time_before(jiffies, ts->last_oow_ack + limit)) {
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ACKRATELIMITED);
		return true;
	}
	ts->last_oow_ack = jiffies ? : 1;
	return false;
}

/* Report [@seq, @end) as received twice (RFC 2883 4: the first block of the next ACK). */
static void tcpalt_dsack_set(struct sock *sk, u32 seq, u32 end)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!ts->sack_ok || !READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_dsack) ||
	    !tcpalt_seq_before(seq, end))
		return;
	ts->dsack_block.start = seq;
	ts->dsack_block.end = end;
	ts->dsack = 1;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_DSACKSENT);
}

/* A duplicate ACK for an unacceptable segment (@skb) or a hole (@skb NULL). */
static void tcpalt_oow_ack(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcpalt_skb_cb *cb = skb ? TCPALT_SKB_CB(skb) : NULL;
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	/* Segments with data need their duplicate ACKs (RFC 5681 4.2): not limited. */
	if (cb && (cb->end_seq == cb->seq || (cb->flags & TCPALT_SYN)) &&
	    __tcpalt_oow_rate_limited(sk))
		return;
	/* Data we had already: say so with a D-SACK (tcp_send_dupack()). */
	if (cb && cb->end_seq != cb->seq && tcpalt_seq_before(cb->seq, ts->rcv_nxt))
		tcpalt_dsack_set(sk, cb->seq, tcpalt_seq_after(cb->end_seq, ts->rcv_nxt) ?
				 ts->rcv_nxt : cb->end_seq);
	tcpalt_send_ack(sk);
}

/*
 * RFC 5961 3.2 / 4.2 / 5.2 challenge ACK: limited per connection as above and per namespace
 * to net.ipv4.tcp_challenge_ack_limit a second (RFC 5961 7).
 */
static void tcpalt_challenge_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct tcpalt_net *tn = tcpalt_pernet(sock_net(sk));
	u32 now = jiffies / HZ, count;

	if (__tcpalt_oow_rate_limited(sk))
		return;
	if (READ_ONCE(tn->challenge_stamp) != now) {
		WRITE_ONCE(tn->challenge_stamp, now);
		WRITE_ONCE(tn->challenge_count, 0);
	}
	count = READ_ONCE(tn->challenge_count);
	if (count >= (u32)READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_challenge_ack_limit)) {
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ACKRATELIMITED);
		return;
	}
	WRITE_ONCE(tn->challenge_count, count + 1);
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_CHALLENGEACKS);
	tcpalt_send_ack(sk);
}

/* A connection is established: wake connect() or queue the child for accept(). */
static void tcpalt_established(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	tcpalt_set_state(sk, TCP_ESTABLISHED);
	tcpalt_cc_start(&ts->cc, ts->cc.ops, ts->mss);
	ts->highest_sack = ts->snd_una;	/* nothing SACKed yet */
	/* A send buffer for the window we may fill, as tcp_sndbuf_expand(). */
	tcpalt_sndbuf_expand(sk);
	/* And a receive buffer for a few segments of scaled window; autotuning grows it. */
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) && ts->wscale_ok)
		WRITE_ONCE(sk->sk_rcvbuf,
			   clamp_t(int, 16 * (ts->adv_mss + 1024), sk->sk_rcvbuf,
				   READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2])));
	tcpalt_rcv_init(sk);
	ts->syn_retries = 0;
	ts->backoff = 0;
	ts->rtx_start = 0;
	ts->lrcvtime = jiffies;
	tcpalt_reset_keepalive(sk);
	if (ts->passive) {
		tcpalt_child_ready(sk);
		if (sk->sk_socket)	/* a Fast Open child accepted in SYN-RECEIVED */
			sk->sk_state_change(sk);
	} else if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
}

/*
 * A child of listener @sk for the connection @skb belongs to: addresses, route, MSS we
 * announce.  Returns it bh-locked in CLOSED with two references (tcpalt_child_clone()).
 */
static struct sock *tcpalt_child_new(struct sock *sk, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpalt_sock *cts;
	struct inet_sock *inet;
	struct rtable *rt;
	struct sock *child;

	child = tcpalt_child_clone(sk);
	if (!child)
		return NULL;
	cts = tcpalt_sk(child);
	inet = inet_sk(child);
	inet->inet_saddr = iph->daddr;
	inet->inet_rcv_saddr = iph->daddr;
	inet->inet_daddr = iph->saddr;
	inet->inet_sport = th->dest;
	inet->inet_num = ntohs(th->dest);
	inet->inet_dport = th->source;
	cts->h.laddr = iph->daddr;
	cts->h.lport = th->dest;
	cts->h.raddr = iph->saddr;
	cts->h.rport = th->source;
	cts->rcv_wscale = tcpalt_pick_wscale(child);
	rt = ip_route_output_ports(sock_net(sk), &inet->cork.fl.u.ip4, child, iph->saddr,
				   iph->daddr, th->source, th->dest, IPPROTO_TCP,
				   RT_CONN_FLAGS(child), child->sk_bound_dev_if);
	if (IS_ERR(rt)) {
		tcpalt_child_free(child);
		return NULL;
	}
	sk_setup_caps(child, &rt->dst);
	cts->adv_mss = tcpalt_route_mss(child);
	return child;
}

/* Put a new child on its listener's queue and in the established table; false if it lost. */
static bool tcpalt_child_publish(struct sock *sk, struct sock *child, bool cookie)
{
	if (tcpalt_child_link(sk, child, cookie)) {
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_LISTENOVERFLOWS);
		tcpalt_child_free(child);
		return false;
	}
	tcpalt_set_state(child, TCP_SYN_RECV);
	if (tcpalt_ehash_insert(&tcpalt_sk(child)->h)) {
		tcpalt_done(child);	/* the same 4-tuple won on another CPU */
		bh_unlock_sock(child);
		sock_put(child);
		return false;
	}
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_PASSIVEOPENS);
	return true;
}

/* The receive window a stateless SYN-ACK announces: no scale, at most 64 KiB. */
static u16 tcpalt_cookie_window(const struct sock *sk)
{
	return min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2, TCPALT_MAX_WINDOW);
}

/*
 * A SYN reached a listener (RFC 9293 3.10.7.2): make a child in SYN-RECEIVED and answer with
 * a SYN-ACK; with the SYN queue full, answer with a SYN cookie instead and keep nothing
 * (net.ipv4.tcp_syncookies: 0 never, 1 on overflow, 2 always).  Softirq, without the
 * listener's lock (see the lock rules in tcpalt.h): the child is private until it is on the
 * listener's SYN queue and in the established table, and its SYN-ACK leaves from softirq,
 * where the reply cannot come back before the child is unlocked.
 */
static void tcpalt_conn_request(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *pts = tcpalt_sk(sk), *cts;
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(sk);
	int cookies = READ_ONCE(net->ipv4.sysctl_tcp_syncookies);
	struct tcpalt_opts o;
	struct sock *child;
	bool fastopen;

	if (READ_ONCE(pts->accept_qlen) > READ_ONCE(sk->sk_max_ack_backlog)) {
		tcpalt_mib_inc(net, TCPALT_MIB_LISTENOVERFLOWS);
		return;
	}
	if (cookies == 2 || READ_ONCE(pts->syn_qlen) >= tcpalt_synq_max(sk)) {
		if (!cookies) {
			tcpalt_mib_inc(net, TCPALT_MIB_LISTENOVERFLOWS);
			return;
		}
		/* RFC 4987 3.6. */
		tcpalt_syn_options(sk, skb, &o);
		WRITE_ONCE(pts->synq_overflow, jiffies ? : 1);
		tcpalt_mib_inc(net, TCPALT_MIB_SYNCOOKIESSENT);
		tcpalt_send_cookie_synack(net, skb, o.mss, tcpalt_cookie_window(sk));
		return;
	}
	child = tcpalt_child_new(sk, skb);
	if (!child)
		return;
	cts = tcpalt_sk(child);
	tcpalt_rcv_syn(child, skb);
	cts->iss = tcpalt_isn(iph->daddr, iph->saddr, th->dest, th->source);
	cts->ts_offset = tcpalt_ts_off(iph->daddr, iph->saddr);
	if (!tcpalt_child_publish(sk, child, false))
		return;
	fastopen = tcpalt_fastopen_syn(sk, child, skb);
	tcpalt_send_synack(child);
	if (fastopen)
		tcpalt_child_ready(child);	/* RFC 7413 4.2.2: acceptable before the ACK */
	bh_unlock_sock(child);
	sock_put(child);	/* the queue keeps the other reference */
}

/*
 * An ACK to a listener: the end of a handshake answered with a SYN cookie?  Makes the
 * connection and processes the ACK on it, or returns false.  Cookies are taken only while
 * the listener recently overflowed (as tcp_synq_no_recent_overflow()), unless they are
 * always on.
 */
static bool tcpalt_cookie_ack(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(sk);
	int cookies = READ_ONCE(net->ipv4.sysctl_tcp_syncookies);
	unsigned long last = READ_ONCE(tcpalt_sk(sk)->synq_overflow);
	struct tcpalt_sock *ts;
	struct sock *child;
	u16 mss;

	if (!cookies || (cb->flags & (TCPALT_SYN | TCPALT_FIN)) ||
	    (cookies == 1 && (!last || time_after(jiffies, last + 2 * 60 * HZ))))
		return false;
	mss = tcpalt_cookie_check(iph->daddr, iph->saddr, th->dest, th->source, cb->seq - 1,
				  cb->ack_seq - 1, tcpalt_cookie_minute());
	if (!mss) {
		tcpalt_mib_inc(net, TCPALT_MIB_SYNCOOKIESFAILED);
		return false;
	}
	if (READ_ONCE(tcpalt_sk(sk)->accept_qlen) > READ_ONCE(sk->sk_max_ack_backlog)) {
		tcpalt_mib_inc(net, TCPALT_MIB_LISTENOVERFLOWS);
		return true;	/* as a lost ACK: the peer's data will be sent again */
	}
	child = tcpalt_child_new(sk, skb);
	if (!child)
		return true;
	ts = tcpalt_sk(child);
	/* What the SYN and our SYN-ACK would have set (tcpalt_rcv_syn()). */
	ts->irs = cb->seq - 1;
	ts->rcv_nxt = cb->seq;
	ts->rcv_wup = cb->seq;
	ts->copied_seq = cb->seq;
	ts->rcv_wnd = tcpalt_cookie_window(sk);
	ts->rcv_wscale = 0;	/* the cookie has no room for window scaling */
	ts->mss = min_t(u16, mss, ts->adv_mss);
	ts->cc.cwnd = TCPALT_INIT_CWND * ts->mss;
	ts->iss = cb->ack_seq - 1;
	ts->snd_una = ts->iss;
	ts->snd_nxt = cb->ack_seq;
	ts->write_seq = cb->ack_seq;
	ts->snd_sml = cb->ack_seq;
	ts->snd_wl1 = ts->irs;
	ts->snd_wl2 = ts->iss;
	if (!tcpalt_child_publish(sk, child, true))
		return true;
	tcpalt_mib_inc(net, TCPALT_MIB_SYNCOOKIESRECV);
	/* SYN-RECEIVED -> ESTABLISHED on this ACK, and its data, as for any child. */
	tcpalt_do_rcv(child, skb);
	bh_unlock_sock(child);
	sock_put(child);
	return true;
}

/* RFC 9293 3.10.7.2: LISTEN.  Softirq, the listener not locked.  Consumes @skb. */
static void tcpalt_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

	if (cb->flags & TCPALT_RST)
		goto drop;
	if (cb->flags & TCPALT_ACK) {
		if (tcpalt_cookie_ack(sk, skb))
			return;
		tcpalt_send_reply(sock_net(sk), skb, cb->ack_seq, 0, TCPALT_RST, 0);
		goto drop;
	}
	if (cb->flags & TCPALT_SYN)
		tcpalt_conn_request(sk, skb);
drop:
	kfree_skb(skb);
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static void tcpalt_synsent_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	bool ack = cb->flags & TCPALT_ACK;

	/* First: an ACK must acknowledge our SYN and nothing beyond. */
	if (ack && (tcpalt_seq_leq(cb->ack_seq, ts->iss) ||
		    tcpalt_seq_after(cb->ack_seq, ts->snd_nxt))) {
		if (!(cb->flags & TCPALT_RST))
			tcpalt_send_reply(sock_net(sk), skb, cb->ack_seq, 0, TCPALT_RST, 0);
		return;
	}
	/* Second: RST with an acceptable ACK -> "connection reset" (ECONNREFUSED). */
	if (cb->flags & TCPALT_RST) {
		if (ack)
			tcpalt_reset(sk, ECONNREFUSED);
		return;
	}
	if (!(cb->flags & TCPALT_SYN))
		return;
	/* Fourth: SYN. */
	tcpalt_rcv_syn(sk, skb);
	if (ack) {
		ts->snd_una = cb->ack_seq;
		tcpalt_clean_rtx_queue(sk, ts->snd_una, NULL);
		tcpalt_rearm_rtx(sk);
		tcpalt_established(sk);
		if (!tcpalt_fastopen_synack(sk, skb))
			tcpalt_send_ack(sk);
		tcpalt_push(sk);
		return;
	}
	/* Simultaneous open: SYN-SENT -> SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><SYN,ACK>. */
	tcpalt_set_state(sk, TCP_SYN_RECV);
	tcpalt_send_synack(sk);
	tcpalt_rearm_rtx(sk);
}

/* Our FIN is queued and everything up to and including it is acknowledged. */
static bool tcpalt_fin_acked(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	return (sk->sk_shutdown & SEND_SHUTDOWN) && ts->snd_una == ts->write_seq &&
	       !ts->send_head;
}

/*
 * RFC 9293 3.10.7.4 fifth: the ACK field, in a synchronized state.  Returns false when the
 * segment must be dropped.
 */
static bool tcpalt_ack(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	u32 ack = cb->ack_seq, prior_una = ts->snd_una, prior_flight = tcpalt_pipe(ts);
	u32 delivered = 0, sacked_before = 0, prior_wnd = ts->snd_wnd;
	bool dsack = false, dupack;
	s32 rtt_us = -1;

	if (tcpalt_seq_after(ack, ts->snd_nxt)) {
		/* Acknowledges something not yet sent: send an ACK (rate-limited), drop. */
		tcpalt_oow_ack(sk, skb);
		return false;
	}
	if (tcpalt_seq_before(ack, ts->snd_una)) {
		/* RFC 5961 5.2: older than SND.UNA - MAX.SND.WND is a blind injection. */
		if (tcpalt_seq_before(ack, ts->snd_una - ts->max_window)) {
			tcpalt_challenge_ack(sk, skb);
			return false;
		}
		/* An old ACK: its SACK blocks still tell (tcp_ack()'s old_ack). */
		if (ts->sack_ok && ts->rx_opt.num_sacks) {
			tcpalt_sacktag(sk, &delivered, &dsack);
			tcpalt_recovery_ack(sk, prior_una, delivered, dsack, -1, prior_flight,
					    false);
		}
		return true;
	}
	/*
	 * Any acceptable ACK answers a keepalive or zero-window probe: the peer is alive
	 * (RFC 1122 4.2.2.17: a receiver that keeps answering must not be aborted).
	 */
	ts->probes_out = 0;

	/* Window update, RFC 9293 3.10.7.4 (SND.WL1/SND.WL2). */
	if (tcpalt_seq_before(ts->snd_wl1, cb->seq) ||
	    (ts->snd_wl1 == cb->seq && tcpalt_seq_geq(ack, ts->snd_wl2))) {
		ts->snd_wnd = cb->win << ts->snd_wscale;
		ts->snd_wl1 = cb->seq;
		ts->snd_wl2 = ack;
		ts->max_window = max(ts->max_window, ts->snd_wnd);
	}
	if (tcpalt_seq_after(ack, ts->snd_una)) {
		u32 acked = ack - ts->snd_una;

		ts->snd_una = ack;
		ts->bytes_acked += acked;
		/* The urgent data is acknowledged: urgent mode ends (tcp_clean_rtx_queue()). */
		if (ts->urg_mode && !tcpalt_seq_before(ack, ts->snd_up))
			ts->urg_mode = 0;
		rtt_us = tcpalt_clean_rtx_queue(sk, ack, &sacked_before);
		delivered = acked > sacked_before ? acked - sacked_before : 0;
		/* Karn's rule left no sample: timestamps give one (RFC 7323 4). */
		if (rtt_us < 0 && ts->tstamp_ok && ts->rx_opt.saw_ts && ts->rx_opt.tsecr) {
			u32 delta = tcpalt_ts_now(ts) - ts->rx_opt.tsecr;

			if (delta < 10U * 60 * MSEC_PER_SEC) {
				rtt_us = max_t(u32, delta * USEC_PER_MSEC, 1);
				tcpalt_rto_sample(&ts->rto, rtt_us);
			}
		}
		ts->backoff = 0;
		ts->retries = 0;
		ts->rtx_start = 0;	/* progress: TCP_USER_TIMEOUT's clock stops */
		WRITE_ONCE(sk->sk_err_soft, 0);	/* progress: a past ICMP error is moot */
	} else if (ts->rtx_kind == TCPALT_RTX_PROBE && ts->snd_wnd) {
		/* The window opened (tcp_ack_probe(); while it stays shut, probes back off). */
		ts->backoff = 0;
		tcpalt_rearm_rtx(sk);
	}
	if (ts->sack_ok && ts->rx_opt.num_sacks)
		tcpalt_sacktag(sk, &delivered, &dsack);
	if (dsack)
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_DSACKRECV);
	dupack = ack == prior_una && ack != ts->snd_nxt && !tcpalt_seg_datalen(skb) &&
		 ts->snd_wnd == prior_wnd && !(cb->flags & (TCPALT_SYN | TCPALT_FIN));
	if (ack != prior_una || dupack || delivered || dsack || ts->cc.ca_state != TCP_CA_Open)
		tcpalt_recovery_ack(sk, prior_una, delivered, dsack, rtt_us, prior_flight, dupack);
	return true;
}

/*
 * Receive memory.  Queued segments are charged to sk_rmem_alloc by their truesize and to the
 * protocol's pool (tcp_mem, the socket's memory cgroup) through sk_rmem_schedule(), and
 * sk_rmem_alloc is held to sk_rcvbuf, as tcp_try_rmem_schedule() holds it: a segment that
 * finds no room first makes some by pruning out-of-order data above it, and is dropped (and
 * counted) when that is not enough.  Tiny segments are merged into their neighbour, so a
 * peer cannot multiply our memory by sending one byte per segment.
 */

/* Memory the socket's queued data may use: twice its bytes, plus 64 KiB of slack. */
static bool tcpalt_rmem_efficient(const struct sock *sk, unsigned int more_truesize,
				  u32 more_bytes)
{
	const struct tcpalt_sock *ts = tcpalt_sk(sk);
	u64 bytes = (u64)(ts->rcv_nxt - ts->copied_seq) + ts->ooo_bytes + more_bytes;

	return atomic_read(&sk->sk_rmem_alloc) + (u64)more_truesize <= 2 * bytes + SZ_64K;
}

/*
 * tcp_collapse(): copy the unread data of the receive queue into as few page-sized skbs as it
 * takes, so the queue's memory comes back close to its bytes (segments cut small by a
 * shrinking window, or many tiny ones, each keep a whole buffer; and a buffer the reader has
 * mostly taken keeps all of its memory: in-order segments are coalesced into buffers of
 * hundreds of KiB, so even one buffer alone is worth copying).  Returns true if it freed
 * memory.
 */
static bool tcpalt_collapse(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 unread = ts->rcv_nxt - ts->copied_seq, seq = ts->copied_seq, n;
	int before = atomic_read(&sk->sk_rmem_alloc);
	struct sk_buff *skb, *nskb;
	struct sk_buff_head done;
	u8 fin = 0;

	if (skb_queue_empty(&sk->sk_receive_queue) || !unread)
		return false;
	/* Every new buffer first, so the copy below cannot fail half-way. */
	__skb_queue_head_init(&done);
	for (n = 0; n < unread; n += SKB_MAX_ORDER(0, 0)) {
		nskb = alloc_skb(SKB_MAX_ORDER(0, 0), GFP_ATOMIC);
		if (!nskb) {
			__skb_queue_purge(&done);
			return false;
		}
		__skb_queue_tail(&done, nskb);
	}
	nskb = skb_peek(&done);
	while ((skb = __skb_dequeue(&sk->sk_receive_queue))) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
		u32 off = tcpalt_seq_after(seq, cb->seq) ? seq - cb->seq : 0;

		while (off < skb->len) {
			if (!skb_tailroom(nskb))
				nskb = skb_peek_next(nskb, &done);
			n = min_t(u32, skb->len - off, skb_tailroom(nskb));
			skb_copy_bits(skb, off, skb_put(nskb, n), n);
			off += n;
		}
		seq = cb->end_seq;
		fin |= cb->flags & TCPALT_FIN;
		kfree_skb(skb);
	}
	/* Number the copies and charge them (the originals' charge is gone). */
	seq = ts->copied_seq;
	skb_queue_walk(&done, nskb) {
		memset(TCPALT_SKB_CB(nskb), 0, sizeof(struct tcpalt_skb_cb));
		TCPALT_SKB_CB(nskb)->seq = seq;
		seq += nskb->len;
		TCPALT_SKB_CB(nskb)->end_seq = seq;
		skb_set_owner_r(nskb, sk);
	}
	TCPALT_SKB_CB(skb_peek_tail(&done))->flags |= fin;
	skb_queue_splice(&done, &sk->sk_receive_queue);
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_RCVCOLLAPSED);
	return atomic_read(&sk->sk_rmem_alloc) < before;
}

/*
 * The SACK blocks again from the out-of-order queue, after pruning took data they reported
 * (highest first: the most recent arrivals are likeliest there).
 */
static void tcpalt_sack_rebuild(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	ts->num_sacks = 0;
	if (!ts->sack_ok)
		return;
	skb_rbtree_walk(skb, &ts->ooo_root)
		tcpalt_sack_add(ts->sacks, &ts->num_sacks, TCPALT_SKB_CB(skb)->seq,
				TCPALT_SKB_CB(skb)->end_seq);
}

/*
 * Room for @skb (scheduled: the caller charges it)?  In-order data inside the window we
 * announced is taken whatever sk_rcvbuf says now, while the socket's memory stays close to
 * the bytes it holds (collapsing the queue when it does not): the window was a promise made
 * for a buffer that may have shrunk since (SO_RCVBUF), and such data is bounded by it.
 * Anything else is held to sk_rcvbuf, pruning out-of-order data above it to make room
 * (RFC 2018 8: a receiver may renege on it), as tcp_try_rmem_schedule() does.
 */
static bool tcpalt_rmem_room(struct sock *sk, struct sk_buff *skb, bool in_window)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	bool collapsed = false;
	struct sk_buff *last;

	for (;;) {
		if ((atomic_read(&sk->sk_rmem_alloc) <= READ_ONCE(sk->sk_rcvbuf) ||
		     (in_window && tcpalt_rmem_efficient(sk, skb->truesize, skb->len))) &&
		    sk_rmem_schedule(sk, skb, skb->truesize))
			return true;
		if (!collapsed && !tcpalt_rmem_efficient(sk, 0, 0)) {
			collapsed = true;
			if (tcpalt_collapse(sk))
				continue;
		}
		last = skb_rb_last(&ts->ooo_root);
		if (!last || !tcpalt_seq_after(TCPALT_SKB_CB(last)->seq, TCPALT_SKB_CB(skb)->seq))
			return false;
		rb_erase(&last->rbnode, &ts->ooo_root);
		ts->ooo_bytes -= last->len;
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OFOPRUNED);
		kfree_skb(last);
		tcpalt_sack_rebuild(sk);	/* RFC 2018 8: report only what we still hold */
	}
}

/*
 * Append @skb's data to @to, an adjacent segment already charged to @sk.  Returns true when
 * @skb was merged (and freed).
 */
static bool tcpalt_coalesce(struct sock *sk, struct sk_buff *to, struct sk_buff *skb)
{
	bool fragstolen;
	int delta;

	/*
	 * At most 64 KiB a buffer, a loopback segment's size: a buffer is freed only once all
	 * of it is read, so a reader that has taken most of one leaves its whole memory
	 * charged; with up to 17 fragments of 32 KiB, that was 250 KB for a few bytes unread.
	 */
	if (TCPALT_SKB_CB(to)->end_seq != TCPALT_SKB_CB(skb)->seq ||
	    (TCPALT_SKB_CB(to)->flags & TCPALT_FIN) || to->len + skb->len > SZ_64K ||
	    !skb_try_coalesce(to, skb, &fragstolen, &delta))
		return false;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	TCPALT_SKB_CB(to)->end_seq = TCPALT_SKB_CB(skb)->end_seq;
	TCPALT_SKB_CB(to)->flags |= TCPALT_SKB_CB(skb)->flags & TCPALT_FIN;
	kfree_skb_partial(skb, fragstolen);
	return true;
}

/**
 * tcpalt_ofo_purge() - free every out-of-order segment.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_ofo_purge(struct sock *sk)
{
	tcpalt_sk(sk)->num_sacks = 0;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct rb_node *p = rb_first(&ts->ooo_root);

	while (p) {
		struct sk_buff *skb = rb_to_skb(p);

		p = rb_next(p);
		rb_erase(&skb->rbnode, &ts->ooo_root);
		kfree_skb(skb);
	}
	ts->ooo_bytes = 0;
}

/* Drop @skb's first @trim data bytes. */
static bool tcpalt_trim_head(struct sk_buff *skb, u32 trim)
{
	if (trim && !pskb_pull(skb, trim))
		return false;
	TCPALT_SKB_CB(skb)->seq += trim;
	return true;
}

/*
 * Keep an out-of-order segment (cb seq/end_seq = its data, FIN in flags): in sequence order,
 * without the bytes already held (RFC 9293 3.10.7.4 seventh; tcp_data_queue_ofo()).
 * Consumes @skb.
 */
static void tcpalt_ofo_queue(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	struct rb_node **p = &ts->ooo_root.rb_node, *parent = NULL;
	struct sk_buff *prev = NULL, *next, *s;
	struct net *net = sock_net(sk);
	u32 seq0, end0;

	/* The last segment starting at or before ours. */
	while (*p) {
		parent = *p;
		s = rb_to_skb(parent);
		if (tcpalt_seq_before(cb->seq, TCPALT_SKB_CB(s)->seq)) {
			p = &parent->rb_left;
		} else {
			prev = s;
			p = &parent->rb_right;
		}
	}
	if (prev && !tcpalt_seq_after(cb->end_seq, TCPALT_SKB_CB(prev)->end_seq)) {
		/* Nothing new but maybe the FIN: a duplicate. */
		if ((cb->flags & TCPALT_FIN) && cb->end_seq == TCPALT_SKB_CB(prev)->end_seq)
			TCPALT_SKB_CB(prev)->flags |= TCPALT_FIN;
		tcpalt_mib_inc(net, TCPALT_MIB_OFODUPS);
		tcpalt_dsack_set(sk, cb->seq, cb->end_seq);
		if (ts->sack_ok)
			tcpalt_sack_add(ts->sacks, &ts->num_sacks, TCPALT_SKB_CB(prev)->seq,
					TCPALT_SKB_CB(prev)->end_seq);
		goto drop;
	}
	seq0 = cb->seq;
	end0 = cb->end_seq;
	if (prev && tcpalt_seq_after(TCPALT_SKB_CB(prev)->end_seq, cb->seq)) {
		tcpalt_dsack_set(sk, cb->seq, TCPALT_SKB_CB(prev)->end_seq);
		if (!tcpalt_trim_head(skb, TCPALT_SKB_CB(prev)->end_seq - cb->seq))
			goto drop;
	}
	/* Segments ours covers go; one that overlaps our end cuts our tail. */
	next = prev ? skb_rb_next(prev) : skb_rb_first(&ts->ooo_root);
	while (next && tcpalt_seq_before(TCPALT_SKB_CB(next)->seq, cb->end_seq)) {
		s = next;
		next = skb_rb_next(s);
		if (tcpalt_seq_after(TCPALT_SKB_CB(s)->end_seq, cb->end_seq)) {
			if (pskb_trim(skb, TCPALT_SKB_CB(s)->seq - cb->seq))
				goto drop;
			cb->end_seq = TCPALT_SKB_CB(s)->seq;
			cb->flags &= ~TCPALT_FIN;
			break;
		}
		rb_erase(&s->rbnode, &ts->ooo_root);
		ts->ooo_bytes -= s->len;
		kfree_skb(s);
	}
	if (!tcpalt_rmem_room(sk, skb, false)) {
		tcpalt_mib_inc(net, TCPALT_MIB_RCVQDROP);
		goto drop;
	}
	ts->ooo_bytes += skb->len;
	if (ts->sack_ok)
		tcpalt_sack_add(ts->sacks, &ts->num_sacks, seq0, end0);
	if (prev && tcpalt_coalesce(sk, prev, skb))
		return;
	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	/* Insert at the place found above (the tree did not change shape on our left). */
	p = &ts->ooo_root.rb_node;
	parent = NULL;
	while (*p) {
		parent = *p;
		if (tcpalt_seq_before(cb->seq, TCPALT_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &ts->ooo_root);
	return;
drop:
	kfree_skb(skb);
}

/*
 * A segment whose buffer is far larger than its bytes (a loopback segment cut small by the
 * window keeps its sender's 64 KiB buffer) is copied into one its size before it is queued,
 * as skb_condense() does for TCP: the socket is charged for what it holds.  Returns the skb
 * to queue (@skb itself, or the copy; @skb is then freed); NULL if no memory.
 */
static struct sk_buff *tcpalt_condense(struct sk_buff *skb)
{
	struct sk_buff *n;

	if (skb->truesize <= 2 * skb->len + SKB_TRUESIZE(SKB_DATA_ALIGN(MAX_TCP_HEADER)) ||
	    skb->len > SZ_32K)
		return skb;
	n = alloc_skb(skb->len, GFP_ATOMIC);
	if (!n)
		return skb;
	skb_copy_bits(skb, 0, skb_put(n, skb->len), skb->len);
	memcpy(n->cb, skb->cb, sizeof(n->cb));
	kfree_skb(skb);
	return n;
}

/*
 * Put in-order bytes of @skb (data starting at skb->data, cb seq/end_seq = data only, FIN in
 * cb flags) on the receive queue.  Consumes @skb.  Returns 1 if the segment's FIN is now in
 * order, 0 if not, -ENOBUFS if the receive buffer had no room (nothing was taken).
 */
static int tcpalt_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	bool fin = cb->flags & TCPALT_FIN, in_window;
	struct sk_buff *tail;

	if (tcpalt_seq_after(cb->end_seq, ts->rcv_nxt)) {
		if (!tcpalt_trim_head(skb, ts->rcv_nxt - cb->seq)) {
			kfree_skb(skb);
			return 0;
		}
		skb = tcpalt_condense(skb);
		cb = TCPALT_SKB_CB(skb);
		in_window = !tcpalt_seq_after(cb->end_seq, ts->rcv_wup + ts->rcv_wnd);
		if (!tcpalt_rmem_room(sk, skb, in_window)) {
			tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_RCVQDROP);
			kfree_skb(skb);
			return -ENOBUFS;
		}
		tail = skb_peek_tail(&sk->sk_receive_queue);
		if (tail && tcpalt_coalesce(sk, tail, skb)) {
			ts->rcv_nxt = TCPALT_SKB_CB(tail)->end_seq;
			return fin;
		}
		ts->rcv_nxt = cb->end_seq;
		skb_dst_drop(skb);
		skb_set_owner_r(skb, sk);
		__skb_queue_tail(&sk->sk_receive_queue, skb);
		return fin;
	}
	fin = fin && cb->end_seq == ts->rcv_nxt;
	kfree_skb(skb);
	return fin;
}

/*
 * Move the out-of-order segments that are now in order to the receive queue; they stay
 * charged.  Returns true if a FIN is now in order.
 */
static bool tcpalt_ofo_drain(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb;
	struct sk_buff *p, *tail;
	bool fin;

	while ((p = skb_rb_first(&ts->ooo_root)) &&
	       !tcpalt_seq_after(TCPALT_SKB_CB(p)->seq, ts->rcv_nxt)) {
		cb = TCPALT_SKB_CB(p);
		rb_erase(&p->rbnode, &ts->ooo_root);
		ts->ooo_bytes -= p->len;
		fin = cb->flags & TCPALT_FIN;
		if (!tcpalt_seq_after(cb->end_seq, ts->rcv_nxt) ||
		    !tcpalt_trim_head(p, ts->rcv_nxt - cb->seq)) {
			fin = fin && cb->end_seq == ts->rcv_nxt;
			kfree_skb(p);
		} else {
			ts->rcv_nxt = cb->end_seq;
			tail = skb_peek_tail(&sk->sk_receive_queue);
			if (!tail || !tcpalt_coalesce(sk, tail, p))
				__skb_queue_tail(&sk->sk_receive_queue, p);
		}
		if (fin)
			return true;
	}
	return false;
}

/* RFC 9293 3.10.7.4 eighth: the FIN, once everything before it has arrived. */
static void tcpalt_fin(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	ts->rcv_nxt++;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		tcpalt_set_state(sk, TCP_CLOSE_WAIT);
		/* Delayed, so that a prompt close() answers with FIN+ACK (the 3-way close). */
		tcpalt_schedule_ack(sk);
		break;
	case TCP_FIN_WAIT1:
		/* Our FIN is not yet acknowledged (else we would be in FIN-WAIT-2). */
		tcpalt_set_state(sk, TCP_CLOSING);
		tcpalt_send_ack(sk);
		break;
	case TCP_FIN_WAIT2:
		tcpalt_send_ack(sk);
		tcpalt_time_wait(sk);
		return;
	default:
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK || sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/**
 * tcpalt_readable() - is there enough to read: at least @target bytes in order, or the
 * receive memory nearly full, or the window down to a segment (tcp_epollin_ready()).
 * @sk: the socket (not necessarily locked)
 * @target: SO_RCVLOWAT, or what a reader waits for
 *
 * Return: true if a reader should be woken.
 */
bool tcpalt_readable(const struct sock *sk, int target)
{
	const struct tcpalt_sock *ts = tcpalt_sk(sk);
	int avail = READ_ONCE(ts->rcv_nxt) - READ_ONCE(ts->copied_seq);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	if (avail <= 0)
		return false;
	return avail >= target || atomic_read(&sk->sk_rmem_alloc) > rcvbuf - (rcvbuf >> 3) ||
	       (s32)(READ_ONCE(ts->rcv_wup) + READ_ONCE(ts->rcv_wnd) - READ_ONCE(ts->rcv_nxt)) <=
	       (s32)READ_ONCE(ts->rcv_mss);
}

/**
 * tcpalt_data_ready() - wake readers when SO_RCVLOWAT is met or the stream ended
 * (tcp_data_ready()).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_data_ready(struct sock *sk)
{
	if (tcpalt_readable(sk, READ_ONCE(sk->sk_rcvlowat)) || sock_flag(sk, SOCK_DONE))
		sk->sk_data_ready(sk);
}

/* Quick-ACK mode: the next ACKs go at once, about as many as half the window's segments. */
static void tcpalt_incr_quickack(struct tcpalt_sock *ts)
{
	u32 quick = ts->rcv_wnd / (2 * max_t(u32, ts->rcv_mss, 1));

	quick = clamp_t(u32, quick, 2, TCPALT_MAX_QUICKACKS);
	if (quick > ts->quick)
		ts->quick = quick;
}

/**
 * tcpalt_rcv_init() - receive-side estimates at establishment (tcp_init_buffer_space(),
 * tcp_initialize_rcv_mss()).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_rcv_init(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 hint = min3((u32)ts->adv_mss, (u32)ts->mss, ts->rcv_wnd / 2);

	ts->rcv_mss = clamp_t(u32, min_t(u32, hint, TCPALT_DEFAULT_MSS), TCP_MIN_MSS,
			      TCPALT_DEFAULT_MSS);
	ts->rcvq_space = min_t(u32, ts->rcv_wnd ? : TCPALT_MAX_WINDOW,
			       TCPALT_INIT_CWND * ts->adv_mss);
	ts->rcvq_seq = ts->copied_seq;
	ts->rcvq_ns = ktime_get_ns();
	ts->rcv_rtt_us = 0;
	ts->rcv_rtt_ns = 0;
}

/*
 * In-order data arrived (tcp_event_data_recv()): the peer's segment size, the receiver's
 * round-trip time (the time one window takes to arrive, as tcp_rcv_rtt_measure()), and the
 * delayed-ACK timeout from the gaps between arrivals; quick ACKs at the start and after an
 * idle spell.
 */
static void tcpalt_event_data_recv(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 seg = skb_shinfo(skb)->gso_size ? : len;
	u64 now = ktime_get_ns(), m;
	u32 rto_ns = min_t(u64, (u64)ts->rto.rto_us * NSEC_PER_USEC, U32_MAX);

	if (seg >= ts->rcv_mss)
		ts->rcv_mss = min_t(u32, seg, ts->adv_mss);
	else
		ts->ack_pushed = 1;	/* a small segment: ACK when the reader drains it */
	if (ts->rcv_rtt_ns && !tcpalt_seq_before(ts->rcv_nxt, ts->rcv_rtt_seq)) {
		u32 us = max_t(u64, div_u64(now - ts->rcv_rtt_ns, NSEC_PER_USEC), 1);

		/* The smallest sample: a window that took longer was not sent at once. */
		if (!ts->rcv_rtt_us || us < ts->rcv_rtt_us)
			ts->rcv_rtt_us = us;
	}
	if (!ts->rcv_rtt_ns || !tcpalt_seq_before(ts->rcv_nxt, ts->rcv_rtt_seq)) {
		ts->rcv_rtt_seq = ts->rcv_nxt + ts->rcv_wnd;
		ts->rcv_rtt_ns = now;
	}
	if (!ts->ato_ns) {
		tcpalt_incr_quickack(ts);
		ts->ato_ns = TCPALT_ATO_MIN_NS;
	} else {
		m = now - ts->last_data_ns;
		if (m <= TCPALT_ATO_MIN_NS / 2)
			ts->ato_ns = ts->ato_ns / 2 + TCPALT_ATO_MIN_NS / 2;
		else if (m < ts->ato_ns)
			ts->ato_ns = min_t(u64, ts->ato_ns / 2 + m, rto_ns);
		else if (m > rto_ns)
			tcpalt_incr_quickack(ts);
	}
	ts->last_data_ns = now;
}

/**
 * tcpalt_rcv_space_adjust() - receive buffer autotuning (dynamic right-sizing, as
 * tcp_rcv_space_adjust()): once per receiver RTT, if the user read more than in the last
 * one, the buffer grows to hold twice that and the growth, so the window can keep ahead of
 * a sender in slow start; up to net.ipv4.tcp_rmem[2], never when SO_RCVBUF fixed it or
 * net.ipv4.tcp_moderate_rcvbuf is off.
 * @sk: the socket; must be locked by the caller (after the user read)
 */
void tcpalt_rcv_space_adjust(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u64 now = ktime_get_ns();
	u32 copied, mss = max_t(u32, ts->adv_mss, 1);
	u32 rtt_us = ts->rcv_rtt_us;
	u64 rcvwin, grow, rcvmem;
	int rcvbuf;

	/*
	 * Without timestamps the window-based sample is an upper bound, far above the path's
	 * RTT when the reader, not the window, sets the pace (loopback): the sender side's RTT
	 * (the handshake's at least) bounds it, as Linux's timestamp samples would.
	 */
	if (ts->rto.srtt_us && (!rtt_us || ts->rto.srtt_us < rtt_us))
		rtt_us = ts->rto.srtt_us;
	if (!rtt_us || now - ts->rcvq_ns < (u64)rtt_us * NSEC_PER_USEC)
		return;
	copied = ts->copied_seq - ts->rcvq_seq;
	if (copied > ts->rcvq_space) {
		if (READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_moderate_rcvbuf) &&
		    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			rcvwin = 2ULL * copied + 16ULL * mss;
			grow = div_u64(rcvwin * (copied - ts->rcvq_space),
				       max_t(u32, ts->rcvq_space, 1));
			rcvwin += 2 * grow;
			/* A segment's memory, of which the window may be half (select_window). */
			rcvmem = max_t(u64, SKB_TRUESIZE(mss + TCPALT_MAX_HEADER), 2ULL * mss);
			rcvbuf = min_t(u64, div_u64(rcvwin, mss) * rcvmem,
				       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
			if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
				WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
		}
		ts->rcvq_space = copied;
	}
	ts->rcvq_seq = ts->copied_seq;
	ts->rcvq_ns = now;
}

/* RFC 9293 3.10.7.4 seventh and eighth: segment text and FIN. */
static void tcpalt_data(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	u32 len = tcpalt_seg_datalen(skb), prior_nxt;
	bool fin = cb->flags & TCPALT_FIN, data_fin, was_ooo;
	int queued;

	if (!((1 << sk->sk_state) & (TCPF_SYN_RECV | TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2))) {
		/* CLOSE-WAIT, CLOSING, LAST-ACK: the peer already sent its FIN; ignore. */
		kfree_skb(skb);
		return;
	}
	if (!len && !fin) {
		kfree_skb(skb);
		return;
	}
	/* Make cb describe the data only: skip the header and a SYN's sequence number. */
	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	if (cb->flags & TCPALT_SYN)
		cb->seq++;
	cb->end_seq = cb->seq + len;

	if (tcpalt_seq_after(cb->seq, ts->rcv_nxt)) {
		/* Out of order: keep it, tell the peer what we miss (duplicate ACK) at once. */
		ts->quick = 0;
		tcpalt_incr_quickack(ts);
		ts->pingpong = 0;
		ts->ato_ns = TCPALT_ATO_MIN_NS;
		tcpalt_ofo_queue(sk, skb);
		tcpalt_oow_ack(sk, NULL);
		return;
	}
	if (!tcpalt_seq_after(cb->end_seq, ts->rcv_nxt) && !(fin && cb->end_seq == ts->rcv_nxt)) {
		/* Entirely old: a retransmission we already have; ACK at once, with a D-SACK. */
		tcpalt_dsack_set(sk, cb->seq, cb->end_seq);
		kfree_skb(skb);
		tcpalt_send_ack(sk);
		return;
	}
	if (tcpalt_seq_before(cb->seq, ts->rcv_nxt))
		tcpalt_dsack_set(sk, cb->seq, ts->rcv_nxt);	/* partly old */
	if (len)
		tcpalt_event_data_recv(sk, skb, len);
	prior_nxt = ts->rcv_nxt;
	queued = tcpalt_queue_rcv(sk, skb);
	if (queued < 0) {
		/* No room: the peer will send it again; tell it where we are. */
		tcpalt_send_ack(sk);
		return;
	}
	was_ooo = !RB_EMPTY_ROOT(&ts->ooo_root);
	data_fin = queued || tcpalt_ofo_drain(sk);
	if (ts->num_sacks)
		tcpalt_sack_trim(ts->sacks, &ts->num_sacks, ts->rcv_nxt);
	ts->bytes_received += ts->rcv_nxt - prior_nxt;
	if (len && !sock_flag(sk, SOCK_DEAD))
		tcpalt_data_ready(sk);
	if (data_fin) {
		tcpalt_fin(sk);
		return;
	}
	/*
	 * ACK at once when more than one full segment's worth of bytes is unacknowledged
	 * (RFC 1122 4.2.3.2's every second full-sized segment, counting a GRO super-segment as
	 * its segments), when a hole was filled, and in quick-ACK mode; else delay it by the
	 * estimated ato (__tcp_ack_snd_check()).
	 */
	if (was_ooo || ts->rcv_nxt - ts->rcv_wup > ts->rcv_mss || (ts->quick && !ts->pingpong))
		tcpalt_send_ack(sk);
	else
		tcpalt_schedule_ack(sk);
}

/**
 * tcpalt_check_urg() - RFC 9293 3.10.7.4 sixth, the URG bit, as Linux's tcp_check_urg().
 * @sk: the socket; bh-locked (or owned, from the backlog)
 * @th: the header of an acceptable segment with URG set
 *
 * A BSD-style pointer (net.ipv4.tcp_stdurg off) is the offset of the byte after the urgent
 * one.  A pointer to data already read or received, or not newer than the one we hold,
 * changes nothing.  A new one tells the owner (SIGURG) and replaces the old: the old byte
 * becomes normal data, unless the reader stands at it, when it is skipped (it was never
 * data).
 */
static void tcpalt_check_urg(struct sock *sk, const struct tcphdr *th)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 ptr = ntohs(th->urg_ptr);
	struct sk_buff *skb;

	if (ptr && !READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_stdurg))
		ptr--;
	ptr += ntohl(th->seq);
	if (tcpalt_seq_after(ts->copied_seq, ptr) || tcpalt_seq_before(ptr, ts->rcv_nxt))
		return;
	if (ts->urg_data && !tcpalt_seq_after(ptr, ts->urg_seq))
		return;
	sk_send_sigurg(sk);
	skb = skb_peek(&sk->sk_receive_queue);
	if (ts->urg_data && ts->urg_seq == ts->copied_seq && !sock_flag(sk, SOCK_URGINLINE) &&
	    skb && tcpalt_seq_before(ts->copied_seq, TCPALT_SKB_CB(skb)->end_seq)) {
		WRITE_ONCE(ts->copied_seq, ts->copied_seq + 1);
		if (!tcpalt_seq_before(ts->copied_seq, TCPALT_SKB_CB(skb)->end_seq)) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			kfree_skb(skb);
		}
	}
	WRITE_ONCE(ts->urg_data, TCPALT_URG_NOTYET);
	WRITE_ONCE(ts->urg_seq, ptr);
}

/**
 * tcpalt_urg() - a new urgent pointer, and the urgent byte once the segment holding it is
 * here (tcp_urg()): kept aside for recv(MSG_OOB), and readers (EPOLLPRI) woken.
 * @sk: the socket; bh-locked (or owned, from the backlog)
 * @skb: an acceptable segment, skb->data at the TCP header
 *
 * Only a byte of this segment's data is taken: a pointer from a hostile or confused peer
 * (beyond the data, in the past, on a SYN) leaves nothing or waits for the byte.
 */
static void tcpalt_urg(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 off;
	u8 byte;

	if (th->urg)
		tcpalt_check_urg(sk, th);
	if (ts->urg_data != TCPALT_URG_NOTYET)
		return;
	off = ts->urg_seq - ntohl(th->seq) + th->doff * 4 - th->syn;
	if (off < th->doff * 4U || off >= skb->len || skb_copy_bits(skb, off, &byte, 1))
		return;
	WRITE_ONCE(ts->urg_data, TCPALT_URG_VALID | byte);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/*
 * A writer waits for room: the send buffer may grow with cwnd, and what the ACK freed or the
 * push sent may let it go on (tcp_check_space(), tcp_new_space()).
 */
static void tcpalt_check_space(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!sk->sk_socket || !test_bit(SOCK_NOSPACE, &sk->sk_socket->flags)) {
		ts->queue_shrunk = 0;
		return;
	}
	if (ts->queue_shrunk) {
		ts->queue_shrunk = 0;
		if (!tcp_under_memory_pressure(sk))
			tcpalt_sndbuf_expand(sk);
	}
	sk->sk_write_space(sk);
}

/* The options of a segment in a synchronized state, into ts->rx_opt. */
static void tcpalt_rcv_options(struct sock *sk, const struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	const struct tcphdr *th = tcp_hdr(skb);

	if (th->doff == sizeof(*th) / 4) {
		ts->rx_opt.saw_ts = 0;
		ts->rx_opt.num_sacks = 0;
		return;
	}
	/* A malformed option is counted; what came before it is used, as Linux does. */
	if (tcpalt_parse_options((const u8 *)(th + 1), th->doff * 4 - sizeof(*th), &ts->rx_opt))
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_MALFORMED);
	if (!ts->tstamp_ok)
		ts->rx_opt.saw_ts = 0;
	if (!ts->sack_ok)
		ts->rx_opt.num_sacks = 0;
}

/*
 * PAWS (RFC 7323 5, tcp_paws_discard()): a segment whose TSval is older than ts_recent is an
 * old duplicate, unless it is a RST or ts_recent is older than 24 days (5.5).
 */
static bool tcpalt_paws_reject(struct sock *sk, const struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!ts->rx_opt.saw_ts || (TCPALT_SKB_CB(skb)->flags & TCPALT_RST) || !ts->ts_recent_stamp)
		return false;
	if ((s32)(ts->ts_recent - ts->rx_opt.tsval) <= 1)	/* TCP_PAWS_WINDOW */
		return false;
	return ktime_get_seconds() < (time64_t)ts->ts_recent_stamp + 24 * 24 * 3600;
}

/* RFC 9293 3.10.7.4: every state after SYN-SENT. */
static void tcpalt_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	struct net *net = sock_net(sk);
	u32 len = cb->end_seq - cb->seq;

	ts->segs_in++;
	if (tcpalt_seg_datalen(skb))
		ts->data_segs_in++;
	tcpalt_rcv_options(sk, skb);
	if (tcpalt_paws_reject(sk, skb)) {
		/* RFC 7323 5.3: an old duplicate; drop it and send a duplicate ACK. */
		tcpalt_mib_inc(net, TCPALT_MIB_PAWSDROP);
		tcpalt_oow_ack(sk, skb);
		goto drop;
	}

	/* A retransmitted SYN (or the peer's SYN-ACK after a simultaneous open) in SYN-RECEIVED. */
	if (sk->sk_state == TCP_SYN_RECV && (cb->flags & TCPALT_SYN) && cb->seq == ts->irs) {
		if (!(cb->flags & TCPALT_ACK)) {
			tcpalt_retransmit_head(sk);
			goto drop;
		}
		cb->seq++;	/* old SYN: process the rest (its ACK) */
		cb->flags &= ~TCPALT_SYN;
		len--;
	}

	/* First: sequence number (RFC 9293 3.10.7.4 table, RFC 5961 for RST). */
	if (!tcpalt_seq_acceptable(cb->seq, len, ts->rcv_nxt, ts->rcv_wnd) &&
	    !(cb->seq == ts->rcv_nxt && cb->end_seq - cb->seq == !!(cb->flags & TCPALT_FIN) &&
	      !tcpalt_seg_datalen(skb))) {
		/* (a bare FIN at RCV.NXT is taken even at a zero window, as Linux does) */
		tcpalt_mib_inc(net, TCPALT_MIB_OUTOFWINDOW);
		if (!(cb->flags & TCPALT_RST))
			tcpalt_oow_ack(sk, skb);
		goto drop;
	}
	/* RFC 7323 4.3: the TSval to echo, from a segment that starts at or below Last.ACK.sent. */
	if (ts->tstamp_ok && ts->rx_opt.saw_ts && !tcpalt_seq_after(cb->seq, ts->rcv_wup) &&
	    (s32)(ts->rx_opt.tsval - ts->ts_recent) >= 0) {
		ts->ts_recent = ts->rx_opt.tsval;
		ts->ts_recent_stamp = ktime_get_seconds();
	}
	/* Second: RST.  Exactly RCV.NXT resets; elsewhere in the window, a challenge ACK. */
	if (cb->flags & TCPALT_RST) {
		if (cb->seq != ts->rcv_nxt) {
			tcpalt_challenge_ack(sk, skb);
			goto drop;
		}
		if (sk->sk_state == TCP_SYN_RECV && ts->passive && !ts->fo.listener) {
			tcpalt_done(sk);	/* passive open: the child goes, LISTEN stays */
		} else {
			/* A Fast Open child may have been accepted: its user sees the reset. */
			int err = sk->sk_state == TCP_SYN_RECV && !ts->fo.listener ? ECONNREFUSED :
				  sk->sk_state == TCP_CLOSE_WAIT ? EPIPE : ECONNRESET;

			tcpalt_reset(sk, err);
		}
		goto drop;
	}
	/* Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 4.2). */
	if (cb->flags & TCPALT_SYN) {
		tcpalt_challenge_ack(sk, skb);
		goto drop;
	}
	/* Fifth: the ACK field. */
	if (!(cb->flags & TCPALT_ACK))
		goto drop;
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!tcpalt_seq_after(cb->ack_seq, ts->snd_una) ||
		    tcpalt_seq_after(cb->ack_seq, ts->snd_nxt)) {
			tcpalt_send_reply(net, skb, cb->ack_seq, 0, TCPALT_RST, 0);
			goto drop;
		}
		if (ts->passive && ts->syn_retries < ts->defer_accept &&
		    cb->end_seq == ts->rcv_nxt) {
			/*
			 * TCP_DEFER_ACCEPT (tcp_check_req()): a bare ACK does not make the
			 * connection acceptable; data will, or an ACK after the deferral.
			 */
			ts->defer_acked = 1;
			goto drop;
		}
		if (ts->passive && !ts->fo.listener && tcpalt_child_acceptq_full(sk)) {
			/* Accept queue full: act as if the ACK was lost; SYN-ACK will repeat. */
			tcpalt_mib_inc(net, TCPALT_MIB_LISTENOVERFLOWS);
			goto drop;
		}
		ts->snd_una = cb->ack_seq;
		tcpalt_clean_rtx_queue(sk, ts->snd_una, NULL);
		ts->snd_wnd = cb->win << ts->snd_wscale;
		ts->snd_wl1 = cb->seq;
		ts->snd_wl2 = cb->ack_seq;
		tcpalt_rearm_rtx(sk);
		tcpalt_established(sk);
	}
	if (!tcpalt_ack(sk, skb))
		goto drop;
	ts->lrcvtime = jiffies;
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		if (tcpalt_fin_acked(sk)) {
			tcpalt_set_state(sk, TCP_FIN_WAIT2);
			sk->sk_state_change(sk);
			if (sock_flag(sk, SOCK_DEAD) && ts->linger2_ms < 0) {
				/* TCP_LINGER2 < 0: no FIN-WAIT-2 for an orphan; RST at once. */
				tcpalt_mib_inc(net, TCPALT_MIB_ABORTONDATA);
				tcpalt_send_active_reset(sk, GFP_ATOMIC);
				tcpalt_done(sk);
				goto drop;
			}
			if (sock_flag(sk, SOCK_DEAD))
				tcpalt_reset_keepalive(sk);	/* orphan FIN-WAIT-2 timeout */
		}
		break;
	case TCP_CLOSING:
		if (tcpalt_fin_acked(sk)) {
			tcpalt_time_wait(sk);
			goto drop;
		}
		break;
	case TCP_LAST_ACK:
		if (tcpalt_fin_acked(sk)) {
			tcpalt_done(sk);
			goto drop;
		}
		break;
	}
	/* Linux: new data for a socket that has shut down reading after close() -> RST. */
	if ((sk->sk_shutdown & RCV_SHUTDOWN) && sock_flag(sk, SOCK_DEAD) &&
	    ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) &&
	    tcpalt_seg_datalen(skb) && tcpalt_seq_after(cb->end_seq - !!(cb->flags & TCPALT_FIN),
							ts->rcv_nxt)) {
		tcpalt_mib_inc(net, TCPALT_MIB_ABORTONDATA);
		tcpalt_send_active_reset(sk, GFP_ATOMIC);
		tcpalt_done(sk);
		goto drop;
	}
	/* Sixth: the URG bit. */
	tcpalt_urg(sk, skb);
	/* Seventh and eighth: text and FIN. */
	tcpalt_data(sk, skb);
	tcpalt_push(sk);
	tcpalt_check_space(sk);
	return;
drop:
	kfree_skb(skb);
}

/**
 * tcpalt_do_rcv() - process one validated segment for a socket (RFC 9293 3.10.7).
 * @sk: the socket; bh-locked and not owned by the user, or owned (from the backlog)
 * @skb: the segment, skb->data at the TCP header, cb filled; consumed
 *
 * Return: 0.
 */
int tcpalt_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	switch (sk->sk_state) {
	case TCP_CLOSE:
		tcpalt_reply_rst(sock_net(sk), skb);
		break;
	case TCP_LISTEN:
		break;	/* never queued to a listener's backlog (tcpalt_sk_rcv()) */
	case TCP_SYN_SENT:
		tcpalt_synsent_rcv(sk, skb);
		break;
	default:
		tcpalt_rcv_state_process(sk, skb);
		return 0;
	}
	kfree_skb(skb);
	return 0;
}

/*
 * How much may wait in the backlog of a socket the user holds, as tcp_add_backlog(): both
 * the backlog and the receive queue may reach sk_rcvbuf normally, and only the owner can
 * prune, so there is headroom for one 64 KiB segment (a loopback or GRO segment would
 * otherwise be dropped, again at every retransmission, while a busy user holds the socket).
 *
 * The segment that covers RCV.NXT while data waits out of order behind it may use as much
 * again as that queue holds (tcpalt_rmem_efficient() bounds it by twice its bytes and 64 KiB):
 * it is the one segment that lets that memory go.  The limit counts sk_rmem_alloc, the
 * out-of-order queue included, so once SO_RCVBUF shrinks below what that queue holds, every
 * segment meeting the held socket is dropped, each retransmission of the missing one too,
 * and the sender backs off from RTO to RTO while a busy user keeps the socket (Linux 6.1
 * drops it).  RCV.NXT and the queue's size are read without the owner's lock: the owner may
 * be moving them, and the worst a stale value does is choose the other limit.
 */
static u32 tcpalt_backlog_limit(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	const struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 rcv_nxt, ooo;
	u64 limit;

	/* Racy on purpose: the owner may be moving RCV.NXT (see above). */
	rcv_nxt = data_race(ts->rcv_nxt);
	/* The same for the out-of-order queue's size. */
	ooo = data_race(ts->ooo_bytes);

	limit = ((u64)READ_ONCE(sk->sk_rcvbuf) << 1) + ((u32)READ_ONCE(sk->sk_sndbuf) >> 1) +
		SZ_64K;
	if (ooo && !tcpalt_seq_after(cb->seq, rcv_nxt) && tcpalt_seq_after(cb->end_seq, rcv_nxt))
		limit += 2 * (u64)ooo + SZ_64K;
	return min_t(u64, limit, UINT_MAX);
}

/* Deliver to a socket now, or through its backlog when the user holds it.  Softirq. */
static void tcpalt_sk_rcv(struct sock *sk, struct sk_buff *skb)
{
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN) {
		/* Never through the backlog: see the lock rules in tcpalt.h. */
		tcpalt_listen_rcv(sk, skb);
		return;
	}
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		tcpalt_do_rcv(sk, skb);
	} else {
		skb_dst_drop(skb);
		if (sk_add_backlog(sk, skb, tcpalt_backlog_limit(sk, skb))) {
			tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_BACKLOGDROP);
			kfree_skb(skb);
		}
	}
	bh_unlock_sock(sk);
}

/* The kernel TCP's protocol handler, which tcpalt's wraps (icmp.c passes errors on to it). */
const struct net_protocol *tcpalt_tcp_proto __read_mostly;

/*
 * The host's policy for a segment, as tcp_v4_rcv() applies it: IPsec policy, the end of
 * conntrack's interest (LOCAL_IN, conntrack confirmation included, ran already), and the
 * socket's filter (SO_ATTACH_FILTER, cgroup-bpf ingress).  Returns false to drop.
 */
static bool tcpalt_policy_ok(struct sock *sk, struct sk_buff *skb)
{
	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb))
		return false;
	nf_reset_ct(skb);
	return !sk || !sk_filter_trim_cap(sk, skb, tcp_hdr(skb)->doff * 4);
}

/* Hand a SYN that ended a TIME-WAIT entry (cb filled) to the port's listener.  Consumes it. */
static void tcpalt_deliver_syn(struct net *net, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct sock *sk = tcpalt_lookup_listener(net, iph->saddr, th->source, iph->daddr, th->dest);

	if (!sk) {
		tcpalt_reply_rst(net, skb);
		kfree_skb(skb);
		return;
	}
	tcpalt_sk_rcv(sk, skb);
	sock_put(sk);
}

/*
 * Every TCP segment for this host, after the LOCAL_IN hooks (the host firewall, SELinux,
 * conntrack) and defragmentation, exactly where the kernel TCP gets them: tcpalt's own
 * connections, TIME-WAIT entries and listeners are processed here; every other segment goes
 * on, untouched, to tcp_v4_rcv().  Softirq, under RCU; skb->data at the TCP header.
 */
static int tcpalt_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	const struct iphdr *iph;
	struct tcpalt_hnode *h;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST || !pskb_may_pull(skb, sizeof(struct tcphdr)))
		return tcpalt_tcp_proto->handler(skb);	/* the kernel TCP drops and counts it */
	iph = ip_hdr(skb);
	th = tcp_hdr(skb);
	h = tcpalt_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	if (h) {
		sk = h->kind == TCPALT_KIND_SOCK ?
		     tcpalt_to_sk(container_of(h, struct tcpalt_sock, h)) : NULL;
	} else {
		sk = tcpalt_lookup_listener(net, iph->saddr, th->source, iph->daddr, th->dest);
		if (!sk)
			return tcpalt_tcp_proto->handler(skb);
	}
	tcpalt_mib_inc(net, TCPALT_MIB_INSEGS);
	if (!tcpalt_validate(net, skb))
		goto drop;
	if (!tcpalt_policy_ok(sk, skb)) {
		tcpalt_mib_inc(net, TCPALT_MIB_POLICYDROPS);
		goto drop;
	}
	tcpalt_fill_cb(skb);
	if (sk)
		tcpalt_sk_rcv(sk, skb);
	else if (tcpalt_tw_rcv(container_of(h, struct tcpalt_tw, h), skb) == TCPALT_TW_SYN)
		tcpalt_deliver_syn(net, skb);
	goto put;
drop:
	kfree_skb(skb);
put:
	if (sk)
		sock_put(sk);
	else
		tcpalt_tw_put(container_of(h, struct tcpalt_tw, h));
	return 0;
}

static const struct net_protocol tcpalt_protocol = {
	.handler	= tcpalt_v4_rcv,
	.err_handler	= tcpalt_v4_err,
	.no_policy	= 1,	/* tcpalt_policy_ok() checks it, with the socket, as TCP does */
	.icmp_strict_tag_validation = 1,
};

/**
 * tcpalt_input_init() - start receiving: tcpalt's handler takes IP protocol 6 in front of
 * the kernel TCP's (in every namespace), which it calls for every segment not tcpalt's.
 * The swap is atomic, so no segment meets an empty slot.
 *
 * Return: 0, or -EPROTONOSUPPORT if the kernel has no TCP or another module swapped it.
 */
int tcpalt_input_init(void)
{
	struct net_protocol **slot = (struct net_protocol **)&inet_protos[IPPROTO_TCP];
	const struct net_protocol *tcp = READ_ONCE(*slot);

	if (!tcp || !tcp->handler || !tcp->err_handler)
		return -EPROTONOSUPPORT;
	tcpalt_tcp_proto = tcp;
	if (cmpxchg(slot, (struct net_protocol *)tcp, (struct net_protocol *)&tcpalt_protocol) !=
	    tcp)
		return -EPROTONOSUPPORT;
	return 0;
}

/**
 * tcpalt_input_exit() - give protocol 6 back to the kernel TCP and wait until no CPU is in
 * tcpalt's handler any more.
 */
void tcpalt_input_exit(void)
{
	struct net_protocol **slot = (struct net_protocol **)&inet_protos[IPPROTO_TCP];

	if (cmpxchg(slot, (struct net_protocol *)&tcpalt_protocol,
		    (struct net_protocol *)tcpalt_tcp_proto) != &tcpalt_protocol)
		pr_warn("the IPv4 TCP handler was replaced while tcpalt held it\n");
	synchronize_net();
}
