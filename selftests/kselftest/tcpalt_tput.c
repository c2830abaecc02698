// SPDX-License-Identifier: GPL-2.0
/*
 * Throughput behaviour on the wire (issue 7), against the scripted peer of pktpeer.h (a TUN
 * device in a private network namespace; MSS 1460, window scaling offered):
 *
 * - a large write leaves as MSS-sized segments with contiguous sequence numbers and valid
 *   checksums, PSH only on the segment that carries the write's last byte (the TUN device has
 *   no offloads, so whatever the stack builds is cut and checksummed before the peer sees it);
 * - the receive window grows while the application keeps up with a bulk transfer (Linux's
 *   receive-buffer autotuning, tcp_rcv_space_adjust());
 * - ACK policy: no more than one full-sized segment is left unacknowledged once the
 *   application has read it (RFC 1122 4.2.3.2, RFC 5681 4.2: an ACK for at least every second
 *   full-sized segment), out-of-order segments and the segment that fills the hole are
 *   acknowledged at once (RFC 5681 4.2), TCP_QUICKACK sends a pending delayed ACK at once;
 * - TCP_CORK and MSG_MORE hold a partial segment back until uncorked or the next write, and a
 *   corked partial segment leaves by itself after about 200 ms;
 * - TCP_WINDOW_CLAMP bounds the window advertised.
 *
 * Every test runs as "inet" against the kernel's own TCP (the reference that proves the
 * script) and as "tcpalt" against AF_TCPALT.  Where behaviour can only be told apart by time
 * (an ACK sent at once or by the delayed-ACK timer, data sent at uncork or by the cork timer),
 * a test tries a few times and needs one attempt whose timing is conclusive: a slow guest
 * makes attempts inconclusive, never failed.
 */
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "kselftest_harness.h"
#include "pktpeer.h"
#include "pktpeer_fixture.h"
#include "tcpalt_sock_lib.h"

#define LPORT		5100	/* the kernel side's listening port */
#define PPORT		41000	/* the scripted peer's port */
#define MSS		1460	/* the peer's MSS option; the TUN MTU is 1500 */
#define PEER_WSCALE	7	/* the window scale the peer offers: 65535 << 7 is ~8 MiB */
#define WAIT_MS		1000	/* how long a prompt reply may take in a slow guest */
#define DELACK_MS	500	/* RFC 9293 3.8.6.3: an ACK may be delayed < 0.5 s */
/*
 * Below the earliest a delayed-ACK or cork/probe timer can fire: Linux's minimum ATO is 40 ms
 * and its probe timer 200 ms, with HZ=250 jiffies (one tick, 4 ms, early at most); tcpalt's
 * hrtimers never fire early.
 */
#define PROMPT_MS	30
#define CORK_MIN_MS	190
#define ATTEMPTS	5	/* tries for a test whose timing may be inconclusive */
#define TEST_SECS	60

FIXTURE(tput) {
	PEER_FIXTURE_MEMBERS;
	int kws;		/* the kernel side's window scale (its SYN-ACK), 0 if none */
	uint32_t synack_win;	/* the SYN-ACK's window field (never scaled) */
	uint32_t kwin;		/* the kernel side's latest window, scaled, in bytes */
	bool reading;		/* the reader thread runs */
	pthread_t reader;
	struct reader {
		int fd;
		uint64_t seed;
		size_t want;	/* stop after this many bytes */
		size_t got;	/* bytes read and checked (atomic) */
		long long first_bad;
		int err;
		int stop;	/* atomic: give up */
	} rd;
	char seg[200];		/* scratch for describing a segment */
	char why[300];		/* what an attempt saw */
};

PEER_VARIANTS(tput);

FIXTURE_SETUP(tput)
{
	self->reading = false;
	PEER_FIXTURE_SETUP();
	self->peer.mss = MSS;
}

static void reader_stop(FIXTURE_DATA(tput) *self)
{
	if (!self->reading)
		return;
	__atomic_store_n(&self->rd.stop, 1, __ATOMIC_RELAXED);
	pthread_join(self->reader, NULL);
	self->reading = false;
}

FIXTURE_TEARDOWN(tput)
{
	reader_stop(self);
	peer_fixture_teardown(_metadata, &self->peer, self->fd, self->lfd);
}

/* Describe a received segment for a failure message. */
#define SEG(s)	peer_fmt(&(s), self->seg, sizeof(self->seg))

/* ---- the application side: a thread that reads and checks the peer's stream ---- */

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	uint8_t *buf = malloc(65536), *want = malloc(65536);
	size_t i;
	ssize_t n;

	while (buf && want && !r->err && __atomic_load_n(&r->got, __ATOMIC_RELAXED) < r->want &&
	       !__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		size_t left = r->want - r->got;

		n = recv(r->fd, buf, left < 65536 ? left : 65536, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			r->err = n ? errno : ENODATA;
			break;
		}
		sl_fill(want, n, r->seed, r->got);
		for (i = 0; r->first_bad < 0 && i < (size_t)n; i++)
			if (buf[i] != want[i])
				r->first_bad = r->got + i;
		__atomic_store_n(&r->got, r->got + n, __ATOMIC_RELEASE);
	}
	if (!buf || !want)
		r->err = ENOMEM;
	free(buf);
	free(want);
	return NULL;
}

