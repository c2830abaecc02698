// SPDX-License-Identifier: GPL-2.0
/*
 * A scripted packet-level peer (pktpeer.h: a TUN device in a private network namespace)
 * drives one connection through the states and corner cases that need a peer to misbehave:
 * SYN-RECEIVED with a withheld ACK, simultaneous open, CLOSING, a retransmitted FIN in
 * TIME-WAIT, blind RSTs, retransmission and its limits, zero-window probes, Nagle, delayed
 * ACK, ICMP errors.
 *
 * Every test runs twice: variant "inet" against the kernel's own TCP (the reference; it proves
 * the script right) and variant "tcpalt" against AF_TCPALT, asserting the same behaviour on
 * the wire and through the socket API.  The connection's state is checked at each step in
 * TCP_INFO (tcpi_state) and in its connection-table row: /proc/tcpalt/connections for
 * tcpalt, /proc/net/tcp (mapped to RFC 9293 names) for inet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_lib.h"
#include "pktpeer.h"
#include "pktpeer_fixture.h"

#define LPORT		5000	/* the kernel side's listening port */
#define PPORT		40000	/* the scripted peer's port */
#define WAIT_MS		1000	/* how long a prompt reply may take in a slow guest */
#define DELACK_MS	500	/* RFC 9293 3.8.6.3: an ACK may be delayed < 0.5 s */
#define QUIET_MS	300	/* how long to listen for a reply that must not come */
#define STATE_MS	500	/* how long a state change may take after its cause */
#define TEST_SECS	20

#define ROW_NONE	"-"	/* row_state() when no row matches */

/* RFC 9293 state names, indexed by Linux's TCP_* numbering (tcpi_state, /proc/net/tcp). */
static const char *const rfc_state[] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN-SENT",
	[TCP_SYN_RECV]		= "SYN-RECEIVED",
	[TCP_FIN_WAIT1]		= "FIN-WAIT-1",
	[TCP_FIN_WAIT2]		= "FIN-WAIT-2",
	[TCP_TIME_WAIT]		= "TIME-WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCP_LAST_ACK]		= "LAST-ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

FIXTURE(scripted) {
	PEER_FIXTURE_MEMBERS;
	int tcpi;		/* last TCP_INFO state read by states_reached() */
	char row[32];		/* last row state read by states_reached() */
	char seg[200];		/* scratch for describing a segment */
};

PEER_VARIANTS(scripted);

FIXTURE_SETUP(scripted)
{
	PEER_FIXTURE_SETUP();
	/*
	 * Linux 6.1's per-netns challenge-ACK limit (net.ipv4.tcp_challenge_ack_limit) defaults
	 * to INT_MAX, i.e. off; the per-socket limit (tcp_invalid_ratelimit) lets the first
	 * challenge ACK of a connection through, and no test needs a second one.
	 */
}

FIXTURE_TEARDOWN(scripted)
{
	peer_fixture_teardown(_metadata, &self->peer, self->fd, self->lfd);
}

/* Read what is queued on the TUN device and describe the last packet ignored. */
static const char *peer_last(struct pkt_peer *p)
{
	peer_drain(p);
	return p->last_skipped;
}

/* Describe a received segment for a failure message. */
#define SEG(s)	peer_fmt(&(s), self->seg, sizeof(self->seg))

/* Wait for a pure acknowledgment of exactly ack. */
#define EXPECT_ACK_OF(ackno, ms, s) do { \
	ASSERT_EQ(1, peer_expect_ack(&self->peer, (ackno), (ms), &(s))) \
		TH_LOG("no ACK of %u within %d ms; last packet skipped: %s", (ackno), (ms), \
		       self->peer.last_skipped); \
	ASSERT_EQ((uint32_t)(ackno), (s).ack) TH_LOG("%s", SEG(s)); \
	ASSERT_EQ(0, (s).len) TH_LOG("%s", SEG(s)); \
} while (0)

/* Nothing of the connection may arrive for QUIET_MS (RFC 9293 3.10.7.4: no reply to RST). */
#define EXPECT_QUIET(s) \
	ASSERT_EQ(0, peer_expect_quiet(&self->peer, QUIET_MS, &(s))) TH_LOG("unexpected %s", SEG(s))

/* TCP_INFO of fd (fd < 0: not checked) and the connection's row reach the given states. */
#define ASSERT_STATES(fd, tcpi_want, row_want) \
	ASSERT_TRUE(states_reached(self, (fd), (tcpi_want), (row_want))) \
		TH_LOG("want tcpi_state %d, row %s; have %d, %s", (tcpi_want), (row_want), \
		       self->tcpi, self->row)

/* Split line into at most max whitespace-separated columns; returns how many. */
static int split(char *line, char **col, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		col[n++] = tok;
	return n;
}

static int column_of(char **col, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(col[i], name))
			return i;
	return -1;
}

/*
 * Copy column name of the /proc/tcpalt/connections row local:lport remote:rport into out;
 * false when there is no such row (or no such column).  While a user socket of a connection
 * in TIME-WAIT is still open, two rows match: the socket's (CLOSED) and the TIME-WAIT
 * entry's; the row of the connection is the one not CLOSED.
 */
