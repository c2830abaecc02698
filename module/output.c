// SPDX-License-Identifier: GPL-2.0
/*
 * Building and sending segments.  The write queue (sk_write_queue) holds every segment from
 * snd_una on: sent-and-unacknowledged ones first, then unsent ones from send_head; SYN and FIN
 * take their sequence number there too, so one retransmission path serves all of them.
 * Segments go out through ip_queue_xmit() with the socket's cached route; replies that have
 * no socket (RST to a stray segment, ACKs from TIME-WAIT) through tcpalt_send_reply().
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "seq.h"
#include "tcpalt.h"

/**
 * tcpalt_route_mss() - the MSS the path allows: route MTU minus IP and TCP headers, capped by
 * TCP_MAXSEG.
 * @sk: the socket; must be locked by the caller
 *
 * Return: the MSS, at least 88 (as Linux's TCP_MIN_MSS).
 */
u16 tcpalt_route_mss(struct sock *sk)
{
	struct dst_entry *dst = __sk_dst_get(sk);
	const struct ip_options_rcu *opt;
	u32 mss = 1460;

	if (dst)
		mss = dst_mtu(dst) - sizeof(struct iphdr) - sizeof(struct tcphdr);
	/* IP options (IP_OPTIONS) ride in every datagram: as icsk_ext_hdr_len for TCP. */
	rcu_read_lock();
	opt = rcu_dereference(inet_sk(sk)->inet_opt);
	if (opt)
		mss -= opt->opt.optlen;
	rcu_read_unlock();
	if (tcpalt_sk(sk)->user_mss)
		mss = min_t(u32, mss, tcpalt_sk(sk)->user_mss);
	return clamp_t(u32, mss, TCP_MIN_MSS, 65495);
}

/**
 * tcpalt_select_window() - the receive window to announce now (RFC 9293 3.8.6.2).
 * @sk: the socket; must be locked by the caller
 *
 * Half the free receive buffer (the rest covers skb overhead), capped at 64 KiB without
 * window scaling, rounded down to whole segments against silly windows, and never moving the
 * right edge already announced to the left.
 * Return: the window in bytes.
 */
u32 tcpalt_select_window(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 win = space > 0 ? space / 2 : 0;
	u32 cur = ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt;

	win = min(win, TCPALT_MAX_WINDOW << ts->rcv_wscale);
	if (win > ts->adv_mss && win < (TCPALT_MAX_WINDOW << ts->rcv_wscale))
		win = rounddown(win, ts->adv_mss);
	if ((s32)cur > 0 && win < cur)
		win = cur;
	/* What the scaled field can say, rounded up so the right edge never moves left. */
	return round_up(win, 1U << ts->rcv_wscale);
}

/**
 * tcpalt_pick_wscale() - our window scale shift: enough for the largest receive buffer
 * (net.ipv4.tcp_rmem[2]), as Linux chooses it.
 * @sk: the socket
 *
 * Return: the shift, 0..14.
 */
