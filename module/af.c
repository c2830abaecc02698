// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_TCPALT protocol family: socket() and the proto_ops behind every tcpalt socket.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include "tcpalt.h"

static void tcpalt_sk_destruct(struct sock *sk)
{
	tcpalt_sock_unlink(sk);
}

static int tcpalt_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	lock_sock(sk);
	tcpalt_set_state(sk, TCP_CLOSE);
	sock_orphan(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static struct proto_ops tcpalt_stream_ops = {
	.family		= AF_TCPALT,
	.owner		= THIS_MODULE,
	.release	= tcpalt_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= sock_no_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
	.mmap		= sock_no_mmap,
	.sendpage	= sock_no_sendpage,
};

static int tcpalt_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct sock *sk;

	/* As inet_create(): an unknown type is ESOCKTNOSUPPORT, a wrong protocol EPROTONOSUPPORT. */
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
	sk->sk_protocol = IPPROTO_TCP;
	sk->sk_destruct = tcpalt_sk_destruct;
	sk->sk_state = TCP_CLOSE;
	INIT_LIST_HEAD(&tcpalt_sk(sk)->node);
	tcpalt_sock_link(sk);
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
