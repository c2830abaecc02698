// SPDX-License-Identifier: GPL-2.0
/*
 * TCP-level socket options that change what the connection does, each run on AF_INET (the
 * kernel's TCP, the reference: it must pass there) and on AF_TCPALT, with the same values,
 * errno and timing bounds:
 *
 *   TCP_USER_TIMEOUT  range; data retransmitted to a peer gone silent, a SYN, zero-window
 *                     probes and keepalive probes end in ETIMEDOUT once it passes
 *   TCP_SYNCNT        range and default; connect() to a silent peer gives up after that many
 *                     SYN retransmissions
 *   TCP_LINGER2       what getsockopt() reads back; an orphan's FIN-WAIT-2 lasts that long;
 *                     negative: no FIN-WAIT-2, the peer is reset
 *   TCP_DEFER_ACCEPT  seconds read back as whole SYN-ACK timeouts; accept() waits for data
 *   TCP_INQ           range; recvmsg() reports the bytes left (TCP_CM_INQ)
 *
 * and what an accepted socket inherits of them from its listener.
 *
 * "Silent" is netem dropping every packet on lo (loss 100%): what leaves is lost, but the
 * sender sees no local drop.  Each test runs in a network namespace of its own.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		5200
#define SILENCE		"/usr/sbin/tc qdisc add dev lo root netem loss 100%"
#define FIN_MAX_S	120	/* TCP_FIN_TIMEOUT_MAX / HZ */

FIXTURE(opts) {
	int fam;
	bool alt;
};

FIXTURE_VARIANT(opts) {
	bool alt;
};

FIXTURE_VARIANT_ADD(opts, inet) {
	.alt = false,
};

FIXTURE_VARIANT_ADD(opts, tcpalt) {
	.alt = true,
};

FIXTURE_SETUP(opts)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, sl_netns_lo_up());
	self->alt = variant->alt;
	self->fam = variant->alt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(opts)
{
}

/* getsockopt(SOL_TCP) of an int: 0 and *val, or -errno (the value itself may be negative). */
static int get_opt(int fd, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	*val = INT_MIN;
	return getsockopt(fd, SOL_TCP, opt, val, &len) ? -errno : 0;
}

/* fd's TCP_INFO tcpi_state (Linux's TCP_* numbering), or -errno. */
static int tcpi_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	return getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len) ? -errno : ti.tcpi_state;
}

/* The errno of setsockopt(SOL_TCP, opt, val), 0 if it succeeded. */
static int set_errno(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_TCP, opt, &val, sizeof(val)) ? errno : 0;
}

/* An integer sysctl; -1 if unreadable. */
static int read_sysctl(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = atoi(buf);
	fclose(f);
	return v;
}

/* The stack's FIN-WAIT-2 lifetime sysctl in seconds. */
static int fin_timeout_s(bool alt)
{
	return alt ? read_sysctl(TCPALT_SYSCTL_DIR "/fin_timeout_ms") / 1000 :
		     read_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout");
}

/* The stack's SYN retry sysctl. */
static int syn_retries(bool alt)
{
	return read_sysctl(alt ? TCPALT_SYSCTL_DIR "/syn_retries" :
				 "/proc/sys/net/ipv4/tcp_syn_retries");
}

/* Poll until fd reports an error or ms pass; SO_ERROR (0 if none came). */
static int wait_error(int fd, int ms)
{
	int rev = sl_poll_for(fd, POLLIN, POLLERR, ms);

	if (rev < 0 || !(rev & POLLERR))
		return 0;
	return sl_getint(fd, SOL_SOCKET, SO_ERROR);
}

/*
 * A pair whose peer is about to go silent: both ends close with RST (SO_LINGER {1, 0}), so
 * that no orphan is left retransmitting its FIN into the void long after the test.
 */
static int silent_pair(int fam, struct sl_pair *p)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int err = sl_make_pair(fam, fam, PORT, p);

	if (err)
		return err;
	if (setsockopt(p->c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ||
	    setsockopt(p->s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg))) {
		err = -errno;
		sl_pair_close(p);
	}
	return err;
}

