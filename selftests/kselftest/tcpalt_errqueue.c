// SPDX-License-Identifier: GPL-2.0
/*
 * The socket error queue of a stream socket: IP_RECVERR and recvmsg(MSG_ERRQUEUE), held to
 * Linux 6.1's TCP (tcp_v4_err(), ip_icmp_error(), ip_recv_error()).  Variant "inet" runs each
 * test on the kernel TCP first, as the reference; variant "tcpalt" runs it on AF_TCPALT.
 *
 * A scripted peer behind a TUN device (pktpeer.h) answers the kernel's segments with ICMP
 * errors that quote them; the last test has a real router (tcpalt_netns.h).  What Linux does, and these tests check:
 *   - recvmsg(MSG_ERRQUEUE) on an empty queue fails with EAGAIN at once, blocking or not;
 *   - an ICMP error that ends a connection being opened (SYN-SENT) is queued: a struct
 *     sock_extended_err (SO_EE_ORIGIN_ICMP, the ICMP type and code, the errno) in an
 *     IP_RECVERR cmsg, the ICMP sender as SO_EE_OFFENDER, the quoted destination as
 *     msg_name and the quoted TCP header as data; poll() says POLLERR until it is read;
 *     without IP_RECVERR all the same (Linux >= 5.4);
 *   - on an open connection nothing is queued: a hard error with IP_RECVERR becomes the
 *     socket error (SO_ERROR, POLLERR), without it only the soft error, and
 *     "fragmentation needed" only lowers the MSS, IP_RECVERR or not;
 *   - a route of type unreachable or prohibit fails connect() locally with nothing queued;
 *     at a router (a second namespace across veth) it answers the SYN with ICMP, queued;
 *   - MSG_ZEROCOPY without SO_ZEROCOPY is an ordinary send with nothing queued; with it
 *     (SOL_TCPALT on AF_TCPALT: the socket core refuses it at SOL_SOCKET) every send's
 *     completion is queued as a SO_EE_ORIGIN_ZEROCOPY range, coalesced, COPIED where the
 *     stack copied, also when the connection is reset (fixture zc).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#include "pktpeer.h"
#include "pktpeer_fixture.h"
#include "tcpalt_netns.h"

#define LPORT		5000	/* the kernel side's listening port */
#define PPORT		40000	/* the scripted peer's port */
#define WAIT_MS		1000	/* how long a prompt reply may take in a slow guest */
#define TEST_SECS	20

FIXTURE(eq) {
	PEER_FIXTURE_MEMBERS;
};

PEER_VARIANTS(eq);

FIXTURE_SETUP(eq)
{
	PEER_FIXTURE_SETUP();
}

FIXTURE_TEARDOWN(eq)
{
	peer_fixture_teardown(_metadata, &self->peer, self->fd, self->lfd);
}

/* One recvmsg(MSG_ERRQUEUE): what it returned and what came with it. */
struct eq_msg {
	ssize_t n;			/* recvmsg()'s return */
	int err;			/* its errno when n < 0 */
	int flags;			/* msg_flags */
	bool have_ee;			/* an IP_RECVERR cmsg came */
	struct sock_extended_err ee;
	struct sockaddr_in offender;	/* SO_EE_OFFENDER() */
	struct sockaddr_in name;	/* msg_name */
	socklen_t namelen;
	uint8_t data[128];
};

/* recvmsg(fd, MSG_ERRQUEUE) into *m; returns m->n. */
static ssize_t read_errqueue(int fd, struct eq_msg *m)
{
	char control[256];
	struct iovec iov = { .iov_base = m->data, .iov_len = sizeof(m->data) };
	struct msghdr msg = {
		.msg_name = &m->name, .msg_namelen = sizeof(m->name),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm;

	memset(m, 0, sizeof(*m));
	m->n = recvmsg(fd, &msg, MSG_ERRQUEUE);
	m->err = m->n < 0 ? errno : 0;
	if (m->n < 0)
		return m->n;
	m->flags = msg.msg_flags;
	m->namelen = msg.msg_namelen;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(cm);

		if (cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR)
			continue;
		m->have_ee = true;
		memcpy(&m->ee, ee, sizeof(*ee));
		memcpy(&m->offender, SO_EE_OFFENDER(ee), sizeof(m->offender));
	}
	return m->n;
}

/* The error queue of fd is empty: EAGAIN at once, and poll() says no POLLERR. */
#define EXPECT_QUEUE_EMPTY(fd) do { \
	struct eq_msg __m; \
	long long __t0 = sl_now_ms(); \
	ASSERT_EQ(-1, read_errqueue((fd), &__m)) \
		TH_LOG("queued: origin %u type %u code %u errno %u", __m.ee.ee_origin, \
		       __m.ee.ee_type, __m.ee.ee_code, __m.ee.ee_errno); \
	ASSERT_EQ(EAGAIN, __m.err) TH_LOG("%s", strerror(__m.err)); \
	ASSERT_GT(500, sl_now_ms() - __t0) TH_LOG("MSG_ERRQUEUE blocked"); \
} while (0)

/* fd's poll() events now. */
static short revents(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&pfd, 1, 0) == 1 ? pfd.revents : 0;
}

static int so_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	return err;
}

static int recverr_on(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof(one));
}

