// SPDX-License-Identifier: GPL-2.0
/*
 * Loss recovery on the wire (issue 8), against the scripted peer of pktpeer.h (a TUN device
 * in a private network namespace):
 *
 * - the options of the SYN and SYN-ACK (MSS, SACK-permitted, timestamps, window scale) in
 *   Linux's order and padding, none used later when the peer did not offer them, TCP_MAXSEG
 *   lowering the MSS announced;
 * - timestamps (RFC 7323): on every segment, TSecr echoing the peer's latest in-order TSval,
 *   TSval moving forward; PAWS dropping a segment with an old TSval;
 * - SACK (RFC 2018) and D-SACK (RFC 2883) blocks in the ACKs of a receiver with holes;
 * - as a sender: fast retransmit on SACKs, on three duplicate ACKs without SACK (RFC 6582),
 *   a tail loss probe, undo of a spurious retransmission timeout.
 *
 * Every test runs as "inet" against the kernel's own TCP (the reference that proves the
 * script) and as "tcpalt" against AF_TCPALT.  Timing assertions are made relative to the
 * connection's own RTO (TCP_INFO tcpi_rto, at least 200 ms), never against small absolute
 * windows: the guests are emulated (TCG) and slow.
 */
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>

#include "kselftest_harness.h"
#include "pktpeer.h"
#include "pktpeer_fixture.h"
#include "tcpalt_sock_lib.h"

#define LPORT		5200	/* the kernel side's listening port */
#define PPORT		42000	/* the scripted peer's port */
#define PEER_MSS	1000	/* the peer's MSS option (the TUN MTU is 1500) */
#define PEER_WSCALE	7	/* the window scale the peer offers: 65535 << 7 is ~8 MiB */
#define WAIT_MS		1000	/* how long a prompt reply may take in a slow guest */
#define DELACK_MS	500	/* RFC 9293 3.8.6.3: an ACK may be delayed < 0.5 s */
#define TEST_SECS	30
#define MAX_SEGS	64	/* segments a sender test keeps track of */

/* Linux's TCP_CA_* states as TCP_INFO reports them (tcpi_ca_state). */
#define CA_OPEN		0
#define CA_RECOVERY	3
#define CA_LOSS		4

/* What the peer offers in its SYN or SYN-ACK. */
struct offer {
	bool sack, ts;
	int wscale;		/* -1: no window scale option */
	int mss;		/* 0: no MSS option */
};

static const struct offer OFFER_ALL = { .sack = true, .ts = true, .wscale = PEER_WSCALE,
					.mss = PEER_MSS };

FIXTURE(loss) {
	PEER_FIXTURE_MEMBERS;
	bool ts, sack;		/* negotiated */
	uint32_t tsval;		/* the peer's timestamp clock: the next TSval it sends */
	uint32_t ts_recent;	/* the kernel side's latest TSval, echoed by the peer */
	uint32_t last_tsval;	/* the highest TSval the kernel side has sent (0: none yet) */
	unsigned int no_ts;	/* kernel segments after a TS handshake without TS first */
	char no_ts_seg[300];	/* the first of those */
	unsigned int ts_back;	/* kernel segments whose TSval went backwards */
	uint32_t snd_max;	/* the highest sequence number the kernel side has sent */
	char seg[300];		/* scratch for describing a segment */
	char seg2[300];
};

PEER_VARIANTS(loss);

FIXTURE_SETUP(loss)
{
	self->tsval = 1000000;
	PEER_FIXTURE_SETUP();
	self->peer.mss = PEER_MSS;
}

FIXTURE_TEARDOWN(loss)
{
	/* RFC 7323 3.2: once negotiated, timestamps on every segment (but RST). */
	EXPECT_EQ(0, self->no_ts) TH_LOG("%u segments without timestamps first, e.g. %s",
					 self->no_ts, self->no_ts_seg);
	EXPECT_EQ(0, self->ts_back) TH_LOG("TSval went backwards %u times", self->ts_back);
	peer_fixture_teardown(_metadata, &self->peer, self->fd, self->lfd);
}

/* Describe a segment with its options (TS, SACK blocks relative to rel) into buf. */
static const char *fmt_seg(const struct pkt_seg *s, uint32_t rel, char *buf, size_t size)
{
	size_t n;
	int b;

	peer_fmt(s, buf, size);
	n = strlen(buf);
	if (s->has_ts && n < size)
		n += snprintf(buf + n, size - n, " ts %u ecr %u", s->tsval, s->tsecr);
	for (b = 0; b < s->nsack && n < size; b++)
		n += snprintf(buf + n, size - n, "%s%d-%d", b ? "," : " sack ",
			      (int)(s->sack[b][0] - rel), (int)(s->sack[b][1] - rel));
	if (n < size)
		snprintf(buf + n, size - n, " opt %zu", s->optlen);
	return buf;
}

#define SEG(s)		fmt_seg(&(s), 0, self->seg, sizeof(self->seg))
#define SEGR(s, rel)	fmt_seg(&(s), (rel), self->seg, sizeof(self->seg))

/* ---- TCP_INFO ---- */

static int rto_ms(int fd)
{
	struct tcp_info ti;

	if (tcp_info_of(fd, &ti))
		return -1;
	return (int)(ti.tcpi_rto / 1000);
}

/* ---- the peer's segments ---- */

/*
 * Send a segment from the peer with the negotiated options: timestamps (TSval from the peer's
 * clock, which advances by one per segment; TSecr the kernel side's latest TSval) and nblocks
 * SACK blocks.
 */
static int xmit_full(FIXTURE_DATA(loss) *self, uint8_t flags, uint32_t seq, uint32_t ack,
		     const void *data, size_t len, const uint32_t (*blocks)[2], int nblocks,
		     uint32_t tsval, uint32_t tsecr)
{
	struct pkt_out o = {
		.flags = flags, .seq = seq, .ack = ack, .data = data, .len = len,
	};
	uint8_t opt[40];
	size_t n = 0;

	if (self->ts)
		n += peer_opt_ts(opt, tsval, tsecr);
	if (nblocks)
		n += peer_opt_sack(opt + n, blocks, nblocks);
	return peer_xmit_opts(&self->peer, &o, opt, n);
}

static int xmit(FIXTURE_DATA(loss) *self, uint8_t flags, uint32_t seq, const void *data,
		size_t len, const uint32_t (*blocks)[2], int nblocks)
{
	return xmit_full(self, flags, seq, self->peer.rcv_nxt, data, len, blocks, nblocks,
			 self->tsval++, self->ts_recent);
}

/* The byte at offset off of the peer's (seed 1) or the kernel side's (seed 2) stream. */
static uint8_t pat(unsigned int seed, uint32_t off)
{
	return (uint8_t)(off * 131 + (off >> 8) * 7 + seed * 29);
}

static void fill(uint8_t *buf, size_t len, unsigned int seed, uint32_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(seed, off + i);
}

/* Peer data: len bytes at offset off of its stream (relative to base = peer ISS + 1). */
static int send_data(FIXTURE_DATA(loss) *self, uint32_t off, size_t len)
{
	uint8_t buf[PEER_MAX_PAYLOAD];
	uint32_t base = self->peer.iss + 1;

	fill(buf, len, 1, off);
	return xmit(self, TH_ACK | TH_PSH, base + off, buf, len, NULL, 0);
}

/* ---- the kernel side's segments ---- */

/*
 * The next segment of the connection within ms (1, or 0 when none): the peer's bookkeeping
 * (ts_recent, snd_max, the timestamp checks) is updated from it.
 */
static int next_seg(FIXTURE_DATA(loss) *self, int ms, struct pkt_seg *s)
{
	static const uint8_t ts_lead[4] = { 1, 1, 8, 10 };
	int r = peer_expect(&self->peer, 0, 0, ms, s);

	if (r != 1)
		return r;
	if (self->ts && !(s->flags & TH_SYN) && !(s->flags & TH_RST) &&
	    (s->optlen < 12 || memcmp(s->opt, ts_lead, 4) || !s->has_ts)) {
		if (!self->no_ts++)
			fmt_seg(s, 0, self->no_ts_seg, sizeof(self->no_ts_seg));
	}
	if (s->has_ts) {
		if (self->last_tsval && seq_lt(s->tsval, self->last_tsval))
			self->ts_back++;
		else
			self->last_tsval = s->tsval;
		self->ts_recent = s->tsval;
	}
	if (!(s->flags & TH_SYN) && (s->len || (s->flags & TH_FIN)) &&
	    seq_lt(self->snd_max, s->seq + s->len))
		self->snd_max = s->seq + s->len;
	return 1;
}

/* ---- connections ---- */

/*
 * The peer's SYN to the listener with the options of offer; the kernel side's SYN-ACK in *s.
 * Negotiated options are noted in self.
 */
