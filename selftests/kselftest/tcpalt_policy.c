// SPDX-License-Identifier: GPL-2.0
/*
 * The host's policy applies to tcpalt as it does to the kernel TCP (DESIGN D3, revised
 * 2026-11-27): an nftables input rule, a stateful conntrack ruleset, an inbound IPsec (xfrm)
 * policy and a socket filter must each see tcpalt's segments and be able to stop them.
 *
 * Every test runs between two fresh network namespaces joined by a veth pair: the client in
 * A (CLIENT_IP on va), the server in B (SERVER_IP on vb).  A veth pair rather than lo because
 * the loopback device is exempt from xfrm policy (NOPOLICY) and because a segment that
 * crosses a device meets conntrack on receive (PREROUTING, then confirmation at the end of
 * LOCAL_IN), not only on send.  Each test runs with the kernel TCP at both ends (inet, the
 * reference, which must pass) and with tcpalt at both ends.
 *
 * A connect() that policy must stop is given one SYN retry (net.ipv4.tcp_syn_retries or
 * net.tcpalt.syn_retries = 1), so the stack itself gives up with ETIMEDOUT after about 3 s;
 * SYN_TIMEOUT_MS only bounds the wait.  Data that policy holds back must stay undelivered for
 * HOLD_MS while the sender retransmits, and arrive byte-exact once the policy is lifted.
 */
#include <linux/filter.h>
#include <linux/netlink.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#include "tcpalt_netns.h"

#define PORT		7400
#define PORT_STR	"7400"
#define CLIENT_IP	"10.0.1.1"
#define SERVER_IP	"10.0.1.2"
#define XFER_LEN	(1u << 20)	/* each way, through the stateful firewall */
#define HELD_LEN	(64u << 10)	/* sent while a filter or policy drops everything */
#define SYN_TIMEOUT_MS	15000		/* bound on a connect() the stack must time out by itself */
#define HOLD_MS		1000		/* held-back data must not arrive for this long */
#define RELEASE_MS	15000		/* ... and must arrive within this once released */
/* Full paths: busybox sh would run its own applet for "ip". */
#define NFT		"/usr/sbin/nft"
#define IP		NETNS_IP

FIXTURE(pol) {
	int fam;
	int ns_a, ns_b;		/* network namespace fds: client side, server side */
	struct sockaddr_in srv;	/* SERVER_IP:PORT */
};

FIXTURE_VARIANT(pol) {
	int alt;		/* both ends are tcpalt (else the kernel TCP) */
};

FIXTURE_VARIANT_ADD(pol, inet) {
	.alt = 0,
};

FIXTURE_VARIANT_ADD(pol, tcpalt) {
	.alt = 1,
};

/* ---- namespaces and commands: tcpalt_netns.h ---- */

/* The number after "name" on the line of file path (as seen from ns) that has it; -1 if none. */
static long stat_in(int ns, const char *path, const char *name)
{
	char line[256], n[128];
	long v, ret = -1;
	FILE *f;

	if (enter(ns))
		return -1;
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", n, &v) == 2 && !strcmp(n, name))
			ret = v;
	fclose(f);
	return ret;
}

/*
 * The packet count of the counter on the first rule of chain (table inet t, namespace ns)
 * whose text contains match, as `nft list chain` prints it; -1 if there is no such rule.
 */
static long nft_packets(int ns, const char *chain, const char *match)
{
	char out[8192], *line, *c, *save = NULL;
	long packets;

	if (run(ns, out, sizeof(out), NFT " list chain inet t %s", chain))
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		c = strstr(line, "counter packets ");
		if (!c || !strstr(line, match))
			continue;
		if (sscanf(c, "counter packets %ld", &packets) == 1)
			return packets;
	}
	return -1;
}

/*
 * Load an nft ruleset (nft -f syntax) in namespace ns.  The exit status of nft (0 on success),
 * its messages in out.
 */
