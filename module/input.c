// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path: a netfilter hook at NF_INET_LOCAL_IN (ahead of everything) takes the TCP
 * segments addressed to tcpalt's connections, TIME-WAIT entries and listeners, validates them
 * (header, checksum), and runs RFC 9293 3.10.7 "SEGMENT ARRIVES" on them.  Every other segment
 * goes on, untouched, to the kernel TCP.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "seq.h"
#include "tcpalt.h"

static u32 tcpalt_seg_datalen(const struct sk_buff *skb)
{
	return skb->len - tcp_hdr(skb)->doff * 4;
}

/* Header sanity and checksum; pulls the IP header.  Counts and returns false for bad ones. */
static bool tcpalt_validate(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	unsigned int thoff = skb_transport_offset(skb);
	struct tcpalt_skb_cb *cb;

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
	cb = TCPALT_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = tcp_flag_byte(th);
	cb->win = ntohs(th->window);
	return true;
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
	ts->mss = min_t(u16, max_t(u16, o.mss ? : TCPALT_DEFAULT_MSS, TCP_MIN_MSS),
			ts->adv_mss ? : tcpalt_route_mss(sk));
	/* RFC 7323 2.2: scaling is on only when both SYNs carried the option. */
	ts->wscale_ok = o.wscale >= 0;
	ts->snd_wscale = ts->wscale_ok ? o.wscale : 0;
	if (!ts->wscale_ok)
		ts->rcv_wscale = 0;
	ts->cwnd = TCPALT_INIT_CWND * ts->mss;
	ts->snd_wnd = cb->win;
	ts->max_window = cb->win;
	ts->snd_wl1 = cb->seq;
	ts->snd_wl2 = cb->ack_seq;
}

/* A connection is established: wake connect() or queue the child for accept(). */
static void tcpalt_established(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sock *parent = ts->parent;

	tcpalt_set_state(sk, TCP_ESTABLISHED);
	/* A send buffer for the window we may fill, as tcp_sndbuf_expand(). */
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		WRITE_ONCE(sk->sk_sndbuf,
			   clamp_t(int, 2 * TCPALT_INIT_CWND * (ts->mss + 1024) +
				   2 * TCPALT_MAX_WINDOW, sk->sk_sndbuf,
				   READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[2])));
	/* And a receive buffer for a few segments of scaled window (no DRS autotuning yet). */
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) && ts->wscale_ok)
		WRITE_ONCE(sk->sk_rcvbuf,
			   clamp_t(int, 16 * (ts->adv_mss + 1024), sk->sk_rcvbuf,
				   READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2])));
	ts->syn_retries = 0;
	ts->backoff = 0;
	ts->lrcvtime = jiffies;
	tcpalt_reset_keepalive(sk);
	if (parent) {
		struct tcpalt_sock *pts = tcpalt_sk(parent);

		spin_lock(&pts->accept_lock);
		if (ts->queued == 1) {
			list_move_tail(&ts->accept_node, &pts->accept_queue);
			ts->queued = 2;
			pts->syn_qlen--;
			pts->accept_qlen++;
		}
		spin_unlock(&pts->accept_lock);
		parent->sk_data_ready(parent);
	} else if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
}

