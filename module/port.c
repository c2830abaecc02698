// SPDX-License-Identifier: GPL-2.0
/*
 * The port space shared with the kernel TCP (DESIGN D3): a tcpalt socket that owns a local
 * port holds a "shadow" kernel TCP socket bound to the same address and port (and listening
 * when the tcpalt socket listens).  The kernel's own bind table therefore refuses a port to
 * whichever of the two stacks asks second, with the kernel's exact SO_REUSEADDR rules, and an
 * ephemeral port is one the kernel TCP picked for the shadow, so it never collides.
 */
#include <linux/hash.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/inet_hashtables.h>
#include <net/sock.h>

#include "tcpalt.h"

/**
 * struct tcpalt_port - a reservation in the shared port space: a kernel TCP socket bound to
 * the port (listening while a tcpalt listener is), shared by the socket that bound it, the
 * children of a listener and the TIME-WAIT entries that follow them.
 * @ref: holders
 * @sock: the kernel TCP socket
 * @node: on tcpalt_release_list while it waits for the worker
 * @cnode: in tcpalt_cports while connections may share it (a port connect() picked)
 * @net: the namespace (in tcpalt_cports)
 * @addr: the local address it is bound to (in tcpalt_cports)
 * @num: the port, host order (in tcpalt_cports)
 * @dev: the device the sockets are bound to, 0 for none (in tcpalt_cports)
 */
struct tcpalt_port {
	refcount_t ref;
	struct socket *sock;
	struct llist_node node;
	struct hlist_node cnode;
	const struct net *net;
	__be32 addr;
	u16 num;
	int dev;
};

/*
 * The ports connect() picked, by port number: a connection to another peer may use one too
 * (only the 4-tuple must be unique, as in __inet_hash_connect()) once the kernel TCP has no
 * free port left.  The kernel TCP never picks them (they are bound), so only tcpalt's own
 * connection table decides.
 */
#define TCPALT_CPORT_BITS	8
static struct hlist_head tcpalt_cports[1 << TCPALT_CPORT_BITS];
static DEFINE_SPINLOCK(tcpalt_cport_lock);

static struct hlist_head *tcpalt_cport_bucket(u16 num)
{
	return &tcpalt_cports[hash_32(num, TCPALT_CPORT_BITS)];
}

/* Its last holder let go: no connection may take it any more. */
static void tcpalt_cport_unhash(struct tcpalt_port *port)
{
	if (hlist_unhashed_lockless(&port->cnode))
		return;
	spin_lock_bh(&tcpalt_cport_lock);
	hlist_del_init(&port->cnode);
	spin_unlock_bh(&tcpalt_cport_lock);
}

/*
 * Reservations whose last holder let go in softirq (a TIME-WAIT entry ending, a connection
 * closed by the peer's last ACK) wait here for process context: sock_release() may sleep.
 * Their bind buckets are gone already (tcpalt_port_put()), so only memory waits, and one
 * worker run a little later releases all that gathered meanwhile: a worker wake-up per
 * connection cost two context switches of each, 2.5 per request of ab without keep-alive.
 */
#define TCPALT_RELEASE_DELAY	msecs_to_jiffies(10)

static struct workqueue_struct *tcpalt_release_wq;
static LLIST_HEAD(tcpalt_release_list);

static void tcpalt_port_free(struct tcpalt_port *port)
{
	sock_release(port->sock);
	kfree(port);
}

static void tcpalt_release_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&tcpalt_release_list);
	struct tcpalt_port *port, *next;

	llist_for_each_entry_safe(port, next, list, node) {
		tcpalt_port_free(port);
		cond_resched();
	}
}

static DECLARE_DELAYED_WORK(tcpalt_release_work, tcpalt_release_fn);

/**
 * tcpalt_port_init() - set up the worker that releases reservations from softirq.
 *
 * Return: 0 or -ENOMEM.
 */
int tcpalt_port_init(void)
{
	tcpalt_release_wq = alloc_workqueue("tcpalt_release", 0, 0);
	return tcpalt_release_wq ? 0 : -ENOMEM;
}

/**
 * tcpalt_port_exit() - wait for the last deferred releases and stop the worker.
 */
void tcpalt_port_exit(void)
{
	flush_delayed_work(&tcpalt_release_work);
	destroy_workqueue(tcpalt_release_wq);
}

/**
 * tcpalt_port_get() - take a reference on a reservation.
 * @port: the reservation, or NULL
 *
 * Return: @port.
 */
