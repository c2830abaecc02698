// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup tables (the shared port space is port.c).
 *
 * The established table holds connections and TIME-WAIT entries, keyed by the 4-tuple and the
 * namespace; the listener table is keyed by the local port.  Readers (the receive path) walk
 * them under RCU and take a reference; writers hold the table's spinlock.  Sockets are freed
 * after an RCU grace period (SOCK_RCU_FREE), TIME-WAIT entries with kfree_rcu().
 *
 * SO_REUSEPORT (as Linux's sock_reuseport.c, without its array): the listeners of a namespace
 * with the same local address and port that all set SO_REUSEPORT before listen(), with the
 * same owner uid, form a group; a SYN picks one of them by a hash of its 4-tuple, scaled to
 * the group's size, so one 4-tuple keeps reaching the same listener while the group stays the
 * same.  The group is no separate object: it is the group's entries in the port's bucket,
 * which a reader counts and then indexes under RCU.  A listener leaving between the two walks
 * makes the reader fall back to the first member it saw.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/uidgid.h>
#include <linux/vmalloc.h>
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
static u32 tcpalt_reuseport_seed __read_mostly;

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
	tcpalt_reuseport_seed = get_random_u32();
	return 0;
}

/**
 * tcpalt_hash_exit() - free the tables; every entry must be gone.
 */
void tcpalt_hash_exit(void)
{
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

static struct sock *tcpalt_hnode_sk(struct tcpalt_hnode *h)
{
	return (struct sock *)container_of(h, struct tcpalt_sock, h);
}

/*
 * May listeners @h (being added) and @o (in the table) share a port?  Only as members of one
 * SO_REUSEPORT group, or as two that may overlap: both set SO_REUSEPORT, with the same owner
 * (inet_csk_bind_conflict()'s rule; sk_uid is the socket inode's owner, sock_i_uid()).
 */
static bool tcpalt_lshare_ok(struct tcpalt_hnode *h, struct tcpalt_hnode *o)
{
	return h->reuseport && o->reuseport &&
	       uid_eq(tcpalt_hnode_sk(h)->sk_uid, tcpalt_hnode_sk(o)->sk_uid);
}

/**
 * tcpalt_lhash_insert() - add a listener.
 * @sk: the listening socket, its local address and port set; must be locked by the caller
 *
 * A listener with SO_REUSEPORT joins the others of its address and port that have it too
 * and belong to the same uid.
 * Return: 0, or -EADDRINUSE if another tcpalt listener has the port.
 */
int tcpalt_lhash_insert(struct sock *sk)
{
	struct tcpalt_hnode *h = &tcpalt_sk(sk)->h, *o;
	struct hlist_head *b = tcpalt_lbucket(h->net, h->lport);

	h->reuseport = sk->sk_reuseport;
	spin_lock_bh(&tcpalt_lhash_lock);
	hlist_for_each_entry(o, b, node) {
		if (net_eq(o->net, h->net) && o->lport == h->lport &&
		    (!o->laddr || !h->laddr || o->laddr == h->laddr) &&
		    !tcpalt_lshare_ok(h, o)) {
			spin_unlock_bh(&tcpalt_lhash_lock);
			return -EADDRINUSE;
		}
	}
	sock_hold(sk);
	/* at the tail: a group's order, which a reader indexes, changes only where one leaves */
	hlist_add_tail_rcu(&h->node, b);
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
 * tcpalt_lookup_tw() - the TIME-WAIT entry that holds a 4-tuple.
 * @net: the namespace
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: the entry with a reference taken, or NULL (none, or a connection holds it).
 */
struct tcpalt_tw *tcpalt_lookup_tw(struct net *net, __be32 laddr, __be16 lport, __be32 raddr,
				   __be16 rport)
{
	struct hlist_head *b = tcpalt_ebucket(net, laddr, lport, raddr, rport);
	struct tcpalt_tw *tw = NULL;
	struct tcpalt_hnode *h;

	rcu_read_lock();
	hlist_for_each_entry_rcu(h, b, node) {
		if (!tcpalt_ematch(h, net, laddr, lport, raddr, rport))
			continue;
		if (h->kind == TCPALT_KIND_TW) {
			tw = container_of(h, struct tcpalt_tw, h);
			if (!refcount_inc_not_zero(&tw->refcnt))
				tw = NULL;
		}
		break;
	}
	rcu_read_unlock();
	return tw;
}

static bool tcpalt_lgroup_member(const struct tcpalt_hnode *h, const struct net *net,
				 __be32 laddr, __be16 lport)
{
	return h->reuseport && net_eq(h->net, net) && h->lport == lport && h->laddr == laddr;
}

/*
 * The member of @first's SO_REUSEPORT group that the 4-tuple's hash picks, as
 * reuseport_select_sock() without a BPF program: reciprocal_scale(hash, size).  @first if the
 * group has one member or changes under the reader.  Caller holds rcu_read_lock().
 */
static struct tcpalt_hnode *tcpalt_lgroup_select(struct tcpalt_hnode *first, __be32 saddr,
						 __be16 sport)
{
	struct hlist_head *b = tcpalt_lbucket(first->net, first->lport);
	struct tcpalt_hnode *h;
	unsigned int n = 0, i;
	u32 hash;

	hlist_for_each_entry_rcu(h, b, node)
		n += tcpalt_lgroup_member(h, first->net, first->laddr, first->lport);
	if (n <= 1)
		return first;
	hash = jhash_3words((__force u32)first->laddr, (__force u32)saddr,
			    ((__force u32)first->lport << 16) | (__force u32)sport,
			    tcpalt_reuseport_seed ^ net_hash_mix(first->net));
	i = reciprocal_scale(hash, n);
	hlist_for_each_entry_rcu(h, b, node) {
		if (tcpalt_lgroup_member(h, first->net, first->laddr, first->lport) && !i--)
			return h;
	}
	return first;
}

/**
 * tcpalt_lookup_listener() - find the listener for a segment from @saddr:@sport to
 * @daddr:@dport.
 * @net: namespace
 * @saddr: remote address
 * @sport: remote port
 * @daddr: local address
 * @dport: local port
 *
 * An exact address match wins over a wildcard listener; among an SO_REUSEPORT group the
 * 4-tuple's hash chooses.  Caller holds rcu_read_lock().
 * Return: the listener with a reference taken, or NULL.
 */
struct sock *tcpalt_lookup_listener(struct net *net, __be32 saddr, __be16 sport,
				    __be32 daddr, __be16 dport)
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
		if (!h->laddr && !wild)
			wild = h;
	}
	if (!wild)
		return NULL;
	if (wild->reuseport)
		wild = tcpalt_lgroup_select(wild, saddr, sport);
	sk = tcpalt_hnode_sk(wild);
	return refcount_inc_not_zero(&sk->sk_refcnt) ? sk : NULL;
}