/* A SYN reached a listener (RFC 9293 3.10.7.2): make a child in SYN-RECEIVED. */
static void tcpalt_conn_request(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *pts = tcpalt_sk(sk), *cts;
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(sk);
	struct rtable *rt;
	struct sock *child;

	if (pts->syn_qlen >= max_t(int, READ_ONCE(sk->sk_max_ack_backlog), 1) ||
	    pts->accept_qlen > READ_ONCE(sk->sk_max_ack_backlog)) {
		tcpalt_mib_inc(net, TCPALT_MIB_LISTENOVERFLOWS);
		return;
	}
	child = sk_alloc(net, sk->sk_family, GFP_ATOMIC, &tcpalt_prot, 0);
	if (!child)
		return;
	sock_init_data(NULL, child);
	child->sk_allocation = GFP_ATOMIC;
	tcpalt_sock_init(child);
	cts = tcpalt_sk(child);

	child->sk_uid = sk->sk_uid;
	child->sk_rcvbuf = sk->sk_rcvbuf;
	child->sk_sndbuf = sk->sk_sndbuf;
	child->sk_userlocks = sk->sk_userlocks & ~SOCK_BINDPORT_LOCK;
	child->sk_bound_dev_if = sk->sk_bound_dev_if;
	child->sk_mark = sk->sk_mark;
	child->sk_priority = sk->sk_priority;
	child->sk_lingertime = sk->sk_lingertime;
	if (sock_flag(sk, SOCK_LINGER))
		sock_set_flag(child, SOCK_LINGER);
	if (sock_flag(sk, SOCK_KEEPOPEN))
		sock_set_flag(child, SOCK_KEEPOPEN);
	inet_sk(child)->tos = inet_sk(sk)->tos;
	inet_sk(child)->uc_ttl = inet_sk(sk)->uc_ttl;
	cts->nodelay = pts->nodelay;
	cts->keepidle = pts->keepidle;
	cts->keepintvl = pts->keepintvl;
	cts->keepcnt = pts->keepcnt;
	cts->user_mss = pts->user_mss;
	cts->port = tcpalt_port_get(pts->port);
	cts->rcv_wscale = tcpalt_pick_wscale(child);

	inet_sk(child)->inet_saddr = iph->daddr;
	inet_sk(child)->inet_rcv_saddr = iph->daddr;
	inet_sk(child)->inet_daddr = iph->saddr;
	inet_sk(child)->inet_sport = th->dest;
	inet_sk(child)->inet_num = ntohs(th->dest);
	inet_sk(child)->inet_dport = th->source;
	atomic_set(&inet_sk(child)->inet_id, get_random_u16());
	cts->h.laddr = iph->daddr;
	cts->h.lport = th->dest;
	cts->h.raddr = iph->saddr;
	cts->h.rport = th->source;

	rt = ip_route_output_ports(net, &inet_sk(child)->cork.fl.u.ip4, child, iph->saddr,
				   iph->daddr, th->source, th->dest, IPPROTO_TCP,
				   RT_CONN_FLAGS(child), child->sk_bound_dev_if);
	if (IS_ERR(rt))
		goto drop;
	sk_setup_caps(child, &rt->dst);
	cts->adv_mss = tcpalt_route_mss(child);
	tcpalt_rcv_syn(child, skb);
	cts->iss = tcpalt_isn(iph->daddr, iph->saddr, th->dest, th->source);

	bh_lock_sock_nested(child);
	tcpalt_set_state(child, TCP_SYN_RECV);
	if (tcpalt_ehash_insert(&cts->h)) {
		tcpalt_set_state(child, TCP_CLOSE);
		bh_unlock_sock(child);
		goto drop;
	}
	spin_lock(&pts->accept_lock);
	list_add_tail(&cts->accept_node, &pts->syn_queue);
	cts->queued = 1;
	cts->parent = sk;
	pts->syn_qlen++;
	sock_hold(sk);
	spin_unlock(&pts->accept_lock);
	tcpalt_mib_inc(net, TCPALT_MIB_PASSIVEOPENS);
	tcpalt_send_synack(child);
	bh_unlock_sock(child);
	return;	/* the child's sk_alloc reference now belongs to the listener's queue */
drop:
	sock_orphan(child);
	sk_free(child);
}

/* RFC 9293 3.10.7.2: LISTEN. */
static void tcpalt_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

	if (cb->flags & TCPALT_RST)
		return;
	if (cb->flags & TCPALT_ACK) {
		tcpalt_send_reply(sock_net(sk), skb, cb->ack_seq, 0, TCPALT_RST, 0);
		return;
	}
	if (cb->flags & TCPALT_SYN)
		tcpalt_conn_request(sk, skb);
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
		tcpalt_clean_rtx_queue(sk, ts->snd_una);
		tcpalt_rearm_rtx(sk);
		tcpalt_established(sk);
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
	u32 ack = cb->ack_seq;

	if (tcpalt_seq_after(ack, ts->snd_nxt)) {
		/* Acknowledges something not yet sent: send an ACK, drop. */
		tcpalt_send_ack(sk);
		return false;
	}
	if (tcpalt_seq_before(ack, ts->snd_una))
		return true;	/* duplicate of an old ACK: ignore its ACK field */

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
		tcpalt_clean_rtx_queue(sk, ack);
		ts->backoff = 0;
		ts->retries = 0;
		ts->probes_out = 0;
		/* RFC 5681 3.1: slow start, then congestion avoidance. */
		if (ts->cwnd < ts->ssthresh)
			ts->cwnd += min_t(u32, acked, ts->mss);
		else
			ts->cwnd += max_t(u32, (u32)ts->mss * ts->mss / ts->cwnd, 1);
		ts->cwnd = min_t(u32, ts->cwnd, 4U << 20);
		tcpalt_rearm_rtx(sk);
	} else if (ts->rtx_kind == TCPALT_RTX_PROBE && ts->snd_wnd) {
		tcpalt_rearm_rtx(sk);
	}
	return true;
}

