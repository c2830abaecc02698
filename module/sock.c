// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto for tcpalt: socket setup and teardown (children, the accept queues, close,
 * disconnect, orphans, the end of a connection), and the hooks the socket core calls
 * (backlog, release_cb, keepalive).
 */
#include <linux/module.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "seq.h"
#include "tcpalt.h"

/*
 * Wake writers once a third of the send buffer is free again and the unsent bytes are below
 * half TCP_NOTSENT_LOWAT (as sk_stream_write_space()).
 */
static void tcpalt_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !__sk_stream_is_writeable(sk, 1))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * The unsent segments first, then those sent, as tcp_write_queue_purge() frees its write
 * queue before its retransmit queue: MSG_ZEROCOPY completions come in that order.
 */
static void tcpalt_purge_write_queue(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = tcpalt_sk(sk)->send_head)) {
		tcpalt_sk(sk)->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL :
					   skb_queue_next(&sk->sk_write_queue, skb);
		__skb_unlink(skb, &sk->sk_write_queue);
		tcpalt_wmem_free(sk, skb);
	}
	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		tcpalt_wmem_free(sk, skb);
}

static void tcpalt_sk_destruct(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	WARN_ON_ONCE(!sock_flag(sk, SOCK_DEAD));	/* freed while a user or a queue held it */
	sk_sockets_allocated_dec(sk);
	tcpalt_purge_write_queue(sk);
	tcpalt_ofo_purge(sk);
	tcpalt_fastopen_destroy(sk);
	tcpalt_all_del(&ts->h);
	tcpalt_port_release(sk, false);
	inet_sock_destruct(sk);
}

/* The protocol part of a socket (everything after struct inet_sock), new or cloned. */
static void tcpalt_priv_init(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	memset((u8 *)ts + offsetof(struct tcpalt_sock, h), 0,
	       sizeof(*ts) - offsetof(struct tcpalt_sock, h));
	ts->h.net = sock_net(sk);
	ts->h.kind = TCPALT_KIND_SOCK;
	INIT_LIST_HEAD(&ts->h.all);
	ts->ooo_root = RB_ROOT;
	spin_lock_init(&ts->accept_lock);
	INIT_LIST_HEAD(&ts->syn_queue);
	INIT_LIST_HEAD(&ts->accept_queue);
	INIT_LIST_HEAD(&ts->accept_node);
	tcpalt_rto_init(&ts->rto);
	ts->mss = TCPALT_DEFAULT_MSS;
	ts->adv_mss = TCPALT_DEFAULT_MSS;
	ts->cc.cwnd = TCPALT_INIT_CWND * TCPALT_DEFAULT_MSS;
	ts->cc.ssthresh = U32_MAX;
	ts->cc.ops = tcpalt_cc_default(sock_net(sk));
	ts->ts_offset = get_random_u32();
	ts->undo_retrans = -1;
	ts->keepidle = 7200;
	ts->keepintvl = 75;
	ts->keepcnt = 9;
	tcpalt_timers_init(sk);
	sk->sk_state = TCP_CLOSE;	/* the initial state, before any transition */
}

/**
 * tcpalt_sock_init() - set up a socket made by socket().
 * @sk: freshly allocated socket, initialised by sock_init_data()
 */
void tcpalt_sock_init(struct sock *sk)
{
	sk->sk_protocol = IPPROTO_TCP;
	sk->sk_gso_type = SKB_GSO_TCPV4;	/* what sk_can_gso() asks the route for */
	sk->sk_destruct = tcpalt_sk_destruct;
	sk->sk_write_space = tcpalt_write_space;
	sk->sk_backlog_rcv = tcpalt_do_rcv;
	sock_set_flag(sk, SOCK_RCU_FREE);
	inet_sk(sk)->uc_ttl = -1;
	inet_sk(sk)->mc_ttl = 1;
	inet_sk(sk)->pmtudisc = IP_PMTUDISC_WANT;
	/* Linux TCP's defaults: net.ipv4.tcp_rmem[1] / tcp_wmem[1]. */
	sk->sk_rcvbuf = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[1]);
	sk->sk_sndbuf = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[1]);
	sk_sockets_allocated_inc(sk);	/* sk_clone_lock() counts children itself */
	tcpalt_priv_init(sk);
	tcpalt_all_add(&tcpalt_sk(sk)->h);
}