/* Read want bytes of stream seed from the connection in a thread, checking each byte. */
static int reader_start(FIXTURE_DATA(tput) *self, uint64_t seed, size_t want)
{
	struct timeval tv = { .tv_usec = 100 * 1000 };	/* to notice stop */

	if (setsockopt(self->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	memset(&self->rd, 0, sizeof(self->rd));
	self->rd.fd = self->fd;
	self->rd.seed = seed;
	self->rd.want = want;
	self->rd.first_bad = -1;
	if (pthread_create(&self->reader, NULL, reader_run, &self->rd))
		return -EAGAIN;
	self->reading = true;
	return 0;
}

static size_t reader_got(FIXTURE_DATA(tput) *self)
{
	return __atomic_load_n(&self->rd.got, __ATOMIC_ACQUIRE);
}

/* Wait up to ms until the reader has read at least n bytes (or failed); true if it has. */
static bool reader_wait(FIXTURE_DATA(tput) *self, size_t n, int ms)
{
	long long end = peer_now_ms() + ms;

	while (reader_got(self) < n && !self->rd.err) {
		if (peer_now_ms() > end)
			return false;
		usleep(200);
	}
	return reader_got(self) >= n;
}

/* ---- the connection ---- */

/*
 * Passive open with the peer scripted: SYN (MSS 1460, window scale PEER_WSCALE: the peer's
 * window of 65535 means ~8 MiB), SYN-ACK, ACK.  When lfd_ready the listener already exists.
 * self->fd is the accepted connection.
 */
static void establish(struct __test_metadata *_metadata, FIXTURE_DATA(tput) *self,
		      uint32_t iss)
{
	struct pkt_seg s;

	if (self->lfd < 0)
		self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	self->peer.port = PPORT;
	self->peer.kport = LPORT;
	self->peer.iss = iss;
	self->peer.snd_nxt = iss;
	self->peer.rcv_nxt = 0;
	self->peer.win = 65535;
	ASSERT_EQ(0, peer_send_syn_wscale(&self->peer, TH_SYN, PEER_WSCALE));
	ASSERT_EQ(1, peer_expect(&self->peer, TH_SYN | TH_ACK, TH_CTL, WAIT_MS, &s))
		TH_LOG("no SYN-ACK; last packet skipped: %s", self->peer.last_skipped);
	ASSERT_EQ(iss + 1, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(MSS, s.mss) TH_LOG("%s", SEG(s));
	self->kiss = s.seq;
	self->kws = s.wscale > 0 ? s.wscale : 0;
	self->synack_win = s.win;
	self->kwin = s.win;
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	self->fd = peer_accept(self->lfd, WAIT_MS, NULL);
	ASSERT_LE(0, self->fd) TH_LOG("accept: %s", strerror(errno));
}

/* The kernel side's window in s, in bytes (RFC 7323 2.3: scaled except on SYNs). */
static uint32_t win_of(FIXTURE_DATA(tput) *self, const struct pkt_seg *s)
{
	return (uint32_t)s->win << self->kws;
}

/* Send len bytes (offset off of stream seed) at sequence number seq. */
static int send_data(FIXTURE_DATA(tput) *self, uint32_t seq, uint64_t seed, size_t off,
		     size_t len, uint8_t flags)
{
	uint8_t buf[PEER_MAX_PAYLOAD];
	struct pkt_out o = {
		.flags = TH_ACK | flags, .seq = seq, .ack = self->peer.rcv_nxt,
		.data = buf, .len = len,
	};

	sl_fill(buf, len, seed, off);
	return peer_xmit(&self->peer, &o);
}

/* A pure ACK (or window probe) from the peer at seq. */
static int send_ack_at(FIXTURE_DATA(tput) *self, uint32_t seq)
{
	struct pkt_out o = { .flags = TH_ACK, .seq = seq, .ack = self->peer.rcv_nxt };

	return peer_xmit(&self->peer, &o);
}

/*
 * Read the connection's segments queued on the TUN device (waiting up to ms for each) and
 * fold the acknowledgments into *max_ack; returns how many ACKs were read, -1 on a segment
 * that is not a plain ACK (described in self->why).
 */
static int read_acks(FIXTURE_DATA(tput) *self, int ms, uint32_t *max_ack)
{
	struct pkt_seg s;
	int n = 0;

	while (peer_expect(&self->peer, 0, 0, ms, &s) == 1) {
		if ((s.flags & TH_CTL) != TH_ACK || s.len) {
			snprintf(self->why, sizeof(self->why), "unexpected %s", SEG(s));
			return -1;
		}
		if (seq_lt(*max_ack, s.ack))
			*max_ack = s.ack;
		self->kwin = win_of(self, &s);
		n++;
	}
	return n;
}

/* ---- the peer as a bulk sender that respects the kernel side's window ---- */

struct bulk {
	size_t len;
	uint64_t seed;
	uint32_t first_win;	/* the window of the first ACK of data */
	uint32_t max_win;
	uint32_t last_win;	/* the window of the ACK of the last byte */
	uint32_t over;		/* a window above limit (0: none) */
	uint32_t limit;		/* no window may exceed this (0: no limit) */
	unsigned int acks, resends;
};

/*
 * Send b->len bytes of stream b->seed from peer.snd_nxt, never beyond the kernel side's window
 * (go-back-N after 1.5 s without progress, a window probe when the window is shut), until all
 * of it is acknowledged or ms pass.  0, or -ETIMEDOUT / -errno.
 */
static int bulk_send(FIXTURE_DATA(tput) *self, struct bulk *b, int ms)
{
	uint32_t base = self->peer.snd_nxt, una = base, nxt = base, end = base + b->len;
	uint32_t right = una + self->kwin;
	long long deadline = peer_now_ms() + ms, progress = peer_now_ms();
	struct pkt_seg s;
	int err, r;

	while (una != end) {
		while (nxt != end && seq_lt(nxt, right)) {
			uint32_t len = end - nxt < MSS ? end - nxt : MSS;

			if (seq_lt(right, nxt + len)) {
				/* Less than a segment of window: only when nothing is in flight. */
				if (nxt != una)
					break;
				len = right - nxt;
			}
			err = send_data(self, nxt, b->seed, nxt - base, len,
					nxt + len == end ? TH_PSH : 0);
			if (err)
				return err;
			nxt += len;
		}
		r = peer_expect(&self->peer, TH_ACK, TH_CTL, 200, &s);
		if (r < 0)
			return r;
		if (r == 1 && seq_le(una, s.ack) && seq_le(s.ack, end)) {
			uint32_t w = win_of(self, &s);

			b->acks++;
			if (!b->first_win && s.ack != base)
				b->first_win = w;
			if (w > b->max_win)
				b->max_win = w;
			if (b->limit && w > b->limit && !b->over)
				b->over = w;
			if (s.ack == end)
				b->last_win = w;
			if (s.ack != una)
				progress = peer_now_ms();
			una = s.ack;
			right = s.ack + w;
			self->kwin = w;
			if (seq_lt(nxt, una))
				nxt = una;
		}
		if (peer_now_ms() > deadline)
			return -ETIMEDOUT;
		if (peer_now_ms() - progress > 1500) {
			/* Lost or dropped: send again from una; a shut window gets a probe. */
			b->resends++;
			nxt = una;
			progress = peer_now_ms();
			if (right == una) {
				err = send_ack_at(self, una - 1);
				if (err)
					return err;
			}
		}
	}
	self->peer.snd_nxt = end;
	return 0;
}

/* ---- 1. a large write is cut into MSS-sized segments ---- */

/*
 * One 64 KiB send() into a window of ~8 MiB: the peer, acknowledging as segments arrive,
 * receives 1460-byte segments (the last one 65536 - 44 * 1460 = 1296 bytes) at contiguous
 * sequence numbers, each with valid checksums and the written bytes.
 *
 * PSH, as Linux sets it: on the segment that carries the write's last byte (tcp_push() marks
 * the write's tail skb; splitting an skb for cwnd (tso_fragment()) or into segments
 * (tcp_gso_segment()) leaves PSH on the last piece only), and on the last segment of every
 * multi-segment GSO skb (tcp_transmit_skb(): "Force a PSH flag on all (GSO) packets to
 * expedite GRO flush at receiver"), but never on a lone 1-MSS skb.  So besides the write's
 * last segment, a PSH closes a run of at least two segments.  How many segments an skb holds
 * depends on cwnd and the pacing rate (tcp_tso_autosize(), at least 2), so the runs' lengths
 * are not asserted; "every segment has PSH" and "the last one has none" both fail.
 *
 * SO_SNDBUF is raised first so that the write is queued at once: a send() that has to wait
 * for buffer space pushes (PSH) what it has queued so far.
 */
TEST_F_TIMEOUT(tput, super_segment_cut, TEST_SECS)
{
	static uint8_t out[65536];
	const size_t total = sizeof(out), nsegs = (total + MSS - 1) / MSS;
	unsigned int segs = 0, pshs = 0, resent = 0, run = 0, lone = 0;
	char where[256] = "";
	uint32_t next, end;
	bool last_psh = false;
	int sndbuf = 1 << 20;
	struct pkt_seg s;

	establish(_metadata, self, 0x11000000);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));
	sl_fill(out, total, 21, 0);
	ASSERT_EQ((ssize_t)total, send(self->fd, out, total, MSG_DONTWAIT | MSG_NOSIGNAL))
		TH_LOG("the 64 KiB write was not queued whole: %s", strerror(errno));

	next = self->kiss + 1;
	end = next + total;
	while (next != end) {
		ASSERT_EQ(1, peer_expect(&self->peer, TH_ACK, TH_CTL, 3000, &s))
			TH_LOG("%u of %zu bytes arrived; last skipped: %s", next - self->kiss - 1,
			       total, self->peer.last_skipped);
		if (!s.len)
			continue;
		if (seq_le(s.seq + s.len, next)) {
			resent++;	/* a retransmission of bytes seen: not new data */
			continue;
		}
		EXPECT_TRUE(s.csum_ok) TH_LOG("%s", SEG(s));
		EXPECT_EQ(next, s.seq) TH_LOG("segment %u not contiguous: %s", segs, SEG(s));
		if (s.seq != next)
			break;
		EXPECT_EQ(0, memcmp(s.data, out + (next - self->kiss - 1), s.len))
			TH_LOG("segment %u carries other bytes: %s", segs, SEG(s));
		if (next + s.len != end) {
			EXPECT_EQ(MSS, s.len) TH_LOG("segment %u: %s", segs, SEG(s));
		} else {
			EXPECT_EQ(total % MSS, s.len) TH_LOG("last segment: %s", SEG(s));
		}
		run++;
		if (s.flags & TH_PSH) {
			size_t at = strlen(where);

			snprintf(where + at, sizeof(where) - at, " %u", segs);
			pshs++;
			if (next + s.len == end)
				last_psh = true;
			else if (run < 2)
				lone++;
			run = 0;
		}
		segs++;
		next += s.len;
		self->peer.rcv_nxt = next;
		ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	}
	ASSERT_EQ(end, next);
	TH_LOG("%u segments, %u retransmitted; PSH on %u: segments%s", segs, resent, pshs, where);
	EXPECT_EQ(nsegs, segs);
	EXPECT_TRUE(last_psh) TH_LOG("no PSH on the write's last segment");
	EXPECT_EQ(0, lone) TH_LOG("%u PSH segments that neither end the write nor close a run of "
				  "two or more (PSH on segments%s)", lone, where);
}

/* ---- 2. the receive window grows with the application reading ---- */

/*
 * The peer sends 4 MiB in order as fast as the window allows, the application reads as it
 * goes: the window the kernel side advertises (scaled, RFC 7323) grows well beyond its
 * initial 64 KiB, as Linux's receive-buffer autotuning (tcp_rcv_space_adjust(), DRS) grows
 * the buffer with the bytes the application reads per round trip; and once the application
 * has read everything, the window offered is still the grown one.
 */
TEST_F_TIMEOUT(tput, rcv_window_grows, TEST_SECS)
{
	struct bulk b = { .len = 4u << 20, .seed = 22 };
	uint32_t max_ack;
	int err;

	establish(_metadata, self, 0x12000000);
	ASSERT_EQ(0, reader_start(self, b.seed, b.len));
	err = bulk_send(self, &b, 40000);
	ASSERT_EQ(0, err) TH_LOG("bulk send: %s", strerror(-err));
	ASSERT_TRUE(reader_wait(self, b.len, 5000)) TH_LOG("read %zu of %zu", reader_got(self),
							    b.len);
	ASSERT_EQ(0, self->rd.err) TH_LOG("reader: %s", strerror(self->rd.err));
	ASSERT_EQ(-1, self->rd.first_bad);
	/*
	 * The window once all is read: take the window updates the reads sent, then a probe
	 * below RCV.NXT, which is answered with an ACK that shows the current window.  (The
	 * ACK of the last byte may come before the reader caught up, when a slow guest leaves
	 * most of the buffer queued: 127488 bytes in one loaded debug run.)
	 */
	max_ack = self->peer.snd_nxt;
	ASSERT_LE(0, read_acks(self, 100, &max_ack)) TH_LOG("%s", self->why);
	ASSERT_EQ(0, send_ack_at(self, self->peer.snd_nxt - 1));
	ASSERT_LT(0, read_acks(self, 1000, &max_ack)) TH_LOG("no answer to the probe %s",
							      self->why);
	TH_LOG("window: SYN-ACK %u (wscale %d), first ACK %u, max %u, last %u, once read %u; "
	       "%u ACKs, %u resends", self->synack_win, self->kws, b.first_win, b.max_win,
	       b.last_win, self->kwin, b.acks, b.resends);
	ASSERT_LT(0, b.first_win);
	EXPECT_LE(2 * b.first_win, b.max_win) TH_LOG("the window did not grow");
	EXPECT_LE(2 * b.first_win, self->kwin) TH_LOG("the window once all is read is not grown");
}

/* ---- 3. ACK policy ---- */

/*
 * Stream n full-sized segments in order, one at a time, the reader thread reading them; once
 * the application has read a segment, at most one full-sized segment of what arrived may be
 * left unacknowledged.  Linux acknowledges every second full-sized segment on arrival when the
 * window does not shrink (__tcp_ack_snd_check()), or else when the application reads it
 * (tcp_cleanup_rbuf()): either way before recv() returns.  A delayed-ACK timer (40 ms or
 * more) is too late.  Returns the number of ACKs; the stream is seed 31 from offset off.
 */
static int stream_in_order(struct __test_metadata *_metadata, FIXTURE_DATA(tput) *self,
			   unsigned int n)
{
	uint32_t base = self->peer.snd_nxt, max_ack = base;
	unsigned int i, late = 0, first_late = 0;
	uint32_t worst = 0;
	int acks = 0, r;

	if (reader_start(self, 31, (size_t)n * MSS))
		return -1;
	for (i = 0; i < n; i++) {
		uint32_t end = base + (i + 1) * MSS;
		long long grace;

		if (send_data(self, base + i * MSS, 31, i * MSS, MSS, 0))
			return -1;
		if (!reader_wait(self, (size_t)(i + 1) * MSS, 5000))
			break;
		/* The ACK is queued on the TUN device by now; allow for a busy qdisc. */
		grace = peer_now_ms() + 20;
		for (;;) {
			r = read_acks(self, 0, &max_ack);
			if (r < 0)
				return -1;
			acks += r;
			if (end - max_ack <= MSS || peer_now_ms() >= grace)
				break;
			usleep(1000);
		}
		if (end - max_ack > MSS) {
			if (!late++)
				first_late = i;
			if (end - max_ack > worst)
				worst = end - max_ack;
		}
	}
	reader_stop(self);
	self->peer.snd_nxt = base + i * MSS;
	EXPECT_EQ(n, i) TH_LOG("the reader read %zu of %u segments", reader_got(self) / MSS, n);
	EXPECT_EQ(0, self->rd.err) TH_LOG("reader: %s", strerror(self->rd.err));
	EXPECT_EQ(-1, self->rd.first_bad);
	EXPECT_EQ(0, late) TH_LOG("%u of %u segments read with more than one MSS unacknowledged "
				  "(first: segment %u; worst %u bytes)", late, n, first_late, worst);
	/* Everything is acknowledged in the end (delayed ACK at the latest). */
	if (max_ack != self->peer.snd_nxt)
		read_acks(self, DELACK_MS, &max_ack);
	EXPECT_EQ(self->peer.snd_nxt, max_ack);
	return acks;
}

/*
 * RFC 1122 4.2.3.2, RFC 5681 4.2: a receiver acknowledges at least every second full-sized
 * segment.  60 segments, past Linux's quick-ACK start (up to 16 ACKs, one per segment).
 */
TEST_F_TIMEOUT(tput, ack_every_second_full_segment, TEST_SECS)
{
	int acks;

	establish(_metadata, self, 0x13000000);
	acks = stream_in_order(_metadata, self, 60);
	ASSERT_LT(0, acks);
	TH_LOG("%d ACKs for 60 full-sized segments", acks);
}

/*
 * RFC 5681 4.2: an out-of-order segment is answered at once with a duplicate ACK, and the
 * segment that fills the hole is acknowledged at once.  Checked after 40 in-order segments
 * (past Linux's quick-ACK start), with 100-byte segments so that no "every second full-sized
 * segment" rule can be what sends the ACK.  "At once" is told by structure, not by time:
 * the peer's segments are processed as they are written to the TUN device, so three
 * out-of-order segments back to back get three duplicate ACKs (a delayed ACK would cover
 * them with one), and the gap-filling segment followed at once by one more must get an ACK
 * of exactly the filled stream before any ACK that covers the next one.
 */
TEST_F_TIMEOUT(tput, out_of_order_acked_at_once, TEST_SECS)
{
	uint32_t base, max_ack, fill_ack = 0;
	unsigned int dups = 0, others = 0, i;
	uint8_t in[400], want[400];
	struct pkt_seg s;

	establish(_metadata, self, 0x14000000);
	ASSERT_LT(0, stream_in_order(_metadata, self, 40));
	ASSERT_EQ(0, peer_set_timeouts(self->fd));
	base = self->peer.snd_nxt;

	/* [base, base + 100) is the hole; 100..200, 200..300, 300..400 arrive first. */
	for (i = 1; i <= 3; i++)
		ASSERT_EQ(0, send_data(self, base + i * 100, 32, i * 100, 100, TH_PSH));
	while (peer_expect(&self->peer, 0, 0, 300, &s) == 1) {
		ASSERT_EQ(TH_ACK, s.flags & TH_CTL) TH_LOG("%s", SEG(s));
		if (s.ack == base && !s.len)
			dups++;
		else
			others++;
	}
	EXPECT_EQ(3, dups) TH_LOG("%u duplicate ACKs for 3 out-of-order segments", dups);
	EXPECT_EQ(0, others);
	EXPECT_EQ(0, sl_poll(self->fd, POLLIN, 0)) TH_LOG("out-of-order data readable");

	/* The hole is filled, and 400..500 follows at once. */
	ASSERT_EQ(0, send_data(self, base, 32, 0, 100, TH_PSH));
	ASSERT_EQ(0, send_data(self, base + 400, 32, 400, 100, TH_PSH));
	max_ack = base;
	while (seq_lt(max_ack, base + 500) && peer_expect(&self->peer, 0, 0, DELACK_MS, &s) == 1) {
		ASSERT_EQ(TH_ACK, s.flags & TH_CTL) TH_LOG("%s", SEG(s));
		if (s.ack == base + 400 && !fill_ack)
			fill_ack = s.ack;
		if (seq_lt(max_ack, s.ack))
			max_ack = s.ack;
		if (!fill_ack && seq_lt(base + 400, s.ack))
			break;
	}
	EXPECT_EQ(base + 400, fill_ack) TH_LOG("the filled hole was not acknowledged at once; "
					       "first ACK beyond it: %u", max_ack);
	self->peer.snd_nxt = base + 500;
	ASSERT_EQ(400, recv(self->fd, in, 400, MSG_WAITALL));
	sl_fill(want, sizeof(want), 32, 0);
	ASSERT_EQ(0, memcmp(in, want, 400));
}

enum attempt { CONCLUSIVE_PASS, CONCLUSIVE_FAIL, INCONCLUSIVE };

/* Say what an attempt saw (self->why) and return its verdict. */
static enum attempt __attribute__((format(printf, 3, 4)))
verdict(FIXTURE_DATA(tput) *self, enum attempt res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(self->why, sizeof(self->why), fmt, ap);
	va_end(ap);
	return res;
}

/*
 * One try of quickack_sends_pending_ack: TCP_QUICKACK 0 (Linux: interactive "pingpong" mode,
 * ACKs wait for the delayed-ACK timer or a reply), 100 bytes in, read by the application:
 * no ACK yet; TCP_QUICKACK 1 then sends it at once.  The peer sends 100 more bytes right
 * after the setsockopt(): the ACK must be of exactly the first 100 bytes, not a later delayed
 * ACK covering both.  Inconclusive if the setsockopt() came PROMPT_MS or more after the data.
 */
static enum attempt quickack_try(FIXTURE_DATA(tput) *self, unsigned int round)
{
	uint32_t first = self->peer.snd_nxt, max_ack = first, got = 0;
	long long t0, t1;
	int zero = 0, one = 1, r;
	uint8_t in[200];
	struct pkt_seg s;

	if (setsockopt(self->fd, SOL_TCP, TCP_QUICKACK, &zero, sizeof(zero)))
		return verdict(self, CONCLUSIVE_FAIL, "TCP_QUICKACK 0: %s",
				strerror(errno));
	t0 = peer_now_ms();
	if (send_data(self, first, 33 + round, 0, 100, TH_PSH) ||
	    recv(self->fd, in, 100, 0) != 100)
		return verdict(self, CONCLUSIVE_FAIL, "first 100 bytes not read");
	self->peer.snd_nxt = first + 100;
	r = read_acks(self, 0, &max_ack);
	t1 = peer_now_ms();
	if (r < 0)
		return CONCLUSIVE_FAIL;
	if (max_ack == first + 100) {
		if (t1 - t0 >= PROMPT_MS)
			return verdict(self, INCONCLUSIVE, "delayed ACK before "
					"TCP_QUICKACK (%lld ms)", t1 - t0);
		return verdict(self, CONCLUSIVE_FAIL, "acknowledged %lld ms after the data "
				"although TCP_QUICKACK was 0 and the ACK could be delayed",
				t1 - t0);
	}
	if (setsockopt(self->fd, SOL_TCP, TCP_QUICKACK, &one, sizeof(one)))
		return verdict(self, CONCLUSIVE_FAIL, "TCP_QUICKACK 1: %s",
				strerror(errno));
	t1 = peer_now_ms();
	if (send_data(self, first + 100, 33 + round, 100, 100, TH_PSH) ||
	    recv(self->fd, in, 100, 0) != 100)
		return verdict(self, CONCLUSIVE_FAIL, "second 100 bytes not read");
	self->peer.snd_nxt = first + 200;
	while (max_ack != first + 200 && peer_expect(&self->peer, TH_ACK, TH_CTL, DELACK_MS,
						     &s) == 1) {
		if (s.ack == first + 100)
			got = s.ack;
		if (seq_lt(max_ack, s.ack))
			max_ack = s.ack;
	}
	if (got)
		return CONCLUSIVE_PASS;
	if (t1 - t0 >= PROMPT_MS)
		return verdict(self, INCONCLUSIVE, "TCP_QUICKACK set %lld ms after the "
				"data", t1 - t0);
	return verdict(self, CONCLUSIVE_FAIL, "no ACK of the first 100 bytes when "
			"TCP_QUICKACK was set %lld ms after them; first ACK: %u (of %u..%u)",
			t1 - t0, max_ack, first + 100, first + 200);
}

/*
 * TCP_QUICKACK (tcp(7)): setting it sends a pending delayed ACK at once (Linux
 * __tcp_sock_set_quickack(): tcp_cleanup_rbuf() with the ACK marked pushed); clearing it
 * makes ACKs wait (pingpong mode), so the read of a small segment does not send one.
 */
TEST_F_TIMEOUT(tput, quickack_sends_pending_ack, TEST_SECS)
{
	enum attempt res = INCONCLUSIVE;
	unsigned int i;

	establish(_metadata, self, 0x15000000);
	for (i = 0; i < ATTEMPTS && res == INCONCLUSIVE; i++) {
		res = quickack_try(self, i);
		if (res == INCONCLUSIVE)
			TH_LOG("attempt %u inconclusive: %s", i, self->why);
		usleep(100 * 1000);
		peer_drain(&self->peer);
	}
	ASSERT_NE(CONCLUSIVE_FAIL, res) TH_LOG("%s", self->why);
	if (res == INCONCLUSIVE)
		SKIP(return, "guest too slow: every attempt inconclusive");
}

/* ---- 4. TCP_CORK and MSG_MORE ---- */

/* The next data segment within ms; 1 found (in *s), 0 none, -1 a segment other than data+ACK. */
static int next_data(FIXTURE_DATA(tput) *self, int ms, struct pkt_seg *s)
{
	long long end = peer_now_ms() + ms, left;

	while ((left = end - peer_now_ms()) >= 0) {
		if (peer_expect(&self->peer, 0, 0, (int)left, s) != 1)
			return 0;
		if ((s->flags & TH_CTL) != TH_ACK) {
			snprintf(self->why, sizeof(self->why), "unexpected %s", SEG(*s));
			return -1;
		}
		if (s->len)
			return 1;
	}
	return 0;
}

/* The peer acknowledges everything up to end. */
static int ack_to(FIXTURE_DATA(tput) *self, uint32_t end)
{
	self->peer.rcv_nxt = end;
	return peer_send(&self->peer, TH_ACK, NULL, 0);
}

/*
 * One try of cork_held_until_uncork: TCP_CORK on, 100 bytes written: nothing leaves for 100
 * ms; TCP_CORK off: the 100 bytes leave at once in one segment with PSH.  Inconclusive if
 * they arrive CORK_MIN_MS or more after the write (the cork timer could have sent them).
 */
static enum attempt cork_try(FIXTURE_DATA(tput) *self, unsigned int round)
{
	uint32_t seq = self->peer.rcv_nxt;
	int on = 1, off = 0, r;
	uint8_t out[100];
	struct pkt_seg s;
	long long t0, t;

	sl_fill(out, sizeof(out), 40 + round, 0);
	if (setsockopt(self->fd, SOL_TCP, TCP_CORK, &on, sizeof(on)))
		return verdict(self, CONCLUSIVE_FAIL, "TCP_CORK 1: %s", strerror(errno));
	t0 = peer_now_ms();
	if (send(self->fd, out, sizeof(out), MSG_NOSIGNAL) != sizeof(out))
		return verdict(self, CONCLUSIVE_FAIL, "send: %s", strerror(errno));
	r = next_data(self, 100, &s);
	if (r < 0)
		return CONCLUSIVE_FAIL;
	if (r) {
		t = peer_ts_ms(&s.when) - t0;
		ack_to(self, s.seq + s.len);
		return verdict(self, t < CORK_MIN_MS ? CONCLUSIVE_FAIL : INCONCLUSIVE,
			       "corked write sent after %lld ms: %s", t, SEG(s));
	}
	if (setsockopt(self->fd, SOL_TCP, TCP_CORK, &off, sizeof(off)))
		return verdict(self, CONCLUSIVE_FAIL, "TCP_CORK 0: %s", strerror(errno));
	r = next_data(self, WAIT_MS, &s);
	if (r < 0)
		return CONCLUSIVE_FAIL;
	if (!r)
		return verdict(self, CONCLUSIVE_FAIL, "nothing sent at uncork");
	ack_to(self, s.seq + s.len);
	t = peer_ts_ms(&s.when) - t0;
	if (s.seq != seq || s.len != sizeof(out) || memcmp(s.data, out, sizeof(out)) ||
	    !(s.flags & TH_PSH))
		return verdict(self, CONCLUSIVE_FAIL, "at uncork: %s", SEG(s));
	if (t >= CORK_MIN_MS)
		return verdict(self, INCONCLUSIVE, "sent %lld ms after the write", t);
	return CONCLUSIVE_PASS;
}

/* TCP_CORK (tcp(7)): partial frames are held while corked and sent when uncorked. */
TEST_F_TIMEOUT(tput, cork_held_until_uncork, TEST_SECS)
{
	enum attempt res = INCONCLUSIVE;
	unsigned int i;

	establish(_metadata, self, 0x16000000);
	for (i = 0; i < ATTEMPTS && res == INCONCLUSIVE; i++) {
		res = cork_try(self, i);
		if (res == INCONCLUSIVE)
			TH_LOG("attempt %u inconclusive: %s", i, self->why);
	}
	ASSERT_NE(CONCLUSIVE_FAIL, res) TH_LOG("%s", self->why);
	if (res == INCONCLUSIVE)
		SKIP(return, "guest too slow: every attempt inconclusive");
}

/*
 * tcp(7): "there is a 200 millisecond ceiling on the time for which output is corked".  Linux
 * has no cork timer of its own: the corked write arms the zero-window probe timer
 * (tcp_check_probe_timer(): nothing in flight, data queued) at max(RTO, 200 ms), and
 * tcp_write_wakeup() sends the queued data with PSH when it fires.  With a handshake RTT of
 * a few ms the RTO is ~200 ms.
 */
TEST_F_TIMEOUT(tput, cork_timeout_sends, TEST_SECS)
{
	uint8_t out[100];
	struct pkt_seg s;
	long long t0, t;
	int on = 1;

	establish(_metadata, self, 0x17000000);
	sl_fill(out, sizeof(out), 41, 0);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_CORK, &on, sizeof(on)));
	t0 = peer_now_ms();
	ASSERT_EQ(100, send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	ASSERT_EQ(1, next_data(self, 3000, &s)) TH_LOG("corked write never sent %s", self->why);
	t = peer_ts_ms(&s.when) - t0;
	TH_LOG("corked write sent after %lld ms", t);
	EXPECT_LE(150, t) TH_LOG("the corked write was sent after %lld ms: %s", t, SEG(s));
	EXPECT_GE(1000, t) TH_LOG("the corked write was held %lld ms", t);
	EXPECT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	EXPECT_EQ(100, s.len) TH_LOG("%s", SEG(s));
	EXPECT_TRUE(s.flags & TH_PSH) TH_LOG("%s", SEG(s));
	EXPECT_EQ(0, memcmp(s.data, out, sizeof(out)));
	ASSERT_EQ(0, ack_to(self, s.seq + s.len));
}