static void syn_to_listener(struct __test_metadata *_metadata, FIXTURE_DATA(loss) *self,
			    uint32_t iss, const struct offer *of, int maxseg, struct pkt_seg *s)
{
	struct pkt_out o = { .flags = TH_SYN, .seq = iss };
	uint8_t opt[40];
	size_t n;

	if (self->lfd < 0)
		self->lfd = peer_listen(self->family, LPORT, maxseg);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	self->peer.port = PPORT;
	self->peer.kport = LPORT;
	self->peer.iss = iss;
	self->peer.snd_nxt = iss + 1;
	self->peer.rcv_nxt = 0;
	self->peer.win = 65535;
	n = peer_opt_syn(opt, of->mss, of->sack, of->ts, self->tsval++, 0, of->wscale);
	ASSERT_EQ(0, peer_xmit_opts(&self->peer, &o, opt, n));
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN | TH_ACK, TH_CTL, WAIT_MS, s))
		TH_LOG("no SYN-ACK; last packet skipped: %s", self->peer.last_skipped);
	ASSERT_EQ(iss + 1, s->ack) TH_LOG("%s", SEG(*s));
	self->kiss = s->seq;
	self->ts = of->ts && s->has_ts;
	self->sack = of->sack && s->sack_perm;
	if (s->has_ts) {
		self->ts_recent = s->tsval;
		self->last_tsval = s->tsval;
	}
	self->peer.rcv_nxt = s->seq + 1;
	self->snd_max = s->seq + 1;
}

/*
 * Passive open with the peer scripted: SYN with the options of offer, SYN-ACK, and after
 * delay_ms (the RTT the kernel side measures) the ACK.  self->fd is the accepted connection.
 */
static void establish(struct __test_metadata *_metadata, FIXTURE_DATA(loss) *self,
		      uint32_t iss, const struct offer *of, int delay_ms)
{
	struct pkt_seg s;

	syn_to_listener(_metadata, self, iss, of, 0, &s);
	if (delay_ms)
		usleep(delay_ms * 1000);
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	self->fd = peer_accept(self->lfd, WAIT_MS, NULL);
	ASSERT_LE(0, self->fd) TH_LOG("accept: %s", strerror(errno));
}

/* ---- 1. the options of the SYN and the SYN-ACK ---- */

/*
 * Expect the options of a SYN or SYN-ACK as Linux lays them out (tcp_options_write()):
 * MSS mss; then with timestamps 04 02 08 0a TSval TSecr (SACK-permitted in the timestamps'
 * padding) or 01 01 08 0a without SACK; without timestamps 01 01 04 02; then 01 03 03 ws.
 * TSecr is checked when tsecr_want >= 0.
 */
static void check_syn_opts(struct __test_metadata *_metadata, const struct pkt_seg *s, int mss, bool sack, bool ts,
			   long long tsecr_want, bool ws)
{
	uint8_t want[40];
	size_t n = 0, i;
	char have[130] = "", exp[130] = "";

	n = peer_opt_syn(want, mss, sack, ts, ts ? s->tsval : 0, ts ? s->tsecr : 0,
			 ws ? (s->wscale >= 0 ? s->wscale : 0) : -1);
	for (i = 0; i < s->optlen && i < 40; i++)
		snprintf(have + 3 * i, sizeof(have) - 3 * i, "%02x ", s->opt[i]);
	for (i = 0; i < n; i++)
		snprintf(exp + 3 * i, sizeof(exp) - 3 * i, "%02x ", want[i]);
	EXPECT_EQ(n, s->optlen) TH_LOG("options %s, want %s", have, exp);
	EXPECT_EQ(0, memcmp(s->opt, want, n < s->optlen ? n : s->optlen))
		TH_LOG("options %s, want %s", have, exp);
	if (ws) {
		EXPECT_LE(0, s->wscale);
		EXPECT_GE(14, s->wscale);
	}
	/* Braces: the harness's EXPECT ... TH_LOG is two statements. */
	if (ts && tsecr_want >= 0) {
		EXPECT_EQ((uint32_t)tsecr_want, s->tsecr) TH_LOG("SYN TSecr");
	}
	if (ts) {
		EXPECT_NE(0, s->tsval) TH_LOG("TSval 0 (RFC 7323 allows it; Linux never sends it)");
	}
}

/* tcpi_options bits (linux/tcp.h) */
#define OPT_TS		1
#define OPT_SACK	2
#define OPT_WSCALE	4

/*
 * The SYN-ACK to a SYN offering everything (as Linux's SYN): MSS 1460 (the device's MTU),
 * SACK-permitted, timestamps echoing the SYN's TSval, window scale; TCP_INFO reports all three.
 */
TEST_F_TIMEOUT(loss, syn_options_synack, TEST_SECS)
{
	struct tcp_info ti;
	struct pkt_seg s;
	uint32_t syn_ts = self->tsval;

	syn_to_listener(_metadata, self, 0x21000000, &OFFER_ALL, 0, &s);
	check_syn_opts(_metadata, &s, 1460, true, true, syn_ts, true);
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	self->fd = peer_accept(self->lfd, WAIT_MS, NULL);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(OPT_TS | OPT_SACK | OPT_WSCALE,
		  ti.tcpi_options & (OPT_TS | OPT_SACK | OPT_WSCALE));
	EXPECT_EQ(PEER_WSCALE, (int)ti.tcpi_snd_wscale);
	EXPECT_EQ(s.wscale, (int)ti.tcpi_rcv_wscale);
}

/* Without timestamps from the peer the SYN-ACK has MSS, 01 01 04 02, 01 03 03 ws. */
TEST_F_TIMEOUT(loss, syn_options_synack_no_ts, TEST_SECS)
{
	const struct offer of = { .sack = true, .ts = false, .wscale = PEER_WSCALE,
				  .mss = PEER_MSS };
	struct pkt_seg s;

	syn_to_listener(_metadata, self, 0x22000000, &of, 0, &s);
	check_syn_opts(_metadata, &s, 1460, true, false, -1, true);
}

/* Without SACK-permitted from the peer the SYN-ACK has MSS, 01 01 08 0a TSval TSecr, ws. */
TEST_F_TIMEOUT(loss, syn_options_synack_no_sack, TEST_SECS)
{
	const struct offer of = { .sack = false, .ts = true, .wscale = PEER_WSCALE,
				  .mss = PEER_MSS };
	uint32_t syn_ts = self->tsval;
	struct pkt_seg s;

	syn_to_listener(_metadata, self, 0x27000000, &of, 0, &s);
	check_syn_opts(_metadata, &s, 1460, false, true, syn_ts, true);
}

/* Neither SACK nor timestamps nor window scale offered: the SYN-ACK carries MSS alone. */
TEST_F_TIMEOUT(loss, syn_options_synack_mss_only, TEST_SECS)
{
	const struct offer of = { .wscale = -1, .mss = PEER_MSS };
	struct pkt_seg s;

	syn_to_listener(_metadata, self, 0x23000000, &of, 0, &s);
	check_syn_opts(_metadata, &s, 1460, false, false, -1, false);
}

/*
 * Active open: the SYN carries MSS 1460, SACK-permitted + timestamps (TSecr 0), window scale;
 * the peer's SYN-ACK with all of them gets an ACK with timestamps echoing its TSval, and
 * TCP_INFO reports them.
 */
TEST_F_TIMEOUT(loss, syn_options_syn, TEST_SECS)
{
	struct sockaddr_in sin = sl_addr(PEER_REMOTE, PPORT);
	struct pkt_out o = { .flags = TH_SYN | TH_ACK };
	uint32_t synack_ts;
	struct tcp_info ti;
	uint8_t opt[40];
	struct pkt_seg s;
	size_t n;

	self->fd = socket(self->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_NE(0, connect(self->fd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(EINPROGRESS, errno);
	self->peer.port = PPORT;
	self->peer.kport = 0;
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN, TH_CTL, WAIT_MS, &s));
	check_syn_opts(_metadata, &s, 1460, true, true, 0, true);
	self->peer.kport = s.sport;
	self->kiss = s.seq;
	self->peer.iss = 0x24000000;
	self->peer.snd_nxt = self->peer.iss + 1;
	self->peer.rcv_nxt = s.seq + 1;
	synack_ts = self->tsval++;
	n = peer_opt_syn(opt, PEER_MSS, true, true, synack_ts, s.tsval, PEER_WSCALE);
	o.seq = self->peer.iss;
	o.ack = self->peer.rcv_nxt;
	ASSERT_EQ(0, peer_xmit_opts(&self->peer, &o, opt, n));
	self->ts = true;
	self->sack = true;
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(TH_ACK, s.flags & TH_CTL) TH_LOG("%s", SEG(s));
	EXPECT_EQ(self->peer.iss + 1, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_TRUE(s.has_ts) TH_LOG("%s", SEG(s));
	EXPECT_EQ(synack_ts, s.tsecr) TH_LOG("%s", SEG(s));
	EXPECT_EQ(12, s.optlen) TH_LOG("the handshake's ACK carries timestamps only: %s", SEG(s));
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(OPT_TS | OPT_SACK | OPT_WSCALE,
		  ti.tcpi_options & (OPT_TS | OPT_SACK | OPT_WSCALE));
	EXPECT_EQ(0, self->no_ts) TH_LOG("%s", self->no_ts_seg);
}

/* TCP_MAXSEG 1000 set before connect() and before listen() lowers the MSS announced. */
TEST_F_TIMEOUT(loss, syn_options_maxseg, TEST_SECS)
{
	struct sockaddr_in sin = sl_addr(PEER_REMOTE, PPORT);
	int maxseg = 1000;
	struct pkt_seg s;
	int fd;

	fd = socket(self->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_MAXSEG, &maxseg, sizeof(maxseg)));
	ASSERT_NE(0, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	self->peer.port = PPORT;
	self->peer.kport = 0;
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN, TH_CTL, WAIT_MS, &s));
	EXPECT_EQ(1000, s.mss) TH_LOG("SYN %s", SEG(s));
	close(fd);
	peer_drain(&self->peer);

	syn_to_listener(_metadata, self, 0x25000000, &OFFER_ALL, maxseg, &s);
	EXPECT_EQ(1000, s.mss) TH_LOG("SYN-ACK %s", SEG(s));
	check_syn_opts(_metadata, &s, 1000, true, true, -1, true);
}