/* A nonblocking socket of family, IP_RECVERR on if recverr, connecting to PEER_REMOTE:PPORT. */
static int connect_nonblocking(int family, bool recverr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PPORT) };
	int fd;

	inet_pton(AF_INET, PEER_REMOTE, &sin.sin_addr);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if ((recverr && recverr_on(fd)) ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to ms for a nonblocking connect() to finish; its SO_ERROR, or -1 if it did not. */
static int connect_result(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return so_error(fd);
}

/* Reset the peer's view to a new connection between PPORT and kport with the given ISS. */
static void peer_conn(struct pkt_peer *p, uint16_t kport, uint32_t iss)
{
	p->port = PPORT;
	p->kport = kport;
	p->iss = iss;
	p->snd_nxt = iss;
	p->rcv_nxt = 0;
}

/*
 * Passive open with the peer scripted: SYN (MSS 1400), SYN-ACK, ACK; self->fd is the
 * accepted ESTABLISHED socket.
 */
static void establish_passive(struct __test_metadata *_metadata, FIXTURE_DATA(eq) *self,
			      uint16_t port, uint32_t iss)
{
	struct sockaddr_in from;
	struct pkt_seg s;

	self->lfd = peer_listen(self->family, port, 0);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	peer_conn(&self->peer, port, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	self->fd = peer_accept(self->lfd, WAIT_MS, &from);
	ASSERT_LE(0, self->fd) TH_LOG("accept: %s", strerror(errno));
}

/* Wait up to ms for a segment of the connection that carries data. */
static int expect_data(struct pkt_peer *p, int ms, struct pkt_seg *s)
{
	long long end = peer_now_ms() + ms;
	int r;

	do {
		r = peer_expect(p, TH_ACK, TH_ACK, (int)(end - peer_now_ms()), s);
		if (r <= 0)
			return r;
	} while (!s->len && peer_now_ms() < end);
	return s->len ? 1 : 0;
}

/*
 * An ICMP error (type, code) quoting the SYN of a nonblocking connect(); what connect()
 * then reports, with the socket in self->fd and the SYN in *syn.
 */
static int syn_answered_by_icmp(struct __test_metadata *_metadata, FIXTURE_DATA(eq) *self,
				bool recverr, uint8_t type, uint8_t code, struct pkt_seg *syn)
{
	self->fd = connect_nonblocking(self->family, recverr);
	if (self->fd < 0) {
		TH_LOG("connect: %s", strerror(errno));
		return -1;
	}
	peer_conn(&self->peer, 0, 0x06000000);
	if (peer_expect(&self->peer, TH_SYN, TH_CTL, WAIT_MS, syn) != 1) {
		TH_LOG("no SYN; last packet skipped: %s", self->peer.last_skipped);
		return -1;
	}
	self->peer.kport = syn->sport;
	if (peer_icmp(&self->peer, type, code, 0, syn))
		return -1;
	return connect_result(self->fd, WAIT_MS);
}

/*
 * 1. recvmsg(MSG_ERRQUEUE) with nothing queued: EAGAIN at once on a blocking socket, fresh
 * or connected, IP_RECVERR on or off; poll() reports no POLLERR.
 */
TEST_F_TIMEOUT(eq, empty_queue_eagain, TEST_SECS)
{
	int fd;

	fd = socket(self->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_QUEUE_EMPTY(fd);
	ASSERT_EQ(0, recverr_on(fd));
	EXPECT_QUEUE_EMPTY(fd);
	close(fd);

	establish_passive(_metadata, self, LPORT, 0x06100000);
	EXPECT_QUEUE_EMPTY(self->fd);
	ASSERT_EQ(0, recverr_on(self->fd));
	EXPECT_QUEUE_EMPTY(self->fd);
	ASSERT_EQ(0, revents(self->fd) & POLLERR);
}

/* Check one queued ICMP error against what the kernel sent (the SYN) and the peer replied. */
static void check_icmp_entry(struct __test_metadata *_metadata, const struct eq_msg *m,
			     const struct pkt_seg *syn, int err, uint8_t type, uint8_t code)
{
	struct in_addr peer;

	inet_pton(AF_INET, PEER_REMOTE, &peer);
	ASSERT_LT(0, m->n) TH_LOG("recvmsg(MSG_ERRQUEUE): %s", strerror(m->err));
	ASSERT_TRUE(m->flags & MSG_ERRQUEUE) TH_LOG("msg_flags %#x", m->flags);
	ASSERT_TRUE(m->have_ee) TH_LOG("no IP_RECVERR cmsg");
	EXPECT_EQ(SO_EE_ORIGIN_ICMP, m->ee.ee_origin);
	EXPECT_EQ(err, (int)m->ee.ee_errno) TH_LOG("ee_errno %s", strerror(m->ee.ee_errno));
	EXPECT_EQ(type, m->ee.ee_type);
	EXPECT_EQ(code, m->ee.ee_code);
	EXPECT_EQ(0, m->ee.ee_info);
	EXPECT_EQ(AF_INET, m->offender.sin_family);
	EXPECT_EQ(peer.s_addr, m->offender.sin_addr.s_addr)
		TH_LOG("offender %s", inet_ntoa(m->offender.sin_addr));
	/* msg_name: the quoted segment's destination. */
	EXPECT_EQ(sizeof(struct sockaddr_in), m->namelen);
	EXPECT_EQ(AF_INET, m->name.sin_family);
	EXPECT_EQ(peer.s_addr, m->name.sin_addr.s_addr);
	EXPECT_EQ(htons(PPORT), m->name.sin_port);
	/* The data: the quoted TCP header, ports and sequence number first. */
	ASSERT_LE(8, m->n);
	EXPECT_EQ(syn->sport, peer_get16(m->data));
	EXPECT_EQ(PPORT, peer_get16(m->data + 2));
	EXPECT_EQ(syn->seq, peer_get32(m->data + 4));
}

/*
 * 2. ICMP errors that end a connect(): with IP_RECVERR each is queued as an
 * SO_EE_ORIGIN_ICMP entry carrying the ICMP type and code and the errno connect() got, the
 * peer as the offender; poll() says POLLERR while it is queued (SO_ERROR cleared first).
 * Reading it empties the queue.
 */
TEST_F_TIMEOUT(eq, syn_icmp_queued_with_recverr, TEST_SECS)
{
	static const struct { uint8_t type, code; int err; } cases[] = {
		{ 3, 1, EHOSTUNREACH },		/* host unreachable */
		{ 3, 3, ECONNREFUSED },		/* port unreachable */
		{ 3, 13, EHOSTUNREACH },	/* administratively prohibited */
		{ 11, 0, EHOSTUNREACH },	/* time exceeded */
		{ 12, 0, EPROTO },		/* parameter problem */
	};
	struct pkt_seg syn;
	struct eq_msg m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TH_LOG("ICMP type %u code %u", cases[i].type, cases[i].code);
		ASSERT_EQ(cases[i].err, syn_answered_by_icmp(_metadata, self, true, cases[i].type,
							      cases[i].code, &syn));
		ASSERT_EQ(TCP_CLOSE, tcpi_state(self->fd));
		EXPECT_EQ(0, so_error(self->fd));
		EXPECT_TRUE(revents(self->fd) & POLLERR) TH_LOG("no POLLERR with a queued error");
		read_errqueue(self->fd, &m);
		check_icmp_entry(_metadata, &m, &syn, cases[i].err, cases[i].type,
				 cases[i].code);
		EXPECT_QUEUE_EMPTY(self->fd);
		EXPECT_EQ(0, revents(self->fd) & POLLERR);
		close(self->fd);
		self->fd = -1;
	}
}

/*
 * 3. The error is kept in the queue until read: a short buffer gets MSG_TRUNC with the
 * cmsg still whole; SO_ERROR before reading says the error too; IP_RECVERR turned off
 * flushes the queue (ip_setsockopt()).
 */
TEST_F_TIMEOUT(eq, queued_error_trunc_and_flush, TEST_SECS)
{
	char control[256], byte[4];
	struct iovec iov = { .iov_base = byte, .iov_len = sizeof(byte) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct sock_extended_err *ee;
	struct cmsghdr *cm;
	struct pkt_seg syn;
	int zero = 0;

	ASSERT_EQ(EHOSTUNREACH, syn_answered_by_icmp(_metadata, self, true, 3, 1, &syn));
	ASSERT_EQ(4, recvmsg(self->fd, &msg, MSG_ERRQUEUE)) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC) TH_LOG("msg_flags %#x", msg.msg_flags);
	cm = CMSG_FIRSTHDR(&msg);
	ASSERT_NE(NULL, cm);
	ASSERT_EQ(SOL_IP, cm->cmsg_level);
	ASSERT_EQ(IP_RECVERR, cm->cmsg_type);
	ee = (struct sock_extended_err *)CMSG_DATA(cm);
	EXPECT_EQ(EHOSTUNREACH, (int)ee->ee_errno);
	EXPECT_EQ(syn.sport, peer_get16((uint8_t *)byte));
	EXPECT_QUEUE_EMPTY(self->fd);
	close(self->fd);

	ASSERT_EQ(EHOSTUNREACH, syn_answered_by_icmp(_metadata, self, true, 3, 1, &syn));
	EXPECT_TRUE(revents(self->fd) & POLLERR);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_IP, IP_RECVERR, &zero, sizeof(zero)));
	EXPECT_QUEUE_EMPTY(self->fd);
	EXPECT_EQ(0, revents(self->fd) & POLLERR);
}

