// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt_fuzz: a structure-aware TCP segment fuzzer.  A scripted peer behind a TUN device
 * (pktpeer.h, in a private network namespace) drives AF_TCPALT sockets into every RFC 9293
 * state, then injects mutated segments at them: random flag combinations, sequence and
 * acknowledgment numbers at and across the window edges and across 2^32, malformed and
 * repeated options (MSS, window scale, SACK-permitted, SACK, timestamps, bad lengths, options
 * running past the data offset), data offsets too small and too large, zero and huge windows,
 * overlapping and duplicate data, bad checksums, IP fragments, IP options, ICMP errors quoting
 * tcpalt's connections, truncated headers.  Socket calls (send, recv, shutdown, options,
 * accept, close) run between the segments, or race them from a second thread.
 *
 * A round is: set up one scenario (the state it must reach is checked in
 * /proc/tcpalt/connections), send its mutated segments, close every socket, check that no
 * connection outlived its sockets except orphans that have a timer to end them, end those
 * with an in-window RST, then prove tcpalt still works: a fresh connection, a handshake and
 * an echo of data with checksum-broken and malformed decoys at the same sequence numbers,
 * which must be dropped and counted (InCsumErrors, Malformed) exactly.  At the end every row
 * of the namespace must be gone within 2MSL (msl_ms is set small).
 *
 * Everything a round sends comes from a PRNG seeded by (seed, round), so a round reproduces:
 * TCPALT_FUZZ_SEED=S TCPALT_FUZZ_ROUND=R runs exactly that round; a round that leaves a
 * connection behind is replayed with fewer and fewer of its segments, and the smallest
 * sequence that still leaks is printed.
 *
 * Environment (or -s SECS, -S SEED[,SEED...], -r ROUND, -m MASK, -n REPEAT, -q, -v):
 *   TCPALT_FUZZ_SECS    time budget for the rounds (default 20 s)
 *   TCPALT_FUZZ_SEED    seed, or a comma-separated list sharing the budget (default 1)
 *   TCPALT_FUZZ_ROUND   run only this round of the (first) seed
 *   TCPALT_FUZZ_MASK    with ROUND: send only the actions marked 1 ("0110...", as printed)
 *   TCPALT_FUZZ_REPEAT  with ROUND: run it this many times (races), and count the failures
 *   TCPALT_FUZZ_RACE    0: socket calls never run in a second thread (exact replays)
 *   TCPALT_FUZZ_VERBOSE 1: describe every segment sent
 *
 * Output: TAP; the summary (segments sent and per second, states reached, counters) is a
 * set of TAP comments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sockios.h>

#include "tcpalt_lib.h"
#include "pktpeer.h"

#define LPORT		5000	/* the listener of the scenario being fuzzed */
#define SPORT		5001	/* the sanity listener: fresh connections after each round */
#define PEER_ALT	"10.77.0.3"	/* a second fake host behind the TUN device */
#define PPORT_MIN	20000	/* the peer's ports, one per connection, never reused soon */
#define PPORT_MAX	60999
#define WAIT_MS		2000	/* how long a prompt reply may take in a slow (TCG, KASAN) guest */
#define MSL_MS		100	/* msl_ms while fuzzing: TIME-WAIT lasts 200 ms */
#define TW_MSL_MS	5000	/* msl_ms while a TIME-WAIT scenario is set up */
#define FIN_TIMEOUT_MS	500
#define STR_(x)		#x
#define STR(x)		STR_(x)
#define MAX_CONNS	16
#define MAX_ACTIONS	256
#define MAX_OPS		8
#define MAX_ROWS	512
#define MAX_LEAKS	256
#define HIST		16
#define DESC_LEN	200

static int family;
static struct pkt_peer peer;
static struct in_addr remote_alt;
static bool verbose, quiet, race_ok = true;

/* ------------------------------------------------------------------------------------ */
/* PRNG: splitmix64, one stream per round and per action so that replays line up. */

struct rng {
	uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnext(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static uint32_t rbelow(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnext(r) % n) : 0;
}

static bool rpct(struct rng *r, unsigned int pct)
{
	return rbelow(r, 100) < pct;
}

static struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b)
{
	struct rng r = { mix64(seed ^ mix64(a * 0x100000001b3ULL + b + 1)) };

	return r;
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* ------------------------------------------------------------------------------------ */
/* Results and counts. */

enum {
	T_SETUP, T_STATES, T_SANITY, T_CSUM, T_MALFORMED, T_OUT_CSUM, T_CLOSE, T_STUCK, T_RST,
	T_FINAL, T_SYSCTL, T_MAX
};

static const char *const tap_name[T_MAX] = {
	[T_SETUP]	= "setup: private netns, TUN peer, sysctls, sanity listener",
	[T_STATES]	= "every scenario reached its state",
	[T_SANITY]	= "after every round a fresh connection completes a handshake and echoes data",
	[T_CSUM]	= "segments with bad checksums are dropped and counted in InCsumErrors",
	[T_MALFORMED]	= "malformed segments are dropped and counted in Malformed",
	[T_OUT_CSUM]	= "every segment tcpalt sent had valid IPv4 and TCP checksums",
	[T_CLOSE]	= "every tcpalt socket closes without error or delay",
	[T_STUCK]	= "no connection outlives its sockets except orphans with a timer armed",
	[T_RST]		= "every orphan left is ended by an in-window RST",
	[T_FINAL]	= "after closing everything, no rows left in /proc/tcpalt/connections",
	[T_SYSCTL]	= "net.tcpalt sysctls restored",
};

static struct {
	int bad;
	char why[400];
} tap[T_MAX];

static void __attribute__((format(printf, 2, 3))) fail(int t, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!tap[t].bad++)
		snprintf(tap[t].why, sizeof(tap[t].why), "%s", buf);
	printf("# FAIL %s\n", buf);
	fflush(stdout);
}

static struct {
	unsigned long long segs;	/* TCP segments the fuzz built (a fragmented one counts once) */
	unsigned long long icmps;	/* ICMP errors sent */
	unsigned long long junk;	/* truncated TCP headers and broken IP packets */
	unsigned long long writes;	/* TUN writes in all (fragments, setup and sanity too) */
	unsigned long long tun_refused;	/* writes the TUN device refused */
	unsigned long long frags;	/* fragmented segments */
	unsigned long long app_ops;	/* socket calls */
	unsigned long long rx;		/* segments tcpalt (or the kernel TCP) sent to the peer */
	unsigned long long exp_csum;	/* bad-checksum segments aimed at live tcpalt tuples */
	unsigned long long exp_malformed;
	unsigned long long decoy_csum, decoy_malformed;
	unsigned int rounds, sanity_ok, sanity_bad, closes, findings;
	long long fuzz_ms;		/* time spent sending fuzz actions */
} st;

/* ------------------------------------------------------------------------------------ */
/* /proc/tcpalt: counters and rows. */

struct statsnap {
	int n;
	char name[96][40];
	long long val[96];
};

static void stats_read(struct statsnap *s)
{
	char line[128];
	FILE *f;

	s->n = 0;
	f = fopen(TCPALT_PROC_STATS, "r");
	if (!f)
		return;
	while (s->n < 96 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%39s %lld", s->name[s->n], &s->val[s->n]) == 2)
			s->n++;
	fclose(f);
}

static long long stats_get(const struct statsnap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return -1;
}

static long long stat_now(const char *name)
{
	struct statsnap s;

	stats_read(&s);
	return stats_get(&s, name);
}

struct row {
	char state[20], timer[16];
	struct in_addr laddr, raddr;
	uint16_t lport, rport;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	long long ms_left;
	long inode;
};

static bool parse_ep(const char *s, struct in_addr *a, uint16_t *port)
{
	char ip[32];
	unsigned int p;

	if (sscanf(s, "%31[0-9.]:%u", ip, &p) != 2 || inet_pton(AF_INET, ip, a) != 1)
		return false;
	*port = (uint16_t)p;
	return true;
}

static int split(char *line, char **col, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		col[n++] = tok;
	return n;
}

static int col_of(char **col, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(col[i], name))
			return i;
	return -1;
}

/* Every row of the namespace; the columns are found by the header's names. */
static int rows_read(struct row *rows, int max)
{
	enum { C_STATE, C_TIMER, C_MSLEFT, C_UNA, C_NXT, C_RCV, C_INODE, C_N };
	static const char *const names[C_N] = {
		"state", "timer", "ms_left", "snd_una", "snd_nxt", "rcv_nxt", "inode",
	};
	char line[512], *col[32];
	int idx[C_N], n, i, count = 0;
	FILE *f;

	f = fopen(TCPALT_PROC_CONNECTIONS, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	n = split(line, col, 32);
	for (i = 0; i < C_N; i++)
		idx[i] = col_of(col, n, names[i]);
	while (count < max && fgets(line, sizeof(line), f)) {
		struct row *r = &rows[count];

		n = split(line, col, 32);
		if (n < 3)
			continue;
		memset(r, 0, sizeof(*r));
		if (!parse_ep(col[0], &r->laddr, &r->lport) ||
		    !parse_ep(col[1], &r->raddr, &r->rport))
			continue;
#define COL(c) (idx[c] >= 0 && idx[c] < n ? col[idx[c]] : "0")
		snprintf(r->state, sizeof(r->state), "%s", idx[C_STATE] >= 0 ? COL(C_STATE) : "?");
		snprintf(r->timer, sizeof(r->timer), "%s", idx[C_TIMER] >= 0 ? COL(C_TIMER) : "?");
		r->ms_left = strtoll(COL(C_MSLEFT), NULL, 10);
		r->snd_una = strtoul(COL(C_UNA), NULL, 10);
		r->snd_nxt = strtoul(COL(C_NXT), NULL, 10);
		r->rcv_nxt = strtoul(COL(C_RCV), NULL, 10);
		r->inode = idx[C_INODE] >= 0 ? strtol(COL(C_INODE), NULL, 10) : -1;
#undef COL
		count++;
	}
	fclose(f);
	return count;
}

static const char *row_fmt(const struct row *r, char *buf, size_t size)
{
	char l[16], rm[16];

	inet_ntop(AF_INET, &r->laddr, l, sizeof(l));
	inet_ntop(AF_INET, &r->raddr, rm, sizeof(rm));
	snprintf(buf, size, "%s:%u %s:%u %s timer %s %lld una %u nxt %u rcv %u inode %ld", l,
		 r->lport, rm, r->rport, r->state, r->timer, r->ms_left, r->snd_una, r->snd_nxt,
		 r->rcv_nxt, r->inode);
	return buf;
}

/* States seen in rows, for the summary. */
static const char *const state_names[] = {
	"LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT", "CLOSED",
};
#define NSTATES (int)(sizeof(state_names) / sizeof(state_names[0]))
static unsigned long long state_seen[NSTATES];

static void note_state(const char *s)
{
	int i;

	for (i = 0; i < NSTATES; i++)
		if (!strcmp(s, state_names[i]))
			state_seen[i]++;
}

static void note_rows(void)
{
	static struct row rows[MAX_ROWS];
	int i, n = rows_read(rows, MAX_ROWS);

	for (i = 0; i < n; i++)
		note_state(rows[i].state);
}

/* Connections known to have leaked: reported once, then left out of later checks. */
static struct {
	struct in_addr raddr;
	uint16_t lport, rport;
} leaks[MAX_LEAKS];
static int nleaks;

static bool is_leak(const struct row *r)
{
	int i;

	for (i = 0; i < nleaks; i++)
		if (leaks[i].raddr.s_addr == r->raddr.s_addr && leaks[i].lport == r->lport &&
		    leaks[i].rport == r->rport)
			return true;
	return false;
}

static void add_leak(const struct row *r)
{
	if (nleaks < MAX_LEAKS && !is_leak(r)) {
		leaks[nleaks].raddr = r->raddr;
		leaks[nleaks].lport = r->lport;
		leaks[nleaks].rport = r->rport;
		nleaks++;
	}
}

/* ------------------------------------------------------------------------------------ */
/* The peer's view of its connections. */

struct fconn {
	struct in_addr raddr;	/* the peer's address */
	uint16_t pport, kport;	/* the peer's port, tcpalt's port (0: not yet known) */
	uint32_t piss, kiss;
	uint32_t p_nxt;		/* next sequence number the peer sends */
	uint32_t p_rcv;		/* next byte the peer expects in order (its ACK) */
	uint32_t k_nxt;		/* highest seq + len tcpalt sent */
	uint32_t k_ack;		/* last ACK tcpalt sent (its rcv_nxt) */
	uint16_t k_win;
	uint16_t p_win;
	int wscale;		/* the peer's window scale option, -1 none */
	bool syn_seen, k_acked;
	int fd;			/* tcpalt socket, -1 when closed or never accepted */
};

static struct fconn conns[MAX_CONNS];
static int nconns;
static struct fconn sane;	/* the sanity connection of the round */
static uint16_t next_pport = PPORT_MIN;

static bool pport_leaked(uint16_t p)
{
	int i;

	for (i = 0; i < nleaks; i++)
		if (leaks[i].rport == p)
			return true;
	return false;
}

static uint16_t pport_alloc(int n)
{
	uint16_t p;
	int i;

again:
	if (next_pport + n > PPORT_MAX)
		next_pport = PPORT_MIN;
	p = next_pport;
	next_pport += n;
	for (i = 0; i < n; i++)
		if (pport_leaked(p + i))
			goto again;
	return p;
}

static void conn_init(struct fconn *c, struct rng *r, uint16_t kport)
{
	static const uint32_t iss_edge[] = { 0, 0x7fffffff, 0x80000000, 0xffffffff };

	memset(c, 0, sizeof(*c));
	c->raddr = peer.remote;
	c->pport = pport_alloc(3) + 1;	/* the neighbours are for mutated source ports */
	c->kport = kport;
	/* ISS near 2^32 and 2^31 often, so that the sequence space wraps under the fuzz. */
	c->piss = rpct(r, 40) ? iss_edge[rbelow(r, 4)] - rbelow(r, 3000) : (uint32_t)rnext(r);
	c->p_nxt = c->piss;
	c->p_win = 65535;
	c->wscale = -1;
	c->fd = -1;
}

static struct fconn *conn_new(struct rng *r, uint16_t kport)
{
	struct fconn *c;

	if (nconns >= MAX_CONNS)
		return NULL;
	c = &conns[nconns++];
	conn_init(c, r, kport);
	return c;
}

/* Update the connection a segment from tcpalt belongs to. */
static void track_one(struct fconn *c, const struct pkt_seg *s)
{
	uint32_t end = s->seq + s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);

	if (s->daddr.s_addr != c->raddr.s_addr || s->dport != c->pport)
		return;
	if (!c->kport) {
		if (!(s->flags & TH_SYN))
			return;
		c->kport = s->sport;
	}
	if (s->sport != c->kport)
		return;
	if ((s->flags & TH_SYN) && !c->syn_seen) {
		c->syn_seen = true;
		c->kiss = s->seq;
		c->k_nxt = end;
	} else if (seq_after(end, c->k_nxt)) {
		c->k_nxt = end;
	}
	if (s->flags & TH_ACK) {
		c->k_ack = s->ack;
		c->k_acked = true;
	}
	c->k_win = s->win;
}

