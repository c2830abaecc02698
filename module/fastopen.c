// SPDX-License-Identifier: GPL-2.0
/*
 * TCP Fast Open (RFC 7413), with Linux's semantics (net/ipv4/tcp_fastopen.c):
 *
 * Server.  A listener takes Fast Open when net.ipv4.tcp_fastopen has 0x2 and TCP_FASTOPEN gave
 * it a queue length (or 0x400 did at listen()).  A SYN that asks for a cookie (an empty
 * option) gets one in the SYN-ACK; a SYN with a valid cookie makes a child in SYN-RECEIVED
 * that holds the SYN's data, its SYN-ACK acknowledges the data, and it goes on the accept
 * queue at once; a SYN with an invalid cookie gets a fresh cookie and only its SYN is
 * acknowledged.  At most TCP_FASTOPEN children wait in SYN-RECEIVED; beyond that the SYN
 * is an ordinary one.  The cookie is SipHash(key; client address, server address), 8
 * bytes, under the listener's TCP_FASTOPEN_KEY or else a key the module draws at load (the
 * kernel TCP's per-namespace key, net->ipv4.tcp_fastopen_ctx, is made lazily by functions a
 * module cannot call).  The hash is Linux's (__tcp_fastopen_cookie_gen_cipher()), so under
 * one TCP_FASTOPEN_KEY tcpalt and the kernel TCP make the same cookies.
 *
 * Client.  sendto(MSG_FASTOPEN) on an unconnected socket, or TCP_FASTOPEN_CONNECT then
 * connect() and write(): with a cookie cached for the server the SYN carries it and the
 * first data (at most an MSS less 40 option bytes, and one page); without one, the SYN asks
 * for a cookie and the data waits for the handshake.  The SYN-ACK's cookie is cached per
 * namespace and server address (a small table in tcpalt_net, the oldest entry replaced); data
 * the SYN-ACK does not acknowledge is sent again at once.  Retransmitted SYNs carry neither
 * option nor data, as Linux's.
 */
#include <asm/unaligned.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/siphash.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "seq.h"
#include "tcpalt.h"

static siphash_key_t tcpalt_fo_key __read_mostly;

/**
 * tcpalt_fastopen_init() - draw the server cookie key.
 */
void tcpalt_fastopen_init(void)
{
	get_random_bytes(&tcpalt_fo_key, sizeof(tcpalt_fo_key));
}

/**
 * tcpalt_fastopen_net_init() - an empty cookie cache for a new namespace.
 * @net: the namespace
 */
void tcpalt_fastopen_net_init(struct net *net)
{
	spin_lock_init(&tcpalt_pernet(net)->fo_lock);
}

static int tcpalt_fo_sysctl(const struct sock *sk)
{
	return READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_fastopen);
}

/*
 * The cookie of a client (@saddr of its SYN) talking to @daddr: SipHash of the 8 address
 * bytes, little-endian, as __tcp_fastopen_cookie_gen_cipher().
 */
static void tcpalt_fo_cookie_gen(const siphash_key_t *key, __be32 saddr, __be32 daddr,
				 u8 *cookie)
{
	u8 in[8];

	BUILD_BUG_ON(sizeof(u64) != TCPALT_TFO_COOKIE_LEN);
	memcpy(in, &saddr, 4);
	memcpy(in + 4, &daddr, 4);
	put_unaligned_le64(siphash(in, sizeof(in), key), cookie);
}

/**
 * tcpalt_fastopen_set_key() - TCP_FASTOPEN_KEY: the socket's own server key, 16 bytes, or
 * 32 (a backup key after it, still accepted), as tcp_fastopen_reset_cipher().
 * @sk: the socket (not locked: the keys are replaced under RCU)
 * @optval: the key bytes (each key as two little-endian 64-bit words)
 * @optlen: 16 or 32, else -EINVAL
 *
 * Return: 0, -EINVAL, -EFAULT or -ENOMEM.
 */