static bool alt_row_field(uint16_t lport, uint16_t rport, const char *name, char *out,
			  size_t size)
{
	char line[512], local[32], remote[32], *col[32];
	int n, idx, state_idx;
	bool found = false;
	FILE *f;

	f = fopen(TCPALT_PROC_CONNECTIONS, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		goto out;
	n = split(line, col, 32);
	idx = column_of(col, n, name);
	state_idx = column_of(col, n, "state");
	if (idx < 0 || state_idx < 0)
		goto out;
	snprintf(local, sizeof(local), "%s:%u", PEER_LOCAL, lport);
	snprintf(remote, sizeof(remote), "%s:%u", PEER_REMOTE, rport);
	while (fgets(line, sizeof(line), f)) {
		n = split(line, col, 32);
		if (n <= idx || n <= state_idx || strcmp(col[0], local) || strcmp(col[1], remote))
			continue;
		snprintf(out, size, "%s", col[idx]);
		found = true;
		if (strcmp(col[state_idx], "CLOSED"))
			break;
	}
out:
	fclose(f);
	return found;
}

/* The /proc/net/tcp state of local:lport remote:rport, or -1 when there is no such entry. */
static int inet_row_state(const struct pkt_peer *p, uint16_t lport, uint16_t rport)
{
	unsigned int laddr, lp, raddr, rp, st;
	char line[512];
	int state = -1;
	FILE *f;

	f = fopen("/proc/net/tcp", "r");
	if (!f)
		return -1;
	while (state < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %x:%x %x:%x %x", &laddr, &lp, &raddr, &rp, &st) != 5)
			continue;
		if (laddr == p->local.s_addr && lp == lport &&
		    raddr == p->remote.s_addr && rp == rport)
			state = st;
	}
	fclose(f);
	return state;
}

/* The connection's row state (RFC 9293 name) in its variant's table, or ROW_NONE. */
static void row_state(FIXTURE_DATA(scripted) *self, char *out, size_t size)
{
	const struct pkt_peer *p = &self->peer;
	int st;

	if (self->alt) {
		if (!alt_row_field(p->kport, p->port, "state", out, size))
			snprintf(out, size, ROW_NONE);
		return;
	}
	st = inet_row_state(p, p->kport, p->port);
	if (st > 0 && st < (int)(sizeof(rfc_state) / sizeof(rfc_state[0])) && rfc_state[st])
		snprintf(out, size, "%s", rfc_state[st]);
	else if (st < 0)
		snprintf(out, size, ROW_NONE);
	else
		snprintf(out, size, "state-%d", st);
}

/* Is have one of the '|'-separated names in want? */
static bool state_in(const char *have, const char *want)
{
	size_t len = strlen(have);

	while (want) {
		if (!strncmp(want, have, len) && (want[len] == '|' || !want[len]))
			return true;
		want = strchr(want, '|');
		if (want)
			want++;
	}
	return false;
}

/* Poll for up to STATE_MS until fd's tcpi_state and the connection's row match. */
static bool states_reached(FIXTURE_DATA(scripted) *self, int fd, int tcpi, const char *row)
{
	long long deadline = peer_now_ms() + STATE_MS;

	for (;;) {
		self->tcpi = fd >= 0 ? tcpi_state(fd) : tcpi;
		row_state(self, self->row, sizeof(self->row));
		if (self->tcpi == tcpi && state_in(self->row, row))
			return true;
		if (peer_now_ms() > deadline)
			return false;
		usleep(5000);
	}
}

/* A numeric column of the connection's tcpalt row, or -1. */
static long alt_row_num(FIXTURE_DATA(scripted) *self, const char *name)
{
	char buf[32];

	if (!alt_row_field(self->peer.kport, self->peer.port, name, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * Poll the connection's row until it is gone, up to limit ms after start (peer_now_ms()
 * time); how long after start it went, or -1 (self->row then holds its state).
 */
static long long row_gone_ms(FIXTURE_DATA(scripted) *self, long long start, int limit)
{
	while (peer_now_ms() - start < limit) {
		row_state(self, self->row, sizeof(self->row));
		if (!strcmp(self->row, ROW_NONE))
			return peer_now_ms() - start;
		usleep(20000);
	}
	return -1;
}

/* A counter of /proc/tcpalt/stats, or -1. */
static long long alt_stat(const char *name)
{
	char line[128], key[64];
	long long val, found = -1;
	FILE *f;

	f = fopen(TCPALT_PROC_STATS, "r");
	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &val) == 2 && !strcmp(key, name))
			found = val;
	fclose(f);
	return found;
}

static struct sockaddr_in addr_of(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/* A nonblocking connect() of the variant's family to PEER_REMOTE:PPORT; the socket. */
static int connect_nonblocking(int family)
{
	struct sockaddr_in sin = addr_of(PEER_REMOTE, PPORT);
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to ms for a nonblocking connect() to finish; its SO_ERROR, or -1 if it did not. */
static int connect_result(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

/* Read exactly len bytes (each recv() bounded by SO_RCVTIMEO); bytes read. */
static size_t recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* Reset the peer's view to a new connection between PPORT and kport with the given ISS. */
static void peer_conn(struct pkt_peer *p, uint16_t kport, uint32_t iss)
{
	p->port = PPORT;
	p->kport = kport;
	p->iss = iss;
	p->snd_nxt = iss;
	p->rcv_nxt = 0;
}

/*
 * Passive open with the peer scripted (RFC 9293 3.5, figure 6 from the listener's side):
 * SYN (MSS 1400), SYN-ACK, ACK; self->fd is the accepted ESTABLISHED socket.
 */
static void establish_passive(struct __test_metadata *_metadata,
			      FIXTURE_DATA(scripted) *self, uint32_t iss)
{
	struct sockaddr_in from;
	struct pkt_seg s;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	peer_conn(&self->peer, LPORT, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(iss + 1, s.ack) TH_LOG("%s", SEG(s));
	self->kiss = s.seq;
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	self->fd = peer_accept(self->lfd, WAIT_MS, &from);
	ASSERT_LE(0, self->fd) TH_LOG("accept: %s", strerror(errno));
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
}

/* Data still flows both ways: 10 bytes from the peer, 10 bytes back. */
static void exchange_data(struct __test_metadata *_metadata, FIXTURE_DATA(scripted) *self)
{
	uint8_t out[10], in[10];
	struct pkt_seg s;

	peer_fill(out, sizeof(out), 3);
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK | TH_PSH, out, sizeof(out)));
	ASSERT_EQ(sizeof(in), recv_all(self->fd, in, sizeof(in)));
	ASSERT_EQ(0, memcmp(in, out, sizeof(in)));
	EXPECT_ACK_OF(self->peer.snd_nxt, DELACK_MS, s);

	peer_fill(out, sizeof(out), 5);
	ASSERT_EQ((ssize_t)sizeof(out), send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(sizeof(out), s.len) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, memcmp(s.data, out, sizeof(out)));
	self->peer.rcv_nxt += s.len;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
}

/*
 * 1. A listener answers a SYN with a SYN-ACK and sits in SYN-RECEIVED (RFC 9293 3.10.7.2);
 * without the ACK the SYN-ACK is retransmitted after the initial RTO (RFC 6298 2.1: 1 s);
 * the ACK completes the handshake and accept() returns the ESTABLISHED connection.
 */
TEST_F_TIMEOUT(scripted, syn_to_listener_withheld_ack, TEST_SECS)
{
	const uint32_t iss = 0x01000000;
	struct sockaddr_in from, name;
	socklen_t len = sizeof(name);
	struct pkt_seg s, r;
	long long gap;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	ASSERT_STATES(-1, -1, ROW_NONE);
	peer_conn(&self->peer, LPORT, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));

	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(iss + 1, s.ack) TH_LOG("%s", SEG(s));
	/* RFC 9293 3.7.1: the MSS option carries the interface MTU (TUN: 1500) minus 40. */
	ASSERT_EQ(1460, s.mss) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, s.len);
	self->kiss = s.seq;
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_STATES(-1, -1, "SYN-RECEIVED");
	ASSERT_EQ(-1, peer_accept(self->lfd, 0, &from));

	EXPECT_SEGMENT(TH_SYN | TH_ACK, 3500, r);
	gap = peer_ts_ms(&r.when) - peer_ts_ms(&s.when);
	ASSERT_EQ(s.seq, r.seq) TH_LOG("%s", SEG(r));
	ASSERT_EQ(s.ack, r.ack) TH_LOG("%s", SEG(r));
	ASSERT_LE(700, gap) TH_LOG("SYN-ACK retransmitted after %lld ms", gap);
	ASSERT_STATES(-1, -1, "SYN-RECEIVED");

	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	self->fd = peer_accept(self->lfd, WAIT_MS, &from);
	ASSERT_LE(0, self->fd) TH_LOG("accept: %s", strerror(errno));
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
	ASSERT_EQ(AF_INET, from.sin_family);
	ASSERT_EQ(self->peer.remote.s_addr, from.sin_addr.s_addr);
	ASSERT_EQ(PPORT, ntohs(from.sin_port));
	memset(&name, 0, sizeof(name));
	ASSERT_EQ(0, getpeername(self->fd, (struct sockaddr *)&name, &len));
	ASSERT_EQ(AF_INET, name.sin_family);
	ASSERT_EQ(self->peer.remote.s_addr, name.sin_addr.s_addr);
	ASSERT_EQ(PPORT, ntohs(name.sin_port));
	len = sizeof(name);
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&name, &len));
	ASSERT_EQ(self->peer.local.s_addr, name.sin_addr.s_addr);
	ASSERT_EQ(LPORT, ntohs(name.sin_port));
}

