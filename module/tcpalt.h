/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpalt internal header: the socket, the module-wide objects and the functions files share.
 *
 * Locking (numbered lock order; take a lower number before a higher one, never the reverse):
 *   1. lock_sock(sk) / the socket's owner bit (process context), or bh_lock_sock(sk) in softirq
 *   2. tcpalt_sockets_lock: the list of every tcpalt socket, read by /proc/tcpalt/connections
 * State changes happen only with the socket lock held (1), through tcpalt_set_state().
 */
#ifndef _TCPALT_H
#define _TCPALT_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <net/inet_sock.h>
#include <net/tcp_states.h>

#include <uapi/tcpalt.h>

/**
 * struct tcpalt_sock - one AF_TCPALT socket.
 * @inet: the IPv4 socket it is built on; must stay first so inet_sk() and tcpalt_sk() agree.
 * @node: link in the list of all sockets (protected by tcpalt_sockets_lock).
 */
struct tcpalt_sock {
	struct inet_sock inet;
	struct list_head node;
};

static inline struct tcpalt_sock *tcpalt_sk(const struct sock *sk)
{
	return (struct tcpalt_sock *)sk;
}

/* main.c */
extern int tcpalt_family;

/* sock.c */
extern struct proto tcpalt_prot;
void tcpalt_sock_link(struct sock *sk);
void tcpalt_sock_unlink(struct sock *sk);
extern struct list_head tcpalt_sockets;
extern spinlock_t tcpalt_sockets_lock;

/* af.c */
int tcpalt_af_init(void);
void tcpalt_af_exit(void);

/* state.c */
const char *tcpalt_state_name(int state);
bool tcpalt_state_transition_ok(int from, int to);
void tcpalt_set_state(struct sock *sk, int state);

/* proc.c */
int tcpalt_proc_init(void);
void tcpalt_proc_exit(void);

#endif /* _TCPALT_H */