int tcpalt_fastopen_set_key(struct sock *sk, sockptr_t optval, unsigned int optlen)
{
	u8 key[2 * sizeof(siphash_key_t)];
	struct tcpalt_fo_ctx *ctx, *old;
	int i;

	if (optlen != sizeof(siphash_key_t) && optlen != sizeof(key))
		return -EINVAL;
	if (copy_from_sockptr(key, optval, optlen))
		return -EFAULT;
	ctx = kmalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->num = optlen / sizeof(siphash_key_t);
	for (i = 0; i < ctx->num; i++) {
		ctx->key[i].key[0] = get_unaligned_le64(key + i * 16);
		ctx->key[i].key[1] = get_unaligned_le64(key + i * 16 + 8);
	}
	old = unrcu_pointer(xchg(&tcpalt_sk(sk)->fo.ctx, RCU_INITIALIZER(ctx)));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * tcpalt_fastopen_get_key() - read TCP_FASTOPEN_KEY back: the socket's keys, nothing when it
 * has none (as tcp_fastopen_get_cipher() for a socket).
 * @sk: the socket
 * @optval: user buffer
 * @optlen: in, its size; out, the bytes written
 *
 * Return: 0 or -EFAULT.
 */
int tcpalt_fastopen_get_key(struct sock *sk, char __user *optval, int __user *optlen)
{
	u8 key[2 * sizeof(siphash_key_t)];
	struct tcpalt_fo_ctx *ctx;
	unsigned int len;
	int i, n = 0;

	if (get_user(len, optlen))
		return -EFAULT;
	rcu_read_lock();
	ctx = rcu_dereference(tcpalt_sk(sk)->fo.ctx);
	if (ctx) {
		n = ctx->num;
		for (i = 0; i < n; i++) {
			put_unaligned_le64(ctx->key[i].key[0], key + i * 16);
			put_unaligned_le64(ctx->key[i].key[1], key + i * 16 + 8);
		}
	}
	rcu_read_unlock();
	len = min_t(unsigned int, len, n * sizeof(siphash_key_t));
	if (put_user(len, optlen) || copy_to_user(optval, key, len))
		return -EFAULT;
	return 0;
}

/**
 * tcpalt_fastopen_destroy() - free the socket's TCP_FASTOPEN_KEY (the socket is past its RCU
 * grace period: SOCK_RCU_FREE).
 * @sk: the socket being destroyed
 */
void tcpalt_fastopen_destroy(struct sock *sk)
{
	kfree(rcu_dereference_protected(tcpalt_sk(sk)->fo.ctx, 1));
}

/* The cached cookie for the socket's server, 0 bytes when none (tcp_fastopen_cache_get()). */
static u8 tcpalt_fo_cache_get(struct sock *sk, u8 *cookie)
{
	struct tcpalt_net *tn = tcpalt_pernet(sock_net(sk));
	__be32 daddr = inet_sk(sk)->inet_daddr;
	u8 len = 0;
	int i;

	spin_lock_bh(&tn->fo_lock);
	for (i = 0; i < TCPALT_TFO_CACHE_SIZE; i++) {
		struct tcpalt_fo_cache *e = &tn->fo_cache[i];

		if (e->len && e->daddr == daddr) {
			len = e->len;
			memcpy(cookie, e->cookie, len);
			e->stamp = jiffies;
			break;
		}
	}
	spin_unlock_bh(&tn->fo_lock);
	return len;
}

/* Keep the cookie @daddr gave (tcp_fastopen_cache_set()): its slot, a free one, or the oldest. */
static void tcpalt_fo_cache_set(struct net *net, __be32 daddr, const u8 *cookie, u8 len)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);
	struct tcpalt_fo_cache *e = NULL;
	int i;

	spin_lock_bh(&tn->fo_lock);
	for (i = 0; i < TCPALT_TFO_CACHE_SIZE; i++) {
		struct tcpalt_fo_cache *c = &tn->fo_cache[i];

		if (c->len && c->daddr == daddr) {
			e = c;
			break;
		}
		if (!e || (e->len && (!c->len || time_before(c->stamp, e->stamp))))
			e = c;
	}
	e->daddr = daddr;
	e->len = len;
	memcpy(e->cookie, cookie, len);
	e->stamp = jiffies;
	spin_unlock_bh(&tn->fo_lock);
}

/**
 * tcpalt_fastopen_setsockopt() - TCP_FASTOPEN, TCP_FASTOPEN_CONNECT, TCP_FASTOPEN_NO_COOKIE
 * with do_tcp_setsockopt()'s checks.
 * @sk: the socket; must be locked by the caller
 * @optname: the option
 * @val: its value
 *
 * Return: 0, -EINVAL (out of range or wrong state), -EOPNOTSUPP (TCP_FASTOPEN_CONNECT while
 * net.ipv4.tcp_fastopen lacks the client bit) or -ENOPROTOOPT.
 */
