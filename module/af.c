// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_TCPALT protocol family: socket() and the proto_ops behind every tcpalt socket.
 * Each call mirrors what inet_stream_ops + tcp_prot do for the same call, errno included.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/termios.h>
#include <linux/sockios.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>

#include "seq.h"
#include "tcpalt.h"

/* inet_bind()'s address checks for a sockaddr_in given to bind() or connect(). */
static int tcpalt_check_sin(const struct sockaddr *uaddr, int addr_len, bool bind)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)uaddr;

	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (sin->sin_family == AF_INET || sin->sin_family == tcpalt_family)
		return 0;
	/* As inet_bind: AF_UNSPEC is taken for AF_INET only with INADDR_ANY. */
	if (bind && sin->sin_family == AF_UNSPEC && sin->sin_addr.s_addr == htonl(INADDR_ANY))
		return 0;
	return -EAFNOSUPPORT;
}

static int tcpalt_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	unsigned short snum;
	int err, type;

	err = tcpalt_check_sin(uaddr, addr_len, true);
	if (err)
		return err;
	type = inet_addr_type(net, sin->sin_addr.s_addr);
	if (sin->sin_addr.s_addr != htonl(INADDR_ANY) && type != RTN_LOCAL &&
	    type != RTN_MULTICAST && type != RTN_BROADCAST && !inet->freebind &&
	    !inet->transparent && !READ_ONCE(net->ipv4.sysctl_ip_nonlocal_bind))
		return -EADDRNOTAVAIL;
	snum = ntohs(sin->sin_port);
	if (snum && inet_port_requires_bind_service(net, snum) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet->inet_num)
		goto out;
	err = tcpalt_port_reserve(sk, sin->sin_addr.s_addr, sin->sin_port);
	if (err)
		goto out;
	inet->inet_rcv_saddr = sin->sin_addr.s_addr;
	inet->inet_saddr = sin->sin_addr.s_addr;
	if (type == RTN_MULTICAST || type == RTN_BROADCAST)
		inet->inet_saddr = 0;
	if (inet->inet_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
out:
	release_sock(sk);
	return err;
}

static int tcpalt_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	err = 0;
	if (sk->sk_state == TCP_LISTEN)
		goto out;
	if (!inet_sk(sk)->inet_num) {
		err = tcpalt_port_reserve(sk, inet_sk(sk)->inet_rcv_saddr, 0);
		if (err)
			goto out;
	}
	ts->h.laddr = inet_sk(sk)->inet_rcv_saddr;
	ts->h.lport = inet_sk(sk)->inet_sport;
	ts->h.raddr = 0;
	ts->h.rport = 0;
	/*
	 * tcpalt takes the port's SYNs first, then the reservation listens too (keeping the
	 * kernel TCP from listening there): the other order would leave a moment when the
	 * reservation, a real kernel listener, answers SYNs that nobody would ever accept.
	 */
	tcpalt_fastopen_listen(sk, backlog);
	tcpalt_listen_start(sk);
	tcpalt_set_state(sk, TCP_LISTEN);
	err = tcpalt_lhash_insert(sk);
	if (!err) {
		err = tcpalt_port_listen(sk, backlog);
		if (err)
			tcpalt_unhash(&ts->h);
	}
	if (err) {
		tcpalt_listen_stop(sk);
		tcpalt_set_state(sk, TCP_CLOSE);
		goto out;
	}
	if (list_empty(&ts->h.all))
		tcpalt_all_add(&ts->h);
out:
	release_sock(sk);
	return err;
}

