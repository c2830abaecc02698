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
 * window scaling and by TCP_WINDOW_CLAMP, rounded down to whole segments against silly
 * windows, and never moving the right edge already announced to the left.
 * Return: the window in bytes.
 */
u32 tcpalt_select_window(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 win = space > 0 ? space / 2 : 0;
	u32 cur = ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt;

	win = min(win, TCPALT_MAX_WINDOW << ts->rcv_wscale);
	if (ts->window_clamp)
		win = min(win, ts->window_clamp);
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

/**
 * tcpalt_ts_now() - our timestamp clock for TSval: milliseconds, as Linux's TCP_TS_HZ, plus
 * the connection's random offset (so TSval says nothing of the host's uptime).
 * @ts: the socket
 *
 * Return: the TSval to send now.
 */
u32 tcpalt_ts_now(const struct tcpalt_sock *ts)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC) + ts->ts_offset;
}

/**
 * tcpalt_opt_overhead() - option bytes every data segment carries (timestamps: 12), which
 * the send MSS leaves room for, as tcp_current_mss() does.
 * @ts: the socket
 *
 * Return: the bytes.
 */
u32 tcpalt_opt_overhead(const struct tcpalt_sock *ts)
{
	return ts->tstamp_ok ? TCPALT_OPTLEN_TS_ALIGNED : 0;
}

/*
 * The options of a segment (tcp_established_options(), tcp_syn_options()): a SYN offers MSS,
 * SACK-permitted, timestamps and window scale, a SYN-ACK answers what the SYN offered;
 * afterwards timestamps ride on every segment and SACK blocks (a D-SACK first) on those
 * without data, as many as fit.
 */
static void tcpalt_out_options(struct sock *sk, struct tcpalt_opts_out *o,
			       struct tcpalt_sack_block *blocks, u8 flags, u32 datalen)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int n = 0, max, i;

	memset(o, 0, sizeof(*o));
	o->wscale = -1;
	o->ts = ts->tstamp_ok;
	if (o->ts) {
		o->tsval = tcpalt_ts_now(ts);
		o->tsecr = (flags & TCPALT_ACK) ? ts->ts_recent : 0;
	}
	if (flags & TCPALT_SYN) {
		o->mss = ts->adv_mss;
		o->sack_perm = ts->sack_ok;
		if (!(flags & TCPALT_ACK) || ts->wscale_ok)
			o->wscale = ts->rcv_wscale;
		tcpalt_fastopen_out_options(ts, o);
		return;
	}
	if (!ts->sack_ok || datalen || !(flags & TCPALT_ACK) || (flags & TCPALT_RST))
		return;
	max = o->ts ? TCPALT_MAX_SACKS - 1 : TCPALT_MAX_SACKS;
	if (ts->dsack) {
		blocks[n++] = ts->dsack_block;
		ts->dsack = 0;
	}
	for (i = 0; i < ts->num_sacks && n < max; i++)
		blocks[n++] = ts->sacks[i];
	o->num_sacks = n;
	o->sacks = blocks;
}

/*
 * Put a TCP header on @skb (a clone of a queued segment, or a fresh control segment) and hand
 * it to IP.  Frees @skb.
 */