int tcpalt_fastopen_setsockopt(struct sock *sk, int optname, int val)
{
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;
	bool closed_or_listen = (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN);

	switch (optname) {
	case TCP_FASTOPEN:
		if (val < 0 || !closed_or_listen)
			return -EINVAL;
		/* fastopen_queue_tune(): at most net.core.somaxconn. */
		WRITE_ONCE(fo->max_qlen,
			   min_t(unsigned int, val,
				 READ_ONCE(sock_net(sk)->core.sysctl_somaxconn)));
		return 0;
	case TCP_FASTOPEN_CONNECT:
		if (val < 0 || val > 1)
			return -EINVAL;
		if (!(tcpalt_fo_sysctl(sk) & TCPALT_TFO_CLIENT_ENABLE))
			return -EOPNOTSUPP;
		if (sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		fo->connect = val;
		return 0;
	case TCP_FASTOPEN_NO_COOKIE:
		if (val < 0 || val > 1 || !closed_or_listen)
			return -EINVAL;
		WRITE_ONCE(fo->no_cookie, val);
		return 0;
	}
	return -ENOPROTOOPT;
}

/**
 * tcpalt_fastopen_getsockopt() - read TCP_FASTOPEN, TCP_FASTOPEN_CONNECT or
 * TCP_FASTOPEN_NO_COOKIE back.
 * @sk: the socket
 * @optname: the option
 * @val: set to its value
 *
 * Return: 0 or -ENOPROTOOPT.
 */
int tcpalt_fastopen_getsockopt(struct sock *sk, int optname, int *val)
{
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;

	switch (optname) {
	case TCP_FASTOPEN:
		*val = READ_ONCE(fo->max_qlen);
		return 0;
	case TCP_FASTOPEN_CONNECT:
		*val = READ_ONCE(fo->connect);
		return 0;
	case TCP_FASTOPEN_NO_COOKIE:
		*val = READ_ONCE(fo->no_cookie);
		return 0;
	}
	return -ENOPROTOOPT;
}

/**
 * tcpalt_fastopen_listen() - net.ipv4.tcp_fastopen 0x400 with 0x2: Fast Open on a listener
 * that did not ask for it, its queue as long as the backlog (inet_listen()).
 * @sk: the socket, about to listen; must be locked by the caller
 * @backlog: the listen() backlog
 */
void tcpalt_fastopen_listen(struct sock *sk, int backlog)
{
	int tfo = tcpalt_fo_sysctl(sk);
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;

	if ((tfo & TCPALT_TFO_SERVER_WO_SOCKOPT1) && (tfo & TCPALT_TFO_SERVER_ENABLE) &&
	    !fo->max_qlen && backlog >= 0)
		WRITE_ONCE(fo->max_qlen,
			   min_t(unsigned int, backlog,
				 READ_ONCE(sock_net(sk)->core.sysctl_somaxconn)));
}

/* Take one place in the listener's Fast Open queue (tcp_fastopen_queue_check()). */
static bool tcpalt_fo_queue_get(struct sock *sk)
{
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;
	int max = READ_ONCE(fo->max_qlen);

	if (!max)
		return false;
	if (atomic_inc_return(&fo->qlen) > max) {
		atomic_dec(&fo->qlen);
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_TFOLISTENOVERFLOW);
		return false;
	}
	return true;
}

/* The SYN's data becomes the child's first received bytes (tcp_fastopen_add_skb()). */
static bool tcpalt_fo_add_data(struct sock *child, struct sk_buff *skb)
{
	struct tcpalt_sock *cts = tcpalt_sk(child);
	u32 hdr = tcp_hdrlen(skb), len = skb->len - hdr;
	struct tcpalt_skb_cb *cb;
	struct sk_buff *c;

	if (!len)
		return true;
	c = skb_clone(skb, GFP_ATOMIC);
	if (!c)
		return false;
	if (!sk_rmem_schedule(child, c, c->truesize)) {
		kfree_skb(c);
		return false;
	}
	skb_dst_drop(c);
	__skb_pull(c, hdr);
	cb = TCPALT_SKB_CB(c);
	cb->seq++;
	cb->end_seq = cb->seq + len;	/* a FIN on the SYN is left for the peer to send again */
	cb->flags &= ~(TCPALT_SYN | TCPALT_FIN);
	skb_set_owner_r(c, child);
	__skb_queue_tail(&child->sk_receive_queue, c);
	cts->rcv_nxt = cb->end_seq;
	cts->rcv_wup = cts->rcv_nxt;
	cts->bytes_received = len;
	cts->segs_in = 1;
	cts->data_segs_in = 1;
	cts->fo.syn_data_acked = 1;
	return true;
}