/*
 * 4. Without IP_RECVERR the same errors are queued all the same: tcp_v4_err() queues the
 * ICMP error of a connection being opened unconditionally (since Linux 5.4, "tcp: allow
 * traceroute -Mtcp for unpriv users").
 */
TEST_F_TIMEOUT(eq, syn_icmp_queued_without_recverr, TEST_SECS)
{
	struct pkt_seg syn;
	struct eq_msg m;

	ASSERT_EQ(ECONNREFUSED, syn_answered_by_icmp(_metadata, self, false, 3, 3, &syn));
	ASSERT_EQ(0, sl_getint(self->fd, SOL_IP, IP_RECVERR));
	EXPECT_TRUE(revents(self->fd) & POLLERR) TH_LOG("no POLLERR with a queued error");
	read_errqueue(self->fd, &m);
	check_icmp_entry(_metadata, &m, &syn, ECONNREFUSED, 3, 3);
	EXPECT_QUEUE_EMPTY(self->fd);
}

/*
 * 5. A hard error on an open connection (RFC 1122 4.2.3.9: port unreachable) with
 * IP_RECVERR: the socket error, not a queued entry (tcp_v4_err()); the connection stays.
 * Without IP_RECVERR it is only the soft error: no POLLERR, and SO_ERROR says it once.
 */
TEST_F_TIMEOUT(eq, established_hard_error_is_socket_error, TEST_SECS)
{
	const char out[100] = "payload";
	struct pkt_seg s;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		bool recverr = !pass;

		establish_passive(_metadata, self, LPORT + pass, 0x06200000 + pass * 0x100000);
		if (recverr)
			ASSERT_EQ(0, recverr_on(self->fd));
		ASSERT_EQ(sizeof(out), send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
		ASSERT_EQ(1, expect_data(&self->peer, WAIT_MS, &s));
		ASSERT_EQ(0, peer_icmp(&self->peer, 3, 3, 0, &s));
		usleep(100 * 1000);
		EXPECT_QUEUE_EMPTY(self->fd);
		if (recverr) {
			EXPECT_TRUE(revents(self->fd) & POLLERR);
			EXPECT_EQ(ECONNREFUSED, so_error(self->fd));
		} else {
			/* The soft error: no POLLERR, but SO_ERROR reads it once (sock_getsockopt()). */
			EXPECT_EQ(0, revents(self->fd) & POLLERR);
			EXPECT_EQ(ECONNREFUSED, so_error(self->fd));
			EXPECT_EQ(0, so_error(self->fd));
		}
		EXPECT_EQ(TCP_ESTABLISHED, tcpi_state(self->fd));
		if (!pass) {
			struct linger lin = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(self->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
			close(self->fd);
			close(self->lfd);
			self->fd = self->lfd = -1;
		}
	}
}

/*
 * 6. "Fragmentation needed" (RFC 1191) quoting a data segment of an open connection with
 * IP_RECVERR: Linux lowers the MSS and resends smaller segments at once, and queues
 * nothing (ee_info would carry the MTU, but tcp_v4_err() never queues it).
 */
TEST_F_TIMEOUT(eq, frag_needed_established_not_queued, TEST_SECS)
{
	const int mtu = 1000;
	char out[1300];
	struct pkt_seg s;

	memset(out, 'f', sizeof(out));
	establish_passive(_metadata, self, LPORT, 0x06400000);
	ASSERT_EQ(0, recverr_on(self->fd));
	ASSERT_EQ(sizeof(out), send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	ASSERT_EQ(1, expect_data(&self->peer, WAIT_MS, &s));
	ASSERT_LT(mtu - 40, (int)s.len) TH_LOG("first segment of %u bytes", s.len);
	ASSERT_EQ(0, peer_icmp(&self->peer, 3, 4, mtu, &s));
	/* The ICMP was taken: what is resent fits the MTU. */
	ASSERT_EQ(1, expect_data(&self->peer, WAIT_MS, &s));
	EXPECT_GE(mtu - 40, (int)s.len) TH_LOG("resent %u bytes", s.len);
	EXPECT_GE(mtu - 40, sl_getint(self->fd, SOL_TCP, TCP_MAXSEG));
	EXPECT_QUEUE_EMPTY(self->fd);
	EXPECT_EQ(0, revents(self->fd) & POLLERR);
	EXPECT_EQ(0, so_error(self->fd));
}

/*
 * 7. A route of type unreachable or prohibit fails connect() before any packet (EHOSTUNREACH,
 * EACCES): no ICMP, nothing queued even with IP_RECVERR.
 */
TEST_F_TIMEOUT(eq, route_unreachable_not_queued, TEST_SECS)
{
	static const struct { const char *type, *dst; int err; } routes[] = {
		{ "unreachable", "198.51.100.7", EHOSTUNREACH },
		{ "prohibit", "203.0.113.7", EACCES },
	};
	char cmd[160];
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PPORT) };
		int fd;

		snprintf(cmd, sizeof(cmd), "/usr/sbin/ip route add %s %s/32", routes[i].type,
			 routes[i].dst);
		ASSERT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
		inet_pton(AF_INET, routes[i].dst, &to.sin_addr);
		fd = socket(self->family, SOCK_STREAM, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, recverr_on(fd));
		ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
		EXPECT_EQ(routes[i].err, errno) TH_LOG("%s route: %s", routes[i].type,
						       strerror(errno));
		EXPECT_QUEUE_EMPTY(fd);
		close(fd);
	}
}