/* tcp_v4_connect(): route, source address, port, ISN, SYN.  Socket locked. */
static int tcpalt_do_connect(struct sock *sk, struct sockaddr_in *sin)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	bool autobind = !inet->inet_num;
	struct rtable *rt;
	int err, tries;
	u32 isn = 0;

	if (!sin->sin_port)
		return -ECONNREFUSED;
	rt = ip_route_output_ports(sock_net(sk), fl4, sk, sin->sin_addr.s_addr,
				   inet->inet_saddr, sin->sin_port, inet->inet_sport, IPPROTO_TCP,
				   RT_CONN_FLAGS(sk), sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return PTR_ERR(rt) == -ENETUNREACH ? -ENETUNREACH : PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	inet->inet_rcv_saddr = inet->inet_saddr;
	inet->inet_daddr = fl4->daddr;	/* 0.0.0.0 routes to the loopback, as in TCP */
	inet->inet_dport = sin->sin_port;
	sk_setup_caps(sk, &rt->dst);

	ts->h.laddr = inet->inet_saddr;
	ts->h.raddr = inet->inet_daddr;
	ts->h.rport = inet->inet_dport;
	if (autobind) {
		/* A fresh port whose 4-tuple is taken (by a TIME-WAIT entry): another one. */
		tries = 0;
		do {
			err = tcpalt_port_connect(sk, inet->inet_saddr, &isn);
		} while (err == -EAGAIN && ++tries < 16);
		if (err == -EAGAIN)
			err = -EADDRNOTAVAIL;
		if (err)
			goto fail;
	} else {
		ts->h.lport = inet->inet_sport;
		err = tcpalt_ehash_insert(&ts->h);
		if (err)
			goto fail;
	}
	atomic_set(&inet->inet_id, get_random_u16());
	ts->iss = isn ? : tcpalt_isn(inet->inet_saddr, inet->inet_daddr, inet->inet_sport,
				     inet->inet_dport);
	ts->ts_offset = tcpalt_ts_off(inet->inet_saddr, inet->inet_daddr);
	if (list_empty(&ts->h.all))
		tcpalt_all_add(&ts->h);
	tcpalt_set_state(sk, TCP_SYN_SENT);
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ACTIVEOPENS);
	if (tcpalt_fastopen_defer_connect(sk))
		return 0;
	err = tcpalt_send_syn(sk);
	if (err) {
		tcpalt_done(sk);
		return err;
	}
	return 0;
fail:
	if (autobind) {
		tcpalt_port_release(sk, true);
		inet->inet_num = 0;
		inet->inet_sport = 0;
	}
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
	return err;
}

/**
 * __tcpalt_stream_connect() - connect(), and the connect of sendmsg(MSG_FASTOPEN)
 * (__inet_stream_connect()).
 * @sock: the socket; its sk must be locked by the caller
 * @uaddr: the address, or NULL (a write after a deferred Fast Open connect)
 * @addr_len: its length
 * @flags: O_NONBLOCK or 0
 * @is_sendmsg: called from sendmsg(): a deferred connect then answers -EINPROGRESS
 *
 * Return: 0, or the errno connect() gives.
 */
int __tcpalt_stream_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len, int flags,
			    bool is_sendmsg)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (uaddr) {
		if (addr_len < (int)sizeof(uaddr->sa_family))
			return -EINVAL;
		if (uaddr->sa_family == AF_UNSPEC) {
			err = tcpalt_disconnect(sk);
			sock->state = SS_UNCONNECTED;
			return err;
		}
		err = tcpalt_check_sin(uaddr, addr_len, false);
		if (err)
			return err;
	}

	switch (sock->state) {
	default:
		return -EINVAL;
	case SS_CONNECTED:
		return -EISCONN;
	case SS_CONNECTING:
		if (tcpalt_sk(sk)->fo.defer)
			err = is_sendmsg ? -EINPROGRESS : -EISCONN;
		else
			err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;
		if (!uaddr)
			return -EINVAL;	/* tcp_v4_connect(): no address */
		err = tcpalt_do_connect(sk, (struct sockaddr_in *)uaddr);
		if (err)
			return err;
		sock->state = SS_CONNECTING;
		/* TCP_FASTOPEN_CONNECT with a cookie: the SYN waits for the first write. */
		if (tcpalt_sk(sk)->fo.defer)
			return 0;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		DEFINE_WAIT_FUNC(wait, woken_wake_function);

		if (!timeo)
			return err;
		add_wait_queue(sk_sleep(sk), &wait);
		while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			if (signal_pending(current) || !timeo)
				break;
			release_sock(sk);
			timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
			lock_sock(sk);
		}
		remove_wait_queue(sk_sleep(sk), &wait);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			return signal_pending(current) ? sock_intr_errno(timeo) : -EINPROGRESS;
	}
	if (sk->sk_state == TCP_CLOSE) {
		sock->state = SS_UNCONNECTED;
		return sock_error(sk) ? : -ECONNABORTED;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

static int tcpalt_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len, int flags)
{
	int err;

	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	lock_sock(sock->sk);
	err = __tcpalt_stream_connect(sock, uaddr, addr_len, flags, false);
	release_sock(sock->sk);
	return err;
}