static void track(const struct pkt_seg *s)
{
	int i;

	st.rx++;
	for (i = 0; i < nconns; i++)
		track_one(&conns[i], s);
	track_one(&sane, s);
}

/* Read what tcpalt sent, for up to ms (0: what is queued now). */
static void pump(int ms)
{
	long long deadline = peer_now_ms() + ms;
	struct pkt_seg s;

	for (;;) {
		long long left = deadline - peer_now_ms();

		if (peer_recv(&peer, &s, left > 0 ? (int)left : 0) <= 0)
			return;
		track(&s);
	}
}

/* Wait for a segment of c with (flags & mask) == want; tracks everything read meanwhile. */
static bool wait_seg(struct fconn *c, uint8_t want, uint8_t mask, int ms, struct pkt_seg *s)
{
	long long deadline = peer_now_ms() + ms;

	for (;;) {
		long long left = deadline - peer_now_ms();
		bool mine;

		if (peer_recv(&peer, s, left > 0 ? (int)left : 0) <= 0)
			return false;
		track(s);
		mine = s->daddr.s_addr == c->raddr.s_addr && s->dport == c->pport &&
		       s->sport == c->kport;
		if (mine && (s->flags & mask) == want)
			return true;
	}
}

/* The state of c's row ("-" when there is none); rows of a TIME-WAIT entry win over CLOSED. */
static void conn_state(const struct fconn *c, char *out, size_t size)
{
	static struct row rows[MAX_ROWS];
	int i, n = rows_read(rows, MAX_ROWS);

	snprintf(out, size, "-");
	for (i = 0; i < n; i++) {
		if (rows[i].raddr.s_addr != c->raddr.s_addr || rows[i].rport != c->pport ||
		    rows[i].lport != c->kport)
			continue;
		snprintf(out, size, "%.19s", rows[i].state);
		if (strcmp(rows[i].state, "CLOSED"))
			return;
	}
}

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

/* Poll c's row until its state is one of want ('|'-separated); the state last seen in out. */
static bool wait_state(const struct fconn *c, const char *want, int ms, char *out, size_t size)
{
	long long deadline = peer_now_ms() + ms;

	for (;;) {
		conn_state(c, out, size);
		if (state_in(out, want))
			return true;
		if (peer_now_ms() > deadline)
			return false;
		usleep(2000);
	}
}

static bool listener_row(uint16_t port)
{
	static struct row rows[MAX_ROWS];
	int i, n = rows_read(rows, MAX_ROWS);

	for (i = 0; i < n; i++)
		if (rows[i].lport == port && !strcmp(rows[i].state, "LISTEN"))
			return true;
	return false;
}

/* ------------------------------------------------------------------------------------ */
/* Building and sending packets. */

enum { CS_OK, CS_BAD, CS_ZERO };
enum { FR_NONE, FR_ORDER, FR_REVERSE, FR_OVERLAP, FR_MISSING };

struct seg {
	struct in_addr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, x2;		/* flag byte; low nibble of byte 12 (reserved bits) */
	uint16_t win, urp;
	uint8_t opt[40];
	int optlen;
	int doff;			/* data offset field; 0: computed */
	uint8_t data[PEER_MAX_PAYLOAD];
	size_t len;
	int csum;			/* CS_* */
	uint8_t ipopt[40];
	int ipoptlen;
	uint8_t ttl;
	bool bad_ipcsum;
	int totlen_delta;		/* IP total length field minus the real length */
	int trunc;			/* >= 0: TCP bytes written (truncated header or segment) */
	int frag;			/* FR_* */
	int frag_first;			/* bytes in the first fragment, a multiple of 8 */
};

static void seg_init(struct seg *s, const struct fconn *c)
{
	memset(s, 0, sizeof(*s));
	s->src = c->raddr;
	s->dst = peer.local;
	s->sport = c->pport;
	s->dport = c->kport;
	s->ttl = 64;
	s->win = c->p_win;
	s->trunc = -1;
}

static int tun_write(const uint8_t *pkt, size_t len)
{
	st.writes++;
	if (write(peer.tun, pkt, len) != (ssize_t)len) {
		st.tun_refused++;
		return -errno;
	}
	return 0;
}

static void ip_build(uint8_t *ip, int hlen, int total, uint16_t id, uint16_t frag, uint8_t ttl,
		     uint8_t proto, struct in_addr src, struct in_addr dst, const uint8_t *opt,
		     bool bad_csum)
{
	memset(ip, 0, 20);
	ip[0] = 0x40 | (hlen / 4);
	peer_put16(ip + 2, total);
	peer_put16(ip + 4, id);
	peer_put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	if (hlen > 20)
		memcpy(ip + 20, opt, hlen - 20);
	peer_put16(ip + 10, peer_csum_fold(peer_csum_add(0, ip, hlen)) ^ (bad_csum ? 0x1111 : 0));
}

/* Send an IP datagram (header built here) carrying payload, whole or in fragments. */
static void ip_send(const struct seg *s, uint8_t proto, const uint8_t *payload, size_t plen)
{
	uint8_t pkt[60 + 20 + 60 + PEER_MAX_PAYLOAD + 64];
	int hlen = 20 + s->ipoptlen;
	uint16_t id = ++peer.ip_id;
	size_t offs[8], lens[8];
	int nf = 0, i, order[8];

	if (s->frag == FR_NONE || plen <= 8) {
		memcpy(pkt + hlen, payload, plen);
		ip_build(pkt, hlen, (int)(hlen + plen) + s->totlen_delta, id, 0x4000, s->ttl, proto,
			 s->src, s->dst, s->ipopt, s->bad_ipcsum);
		tun_write(pkt, hlen + plen);
		return;
	}
	/* Fragments: the first of frag_first bytes, the rest in two or three pieces. */
	offs[0] = 0;
	lens[0] = s->frag_first && (size_t)s->frag_first < plen ? (size_t)s->frag_first : 8;
	nf = 1;
	while (offs[nf - 1] + lens[nf - 1] < plen && nf < 7) {
		size_t at = offs[nf - 1] + lens[nf - 1], left = plen - at;

		offs[nf] = at;
		lens[nf] = left > 16 && nf < 3 ? (left / 2 + 7) & ~(size_t)7 : left;
		nf++;
	}
	if (offs[nf - 1] + lens[nf - 1] < plen)
		lens[nf - 1] = plen - offs[nf - 1];
	if (s->frag == FR_OVERLAP && nf > 1 && offs[1] >= 8) {
		offs[1] -= 8;
		lens[1] += 8;
	}
	for (i = 0; i < nf; i++)
		order[i] = s->frag == FR_REVERSE ? nf - 1 - i : i;
	st.frags++;
	for (i = 0; i < nf; i++) {
		int k = order[i];
		bool last = offs[k] + lens[k] >= plen;

		if (s->frag == FR_MISSING && k == nf - 1 && nf > 1)
			continue;
		memcpy(pkt + hlen, payload + offs[k], lens[k]);
		ip_build(pkt, hlen, (int)(hlen + lens[k]), id, (last ? 0 : 0x2000) | (offs[k] / 8),
			 s->ttl, proto, s->src, s->dst, s->ipopt, s->bad_ipcsum);
		tun_write(pkt, hlen + lens[k]);
	}
}

/* Build the TCP segment s describes and send it. */
static void seg_send(const struct seg *s)
{
	uint8_t tcp[60 + PEER_MAX_PAYLOAD], ph[20];
	int optpad = (s->optlen + 3) & ~3;
	size_t tcplen = 20 + optpad + s->len;
	uint16_t csum;

	memset(tcp, 0, 20 + optpad);
	peer_put16(tcp, s->sport);
	peer_put16(tcp + 2, s->dport);
	peer_put32(tcp + 4, s->seq);
	peer_put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)((s->doff ? s->doff : (20 + optpad) / 4) << 4) | (s->x2 & 0xf);
	tcp[13] = s->flags;
	peer_put16(tcp + 14, s->win);
	peer_put16(tcp + 18, s->urp);
	memcpy(tcp + 20, s->opt, s->optlen);
	memcpy(tcp + 20 + optpad, s->data, s->len);
	/* The pseudo-header (RFC 9293 3.1) through peer_tcp_csum's view of an IP header. */
	memset(ph, 0, sizeof(ph));
	memcpy(ph + 12, &s->src, 4);
	memcpy(ph + 16, &s->dst, 4);
	csum = peer_tcp_csum(ph, tcp, tcplen);
	if (s->csum == CS_BAD)
		csum ^= 0x5a5a;
	else if (s->csum == CS_ZERO)
		csum = 0;
	peer_put16(tcp + 16, csum);
	if (s->trunc >= 0 && (size_t)s->trunc < tcplen)
		tcplen = s->trunc;
	ip_send(s, IPPROTO_TCP, tcp, tcplen);
}

/* A valid segment of c in the peer's sequence state; the sequence number advances. */
static void conn_send(struct fconn *c, uint8_t flags, const void *data, size_t len)
{
	struct seg s;

	seg_init(&s, c);
	s.flags = flags;
	s.seq = c->p_nxt;
	s.ack = (flags & TH_ACK) ? c->p_rcv : 0;
	if (flags & TH_SYN) {
		s.opt[0] = 2;			/* MSS 1400 */
		s.opt[1] = 4;
		peer_put16(s.opt + 2, 1400);
		s.optlen = 4;
		if (c->wscale >= 0) {
			s.opt[4] = 1;		/* NOP, window scale */
			s.opt[5] = 3;
			s.opt[6] = 3;
			s.opt[7] = (uint8_t)c->wscale;
			s.optlen = 8;
		}
	}
	if (len)
		memcpy(s.data, data, len);
	s.len = len;
	seg_send(&s);
	c->p_nxt += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
}

