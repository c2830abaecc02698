// SPDX-License-Identifier: GPL-2.0
/*
 * Urgent data (MSG_OOB, SO_OOBINLINE, SIOCATMARK, EPOLLPRI, SIGURG) as Linux's TCP has it.
 * Every test of the "urg" fixture runs once on AF_INET (the reference: it must pass there)
 * and once on AF_TCPALT, over loopback in a network namespace of its own.  The "cross"
 * fixture pairs tcpalt with the kernel TCP both ways: the receiver finding the right byte
 * proves the URG flag and the urgent pointer (BSD style: the offset of the byte after the
 * urgent one) are what the kernel TCP sends and expects.  The "sp" fixture scripts the peer
 * (pktpeer.h, a TUN device) to read the header fields tcpalt writes and to send pointers a
 * kernel-TCP sender never would (ahead of the data, zero, far beyond it).
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#include "pktpeer.h"
#include "pktpeer_fixture.h"

/*
 * lo with an Ethernet MTU, so that a write of some KiB is many segments (and a GSO-capable
 * sender has super-segments to cut) while the urgent pointer stays within 64 KiB.
 */
static int lo_mtu(int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCSIFMTU, &ifr))
		err = -errno;
	close(fd);
	return err;
}

FIXTURE(urg) {
	int fam;
	struct sl_pair p;
};

FIXTURE_VARIANT(urg) {
	int tcpalt;
};

FIXTURE_VARIANT_ADD(urg, inet) {
	.tcpalt = 0,
};

FIXTURE_VARIANT_ADD(urg, tcpalt) {
	.tcpalt = 1,
};

FIXTURE_SETUP(urg)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	ASSERT_EQ(0, lo_mtu(1500));
	self->fam = variant->tcpalt ? tcpalt_family() : AF_INET;
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, 0, &self->p));
}

FIXTURE_TEARDOWN(urg)
{
	sl_pair_close(&self->p);
}

/* recv() that never blocks: the byte count or -errno. */
static int recv_now(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = recv(fd, buf, len, flags | MSG_DONTWAIT);

	return n < 0 ? -errno : (int)n;
}

/* send() without SIGPIPE: the byte count or -errno. */
static int send_now(int fd, const char *s, int flags)
{
	ssize_t n = send(fd, s, strlen(s), flags | MSG_NOSIGNAL);

	return n < 0 ? -errno : (int)n;
}

/* FIONREAD: with urgent data pending, Linux counts the bytes before the mark only. */
static int inq(int fd)
{
	int v = -1;

	return ioctl(fd, FIONREAD, &v) ? -errno : v;
}

/* Wait until the peer acknowledged everything fd sent (SIOCOUTQ 0); 0 or the bytes left. */
static int wait_acked(int fd)
{
	long long end = sl_now_ms() + SL_STEP_MS;
	int left = -1;

	do {
		if (ioctl(fd, SIOCOUTQ, &left))
			return -errno;
		if (!left)
			return 0;
		sl_sleep_ms(5);
	} while (sl_now_ms() < end);
	return left;
}

/* SIOCATMARK: 1 at the mark, 0 not, -errno. */
static int atmark(int fd)
{
	int v = -1;

	return ioctl(fd, SIOCATMARK, &v) ? -errno : v;
}

/* Is EPOLLPRI (and POLLPRI) reported now?  1, 0, or -1 when poll and epoll disagree. */
static int pri_pending(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLPRI }, out;
	int ep = epoll_create1(EPOLL_CLOEXEC), n, rev;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -2;
	n = epoll_wait(ep, &out, 1, 0);
	close(ep);
	rev = sl_poll(fd, POLLIN | POLLPRI, 0);
	if (n < 0 || rev < 0)
		return -2;
	if (!!(n == 1 && (out.events & EPOLLPRI)) != !!(rev & POLLPRI))
		return -1;
	return !!(rev & POLLPRI);
}

/* Send "abc", 'X' urgent, "def" from tx; wait until the peer acknowledged all 7 bytes. */
static void send_abc_x_def(struct __test_metadata *_metadata, int tx)
{
	ASSERT_EQ(3, send_now(tx, "abc", 0));
	ASSERT_EQ(1, send_now(tx, "X", MSG_OOB));
	ASSERT_EQ(3, send_now(tx, "def", 0));
	ASSERT_EQ(0, wait_acked(tx));
}