/* Start a nonblocking connect() to 127.0.0.1:port; the fd, or -errno. */
static int connect_start(int fam, unsigned short port, int syncnt, int user_timeout)
{
	struct sockaddr_in to = sl_loopback(port);
	int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if ((syncnt && sl_setint(fd, SOL_TCP, TCP_SYNCNT, syncnt)) ||
	    (user_timeout && sl_setint(fd, SOL_TCP, TCP_USER_TIMEOUT, user_timeout)) ||
	    (!connect(fd, (struct sockaddr *)&to, sizeof(to)) || errno != EINPROGRESS)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

/* Wait up to ms for a nonblocking connect() to end; its SO_ERROR, or -1 if it did not end. */
static int connect_end(int fd, int ms)
{
	int rev = sl_poll_for(fd, POLLOUT, POLLOUT, ms);

	if (rev < 0 || !(rev & POLLOUT))
		return -1;
	return sl_getint(fd, SOL_SOCKET, SO_ERROR);
}

/* ---- TCP_USER_TIMEOUT ---- */

TEST_F(opts, user_timeout_range)
{
	int fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), val;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_opt(fd, TCP_USER_TIMEOUT, &val));
	ASSERT_EQ(0, val);
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_USER_TIMEOUT, -1));
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_USER_TIMEOUT, INT_MIN));
	ASSERT_EQ(0, set_errno(fd, TCP_USER_TIMEOUT, 1500));
	ASSERT_EQ(0, get_opt(fd, TCP_USER_TIMEOUT, &val));
	ASSERT_EQ(1500, val);
	ASSERT_EQ(0, set_errno(fd, TCP_USER_TIMEOUT, INT_MAX));
	ASSERT_EQ(0, get_opt(fd, TCP_USER_TIMEOUT, &val));
	ASSERT_EQ(INT_MAX, val);
	ASSERT_EQ(0, set_errno(fd, TCP_USER_TIMEOUT, 0));
	ASSERT_EQ(0, get_opt(fd, TCP_USER_TIMEOUT, &val));
	ASSERT_EQ(0, val);
	close(fd);
}

/*
 * Data to a peer gone silent: retransmitted on the RTO, and with TCP_USER_TIMEOUT 1500 the
 * connection ends with ETIMEDOUT about 1.5 s after the data went (15 retries would take many
 * minutes); the next write reports it.
 */
TEST_F_TIMEOUT(opts, user_timeout_aborts_retransmission, 30)
{
	long long t, took;
	struct sl_pair p;
	char buf[100] = "u";
	int err;

	ASSERT_EQ(0, silent_pair(self->fam, &p));
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_USER_TIMEOUT, 1500));
	ASSERT_EQ(0, system(SILENCE));
	t = sl_now_ms();
	ASSERT_EQ(sizeof(buf), send(p.c, buf, sizeof(buf), MSG_NOSIGNAL));
	err = wait_error(p.c, 10000);
	took = sl_now_ms() - t;
	ASSERT_EQ(ETIMEDOUT, err) TH_LOG("SO_ERROR %d after %lld ms", err, took);
	ASSERT_LE(1300, took);
	ASSERT_GE(4500, took);
	/* Linux reports the error just before it moves to CLOSED (tcp_write_err()). */
	t = sl_now_ms();
	while (tcpi_state(p.c) != TCP_CLOSE && sl_now_ms() - t < 1000)
		sl_sleep_ms(10);
	ASSERT_EQ(TCP_CLOSE, tcpi_state(p.c));
	sl_pair_close(&p);
}