/* Insert an out-of-order segment in its place (sorted by sequence number). */
static void tcpalt_ofo_queue(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *p;

	skb_queue_reverse_walk(&ts->ooo_queue, p) {
		if (!tcpalt_seq_after(TCPALT_SKB_CB(p)->seq, TCPALT_SKB_CB(skb)->seq)) {
			__skb_queue_after(&ts->ooo_queue, p, skb);
			return;
		}
	}
	__skb_queue_head(&ts->ooo_queue, skb);
}

/*
 * Put in-order bytes of @skb (data starting at skb->data, cb seq/end_seq = data only, FIN in
 * cb flags) on the receive queue.  Returns true if the segment's FIN is now in order.
 */
static bool tcpalt_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	bool fin = cb->flags & TCPALT_FIN;

	if (tcpalt_seq_after(cb->end_seq, ts->rcv_nxt)) {
		u32 trim = ts->rcv_nxt - cb->seq;

		if (trim && !pskb_pull(skb, trim)) {
			kfree_skb(skb);
			return false;
		}
		cb->seq = ts->rcv_nxt;
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

/* RFC 9293 3.10.7.4 seventh and eighth: segment text and FIN. */
static void tcpalt_data(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	u32 len = tcpalt_seg_datalen(skb);
	bool fin = cb->flags & TCPALT_FIN, data_fin = false, was_ooo;
	struct sk_buff *p;

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
		/* Out of order: keep it, tell the peer what we miss (duplicate ACK). */
		tcpalt_ofo_queue(sk, skb);
		tcpalt_send_ack(sk);
		return;
	}
	if (!tcpalt_seq_after(cb->end_seq, ts->rcv_nxt) && !(fin && cb->end_seq == ts->rcv_nxt)) {
		/* Entirely old: a retransmission we already have; ACK at once. */
		kfree_skb(skb);
		tcpalt_send_ack(sk);
		return;
	}
	data_fin = tcpalt_queue_rcv(sk, skb);
	was_ooo = !skb_queue_empty(&ts->ooo_queue);
	while (!data_fin && (p = skb_peek(&ts->ooo_queue)) &&
	       !tcpalt_seq_after(TCPALT_SKB_CB(p)->seq, ts->rcv_nxt)) {
		__skb_unlink(p, &ts->ooo_queue);
		data_fin = tcpalt_queue_rcv(sk, p);
	}
	if (len && !sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	if (data_fin) {
		tcpalt_fin(sk);
		return;
	}
	/*
	 * ACK every second segment at once (RFC 1122 4.2.3.2 asks for every second full-sized
	 * one at least), a lone one within 40 ms.
	 */
	if (was_ooo || ++ts->unacked_segs >= 2)
		tcpalt_send_ack(sk);
	else
		tcpalt_schedule_ack(sk);
}

/* RFC 5961 3.2 / 4.2 challenge ACK. */
static void tcpalt_challenge_ack(struct sock *sk)
{
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_CHALLENGEACKS);
	tcpalt_send_ack(sk);
}