/**
 * tcpalt_child_clone() - a listener's child for a SYN, made as inet_csk_clone_lock() makes
 * it: a copy of the listener, so it inherits what Linux TCP's children inherit (socket type,
 * flags, timeouts, buffer sizes and their locks, low-water marks, mark, uid, cgroup, LSM
 * label, socket filter, IPsec policy), with the protocol part fresh.
 * @sk: the listener (not locked: its settings are read once)
 *
 * Return: the child, bh-locked, in CLOSED, holding two references (the caller's and the
 * one the listener's queue will own); or NULL.
 */
struct sock *tcpalt_child_clone(const struct sock *sk)
{
	const struct tcpalt_sock *pts = tcpalt_sk(sk);
	struct tcpalt_sock *cts;
	struct inet_sock *inet;
	struct sock *child;

	child = sk_clone_lock(sk, GFP_ATOMIC);
	if (!child)
		return NULL;
	inet = inet_sk(child);
	RCU_INIT_POINTER(inet->inet_opt, NULL);	/* the listener's IP options stay its own */
	inet->mc_list = NULL;
	memset(&inet->cork, 0, sizeof(inet->cork));
	atomic_set(&inet->inet_id, get_random_u16());
	child->sk_shutdown = 0;
	tcpalt_priv_init(child);
	cts = tcpalt_sk(child);
	cts->passive = 1;
	cts->nodelay = READ_ONCE(pts->nodelay);
	cts->cork = READ_ONCE(pts->cork);
	cts->pingpong = READ_ONCE(pts->pingpong);
	cts->window_clamp = READ_ONCE(pts->window_clamp);
	cts->notsent_lowat = READ_ONCE(pts->notsent_lowat);
	if (READ_ONCE(pts->cc.ops_set)) {	/* TCP_CONGESTION is inherited, else the default */
		cts->cc.ops = READ_ONCE(pts->cc.ops);
		cts->cc.ops_set = 1;
	}
	cts->keepidle = READ_ONCE(pts->keepidle);
	cts->keepintvl = READ_ONCE(pts->keepintvl);
	cts->keepcnt = READ_ONCE(pts->keepcnt);
	cts->user_mss = READ_ONCE(pts->user_mss);
	cts->user_timeout = READ_ONCE(pts->user_timeout);
	cts->syncnt = READ_ONCE(pts->syncnt);
	cts->linger2_ms = READ_ONCE(pts->linger2_ms);
	cts->defer_accept = READ_ONCE(pts->defer_accept);
	cts->recvmsg_inq = READ_ONCE(pts->recvmsg_inq);
	memcpy(cts->stored_opts, pts->stored_opts, sizeof(cts->stored_opts));
	tcpalt_all_add(&cts->h);
	return child;
}

/**
 * tcpalt_child_free() - free a child that never reached a queue or a table.
 * @child: from tcpalt_child_clone(), bh-locked, in CLOSED; both its references go
 */
void tcpalt_child_free(struct sock *child)
{
	sock_orphan(child);
	bh_unlock_sock(child);
	sock_put(child);
	sock_put(child);
}

/*
 * Accept queues.  A listener's SYN queue (children in SYN-RECEIVED) and accept queue
 * (established children not yet accepted), the two lengths, @accepting, and each child's
 * @accept_node, @queued and @parent are protected by the listener's accept_lock (lock
 * order 2).  A queued child holds one reference on its listener; the queue holds one on the
 * child.  The helpers below are the only code that changes them.
 */

/**
 * tcpalt_child_link() - put a new child on its listener's SYN queue.
 * @sk: the listener (not locked)
 * @child: the child, bh-locked by the caller
 * @cookie: the child comes from a SYN cookie: it is established at once, so the SYN queue's
 *	    bound does not apply to it
 *
 * The child takes a reference on the listener's port reservation and on the listener; the
 * queue takes over one of the child's references.
 * Return: 0; -EINVAL if the listener is closing; -ENOBUFS if the SYN queue is full.
 */
