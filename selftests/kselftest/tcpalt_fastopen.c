// SPDX-License-Identifier: GPL-2.0
/*
 * TCP Fast Open (RFC 7413), each case on the kernel's TCP first (the reference), then on
 * tcpalt, and across the two (a tcpalt client of a kernel-TCP server and back):
 *
 *   sockopts        TCP_FASTOPEN, TCP_FASTOPEN_CONNECT, TCP_FASTOPEN_NO_COOKIE ranges, states
 *                   and errno; MSG_FASTOPEN's errno (connected, listening, no address,
 *                   AF_UNSPEC)
 *   cookie_data     a first sendto(MSG_FASTOPEN) gets a cookie, a second one's data rides
 *                   in the SYN (a non-blocking sendto() returns the bytes the SYN took)
 *   connect_defer   TCP_FASTOPEN_CONNECT: connect() asks for a cookie, then with one it
 *                   returns at once and the first write() carries the SYN
 *   sysctl_bits     net.ipv4.tcp_fastopen 0 (off), 1 (no server: no cookie), 0x5 (client
 *                   without cookie: data a server without 0x200 does not take, sent again),
 *                   0x207 (server without cookie)
 *   key             TCP_FASTOPEN_KEY lengths and read-back; under one key both stacks make the
 *                   same cookies; a backup key's cookie is taken
 *   threads         threads' Fast Open connections at once into a queue of 2: all data arrives
 *
 * and, against a scripted peer on a TUN device (pktpeer.h), bytes on the wire:
 *
 *   server_wire     a cookie request gets a cookie (in the experimental form for a request in
 *                   that form); a valid cookie's data is acknowledged by
 *                   the SYN-ACK and accept() returns it before the final ACK; a bad cookie
 *                   gets a fresh one and only its SYN is acknowledged; past TCP_FASTOPEN's
 *                   queue length the SYN's data is not taken; the accepted child sends
 *                   before the final ACK
 *   client_wire     the SYN asks for a cookie, the next carries it and the data; data a
 *                   SYN-ACK does not acknowledge is sent again at once
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#include "pktpeer.h"
#include "pktpeer_fixture.h"

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT	30
#endif
#ifndef TCP_FASTOPEN_NO_COOKIE
#define TCP_FASTOPEN_NO_COOKIE	34
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN		0x20000000
#endif
#ifndef TCPI_OPT_SYN_DATA
#define TCPI_OPT_SYN_DATA	32
#endif

#define TFO_SYSCTL	"/proc/sys/net/ipv4/tcp_fastopen"
#define WAIT_MS		2000

static int set_int(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_TCP, opt, &val, sizeof(val)) ? errno : 0;
}

static int get_int(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int val = INT_MIN;

	return getsockopt(fd, SOL_TCP, opt, &val, &len) ? -errno : val;
}

static int tfo_sysctl(int val)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", val);
	return sl_write_file(TFO_SYSCTL, buf);
}

static int tcpi_options(int fd)
{
	struct tcp_info ti;

	return tcp_info_of(fd, &ti) ? -1 : ti.tcpi_options;
}

/*
 * TCP_INFO tcpi_fastopen_client_fail (Linux's struct tcp_info: bits 1-2 of byte 7, which
 * glibc's struct does not name), or -1.
 */
static int tcpi_client_fail(int fd)
{
	struct tcp_info ti;

	return tcp_info_of(fd, &ti) ? -1 : (((const uint8_t *)&ti)[7] >> 1) & 3;
}

/* sendto(MSG_FASTOPEN): the byte count, or -errno. */
static ssize_t fo_sendto(int fd, const void *buf, size_t len, const struct sockaddr_in *to)
{
	ssize_t n = sendto(fd, buf, len, MSG_FASTOPEN, (const struct sockaddr *)to, sizeof(*to));

	return n < 0 ? -errno : n;
}

/* Read exactly len bytes within WAIT_MS; 0 if they equal want. */
static int read_all(int fd, const uint8_t *want, size_t len)
{
	uint8_t buf[4096];
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (!(sl_poll(fd, POLLIN, WAIT_MS) & POLLIN))
			return -ETIMEDOUT;
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		got += n;
	}
	return memcmp(buf, want, len) ? -EBADMSG : 0;
}

FIXTURE(fo) {
	int cfam, sfam;
	bool calt, salt;
};

FIXTURE_VARIANT(fo) {
	bool calt, salt;
};