/* RFC 9293 3.10.7.4: every state after SYN-SENT. */
static void tcpalt_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	struct net *net = sock_net(sk);
	u32 len = cb->end_seq - cb->seq;

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
			tcpalt_send_ack(sk);
		goto drop;
	}
	/* Second: RST.  Exactly RCV.NXT resets; elsewhere in the window, a challenge ACK. */
	if (cb->flags & TCPALT_RST) {
		if (cb->seq != ts->rcv_nxt) {
			tcpalt_challenge_ack(sk);
			goto drop;
		}
		if (sk->sk_state == TCP_SYN_RECV && ts->parent) {
			tcpalt_done(sk);	/* passive open: the child goes, LISTEN stays */
		} else {
			int err = sk->sk_state == TCP_SYN_RECV ? ECONNREFUSED :
				  sk->sk_state == TCP_CLOSE_WAIT ? EPIPE : ECONNRESET;

			tcpalt_reset(sk, err);
		}
		goto drop;
	}
	/* Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 4.2). */
	if (cb->flags & TCPALT_SYN) {
		tcpalt_challenge_ack(sk);
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
		if (ts->parent && tcpalt_sk(ts->parent)->accept_qlen >=
		    READ_ONCE(ts->parent->sk_max_ack_backlog) + 1) {
			/* Accept queue full: act as if the ACK was lost; SYN-ACK will repeat. */
			tcpalt_mib_inc(net, TCPALT_MIB_LISTENOVERFLOWS);
			goto drop;
		}
		ts->snd_una = cb->ack_seq;
		tcpalt_clean_rtx_queue(sk, ts->snd_una);
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
	/* Seventh and eighth: text and FIN. */
	tcpalt_data(sk, skb);
	tcpalt_push(sk);
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
		tcpalt_listen_rcv(sk, skb);
		break;
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

/* Deliver to a socket now, or through its backlog when the user holds it. */
static void tcpalt_sk_rcv(struct sock *sk, struct sk_buff *skb)
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		tcpalt_do_rcv(sk, skb);
	} else {
		skb_dst_drop(skb);
		if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) + READ_ONCE(sk->sk_sndbuf))) {
			tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_INERRS);
			kfree_skb(skb);
		}
	}
	bh_unlock_sock(sk);
}

/* RFC 1191 / tcp_v4_mtu_reduced(): a smaller path MTU; resend what no longer fits at once. */
static void tcpalt_mtu_reduced(struct sock *sk, u32 mtu)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u16 mss;

	if (mtu < IPV4_MIN_MTU || !inet_csk_update_pmtu(sk, mtu))
		return;
	mss = tcpalt_route_mss(sk);
	if (mss >= ts->mss)
		return;
	ts->mss = mss;
	tcpalt_retransmit_all(sk);
	tcpalt_rearm_rtx(sk);
}

/*
 * An ICMP error quoting one of our segments (RFC 9293 3.9.2.2, RFC 1122 4.2.3.9, RFC 5927):
 * acted on only when the quoted sequence number is in flight.  Hard errors abort a
 * connection that is being opened; on an open one they are kept as the soft error, as
 * tcp_v4_err() does; "fragmentation needed" lowers the MSS.
 */
static void tcpalt_icmp_err(struct sock *sk, u8 type, u8 code, u16 mtu, u32 seq)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int err;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (!tcpalt_seq_geq(seq, ts->snd_una) || !tcpalt_seq_before(seq, ts->snd_nxt))
		return;
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return;
		if (code == ICMP_FRAG_NEEDED) {
			tcpalt_mtu_reduced(sk, mtu);
			return;
		}
		err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	default:
		return;
	}
	if (sk->sk_state == TCP_SYN_SENT) {
		tcpalt_reset(sk, err);
	} else if (inet_sk(sk)->recverr) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
}

