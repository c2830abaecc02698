// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tcpalt: the connections view and the counters (DESIGN D9).  The directory is global;
 * each reader sees the entries and counters of the network namespace it opened the file from.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpalt.h"

static struct proc_dir_entry *tcpalt_proc_dir;

static const char *const tcpalt_mib_names[TCPALT_MIB_ENTER_STATE] = {
	[TCPALT_MIB_ACTIVEOPENS]	= "ActiveOpens",
	[TCPALT_MIB_PASSIVEOPENS]	= "PassiveOpens",
	[TCPALT_MIB_ATTEMPTFAILS]	= "AttemptFails",
	[TCPALT_MIB_ESTABRESETS]	= "EstabResets",
	[TCPALT_MIB_INSEGS]		= "InSegs",
	[TCPALT_MIB_OUTSEGS]		= "OutSegs",
	[TCPALT_MIB_RETRANSSEGS]	= "RetransSegs",
	[TCPALT_MIB_INERRS]		= "InErrs",
	[TCPALT_MIB_OUTRSTS]		= "OutRsts",
	[TCPALT_MIB_INCSUMERRORS]	= "InCsumErrors",
	[TCPALT_MIB_MALFORMED]		= "Malformed",
	[TCPALT_MIB_CHALLENGEACKS]	= "ChallengeAcks",
	[TCPALT_MIB_OUTOFWINDOW]	= "OutOfWindow",
	[TCPALT_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[TCPALT_MIB_TIMEOUTS]		= "Timeouts",
	[TCPALT_MIB_ABORTONDATA]	= "AbortOnData",
	[TCPALT_MIB_ABORTONLINGER]	= "AbortOnLinger",
	[TCPALT_MIB_TWRECYCLED]		= "TimeWaitRecycled",
	[TCPALT_MIB_TWREACKS]		= "TimeWaitReAcks",
	[TCPALT_MIB_TWRSTIGNORED]	= "TimeWaitRstIgnored",
	[TCPALT_MIB_OFODUPS]		= "OfoDuplicates",
	[TCPALT_MIB_OFOPRUNED]		= "OfoPruned",
	[TCPALT_MIB_RCVQDROP]		= "RcvQDrop",
	[TCPALT_MIB_ACKRATELIMITED]	= "AckRateLimited",
	[TCPALT_MIB_POLICYDROPS]	= "PolicyDrops",
	[TCPALT_MIB_OUTDROPS]		= "OutDrops",
	[TCPALT_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[TCPALT_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[TCPALT_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[TCPALT_MIB_ABORTONMEMORY]	= "AbortOnMemory",
	[TCPALT_MIB_TWOVERFLOW]		= "TimeWaitOverflow",
	[TCPALT_MIB_BACKLOGDROP]	= "BacklogDrop",
	[TCPALT_MIB_RCVCOLLAPSED]	= "RcvCollapsed",
};

/**
 * tcpalt_mib_inc() - bump one counter of @net.
 * @net: namespace
 * @f: counter
 */
void tcpalt_mib_inc(const struct net *net, enum tcpalt_mib_field f)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);

	if (tn && tn->mib)
		this_cpu_inc(tn->mib->v[f]);
}

static u64 tcpalt_mib_read(struct tcpalt_net *tn, int f)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(tn->mib, cpu)->v[f];
	return sum;
}

static int tcpalt_stats_show(struct seq_file *seq, void *v)
{
	struct tcpalt_net *tn = tcpalt_pernet(current->nsproxy->net_ns);
	struct tcpalt_hnode *h;
	int f, estab = 0, tw = 0;

	BUILD_BUG_ON(ARRAY_SIZE(tcpalt_mib_names) != TCPALT_MIB_ENTER_STATE);
	spin_lock_bh(&tcpalt_all_lock);
	list_for_each_entry(h, &tcpalt_all, all) {
		if (!net_eq(h->net, current->nsproxy->net_ns))
			continue;
		if (h->kind == TCPALT_KIND_TW)
			tw++;
		else if ((1 << READ_ONCE(tcpalt_to_sk(container_of(h, struct tcpalt_sock,
								   h))->sk_state)) &
			 (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
			estab++;
	}
	spin_unlock_bh(&tcpalt_all_lock);
	seq_printf(seq, "CurrEstab %d\nTimeWaitEntries %d\n", estab, tw);
	for (f = 0; f < TCPALT_MIB_ENTER_STATE; f++)
		seq_printf(seq, "%s %llu\n", tcpalt_mib_names[f], tcpalt_mib_read(tn, f));
	for (f = 1; f < TCP_MAX_STATES; f++) {
		if (f == TCP_NEW_SYN_RECV)
			continue;
		seq_printf(seq, "Enter_%s %llu\n", tcpalt_state_name(f),
			   tcpalt_mib_read(tn, TCPALT_MIB_ENTER_STATE + f));
	}
	return 0;
}

struct tcpalt_conn_iter {
	struct net *net;	/* the reader's namespace, pinned while the file is open */
};

static void *tcpalt_conn_start(struct seq_file *seq, loff_t *pos)
	__acquires(&tcpalt_all_lock)
{
	spin_lock_bh(&tcpalt_all_lock);
	return seq_list_start_head(&tcpalt_all, *pos);
}

static void *tcpalt_conn_next(struct seq_file *seq, void *v, loff_t *pos)
{
	return seq_list_next(v, &tcpalt_all, pos);
}

static void tcpalt_conn_stop(struct seq_file *seq, void *v)
	__releases(&tcpalt_all_lock)
{
	spin_unlock_bh(&tcpalt_all_lock);
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

static void tcpalt_show_sock(struct seq_file *seq, struct tcpalt_sock *ts)
{
	struct sock *sk = tcpalt_to_sk(ts);
	struct inet_sock *inet = inet_sk(sk);
	int state = inet_sk_state_load(sk);
	u32 sendq, recvq;
	const char *timer;
	s64 ms;

	if (state == TCP_LISTEN) {
		recvq = READ_ONCE(ts->accept_qlen);
		sendq = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		sendq = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_una);
		recvq = max_t(s32, READ_ONCE(ts->rcv_nxt) - READ_ONCE(ts->copied_seq) -
				   !!(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN), 0);
		if (state == TCP_CLOSE && !inet->inet_dport) {
			sendq = 0;
			recvq = 0;
		}
	}
	timer = tcpalt_next_timer(sk, &ms);
	seq_printf(seq, "%pI4:%u %pI4:%u %s %u %u %s %lld %u %u %u %u %u %u %u %lu\n",
		   &inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   &inet->inet_daddr, ntohs(inet->inet_dport), tcpalt_state_name(state),
		   sendq, recvq, timer, ms, READ_ONCE(ts->snd_una), READ_ONCE(ts->snd_nxt),
		   READ_ONCE(ts->rcv_nxt), READ_ONCE(ts->snd_wnd),
		   tcpalt_rto_backoff(&ts->rto, READ_ONCE(ts->backoff)) / 1000,
		   READ_ONCE(ts->total_retrans),
		   from_kuid_munged(seq_user_ns(seq), sk->sk_uid), sock_i_ino(sk));
}

static void tcpalt_show_tw(struct seq_file *seq, struct tcpalt_tw *tw)
{
	seq_printf(seq, "%pI4:%u %pI4:%u TIME-WAIT 0 0 timewait %lld %u %u %u 0 0 0 0 0\n",
		   &tw->h.laddr, ntohs(tw->h.lport), &tw->h.raddr, ntohs(tw->h.rport),
		   tcpalt_tw_ms_left(tw), tw->snd_nxt, tw->snd_nxt, tw->rcv_nxt);
}

static int tcpalt_conn_show(struct seq_file *seq, void *v)
{
	struct tcpalt_conn_iter *it = seq->private;
	struct tcpalt_hnode *h;

	if (v == &tcpalt_all) {
		seq_puts(seq, TCPALT_PROC_CONNECTIONS_HEADER "\n");
		return 0;
	}
	h = list_entry(v, struct tcpalt_hnode, all);
	if (!net_eq(h->net, it->net))
		return 0;
	if (h->kind == TCPALT_KIND_TW)
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

	it = __seq_open_private(file, &tcpalt_conn_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->net = get_net(current->nsproxy->net_ns);
	return 0;
}

static int tcpalt_conn_release(struct inode *inode, struct file *file)
{
	struct seq_file *seq = file->private_data;
	struct tcpalt_conn_iter *it = seq->private;

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
	    !proc_create_single("stats", 0444, tcpalt_proc_dir, tcpalt_stats_show)) {
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
