// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tcpalt: the connections view and the counters (DESIGN D9).  The directory is global;
 * each reader sees the entries and counters of the network namespace it opened the file from.
 *
 * Walking a namespace's entries (tcpalt_net::all): a reader keeps its place with a cursor, an
 * entry of kind TCPALT_KIND_CURSOR linked into the list just before the next entry to show.
 * Entries are added only at the tail and removed from anywhere, so the cursor keeps its place
 * across read() calls whatever comes and goes meanwhile: each read() resumes in O(1), and a
 * whole read is O(N) for any read() size.  An entry listed from the first read() to the last is
 * shown exactly once; one added or removed meanwhile may or may not be.  all_lock is held only
 * to step the cursor over one entry and take a reference on it; the row is formatted after
 * unlocking, under that reference, and no reference is kept from one read() to the next.
 *
 * Sequence numbers are what a blind attacker needs to inject into or reset a connection, so
 * snd_una, snd_nxt and rcv_nxt show only to the socket's owner (the file's opener has the
 * socket's uid as its fsuid) and to openers with CAP_NET_ADMIN over the namespace; others read
 * 0.  As with every such check, the credentials are those the file was opened with, not the
 * reader's: a file handed to a privileged program shows no more than it showed its opener.
 * TIME-WAIT entries have no owner left and count as root's (uid 0, as in /proc/net/tcp).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpalt.h"

static struct proc_dir_entry *tcpalt_proc_dir;

/* Entries the stats walk looks at per all_lock hold. */
#define TCPALT_STATS_BATCH 64

/*
 * Count @tn's connections in ESTABLISHED or CLOSE-WAIT and its TIME-WAIT entries.  Listed
 * entries are not freed, so no references are needed; a cursor on the stack lets the lock go
 * every TCPALT_STATS_BATCH entries.
 */
