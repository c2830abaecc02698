// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors for tcpalt's connections (RFC 9293 3.9.2.2, RFC 1122 4.2.3.9, RFC 5927) and
 * path MTU discovery (RFC 1191).  They reach tcpalt through the error handler of its protocol
 * 6 handler (input.c), after icmp_rcv() checked the ICMP checksum and the LOCAL_IN hooks ran.
 */
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/protocol.h>

#include "seq.h"
#include "tcpalt.h"

/**
 * tcpalt_mtu_reduced() - RFC 1191 / tcp_v4_mtu_reduced(): the path MTU in @mtu_info is
 * smaller; resend at once what no longer fits.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_mtu_reduced(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 mtu = READ_ONCE(ts->mtu_info);
	u16 mss;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	if (mtu < IPV4_MIN_MTU || !inet_csk_update_pmtu(sk, mtu))
		return;
	mss = tcpalt_route_mss(sk) - tcpalt_opt_overhead(ts);
	if (mss >= ts->mss)
		return;
	ts->mss = mss;
	ts->cc.mss = mss;
	tcpalt_retransmit_all(sk);
	tcpalt_rearm_rtx(sk);
}

/*
 * An ICMP error quoting one of our segments (RFC 9293 3.9.2.2, RFC 1122 4.2.3.9, RFC 5927):
 * acted on only when the quoted sequence number is in flight or just being sent.  Hard
 * errors abort a connection that is being opened, and are queued on the socket's error
 * queue; on an open one they are kept as the soft error (the socket error with
 * IP_RECVERR), queued nowhere, as tcp_v4_err() does; "fragmentation needed" lowers the
 * MSS, later if the user holds the socket.  @skb is the ICMP message, @th the quoted TCP
 * header in it.  Softirq, socket bh-locked.
 */
static void tcpalt_icmp_err(struct sock *sk, struct sk_buff *skb, const struct tcphdr *th,
			    u32 info)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	bool owned = sock_owned_by_user(sk);
	u8 type = icmp_hdr(skb)->type;
	u8 code = icmp_hdr(skb)->code;
	u32 seq = ntohl(th->seq);
	int err;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	/*
	 * SND.UNA =< seq =< SND.NXT, both ends included as tcp_v4_err()'s between(): an ICMP
	 * error can arrive while the segment it quotes is still being sent (a router across a
	 * veth answers within the transmit's softirq), before SND.NXT has moved past it.
	 */
	if (!tcpalt_seq_between(seq, ts->snd_una, ts->snd_nxt))
		return;
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return;
		if (code == ICMP_FRAG_NEEDED) {
			WRITE_ONCE(ts->mtu_info, info);
			if (!owned)
				tcpalt_mtu_reduced(sk);
			else if (!test_and_set_bit(TCPALT_MTU_DEFERRED, &ts->deferred))
				sock_hold(sk);	/* the deferred work's reference */
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
	/*
	 * A half-open child whose SYN-ACK met a network or host unreachable, an expired TTL or
	 * a parameter problem goes, as tcp_v4_err() drops a request sock (tcp_req_err());
	 * otherwise nothing happens: a request sock has no error to report or queue.
	 */
	if (sk->sk_state == TCP_SYN_RECV && ts->passive) {
		if (!owned && seq == ts->iss &&
		    (type != ICMP_DEST_UNREACH || code == ICMP_NET_UNREACH ||
		     code == ICMP_HOST_UNREACH))
			tcpalt_done(sk);
		return;
	}
	/*
	 * An active open (SYN-SENT, or SYN-RECEIVED after a simultaneous open) ends, the ICMP
	 * error queued first on the error queue, with or without IP_RECVERR and even with the
	 * user holding the socket: Linux does so since 5.4 so that an unprivileged
	 * "traceroute -T" can read it.  As tcp_v4_err(): with the user holding the socket, keep
	 * the error as the soft error.
	 */
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		tcpalt_icmp_queue_err(sk, skb, err, th->dest, info, (const u8 *)th);
		if (!owned)
			tcpalt_reset(sk, err);
		else
			WRITE_ONCE(sk->sk_err_soft, err);
	} else if (inet_sk(sk)->recverr && !owned) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
}

/*
 * ICMP errors for protocol 6 (icmp_socket_deliver(), after the ICMP checksum, the LOCAL_IN
 * hooks and the ICMP rate checks): those quoting a tcpalt connection are tcpalt's; the rest
 * go to the kernel TCP.  skb->data is at the quoted IP header, 8 bytes of TCP after it.
 */
/**
 * tcpalt_v4_err() - the ICMP error handler of tcpalt's protocol 6 handler.
 * @skb: the ICMP error, skb->data at the quoted IP header
 * @info: the ICMP info (the next-hop MTU for "fragmentation needed")
 *
 * Return: 0, or the kernel TCP's answer for an error that is not tcpalt's.
 */
int tcpalt_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + (iph->ihl << 2));
	struct net *net = dev_net(skb->dev);
	struct tcpalt_hnode *h;
	struct sock *sk;

	/* The quoted segment went from us to the peer: its source is our end. */
	h = tcpalt_lookup(net, iph->daddr, th->dest, iph->saddr, th->source);
	if (!h)
		return tcpalt_tcp_proto->err_handler(skb, info);
	if (h->kind == TCPALT_KIND_TW) {
		tcpalt_tw_put(container_of(h, struct tcpalt_tw, h));
		return 0;
	}
	sk = tcpalt_to_sk(container_of(h, struct tcpalt_sock, h));
	bh_lock_sock(sk);
	tcpalt_icmp_err(sk, skb, th, info);
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