static int tcpalt_xmit(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct tcpalt_sack_block blocks[TCPALT_MAX_SACKS];
	bool syn = flags & TCPALT_SYN;
	u32 datalen = skb->len;
	struct tcpalt_opts_out o;
	struct tcphdr *th;
	int optlen, err;
	u32 win;

	tcpalt_out_options(sk, &o, blocks, flags, datalen);
	optlen = tcpalt_options_size(&o);
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
	/*
	 * RFC 9293 3.8.5: every segment below the urgent pointer carries it, as an offset from
	 * its own sequence number; one more than 64 KiB ahead points as far as it can, while
	 * nothing beyond it was sent (__tcp_transmit_skb()).
	 */
	if (ts->urg_mode && !syn && tcpalt_seq_before(seq, ts->snd_up)) {
		if (tcpalt_seq_before(ts->snd_up, seq + 0x10000)) {
			th->urg_ptr = htons(ts->snd_up - seq);
			th->urg = 1;
		} else if (tcpalt_seq_after(seq + 0xFFFF, ts->snd_nxt)) {
			th->urg_ptr = htons(0xFFFF);
			th->urg = 1;
		}
	}
	/* RFC 7323 2.2: the window field of a SYN is never scaled. */
	win = tcpalt_select_window(sk);
	win = syn ? min(win, TCPALT_MAX_WINDOW) : min(win >> ts->rcv_wscale, TCPALT_MAX_WINDOW);
	if (!(flags & TCPALT_RST)) {
		ts->rcv_wnd = syn ? win : win << ts->rcv_wscale;
		ts->rcv_wup = ts->rcv_nxt;
	}
	th->window = htons(win);
	tcpalt_write_options((u8 *)(th + 1), &o);
	if (flags & TCPALT_ACK) {
		ts->ack_pending = 0;
		ts->ack_pushed = 0;
		if (ts->quick)
			ts->quick--;
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
	ts->segs_out += max_t(u32, skb_shinfo(skb)->gso_segs, 1);
	if (datalen) {
		ts->data_segs_out += max_t(u32, skb_shinfo(skb)->gso_segs, 1);
		ts->bytes_sent += datalen;
	}
	if (flags & TCPALT_RST)
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OUTRSTS);
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

/*
 * A segment longer than the MSS leaves as one GSO super-segment: the device, or the GSO layer
 * before it, cuts it into MSS-sized segments (PSH and FIN on the last only: tcp_gso_segment()).
 */
static void tcpalt_set_gso(struct sk_buff *skb, u32 mss)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (skb->len > mss) {
		shinfo->gso_size = mss;
		shinfo->gso_segs = DIV_ROUND_UP(skb->len, mss);
		shinfo->gso_type = SKB_GSO_TCPV4;
	} else {
		shinfo->gso_size = 0;
		shinfo->gso_segs = 0;
		shinfo->gso_type = 0;
	}
}

/* Transmit a queued segment: a clone goes out, the original stays for retransmission. */
static int tcpalt_xmit_queued(struct sock *sk, struct sk_buff *skb, gfp_t gfp)
{
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	u32 mss = tcpalt_sk(sk)->mss;
	u32 seq = cb->seq;
	u8 flags = cb->flags;
	struct sk_buff *c;

	if (skb_cloned(skb)) {
		/* The last copy is still on its way down: send a private one. */
		c = pskb_copy(skb, gfp);
		if (c)
			tcpalt_set_gso(c, mss);
	} else {
		tcpalt_set_gso(skb, mss);
		c = skb_clone(skb, gfp);
	}
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
 * tcpalt_size_goal() - how large a segment (a GSO super-segment when the route can cut it)
 * to build: whole MSS units that leave in about a millisecond at the rate the congestion
 * window allows (tcp_tso_autosize(): twice cwnd per RTT in slow start, 1.2 times after),
 * at least two, within the device's GSO limits and half the peer's largest window.
 * @sk: the socket; must be locked by the caller
 *
 * Return: bytes, a multiple of the MSS (at least one MSS).
 */
u32 tcpalt_size_goal(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 mss = ts->mss, segs = 2, goal;
	u64 rate;

	if (!sk_can_gso(sk))
		return mss;
	if (ts->rto.srtt_us) {
		rate = div_u64((u64)ts->cc.cwnd * USEC_PER_SEC, ts->rto.srtt_us);
		rate = ts->cc.cwnd < ts->cc.ssthresh ? 2 * rate : div_u64(rate * 6, 5);
		segs = max_t(u32, min_t(u64, (rate >> 10) / mss, U16_MAX), 2);
	} else {
		segs = TCPALT_INIT_CWND;
	}
	segs = min_t(u32, segs, READ_ONCE(sk->sk_gso_max_segs));
	goal = min_t(u32, segs * mss, READ_ONCE(sk->sk_gso_max_size));
	if (ts->max_window > TCPALT_DEFAULT_MSS)
		goal = min(goal, ts->max_window / 2);	/* tcp_bound_to_half_wnd() */
	return max_t(u32, rounddown(goal, mss), mss);
}

/*
 * The unsent tail segment if user data may still be appended to it (not a SYN or FIN, below
 * @goal), else NULL.
 */
static struct sk_buff *tcpalt_write_tail(struct sock *sk, u32 goal)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !tcpalt_sk(sk)->send_head || TCPALT_SKB_CB(skb)->eor ||
	    (TCPALT_SKB_CB(skb)->flags & (TCPALT_SYN | TCPALT_FIN)) || skb->len >= goal)
		return NULL;
	return skb;
}