int tcpalt_child_link(struct sock *sk, struct sock *child, bool cookie)
{
	struct tcpalt_sock *pts = tcpalt_sk(sk), *cts = tcpalt_sk(child);
	int err = 0;

	spin_lock_bh(&pts->accept_lock);
	if (!pts->accepting) {
		err = -EINVAL;
	} else if (!cookie && pts->syn_qlen >= tcpalt_synq_max(sk)) {
		err = -ENOBUFS;
	} else {
		list_add_tail(&cts->accept_node, &pts->syn_queue);
		cts->queued = 1;
		cts->parent = sk;
		cts->port = tcpalt_port_get(pts->port);
		WRITE_ONCE(pts->syn_qlen, pts->syn_qlen + 1);
		sock_hold(sk);
	}
	spin_unlock_bh(&pts->accept_lock);
	return err;
}

/**
 * tcpalt_child_ready() - a child is established: move it from the SYN queue to the accept
 * queue and wake accept().  A child that its closing listener already took back is left
 * alone: the listener resets it.
 * @child: the child; must be locked by the caller
 */
void tcpalt_child_ready(struct sock *child)
{
	struct tcpalt_sock *cts = tcpalt_sk(child), *pts;
	struct sock *parent;
	bool moved = false;

	rcu_read_lock();	/* listeners are freed after a grace period (SOCK_RCU_FREE) */
	parent = READ_ONCE(cts->parent);
	if (parent) {
		pts = tcpalt_sk(parent);
		spin_lock_bh(&pts->accept_lock);
		if (cts->parent == parent && cts->queued == 1) {
			list_move_tail(&cts->accept_node, &pts->accept_queue);
			cts->queued = 2;
			WRITE_ONCE(pts->syn_qlen, pts->syn_qlen - 1);
			WRITE_ONCE(pts->accept_qlen, pts->accept_qlen + 1);
			sock_hold(parent);
			moved = true;
		}
		spin_unlock_bh(&pts->accept_lock);
	}
	rcu_read_unlock();
	if (moved) {
		parent->sk_data_ready(parent);
		sock_put(parent);
	}
}

/**
 * tcpalt_child_acceptq_full() - would the child's listener refuse one more established child?
 * @child: a child in SYN-RECEIVED; must be locked by the caller
 *
 * Return: true when the accept queue is full (the ACK is then treated as lost).
 */
bool tcpalt_child_acceptq_full(struct sock *child)
{
	struct sock *parent;
	bool full = false;

	rcu_read_lock();
	parent = READ_ONCE(tcpalt_sk(child)->parent);
	if (parent)
		full = READ_ONCE(tcpalt_sk(parent)->accept_qlen) >
		       READ_ONCE(parent->sk_max_ack_backlog);
	rcu_read_unlock();
	return full;
}

/*
 * A child in SYN-RECEIVED that ends before it is established leaves its listener's SYN queue:
 * drop the queue's references.  An established child stays in the accept queue whatever
 * happens to it (reset, closed by the peer): accept() returns it and the user reads what it
 * received, then the error, as with Linux TCP.
 */
static void tcpalt_child_unlink(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk), *pts;
	struct sock *parent;
	bool linked = false;

	rcu_read_lock();
	parent = READ_ONCE(ts->parent);
	if (parent) {
		pts = tcpalt_sk(parent);
		spin_lock_bh(&pts->accept_lock);
		if (ts->parent == parent && ts->queued == 1) {
			WRITE_ONCE(pts->syn_qlen, pts->syn_qlen - 1);
			list_del_init(&ts->accept_node);
			ts->queued = 0;
			ts->parent = NULL;
			linked = true;
		}
		spin_unlock_bh(&pts->accept_lock);
	}
	rcu_read_unlock();
	if (linked) {
		sock_orphan(sk);	/* never accepted: nobody else will */
		sock_put(parent);
		sock_put(sk);
	}
}

/**
 * tcpalt_accept_dequeue() - take the first established child off a listener's accept queue.
 * @sk: the listener; must be locked by the caller
 *
 * Return: the child, with the queue's reference now the caller's; or NULL.
 */