static int tcpalt_accept(struct socket *sock, struct socket *newsock, int flags, bool kern)
{
	struct sock *sk = sock->sk, *child = NULL;
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long timeo;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	add_wait_queue_exclusive(sk_sleep(sk), &wait);
	for (;;) {
		child = tcpalt_accept_dequeue(sk);
		if (child)
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (!child)
		goto out;
	release_sock(sk);

	lock_sock(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
out:
	release_sock(sk);
	return err;
}

static int tcpalt_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	sin->sin_family = AF_INET;
	lock_sock(sk);
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) && peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sin->sin_port = inet->inet_dport;
		sin->sin_addr.s_addr = inet->inet_daddr;
	} else {
		sin->sin_port = inet->inet_sport;
		sin->sin_addr.s_addr = inet->inet_rcv_saddr ? : inet->inet_saddr;
	}
	release_sock(sk);
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	return sizeof(*sin);
}

static __poll_t tcpalt_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	__poll_t mask = 0;
	int state;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return READ_ONCE(ts->accept_qlen) ? EPOLLIN | EPOLLRDNORM : 0;

	/* As tcp_poll(): HUP when both directions are shut or the socket is closed. */
	if (READ_ONCE(sk->sk_shutdown) == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	/* Connected, or a Fast Open child (tcp_poll()). */
	if (state != TCP_SYN_SENT && (state != TCP_SYN_RECV || READ_ONCE(ts->fo.listener))) {
		u16 urg_data = READ_ONCE(ts->urg_data);
		int target = sock_rcvlowat(sk, 0, INT_MAX);

		/* The urgent byte at the read position is not data to read (tcp_poll()). */
		if (urg_data && READ_ONCE(ts->urg_seq) == READ_ONCE(ts->copied_seq) &&
		    !sock_flag(sk, SOCK_URGINLINE))
			target++;
		if (tcpalt_readable(sk, target))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (urg_data & TCPALT_URG_VALID)
			mask |= EPOLLPRI;
		if (!(READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)) {
			/* Room for a third of the buffer, and TCP_NOTSENT_LOWAT (tcp_poll()). */
			if (__sk_stream_is_writeable(sk, 1)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* NOSPACE before the re-check; pairs with the wakeup */
				smp_mb__after_atomic();
				if (__sk_stream_is_writeable(sk, 1))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	} else if (state == TCP_SYN_SENT && READ_ONCE(ts->fo.defer)) {
		/* A deferred Fast Open connect: the write that sends the SYN may go. */
		mask |= EPOLLOUT | EPOLLWRNORM;
	}
	/* sk_err is written before the state change that woke us (as tcp_poll). */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) || !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int tcpalt_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int answ = 0;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = tcpalt_unread(sk);
		/* Pending urgent data: only the bytes before the mark (tcp_inq()). */
		if (!sock_flag(sk, SOCK_URGINLINE) && ts->urg_data &&
		    !tcpalt_seq_before(ts->urg_seq, ts->copied_seq) &&
		    tcpalt_seq_before(ts->urg_seq, ts->rcv_nxt))
			answ = ts->urg_seq - ts->copied_seq;
		release_sock(sk);
		break;
	case SIOCATMARK:
		/* The next byte to read is the urgent one (sockatmark(3)). */
		answ = READ_ONCE(ts->urg_data) &&
		       READ_ONCE(ts->urg_seq) == READ_ONCE(ts->copied_seq);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_una);
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_nxt);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

static int tcpalt_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;	/* SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;
	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}
	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		fallthrough;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		/* As tcp_shutdown(): not in SYN-RECEIVED (close() does send FIN there). */
		if ((how & SEND_SHUTDOWN) &&
		    ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
		    tcpalt_close_state(sk))
			tcpalt_send_fin(sk);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		err = tcpalt_disconnect(sk);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