/*
 * 2. In-order data is delivered and acknowledged (RFC 9293 3.10.7.4, seventh step); data
 * written goes out with PSH at snd_nxt; an out-of-order segment is held back and answered
 * with an immediate duplicate ACK (RFC 5681 4.2), and the segment that fills the gap
 * releases both, acknowledged together.  The peer's ISS makes its sequence numbers wrap.
 */
TEST_F_TIMEOUT(scripted, data_and_ack, TEST_SECS)
{
	struct pollfd pfd = { .events = POLLIN };
	uint8_t out[200], in[200];
	struct pkt_out late;
	struct pkt_seg s;
	uint32_t base;

	establish_passive(_metadata, self, 0xffffffa0);

	peer_fill(out, 100, 1);
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK | TH_PSH, out, 100));
	ASSERT_EQ(100, recv_all(self->fd, in, 100));
	ASSERT_EQ(0, memcmp(in, out, 100));
	EXPECT_ACK_OF(self->peer.snd_nxt, DELACK_MS, s);

	peer_fill(out, 50, 2);
	ASSERT_EQ(50, send(self->fd, out, 50, MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_TRUE(s.flags & TH_PSH) TH_LOG("%s", SEG(s));
	ASSERT_EQ(self->kiss + 1, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(self->peer.snd_nxt, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(50, s.len) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, memcmp(s.data, out, 50));
	self->peer.rcv_nxt += 50;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));

	/* Bytes 100..199 of the stream (offsets 100..199 of out) before 0..99. */
	peer_fill(out, sizeof(out), 9);
	base = self->peer.snd_nxt;
	late = (struct pkt_out){
		.flags = TH_ACK | TH_PSH, .seq = base + 100, .ack = self->peer.rcv_nxt,
		.data = out + 100, .len = 100,
	};
	ASSERT_EQ(0, peer_xmit(&self->peer, &late));
	EXPECT_SEGMENT(TH_ACK, DELACK_MS, s);
	ASSERT_EQ(base, s.ack) TH_LOG("duplicate ACK expected: %s", SEG(s));
	ASSERT_EQ(0, s.len);
	pfd.fd = self->fd;
	ASSERT_EQ(0, poll(&pfd, 1, 200)) TH_LOG("out-of-order data readable");

	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK | TH_PSH, out, 100));
	self->peer.snd_nxt += 100;
	ASSERT_EQ(200, recv_all(self->fd, in, 200));
	ASSERT_EQ(0, memcmp(in, out, 200));
	EXPECT_ACK_OF(base + 200, DELACK_MS, s);
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
}

/*
 * 3. Simultaneous open (RFC 9293 3.5, figure 8): a SYN without ACK in SYN-SENT moves the
 * connection to SYN-RECEIVED and is answered with SYN-ACK from the same ISS; the peer's
 * SYN-ACK then completes it.
 */
TEST_F_TIMEOUT(scripted, simultaneous_open, TEST_SECS)
{
	struct pollfd pfd = { .events = POLLOUT };
	const uint32_t iss = 0x7fffff00;
	struct pkt_out synack;
	struct pkt_seg s;

	self->fd = connect_nonblocking(self->family);
	ASSERT_LE(0, self->fd) TH_LOG("connect: %s", strerror(errno));
	peer_conn(&self->peer, 0, iss);
	EXPECT_SEGMENT(TH_SYN, WAIT_MS, s);
	ASSERT_LT(0, s.mss) TH_LOG("%s", SEG(s));
	self->peer.kport = s.sport;
	self->kiss = s.seq;
	ASSERT_STATES(self->fd, TCP_SYN_SENT, "SYN-SENT");

	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->kiss, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(iss + 1, s.ack) TH_LOG("%s", SEG(s));
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_STATES(self->fd, TCP_SYN_RECV, "SYN-RECEIVED");
	pfd.fd = self->fd;
	ASSERT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("connect completed in SYN-RECEIVED");

	synack = (struct pkt_out){
		.flags = TH_SYN | TH_ACK, .seq = iss, .ack = self->peer.rcv_nxt,
		.mss = self->peer.mss,
	};
	ASSERT_EQ(0, peer_xmit(&self->peer, &synack));
	ASSERT_EQ(0, connect_result(self->fd, WAIT_MS))
		TH_LOG("connect not complete; last packet seen: %s", peer_last(&self->peer));
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
	ASSERT_EQ(0, peer_set_timeouts(self->fd));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, 0));
	/* The SYN-ACK's SYN is old (Linux answers it with a duplicate ACK); skip that. */
	usleep(100 * 1000);
	peer_drain(&self->peer);
	exchange_data(_metadata, self);
}

/*
 * 4. Simultaneous close (RFC 9293 3.6, figure 13): FIN-WAIT-1 receives the peer's FIN
 * before the ACK of its own, ACKs it and enters CLOSING; the ACK of its FIN then moves it to
 * TIME-WAIT.  Linux moves a connection entering TIME-WAIT to a timewait entry and leaves the
 * socket itself in CLOSED, so TCP_INFO shows TCP_CLOSE while the table shows TIME-WAIT.
 */
