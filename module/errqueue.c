// SPDX-License-Identifier: GPL-2.0
/*
 * The socket error queue (sk->sk_error_queue) of tcpalt's sockets: ICMP errors queued for
 * the user, and recvmsg(MSG_ERRQUEUE) reading them.  Linux 6.1's TCP uses ip_icmp_error()
 * and ip_recv_error() (through inet_recv_error()), which a module cannot call: they are not
 * exported, and inet_recv_error() answers only AF_INET sockets.  These are tcpalt's own,
 * with the same entries and the same cmsgs (IP_RECVERR, Documentation/networking/
 * msg_zerocopy.rst and timestamping.rst describe the queue).  The queue has its own lock;
 * its skbs are charged to sk_rmem_alloc (sock_queue_err_skb()) and purged by
 * inet_sock_destruct() or by turning IP_RECVERR off (ip_setsockopt()).
 */
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/sock.h>

#include "tcpalt.h"

/*
 * RFC 4884 (IP_RECVERR_RFC4884): where the extension structure of an ICMP error starts, for
 * the types that may carry one (ipv4_icmp_error_rfc4884()).
 */
static void tcpalt_icmp_rfc4884(const struct sk_buff *skb, struct sock_ee_data_rfc4884 *out)
{
	switch (icmp_hdr(skb)->type) {
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		ip_icmp_error_rfc4884(skb, out, sizeof(struct icmphdr),
				      icmp_hdr(skb)->un.reserved[1] * 4);
	}
}

/**
 * tcpalt_icmp_queue_err() - queue an ICMP error on @sk's error queue, as ip_icmp_error().
 * @sk: the socket; bh-locked by the caller
 * @skb: the ICMP error (network header: its IP header, transport header: the ICMP header)
 * @err: the errno the error means
 * @port: the quoted segment's destination port, for msg_name
 * @info: the ICMP info (the next-hop MTU for "fragmentation needed"), as ee_info
 * @payload: the quoted transport header inside @skb: the data recvmsg() returns from here
 *
 * The entry is a clone of @skb with a struct sock_exterr_skb in its cb: origin
 * SO_EE_ORIGIN_ICMP, the ICMP type and code, the offender's address at addr_offset.
 * Dropped silently when memory or the receive buffer is short.
 */
void tcpalt_icmp_queue_err(struct sock *sk, struct sk_buff *skb, int err, __be16 port,
			   u32 info, const u8 *payload)
{
	struct sock_exterr_skb *serr;

	skb = skb_clone(skb, GFP_ATOMIC);
	if (!skb)
		return;
	serr = SKB_EXT_ERR(skb);
	serr->ee.ee_errno = err;
	serr->ee.ee_origin = SO_EE_ORIGIN_ICMP;
	serr->ee.ee_type = icmp_hdr(skb)->type;
	serr->ee.ee_code = icmp_hdr(skb)->code;
	serr->ee.ee_pad = 0;
	serr->ee.ee_info = info;
	serr->ee.ee_data = 0;
	/* The quoted header's destination: where the segment was going. */
	serr->addr_offset = (u8 *)&(((struct iphdr *)(icmp_hdr(skb) + 1))->daddr) -
			    skb_network_header(skb);
	serr->port = port;
	if (skb_pull(skb, payload - skb->data)) {
		if (inet_sk(sk)->recverr_rfc4884)
			tcpalt_icmp_rfc4884(skb, &serr->ee.ee_rfc4884);
		skb_reset_transport_header(skb);
		if (!sock_queue_err_skb(sk, skb))
			return;
	}
	kfree_skb(skb);
}

/**
 * tcpalt_recv_error() - recvmsg(MSG_ERRQUEUE): the oldest entry of @sk's error queue, as
 * ip_recv_error().
 * @sk: the socket; need not be locked (the queue has its own lock)
 * @msg: gets the entry's data (MSG_TRUNC if longer than @len), the struct
 *	sock_extended_err and offender as an IP_RECVERR cmsg, and for an ICMP error the
 *	quoted destination as msg_name and the IP cmsgs the socket asked for
 * @len: room for data
 *
 * Return: the bytes of data copied, -EAGAIN at once when the queue is empty, or -errno.
 */
int tcpalt_recv_error(struct sock *sk, struct msghdr *msg, size_t len)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, msg->msg_name);
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in offender;
	} errhdr;
	struct sock_exterr_skb *serr;
	struct sk_buff *skb;
	int copied, err;
	bool icmp;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;
	copied = min_t(size_t, skb->len, len);
	if (copied < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	sock_recv_timestamp(msg, sk, skb);

	serr = SKB_EXT_ERR(skb);
	icmp = serr->ee.ee_origin == SO_EE_ORIGIN_ICMP;
	msg->msg_namelen = 0;
	if (sin && (icmp || serr->port)) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = *(__be32 *)(skb_network_header(skb) + serr->addr_offset);
		sin->sin_port = serr->port;
		memset(&sin->sin_zero, 0, sizeof(sin->sin_zero));
		msg->msg_namelen = sizeof(*sin);
	}
	memcpy(&errhdr.ee, &serr->ee, sizeof(errhdr.ee));
	memset(&errhdr.offender, 0, sizeof(errhdr.offender));
	if (icmp) {
		/* SO_EE_OFFENDER(): who sent the ICMP error. */
		errhdr.offender.sin_family = AF_INET;
		errhdr.offender.sin_addr.s_addr = ip_hdr(skb)->saddr;
		if (inet_sk(sk)->cmsg_flags)
			ip_cmsg_recv(msg, skb);
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);
	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return copied;
}