u8 tcpalt_pick_wscale(struct sock *sk)
{
	u32 space = max_t(u32, READ_ONCE(sk->sk_rcvbuf),
			  READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
	u8 ws = 0;

	while (ws < TCPALT_MAX_WSCALE && (TCPALT_MAX_WINDOW << ws) < space)
		ws++;
	return ws;
}

/*
 * Put a TCP header on @skb (a clone of a queued segment, or a fresh control segment) and hand
 * it to IP.  Frees @skb.
 */
static int tcpalt_xmit(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	bool syn = flags & TCPALT_SYN;
	bool ws = syn && (!(flags & TCPALT_ACK) || ts->wscale_ok);
	int optlen = (syn ? TCPALT_OPTLEN_MSS : 0) + (ws ? 4 : 0);
	struct tcphdr *th;
	u32 win;
	int err;

	th = skb_push(skb, sizeof(*th) + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(seq);
	th->doff = (sizeof(*th) + optlen) / 4;
	tcp_flag_byte(th) = flags;
	if (flags & TCPALT_ACK)
		th->ack_seq = htonl(ts->rcv_nxt);
	/* RFC 7323 2.2: the window field of a SYN is never scaled. */
	win = tcpalt_select_window(sk);
	win = syn ? min(win, TCPALT_MAX_WINDOW) : min(win >> ts->rcv_wscale, TCPALT_MAX_WINDOW);
	if (!(flags & TCPALT_RST)) {
		ts->rcv_wnd = syn ? win : win << ts->rcv_wscale;
		ts->rcv_wup = ts->rcv_nxt;
	}
	th->window = htons(win);
	if (syn) {
		u8 *opt = (u8 *)(th + 1);

		opt[0] = TCPALT_OPT_MSS;
		opt[1] = TCPALT_OPTLEN_MSS;
		put_unaligned_be16(ts->adv_mss, opt + 2);
		if (ws) {
			opt[4] = TCPALT_OPT_NOP;
			opt[5] = TCPALT_OPT_WSCALE;
			opt[6] = TCPALT_OPTLEN_WSCALE;
			opt[7] = ts->rcv_wscale;
		}
	}
	if (flags & TCPALT_ACK) {
		ts->ack_pending = 0;
		ts->unacked_segs = 0;
		tcpalt_timer_stop(sk, &ts->delack_timer);
	}
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
	th->check = ~tcp_v4_check(skb->len, inet->inet_saddr, inet->inet_daddr, 0);
	skb->protocol = htons(ETH_P_IP);
	skb_set_owner_w(skb, sk);
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));

	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OUTSEGS);
	if (flags & TCPALT_RST)
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OUTRSTS);
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

/* Transmit a queued segment: a clone goes out, the original stays for retransmission. */
static int tcpalt_xmit_queued(struct sock *sk, struct sk_buff *skb, gfp_t gfp)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	u32 seq = cb->seq;
	u8 flags = cb->flags;
	struct sk_buff *c;

	c = skb_cloned(skb) ? pskb_copy(skb, gfp) : skb_clone(skb, gfp);
	if (!c)
		return -ENOBUFS;
	if ((flags & TCPALT_FIN) && skb->len)
		flags |= TCPALT_PSH;
	else if (skb->len && skb == skb_peek_tail(&sk->sk_write_queue))
		flags |= TCPALT_PSH;
	/* A retransmission carries PSH again, as Linux keeps it in the queued skb. */
	cb->flags |= flags & TCPALT_PSH;
	return tcpalt_xmit(sk, c, seq, flags);
}

/* A fresh, empty control segment with room for headers. */
static struct sk_buff *tcpalt_ctl_skb(struct sock *sk, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(TCPALT_MAX_HEADER, gfp);

	if (skb)
		skb_reserve(skb, TCPALT_MAX_HEADER);
	return skb;
}

/* Queue a SYN or FIN (no data) at the tail of the write queue. */
static struct sk_buff *tcpalt_queue_ctl(struct sock *sk, u8 flags)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb = tcpalt_ctl_skb(sk, gfp_any());

	if (!skb)
		return NULL;
	memset(TCPALT_SKB_CB(skb), 0, sizeof(struct tcpalt_skb_cb));
	TCPALT_SKB_CB(skb)->seq = ts->write_seq;
	TCPALT_SKB_CB(skb)->end_seq = ts->write_seq + 1;
	TCPALT_SKB_CB(skb)->flags = flags;
	ts->write_seq++;
	tcpalt_wmem_charge(sk, skb);	/* forced, as sk_forced_mem_schedule(): SYN/FIN must go */
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!ts->send_head)
		ts->send_head = skb;
	return skb;
}