static void tcpalt_count(struct tcpalt_net *tn, int *estab, int *tw)
{
	struct tcpalt_hnode cursor = { .kind = TCPALT_KIND_CURSOR }, *h;
	struct sock *sk;
	int n;

	*estab = 0;
	*tw = 0;
	spin_lock_bh(&tn->all_lock);
	list_add(&cursor.all, &tn->all);
	for (;;) {
		n = 0;
		h = &cursor;
		list_for_each_entry_continue(h, &tn->all, all) {
			if (n++ == TCPALT_STATS_BATCH)
				break;
			if (h->kind == TCPALT_KIND_TW) {
				(*tw)++;
			} else if (h->kind == TCPALT_KIND_SOCK) {
				sk = tcpalt_to_sk(container_of(h, struct tcpalt_sock, h));
				if ((1 << inet_sk_state_load(sk)) &
				    (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
					(*estab)++;
			}
		}
		if (list_entry_is_head(h, &tn->all, all))
			break;
		list_move_tail(&cursor.all, &h->all);	/* just before the first not counted */
		spin_unlock_bh(&tn->all_lock);
		cond_resched();
		spin_lock_bh(&tn->all_lock);
	}
	list_del(&cursor.all);
	spin_unlock_bh(&tn->all_lock);
}

static int tcpalt_stats_show(struct seq_file *seq, void *v)
{
	struct tcpalt_net *tn = tcpalt_pernet(current->nsproxy->net_ns);
	int f, estab, tw;

	tcpalt_count(tn, &estab, &tw);
	seq_printf(seq, "CurrEstab %d\nTimeWaitEntries %d\n", estab, tw);
	for (f = 0; f < TCPALT_MIB_ENTER_STATE; f++)
		seq_printf(seq, "%s %llu\n", tcpalt_mib_name(f), tcpalt_mib_read(tn, f));
	for (f = 1; f < TCP_MAX_STATES; f++) {
		if (f == TCP_NEW_SYN_RECV)
			continue;
		seq_printf(seq, "Enter_%s %llu\n", tcpalt_state_name(f),
			   tcpalt_mib_read(tn, TCPALT_MIB_ENTER_STATE + f));
	}
	return 0;
}

/*
 * /proc/tcpalt/transitions: "FROM TO COUNT" per edge of the state diagram (zeros included, so
 * the set of lines is fixed), then any other pair that was counted (none unless tcpalt has a
 * bug: tcpalt_set_state() warns on it).
 */
static int tcpalt_transitions_show(struct seq_file *seq, void *v)
{
	struct tcpalt_net *tn = tcpalt_pernet(current->nsproxy->net_ns);
	int from, to;
	u64 n;

	for (from = 1; from < TCP_MAX_STATES; from++) {
		for (to = 1; to < TCP_MAX_STATES; to++) {
			n = tcpalt_mib_read(tn, TCPALT_MIB_TRANS(from, to));
			if (!n && !tcpalt_state_transition_ok(from, to))
				continue;
			seq_printf(seq, "%-12s %-12s %llu\n", tcpalt_state_name(from),
				   tcpalt_state_name(to), n);
		}
	}
	return 0;
}

/**
 * struct tcpalt_conn_iter - one open /proc/tcpalt/connections.
 * @net: the opener's namespace, pinned while the file is open
 * @cursor: in @net's list, just before the next entry to show
 * @pos: seq_file position of that entry (the header is 0, entries count from 1)
 * @fsuid: the opener's fsuid: rows of sockets with this uid show their sequence numbers
 * @admin: the opener has CAP_NET_ADMIN over @net: every row shows them
 */
struct tcpalt_conn_iter {
	struct net *net;
	struct tcpalt_hnode cursor;
	loff_t pos;
	kuid_t fsuid;
	bool admin;
};

/* A reference on a listed entry; false for cursors and for sockets already being freed. */
static bool tcpalt_all_hold(struct tcpalt_hnode *h)
{
	switch (h->kind) {
	case TCPALT_KIND_SOCK:
		return refcount_inc_not_zero(&tcpalt_to_sk(container_of(h, struct tcpalt_sock,
									 h))->sk_refcnt);
	case TCPALT_KIND_TW:
		return refcount_inc_not_zero(&container_of(h, struct tcpalt_tw, h)->refcnt);
	}
	return false;
}

static void tcpalt_all_put(struct tcpalt_hnode *h)
{
	if (h->kind == TCPALT_KIND_SOCK)
		sock_put(tcpalt_to_sk(container_of(h, struct tcpalt_sock, h)));
	else
		tcpalt_tw_put(container_of(h, struct tcpalt_tw, h));
}

/*
 * One step of a reader: move @cursor past @done (the entry just after it when taken, shown
 * since; NULL if none) unless @done left the list meanwhile, in which case the cursor already
 * stands before what followed it.  Then take the next entry and move the cursor just before
 * it, past what was skipped (other readers' cursors, sockets being freed).  Drops @done's
 * reference.  Return: the next entry, held, or NULL at the end.
 */
static struct tcpalt_hnode *tcpalt_all_step(struct tcpalt_net *tn,
					    struct tcpalt_hnode *cursor,
					    struct tcpalt_hnode *done)
{
	struct tcpalt_hnode *h = cursor;

	spin_lock_bh(&tn->all_lock);
	if (done) {
		/* Only cursors are ever inserted between a cursor and the entry after it. */
		list_for_each_entry_continue(h, &tn->all, all)
			if (h->kind != TCPALT_KIND_CURSOR)
				break;
		if (h != done)
			h = cursor;
	}
	list_for_each_entry_continue(h, &tn->all, all)
		if (tcpalt_all_hold(h))
			break;
	list_move_tail(&cursor->all, &h->all);
	spin_unlock_bh(&tn->all_lock);
	if (done)
		tcpalt_all_put(done);
	return list_entry_is_head(h, &tn->all, all) ? NULL : h;
}

static void tcpalt_all_rewind(struct tcpalt_net *tn, struct tcpalt_hnode *cursor)
{
	spin_lock_bh(&tn->all_lock);
	list_move(&cursor->all, &tn->all);
	spin_unlock_bh(&tn->all_lock);
}

static void *tcpalt_conn_start(struct seq_file *seq, loff_t *pos)
{
	struct tcpalt_conn_iter *it = seq->private;
	struct tcpalt_net *tn = tcpalt_pernet(it->net);
	struct tcpalt_hnode *h = NULL;

	if (!*pos) {
		tcpalt_all_rewind(tn, &it->cursor);
		it->pos = 1;
		return SEQ_START_TOKEN;
	}
	if (*pos != it->pos) {
		/* lseek() or pread(): walk from the start */
		tcpalt_all_rewind(tn, &it->cursor);
		for (it->pos = 1; it->pos < *pos; it->pos++) {
			h = tcpalt_all_step(tn, &it->cursor, h);
			if (!h)
				break;
		}
		it->pos = *pos;
	}
	/* Usually the read() after one that stopped at *pos: the cursor is there already. */
	return tcpalt_all_step(tn, &it->cursor, h);
}

static void *tcpalt_conn_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct tcpalt_conn_iter *it = seq->private;

	it->pos = ++*pos;
	return tcpalt_all_step(tcpalt_pernet(it->net), &it->cursor,
			       v == SEQ_START_TOKEN ? NULL : v);
}

static void tcpalt_conn_stop(struct seq_file *seq, void *v)
{
	/* An entry not shown yet: the cursor stays before it, for the next read(). */
	if (v && v != SEQ_START_TOKEN)
		tcpalt_all_put(v);
}

/* The timer of a socket that fires first, for the timer/ms_left columns. */
static const char *tcpalt_next_timer(struct sock *sk, s64 *ms)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	const char *name = "-";
	s64 best = S64_MAX, left;

	*ms = 0;
	if (hrtimer_is_queued(&ts->rtx_timer)) {
		best = ktime_to_ms(hrtimer_get_remaining(&ts->rtx_timer));
		name = READ_ONCE(ts->rtx_kind) == TCPALT_RTX_PROBE ? "probe" : "retransmit";
	}
	if (hrtimer_is_queued(&ts->delack_timer)) {
		left = ktime_to_ms(hrtimer_get_remaining(&ts->delack_timer));
		if (left < best) {
			best = left;
			name = "delack";
		}
	}
	if (hrtimer_is_queued(&ts->keepalive_timer)) {
		left = ktime_to_ms(hrtimer_get_remaining(&ts->keepalive_timer));
		if (left < best) {
			best = left;
			name = sk->sk_state == TCP_FIN_WAIT2 ? "finwait2" : "keepalive";
		}
	}
	if (best != S64_MAX)
		*ms = max_t(s64, best, 0);
	return name;
}