/* A new, empty data segment at the tail of the write queue (tcp_stream_alloc_skb()). */
static struct sk_buff *tcpalt_new_data_skb(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;

	/* The send buffer, and TCP_NOTSENT_LOWAT (tcpalt_stream_memory_free()). */
	if (!sk_stream_memory_free(sk))
		return NULL;
	skb = alloc_skb_fclone(TCPALT_MAX_HEADER, sk->sk_allocation);
	if (!skb)
		return NULL;
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		/* Over the global limit (tcp_mem): as tcp_stream_alloc_skb(). */
		kfree_skb(skb);
		sk->sk_prot->enter_memory_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return NULL;
	}
	skb_reserve(skb, TCPALT_MAX_HEADER);
	skb->ip_summed = CHECKSUM_PARTIAL;	/* no software checksum while copying */
	memset(TCPALT_SKB_CB(skb), 0, sizeof(struct tcpalt_skb_cb));
	TCPALT_SKB_CB(skb)->seq = ts->write_seq;
	TCPALT_SKB_CB(skb)->end_seq = ts->write_seq;
	TCPALT_SKB_CB(skb)->flags = TCPALT_ACK;
	tcpalt_wmem_charge(sk, skb);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!ts->send_head)
		ts->send_head = skb;
	return skb;
}

/* @copy more bytes of user data are in @skb: sequence space and the full-segment push. */
static void tcpalt_data_queued(struct sock *sk, struct sk_buff *skb, u32 copy, u32 goal)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	TCPALT_SKB_CB(skb)->end_seq += copy;
	WRITE_ONCE(ts->write_seq, ts->write_seq + copy);
	/* A full segment leaves at once; the partial tail waits for the end of the call. */
	if (skb->len >= goal)
		tcpalt_push(sk);
}

/*
 * A segment tcpalt_new_data_skb() just queued got no data (the user's memory faulted): take
 * it off the queue again, as tcp_remove_empty_skb().
 */
static void tcpalt_drop_empty_tail(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (skb->len || skb != skb_peek_tail(&sk->sk_write_queue))
		return;
	if (ts->send_head == skb)
		ts->send_head = NULL;
	__skb_unlink(skb, &sk->sk_write_queue);
	tcpalt_wmem_free(sk, skb);
}

/**
 * tcpalt_queue_data() - copy user data once, into page fragments of the unsent tail segment
 * up to the size goal (tcpalt_size_goal()), or of a new segment charged to the socket.
 * @sk: the socket; must be locked by the caller
 * @msg: the user's data; the iterator advances
 *
 * Return: bytes queued (> 0); -ENOBUFS when the send buffer is full or memory is short (the
 * caller waits for room); -EFAULT.
 */
int tcpalt_queue_data(struct sock *sk, struct msghdr *msg)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	u32 goal = tcpalt_size_goal(sk);
	struct sk_buff *skb, *fresh = NULL;
	bool merge;
	size_t copy;
	int i, err;

	skb = tcpalt_write_tail(sk, goal);
	if (skb) {
		i = skb_shinfo(skb)->nr_frags;
		if (i >= MAX_SKB_FRAGS && !skb_can_coalesce(skb, i, pfrag->page, pfrag->offset))
			skb = NULL;	/* no fragment slot left: a new segment */
	}
	if (!skb) {
		skb = tcpalt_new_data_skb(sk);
		if (!skb)
			return -ENOBUFS;
		fresh = skb;
	}
	err = -ENOBUFS;
	if (!sk_page_frag_refill(sk, pfrag))
		goto drop_fresh;
	i = skb_shinfo(skb)->nr_frags;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS) {
		/* The fresh page cannot join the full tail: mark it full, start another. */
		skb = tcpalt_new_data_skb(sk);
		if (!skb)
			return -ENOBUFS;
		fresh = skb;
		i = 0;
		merge = false;
	}
	copy = min3(msg_data_left(msg), (size_t)(goal - skb->len),
		    (size_t)(pfrag->size - pfrag->offset));
	if (!sk_wmem_schedule(sk, copy))
		goto drop_fresh;
	err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page, pfrag->offset,
				       copy);
	if (err)
		goto drop_fresh;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		page_ref_inc(pfrag->page);
	}
	pfrag->offset += copy;
	tcpalt_data_queued(sk, skb, copy, goal);
	return copy;

drop_fresh:
	/* The user's memory faulted, or no memory: no empty segment stays queued. */
	if (fresh)
		tcpalt_drop_empty_tail(sk, fresh);
	return err;
}