static int nft_load(int ns, const char *ruleset, char *out, size_t size)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/tmp/tcpalt_policy.%d.nft", getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ret = write(fd, ruleset, strlen(ruleset)) == (ssize_t)strlen(ruleset) ? 0 : -1;
	close(fd);
	if (!ret)
		ret = run(ns, out, size, NFT " -f %s", path);
	unlink(path);
	return ret;
}

/*
 * Load a ruleset the test needs; SKIP when nft says the kernel lacks a part of it (the netlink
 * family, a table family or an expression: ENOENT/EOPNOTSUPP/EPROTONOSUPPORT), fail otherwise.
 */
#define NFT_LOAD(ns, ruleset, needs) do { \
	char __out[2048]; \
	int __st = nft_load((ns), (ruleset), __out, sizeof(__out)); \
	if (__st && (strstr(__out, "No such file or directory") || \
		     strstr(__out, "not supported"))) \
		SKIP(return, "kernel lacks %s: %.300s", (needs), __out); \
	ASSERT_EQ(0, __st) TH_LOG("nft -f failed (%d): %s", __st, __out); \
} while (0)

/* ---- sockets ---- */

/* A listener of fam on SERVER_IP:PORT in namespace ns.  fd or -errno. */
static int listener_in(int ns, int fam)
{
	struct sockaddr_in a = sl_addr(SERVER_IP, PORT);
	int fd = socket_in(ns, fam), one = 1;

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * A blocking connect() bounded by SO_SNDTIMEO of ms.  0 or -errno; -EINPROGRESS when the bound
 * passed with the stack still trying (so -ETIMEDOUT is always the stack's own verdict).
 */
static int connect_within(int fd, const struct sockaddr_in *to, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return connect(fd, (const struct sockaddr *)to, sizeof(*to)) ? -errno : 0;
}

/* TCP_INFO's tcpi_total_retrans of fd; -1 if it can't be read. */
static long total_retrans(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_total_retrans;
}

/* SO_ATTACH_FILTER with a classic BPF program that accepts nothing.  0 or -errno. */
static int attach_drop_all(int fd)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ? -errno : 0;
}

static int detach_filter(int fd)
{
	int dummy = 0;

	return setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) ? -errno : 0;
}


/* ---- the fixture: namespaces A and B, veth va (A) <-> vb (B) ---- */

FIXTURE_SETUP(pol)
{
	int i;

	self->ns_a = self->ns_b = -1;
	self->fam = variant->alt ? tcpalt_family() : AF_INET;
	self->srv = sl_addr(SERVER_IP, PORT);
	signal(SIGPIPE, SIG_IGN);

	/* A (this process) and B: veth va (A) <-> vb (B). */
	veth_pair(_metadata, &self->ns_a, &self->ns_b);

	RUN_OK(self->ns_a, IP " addr add " CLIENT_IP "/24 dev va && " IP " link set va up");
	RUN_OK(self->ns_b, IP " link set lo up && " IP " addr add " SERVER_IP "/24 dev vb && "
	       IP " link set vb up");
	ASSERT_EQ(0, wait_running(self->ns_a, "va", SL_STEP_MS));
	ASSERT_EQ(0, wait_running(self->ns_b, "vb", SL_STEP_MS));

	/* Short-lived orphans and TIME-WAIT entries, so the module can be unloaded after. */
	for (i = 0; variant->alt && i < 2; i++) {
		int ns = i ? self->ns_b : self->ns_a;

		ASSERT_EQ(0, short_lived_orphans(ns));
		/* A child whose SYN-ACKs were dropped gives up after ~3 s, not a minute. */
		ASSERT_EQ(0, write_in(ns, TCPALT_SYSCTL_DIR "/synack_retries", "1"));
	}
	/* One SYN retry: a connect() nobody answers fails with ETIMEDOUT after ~3 s. */
	ASSERT_EQ(0, write_in(self->ns_a, variant->alt ? TCPALT_SYSCTL_DIR "/syn_retries" :
			      "/proc/sys/net/ipv4/tcp_syn_retries", "1"));
	ASSERT_EQ(0, enter(self->ns_a));
}