/* A write that fails on a connection the user timeout ended reports ETIMEDOUT once. */
TEST_F_TIMEOUT(opts, user_timeout_write_fails, 30)
{
	struct sl_pair p;
	char c = 'w';

	ASSERT_EQ(0, silent_pair(self->fam, &p));
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_USER_TIMEOUT, 1000));
	ASSERT_EQ(0, system(SILENCE));
	ASSERT_EQ(1, send(p.c, &c, 1, MSG_NOSIGNAL));
	ASSERT_NE(0, sl_poll_for(p.c, POLLIN, POLLERR, 10000) & POLLERR);
	errno = 0;
	ASSERT_EQ(-1, send(p.c, &c, 1, MSG_NOSIGNAL));
	ASSERT_EQ(ETIMEDOUT, errno);
	errno = 0;
	ASSERT_EQ(-1, send(p.c, &c, 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	sl_pair_close(&p);
}

/*
 * A SYN to a silent peer: with TCP_USER_TIMEOUT 1500 (and the default six SYN retries, over a
 * minute) connect() ends with ETIMEDOUT about 1.5 s after the SYN went, once the first
 * retransmission is out.
 */
TEST_F_TIMEOUT(opts, user_timeout_bounds_syn, 30)
{
	long long t, took;
	int fd, err;

	ASSERT_EQ(0, system(SILENCE));
	t = sl_now_ms();
	fd = connect_start(self->fam, PORT, 0, 1500);
	ASSERT_LE(0, fd);
	err = connect_end(fd, 10000);
	took = sl_now_ms() - t;
	ASSERT_EQ(ETIMEDOUT, err) TH_LOG("SO_ERROR %d after %lld ms", err, took);
	ASSERT_LE(1300, took);
	ASSERT_GE(4000, took);
	close(fd);
}

/*
 * Keepalive of a silent peer: idle 1 s, interval 1 s, 9 probes would take 10 s; with
 * TCP_USER_TIMEOUT 2500 the connection ends at the first keepalive timeout (one a second
 * from SO_KEEPALIVE on) that finds 2.5 s gone since the peer's last word and a probe out:
 * 2.5 to 3.5 s after the handshake.
 */
TEST_F_TIMEOUT(opts, user_timeout_bounds_keepalive, 30)
{
	long long t, took;
	struct sl_pair p;
	int err;

	ASSERT_EQ(0, silent_pair(self->fam, &p));
	t = sl_now_ms();	/* the peer's last word was before this */
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_KEEPIDLE, 1));
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_KEEPINTVL, 1));
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_KEEPCNT, 9));
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_USER_TIMEOUT, 2500));
	ASSERT_EQ(0, system(SILENCE));
	ASSERT_EQ(0, sl_setint(p.c, SOL_SOCKET, SO_KEEPALIVE, 1));
	err = wait_error(p.c, 12000);
	took = sl_now_ms() - t;
	ASSERT_EQ(ETIMEDOUT, err) TH_LOG("SO_ERROR %d after %lld ms", err, took);
	ASSERT_LE(2000, took);
	ASSERT_GE(6000, took);
	sl_pair_close(&p);
}

/*
 * Zero-window probing of a live peer that never reads: probes are answered, but with the
 * window still shut, and with TCP_USER_TIMEOUT 1500 the connection ends with ETIMEDOUT about
 * 1.5 s after the first probe (without it, probing goes on as long as the peer answers).
 */
TEST_F_TIMEOUT(opts, user_timeout_bounds_zero_window_probes, 30)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in to = sl_loopback(PORT);
	static char buf[4096];
	long long t, took;
	int l, c, s, err;

	l = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, sl_setint(l, SOL_SOCKET, SO_RCVBUF, 4096));
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&to, sizeof(to)));
	ASSERT_EQ(0, listen(l, 4));
	c = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_setint(c, SOL_SOCKET, SO_SNDBUF, 16384));
	ASSERT_EQ(0, sl_setint(c, SOL_TCP, TCP_USER_TIMEOUT, 1500));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, sl_connect(c, &to, 2000));
	s = sl_accept(l, 2000);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	/* Fill the peer's buffer and our own: what is left waits on a shut window. */
	ASSERT_EQ(0, sl_set_nonblock(c, 1));
	t = sl_now_ms();
	while (sl_now_ms() - t < 3000)
		if (send(c, buf, sizeof(buf), MSG_NOSIGNAL) < 0 && errno == EAGAIN &&
		    sl_poll(c, POLLOUT, 300) == 0)
			break;
	ASSERT_GT(3000, sl_now_ms() - t) TH_LOG("the send buffer never filled");
	t = sl_now_ms();
	err = wait_error(c, 8000);
	took = sl_now_ms() - t;
	ASSERT_EQ(ETIMEDOUT, err) TH_LOG("SO_ERROR %d after %lld ms", err, took);
	ASSERT_LE(1000, took);
	ASSERT_GE(5000, took);
	close(s);
	close(c);
	close(l);
}

