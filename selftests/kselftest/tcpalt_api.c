// SPDX-License-Identifier: GPL-2.0
/*
 * Socket API semantics of AF_TCPALT stream sockets, checked against the kernel's own TCP: every
 * test of the "api" fixture runs once on AF_INET (the reference: it must pass there) and once on
 * AF_TCPALT, asserting the same errno, poll bits and option values.  Each test runs in a network
 * namespace of its own with only lo up.  The "cross" tests pair tcpalt with the kernel TCP.
 */
#include <linux/sock_diag.h>
#include <signal.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT	5000

FIXTURE(api) {
	int fam;
};

FIXTURE_VARIANT(api) {
	int tcpalt;
};

FIXTURE_VARIANT_ADD(api, inet) {
	.tcpalt = 0,
};

FIXTURE_VARIANT_ADD(api, tcpalt) {
	.tcpalt = 1,
};

FIXTURE_SETUP(api)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	self->fam = variant->tcpalt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(api)
{
}

static int new_sock(int fam)
{
	return socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int bind_to(int fd, const char *ip, unsigned short port)
{
	struct sockaddr_in a = sl_addr(ip, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
}

/* recv() with MSG_DONTWAIT: the byte count or -errno. */
static int recv_now(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = recv(fd, buf, len, flags | MSG_DONTWAIT);

	return n < 0 ? -errno : (int)n;
}

/* Wait until fd has at least len bytes readable (FIONREAD), up to SL_STEP_MS. */
static int wait_readable(int fd, int len)
{
	long long end = sl_now_ms() + SL_STEP_MS;
	int avail = 0;

	while (sl_now_ms() < end) {
		if (ioctl(fd, FIONREAD, &avail))
			return -errno;
		if (avail >= len)
			return avail;
		sl_sleep_ms(5);
	}
	return avail;
}

/* RFC 9293 3.10.1 / bind(2): a second socket binding a bound address:port gets EADDRINUSE. */
TEST_F(api, bind_eaddrinuse)
{
	int a = new_sock(self->fam), b = new_sock(self->fam);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, bind_to(a, "127.0.0.1", PORT));
	EXPECT_EQ(-EADDRINUSE, bind_to(b, "127.0.0.1", PORT));
	EXPECT_EQ(-EADDRINUSE, bind_to(b, "0.0.0.0", PORT));
	ASSERT_EQ(0, listen(a, 1));
	EXPECT_EQ(-EADDRINUSE, bind_to(b, "127.0.0.1", PORT));
	/* Another port is fine. */
	EXPECT_EQ(0, bind_to(b, "127.0.0.1", PORT + 1));
	close(a);
	close(b);
}

/* bind(2): binding an already bound socket again is EINVAL, even to the same address. */
TEST_F(api, bind_twice_einval)
{
	int a = new_sock(self->fam);

	ASSERT_LE(0, a);
	ASSERT_EQ(0, bind_to(a, "127.0.0.1", PORT));
	EXPECT_EQ(-EINVAL, bind_to(a, "127.0.0.1", PORT));
	EXPECT_EQ(-EINVAL, bind_to(a, "127.0.0.1", PORT + 1));
	close(a);
}

/* A socket that connect() autobound can no longer be bound: EINVAL. */
TEST_F(api, bind_after_connect_einval)
{
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(-EINVAL, bind_to(p.c, "127.0.0.1", PORT + 1));
	sl_pair_close(&p);
}

/* bind(2): an address no interface has is EADDRNOTAVAIL (ip_nonlocal_bind is 0). */
TEST_F(api, bind_nonlocal_eaddrnotavail)
{
	int a = new_sock(self->fam);

	ASSERT_LE(0, a);
	EXPECT_EQ(-EADDRNOTAVAIL, bind_to(a, "192.0.2.1", PORT));
	/* The socket is still unbound and usable. */
	EXPECT_EQ(0, bind_to(a, "127.0.0.1", PORT));
	close(a);
}

/*
 * inet_bind(): addrlen < sizeof(sockaddr_in) is EINVAL; a family other than AF_INET is
 * EAFNOSUPPORT, except AF_UNSPEC with INADDR_ANY, which Linux accepts as AF_INET.
 */
TEST_F(api, bind_bad_family_and_len)
{
	struct sockaddr_in a = sl_loopback(PORT);
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, 0));
	EXPECT_EQ(EINVAL, errno);
	a.sin_family = AF_UNIX;
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	a.sin_family = AF_INET6;
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* AF_UNSPEC with a specific address: EAFNOSUPPORT. */
	a.sin_family = AF_UNSPEC;
	errno = 0;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* AF_UNSPEC with INADDR_ANY: accepted. */
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(PORT, sl_local_port(fd));
	close(fd);
}

/* interfaces.md: bind/connect take sin_family AF_INET or the socket's own family. */
TEST_F(api, bind_own_family)
{
	struct sockaddr_in a = sl_loopback(PORT), got;
	socklen_t len = sizeof(got);
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	a.sin_family = self->fam;
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(AF_INET, got.sin_family);
	EXPECT_EQ(PORT, ntohs(got.sin_port));
	close(fd);
}

/*
 * SO_REUSEADDR: a server restarted while its old connection sits in TIME-WAIT on the listening
 * port (server closed first, RFC 9293 3.6.1) can bind that port again only with SO_REUSEADDR.
 */
TEST_F(api, reuseaddr_rebind_after_server_close)
{
	struct sockaddr_in peer;
	struct sl_pair p;
	struct sl_row row;
	char c;
	int fd;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(1, sl_getint(p.l, SOL_SOCKET, SO_REUSEADDR));
	close(p.l);
	p.l = -1;
	peer = p.caddr;
	close(p.s);
	p.s = -1;
	ASSERT_EQ(0, recv(p.c, &c, 1, 0));
	close(p.c);
	p.c = -1;
	ASSERT_EQ(0, sl_wait_state(variant->tcpalt, &p.saddr, &peer, "TIME-WAIT", SL_STEP_MS, &row))
		TH_LOG("server side is %s", row.state);

	fd = new_sock(self->fam);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EADDRINUSE, bind_to(fd, "127.0.0.1", PORT));
	ASSERT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(1, sl_getint(fd, SOL_SOCKET, SO_REUSEADDR));
	EXPECT_EQ(0, bind_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(0, listen(fd, 1));
	close(fd);
}