FIXTURE_TEARDOWN(pol)
{
	veth_pair_close(self->ns_a, self->ns_b);
}

/*
 * A client connect() from A to the listener lfd in B that policy must stop: the stack times
 * out (ETIMEDOUT, not our bound) and the listener never has a connection to accept.
 */
static void expect_connect_stopped(struct __test_metadata *_metadata,
				   FIXTURE_DATA(pol) *self, int lfd)
{
	long long t0 = sl_now_ms();
	int fd, err;

	fd = socket_in(self->ns_a, self->fam);
	ASSERT_LE(0, fd);
	err = connect_within(fd, &self->srv, SYN_TIMEOUT_MS);
	EXPECT_EQ(-ETIMEDOUT, err) TH_LOG("connect() through the policy: %s after %lld ms",
					  err ? strerror(-err) : "connected", sl_now_ms() - t0);
	EXPECT_EQ(0, sl_poll(lfd, POLLIN, 0)) TH_LOG("the listener has a connection to accept");
	close(fd);
}

/* With the policy lifted, a client connects to lfd, is accepted, and a byte goes each way. */
static void expect_connect_works(struct __test_metadata *_metadata,
				 FIXTURE_DATA(pol) *self, int lfd)
{
	int c, s, err;
	char b = 'p';

	/* Whatever a stopped attempt left behind (a tcpalt child today) is not this one. */
	while (sl_poll(lfd, POLLIN, 0) > 0) {
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0)
			break;
		close(s);
	}
	c = socket_in(self->ns_a, self->fam);
	ASSERT_LE(0, c);
	err = connect_within(c, &self->srv, SL_STEP_MS);
	EXPECT_EQ(0, err) TH_LOG("connect() with the policy lifted: %s", strerror(-err));
	s = sl_accept(lfd, SL_STEP_MS);
	EXPECT_LE(0, s) TH_LOG("accept(): %s", strerror(-s));
	if (!err && s >= 0) {
		sl_set_timeouts(c, SL_STEP_MS);
		sl_set_timeouts(s, SL_STEP_MS);
		EXPECT_EQ(1, send(c, &b, 1, MSG_NOSIGNAL));
		EXPECT_EQ(1, recv(s, &b, 1, 0));
		EXPECT_EQ(1, send(s, &b, 1, MSG_NOSIGNAL));
		EXPECT_EQ(1, recv(c, &b, 1, 0));
	}
	if (s >= 0)
		close(s);
	close(c);
}

/*
 * An established connection c -> s whose segments towards s the policy drops (it is in force
 * when this is called; lift() lifts it): HELD_LEN bytes sent by c do not reach s for HOLD_MS
 * while c retransmits; once lifted they arrive, byte-exact.
 */
static void expect_data_held(struct __test_metadata *_metadata, int c, int s,
			     int (*lift)(void *), void *arg)
{
	long before = total_retrans(c);
	long long end;
	struct sl_xfer tx, rx;
	pthread_t th;
	int rev;

	sl_set_timeouts(c, RELEASE_MS + HOLD_MS);
	sl_set_timeouts(s, RELEASE_MS);
	sl_xfer_start(&th, &tx, c, 1, 7, HELD_LEN);
	rev = sl_poll(s, POLLIN, HOLD_MS);
	EXPECT_EQ(0, rev) TH_LOG("data arrived while the policy drops it (revents %#x)", rev);
	/*
	 * The sender noticed the loss: it retransmits (RTO >= 200 ms for either stack; on a
	 * loaded TCG guest its thread may take seconds to get the CPU).
	 */
	end = sl_now_ms() + 4 * SL_STEP_MS;
	while (total_retrans(c) <= before && sl_now_ms() < end)
		sl_sleep_ms(10);
	EXPECT_LT(before, total_retrans(c)) TH_LOG("the sender never retransmitted");
	ASSERT_EQ(0, lift(arg));
	memset(&rx, 0, sizeof(rx));
	rx.fd = s;
	rx.seed = 7;
	rx.len = HELD_LEN;
	sl_xfer_run(&rx);
	pthread_join(th, NULL);
	EXPECT_EQ(0, tx.err) TH_LOG("sender: %s", strerror(tx.err));
	EXPECT_STREAM(&rx, &tx);
}