/* Does the opener see the sequence numbers of an entry owned by @owner? */
static bool tcpalt_show_seq(const struct tcpalt_conn_iter *it, kuid_t owner)
{
	return it->admin || uid_eq(owner, it->fsuid);
}

/**
 * struct tcpalt_conn_row - the columns of one /proc/tcpalt/connections row.
 * @laddr: local address
 * @raddr: remote address
 * @lport: local port
 * @rport: remote port
 * @state: TCP_* state
 * @sendq: bytes to send, or a listener's backlog
 * @recvq: bytes to read, or a listener's accept-queue length
 * @timer: name of the timer that fires next, "-" for none
 * @ms: milliseconds until it fires
 * @una: snd_una, or 0 when the reader may not see it
 * @nxt: snd_nxt, likewise
 * @rnxt: rcv_nxt, likewise
 * @wnd: the peer's window
 * @rto: retransmission timeout (ms)
 * @retrans: segments retransmitted
 * @uid: owner, in the reader's user namespace
 * @ino: socket inode, 0 for TIME-WAIT entries
 */
struct tcpalt_conn_row {
	__be32 laddr, raddr;
	u16 lport, rport;
	int state;
	u32 sendq, recvq;
	const char *timer;
	s64 ms;
	u32 una, nxt, rnxt, wnd, rto, retrans, uid;
	unsigned long ino;
};

/* Longest ms_left that fits its column (2 * msl_ms, an int, fits: 4294967294). */
#define TCPALT_MS_LEFT_MAX 9999999999LL

/*
 * One row, each field left-aligned at the offset of its header word (uapi/tcpalt.h): widths
 * hold the largest value of each type ("255.255.255.255:65535", "SYN-RECEIVED", a u32, a
 * timer name), so a row never pushes the next field; inode, last, has no padding.
 */
static void tcpalt_show_row(struct seq_file *seq, const struct tcpalt_conn_row *r)
{
	char local[sizeof("255.255.255.255:65535")], remote[sizeof(local)];

	snprintf(local, sizeof(local), "%pI4:%u", &r->laddr, r->lport);
	snprintf(remote, sizeof(remote), "%pI4:%u", &r->raddr, r->rport);
	seq_printf(seq, "%-21s %-21s %-12s %-10u %-10u %-10s %-10lld ", local, remote,
		   tcpalt_state_name(r->state), r->sendq, r->recvq, r->timer,
		   min_t(s64, r->ms, TCPALT_MS_LEFT_MAX));
	seq_printf(seq, "%-10u %-10u %-10u %-10u %-10u %-10u %-10u %lu\n", r->una, r->nxt,
		   r->rnxt, r->wnd, r->rto, r->retrans, r->uid, r->ino);
}