/* SO_REUSEADDR on both: two unconnected sockets may bind one port; only one may listen. */
TEST_F(api, reuseaddr_two_binds_one_listener)
{
	int a = new_sock(self->fam), b = new_sock(self->fam), c = new_sock(self->fam);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_setint(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, sl_setint(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, sl_setint(c, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(0, bind_to(a, "127.0.0.1", PORT));
	EXPECT_EQ(0, bind_to(b, "127.0.0.1", PORT));
	EXPECT_EQ(0, listen(a, 1));
	errno = 0;
	EXPECT_EQ(-1, listen(b, 1));
	EXPECT_EQ(EADDRINUSE, errno);
	/* With a listener on the port, a further bind fails even with SO_REUSEADDR. */
	EXPECT_EQ(-EADDRINUSE, bind_to(c, "127.0.0.1", PORT));
	close(a);
	close(b);
	close(c);
}

/* listen(2) on an unbound socket binds it to INADDR_ANY and an ephemeral port. */
TEST_F(api, listen_autobind)
{
	struct sockaddr_in a, to;
	socklen_t len = sizeof(a);
	int l = new_sock(self->fam), c, s;

	ASSERT_LE(0, l);
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
	EXPECT_NE(0, ntohs(a.sin_port));
	EXPECT_EQ(1, sl_getint(l, SOL_SOCKET, SO_ACCEPTCONN));
	/* listen() again just changes the backlog. */
	EXPECT_EQ(0, listen(l, 8));
	EXPECT_EQ(ntohs(a.sin_port), sl_local_port(l));

	to = sl_loopback(ntohs(a.sin_port));
	c = new_sock(self->fam);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_connect(c, &to, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	ASSERT_LE(0, s);
	close(s);
	close(c);
	close(l);
}

/* listen() on a connected socket is EINVAL. */
TEST_F(api, listen_connected_einval)
{
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	errno = 0;
	EXPECT_EQ(-1, listen(p.c, 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, listen(p.s, 1));
	EXPECT_EQ(EINVAL, errno);
	sl_pair_close(&p);
}

/* RFC 9293 3.10.7.3: a SYN to a port nobody listens on is answered by RST: ECONNREFUSED. */
TEST_F(api, connect_refused)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int fd = new_sock(self->fam), rev;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sl_set_timeouts(fd, SL_STEP_MS));
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_ERROR));
	close(fd);

	/* Nonblocking: EINPROGRESS, then POLLOUT|POLLERR|POLLHUP and SO_ERROR ECONNREFUSED once. */
	fd = new_sock(self->fam);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sl_set_nonblock(fd, 1));
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINPROGRESS, errno);
	rev = sl_poll_for(fd, POLLOUT, POLLERR, SL_STEP_MS);
	EXPECT_EQ(POLLOUT | POLLERR | POLLHUP, rev);
	EXPECT_EQ(ECONNREFUSED, sl_getint(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_ERROR));
	close(fd);
}

/*
 * tcp_v4_connect(): addrlen < 16 EINVAL, a family other than AF_INET EAFNOSUPPORT, no route
 * ENETUNREACH (only lo is up); 0.0.0.0 means this host (ip_route_connect) and reaches the
 * listener on 127.0.0.1.
 */
TEST_F(api, connect_bad_addr)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int fd = new_sock(self->fam), l, s;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sl_set_timeouts(fd, SL_STEP_MS));
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to) - 1));
	EXPECT_EQ(EINVAL, errno);
	to.sin_family = AF_UNIX;
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	to = sl_addr("10.1.2.3", PORT);
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(ENETUNREACH, errno);

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	to = sl_addr("0.0.0.0", PORT);
	EXPECT_EQ(0, sl_connect(fd, &to, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	EXPECT_LE(0, s);
	if (s >= 0)
		close(s);
	close(l);
	close(fd);
}

/* connect(2) on a connected socket: EISCONN. */
TEST_F(api, connect_eisconn)
{
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	errno = 0;
	EXPECT_EQ(-1, connect(p.c, (struct sockaddr *)&p.saddr, sizeof(p.saddr)));
	EXPECT_EQ(EISCONN, errno);
	/* Also on the accepted side. */
	errno = 0;
	EXPECT_EQ(-1, connect(p.s, (struct sockaddr *)&p.caddr, sizeof(p.caddr)));
	EXPECT_EQ(EISCONN, errno);
	sl_pair_close(&p);
}

/* Nonblocking connect: EINPROGRESS, POLLOUT when established, SO_ERROR 0, then EISCONN. */
TEST_F(api, connect_nonblock_einprogress)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int l, fd, rev;

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	fd = socket(self->fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINPROGRESS, errno);
	rev = sl_poll_for(fd, POLLOUT, POLLOUT, SL_STEP_MS);
	EXPECT_EQ(POLLOUT, rev);
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_ERROR));
	/*
	 * The first connect() after completion reports success (inet_stream_connect() sees
	 * SS_CONNECTING with the handshake done), every later one EISCONN.
	 */
	EXPECT_EQ(0, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	errno = 0;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EISCONN, errno);
	close(fd);
	close(l);
}

/*
 * EALREADY: a second connect() while the first is still in SYN-SENT.  listen(0) admits one
 * connection to the accept queue; further SYNs are dropped while it is full, so the second
 * client stays in SYN-SENT until accept() drains the queue and its SYN is retransmitted.
 */