/* An established connection: client c in A, accepted s in B.  0 or -errno. */
static int connect_pair(FIXTURE_DATA(pol) *self, int lfd, int *c, int *s)
{
	int err;

	*s = -1;
	*c = socket_in(self->ns_a, self->fam);
	if (*c < 0)
		return *c;
	err = connect_within(*c, &self->srv, SL_STEP_MS);
	if (!err) {
		*s = sl_accept(lfd, SL_STEP_MS);
		err = *s < 0 ? *s : 0;
	}
	if (err) {
		close(*c);
		*c = -1;
	}
	return err;
}

/* ---- 1. nftables input rules ---- */

/*
 * `tcp dport P counter drop` in B's input chain: the SYNs never reach the listener (the
 * client times out) and the rule counted them (the SYN and its retry); with the rule deleted
 * the same connect() works.
 */
TEST_F_TIMEOUT(pol, nft_input_drop_syn, 60)
{
	long n;
	int lfd;

	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	NFT_LOAD(self->ns_b,
		 "table inet t {\n"
		 "  chain in {\n"
		 "    type filter hook input priority 0;\n"
		 "    tcp dport " PORT_STR " counter drop\n"
		 "  }\n"
		 "}\n", "nf_tables (CONFIG_NF_TABLES, CONFIG_NF_TABLES_INET)");
	expect_connect_stopped(_metadata, self, lfd);
	n = nft_packets(self->ns_b, "in", "tcp dport " PORT_STR);
	EXPECT_LE(2, n) TH_LOG("the drop rule counted %ld packets", n);
	RUN_OK(self->ns_b, NFT " flush chain inet t in");
	expect_connect_works(_metadata, self, lfd);
	close(lfd);
}

/*
 * The same on the client's side: `tcp sport P counter drop` in A's input chain drops the
 * SYN-ACKs, so the connecting socket (SYN-SENT) never sees one and times out.
 */
TEST_F_TIMEOUT(pol, nft_input_drop_synack, 60)
{
	long n;
	int lfd;

	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	NFT_LOAD(self->ns_a,
		 "table inet t {\n"
		 "  chain in {\n"
		 "    type filter hook input priority 0;\n"
		 "    tcp sport " PORT_STR " counter drop\n"
		 "  }\n"
		 "}\n", "nf_tables (CONFIG_NF_TABLES, CONFIG_NF_TABLES_INET)");
	expect_connect_stopped(_metadata, self, lfd);
	n = nft_packets(self->ns_a, "in", "tcp sport " PORT_STR);
	EXPECT_LE(1, n) TH_LOG("the drop rule counted %ld packets", n);
	RUN_OK(self->ns_a, NFT " flush chain inet t in");
	expect_connect_works(_metadata, self, lfd);
	close(lfd);
}

/* ---- 2. a stateful firewall: conntrack must track tcpalt's connections ---- */

/*
 * Both namespaces: input policy drop, accepting only what conntrack calls established or
 * related (and, on the server, new connections to PORT); INVALID counted (and dropped on
 * input) both ways.  A connection works, carries XFER_LEN each way byte-exact and closes
 * with FINs; the established rules counted its segments and conntrack never judged one of
 * them INVALID (it would if the receiver took a SYN before conntrack confirmed its entry:
 * the SYN-ACK would then start a connection of its own).
 */
#define STATEFUL(new_rule) \
	"table inet t {\n" \
	"  chain in {\n" \
	"    type filter hook input priority 0; policy drop;\n" \
	"    ct state invalid counter drop\n" \
	"    ct state established,related counter accept\n" \
	new_rule \
	"  }\n" \
	"  chain out {\n" \
	"    type filter hook output priority 0; policy accept;\n" \
	"    ct state invalid counter\n" \
	"  }\n" \
	"}\n"