struct tcpalt_port *tcpalt_port_get(struct tcpalt_port *port)
{
	if (port)
		refcount_inc(&port->ref);
	return port;
}

/**
 * tcpalt_port_put() - drop a reference; the last one gives the port back.
 * @port: the reservation, or NULL
 * @can_sleep: the caller is in process context without spinlocks: release now, so the port
 *             is free when close() returns; otherwise a worker releases it, and
 *             tcpalt_port_flush() waits for those
 */
void tcpalt_port_put(struct tcpalt_port *port, bool can_sleep)
{
	if (!port || !refcount_dec_and_test(&port->ref))
		return;
	tcpalt_cport_unhash(port);
	if (can_sleep) {
		tcpalt_port_free(port);
		return;
	}
	/*
	 * Give the port back now, as Linux frees a TIME-WAIT socket's bind bucket in softirq:
	 * whoever sees the row gone must find the port free, however late the worker runs.
	 * inet_put_port() takes only the bind hash locks; the worker's tcp_close() then finds
	 * no bind bucket to put.  A listening kernel socket is left whole to the worker.
	 */
	if (port->sock->sk->sk_state != TCP_LISTEN && inet_csk(port->sock->sk)->icsk_bind_hash)
		inet_put_port(port->sock->sk);
	/* The first on an empty list queues the worker; the others find it queued. */
	if (llist_add(&port->node, &tcpalt_release_list))
		queue_delayed_work(tcpalt_release_wq, &tcpalt_release_work,
				   TCPALT_RELEASE_DELAY);
}

/**
 * tcpalt_port_flush() - wait until every deferred release is done (namespace exit: the
 * kernel sockets must go before the namespace does).
 */
void tcpalt_port_flush(void)
{
	flush_delayed_work(&tcpalt_release_work);
}

/**
 * tcpalt_port_reserve() - take @addr:@port (0: an ephemeral port) in the shared port space.
 * @sk: the tcpalt socket; process context, socket locked
 * @addr: local address (may be INADDR_ANY)
 * @port: local port, network order; 0 lets the kernel TCP pick a free ephemeral port
 *
 * On success the port is in inet_sk(sk)->inet_num/inet_sport.
 * Return: 0 or the kernel TCP's bind() error (-EADDRINUSE, -EACCES, ...).
 */
int tcpalt_port_reserve(struct sock *sk, __be32 addr, __be16 port)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = addr,
		.sin_port = port,
	};
	struct tcpalt_port *p;
	struct socket *sh;
	int err;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOBUFS;
	INIT_HLIST_NODE(&p->cnode);
	err = sock_create_kern(sock_net(sk), AF_INET, SOCK_STREAM, IPPROTO_TCP, &sh);
	if (err) {
		kfree(p);
		return err;
	}
	sh->sk->sk_reuse = sk->sk_reuse;
	sh->sk->sk_reuseport = sk->sk_reuseport;
	/*
	 * SO_REUSEPORT's rule compares owners (sock_i_uid()): the tcpalt socket's, not whoever
	 * binds it (the kernel socket's inode has the caller's fsuid).
	 */
	SOCK_INODE(sh)->i_uid = sock_i_uid(sk);
	sh->sk->sk_uid = sk->sk_uid;
	sh->sk->sk_bound_dev_if = sk->sk_bound_dev_if;
	inet_sk(sh->sk)->freebind = inet_sk(sk)->freebind;
	inet_sk(sh->sk)->transparent = inet_sk(sk)->transparent;
	err = kernel_bind(sh, (struct sockaddr *)&sin, sizeof(sin));
	if (err) {
		sock_release(sh);
		kfree(p);
		return err;
	}
	/*
	 * The port stays bound however the kernel socket is shut down: a listener's
	 * children and TIME-WAIT entries keep using a port the kernel picked
	 * (tcp_disconnect() would give it back otherwise).
	 */
	sh->sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	refcount_set(&p->ref, 1);
	p->sock = sh;
	ts->port = p;
	inet_sk(sk)->inet_num = inet_sk(sh->sk)->inet_num;
	inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
	return 0;
}

/* A reservation connect() made that a connection from @sk at @addr:@num may share, held. */
static struct tcpalt_port *tcpalt_cport_find(struct sock *sk, __be32 addr, u16 num)
{
	struct tcpalt_port *p, *found = NULL;

	spin_lock_bh(&tcpalt_cport_lock);
	hlist_for_each_entry(p, tcpalt_cport_bucket(num), cnode) {
		if (p->num == num && p->addr == addr && net_eq(p->net, sock_net(sk)) &&
		    p->dev == sk->sk_bound_dev_if && refcount_inc_not_zero(&p->ref)) {
			found = p;
			break;
		}
	}
	spin_unlock_bh(&tcpalt_cport_lock);
	return found;
}