/*
 * The peer offers MSS and window scale only: no segment afterwards carries timestamps or
 * SACK blocks (an ACK of out-of-order data has no options at all), and TCP_INFO says so.
 */
TEST_F_TIMEOUT(loss, syn_options_none_used, TEST_SECS)
{
	const struct offer of = { .wscale = PEER_WSCALE, .mss = PEER_MSS };
	uint8_t out[100];
	struct tcp_info ti;
	struct pkt_seg s;

	establish(_metadata, self, 0x26000000, &of, 0);
	ASSERT_FALSE(self->ts);
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(OPT_WSCALE, ti.tcpi_options & (OPT_TS | OPT_SACK | OPT_WSCALE));
	/* Out of order: the duplicate ACK carries no SACK block. */
	ASSERT_EQ(0, send_data(self, 100, 100));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(self->peer.snd_nxt, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(0, s.optlen) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, send_data(self, 0, 100));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(self->peer.snd_nxt + 200, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(0, s.optlen) TH_LOG("%s", SEG(s));
	self->peer.snd_nxt += 200;
	/* Data from the kernel side: no options either. */
	fill(out, sizeof(out), 2, 0);
	ASSERT_EQ(100, send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(100, s.len) TH_LOG("%s", SEG(s));
	EXPECT_EQ(0, s.optlen) TH_LOG("%s", SEG(s));
}

/* ---- 2. timestamps ---- */

/*
 * After a timestamps handshake every segment starts its options with 01 01 08 0a; the TSecr
 * of an ACK is the TSval of the peer's latest in-order segment (RFC 7323 4.3: TS.Recent is
 * updated only from a segment with SEG.SEQ <= Last.ACK.sent, so an out-of-order segment does
 * not change it and the segment filling the hole does); TSval never goes back and moves on
 * across a 100 ms pause (Linux's clock ticks each ms; RFC 7323 5.4 allows 1 ms to 1 s).
 */
TEST_F_TIMEOUT(loss, timestamps, TEST_SECS)
{
	uint32_t base, t_in, t_ack, t_ooo, t_fill, k1;
	uint8_t out[100], in[300];
	struct pkt_seg s;

	establish(_metadata, self, 0x31000000, &OFFER_ALL, 0);
	ASSERT_TRUE(self->ts);
	base = self->peer.snd_nxt;

	/* In order: the ACK echoes its TSval. */
	t_in = self->tsval;
	ASSERT_EQ(0, send_data(self, 0, 100));
	ASSERT_EQ(1, next_seg(self, DELACK_MS, &s)) TH_LOG("no ACK of in-order data");
	EXPECT_EQ(base + 100, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(t_in, s.tsecr) TH_LOG("%s", SEG(s));
	k1 = s.tsval;

	/* Data from the kernel side echoes it too. */
	fill(out, sizeof(out), 2, 0);
	ASSERT_EQ(100, send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(100, s.len) TH_LOG("%s", SEG(s));
	EXPECT_EQ(t_in, s.tsecr) TH_LOG("%s", SEG(s));
	self->peer.rcv_nxt = s.seq + s.len;
	t_ack = self->tsval;	/* a pure ACK in order: TS.Recent becomes its TSval */
	ASSERT_EQ(0, xmit(self, TH_ACK, base + 100, NULL, 0, NULL, 0));

	usleep(100 * 1000);
	/* Out of order (hole [100, 200)): the duplicate ACK still echoes t_ack. */
	t_ooo = self->tsval;
	ASSERT_EQ(0, send_data(self, 200, 100));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(base + 100, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(t_ack, s.tsecr) TH_LOG("TSecr %u: the out-of-order TSval %u was taken",
					 s.tsecr, t_ooo);
	EXPECT_TRUE(seq_lt(k1, s.tsval)) TH_LOG("TSval %u 100 ms after %u", s.tsval, k1);
	/* The hole filled: its TSval is echoed. */
	t_fill = self->tsval;
	ASSERT_EQ(0, send_data(self, 100, 100));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s));
	EXPECT_EQ(base + 300, s.ack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(t_fill, s.tsecr) TH_LOG("%s", SEG(s));
	self->peer.snd_nxt = base + 300;
	ASSERT_EQ(300, recv(self->fd, in, sizeof(in), MSG_WAITALL));

	EXPECT_EQ(0, self->no_ts) TH_LOG("a segment without timestamps first: %s",
					 self->no_ts_seg);
	EXPECT_EQ(0, self->ts_back) TH_LOG("TSval went backwards");
}

/* ---- 8. PAWS ---- */

/*
 * RFC 7323 5.3: a segment whose TSval is older than TS.Recent is dropped (its data never
 * reaches the reader) and answered with an ACK of the unchanged RCV.NXT (echoing TS.Recent);
 * the same data with a current TSval is then accepted.
 */
TEST_F_TIMEOUT(loss, paws, TEST_SECS)
{
	uint8_t buf[100], in[200];
	uint32_t base, t_in;
	struct pkt_seg s;

	establish(_metadata, self, 0x38000000, &OFFER_ALL, 0);
	ASSERT_TRUE(self->ts);
	base = self->peer.snd_nxt;
	t_in = self->tsval;
	ASSERT_EQ(0, send_data(self, 0, 100));
	ASSERT_EQ(1, next_seg(self, DELACK_MS, &s));
	ASSERT_EQ(base + 100, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(100, recv(self->fd, in, 100, MSG_WAITALL));

	/* New data, but a TSval 5000 behind TS.Recent. */
	fill(buf, sizeof(buf), 1, 100);
	ASSERT_EQ(0, xmit_full(self, TH_ACK | TH_PSH, base + 100, self->peer.rcv_nxt, buf, 100,
			       NULL, 0, t_in - 5000, self->ts_recent));
	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s)) TH_LOG("no duplicate ACK for the PAWS drop");
	EXPECT_EQ(base + 100, s.ack) TH_LOG("old-TSval data accepted: %s", SEG(s));
	EXPECT_EQ(0, s.len);
	EXPECT_EQ(0, s.nsack) TH_LOG("%s", SEG(s));
	EXPECT_EQ(t_in, s.tsecr) TH_LOG("TSecr not TS.Recent: %s", SEG(s));
	EXPECT_EQ(0, sl_poll(self->fd, POLLIN, 100)) TH_LOG("the PAWS-dropped data is readable");

	ASSERT_EQ(0, send_data(self, 100, 100));
	ASSERT_EQ(1, next_seg(self, DELACK_MS, &s));
	EXPECT_EQ(base + 200, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(100, recv(self->fd, in, 100, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(in, buf, 100));
}

/* ---- 3. SACK blocks ---- */

/* Expect an ACK of exactly ack (relative to base) with exactly the blocks want[0..n). */
static void expect_sack(struct __test_metadata *_metadata, FIXTURE_DATA(loss) *self,
			uint32_t base, uint32_t ack, const uint32_t (*want)[2], int n,
			const char *what)
{
	struct pkt_seg s;
	int b;

	ASSERT_EQ(1, next_seg(self, WAIT_MS, &s)) TH_LOG("%s: no ACK", what);
	EXPECT_EQ(TH_ACK, s.flags & TH_CTL) TH_LOG("%s: %s", what, SEGR(s, base));
	EXPECT_EQ(0, s.len);
	EXPECT_EQ(base + ack, s.ack) TH_LOG("%s: %s", what, SEGR(s, base));
	EXPECT_EQ(n, s.nsack) TH_LOG("%s: %s", what, SEGR(s, base));
	for (b = 0; b < n && b < s.nsack; b++) {
		EXPECT_EQ(base + want[b][0], s.sack[b][0])
			TH_LOG("%s: block %d: %s", what, b, SEGR(s, base));
		EXPECT_EQ(base + want[b][1], s.sack[b][1])
			TH_LOG("%s: block %d: %s", what, b, SEGR(s, base));
	}
}

/*
 * The peer sends 100-byte segments 1, 3, 5, 7 (of 0..7) before 2, 0, 4, 6: each ACK carries
 * the SACK blocks of RFC 2018 4: first the block holding the segment just received, then the
 * others most recent first; 3 blocks at most with timestamps (40 bytes of options), 4
 * without; filling a hole merges blocks; once the holes are filled no SACK option is left.
 */
static void sack_blocks(struct __test_metadata *_metadata, FIXTURE_DATA(loss) *self, bool ts)
{
	const struct offer of = { .sack = true, .ts = ts, .wscale = PEER_WSCALE,
				  .mss = PEER_MSS };
	const uint32_t b1[][2] = { { 100, 200 } };
	const uint32_t b3[][2] = { { 300, 400 }, { 100, 200 } };
	const uint32_t b5[][2] = { { 500, 600 }, { 300, 400 }, { 100, 200 } };
	const uint32_t b7[][2] = { { 700, 800 }, { 500, 600 }, { 300, 400 }, { 100, 200 } };
	const uint32_t b2[][2] = { { 100, 400 }, { 700, 800 }, { 500, 600 } };
	const uint32_t b0[][2] = { { 700, 800 }, { 500, 600 } };
	const uint32_t b4[][2] = { { 700, 800 } };
	uint8_t in[800], want[800];
	uint32_t base;

	establish(_metadata, self, 0x32000000, &of, 0);
	ASSERT_EQ(ts, self->ts);
	ASSERT_TRUE(self->sack);
	base = self->peer.snd_nxt;
	ASSERT_EQ(0, send_data(self, 100, 100));
	expect_sack(_metadata, self, base, 0, b1, 1, "one hole");
	ASSERT_EQ(0, send_data(self, 300, 100));
	expect_sack(_metadata, self, base, 0, b3, 2, "two holes");
	ASSERT_EQ(0, send_data(self, 500, 100));
	expect_sack(_metadata, self, base, 0, b5, 3, "three holes");
	ASSERT_EQ(0, send_data(self, 700, 100));
	expect_sack(_metadata, self, base, 0, b7, ts ? 3 : 4, "four holes");
	ASSERT_EQ(0, send_data(self, 200, 100));
	expect_sack(_metadata, self, base, 0, b2, 3, "[200, 300) joins two blocks");
	ASSERT_EQ(0, send_data(self, 0, 100));
	expect_sack(_metadata, self, base, 400, b0, 2, "the first hole filled");
	ASSERT_EQ(0, send_data(self, 400, 100));
	expect_sack(_metadata, self, base, 600, b4, 1, "[400, 500) filled");
	ASSERT_EQ(0, send_data(self, 600, 100));
	expect_sack(_metadata, self, base, 800, NULL, 0, "every hole filled");
	self->peer.snd_nxt = base + 800;
	ASSERT_EQ(800, recv(self->fd, in, sizeof(in), MSG_WAITALL));
	fill(want, sizeof(want), 1, 0);
	EXPECT_EQ(0, memcmp(in, want, sizeof(in)));
	if (ts) {
		EXPECT_EQ(0, self->no_ts) TH_LOG("%s", self->no_ts_seg);
	}
}

TEST_F_TIMEOUT(loss, sack_blocks_ts, TEST_SECS)
{
	sack_blocks(_metadata, self, true);
}

TEST_F_TIMEOUT(loss, sack_blocks_no_ts, TEST_SECS)
{
	sack_blocks(_metadata, self, false);
}

/* ---- 4. D-SACK ---- */

/*
 * RFC 2883: a duplicate of acknowledged data is reported as a first SACK block below the
 * cumulative ACK; a duplicate of out-of-order data as a first block followed by the SACK block
 * that holds it (4.1.1, 4.2.1).  A D-SACK block is sent once: the next ACK does not repeat it.
 */
TEST_F_TIMEOUT(loss, dsack, TEST_SECS)
{
	const uint32_t d0[][2] = { { 0, 100 } };
	const uint32_t s2[][2] = { { 200, 300 } };
	const uint32_t d2[][2] = { { 200, 300 }, { 200, 300 } };
	uint8_t in[300];
	uint32_t base;
	struct pkt_seg s;

	establish(_metadata, self, 0x34000000, &OFFER_ALL, 0);
	ASSERT_TRUE(self->sack);
	base = self->peer.snd_nxt;
	ASSERT_EQ(0, send_data(self, 0, 100));
	ASSERT_EQ(1, next_seg(self, DELACK_MS, &s));
	ASSERT_EQ(base + 100, s.ack) TH_LOG("%s", SEGR(s, base));
	EXPECT_EQ(0, s.nsack);
	/* [0, 100) again: below the cumulative ACK. */
	ASSERT_EQ(0, send_data(self, 0, 100));
	expect_sack(_metadata, self, base, 100, d0, 1, "duplicate of acknowledged data");
	/* [200, 300) out of order, then again. */
	ASSERT_EQ(0, send_data(self, 200, 100));
	expect_sack(_metadata, self, base, 100, s2, 1, "out of order after a D-SACK");
	ASSERT_EQ(0, send_data(self, 200, 100));
	expect_sack(_metadata, self, base, 100, d2, 2, "duplicate of out-of-order data");
	ASSERT_EQ(0, send_data(self, 100, 100));
	expect_sack(_metadata, self, base, 300, NULL, 0, "the hole filled");
	self->peer.snd_nxt = base + 300;
	ASSERT_EQ(300, recv(self->fd, in, sizeof(in), MSG_WAITALL));
}

/* ---- the kernel side as the sender ---- */

struct flight {
	int n;
	int out_of_order;	/* segments that arrived below one read before them */
	struct pkt_seg seg[MAX_SEGS];
};

/*
 * Put a flight in sequence order and drop repeats (a loss probe read with the flight): the
 * tests judge which segments were sent, not the order the TUN device delivered them in.
 */
static void flight_sort(struct flight *f)
{
	static struct pkt_seg tmp;
	int i, j, n = 0;

	f->out_of_order = 0;
	for (i = 1; i < f->n; i++) {
		if (!seq_lt(f->seg[i].seq, f->seg[i - 1].seq))
			continue;
		f->out_of_order++;
	}
	for (i = 1; i < f->n; i++) {
		tmp = f->seg[i];
		for (j = i; j > 0 && seq_lt(tmp.seq, f->seg[j - 1].seq); j--)
			f->seg[j] = f->seg[j - 1];
		f->seg[j] = tmp;
	}
	for (i = 0; i < f->n; i++)
		if (!n || f->seg[i].seq != f->seg[n - 1].seq)
			f->seg[n++] = f->seg[i];
	f->n = n;
}

/*
 * The application writes len bytes (TCP_NODELAY, a send buffer large enough to take them at
 * once); the first flight (up to want segments, until the line is quiet for quiet_ms) is read
 * into *f.  Returns the first data sequence number.
 */
static uint32_t write_and_read_flight(struct __test_metadata *_metadata,
				      FIXTURE_DATA(loss) *self, size_t len, int want,
				      int quiet_ms, struct flight *f)
{
	static uint8_t out[1 << 17];
	int one = 1, sndbuf = 1 << 20;
	struct pkt_seg s;

	f->n = 0;
	if (len > sizeof(out))
		len = sizeof(out);
	fill(out, len, 2, 0);
	EXPECT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one)));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));
	EXPECT_EQ((ssize_t)len, send(self->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL));
	while (f->n < want && f->n < MAX_SEGS &&
	       next_seg(self, f->n ? quiet_ms : WAIT_MS, &s) == 1) {
		if (!s.len) {
			peer_skip(&self->peer, &s);
			continue;
		}
		f->seg[f->n++] = s;
	}
	flight_sort(f);
	if (f->out_of_order)
		TH_LOG("%d segments of the flight arrived below an earlier one", f->out_of_order);
	return self->kiss + 1;
}