struct sock *tcpalt_accept_dequeue(struct sock *sk)
{
	struct tcpalt_sock *pts = tcpalt_sk(sk), *cts;

	sock_owned_by_me(sk);
	spin_lock_bh(&pts->accept_lock);
	cts = list_first_entry_or_null(&pts->accept_queue, struct tcpalt_sock, accept_node);
	if (cts) {
		list_del_init(&cts->accept_node);
		cts->queued = 0;
		cts->parent = NULL;
		WRITE_ONCE(pts->accept_qlen, pts->accept_qlen - 1);
	}
	spin_unlock_bh(&pts->accept_lock);
	if (!cts)
		return NULL;
	sock_put(sk);	/* the child's reference on its parent; the caller holds another */
	return tcpalt_to_sk(cts);
}

/**
 * tcpalt_listen_start() - open a listener's queues to new children.
 * @sk: the listener; must be locked by the caller
 */
void tcpalt_listen_start(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	sock_owned_by_me(sk);
	spin_lock_bh(&ts->accept_lock);
	ts->accepting = 1;
	spin_unlock_bh(&ts->accept_lock);
}

/**
 * tcpalt_listen_stop() - close a listener's queues and abort every child in them
 * (RFC 9293 3.10.4 LISTEN -> CLOSED; Linux resets them too, inet_csk_listen_stop()).
 * @sk: the listener, already out of the listener table; must be locked by the caller
 */
void tcpalt_listen_stop(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk), *cts, *tmp;
	struct sock *child;
	LIST_HEAD(children);

	sock_owned_by_me(sk);
	spin_lock_bh(&ts->accept_lock);
	ts->accepting = 0;
	list_splice_init(&ts->syn_queue, &children);
	list_splice_tail_init(&ts->accept_queue, &children);
	list_for_each_entry(cts, &children, accept_node) {
		cts->queued = 0;
		cts->parent = NULL;
	}
	WRITE_ONCE(ts->syn_qlen, 0);
	WRITE_ONCE(ts->accept_qlen, 0);
	spin_unlock_bh(&ts->accept_lock);

	/* The children are ours alone now: no queue leads to them any more. */
	list_for_each_entry_safe(cts, tmp, &children, accept_node) {
		child = tcpalt_to_sk(cts);
		list_del_init(&cts->accept_node);
		local_bh_disable();
		bh_lock_sock_nested(child);
		sock_orphan(child);
		if (child->sk_state != TCP_CLOSE) {
			tcpalt_send_active_reset(child, GFP_ATOMIC);
			tcpalt_done(child);
		}
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);	/* the queue's reference */
		sock_put(sk);		/* the child's reference on its parent */
	}
}

/**
 * tcpalt_orphan_start() - the user closed @sk before it reached CLOSED: count it, and abort
 * it with a RST when there are too many orphans or tcp_mem's hard limit is passed
 * (tcp_check_oom()).
 * @sk: the socket, just orphaned; must be locked by the caller
 */
void tcpalt_orphan_start(struct sock *sk)
{
	struct tcpalt_net *tn = tcpalt_pernet(sock_net(sk));
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	bool oom;

	if (sk->sk_state == TCP_CLOSE || ts->orphan)
		return;
	ts->orphan = 1;
	oom = atomic_inc_return(&tn->orphans) > READ_ONCE(tn->max_orphans) ||
	      sk_memory_allocated(sk) > sk_prot_mem_limits(sk, 2);
	if (!oom)
		return;
	net_info_ratelimited("too many orphaned sockets or out of memory: resetting one\n");
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ABORTONMEMORY);
	tcpalt_send_active_reset(sk, GFP_ATOMIC);
	tcpalt_done(sk);
}

/* An orphan reached CLOSED (or TIME-WAIT, which is not a socket): uncount it. */
static void tcpalt_orphan_end(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (ts->orphan) {
		ts->orphan = 0;
		atomic_dec(&tcpalt_pernet(sock_net(sk))->orphans);
	}
}

