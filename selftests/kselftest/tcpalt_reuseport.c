// SPDX-License-Identifier: GPL-2.0
/*
 * SO_REUSEPORT listeners, held to Linux 6.1 TCP: variant "inet" runs each case on the kernel
 * TCP (the reference), variant "tcpalt" on AF_TCPALT, in a private namespace on loopback.
 *
 *   balance2/4     two or four listeners share 127.0.0.1:PORT; 200 clients from distinct
 *                  source ports: every connection is accepted exactly once, by some listener,
 *                  each listener gets at least a tenth of its fair share, data flows on each
 *   no_reuseport   a listener without SO_REUSEPORT, or a newcomer without it: EADDRINUSE
 *   other_uid      same options but another effective uid (a forked child): EADDRINUSE
 *   close_one      a listener of the group closes with connections in its accept queue: they
 *                  are reset (net.ipv4.tcp_migrate_req is 0 by default), the others' are not,
 *                  and the remaining listener takes every new connection
 *   same_tuple     a client bound to a fixed source port reconnects (SO_LINGER 0, so no
 *                  TIME-WAIT) and always reaches the same listener
 *   stress         four threads accept, each on its own listener, closing and reopening it,
 *                  while four threads connect and exchange a byte (races, for lockdep/KASAN)
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		5300
#define NCONN		200
#define MAXL		4
#define CPORT		40000	/* first client source port */

FIXTURE(rp) {
	int fam;
};

FIXTURE_VARIANT(rp) {
	int tcpalt;
};

FIXTURE_VARIANT_ADD(rp, inet) {
	.tcpalt = 0,
};

FIXTURE_VARIANT_ADD(rp, tcpalt) {
	.tcpalt = 1,
};

FIXTURE_SETUP(rp)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	self->fam = variant->tcpalt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(rp)
{
}

/*
 * The level SO_REUSEPORT is set at: Linux 6.1's core refuses it at SOL_SOCKET to any family
 * but AF_INET/AF_INET6 (sk_is_inet()), so tcpalt takes it at SOL_TCPALT (see sol_level).
 */
static int rp_level(int fam)
{
	return fam == AF_INET ? SOL_SOCKET : SOL_TCPALT;
}