TEST_F_TIMEOUT(pol, nft_stateful_conntrack, 120)
{
	const char *needs = "conntrack for nf_tables (CONFIG_NF_CONNTRACK, CONFIG_NFT_CT)";
	struct sl_xfer ctx, crx, stx, srx;
	struct sockaddr_in cl;
	socklen_t len = sizeof(cl);
	struct sl_row row;
	int lfd, c, s, i, ns;
	pthread_t t[4];
	long n;
	char b;

	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	NFT_LOAD(self->ns_b, STATEFUL("    tcp dport " PORT_STR " ct state new counter accept\n"),
		 needs);
	NFT_LOAD(self->ns_a, STATEFUL(""), needs);
	ASSERT_EQ(0, connect_pair(self, lfd, &c, &s));
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&cl, &len));
	sl_set_timeouts(c, 30000);
	sl_set_timeouts(s, 30000);
	sl_xfer_start(&t[0], &ctx, c, 1, 1, XFER_LEN);
	sl_xfer_start(&t[1], &srx, s, 0, 1, XFER_LEN);
	sl_xfer_start(&t[2], &stx, s, 1, 2, XFER_LEN);
	sl_xfer_start(&t[3], &crx, c, 0, 2, XFER_LEN);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, ctx.err) TH_LOG("client sender: %s", strerror(ctx.err));
	EXPECT_EQ(0, stx.err) TH_LOG("server sender: %s", strerror(stx.err));
	EXPECT_STREAM(&srx, &ctx);
	EXPECT_STREAM(&crx, &stx);

	/* RFC 9293 3.6: FIN each way; the client ends in TIME-WAIT, the server's row goes. */
	EXPECT_EQ(0, shutdown(c, SHUT_WR));
	EXPECT_EQ(0, recv(s, &b, 1, 0));
	EXPECT_EQ(0, close(s));
	EXPECT_EQ(0, recv(c, &b, 1, 0));
	ASSERT_EQ(0, enter(self->ns_a));
	EXPECT_EQ(0, sl_wait_state(variant->alt, &cl, &self->srv, "TIME-WAIT", SL_STEP_MS, &row))
		TH_LOG("client: %s, wanted TIME-WAIT", row.state);
	ASSERT_EQ(0, enter(self->ns_b));
	EXPECT_EQ(0, sl_wait_state(variant->alt, &self->srv, &cl, "gone", SL_STEP_MS, &row))
		TH_LOG("server: %s, wanted no row", row.state);
	close(c);
	close(lfd);

	n = nft_packets(self->ns_b, "in", "tcp dport " PORT_STR);
	EXPECT_LE(1, n) TH_LOG("server: the new-connection rule counted %ld packets", n);
	for (i = 0; i < 2; i++) {
		const char *side = i ? "server" : "client";

		ns = i ? self->ns_b : self->ns_a;
		n = nft_packets(ns, "in", "established");
		EXPECT_LT(0, n) TH_LOG("%s: the established rule counted %ld packets", side, n);
		n = nft_packets(ns, "in", "invalid");
		EXPECT_EQ(0, n) TH_LOG("%s: conntrack found %ld received packets INVALID", side, n);
		n = nft_packets(ns, "out", "invalid");
		EXPECT_EQ(0, n) TH_LOG("%s: conntrack found %ld sent packets INVALID", side, n);
	}
}

/* ---- 3. IPsec (xfrm) inbound policy ---- */

#define XFRM_SEL "src " CLIENT_IP "/32 dst " SERVER_IP "/32 proto 6 dport " PORT_STR " dir in"
#define XFRM_STAT "/proc/net/xfrm_stat"

/* Whether ns has the xfrm netlink interface (`ip xfrm`, CONFIG_XFRM_USER). */
static bool have_xfrm_user(int ns)
{
	int fd;

	if (enter(ns))
		return false;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#define NEED_XFRM_USER() do { \
	if (!have_xfrm_user(self->ns_b)) \
		SKIP(return, "kernel lacks CONFIG_XFRM_USER (no ip xfrm)"); \
} while (0)