/**
 * tcpalt_queue_data() - copy user data to the write queue: into the unsent tail segment while
 * it has room below the MSS, else into a new segment charged to the socket.
 * @sk: the socket; must be locked by the caller
 * @msg: the user's data; the iterator advances
 *
 * Return: bytes queued (> 0); -ENOBUFS when the send buffer is full or memory is short (the
 * caller waits for room); -EFAULT.
 */
int tcpalt_queue_data(struct sock *sk, struct msghdr *msg)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	size_t chunk;
	bool linear;
	int err;

	if (skb && ts->send_head && !(TCPALT_SKB_CB(skb)->flags & (TCPALT_SYN | TCPALT_FIN)) &&
	    !skb_is_nonlinear(skb) && skb_tailroom(skb) && skb->len < ts->mss &&
	    !skb_cloned(skb)) {
		chunk = min3(msg_data_left(msg), (size_t)skb_tailroom(skb),
			     (size_t)(ts->mss - skb->len));
		if (!copy_from_iter_full(skb_put(skb, chunk), chunk, &msg->msg_iter)) {
			__skb_trim(skb, skb->len - chunk);
			return -EFAULT;
		}
		goto queued;
	}
	if (READ_ONCE(sk->sk_wmem_queued) >= READ_ONCE(sk->sk_sndbuf))
		return -ENOBUFS;
	chunk = min_t(size_t, msg_data_left(msg), ts->mss);
	linear = chunk <= 2048 || ts->mss <= 4096;
	if (linear)
		skb = alloc_skb(TCPALT_MAX_HEADER + min_t(size_t, ts->mss, 4096),
				sk->sk_allocation);
	else
		skb = alloc_skb_with_frags(TCPALT_MAX_HEADER, chunk, PAGE_ALLOC_COSTLY_ORDER, &err,
					   sk->sk_allocation);
	if (!skb)
		return -ENOBUFS;
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		/* Over the global limit (tcp_mem): as tcp_stream_alloc_skb(). */
		kfree_skb(skb);
		sk->sk_prot->enter_memory_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return -ENOBUFS;
	}
	skb_reserve(skb, TCPALT_MAX_HEADER);
	if (linear) {
		chunk = min_t(size_t, chunk, skb_tailroom(skb));
		if (!copy_from_iter_full(skb_put(skb, chunk), chunk, &msg->msg_iter)) {
			kfree_skb(skb);
			return -EFAULT;
		}
	} else {
		skb->data_len = chunk;
		skb->len = chunk;
		if (skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, chunk)) {
			kfree_skb(skb);
			return -EFAULT;
		}
	}
	memset(TCPALT_SKB_CB(skb), 0, sizeof(struct tcpalt_skb_cb));
	TCPALT_SKB_CB(skb)->seq = ts->write_seq;
	TCPALT_SKB_CB(skb)->end_seq = ts->write_seq;
	TCPALT_SKB_CB(skb)->flags = TCPALT_ACK;
	tcpalt_wmem_charge(sk, skb);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!ts->send_head)
		ts->send_head = skb;
queued:
	TCPALT_SKB_CB(skb)->end_seq += chunk;
	WRITE_ONCE(ts->write_seq, ts->write_seq + chunk);
	if (skb->len >= ts->mss)
		tcpalt_push(sk);
	return chunk;
}

/**
 * tcpalt_sync_mss() - set the send MSS from the route and TCP_MAXSEG (before the peer's MSS
 * option is known, and again after the route changes).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_sync_mss(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	ts->adv_mss = tcpalt_route_mss(sk);
	ts->cwnd = TCPALT_INIT_CWND * ts->mss;
}

/**
 * tcpalt_send_syn() - RFC 9293 3.10.1 OPEN: queue and send <SEQ=ISS><CTL=SYN>.
 * @sk: the socket in SYN-SENT, ISS chosen; must be locked by the caller
 *
 * Return: 0 or -ENOBUFS.
 */