/*
 * 8. A real router answers the SYN: namespace B forwards for A, and its routes to the
 * destinations are of type unreachable and prohibit, so B's ip_error() sends ICMP host
 * unreachable and communication administratively prohibited.  A blocking connect() with
 * IP_RECVERR (the socket lock released while it waits) fails with EHOSTUNREACH, and the
 * entry names the router as offender and the destination as msg_name.
 */
TEST_F_TIMEOUT(eq, router_unreachable_blocking_connect, 40)
{
	static const struct { const char *type, *dst; uint8_t code; } cases[] = {
		{ "unreachable", "10.0.4.1", 1 },	/* host unreachable */
		{ "prohibit", "10.0.5.1", 13 },		/* administratively prohibited */
	};
	struct in_addr router;
	int ns_a = -1, ns_b = -1;
	long long t0 = sl_now_ms();
	size_t i;

	inet_pton(AF_INET, "10.0.3.2", &router);
	veth_pair(_metadata, &ns_a, &ns_b);
	veth_pair_up(_metadata, ns_a, ns_b, "10.0.3.1", "10.0.3.2");
	TH_LOG("namespaces and veth up after %lld ms", sl_now_ms() - t0);
	ASSERT_EQ(0, write_in(ns_b, "/proc/sys/net/ipv4/ip_forward", "1"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PPORT) };
		struct eq_msg m;
		int fd, n;

		RUN_OK(ns_a, NETNS_IP " route add %s/32 via 10.0.3.2", cases[i].dst);
		RUN_OK(ns_b, NETNS_IP " route add %s %s/32", cases[i].type, cases[i].dst);
		inet_pton(AF_INET, cases[i].dst, &to.sin_addr);
		fd = socket_in(ns_a, self->family);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, recverr_on(fd));
		ASSERT_EQ(0, sl_set_timeouts(fd, 5000));
		t0 = sl_now_ms();
		ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&to, sizeof(to)));
		EXPECT_EQ(EHOSTUNREACH, errno) TH_LOG("route %s at the router: %s", cases[i].type,
						      strerror(errno));
		TH_LOG("connect() failed after %lld ms", sl_now_ms() - t0);
		EXPECT_TRUE(revents(fd) & POLLERR) TH_LOG("no POLLERR with a queued error");
		/*
		 * One entry per ICMP error: two when the first came while connect() still held
		 * the socket (the soft error then, tcp_v4_err()) and the SYN's retransmission
		 * met the second.
		 */
		for (n = 0; read_errqueue(fd, &m) > 0; n++) {
			ASSERT_TRUE(m.have_ee);
			EXPECT_EQ(SO_EE_ORIGIN_ICMP, m.ee.ee_origin);
			EXPECT_EQ(EHOSTUNREACH, (int)m.ee.ee_errno);
			EXPECT_EQ(3, m.ee.ee_type);	/* destination unreachable */
			EXPECT_EQ(cases[i].code, m.ee.ee_code);
			EXPECT_EQ(router.s_addr, m.offender.sin_addr.s_addr)
				TH_LOG("offender %s", inet_ntoa(m.offender.sin_addr));
			EXPECT_EQ(to.sin_addr.s_addr, m.name.sin_addr.s_addr);
			EXPECT_EQ(htons(PPORT), m.name.sin_port);
			EXPECT_EQ(PPORT, peer_get16(m.data + 2));	/* the quoted header */
		}
		ASSERT_EQ(EAGAIN, m.err) TH_LOG("%s", strerror(m.err));
		ASSERT_LE(1, n) TH_LOG("nothing queued");
		TH_LOG("route %s at the router: %d entries", cases[i].type, n);
		EXPECT_EQ(0, revents(fd) & POLLERR);
		close(fd);
	}
	veth_pair_close(ns_a, ns_b);
}

/* ---- MSG_ZEROCOPY (Documentation/networking/msg_zerocopy.rst) ---- */

#define ZC_SENDS	16
#define ZC_CHUNK	16384
#define ZC_SEED		99
#define ZC_PORT		5400

