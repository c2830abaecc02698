// SPDX-License-Identifier: GPL-2.0
/*
 * Connection termination and bulk data, per the seed (000_7a1894cb85ac64f6) and RFC 9293 3.6:
 * 4-way close from either side, half-close, Linux's RST on close() with unread data, SO_LINGER
 * {1,0}, TIME-WAIT (its row, its length from net.tcpalt.msl_ms, its hold on the port).
 * Every test runs for four client/server family pairs: inet-inet (the kernel TCP, the reference
 * that must pass), tcpalt-tcpalt, and both interop pairs.  The connection tables checked are
 * /proc/tcpalt/connections for a tcpalt end and /proc/net/tcp for a kernel TCP end.
 */
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		6000
#define BIG		(16u << 20)
#define HALF_BYTES	(1u << 20)
/*
 * Sent before the peer reads anything: it must fit the receiver's first window.  64 KiB does
 * only for a sender that can put it in one GSO super-segment over loopback (Linux); an
 * MSS-bound sender (tcpalt: no GSO yet, DESIGN D3) stops at 65495 bytes, where a Linux
 * receiver that has not read closes its window (SWS avoidance), so the FIN never follows.
 */
#define SMALL		(48u << 10)

FIXTURE(cl) {
	int cfam, sfam;
};

FIXTURE_VARIANT(cl) {
	int calt, salt;		/* client / server is tcpalt */
};

FIXTURE_VARIANT_ADD(cl, inet_inet) {
	.calt = 0, .salt = 0,
};

FIXTURE_VARIANT_ADD(cl, tcpalt_tcpalt) {
	.calt = 1, .salt = 1,
};

FIXTURE_VARIANT_ADD(cl, tcpalt_inet) {
	.calt = 1, .salt = 0,
};

FIXTURE_VARIANT_ADD(cl, inet_tcpalt) {
	.calt = 0, .salt = 1,
};

FIXTURE_SETUP(cl)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Keep tcpalt's TIME-WAIT entries short-lived (4 s) so none outlives the run by long;
	 * timewait_duration sets its own value and checks the write.
	 */
	if (variant->calt || variant->salt)
		sl_write_file(TCPALT_SYSCTL_MSL_MS, "2000");
	self->cfam = variant->calt ? tcpalt_family() : AF_INET;
	self->sfam = variant->salt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(cl)
{
}

/*
 * An end whose fd is still open after a RST: no row for the kernel TCP (unhashed), a CLOSED
 * row or none for tcpalt (procfs lists open sockets).
 */
#define EXPECT_DEAD(alt, local, remote) do { \
	struct sl_row __r; \
	const char *__s = sl_state((alt), (local), (remote), &__r); \
	EXPECT_TRUE(!strcmp(__s, "gone") || !strcmp(__s, "CLOSED")) \
		TH_LOG("%s end %s: state %s", (alt) ? "tcpalt" : "inet", #local, __s); \
} while (0)

#define PAIR(p) ASSERT_EQ(0, sl_make_pair(self->cfam, self->sfam, PORT, (p)))

/* Expect the endpoint local->remote of stack alt to reach state within SL_STEP_MS. */
#define EXPECT_STATE(alt, local, remote, st) do { \
	struct sl_row __r; \
	EXPECT_EQ(0, sl_wait_state((alt), (local), (remote), (st), SL_STEP_MS, &__r)) \
		TH_LOG("%s end %s: state %s, wanted %s", (alt) ? "tcpalt" : "inet", \
		       #local, __r.state, (st)); \
} while (0)


/*
 * RFC 9293 3.8 data transfer: 16 MiB each way at once, checksummed (FNV-1a of a splitmix64
 * stream, computed by sender and receiver), then an orderly close.
 */