int tcpalt_send_syn(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	ts->snd_una = ts->iss;
	ts->snd_nxt = ts->iss;
	ts->write_seq = ts->iss;
	ts->snd_sml = ts->iss;
	ts->rcv_wnd = 0;
	ts->rcv_wup = 0;
	ts->rcv_wscale = tcpalt_pick_wscale(sk);
	tcpalt_sync_mss(sk);
	if (!tcpalt_queue_ctl(sk, TCPALT_SYN))
		return -ENOBUFS;
	tcpalt_push(sk);
	return 0;
}

/**
 * tcpalt_send_synack() - queue and send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, for a child in
 * SYN-RECEIVED or after a simultaneous open (the queued SYN then becomes the SYN-ACK).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_send_synack(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (skb && (TCPALT_SKB_CB(skb)->flags & TCPALT_SYN)) {
		/* Simultaneous open: our SYN, already sent, is sent again with the ACK. */
		TCPALT_SKB_CB(skb)->flags |= TCPALT_ACK;
		tcpalt_retransmit_head(sk);
		return;
	}
	ts->snd_una = ts->iss;
	ts->snd_nxt = ts->iss;
	ts->write_seq = ts->iss;
	ts->snd_sml = ts->iss;
	tcpalt_sync_mss(sk);
	if (tcpalt_queue_ctl(sk, TCPALT_SYN | TCPALT_ACK))
		tcpalt_push(sk);
}

/**
 * tcpalt_send_fin() - queue our FIN after all data (RFC 9293 3.10.4) and send what the
 * window allows.
 * @sk: the socket, just moved to FIN-WAIT-1 or LAST-ACK; must be locked by the caller
 */
void tcpalt_send_fin(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (tail && ts->send_head && !(TCPALT_SKB_CB(tail)->flags & (TCPALT_SYN | TCPALT_FIN))) {
		/* Piggyback on the last unsent data segment. */
		TCPALT_SKB_CB(tail)->flags |= TCPALT_FIN;
		TCPALT_SKB_CB(tail)->end_seq++;
		ts->write_seq++;
	} else if (!tcpalt_queue_ctl(sk, TCPALT_FIN | TCPALT_ACK)) {
		return;
	}
	tcpalt_push(sk);
}

/*
 * The sequence number of a segment without data: SND.NXT, or the right edge of the peer's
 * window when we sent beyond it (data the peer dropped, a window that shrank), so that the
 * peer finds it acceptable and takes its ACK (tcp_acceptable_seq()).
 */
static u32 tcpalt_acceptable_seq(const struct tcpalt_sock *ts)
{
	u32 wnd_end = ts->snd_una + ts->snd_wnd;

	return tcpalt_seq_after(ts->snd_nxt, wnd_end) ? wnd_end : ts->snd_nxt;
}

/**
 * tcpalt_send_ack() - send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> now (SEQ within the peer's
 * window: tcpalt_acceptable_seq()).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_send_ack(struct sock *sk)
{
	struct sk_buff *skb;

	if (sk->sk_state == TCP_CLOSE)
		return;
	skb = tcpalt_ctl_skb(sk, GFP_ATOMIC);
	if (!skb) {
		tcpalt_schedule_ack(sk);
		return;
	}
	tcpalt_xmit(sk, skb, tcpalt_acceptable_seq(tcpalt_sk(sk)), TCPALT_ACK);
}

/**
 * tcpalt_send_probe() - a zero-window or keepalive probe: an ACK carrying SND.UNA - 1, which
 * the peer must answer with an ACK showing its window (RFC 9293 3.8.6.1, RFC 1122 4.2.3.6).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_send_probe(struct sock *sk)
{
	struct sk_buff *skb = tcpalt_ctl_skb(sk, GFP_ATOMIC);

	if (skb)
		tcpalt_xmit(sk, skb, tcpalt_sk(sk)->snd_una - 1, TCPALT_ACK);
}

/**
 * tcpalt_send_active_reset() - abort: send <SEQ=SND.NXT><CTL=RST,ACK> (SEQ as tcpalt_send_ack()).
 * @sk: the socket; must be locked by the caller
 * @gfp: allocation context
 */