static int tcpalt_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	tcpalt_close(sk, sock_flag(sk, SOCK_LINGER) && !(current->flags & PF_EXITING) ?
		     sk->sk_lingertime : 0);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/**
 * tcpalt_mark_urg() - MSG_OOB: the last byte written so far is urgent (tcp_mark_urg()).
 * @sk: the socket; must be locked by the caller
 * @flags: the send's flags
 *
 * Segments carry URG and the pointer until the peer acknowledges the byte, and go at once
 * whatever Nagle and the cork say (output.c).
 */
static void tcpalt_mark_urg(struct sock *sk, int flags)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!(flags & MSG_OOB))
		return;
	ts->snd_up = ts->write_seq;
	ts->urg_mode = 1;
}

/* RFC 9293 3.10.2 SEND: queue the user's data and send what the windows allow. */
/*
 * The send path of sendmsg() (@msg) and sendpage() (@page): queue the data, waiting for room
 * in the send buffer (TCP waits, never fails for memory), and push it.  A partial segment at
 * the end waits with MSG_MORE as with TCP_CORK; sendpage()'s MSG_SENDPAGE_NOTLAST (a splice
 * with more to come) pushes nothing, as do_tcp_sendpages().  Returns bytes sent or -errno.
 */
static int tcpalt_send_locked(struct sock *sk, struct msghdr *msg, struct page *page,
			      int offset, size_t size, int flags)
{
	struct ubuf_info *uarg = NULL;
	bool zc = false;
	size_t copied = 0;
	long timeo;
	int err;

	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	/* A Fast Open child may send before the handshake ends (RFC 7413 4.2.2). */
	if (((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
	    !(sk->sk_state == TCP_SYN_RECV && tcpalt_sk(sk)->fo.listener)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto error;
	}
	sk_clear_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto error;

	/* MSG_ZEROCOPY counts only with SO_ZEROCOPY (tcp_sendmsg_locked()). */
	if (msg && (flags & MSG_ZEROCOPY) && size && sock_flag(sk, SOCK_ZEROCOPY)) {
		uarg = tcpalt_zc_uarg(sk, size);
		err = -ENOBUFS;
		if (!uarg)
			goto error;
		zc = sk->sk_route_caps & NETIF_F_SG;	/* else copied, and reported so */
	}
	while (copied < size) {
		int n = page ? tcpalt_queue_page(sk, page, offset + copied, size - copied) :
			zc ? tcpalt_queue_zc(sk, msg, uarg) :
			tcpalt_queue_data(sk, msg);

		if (n > 0) {
			copied += n;
			continue;
		}
		if (n != -ENOBUFS) {
			err = n;
			goto error;
		}
		/* No room: send what is queued, partial segment too (TCP_NAGLE_PUSH), and wait. */
		if (copied)
			tcpalt_mark_urg(sk, flags);
		__tcpalt_push(sk, TCPALT_PUSH_FORCE);
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto error;
	}
	/* MSG_EOR: nothing written later joins this segment (tcp_sendmsg_locked()). */
	if ((flags & MSG_EOR) && copied && tcpalt_sk(sk)->send_head)
		TCPALT_SKB_CB(skb_peek_tail(&sk->sk_write_queue))->eor = 1;
	if (!(flags & MSG_SENDPAGE_NOTLAST)) {
		if (copied)
			tcpalt_mark_urg(sk, flags);
		__tcpalt_push(sk, (flags & MSG_MORE) ? TCPALT_PUSH_MORE : 0);
	}
	if (uarg)
		net_zcopy_put(uarg);
	return copied;

error:
	if (copied) {
		tcpalt_mark_urg(sk, flags);
		__tcpalt_push(sk, (flags & MSG_MORE) ? TCPALT_PUSH_MORE : 0);
		if (uarg)
			net_zcopy_put(uarg);
		return copied;
	}
	/* Nothing sent: the call's id is given back (msg_zerocopy_put_abort()). */
	if (uarg)
		net_zcopy_put_abort(uarg, true);
	return sk_stream_error(sk, flags, err);
}

static int tcpalt_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	size_t copied_syn = 0;
	int ret;

	lock_sock(sk);
	/* RFC 7413: MSG_FASTOPEN, or the first write after a deferred connect (fastopen.c). */
	if (unlikely((msg->msg_flags & MSG_FASTOPEN) || tcpalt_sk(sk)->fo.defer)) {
		ret = tcpalt_fastopen_sendmsg(sock, msg, &copied_syn);
		if (ret == -EINPROGRESS && copied_syn)
			ret = copied_syn;
		else if (ret)
			ret = sk_stream_error(sk, msg->msg_flags, ret);
		if (ret)
			goto out;
	}
	ret = tcpalt_send_locked(sk, msg, NULL, 0, msg_data_left(msg), msg->msg_flags);
	if (copied_syn)
		ret = ret < 0 ? copied_syn : ret + copied_syn;
out:
	release_sock(sk);
	return ret;
}

/*
 * sendfile() and splice() into the socket: the page is queued by reference, not copied.  A
 * route that cannot gather fragments (no NETIF_F_SG) gets a copy, as tcp_sendpage().
 */
static ssize_t tcpalt_sendpage(struct socket *sock, struct page *page, int offset, size_t size,
			       int flags)
{
	struct sock *sk = sock->sk;
	ssize_t ret;

	if (!(sk->sk_route_caps & NETIF_F_SG))
		return sock_no_sendpage(sock, page, offset, size, flags);
	lock_sock(sk);
	ret = tcpalt_send_locked(sk, NULL, page, offset, size, flags);
	release_sock(sk);
	return ret;
}

/*
 * After the user read @copied bytes (tcp_cleanup_rbuf()): send the ACK still owed for more
 * than a segment, or for a small segment the read drained (unless TCP_QUICKACK was
 * cleared), or announce a window that at least doubled (or, while small, opened by two
 * segments).  A read that copied nothing (about to sleep on an empty queue) opened no
 * window: it sends no window update, as Linux.
 */
static void tcpalt_cleanup_rbuf(struct sock *sk, size_t copied)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 cur, avail;

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	if (ts->ack_pending && (ts->rcv_nxt - ts->rcv_wup > ts->rcv_mss ||
				(copied && ts->ack_pushed && !ts->pingpong &&
				 !atomic_read(&sk->sk_rmem_alloc)))) {
		tcpalt_send_ack(sk);
		return;
	}
	if (!copied || (sk->sk_shutdown & RCV_SHUTDOWN))
		return;
	cur = ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt;
	avail = tcpalt_select_window(sk);
	if (avail > cur &&
	    (avail >= 2 * cur || (cur < 4U * ts->adv_mss && avail >= cur + 2 * ts->adv_mss)))
		tcpalt_send_ack(sk);
}