/* Does s carry len bytes of the kernel side's stream at its sequence number? */
static bool data_ok(FIXTURE_DATA(loss) *self, const struct pkt_seg *s)
{
	uint32_t off = s->seq - (self->kiss + 1);
	size_t i;

	for (i = 0; i < s->len && i < PEER_MAX_PAYLOAD; i++)
		if (s->data[i] != pat(2, off + i))
			return false;
	return true;
}

/*
 * Acknowledge everything the kernel side sends until end is acknowledged (at most ms);
 * retransmissions (below snd_max) are counted in *rtx.  0 or -ETIMEDOUT.
 */
static int ack_all_until(FIXTURE_DATA(loss) *self, uint32_t end, int ms, int *rtx)
{
	long long deadline = peer_now_ms() + ms;
	uint32_t acked = self->peer.rcv_nxt;
	struct pkt_seg s;

	if (seq_lt(acked, self->snd_max))
		acked = self->snd_max;
	self->peer.rcv_nxt = acked;
	if (xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0))
		return -EIO;
	while (acked != end && peer_now_ms() < deadline) {
		uint32_t prev_max = self->snd_max;

		if (next_seg(self, 100, &s) != 1)
			continue;
		if (!s.len)
			continue;
		if (rtx && seq_lt(s.seq, prev_max))
			(*rtx)++;
		if (seq_lt(acked, s.seq + s.len)) {
			acked = s.seq + s.len;
			self->peer.rcv_nxt = acked;
		}
		if (xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0))
			return -EIO;
	}
	return acked == end ? 0 : -ETIMEDOUT;
}