/* ---- TCP_SYNCNT ---- */

TEST_F(opts, syncnt_range)
{
	int fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), val;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_opt(fd, TCP_SYNCNT, &val));
	ASSERT_EQ(syn_retries(self->alt), val);
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_SYNCNT, 0));
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_SYNCNT, -1));
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_SYNCNT, 128));
	ASSERT_EQ(0, set_errno(fd, TCP_SYNCNT, 127));
	ASSERT_EQ(0, get_opt(fd, TCP_SYNCNT, &val));
	ASSERT_EQ(127, val);
	ASSERT_EQ(0, set_errno(fd, TCP_SYNCNT, 1));
	ASSERT_EQ(0, get_opt(fd, TCP_SYNCNT, &val));
	ASSERT_EQ(1, val);
	close(fd);
}

/*
 * connect() to a silent peer with TCP_SYNCNT 1 (the sysctl says 6): one SYN retransmission
 * after the 1 s initial RTO, the give-up after the backed-off 2 s: ETIMEDOUT at about 3 s.
 * With TCP_SYNCNT 2, 7 s: the option, not the sysctl, counts.
 */
TEST_F_TIMEOUT(opts, syncnt_connect_times_out, 40)
{
	static const struct { int syncnt, lo_ms, hi_ms; } c[] = {
		{ 1, 2700, 4500 },
		{ 2, 6700, 9000 },
	};
	long long t, took;
	unsigned int i;
	int fd, err;

	ASSERT_EQ(6, syn_retries(self->alt));
	ASSERT_EQ(0, system(SILENCE));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t = sl_now_ms();
		fd = connect_start(self->fam, PORT, c[i].syncnt, 0);
		ASSERT_LE(0, fd);
		err = connect_end(fd, c[i].hi_ms + 2000);
		took = sl_now_ms() - t;
		ASSERT_EQ(ETIMEDOUT, err) TH_LOG("TCP_SYNCNT %d: SO_ERROR %d after %lld ms",
						 c[i].syncnt, err, took);
		ASSERT_LE(c[i].lo_ms, took) TH_LOG("TCP_SYNCNT %d", c[i].syncnt);
		ASSERT_GE(c[i].hi_ms, took) TH_LOG("TCP_SYNCNT %d", c[i].syncnt);
		close(fd);
	}
}

/* ---- TCP_LINGER2 ---- */

/*
 * Linux keeps TCP_LINGER2 as -1, 0 (the sysctl) or seconds capped at TCP_FIN_TIMEOUT_MAX, and
 * reads back -1, the sysctl's seconds for 0, or the seconds.
 */
TEST_F(opts, linger2_values)
{
	static const struct { int set, want; } c[] = {
		{ -1, -1 }, { INT_MIN, -1 }, { 0, 0 }, { 5, 5 }, { FIN_MAX_S, FIN_MAX_S },
		{ FIN_MAX_S + 1, FIN_MAX_S }, { INT_MAX, FIN_MAX_S }, { 1, 1 },
	};
	int fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), val, dflt;
	unsigned int i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sl_write_file(self->alt ? TCPALT_SYSCTL_DIR "/fin_timeout_ms" :
				   "/proc/sys/net/ipv4/tcp_fin_timeout",
				   self->alt ? "45000" : "45"));
	dflt = fin_timeout_s(self->alt);
	ASSERT_EQ(45, dflt);
	ASSERT_EQ(0, get_opt(fd, TCP_LINGER2, &val));
	ASSERT_EQ(dflt, val);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(0, set_errno(fd, TCP_LINGER2, c[i].set));
		ASSERT_EQ(0, get_opt(fd, TCP_LINGER2, &val));
		ASSERT_EQ(c[i].want ? c[i].want : dflt, val) TH_LOG("set %d", c[i].set);
	}
	close(fd);
}

