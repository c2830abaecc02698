// SPDX-License-Identifier: GPL-2.0
/*
 * Data transfer through lossy, reordering, duplicating and slow paths (D11, issue 8): netem
 * on the test namespace's loopback (MTU 1500, one segment per packet) and a stream each way
 * at once, checksummed, between every pair of stacks.  Loss recovery (SACK, RACK-TLP, NewReno,
 * the RTO), the out-of-order queue and duplicate-data trimming (RFC 9293 3.10.7.4) must
 * deliver the exact stream.  The netem delay applies once each way: RTT is twice it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "tcpalt_lib.h"
#include "tcpalt_sock_lib.h"

#define PORT	7300
#define LEN	(1u << 20)

FIXTURE(lossy) {
	int cfam, sfam;
};

FIXTURE_VARIANT(lossy) {
	int calt, salt;
};

FIXTURE_VARIANT_ADD(lossy, inet_inet) { .calt = 0, .salt = 0 };
FIXTURE_VARIANT_ADD(lossy, tcpalt_tcpalt) { .calt = 1, .salt = 1 };
FIXTURE_VARIANT_ADD(lossy, tcpalt_inet) { .calt = 1, .salt = 0 };
FIXTURE_VARIANT_ADD(lossy, inet_tcpalt) { .calt = 0, .salt = 1 };

FIXTURE_SETUP(lossy)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	/* Full paths: busybox sh would run its own applets of the same names. */
	/*
	 * One wire segment per packet (gso_max_segs 1), as after a NIC's TSO: netem then loses
	 * and reorders segments, not whole GSO super-segments of up to 45 of them, so both
	 * stacks see a real 2% segment loss.
	 */
	ASSERT_EQ(0, system("/usr/sbin/ip link set lo mtu 1500 gso_max_segs 1 && "
			    "/usr/sbin/tc qdisc add dev lo root netem loss 2% delay 2ms reorder 10% 50%"));
	if (variant->calt || variant->salt)
		sl_write_file(TCPALT_SYSCTL_MSL_MS, "1000");
	self->cfam = variant->calt ? tcpalt_family() : AF_INET;
	self->sfam = variant->salt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(lossy)
{
}

/*
 * len bytes each way at once over a pair of cfam/sfam sockets (seeds seed and seed + 1),
 * checked byte by byte; then a clean half-close.
 */
static void both_ways(struct __test_metadata *_metadata, int cfam, int sfam,
		      unsigned short port, uint32_t len, uint64_t seed)
{
	struct sl_xfer x[4];
	struct sl_pair p;
	pthread_t t[4];
	char c;
	int i;

	ASSERT_EQ(0, sl_make_pair(cfam, sfam, port, &p));
	sl_set_timeouts(p.c, 60000);
	sl_set_timeouts(p.s, 60000);
	for (i = 0; i < 4; i++) {
		memset(&x[i], 0, sizeof(x[i]));
		x[i].fd = i == 0 || i == 3 ? p.c : p.s;
		x[i].sender = !(i & 1);
		x[i].seed = seed + i / 2;
		x[i].len = len;
		pthread_create(&t[i], NULL, sl_xfer_run, &x[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, x[i].err) TH_LOG("%s: %s", i & 1 ? "receiver" : "sender",
					      strerror(x[i].err));
	}
	EXPECT_EQ(len, x[1].done);
	EXPECT_EQ(len, x[3].done);
	EXPECT_EQ(-1, x[1].first_bad);
	EXPECT_EQ(-1, x[3].first_bad);
	EXPECT_EQ(sl_stream_hash(seed, len), x[1].hash);
	EXPECT_EQ(sl_stream_hash(seed + 1, len), x[3].hash);
	EXPECT_EQ(0, shutdown(p.c, SHUT_WR));
	EXPECT_EQ(0, recv(p.s, &c, 1, 0));
	sl_pair_close(&p);
}

TEST_F_TIMEOUT(lossy, both_ways_checksummed, 120)
{
	long retrans = sl_tcpalt_stat("RetransSegs");

	both_ways(_metadata, self->cfam, self->sfam, PORT, LEN, 11);
	/* The path really lost segments and tcpalt really recovered them. */
	if (variant->calt || variant->salt)
		EXPECT_LT(retrans, sl_tcpalt_stat("RetransSegs"));
}

/* ---- the paths of issue 8: loss 0.1/1/5%, duplication + reordering, RTT 100 ms ---- */

#define PLEN	(512u << 10)

struct path {
	const char *netem;	/* tc netem arguments */
	int fast_recovery;	/* segments surely lost: tcpalt must recover without the RTO too */
};

static const struct path paths[] = {
	{ "delay 10ms loss 0.1%", 0 },
	{ "delay 10ms loss 1%", 0 },
	{ "delay 10ms loss 5%", 1 },
	{ "delay 10ms loss 1% duplicate 5% reorder 10% 50%", 0 },
	{ "delay 50ms loss 0.5%", 0 },
};

FIXTURE(path) {
	int cfam, sfam;
};

FIXTURE_VARIANT(path) {
	int calt, salt, path;
};

#define PATH_VARIANTS(name, p) \
	FIXTURE_VARIANT_ADD(path, name##_inet_inet) { .calt = 0, .salt = 0, .path = p }; \
	FIXTURE_VARIANT_ADD(path, name##_tcpalt_tcpalt) { .calt = 1, .salt = 1, .path = p }; \
	FIXTURE_VARIANT_ADD(path, name##_tcpalt_inet) { .calt = 1, .salt = 0, .path = p }; \
	FIXTURE_VARIANT_ADD(path, name##_inet_tcpalt) { .calt = 0, .salt = 1, .path = p }

PATH_VARIANTS(loss01, 0);
PATH_VARIANTS(loss1, 1);
PATH_VARIANTS(loss5, 2);
PATH_VARIANTS(dup_reorder, 3);
PATH_VARIANTS(rtt100, 4);

FIXTURE_SETUP(path)
{
	char cmd[256];

	ASSERT_EQ(0, sl_netns_lo_up());
	snprintf(cmd, sizeof(cmd), "/usr/sbin/ip link set lo mtu 1500 gso_max_segs 1 && "
		 "/usr/sbin/tc qdisc add dev lo root netem %s", paths[variant->path].netem);
	ASSERT_EQ(0, system(cmd));
	if (variant->calt || variant->salt)
		sl_write_file(TCPALT_SYSCTL_MSL_MS, "1000");
	self->cfam = variant->calt ? tcpalt_family() : AF_INET;
	self->sfam = variant->salt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(path)
{
}

TEST_F_TIMEOUT(path, both_ways_checksummed, 240)
{
	long fast = sl_tcpalt_stat("FastRetrans") + sl_tcpalt_stat("LossProbes");

	both_ways(_metadata, self->cfam, self->sfam, PORT + 1, PLEN, 21);
	/* 5% of about 800 segments: losses surely came, and tcpalt repaired some by SACK. */
	if ((variant->calt || variant->salt) && paths[variant->path].fast_recovery) {
		EXPECT_LT(fast, sl_tcpalt_stat("FastRetrans") + sl_tcpalt_stat("LossProbes"))
			TH_LOG("every loss waited for the RTO");
	}
}

TEST_HARNESS_MAIN