/* ---- 5. fast retransmit with SACK ---- */

/*
 * The application writes 20 segments' worth; the peer receives the first flight and SACKs
 * every segment but the first, one ACK per segment as a receiver would.  The first segment is
 * retransmitted long before the RTO (within half an RTO of the first SACK; an RTO-driven
 * retransmission would also put the connection into Loss, not Recovery), exactly once, and
 * nothing else is retransmitted; new data may follow (RFC 6675, RFC 6937).
 *
 * The handshake's ACK comes 150 ms after the SYN-ACK, so that the smoothed RTT (and with it
 * Linux's tail loss probe, 2 * SRTT, which would retransmit the last segment) is well above
 * the time the peer takes to read the flight and answer.
 */
TEST_F_TIMEOUT(loss, sack_fast_retransmit, TEST_SECS)
{
	const size_t total = 20000;
	int rtx_wire = 0, rtx_later = 0, i, rto, err;
	long long t_sack, t_rtx = 0, end;
	struct pkt_seg s, rtx = { 0 };
	uint32_t blk[1][2];
	struct tcp_info ti;
	struct flight f;
	uint32_t base;

	establish(_metadata, self, 0x41000000, &OFFER_ALL, 150);
	base = write_and_read_flight(_metadata, self, total, MAX_SEGS, 50, &f);
	ASSERT_LE(4, f.n) TH_LOG("first flight of %d segments", f.n);
	ASSERT_EQ(base, f.seg[0].seq);
	rto = rto_ms(self->fd);
	ASSERT_LE(200, rto);
	TH_LOG("first flight %d segments of %zu bytes, rto %d ms", f.n, f.seg[0].len, rto);
	/* RFC 6691: the peer's MSS counts no options, so 12 bytes of timestamps come off it. */
	EXPECT_EQ(PEER_MSS - 12, f.seg[0].len);

	t_sack = peer_now_ms();
	for (i = 1; i < f.n; i++) {
		blk[0][0] = f.seg[1].seq;
		blk[0][1] = f.seg[i].seq + f.seg[i].len;
		self->peer.rcv_nxt = base;
		ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, blk, 1));
	}
	/* Watch for half an RTO from the first SACK. */
	end = t_sack + rto / 2;
	while (peer_now_ms() < end && next_seg(self, (int)(end - peer_now_ms()), &s) == 1) {
		if (!s.len)
			continue;
		if (s.seq == base && !t_rtx) {
			t_rtx = peer_ts_ms(&s.when);
			rtx = s;
			ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
		}
		if (seq_lt(s.seq, blk[0][1]))
			rtx_wire++;
	}
	ASSERT_NE(0, t_rtx) TH_LOG("no retransmission of the hole within %d ms of the SACKs "
				   "(RTO %d ms)", rto / 2, rto);
	TH_LOG("hole retransmitted %lld ms after the first SACK; ca_state %u",
	       t_rtx - t_sack, ti.tcpi_ca_state);
	EXPECT_EQ(f.seg[0].len, rtx.len) TH_LOG("%s", SEG(rtx));
	EXPECT_TRUE(data_ok(self, &rtx));
	EXPECT_EQ(CA_RECOVERY, ti.tcpi_ca_state);
	EXPECT_EQ(1, rtx_wire) TH_LOG("%d retransmissions below the SACKed edge", rtx_wire);
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(1, ti.tcpi_total_retrans);
	/* The hole arrived: everything is acknowledged, the rest of the data follows. */
	err = ack_all_until(self, base + total, 10000, &rtx_later);
	ASSERT_EQ(0, err) TH_LOG("the transfer did not complete");
	EXPECT_EQ(0, rtx_later);
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(1, ti.tcpi_total_retrans);
}

/* ---- 6. fast retransmit without SACK ---- */

/*
 * No SACK (and no timestamps) negotiated.  The peer acknowledges the first segment, then
 * sends duplicate ACKs of the second: after two nothing is retransmitted (watched until half
 * an RTO after the last ACK that advanced); the third brings exactly one retransmission of the
 * second segment, at once, in Recovery (RFC 5681 3.2, RFC 6582).  Linux's tail loss probe and
 * RACK need SACK, so with Reno nothing else retransmits before the RTO (Linux marks the head
 * lost in tcp_newreno_mark_lost() once the duplicate ACKs reach tcp_reordering, 3).  Then a
 * partial ACK (the fifth segment lost as well) retransmits the fifth at once.
 */
TEST_F_TIMEOUT(loss, nosack_dupacks, TEST_SECS)
{
	const struct offer of = { .wscale = PEER_WSCALE, .mss = PEER_MSS };
	const size_t total = 20000;
	long long t_adv, t_dup3, t_rtx = 0, end;
	int rto, rtx_wire = 0, rtx_later = 0, err;
	struct pkt_seg s, rtx = { 0 };
	uint32_t base, hole, hole_end;
	struct tcp_info ti;
	struct flight f;

	establish(_metadata, self, 0x42000000, &of, 100);
	ASSERT_FALSE(self->sack);
	base = write_and_read_flight(_metadata, self, total, MAX_SEGS, 50, &f);
	ASSERT_LE(4, f.n) TH_LOG("first flight of %d segments", f.n);
	hole = f.seg[1].seq;
	hole_end = hole + f.seg[1].len;
	EXPECT_EQ(PEER_MSS, f.seg[0].len) TH_LOG("no options: full-sized segments of the MSS");
	ASSERT_EQ(base, f.seg[0].seq);

	/* ACK the first segment; new data may follow (slow start). */
	t_adv = peer_now_ms();
	self->peer.rcv_nxt = hole;
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	rto = rto_ms(self->fd);
	ASSERT_LE(200, rto);
	/* Two duplicate ACKs. */
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	end = t_adv + rto / 2;
	while (peer_now_ms() < end && next_seg(self, (int)(end - peer_now_ms()), &s) == 1)
		if (s.len && seq_lt(s.seq, hole_end))
			rtx_wire++;
	EXPECT_EQ(0, rtx_wire) TH_LOG("retransmitted after two duplicate ACKs: %s", SEG(s));
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(0, ti.tcpi_total_retrans);
	EXPECT_GT(CA_RECOVERY, ti.tcpi_ca_state);

	/* The third. */
	t_dup3 = peer_now_ms();
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	rto = rto_ms(self->fd);
	end = t_dup3 + rto / 2;
	rtx_wire = 0;
	while (peer_now_ms() < end && next_seg(self, (int)(end - peer_now_ms()), &s) == 1) {
		if (!s.len)
			continue;
		if (s.seq == hole && !t_rtx) {
			t_rtx = peer_ts_ms(&s.when);
			rtx = s;
			ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
		}
		if (seq_lt(s.seq, f.seg[f.n - 1].seq + f.seg[f.n - 1].len))
			rtx_wire++;
	}
	ASSERT_NE(0, t_rtx) TH_LOG("no retransmission within %d ms of the third duplicate ACK",
				   rto / 2);
	TH_LOG("retransmitted %lld ms after the third duplicate ACK; ca_state %u",
	       t_rtx - t_dup3, ti.tcpi_ca_state);
	EXPECT_EQ(f.seg[1].len, rtx.len) TH_LOG("%s", SEG(rtx));
	EXPECT_TRUE(data_ok(self, &rtx));
	EXPECT_EQ(CA_RECOVERY, ti.tcpi_ca_state);
	EXPECT_GT(rto, t_rtx - t_adv) TH_LOG("not before the RTO could fire");
	EXPECT_EQ(1, rtx_wire) TH_LOG("%d retransmissions", rtx_wire);

	/*
	 * RFC 6582 3.2 step 5: the fifth segment was lost too, so the ACK of the retransmission
	 * is partial (up to the fifth): it is retransmitted at once, without three more
	 * duplicate ACKs, and the connection stays in Recovery.
	 */
	t_dup3 = peer_now_ms();
	self->peer.rcv_nxt = f.seg[4].seq;
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	end = t_dup3 + rto / 2;
	rtx_wire = 0;
	t_rtx = 0;
	while (peer_now_ms() < end && next_seg(self, (int)(end - peer_now_ms()), &s) == 1) {
		if (!s.len)
			continue;
		if (s.seq == f.seg[4].seq && !t_rtx) {
			t_rtx = peer_ts_ms(&s.when);
			rtx = s;
			ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
		}
		if (seq_lt(s.seq, f.seg[f.n - 1].seq + f.seg[f.n - 1].len))
			rtx_wire++;
	}
	ASSERT_NE(0, t_rtx) TH_LOG("no retransmission within %d ms of the partial ACK", rto / 2);
	TH_LOG("partial ACK: retransmitted %lld ms after it; ca_state %u", t_rtx - t_dup3,
	       ti.tcpi_ca_state);
	EXPECT_EQ(f.seg[4].len, rtx.len) TH_LOG("%s", SEG(rtx));
	EXPECT_TRUE(data_ok(self, &rtx));
	EXPECT_EQ(CA_RECOVERY, ti.tcpi_ca_state);
	EXPECT_EQ(1, rtx_wire) TH_LOG("%d retransmissions after the partial ACK", rtx_wire);

	err = ack_all_until(self, base + total, 10000, &rtx_later);
	ASSERT_EQ(0, err) TH_LOG("the transfer did not complete");
	EXPECT_EQ(0, rtx_later);
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	EXPECT_EQ(2, ti.tcpi_total_retrans);
	EXPECT_EQ(CA_OPEN, ti.tcpi_ca_state);
}