/**
 * tcpalt_fastopen_syn() - RFC 7413 4.2: the Fast Open part of a SYN that reached listener
 * @sk and made @child (tcp_try_fastopen()).  Sets the cookie the SYN-ACK carries; for a
 * valid cookie (or none needed) queues the SYN's data on @child.
 * @sk: the listener (not locked; softirq)
 * @child: the new child in SYN-RECEIVED, bh-locked, its SYN-ACK not yet sent
 * @skb: the SYN
 *
 * Return: true when @child is a Fast Open child: the caller puts it on the accept queue
 * as soon as its SYN-ACK is sent.
 */
bool tcpalt_fastopen_syn(struct sock *sk, struct sock *child, struct sk_buff *skb)
{
	struct tcpalt_sock *cts = tcpalt_sk(child);
	struct tcpalt_skb_cb *cb = TCPALT_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct net *net = sock_net(sk);
	bool syn_data = cb->end_seq != cb->seq + 1;
	int tfo = tcpalt_fo_sysctl(sk);
	u8 valid[TCPALT_TFO_COOKIE_LEN], alt[TCPALT_TFO_COOKIE_LEN];
	struct tcpalt_fo_ctx *ctx;
	struct tcpalt_opts o;
	int match = 0;

	if (tcpalt_parse_options((const u8 *)(th + 1), th->doff * 4 - sizeof(*th), &o))
		o.fo_len = -1;
	if (o.fo_len == 0)
		tcpalt_mib_inc(net, TCPALT_MIB_TFOCOOKIEREQD);
	if (!(tfo & TCPALT_TFO_SERVER_ENABLE) || !(syn_data || o.fo_len >= 0) ||
	    !tcpalt_fo_queue_get(sk))
		return false;
	if ((tfo & TCPALT_TFO_SERVER_NO_COOKIE) || READ_ONCE(tcpalt_sk(sk)->fo.no_cookie))
		goto fastopen;
	if (o.fo_len < 0)
		goto refuse;
	/* The listener's primary key, then its backup (tcp_fastopen_cookie_gen_check()). */
	rcu_read_lock();
	ctx = rcu_dereference(tcpalt_sk(sk)->fo.ctx);
	tcpalt_fo_cookie_gen(ctx ? &ctx->key[0] : &tcpalt_fo_key, iph->saddr, iph->daddr, valid);
	if (o.fo_len == TCPALT_TFO_COOKIE_LEN && !memcmp(o.fo_cookie, valid, sizeof(valid))) {
		match = 1;
	} else if (o.fo_len == TCPALT_TFO_COOKIE_LEN && ctx && ctx->num > 1) {
		tcpalt_fo_cookie_gen(&ctx->key[1], iph->saddr, iph->daddr, alt);
		if (!memcmp(o.fo_cookie, alt, sizeof(alt)))
			match = 2;
	}
	rcu_read_unlock();
	if (match)
		goto fastopen;
	if (o.fo_len > 0)
		tcpalt_mib_inc(net, TCPALT_MIB_TFOPASSIVEFAIL);
send_cookie:
	/* A request, or a cookie that is not (or no longer) good: the SYN-ACK brings one. */
	memcpy(cts->fo.cookie, valid, sizeof(valid));
	cts->fo.cookie_len = sizeof(valid);
	cts->fo.exp = o.fo_exp;
	cts->fo.send_opt = 1;
refuse:
	atomic_dec(&tcpalt_sk(sk)->fo.qlen);
	return false;

fastopen:
	if (!tcpalt_fo_add_data(child, skb)) {
		tcpalt_mib_inc(net, TCPALT_MIB_TFOPASSIVEFAIL);
		if (match)
			goto send_cookie;
		goto refuse;
	}
	if (match == 2) {
		/* A backup key's cookie: the SYN-ACK brings the primary key's. */
		tcpalt_mib_inc(net, TCPALT_MIB_TFOPASSIVEALTKEY);
		memcpy(cts->fo.cookie, valid, sizeof(valid));
		cts->fo.cookie_len = sizeof(valid);
		cts->fo.exp = o.fo_exp;
		cts->fo.send_opt = 1;
	}
	sock_hold(sk);
	cts->fo.listener = sk;
	tcpalt_mib_inc(net, TCPALT_MIB_TFOPASSIVE);
	return true;
}

