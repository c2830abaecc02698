// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup tables and the shared port space.
 *
 * The established table holds connections and TIME-WAIT entries, keyed by the 4-tuple and the
 * namespace; the listener table is keyed by the local port.  Readers (the receive path) walk
 * them under RCU and take a reference; writers hold the table's spinlock.  Sockets are freed
 * after an RCU grace period (SOCK_RCU_FREE), TIME-WAIT entries with kfree_rcu().
 *
 * Port space (DESIGN D3): a tcpalt socket that owns a local port holds a "shadow" kernel TCP
 * socket bound to the same address and port (and listening when the tcpalt socket listens).
 * The kernel's own bind table therefore refuses a port to whichever of the two stacks asks
 * second, with the kernel's exact SO_REUSEADDR rules, and an ephemeral port is one the kernel
 * TCP picked for the shadow, so it never collides.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpalt.h"

static unsigned int ehash_order = 16;
module_param(ehash_order, uint, 0444);
MODULE_PARM_DESC(ehash_order, "log2 of the established-table size (8..24, default 16)");

#define TCPALT_LHASH_SIZE 256

static struct hlist_head *tcpalt_ehash;
static unsigned int tcpalt_ehash_mask;
static DEFINE_SPINLOCK(tcpalt_ehash_lock);
static struct hlist_head tcpalt_lhash[TCPALT_LHASH_SIZE];
static DEFINE_SPINLOCK(tcpalt_lhash_lock);
static u32 tcpalt_hash_seed __read_mostly;
static struct workqueue_struct *tcpalt_release_wq;

/**
 * tcpalt_hash_init() - allocate the tables.
 *
 * Return: 0, -EINVAL for a bad ehash_order, or -ENOMEM.
 */
int tcpalt_hash_init(void)
{
	unsigned int i, n;

	if (ehash_order < 8 || ehash_order > 24) {
		pr_err("ehash_order=%u is out of range 8..24\n", ehash_order);
		return -EINVAL;
	}
	n = 1U << ehash_order;
	tcpalt_ehash = kvmalloc_array(n, sizeof(*tcpalt_ehash), GFP_KERNEL);
	if (!tcpalt_ehash)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&tcpalt_ehash[i]);
	tcpalt_ehash_mask = n - 1;
	for (i = 0; i < TCPALT_LHASH_SIZE; i++)
		INIT_HLIST_HEAD(&tcpalt_lhash[i]);
	tcpalt_hash_seed = get_random_u32();
	tcpalt_release_wq = alloc_workqueue("tcpalt_release", 0, 0);
	if (!tcpalt_release_wq) {
		kvfree(tcpalt_ehash);
		return -ENOMEM;
	}
	return 0;
}

/**
 * tcpalt_hash_exit() - free the tables; every entry must be gone.
 */
void tcpalt_hash_exit(void)
{
	destroy_workqueue(tcpalt_release_wq);
	kvfree(tcpalt_ehash);
}

static struct hlist_head *tcpalt_ebucket(const struct net *net, __be32 laddr, __be16 lport,
					 __be32 raddr, __be16 rport)
{
	u32 h = jhash_3words((__force u32)laddr, (__force u32)raddr,
			     ((__force u32)lport << 16) | (__force u32)rport,
			     tcpalt_hash_seed ^ net_hash_mix(net));

	return &tcpalt_ehash[h & tcpalt_ehash_mask];
}

static struct hlist_head *tcpalt_lbucket(const struct net *net, __be16 lport)
{
	return &tcpalt_lhash[(ntohs(lport) ^ net_hash_mix(net)) % TCPALT_LHASH_SIZE];
}

/**
 * tcpalt_all_add() - show an entry in /proc/tcpalt/connections of its namespace.
 * @h: the entry, @h->net set; not listed
 *
 * Always at the tail: the readers' cursors rely on it (proc.c).
 */
void tcpalt_all_add(struct tcpalt_hnode *h)
{
	struct tcpalt_net *tn = tcpalt_pernet(h->net);

	spin_lock_bh(&tn->all_lock);
	list_add_tail(&h->all, &tn->all);
	spin_unlock_bh(&tn->all_lock);
}

/**
 * tcpalt_all_del() - hide an entry from /proc/tcpalt/connections.
 * @h: the entry (may be unlisted already)
 *
 * An entry is freed only after this (sockets: from their destructor at the latest), so a
 * reader that finds it under all_lock may take a reference on it.
 */
