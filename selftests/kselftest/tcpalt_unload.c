// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading while tcpalt sockets exist (DESIGN D10): `rmmod tcpalt` must be refused while a
 * listener, a connection or an orphan still closing exists, and tcpalt must work as before
 * after the refused attempt.  TIME-WAIT entries do not pin the module (unloading ends them),
 * so one exists during the attempts without being what refuses them.
 *
 * selftests/vm/guest/check.sh runs this program after all the others, right before its own
 * rmmod, whatever TCPALT_TESTS picked.  Every attempt here must fail: if one succeeded, the
 * module would be gone under live sockets, and the guest's kernel log would say so.
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		7700
#define MODULE_REFCNT	"/sys/module/tcpalt/refcnt"
#define DRAIN_MS	10000

static long refcnt(void)
{
	char buf[32];

	if (tcpalt_read_file(MODULE_REFCNT, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

/* Poll until the module's reference count is at most want, up to DRAIN_MS; the last count. */
static long wait_refcnt(long want)
{
	long long end = sl_now_ms() + DRAIN_MS;
	long n;

	while ((n = refcnt()) > want && sl_now_ms() < end)
		sl_sleep_ms(20);
	return n;
}

/*
 * Try both ways a user would: busybox rmmod (its exit status) and delete_module(2) itself
 * (its errno; 6.1 answers EWOULDBLOCK for a module in use, older kernels EBUSY).
 */
#define EXPECT_RMMOD_REFUSED() do { \
	int __st = system("rmmod tcpalt 2>/dev/null"); \
	EXPECT_TRUE(__st != -1 && WIFEXITED(__st) && WEXITSTATUS(__st) != 0) \
		TH_LOG("rmmod tcpalt: status %#x", __st); \
	errno = 0; \
	EXPECT_EQ(-1, syscall(SYS_delete_module, "tcpalt", O_NONBLOCK)); \
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("delete_module: %s", \
								   strerror(errno)); \
	EXPECT_EQ(0, access(TCPALT_FAMILY_PARAM, R_OK)) TH_LOG("the module is gone"); \
} while (0)

/* Some bytes each way on a connected pair: tcpalt still works. */
static int ping(int a, int b)
{
	char buf[8];

	if (send(a, "ping", 4, 0) != 4 || recv(b, buf, 4, MSG_WAITALL) != 4 ||
	    memcmp(buf, "ping", 4) || send(b, "pong", 4, 0) != 4 ||
	    recv(a, buf, 4, MSG_WAITALL) != 4 || memcmp(buf, "pong", 4))
		return -1;
	return 0;
}

FIXTURE(unload) {
	int fam;
};

FIXTURE_SETUP(unload)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_MSL_MS, "10000"));
	self->fam = tcpalt_family();
}

FIXTURE_TEARDOWN(unload)
{
}

/*
 * A listener, an established connection (both ends tcpalt) and a TIME-WAIT entry: rmmod is
 * refused, then the connection still carries data, the listener accepts a new one and the
 * TIME-WAIT row is still there.  Once everything is closed the count comes back.
 */
TEST_F(unload, refused_while_sockets_exist)
{
	struct sl_pair p, q;
	struct sockaddr_in tw_c, tw_s;
	long ref0 = refcnt(), ref;
	struct sl_row r;
	int c, s;
	char ch;

	ASSERT_LE(0, ref0);
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT, &p));
	/* A second pair on another port, closed client first: its client ends in TIME-WAIT. */
	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, PORT + 1, &q));
	tw_c = q.caddr;
	tw_s = q.saddr;
	close(q.c);
	ASSERT_EQ(0, recv(q.s, &ch, 1, 0));
	sl_pair_close(&q);
	ASSERT_EQ(0, sl_wait_state(1, &tw_c, &tw_s, "TIME-WAIT", SL_STEP_MS, &r))
		TH_LOG("client: %s", r.state);
	/* (The second pair's server end may still be finishing LAST-ACK: <=, not ==, below.) */
	ref = refcnt();
	EXPECT_LT(ref0, ref) TH_LOG("sockets do not hold the module");

	EXPECT_RMMOD_REFUSED();

	EXPECT_LT(ref0, refcnt());
	EXPECT_GE(ref, refcnt());
	EXPECT_EQ(0, ping(p.c, p.s)) TH_LOG("the established connection: %s", strerror(errno));
	c = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(0, sl_connect(c, &p.saddr, SL_STEP_MS));
	EXPECT_EQ(0, sl_set_timeouts(c, SL_STEP_MS));
	s = sl_accept(p.l, SL_STEP_MS);
	EXPECT_LE(0, s) TH_LOG("accept: %s", strerror(-s));
	if (s >= 0) {
		EXPECT_EQ(0, sl_set_timeouts(s, SL_STEP_MS));
		EXPECT_EQ(0, ping(c, s)) TH_LOG("a new connection: %s", strerror(errno));
		close(s);
	}
	close(c);
	EXPECT_EQ(0, sl_wait_state(1, &tw_c, &tw_s, "TIME-WAIT", 0, &r));
	sl_pair_close(&p);
	EXPECT_GE(ref0, wait_refcnt(ref0)) TH_LOG("refcnt %ld, %ld before", refcnt(), ref0);
}

/*
 * Only an orphan: a tcpalt client closed first towards a kernel TCP server that keeps its end
 * open, so the client waits in FIN-WAIT-2 with no file left.  rmmod is still refused; when the
 * server closes, the client goes to TIME-WAIT, the socket is freed and the count comes back.
 */
TEST_F(unload, refused_while_an_orphan_closes)
{
	struct sockaddr_in caddr, saddr;
	long ref0 = refcnt();
	struct sl_pair p;
	struct sl_row r;
	char ch;

	ASSERT_LE(0, ref0);
	ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_DIR "/fin_timeout_ms", "30000"));
	ASSERT_EQ(0, sl_make_pair(self->fam, AF_INET, PORT, &p));
	caddr = p.caddr;
	saddr = p.saddr;
	close(p.l);
	p.l = -1;
	close(p.c);
	p.c = -1;
	ASSERT_EQ(0, recv(p.s, &ch, 1, 0));
	ASSERT_EQ(0, sl_wait_state(1, &caddr, &saddr, "FIN-WAIT-2", SL_STEP_MS, &r))
		TH_LOG("client: %s", r.state);
	EXPECT_LT(ref0, refcnt()) TH_LOG("an orphan does not hold the module");

	EXPECT_RMMOD_REFUSED();

	close(p.s);
	p.s = -1;
	EXPECT_EQ(0, sl_wait_state(1, &caddr, &saddr, "TIME-WAIT", SL_STEP_MS, &r))
		TH_LOG("client: %s", r.state);
	EXPECT_GE(ref0, wait_refcnt(ref0)) TH_LOG("refcnt %ld, %ld before", refcnt(), ref0);
}

TEST_HARNESS_MAIN