/**
 * tcpalt_recv_urg() - recv(MSG_OOB) (tcp_recv_urg()): the urgent byte, never blocking.
 * @sk: the socket; must be locked by the caller
 * @msg: where the byte goes
 * @len: room in @msg (0: nothing is copied, MSG_TRUNC is reported)
 * @flags: MSG_PEEK leaves the byte to be read again; MSG_TRUNC copies nothing
 *
 * Return: 1 (or 0 for @len 0); -EINVAL when none is pending, it was read, or SO_OOBINLINE
 * keeps it in the stream; -ENOTCONN on a socket that never connected or was reset; 0 at
 * the end of the stream; -EAGAIN while the pointer is known and the byte has not arrived;
 * -EFAULT.
 */
static int tcpalt_recv_urg(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int err = 0;
	char c;

	if (sock_flag(sk, SOCK_URGINLINE) || !ts->urg_data || ts->urg_data == TCPALT_URG_READ)
		return -EINVAL;
	if (sk->sk_state == TCP_CLOSE && !sock_flag(sk, SOCK_DONE))
		return -ENOTCONN;
	if (ts->urg_data & TCPALT_URG_VALID) {
		c = ts->urg_data;
		if (!(flags & MSG_PEEK))
			WRITE_ONCE(ts->urg_data, TCPALT_URG_READ);
		msg->msg_flags |= MSG_OOB;
		if (!len) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(flags & MSG_TRUNC))
			err = memcpy_to_msg(msg, &c, 1);
		return err ? -EFAULT : 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN;
}

/*
 * TCP_INQ (tcp_inq_hint()): a control message with the bytes still to read; once the peer's
 * FIN is in, never 0, so that the reader goes on to see the end.  Socket locked.
 */