/* ---- 7. tail loss probe ---- */

/*
 * The application writes 10 segments' worth; the peer acknowledges all but the last three
 * and falls silent.  A probe (the last segment again, as nothing new is left to send) arrives
 * before the RTO (Linux: PTO = 2 * SRTT + 2 jiffies with more than one segment out, RFC 8985
 * 7.2; the RTO is SRTT + max(4 * RTTVAR, 200 ms)), and the connection is not in Loss, which
 * tells a probe from a retransmission by the RTO whatever the guest's timing.  Three segments
 * stay out because with one Linux adds TCP_RTO_MIN to the PTO.  The handshake's ACK comes
 * 40 ms late so that the PTO (2 * SRTT) outlasts the peer's reading of the flight.
 */
TEST_F_TIMEOUT(loss, tlp, TEST_SECS)
{
	int rto, n = 0, err;
	long long t_ack, t_probe = 0, end;
	struct pkt_seg s, probe = { 0 };
	uint32_t base, total, cut;
	struct tcp_info ti;
	struct flight f;

	establish(_metadata, self, 0x43000000, &OFFER_ALL, 40);
	base = write_and_read_flight(_metadata, self, 10 * 988, 10, 50, &f);
	total = 10 * 988;
	ASSERT_LE(1, f.n);
	/* The peer acknowledges as data arrives, holding back whatever lies past cut. */
	cut = base + total - 3 * f.seg[0].len;
	while (seq_lt(self->snd_max, base + total) && n++ < 20) {
		self->peer.rcv_nxt = seq_lt(self->snd_max, cut) ? self->snd_max : cut;
		ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
		while (next_seg(self, 50, &s) == 1)
			;
	}
	ASSERT_EQ(base + total, self->snd_max) TH_LOG("not all data sent");
	t_ack = peer_now_ms();
	self->peer.rcv_nxt = cut;
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	rto = rto_ms(self->fd);
	ASSERT_LE(200, rto);
	end = t_ack + rto;
	while (peer_now_ms() < end && next_seg(self, (int)(end - peer_now_ms()), &s) == 1) {
		if (s.len && !t_probe) {
			t_probe = peer_ts_ms(&s.when);
			probe = s;
			ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
		}
	}
	ASSERT_NE(0, t_probe) TH_LOG("no probe before the RTO (%d ms)", rto);
	TH_LOG("probe %lld ms after the last ACK (RTO %d ms): %s", t_probe - t_ack, rto,
	       SEGR(probe, base));
	EXPECT_EQ(base + total, probe.seq + probe.len) TH_LOG("not the last segment");
	EXPECT_TRUE(data_ok(self, &probe));
	EXPECT_NE(CA_LOSS, ti.tcpi_ca_state) TH_LOG("retransmitted by the RTO, not a probe");
	EXPECT_GT(rto, t_probe - t_ack);
	err = ack_all_until(self, base + total, 5000, NULL);
	ASSERT_EQ(0, err);
}

/* ---- 9. undo ---- */

enum late_ack {
	LATE_ALL,	/* everything, TSecr of the original flight */
	LATE_EIFEL,	/* the first segment only, TSecr of its original transmission */
	LATE_GENUINE,	/* the first segment only, TSecr of the retransmission */
};

/*
 * The peer holds its ACK of a whole flight (10 segments) until the RTO has retransmitted the
 * first segment (cwnd falls, ssthresh is set), then sends the late ACK of how.
 * Spurious (every case but LATE_GENUINE): cwnd and ssthresh are restored and the connection
 * is Open again (Linux tcp_try_undo_loss() and tcp_undo_cwnd_reduction(): cwnd to at least
 * its value before the timeout, ssthresh to its prior value, which TCP_INFO shows as
 * 2147483647 in initial slow start).  Genuine: the reduction stays and the connection stays
 * in Loss.  Then the rest of the data is acknowledged as it comes.
 *
 * Not asserted: undo by a D-SACK of the RTO's retransmission alone (RFC 3708).  Linux 6.1
 * keeps the reduction then, because its tail loss probe (sent ~2 SRTT after the flight,
 * before the RTO) is a retransmission that no D-SACK has reported: undo_retrans stays above 0.
 */
static void undo_case(struct __test_metadata *_metadata, FIXTURE_DATA(loss) *self, uint32_t iss,
		      enum late_ack how)
{
	struct tcp_info before, during, after;
	uint32_t base, total, orig_tsval, ack;
	struct pkt_seg s, rtx = { 0 };
	struct flight f;
	long long t0;
	bool got = false;

	establish(_metadata, self, iss, &OFFER_ALL, 0);
	total = 10 * 988;
	base = write_and_read_flight(_metadata, self, total, MAX_SEGS, 50, &f);
	ASSERT_LE(1, f.n);
	ASSERT_EQ(base, f.seg[0].seq);
	ASSERT_TRUE(f.seg[0].has_ts);
	orig_tsval = f.seg[0].tsval;
	ASSERT_EQ(0, tcp_info_of(self->fd, &before));
	TH_LOG("before: cwnd %u ssthresh %u; %d segments read", before.tcpi_snd_cwnd,
	       before.tcpi_snd_ssthresh, f.n);
	/* Wait for the RTO to retransmit the first segment (a loss probe may come first). */
	t0 = peer_now_ms();
	while (!got && peer_now_ms() < t0 + 5000)
		if (next_seg(self, 200, &s) == 1 && s.len && s.seq == base) {
			got = true;
			rtx = s;
		}
	ASSERT_TRUE(got) TH_LOG("no retransmission by the RTO");
	ASSERT_EQ(0, tcp_info_of(self->fd, &during));
	TH_LOG("after the RTO: cwnd %u ssthresh %u ca_state %u; retransmission TSval %u, "
	       "original %u", during.tcpi_snd_cwnd, during.tcpi_snd_ssthresh,
	       during.tcpi_ca_state, rtx.tsval, orig_tsval);
	EXPECT_EQ(CA_LOSS, during.tcpi_ca_state);
	EXPECT_GT(before.tcpi_snd_cwnd, during.tcpi_snd_cwnd) TH_LOG("the RTO did not cut cwnd");
	EXPECT_GT(before.tcpi_snd_ssthresh, during.tcpi_snd_ssthresh);
	ASSERT_TRUE(seq_lt(orig_tsval, rtx.tsval)) TH_LOG("the retransmission's TSval");

	ack = how == LATE_ALL ? self->snd_max : base + f.seg[0].len;
	self->peer.rcv_nxt = ack;
	ASSERT_EQ(0, xmit_full(self, TH_ACK, self->peer.snd_nxt, ack, NULL, 0, NULL, 0,
			       self->tsval++,
			       how == LATE_ALL || how == LATE_EIFEL ? orig_tsval : rtx.tsval));
	usleep(50 * 1000);
	ASSERT_EQ(0, tcp_info_of(self->fd, &after));
	TH_LOG("after the late ACK: cwnd %u ssthresh %u ca_state %u", after.tcpi_snd_cwnd,
	       after.tcpi_snd_ssthresh, after.tcpi_ca_state);
	if (how == LATE_GENUINE) {
		EXPECT_EQ(CA_LOSS, after.tcpi_ca_state);
		EXPECT_GT(before.tcpi_snd_cwnd, after.tcpi_snd_cwnd);
		EXPECT_EQ(during.tcpi_snd_ssthresh, after.tcpi_snd_ssthresh);
	} else {
		EXPECT_EQ(CA_OPEN, after.tcpi_ca_state);
		EXPECT_LE(before.tcpi_snd_cwnd, after.tcpi_snd_cwnd);
		EXPECT_EQ(before.tcpi_snd_ssthresh, after.tcpi_snd_ssthresh);
	}
	ASSERT_EQ(0, ack_all_until(self, base + total, 10000, NULL));
}