/**
 * tcpalt_fastopen_child_end() - a Fast Open child left SYN-RECEIVED (the handshake ended, or
 * the child did): its place in the listener's Fast Open queue is free again.
 * @sk: the child; must be locked by the caller
 */
void tcpalt_fastopen_child_end(struct sock *sk)
{
	struct sock *listener = tcpalt_sk(sk)->fo.listener;

	tcpalt_sk(sk)->fo.listener = NULL;
	atomic_dec(&tcpalt_sk(listener)->fo.qlen);
	sock_put(listener);
}

/*
 * The cookie for a Fast Open SYN (tcp_fastopen_cookie_check()): false when there is none
 * and one is needed; cookie_len 0 then, or when none is needed (no option at all).
 */
static bool tcpalt_fo_cookie_check(struct sock *sk)
{
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;

	fo->cookie_len = tcpalt_fo_cache_get(sk, fo->cookie);
	fo->exp = 0;
	if ((tcpalt_fo_sysctl(sk) & TCPALT_TFO_CLIENT_NO_COOKIE) || fo->no_cookie) {
		fo->cookie_len = 0;
		fo->send_opt = 0;
		return true;
	}
	fo->send_opt = 1;
	if (!fo->cookie_len)
		fo->client_fail = TFO_COOKIE_UNAVAILABLE;
	return fo->cookie_len > 0;
}

/**
 * tcpalt_fastopen_defer_connect() - connect() with TCP_FASTOPEN_CONNECT: with a cookie for
 * the server, the SYN waits for the first write, which it will carry (connect() returns 0
 * at once); without one, the SYN asks for a cookie (tcp_fastopen_defer_connect()).
 * @sk: the socket in SYN-SENT, its SYN not yet sent; must be locked by the caller
 *
 * Return: true when the SYN is deferred.
 */
bool tcpalt_fastopen_defer_connect(struct sock *sk)
{
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;

	if (!fo->connect || fo->msg)
		return false;
	if (tcpalt_fo_cookie_check(sk)) {
		fo->defer = 1;
		return true;
	}
	fo->req = 1;
	return false;
}

/**
 * tcpalt_fastopen_send_syn() - the SYN (queued, not sent) of a Fast Open connect: with a
 * cookie (or none needed), queue the first data behind it and send both in one segment
 * (tcp_send_syn_data()); else leave a plain SYN asking for a cookie to the caller.
 * @sk: the socket; must be locked by the caller
 *
 * Return: true when the SYN was sent here.
 */
bool tcpalt_fastopen_send_syn(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_fo *fo = &ts->fo;
	struct msghdr *msg = fo->msg;
	size_t left, space;

	if (!fo->req)
		return false;
	fo->req = 0;
	if (!tcpalt_fo_cookie_check(sk) || !msg) {
		/* A cookie request (or a deferred connect's cookie with no data yet). */
		fo->syn_fastopen = fo->send_opt;
		return false;
	}
	fo->syn_fastopen = fo->send_opt;
	/* An MSS less the largest options, within one page (tcp_send_syn_data()). */
	left = msg_data_left(msg);
	space = ts->adv_mss > MAX_TCP_OPTION_SPACE ? ts->adv_mss - MAX_TCP_OPTION_SPACE : 0;
	space = min3(space, left, (size_t)SKB_MAX_HEAD(TCPALT_MAX_HEADER));
	if (!space)
		return false;
	iov_iter_truncate(&msg->msg_iter, space);
	while (msg_data_left(msg)) {
		int n = tcpalt_queue_data(sk, msg);

		if (n <= 0)
			break;
		fo->copied += n;
	}
	iov_iter_reexpand(&msg->msg_iter, left - fo->copied);
	if (!fo->copied)
		return false;
	tcpalt_send_syn_data(sk);
	fo->syn_data = 1;
	return true;
}