/**
 * tcpalt_zc_uarg() - MSG_ZEROCOPY on a socket with SO_ZEROCOPY: the completion record of
 * one sendmsg() call of @size bytes, as tcp_sendmsg_locked() takes it.  The call gets the
 * next id of sk_zckey; it extends the record of the unsent tail segment when that one ends
 * at the previous id (msg_zerocopy_realloc()), so that completions of consecutive calls
 * are reported as one range.  On a route that cannot gather fragments (no NETIF_F_SG) the
 * data will be copied, and the completion says so (SO_EE_CODE_ZEROCOPY_COPIED).
 * @sk: the socket; must be locked by the caller (lock_sock())
 * @size: bytes the call sends
 *
 * Return: the record with a reference for the caller (net_zcopy_put() when done,
 * net_zcopy_put_abort() if nothing was sent), or NULL when sysctl_optmem_max or
 * RLIMIT_MEMLOCK (the pages locked) refuse it: the call fails with ENOBUFS.
 */
struct ubuf_info *tcpalt_zc_uarg(struct sock *sk, size_t size)
{
	struct sk_buff *tail = tcpalt_sk(sk)->send_head ? skb_peek_tail(&sk->sk_write_queue) :
				NULL;
	struct ubuf_info *uarg;

	uarg = msg_zerocopy_realloc(sk, size, tail ? skb_zcopy(tail) : NULL);
	if (uarg && !(sk->sk_route_caps & NETIF_F_SG))
		uarg_to_msgzc(uarg)->zerocopy = 0;
	return uarg;
}

/**
 * tcpalt_queue_zc() - MSG_ZEROCOPY: queue the user's pages by reference (pinned until the
 * segments holding them are acknowledged and freed), in the unsent tail segment up to the
 * size goal or in a new one, as tcp_sendmsg_locked() with skb_zerocopy_iter_stream().  A
 * segment carries one completion record: a tail holding another starts a new segment.
 * The pages' memory is charged to the socket like copied data (sk_wmem_queued and the
 * protocol's memory), so sending waits for room as a copying send does.
 * @sk: the socket; must be locked by the caller
 * @msg: the user's data; the iterator advances
 * @uarg: the call's completion record (tcpalt_zc_uarg())
 *
 * Return: bytes queued (> 0); -ENOBUFS when the send buffer is full or memory is short (the
 * caller waits for room); -EFAULT.
 */
int tcpalt_queue_zc(struct sock *sk, struct msghdr *msg, struct ubuf_info *uarg)
{
	u32 goal = tcpalt_size_goal(sk);
	struct sk_buff *skb;
	int err;

	skb = tcpalt_write_tail(sk, goal);
	if (skb && ((skb_zcopy(skb) && skb_zcopy(skb) != uarg) ||
		    skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS))
		skb = NULL;
again:
	if (!skb) {
		skb = tcpalt_new_data_skb(sk);
		if (!skb)
			return -ENOBUFS;
	}
	err = min_t(size_t, msg_data_left(msg), goal - skb->len);
	if (!sk_wmem_schedule(sk, err)) {
		tcpalt_drop_empty_tail(sk, skb);
		return -ENOBUFS;
	}
	/* Charges what it adds to sk_wmem_queued and the socket's memory itself. */
	err = skb_zerocopy_iter_stream(sk, skb, msg, err, uarg);
	if ((err == -EMSGSIZE || err == -EEXIST) && skb->len) {
		/* No slot or another record in the tail after all: a new segment. */
		skb = NULL;
		goto again;
	}
	if (err <= 0) {
		tcpalt_drop_empty_tail(sk, skb);
		return err ? err : -EFAULT;
	}
	tcpalt_data_queued(sk, skb, err, goal);
	return err;
}

/**
 * tcpalt_queue_page() - sendpage(): queue @size bytes of @page by reference, without a
 * copy (do_tcp_sendpages()); the page is the caller's to change, so it is marked shared.
 * @sk: the socket; must be locked by the caller
 * @page: the page
 * @offset: where the data starts in it
 * @size: bytes wanted
 *
 * Return: bytes queued (> 0, maybe fewer than @size); -ENOBUFS when the send buffer is full
 * or memory is short (the caller waits for room).
 */
int tcpalt_queue_page(struct sock *sk, struct page *page, int offset, size_t size)
{
	u32 goal = tcpalt_size_goal(sk);
	struct sk_buff *skb;
	bool merge;
	size_t copy;
	int i;

	skb = tcpalt_write_tail(sk, goal);
	if (skb) {
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, page, offset);
		if (!merge && i >= MAX_SKB_FRAGS)
			skb = NULL;
	}
	if (!skb) {
		skb = tcpalt_new_data_skb(sk);
		if (!skb)
			return -ENOBUFS;
		i = 0;
		merge = false;
	}
	copy = min_t(size_t, size, goal - skb->len);
	if (!sk_wmem_schedule(sk, copy))
		return -ENOBUFS;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		get_page(page);
		skb_fill_page_desc_noacc(skb, i, page, offset, copy);
	}
	skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
	skb->len += copy;
	skb->data_len += copy;
	skb->truesize += copy;
	sk_wmem_queued_add(sk, copy);
	sk_mem_charge(sk, copy);
	tcpalt_data_queued(sk, skb, copy, goal);
	return copy;
}