void tcpalt_all_del(struct tcpalt_hnode *h)
{
	struct tcpalt_net *tn = tcpalt_pernet(h->net);

	spin_lock_bh(&tn->all_lock);
	list_del_init(&h->all);
	spin_unlock_bh(&tn->all_lock);
}

static bool tcpalt_ematch(const struct tcpalt_hnode *h, const struct net *net, __be32 laddr,
			  __be16 lport, __be32 raddr, __be16 rport)
{
	return net_eq(h->net, net) && h->laddr == laddr && h->lport == lport &&
	       h->raddr == raddr && h->rport == rport;
}

static void tcpalt_hnode_hold(struct tcpalt_hnode *h)
{
	if (h->kind == TCPALT_KIND_SOCK)
		sock_hold((struct sock *)container_of(h, struct tcpalt_sock, h));
	else
		refcount_inc(&container_of(h, struct tcpalt_tw, h)->refcnt);
}

static void tcpalt_hnode_put(struct tcpalt_hnode *h)
{
	if (h->kind == TCPALT_KIND_SOCK)
		sock_put((struct sock *)container_of(h, struct tcpalt_sock, h));
	else
		tcpalt_tw_put(container_of(h, struct tcpalt_tw, h));
}

/**
 * tcpalt_ehash_insert() - add a connection to the established table.
 * @h: the connection's entry, with its 4-tuple filled in
 *
 * The table holds a reference while the entry is in it.
 * Return: 0, or -EADDRNOTAVAIL if the 4-tuple is in use (connection or TIME-WAIT).
 */
int tcpalt_ehash_insert(struct tcpalt_hnode *h)
{
	struct hlist_head *b = tcpalt_ebucket(h->net, h->laddr, h->lport, h->raddr, h->rport);
	struct tcpalt_hnode *o;

	spin_lock_bh(&tcpalt_ehash_lock);
	hlist_for_each_entry(o, b, node) {
		if (tcpalt_ematch(o, h->net, h->laddr, h->lport, h->raddr, h->rport)) {
			spin_unlock_bh(&tcpalt_ehash_lock);
			return -EADDRNOTAVAIL;
		}
	}
	tcpalt_hnode_hold(h);
	hlist_add_head_rcu(&h->node, b);
	h->hashed = 'e';
	spin_unlock_bh(&tcpalt_ehash_lock);
	return 0;
}

/**
 * tcpalt_ehash_replace() - put a TIME-WAIT entry where its connection was, atomically for
 * readers, so no segment of the 4-tuple reaches the kernel TCP in between.
 * @old: the connection's entry, hashed
 * @new: the TIME-WAIT entry, not hashed; the table takes a reference on it
 */
void tcpalt_ehash_replace(struct tcpalt_hnode *old, struct tcpalt_hnode *new)
{
	spin_lock_bh(&tcpalt_ehash_lock);
	tcpalt_hnode_hold(new);
	hlist_replace_rcu(&old->node, &new->node);
	new->hashed = 'e';
	old->hashed = 0;
	spin_unlock_bh(&tcpalt_ehash_lock);
	tcpalt_hnode_put(old);
}

/**
 * tcpalt_unhash() - remove an entry from whichever table holds it and drop that reference.
 * @h: the entry (may be unhashed already)
 */
void tcpalt_unhash(struct tcpalt_hnode *h)
{
	spinlock_t *lock = h->hashed == 'l' ? &tcpalt_lhash_lock : &tcpalt_ehash_lock;
	bool was;

	if (!READ_ONCE(h->hashed))
		return;
	spin_lock_bh(lock);
	was = h->hashed;
	if (was) {
		hlist_del_init_rcu(&h->node);
		h->hashed = 0;
	}
	spin_unlock_bh(lock);
	if (was)
		tcpalt_hnode_put(h);
}

/**
 * tcpalt_lhash_insert() - add a listener.
 * @sk: the listening socket, its local address and port set; must be locked by the caller
 *
 * Return: 0, or -EADDRINUSE if another tcpalt listener has the port.
 */