/*
 * The late ACK covers the whole flight with the original TSecr.  Linux undoes on either
 * ground: the ACK covers segments that were never retransmitted (F-RTO, RFC 5682) and its
 * TSecr predates the retransmission (Eifel, RFC 3522).
 */
TEST_F_TIMEOUT(loss, undo_rto_all_acked, TEST_SECS)
{
	undo_case(_metadata, self, 0x44000000, LATE_ALL);
}

/* Only the retransmitted segment is acknowledged, with its original TSecr: Eifel alone. */
TEST_F_TIMEOUT(loss, undo_rto_eifel, TEST_SECS)
{
	undo_case(_metadata, self, 0x45000000, LATE_EIFEL);
}

/* The control: the retransmission's own TSecr and no D-SACK: the timeout was real, no undo. */
TEST_F_TIMEOUT(loss, undo_rto_genuine, TEST_SECS)
{
	undo_case(_metadata, self, 0x47000000, LATE_GENUINE);
}

/*
 * A spurious fast retransmission undone by a D-SACK (RFC 3708, RFC 2883 5): the first
 * segment was only reordered.  The peer SACKs the other nine (fast retransmit, Recovery, cwnd
 * reduced), then acknowledges all ten with the TSecr of the retransmission (so timestamps
 * cannot tell), and the reduction stays; then the retransmission arrives as a duplicate and
 * the peer reports it in a D-SACK below the cumulative ACK: every retransmission is now known
 * to be unnecessary, and cwnd and ssthresh return to their values before the recovery
 * (Linux tcp_try_undo_dsack()).  The handshake's ACK comes 150 ms late to keep the tail loss
 * probe (a second retransmission) away.
 */
TEST_F_TIMEOUT(loss, undo_fast_retransmit_dsack, TEST_SECS)
{
	struct tcp_info before, rec, acked, after;
	uint32_t base, total, blk[1][2];
	struct pkt_seg s;
	struct flight f;
	long long end;
	bool got = false;
	int k, rto;

	establish(_metadata, self, 0x48000000, &OFFER_ALL, 150);
	total = 10 * 988;
	base = write_and_read_flight(_metadata, self, total, MAX_SEGS, 50, &f);
	ASSERT_LE(4, f.n);
	ASSERT_EQ(0, tcp_info_of(self->fd, &before));
	rto = rto_ms(self->fd);
	end = peer_now_ms() + rto / 2;
	for (k = 1; k < f.n; k++) {
		blk[0][0] = f.seg[1].seq;
		blk[0][1] = f.seg[k].seq + f.seg[k].len;
		self->peer.rcv_nxt = base;
		ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, blk, 1));
	}
	while (!got && peer_now_ms() < end)
		if (next_seg(self, (int)(end - peer_now_ms()), &s) == 1 && s.len && s.seq == base)
			got = true;
	ASSERT_TRUE(got) TH_LOG("no fast retransmission within %d ms", rto / 2);
	ASSERT_EQ(0, tcp_info_of(self->fd, &rec));
	EXPECT_EQ(CA_RECOVERY, rec.tcpi_ca_state);
	EXPECT_GT(before.tcpi_snd_ssthresh, rec.tcpi_snd_ssthresh);

	/* All ten acknowledged, TSecr of the retransmission: recovery ends, not undone. */
	self->peer.rcv_nxt = self->snd_max;
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	usleep(20 * 1000);
	ASSERT_EQ(0, tcp_info_of(self->fd, &acked));
	/* The retransmission arrives too: a D-SACK of it. */
	blk[0][0] = base;
	blk[0][1] = base + f.seg[0].len;
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, blk, 1));
	usleep(20 * 1000);
	ASSERT_EQ(0, tcp_info_of(self->fd, &after));
	TH_LOG("cwnd/ssthresh/ca_state: before %u/%u, in recovery %u/%u/%u, all acked %u/%u/%u, "
	       "after the D-SACK %u/%u/%u", before.tcpi_snd_cwnd, before.tcpi_snd_ssthresh,
	       rec.tcpi_snd_cwnd, rec.tcpi_snd_ssthresh, rec.tcpi_ca_state,
	       acked.tcpi_snd_cwnd, acked.tcpi_snd_ssthresh, acked.tcpi_ca_state,
	       after.tcpi_snd_cwnd, after.tcpi_snd_ssthresh, after.tcpi_ca_state);
	EXPECT_GT(before.tcpi_snd_ssthresh, acked.tcpi_snd_ssthresh)
		TH_LOG("undone before the D-SACK");
	EXPECT_EQ(CA_OPEN, after.tcpi_ca_state);
	EXPECT_EQ(before.tcpi_snd_ssthresh, after.tcpi_snd_ssthresh);
	EXPECT_LE(before.tcpi_snd_cwnd, after.tcpi_snd_cwnd);
	EXPECT_EQ(1, after.tcpi_total_retrans);
	EXPECT_EQ(base + total, self->snd_max);
}

/* ---- 10. proportional rate reduction ---- */

/*
 * RFC 6937 with Reno (TCP_CONGESTION "reno" in both variants: ssthresh = cwnd / 2 makes the
 * numbers crisp; every bound below holds for any ssthresh S the stack reports).  The first
 * flight (C segments, C = cwnd) loses its first segment; the peer SACKs the other C - 1, one
 * ACK each, and the application has more to send.  PRR sends ceil(S * delivered / C) segments
 * in all while the pipe is above S: so from the ACK that starts recovery to the last SACK at
 * most ceil(S * (D + 1) / C) + 1 segments (D such ACKs; + 1 for a recovery started by a
 * timer, as Linux's RACK may), and never more than 2 in answer to one ACK (no burst).  At
 * least ceil(S * D / C) - 2 (no stall): the pipe reaches S on the last ACKs, where PRR's
 * reduction bound takes over (Linux sent 4 of the proportional 5 for C 10, S 5, D 9).  A sender that does not reduce sends C.  Once the hole is
 * acknowledged, recovery ends with cwnd at ssthresh (Linux tcp_end_cwnd_reduction()); the
 * ACK that ends it may add what congestion avoidance allows for the data it acknowledges.
 *
 * The handshake's ACK comes 150 ms late, so that the tail loss probe (2 * SRTT) stays away.
 */
TEST_F_TIMEOUT(loss, prr, TEST_SECS)
{
	const char reno[] = "reno";
	int sent[MAX_SEGS] = { 0 }, entry = -1, total_rec = 0, most = 0, k, n, c;
	uint32_t base, blk[1][2], lo, hi;
	struct tcp_info ti, rec, end;
	struct pkt_seg s;
	struct flight f;

	establish(_metadata, self, 0x51000000, &OFFER_ALL, 150);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_CONGESTION, reno, sizeof(reno)))
		TH_LOG("TCP_CONGESTION reno: %s", strerror(errno));
	base = write_and_read_flight(_metadata, self, 40 * 988, MAX_SEGS, 50, &f);
	ASSERT_LE(4, f.n);
	ASSERT_EQ(0, tcp_info_of(self->fd, &ti));
	c = (int)ti.tcpi_snd_cwnd;
	EXPECT_EQ(f.n, c) TH_LOG("the first flight is not cwnd");

	for (k = 1; k < f.n; k++) {
		blk[0][0] = f.seg[1].seq;
		blk[0][1] = f.seg[k].seq + f.seg[k].len;
		self->peer.rcv_nxt = base;
		ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, blk, 1));
		while (next_seg(self, 20, &s) == 1) {
			if (!s.len)
				continue;
			if (s.seq == base && entry < 0)
				entry = k;
			if (entry >= 0)
				sent[k]++;
		}
	}
	/* Whatever the last SACK released, if the guest was slow to send it. */
	while (entry >= 0 && next_seg(self, 50, &s) == 1)
		if (s.len)
			sent[f.n - 1]++;
	ASSERT_LE(0, entry) TH_LOG("the hole was not retransmitted during the SACKs");
	ASSERT_EQ(0, tcp_info_of(self->fd, &rec));
	for (k = entry; k < f.n; k++) {
		total_rec += sent[k];
		if (sent[k] > most)
			most = sent[k];
	}
	n = f.n - entry;	/* D: ACKs from the one that started recovery */
	lo = (rec.tcpi_snd_ssthresh * n + c - 1) / c;
	lo = lo > 3 ? lo - 2 : 1;
	hi = (rec.tcpi_snd_ssthresh * (n + 1) + c - 1) / c + 1;
	TH_LOG("C %d S %u: recovery from SACK %d; %d segments for %d ACKs (most %d per ACK); "
	       "PRR allows %u..%u; cwnd %u ca_state %u", c, rec.tcpi_snd_ssthresh, entry,
	       total_rec, n, most, lo, hi, rec.tcpi_snd_cwnd, rec.tcpi_ca_state);
	EXPECT_EQ(CA_RECOVERY, rec.tcpi_ca_state);
	EXPECT_GT((uint32_t)c, rec.tcpi_snd_ssthresh) TH_LOG("ssthresh not reduced");
	EXPECT_GE(hi, (uint32_t)total_rec) TH_LOG("more than PRR allows");
	EXPECT_LE(lo, (uint32_t)total_rec) TH_LOG("PRR stalled");
	EXPECT_GE(2, most) TH_LOG("a burst");

	/* Everything so far acknowledged: recovery ends. */
	self->peer.rcv_nxt = self->snd_max;
	ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
	usleep(20 * 1000);
	ASSERT_EQ(0, tcp_info_of(self->fd, &end));
	TH_LOG("after recovery: cwnd %u ssthresh %u ca_state %u", end.tcpi_snd_cwnd,
	       end.tcpi_snd_ssthresh, end.tcpi_ca_state);
	EXPECT_EQ(CA_OPEN, end.tcpi_ca_state);
	EXPECT_EQ(rec.tcpi_snd_ssthresh, end.tcpi_snd_ssthresh);
	EXPECT_LE(end.tcpi_snd_ssthresh, end.tcpi_snd_cwnd);
	/* Congestion avoidance after cwnd = ssthresh: + acked / cwnd at most. */
	EXPECT_GE(end.tcpi_snd_ssthresh + (f.n + total_rec + end.tcpi_snd_ssthresh - 1) /
		  end.tcpi_snd_ssthresh, end.tcpi_snd_cwnd);
	ASSERT_EQ(0, ack_all_until(self, base + 40 * 988, 10000, NULL));
}