TEST_F(cl, transfer_16m_both_ways)
{
	struct sl_xfer ctx, crx, stx, srx;
	pthread_t t[4];
	struct sl_pair p;
	char c;
	int i;

	PAIR(&p);
	sl_set_timeouts(p.c, 10000);
	sl_set_timeouts(p.s, 10000);
	sl_xfer_start(&t[0], &ctx, p.c, 1, 1, BIG);
	sl_xfer_start(&t[1], &srx, p.s, 0, 1, BIG);
	sl_xfer_start(&t[2], &stx, p.s, 1, 2, BIG);
	sl_xfer_start(&t[3], &crx, p.c, 0, 2, BIG);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, ctx.err);
	EXPECT_EQ(0, stx.err);
	EXPECT_STREAM(&srx, &ctx);
	EXPECT_STREAM(&crx, &stx);
	EXPECT_EQ(0, shutdown(p.c, SHUT_WR));
	EXPECT_EQ(0, recv(p.s, &c, 1, 0));
	EXPECT_EQ(0, close(p.s));
	p.s = -1;
	EXPECT_EQ(0, recv(p.c, &c, 1, 0));
	sl_pair_close(&p);
}

/*
 * RFC 9293 3.6 case 1 from either end: the closer goes FIN-WAIT-2 once its FIN is ACKed, the
 * other end reads EOF in CLOSE-WAIT; after the other end's close() the closer is in
 * TIME-WAIT and the other end's row is gone (via LAST-ACK).
 */
static void active_close(struct __test_metadata *_metadata, struct sl_pair *p, bool by_client,
			 bool closer_alt, bool other_alt)
{
	long last_ack = sl_tcpalt_stat("Enter_LAST-ACK");
	struct sockaddr_in *closer_addr = by_client ? &p->caddr : &p->saddr;
	struct sockaddr_in *other_addr = by_client ? &p->saddr : &p->caddr;
	int *closer = by_client ? &p->c : &p->s;
	int *other = by_client ? &p->s : &p->c;
	char c;

	if (!by_client) {
		close(p->l);
		p->l = -1;
	}
	close(*closer);
	*closer = -1;
	EXPECT_EQ(0, recv(*other, &c, 1, 0));
	EXPECT_STATE(other_alt, other_addr, closer_addr, "CLOSE-WAIT");
	EXPECT_STATE(closer_alt, closer_addr, other_addr, "FIN-WAIT-2");
	close(*other);
	*other = -1;
	EXPECT_STATE(closer_alt, closer_addr, other_addr, "TIME-WAIT");
	EXPECT_STATE(other_alt, other_addr, closer_addr, "gone");
	if (other_alt)
		EXPECT_LT(last_ack, sl_tcpalt_stat("Enter_LAST-ACK"));
}

/* The client closes first: the client ends in TIME-WAIT. */
TEST_F(cl, active_close_by_client)
{
	struct sl_pair p;

	PAIR(&p);
	active_close(_metadata, &p, true, variant->calt, variant->salt);
	sl_pair_close(&p);
}

/* The server closes first: the server ends in TIME-WAIT. */
TEST_F(cl, active_close_by_server)
{
	struct sl_pair p;

	PAIR(&p);
	active_close(_metadata, &p, false, variant->salt, variant->calt);
	sl_pair_close(&p);
}

/*
 * Seed, "half-open"/half-close: the client shuts its sending side; the server reads EOF yet
 * keeps sending 1 MiB, which the client reads in full; then the server closes.  The client
 * can no longer send (EPIPE).
 */