/**
 * tcpalt_port_connect() - a local port for connect() from @addr: a free one the kernel TCP
 * picks, or, when none is left, one that other connections from @addr use already but whose
 * 4-tuple with this peer is free, or held by a TIME-WAIT entry that may give it up
 * (__inet_hash_connect()); the connection is then in the established table.
 * @sk: the tcpalt socket, its remote end and local address set in its hash node; process
 *      context, socket locked
 * @addr: local address
 * @isn: set to the ISN the connection must use when it took a TIME-WAIT entry's 4-tuple,
 *       else to 0
 *
 * Return: 0, -EAGAIN if the 4-tuple of a fresh port is taken all the same (try again),
 * -EADDRNOTAVAIL if every port of net.ipv4.ip_local_port_range is taken toward this peer, or
 * another error of the kernel TCP's bind().
 */
int tcpalt_port_connect(struct sock *sk, __be32 addr, u32 *isn)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	int err, low, high, span, i, first;

	*isn = 0;
	err = tcpalt_port_reserve(sk, addr, 0);
	if (!err) {
		struct tcpalt_port *p = ts->port;

		ts->h.lport = inet->inet_sport;
		err = tcpalt_ehash_insert(&ts->h);
		if (err) {
			tcpalt_port_release(sk, true);
			inet->inet_num = 0;
			inet->inet_sport = 0;
			return -EAGAIN;
		}
		p->net = sock_net(sk);
		p->addr = addr;
		p->num = inet->inet_num;
		p->dev = sk->sk_bound_dev_if;
		spin_lock_bh(&tcpalt_cport_lock);
		hlist_add_head(&p->cnode, tcpalt_cport_bucket(p->num));
		spin_unlock_bh(&tcpalt_cport_lock);
		return 0;
	}
	if (err != -EADDRINUSE)
		return err;

	/* The kernel TCP has no free port: share one, from a random place in the range. */
	inet_get_local_port_range(sock_net(sk), &low, &high);
	span = high - low + 1;
	first = span > 0 ? get_random_u32_below(span) : 0;
	for (i = 0; i < span; i++) {
		u16 num = low + (first + i) % span;
		struct tcpalt_port *p = tcpalt_cport_find(sk, addr, num);

		if (!p)
			continue;
		ts->h.lport = htons(num);
		err = tcpalt_ehash_insert(&ts->h);
		if (err) {
			/* A TIME-WAIT entry that gives the 4-tuple up is replaced. */
			*isn = tcpalt_tw_reuse(sk);
			if (*isn)
				err = tcpalt_ehash_insert(&ts->h);
		}
		if (!err) {
			ts->port = p;
			inet->inet_num = num;
			inet->inet_sport = htons(num);
			return 0;
		}
		*isn = 0;
		tcpalt_port_put(p, true);
		if (!(i & 255))
			cond_resched();
	}
	ts->h.lport = 0;
	return -EADDRNOTAVAIL;
}

/**
 * tcpalt_port_listen() - make the reservation a listener too, so that the kernel TCP cannot
 * listen on the port either (it never receives a SYN: tcpalt takes them first).
 * @sk: the tcpalt socket, with a reservation
 * @backlog: listen backlog
 *
 * Return: 0 or kernel_listen()'s error (-EADDRINUSE).
 */
int tcpalt_port_listen(struct sock *sk, int backlog)
{
	return kernel_listen(tcpalt_sk(sk)->port->sock, backlog);
}

/**
 * tcpalt_port_unlisten() - the tcpalt listener stopped: stop the kernel listener too, keeping
 * the port bound for the children and TIME-WAIT entries that still hold it.
 * @sk: the tcpalt socket; process context
 */
void tcpalt_port_unlisten(struct sock *sk)
{
	struct tcpalt_port *p = tcpalt_sk(sk)->port;

	if (p && p->sock->sk->sk_state == TCP_LISTEN)
		kernel_sock_shutdown(p->sock, SHUT_RDWR);
}

/**
 * tcpalt_port_release() - @sk gives up its reference on its reservation.
 * @sk: the tcpalt socket
 * @can_sleep: as for tcpalt_port_put()
 */
void tcpalt_port_release(struct sock *sk, bool can_sleep)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	tcpalt_port_put(ts->port, can_sleep);
	ts->port = NULL;
}