/* An RST (with ACK when ack_it) of c's tuple at seq. */
static void send_rst(const struct in_addr *src, uint16_t sport, uint16_t dport, uint32_t seq,
		     uint32_t ack, bool ack_it)
{
	struct fconn c = { .raddr = *src, .pport = sport, .kport = dport, .p_win = 0 };
	struct seg s;

	seg_init(&s, &c);
	s.flags = TH_RST | (ack_it ? TH_ACK : 0);
	s.seq = seq;
	s.ack = ack_it ? ack : 0;
	seg_send(&s);
}

/* ------------------------------------------------------------------------------------ */
/* Sockets. */

static int listen_on(uint16_t port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1;

	sin.sin_addr = peer.local;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int close_checked(int fd, const char *what)
{
	long long t0 = peer_now_ms(), dt;
	int rc;

	if (fd < 0)
		return 0;
	rc = close(fd);
	dt = peer_now_ms() - t0;
	st.closes++;
	if (rc)
		fail(T_CLOSE, "close(%s) failed: %s", what, strerror(errno));
	else if (dt > 1000)
		fail(T_CLOSE, "close(%s) took %lld ms", what, dt);
	return rc;
}

/* Accept c's connection from lfd (closing any other child met on the way); fd or -1. */
static int accept_conn(int lfd, const struct fconn *c, int ms)
{
	long long deadline = peer_now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		long long left = deadline - peer_now_ms();
		int fd;

		if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
			return -1;
		fd = accept4(lfd, (struct sockaddr *)&from, &len, SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		if (from.sin_addr.s_addr == c->raddr.s_addr && ntohs(from.sin_port) == c->pport)
			return fd;
		close_checked(fd, "a fuzz child met by accept");
	}
}

/* Passive open of c to the listener lfd: SYN, SYN-ACK, and (complete) ACK and accept(). */
static bool passive_open(struct fconn *c, int lfd, bool complete, struct rng *r)
{
	struct pkt_seg s;

	c->wscale = rpct(r, 50) ? (int)rbelow(r, 15) : -1;
	conn_send(c, TH_SYN, NULL, 0);
	if (!wait_seg(c, TH_SYN | TH_ACK, TH_CTL, WAIT_MS, &s))
		return false;
	c->p_rcv = s.seq + 1;
	if (!complete)
		return true;
	conn_send(c, TH_ACK, NULL, 0);
	c->fd = accept_conn(lfd, c, WAIT_MS);
	return c->fd >= 0;
}

/* Active open from tcpalt to c: SYN seen, and (complete) SYN-ACK and connect() done. */
static bool active_open(struct fconn *c, bool complete, struct rng *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(c->pport) };
	struct pollfd pfd;
	struct pkt_seg s;
	socklen_t len = sizeof(int);
	int err = -1;

	sin.sin_addr = c->raddr;
	c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return false;
	if (!connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) || errno != EINPROGRESS)
		return false;
	c->kport = 0;
	if (!wait_seg(c, TH_SYN, TH_CTL, WAIT_MS, &s))
		return false;
	c->p_rcv = s.seq + 1;
	if (!complete)
		return true;
	c->wscale = rpct(r, 50) ? (int)rbelow(r, 15) : -1;
	conn_send(c, TH_SYN | TH_ACK, NULL, 0);
	pfd.fd = c->fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, WAIT_MS) != 1 ||
	    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return false;
	return true;
}

/* ------------------------------------------------------------------------------------ */
/* Socket calls during the fuzz: in order between segments, or racing them from a thread. */

enum {
	OP_SEND, OP_SEND_BIG, OP_RECV, OP_SHUT_WR, OP_SHUT_RD, OP_NODELAY, OP_RCVBUF, OP_INFO,
	OP_IOCTL, OP_KEEPALIVE, OP_ACCEPT, OP_CLOSE, OP_ABORT, OP_CLOSE_LISTENER, OP_MAX
};

static const char *const op_name[OP_MAX] = {
	"send", "send-big", "recv", "shutdown-wr", "shutdown-rd", "nodelay", "rcvbuf",
	"tcp-info", "ioctl", "keepalive", "accept", "close", "abort", "close-listener",
};

struct op {
	int at;			/* run before action number at */
	int op;
	int conn;		/* index in conns[] */
};

struct racer {
	pthread_t th;
	struct op ops[MAX_OPS];
	int nops;
	int *lfd;		/* the scenario's listener */
	int accepted[32];	/* children accept() returned, for the main thread to close */
	int naccepted;
	int progress;		/* actions sent so far (atomic; a futex) */
	int waiting;		/* the racer sleeps on progress */
	struct rng r;
	unsigned long long calls;
};

static void op_run(struct racer *rc, const struct op *o)
{
	static __thread uint8_t buf[65536];
	struct fconn *c = &conns[o->conn];
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int fd = c->fd, v, one = 1;
	size_t n;

	rc->calls++;
	switch (o->op) {
	case OP_SEND:
	case OP_SEND_BIG:
		n = o->op == OP_SEND ? 1 + rbelow(&rc->r, 1500) : sizeof(buf);
		memset(buf, 'a' + o->at % 26, n);
		if (fd >= 0)
			send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		break;
	case OP_RECV:
		if (fd >= 0)
			while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		break;
	case OP_SHUT_WR:
		if (fd >= 0)
			shutdown(fd, SHUT_WR);
		break;
	case OP_SHUT_RD:
		if (fd >= 0)
			shutdown(fd, SHUT_RD);
		break;
	case OP_NODELAY:
		if (fd >= 0)
			setsockopt(fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
		break;
	case OP_RCVBUF:
		v = rpct(&rc->r, 50) ? 1 : 4096;
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		break;
	case OP_INFO:
		if (fd >= 0)
			getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len);
		break;
	case OP_IOCTL:
		if (fd >= 0) {
			ioctl(fd, SIOCINQ, &v);
			ioctl(fd, SIOCOUTQ, &v);
		}
		break;
	case OP_KEEPALIVE:
		if (fd >= 0) {
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
			setsockopt(fd, SOL_TCP, TCP_KEEPIDLE, &one, sizeof(one));
			setsockopt(fd, SOL_TCP, TCP_KEEPINTVL, &one, sizeof(one));
			setsockopt(fd, SOL_TCP, TCP_KEEPCNT, &one, sizeof(one));
		}
		break;
	case OP_ACCEPT:
		while (*rc->lfd >= 0 && rc->naccepted < 32) {
			v = accept4(*rc->lfd, NULL, NULL, SOCK_NONBLOCK);
			if (v < 0)
				break;
			rc->accepted[rc->naccepted++] = v;
		}
		break;
	case OP_ABORT:
		if (fd >= 0) {
			struct linger lin = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		}
		__attribute__((fallthrough));
	case OP_CLOSE:
		if (fd >= 0) {
			close_checked(fd, "a fuzzed connection");
			c->fd = -1;
		}
		break;
	case OP_CLOSE_LISTENER:
		if (*rc->lfd >= 0) {
			close_checked(*rc->lfd, "the fuzzed listener");
			*rc->lfd = -1;
		}
		break;
	}
}

/*
 * The racer sleeps on progress (a futex) rather than spin on one of the guest's 2 CPUs for a
 * whole round, but spins for the last two actions before its call, so that the call meets
 * the segments right after it on the other CPU (a futex wake-up is too slow for that).
 */
