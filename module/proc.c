// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tcpalt: the connections view (DESIGN D9).  The directory is global; each reader sees the
 * sockets of the network namespace it opened the file from.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpalt.h"

static struct proc_dir_entry *tcpalt_proc_dir;

struct tcpalt_conn_iter {
	struct net *net;	/* the reader's namespace, pinned while the file is open */
};

static void *tcpalt_conn_start(struct seq_file *seq, loff_t *pos)
	__acquires(&tcpalt_sockets_lock)
{
	spin_lock_bh(&tcpalt_sockets_lock);
	return seq_list_start_head(&tcpalt_sockets, *pos);
}

static void *tcpalt_conn_next(struct seq_file *seq, void *v, loff_t *pos)
{
	return seq_list_next(v, &tcpalt_sockets, pos);
}

static void tcpalt_conn_stop(struct seq_file *seq, void *v)
	__releases(&tcpalt_sockets_lock)
{
	spin_unlock_bh(&tcpalt_sockets_lock);
}

static int tcpalt_conn_show(struct seq_file *seq, void *v)
{
	struct tcpalt_conn_iter *it = seq->private;
	struct tcpalt_sock *ts;
	struct inet_sock *inet;
	struct sock *sk;

	if (v == &tcpalt_sockets) {
		seq_puts(seq, TCPALT_PROC_CONNECTIONS_HEADER "\n");
		return 0;
	}
	ts = list_entry(v, struct tcpalt_sock, node);
	sk = (struct sock *)ts;
	if (!net_eq(sock_net(sk), it->net))
		return 0;
	inet = inet_sk(sk);
	seq_printf(seq, "%pI4:%u %pI4:%u %s 0 0 - 0 0 0 0 0 0 0 %u %lu\n",
		   &inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   &inet->inet_daddr, ntohs(inet->inet_dport),
		   tcpalt_state_name(sk->sk_state),
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)), sock_i_ino(sk));
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
	if (!proc_create("connections", 0444, tcpalt_proc_dir, &tcpalt_conn_proc_ops)) {
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
