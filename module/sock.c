// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto for tcpalt: socket setup and teardown, the end of a connection (done/reset),
 * and the hooks the socket core calls (backlog, release_cb, keepalive).
 */
#include <linux/module.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "tcpalt.h"

/* Wake writers once a third of the send buffer is free again (as sk_stream_write_space). */
static void tcpalt_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || sk->sk_sndbuf - READ_ONCE(sk->sk_wmem_queued) < sk->sk_sndbuf / 3)
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

static void tcpalt_purge_write_queue(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	tcpalt_sk(sk)->send_head = NULL;
}

static void tcpalt_sk_destruct(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	WARN_ON_ONCE(!sock_flag(sk, SOCK_DEAD));	/* freed while a user or a queue held it */
	tcpalt_purge_write_queue(sk);
	skb_queue_purge(&ts->ooo_queue);
	tcpalt_all_del(&ts->h);
	tcpalt_port_release(sk, false);
	inet_sock_destruct(sk);
}

/**
 * tcpalt_sock_init() - set up a new socket (user-created or a listener's child).
 * @sk: freshly allocated socket, initialised by sock_init_data()
 */
void tcpalt_sock_init(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	sk->sk_state = TCP_CLOSE;
	sk->sk_protocol = IPPROTO_TCP;
	sk->sk_destruct = tcpalt_sk_destruct;
	sk->sk_write_space = tcpalt_write_space;
	sk->sk_backlog_rcv = tcpalt_do_rcv;
	sock_set_flag(sk, SOCK_RCU_FREE);
	inet_sk(sk)->uc_ttl = -1;
	inet_sk(sk)->mc_ttl = 1;
	inet_sk(sk)->pmtudisc = IP_PMTUDISC_WANT;

	ts->h.net = sock_net(sk);
	ts->h.kind = TCPALT_KIND_SOCK;
	INIT_LIST_HEAD(&ts->h.all);
	skb_queue_head_init(&ts->ooo_queue);
	spin_lock_init(&ts->accept_lock);
	INIT_LIST_HEAD(&ts->syn_queue);
	INIT_LIST_HEAD(&ts->accept_queue);
	INIT_LIST_HEAD(&ts->accept_node);
	tcpalt_rto_init(&ts->rto);
	ts->mss = TCPALT_DEFAULT_MSS;
	ts->adv_mss = TCPALT_DEFAULT_MSS;
	ts->cwnd = TCPALT_INIT_CWND * TCPALT_DEFAULT_MSS;
	ts->ssthresh = U32_MAX;
	ts->keepidle = 7200;
	ts->keepintvl = 75;
	ts->keepcnt = 9;
	tcpalt_timers_init(sk);
	/* Linux TCP's defaults: net.ipv4.tcp_rmem[1] / tcp_wmem[1]. */
	sk->sk_rcvbuf = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[1]);
	sk->sk_sndbuf = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[1]);
	tcpalt_all_add(&ts->h);
}

/* A child leaving its listener's queue before accept(): drop the queue's references. */
static void tcpalt_child_unlink(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sock *parent = ts->parent;
	struct tcpalt_sock *pts = tcpalt_sk(parent);
	bool linked = false;

	spin_lock_bh(&pts->accept_lock);
	if (ts->queued) {
		if (ts->queued == 1)
			pts->syn_qlen--;
		else
			pts->accept_qlen--;
		ts->queued = 0;
		list_del_init(&ts->accept_node);
		linked = true;
	}
	ts->parent = NULL;
	spin_unlock_bh(&pts->accept_lock);
	if (linked) {
		sock_orphan(sk);	/* never accepted: nobody else will */
		sock_put(parent);
		sock_put(sk);
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
	tcpalt_timers_stop(sk);
	tcpalt_purge_write_queue(sk);
	skb_queue_purge(&ts->ooo_queue);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (ts->parent)
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
 * tcpalt_release_cb() - release_sock() hook: run timer work deferred while the user held
 * the socket.
 * @sk: the socket
 */
void tcpalt_release_cb(struct sock *sk)
{
	tcpalt_timers_run_deferred(sk);
}

struct proto tcpalt_prot = {
	.name		= "TCPALT",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct tcpalt_sock),
	.backlog_rcv	= tcpalt_do_rcv,
	.release_cb	= tcpalt_release_cb,
	.keepalive	= tcpalt_keepalive,
	.max_header	= TCPALT_MAX_HEADER,
};