FIXTURE(zc) {
	int fam;
	bool alt;
};

FIXTURE_VARIANT(zc) {
	bool alt;
};

FIXTURE_VARIANT_ADD(zc, inet) {
	.alt = false,
};

FIXTURE_VARIANT_ADD(zc, tcpalt) {
	.alt = true,
};

FIXTURE_SETUP(zc)
{
	signal(SIGPIPE, SIG_IGN);
	self->alt = variant->alt;
	self->fam = variant->alt ? tcpalt_family() : AF_INET;
	ASSERT_EQ(0, sl_netns_lo_up());
	/* Short-lived orphans and TIME-WAIT entries, so the module can be unloaded after. */
	if (self->alt) {
		ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_DIR "/fin_timeout_ms", "1000"));
		ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_MSL_MS, "1000"));
	}
}

FIXTURE_TEARDOWN(zc)
{
}

/*
 * SO_ZEROCOPY on fd: at SOL_SOCKET for the kernel TCP, at SOL_TCPALT for tcpalt (Linux 6.1's
 * socket core refuses it at SOL_SOCKET to any family but AF_INET, AF_INET6 and AF_RDS and
 * never lets a family see a SOL_SOCKET option first).  0 or errno.
 */
static int zc_set(FIXTURE_DATA(zc) *self, int fd, int v)
{
	return setsockopt(fd, self->alt ? SOL_TCPALT : SOL_SOCKET, SO_ZEROCOPY, &v,
			  sizeof(v)) ? errno : 0;
}

/*
 * 9. SO_ZEROCOPY takes 0 or 1 (EINVAL otherwise, and for an optlen short of an int), and
 * getsockopt(SOL_SOCKET, SO_ZEROCOPY) reads it.  On AF_TCPALT SOL_SOCKET still refuses it
 * (EOPNOTSUPP: the core's check, held here so that a change shows), SOL_TCPALT takes it.
 */
TEST_F_TIMEOUT(zc, so_zerocopy_option, TEST_SECS)
{
	int fd, v = 1;
	char c = 1;

	fd = socket(self->fam, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_ZEROCOPY));
	if (self->alt) {
		ASSERT_EQ(-1, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &v, sizeof(v)));
		ASSERT_EQ(EOPNOTSUPP, errno);
	}
	ASSERT_EQ(0, zc_set(self, fd, 1));
	ASSERT_EQ(1, sl_getint(fd, SOL_SOCKET, SO_ZEROCOPY));
	ASSERT_EQ(EINVAL, zc_set(self, fd, 2));
	ASSERT_EQ(EINVAL, zc_set(self, fd, -1));
	ASSERT_EQ(1, sl_getint(fd, SOL_SOCKET, SO_ZEROCOPY));
	ASSERT_EQ(-1, setsockopt(fd, self->alt ? SOL_TCPALT : SOL_SOCKET, SO_ZEROCOPY, &c, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, zc_set(self, fd, 0));
	ASSERT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_ZEROCOPY));
	close(fd);
}

#define ZC_MAX_IDS	8192

/* What the completions read so far say: which send ids they covered, in how many entries. */
struct zc_done {
	bool seen[ZC_MAX_IDS];	/* ids covered */
	uint32_t next;		/* every id below it is complete */
	int in_order;		/* entries that began at next (the others came early) */
	int entries;		/* error-queue entries read */
	int copied;		/* of them with SO_EE_CODE_ZEROCOPY_COPIED */
	int bad;		/* entries that were not a zerocopy completion exactly as Linux's */
	struct eq_msg first_bad; /* the first of them */
};

/*
 * Read every completion queued on fd.  Each must be Linux's (ip_recv_error() of a
 * SO_EE_ORIGIN_ZEROCOPY entry): no data, no msg_name, MSG_ERRQUEUE, one SOL_IP/IP_RECVERR
 * cmsg with errno 0, type 0, ee_info..ee_data the range, no offender; no id reported twice
 * (Linux reports ranges in the order their segments are freed: a reset frees the unsent
 * ones first).  Returns entries read.
 */
static int zc_reap(int fd, struct zc_done *d)
{
	struct eq_msg m;
	uint32_t id;
	int n = 0;

	while (read_errqueue(fd, &m) >= 0) {
		bool ok = true;

		n++;
		d->entries++;
		if (m.n != 0 || m.namelen != 0 || !(m.flags & MSG_ERRQUEUE) || !m.have_ee ||
		    m.ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || m.ee.ee_errno || m.ee.ee_type ||
		    (m.ee.ee_code & ~SO_EE_CODE_ZEROCOPY_COPIED) || m.offender.sin_family ||
		    m.ee.ee_data < m.ee.ee_info || m.ee.ee_data >= ZC_MAX_IDS)
			ok = false;
		for (id = m.ee.ee_info; ok && id <= m.ee.ee_data; id++)
			ok = !d->seen[id];
		if (!ok) {
			if (!d->bad++)
				d->first_bad = m;
			continue;
		}
		if (m.ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
			d->copied++;
		if (m.ee.ee_info == d->next)
			d->in_order++;
		for (id = m.ee.ee_info; id <= m.ee.ee_data; id++)
			d->seen[id] = true;
		while (d->next < ZC_MAX_IDS && d->seen[d->next])
			d->next++;
	}
	return n;
}

/* Wait up to ms for the completions of every send below want; 0 or -1. */
static int zc_wait(int fd, struct zc_done *d, uint32_t want, int ms)
{
	long long end = sl_now_ms() + ms;
	struct pollfd pfd = { .fd = fd, .events = 0 };

	while (d->next < want && !d->bad) {
		zc_reap(fd, d);
		if (d->next >= want || sl_now_ms() > end)
			break;
		poll(&pfd, 1, 20);	/* POLLERR when the next one is queued */
	}
	return d->next >= want && !d->bad ? 0 : -1;
}

/* Every id below want reported once, none above, every entry exact. */
#define EXPECT_ZC_DONE(d, want) do { \
	const struct eq_msg *__b = &(d)->first_bad; \
	EXPECT_EQ(0, (d)->bad) TH_LOG("after %u: n %zd name %u flags %#x ee %d origin %u " \
				      "errno %u type %u code %u range %u..%u offender %u", \
				      (d)->next, __b->n, __b->namelen, __b->flags, __b->have_ee, \
				      __b->ee.ee_origin, __b->ee.ee_errno, __b->ee.ee_type, \
				      __b->ee.ee_code, __b->ee.ee_info, __b->ee.ee_data, \
				      __b->offender.sin_family); \
	EXPECT_EQ((uint32_t)(want), (d)->next); \
	EXPECT_FALSE((d)->seen[(d)->next]); \
} while (0)

