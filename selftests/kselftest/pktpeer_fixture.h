/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kselftest programs that script a peer through pktpeer.h share (tcpalt_scripted.c,
 * tcpalt_harden.c, tcpalt_tput.c, tcpalt_loss.c): the two variants of their fixtures (the
 * kernel TCP first, then tcpalt), the fixture's first and last steps, the kernel side's
 * listener and accept(), TCP_INFO and sequence-number comparison.  Include after
 * kselftest_harness.h (the fixture helpers assert) and pktpeer.h.
 */
#ifndef PKTPEER_FIXTURE_H
#define PKTPEER_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tcpalt_lib.h"
#include "pktpeer.h"

/* The variants of fixture f: every test runs on the kernel TCP (inet), then on tcpalt. */
#define PEER_VARIANTS(f) \
	FIXTURE_VARIANT(f) { \
		bool alt; \
	}; \
	FIXTURE_VARIANT_ADD(f, inet) { \
		.alt = false, \
	}; \
	FIXTURE_VARIANT_ADD(f, tcpalt) { \
		.alt = true, \
	}

/*
 * The members every scripted-peer fixture begins with, FIXTURE(f) { PEER_FIXTURE_MEMBERS; ... },
 * which PEER_FIXTURE_SETUP() fills in:
 *	peer	the TUN peer
 *	alt	the tcpalt variant
 *	family	of the kernel side's sockets: AF_INET, or AF_TCPALT for alt
 *	lfd	the kernel side's listener (-1: none)
 *	fd	the connection's socket (-1: none)
 *	kiss	the kernel side's initial sequence number
 */
#define PEER_FIXTURE_MEMBERS \
	struct pkt_peer peer; \
	bool alt; \
	int family; \
	int lfd; \
	int fd; \
	uint32_t kiss

/*
 * The first steps of a fixture's setup: a private network namespace; on tcpalt (alt),
 * orphans in FIN-WAIT-2 that end within a second, so the module can be unloaded after; the
 * TUN peer p.  Harness assertions.
 */
static inline void peer_fixture_setup(struct __test_metadata *_metadata, struct pkt_peer *p,
				      bool alt)
{
	int err;

	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s", strerror(errno));
	if (alt)
		ASSERT_EQ(0, peer_sysctl(TCPALT_SYSCTL_DIR "/fin_timeout_ms", "1000"));
	err = peer_open(p);
	ASSERT_EQ(0, err) TH_LOG("TUN peer: %s", strerror(-err));
}

/*
 * In FIXTURE_SETUP of a fixture with PEER_FIXTURE_MEMBERS: the members from the variant, no
 * sockets yet, then peer_fixture_setup().
 */
#define PEER_FIXTURE_SETUP() do { \
	self->lfd = -1; \
	self->fd = -1; \
	self->peer.tun = -1; \
	self->alt = variant->alt; \
	self->family = variant->alt ? tcpalt_family() : AF_INET; \
	peer_fixture_setup(_metadata, &self->peer, self->alt); \
} while (0)

/*
 * The teardown's last steps: every segment the kernel sent carried valid IPv4 and TCP
 * checksums; the connection fd (if >= 0) aborted, so that no orphan retransmits to a peer
 * about to vanish; the listener lfd (if >= 0) closed; the TUN peer closed.
 */
static inline void peer_fixture_teardown(struct __test_metadata *_metadata, struct pkt_peer *p,
					 int fd, int lfd)
{
	EXPECT_EQ(0, p->bad_csums);
	if (fd >= 0) {
		struct linger lin = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		close(fd);
	}
	if (lfd >= 0)
		close(lfd);
	peer_close(p);
}

/* Wait for a segment of the connection whose control bits are exactly want. */
#define EXPECT_SEGMENT(want, ms, s) \
	ASSERT_EQ(1, peer_expect(&self->peer, (want), TH_CTL, (ms), &(s))) \
		TH_LOG("no " #want " segment within %d ms; last packet skipped: %s", (ms), \
		       self->peer.last_skipped)

/* Sequence-number order (RFC 9293 3.4: modulo 2^32). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* Bound a blocking socket's reads and writes (2 s) so that no test can hang in the kernel. */
static inline int peer_set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 2 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * A nonblocking listener of family on PEER_LOCAL:port, with TCP_MAXSEG maxseg unless 0;
 * fd or -1.
 */
static inline int peer_listen(int family, uint16_t port, int maxseg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1;

	inet_pton(AF_INET, PEER_LOCAL, &sin.sin_addr);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (maxseg && setsockopt(fd, SOL_TCP, TCP_MAXSEG, &maxseg, sizeof(maxseg))) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * accept() on a nonblocking listener, waiting up to ms; the blocking socket with
 * peer_set_timeouts(), or -1.  *from (unless NULL) gets the peer's address.
 */
static inline int peer_accept(int lfd, int ms, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	socklen_t len = sizeof(*from);
	int fd;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	fd = accept4(lfd, (struct sockaddr *)from, from ? &len : NULL, 0);
	if (fd >= 0 && peer_set_timeouts(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* len bytes of the simple pattern seed, seed + 7, seed + 14, ... */
static inline void peer_fill(uint8_t *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7);
}

/* TCP_INFO of fd into *ti (zeroed first).  0 or -errno. */
static inline int tcp_info_of(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TCP, TCP_INFO, ti, &len) ? -errno : 0;
}

/* fd's tcpi_state (Linux's TCP_* numbering), or -errno. */
static inline int tcpi_state(int fd)
{
	struct tcp_info ti;
	int err = tcp_info_of(fd, &ti);

	return err ? err : ti.tcpi_state;
}

#endif /* PKTPEER_FIXTURE_H */