/*
 * tcp(7): the urgent byte is taken out of the stream; a read stops at the mark, SIOCATMARK
 * turns true there, recv(MSG_OOB) returns the byte, EPOLLPRI shows while it waits.
 */
static void basic_oob(struct __test_metadata *_metadata, int tx, int rx)
{
	char buf[16] = { 0 };

	send_abc_x_def(_metadata, tx);
	EXPECT_EQ(3, inq(rx));	/* up to the mark */
	EXPECT_EQ(1, pri_pending(rx));
	EXPECT_EQ(0, atmark(rx));
	ASSERT_EQ(3, recv_now(rx, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(1, atmark(rx));
	EXPECT_EQ(1, pri_pending(rx));
	ASSERT_EQ(1, recv_now(rx, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('X', buf[0]);
	EXPECT_EQ(1, atmark(rx));	/* still at the mark until the next byte is read */
	EXPECT_EQ(0, pri_pending(rx));
	EXPECT_EQ(-EINVAL, recv_now(rx, buf, sizeof(buf), MSG_OOB));
	ASSERT_EQ(3, recv_now(rx, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "def", 3));
	EXPECT_EQ(0, atmark(rx));
	EXPECT_EQ(-EAGAIN, recv_now(rx, buf, sizeof(buf), 0));
}

TEST_F(urg, basic)
{
	basic_oob(_metadata, self->p.c, self->p.s);
}

/* The other direction: the accepted socket sends, the connecting one receives. */
TEST_F(urg, basic_from_server)
{
	basic_oob(_metadata, self->p.s, self->p.c);
}

/* SO_OOBINLINE: the byte stays in the stream; the mark still stops a read; no MSG_OOB. */
TEST_F(urg, oobinline)
{
	char buf[16] = { 0 };

	ASSERT_EQ(0, sl_setint(self->p.s, SOL_SOCKET, SO_OOBINLINE, 1));
	send_abc_x_def(_metadata, self->p.c);
	EXPECT_EQ(7, inq(self->p.s));	/* the urgent byte is data */
	EXPECT_EQ(1, pri_pending(self->p.s));
	EXPECT_EQ(0, atmark(self->p.s));
	ASSERT_EQ(3, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(1, atmark(self->p.s));
	EXPECT_EQ(-EINVAL, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	ASSERT_EQ(4, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "Xdef", 4));
	EXPECT_EQ(0, atmark(self->p.s));
	EXPECT_EQ(0, pri_pending(self->p.s));
}

/* tcp_recv_urg(): EINVAL with nothing urgent, after it was read; MSG_OOB never blocks. */
TEST_F(urg, recv_oob_errnos)
{
	char buf[4];
	int fd, l;

	/* Nothing urgent ever arrived: EINVAL, even a blocking call. */
	EXPECT_EQ(-EINVAL, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(-1, recv(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, atmark(self->p.s));
	EXPECT_EQ(0, pri_pending(self->p.s));

	/* An unconnected socket: EINVAL; a listener: ENOTCONN. */
	fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, recv_now(fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(0, atmark(fd));
	EXPECT_EQ(-EPIPE, send_now(fd, "x", MSG_OOB));
	close(fd);
	l = sl_listener(self->fam, 0, 4);
	ASSERT_LE(0, l);
	EXPECT_EQ(-ENOTCONN, recv_now(l, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(-EPIPE, send_now(l, "x", MSG_OOB));
	close(l);

	/* Read once, the second read is EINVAL. */
	ASSERT_EQ(1, send_now(self->p.c, "U", MSG_OOB));
	ASSERT_EQ(0, wait_acked(self->p.c));
	EXPECT_EQ(0, inq(self->p.s));
	EXPECT_EQ(1, atmark(self->p.s));
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('U', buf[0]);
	EXPECT_EQ(-EINVAL, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(-EINVAL, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB | MSG_PEEK));
	/* The urgent byte is not in the stream. */
	EXPECT_EQ(-EAGAIN, recv_now(self->p.s, buf, sizeof(buf), 0));
}

/* MSG_PEEK | MSG_OOB leaves the byte; a normal peek stops at the mark too. */
TEST_F(urg, peek)
{
	char buf[16] = { 0 };

	ASSERT_EQ(2, send_now(self->p.c, "ab", 0));
	ASSERT_EQ(1, send_now(self->p.c, "X", MSG_OOB));
	ASSERT_EQ(2, send_now(self->p.c, "cd", 0));
	ASSERT_EQ(0, wait_acked(self->p.c));
	EXPECT_EQ(2, inq(self->p.s));
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB | MSG_PEEK));
	EXPECT_EQ('X', buf[0]);
	buf[0] = 0;
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB | MSG_PEEK));
	EXPECT_EQ('X', buf[0]);
	EXPECT_EQ(1, pri_pending(self->p.s));
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	EXPECT_EQ(0, atmark(self->p.s));
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	/* At the mark: a peek skips the urgent byte, as the read will. */
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "cd", 2));
	EXPECT_EQ(1, atmark(self->p.s));
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('X', buf[0]);
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "cd", 2));
}

/* Read past the mark without MSG_OOB: the byte is skipped and gone (EINVAL afterwards). */
TEST_F(urg, read_past_mark_drops_byte)
{
	char buf[16] = { 0 };

	send_abc_x_def(_metadata, self->p.c);
	ASSERT_EQ(3, recv_now(self->p.s, buf, sizeof(buf), 0));
	ASSERT_EQ(3, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "def", 3));
	EXPECT_EQ(-EINVAL, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(0, atmark(self->p.s));
	EXPECT_EQ(0, pri_pending(self->p.s));
}

/* A newer urgent pointer replaces the older: the first byte becomes normal data. */
TEST_F(urg, second_replaces_first)
{
	char buf[16] = { 0 };

	ASSERT_EQ(2, send_now(self->p.c, "ab", 0));
	ASSERT_EQ(1, send_now(self->p.c, "X", MSG_OOB));
	ASSERT_EQ(2, send_now(self->p.c, "cd", 0));
	ASSERT_EQ(1, send_now(self->p.c, "Y", MSG_OOB));
	ASSERT_EQ(2, send_now(self->p.c, "ef", 0));
	ASSERT_EQ(0, wait_acked(self->p.c));
	EXPECT_EQ(5, inq(self->p.s));
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB | MSG_PEEK));
	EXPECT_EQ('Y', buf[0]);
	ASSERT_EQ(5, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abXcd", 5));
	EXPECT_EQ(1, atmark(self->p.s));
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('Y', buf[0]);
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ef", 2));
}

/*
 * A new urgent byte while the reader sits at an unread urgent mark: the old byte, never to
 * be read as data, is dropped (tcp_check_urg()).
 */
TEST_F(urg, second_at_mark)
{
	char buf[16] = { 0 };

	ASSERT_EQ(2, send_now(self->p.c, "ab", 0));
	ASSERT_EQ(1, send_now(self->p.c, "X", MSG_OOB));
	ASSERT_EQ(0, wait_acked(self->p.c));
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(1, atmark(self->p.s));
	ASSERT_EQ(2, send_now(self->p.c, "cd", 0));
	ASSERT_EQ(1, send_now(self->p.c, "Y", MSG_OOB));
	ASSERT_EQ(0, wait_acked(self->p.c));
	EXPECT_EQ(0, atmark(self->p.s));
	ASSERT_EQ(2, recv_now(self->p.s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "cd", 2));
	ASSERT_EQ(1, recv_now(self->p.s, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('Y', buf[0]);
}

/* A write of many segments: only its last byte is urgent; everything else arrives in order. */
TEST_F(urg, long_write)
{
	static char tx[20000], rx[sizeof(tx)];
	size_t got = 0;
	char c = 0;
	int n;

	sl_fill((uint8_t *)tx, sizeof(tx), 7, 0);
	ASSERT_EQ((ssize_t)sizeof(tx), send(self->p.c, tx, sizeof(tx), MSG_OOB));
	while (got < sizeof(tx) - 1) {
		n = recv(self->p.s, rx + got, sizeof(tx) - 1 - got, 0);
		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(0, memcmp(tx, rx, sizeof(tx) - 1));
	ASSERT_EQ(0, wait_acked(self->p.c));
	EXPECT_EQ(1, atmark(self->p.s));
	ASSERT_EQ(1, recv_now(self->p.s, &c, 1, MSG_OOB));
	EXPECT_EQ(tx[sizeof(tx) - 1], c);
}

static volatile sig_atomic_t sigurg_count;

static void on_sigurg(int sig)
{
	(void)sig;
	sigurg_count++;
}

/* F_SETOWN: the owner gets SIGURG when the urgent pointer arrives (sk_send_sigurg()). */
TEST_F(urg, sigurg)
{
	struct sigaction sa = { .sa_handler = on_sigurg }, old;
	long long end;
	char c;

	ASSERT_EQ(0, sigaction(SIGURG, &sa, &old));
	sigurg_count = 0;
	ASSERT_EQ(0, fcntl(self->p.s, F_SETOWN, getpid()));
	ASSERT_EQ(1, send_now(self->p.c, "a", 0));
	ASSERT_EQ(0, wait_acked(self->p.c));
	EXPECT_EQ(0, sigurg_count);
	ASSERT_EQ(1, send_now(self->p.c, "U", MSG_OOB));
	end = sl_now_ms() + SL_STEP_MS;
	while (!sigurg_count && sl_now_ms() < end)
		sl_sleep_ms(5);
	EXPECT_LE(1, sigurg_count);
	ASSERT_EQ(1, recv_now(self->p.s, &c, 1, MSG_OOB));
	EXPECT_EQ('U', c);
	sigaction(SIGURG, &old, NULL);
}

/* ---- tcpalt and the kernel TCP: the wire format ---- */

FIXTURE(cross) {
	struct sl_pair p;
};

FIXTURE_VARIANT(cross) {
	int tcpalt_client;	/* else the server (listener) is tcpalt */
};

FIXTURE_VARIANT_ADD(cross, tcpalt_client) {
	.tcpalt_client = 1,
};

FIXTURE_VARIANT_ADD(cross, tcpalt_server) {
	.tcpalt_client = 0,
};

FIXTURE_SETUP(cross)
{
	int alt = tcpalt_family();

	ASSERT_EQ(0, sl_netns_lo_up());
	ASSERT_EQ(0, lo_mtu(1500));
	ASSERT_EQ(0, sl_make_pair(variant->tcpalt_client ? alt : AF_INET,
				  variant->tcpalt_client ? AF_INET : alt, 0, &self->p));
}

FIXTURE_TEARDOWN(cross)
{
	sl_pair_close(&self->p);
}

/* Client sends urgent data, server receives. */
TEST_F(cross, client_to_server)
{
	basic_oob(_metadata, self->p.c, self->p.s);
}

/* Server sends urgent data, client receives. */
TEST_F(cross, server_to_client)
{
	basic_oob(_metadata, self->p.s, self->p.c);
}

/* Many segments with the urgent byte at the end: the pointer stays right across them. */
TEST_F(cross, long_write_both_ways)
{
	static char tx[20000], rx[sizeof(tx)];
	int fds[2][2] = { { self->p.c, self->p.s }, { self->p.s, self->p.c } };
	int i, n;

	for (i = 0; i < 2; i++) {
		size_t got = 0;
		char c = 0;

		sl_fill((uint8_t *)tx, sizeof(tx), 11 + i, 0);
		ASSERT_EQ((ssize_t)sizeof(tx), send(fds[i][0], tx, sizeof(tx), MSG_OOB));
		while (got < sizeof(tx) - 1) {
			n = recv(fds[i][1], rx + got, sizeof(tx) - 1 - got, 0);
			ASSERT_LT(0, n);
			got += n;
		}
		EXPECT_EQ(0, memcmp(tx, rx, sizeof(tx) - 1));
		ASSERT_EQ(0, wait_acked(fds[i][0]));
		EXPECT_EQ(1, atmark(fds[i][1]));
		ASSERT_EQ(1, recv_now(fds[i][1], &c, 1, MSG_OOB));
		EXPECT_EQ(tx[sizeof(tx) - 1], c);
	}
}

/* ---- a scripted peer: the header fields, and pointers no kernel TCP sends ---- */

#define SP_LPORT	5000	/* the kernel side's listening port */
#define SP_PPORT	40000	/* the scripted peer's port */
#define SP_WAIT_MS	1000	/* how long a prompt segment may take in a slow guest */
#define SP_RTO_MS	3000	/* an unacknowledged segment is sent again within this */

FIXTURE(sp) {
	PEER_FIXTURE_MEMBERS;
	char seg[200];
};

PEER_VARIANTS(sp);

FIXTURE_SETUP(sp)
{
	struct sockaddr_in from;
	struct pkt_seg s;

	PEER_FIXTURE_SETUP();
	self->lfd = peer_listen(self->family, SP_LPORT, 0);
	ASSERT_LE(0, self->lfd);
	self->peer.port = SP_PPORT;
	self->peer.kport = SP_LPORT;
	self->peer.iss = self->peer.snd_nxt = 1000;
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN | TH_ACK, TH_CTL, SP_WAIT_MS, &s));
	self->kiss = s.seq;
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	self->fd = peer_accept(self->lfd, SP_WAIT_MS, &from);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(sp)
{
	peer_fixture_teardown(_metadata, &self->peer, self->fd, self->lfd);
}

#define SP_SEG(s)	peer_fmt(&(s), self->seg, sizeof(self->seg))

/* The next data segment of the connection from the kernel side. */
static int sp_data(struct pkt_peer *p, struct pkt_seg *s, int ms)
{
	long long end = peer_now_ms() + ms;
	int r;

	do {
		r = peer_expect(p, TH_ACK, TH_CTL, (int)(end - peer_now_ms()), s);
		if (r <= 0 || s->len)
			return r;
		peer_skip(p, s);
	} while (peer_now_ms() < end);
	return 0;
}

/* The peer sends len bytes with flags and urgent pointer field urg; snd_nxt advances. */
static int sp_send(struct pkt_peer *p, uint8_t flags, const char *data, uint16_t urg)
{
	struct pkt_out o = {
		.flags = flags,
		.seq = p->snd_nxt,
		.ack = p->rcv_nxt,
		.data = data,
		.len = strlen(data),
		.urg_ptr = urg,
	};
	int err = peer_xmit(p, &o);

	if (!err)
		p->snd_nxt += o.len + !!(flags & TH_FIN);
	return err;
}

/*
 * RFC 9293 3.8.5 with Linux's BSD-style pointer: a write of "abcX" with MSG_OOB leaves as one
 * segment with URG and pointer 4 (the byte after 'X'); its retransmission carries them
 * again; once the peer acknowledged it, later data has no URG.
 */
TEST_F(sp, send_header_fields)
{
	struct pkt_seg s;

	ASSERT_EQ(4, send(self->fd, "abcX", 4, MSG_OOB | MSG_NOSIGNAL));
	ASSERT_EQ(1, sp_data(&self->peer, &s, SP_WAIT_MS));
	EXPECT_EQ(self->kiss + 1, s.seq) TH_LOG("%s", SP_SEG(s));
	ASSERT_EQ(4, s.len) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(TH_URG, s.flags & TH_URG) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(4, s.urg_ptr);
	/* Not acknowledged: the retransmission still points at the same byte. */
	ASSERT_EQ(1, sp_data(&self->peer, &s, SP_RTO_MS));
	EXPECT_EQ(self->kiss + 1, s.seq) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(TH_URG, s.flags & TH_URG) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(4, s.urg_ptr);
	self->peer.rcv_nxt += 4;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	ASSERT_EQ(0, wait_acked(self->fd));
	ASSERT_EQ(3, send(self->fd, "def", 3, MSG_NOSIGNAL));
	ASSERT_EQ(1, sp_data(&self->peer, &s, SP_WAIT_MS));
	EXPECT_EQ(self->kiss + 5, s.seq) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(0, s.flags & TH_URG) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(0, s.urg_ptr);
}

/*
 * Urgent data goes at once (tcp_nagle_test()): with a small segment unacknowledged, Nagle
 * holds "b", but the urgent "X" written after it takes "b" along at once, long before the
 * retransmission of "a" could come.
 */
TEST_F(sp, urgent_beats_nagle)
{
	struct pkt_seg s;

	ASSERT_EQ(1, send(self->fd, "a", 1, MSG_NOSIGNAL));
	ASSERT_EQ(1, sp_data(&self->peer, &s, SP_WAIT_MS));
	ASSERT_EQ(self->kiss + 1, s.seq) TH_LOG("%s", SP_SEG(s));
	ASSERT_EQ(1, send(self->fd, "b", 1, MSG_NOSIGNAL));
	ASSERT_EQ(1, send(self->fd, "X", 1, MSG_OOB | MSG_NOSIGNAL));
	ASSERT_EQ(1, sp_data(&self->peer, &s, SP_WAIT_MS));
	EXPECT_EQ(self->kiss + 2, s.seq) TH_LOG("%s", SP_SEG(s));
	ASSERT_EQ(2, s.len) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(0, memcmp(s.data, "bX", 2));
	EXPECT_EQ(TH_URG, s.flags & TH_URG) TH_LOG("%s", SP_SEG(s));
	EXPECT_EQ(2, s.urg_ptr);
}

/*
 * Pointers a kernel TCP never sends: ahead of the data (EAGAIN until the byte comes, no
 * POLLPRI), zero (the segment's first byte), far beyond everything (EAGAIN, then 0 once
 * the peer's FIN has come).
 */
TEST_F(sp, recv_odd_pointers)
{
	char buf[16] = { 0 };

	/* "ab", pointer 5: the urgent byte is the 4th after 'a' (BSD: pointer - 1). */
	ASSERT_EQ(0, sp_send(&self->peer, TH_ACK | TH_PSH | TH_URG, "ab", 5));
	ASSERT_EQ(POLLIN, sl_poll_for(self->fd, POLLIN, POLLIN, SP_WAIT_MS) & POLLIN);
	EXPECT_EQ(-EAGAIN, recv_now(self->fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(0, pri_pending(self->fd));
	EXPECT_EQ(0, atmark(self->fd));
	ASSERT_EQ(2, recv_now(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	ASSERT_EQ(0, sp_send(&self->peer, TH_ACK | TH_PSH, "cdXe", 0));
	ASSERT_EQ(POLLPRI, sl_poll_for(self->fd, POLLPRI, POLLPRI, SP_WAIT_MS) & POLLPRI);
	ASSERT_EQ(2, recv_now(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "cd", 2));
	EXPECT_EQ(1, atmark(self->fd));
	ASSERT_EQ(1, recv_now(self->fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('X', buf[0]);
	ASSERT_EQ(1, recv_now(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ('e', buf[0]);

	/* Pointer 0: not decremented, the segment's first byte is urgent. */
	ASSERT_EQ(0, sp_send(&self->peer, TH_ACK | TH_PSH | TH_URG, "Qr", 0));
	ASSERT_EQ(POLLPRI, sl_poll_for(self->fd, POLLPRI, POLLPRI, SP_WAIT_MS) & POLLPRI);
	EXPECT_EQ(1, atmark(self->fd));
	ASSERT_EQ(1, recv_now(self->fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ('Q', buf[0]);
	ASSERT_EQ(1, recv_now(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ('r', buf[0]);

	/* Pointer 0xffff: far beyond the data; the byte never comes. */
	ASSERT_EQ(0, sp_send(&self->peer, TH_ACK | TH_PSH | TH_URG, "s", 0xffff));
	ASSERT_EQ(POLLIN, sl_poll_for(self->fd, POLLIN, POLLIN, SP_WAIT_MS) & POLLIN);
	EXPECT_EQ(-EAGAIN, recv_now(self->fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(0, pri_pending(self->fd));
	ASSERT_EQ(1, recv_now(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ('s', buf[0]);
	ASSERT_EQ(0, sp_send(&self->peer, TH_ACK | TH_FIN, "", 0));
	ASSERT_EQ(POLLRDHUP, sl_poll_for(self->fd, POLLRDHUP, POLLRDHUP, SP_WAIT_MS) & POLLRDHUP);
	EXPECT_EQ(0, recv_now(self->fd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(0, recv_now(self->fd, buf, sizeof(buf), 0));
}

TEST_HARNESS_MAIN