/**
 * tcpalt_sndbuf_expand() - a send buffer for twice the congestion window (and at least the
 * initial window), charged as queued segments are (tcp_sndbuf_expand()), up to tcp_wmem[2];
 * never when the user set SO_SNDBUF.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_sndbuf_expand(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 per_mss, segs;
	int sndmem;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	per_mss = roundup_pow_of_two(max_t(u32, ts->mss, 1) + TCPALT_MAX_HEADER) +
		  SKB_DATA_ALIGN(sizeof(struct sk_buff)) +
		  SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	segs = max_t(u32, TCPALT_INIT_CWND, ts->cc.cwnd / max_t(u32, ts->mss, 1));
	sndmem = min_t(u64, 2ULL * per_mss * segs,
		       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[2]));
	if (sndmem > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, sndmem);
}

/**
 * tcpalt_stream_memory_free() - may the user queue more (struct proto's stream_memory_free,
 * asked by poll and the send path): not while the unsent bytes are at TCP_NOTSENT_LOWAT
 * (net.ipv4.tcp_notsent_lowat by default), as tcp_stream_memory_free().
 * @sk: the socket
 * @wake: 1 when asked to wake a writer (then half the limit must be free)
 *
 * Return: true if a writer may go on.
 */
bool tcpalt_stream_memory_free(const struct sock *sk, int wake)
{
	const struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 lowat = READ_ONCE(ts->notsent_lowat) ? :
		    READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_notsent_lowat);
	u32 notsent = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_nxt);

	return ((u64)notsent << wake) < lowat;
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
	ts->cc.cwnd = TCPALT_INIT_CWND * ts->mss;
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
	/* What the SYN offers; the SYN-ACK says what is used (tcpalt_rcv_syn()). */
	ts->tstamp_ok = !!READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_timestamps);
	ts->sack_ok = !!READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_sack);
	tcpalt_sync_mss(sk);
	if (!tcpalt_queue_ctl(sk, TCPALT_SYN))
		return -ENOBUFS;
	if (!tcpalt_fastopen_send_syn(sk))
		tcpalt_push(sk);
	return 0;
}

/**
 * tcpalt_send_syn_data() - RFC 7413 3: send the queued SYN and the data queued behind it as
 * one segment (tcp_send_syn_data()).  Both stay queued apart: a retransmission sends a plain
 * SYN, and data the SYN-ACK does not acknowledge is sent again on its own.
 * @sk: the socket in SYN-SENT, the SYN and then the data in its write queue, none sent;
 *	must be locked by the caller
 *
 * Return: 0, or -ENOBUFS when no copy could be made (the retransmit timer sends the SYN).
 */
int tcpalt_send_syn_data(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *syn = skb_peek(&sk->sk_write_queue), *data, *c;
	u64 now = ktime_get_ns();

	data = skb_queue_next(&sk->sk_write_queue, syn);
	c = pskb_copy(data, sk->sk_allocation);
	if (c) {
		tcpalt_set_gso(c, ts->mss);
		if (tcpalt_xmit(sk, c, TCPALT_SKB_CB(syn)->seq, TCPALT_SYN))
			tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OUTDROPS);
	}
	/* Sent (or lost on the way, as __tcpalt_push() takes a failed send): both in flight. */
	TCPALT_SKB_CB(syn)->sent_ns = now;
	TCPALT_SKB_CB(data)->sent_ns = now;
	ts->snd_nxt = TCPALT_SKB_CB(data)->end_seq;
	ts->lsndtime = jiffies;
	ts->send_head = skb_queue_is_last(&sk->sk_write_queue, data) ? NULL :
			skb_queue_next(&sk->sk_write_queue, data);
	tcpalt_rearm_rtx(sk);
	return c ? 0 : -ENOBUFS;
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
				u8 flags, u16 win, u16 *mss, const struct tcpalt_opts_out *o)
{
	const struct iphdr *iiph = ip_hdr(in);
	const struct tcphdr *ith = tcp_hdr(in);
	int optlen = mss ? TCPALT_OPTLEN_MSS : o ? tcpalt_options_size(o) : 0;
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
	} else if (o) {
		tcpalt_write_options((u8 *)(th + 1), o);
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
			    win, &mss, NULL);
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
	__tcpalt_send_reply(net, in, seq, ack, flags, win, NULL, NULL);
}