static void tcpalt_put_inq(struct sock *sk, struct msghdr *msg)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int inq = ts->rcv_nxt - ts->copied_seq;

	if (!inq && sock_flag(sk, SOCK_DONE))
		inq = 1;
	put_cmsg(msg, SOL_TCP, TCP_CM_INQ, sizeof(inq), &inq);
}

static int tcpalt_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	struct sock *sk = sock->sk;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 peek_seq, *seq;
	bool flushed = false;
	size_t copied = 0;
	int target, err;
	long timeo;

	/* As tcp_recvmsg(): no socket lock, never blocks (EAGAIN when empty). */
	if (flags & MSG_ERRQUEUE)
		return tcpalt_recv_error(sk, msg, len);
	lock_sock(sk);
	err = -ENOTCONN;
	if (sk->sk_state == TCP_LISTEN)
		goto out;
	if (flags & MSG_OOB) {
		err = tcpalt_recv_urg(sk, msg, len, flags);
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	peek_seq = ts->copied_seq;
	seq = (flags & MSG_PEEK) ? &peek_seq : &ts->copied_seq;

	do {
		struct sk_buff *skb, *last;
		u32 offset, avail, urg_off;

		/* A read never crosses the urgent mark (tcp_recvmsg_locked()). */
		if (ts->urg_data && ts->urg_seq == *seq) {
			if (copied)
				break;
			if (signal_pending(current)) {
				copied = timeo ? sock_intr_errno(timeo) : -EAGAIN;
				break;
			}
		}
		last = skb_peek_tail(&sk->sk_receive_queue);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			if (tcpalt_seq_before(*seq, TCPALT_SKB_CB(skb)->end_seq))
				goto found;
		}
		/* Nothing to read. */
		if (copied >= target) {
			if (!READ_ONCE(sk->sk_backlog.tail) || flushed)
				break;
			/*
			 * Enough already: process the backlog for data it holds, never sleep
			 * (tcp_recvmsg).  Once only while it brings nothing to read: a peer that
			 * floods pure ACKs refills it as fast as it drains, and must not hold
			 * the reader.
			 */
			release_sock(sk);
			lock_sock(sk);
			flushed = true;
			continue;
		}
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo || signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		tcpalt_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, last);
		/*
		 * The reader's place passed ours while we slept (another reader, or a new
		 * urgent pointer skipped the old byte): peek on from there, as Linux does.
		 */
		if ((flags & MSG_PEEK) && tcpalt_seq_before(peek_seq, ts->copied_seq))
			peek_seq = ts->copied_seq;
		continue;
found:
		offset = *seq - TCPALT_SKB_CB(skb)->seq;
		avail = skb->len - offset;
		avail = min_t(size_t, avail, len - copied);
		if (ts->urg_data) {
			/* Up to the urgent byte; at it, skip it unless SO_OOBINLINE. */
			urg_off = ts->urg_seq - *seq;
			if (urg_off && urg_off < avail) {
				avail = urg_off;
			} else if (!urg_off && !sock_flag(sk, SOCK_URGINLINE)) {
				(*seq)++;
				offset++;
				avail = min_t(u32, avail, skb->len - offset);
				if (!avail)
					goto skip_copy;
			}
		}
		if (!(flags & MSG_TRUNC)) {
			err = skb_copy_datagram_msg(skb, offset, msg, avail);
			if (err) {
				if (!copied)
					copied = -EFAULT;
				break;
			}
		}
		*seq += avail;
		copied += avail;
skip_copy:
		flushed = false;
		/* Read past the mark: the urgent byte is history. */
		if (ts->urg_data && tcpalt_seq_after(ts->copied_seq, ts->urg_seq))
			WRITE_ONCE(ts->urg_data, 0);
		if (!(flags & MSG_PEEK) && !tcpalt_seq_before(*seq, TCPALT_SKB_CB(skb)->end_seq)) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			kfree_skb(skb);
		}
	} while (copied < len);

	if (copied > 0 && !(flags & MSG_PEEK)) {
		tcpalt_rcv_space_adjust(sk);
		tcpalt_cleanup_rbuf(sk, copied);
	}
	err = copied;
	if (err >= 0 && ts->recvmsg_inq)
		tcpalt_put_inq(sk, msg);
out:
	release_sock(sk);
	return err;
}