/*
 * One try of msg_more_joins_next_write: with TCP_NODELAY, 50 bytes sent with MSG_MORE are
 * held (100 ms of silence); the next 50 bytes without MSG_MORE leave with them in one
 * 100-byte segment with PSH.  Inconclusive if the held bytes left alone CORK_MIN_MS or more
 * after the first write (the probe timer sends them as it does corked data).
 */
static enum attempt more_try(FIXTURE_DATA(tput) *self, unsigned int round)
{
	uint32_t seq = self->peer.rcv_nxt;
	uint8_t out[100];
	struct pkt_seg s;
	long long t0, t;
	int r;

	sl_fill(out, sizeof(out), 50 + round, 0);
	t0 = peer_now_ms();
	if (send(self->fd, out, 50, MSG_MORE | MSG_NOSIGNAL) != 50)
		return verdict(self, CONCLUSIVE_FAIL, "send: %s", strerror(errno));
	r = next_data(self, 100, &s);
	if (r < 0)
		return CONCLUSIVE_FAIL;
	if (r) {
		t = peer_ts_ms(&s.when) - t0;
		ack_to(self, s.seq + s.len);
		return verdict(self, t < CORK_MIN_MS ? CONCLUSIVE_FAIL : INCONCLUSIVE,
			       "MSG_MORE write sent alone after %lld ms: %s", t, SEG(s));
	}
	if (send(self->fd, out + 50, 50, MSG_NOSIGNAL) != 50)
		return verdict(self, CONCLUSIVE_FAIL, "send: %s", strerror(errno));
	r = next_data(self, WAIT_MS, &s);
	if (r < 0)
		return CONCLUSIVE_FAIL;
	if (!r)
		return verdict(self, CONCLUSIVE_FAIL, "nothing sent after the second write");
	t = peer_ts_ms(&s.when) - t0;
	if (s.seq == seq && s.len == 50 && t >= CORK_MIN_MS) {
		/* The first 50 bytes left by the probe timer, before the second write. */
		next_data(self, WAIT_MS, &s);
		ack_to(self, seq + 100);
		return verdict(self, INCONCLUSIVE, "held bytes sent alone after %lld ms", t);
	}
	ack_to(self, s.seq + s.len);
	if (s.seq != seq || s.len != sizeof(out) || memcmp(s.data, out, sizeof(out)) ||
	    !(s.flags & TH_PSH)) {
		verdict(self, CONCLUSIVE_FAIL, "want one 100-byte segment with PSH at %u; got %s",
			seq, SEG(s));
		if (seq_lt(s.seq + s.len, seq + 100) && next_data(self, 300, &s) == 1)
			ack_to(self, s.seq + s.len);
		return CONCLUSIVE_FAIL;
	}
	return CONCLUSIVE_PASS;
}