/* The client's row in the stack's table: FIN-WAIT-2 within ms, then how long until gone. */
static long long fin_wait2_life(struct __test_metadata *_metadata, bool alt,
				const struct sl_pair *p, int ms)
{
	struct sl_row row;
	long long t;
	int ret;

	ret = sl_wait_state(alt, &p->caddr, &p->saddr, "FIN-WAIT-2", 2000, &row);
	EXPECT_EQ(0, ret) TH_LOG("client row: %s", row.state);
	if (ret)
		return -1;
	t = sl_now_ms();
	ret = sl_wait_state(alt, &p->caddr, &p->saddr, "gone", ms, &row);
	EXPECT_EQ(0, ret) TH_LOG("client row after %d ms: %s", ms, row.state);
	return ret ? -1 : sl_now_ms() - t;
}

/*
 * An orphan in FIN-WAIT-2 (we closed, the peer ACKed our FIN and never closes) lives
 * TCP_LINGER2 seconds, not the sysctl's 60: with 2, its row goes after about 2 s.
 */
TEST_F_TIMEOUT(opts, linger2_bounds_fin_wait2, 30)
{
	struct sl_pair p;
	long long life;

	ASSERT_EQ(0, sl_write_file(self->alt ? TCPALT_SYSCTL_DIR "/fin_timeout_ms" :
				   "/proc/sys/net/ipv4/tcp_fin_timeout",
				   self->alt ? "60000" : "60"));
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_LINGER2, 2));
	close(p.c);
	p.c = -1;
	life = fin_wait2_life(_metadata, self->alt, &p, 8000);
	ASSERT_LE(1500, life);
	ASSERT_GE(4000, life);
	sl_pair_close(&p);
}

/*
 * TCP_LINGER2 < 0: an orphan gets no FIN-WAIT-2.  Closed from ESTABLISHED, its FIN goes and
 * the ACK of it ends the connection with RST; closed in FIN-WAIT-2 (after shutdown()), RST at
 * once.  Either way the peer, having read the end of the stream, ends up CLOSED with EPIPE.
 */
TEST_F_TIMEOUT(opts, linger2_negative_resets, 30)
{
	struct sl_pair p;
	struct sl_row row;
	int round, ret;
	char c;

	ASSERT_EQ(0, sl_write_file(self->alt ? TCPALT_SYSCTL_DIR "/fin_timeout_ms" :
				   "/proc/sys/net/ipv4/tcp_fin_timeout",
				   self->alt ? "60000" : "60"));
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT + round, &p));
		ASSERT_EQ(0, sl_setint(p.c, SOL_TCP, TCP_LINGER2, -1));
		if (round) {
			ASSERT_EQ(0, shutdown(p.c, SHUT_WR));
			ret = sl_wait_state(self->alt, &p.caddr, &p.saddr, "FIN-WAIT-2", 2000,
					    &row);
			ASSERT_EQ(0, ret) TH_LOG("after shutdown: %s", row.state);
		}
		close(p.c);
		p.c = -1;
		ret = sl_wait_state(self->alt, &p.caddr, &p.saddr, "gone", 1000, &row);
		ASSERT_EQ(0, ret) TH_LOG("round %d: client row %s", round, row.state);
		ASSERT_EQ(0, recv(p.s, &c, 1, 0));
		ret = sl_poll_for(p.s, POLLIN, POLLERR, 1000);
		ASSERT_NE(0, ret & POLLERR) TH_LOG("round %d: revents 0x%x", round, ret);
		ASSERT_EQ(EPIPE, sl_getint(p.s, SOL_SOCKET, SO_ERROR));
		ASSERT_EQ(TCP_CLOSE, tcpi_state(p.s));
		sl_pair_close(&p);
	}
}