/* ---- 11. PSH ---- */

/*
 * A write of 1.5 segments into an empty send queue with room in cwnd leaves as two segments
 * with PSH on the last only (Linux tcp_push() marks the write's tail).  Not acknowledged, they
 * are sent again (Linux: a loss probe of the last, then the RTO's retransmission of the
 * first): each retransmission carries the PSH its segment first had.
 *
 * Why not more segments: Linux also forces PSH onto the last segment of every multi-segment
 * GSO packet (tcp_transmit_skb()), and how many segments a packet gets follows the pacing
 * rate (tcp_tso_autosize(), at least 2).  A 2.5-segment write left as [-, -, PSH] on the stock
 * guest but as [-, PSH, PSH] on the slower debug guest (a 2-segment packet, then the tail).
 */
TEST_F_TIMEOUT(loss, psh, TEST_SECS)
{
	int i, rtx = 0, mismatch = 0, first_rtx = 0;
	uint32_t base, total;
	struct pkt_seg s;
	struct flight f;
	long long t0;

	establish(_metadata, self, 0x52000000, &OFFER_ALL, 0);
	total = 988 * 3 / 2;
	base = write_and_read_flight(_metadata, self, total, 2, 50, &f);
	ASSERT_EQ(2, f.n);
	ASSERT_EQ(base + total, f.seg[1].seq + f.seg[1].len);
	EXPECT_FALSE(f.seg[0].flags & TH_PSH) TH_LOG("PSH mid-write: %s", SEGR(f.seg[0], base));
	EXPECT_TRUE(f.seg[1].flags & TH_PSH) TH_LOG("no PSH at the end: %s",
						     SEGR(f.seg[1], base));
	/* Retransmissions until the first segment has been sent again (RTO, <= 3 s). */
	t0 = peer_now_ms();
	while (!first_rtx && peer_now_ms() < t0 + 3000) {
		if (next_seg(self, 200, &s) != 1 || !s.len)
			continue;
		for (i = 0; i < f.n; i++) {
			if (f.seg[i].seq != s.seq)
				continue;
			rtx++;
			if ((f.seg[i].flags ^ s.flags) & TH_PSH) {
				mismatch++;
				TH_LOG("retransmission %s; first sent %s", SEGR(s, base),
				       fmt_seg(&f.seg[i], base, self->seg2, sizeof(self->seg2)));
			}
			if (i == 0)
				first_rtx = 1;
		}
	}
	EXPECT_TRUE(first_rtx) TH_LOG("the first segment was not retransmitted");
	EXPECT_EQ(0, mismatch);
	TH_LOG("%d retransmissions", rtx);
	ASSERT_EQ(0, ack_all_until(self, base + total, 5000, NULL));
}

/* ---- 12. TIME-WAIT and timestamps (RFC 6191), MSG_EOR ---- */

/*
 * The kernel side closes first and ends in TIME-WAIT; then a SYN from the same peer port
 * whose sequence number is below the old connection's (not acceptable by RFC 9293 alone).
 */
static void time_wait_then_syn(struct __test_metadata *_metadata, FIXTURE_DATA(loss) *self,
			       uint32_t iss, bool newer_ts, struct pkt_seg *reply)
{
	struct pkt_out o = { .flags = TH_SYN, .seq = iss };
	struct pkt_seg s;
	uint8_t opt[40];
	bool got = false;
	long long end;
	size_t n;

	establish(_metadata, self, iss, &OFFER_ALL, 0);
	ASSERT_TRUE(self->ts);
	self->tsval += 1000;	/* the peer's clock runs: its next SYN may be newer */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	end = peer_now_ms() + WAIT_MS;
	while (!got && peer_now_ms() < end)
		if (next_seg(self, WAIT_MS, &s) == 1 && (s.flags & TH_FIN))
			got = true;
	ASSERT_TRUE(got) TH_LOG("no FIN from the kernel side");
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, xmit(self, TH_ACK | TH_FIN, self->peer.snd_nxt, NULL, 0, NULL, 0));
	self->peer.snd_nxt++;
	ASSERT_EQ(1, peer_expect_ack(&self->peer, self->peer.snd_nxt, WAIT_MS, &s))
		TH_LOG("no ACK of our FIN: %s", self->peer.last_skipped);
	/* TIME-WAIT now.  A SYN at the old ISS: below RCV.NXT of the old connection. */
	n = peer_opt_syn(opt, PEER_MSS, true, true,
			 newer_ts ? self->tsval + 10 : self->tsval - 500, 0, PEER_WSCALE);
	ASSERT_EQ(0, peer_xmit_opts(&self->peer, &o, opt, n));
	ASSERT_EQ(1, peer_expect(&self->peer, 0, 0, WAIT_MS, reply))
		TH_LOG("no answer to the SYN in TIME-WAIT");
}

/* RFC 6191 (tcp_timewait_state_process()): a SYN with a newer TSval reopens the port. */
TEST_F_TIMEOUT(loss, time_wait_newer_timestamp_reopens, TEST_SECS)
{
	struct pkt_seg r;

	time_wait_then_syn(_metadata, self, 0x5a000000, true, &r);
	EXPECT_EQ(TH_SYN | TH_ACK, r.flags & TH_CTL) TH_LOG("%s", SEG(r));
	EXPECT_EQ(0x5a000001u, r.ack) TH_LOG("%s", SEG(r));
}

/* The control: an older TSval fails PAWS; TIME-WAIT stays and answers with its ACK. */
TEST_F_TIMEOUT(loss, time_wait_older_timestamp_acked, TEST_SECS)
{
	struct pkt_seg r;

	time_wait_then_syn(_metadata, self, 0x5b000000, false, &r);
	EXPECT_EQ(TH_ACK, r.flags & TH_CTL) TH_LOG("%s", SEG(r));
	EXPECT_EQ(self->peer.snd_nxt, r.ack) TH_LOG("%s", SEG(r));
}

/*
 * MSG_EOR ends a record: a corked write after it starts a new segment (Linux's
 * tcp_skb_can_collapse_to()); without it the two writes leave as one segment.
 */
TEST_F_TIMEOUT(loss, msg_eor_ends_segment, TEST_SECS)
{
	uint8_t buf[200];
	struct pkt_seg s;
	int one = 1, zero = 0, lens[4], n = 0, round;

	establish(_metadata, self, 0x5c000000, &OFFER_ALL, 0);
	memset(buf, 'e', sizeof(buf));
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_CORK, &one, sizeof(one)));
		ASSERT_EQ(100, send(self->fd, buf, 100, round ? 0 : MSG_EOR));
		ASSERT_EQ(100, send(self->fd, buf + 100, 100, 0));
		ASSERT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_CORK, &zero, sizeof(zero)));
		while (next_seg(self, 300, &s) == 1) {
			if (!s.len)
				continue;
			if (n < 4)
				lens[n] = (int)s.len;
			n++;
			self->peer.rcv_nxt = s.seq + s.len;
			ASSERT_EQ(0, xmit(self, TH_ACK, self->peer.snd_nxt, NULL, 0, NULL, 0));
		}
	}
	ASSERT_EQ(3, n) TH_LOG("%d data segments", n);
	EXPECT_EQ(100, lens[0]);	/* MSG_EOR: the record ends here */
	EXPECT_EQ(100, lens[1]);
	EXPECT_EQ(200, lens[2]);	/* no MSG_EOR: the corked writes join */
}

TEST_HARNESS_MAIN