/*
 * MSG_MORE (send(2), tcp(7)): "more data to send" corks the socket for that call, even with
 * TCP_NODELAY; the following send() without it pushes both writes in one segment.
 */
TEST_F_TIMEOUT(tput, msg_more_joins_next_write, TEST_SECS)
{
	enum attempt res = INCONCLUSIVE;
	unsigned int i;
	int one = 1;

	establish(_metadata, self, 0x18000000);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one)));
	for (i = 0; i < ATTEMPTS && res == INCONCLUSIVE; i++) {
		res = more_try(self, i);
		if (res == INCONCLUSIVE)
			TH_LOG("attempt %u inconclusive: %s", i, self->why);
	}
	ASSERT_NE(CONCLUSIVE_FAIL, res) TH_LOG("%s", self->why);
	if (res == INCONCLUSIVE)
		SKIP(return, "guest too slow: every attempt inconclusive");
}

/* ---- 5. TCP_WINDOW_CLAMP ---- */

/*
 * TCP_WINDOW_CLAMP 8000 on the listener, before the SYN: the accepted connection reports the
 * clamp (getsockopt) and no window it advertises, from the SYN-ACK on, exceeds it (rounded up
 * to the unit of its window scale) during 1 MiB in while the application reads.
 * SO_RCVBUF (256 KiB) is set too: in Linux 6.1 receive-buffer autotuning sets window_clamp
 * from the grown buffer (tcp_rcv_space_adjust(): "Make the window clamp follow along"),
 * overriding the user's clamp; a locked buffer keeps autotuning off, so the clamp is what
 * limits the window, not the buffer (256 KiB of buffer allows ~128 KiB of window).
 */