FIXTURE_VARIANT_ADD(fo, inet) {
	.calt = false, .salt = false,
};

FIXTURE_VARIANT_ADD(fo, tcpalt) {
	.calt = true, .salt = true,
};

FIXTURE_VARIANT_ADD(fo, alt_client) {
	.calt = true, .salt = false,
};

FIXTURE_VARIANT_ADD(fo, alt_server) {
	.calt = false, .salt = true,
};

FIXTURE_SETUP(fo)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, sl_netns_lo_up());
	self->calt = variant->calt;
	self->salt = variant->salt;
	self->cfam = variant->calt ? tcpalt_family() : AF_INET;
	self->sfam = variant->salt ? tcpalt_family() : AF_INET;
	ASSERT_EQ(0, tfo_sysctl(3));
}

FIXTURE_TEARDOWN(fo)
{
}

/* A listener of the server's family with TCP_FASTOPEN qlen. */
static int fo_listener(FIXTURE_DATA(fo) *self, int qlen)
{
	int fd = sl_listener(self->sfam, 0, 16);

	if (fd >= 0 && qlen && set_int(fd, TCP_FASTOPEN, qlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F_TIMEOUT(fo, sockopts, 30)
{
	struct sockaddr_in unspec = { .sin_family = AF_UNSPEC };
	struct sl_pair p;
	struct sockaddr_in to;
	int fd, lfd;

	fd = socket(self->cfam, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_int(fd, TCP_FASTOPEN));
	EXPECT_EQ(EINVAL, set_int(fd, TCP_FASTOPEN, -1));
	EXPECT_EQ(0, set_int(fd, TCP_FASTOPEN, 5));
	EXPECT_EQ(5, get_int(fd, TCP_FASTOPEN));
	EXPECT_EQ(0, set_int(fd, TCP_FASTOPEN, 1 << 30));	/* capped at somaxconn */
	EXPECT_EQ(4096, get_int(fd, TCP_FASTOPEN));
	EXPECT_EQ(EINVAL, set_int(fd, TCP_FASTOPEN_CONNECT, 2));
	EXPECT_EQ(EINVAL, set_int(fd, TCP_FASTOPEN_CONNECT, -1));
	EXPECT_EQ(0, set_int(fd, TCP_FASTOPEN_CONNECT, 1));
	EXPECT_EQ(1, get_int(fd, TCP_FASTOPEN_CONNECT));
	EXPECT_EQ(EINVAL, set_int(fd, TCP_FASTOPEN_NO_COOKIE, 2));
	EXPECT_EQ(0, set_int(fd, TCP_FASTOPEN_NO_COOKIE, 1));
	EXPECT_EQ(1, get_int(fd, TCP_FASTOPEN_NO_COOKIE));
	/* No address, and AF_UNSPEC. */
	EXPECT_EQ(-EINVAL, send(fd, "x", 1, MSG_FASTOPEN) < 0 ? -errno : 0);
	EXPECT_EQ(-EOPNOTSUPP, fo_sendto(fd, "x", 1, &unspec));
	ASSERT_EQ(0, tfo_sysctl(0));
	EXPECT_EQ(EOPNOTSUPP, set_int(fd, TCP_FASTOPEN_CONNECT, 1));
	EXPECT_EQ(EINVAL, set_int(fd, TCP_FASTOPEN_CONNECT, 2));
	to = sl_loopback(9);
	EXPECT_EQ(-EOPNOTSUPP, fo_sendto(fd, "x", 1, &to));
	ASSERT_EQ(0, tfo_sysctl(3));
	close(fd);

	/* A listener takes TCP_FASTOPEN; MSG_FASTOPEN on it is EISCONN. */
	lfd = sl_listener(self->cfam, 0, 4);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, set_int(lfd, TCP_FASTOPEN, 3));
	EXPECT_EQ(3, get_int(lfd, TCP_FASTOPEN));
	EXPECT_EQ(0, set_int(lfd, TCP_FASTOPEN_NO_COOKIE, 0));
	EXPECT_EQ(EINVAL, set_int(lfd, TCP_FASTOPEN_CONNECT, 1));
	to = sl_loopback(sl_local_port(lfd));
	EXPECT_EQ(-EISCONN, fo_sendto(lfd, "x", 1, &to));
	close(lfd);

	/* Connected: TCP_FASTOPEN*, EINVAL; MSG_FASTOPEN, EISCONN. */
	ASSERT_EQ(0, sl_make_pair(self->cfam, self->sfam, 0, &p));
	EXPECT_EQ(EINVAL, set_int(p.c, TCP_FASTOPEN, 1));
	EXPECT_EQ(EINVAL, set_int(p.c, TCP_FASTOPEN_CONNECT, 1));
	EXPECT_EQ(EINVAL, set_int(p.c, TCP_FASTOPEN_NO_COOKIE, 1));
	to = sl_loopback(sl_local_port(p.l));
	EXPECT_EQ(-EISCONN, fo_sendto(p.c, "x", 1, &to));
	EXPECT_EQ(-EISCONN, send(p.c, "x", 1, MSG_FASTOPEN) < 0 ? -errno : 0);
	EXPECT_EQ(0, tcpi_options(p.c) & TCPI_OPT_SYN_DATA);
	sl_pair_close(&p);
}

/*
 * A Fast Open connection with sendto(MSG_FASTOPEN): blocking, or not (then the bytes the SYN
 * took, or -EINPROGRESS); the server accepts it and reads the data.  The accepted fd, or -1.
 */
static int fo_round(struct __test_metadata *_metadata, FIXTURE_DATA(fo) *self, int lfd,
		    bool nonblock, ssize_t want, const uint8_t *data, size_t len, int *cfd)
{
	struct sockaddr_in to = sl_loopback(sl_local_port(lfd));
	int fd, s;

	fd = socket(self->cfam, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
	EXPECT_LE(0, fd);
	if (fd < 0)
		return -1;
	sl_set_timeouts(fd, WAIT_MS);
	EXPECT_EQ(want, fo_sendto(fd, data, len, &to));
	if (want == -EINPROGRESS) {
		EXPECT_EQ(POLLOUT, sl_poll_for(fd, POLLOUT, POLLOUT, WAIT_MS) & POLLOUT);
		EXPECT_EQ((ssize_t)len, send(fd, data, len, 0));
	}
	s = sl_accept(lfd, WAIT_MS);
	EXPECT_LE(0, s);
	if (s >= 0)
		EXPECT_EQ(0, read_all(s, data, len));
	*cfd = fd;
	return s;
}

TEST_F_TIMEOUT(fo, cookie_data, 30)
{
	uint8_t data[100];
	int lfd, s, c;
	long reqd, passive, active;

	sl_fill(data, sizeof(data), 1, 0);
	lfd = fo_listener(self, 16);
	ASSERT_LE(0, lfd);
	reqd = sl_stack_stat(self->salt, "TCPFastOpenCookieReqd");
	passive = sl_stack_stat(self->salt, "TCPFastOpenPassive");
	active = sl_stack_stat(self->calt, "TCPFastOpenActive");

	/* No cookie yet: the SYN asks for one, the data follows the handshake. */
	s = fo_round(_metadata, self, lfd, false, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, tcpi_options(c) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(0, tcpi_options(s) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(reqd + 1, sl_stack_stat(self->salt, "TCPFastOpenCookieReqd"));
	EXPECT_EQ(passive, sl_stack_stat(self->salt, "TCPFastOpenPassive"));
	close(c);
	close(s);

	/* Non-blocking and no cookie yet is impossible now: the SYN takes the data. */
	s = fo_round(_metadata, self, lfd, true, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(POLLOUT, sl_poll_for(c, POLLOUT, POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(c) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(s) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(passive + 1, sl_stack_stat(self->salt, "TCPFastOpenPassive"));
	EXPECT_EQ(active + 1, sl_stack_stat(self->calt, "TCPFastOpenActive"));
	/* The connection goes on as any other. */
	EXPECT_EQ(5, send(s, "reply", 5, 0));
	EXPECT_EQ(0, read_all(c, (const uint8_t *)"reply", 5));
	close(c);
	close(s);

	/* A blocking one with a cookie: all the data, the SYN's share first. */
	s = fo_round(_metadata, self, lfd, false, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(c) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(passive + 2, sl_stack_stat(self->salt, "TCPFastOpenPassive"));
	close(c);
	close(s);
	close(lfd);
}

TEST_F_TIMEOUT(fo, connect_defer, 30)
{
	uint8_t data[64];
	struct sockaddr_in to;
	int lfd, fd, s, i;

	sl_fill(data, sizeof(data), 2, 0);
	lfd = fo_listener(self, 16);
	ASSERT_LE(0, lfd);
	to = sl_loopback(sl_local_port(lfd));
	for (i = 0; i < 2; i++) {
		fd = socket(self->cfam, SOCK_STREAM, 0);
		ASSERT_LE(0, fd);
		sl_set_timeouts(fd, WAIT_MS);
		ASSERT_EQ(0, set_int(fd, TCP_FASTOPEN_CONNECT, 1));
		ASSERT_EQ(0, connect(fd, (struct sockaddr *)&to, sizeof(to)));
		if (i) {
			/* With a cookie: nothing sent yet, and writable. */
			EXPECT_EQ(TCP_SYN_SENT, tcpi_state(fd));
			EXPECT_EQ(POLLOUT, sl_poll(fd, POLLOUT, 0) & POLLOUT);
		} else {
			EXPECT_EQ(TCP_ESTABLISHED, tcpi_state(fd));
		}
		EXPECT_EQ((ssize_t)sizeof(data), write(fd, data, sizeof(data)));
		s = sl_accept(lfd, WAIT_MS);
		ASSERT_LE(0, s);
		EXPECT_EQ(0, read_all(s, data, sizeof(data)));
		EXPECT_EQ(i ? TCPI_OPT_SYN_DATA : 0, tcpi_options(fd) & TCPI_OPT_SYN_DATA);
		EXPECT_EQ(i ? TCPI_OPT_SYN_DATA : 0, tcpi_options(s) & TCPI_OPT_SYN_DATA);
		close(s);
		close(fd);
	}
	close(lfd);
}

TEST_F_TIMEOUT(fo, sysctl_bits, 30)
{
	uint8_t data[80];
	long fail;
	int lfd, s, c;

	sl_fill(data, sizeof(data), 3, 0);
	lfd = fo_listener(self, 16);
	ASSERT_LE(0, lfd);

	/* 1: client only.  The server gives no cookie, so no SYN ever carries data. */
	ASSERT_EQ(0, tfo_sysctl(1));
	s = fo_round(_metadata, self, lfd, false, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	close(c);
	close(s);
	s = fo_round(_metadata, self, lfd, true, -EINPROGRESS, data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, tcpi_options(c) & TCPI_OPT_SYN_DATA);
	close(c);
	close(s);

	/* 5: the client sends data without a cookie; the server does not take it. */
	ASSERT_EQ(0, tfo_sysctl(5));
	fail = sl_stack_stat(self->calt, "TCPFastOpenActiveFail");
	s = fo_round(_metadata, self, lfd, true, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, tcpi_options(s) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(fail + 1, sl_stack_stat(self->calt, "TCPFastOpenActiveFail"));
	close(c);
	close(s);

	/* 0x207: the server takes data without a cookie too. */
	ASSERT_EQ(0, tfo_sysctl(0x207));
	s = fo_round(_metadata, self, lfd, true, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(s) & TCPI_OPT_SYN_DATA);
	close(c);
	close(s);
	close(lfd);
}

#ifndef TCP_FASTOPEN_KEY
#define TCP_FASTOPEN_KEY	33
#endif

/* TCP_FASTOPEN_KEY read back into key: its length, or -errno. */
static int get_key(int fd, uint8_t *key, int size)
{
	socklen_t len = size;

	return getsockopt(fd, SOL_TCP, TCP_FASTOPEN_KEY, key, &len) ? -errno : (int)len;
}

/*
 * TCP_FASTOPEN_KEY: lengths, read-back; and under one key the kernel TCP and tcpalt make the
 * same cookies: a cookie from a listener of one stack opens with data to the other's (the
 * client caches cookies per server address, and both listen on 127.0.0.1).  A backup key's
 * cookie is taken too (TCPFastOpenPassiveAltKey).
 */
TEST_F_TIMEOUT(fo, key, 30)
{
	const uint8_t k[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36 };
	int bfam = self->calt || self->salt ? (self->salt ? AF_INET : tcpalt_family()) : AF_INET;
	bool balt = bfam != AF_INET;
	uint8_t data[50], got[40];
	int a, b, s, c, fd;
	long altkey;

	sl_fill(data, sizeof(data), 6, 0);
	fd = socket(self->cfam, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_key(fd, got, sizeof(got)));
	EXPECT_EQ(-EINVAL, setsockopt(fd, SOL_TCP, TCP_FASTOPEN_KEY, k, 8) ? -errno : 0);
	EXPECT_EQ(-EINVAL, setsockopt(fd, SOL_TCP, TCP_FASTOPEN_KEY, k, 20) ? -errno : 0);
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_FASTOPEN_KEY, k, 16));
	EXPECT_EQ(16, get_key(fd, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, k, 16));
	EXPECT_EQ(8, get_key(fd, got, 8));
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_FASTOPEN_KEY, k, 32));
	EXPECT_EQ(32, get_key(fd, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, k, 32));
	close(fd);

	/* a: the server's stack, key k; b: the other stack, the same key. */
	a = fo_listener(self, 16);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, setsockopt(a, SOL_TCP, TCP_FASTOPEN_KEY, k, 16));
	b = sl_listener(bfam, 0, 16);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, set_int(b, TCP_FASTOPEN, 16));
	ASSERT_EQ(0, setsockopt(b, SOL_TCP, TCP_FASTOPEN_KEY, k, 16));
	s = fo_round(_metadata, self, a, false, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	close(c);
	close(s);
	s = fo_round(_metadata, self, b, true, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(s) & TCPI_OPT_SYN_DATA);
	close(c);
	close(s);

	/* b's primary key changes, k stays as its backup: the cookie still opens with data. */
	altkey = sl_stack_stat(balt, "TCPFastOpenPassiveAltKey");
	ASSERT_EQ(0, setsockopt(b, SOL_TCP, TCP_FASTOPEN_KEY, k + 16, 16));
	{
		uint8_t both[32];

		memcpy(both, k + 16, 16);
		memcpy(both + 16, k, 16);
		ASSERT_EQ(0, setsockopt(b, SOL_TCP, TCP_FASTOPEN_KEY, both, 32));
	}
	s = fo_round(_metadata, self, b, true, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(s) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(altkey + 1, sl_stack_stat(balt, "TCPFastOpenPassiveAltKey"));
	close(c);
	close(s);
	close(a);
	close(b);
}

#define THREADS		4
#define PER_THREAD	40

struct fo_worker {
	int fam;
	struct sockaddr_in to;
	const uint8_t *data;
	size_t len;
	int ok;		/* connections whose SYN took all the data and that connected */
};

static void *fo_worker_run(void *arg)
{
	struct fo_worker *w = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		int fd = socket(w->fam, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0)
			continue;
		if (fo_sendto(fd, w->data, w->len, &w->to) == (ssize_t)w->len &&
		    (sl_poll_for(fd, POLLOUT, POLLOUT, WAIT_MS) & POLLOUT))
			w->ok++;
		close(fd);
	}
	return NULL;
}

/*
 * Threads open Fast Open connections at once while the listener accepts them: with a queue
 * of 2 some SYNs overflow it and their data comes after the handshake; every byte arrives.
 */
TEST_F_TIMEOUT(fo, threads, 60)
{
	struct fo_worker w[THREADS];
	pthread_t th[THREADS];
	uint8_t data[200];
	int lfd, s, c, i, got = 0, ok = 0;

	sl_fill(data, sizeof(data), 4, 0);
	lfd = sl_listener(self->sfam, 0, THREADS * PER_THREAD);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_int(lfd, TCP_FASTOPEN, 2));
	s = fo_round(_metadata, self, lfd, false, sizeof(data), data, sizeof(data), &c);
	ASSERT_LE(0, s);
	close(c);
	close(s);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct fo_worker){ .fam = self->cfam, .data = data, .len = sizeof(data),
					   .to = sl_loopback(sl_local_port(lfd)) };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fo_worker_run, &w[i]));
	}
	for (i = 0; i < THREADS * PER_THREAD; i++) {
		s = sl_accept(lfd, WAIT_MS);
		if (s < 0)
			break;
		if (!read_all(s, data, sizeof(data)))
			got++;
		close(s);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
	}
	EXPECT_EQ(THREADS * PER_THREAD, ok);
	EXPECT_EQ(THREADS * PER_THREAD, got);
	close(lfd);
}

/* ---- on the wire, against a scripted peer ---- */

FIXTURE(fopeer) {
	PEER_FIXTURE_MEMBERS;
	char seg[200];
};

PEER_VARIANTS(fopeer);

FIXTURE_SETUP(fopeer)
{
	PEER_FIXTURE_SETUP();
	ASSERT_EQ(0, tfo_sysctl(3));
}

FIXTURE_TEARDOWN(fopeer)
{
	peer_fixture_teardown(_metadata, &self->peer, self->fd, self->lfd);
}

#define SEG(s)	peer_fmt(&(s), self->seg, sizeof(self->seg))
#define PORT	5300

/*
 * The Fast Open option of a segment: the cookie's length (0: a request), 100 + the length in
 * the experimental form, or -1 when absent.
 */
static int seg_cookie(const struct pkt_seg *s, uint8_t *cookie)
{
	size_t i = 0;

	while (i < s->optlen) {
		uint8_t kind = s->opt[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= s->optlen)
			break;
		len = s->opt[i + 1];
		if (len < 2 || i + len > s->optlen)
			break;
		if (kind == 34) {
			memcpy(cookie, s->opt + i + 2, len - 2);
			return len - 2;
		}
		/* The experimental form (kind 254, ExID 0xF989): its length plus 100. */
		if (kind == 254 && len >= 4 && s->opt[i + 2] == 0xf9 && s->opt[i + 3] == 0x89) {
			memcpy(cookie, s->opt + i + 4, len - 4);
			return 100 + len - 4;
		}
		i += len;
	}
	return -1;
}

/* The peer's SYN from port with a Fast Open option (cookie_len < 0: none) and data. */
static int peer_fo_syn(struct pkt_peer *p, uint16_t port, uint32_t seq, const uint8_t *cookie,
		       int cookie_len, const void *data, size_t len)
{
	uint8_t opt[40] = { 2, 4, p->mss >> 8, p->mss & 0xff };
	struct pkt_out o = { .flags = TH_SYN, .seq = seq, .data = data, .len = len };
	size_t optlen = 4;

	if (cookie_len >= 0) {
		opt[optlen++] = 34;
		opt[optlen++] = 2 + cookie_len;
		memcpy(opt + optlen, cookie, cookie_len);
		optlen += cookie_len;
	}
	p->port = port;
	return peer_xmit_opts(p, &o, opt, optlen);
}

/* Wait for the kernel's SYN-ACK to the peer's port. */
#define EXPECT_SYNACK(pport, s) do { \
	self->peer.port = (pport); \
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN | TH_ACK, TH_CTL, WAIT_MS, &(s))) \
		TH_LOG("no SYN-ACK; last skipped %s", self->peer.last_skipped); \
} while (0)