/**
 * tcpalt_done() - the connection is over: CLOSED, timers stopped, out of the tables, port
 * returned, waiters woken.  An orphan is freed once the last reference goes.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_done(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	tcpalt_set_state(sk, TCP_CLOSE);
	tcpalt_orphan_end(sk);
	tcpalt_timers_stop(sk);
	tcpalt_purge_write_queue(sk);
	tcpalt_ofo_purge(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	tcpalt_child_unlink(sk);
	tcpalt_unhash(&ts->h);
	/* The row goes with the connection, as a closed socket leaves /proc/net/tcp. */
	tcpalt_all_del(&ts->h);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		tcpalt_port_release(sk, false);
}

/**
 * tcpalt_reset() - the connection was reset or timed out: report @err and end it.
 * @sk: the socket; must be locked by the caller
 * @err: ECONNREFUSED, ECONNRESET, EPIPE or ETIMEDOUT
 */
void tcpalt_reset(struct sock *sk, int err)
{
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ESTABRESETS);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ATTEMPTFAILS);
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	tcpalt_done(sk);
}

/**
 * tcpalt_unread() - bytes received and not read, excluding a FIN (sequence arithmetic: safe
 * across 2^32).
 * @sk: the socket; must be locked by the caller
 *
 * Return: the byte count.
 */
u32 tcpalt_unread(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sk_buff *skb;
	u32 n = 0;

	skb_queue_walk(&sk->sk_receive_queue, skb)
		n += TCPALT_SKB_CB(skb)->end_seq -
		     tcpalt_seq_max(TCPALT_SKB_CB(skb)->seq, ts->copied_seq);
	return n;
}

/**
 * tcpalt_close_state() - RFC 9293 3.10.4 CLOSE / shutdown(SHUT_WR): move to the state after
 * sending our FIN (tcp_close_state()).
 * @sk: the socket; must be locked by the caller
 *
 * Return: true when a FIN must be sent.
 */
bool tcpalt_close_state(struct sock *sk)
{
	static const u8 next[TCP_MAX_STATES] = {
		[TCP_ESTABLISHED]	= TCP_FIN_WAIT1,
		[TCP_SYN_RECV]		= TCP_FIN_WAIT1,
		[TCP_CLOSE_WAIT]	= TCP_LAST_ACK,
		[TCP_SYN_SENT]		= TCP_CLOSE,
	};
	int ns = next[sk->sk_state];

	if (!ns)
		return false;
	if (ns == TCP_CLOSE) {
		tcpalt_done(sk);
		return false;
	}
	tcpalt_set_state(sk, ns);
	return true;
}

/*
 * A listener stops: its reservation stops listening first, then tcpalt stops taking the
 * port's SYNs (the other order would let the kernel TCP answer them for a moment), then the
 * children still queued are reset.  Process context, socket locked.
 */
static void tcpalt_listener_close(struct sock *sk)
{
	tcpalt_port_unlisten(sk);
	tcpalt_unhash(&tcpalt_sk(sk)->h);
	tcpalt_listen_stop(sk);
}

/**
 * tcpalt_disconnect() - what tcp_disconnect() does for connect(AF_UNSPEC) and for shutdown()
 * of a listener or a connection being opened: abort, and forget what bind() did not fix.
 * @sk: the socket; must be locked by the caller
 *
 * Return: 0.
 */
int tcpalt_disconnect(struct sock *sk)
{
	int old = sk->sk_state;

	if (old == TCP_CLOSE)
		return 0;
	if (old == TCP_LISTEN)
		tcpalt_listener_close(sk);
	else if (old != TCP_SYN_SENT)
		tcpalt_send_active_reset(sk, GFP_KERNEL);
	tcpalt_done(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	/* What the next connection must learn afresh. */
	tcpalt_sk(sk)->quick = 0;
	tcpalt_sk(sk)->ato_ns = 0;
	tcpalt_sk(sk)->urg_mode = 0;
	WRITE_ONCE(tcpalt_sk(sk)->urg_data, 0);
	tcpalt_recovery_reset(tcpalt_sk(sk));
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);
	WRITE_ONCE(sk->sk_err, 0);
	/* As tcp_disconnect(): an address bind() did not fix is forgotten; the port is kept. */
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet_sk(sk)->inet_saddr = 0;
		inet_sk(sk)->inet_rcv_saddr = 0;
	}
	inet_sk(sk)->inet_daddr = 0;
	inet_sk(sk)->inet_dport = 0;
	sk_dst_reset(sk);
	return 0;
}