#define ZC_SLOTS	4	/* buffer parts in flight at once in zc_reuse */

/*
 * 11. Completions over loopback: ZC_SENDS * 4 sends of ZC_CHUNK from ZC_SLOTS parts of one
 * buffer, each part written again (the next bytes of the stream) only after the completion
 * of the send that used it; the receiver gets the exact stream.  The completions cover the
 * ids 0..N-1 exactly, in order, each with SO_EE_CODE_ZEROCOPY_COPIED (loopback copies the
 * pages before delivery: msg_zerocopy.rst), POLLERR while one is queued, and nothing more
 * after.  Then a burst of ZC_SENDS sends whose completions are read only once everything is
 * acknowledged (SIOCOUTQ 0): they come coalesced into one range.
 */
TEST_F_TIMEOUT(zc, completions_loopback, TEST_SECS)
{
	static uint8_t buf[ZC_SLOTS * ZC_CHUNK], burst[ZC_SENDS * ZC_CHUNK];
	const int sends = ZC_SENDS * 4;
	struct zc_done d = { 0 };
	long long end;
	struct sl_xfer rx;
	struct sl_pair p;
	pthread_t th;
	int i, outq;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, ZC_PORT, &p));
	ASSERT_EQ(0, zc_set(self, p.c, 1));
	sl_xfer_start(&th, &rx, p.s, 0, ZC_SEED, (size_t)sends * ZC_CHUNK);
	for (i = 0; i < sends; i++) {
		uint8_t *part = buf + (i % ZC_SLOTS) * ZC_CHUNK;

		if (i >= ZC_SLOTS && zc_wait(p.c, &d, i - ZC_SLOTS + 1, 5000))
			break;
		sl_fill(part, ZC_CHUNK, ZC_SEED, (uint64_t)i * ZC_CHUNK);
		if (send(p.c, part, ZC_CHUNK, MSG_ZEROCOPY | MSG_NOSIGNAL) != ZC_CHUNK)
			break;
	}
	EXPECT_EQ(sends, i) TH_LOG("send %d: %s", i, strerror(errno));
	pthread_join(th, NULL);
	ASSERT_EQ(0, rx.err) TH_LOG("receive: %s", strerror(rx.err));
	ASSERT_EQ(rx.len, rx.done);
	ASSERT_EQ(-1, rx.first_bad);
	ASSERT_EQ(sl_stream_hash(ZC_SEED, rx.len), rx.hash);
	/* The rest of the completions: POLLERR says one is queued. */
	if (d.next < (uint32_t)sends)
		EXPECT_TRUE(sl_poll_for(p.c, 0, POLLERR, 5000) & POLLERR);
	EXPECT_EQ(0, zc_wait(p.c, &d, sends, 5000));
	EXPECT_ZC_DONE(&d, sends);
	TH_LOG("%d sends, %d completion entries, %d of them COPIED", sends, d.entries, d.copied);
	EXPECT_EQ(d.entries, d.copied);
	EXPECT_EQ(d.entries, d.in_order);	/* acknowledged in order, reported in order */
	EXPECT_QUEUE_EMPTY(p.c);
	EXPECT_EQ(0, revents(p.c) & POLLERR);

	/* The burst, a stream of its own. */
	sl_fill(burst, sizeof(burst), ZC_SEED + 1, 0);
	sl_xfer_start(&th, &rx, p.s, 0, ZC_SEED + 1, sizeof(burst));
	for (i = 0; i < ZC_SENDS; i++)
		if (send(p.c, burst + i * ZC_CHUNK, ZC_CHUNK, MSG_ZEROCOPY | MSG_NOSIGNAL) !=
		    ZC_CHUNK)
			break;
	EXPECT_EQ(ZC_SENDS, i) TH_LOG("burst send %d: %s", i, strerror(errno));
	pthread_join(th, NULL);
	EXPECT_EQ(0, rx.err) TH_LOG("receive: %s", strerror(rx.err));
	EXPECT_EQ(-1, rx.first_bad);
	end = sl_now_ms() + 5000;
	while (!ioctl(p.c, SIOCOUTQ, &outq) && outq && sl_now_ms() < end)
		sl_poll(p.c, 0, 10);
	EXPECT_EQ(0, outq);
	i = d.entries;
	EXPECT_EQ(1, zc_reap(p.c, &d)) TH_LOG("the burst's completions in %d entries",
					      d.entries - i);
	EXPECT_ZC_DONE(&d, sends + ZC_SENDS);
	sl_pair_close(&p);
}

#define ZC_BIG		(1 << 20)	/* one send */
#define ZC_BIG_SENDS	4
#define ZC_NS_PORT	5401

/*
 * 12. Sends of 1 MiB between two namespaces over veth, with netem losing 2% of what A sends
 * (in skbs of up to 4 segments):
 * zerocopy segments are split, retransmitted, trimmed and freed in pieces.  Every byte
 * arrives exact; one completion id per send, 0..3 exactly; COPIED (the receiving namespace
 * copies, as on loopback); retransmissions happened.
 */