/* Close with a RST: nothing retransmits to the peer after the test. */
static void abort_close(int fd)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(fd);
}

/* The kernel's next segment to the peer with data, skipping pure ACKs. */
static int expect_data(struct pkt_peer *p, struct pkt_seg *s)
{
	long long end = peer_now_ms() + WAIT_MS;
	int r;

	do {
		r = peer_expect(p, TH_ACK, TH_CTL, (int)(end - peer_now_ms()), s);
		if (r != 1 || s->len)
			return r;
	} while (peer_now_ms() < end);
	return 0;
}

TEST_F_TIMEOUT(fopeer, server_wire, 30)
{
	uint8_t cookie[16], got[16], bad[16], data[40];
	struct pkt_out rst = { .flags = TH_RST };
	struct pkt_seg s;
	int n, fd2;

	peer_fill(data, sizeof(data), 5);
	self->lfd = peer_listen(self->family, PORT, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, set_int(self->lfd, TCP_FASTOPEN, 1));
	self->peer.kport = PORT;

	/* A cookie request: the SYN-ACK brings the cookie, and acknowledges the SYN only. */
	ASSERT_EQ(0, peer_fo_syn(&self->peer, 40001, 1000, NULL, 0, data, sizeof(data)));
	EXPECT_SYNACK(40001, s);
	EXPECT_EQ(1001, s.ack) TH_LOG("%s", SEG(s));
	n = seg_cookie(&s, cookie);
	ASSERT_EQ(8, n) TH_LOG("%s", SEG(s));
	rst.seq = 1001;
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));

	/* A request in the experimental form is answered in that form, with the same cookie. */
	{
		const uint8_t exp_req[8] = { 2, 4, 0x05, 0x78, 254, 4, 0xf9, 0x89 };
		struct pkt_out syn = { .flags = TH_SYN, .seq = 6000 };

		self->peer.port = 40006;
		ASSERT_EQ(0, peer_xmit_opts(&self->peer, &syn, exp_req, sizeof(exp_req)));
		EXPECT_SYNACK(40006, s);
		EXPECT_EQ(108, seg_cookie(&s, got)) TH_LOG("%s", SEG(s));
		EXPECT_EQ(0, memcmp(got, cookie, 8));
		rst.seq = 6001;
		ASSERT_EQ(0, peer_xmit(&self->peer, &rst));
	}

	/*
	 * A bad cookie: a fresh one in the SYN-ACK, the SYN alone acknowledged, nothing to
	 * accept.  (Before the queue below fills: a full queue sends no cookie at all.)
	 */
	memcpy(bad, cookie, 8);
	bad[0] ^= 0x55;
	ASSERT_EQ(0, peer_fo_syn(&self->peer, 40003, 3000, bad, 8, data, sizeof(data)));
	EXPECT_SYNACK(40003, s);
	EXPECT_EQ(3001, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(8, seg_cookie(&s, got)) TH_LOG("%s", SEG(s));
	EXPECT_EQ(0, memcmp(got, cookie, 8));
	EXPECT_EQ(1, sl_stack_stat(self->alt, "TCPFastOpenPassiveFail"));
	fd2 = peer_accept(self->lfd, 200, NULL);
	EXPECT_EQ(-1, fd2);
	rst.seq = 3001;
	self->peer.port = 40003;
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));

	/* The cookie with data: the SYN-ACK acknowledges the data, accept() returns it now. */
	ASSERT_EQ(0, peer_fo_syn(&self->peer, 40002, 2000, cookie, 8, data, sizeof(data)));
	EXPECT_SYNACK(40002, s);
	EXPECT_EQ(2001 + sizeof(data), s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(-1, seg_cookie(&s, got)) TH_LOG("%s", SEG(s));
	self->kiss = s.seq;
	self->fd = peer_accept(self->lfd, WAIT_MS, NULL);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(TCP_SYN_RECV, tcpi_state(self->fd));
	EXPECT_EQ(0, read_all(self->fd, data, sizeof(data)));
	EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(self->fd) & TCPI_OPT_SYN_DATA);
	EXPECT_EQ(1, sl_stack_stat(self->alt, "TCPFastOpenPassive"));
	/* It may answer before the handshake ends (RFC 7413 4.2.2). */
	EXPECT_EQ(2, send(self->fd, "hi", 2, MSG_DONTWAIT));
	ASSERT_EQ(1, expect_data(&self->peer, &s));
	EXPECT_EQ(self->kiss + 1, s.seq) TH_LOG("%s", SEG(s));
	EXPECT_EQ(2, s.len) TH_LOG("%s", SEG(s));
	EXPECT_EQ(2001 + sizeof(data), s.ack) TH_LOG("%s", SEG(s));

	/* TCP_FASTOPEN 1, one child waiting for its ACK: the next SYN's data is not taken. */
	ASSERT_EQ(0, peer_fo_syn(&self->peer, 40004, 4000, cookie, 8, data, sizeof(data)));
	EXPECT_SYNACK(40004, s);
	EXPECT_EQ(4001, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(1, sl_stack_stat(self->alt, "TCPFastOpenListenOverflow"));
	rst.seq = 4001;
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));

	/* The first child's handshake ends: its place is free again. */
	{
		struct pkt_out ack = { .flags = TH_ACK, .seq = 2001 + sizeof(data),
				       .ack = self->kiss + 1 };

		self->peer.port = 40002;
		ASSERT_EQ(0, peer_xmit(&self->peer, &ack));
	}
	for (n = 0; n < 100 && tcpi_state(self->fd) != TCP_ESTABLISHED; n++)
		usleep(10000);
	EXPECT_EQ(TCP_ESTABLISHED, tcpi_state(self->fd));
	ASSERT_EQ(0, peer_fo_syn(&self->peer, 40005, 5000, cookie, 8, data, sizeof(data)));
	EXPECT_SYNACK(40005, s);
	EXPECT_EQ(5001 + sizeof(data), s.ack) TH_LOG("%s", SEG(s));
	fd2 = peer_accept(self->lfd, WAIT_MS, NULL);
	EXPECT_LE(0, fd2);
	if (fd2 >= 0) {
		EXPECT_EQ(0, read_all(fd2, data, sizeof(data)));
		close(fd2);
	}
	rst.seq = 5001 + sizeof(data);
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));
}