int tcpalt_lhash_insert(struct sock *sk)
{
	struct tcpalt_hnode *h = &tcpalt_sk(sk)->h, *o;
	struct hlist_head *b = tcpalt_lbucket(h->net, h->lport);

	spin_lock_bh(&tcpalt_lhash_lock);
	hlist_for_each_entry(o, b, node) {
		if (net_eq(o->net, h->net) && o->lport == h->lport &&
		    (!o->laddr || !h->laddr || o->laddr == h->laddr)) {
			spin_unlock_bh(&tcpalt_lhash_lock);
			return -EADDRINUSE;
		}
	}
	sock_hold(sk);
	hlist_add_head_rcu(&h->node, b);
	h->hashed = 'l';
	spin_unlock_bh(&tcpalt_lhash_lock);
	return 0;
}

/**
 * tcpalt_lookup() - find the connection or TIME-WAIT entry of a received segment.
 * @net: namespace the segment arrived in
 * @saddr: segment's source address (the remote end)
 * @sport: segment's source port
 * @daddr: segment's destination address (the local end)
 * @dport: segment's destination port
 *
 * Caller holds rcu_read_lock().
 * Return: the entry with a reference taken, or NULL.
 */
struct tcpalt_hnode *tcpalt_lookup(struct net *net, __be32 saddr, __be16 sport,
				   __be32 daddr, __be16 dport)
{
	struct hlist_head *b = tcpalt_ebucket(net, daddr, dport, saddr, sport);
	struct tcpalt_hnode *h;

	hlist_for_each_entry_rcu(h, b, node) {
		if (!tcpalt_ematch(h, net, daddr, dport, saddr, sport))
			continue;
		if (h->kind == TCPALT_KIND_SOCK) {
			struct sock *sk = (struct sock *)container_of(h, struct tcpalt_sock, h);

			if (refcount_inc_not_zero(&sk->sk_refcnt))
				return h;
		} else if (refcount_inc_not_zero(&container_of(h, struct tcpalt_tw, h)->refcnt)) {
			return h;
		}
		return NULL;
	}
	return NULL;
}

/**
 * tcpalt_lookup_listener() - find the listener for a segment to @daddr:@dport.
 * @net: namespace
 * @daddr: local address
 * @dport: local port
 *
 * An exact address match wins over a wildcard listener.  Caller holds rcu_read_lock().
 * Return: the listener with a reference taken, or NULL.
 */
struct sock *tcpalt_lookup_listener(struct net *net, __be32 daddr, __be16 dport)
{
	struct tcpalt_hnode *h, *wild = NULL;
	struct sock *sk;

	hlist_for_each_entry_rcu(h, tcpalt_lbucket(net, dport), node) {
		if (!net_eq(h->net, net) || h->lport != dport)
			continue;
		if (h->laddr == daddr) {
			wild = h;
			break;
		}
		if (!h->laddr)
			wild = h;
	}
	if (!wild)
		return NULL;
	sk = (struct sock *)container_of(wild, struct tcpalt_sock, h);
	return refcount_inc_not_zero(&sk->sk_refcnt) ? sk : NULL;
}

/**
 * struct tcpalt_port - a reservation in the shared port space: a kernel TCP socket bound to
 * the port (listening while a tcpalt listener is), shared by the socket that bound it, the
 * children of a listener and the TIME-WAIT entries that follow them.
 * @ref: holders
 * @sock: the kernel TCP socket
 * @work: releases @sock from process context when the last holder is in softirq
 */
struct tcpalt_port {
	refcount_t ref;
	struct socket *sock;
	struct work_struct work;
};

static void tcpalt_port_free_fn(struct work_struct *work)
{
	struct tcpalt_port *port = container_of(work, struct tcpalt_port, work);

	sock_release(port->sock);
	kfree(port);
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
	if (can_sleep) {
		tcpalt_port_free_fn(&port->work);
		return;
	}
	INIT_WORK(&port->work, tcpalt_port_free_fn);
	queue_work(tcpalt_release_wq, &port->work);
}

/**
 * tcpalt_port_flush() - wait until every deferred release is done (namespace exit: the
 * kernel sockets must go before the namespace does).
 */
void tcpalt_port_flush(void)
{
	flush_workqueue(tcpalt_release_wq);
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
	err = sock_create_kern(sock_net(sk), AF_INET, SOCK_STREAM, IPPROTO_TCP, &sh);
	if (err) {
		kfree(p);
		return err;
	}
	sh->sk->sk_reuse = sk->sk_reuse;
	sh->sk->sk_reuseport = sk->sk_reuseport;
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