/* ---- TCP_DEFER_ACCEPT ---- */

/* secs_to_retrans() and retrans_to_secs() of Linux 6.1 (initial RTO 1 s, at most 120 s). */
static int defer_readback(int secs)
{
	int rto = 1, period = rto, n;

	if (secs <= 0)
		return 0;
	for (n = 1; secs > period && n < 255; n++) {
		rto = rto * 2 > 120 ? 120 : rto * 2;
		period += rto;
	}
	return period;
}

TEST_F(opts, defer_accept_values)
{
	static const int secs[] = { -5, 0, 1, 2, 3, 4, 5, 7, 8, 10, 60, 200, 1000, 40000,
				    INT_MAX };
	int fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), val;
	unsigned int i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_opt(fd, TCP_DEFER_ACCEPT, &val));
	ASSERT_EQ(0, val);
	ASSERT_EQ(7, defer_readback(5));	/* the model itself: 1 + 2 + 4 */
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		ASSERT_EQ(0, set_errno(fd, TCP_DEFER_ACCEPT, secs[i]));
		ASSERT_EQ(0, get_opt(fd, TCP_DEFER_ACCEPT, &val));
		ASSERT_EQ(defer_readback(secs[i]), val) TH_LOG("set %d", secs[i]);
	}
	close(fd);
}

/*
 * A listener with TCP_DEFER_ACCEPT 5: the client's connect() completes, but accept() sees
 * nothing while the client says nothing; once it sends, accept() returns at once with the
 * data ready to read.
 */
TEST_F_TIMEOUT(opts, defer_accept_waits_for_data, 30)
{
	struct sockaddr_in to;
	int l, c, s, rev;
	char buf[8];

	l = sl_listener(self->fam, PORT, 8);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, sl_setint(l, SOL_TCP, TCP_DEFER_ACCEPT, 5));
	to = sl_loopback(PORT);
	c = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_connect(c, &to, 2000));
	rev = sl_poll(l, POLLIN, 1500);
	ASSERT_EQ(0, rev) TH_LOG("listener readable before any data: 0x%x", rev);
	ASSERT_EQ(0, sl_set_nonblock(l, 1));
	errno = 0;
	ASSERT_EQ(-1, accept(l, NULL, NULL));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(4, send(c, "data", 4, MSG_NOSIGNAL));
	s = sl_accept(l, 1000);
	ASSERT_LE(0, s) TH_LOG("accept after data: %d", s);
	ASSERT_EQ(4, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(0, memcmp(buf, "data", 4));
	close(s);
	close(c);
	close(l);
}

/*
 * A client that never sends is accepted all the same once the deferral is over: TCP_DEFER_ACCEPT
 * 1 is one SYN-ACK timeout; the SYN-ACK sent again then draws the ACK that makes the
 * connection, about 1 s after the connect.
 */
TEST_F_TIMEOUT(opts, defer_accept_expires, 30)
{
	struct sockaddr_in to;
	long long t, took;
	int l, c, s;

	l = sl_listener(self->fam, PORT, 8);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, sl_setint(l, SOL_TCP, TCP_DEFER_ACCEPT, 1));
	to = sl_loopback(PORT);
	c = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	t = sl_now_ms();
	ASSERT_EQ(0, sl_connect(c, &to, 2000));
	s = sl_accept(l, 6000);
	took = sl_now_ms() - t;
	ASSERT_LE(0, s) TH_LOG("accept: %d after %lld ms", s, took);
	ASSERT_LE(700, took);
	ASSERT_GE(4000, took);
	close(s);
	close(c);
	close(l);
}

/* ---- TCP_INQ ---- */

TEST_F(opts, inq_range)
{
	int fd = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), val;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_opt(fd, TCP_INQ, &val));
	ASSERT_EQ(0, val);
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_INQ, 2));
	ASSERT_EQ(EINVAL, set_errno(fd, TCP_INQ, -1));
	ASSERT_EQ(0, set_errno(fd, TCP_INQ, 1));
	ASSERT_EQ(0, get_opt(fd, TCP_INQ, &val));
	ASSERT_EQ(1, val);
	ASSERT_EQ(0, set_errno(fd, TCP_INQ, 0));
	ASSERT_EQ(0, get_opt(fd, TCP_INQ, &val));
	ASSERT_EQ(0, val);
	close(fd);
}