static void tcpalt_show_sock(struct seq_file *seq, struct tcpalt_sock *ts)
{
	struct sock *sk = tcpalt_to_sk(ts);
	struct inet_sock *inet = inet_sk(sk);
	struct tcpalt_conn_row r = {
		.laddr = inet->inet_rcv_saddr, .lport = ntohs(inet->inet_sport),
		.raddr = inet->inet_daddr, .rport = ntohs(inet->inet_dport),
		.state = inet_sk_state_load(sk),
	};
	kuid_t uid = sk->sk_uid;

	if (r.state == TCP_LISTEN) {
		r.recvq = READ_ONCE(ts->accept_qlen);
		r.sendq = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		r.sendq = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_una);
		r.recvq = max_t(s32, READ_ONCE(ts->rcv_nxt) - READ_ONCE(ts->copied_seq) -
				     !!(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN), 0);
		if (r.state == TCP_CLOSE && !inet->inet_dport) {
			r.sendq = 0;
			r.recvq = 0;
		}
	}
	if (tcpalt_show_seq(seq->private, uid)) {
		r.una = READ_ONCE(ts->snd_una);
		r.nxt = READ_ONCE(ts->snd_nxt);
		r.rnxt = READ_ONCE(ts->rcv_nxt);
	}
	r.timer = tcpalt_next_timer(sk, &r.ms);
	r.wnd = READ_ONCE(ts->snd_wnd);
	r.rto = tcpalt_rto_backoff(&ts->rto, READ_ONCE(ts->backoff)) / 1000;
	r.retrans = READ_ONCE(ts->total_retrans);
	r.uid = from_kuid_munged(seq_user_ns(seq), uid);
	r.ino = sock_i_ino(sk);
	tcpalt_show_row(seq, &r);
}

static void tcpalt_show_tw(struct seq_file *seq, struct tcpalt_tw *tw)
{
	bool show = tcpalt_show_seq(seq->private, GLOBAL_ROOT_UID);
	struct tcpalt_conn_row r = {
		.laddr = tw->h.laddr, .lport = ntohs(tw->h.lport),
		.raddr = tw->h.raddr, .rport = ntohs(tw->h.rport),
		.state = TCP_TIME_WAIT, .timer = "timewait", .ms = tcpalt_tw_ms_left(tw),
		.una = show ? tw->snd_nxt : 0, .nxt = show ? tw->snd_nxt : 0,
		.rnxt = show ? tw->rcv_nxt : 0,
	};

	tcpalt_show_row(seq, &r);
}

static int tcpalt_conn_show(struct seq_file *seq, void *v)
{
	struct tcpalt_hnode *h = v;

	if (v == SEQ_START_TOKEN)
		seq_puts(seq, TCPALT_PROC_CONNECTIONS_HEADER "\n");
	else if (h->kind == TCPALT_KIND_TW)
		tcpalt_show_tw(seq, container_of(h, struct tcpalt_tw, h));
	else
		tcpalt_show_sock(seq, container_of(h, struct tcpalt_sock, h));
	return 0;
}

static const struct seq_operations tcpalt_conn_seq_ops = {
	.start	= tcpalt_conn_start,
	.next	= tcpalt_conn_next,
	.stop	= tcpalt_conn_stop,
	.show	= tcpalt_conn_show,
};

static int tcpalt_conn_open(struct inode *inode, struct file *file)
{
	struct tcpalt_conn_iter *it;
	struct tcpalt_net *tn;

	it = __seq_open_private(file, &tcpalt_conn_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->net = get_net(current->nsproxy->net_ns);
	it->fsuid = file->f_cred->fsuid;
	it->admin = file_ns_capable(file, it->net->user_ns, CAP_NET_ADMIN);
	it->cursor.kind = TCPALT_KIND_CURSOR;
	it->cursor.net = it->net;
	it->pos = 1;
	tn = tcpalt_pernet(it->net);
	spin_lock_bh(&tn->all_lock);
	list_add(&it->cursor.all, &tn->all);
	spin_unlock_bh(&tn->all_lock);
	return 0;
}

static int tcpalt_conn_release(struct inode *inode, struct file *file)
{
	struct seq_file *seq = file->private_data;
	struct tcpalt_conn_iter *it = seq->private;
	struct tcpalt_net *tn = tcpalt_pernet(it->net);

	spin_lock_bh(&tn->all_lock);
	list_del(&it->cursor.all);
	spin_unlock_bh(&tn->all_lock);
	put_net(it->net);
	return seq_release_private(inode, file);
}

static const struct proc_ops tcpalt_conn_proc_ops = {
	.proc_open	= tcpalt_conn_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= tcpalt_conn_release,
};

/**
 * tcpalt_proc_init() - create /proc/tcpalt and its files.
 *
 * Return: 0 or -ENOMEM.
 */
int tcpalt_proc_init(void)
{
	tcpalt_proc_dir = proc_mkdir("tcpalt", NULL);
	if (!tcpalt_proc_dir)
		return -ENOMEM;
	if (!proc_create("connections", 0444, tcpalt_proc_dir, &tcpalt_conn_proc_ops) ||
	    !proc_create_single("stats", 0444, tcpalt_proc_dir, tcpalt_stats_show) ||
	    !proc_create_single("transitions", 0444, tcpalt_proc_dir, tcpalt_transitions_show)) {
		proc_remove(tcpalt_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

/**
 * tcpalt_proc_exit() - remove /proc/tcpalt and everything under it.
 */
void tcpalt_proc_exit(void)
{
	proc_remove(tcpalt_proc_dir);
}