TEST_F_TIMEOUT(tput, window_clamp_bounds_window, TEST_SECS)
{
	const int clamp = 8000, rcvbuf = 256 << 10;
	struct bulk b = { .len = 1u << 20, .seed = 60 };
	int err;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_TCP, TCP_WINDOW_CLAMP, &clamp, sizeof(clamp)));
	establish(_metadata, self, 0x19000000);
	EXPECT_EQ(clamp, sl_getint(self->fd, SOL_TCP, TCP_WINDOW_CLAMP));
	EXPECT_GE(clamp, self->synack_win) TH_LOG("SYN-ACK window %u", self->synack_win);
	b.limit = (clamp + (1 << self->kws) - 1) & ~((1u << self->kws) - 1);
	ASSERT_EQ(0, reader_start(self, b.seed, b.len));
	err = bulk_send(self, &b, 40000);
	ASSERT_EQ(0, err) TH_LOG("bulk send: %s", strerror(-err));
	ASSERT_TRUE(reader_wait(self, b.len, 5000));
	ASSERT_EQ(-1, self->rd.first_bad);
	TH_LOG("windows: first %u, max %u, last %u (wscale %d); %u ACKs", b.first_win, b.max_win,
	       b.last_win, self->kws, b.acks);
	EXPECT_EQ(0, b.over) TH_LOG("window %u advertised above the clamp %d", b.over, clamp);
	/* Not vacuous: the window did open up to near the clamp. */
	EXPECT_LE(clamp / 2, b.max_win);
	EXPECT_EQ(clamp, sl_getint(self->fd, SOL_TCP, TCP_WINDOW_CLAMP));
}

TEST_HARNESS_MAIN