TEST_F_TIMEOUT(zc, big_sends_lossy_veth, 60)
{
	static uint8_t big[ZC_BIG_SENDS][ZC_BIG];
	struct sockaddr_in srv = sl_addr("10.0.6.2", ZC_NS_PORT);
	int ns_a = -1, ns_b = -1, l, c, s, i, one = 1;
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	struct zc_done d = { 0 };
	struct sl_xfer rx;
	pthread_t th;

	veth_pair(_metadata, &ns_a, &ns_b);
	veth_pair_up(_metadata, ns_a, ns_b, "10.0.6.1", "10.0.6.2");
	if (self->alt) {
		ASSERT_EQ(0, short_lived_orphans(ns_a));
		ASSERT_EQ(0, short_lived_orphans(ns_b));
	}
	/*
	 * GSO super-segments of at most 4 segments: netem loses whole skbs, and 2% of some
	 * 700 of them is a loss for sure, while the queued segments still hold several pages
	 * to split and trim.
	 */
	RUN_OK(ns_a, NETNS_IP " link set va gso_max_segs 4");
	RUN_OK(ns_a, "/usr/sbin/tc qdisc add dev va root netem limit 10000 loss 2%%");
	l = socket_in(ns_b, self->fam);
	ASSERT_LE(0, l);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&srv, sizeof(srv)));
	ASSERT_EQ(0, listen(l, 4));
	c = socket_in(ns_a, self->fam);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, zc_set(self, c, 1));
	ASSERT_EQ(0, sl_connect(c, &srv, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	ASSERT_LE(0, s);
	sl_set_timeouts(s, 20000);
	sl_xfer_start(&th, &rx, s, 0, ZC_SEED, (size_t)ZC_BIG_SENDS * ZC_BIG);
	for (i = 0; i < ZC_BIG_SENDS; i++) {
		sl_fill(big[i], ZC_BIG, ZC_SEED, (uint64_t)i * ZC_BIG);
		if (send(c, big[i], ZC_BIG, MSG_ZEROCOPY | MSG_NOSIGNAL) != ZC_BIG)
			break;
	}
	EXPECT_EQ(ZC_BIG_SENDS, i) TH_LOG("send %d: %s", i, strerror(errno));
	pthread_join(th, NULL);
	EXPECT_EQ(0, rx.err) TH_LOG("receive: %s", strerror(rx.err));
	EXPECT_EQ(rx.len, rx.done);
	EXPECT_EQ(-1, rx.first_bad);
	EXPECT_EQ(sl_stream_hash(ZC_SEED, rx.len), rx.hash);
	EXPECT_EQ(0, zc_wait(c, &d, ZC_BIG_SENDS, 10000));
	EXPECT_ZC_DONE(&d, ZC_BIG_SENDS);
	EXPECT_EQ(d.entries, d.copied);
	ASSERT_EQ(0, getsockopt(c, SOL_TCP, TCP_INFO, &ti, &tlen));
	TH_LOG("%d completion entries, %u retransmissions", d.entries, ti.tcpi_total_retrans);
	EXPECT_LT(0, ti.tcpi_total_retrans);
	close(c);
	close(s);
	close(l);
	veth_pair_close(ns_a, ns_b);
}

#define ZC_REF_LEN	65536

/*
 * 13. The pages are referenced, not copied: with netem holding what A sends for 100 ms, the
 * buffer is overwritten right after send() returns, before the completion, and B receives
 * the new bytes (msg_zerocopy.rst: the process must not touch the buffer until then) for
 * all that was still queued in A.  SO_SNDBUF holds the whole send, so send() does not wait
 * for the first flight's ACK: with the default buffer it did, and the bytes that passed netem
 * meanwhile had the old contents, as many as the send buffer's growth let go first (51056
 * new of 65536 on both stacks alone; 27888 on tcpalt with two more guests on the machine).
 * The completion then comes with COPIED, B's receive path having copied.
 */
TEST_F_TIMEOUT(zc, pages_referenced_not_copied, TEST_SECS)
{
	static uint8_t buf[ZC_REF_LEN], got[ZC_REF_LEN];
	struct sockaddr_in srv = sl_addr("10.0.7.2", ZC_NS_PORT);
	int ns_a = -1, ns_b = -1, l, c, s, i, n, newer = 0;
	struct zc_done d = { 0 };

	veth_pair(_metadata, &ns_a, &ns_b);
	veth_pair_up(_metadata, ns_a, ns_b, "10.0.7.1", "10.0.7.2");
	if (self->alt) {
		ASSERT_EQ(0, short_lived_orphans(ns_a));
		ASSERT_EQ(0, short_lived_orphans(ns_b));
	}
	l = socket_in(ns_b, self->fam);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&srv, sizeof(srv)));
	ASSERT_EQ(0, listen(l, 4));
	c = socket_in(ns_a, self->fam);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_setint(c, SOL_SOCKET, SO_SNDBUF, 4 * ZC_REF_LEN));
	ASSERT_EQ(0, sl_connect(c, &srv, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	ASSERT_LE(0, s);
	sl_set_timeouts(s, SL_STEP_MS);
	ASSERT_EQ(0, zc_set(self, c, 1));
	RUN_OK(ns_a, "/usr/sbin/tc qdisc add dev va root netem limit 10000 delay 100ms");
	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ(ZC_REF_LEN, send(c, buf, sizeof(buf), MSG_ZEROCOPY | MSG_NOSIGNAL));
	memset(buf, 'b', sizeof(buf));
	for (n = 0; n < ZC_REF_LEN; n += i) {
		i = recv(s, got + n, sizeof(got) - n, 0);
		ASSERT_LT(0, i) TH_LOG("recv: %s", strerror(errno));
	}
	for (i = 0; i < ZC_REF_LEN; i++)
		newer += got[i] == 'b';
	TH_LOG("%d of %d bytes were the buffer's later contents", newer, ZC_REF_LEN);
	EXPECT_LE(ZC_REF_LEN / 2, newer);
	EXPECT_EQ(0, zc_wait(c, &d, 1, 5000));
	EXPECT_ZC_DONE(&d, 1);
	EXPECT_EQ(1, d.copied);
	close(c);
	close(s);
	close(l);
	veth_pair_close(ns_a, ns_b);
}

/*
 * 14. No room for the completion record (net.core.optmem_max below an skb's size, the
 * record being charged to sk_omem_alloc): send(MSG_ZEROCOPY) fails with ENOBUFS at once and
 * sends nothing; with the limit back the next send's id is 0 (the failed call took none).
 */
TEST_F_TIMEOUT(zc, enobufs_without_optmem, TEST_SECS)
{
	static const char optmem[] = "/proc/sys/net/core/optmem_max";
	static uint8_t buf[ZC_CHUNK];
	struct zc_done d = { 0 };
	char old[32] = "";
	struct sl_pair p;
	int init_ns, own_ns, fd, n, err;

	/* A global sysctl in 6.1, seen only from the initial namespace. */
	init_ns = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, init_ns);
	ASSERT_LE(0, own_ns);
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, ZC_PORT, &p));
	ASSERT_EQ(0, zc_set(self, p.c, 1));
	ASSERT_EQ(0, enter(init_ns));
	fd = open(optmem, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, sl_write_file(optmem, "64"));
	n = send(p.c, buf, sizeof(buf), MSG_ZEROCOPY | MSG_NOSIGNAL);
	err = n < 0 ? errno : 0;
	EXPECT_EQ(0, sl_write_file(optmem, old));
	ASSERT_EQ(0, enter(own_ns));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENOBUFS, err) TH_LOG("%s", strerror(err));
	ASSERT_EQ(ZC_CHUNK, send(p.c, buf, sizeof(buf), MSG_ZEROCOPY | MSG_NOSIGNAL));
	EXPECT_EQ(ZC_CHUNK, recv(p.s, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(0, zc_wait(p.c, &d, 1, 5000));
	EXPECT_ZC_DONE(&d, 1);
	close(init_ns);
	close(own_ns);
	sl_pair_close(&p);
}

/*
 * Fill c's send path with MSG_ZEROCOPY sends of ZC_CHUNK from buf (nonblocking) while the
 * peer reads nothing, until the send buffer is full; returns the sends made.
 */
static int zc_fill(int c, const uint8_t *buf)
{
	int n = 0;

	sl_set_nonblock(c, 1);
	while (n < 4096 && send(c, buf, ZC_CHUNK, MSG_ZEROCOPY | MSG_NOSIGNAL) > 0)
		n++;
	sl_set_nonblock(c, 0);
	return n;
}

/*
 * 15. Zerocopy data outstanding (unsent behind a full receive window) when the peer resets
 * the connection (it closes with unread data): the sender's queue is freed and every send's
 * completion is queued, 0..n-1, with the reset; then the sender closes.  And a sender closed
 * (with RST, SO_LINGER 0, and with FIN) while its zerocopy data waits: nothing is reported
 * to a closed socket, nothing leaks (kmemleak on the debug kernel), nothing crashes.
 */
TEST_F_TIMEOUT(zc, close_with_outstanding, TEST_SECS)
{
	static uint8_t buf[ZC_CHUNK];
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	struct zc_done d = { 0 };
	struct sl_pair p;
	int n, round;

	memset(buf, 'z', sizeof(buf));
	/* The peer resets. */
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, ZC_PORT, &p));
	ASSERT_EQ(0, zc_set(self, p.c, 1));
	n = zc_fill(p.c, buf);
	ASSERT_LT(0, n);
	close(p.s);
	p.s = -1;
	EXPECT_EQ(0, zc_wait(p.c, &d, n, 5000));
	EXPECT_ZC_DONE(&d, n);
	TH_LOG("%d sends, %d completion entries, %d in order", n, d.entries, d.in_order);
	EXPECT_EQ(ECONNRESET, so_error(p.c));
	sl_pair_close(&p);

	/* The sender closes: with RST, then with FIN (the orphan is reset by the peer). */
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, ZC_PORT, &p));
		ASSERT_EQ(0, zc_set(self, p.c, 1));
		ASSERT_LT(0, zc_fill(p.c, buf));
		if (!round)
			ASSERT_EQ(0, setsockopt(p.c, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)));
		close(p.c);
		p.c = -1;
		usleep(50 * 1000);	/* let an orphan send some of it */
		sl_pair_close(&p);
	}
}