TEST_F_TIMEOUT(fopeer, client_wire, 30)
{
	const uint8_t cookie[8] = { 0xc0, 0x0c, 0x1e, 0x5a, 1, 2, 3, 4 };
	uint8_t opt[16] = { 2, 4, 0x05, 0x78, 34, 10 };
	struct sockaddr_in to = sl_addr(PEER_REMOTE, PORT);
	uint8_t data[30], got[16];
	struct pkt_out synack = { .flags = TH_SYN | TH_ACK, .seq = 7000 };
	struct pkt_seg s;
	int fd, i;

	memcpy(opt + 6, cookie, sizeof(cookie));
	peer_fill(data, sizeof(data), 9);
	self->peer.port = PORT;

	/* No cookie: the SYN asks for one and carries no data. */
	fd = socket(self->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	self->fd = fd;
	EXPECT_EQ(-EINPROGRESS, fo_sendto(fd, data, sizeof(data), &to));
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN, TH_CTL, WAIT_MS, &s));
	EXPECT_EQ(0, s.len) TH_LOG("%s", SEG(s));
	EXPECT_EQ(0, seg_cookie(&s, got)) TH_LOG("%s", SEG(s));
	self->peer.kport = s.sport;
	synack.ack = s.seq + 1;
	ASSERT_EQ(0, peer_xmit_opts(&self->peer, &synack, opt, 16));
	ASSERT_EQ(1, peer_expect(&self->peer, TH_ACK, TH_CTL, WAIT_MS, &s));
	EXPECT_EQ(0, s.len);
	EXPECT_EQ(1, tcpi_client_fail(fd));	/* TFO_COOKIE_UNAVAILABLE */

	/* With the cookie: the SYN carries it and the data; non-blocking sendto() counts it. */
	for (i = 0; i < 2; i++) {
		long fail = sl_stack_stat(self->alt, "TCPFastOpenActiveFail");
		long ok = sl_stack_stat(self->alt, "TCPFastOpenActive");
		uint32_t kiss;

		abort_close(self->fd);
		self->peer.kport = 0;
		peer_drain(&self->peer);
		fd = socket(self->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_LE(0, fd);
		self->fd = fd;
		EXPECT_EQ((ssize_t)sizeof(data), fo_sendto(fd, data, sizeof(data), &to));
		ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN, TH_CTL, WAIT_MS, &s));
		self->peer.kport = s.sport;
		kiss = s.seq;
		ASSERT_EQ(sizeof(data), s.len) TH_LOG("%s", SEG(s));
		EXPECT_EQ(0, memcmp(s.data, data, sizeof(data)));
		ASSERT_EQ(8, seg_cookie(&s, got)) TH_LOG("%s", SEG(s));
		EXPECT_EQ(0, memcmp(got, cookie, 8));
		if (!i) {
			/* A SYN-ACK of the SYN alone: the data goes again at once. */
			synack.ack = kiss + 1;
			ASSERT_EQ(0, peer_xmit_opts(&self->peer, &synack, opt, 4));
			ASSERT_EQ(1, expect_data(&self->peer, &s));
			EXPECT_EQ(kiss + 1, s.seq) TH_LOG("%s", SEG(s));
			EXPECT_EQ(sizeof(data), s.len) TH_LOG("%s", SEG(s));
			EXPECT_EQ(fail + 1, sl_stack_stat(self->alt, "TCPFastOpenActiveFail"));
			EXPECT_EQ(0, tcpi_options(fd) & TCPI_OPT_SYN_DATA);
			EXPECT_EQ(2, tcpi_client_fail(fd));	/* TFO_DATA_NOT_ACKED */
		} else {
			synack.ack = kiss + 1 + sizeof(data);
			ASSERT_EQ(0, peer_xmit_opts(&self->peer, &synack, opt, 4));
			ASSERT_EQ(1, peer_expect(&self->peer, TH_ACK, TH_CTL, WAIT_MS, &s));
			EXPECT_EQ(0, s.len) TH_LOG("%s", SEG(s));
			EXPECT_EQ(ok + 1, sl_stack_stat(self->alt, "TCPFastOpenActive"));
			EXPECT_EQ(TCPI_OPT_SYN_DATA, tcpi_options(fd) & TCPI_OPT_SYN_DATA);
			EXPECT_EQ(0, tcpi_client_fail(fd));
		}
	}
}

TEST_HARNESS_MAIN