/* A socket of fam bound to 127.0.0.1:port, with SO_REUSEPORT if reuseport.  fd or -errno. */
static int rp_bound(int fam, unsigned short port, int reuseport)
{
	struct sockaddr_in a = sl_loopback(port);
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if ((reuseport && sl_setint(fd, rp_level(fam), SO_REUSEPORT, 1)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* As rp_bound(), listening.  fd or -errno. */
static int rp_listener(int fam, unsigned short port, int reuseport)
{
	int fd = rp_bound(fam, port, reuseport);

	if (fd >= 0 && listen(fd, 512)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* A client of fam from 127.0.0.1:sport (0: ephemeral) connected to PORT.  fd or -errno. */
static int rp_client(int fam, unsigned short sport)
{
	struct sockaddr_in to = sl_loopback(PORT), from = sl_loopback(sport);
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	if (sport && (sl_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1) ||
		      bind(fd, (struct sockaddr *)&from, sizeof(from)))) {
		err = -errno;
		close(fd);
		return err;
	}
	err = sl_connect(fd, &to, SL_STEP_MS);
	if (!err)
		err = sl_set_timeouts(fd, SL_STEP_MS);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Accept one connection from any of the n listeners within ms.  The accepted fd, or -errno;
 * *which is the index of the listener that had it.
 */
static int rp_accept_any(const int *l, int n, int ms, int *which)
{
	struct pollfd p[MAXL];
	int i, fd;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = l[i], .events = POLLIN };
	if (poll(p, n, ms) < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		fd = accept4(l[i], NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return -errno;
		*which = i;
		sl_set_timeouts(fd, SL_STEP_MS);
		return fd;
	}
	return -ETIMEDOUT;
}

/* Close fd with SO_LINGER 0: a reset, and no TIME-WAIT left behind. */
static void rp_abort(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * n listeners, NCONN clients from distinct ports each sending its index; every accepted
 * connection reads the index and answers with the listener's number, the client checks it.
 */
static void rp_balance(struct __test_metadata *_metadata, int fam, int n)
{
	int l[MAXL], c[NCONN], s[NCONN], got[MAXL] = { 0 }, seen[NCONN] = { 0 };
	int i, which, idx, fair = NCONN / n;

	for (i = 0; i < n; i++) {
		l[i] = rp_listener(fam, PORT, 1);
		ASSERT_LE(0, l[i]) TH_LOG("listener %d: %s", i, strerror(-l[i]));
	}
	for (i = 0; i < NCONN; i++) {
		c[i] = rp_client(fam, 0);
		ASSERT_LE(0, c[i]) TH_LOG("client %d: %s", i, strerror(-c[i]));
		ASSERT_EQ((ssize_t)sizeof(i), send(c[i], &i, sizeof(i), 0));
	}
	for (i = 0; i < NCONN; i++) {
		s[i] = rp_accept_any(l, n, SL_STEP_MS, &which);
		ASSERT_LE(0, s[i]) TH_LOG("accept %d: %s", i, strerror(-s[i]));
		ASSERT_EQ((ssize_t)sizeof(idx), recv(s[i], &idx, sizeof(idx), MSG_WAITALL));
		ASSERT_TRUE(idx >= 0 && idx < NCONN);
		ASSERT_EQ(0, seen[idx]) TH_LOG("connection %d accepted twice", idx);
		seen[idx] = 1;
		got[which]++;
		ASSERT_EQ((ssize_t)sizeof(which), send(s[i], &which, sizeof(which), 0));
	}
	for (i = 0; i < n; i++) {
		int fd = -1;

		/* nothing is left over in any queue */
		EXPECT_EQ(-ETIMEDOUT, rp_accept_any(&l[i], 1, 0, &fd));
		TH_LOG("listener %d accepted %d of %d", i, got[i], NCONN);
		EXPECT_LE(fair / 10, got[i]);
	}
	for (i = 0; i < NCONN; i++) {
		ASSERT_EQ((ssize_t)sizeof(which), recv(c[i], &which, sizeof(which), MSG_WAITALL));
		EXPECT_TRUE(which >= 0 && which < n);
		rp_abort(c[i]);
		close(s[i]);
	}
	for (i = 0; i < n; i++)
		close(l[i]);
}

TEST_F(rp, balance2)
{
	rp_balance(_metadata, self->fam, 2);
}

TEST_F(rp, balance4)
{
	rp_balance(_metadata, self->fam, 4);
}

TEST_F(rp, sol_level)
{
	int fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_REUSEPORT));
	/* tcpalt: the core's refusal, before tcpalt sees the call */
	EXPECT_EQ(self->fam == AF_INET ? 0 : -EOPNOTSUPP,
		  sl_setint(fd, SOL_SOCKET, SO_REUSEPORT, 1));
	EXPECT_EQ(0, sl_setint(fd, rp_level(self->fam), SO_REUSEPORT, 1));
	EXPECT_EQ(1, sl_getint(fd, SOL_SOCKET, SO_REUSEPORT));
	EXPECT_EQ(0, sl_setint(fd, rp_level(self->fam), SO_REUSEPORT, 0));
	EXPECT_EQ(0, sl_getint(fd, SOL_SOCKET, SO_REUSEPORT));
	if (self->fam != AF_INET)
		EXPECT_EQ(-ENOPROTOOPT, sl_setint(fd, SOL_TCPALT, SO_REUSEADDR, 1));
	close(fd);
}

TEST_F(rp, no_reuseport)
{
	int a, b;

	/* the listener has SO_REUSEPORT, the newcomer not */
	a = rp_listener(self->fam, PORT, 1);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EADDRINUSE, rp_bound(self->fam, PORT, 0));
	close(a);
	/* the listener has none, the newcomer has it */
	a = rp_listener(self->fam, PORT + 1, 0);
	ASSERT_LE(0, a);
	EXPECT_EQ(-EADDRINUSE, rp_bound(self->fam, PORT + 1, 1));
	close(a);
	/* both have it: bind and listen succeed, the port still refuses a third without it */
	a = rp_listener(self->fam, PORT + 2, 1);
	ASSERT_LE(0, a);
	b = rp_listener(self->fam, PORT + 2, 1);
	ASSERT_LE(0, b) TH_LOG("second SO_REUSEPORT listener: %s", strerror(-b));
	EXPECT_EQ(-EADDRINUSE, rp_bound(self->fam, PORT + 2, 0));
	close(a);
	close(b);
}

TEST_F(rp, other_uid)
{
	int a, status, fd;
	pid_t pid;

	a = rp_listener(self->fam, PORT, 1);
	ASSERT_LE(0, a);
	/* a child of the same uid may join */
	fd = rp_listener(self->fam, PORT, 1);
	ASSERT_LE(0, fd);
	close(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* nobody, without capabilities (setresuid from root drops them) */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		fd = rp_bound(self->fam, PORT, 1);
		_exit(fd == -EADDRINUSE ? 0 : fd >= 0 ? 101 : 102);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("exit %d (101: bound, 102: other error)",
						  WEXITSTATUS(status));
	close(a);
}

TEST_F(rp, close_one)
{
	int l[2], c[NCONN / 2], s[NCONN / 2];
	int i, n = NCONN / 2, which, fd, nreset = 0, nserved = 0, byte;

	for (i = 0; i < 2; i++) {
		l[i] = rp_listener(self->fam, PORT, 1);
		ASSERT_LE(0, l[i]);
	}
	for (i = 0; i < n; i++) {
		c[i] = rp_client(self->fam, 0);
		ASSERT_LE(0, c[i]) TH_LOG("client %d: %s", i, strerror(-c[i]));
	}
	/* listener 0 goes with its accept queue; listener 1's connections are served */
	close(l[0]);
	for (i = 0; i < n; i++) {
		fd = rp_accept_any(&l[1], 1, 300, &which);
		if (fd < 0) {
			EXPECT_EQ(-ETIMEDOUT, fd);
			break;
		}
		s[i] = fd;
		ASSERT_EQ(1, send(s[i], "x", 1, 0));
	}
	while (i--)
		close(s[i]);
	for (i = 0; i < n; i++) {
		char ch;
		ssize_t r = recv(c[i], &ch, 1, 0);

		if (r == 1)
			nserved++;
		else if (r < 0 && errno == ECONNRESET)
			nreset++;
		else
			TH_LOG("client %d: recv %zd %s", i, r, r < 0 ? strerror(errno) : "");
		rp_abort(c[i]);
	}
	TH_LOG("%d served by the listener left, %d reset with the one closed", nserved, nreset);
	EXPECT_EQ(n, nserved + nreset);
	EXPECT_LT(0, nserved);
	EXPECT_LT(0, nreset);
	/* every new connection reaches the listener left */
	for (i = 0; i < 50; i++) {
		c[i] = rp_client(self->fam, 0);
		ASSERT_LE(0, c[i]) TH_LOG("new client %d: %s", i, strerror(-c[i]));
		fd = rp_accept_any(&l[1], 1, SL_STEP_MS, &which);
		ASSERT_LE(0, fd) TH_LOG("new client %d not accepted: %s", i, strerror(-fd));
		byte = i;
		ASSERT_EQ(1, send(fd, &byte, 1, 0));
		ASSERT_EQ(1, recv(c[i], &byte, 1, 0));
		rp_abort(c[i]);
		close(fd);
	}
	close(l[1]);
}

TEST_F(rp, same_tuple)
{
	int l[MAXL], i, k, round, first, which, fd, cfd, ports = 8, used = 0;
	char ch;

	for (i = 0; i < MAXL; i++) {
		l[i] = rp_listener(self->fam, PORT, 1);
		ASSERT_LE(0, l[i]);
	}
	for (k = 0; k < ports; k++) {
		first = -1;
		for (round = 0; round < 4; round++) {
			cfd = rp_client(self->fam, CPORT + k);
			ASSERT_LE(0, cfd) TH_LOG("port %d round %d: %s", CPORT + k, round,
						 strerror(-cfd));
			fd = rp_accept_any(l, MAXL, SL_STEP_MS, &which);
			ASSERT_LE(0, fd);
			if (first < 0) {
				first = which;
				used |= 1 << which;
			}
			EXPECT_EQ(first, which) TH_LOG("source port %d, round %d", CPORT + k, round);
			/* the client resets; the server sees it, so neither end keeps the tuple */
			rp_abort(cfd);
			EXPECT_EQ(-1, recv(fd, &ch, 1, 0));
			EXPECT_EQ(ECONNRESET, errno);
			close(fd);
		}
	}
	/* eight source ports over four listeners land on more than one */
	EXPECT_NE(0, used & (used - 1)) TH_LOG("all on listeners %#x", used);
	for (i = 0; i < MAXL; i++)
		close(l[i]);
}

/* ---- stress ---- */

#define ST_THREADS	4
#define ST_MS		4000

struct st_ctx {
	int fam;
	atomic_int stop;
	atomic_int served, ok, refused, reset, other, reopen;
	atomic_int last_other;	/* 1000 + connect()'s errno, the exchange's errno, -1: EOF */
};

static void *st_server(void *arg)
{
	struct st_ctx *x = arg;
	unsigned int seed = (unsigned int)pthread_self();

	while (!atomic_load(&x->stop)) {
		int l = rp_listener(x->fam, PORT, 1), i, which, fd;
		int quota = 5 + rand_r(&seed) % 20;

		if (l < 0) {
			atomic_fetch_add(&x->other, 1);
			sl_sleep_ms(5);
			continue;
		}
		for (i = 0; i < quota && !atomic_load(&x->stop); i++) {
			char ch;

			fd = rp_accept_any(&l, 1, 20, &which);
			if (fd < 0)
				continue;
			if (recv(fd, &ch, 1, 0) == 1 && send(fd, &ch, 1, MSG_NOSIGNAL) == 1)
				atomic_fetch_add(&x->served, 1);
			close(fd);
		}
		/* close with whatever is queued: those clients are reset */
		close(l);
		atomic_fetch_add(&x->reopen, 1);
	}
	return NULL;
}

static void *st_client(void *arg)
{
	struct st_ctx *x = arg;

	while (!atomic_load(&x->stop)) {
		int fd = rp_client(x->fam, 0);
		char ch = 'q';

		if (fd == -ECONNREFUSED) {
			atomic_fetch_add(&x->refused, 1);
			continue;
		}
		/* handshake done, then reset with the closing listener's queue before connect() woke */
		if (fd == -ECONNRESET) {
			atomic_fetch_add(&x->reset, 1);
			continue;
		}
		if (fd < 0) {
			atomic_store(&x->last_other, 1000 - fd);
			atomic_fetch_add(&x->other, 1);
			continue;
		}
		errno = 0;
		if (send(fd, &ch, 1, MSG_NOSIGNAL) == 1 && recv(fd, &ch, 1, 0) == 1 && ch == 'q') {
			atomic_fetch_add(&x->ok, 1);
		} else if (errno == ECONNRESET || errno == EPIPE) {
			atomic_fetch_add(&x->reset, 1);
		} else {
			atomic_store(&x->last_other, errno ? errno : -1);
			atomic_fetch_add(&x->other, 1);
		}
		rp_abort(fd);
	}
	return NULL;
}

TEST_F(rp, stress)
{
	pthread_t srv[ST_THREADS], cli[ST_THREADS];
	struct st_ctx x = { .fam = self->fam };
	int i, l[MAXL], fd, which;

	for (i = 0; i < ST_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&srv[i], NULL, st_server, &x));
	sl_sleep_ms(50);
	for (i = 0; i < ST_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&cli[i], NULL, st_client, &x));
	sl_sleep_ms(ST_MS);
	atomic_store(&x.stop, 1);
	for (i = 0; i < ST_THREADS; i++) {
		pthread_join(cli[i], NULL);
		pthread_join(srv[i], NULL);
	}
	TH_LOG("%d exchanges (%d served), %d reset, %d refused, %d other (last %d); %d reopens",
	       atomic_load(&x.ok), atomic_load(&x.served), atomic_load(&x.reset),
	       atomic_load(&x.refused), atomic_load(&x.other), atomic_load(&x.last_other),
	       atomic_load(&x.reopen));
	EXPECT_LT(20, atomic_load(&x.ok));	/* the debug kernel manages ~75 in ST_MS */
	EXPECT_EQ(0, atomic_load(&x.other));
	/* afterwards the port works as new: a fresh group takes connections */
	for (i = 0; i < MAXL; i++) {
		l[i] = rp_listener(self->fam, PORT, 1);
		ASSERT_LE(0, l[i]) TH_LOG("listener %d after stress: %s", i, strerror(-l[i]));
	}
	for (i = 0; i < 20; i++) {
		int c = rp_client(self->fam, 0);

		ASSERT_LE(0, c);
		fd = rp_accept_any(l, MAXL, SL_STEP_MS, &which);
		ASSERT_LE(0, fd);
		close(fd);
		rp_abort(c);
	}
	for (i = 0; i < MAXL; i++)
		close(l[i]);
}

TEST_HARNESS_MAIN