/*
 * ZC_SENDS sends of ZC_CHUNK bytes each of stream ZC_SEED on fd, with flags, each from its
 * own part of one buffer (with MSG_ZEROCOPY a kernel may read the pages until the
 * completion).  0 or the errno of the first send that did not send its chunk whole.
 */
static int zc_send_all(int fd, int flags)
{
	static uint8_t buf[ZC_SENDS * ZC_CHUNK];
	int i;

	sl_fill(buf, sizeof(buf), ZC_SEED, 0);
	for (i = 0; i < ZC_SENDS; i++)
		if (send(fd, buf + i * ZC_CHUNK, ZC_CHUNK, flags | MSG_NOSIGNAL) != ZC_CHUNK)
			return errno ? errno : EIO;
	return 0;
}

/*
 * 10. MSG_ZEROCOPY without SO_ZEROCOPY is an ordinary send (tcp_sendmsg_locked()): every
 * byte arrives exact over loopback, and nothing is ever queued on the error queue.
 */
TEST_F_TIMEOUT(zc, msg_zerocopy_ignored_without_option, TEST_SECS)
{
	struct sl_xfer rx;
	struct sl_pair p;
	pthread_t th;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, ZC_PORT, &p));
	sl_xfer_start(&th, &rx, p.s, 0, ZC_SEED, ZC_SENDS * ZC_CHUNK);
	ASSERT_EQ(0, zc_send_all(p.c, MSG_ZEROCOPY)) TH_LOG("send: %s", strerror(errno));
	pthread_join(th, NULL);
	ASSERT_EQ(0, rx.err) TH_LOG("receive: %s", strerror(rx.err));
	ASSERT_EQ(rx.len, rx.done);
	ASSERT_EQ(-1, rx.first_bad);
	ASSERT_EQ(sl_stream_hash(ZC_SEED, rx.len), rx.hash);
	usleep(200 * 1000);	/* the data acknowledged: when a completion would have come */
	EXPECT_QUEUE_EMPTY(p.c);
	EXPECT_EQ(0, revents(p.c) & POLLERR);
	sl_pair_close(&p);
}

TEST_HARNESS_MAIN