/*
 * SO_RCVLOWAT (tcp_set_rcvlowat()): at most half what the receive buffer may become, and
 * the buffer grows to hold twice the mark unless the user fixed it.  Socket locked.
 */
static int tcpalt_set_rcvlowat(struct sock *sk, int val)
{
	int cap = (sk->sk_userlocks & SOCK_RCVBUF_LOCK) ? READ_ONCE(sk->sk_rcvbuf) >> 1 :
		  READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]) >> 1;

	val = min(val, cap);
	WRITE_ONCE(sk->sk_rcvlowat, val ? : 1);
	tcpalt_data_ready(sk);	/* EPOLLIN may be due now */
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		return 0;
	val <<= 1;
	if (val > READ_ONCE(sk->sk_rcvbuf))
		WRITE_ONCE(sk->sk_rcvbuf, val);
	return 0;
}

/*
 * setsockopt() below SOL_SOCKET: SOL_TCPALT takes the SOL_SOCKET options that Linux 6.1's
 * sk_setsockopt() refuses to a family other than AF_INET/AF_INET6 (sk_is_inet()) before any
 * protocol sees them, SO_REUSEPORT and SO_ZEROCOPY, and sets them as sk_setsockopt() does
 * for TCP (getsockopt() reads both at SOL_SOCKET: sk_getsockopt() does not check the family).
 */
static int tcpalt_sock_setsockopt(struct socket *sock, int level, int optname,
				  sockptr_t optval, unsigned int optlen)
{
	int val;

	if (level != SOL_TCPALT)
		return tcpalt_setsockopt(sock, level, optname, optval, optlen);
	if (optname != SO_REUSEPORT && optname != SO_ZEROCOPY)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	/* SO_ZEROCOPY: 0 or 1, as sk_setsockopt() takes it from a TCP socket. */
	if (optname == SO_ZEROCOPY && (val < 0 || val > 1))
		return -EINVAL;
	lock_sock(sock->sk);
	if (optname == SO_REUSEPORT)
		sock->sk->sk_reuseport = !!val;
	else
		sock_valbool_flag(sock->sk, SOCK_ZEROCOPY, val);
	release_sock(sock->sk);
	return 0;
}

/* Not const: .family follows the family= module parameter. */
static struct proto_ops tcpalt_stream_ops = {
	.family		= AF_TCPALT,
	.owner		= THIS_MODULE,
	.release	= tcpalt_release,
	.bind		= tcpalt_bind,
	.connect	= tcpalt_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= tcpalt_accept,
	.getname	= tcpalt_getname,
	.poll		= tcpalt_poll,
	.ioctl		= tcpalt_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= tcpalt_listen,
	.shutdown	= tcpalt_shutdown,
	.setsockopt	= tcpalt_sock_setsockopt,
	.getsockopt	= tcpalt_getsockopt,
	.sendmsg	= tcpalt_sendmsg,
	.recvmsg	= tcpalt_recvmsg,
	.mmap		= sock_no_mmap,
	.sendpage	= tcpalt_sendpage,
	.set_rcvlowat	= tcpalt_set_rcvlowat,
};

static int tcpalt_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct sock *sk;

	/* As inet_create(): unknown type ESOCKTNOSUPPORT, wrong protocol EPROTONOSUPPORT. */
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, tcpalt_family, GFP_KERNEL, &tcpalt_prot, kern);
	if (!sk)
		return -ENOBUFS;

	sock->state = SS_UNCONNECTED;
	sock->ops = &tcpalt_stream_ops;
	sock_init_data(sock, sk);
	tcpalt_sock_init(sk);
	return 0;
}

static struct net_proto_family tcpalt_family_ops = {
	.create	= tcpalt_create,
	.owner	= THIS_MODULE,
};

/**
 * tcpalt_af_init() - register the protocol family under the number in tcpalt_family.
 *
 * Return: 0, or sock_register()'s error (-EEXIST when the number is taken).
 */
int tcpalt_af_init(void)
{
	tcpalt_family_ops.family = tcpalt_family;
	tcpalt_stream_ops.family = tcpalt_family;
	return sock_register(&tcpalt_family_ops);
}

/**
 * tcpalt_af_exit() - unregister the protocol family; no new sockets can be created after it.
 */
void tcpalt_af_exit(void)
{
	sock_unregister(tcpalt_family);
}