/* ICMP at LOCAL_IN: take the errors that quote a tcpalt connection, pass on the rest. */
static unsigned int tcpalt_icmp_rcv(struct net *net, struct sk_buff *skb)
{
	unsigned int off = skb_transport_offset(skb);
	const struct icmphdr *icmph;
	const struct tcphdr *th;
	const struct iphdr *in;
	struct tcpalt_hnode *h;
	struct sock *sk;

	if (!pskb_may_pull(skb, off + sizeof(*icmph) + sizeof(*in)))
		return NF_ACCEPT;
	icmph = (const struct icmphdr *)(skb->data + off);
	if (icmph->type != ICMP_DEST_UNREACH && icmph->type != ICMP_TIME_EXCEEDED &&
	    icmph->type != ICMP_PARAMETERPROB)
		return NF_ACCEPT;
	in = (const struct iphdr *)(icmph + 1);
	if (in->protocol != IPPROTO_TCP || in->ihl < 5 ||
	    !pskb_may_pull(skb, off + sizeof(*icmph) + in->ihl * 4 + 8))
		return NF_ACCEPT;
	icmph = (const struct icmphdr *)(skb->data + off);
	in = (const struct iphdr *)(icmph + 1);
	th = (const struct tcphdr *)((const u8 *)in + in->ihl * 4);
	/* The quoted segment went from us to the peer: its source is our end. */
	h = tcpalt_lookup(net, in->daddr, th->dest, in->saddr, th->source);
	if (!h)
		return NF_ACCEPT;
	if (h->kind == TCPALT_KIND_SOCK) {
		sk = tcpalt_to_sk(container_of(h, struct tcpalt_sock, h));
		bh_lock_sock(sk);
		if (!sock_owned_by_user(sk))
			tcpalt_icmp_err(sk, icmph->type, icmph->code, ntohs(icmph->un.frag.mtu),
					ntohl(th->seq));
		bh_unlock_sock(sk);
		sock_put(sk);
	} else {
		tcpalt_tw_put(container_of(h, struct tcpalt_tw, h));
	}
	consume_skb(skb);
	return NF_STOLEN;
}

static unsigned int tcpalt_nf_local_in(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct net *net = state->net;
	const struct tcphdr *th;
	const struct iphdr *iph;
	struct tcpalt_hnode *h;
	struct sock *sk;

	iph = ip_hdr(skb);
	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if (iph->protocol == IPPROTO_ICMP)
		return tcpalt_icmp_rcv(net, skb);
	if (iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, skb_transport_offset(skb) + sizeof(struct tcphdr)))
		return NF_ACCEPT;	/* truncated: not ours to judge; the kernel TCP counts it */
	iph = ip_hdr(skb);
	th = tcp_hdr(skb);

	h = tcpalt_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	if (h) {
		sk = h->kind == TCPALT_KIND_SOCK ?
		     tcpalt_to_sk(container_of(h, struct tcpalt_sock, h)) : NULL;
	} else {
		sk = tcpalt_lookup_listener(net, iph->daddr, th->dest);
		if (!sk)
			return NF_ACCEPT;
	}
	tcpalt_mib_inc(net, TCPALT_MIB_INSEGS);
	if (!tcpalt_validate(net, skb)) {
		kfree_skb(skb);
		goto put;
	}
	if (!sk) {
		tcpalt_tw_rcv(container_of(h, struct tcpalt_tw, h), skb);
		goto put;
	}
	tcpalt_sk_rcv(sk, skb);
put:
	if (sk)
		sock_put(sk);
	else
		tcpalt_tw_put(container_of(h, struct tcpalt_tw, h));
	return NF_STOLEN;
}

/**
 * tcpalt_deliver_syn() - hand a SYN that ended a TIME-WAIT entry to the port's listener.
 * @net: namespace
 * @skb: the validated SYN (cb filled); consumed
 */
void tcpalt_deliver_syn(struct net *net, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *sk = tcpalt_lookup_listener(net, iph->daddr, tcp_hdr(skb)->dest);

	if (!sk) {
		tcpalt_reply_rst(net, skb);
		kfree_skb(skb);
		return;
	}
	tcpalt_sk_rcv(sk, skb);
	sock_put(sk);
}

static const struct nf_hook_ops tcpalt_nf_ops = {
	.hook		= tcpalt_nf_local_in,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	.priority	= NF_IP_PRI_FIRST,
};

/**
 * tcpalt_input_init() - start taking tcpalt's segments in @net.
 * @net: the namespace
 *
 * Return: 0 or nf_register_net_hook()'s error.
 */
int tcpalt_input_init(struct net *net)
{
	return nf_register_net_hook(net, &tcpalt_nf_ops);
}

/**
 * tcpalt_input_exit() - stop taking segments in @net.
 * @net: the namespace
 */
void tcpalt_input_exit(struct net *net)
{
	nf_unregister_net_hook(net, &tcpalt_nf_ops);
}