TEST_F_TIMEOUT(scripted, closing_simultaneous_close, TEST_SECS)
{
	uint32_t fin_seq, peer_fin;
	struct pkt_seg s;
	char c;

	establish_passive(_metadata, self, 0x20000000);
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	EXPECT_SEGMENT(TH_FIN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(self->peer.snd_nxt, s.ack) TH_LOG("%s", SEG(s));
	fin_seq = s.seq;
	ASSERT_STATES(self->fd, TCP_FIN_WAIT1, "FIN-WAIT-1");

	/* The peer's FIN acknowledges nothing new: ack stays at our FIN's sequence number. */
	peer_fin = self->peer.snd_nxt;
	ASSERT_EQ(0, peer_send(&self->peer, TH_FIN | TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(peer_fin + 1, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(fin_seq + 1, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_STATES(self->fd, TCP_CLOSING, "CLOSING");

	self->peer.rcv_nxt = fin_seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	ASSERT_STATES(self->fd, TCP_CLOSE, "TIME-WAIT");
	ASSERT_EQ(0, recv(self->fd, &c, 1, 0));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_STATES(-1, -1, "TIME-WAIT");
	EXPECT_QUIET(s);
}

/*
 * 5. TIME-WAIT answers a retransmission of the peer's FIN with an ACK and restarts the 2 MSL
 * timer (RFC 9293 3.10.7.4, TIME-WAIT state).  tcpalt: with msl_ms 1000 the entry lives
 * 2000 ms from the retransmitted FIN.  Linux's TIME-WAIT is a fixed 60 s and is not timed.
 */
TEST_F_TIMEOUT(scripted, timewait_fin_retransmit, TEST_SECS)
{
	long before = 0, after, left;
	long long sent, gone = -1;
	uint32_t peer_fin, rcv;
	struct pkt_out fin;
	struct pkt_seg s;
	char timer[32];

	if (self->alt)
		ASSERT_EQ(0, peer_sysctl(TCPALT_SYSCTL_MSL_MS, "1000"));
	establish_passive(_metadata, self, 0x30000000);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_SEGMENT(TH_FIN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	ASSERT_STATES(-1, -1, "FIN-WAIT-2");
	peer_fin = self->peer.snd_nxt;
	ASSERT_EQ(0, peer_send(&self->peer, TH_FIN | TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(peer_fin + 1, s.ack) TH_LOG("%s", SEG(s));
	rcv = s.seq;
	ASSERT_STATES(-1, -1, "TIME-WAIT");

	if (self->alt) {
		ASSERT_TRUE(alt_row_field(LPORT, PPORT, "timer", timer, sizeof(timer)));
		ASSERT_STREQ("timewait", timer);
		left = alt_row_num(self, "ms_left");
		ASSERT_LT(0, left);
		ASSERT_GE(2000, left);
		usleep(500 * 1000);
		before = alt_row_num(self, "ms_left");
		ASSERT_GE(1600, before);
	}

	fin = (struct pkt_out){
		.flags = TH_FIN | TH_ACK, .seq = peer_fin, .ack = self->peer.rcv_nxt,
	};
	sent = peer_now_ms();
	ASSERT_EQ(0, peer_xmit(&self->peer, &fin));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(peer_fin + 1, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(rcv, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_STATES(-1, -1, "TIME-WAIT");
	if (!self->alt)
		return;

	after = alt_row_num(self, "ms_left");
	ASSERT_LT(before + 300, after)
		TH_LOG("ms_left %ld before the FIN, %ld after", before, after);
	while (peer_now_ms() - sent < 3000) {
		char st[32];

		row_state(self, st, sizeof(st));
		if (!strcmp(st, ROW_NONE)) {
			gone = peer_now_ms() - sent;
			break;
		}
		usleep(20 * 1000);
	}
	ASSERT_LE(1800, gone) TH_LOG("TIME-WAIT ended %lld ms after the FIN", gone);
	ASSERT_GE(2200, gone) TH_LOG("TIME-WAIT ended %lld ms after the FIN", gone);
}

/*
 * 6. An RST whose sequence number is exactly rcv_nxt resets the connection (RFC 5961 3.2,
 * RFC 9293 3.10.7.4): no reply, the next read fails with ECONNRESET, then reads return 0
 * and writes fail with EPIPE; the socket is CLOSED.
 */
TEST_F_TIMEOUT(scripted, rst_in_window_exact, TEST_SECS)
{
	struct pkt_out rst;
	struct pkt_seg s;
	char c = 'x';

	establish_passive(_metadata, self, 0x40000000);
	rst = (struct pkt_out){ .flags = TH_RST, .seq = self->peer.snd_nxt };
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));
	EXPECT_QUIET(s);
	ASSERT_STATES(self->fd, TCP_CLOSE, "CLOSED|" ROW_NONE);
	ASSERT_EQ(-1, recv(self->fd, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
	ASSERT_EQ(0, recv(self->fd, &c, 1, 0));
	ASSERT_EQ(-1, send(self->fd, &c, 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
}

/*
 * 7. An RST outside the receive window is dropped silently (RFC 9293 3.10.7.4, RFC 5961
 * 3.2): no reply, the connection stays ESTABLISHED and carries data.
 */
TEST_F_TIMEOUT(scripted, rst_out_of_window_ignored, TEST_SECS)
{
	struct pkt_out rst;
	struct pkt_seg s;

	establish_passive(_metadata, self, 0x50000000);
	rst = (struct pkt_out){ .flags = TH_RST, .seq = self->peer.snd_nxt + 0x40000000 };
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));
	EXPECT_QUIET(s);
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
	exchange_data(_metadata, self);
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
}

/*
 * 8. An RST inside the window but not at rcv_nxt draws a challenge ACK, <SEQ=SND.NXT>
 * <ACK=RCV.NXT><CTL=ACK>, and changes nothing (RFC 5961 3.2).  tcpalt counts it in
 * ChallengeAcks.
 */
TEST_F_TIMEOUT(scripted, rst_in_window_not_exact_challenge_ack, TEST_SECS)
{
	long long acks = 0;
	struct pkt_out rst;
	struct pkt_seg s;

	establish_passive(_metadata, self, 0x60000000);
	if (self->alt) {
		acks = alt_stat("ChallengeAcks");
		ASSERT_LE(0, acks);
	}
	rst = (struct pkt_out){ .flags = TH_RST, .seq = self->peer.snd_nxt + 1000 };
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(self->peer.snd_nxt, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, s.len);
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
	if (self->alt)
		ASSERT_EQ(acks + 1, alt_stat("ChallengeAcks"));
	exchange_data(_metadata, self);
}

/*
 * 9. A SYN to a port nobody listens on is answered <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK> (RFC 9293 3.10.7.1).  A listener of the variant's family on the next port
 * still answers its own SYN, so the variant is really there.
 */
TEST_F_TIMEOUT(scripted, syn_to_closed_port_rst, TEST_SECS)
{
	const uint32_t iss = 0x70000000;
	struct pkt_seg s;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	peer_conn(&self->peer, LPORT + 1, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_RST | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(0, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(iss + 1, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, s.len);
	ASSERT_STATES(-1, -1, ROW_NONE);

	peer_conn(&self->peer, LPORT, iss + 0x1000);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(iss + 0x1001, s.ack) TH_LOG("%s", SEG(s));
}

/*
 * 10. An unanswered SYN is retransmitted with exponential backoff from a 1 s initial RTO
 * (RFC 6298 2.1 and 5.5); after syn_retries retransmissions connect() fails with ETIMEDOUT
 * (one more backed-off RTO after the last SYN).
 */
TEST_F_TIMEOUT(scripted, syn_retransmit_and_timeout, TEST_SECS)
{
	const char *sysctl = self->alt ? TCPALT_SYSCTL_DIR "/syn_retries" :
					 "/proc/sys/net/ipv4/tcp_syn_retries";
	static const long long gap_ms[] = { 1000, 2000 };
	struct pkt_seg s, prev;
	long long gap, t_err;
	unsigned int i;

	ASSERT_EQ(0, peer_sysctl(sysctl, "2")) TH_LOG("%s", sysctl);
	self->fd = connect_nonblocking(self->family);
	ASSERT_LE(0, self->fd) TH_LOG("connect: %s", strerror(errno));
	peer_conn(&self->peer, 0, 0);
	EXPECT_SEGMENT(TH_SYN, WAIT_MS, prev);
	self->peer.kport = prev.sport;
	ASSERT_STATES(self->fd, TCP_SYN_SENT, "SYN-SENT");

	for (i = 0; i < 2; i++) {
		EXPECT_SEGMENT(TH_SYN, gap_ms[i] * 13 / 10 + 100, s);
		gap = peer_ts_ms(&s.when) - peer_ts_ms(&prev.when);
		ASSERT_EQ(prev.seq, s.seq) TH_LOG("%s", SEG(s));
		ASSERT_LE(gap_ms[i] * 7 / 10, gap)
			TH_LOG("retransmission %u after %lld ms", i + 1, gap);
		ASSERT_GE(gap_ms[i] * 13 / 10, gap)
			TH_LOG("retransmission %u after %lld ms", i + 1, gap);
		prev = s;
	}
	ASSERT_STATES(self->fd, TCP_SYN_SENT, "SYN-SENT");

	ASSERT_EQ(ETIMEDOUT, connect_result(self->fd, 4000 * 13 / 10 + 500));
	t_err = peer_now_ms() - peer_ts_ms(&prev.when);
	ASSERT_LE(4000 * 7 / 10, t_err) TH_LOG("ETIMEDOUT %lld ms after the last SYN", t_err);
	/* No third retransmission went out before the failure. */
	ASSERT_EQ(0, peer_expect(&self->peer, TH_SYN, TH_SYN, 0, &s)) TH_LOG("%s", SEG(s));
	ASSERT_STATES(self->fd, TCP_CLOSE, "CLOSED|" ROW_NONE);
}

/*
 * 11. An acceptable RST in SYN-SENT (its ACK acknowledges the SYN) refuses the connection
 * (RFC 9293 3.10.7.3): connect() fails with ECONNREFUSED and the socket is CLOSED.
 */
TEST_F_TIMEOUT(scripted, peer_rst_to_syn_refused, TEST_SECS)
{
	struct pkt_out rst;
	struct pkt_seg s;

	self->fd = connect_nonblocking(self->family);
	ASSERT_LE(0, self->fd) TH_LOG("connect: %s", strerror(errno));
	peer_conn(&self->peer, 0, 0);
	EXPECT_SEGMENT(TH_SYN, WAIT_MS, s);
	self->peer.kport = s.sport;
	rst = (struct pkt_out){ .flags = TH_RST | TH_ACK, .seq = 0, .ack = s.seq + 1 };
	ASSERT_EQ(0, peer_xmit(&self->peer, &rst));
	ASSERT_EQ(ECONNREFUSED, connect_result(self->fd, WAIT_MS));
	ASSERT_STATES(self->fd, TCP_CLOSE, "CLOSED|" ROW_NONE);
	EXPECT_QUIET(s);
}

/*
 * 12. Active close step by step (RFC 9293 3.6, figure 12): FIN-WAIT-1 after shutdown(),
 * FIN-WAIT-2 once the FIN is acknowledged, TIME-WAIT after the peer's FIN, which is ACKed.
 * As in test 4, Linux leaves the socket itself in CLOSED once the connection is in TIME-WAIT.
 */
TEST_F_TIMEOUT(scripted, fin_wait_2_and_time_wait_states, TEST_SECS)
{
	uint32_t peer_fin;
	struct pkt_seg s;
	char c;

	establish_passive(_metadata, self, 0x80000000);
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	EXPECT_SEGMENT(TH_FIN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_STATES(self->fd, TCP_FIN_WAIT1, "FIN-WAIT-1");

	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	ASSERT_STATES(self->fd, TCP_FIN_WAIT2, "FIN-WAIT-2");
	EXPECT_QUIET(s);

	peer_fin = self->peer.snd_nxt;
	ASSERT_EQ(0, peer_send(&self->peer, TH_FIN | TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(peer_fin + 1, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_STATES(self->fd, TCP_CLOSE, "TIME-WAIT");
	ASSERT_EQ(0, recv(self->fd, &c, 1, 0));
}

/*
 * The peer's FIN has been read; close() sends FIN+ACK (acknowledging the peer's FIN) and the
 * connection is in LAST-ACK until the peer's ACK of that FIN ends it (RFC 9293 3.6).
 */
static void close_last_ack(struct __test_metadata *_metadata, FIXTURE_DATA(scripted) *self)
{
	struct pkt_seg s;

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_SEGMENT(TH_FIN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(self->peer.snd_nxt, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_STATES(-1, -1, "LAST-ACK");
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	ASSERT_STATES(-1, -1, ROW_NONE);
	EXPECT_QUIET(s);
}

/*
 * 13. Passive close (RFC 9293 3.6): the peer's FIN is ACKed, reads return 0 and the
 * connection is in CLOSE-WAIT; close() sends FIN (LAST-ACK) and its ACK ends the connection.
 */
TEST_F_TIMEOUT(scripted, passive_close_close_wait_last_ack, TEST_SECS)
{
	struct pkt_seg s;
	char c;

	establish_passive(_metadata, self, 0x90000000);
	ASSERT_EQ(0, peer_send(&self->peer, TH_FIN | TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, DELACK_MS, s);
	ASSERT_EQ(self->peer.snd_nxt, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, recv(self->fd, &c, 1, 0));
	ASSERT_STATES(self->fd, TCP_CLOSE_WAIT, "CLOSE-WAIT");
	close_last_ack(_metadata, self);
}

/*
 * 15. The 3-way close, passive side (seed: "FIN answered by FIN+ACK"): the ACK of the peer's
 * FIN is delayed (RFC 9293 3.8.6.3), so an application that closes as soon as it reads EOF
 * answers with one FIN+ACK segment that also acknowledges the peer's FIN.
 */
TEST_F_TIMEOUT(scripted, three_way_close_passive, TEST_SECS)
{
	char c;

	establish_passive(_metadata, self, 0xb0000000);
	ASSERT_EQ(0, peer_send(&self->peer, TH_FIN | TH_ACK, NULL, 0));
	ASSERT_EQ(0, recv(self->fd, &c, 1, 0));
	/* close() at EOF: its FIN+ACK also acknowledges the peer's FIN. */
	close_last_ack(_metadata, self);
}

/*
 * 16. The 3-way close, active side: our FIN is answered by one FIN+ACK that acknowledges
 * it; we ACK the peer's FIN and go to TIME-WAIT (RFC 9293 3.6, FIN-WAIT-1 "rcv FIN, ACK").
 */
TEST_F_TIMEOUT(scripted, three_way_close_active, TEST_SECS)
{
	uint32_t peer_fin;
	struct pkt_seg s;

	establish_passive(_metadata, self, 0xc0000000);
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	EXPECT_SEGMENT(TH_FIN | TH_ACK, WAIT_MS, s);
	ASSERT_STATES(self->fd, TCP_FIN_WAIT1, "FIN-WAIT-1");
	self->peer.rcv_nxt = s.seq + 1;
	peer_fin = self->peer.snd_nxt;
	ASSERT_EQ(0, peer_send(&self->peer, TH_FIN | TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(peer_fin + 1, s.ack) TH_LOG("%s", SEG(s));
	ASSERT_STATES(self->fd, TCP_CLOSE, "TIME-WAIT");
}

/*
 * 17. An orphan in FIN-WAIT-2 does not wait forever for the peer's FIN: after the FIN-WAIT-2
 * timeout (net.tcpalt.fin_timeout_ms, set to 1 s by the fixture; Linux: tcp_fin_timeout) the
 * connection is gone, silently, as in Linux.
 */
TEST_F_TIMEOUT(scripted, orphan_fin_wait_2_timeout, TEST_SECS)
{
	long long gone;
	struct pkt_seg s;

	if (!self->alt)
		ASSERT_EQ(0, peer_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout", "1"));
	establish_passive(_metadata, self, 0xd0000000);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_SEGMENT(TH_FIN | TH_ACK, WAIT_MS, s);
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	ASSERT_STATES(-1, -1, "FIN-WAIT-2");
	gone = row_gone_ms(self, peer_now_ms(), 4000);
	ASSERT_LE(0, gone) TH_LOG("still %s after 4 s", self->row);
	EXPECT_GE(gone, 500);
	EXPECT_QUIET(s);
}

/*
 * 18. SYN-RECEIVED -> CLOSED on a RST (RFC 9293 3.10.7.4 second, passive open): the
 * half-open connection is dropped and never reaches accept(); the listener stays.
 */
TEST_F_TIMEOUT(scripted, syn_received_rst_drops_child, TEST_SECS)
{
	const uint32_t iss = 0x02000000;
	struct sockaddr_in from;
	struct pkt_seg s;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd) TH_LOG("listener: %s", strerror(errno));
	peer_conn(&self->peer, LPORT, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_STATES(-1, -1, "SYN-RECEIVED");
	ASSERT_EQ(0, peer_send(&self->peer, TH_RST, NULL, 0));
	ASSERT_STATES(-1, -1, ROW_NONE);
	ASSERT_EQ(-1, peer_accept(self->lfd, 200, &from));
	ASSERT_STATES(self->lfd, TCP_LISTEN, ROW_NONE);
	EXPECT_QUIET(s);
}

/*
 * 19. SYN-RECEIVED -> FIN-WAIT-1 (RFC 9293 3.10.4 CLOSE in SYN-RECEIVED): after a
 * simultaneous open, close() before the peer's SYN-ACK queues our FIN.  (Linux 6.1's
 * shutdown(SHUT_WR) does nothing in SYN-RECEIVED: tcp_shutdown() leaves that state out.)
 * The peer's RST then ends the orphan.
 */
TEST_F_TIMEOUT(scripted, syn_received_close_fin_wait_1, TEST_SECS)
{
	const uint32_t iss = 0x6fffff00;
	struct pkt_seg s;

	self->fd = connect_nonblocking(self->family);
	ASSERT_LE(0, self->fd) TH_LOG("connect: %s", strerror(errno));
	peer_conn(&self->peer, 0, iss);
	EXPECT_SEGMENT(TH_SYN, WAIT_MS, s);
	self->peer.kport = s.sport;
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_STATES(self->fd, TCP_SYN_RECV, "SYN-RECEIVED");
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	ASSERT_STATES(self->fd, TCP_SYN_RECV, "SYN-RECEIVED");
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_STATES(-1, -1, "FIN-WAIT-1");
	ASSERT_EQ(0, peer_send(&self->peer, TH_RST, NULL, 0));
	ASSERT_STATES(-1, -1, ROW_NONE);
}

/*
 * 20. Retransmission on timeout (RFC 6298 5): unacknowledged data is sent again, the same
 * bytes from the same sequence number, and the timer backs off (5.5: doubled).
 */
TEST_F_TIMEOUT(scripted, data_retransmit_backoff, TEST_SECS)
{
	struct pkt_seg s1, s2, s3;
	uint8_t out[100];
	long long gap1, gap2;

	establish_passive(_metadata, self, 0xe0000000);
	peer_fill(out, sizeof(out), 5);
	ASSERT_EQ(100, send(self->fd, out, 100, MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s1);
	ASSERT_EQ(100, s1.len) TH_LOG("%s", SEG(s1));
	EXPECT_SEGMENT(TH_ACK, 3000, s2);
	EXPECT_SEGMENT(TH_ACK, 6000, s3);
	ASSERT_EQ(s1.seq, s2.seq) TH_LOG("%s", SEG(s2));
	ASSERT_EQ(s1.seq, s3.seq) TH_LOG("%s", SEG(s3));
	ASSERT_EQ(100, s3.len);
	ASSERT_EQ(0, memcmp(s3.data, out, 100));
	gap1 = peer_ts_ms(&s2.when) - peer_ts_ms(&s1.when);
	gap2 = peer_ts_ms(&s3.when) - peer_ts_ms(&s2.when);
	ASSERT_LE(150, gap1) TH_LOG("first retransmission after %lld ms", gap1);
	ASSERT_LE(gap1 * 3 / 2, gap2) TH_LOG("backoff: %lld ms then %lld ms", gap1, gap2);
	if (self->alt)
		ASSERT_LT(0, alt_row_num(self, "retrans"));
	self->peer.rcv_nxt = s1.seq + 100;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_QUIET(s1);
}

/*
 * 21. SYN-ACK retransmission has a limit: with 1 retry allowed (tcpalt: synack_retries,
 * Linux: tcp_synack_retries) a half-open connection whose ACK never comes is dropped after
 * the second timeout, and accept() never sees it.
 */
TEST_F_TIMEOUT(scripted, synack_retries_limit, TEST_SECS)
{
	const uint32_t iss = 0x03000000;
	long long start, gone;
	struct sockaddr_in from;
	struct pkt_seg s;

	ASSERT_EQ(0, peer_sysctl(self->alt ? TCPALT_SYSCTL_DIR "/synack_retries" :
				 "/proc/sys/net/ipv4/tcp_synack_retries", "1"));
	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd);
	peer_conn(&self->peer, LPORT, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	start = peer_ts_ms(&s.when);
	EXPECT_SEGMENT(TH_SYN | TH_ACK, 3000, s);
	gone = row_gone_ms(self, start, 8000);
	ASSERT_LE(2000, gone) TH_LOG("half-open connection: %s", self->row);
	ASSERT_EQ(-1, peer_accept(self->lfd, 0, &from));
}

/*
 * 22. An ICMP port unreachable quoting our SYN is a hard error while opening (RFC 1122
 * 4.2.3.9, as tcp_v4_err()): connect() fails with ECONNREFUSED at once, without waiting for
 * SYN retransmissions.
 */
TEST_F_TIMEOUT(scripted, icmp_unreachable_refuses_connect, TEST_SECS)
{
	struct pkt_seg s;

	self->fd = connect_nonblocking(self->family);
	ASSERT_LE(0, self->fd) TH_LOG("connect: %s", strerror(errno));
	peer_conn(&self->peer, 0, 0x05000000);
	EXPECT_SEGMENT(TH_SYN, WAIT_MS, s);
	self->peer.kport = s.sport;
	ASSERT_EQ(0, peer_icmp(&self->peer, 3, 3, 0, &s));
	ASSERT_EQ(ECONNREFUSED, connect_result(self->fd, WAIT_MS));
	ASSERT_STATES(self->fd, TCP_CLOSE, ROW_NONE "|CLOSED");
}

/*
 * 22b. An ICMP host unreachable quoting our SYN-ACK drops the half-open connection, as
 * tcp_v4_err() drops a request sock (tcp_req_err()): the peer's late ACK then finds no
 * connection and is answered with a RST, and accept() never sees it.
 */
TEST_F_TIMEOUT(scripted, icmp_unreachable_drops_half_open, TEST_SECS)
{
	struct sockaddr_in from;
	struct pkt_seg s;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd);
	peer_conn(&self->peer, LPORT, 0x05800000);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	ASSERT_EQ(0, peer_icmp(&self->peer, 3, 1, 0, &s));
	usleep(50 * 1000);
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_RST, WAIT_MS, s);
	ASSERT_EQ(-1, peer_accept(self->lfd, 0, &from));
}

/*
 * 22c. A connection that got data and then a RST before accept() still comes out of
 * accept(), as Linux's does (tcp_done() leaves an accept-queue child queued): the data is
 * read first, then the reset shows as ECONNRESET.
 */
TEST_F_TIMEOUT(scripted, data_then_rst_before_accept, TEST_SECS)
{
	const uint32_t iss = 0x05c00000;
	struct sockaddr_in from;
	uint8_t out[10], in[20];
	struct pkt_seg s;

	self->lfd = peer_listen(self->family, LPORT, 0);
	ASSERT_LE(0, self->lfd);
	peer_conn(&self->peer, LPORT, iss);
	ASSERT_EQ(0, peer_send(&self->peer, TH_SYN, NULL, 0));
	EXPECT_SEGMENT(TH_SYN | TH_ACK, WAIT_MS, s);
	self->peer.rcv_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	peer_fill(out, sizeof(out), 7);
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK | TH_PSH, out, sizeof(out)));
	usleep(50 * 1000);
	ASSERT_EQ(0, peer_send(&self->peer, TH_RST | TH_ACK, NULL, 0));
	usleep(50 * 1000);
	self->fd = peer_accept(self->lfd, WAIT_MS, &from);
	ASSERT_LE(0, self->fd) TH_LOG("accept: %s", strerror(errno));
	ASSERT_EQ((ssize_t)sizeof(out), recv(self->fd, in, sizeof(in), 0))
		TH_LOG("recv: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(in, out, sizeof(out)));
	EXPECT_EQ(-1, recv(self->fd, in, sizeof(in), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/*
 * 23. Path MTU discovery (RFC 1191): "fragmentation needed" quoting a segment in flight
 * lowers the MSS to the new MTU minus 40 and the data is sent again in segments that fit,
 * without waiting for the retransmission timer.
 */
TEST_F_TIMEOUT(scripted, icmp_frag_needed_lowers_mss, TEST_SECS)
{
	uint8_t out[1400];
	struct pkt_seg s, r;
	long long gap;

	establish_passive(_metadata, self, 0xf0000000);
	peer_fill(out, sizeof(out), 8);
	ASSERT_EQ(1400, send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(1400, s.len) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, peer_icmp(&self->peer, 3, 4, 1000, &s));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, r);
	gap = peer_ts_ms(&r.when) - peer_ts_ms(&s.when);
	ASSERT_EQ(s.seq, r.seq) TH_LOG("%s", SEG(r));
	ASSERT_EQ(960, r.len) TH_LOG("%s", SEG(r));
	ASSERT_GT(150, gap) TH_LOG("resent only after %lld ms", gap);
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, r);
	ASSERT_EQ(s.seq + 960, r.seq) TH_LOG("%s", SEG(r));
	ASSERT_EQ(440, r.len) TH_LOG("%s", SEG(r));
	self->peer.rcv_nxt = s.seq + 1400;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
}

/*
 * 24. Zero-window probing (RFC 9293 3.8.6.1): data queued behind a window of 0 is not sent;
 * the persist timer sends probes (an ACK carrying SND.UNA - 1, as Linux's
 * tcp_xmit_probe_skb()) with exponential backoff, the connection stays open however long
 * the window stays shut, and a window update releases the data at once.
 */
TEST_F_TIMEOUT(scripted, zero_window_probe, TEST_SECS)
{
	struct pkt_seg s, p1, p2, p3;
	uint8_t out[100], more[50];
	long long gap1, gap2, gap, start;
	uint32_t una;
	char timer[32];

	establish_passive(_metadata, self, 0xb0000000);
	peer_fill(out, sizeof(out), 12);
	ASSERT_EQ(100, send(self->fd, out, sizeof(out), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(100, s.len) TH_LOG("%s", SEG(s));
	una = s.seq + 100;
	self->peer.rcv_nxt = una;
	self->peer.win = 0;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	usleep(50000);

	peer_fill(more, sizeof(more), 13);
	ASSERT_EQ(50, send(self->fd, more, sizeof(more), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, 3000, p1);
	ASSERT_EQ(0, p1.len) TH_LOG("data sent into a zero window: %s", SEG(p1));
	ASSERT_EQ(una - 1, p1.seq) TH_LOG("probe %s", SEG(p1));
	if (self->alt) {
		ASSERT_TRUE(alt_row_field(self->peer.kport, self->peer.port, "timer", timer,
					  sizeof(timer)));
		ASSERT_STREQ("probe", timer);
	}
	/* The peer answers as a receiver whose buffer is still full: ACK, window 0. */
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, 6000, p2);
	ASSERT_EQ(0, p2.len) TH_LOG("%s", SEG(p2));
	ASSERT_EQ(una - 1, p2.seq) TH_LOG("%s", SEG(p2));
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, 9000, p3);
	ASSERT_EQ(0, p3.len) TH_LOG("%s", SEG(p3));
	gap1 = peer_ts_ms(&p2.when) - peer_ts_ms(&p1.when);
	gap2 = peer_ts_ms(&p3.when) - peer_ts_ms(&p2.when);
	ASSERT_LE(150, gap1) TH_LOG("second probe after %lld ms", gap1);
	ASSERT_LE(gap1 * 3 / 2, gap2) TH_LOG("backoff: %lld ms then %lld ms", gap1, gap2);
	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");

	/* The window opens: the 50 bytes go out now, not at the next probe. */
	self->peer.win = 1000;
	start = peer_now_ms();
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	gap = peer_ts_ms(&s.when) - start;
	ASSERT_GT(gap2 / 2, gap) TH_LOG("data sent %lld ms after the window opened", gap);
	ASSERT_EQ(una, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(50, s.len) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, memcmp(s.data, more, sizeof(more)));
	self->peer.rcv_nxt = una + 50;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_QUIET(s);
}

/*
 * 25. Nagle's algorithm (RFC 9293 3.7.4, with Minshall's rule as Linux): a second small
 * write while a small segment is unacknowledged waits for that ACK, then goes out; with
 * TCP_NODELAY it goes out at once.
 */
TEST_F_TIMEOUT(scripted, nagle_and_nodelay, TEST_SECS)
{
	uint8_t a[10], b[10];
	long long deadline, left;
	struct pkt_seg s;
	uint32_t first;
	int one = 1;

	establish_passive(_metadata, self, 0xc0000000);
	peer_fill(a, sizeof(a), 14);
	peer_fill(b, sizeof(b), 15);
	ASSERT_EQ(10, send(self->fd, a, sizeof(a), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(10, s.len) TH_LOG("%s", SEG(s));
	first = s.seq;
	ASSERT_EQ(10, send(self->fd, b, sizeof(b), MSG_NOSIGNAL));
	/* Only a retransmission of the first segment (RTO >= 200 ms) may come meanwhile. */
	deadline = peer_now_ms() + QUIET_MS;
	while ((left = deadline - peer_now_ms()) > 0 &&
	       peer_expect(&self->peer, TH_ACK, TH_CTL, left, &s) == 1)
		ASSERT_EQ(first, s.seq) TH_LOG("Nagle did not hold back: %s", SEG(s));
	peer_drain(&self->peer);
	self->peer.rcv_nxt += 10;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(10, s.len) TH_LOG("%s", SEG(s));
	ASSERT_EQ(0, memcmp(s.data, b, sizeof(b)));
	self->peer.rcv_nxt += 10;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));

	ASSERT_EQ(0, setsockopt(self->fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one)));
	ASSERT_EQ(10, send(self->fd, a, sizeof(a), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(10, s.len) TH_LOG("%s", SEG(s));
	ASSERT_EQ(10, send(self->fd, b, sizeof(b), MSG_NOSIGNAL));
	EXPECT_SEGMENT(TH_ACK, WAIT_MS, s);
	ASSERT_EQ(self->peer.rcv_nxt + 10, s.seq) TH_LOG("%s", SEG(s));
	ASSERT_EQ(10, s.len) TH_LOG("second write held back with TCP_NODELAY: %s", SEG(s));
	self->peer.rcv_nxt += 20;
	ASSERT_EQ(0, peer_send(&self->peer, TH_ACK, NULL, 0));
	EXPECT_QUIET(s);
}

/*
 * 26. Delayed ACK (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2) and quick-ACK mode, as Linux: the
 * first segments of a connection are acknowledged at once (quick-ACK mode, up to 16 ACKs:
 * TCP_MAX_QUICKACKS), then a lone small segment waits for the delayed-ACK timer (ato: at
 * least 40 ms; a timer never fires early, so the ACK cannot come sooner) and is acknowledged
 * within 500 ms.
 */
TEST_F_TIMEOUT(scripted, delayed_ack, TEST_SECS)
{
	long long start, gap, first_min = 1000000, late_min = 1000000;
	struct pkt_seg s;
	uint8_t out[10];
	int i;

	establish_passive(_metadata, self, 0xd0000000);
	peer_fill(out, sizeof(out), 16);
	for (i = 0; i < 22; i++) {
		start = peer_now_ms();
		ASSERT_EQ(0, peer_send(&self->peer, TH_ACK | TH_PSH, out, sizeof(out)));
		EXPECT_ACK_OF(self->peer.snd_nxt, DELACK_MS, s);
		gap = peer_ts_ms(&s.when) - start;
		ASSERT_GE(DELACK_MS, gap) TH_LOG("segment %d acknowledged after %lld ms", i, gap);
		if (i < 4 && gap < first_min)
			first_min = gap;
		if (i >= 19 && gap < late_min)
			late_min = gap;
		ASSERT_EQ(sizeof(out), (size_t)recv(self->fd, out, sizeof(out), MSG_DONTWAIT));
	}
	ASSERT_GT(35, first_min) TH_LOG("no quick ACK at the start: %lld ms", first_min);
	ASSERT_LE(35, late_min) TH_LOG("ACK not delayed after the quick ACKs: %lld ms", late_min);
}

/* Has the tcpalt counter name risen above before? */
static bool alt_stat_rose(const char *name, long long before)
{
	long long now = alt_stat(name);

	return before >= 0 && now > before;
}

/*
 * 14. Segments with a bad TCP checksum or a data offset below 5 are dropped without a reply
 * and leave the connection as it was (RFC 9293 3.1; 3.10.7.4 first lists the checksum
 * test); tcpalt counts them in InCsumErrors and in Malformed or InErrs.  The wire part runs
 * on inet too; the counters are tcpalt's, so inet reports SKIP at the end.
 */
TEST_F_TIMEOUT(scripted, malformed_segments_dropped, TEST_SECS)
{
	struct pollfd pfd = { .events = POLLIN };
	long long csum = 0, malformed = 0, inerrs = 0;
	struct pkt_out bad;
	uint8_t data[20];
	struct pkt_seg s;

	establish_passive(_metadata, self, 0xa0000000);
	if (self->alt) {
		csum = alt_stat("InCsumErrors");
		malformed = alt_stat("Malformed");
		inerrs = alt_stat("InErrs");
		ASSERT_LE(0, csum);
		ASSERT_LE(0, malformed);
		ASSERT_LE(0, inerrs);
	}
	peer_fill(data, sizeof(data), 11);
	pfd.fd = self->fd;

	bad = (struct pkt_out){
		.flags = TH_ACK | TH_PSH, .seq = self->peer.snd_nxt, .ack = self->peer.rcv_nxt,
		.data = data, .len = sizeof(data), .bad_csum = true,
	};
	ASSERT_EQ(0, peer_xmit(&self->peer, &bad));
	EXPECT_QUIET(s);
	ASSERT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("data of a bad-checksum segment readable");
	if (self->alt)
		ASSERT_TRUE(alt_stat_rose("InCsumErrors", csum));

	bad.bad_csum = false;
	bad.doff = 4;
	ASSERT_EQ(0, peer_xmit(&self->peer, &bad));
	EXPECT_QUIET(s);
	ASSERT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("data of a doff=4 segment readable");
	if (self->alt)
		ASSERT_TRUE(alt_stat_rose("Malformed", malformed) ||
			    alt_stat_rose("InErrs", inerrs));

	ASSERT_STATES(self->fd, TCP_ESTABLISHED, "ESTABLISHED");
	exchange_data(_metadata, self);
	if (!self->alt)
		SKIP(return, "the drop counters checked are tcpalt's");
}

TEST_HARNESS_MAIN