/**
 * tcpalt_close() - tcp_close(): RFC 9293 3.10.4 CLOSE, with Linux's RST for unread data and
 * SO_LINGER {1,0}; the socket becomes an orphan that finishes on its own.
 * @sk: the socket, not locked
 * @timeout: SO_LINGER time to wait for the close to complete, 0 for none
 */
void tcpalt_close(struct sock *sk, long timeout)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct net *net = sock_net(sk);
	u32 unread;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state == TCP_LISTEN) {
		tcpalt_listener_close(sk);
		tcpalt_done(sk);
		tcpalt_port_release(sk, true);
		goto orphan;
	}
	unread = tcpalt_unread(sk);
	skb_queue_purge(&sk->sk_receive_queue);

	if (sk->sk_state == TCP_CLOSE) {
		goto orphan;
	} else if (unread) {
		/* Linux: unread data is lost, so the peer must know: RST, not FIN. */
		tcpalt_mib_inc(net, TCPALT_MIB_ABORTONDATA);
		tcpalt_send_active_reset(sk, GFP_KERNEL);
		tcpalt_done(sk);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		tcpalt_mib_inc(net, TCPALT_MIB_ABORTONLINGER);
		if (sk->sk_state != TCP_SYN_SENT)
			tcpalt_send_active_reset(sk, GFP_KERNEL);
		tcpalt_done(sk);
	} else if (tcpalt_close_state(sk)) {
		tcpalt_send_fin(sk);
	}
	if (timeout && sk->sk_state != TCP_CLOSE)
		sk_stream_wait_close(sk, timeout);
orphan:
	sock_orphan(sk);
	tcpalt_orphan_start(sk);
	if (sk->sk_state == TCP_FIN_WAIT2 && ts->linger2_ms < 0) {
		/* TCP_LINGER2 < 0: an orphan does not wait in FIN-WAIT-2; the peer gets RST. */
		tcpalt_mib_inc(net, TCPALT_MIB_ABORTONLINGER);
		tcpalt_send_active_reset(sk, GFP_KERNEL);
		tcpalt_done(sk);
	} else if (sk->sk_state == TCP_FIN_WAIT2) {
		tcpalt_reset_keepalive(sk);	/* orphan FIN-WAIT-2 timeout */
	}
	if (sk->sk_state == TCP_CLOSE) {
		tcpalt_port_release(sk, true);
		tcpalt_all_del(&tcpalt_sk(sk)->h);
	}
	release_sock(sk);
}

/**
 * tcpalt_release_cb() - release_sock() hook: run timer work deferred while the user held
 * the socket.
 * @sk: the socket
 */
void tcpalt_release_cb(struct sock *sk)
{
	tcpalt_timers_run_deferred(sk);
}

/*
 * Memory (DESIGN D3, one host): tcpalt's socket buffers are charged to the kernel TCP's pool,
 * so net.ipv4.tcp_mem limits both stacks together, pressure is shared, and a socket's memory
 * cgroup is charged (sk_memcg) as TCP's is.
 */
struct proto tcpalt_prot = {
	.name			= "TCPALT",
	.owner			= THIS_MODULE,
	.obj_size		= sizeof(struct tcpalt_sock),
	.backlog_rcv		= tcpalt_do_rcv,
	.release_cb		= tcpalt_release_cb,
	.keepalive		= tcpalt_keepalive,
	.stream_memory_free	= tcpalt_stream_memory_free,
	.max_header		= TCPALT_MAX_HEADER,
	.enter_memory_pressure	= tcp_enter_memory_pressure,
	.leave_memory_pressure	= tcp_leave_memory_pressure,
	.sockets_allocated	= &tcp_sockets_allocated,
	.memory_allocated	= &tcp_memory_allocated,
	.per_cpu_fw_alloc	= &tcp_memory_per_cpu_fw_alloc,
	.memory_pressure	= &tcp_memory_pressure,
	.sysctl_mem		= sysctl_tcp_mem,
	.sysctl_wmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_wmem),
	.sysctl_rmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_rmem),
};