/**
 * tcpalt_send_reply_ts() - as tcpalt_send_reply(), with timestamps (an ACK from a TIME-WAIT
 * entry of a connection that used them: RFC 7323 3.2).
 * @net: namespace the segment arrived in
 * @in: the received segment
 * @seq: sequence number of the reply
 * @ack: acknowledgment number
 * @flags: TCPALT_* flags
 * @win: window to announce
 * @tsval: TSval
 * @tsecr: TSecr
 */
void tcpalt_send_reply_ts(struct net *net, struct sk_buff *in, u32 seq, u32 ack, u8 flags,
			  u16 win, u32 tsval, u32 tsecr)
{
	struct tcpalt_opts_out o = { .wscale = -1, .ts = 1, .tsval = tsval, .tsecr = tsecr };

	__tcpalt_send_reply(net, in, seq, ack, flags, win, NULL, &o);
}

/*
 * A private head for a queued segment whose clone is still on its way down, its truesize
 * (what it is charged) unchanged, as skb_unclone_keeptruesize() (not exported).
 */
static int tcpalt_unclone(struct sk_buff *skb)
{
	unsigned int truesize = skb->truesize;

	if (!skb_cloned(skb))
		return 0;
	if (pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
		return -ENOMEM;
	skb->truesize = truesize;
	return 0;
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

	if (WARN_ON_ONCE(!len || len >= skb->len))
		return -EINVAL;
	if (tcpalt_unclone(skb))
		return -ENOMEM;
	buff = alloc_skb(TCPALT_MAX_HEADER + nlen, GFP_ATOMIC);
	if (!buff)
		return -ENOMEM;
	skb_reserve(buff, TCPALT_MAX_HEADER);
	buff->ip_summed = CHECKSUM_PARTIAL;
	tcpalt_wmem_charge(sk, buff);
	skb_split(skb, buff, len);
	/* The paged bytes that moved take their share of the memory with them. */
	buff->truesize += buff->data_len;
	skb->truesize -= buff->data_len;
	/* The second part was sent when the first was, and has its scoreboard marks. */
	*TCPALT_SKB_CB(buff) = *cb;
	TCPALT_SKB_CB(buff)->seq = cb->seq + len;
	cb->flags &= ~(TCPALT_FIN | TCPALT_PSH);
	cb->eor = 0;
	cb->end_seq = cb->seq + len;
	__skb_queue_after(&sk->sk_write_queue, skb, buff);
	return 0;
}

/*
 * Does the partial segment @skb (shorter than the MSS, last in the queue) wait?  With
 * TCP_CORK or MSG_MORE it waits for more data (or the cork's 200 ms ceiling); otherwise
 * Nagle, with Minshall's refinement as Linux has it: only while another small segment is
 * unacknowledged (tcp_nagle_check()).
 */
static bool tcpalt_hold_partial(struct sock *sk, struct sk_buff *skb, int how)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	/* Urgent data goes at once, as the FIN does (tcp_nagle_test()). */
	if ((how & TCPALT_PUSH_FORCE) || skb->len >= ts->mss || ts->urg_mode ||
	    (TCPALT_SKB_CB(skb)->flags & TCPALT_FIN) || skb != skb_peek_tail(&sk->sk_write_queue))
		return false;
	if (ts->cork || (how & TCPALT_PUSH_MORE))
		return true;
	return !ts->nodelay && tcpalt_seq_after(ts->snd_sml, ts->snd_una);
}

/**
 * __tcpalt_push() - send the unsent segments the peer's window, the congestion window, the
 * size goal and Nagle's algorithm (RFC 9293 3.7.4) or the cork allow; arm the retransmit,
 * persist or cork timer.
 * @sk: the socket; must be locked by the caller
 * @how: TCPALT_PUSH_* for a partial segment at the tail (0: TCP_NODELAY and TCP_CORK decide)
 */