TEST_F(api, connect_ealready)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int l, c1, c2, s, rev;

	l = sl_listener(self->fam, PORT, 0);
	ASSERT_LE(0, l);
	c1 = new_sock(self->fam);
	ASSERT_LE(0, c1);
	ASSERT_EQ(0, sl_connect(c1, &to, SL_STEP_MS));
	ASSERT_EQ(POLLIN, sl_poll_for(l, POLLIN, POLLIN, SL_STEP_MS));

	c2 = socket(self->fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, c2);
	errno = 0;
	EXPECT_EQ(-1, connect(c2, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(0, sl_poll(c2, POLLIN | POLLOUT, 100));
	errno = 0;
	EXPECT_EQ(-1, connect(c2, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EALREADY, errno);
	/* TCP_INFO says SYN-SENT. */
	{
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		ASSERT_EQ(0, getsockopt(c2, SOL_TCP, TCP_INFO, &ti, &len));
		EXPECT_EQ(TCP_SYN_SENT, ti.tcpi_state);
	}
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	/* The SYN retransmission (initial RTO 1 s) now gets through. */
	rev = sl_poll_for(c2, POLLOUT, POLLOUT, 5000);
	EXPECT_EQ(POLLOUT, rev);
	EXPECT_EQ(0, sl_getint(c2, SOL_SOCKET, SO_ERROR));
	close(s);
	close(c2);
	close(c1);
	close(l);
}

/*
 * Unconnected socket: recv, getpeername and shutdown are ENOTCONN.  send is EPIPE, not
 * ENOTCONN (tcp_sendmsg -> sk_stream_wait_connect), and raises SIGPIPE without MSG_NOSIGNAL.
 */
TEST_F(api, unconnected_enotconn)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = new_sock(self->fam);
	char c = 'x';

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, recv(fd, &c, 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, recv(fd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, send(fd, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	errno = 0;
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, shutdown(fd, SHUT_RDWR));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, shutdown(fd, 7));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* A listener: recv ENOTCONN, getpeername ENOTCONN, send EPIPE. */
TEST_F(api, listener_enotconn)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int l = sl_listener(self->fam, PORT, 4);
	char c = 'x';

	ASSERT_LE(0, l);
	errno = 0;
	EXPECT_EQ(-1, recv(l, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, getpeername(l, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
	errno = 0;
	EXPECT_EQ(-1, send(l, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(l);
}

/* shutdown(SHUT_RD) on a listener stops it listening (tcp_disconnect): new SYNs are refused. */
TEST_F(api, listener_shutdown_stops_listening)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int l = sl_listener(self->fam, PORT, 4), c;

	ASSERT_LE(0, l);
	EXPECT_EQ(0, shutdown(l, SHUT_RDWR));
	EXPECT_EQ(0, sl_getint(l, SOL_SOCKET, SO_ACCEPTCONN));
	errno = 0;
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	c = new_sock(self->fam);
	ASSERT_LE(0, c);
	EXPECT_EQ(-ECONNREFUSED, sl_connect(c, &to, SL_STEP_MS));
	close(c);
	close(l);
}

/* accept(2) on a socket that is not listening: EINVAL (bound or not, connected or not). */
TEST_F(api, accept_not_listening_einval)
{
	struct sl_pair p;
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, bind_to(fd, "127.0.0.1", PORT + 1));
	errno = 0;
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	errno = 0;
	EXPECT_EQ(-1, accept(p.c, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	sl_pair_close(&p);
}

/* accept(2) with nothing pending: EAGAIN on a nonblocking listener, and after SO_RCVTIMEO. */
TEST_F(api, accept_eagain)
{
	struct timeval tv = { .tv_usec = 200000 };
	int l = sl_listener(self->fam, PORT, 4);
	long long t0, dt;

	ASSERT_LE(0, l);
	ASSERT_EQ(0, sl_set_nonblock(l, 1));
	errno = 0;
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, sl_set_nonblock(l, 0));
	/* SOCK_NONBLOCK is for the new socket; the listener still blocks until SO_RCVTIMEO. */
	ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = sl_now_ms();
	errno = 0;
	EXPECT_EQ(-1, accept4(l, NULL, NULL, SOCK_NONBLOCK));
	EXPECT_EQ(EAGAIN, errno);
	dt = sl_now_ms() - t0;
	EXPECT_LE(150, dt);
	EXPECT_GT(2000, dt);
	close(l);
}

/* accept4(2): SOCK_NONBLOCK and SOCK_CLOEXEC land on the new fd; plain accept sets neither. */
TEST_F(api, accept4_flags)
{
	struct sockaddr_in to = sl_loopback(PORT), peer;
	socklen_t len = sizeof(peer);
	int l = sl_listener(self->fam, PORT, 4), c1, c2, s1, s2;
	char c;

	ASSERT_LE(0, l);
	c1 = new_sock(self->fam);
	c2 = new_sock(self->fam);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, sl_connect(c1, &to, SL_STEP_MS));
	ASSERT_EQ(0, sl_connect(c2, &to, SL_STEP_MS));
	ASSERT_EQ(0, sl_set_nonblock(l, 1));	/* not inherited by accept() */

	ASSERT_EQ(POLLIN, sl_poll_for(l, POLLIN, POLLIN, SL_STEP_MS));
	s1 = accept4(l, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, s1);
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(AF_INET, peer.sin_family);
	EXPECT_EQ(sl_local_port(c1), ntohs(peer.sin_port));
	EXPECT_TRUE(fcntl(s1, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(s1, F_GETFD) & FD_CLOEXEC);
	errno = 0;
	EXPECT_EQ(-1, recv(s1, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(POLLIN, sl_poll_for(l, POLLIN, POLLIN, SL_STEP_MS));
	s2 = accept(l, NULL, NULL);
	ASSERT_LE(0, s2);
	EXPECT_FALSE(fcntl(s2, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(s2, F_GETFD) & FD_CLOEXEC);

	errno = 0;
	EXPECT_EQ(-1, accept4(l, NULL, NULL, 0x40000000));
	EXPECT_EQ(EINVAL, errno);
	close(s1);
	close(s2);
	close(c1);
	close(c2);
	close(l);
}

/* getsockname/getpeername: AF_INET, len 16, autobound client port nonzero, ends agree. */
TEST_F(api, names)
{
	struct sockaddr_in a, b;
	socklen_t len = sizeof(a);
	struct sl_pair p;
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	memset(&a, 0xff, sizeof(a));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(0, a.sin_port);
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
	close(fd);

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	len = sizeof(a);
	ASSERT_EQ(0, getsockname(p.c, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_NE(0, a.sin_port);
	len = sizeof(b);
	ASSERT_EQ(0, getpeername(p.s, (struct sockaddr *)&b, &len));
	EXPECT_EQ(sizeof(b), len);
	EXPECT_EQ(AF_INET, b.sin_family);
	EXPECT_EQ(a.sin_addr.s_addr, b.sin_addr.s_addr);
	EXPECT_EQ(a.sin_port, b.sin_port);

	len = sizeof(a);
	ASSERT_EQ(0, getpeername(p.c, (struct sockaddr *)&a, &len));
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT), a.sin_port);
	len = sizeof(b);
	ASSERT_EQ(0, getsockname(p.s, (struct sockaddr *)&b, &len));
	EXPECT_EQ(AF_INET, b.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), b.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT), b.sin_port);

	/* A short buffer is filled partially and len says the full size. */
	len = 4;
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(0, getsockname(p.s, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(htons(PORT), a.sin_port);
	EXPECT_EQ(0, a.sin_addr.s_addr);
	sl_pair_close(&p);
}

/* SO_TYPE, SO_PROTOCOL, SO_ACCEPTCONN as for a TCP socket. */
TEST_F(api, socket_identity_options)
{
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(SOCK_STREAM, sl_getint(p.c, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(IPPROTO_TCP, sl_getint(p.c, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(IPPROTO_TCP, sl_getint(p.s, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(0, sl_getint(p.c, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(0, sl_getint(p.s, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(1, sl_getint(p.l, SOL_SOCKET, SO_ACCEPTCONN));
	sl_pair_close(&p);
}

#define PIN	(POLLIN | POLLRDNORM)
#define POUT	(POLLOUT | POLLWRNORM)
#define PALL	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLRDHUP | POLLPRI)

/* tcp_poll(): a new socket (CLOSE) is POLLOUT|POLLHUP; a listener is POLLIN only when a
 * connection is waiting to be accepted. */
TEST_F(api, poll_unconnected_and_listener)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int fd = new_sock(self->fam), l, c, s;

	ASSERT_LE(0, fd);
	EXPECT_EQ(POUT | POLLHUP, sl_poll(fd, PALL, 0));
	close(fd);

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	EXPECT_EQ(0, sl_poll(l, PALL, 0));
	c = new_sock(self->fam);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_connect(c, &to, SL_STEP_MS));
	EXPECT_EQ(PIN, sl_poll_for(l, PALL, POLLIN, SL_STEP_MS));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, sl_poll(l, PALL, 0));
	close(s);
	close(c);
	close(l);
}

/*
 * tcp_poll() through a connection's life: idle POLLOUT; data POLLIN too; peer's FIN (RFC 9293
 * 3.10.7.4, CLOSE-WAIT) adds POLLRDHUP; both directions shut adds POLLHUP.
 */
TEST_F(api, poll_connected_states)
{
	struct sl_pair p;
	char buf[8];

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(POUT, sl_poll(p.c, PALL, 0));
	EXPECT_EQ(POUT, sl_poll(p.s, PALL, 0));

	ASSERT_EQ(3, send(p.s, "abc", 3, 0));
	EXPECT_EQ(PIN | POUT, sl_poll_for(p.c, PALL, POLLIN, SL_STEP_MS));
	EXPECT_EQ(3, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(POUT, sl_poll(p.c, PALL, 0));

	ASSERT_EQ(0, shutdown(p.s, SHUT_WR));
	EXPECT_EQ(PIN | POUT | POLLRDHUP, sl_poll_for(p.c, PALL, POLLRDHUP, SL_STEP_MS));
	EXPECT_EQ(POUT, sl_poll(p.s, PALL, 0));
	EXPECT_EQ(0, recv(p.c, buf, sizeof(buf), 0));

	ASSERT_EQ(0, shutdown(p.c, SHUT_WR));
	EXPECT_EQ(PIN | POUT | POLLRDHUP | POLLHUP, sl_poll(p.c, PALL, 0));
	EXPECT_EQ(PIN | POUT | POLLRDHUP | POLLHUP,
		  sl_poll_for(p.s, PALL, POLLRDHUP, SL_STEP_MS));
	sl_pair_close(&p);
}

/* RFC 9293 3.10.7.4: a RST in ESTABLISHED: POLLERR (and everything else), SO_ERROR ECONNRESET. */
TEST_F(api, poll_after_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sl_pair p;
	char c;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ASSERT_EQ(0, setsockopt(p.s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(p.s);
	p.s = -1;
	EXPECT_EQ(PIN | POUT | POLLRDHUP | POLLHUP | POLLERR,
		  sl_poll_for(p.c, PALL, POLLERR, SL_STEP_MS));
	EXPECT_EQ(ECONNRESET, sl_getint(p.c, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, sl_getint(p.c, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(PIN | POUT | POLLRDHUP | POLLHUP, sl_poll(p.c, PALL, 0));
	EXPECT_EQ(0, recv(p.c, &c, 1, 0));
	sl_pair_close(&p);
}

/* epoll: level-triggered EPOLLIN for data, EPOLLRDHUP for the peer's FIN, edge-triggered once. */
TEST_F(api, epoll)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP }, out[4];
	struct sl_pair p;
	char buf[8];
	int ep;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = p.c;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, p.c, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	ASSERT_EQ(2, send(p.s, "hi", 2, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, SL_STEP_MS));
	EXPECT_EQ(p.c, out[0].data.fd);
	EXPECT_EQ(EPOLLIN, out[0].events);
	/* Level-triggered: still reported until read. */
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 0));
	EXPECT_EQ(2, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));

	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_MOD, p.c, &ev));
	ASSERT_EQ(0, shutdown(p.s, SHUT_WR));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, SL_STEP_MS));
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP, out[0].events);
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	close(ep);
	sl_pair_close(&p);
}

/* MSG_PEEK leaves data queued; MSG_DONTWAIT on an empty queue is EAGAIN. */
TEST_F(api, msg_peek_dontwait)
{
	struct sl_pair p;
	char buf[32];

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(-EAGAIN, recv_now(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(-EAGAIN, recv_now(p.c, buf, sizeof(buf), MSG_PEEK));
	ASSERT_EQ(11, send(p.s, "hello world", 11, 0));
	ASSERT_EQ(11, wait_readable(p.c, 11));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, recv(p.c, buf, 5, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(11, recv(p.c, buf, sizeof(buf), MSG_PEEK));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(11, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hello world", 11));
	EXPECT_EQ(-EAGAIN, recv_now(p.c, buf, sizeof(buf), 0));
	/* MSG_TRUNC on TCP discards instead of copying. */
	ASSERT_EQ(4, send(p.s, "abcd", 4, 0));
	ASSERT_EQ(4, wait_readable(p.c, 4));
	EXPECT_EQ(2, recv(p.c, NULL, 2, MSG_TRUNC));
	EXPECT_EQ(2, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "cd", 2));
	sl_pair_close(&p);
}

struct dribble {
	int fd, chunks, size, gap_ms;
};

static void *dribble_run(void *arg)
{
	struct dribble *d = arg;
	char buf[4096];
	int i;

	memset(buf, 'w', sizeof(buf));
	for (i = 0; i < d->chunks; i++) {
		sl_sleep_ms(d->gap_ms);
		if (send(d->fd, buf, d->size, MSG_NOSIGNAL) != d->size)
			break;
	}
	return NULL;
}

/* MSG_WAITALL: one recv() collects data that arrives in several segments over time. */
TEST_F(api, msg_waitall)
{
	struct dribble d = { .chunks = 4, .size = 1000, .gap_ms = 50 };
	struct sl_pair p;
	char buf[8192];
	pthread_t th;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	d.fd = p.s;
	ASSERT_EQ(0, pthread_create(&th, NULL, dribble_run, &d));
	EXPECT_EQ(4000, recv(p.c, buf, 4000, MSG_WAITALL));
	pthread_join(th, NULL);
	/* Without MSG_WAITALL a recv() returns what is there. */
	d.chunks = 2;
	ASSERT_EQ(0, pthread_create(&th, NULL, dribble_run, &d));
	EXPECT_EQ(1000, recv(p.c, buf, 2000, 0));
	pthread_join(th, NULL);
	EXPECT_EQ(1000, recv(p.c, buf, 2000, 0));
	/* MSG_WAITALL stops early at EOF. */
	ASSERT_EQ(10, send(p.s, buf, 10, 0));
	ASSERT_EQ(0, shutdown(p.s, SHUT_WR));
	EXPECT_EQ(10, recv(p.c, buf, 100, MSG_WAITALL));
	sl_pair_close(&p);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/*
 * Writing to a connection the peer has closed: the first send gets the peer's RST back
 * (RFC 9293 3.10.7.4); tcp_reset() in CLOSE-WAIT sets EPIPE, so the next send is EPIPE, with
 * SIGPIPE unless MSG_NOSIGNAL.
 */
static void peer_gone(struct __test_metadata *_metadata, int fam, int nosignal)
{
	struct sl_pair p;
	char c = 'x';

	sigpipes = 0;
	ASSERT_NE(SIG_ERR, signal(SIGPIPE, on_sigpipe));
	ASSERT_EQ(0, sl_make_pair(fam, fam, PORT, &p));
	close(p.s);
	p.s = -1;
	ASSERT_EQ(0, recv(p.c, &c, 1, 0));
	EXPECT_EQ(1, send(p.c, &c, 1, nosignal ? MSG_NOSIGNAL : 0));
	EXPECT_EQ(POLLERR, sl_poll_for(p.c, POLLOUT, POLLERR, SL_STEP_MS) & POLLERR);
	errno = 0;
	EXPECT_EQ(-1, send(p.c, &c, 1, nosignal ? MSG_NOSIGNAL : 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(nosignal ? 0 : 1, sigpipes);
	/* And again: still EPIPE. */
	errno = 0;
	EXPECT_EQ(-1, send(p.c, &c, 1, nosignal ? MSG_NOSIGNAL : 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(nosignal ? 0 : 2, sigpipes);
	sl_pair_close(&p);
}

TEST_F(api, msg_nosignal_epipe)
{
	peer_gone(_metadata, self->fam, 1);
}

TEST_F(api, sigpipe_delivered)
{
	peer_gone(_metadata, self->fam, 0);
}

/*
 * send() from memory that faults fails with EFAULT and leaves nothing behind: the segment
 * allocated for the copy leaves the write queue again (tcp_remove_empty_skb()), so the
 * socket holds no send memory (SK_MEMINFO_WMEM_QUEUED 0), and the stream goes on intact.
 */
TEST_F(api, send_efault_leaves_no_segment)
{
	__u32 mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);
	char buf[8] = "intact", got[8] = "";
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	errno = 0;
	EXPECT_EQ(-1, send(p.c, NULL, 1000, 0));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, getsockopt(p.c, SOL_SOCKET, SO_MEMINFO, mi, &len));
	EXPECT_EQ(0, mi[SK_MEMINFO_WMEM_QUEUED]);
	ASSERT_EQ(7, send(p.c, buf, 7, 0));
	ASSERT_EQ(7, recv(p.s, got, 7, MSG_WAITALL));
	EXPECT_STREQ(buf, got);
	sl_pair_close(&p);
}

/* SO_RCVTIMEO: a blocking recv with nothing to read fails with EAGAIN after the timeout. */
TEST_F(api, so_rcvtimeo)
{
	struct timeval tv = { .tv_usec = 200000 }, got;
	socklen_t len = sizeof(got);
	struct sl_pair p;
	long long t0, dt;
	char c;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ASSERT_EQ(0, setsockopt(p.c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, getsockopt(p.c, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
	EXPECT_EQ(0, got.tv_sec);
	EXPECT_EQ(200000, got.tv_usec);
	t0 = sl_now_ms();
	errno = 0;
	EXPECT_EQ(-1, recv(p.c, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	dt = sl_now_ms() - t0;
	/*
	 * The socket core counts the timeout in jiffies; a TCG guest's late ticks arrive in
	 * bursts, so the wait may end up to a few jiffies (4 ms at HZ=250) early on the clock.
	 */
	EXPECT_LE(180, dt);
	EXPECT_GT(1500, dt);
	sl_pair_close(&p);
}

/* SO_ERROR is 0 on a healthy connection; SO_ERROR cannot be set. */
TEST_F(api, so_error)
{
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(0, sl_getint(p.c, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, sl_getint(p.s, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(-ENOPROTOOPT, sl_setint(p.c, SOL_SOCKET, SO_ERROR, 1));
	sl_pair_close(&p);
}

/* SO_RCVBUF/SO_SNDBUF: set n reads back 2n (socket(7)), with the same floor as kernel TCP. */
TEST_F(api, so_bufs)
{
	int fd = new_sock(self->fam), ref = new_sock(AF_INET);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ref);
	EXPECT_LT(0, sl_getint(fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_LT(0, sl_getint(fd, SOL_SOCKET, SO_SNDBUF));
	ASSERT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_RCVBUF, 65536));
	EXPECT_EQ(131072, sl_getint(fd, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_SNDBUF, 32768));
	EXPECT_EQ(65536, sl_getint(fd, SOL_SOCKET, SO_SNDBUF));
	/* The floor for tiny values is kernel TCP's. */
	ASSERT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_RCVBUF, 1));
	ASSERT_EQ(0, sl_setint(ref, SOL_SOCKET, SO_RCVBUF, 1));
	EXPECT_EQ(sl_getint(ref, SOL_SOCKET, SO_RCVBUF), sl_getint(fd, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_SNDBUF, 1));
	ASSERT_EQ(0, sl_setint(ref, SOL_SOCKET, SO_SNDBUF, 1));
	EXPECT_EQ(sl_getint(ref, SOL_SOCKET, SO_SNDBUF), sl_getint(fd, SOL_SOCKET, SO_SNDBUF));
	close(ref);
	close(fd);
}

/* The defaults a new socket reports match a new kernel TCP socket's (tcp_rmem/tcp_wmem[1]). */
TEST_F(api, so_bufs_defaults_match_tcp)
{
	int fd = new_sock(self->fam), ref = new_sock(AF_INET);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ref);
	EXPECT_EQ(sl_getint(ref, SOL_SOCKET, SO_RCVBUF), sl_getint(fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(sl_getint(ref, SOL_SOCKET, SO_SNDBUF), sl_getint(fd, SOL_SOCKET, SO_SNDBUF));
	close(ref);
	close(fd);
}

/*
 * Connect to 127.0.0.1:port with a port from the ephemeral range; the fd, or -errno (the
 * socket closed).
 */
static int connect_to(int fam, unsigned short port)
{
	struct sockaddr_in to = sl_loopback(port);
	int fd = new_sock(fam), err;

	if (fd < 0)
		return -errno;
	err = sl_connect(fd, &to, SL_STEP_MS);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Connections from the 4 ports of the range 40000-40003 to a listener l on PORT, accepted
 * (c[i] the clients, s[i] the accepted ends); 0, or -errno with everything made closed.
 */
static int four_ports_taken(int fam, int l, int c[4], int s[4])
{
	int i = 0, err;

	err = sl_write_file("/proc/sys/net/ipv4/ip_local_port_range", "40000 40003");
	for (i = 0; i < 4 && !err; i++) {
		c[i] = connect_to(fam, PORT);
		if (c[i] < 0) {
			err = c[i];
			break;
		}
		s[i] = sl_accept(l, SL_STEP_MS);
		if (s[i] < 0) {
			err = s[i];
			close(c[i]);
			break;
		}
	}
	while (err && i-- > 0) {
		close(c[i]);
		close(s[i]);
	}
	return err;
}

/*
 * The clients close first, each peer reads the EOF and closes too: the clients' ends are in
 * TIME-WAIT (their 4-tuples, and so their ports, stay taken).  0, or -errno.
 */
static int clients_close_first(int c[4], int s[4])
{
	int i, err = 0;
	char ch;

	for (i = 0; i < 4; i++) {
		if (close(c[i]) && !err)
			err = -errno;
		if (!err && (sl_set_timeouts(s[i], SL_STEP_MS) || recv(s[i], &ch, 1, 0) != 0))
			err = -EPROTO;
		close(s[i]);
	}
	return err;
}

/*
 * connect(2): with every port of net.ipv4.ip_local_port_range taken by connections to the
 * same server (open ones, then ones the client closed first, in TIME-WAIT), the next
 * connect() fails with EADDRNOTAVAIL, as __inet_hash_connect() fails; the listener's
 * accepted sockets stay open so that the port of each connection stays taken.
 */
TEST_F(api, ephemeral_ports_exhausted_eaddrnotavail)
{
	int l = sl_listener(self->fam, PORT, 16), c[4], s[4], err;

	ASSERT_LE(0, l);
	/* No TIME-WAIT reuse on loopback: the ports must stay taken for the whole test. */
	ASSERT_EQ(0, sl_write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "0"));
	err = four_ports_taken(self->fam, l, c, s);
	ASSERT_EQ(0, err) TH_LOG("%s", strerror(-err));
	EXPECT_EQ(-EADDRNOTAVAIL, connect_to(self->fam, PORT));
	/* Closed by the client first: TIME-WAIT keeps the 4-tuples, and so the ports. */
	ASSERT_EQ(0, clients_close_first(c, s));
	EXPECT_EQ(-EADDRNOTAVAIL, connect_to(self->fam, PORT));
	close(l);
}

/*
 * net.ipv4.tcp_tw_reuse (2, the default: loopback only): with every ephemeral port held by a
 * TIME-WAIT entry of the client's, connect() to the same server takes one of their 4-tuples
 * once a second has passed since the entry's last timestamp (tcp_twsk_unique()), and counts
 * it as TimeWaitRecycled (TWRecycled for the kernel TCP).
 */
TEST_F(api, ephemeral_ports_timewait_reused_on_loopback)
{
	int l = sl_listener(self->fam, PORT, 16), c[4], s[4], fd, err;
	const char *stat = variant->tcpalt ? "TimeWaitRecycled" : "TWRecycled";
	long before;

	ASSERT_LE(0, l);
	ASSERT_EQ(0, sl_write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "2"));
	err = four_ports_taken(self->fam, l, c, s);
	ASSERT_EQ(0, err) TH_LOG("%s", strerror(-err));
	ASSERT_EQ(0, clients_close_first(c, s));
	before = sl_stack_stat(variant->tcpalt, stat);
	sl_sleep_ms(1100);
	fd = connect_to(self->fam, PORT);
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(-fd));
	EXPECT_EQ(before + 1, sl_stack_stat(variant->tcpalt, stat));
	close(fd);
	close(l);
}

/*
 * connect(2) needs the 4-tuple to be unique, not the port: with every ephemeral port taken by
 * connections to one server, connections to another server still get ports (each one
 * already in use toward the first), as __inet_hash_connect() shares them.
 */
TEST_F(api, ephemeral_ports_shared_across_servers)
{
	int la = sl_listener(self->fam, PORT, 16), lb = sl_listener(self->fam, PORT + 1, 16);
	int a[4], b[4], i;

	ASSERT_LE(0, la);
	ASSERT_LE(0, lb);
	ASSERT_EQ(0, sl_write_file("/proc/sys/net/ipv4/ip_local_port_range", "40000 40003"));
	for (i = 0; i < 4; i++) {
		a[i] = connect_to(self->fam, PORT);
		ASSERT_LE(0, a[i]) TH_LOG("connection %d to the first server: %s", i,
					  strerror(-a[i]));
	}
	for (i = 0; i < 4; i++) {
		b[i] = connect_to(self->fam, PORT + 1);
		ASSERT_LE(0, b[i]) TH_LOG("connection %d to the second server: %s", i,
					  strerror(-b[i]));
	}
	EXPECT_EQ(-EADDRNOTAVAIL, connect_to(self->fam, PORT + 1));
	for (i = 0; i < 4; i++) {
		close(a[i]);
		close(b[i]);
	}
	close(la);
	close(lb);
}

/* SO_KEEPALIVE and TCP_KEEPIDLE/INTVL/CNT: defaults 7200/75/9, round-trip, range EINVAL. */
TEST_F(api, keepalive_options)
{
	struct sl_pair p;
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(7200, sl_getint(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(75, sl_getint(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(9, sl_getint(fd, SOL_TCP, TCP_KEEPCNT));
	EXPECT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(1, sl_getint(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, sl_setint(fd, SOL_TCP, TCP_KEEPIDLE, 30));
	EXPECT_EQ(0, sl_setint(fd, SOL_TCP, TCP_KEEPINTVL, 5));
	EXPECT_EQ(0, sl_setint(fd, SOL_TCP, TCP_KEEPCNT, 3));
	EXPECT_EQ(30, sl_getint(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(5, sl_getint(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(3, sl_getint(fd, SOL_TCP, TCP_KEEPCNT));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_KEEPIDLE, 0));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_KEEPIDLE, 32768));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_KEEPINTVL, 0));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_KEEPCNT, 0));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_KEEPCNT, 128));
	EXPECT_EQ(30, sl_getint(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(0, sl_setint(fd, SOL_SOCKET, SO_KEEPALIVE, 0));
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_KEEPALIVE));
	close(fd);

	/* On a connection too, and it keeps working. */
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(0, sl_setint(p.c, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_KEEPIDLE, 1));
	EXPECT_EQ(1, sl_getint(p.c, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(1, sl_getint(p.c, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(1, send(p.c, "k", 1, 0));
	EXPECT_EQ(1, wait_readable(p.s, 1));
	sl_pair_close(&p);
}

/* TCP_NODELAY: default 0, any nonzero reads back 1. */
TEST_F(api, tcp_nodelay)
{
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	EXPECT_EQ(0, sl_getint(p.c, SOL_TCP, TCP_NODELAY));
	EXPECT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_NODELAY, 5));
	EXPECT_EQ(1, sl_getint(p.c, SOL_TCP, TCP_NODELAY));
	EXPECT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_NODELAY, 0));
	EXPECT_EQ(0, sl_getint(p.c, SOL_TCP, TCP_NODELAY));
	EXPECT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_CORK, 1));
	EXPECT_EQ(1, sl_getint(p.c, SOL_TCP, TCP_CORK));
	EXPECT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_CORK, 0));
	sl_pair_close(&p);
}

/*
 * TCP_MAXSEG: 536 (RFC 9293 3.7.1 default send MSS) on a new socket; a value set before
 * connect reads back while unconnected, bounds the connection's MSS, and < 88 or > 65535
 * is EINVAL.
 */
TEST_F(api, tcp_maxseg)
{
	struct sockaddr_in to = sl_loopback(PORT);
	int fd = new_sock(self->fam), l, s, mss;

	ASSERT_LE(0, fd);
	EXPECT_EQ(536, sl_getint(fd, SOL_TCP, TCP_MAXSEG));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_MAXSEG, 10));
	EXPECT_EQ(-EINVAL, sl_setint(fd, SOL_TCP, TCP_MAXSEG, 65536));
	EXPECT_EQ(0, sl_setint(fd, SOL_TCP, TCP_MAXSEG, 1000));
	EXPECT_EQ(1000, sl_getint(fd, SOL_TCP, TCP_MAXSEG));

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, sl_connect(fd, &to, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	ASSERT_LE(0, s);
	mss = sl_getint(fd, SOL_TCP, TCP_MAXSEG);
	EXPECT_LT(500, mss);
	EXPECT_GE(1000, mss);
	/* The peer learnt it from the SYN's MSS option. */
	mss = sl_getint(s, SOL_TCP, TCP_MAXSEG);
	EXPECT_LT(500, mss);
	EXPECT_GE(1000, mss);
	close(s);
	close(l);
	close(fd);
}

static int tcp_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TCP, TCP_INFO, ti, &len) ? -errno : (int)len;
}

/* Poll TCP_INFO until tcpi_state is state, up to SL_STEP_MS; the last state seen. */
static int wait_tcpi_state(int fd, int state)
{
	long long end = sl_now_ms() + SL_STEP_MS;
	struct tcp_info ti;

	do {
		if (tcp_info(fd, &ti) < 0)
			return -1;
		if (ti.tcpi_state == state)
			break;
		sl_sleep_ms(5);
	} while (sl_now_ms() < end);
	return ti.tcpi_state;
}

/* TCP_INFO: Linux TCP_* state numbers, a positive RTO and congestion window once connected. */
TEST_F(api, tcp_info)
{
	struct tcp_info ti;
	struct sl_pair p;
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, tcp_info(fd, &ti));
	EXPECT_EQ(TCP_CLOSE, ti.tcpi_state);
	close(fd);

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ASSERT_LT(0, tcp_info(p.l, &ti));
	EXPECT_EQ(TCP_LISTEN, ti.tcpi_state);
	ASSERT_EQ((int)sizeof(ti), tcp_info(p.c, &ti));
	EXPECT_EQ(TCP_ESTABLISHED, ti.tcpi_state);
	EXPECT_LT(0, ti.tcpi_rto);
	EXPECT_LT(0, ti.tcpi_snd_cwnd);
	EXPECT_LT(0, ti.tcpi_snd_mss);
	ASSERT_LT(0, tcp_info(p.s, &ti));
	EXPECT_EQ(TCP_ESTABLISHED, ti.tcpi_state);
	EXPECT_LT(0, ti.tcpi_rto);
	EXPECT_LT(0, ti.tcpi_snd_cwnd);

	/* The FIN's ACK may be delayed (Linux acks a FIN in pingpong mode): poll for it. */
	ASSERT_EQ(0, shutdown(p.s, SHUT_WR));
	EXPECT_EQ(TCP_CLOSE_WAIT, wait_tcpi_state(p.c, TCP_CLOSE_WAIT));
	EXPECT_EQ(TCP_FIN_WAIT2, wait_tcpi_state(p.s, TCP_FIN_WAIT2));
	sl_pair_close(&p);
}

/*
 * Unknown options: ENOPROTOOPT at SOL_TCP, SOL_SOCKET, SOL_IP; an unknown level is ENOPROTOOPT
 * for setsockopt but EOPNOTSUPP for getsockopt.
 */
TEST_F(api, unknown_option_enoprotoopt)
{
	int fd = new_sock(self->fam), v = 1;
	socklen_t len = sizeof(v);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOPROTOOPT, sl_setint(fd, SOL_TCP, 9999, 1));
	EXPECT_EQ(-ENOPROTOOPT, sl_getint(fd, SOL_TCP, 9999));
	EXPECT_EQ(-ENOPROTOOPT, sl_setint(fd, SOL_SOCKET, 9999, 1));
	EXPECT_EQ(-ENOPROTOOPT, sl_getint(fd, SOL_SOCKET, 9999));
	EXPECT_EQ(-ENOPROTOOPT, sl_setint(fd, SOL_IP, 9999, 1));
	EXPECT_EQ(-ENOPROTOOPT, sl_getint(fd, SOL_IP, 9999));
	errno = 0;
	EXPECT_EQ(-1, setsockopt(fd, 4242, 1, &v, len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	/* Linux quirk: do_ip_getsockopt() answers an unknown level with EOPNOTSUPP. */
	errno = 0;
	EXPECT_EQ(-1, getsockopt(fd, 4242, 1, &v, &len));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* A short optlen on a known int option is EINVAL. */
	errno = 0;
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, TCP_NODELAY, &v, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* SOL_IP options go through to IP: IP_TOS and IP_TTL round-trip. */
TEST_F(api, sol_ip_options)
{
	int fd = new_sock(self->fam);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, sl_setint(fd, SOL_IP, IP_TOS, 0x10));
	EXPECT_EQ(0x10, sl_getint(fd, SOL_IP, IP_TOS));
	EXPECT_EQ(64, sl_getint(fd, SOL_IP, IP_TTL));
	EXPECT_EQ(0, sl_setint(fd, SOL_IP, IP_TTL, 7));
	EXPECT_EQ(7, sl_getint(fd, SOL_IP, IP_TTL));
	close(fd);
}

/* readv/writev/sendmsg/recvmsg with several iovecs; TCP leaves msg_name empty. */
TEST_F(api, iovecs)
{
	char a[3] = "abc", b[5] = "defgh", c[2] = "ij", r1[4], r2[6], big[32];
	struct iovec out[3] = { { a, 3 }, { b, 5 }, { c, 2 } };
	struct iovec in[2] = { { r1, 4 }, { r2, 6 } };
	struct sockaddr_in name;
	struct msghdr m;
	struct sl_pair p;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ASSERT_EQ(10, writev(p.c, out, 3));
	ASSERT_EQ(10, wait_readable(p.s, 10));
	EXPECT_EQ(10, readv(p.s, in, 2));
	EXPECT_EQ(0, memcmp(r1, "abcd", 4));
	EXPECT_EQ(0, memcmp(r2, "efghij", 6));

	memset(&m, 0, sizeof(m));
	m.msg_iov = out;
	m.msg_iovlen = 3;
	ASSERT_EQ(10, sendmsg(p.s, &m, 0));
	ASSERT_EQ(10, wait_readable(p.c, 10));
	memset(&m, 0, sizeof(m));
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	m.msg_iov = in;
	m.msg_iovlen = 2;
	m.msg_name = &name;
	m.msg_namelen = sizeof(name);
	EXPECT_EQ(10, recvmsg(p.c, &m, 0));
	EXPECT_EQ(0, m.msg_namelen);
	EXPECT_EQ(0, m.msg_flags);
	EXPECT_EQ(0, memcmp(r1, "abcd", 4));
	EXPECT_EQ(0, memcmp(r2, "efghij", 6));

	/* A partial read leaves the rest for the next call. */
	ASSERT_EQ(10, writev(p.c, out, 3));
	ASSERT_EQ(10, wait_readable(p.s, 10));
	in[0].iov_len = 2;
	in[1].iov_len = 3;
	EXPECT_EQ(5, readv(p.s, in, 2));
	EXPECT_EQ(5, recv(p.s, big, sizeof(big), 0));
	EXPECT_EQ(0, memcmp(big, "fghij", 5));
	sl_pair_close(&p);
}

/* ---- tcpalt and the kernel TCP together (one run each) ---- */

FIXTURE(cross) {
	int alt;
};

FIXTURE_SETUP(cross)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	self->alt = tcpalt_family();
}

FIXTURE_TEARDOWN(cross)
{
}

/* A short exchange both ways plus names, over a pair of the given families. */
static void exchange(struct __test_metadata *_metadata, int cfam, int sfam)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct sl_pair p;
	char buf[16];

	ASSERT_EQ(0, sl_make_pair(cfam, sfam, PORT, &p));
	ASSERT_EQ(0, getpeername(p.s, (struct sockaddr *)&a, &len));
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(p.caddr.sin_port, a.sin_port);
	ASSERT_EQ(4, send(p.c, "ping", 4, 0));
	EXPECT_EQ(4, recv(p.s, buf, 4, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(p.s, "pong", 4, 0));
	EXPECT_EQ(4, recv(p.c, buf, 4, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "pong", 4));
	ASSERT_EQ(0, shutdown(p.c, SHUT_WR));
	EXPECT_EQ(0, recv(p.s, buf, sizeof(buf), 0));
	close(p.s);
	p.s = -1;
	EXPECT_EQ(0, recv(p.c, buf, sizeof(buf), 0));
	sl_pair_close(&p);
}

/* D11 interop: a tcpalt client talks to the kernel TCP's listener. */
TEST_F(cross, tcpalt_client_inet_server)
{
	exchange(_metadata, self->alt, AF_INET);
}

/* D11 interop: a kernel TCP client talks to a tcpalt listener. */
TEST_F(cross, inet_client_tcpalt_server)
{
	exchange(_metadata, AF_INET, self->alt);
}

/* D3: one port space: a port either stack has bound is EADDRINUSE for the other. */
TEST_F(cross, shared_port_space)
{
	int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(self->alt, SOCK_STREAM, 0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, bind_to(a, "127.0.0.1", PORT));
	EXPECT_EQ(-EADDRINUSE, bind_to(b, "127.0.0.1", PORT));
	EXPECT_EQ(0, bind_to(b, "127.0.0.1", PORT + 1));
	close(a);
	a = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EADDRINUSE, bind_to(a, "127.0.0.1", PORT + 1));
	EXPECT_EQ(-EADDRINUSE, bind_to(a, "0.0.0.0", PORT + 1));
	close(a);
	close(b);
}

/* D3: ephemeral ports of the two stacks never collide. */
TEST_F(cross, ephemeral_ports_distinct)
{
	unsigned short ports[64];
	int fds[64], i, j, n = 0;

	for (i = 0; i < 64; i++) {
		fds[i] = socket(i % 2 ? self->alt : AF_INET, SOCK_STREAM, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, listen(fds[i], 1));
		ports[i] = sl_local_port(fds[i]);
		EXPECT_NE(0, ports[i]);
		n++;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			EXPECT_NE(ports[i], ports[j]);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