/*
 * A policy in B for the client's segments to PORT stops the connection; the kernel counts
 * the drop in /proc/net/xfrm_stat under counter (where CONFIG_XFRM_STATISTICS is set).  After
 * `ip xfrm policy flush` the connection works.
 */
static void xfrm_stops_connect(struct __test_metadata *_metadata, FIXTURE_DATA(pol) *self,
			       const char *policy, const char *counter)
{
	long before, after;
	int lfd;

	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	before = stat_in(self->ns_b, XFRM_STAT, counter);
	RUN_OK(self->ns_b, IP " xfrm policy add " XFRM_SEL " %s", policy);
	expect_connect_stopped(_metadata, self, lfd);
	after = stat_in(self->ns_b, XFRM_STAT, counter);
	if (before >= 0) {
		EXPECT_LT(before, after) TH_LOG("%s stayed at %ld", counter, after);
	} else {
		TH_LOG("no " XFRM_STAT " (CONFIG_XFRM_STATISTICS): %s not checked", counter);
	}
	RUN_OK(self->ns_b, IP " xfrm policy flush");
	expect_connect_works(_metadata, self, lfd);
	close(lfd);
}

/* `action block`: xfrm4_policy_check() rejects the SYN (XfrmInPolBlock). */
TEST_F_TIMEOUT(pol, xfrm_policy_block, 60)
{
	NEED_XFRM_USER();
	xfrm_stops_connect(_metadata, self, "action block", "XfrmInPolBlock");
}

/*
 * A policy that requires ESP in transport mode: a SYN that did not come through an SA
 * fails the template check (XfrmInTmplMismatch), as it would on a host whose IPsec
 * configuration demands protection.
 */
TEST_F_TIMEOUT(pol, xfrm_policy_requires_esp, 60)
{
	NEED_XFRM_USER();
	xfrm_stops_connect(_metadata, self,
			   "tmpl src " CLIENT_IP " dst " SERVER_IP " proto esp mode transport",
			   "XfrmInTmplMismatch");
}

static int xfrm_flush(void *arg)
{
	FIXTURE_DATA(pol) *self = arg;
	char out[512];

	return run(self->ns_b, out, sizeof(out), IP " xfrm policy flush");
}

/* The policy is checked on every segment, not only on SYNs: an established connection too. */
TEST_F_TIMEOUT(pol, xfrm_policy_block_established, 60)
{
	int lfd, c, s;

	NEED_XFRM_USER();
	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, connect_pair(self, lfd, &c, &s));
	RUN_OK(self->ns_b, IP " xfrm policy add " XFRM_SEL " action block");
	expect_data_held(_metadata, c, s, xfrm_flush, self);
	close(c);
	close(s);
	close(lfd);
}

/* ---- 4. socket filters (SO_ATTACH_FILTER) ---- */

/* A listener whose filter accepts nothing never sees a SYN; detached, it accepts again. */
TEST_F_TIMEOUT(pol, filter_listener, 60)
{
	int lfd;

	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, attach_drop_all(lfd));
	expect_connect_stopped(_metadata, self, lfd);
	ASSERT_EQ(0, detach_filter(lfd));
	expect_connect_works(_metadata, self, lfd);
	close(lfd);
}

static int filter_detach(void *arg)
{
	return detach_filter(*(int *)arg);
}

/*
 * An established socket whose filter accepts nothing receives no data: the sender
 * retransmits, and only after SO_DETACH_FILTER does the data arrive, byte-exact.
 */
TEST_F_TIMEOUT(pol, filter_established, 60)
{
	int lfd, c, s;

	lfd = listener_in(self->ns_b, self->fam);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, connect_pair(self, lfd, &c, &s));
	ASSERT_EQ(0, attach_drop_all(s));
	expect_data_held(_metadata, c, s, filter_detach, &s);
	close(c);
	close(s);
	close(lfd);
}

TEST_HARNESS_MAIN