void __tcpalt_push(struct sock *sk, int how)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 goal = 0;
	struct sk_buff *skb;

	/* What was lost goes first (tcpalt_xmit_retrans()). */
	if (ts->lost_out)
		return;
	while ((skb = ts->send_head)) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
		u32 pipe = tcpalt_pipe(ts), wnd_end = ts->snd_una + ts->snd_wnd;
		u32 cwnd_end = ts->snd_nxt + (ts->cc.cwnd > pipe ? ts->cc.cwnd - pipe : 0);

		/* Not strict about cwnd for the final FIN (tcp_cwnd_test()): it always goes. */
		if (tcpalt_seq_before(cwnd_end, wnd_end) &&
		    !((cb->flags & TCPALT_FIN) && skb->len <= ts->mss))
			wnd_end = cwnd_end;

		if (!(cb->flags & TCPALT_SYN) && tcpalt_seq_after(cb->end_seq, wnd_end)) {
			u32 room = tcpalt_seq_after(wnd_end, cb->seq) ? wnd_end - cb->seq : 0;

			/* Whole segments when the window has room for one or more. */
			if (room > ts->mss)
				room = rounddown(room, ts->mss);
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
			    cb->seq == ts->snd_una + ts->snd_wnd)
				goto send;
			/* Persist: probe the zero window (armed once; it backs off by itself). */
			if (!ts->snd_wnd && !tcpalt_in_flight(ts) &&
			    ts->rtx_kind != TCPALT_RTX_PROBE)
				tcpalt_rearm_rtx(sk);
			break;
		}
		/*
		 * In urgent mode every segment is cut to the MSS: GSO would copy one urgent
		 * pointer into segments it no longer fits (tcp_write_xmit()).
		 */
		if (!goal)
			goal = ts->urg_mode ? ts->mss : tcpalt_size_goal(sk);
		/* A segment built for a larger goal (the window or the route shrank) is cut. */
		if (skb->len > goal && !(cb->flags & TCPALT_SYN) && !tcpalt_fragment(sk, skb, goal))
			continue;
		if (tcpalt_hold_partial(sk, skb, how)) {
			if (!tcpalt_in_flight(ts) && ts->rtx_kind != TCPALT_RTX_CORK &&
			    (ts->cork || (how & TCPALT_PUSH_MORE)))
				tcpalt_rearm_rtx(sk);	/* the cork's ceiling */
			break;
		}
send:
		/*
		 * A segment the host did not send (qdisc drop, an OUTPUT rule, no memory) counts
		 * as sent and lost, as tcp_connect() takes it: the retransmit timer is armed for
		 * it and sends it again.
		 */
		if (tcpalt_xmit_queued(sk, skb, GFP_ATOMIC))
			tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_OUTDROPS);
		cb->sent_ns = ktime_get_ns();
		/* A reply within ato of the data it answers: interactive (pingpong) mode. */
		if (skb->len && ts->last_data_ns && cb->sent_ns - ts->last_data_ns < ts->ato_ns)
			ts->pingpong = 1;
		/* Minshall's small segment: data or a FIN, not a SYN (tcp_minshall_update()). */
		if (skb->len < ts->mss && !(cb->flags & TCPALT_SYN))
			ts->snd_sml = cb->end_seq;
		if (ts->cc.ca_state == TCP_CA_Recovery)
			ts->prr_out += skb->len;
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

/*
 * Drop the first @len bytes of a queued segment (acknowledged already), as tcp_trim_head():
 * head bytes are pulled, page fragments released, the memory uncharged.
 */
static int tcpalt_trim_queued(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct skb_shared_info *shinfo;
	u32 eat, paged;
	int i, k;

	/* A private head first: the frags below belong to it, not to a clone in flight. */
	if (tcpalt_unclone(skb))
		return -ENOMEM;
	shinfo = skb_shinfo(skb);
	eat = min_t(u32, len, skb_headlen(skb));
	__skb_pull(skb, eat);
	paged = len - eat;
	eat = paged;
	for (i = 0, k = 0; i < shinfo->nr_frags; i++) {
		u32 size = skb_frag_size(&shinfo->frags[i]);

		if (size <= eat) {
			skb_frag_unref(skb, i);
			eat -= size;
			continue;
		}
		shinfo->frags[k] = shinfo->frags[i];
		if (eat) {
			skb_frag_off_add(&shinfo->frags[k], eat);
			skb_frag_size_sub(&shinfo->frags[k], eat);
			eat = 0;
		}
		k++;
	}
	shinfo->nr_frags = k;
	skb->data_len -= paged;
	skb->len -= paged;
	skb->truesize -= paged;
	sk_wmem_queued_add(sk, -(int)paged);
	sk_mem_uncharge(sk, paged);
	TCPALT_SKB_CB(skb)->seq += len;
	return 0;
}

/*
 * Send one queued, already sent segment again: the part not yet acknowledged, at most @max
 * bytes of it (whole segments; the rest is split off to follow).
 */