void tcpalt_send_active_reset(struct sock *sk, gfp_t gfp)
{
	struct sk_buff *skb = tcpalt_ctl_skb(sk, gfp);

	if (skb)
		tcpalt_xmit(sk, skb, tcpalt_acceptable_seq(tcpalt_sk(sk)),
			    TCPALT_RST | TCPALT_ACK);
}

/*
 * A segment in answer to @in, from no socket: its route, and the MSS option when @mss is
 * not NULL (*mss: in, the largest the peer takes; the cookie made for the route's MSS then
 * sets it and @seq).
 */
static void __tcpalt_send_reply(struct net *net, struct sk_buff *in, u32 seq, u32 ack,
				u8 flags, u16 win, u16 *mss)
{
	const struct iphdr *iiph = ip_hdr(in);
	const struct tcphdr *ith = tcp_hdr(in);
	int optlen = mss ? TCPALT_OPTLEN_MSS : 0;
	struct flowi4 fl4;
	struct rtable *rt;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;

	rt = ip_route_output_ports(net, &fl4, NULL, iiph->saddr, iiph->daddr, ith->source,
				   ith->dest, IPPROTO_TCP, RT_TOS(iiph->tos), 0);
	if (IS_ERR(rt))
		return;
	skb = alloc_skb(TCPALT_MAX_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(skb, TCPALT_MAX_HEADER);
	skb_dst_set(skb, &rt->dst);
	if (mss) {
		*mss = min_t(u32, *mss, dst_mtu(&rt->dst) - sizeof(*iph) - sizeof(*th));
		seq = tcpalt_cookie_make(iiph->daddr, iiph->saddr, ith->dest, ith->source,
					 ntohl(ith->seq), mss, tcpalt_cookie_minute());
	}

	th = skb_push(skb, sizeof(*th) + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = ith->dest;
	th->dest = ith->source;
	th->seq = htonl(seq);
	th->ack_seq = (flags & TCPALT_ACK) ? htonl(ack) : 0;
	th->doff = (sizeof(*th) + optlen) / 4;
	tcp_flag_byte(th) = flags;
	th->window = htons(win);
	if (mss) {
		u8 *opt = (u8 *)(th + 1);

		opt[0] = TCPALT_OPT_MSS;
		opt[1] = TCPALT_OPTLEN_MSS;
		put_unaligned_be16(*mss, opt + 2);
	}
	th->check = tcp_v4_check(skb->len, iiph->daddr, iiph->saddr,
				 csum_partial(th, skb->len, 0));

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = iiph->tos;
	iph->tot_len = htons(skb->len);
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = iiph->daddr;
	iph->daddr = iiph->saddr;
	ip_select_ident(net, skb, NULL);
	ip_send_check(iph);
	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;

	tcpalt_mib_inc(net, TCPALT_MIB_OUTSEGS);
	if (flags & TCPALT_RST)
		tcpalt_mib_inc(net, TCPALT_MIB_OUTRSTS);
	ip_local_out(net, NULL, skb);
}

/**
 * tcpalt_send_cookie_synack() - answer a SYN with a SYN-ACK whose ISN is a SYN cookie
 * (syncookie.c) and keep nothing.
 * @net: namespace the SYN arrived in
 * @in: the SYN (network and transport headers set)
 * @peer_mss: the SYN's MSS option (0: none, RFC 9293 3.7.1's 536)
 * @win: window to announce (unscaled: the cookie keeps no window scale)
 */
void tcpalt_send_cookie_synack(struct net *net, struct sk_buff *in, u16 peer_mss, u16 win)
{
	u16 mss = peer_mss ? : TCPALT_DEFAULT_MSS;

	__tcpalt_send_reply(net, in, 0, ntohl(tcp_hdr(in)->seq) + 1, TCPALT_SYN | TCPALT_ACK,
			    win, &mss);
}

/**
 * tcpalt_send_reply() - answer a received segment without a socket: RST to a segment that
 * has no business here, ACK from a TIME-WAIT entry.
 * @net: namespace the segment arrived in
 * @in: the received segment (network and transport headers set)
 * @seq: sequence number of the reply
 * @ack: acknowledgment number (used when @flags has ACK)
 * @flags: TCPALT_* flags
 * @win: window to announce
 */
void tcpalt_send_reply(struct net *net, struct sk_buff *in, u32 seq, u32 ack, u8 flags, u16 win)
{
	__tcpalt_send_reply(net, in, seq, ack, flags, win, NULL);
}

/**
 * tcpalt_fragment() - split a queued segment after its first @len bytes (to fit the window,
 * or a smaller MSS).
 * @sk: the socket; must be locked by the caller
 * @skb: the segment, in sk_write_queue
 * @len: bytes to keep in @skb
 *
 * Return: 0 or -ENOMEM.
 */
int tcpalt_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	struct sk_buff *buff;
	int nlen = skb_headlen(skb) > len ? skb_headlen(skb) - len : 0;

	if (skb_cloned(skb) && pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
		return -ENOMEM;
	buff = alloc_skb(TCPALT_MAX_HEADER + nlen, GFP_ATOMIC);
	if (!buff)
		return -ENOMEM;
	skb_reserve(buff, TCPALT_MAX_HEADER);
	tcpalt_wmem_charge(sk, buff);
	skb_split(skb, buff, len);
	/* The paged bytes that moved take their share of the memory with them. */
	buff->truesize += buff->data_len;
	skb->truesize -= buff->data_len;
	memset(TCPALT_SKB_CB(buff), 0, sizeof(struct tcpalt_skb_cb));
	TCPALT_SKB_CB(buff)->seq = cb->seq + len;
	TCPALT_SKB_CB(buff)->end_seq = cb->end_seq;
	TCPALT_SKB_CB(buff)->flags = cb->flags;
	cb->flags &= ~(TCPALT_FIN | TCPALT_PSH);
	cb->end_seq = cb->seq + len;
	__skb_queue_after(&sk->sk_write_queue, skb, buff);
	return 0;
}

/**
 * tcpalt_push() - send the unsent segments the peer's window, the congestion window and
 * Nagle's algorithm (RFC 9293 3.7.4) allow; arm the retransmit or persist timer.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_push(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	while ((skb = ts->send_head)) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
		u32 wnd = min(ts->snd_wnd, ts->cwnd);
		u32 wnd_end = ts->snd_una + wnd;

		if (!(cb->flags & TCPALT_SYN) && tcpalt_seq_after(cb->end_seq, wnd_end)) {
			u32 room = tcpalt_seq_after(wnd_end, cb->seq) ? wnd_end - cb->seq : 0;

			/*
			 * Send what fits when it is a good part of a segment, when nothing is in
			 * flight, or when it is the last data the user gave (the FIN follows).
			 */
			if (room && room < skb->len &&
			    (room >= ts->mss / 2 || !tcpalt_in_flight(ts) ||
			     (cb->flags & TCPALT_FIN)) &&
			    !tcpalt_fragment(sk, skb, room))
				continue;
			/* A bare FIN needs no window: receivers take it at a zero window. */
			if (!skb->len && (cb->flags & TCPALT_FIN) &&
			    cb->seq == ts->snd_una + ts->snd_wnd && ts->snd_wnd <= ts->cwnd)
				goto send;
			/* Persist: probe the zero window (armed once; it backs off by itself). */
			if (!ts->snd_wnd && !tcpalt_in_flight(ts) &&
			    ts->rtx_kind != TCPALT_RTX_PROBE)
				tcpalt_rearm_rtx(sk);
			break;
		}
		/*
		 * Nagle, with Minshall's refinement as Linux has it: hold a small segment only
		 * while another small one is unacknowledged.
		 */
		if (skb->len < ts->mss && !ts->nodelay && !(cb->flags & TCPALT_FIN) &&
		    tcpalt_seq_after(ts->snd_sml, ts->snd_una) &&
		    skb == skb_peek_tail(&sk->sk_write_queue))
			break;
send:
		/*
		 * A segment the host did not send (qdisc drop, an OUTPUT rule, no memory) counts
		 * as sent and lost, as tcp_connect() takes it: the retransmit timer is armed for
		 * it and sends it again.
		 */
		if (tcpalt_xmit_queued(sk, skb, GFP_ATOMIC))
			tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OUTDROPS);
		cb->sent_ns = ktime_get_ns();
		if (skb->len < ts->mss)
			ts->snd_sml = cb->end_seq;
		ts->snd_nxt = cb->end_seq;
		ts->lsndtime = jiffies;
		ts->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL :
				skb_queue_next(&sk->sk_write_queue, skb);
		if (ts->rtx_kind != TCPALT_RTX_RETRANSMIT)
			tcpalt_rearm_rtx(sk);
	}
}

