// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto for tcpalt: socket memory (its own slab) and the list of every socket that
 * /proc/tcpalt/connections walks.
 */
#include <linux/module.h>
#include <net/sock.h>

#include "tcpalt.h"

LIST_HEAD(tcpalt_sockets);
DEFINE_SPINLOCK(tcpalt_sockets_lock);

/**
 * tcpalt_sock_link() - make @sk visible to /proc/tcpalt/connections.
 * @sk: a new tcpalt socket
 */
void tcpalt_sock_link(struct sock *sk)
{
	spin_lock_bh(&tcpalt_sockets_lock);
	list_add_tail(&tcpalt_sk(sk)->node, &tcpalt_sockets);
	spin_unlock_bh(&tcpalt_sockets_lock);
}

/**
 * tcpalt_sock_unlink() - hide @sk from /proc/tcpalt/connections before it is freed.
 * @sk: a tcpalt socket previously linked with tcpalt_sock_link()
 */
void tcpalt_sock_unlink(struct sock *sk)
{
	spin_lock_bh(&tcpalt_sockets_lock);
	list_del_init(&tcpalt_sk(sk)->node);
	spin_unlock_bh(&tcpalt_sockets_lock);
}

struct proto tcpalt_prot = {
	.name		= "TCPALT",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct tcpalt_sock),
};