TEST_F(cl, half_close)
{
	struct sockaddr_in cl, sv;
	struct sl_xfer tx, rx;
	struct sl_pair p;
	pthread_t th;
	char c = 'x';

	PAIR(&p);
	cl = p.caddr;
	sv = p.saddr;
	ASSERT_EQ(0, shutdown(p.c, SHUT_WR));
	EXPECT_EQ(0, recv(p.s, &c, 1, 0));
	EXPECT_STATE(variant->calt, &cl, &sv, "FIN-WAIT-2");
	EXPECT_STATE(variant->salt, &sv, &cl, "CLOSE-WAIT");
	errno = 0;
	EXPECT_EQ(-1, send(p.c, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);

	sl_xfer_start(&th, &tx, p.s, 1, 3, HALF_BYTES);
	memset(&rx, 0, sizeof(rx));
	rx.fd = p.c;
	rx.seed = 3;
	rx.len = HALF_BYTES;
	sl_xfer_run(&rx);
	pthread_join(th, NULL);
	EXPECT_EQ(0, tx.err);
	EXPECT_STREAM(&rx, &tx);
	EXPECT_EQ(0, close(p.s));
	p.s = -1;
	EXPECT_EQ(0, recv(p.c, &c, 1, 0));
	EXPECT_STATE(variant->calt, &cl, &sv, "TIME-WAIT");
	sl_pair_close(&p);
}

/*
 * Seed: "If such a host actively closes a connection but still has not read all the incoming
 * data ... this host sends a RST instead of a FIN".  The client leaves data unread and
 * close()s: no TIME-WAIT, no row at all.  The server (ESTABLISHED when the RST came, so
 * tcp_reset() set ECONNRESET) gets ECONNRESET on its next recv, then EOF, then EPIPE on send.
 */
TEST_F(cl, close_unread_rst_then_recv)
{
	struct sockaddr_in cl, sv;
	struct sl_pair p;
	char c = 'x';

	PAIR(&p);
	cl = p.caddr;
	sv = p.saddr;
	ASSERT_EQ(5, send(p.s, "data!", 5, 0));
	ASSERT_EQ(POLLIN, sl_poll_for(p.c, POLLIN, POLLIN, SL_STEP_MS));
	close(p.c);
	p.c = -1;
	EXPECT_EQ(POLLERR, sl_poll_for(p.s, POLLIN, POLLERR, SL_STEP_MS) & POLLERR);
	errno = 0;
	EXPECT_EQ(-1, recv(p.s, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, recv(p.s, &c, 1, 0));
	errno = 0;
	EXPECT_EQ(-1, send(p.s, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_STATE(variant->calt, &cl, &sv, "gone");
	EXPECT_DEAD(variant->salt, &sv, &cl);
	sl_pair_close(&p);
}

/* As above, but the server's first call after the RST is send(): ECONNRESET, then EPIPE. */
TEST_F(cl, close_unread_rst_then_send)
{
	struct sl_pair p;
	char c = 'x';

	PAIR(&p);
	ASSERT_EQ(5, send(p.s, "data!", 5, 0));
	ASSERT_EQ(POLLIN, sl_poll_for(p.c, POLLIN, POLLIN, SL_STEP_MS));
	close(p.c);
	p.c = -1;
	EXPECT_EQ(POLLERR, sl_poll_for(p.s, POLLIN, POLLERR, SL_STEP_MS) & POLLERR);
	errno = 0;
	EXPECT_EQ(-1, send(p.s, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, errno);
	errno = 0;
	EXPECT_EQ(-1, send(p.s, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	sl_pair_close(&p);
}

/*
 * SO_LINGER {1, 0}: close() aborts (RFC 9293 3.10.5 ABORT): RST, the peer's recv is
 * ECONNRESET, and the closer leaves no TIME-WAIT row.
 */
TEST_F(cl, linger_zero_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 }, got;
	socklen_t len = sizeof(got);
	struct sockaddr_in cl, sv;
	struct sl_pair p;
	char c;

	PAIR(&p);
	cl = p.caddr;
	sv = p.saddr;
	ASSERT_EQ(0, setsockopt(p.c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, getsockopt(p.c, SOL_SOCKET, SO_LINGER, &got, &len));
	EXPECT_EQ(1, got.l_onoff);
	EXPECT_EQ(0, got.l_linger);
	close(p.c);
	p.c = -1;
	errno = 0;
	EXPECT_EQ(-1, recv(p.s, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_STATE(variant->calt, &cl, &sv, "gone");
	EXPECT_DEAD(variant->salt, &sv, &cl);
	sl_pair_close(&p);
}

/*
 * Seed: "s = connect(remote); send(s, data); close(s);" with a peer that has not read yet:
 * nothing was unread on the closing side, so it is a FIN after the data, not a RST; the server
 * later reads all 48 KiB and then EOF.
 */
TEST_F(cl, send_then_close_peer_not_reading)
{
	struct sockaddr_in cl, sv;
	struct sl_xfer tx, rx;
	struct sl_pair p;
	char c;

	PAIR(&p);
	cl = p.caddr;
	sv = p.saddr;
	memset(&tx, 0, sizeof(tx));
	tx.fd = p.c;
	tx.sender = 1;
	tx.seed = 4;
	tx.len = SMALL;
	sl_xfer_run(&tx);
	ASSERT_EQ(0, tx.err);
	ASSERT_EQ(0, close(p.c));
	p.c = -1;
	/* The FIN is queued behind the data: the server is in CLOSE-WAIT once it arrives. */
	EXPECT_STATE(variant->salt, &sv, &cl, "CLOSE-WAIT");
	memset(&rx, 0, sizeof(rx));
	rx.fd = p.s;
	rx.seed = 4;
	rx.len = SMALL;
	sl_xfer_run(&rx);
	EXPECT_STREAM(&rx, &tx);
	EXPECT_EQ(0, recv(p.s, &c, 1, 0));
	close(p.s);
	p.s = -1;
	EXPECT_STATE(variant->calt, &cl, &sv, "TIME-WAIT");
	sl_pair_close(&p);
}

/*
 * shutdown(SHUT_RD) as Linux TCP does it: nothing is sent; data already queued and data that
 * arrives later is still read; with the queue empty recv returns 0 at once; poll shows
 * POLLIN|POLLRDHUP.  The peer keeps sending without error.
 */
TEST_F(cl, shutdown_rd)
{
	struct sockaddr_in cl, sv;
	struct sl_pair p;
	char buf[16];
	int avail = 0;
	long long end;

	PAIR(&p);
	cl = p.caddr;
	sv = p.saddr;
	ASSERT_EQ(3, send(p.s, "abc", 3, 0));
	ASSERT_EQ(POLLIN, sl_poll_for(p.c, POLLIN, POLLIN, SL_STEP_MS));
	ASSERT_EQ(0, shutdown(p.c, SHUT_RD));
	EXPECT_EQ(3, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(0, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(POLLIN | POLLRDHUP | POLLOUT,
		  sl_poll(p.c, POLLIN | POLLOUT | POLLRDHUP, 0));
	EXPECT_STATE(variant->calt, &cl, &sv, "ESTABLISHED");
	EXPECT_STATE(variant->salt, &sv, &cl, "ESTABLISHED");

	ASSERT_EQ(3, send(p.s, "def", 3, MSG_NOSIGNAL));
	end = sl_now_ms() + SL_STEP_MS;
	while (avail < 3 && sl_now_ms() < end) {
		ASSERT_EQ(0, ioctl(p.c, FIONREAD, &avail));
		sl_sleep_ms(5);
	}
	EXPECT_EQ(3, avail);
	EXPECT_EQ(3, recv(p.c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "def", 3));
	/* The client can still send. */
	ASSERT_EQ(2, send(p.c, "gh", 2, 0));
	EXPECT_EQ(2, recv(p.s, buf, 2, MSG_WAITALL));
	sl_pair_close(&p);
}

/*
 * D4/D8 TIME-WAIT length: with net.tcpalt.msl_ms=500 a tcpalt TIME-WAIT row lasts 2*MSL =
 * 1 s +-10%, its ms_left column never exceeds 1000 and falls.  A kernel TCP
 * closer (fixed 60 s TIME-WAIT) is checked for the row and its falling timer only.
 */
TEST_F(cl, timewait_duration)
{
	struct sockaddr_in cl, sv;
	long long t_close, t_gone;
	struct sl_row r1, r2;
	struct sl_pair p;
	long limit;
	char c;

	if (variant->calt)
		ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_MSL_MS, "500"));
	limit = variant->calt ? 1000 : 60000;
	PAIR(&p);
	cl = p.caddr;
	sv = p.saddr;
	close(p.c);
	p.c = -1;
	ASSERT_EQ(0, recv(p.s, &c, 1, 0));
	t_close = sl_now_ms();
	close(p.s);
	p.s = -1;
	ASSERT_EQ(0, sl_wait_state(variant->calt, &cl, &sv, "TIME-WAIT", SL_STEP_MS, &r1))
		TH_LOG("client state %s", r1.state);
	EXPECT_LT(0, r1.ms_left);
	EXPECT_GE(limit, r1.ms_left);
	sl_sleep_ms(50);
	ASSERT_EQ(1, sl_row(variant->calt, &cl, &sv, &r2));
	EXPECT_STREQ("TIME-WAIT", r2.state);
	EXPECT_GT(r1.ms_left, r2.ms_left);
	if (!variant->calt) {
		EXPECT_LT(50000, r2.ms_left);
		sl_pair_close(&p);
		return;
	}
	ASSERT_EQ(0, sl_wait_state(1, &cl, &sv, "gone", 3000, &r2));
	t_gone = sl_now_ms();
	EXPECT_LE(900, t_gone - t_close);
	EXPECT_GE(1100, t_gone - t_close);
	sl_pair_close(&p);
}

static int bind_port(int fam, unsigned short port, int reuse)
{
	struct sockaddr_in a = sl_loopback(port);
	int fd = socket(fam, SOCK_STREAM, 0), ret;

	if (fd < 0)
		return -errno;
	if (reuse)
		sl_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	ret = bind(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * RFC 9293 3.6.1 / D3: the client's port in TIME-WAIT stays taken.  bind() to it is
 * EADDRINUSE for either stack, and SO_REUSEADDR on the new socket alone does not help: Linux
 * lets a bind share a TIME-WAIT port only if the TIME-WAIT socket had SO_REUSEADDR too.
 */
TEST_F(cl, timewait_client_port_bind)
{
	unsigned short port;
	struct sl_pair p;

	PAIR(&p);
	port = ntohs(p.caddr.sin_port);
	active_close(_metadata, &p, true, variant->calt, variant->salt);
	EXPECT_EQ(-EADDRINUSE, bind_port(self->cfam, port, 0));
	EXPECT_EQ(-EADDRINUSE, bind_port(self->sfam, port, 0));
	EXPECT_EQ(-EADDRINUSE, bind_port(self->cfam, port, 1));
	sl_pair_close(&p);
}

/*
 * The listening port in TIME-WAIT (server closed first, listener too, the listener had
 * SO_REUSEADDR as servers do): bind() without SO_REUSEADDR is EADDRINUSE, with it 0.
 */
TEST_F(cl, timewait_server_port_bind)
{
	struct sl_pair p;

	PAIR(&p);
	active_close(_metadata, &p, false, variant->salt, variant->calt);
	EXPECT_EQ(-EADDRINUSE, bind_port(self->sfam, PORT, 0));
	EXPECT_EQ(-EADDRINUSE, bind_port(self->cfam, PORT, 0));
	EXPECT_EQ(0, bind_port(self->sfam, PORT, 1));
	sl_pair_close(&p);
}

/*
 * Closing a listener resets the connections still in its accept queue (inet_csk_listen_stop):
 * the client, ESTABLISHED, gets ECONNRESET.
 */
TEST_F(cl, listener_close_resets_queue)
{
	struct sockaddr_in to;
	int l, c;
	char ch;

	l = sl_listener(self->sfam, PORT, 4);
	ASSERT_LE(0, l);
	to = sl_loopback(PORT);
	c = socket(self->cfam, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_connect(c, &to, SL_STEP_MS));
	ASSERT_EQ(0, sl_set_timeouts(c, SL_STEP_MS));
	ASSERT_EQ(POLLIN, sl_poll_for(l, POLLIN, POLLIN, SL_STEP_MS));
	close(l);
	errno = 0;
	EXPECT_EQ(-1, recv(c, &ch, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	close(c);
}

TEST_HARNESS_MAIN