static int tcpalt_retransmit_skb(struct sock *sk, struct sk_buff *skb);

/**
 * tcpalt_retransmit_head() - RFC 6298 5.4: retransmit the earliest unacknowledged segment.
 * @sk: the socket; must be locked by the caller
 *
 * Return: 0, or -ENOBUFS / -EAGAIN when nothing could be sent.
 */
int tcpalt_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || skb == tcpalt_sk(sk)->send_head)
		return -EAGAIN;
	return tcpalt_retransmit_skb(sk, skb);
}

/**
 * tcpalt_retransmit_all() - send again every segment in flight, split to the current MSS
 * (after the path MTU dropped: tcp_simple_retransmit()).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_retransmit_all(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == ts->send_head)
			break;
		if (skb->len > ts->mss && !(TCPALT_SKB_CB(skb)->flags & TCPALT_SYN) &&
		    tcpalt_fragment(sk, skb, ts->mss))
			break;
		if (tcpalt_retransmit_skb(sk, skb))
			break;
	}
}

/* Send one queued, already sent segment again (the part not yet acknowledged). */
static int tcpalt_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

	if (tcpalt_seq_before(cb->seq, ts->snd_una) && !(cb->flags & TCPALT_SYN)) {
		/* Partly acknowledged: send only the rest. */
		u32 trim = ts->snd_una - cb->seq;

		if (trim > skb->len || !pskb_pull(skb, trim))
			return -ENOBUFS;
		cb->seq = ts->snd_una;
	}
	cb->retransmitted = 1;
	if (tcpalt_xmit_queued(sk, skb, GFP_ATOMIC))
		return -ENOBUFS;
	ts->total_retrans++;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_RETRANSSEGS);
	return 0;
}

/**
 * tcpalt_clean_rtx_queue() - free the segments @ack covers; take an RTT sample from the
 * newest one that was sent only once (Karn's rule, RFC 6298 3).
 * @sk: the socket; must be locked by the caller
 * @ack: the new SND.UNA
 */
void tcpalt_clean_rtx_queue(struct sock *sk, u32 ack)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;
	u64 sample_ns = 0;
	bool freed = false;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != ts->send_head) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

		if (tcpalt_seq_after(cb->end_seq, ack))
			break;
		if (!cb->retransmitted && cb->sent_ns)
			sample_ns = cb->sent_ns;
		__skb_unlink(skb, &sk->sk_write_queue);
		tcpalt_wmem_free(sk, skb);
		freed = true;
	}
	if (sample_ns)
		tcpalt_rto_sample(&ts->rto, div_u64(ktime_get_ns() - sample_ns, NSEC_PER_USEC));
	if (freed)
		sk->sk_write_space(sk);
}