/* recvmsg() of up to len bytes; the TCP_CM_INQ value in *inq (-1: no such message). */
static ssize_t recv_inq(int fd, char *buf, size_t len, int flags, int *inq)
{
	char ctl[CMSG_SPACE(sizeof(int)) * 2];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm;
	ssize_t n;

	*inq = -1;
	n = recvmsg(fd, &m, flags);
	for (cm = CMSG_FIRSTHDR(&m); n >= 0 && cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_TCP && cm->cmsg_type == TCP_CM_INQ &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(inq, CMSG_DATA(cm), sizeof(int));
	return n;
}

/*
 * TCP_INQ on: each recvmsg() carries SOL_TCP/TCP_CM_INQ, the bytes still queued after it;
 * after the peer's FIN, never 0 (1 at the end).  Off: no message.
 */
TEST_F_TIMEOUT(opts, inq_cmsg, 20)
{
	char data[100], buf[100];
	struct sl_pair p;
	int inq;

	memset(data, 'q', sizeof(data));
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	ASSERT_EQ(0, sl_getint(p.s, SOL_TCP, TCP_INQ));
	ASSERT_EQ(sizeof(data), send(p.c, data, sizeof(data), 0));
	ASSERT_NE(0, sl_poll_for(p.s, POLLIN, POLLIN, 2000) & POLLIN);
	ASSERT_EQ(10, recv_inq(p.s, buf, 10, 0, &inq));
	ASSERT_EQ(-1, inq);

	ASSERT_EQ(0, sl_setint(p.s, SOL_TCP, TCP_INQ, 1));
	ASSERT_EQ(30, recv_inq(p.s, buf, 30, 0, &inq));
	ASSERT_EQ(60, inq);
	ASSERT_EQ(20, recv_inq(p.s, buf, 20, MSG_PEEK, &inq));
	ASSERT_EQ(60, inq);
	ASSERT_EQ(60, recv_inq(p.s, buf, sizeof(buf), 0, &inq));
	ASSERT_EQ(0, inq);
	ASSERT_EQ(-1, recv_inq(p.s, buf, sizeof(buf), MSG_DONTWAIT, &inq));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(-1, inq);

	ASSERT_EQ(0, shutdown(p.c, SHUT_WR));
	ASSERT_NE(0, sl_poll_for(p.s, POLLIN, POLLRDHUP | POLLIN, 2000) & POLLIN);
	ASSERT_EQ(0, recv_inq(p.s, buf, sizeof(buf), 0, &inq));
	ASSERT_EQ(1, inq);
	sl_pair_close(&p);
}

/* An accepted socket takes the listener's settings of these options (sk_clone_lock()). */
TEST_F_TIMEOUT(opts, inherited_by_accepted, 20)
{
	static const struct { int opt, set, want; } c[] = {
		{ TCP_USER_TIMEOUT, 1234, 1234 }, { TCP_SYNCNT, 3, 3 }, { TCP_LINGER2, 7, 7 },
		{ TCP_INQ, 1, 1 },
	};
	struct sockaddr_in to = sl_loopback(PORT);
	int l, cl, s, val;
	unsigned int i;

	l = sl_listener(self->fam, PORT, 8);
	ASSERT_LE(0, l);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ASSERT_EQ(0, set_errno(l, c[i].opt, c[i].set));
	cl = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, cl);
	ASSERT_EQ(0, sl_connect(cl, &to, 2000));
	s = sl_accept(l, 2000);
	ASSERT_LE(0, s);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(0, get_opt(s, c[i].opt, &val));
		ASSERT_EQ(c[i].want, val) TH_LOG("option %d", c[i].opt);
	}
	close(s);
	close(cl);
	close(l);
}

TEST_HARNESS_MAIN