/**
 * tcpalt_fastopen_out_options() - the Fast Open option of a SYN or SYN-ACK being built; only
 * the first transmission carries it (a retransmitted SYN or SYN-ACK goes without, as Linux's).
 * @ts: the socket; must be locked by the caller
 * @o: the options to fill in
 */
void tcpalt_fastopen_out_options(struct tcpalt_sock *ts, struct tcpalt_opts_out *o)
{
	struct tcpalt_fo *fo = &ts->fo;

	if (!fo->send_opt)
		return;
	fo->send_opt = 0;
	o->fastopen = 1;
	o->fo_exp = fo->exp;
	o->fo_len = fo->cookie_len;
	o->fo_cookie = fo->cookie;
}

/**
 * tcpalt_fastopen_synack() - the SYN-ACK of a Fast Open connect (tcp_rcv_fastopen_synack()):
 * cache its cookie; data of the SYN it does not acknowledge is sent again at once.
 * @sk: the socket, just established; must be locked by the caller
 * @skb: the SYN-ACK
 *
 * Return: true when data was sent again (it carries the ACK of the SYN-ACK).
 */
bool tcpalt_fastopen_synack(struct sock *sk, struct sk_buff *skb)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_fo *fo = &ts->fo;
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcpalt_opts o;

	if (!fo->syn_fastopen && !fo->syn_data)
		return false;
	if (!tcpalt_parse_options((const u8 *)(th + 1), th->doff * 4 - sizeof(*th), &o) &&
	    fo->syn_fastopen && o.fo_len > 0)
		tcpalt_fo_cache_set(sock_net(sk), inet_sk(sk)->inet_daddr, o.fo_cookie, o.fo_len);
	if (!fo->syn_data)
		return false;
	if (tcpalt_seq_before(ts->snd_una, ts->snd_nxt)) {
		fo->client_fail = ts->total_retrans ? TFO_SYN_RETRANSMITTED : TFO_DATA_NOT_ACKED;
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_TFOACTIVEFAIL);
		tcpalt_retransmit_head(sk);
		return true;
	}
	fo->syn_data_acked = 1;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_TFOACTIVE);
	return false;
}

/**
 * tcpalt_fastopen_sendmsg() - sendmsg() with MSG_FASTOPEN, or the first write after a
 * deferred connect (tcp_sendmsg_fastopen()): connect, the SYN carrying what data it can.
 * @sock: the socket; its sk must be locked by the caller
 * @msg: the data, and the address for MSG_FASTOPEN
 * @copied: set to the bytes that went in the SYN
 *
 * Return: 0 once connected, -EINPROGRESS (non-blocking), or the errno of connect();
 * -EOPNOTSUPP when net.ipv4.tcp_fastopen lacks the client bit or the address is AF_UNSPEC.
 */
int tcpalt_fastopen_sendmsg(struct socket *sock, struct msghdr *msg, size_t *copied)
{
	struct sock *sk = sock->sk;
	struct tcpalt_fo *fo = &tcpalt_sk(sk)->fo;
	struct sockaddr *uaddr = msg->msg_name;
	int err;

	*copied = 0;
	if (!(tcpalt_fo_sysctl(sk) & TCPALT_TFO_CLIENT_ENABLE) ||
	    (uaddr && msg->msg_namelen >= (int)sizeof(uaddr->sa_family) &&
	     uaddr->sa_family == AF_UNSPEC))
		return -EOPNOTSUPP;
	if (fo->msg)
		return -EALREADY;	/* another Fast Open is in progress */
	fo->msg = msg;
	fo->copied = 0;
	fo->req = 1;
	if (fo->defer) {
		err = tcpalt_send_syn(sk);
		if (err)
			tcpalt_done(sk);
	}
	err = __tcpalt_stream_connect(sock, uaddr, msg->msg_namelen,
				      (msg->msg_flags & MSG_DONTWAIT) ? O_NONBLOCK : 0, true);
	*copied = fo->copied;
	fo->msg = NULL;
	fo->req = 0;
	fo->defer = 0;
	return err;
}