static int __tcpalt_retransmit_skb(struct sock *sk, struct sk_buff *skb, u32 max)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	u32 stamp;

	if (tcpalt_seq_before(cb->seq, ts->snd_una) && !(cb->flags & TCPALT_SYN)) {
		/* Partly acknowledged: send only the rest. */
		u32 trim = ts->snd_una - cb->seq;

		if (trim > skb->len || tcpalt_trim_queued(sk, skb, trim))
			return -ENOBUFS;
	}
	/* Whole segments, at least one, even when less of the window is left; one when urgent. */
	max = ts->urg_mode ? ts->mss : max_t(u32, rounddown(max, ts->mss), ts->mss);
	if (skb->len > max && !(cb->flags & TCPALT_SYN) && tcpalt_fragment(sk, skb, max))
		return -ENOBUFS;
	/*
	 * The clock before the segment takes its TSval: a TSecr echoing this retransmission
	 * must never look older than it (undo would take a real loss for a spurious one).
	 */
	stamp = tcpalt_ts_now(ts) ? : 1;
	cb->retransmitted = 1;
	if (tcpalt_xmit_queued(sk, skb, GFP_ATOMIC))
		return -ENOBUFS;
	cb->sent_ns = ktime_get_ns();	/* RACK goes by the latest transmission */
	if (cb->sacked & TCPALT_LOST)
		cb->sacked |= TCPALT_RETRANS;
	if (!ts->retrans_stamp)
		ts->retrans_stamp = stamp;
	if (ts->undo_retrans < 0)
		ts->undo_retrans = 0;
	ts->undo_retrans++;
	if (ts->cc.ca_state == TCP_CA_Recovery)
		ts->prr_out += skb->len;
	ts->bytes_retrans += skb->len;
	ts->total_retrans++;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_RETRANSSEGS);
	return 0;
}

/**
 * tcpalt_retransmit_one() - send one queued, already sent segment again.
 * @sk: the socket; must be locked by the caller
 * @skb: the segment
 *
 * Return: 0 or -ENOBUFS.
 */
int tcpalt_retransmit_one(struct sock *sk, struct sk_buff *skb)
{
	return __tcpalt_retransmit_skb(sk, skb, U32_MAX);
}

static int tcpalt_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	return __tcpalt_retransmit_skb(sk, skb, U32_MAX);
}

/**
 * tcpalt_xmit_retrans() - send again the segments marked lost, oldest first, as far as the
 * congestion window allows (tcp_xmit_retransmit_queue()); new data waits until they are out.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_xmit_retrans(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 pipe = tcpalt_pipe(ts);
	struct sk_buff *skb;

	if (!ts->lost_out)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

		if (skb == ts->send_head || pipe >= ts->cc.cwnd)
			break;
		if ((cb->sacked & (TCPALT_SACKED | TCPALT_LOST | TCPALT_RETRANS)) != TCPALT_LOST)
			continue;
		if (__tcpalt_retransmit_skb(sk, skb, ts->cc.cwnd - pipe))
			break;
		pipe += skb->len;
	}
	tcpalt_sb_recount(sk);
}

/**
 * tcpalt_clean_rtx_queue() - free the segments @ack covers; take an RTT sample from the
 * newest one that was sent only once (Karn's rule, RFC 6298 3).
 * @sk: the socket; must be locked by the caller
 * @ack: the new SND.UNA
 * @sacked: if not NULL, set to the bytes of it that were SACKed before (delivered already)
 *
 * Return: the RTT sample in microseconds, or -1 when there is none.
 */
s32 tcpalt_clean_rtx_queue(struct sock *sk, u32 ack, u32 *sacked)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;
	u64 sample_ns = 0, now = ktime_get_ns();
	u32 sacked_bytes = 0;
	bool freed = false;
	s32 rtt_us;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != ts->send_head) {
		struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);

		if (tcpalt_seq_after(cb->end_seq, ack))
			break;
		if (cb->sacked & TCPALT_SACKED)
			sacked_bytes += cb->end_seq - cb->seq;
		else
			tcpalt_rack_advance(sk, cb, now);
		if (!cb->retransmitted && cb->sent_ns)
			sample_ns = cb->sent_ns;
		__skb_unlink(skb, &sk->sk_write_queue);
		tcpalt_wmem_free(sk, skb);
		freed = true;
	}
	if (freed)
		ts->queue_shrunk = 1;
	if (sacked)
		*sacked = sacked_bytes;
	if (!sample_ns)
		return -1;
	rtt_us = min_t(u64, div_u64(now - sample_ns, NSEC_PER_USEC), S32_MAX);
	tcpalt_rto_sample(&ts->rto, rtt_us);
	if (!ts->min_rtt_us || rtt_us < ts->min_rtt_us)
		ts->min_rtt_us = max(rtt_us, 1);
	return rtt_us;
}