static void progress_set(struct racer *rc, int v)
{
	__atomic_store_n(&rc->progress, v, __ATOMIC_RELEASE);
	if (__atomic_load_n(&rc->waiting, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &rc->progress, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *racer_main(void *arg)
{
	struct racer *rc = arg;
	int i, p;

	for (i = 0; i < rc->nops; i++) {
		while ((p = __atomic_load_n(&rc->progress, __ATOMIC_ACQUIRE)) < rc->ops[i].at - 2) {
			__atomic_store_n(&rc->waiting, 1, __ATOMIC_RELEASE);
			syscall(SYS_futex, &rc->progress, FUTEX_WAIT_PRIVATE, p, NULL, NULL, 0);
			__atomic_store_n(&rc->waiting, 0, __ATOMIC_RELEASE);
		}
		while (__atomic_load_n(&rc->progress, __ATOMIC_ACQUIRE) < rc->ops[i].at)
			__builtin_ia32_pause();
		op_run(rc, &rc->ops[i]);
	}
	return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Mutations. */

/* The scenarios a round can set up (the table is below, with their setup). */
enum {
	SC_LISTEN, SC_SYN_SENT, SC_SYN_RCVD, SC_SIMOPEN, SC_ESTAB_P, SC_ESTAB_A, SC_ESTAB_DATA,
	SC_ZERO_WND, SC_FIN_WAIT_1, SC_FIN_WAIT_2, SC_CLOSE_WAIT, SC_CLOSING, SC_LAST_ACK,
	SC_TIME_WAIT, SC_LISTEN_RACE, SC_MAX
};


/* What a fuzz action aims at: one connection's context, refreshed from its row. */
struct target {
	struct fconn *c;
	uint32_t rcv_nxt;	/* tcpalt's RCV.NXT: where the peer's next byte goes */
	uint32_t snd_una, snd_nxt;	/* tcpalt's SND.UNA, SND.NXT */
	uint32_t wnd;		/* tcpalt's receive window as last announced, in bytes */
	bool listener;		/* the tuple has no connection yet: the listener takes it */
	bool live;		/* tcpalt has something on this tuple (for the counters) */
};

static void target_refresh(struct target *t, const struct row *rows, int n, bool listening)
{
	struct fconn *c = t->c;
	bool found = false;
	int i;

	t->rcv_nxt = c->k_acked ? c->k_ack : c->p_nxt;
	t->snd_una = c->p_rcv;
	t->snd_nxt = c->k_nxt;
	t->wnd = (uint32_t)c->k_win << 7;
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (c->kport && r->lport == c->kport && r->rport == c->pport &&
		    r->raddr.s_addr == c->raddr.s_addr) {
			note_state(r->state);
			if (!strcmp(r->state, "CLOSED"))
				continue;
			found = true;
			t->rcv_nxt = r->rcv_nxt;
			t->snd_una = r->snd_una;
			t->snd_nxt = r->snd_nxt;
		}
	}
	t->listener = !found && c->kport == LPORT && listening;
	t->live = found || t->listener;
}

/* Refresh every target from one read of the rows. */
static void targets_refresh(struct target *tg, int ntg)
{
	static struct row rows[MAX_ROWS];
	int n = rows_read(rows, MAX_ROWS), i;
	bool listening = false;

	for (i = 0; i < n; i++)
		if (rows[i].lport == LPORT && !strcmp(rows[i].state, "LISTEN"))
			listening = true;
	for (i = 0; i < ntg; i++)
		target_refresh(&tg[i], rows, n, listening);
}

static uint8_t pick_flags(struct rng *r)
{
	static const uint8_t common[] = {
		TH_ACK, TH_ACK, TH_ACK, TH_ACK | TH_PSH, TH_ACK | TH_PSH, TH_FIN | TH_ACK,
		TH_FIN | TH_ACK, TH_RST, TH_RST, TH_RST | TH_ACK, TH_SYN, TH_SYN, TH_SYN | TH_ACK,
		TH_FIN, 0, TH_SYN | TH_FIN, TH_SYN | TH_RST, TH_FIN | TH_PSH | TH_URG,
		TH_SYN | TH_FIN | TH_RST | TH_ACK, TH_RST | TH_FIN | TH_ACK,
	};
	uint8_t f;

	f = rpct(r, 85) ? common[rbelow(r, sizeof(common))] : (uint8_t)rnext(r);
	if (rpct(r, 8))
		f |= 0x20 << rbelow(r, 3);	/* URG, ECE, CWR */
	return f;
}

static uint32_t pick_seq(struct rng *r, const struct target *t, size_t len)
{
	uint32_t base = t->rcv_nxt, w = t->wnd ? t->wnd : 65535;

	switch (rbelow(r, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		return base;
	case 7:
		return base + 1;
	case 8:
		return base - 1;
	case 9:
		return base + w - 1;		/* the last byte of the window */
	case 10:
		return base + w;		/* just past it */
	case 11:
		return base + w - (uint32_t)(len ? len / 2 : 1);	/* straddling the edge */
	case 12:
		return base - w;		/* a window behind */
	case 13:
		return base - (uint32_t)(len ? len / 2 : 1);	/* overlapping old data */
	case 14:
		return base + 1 + rbelow(r, 3000);	/* out of order */
	case 15:
		return base + 0x80000000u;	/* half the sequence space away */
	case 16:
		return base + 0x7fffffffu;
	case 17:
		return 0xffffffffu - rbelow(r, (uint32_t)len + 2);	/* across 2^32 */
	case 18:
		return t->c->piss;		/* the peer's ISS: an old SYN */
	default:
		return (uint32_t)rnext(r);
	}
}

static uint32_t pick_ack(struct rng *r, const struct target *t)
{
	switch (rbelow(r, 14)) {
	case 0: case 1: case 2: case 3: case 4:
		return t->snd_nxt;
	case 5: case 6:
		return t->snd_una;
	case 7:
		return t->snd_una - 1;
	case 8:
		return t->snd_nxt + 1;		/* acknowledges something not sent */
	case 9:
		return t->snd_una + (t->snd_nxt - t->snd_una) / 2;
	case 10:
		return t->snd_una - 0x40000000u;
	case 11:
		return t->snd_nxt + 0x80000000u;
	case 12:
		return t->c->kiss + rbelow(r, 2);
	default:
		return (uint32_t)rnext(r);
	}
}

static uint16_t pick_win(struct rng *r, const struct fconn *c)
{
	static const uint16_t w[] = { 0, 0, 1, 2, 535, 1400, 65535, 65535 };

	if (rpct(r, 60))
		return c->p_win;
	return rpct(r, 80) ? w[rbelow(r, 8)] : (uint16_t)rnext(r);
}

/* Random TCP options: valid, malformed, repeated, unknown, running past the header. */
static int gen_options(struct rng *r, uint8_t *o, int max, const struct target *t,
		       char *desc, size_t dsize)
{
	static const uint16_t mss[] = { 0, 1, 64, 88, 536, 1400, 1460, 65535 };
	int n = 0, k, i, count = 1 + rbelow(r, 6);
	size_t dl = strlen(desc);

#define ROOM(x) (n + (x) <= max)
#define NOTE(...) (dl += snprintf(desc + dl, dl < dsize ? dsize - dl : 0, __VA_ARGS__), \
		   dl = dl < dsize ? dl : dsize)
	for (k = 0; k < count; k++) {
		int len;

		switch (rbelow(r, 12)) {
		case 0:	/* MSS, valid or of a wrong length */
			len = rpct(r, 80) ? 4 : (int)rbelow(r, 7);
			if (!ROOM(len < 2 ? 2 : len))
				break;
			o[n] = 2;
			o[n + 1] = (uint8_t)len;
			if (len >= 4)
				peer_put16(o + n + 2, rpct(r, 80) ? mss[rbelow(r, 8)] :
					   (uint16_t)rnext(r));
			for (i = 4; i < len; i++)
				o[n + i] = (uint8_t)rnext(r);
			NOTE(" mss/%d", len);
			n += len < 2 ? 2 : len;
			break;
		case 1:	/* window scale; shift above 14 too */
			len = rpct(r, 80) ? 3 : (int)rbelow(r, 6);
			if (!ROOM(len < 2 ? 2 : len))
				break;
			o[n] = 3;
			o[n + 1] = (uint8_t)len;
			for (i = 2; i < len; i++)
				o[n + i] = rpct(r, 70) ? (uint8_t)rbelow(r, 16) : (uint8_t)rnext(r);
			NOTE(" ws/%d", len);
			n += len < 2 ? 2 : len;
			break;
		case 2:	/* SACK permitted */
			len = rpct(r, 85) ? 2 : 3;
			if (!ROOM(len))
				break;
			o[n] = 4;
			o[n + 1] = (uint8_t)len;
			if (len == 3)
				o[n + 2] = 0;
			NOTE(" sackok/%d", len);
			n += len;
			break;
		case 3:	/* SACK blocks around what tcpalt sent */
			len = 2 + 8 * (int)rbelow(r, 5) + (rpct(r, 15) ? (int)rbelow(r, 8) : 0);
			if (!ROOM(len))
				break;
			o[n] = 5;
			o[n + 1] = (uint8_t)len;
			for (i = 2; i + 8 <= len; i += 8) {
				uint32_t left = t->snd_una + rbelow(r, 4000) - 1000;

				peer_put32(o + n + i, left);
				peer_put32(o + n + i + 4, left + rbelow(r, 3000) - 100);
			}
			for (; i < len; i++)
				o[n + i] = (uint8_t)rnext(r);
			NOTE(" sack/%d", len);
			n += len;
			break;
		case 4:	/* timestamps */
			len = rpct(r, 80) ? 10 : 2 + (int)rbelow(r, 12);
			if (!ROOM(len))
				break;
			o[n] = 8;
			o[n + 1] = (uint8_t)len;
			for (i = 2; i < len; i++)
				o[n + i] = rpct(r, 20) ? 0xff : (uint8_t)rnext(r);
			NOTE(" ts/%d", len);
			n += len;
			break;
		case 5:	/* NOPs */
			for (i = 1 + (int)rbelow(r, 3); i > 0 && ROOM(1); i--)
				o[n++] = 1;
			NOTE(" nop");
			break;
		case 6:	/* end of list, then junk after it */
			if (!ROOM(1))
				break;
			o[n++] = 0;
			for (i = (int)rbelow(r, 4); i > 0 && ROOM(1); i--)
				o[n++] = (uint8_t)rnext(r);
			NOTE(" eol+junk");
			break;
		case 7:	/* length 0 or 1: a parser must not loop or read on */
			if (!ROOM(2))
				break;
			o[n] = (uint8_t)(2 + rbelow(r, 40));
			o[n + 1] = (uint8_t)rbelow(r, 2);
			NOTE(" kind%u/len%u", o[n], o[n + 1]);
			n += 2;
			break;
		case 8:	/* an option running past the header */
			if (!ROOM(2))
				break;
			o[n] = (uint8_t)(2 + rbelow(r, 254));
			o[n + 1] = (uint8_t)(max - n + 1 + rbelow(r, 200));
			NOTE(" kind%u/len%u-past-end", o[n], o[n + 1]);
			n += 2;
			break;
		case 9:	/* a lone kind byte at the very end */
			if (n < max) {
				o[n++] = (uint8_t)(2 + rbelow(r, 8));
				NOTE(" lone-kind");
			}
			k = count;
			break;
		case 10: /* unknown option (MD5 19, TFO 34, MPTCP 30, anything) */
			len = 2 + (int)rbelow(r, 18);
			if (!ROOM(len))
				break;
			o[n] = rpct(r, 50) ? (uint8_t)(rpct(r, 50) ? 19 : 30) : (uint8_t)rnext(r);
			if (o[n] < 2)
				o[n] = 99;
			o[n + 1] = (uint8_t)len;
			for (i = 2; i < len; i++)
				o[n + i] = (uint8_t)rnext(r);
			NOTE(" kind%u/%d", o[n], len);
			n += len;
			break;
		default: /* the same option twice */
			if (n >= 4 && ROOM(4)) {
				memcpy(o + n, o, 4);
				NOTE(" repeat");
				n += 4;
			}
			break;
		}
	}
#undef ROOM
#undef NOTE
	return n;
}

/* IP options: padding, record route, timestamp, router alert, junk. */
static int gen_ipopts(struct rng *r, uint8_t *o)
{
	int n = 4 * (1 + (int)rbelow(r, 10)), i;

	for (i = 0; i < n; i++)
		o[i] = 1;
	switch (rbelow(r, 5)) {
	case 0:	/* NOPs only */
		break;
	case 1:	/* router alert */
		o[0] = 148;
		o[1] = 4;
		o[2] = 0;
		o[3] = 0;
		break;
	case 2:	/* record route */
		o[0] = 7;
		o[1] = (uint8_t)(n - 1 < 39 ? n - 1 : 39);
		o[2] = rpct(r, 80) ? 4 : (uint8_t)rnext(r);
		break;
	case 3:	/* timestamp */
		o[0] = 68;
		o[1] = (uint8_t)n;
		o[2] = 5;
		o[3] = rpct(r, 50) ? 0 : (uint8_t)rnext(r);
		break;
	default:
		for (i = 0; i < n; i++)
			o[i] = (uint8_t)rnext(r);
		break;
	}
	return n;
}

struct round {
	uint64_t seed;
	unsigned int idx;
	int scen;
	const uint8_t *mask;		/* actions to send (replays); NULL: all */
	int nact;
	struct target tg[MAX_CONNS];
	struct seg hist[HIST];		/* the latest TCP segments, for duplicates and overlaps */
	int nhist;
	char desc[MAX_ACTIONS][DESC_LEN];
	int lfd;			/* the scenario's listener, -1 none */
	bool orphaned;			/* the scenario closed its socket while setting up */
};

/* Does the segment reach tcpalt as one piece that its checks see (for the counters)? */
static bool seg_clean_ip(const struct seg *s)
{
	return !s->ipoptlen && !s->bad_ipcsum && !s->totlen_delta && s->trunc < 0 &&
	       (s->frag == FR_NONE || s->frag == FR_ORDER || s->frag == FR_REVERSE) &&
	       s->src.s_addr == peer.remote.s_addr;
}

static void count_expected(const struct seg *s, bool live)
{
	int optpad = (s->optlen + 3) & ~3, doff = s->doff ? s->doff : (20 + optpad) / 4;
	size_t tcplen = 20 + optpad + s->len;

	if (!live || !seg_clean_ip(s))
		return;
	if (doff < 5 || (size_t)doff * 4 > tcplen)
		st.exp_malformed++;
	else if (s->csum == CS_BAD)
		st.exp_csum++;
	else if ((s->flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
		 (s->flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST))
		st.exp_malformed++;
}

static const char *flag_str(uint8_t f, char *buf)
{
	static const char names[] = "FSRPAUEC";
	int i, j = 0;

	for (i = 0; i < 8; i++)
		if (f & (1 << i))
			buf[j++] = names[i];
	buf[j] = '\0';
	return buf;
}

/* One mutated TCP segment at a target. */
static void act_tcp(struct round *rd, struct rng *r, struct target *t, char *d, size_t dsize)
{
	static const uint16_t lens[] = { 1, 2, 10, 100, 536, 1000, 1400, 1460, 1500, 2000 };
	struct fconn *c = t->c;
	struct seg s;
	char fl[9];
	size_t dl;

	seg_init(&s, c);
	if (!s.dport)
		s.dport = LPORT;
	s.flags = pick_flags(r);
	if (rpct(r, 45))
		s.len = rpct(r, 70) ? lens[rbelow(r, 10)] : rbelow(r, PEER_MAX_PAYLOAD);
	if (s.len > PEER_MAX_PAYLOAD)
		s.len = PEER_MAX_PAYLOAD;
	memset(s.data, 'A' + rbelow(r, 26), s.len);
	s.seq = pick_seq(r, t, s.len);
	s.ack = pick_ack(r, t);
	if (!(s.flags & TH_ACK) && rpct(r, 70))
		s.ack = 0;
	s.win = pick_win(r, c);
	if (s.flags & TH_URG)
		s.urp = (uint16_t)rbelow(r, 3000);
	if (rpct(r, 4))
		s.x2 = (uint8_t)rbelow(r, 16);
	if (rpct(r, 3))
		s.sport = (uint16_t)(c->pport + rbelow(r, 3) - 1);	/* a neighbour tuple */
	snprintf(d, dsize, "tcp [%s] seq rcv%+d ack una%+d win %u len %zu opts:",
		 flag_str(s.flags, fl), (int)(s.seq - t->rcv_nxt), (int)(s.ack - t->snd_una),
		 s.win, s.len);
	if (rpct(r, (s.flags & TH_SYN) ? 70 : 25))
		s.optlen = gen_options(r, s.opt, rpct(r, 90) ? 40 : 4 * (int)rbelow(r, 10), t,
				       d, dsize);
	dl = strlen(d);
	if (rpct(r, 8)) {
		static const int doffs[] = { 0, 1, 4, 5, 6, 15, 15 };

		s.doff = doffs[rbelow(r, 7)];
		if (!s.doff)
			s.doff = ((20 + ((s.optlen + 3) & ~3)) / 4) + 1 + (int)rbelow(r, 3);
		if (s.doff > 15)
			s.doff = 15;
		dl += snprintf(d + dl, dsize - dl, " doff %d", s.doff);
	}
	if (rpct(r, 8)) {
		s.csum = rpct(r, 75) ? CS_BAD : CS_ZERO;
		dl += snprintf(d + dl, dsize - dl, " csum %s", s.csum == CS_BAD ? "bad" : "zero");
	}
	if (rpct(r, 5)) {
		s.ipoptlen = gen_ipopts(r, s.ipopt);
		dl += snprintf(d + dl, dsize - dl, " ipopts %d", s.ipoptlen);
	}
	if (rpct(r, 6)) {
		s.frag = 1 + (int)rbelow(r, 4);
		s.frag_first = 8 * (1 + (int)rbelow(r, 4));
		dl += snprintf(d + dl, dsize - dl, " frag%d/%d", s.frag, s.frag_first);
	}
	if (rpct(r, 2)) {
		s.totlen_delta = rpct(r, 50) ? -(int)rbelow(r, 30) - 1 : (int)rbelow(r, 30) + 1;
		dl += snprintf(d + dl, dsize - dl, " totlen%+d", s.totlen_delta);
	}
	if (rpct(r, 1)) {
		s.bad_ipcsum = true;
		dl += snprintf(d + dl, dsize - dl, " ipcsum-bad");
	}
	if (rpct(r, 3)) {
		s.src = remote_alt;
		dl += snprintf(d + dl, dsize - dl, " from " PEER_ALT);
	}
	/* A neighbour tuple reaches tcpalt only through the listener. */
	count_expected(&s, s.sport == c->pport ? t->live : s.dport == LPORT && rd->lfd >= 0);
	seg_send(&s);
	st.segs++;
	memcpy(&rd->hist[rd->nhist++ % HIST], &s, sizeof(s));
}

/* A duplicate of a recent segment, or the same bytes shifted to overlap. */
static void act_repeat(struct round *rd, struct rng *r, char *d, size_t dsize)
{
	struct seg *s;
	uint32_t shift = 0;

	if (!rd->nhist) {
		snprintf(d, dsize, "repeat: nothing yet");
		return;
	}
	s = &rd->hist[(rd->nhist - 1 - rbelow(r, rd->nhist < HIST ? rd->nhist : HIST)) % HIST];
	if (s->len && rpct(r, 50))
		shift = 1 + rbelow(r, (uint32_t)s->len);
	s->seq -= shift;
	if (rpct(r, 30))
		memset(s->data, 'a' + rbelow(r, 26), s->len);	/* overlap with other bytes */
	snprintf(d, dsize, "repeat seq %u len %zu shifted back %u", s->seq, s->len, shift);
	seg_send(s);
	s->seq += shift;
	st.segs++;
}

/* An ICMP error quoting one of tcpalt's segments (or something close to one). */
static void act_icmp(struct rng *r, struct target *t, char *d, size_t dsize)
{
	static const uint16_t mtus[] = {
		0, 1, 67, 68, 296, 552, 576, 1000, 1280, 1400, 1499, 1500, 1501, 9000, 65535,
	};
	static const uint8_t types[][2] = {
		{ 3, 4 }, { 3, 4 }, { 3, 4 }, { 3, 0 }, { 3, 1 }, { 3, 2 }, { 3, 3 }, { 3, 13 },
		{ 11, 0 }, { 12, 0 }, { 4, 0 }, { 5, 1 }, { 0, 0 },
	};
	uint8_t pkt[20 + 8 + 60 + 28], *icmp, *in, *th;
	struct fconn *c = t->c;
	struct seg s;
	int qihl = 20, qtcp = 8, i;
	uint8_t type, code;
	uint16_t mtu;
	uint32_t seq;
	size_t len;

	seg_init(&s, c);
	if (rpct(r, 85)) {
		i = (int)rbelow(r, sizeof(types) / 2);
		type = types[i][0];
		code = types[i][1];
	} else {
		type = rpct(r, 50) ? 3 : (uint8_t)rnext(r);
		code = (uint8_t)rbelow(r, 20);
	}
	mtu = rpct(r, 85) ? mtus[rbelow(r, 15)] : (uint16_t)rnext(r);
	switch (rbelow(r, 5)) {
	case 0: case 1: case 2:
		seq = t->snd_una + rbelow(r, t->snd_nxt - t->snd_una + 1);
		break;
	case 3:
		seq = t->snd_una - 1;
		break;
	default:
		seq = (uint32_t)rnext(r);
		break;
	}
	if (rpct(r, 10))
		qihl = 24 + 4 * (int)rbelow(r, 10);
	if (rpct(r, 10))
		qtcp = (int)rbelow(r, 29);
	len = 20 + 8 + qihl + qtcp;
	memset(pkt, 0, sizeof(pkt));
	icmp = pkt + 20;
	in = icmp + 8;
	th = in + qihl;
	/* The quoted header: a segment from tcpalt's end to the peer. */
	ip_build(in, qihl, qihl + 40, 0, 0x4000, 64, rpct(r, 95) ? IPPROTO_TCP : (uint8_t)rnext(r),
		 peer.local, c->raddr, s.ipopt, false);
	if (qihl > 20)
		memset(in + 20, 1, qihl - 20);
	if (qtcp >= 8) {
		peer_put16(th, c->kport ? c->kport : LPORT);
		peer_put16(th + 2, rpct(r, 95) ? c->pport : (uint16_t)rnext(r));
		peer_put32(th + 4, seq);
	}
	for (i = 8; i < qtcp; i++)
		th[i] = (uint8_t)rnext(r);
	icmp[0] = type;
	icmp[1] = code;
	peer_put16(icmp + 6, mtu);
	peer_put16(icmp + 2, peer_csum_fold(peer_csum_add(0, icmp, len - 20)) ^
			     (rpct(r, 5) ? 0x0101 : 0));
	ip_build(pkt, 20, (int)len, ++peer.ip_id, 0, 64, IPPROTO_ICMP, c->raddr, peer.local,
		 NULL, false);
	tun_write(pkt, len);
	st.icmps++;
	snprintf(d, dsize, "icmp %u/%u mtu %u quoting seq una%+d (ihl %d, %d tcp bytes)", type,
		 code, mtu, (int)(seq - t->snd_una), qihl, qtcp);
}

/* Truncated TCP headers and broken IP packets. */
static void act_junk(struct rng *r, struct target *t, char *d, size_t dsize)
{
	uint8_t pkt[128];
	struct seg s;
	int n, i;

	seg_init(&s, t->c);
	if (!s.dport)
		s.dport = LPORT;
	switch (rbelow(r, 3)) {
	case 0:	/* a TCP header cut short */
		n = (int)rbelow(r, 20);
		s.trunc = n;
		s.flags = TH_ACK;
		s.seq = t->rcv_nxt;
		s.ack = t->snd_nxt;
		seg_send(&s);
		snprintf(d, dsize, "tcp header truncated to %d bytes", n);
		break;
	case 1:	/* IP header lengths that lie */
		n = 20 + (int)rbelow(r, 40);
		for (i = 0; i < n; i++)
			pkt[i] = (uint8_t)rnext(r);
		ip_build(pkt, 20, n, ++peer.ip_id, 0, 64, IPPROTO_TCP, t->c->raddr, peer.local,
			 NULL, false);
		pkt[0] = 0x40 | (uint8_t)rbelow(r, 16);
		tun_write(pkt, n);
		snprintf(d, dsize, "ip header with ihl %d, %d bytes", pkt[0] & 0xf, n);
		break;
	default: /* bytes */
		n = 1 + (int)rbelow(r, sizeof(pkt) - 1);
		for (i = 0; i < n; i++)
			pkt[i] = (uint8_t)rnext(r);
		pkt[0] = (pkt[0] & 0x0f) | 0x40;
		tun_write(pkt, n);
		snprintf(d, dsize, "%d random bytes", n);
		break;
	}
	st.junk++;
}

/* Action i of the round: its own PRNG stream, resolved against the target's context now. */
static void do_action(struct round *rd, int i)
{
	struct rng r = rng_for(rd->seed, rd->idx, 1000 + i);
	struct target *t;
	char *d = rd->desc[i];
	int k, ci;

	ci = (int)rbelow(&r, nconns);
	t = &rd->tg[ci];
	k = (int)rbelow(&r, 100);
	if (rd->mask && !rd->mask[i]) {
		snprintf(d, DESC_LEN, "(left out)");
		return;
	}
	if (rd->scen == SC_LISTEN_RACE && i < nconns) {
		/* The listener race: its first actions complete the handshakes. */
		struct fconn *c = &conns[i];

		conn_send(c, TH_ACK, NULL, 0);
		if (i & 1)
			conn_send(c, TH_ACK | TH_PSH, "hello", 5);
		if (i % 3 == 2)
			conn_send(c, TH_FIN | TH_ACK, NULL, 0);
		snprintf(d, DESC_LEN, "ACK completing the handshake of conn %d%s%s", i,
			 i & 1 ? ", 5 bytes" : "", i % 3 == 2 ? ", FIN" : "");
	} else if (k < 72)
		act_tcp(rd, &r, t, d, DESC_LEN);
	else if (k < 82)
		act_repeat(rd, &r, d, DESC_LEN);
	else if (k < 94)
		act_icmp(&r, t, d, DESC_LEN);
	else
		act_junk(&r, t, d, DESC_LEN);
	if (verbose)
		printf("#   %d: conn %d: %s\n", i, ci, d);
}

/* ------------------------------------------------------------------------------------ */
/* Scenarios. */

static const struct {
	const char *name;
	const char *state;	/* what the scenario's (first) connection must show */
} scen[SC_MAX] = {
	[SC_LISTEN]	= { "listener", "LISTEN" },
	[SC_SYN_SENT]	= { "active-open", "SYN-SENT" },
	[SC_SYN_RCVD]	= { "passive-half-open", "SYN-RECEIVED" },
	[SC_SIMOPEN]	= { "simultaneous-open", "SYN-RECEIVED" },
	[SC_ESTAB_P]	= { "passive", "ESTABLISHED" },
	[SC_ESTAB_A]	= { "active", "ESTABLISHED" },
	[SC_ESTAB_DATA]	= { "data-both-ways-in-flight", "ESTABLISHED" },
	[SC_ZERO_WND]	= { "zero-window", "ESTABLISHED" },
	[SC_FIN_WAIT_1]	= { "fin-wait-1", "FIN-WAIT-1" },
	[SC_FIN_WAIT_2]	= { "fin-wait-2", "FIN-WAIT-2" },
	[SC_CLOSE_WAIT]	= { "close-wait", "CLOSE-WAIT" },
	[SC_CLOSING]	= { "closing", "CLOSING" },
	[SC_LAST_ACK]	= { "last-ack", "LAST-ACK" },
	[SC_TIME_WAIT]	= { "time-wait", "TIME-WAIT" },
	[SC_LISTEN_RACE] = { "listener-close-vs-handshakes", "SYN-RECEIVED" },
};

static unsigned int scen_tried[SC_MAX], scen_reached[SC_MAX];
static char sysctl_saved[4][32];
static const char *const sysctl_names[4] = {
	TCPALT_SYSCTL_DIR "/msl_ms", TCPALT_SYSCTL_DIR "/fin_timeout_ms",
	TCPALT_SYSCTL_DIR "/syn_retries", TCPALT_SYSCTL_DIR "/synack_retries",
};

static void set_msl(int ms)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", ms);
	peer_sysctl(sysctl_names[0], v);
}

/* An ESTABLISHED connection, passive or active. */
static bool establish(struct round *rd, struct fconn *c, struct rng *r, bool passive)
{
	if (passive) {
		if (rd->lfd < 0)
			rd->lfd = listen_on(LPORT, 8);
		c->kport = LPORT;
		return rd->lfd >= 0 && passive_open(c, rd->lfd, true, r);
	}
	return active_open(c, true, r);
}

/* tcpalt closes its side: shutdown(SHUT_WR), or close() making an orphan; FIN seen. */
static bool local_fin(struct round *rd, struct fconn *c, struct rng *r)
{
	struct pkt_seg s;

	if (rpct(r, 50)) {
		close_checked(c->fd, "the scenario's socket (orphaning it)");
		c->fd = -1;
		rd->orphaned = true;
	} else {
		shutdown(c->fd, SHUT_WR);
	}
	return wait_seg(c, TH_FIN | TH_ACK, TH_FIN | TH_ACK, WAIT_MS, &s);
}

/* Set the scenario up; false when a step tcpalt had to answer did not happen. */
static bool scen_setup(struct round *rd, struct rng *r)
{
	static uint8_t buf[8192];
	struct fconn *c = conn_new(r, 0);
	struct pkt_seg s;
	int i;

	memset(buf, 'x', sizeof(buf));
	switch (rd->scen) {
	case SC_LISTEN:
		rd->lfd = listen_on(LPORT, 1 + rbelow(r, 4));
		c->kport = LPORT;
		return rd->lfd >= 0;
	case SC_SYN_SENT:
		return active_open(c, false, r);
	case SC_SYN_RCVD:
		rd->lfd = listen_on(LPORT, 8);
		c->kport = LPORT;
		return rd->lfd >= 0 && passive_open(c, rd->lfd, false, r);
	case SC_SIMOPEN:
		if (!active_open(c, false, r))
			return false;
		conn_send(c, TH_SYN, NULL, 0);
		return wait_seg(c, TH_SYN | TH_ACK, TH_CTL, WAIT_MS, &s);
	case SC_ESTAB_P:
	case SC_ESTAB_A:
		return establish(rd, c, r, rd->scen == SC_ESTAB_P);
	case SC_ESTAB_DATA: {
		struct seg o;

		if (!establish(rd, c, r, rpct(r, 50)))
			return false;
		/* tcpalt's data in flight, unacknowledged; the peer's data after a hole. */
		send(c->fd, buf, 3000 + rbelow(r, 3000), MSG_NOSIGNAL | MSG_DONTWAIT);
		seg_init(&o, c);
		o.flags = TH_ACK | TH_PSH;
		o.seq = c->p_nxt + 1 + rbelow(r, 500);
		o.ack = c->p_rcv;
		o.len = 100 + rbelow(r, 1000);
		memset(o.data, 'o', o.len);
		seg_send(&o);
		return wait_seg(c, TH_ACK, TH_CTL, WAIT_MS, &s);
	}
	case SC_ZERO_WND:
		if (!establish(rd, c, r, rpct(r, 50)))
			return false;
		c->p_win = 0;
		conn_send(c, TH_ACK, NULL, 0);
		return send(c->fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT) > 0;
	case SC_FIN_WAIT_1:
	case SC_FIN_WAIT_2:
	case SC_CLOSING:
	case SC_TIME_WAIT:
		if (rd->scen == SC_TIME_WAIT)
			set_msl(TW_MSL_MS);
		if (!establish(rd, c, r, rpct(r, 50)) || !local_fin(rd, c, r))
			return false;
		c->p_rcv = c->k_nxt;
		if (rd->scen == SC_FIN_WAIT_1)
			return true;
		if (rd->scen == SC_CLOSING) {
			c->p_rcv--;	/* the peer's FIN does not acknowledge ours */
			conn_send(c, TH_FIN | TH_ACK, NULL, 0);
			c->p_rcv++;
			return wait_seg(c, TH_ACK, TH_CTL, WAIT_MS, &s);
		}
		conn_send(c, TH_ACK, NULL, 0);
		if (rd->scen == SC_FIN_WAIT_2)
			return true;
		conn_send(c, TH_FIN | TH_ACK, NULL, 0);
		i = wait_seg(c, TH_ACK, TH_CTL, WAIT_MS, &s);
		set_msl(MSL_MS);	/* the entry keeps its 2 * TW_MSL_MS */
		return i;
	case SC_CLOSE_WAIT:
	case SC_LAST_ACK:
		if (!establish(rd, c, r, rpct(r, 50)))
			return false;
		conn_send(c, TH_FIN | TH_ACK, NULL, 0);
		if (rd->scen == SC_CLOSE_WAIT)
			return true;
		return local_fin(rd, c, r);
	case SC_LISTEN_RACE:
		/* Up to 15 half-open children; the actions complete them while a thread closes. */
		rd->lfd = listen_on(LPORT, 16);
		if (rd->lfd < 0)
			return false;
		c->kport = LPORT;
		if (!passive_open(c, rd->lfd, false, r))
			return false;
		for (i = 3 + rbelow(r, 12); i > 0; i--) {
			struct fconn *d = conn_new(r, LPORT);

			if (!d || !passive_open(d, rd->lfd, false, r))
				return false;
		}
		return true;
	}
	return false;
}

/* Socket calls for the round: the same list whether a thread races them or not. */
static void gen_ops(struct round *rd, struct rng *r, struct racer *rc)
{
	int i, n = (int)rbelow(r, MAX_OPS - 1);
	bool closed = false;

	rc->nops = 0;
	if (rd->scen == SC_LISTEN_RACE) {
		/* Close the listener while the ACKs completing its children arrive. */
		rc->ops[rc->nops++] = (struct op){ .at = (int)rbelow(r, nconns + 2),
						   .op = OP_CLOSE_LISTENER };
		closed = true;
		n = (int)rbelow(r, 3);
	}
	for (i = 0; i < n && rc->nops < MAX_OPS; i++) {
		struct op o = {
			.at = (int)rbelow(r, rd->nact),
			.op = (int)rbelow(r, OP_MAX),
			.conn = (int)rbelow(r, nconns),
		};

		if (o.op == OP_CLOSE || o.op == OP_ABORT || o.op == OP_CLOSE_LISTENER) {
			if (closed)
				o.op = OP_INFO;
			closed = true;
		}
		rc->ops[rc->nops++] = o;
	}
	/* Sorted by position, so the thread runs them in order. */
	for (i = 1; i < rc->nops; i++) {
		struct op o = rc->ops[i];
		int j = i - 1;

		while (j >= 0 && rc->ops[j].at > o.at) {
			rc->ops[j + 1] = rc->ops[j];
			j--;
		}
		rc->ops[j + 1] = o;
	}
}

/* ------------------------------------------------------------------------------------ */
/* Checks after a round. */

/* Rows not expected once every socket of the fuzz is closed: (state, why) or NULL. */
static const char *row_problem(const struct row *r)
{
	if (r->lport == SPORT && !strcmp(r->state, "LISTEN"))
		return NULL;	/* the sanity listener */
	if (!strcmp(r->state, "TIME-WAIT"))
		return NULL;
	if (state_in(r->state, "FIN-WAIT-1|FIN-WAIT-2|CLOSING|LAST-ACK"))
		return strcmp(r->timer, "-") ? NULL : "orphan with no timer armed";
	return "connection without a socket";
}

/*
 * After every socket of the round is closed: a row must be TIME-WAIT or an orphan with a
 * timer; anything else, seen twice 300 ms apart, is a connection nobody will ever end.
 * Returns the number of such rows (added to the leaks).
 */
static int check_stuck(struct round *rd, char *why, size_t wsize)
{
	static struct row a[MAX_ROWS], b[MAX_ROWS];
	int na, nb, i, j, found = 0;
	char buf[200];

	na = rows_read(a, MAX_ROWS);
	for (i = 0; i < na; i++)
		if (row_problem(&a[i]) && !is_leak(&a[i]))
			break;
	if (i == na)
		return 0;	/* nothing suspect: no second look needed */
	usleep(300 * 1000);
	nb = rows_read(b, MAX_ROWS);
	for (i = 0; i < nb; i++) {
		const char *p = row_problem(&b[i]);

		if (!p || is_leak(&b[i]))
			continue;
		for (j = 0; j < na; j++)
			if (a[j].lport == b[i].lport && a[j].rport == b[i].rport &&
			    a[j].raddr.s_addr == b[i].raddr.s_addr && row_problem(&a[j]))
				break;
		if (j == na)
			continue;
		if (!found++)
			snprintf(why, wsize, "%s: %s", p, row_fmt(&b[i], buf, sizeof(buf)));
		if (!rd->mask)
			printf("#   stuck: %s: %s\n", p, row_fmt(&b[i], buf, sizeof(buf)));
		add_leak(&b[i]);
	}
	return found;
}

/*
 * End every orphan left with an RST at its RCV.NXT, and shorten the TIME-WAIT entries of a
 * TIME-WAIT scenario with a retransmitted FIN (RFC 9293: it restarts 2MSL, now short).
 * Returns the number of rows an RST did not end.
 */
static int rst_cleanup(struct round *rd, char *why, size_t wsize)
{
	static struct row rows[MAX_ROWS];
	int n, i, tries, left = 0;
	char buf[200];

	for (tries = 0; tries < 4; tries++) {
		left = 0;
		n = rows_read(rows, MAX_ROWS);
		for (i = 0; i < n; i++) {
			struct row *r = &rows[i];

			if (is_leak(r) || (r->lport == SPORT && !strcmp(r->state, "LISTEN")))
				continue;
			if (!strcmp(r->state, "TIME-WAIT")) {
				if (r->ms_left > 4 * MSL_MS && !tries) {
					struct fconn c = { .raddr = r->raddr, .pport = r->rport,
							   .kport = r->lport };
					struct seg s;

					seg_init(&s, &c);
					s.flags = TH_FIN | TH_ACK;
					s.seq = r->rcv_nxt - 1;
					s.ack = r->snd_nxt;
					seg_send(&s);
				}
				continue;
			}
			left++;
			if (!strcmp(r->state, "SYN-SENT"))
				send_rst(&r->raddr, r->rport, r->lport, 0, r->snd_nxt, true);
			else
				send_rst(&r->raddr, r->rport, r->lport, r->rcv_nxt, 0, false);
		}
		if (!left)
			return 0;
		usleep((tries + 1) * 100 * 1000);
		pump(0);
	}
	n = rows_read(rows, MAX_ROWS);
	left = 0;
	for (i = 0; i < n; i++) {
		if (is_leak(&rows[i]) || !strcmp(rows[i].state, "TIME-WAIT") ||
		    (rows[i].lport == SPORT && !strcmp(rows[i].state, "LISTEN")))
			continue;
		if (!left++)
			snprintf(why, wsize, "survives an RST at its RCV.NXT: %s",
				 row_fmt(&rows[i], buf, sizeof(buf)));
		if (!rd->mask)
			printf("#   survives RST: %s\n", row_fmt(&rows[i], buf, sizeof(buf)));
		add_leak(&rows[i]);
	}
	return left;
}

static int sanity_lfd = -1;

/*
 * A fresh connection after the round: handshake (passive or active), data from the peer in
 * chunks, each preceded at the same sequence number by a bad-checksum decoy and sometimes a
 * malformed one (data offset 4, or beyond the segment), echoed back by the socket and compared;
 * the decoys must be counted exactly once each; then a clean close.
 */
static bool sanity(struct round *rd, char *why, size_t wsize)
{
	static uint8_t data[6000], back[6000], pending[6000];
	struct rng r = rng_for(rd->seed, rd->idx, 7);
	size_t n = 200 + rbelow(&r, 4000), off, got = 0, npend = 0, sent_back = 0;
	long long csum0, mal0, csum1, mal1, deadline;
	unsigned int dc = 0, dm = 0, i;
	bool active = rd->idx & 1, ok;
	struct fconn *c = &sane;
	struct pkt_seg s;
	char state[32];

	conn_init(c, &r, SPORT);
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)rnext(&r);
	ok = active ? active_open(c, true, &r) : passive_open(c, sanity_lfd, true, &r);
	if (!ok) {
		snprintf(why, wsize, "%s handshake failed", active ? "active" : "passive");
		goto out;
	}
	if (!wait_state(c, "ESTABLISHED", WAIT_MS, state, sizeof(state))) {
		snprintf(why, wsize, "connection %s, not ESTABLISHED", state);
		ok = false;
		goto out;
	}
	csum0 = stat_now("InCsumErrors");
	mal0 = stat_now("Malformed");
	for (off = 0; off < n; off += 1000) {
		size_t len = n - off < 1000 ? n - off : 1000;
		struct seg d;

		seg_init(&d, c);
		d.flags = TH_ACK | TH_PSH;
		d.seq = c->p_nxt;
		d.ack = c->p_rcv;
		d.len = len;
		memset(d.data, 0xee, len);
		d.csum = CS_BAD;
		seg_send(&d);
		dc++;
		if (rpct(&r, 50)) {
			d.csum = CS_OK;
			if (rpct(&r, 50)) {
				d.doff = 4;
			} else {
				d.doff = 15;	/* 60 bytes of header in a 30-byte segment */
				d.len = 10;
			}
			seg_send(&d);
			dm++;
		}
		conn_send(c, TH_ACK | TH_PSH, data + off, len);
	}
	deadline = peer_now_ms() + 4 * WAIT_MS;
	while (got < n && peer_now_ms() < deadline) {
		ssize_t k = recv(c->fd, pending + npend, sizeof(pending) - npend, MSG_DONTWAIT);

		if (k > 0)
			npend += k;
		if (sent_back < npend) {
			k = send(c->fd, pending + sent_back, npend - sent_back,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0)
				sent_back += k;
		}
		if (peer_recv(&peer, &s, 5) <= 0)
			continue;
		track(&s);
		if (s.daddr.s_addr != c->raddr.s_addr || s.dport != c->pport ||
		    s.sport != c->kport || !s.len)
			continue;
		if (s.seq == c->p_rcv && got + s.len <= sizeof(back)) {
			memcpy(back + got, s.data, s.len);
			got += s.len;
			c->p_rcv += s.len;
		}
		conn_send(c, TH_ACK, NULL, 0);
	}
	if (got != n || memcmp(back, data, n)) {
		snprintf(why, wsize, "echo: %zu of %zu bytes back%s (read %zu, wrote %zu)", got, n,
			 got == n ? ", different" : "", npend, sent_back);
		ok = false;
		goto out;
	}
	/* The decoys reached tcpalt synchronously; allow the counters a moment anyway. */
	deadline = peer_now_ms() + 500;
	do {
		csum1 = stat_now("InCsumErrors");
		mal1 = stat_now("Malformed");
	} while ((csum1 - csum0 < dc || mal1 - mal0 < dm) && peer_now_ms() < deadline &&
		 !usleep(5000));
	st.decoy_csum += dc;
	st.decoy_malformed += dm;
	if (csum1 - csum0 != dc)
		fail(T_CSUM, "round %u: %u bad-checksum decoys, InCsumErrors rose by %lld", rd->idx,
		     dc, csum1 - csum0);
	if (mal1 - mal0 != dm)
		fail(T_MALFORMED, "round %u: %u malformed decoys, Malformed rose by %lld", rd->idx,
		     dm, mal1 - mal0);

	/* Close: the peer first (tcpalt goes through LAST-ACK) or tcpalt first (TIME-WAIT). */
	if (rpct(&r, 50)) {
		conn_send(c, TH_FIN | TH_ACK, NULL, 0);
		deadline = peer_now_ms() + WAIT_MS;
		while (recv(c->fd, back, sizeof(back), MSG_DONTWAIT) != 0 &&
		       peer_now_ms() < deadline)
			usleep(1000);
		close_checked(c->fd, "the sanity connection");
		c->fd = -1;
		if (!wait_seg(c, TH_FIN | TH_ACK, TH_FIN | TH_ACK, WAIT_MS, &s)) {
			snprintf(why, wsize, "no FIN after close() in CLOSE-WAIT");
			ok = false;
			goto out;
		}
		c->p_rcv = s.seq + 1;
		conn_send(c, TH_ACK, NULL, 0);
		ok = wait_state(c, "-", WAIT_MS, state, sizeof(state));
	} else {
		close_checked(c->fd, "the sanity connection");
		c->fd = -1;
		if (!wait_seg(c, TH_FIN | TH_ACK, TH_FIN | TH_ACK, WAIT_MS, &s)) {
			snprintf(why, wsize, "no FIN after close()");
			ok = false;
			goto out;
		}
		c->p_rcv = s.seq + 1;
		conn_send(c, TH_FIN | TH_ACK, NULL, 0);
		ok = wait_state(c, "TIME-WAIT|-", WAIT_MS, state, sizeof(state));
	}
	if (!ok)
		snprintf(why, wsize, "after a clean close the connection is %s", state);
out:
	if (c->fd >= 0) {
		close_checked(c->fd, "the sanity connection");
		c->fd = -1;
	}
	if (!ok) {
		/* Do not let it stand in the way of later checks. */
		static struct row rows[MAX_ROWS];
		int k, nr = rows_read(rows, MAX_ROWS);

		for (k = 0; k < nr; k++)
			if (rows[k].rport == c->pport && rows[k].raddr.s_addr == c->raddr.s_addr)
				send_rst(&rows[k].raddr, rows[k].rport, rows[k].lport,
					 rows[k].rcv_nxt, 0, false);
	}
	return ok;
}

/* ------------------------------------------------------------------------------------ */
/* A round. */

enum { V_OK, V_SETUP, V_STUCK, V_RST, V_SANITY };

static const char *const verdict_name[] = {
	"ok", "setup failed", "connection outlived its sockets", "orphan survived an RST",
	"sanity connection failed",
};

static int run_round(uint64_t seed, unsigned int idx, const uint8_t *mask, bool replay,
		     char *why, size_t wsize)
{
	static struct round rd;
	struct rng r = rng_for(seed, idx, 0);
	struct racer rc;
	bool race, setup_ok;
	char state[32];
	long long t0;
	int i, v = V_OK;

	memset(&rd, 0, sizeof(rd));
	memset(&rc, 0, sizeof(rc));
	why[0] = '\0';
	rd.seed = seed;
	rd.idx = idx;
	rd.scen = (int)(idx % SC_MAX);
	rd.mask = mask;
	rd.lfd = -1;
	nconns = 0;
	rd.nact = 24 + (int)rbelow(&r, MAX_ACTIONS - 24);
	race = race_ok && (rd.scen == SC_LISTEN_RACE || rpct(&r, 40));

	peer_drain(&peer);
	setup_ok = scen_setup(&rd, &r);
	pump(0);
	if (!replay)
		scen_tried[rd.scen]++;
	state[0] = '\0';
	if (setup_ok && nconns) {
		const char *want = scen[rd.scen].state;

		if (rd.scen == SC_LISTEN)
			setup_ok = listener_row(LPORT);
		else
			setup_ok = wait_state(&conns[0], want, WAIT_MS, state, sizeof(state));
		if (setup_ok) {
			note_state(want);
			if (!replay)
				scen_reached[rd.scen]++;
		}
	}
	if ((!quiet && !replay) || verbose || !setup_ok)
		printf("# round %u seed %llu: %s, %d conns, %d actions%s%s%s%s\n", idx,
		       (unsigned long long)seed, scen[rd.scen].name, nconns, rd.nact,
		       race ? ", racing thread" : "", rd.orphaned ? ", orphaned" : "",
		       setup_ok ? "" : ": did not reach ", setup_ok ? "" : scen[rd.scen].state);
	if (!setup_ok) {
		snprintf(why, wsize, "%s: %s not reached (row: %s)", scen[rd.scen].name,
			 scen[rd.scen].state, state[0] ? state : "?");
		v = V_SETUP;
	}
	for (i = 0; i < nconns; i++)
		rd.tg[i].c = &conns[i];
	targets_refresh(rd.tg, nconns);

	/* The fuzz. */
	gen_ops(&rd, &r, &rc);
	rc.lfd = &rd.lfd;
	rc.r = rng_for(seed, idx, 3);
	if (race && pthread_create(&rc.th, NULL, racer_main, &rc))
		race = false;
	t0 = peer_now_ms();
	for (i = 0; i < rd.nact; i++) {
		if (!race) {
			int k;

			for (k = 0; k < rc.nops; k++)
				if (rc.ops[k].at == i)
					op_run(&rc, &rc.ops[k]);
		}
		do_action(&rd, i);
		progress_set(&rc, i + 1);
		pump(0);
		if ((i & 7) == 7)
			targets_refresh(rd.tg, nconns);
	}
	progress_set(&rc, 1 << 30);
	if (race)
		pthread_join(rc.th, NULL);
	else
		for (i = 0; i < rc.nops; i++)
			if (rc.ops[i].at >= rd.nact)
				op_run(&rc, &rc.ops[i]);
	st.fuzz_ms += peer_now_ms() - t0;
	st.app_ops += rc.calls;
	pump(20);
	note_rows();

	/* Close everything: accepted children, the connections, the listener. */
	if (rd.lfd >= 0 && rpct(&r, 50)) {
		int fd;

		while (rc.naccepted < 32 && (fd = accept4(rd.lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
			rc.accepted[rc.naccepted++] = fd;
	}
	for (i = 0; i < rc.naccepted; i++)
		close_checked(rc.accepted[i], "an accepted fuzz child");
	for (i = 0; i < nconns; i++) {
		struct fconn *c = &conns[i];

		if (c->fd < 0)
			continue;
		switch (rbelow(&r, 4)) {
		case 0: {
			struct linger lin = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
			break;
		}
		case 1:
			shutdown(c->fd, SHUT_WR);
			break;
		}
		close_checked(c->fd, "a fuzzed connection");
		c->fd = -1;
	}
	if (rd.lfd >= 0) {
		close_checked(rd.lfd, "the fuzzed listener");
		rd.lfd = -1;
	}
	pump(0);

	if (check_stuck(&rd, why + strlen(why), wsize - strlen(why)) && v == V_OK)
		v = V_STUCK;
	if (rst_cleanup(&rd, why + strlen(why), wsize - strlen(why)) && v == V_OK)
		v = V_RST;
	pump(0);
	if (!replay) {
		char swhy[300];

		if (sanity(&rd, swhy, sizeof(swhy))) {
			st.sanity_ok++;
		} else {
			st.sanity_bad++;
			fail(T_SANITY, "round %u (seed %llu, %s): %s", idx,
			     (unsigned long long)seed, scen[rd.scen].name, swhy);
			if (v == V_OK) {
				v = V_SANITY;
				snprintf(why, wsize, "%s", swhy);
			}
		}
		st.rounds++;
	}
	if (v != V_OK && v != V_SANITY && !replay) {
		printf("# round %u (seed %llu, %s): %s: %s\n", idx, (unsigned long long)seed,
		       scen[rd.scen].name, verdict_name[v], why);
		for (i = 0; i < rd.nact; i++)
			printf("#   action %d: %s\n", i, rd.desc[i]);
		for (i = 0; i < rc.nops; i++)
			printf("#   socket call before action %d: %s on conn %d%s\n", rc.ops[i].at,
			       op_name[rc.ops[i].op], rc.ops[i].conn, race ? " (racing)" : "");
	}
	return v;
}

/*
 * Replay a round that left a connection behind with fewer and fewer of its actions (first
 * halves, then smaller chunks, then single actions) while it still does; print the rest.
 */
static void minimize(uint64_t seed, unsigned int idx, int verdict, long long until)
{
	static uint8_t mask[MAX_ACTIONS], trial[MAX_ACTIONS];
	struct rng r = rng_for(seed, idx, 0);
	int nact, chunk, i, j, kept, runs = 0, tries, attempts;
	char why[400];

	/* The round's first draw is its number of actions, as in run_round(). */
	nact = 24 + (int)rbelow(&r, MAX_ACTIONS - 24);
	memset(mask, 1, sizeof(mask));
	/* A race may need a few replays to show again; the trials get as many. */
	for (tries = 1; tries <= 12; tries++)
		if (run_round(seed, idx, mask, true, why, sizeof(why)) == verdict)
			break;
	if (tries > 12) {
		printf("# minimize round %u: 12 replays did not leak again; not minimized\n", idx);
		return;
	}
	attempts = tries == 1 ? 1 : tries * 2 > 8 ? 8 : tries * 2;
	printf("# minimize round %u: leaked again on replay %d; trying %d replays per subset\n",
	       idx, tries, attempts);
	for (chunk = nact / 2; chunk >= 1 && peer_now_ms() < until; chunk /= 2) {
		for (i = 0; i < nact && peer_now_ms() < until; i += chunk) {
			memcpy(trial, mask, sizeof(trial));
			for (j = i; j < i + chunk && j < nact; j++)
				trial[j] = 0;
			if (!memcmp(trial, mask, sizeof(trial)))
				continue;
			for (j = 0; j < attempts; j++) {
				runs++;
				if (run_round(seed, idx, trial, true, why, sizeof(why)) == verdict) {
					memcpy(mask, trial, sizeof(mask));
					break;
				}
			}
		}
	}
	for (i = 0, kept = 0; i < nact; i++)
		kept += mask[i];
	printf("# minimized round %u (seed %llu) in %d replays: %d of %d actions still %s:\n",
	       idx, (unsigned long long)seed, runs, kept, nact, verdict_name[verdict]);
	printf("#   replay: TCPALT_FUZZ_SEED=%llu TCPALT_FUZZ_ROUND=%u TCPALT_FUZZ_MASK=",
	       (unsigned long long)seed, idx);
	for (i = 0; i < nact; i++)
		putchar(mask[i] ? '1' : '0');
	putchar('\n');
	/* Replays of the final mask: how often it leaks; the actions are printed once. */
	for (i = 0, j = 0; i < 8; i++) {
		verbose = i == 0;
		j += run_round(seed, idx, mask, true, why, sizeof(why)) == verdict;
	}
	verbose = false;
	printf("#   these actions leaked in %d of 8 replays%s\n", j,
	       attempts > 1 ? " (a race: the socket calls run in a second thread)" : "");
}

/* ------------------------------------------------------------------------------------ */

static bool setup(void)
{
	char buf[32];
	int i, err;

	family = tcpalt_family();
	if (unshare(CLONE_NEWNET)) {
		fail(T_SETUP, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return false;
	}
	err = peer_open(&peer);
	if (err) {
		fail(T_SETUP, "TUN peer: %s", strerror(-err));
		return false;
	}
	inet_pton(AF_INET, PEER_ALT, &remote_alt);
	for (i = 0; i < 4; i++) {
		if (tcpalt_read_file(sysctl_names[i], buf, sizeof(buf)) <= 0) {
			fail(T_SETUP, "read %s", sysctl_names[i]);
			return false;
		}
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(sysctl_saved[i], sizeof(sysctl_saved[i]), "%s", buf);
	}
	snprintf(buf, sizeof(buf), "%d", MSL_MS);
	if (peer_sysctl(sysctl_names[0], buf) ||
	    peer_sysctl(sysctl_names[1], STR(FIN_TIMEOUT_MS)) ||
	    peer_sysctl(sysctl_names[2], "3") || peer_sysctl(sysctl_names[3], "2")) {
		fail(T_SETUP, "setting net.tcpalt sysctls: %s", strerror(errno));
		return false;
	}
	sanity_lfd = listen_on(SPORT, 16);
	if (sanity_lfd < 0) {
		fail(T_SETUP, "sanity listener: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Close the sanity listener and wait (bounded) until the namespace has no rows left. */
static void final_check(void)
{
	static struct row rows[MAX_ROWS];
	long long deadline;
	char buf[200];
	int n, i, left;

	close_checked(sanity_lfd, "the sanity listener");
	sanity_lfd = -1;
	/* Orphans have been RST; TIME-WAIT entries last 2 * MSL_MS; a retransmitted FIN
	 * restarted the long ones of TIME-WAIT scenarios.  Allow 2 * TW_MSL_MS anyway.
	 */
	deadline = peer_now_ms() + 2 * TW_MSL_MS + 3000;
	do {
		pump(50);
		n = rows_read(rows, MAX_ROWS);
		left = n;
	} while (left && peer_now_ms() < deadline);
	if (!left)
		return;
	for (i = 0; i < n; i++)
		printf("#   left: %s%s\n", row_fmt(&rows[i], buf, sizeof(buf)),
		       is_leak(&rows[i]) ? " (reported above)" : "");
	fail(T_FINAL, "%d rows left %d s after every socket was closed: first %s", n,
	     (2 * TW_MSL_MS + 3000) / 1000, row_fmt(&rows[0], buf, sizeof(buf)));
}

static void restore_sysctls(void)
{
	int i;

	for (i = 0; i < 4; i++)
		if (sysctl_saved[i][0] && peer_sysctl(sysctl_names[i], sysctl_saved[i]))
			fail(T_SYSCTL, "restoring %s to %s", sysctl_names[i], sysctl_saved[i]);
}

static void summary(const struct statsnap *before, const struct statsnap *after,
		    long long wall_ms)
{
	static const char *const counters[] = {
		"InSegs", "OutSegs", "InErrs", "InCsumErrors", "Malformed", "ChallengeAcks",
		"OutOfWindow", "OutRsts", "ListenOverflows", "RetransSegs", "Timeouts",
		"EstabResets", "AttemptFails", "AbortOnData", "AbortOnLinger", "TimeWaitRecycled",
		"TimeWaitReAcks", "TimeWaitRstIgnored",
	};
	unsigned long long sent = st.segs + st.icmps + st.junk;
	char line[1024];
	size_t l;
	int i;

	printf("# summary: %u rounds, %llu fuzz segments + %llu ICMP errors + %llu broken packets "
	       "in %.1f s of fuzzing: %.0f segments/s (%.0f/s over the whole run of %.1f s, "
	       "%llu TUN writes)\n", st.rounds, st.segs, st.icmps, st.junk, st.fuzz_ms / 1000.0,
	       st.fuzz_ms ? sent * 1000.0 / st.fuzz_ms : 0.0,
	       wall_ms ? sent * 1000.0 / wall_ms : 0.0, wall_ms / 1000.0, st.writes);
	printf("# summary: %llu fragmented, %llu socket calls, %u closes, %llu segments received, "
	       "%llu TUN writes refused, %u sanity connections ok, %u failed\n", st.frags,
	       st.app_ops, st.closes, st.rx, st.tun_refused, st.sanity_ok, st.sanity_bad);
	l = snprintf(line, sizeof(line), "# states reached (rows seen):");
	for (i = 0; i < NSTATES; i++)
		if (state_seen[i])
			l += snprintf(line + l, sizeof(line) - l, " %s", state_names[i]);
	printf("%s\n", line);
	l = snprintf(line, sizeof(line), "# states entered (stats Enter_*):");
	for (i = 0; i < after->n; i++) {
		long long d;

		if (strncmp(after->name[i], "Enter_", 6))
			continue;
		d = after->val[i] - (stats_get(before, after->name[i]) > 0 ?
				     stats_get(before, after->name[i]) : 0);
		if (d > 0 && l < sizeof(line))
			l += snprintf(line + l, sizeof(line) - l, " %s=%lld",
				      after->name[i] + 6, d);
	}
	printf("%s\n", line);
	l = snprintf(line, sizeof(line), "# scenarios reached/tried:");
	for (i = 0; i < SC_MAX; i++)
		if (l < sizeof(line))
			l += snprintf(line + l, sizeof(line) - l, " %s=%u/%u", scen[i].name,
				      scen_reached[i], scen_tried[i]);
	printf("%s\n", line);
	l = snprintf(line, sizeof(line), "# counters (delta):");
	for (i = 0; i < (int)(sizeof(counters) / sizeof(counters[0])); i++) {
		long long a = stats_get(after, counters[i]), b = stats_get(before, counters[i]);

		if (a >= 0 && l < sizeof(line))
			l += snprintf(line + l, sizeof(line) - l, " %s=%lld", counters[i],
				      a - (b > 0 ? b : 0));
	}
	printf("%s\n", line);
	printf("# expected at least: InCsumErrors %llu (fuzz) + %llu (decoys), Malformed %llu "
	       "(fuzz) + %llu (decoys); findings %u\n", st.exp_csum, st.decoy_csum,
	       st.exp_malformed, st.decoy_malformed, st.findings);
}

static void usage(const char *prog)
{
	printf("usage: %s [-s SECS] [-S SEED[,SEED...]] [-r ROUND [-m MASK] [-n REPEAT]] [-q] [-v]\n"
	       "  TCPALT_FUZZ_SECS, TCPALT_FUZZ_SEED, TCPALT_FUZZ_ROUND, TCPALT_FUZZ_MASK,\n"
	       "  TCPALT_FUZZ_REPEAT,\n"
	       "  TCPALT_FUZZ_RACE=0, TCPALT_FUZZ_VERBOSE=1 do the same from the environment.\n",
	       prog);
}

int main(int argc, char **argv)
{
	static uint8_t mask[MAX_ACTIONS];
	const char *secs_s = getenv("TCPALT_FUZZ_SECS"), *seed_s = getenv("TCPALT_FUZZ_SEED");
	const char *round_s = getenv("TCPALT_FUZZ_ROUND"), *mask_s = getenv("TCPALT_FUZZ_MASK");
	const char *repeat_s = getenv("TCPALT_FUZZ_REPEAT");
	uint64_t seeds[16];
	int nseeds = 0, opt, i, t;
	long long start, deadline, seed_end, wall;
	struct statsnap before, after;
	bool minimized[8] = { false };
	double secs;
	char *p, *save = NULL, seedbuf[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("TCPALT_FUZZ_RACE") && !strcmp(getenv("TCPALT_FUZZ_RACE"), "0"))
		race_ok = false;
	verbose = getenv("TCPALT_FUZZ_VERBOSE") && strcmp(getenv("TCPALT_FUZZ_VERBOSE"), "0");
	while ((opt = getopt(argc, argv, "s:S:r:m:n:qvh")) != -1) {
		switch (opt) {
		case 'n': repeat_s = optarg; break;
		case 's': secs_s = optarg; break;
		case 'S': seed_s = optarg; break;
		case 'r': round_s = optarg; break;
		case 'm': mask_s = optarg; break;
		case 'q': quiet = true; break;
		case 'v': verbose = true; break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	secs = secs_s ? strtod(secs_s, NULL) : 20;
	if (secs <= 0)
		secs = 20;
	snprintf(seedbuf, sizeof(seedbuf), "%s", seed_s ? seed_s : "1");
	for (p = strtok_r(seedbuf, ",", &save); p && nseeds < 16; p = strtok_r(NULL, ",", &save))
		seeds[nseeds++] = strtoull(p, NULL, 0);
	if (!nseeds)
		seeds[nseeds++] = 1;

	printf("TAP version 13\n1..%d\n", T_MAX);
	printf("# tcpalt_fuzz: %.0f s, seed%s %s%s%s\n", secs, nseeds > 1 ? "s" : "",
	       seed_s ? seed_s : "1", round_s ? ", round " : "", round_s ? round_s : "");
	start = peer_now_ms();
	if (setup()) {
		char why[400];

		stats_read(&before);
		if (round_s) {
			unsigned int idx = (unsigned int)strtoul(round_s, NULL, 0);
			int rep, reps = repeat_s ? atoi(repeat_s) : 1, leaked = 0;

			memset(mask, 1, sizeof(mask));
			if (mask_s)
				for (i = 0; i < MAX_ACTIONS && mask_s[i]; i++)
					mask[i] = mask_s[i] != '0';
			if (mask_s)
				for (; i < MAX_ACTIONS; i++)
					mask[i] = 0;
			verbose = verbose || mask_s;
			/* A race may need many replays: -n N replays the round N times. */
			for (rep = 0; rep < (reps > 0 ? reps : 1); rep++) {
				t = run_round(seeds[0], idx, mask_s ? mask : NULL, false, why,
					      sizeof(why));
				verbose = false;
				if (t == V_OK || t == V_SANITY)
					continue;
				leaked++;
				st.findings++;
				fail(t == V_SETUP ? T_STATES : t == V_RST ? T_RST : T_STUCK,
				     "round %u, replay %d: %s", idx, rep + 1, why);
			}
			if (reps > 1)
				printf("# round %u: %d of %d replays failed\n", idx, leaked, reps);
		} else {
			deadline = start + (long long)(secs * 1000);
			for (i = 0; i < nseeds; i++) {
				unsigned int idx;

				seed_end = start + (long long)(secs * 1000) * (i + 1) / nseeds;
				for (idx = 0; peer_now_ms() < seed_end && peer_now_ms() < deadline;
				     idx++) {
					t = run_round(seeds[i], idx, NULL, false, why, sizeof(why));
					if (t == V_OK || t == V_SANITY)
						continue;
					st.findings++;
					fail(t == V_SETUP ? T_STATES : t == V_RST ? T_RST : T_STUCK,
					     "round %u (seed %llu, %s): %s", idx,
					     (unsigned long long)seeds[i],
					     scen[idx % SC_MAX].name, why);
					/* Shrinking takes up to half the budget, 60 s at most,
					 * so that the make check slice still ends in time.
					 */
					if (t != V_SETUP && !minimized[t]) {
						minimized[t] = true;
						minimize(seeds[i], idx, t, peer_now_ms() +
							 (secs > 120 ? 60000 : (long long)(secs * 500)));
					}
				}
			}
		}
		for (i = 0; i < SC_MAX && !round_s; i++)
			if (!scen_reached[i] && scen_tried[i])
				fail(T_STATES, "%s never reached %s", scen[i].name, scen[i].state);
			else if (!scen_tried[i])
				printf("# scenario %s not tried in the time budget\n", scen[i].name);
		pump(0);
		final_check();
		stats_read(&after);
		if (peer.bad_csums)
			fail(T_OUT_CSUM, "%u segments from the kernel with bad checksums",
			     peer.bad_csums);
		if (st.exp_csum && stats_get(&after, "InCsumErrors") - stats_get(&before,
		    "InCsumErrors") < (long long)st.decoy_csum + 1)
			fail(T_CSUM, "%llu bad-checksum fuzz segments sent to tcpalt tuples, "
			     "InCsumErrors did not count any beyond the decoys", st.exp_csum);
		if (st.exp_malformed && stats_get(&after, "Malformed") - stats_get(&before,
		    "Malformed") < (long long)st.decoy_malformed + 1)
			fail(T_MALFORMED, "%llu malformed fuzz segments sent to tcpalt tuples, "
			     "Malformed did not count any beyond the decoys", st.exp_malformed);
		wall = peer_now_ms() - start;
		summary(&before, &after, wall);
		restore_sysctls();
	} else {
		for (i = T_SETUP + 1; i < T_MAX; i++)
			fail(i, "not run: setup failed");
	}
	peer_close(&peer);
	for (i = 0, t = 0; i < T_MAX; i++) {
		if (tap[i].bad)
			printf("# %s\n", tap[i].why);
		printf("%sok %d %s\n", tap[i].bad ? "not " : "", i + 1, tap_name[i]);
		t += !!tap[i].bad;
	}
	printf("# %.1f s wall clock\n", (peer_now_ms() - start) / 1000.0);
	return t ? 1 : 0;
}
