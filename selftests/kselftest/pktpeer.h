/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted TCP peer for the kselftest programs: a TUN device (IFF_TUN | IFF_NO_PI) in the
 * caller's network namespace, 10.77.0.1/24 on the kernel side, and a fake remote host
 * 10.77.0.2 behind it whose IPv4+TCP segments are built here byte by byte and written to the
 * TUN fd.  Segments the kernel routes to 10.77.0.2 are read back, parsed and checksum-checked.
 *
 * The caller must already be in a private network namespace (unshare(CLONE_NEWNET)): the
 * device name and addresses are fixed.
 */
#ifndef PKTPEER_H
#define PKTPEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PEER_IFNAME	"tpeer0"
#define PEER_LOCAL	"10.77.0.1"	/* the kernel's address on the TUN device */
#define PEER_REMOTE	"10.77.0.2"	/* the scripted peer */
#define PEER_NETMASK	"255.255.255.0"

/* TCP header flag bits (RFC 9293 section 3.1). */
#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20
/* The flags that decide what a segment is; PSH, URG, ECE and CWR are not among them. */
#define TH_CTL		(TH_FIN | TH_SYN | TH_RST | TH_ACK)

#define PEER_MAX_PAYLOAD 2048

/* One segment the kernel sent. */
struct pkt_seg {
	struct in_addr saddr, daddr;
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t urg_ptr;		/* the urgent pointer field, as sent */
	int mss;			/* MSS option value, -1 when absent */
	int wscale;			/* window scale shift, -1 when absent */
	bool sack_perm, has_ts;
	uint32_t tsval, tsecr;		/* timestamp option values, when has_ts */
	int nsack;			/* SACK blocks in the segment (RFC 2018), 0 if none */
	uint32_t sack[4][2];		/* the first nsack blocks: left, right edge */
	size_t optlen;			/* bytes of TCP options, as sent */
	uint8_t opt[40];		/* the TCP options, as sent */
	size_t len;			/* payload length */
	uint8_t data[PEER_MAX_PAYLOAD];	/* the first PEER_MAX_PAYLOAD bytes of the payload */
	bool csum_ok;			/* IPv4 header and TCP checksums both verify */
	struct timespec when;		/* CLOCK_MONOTONIC when read */
};

/* A segment for the peer to send; zero fields take the defaults noted. */
struct pkt_out {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;			/* 0: the peer's window */
	uint16_t urg_ptr;		/* the urgent pointer field (with TH_URG, or not) */
	int mss;			/* MSS option: > 0 value, 0 none */
	const void *data;
	size_t len;
	int doff;			/* data offset in words: 0 computed; else written as is */
	bool bad_csum;			/* corrupt the TCP checksum */
};

/* The TUN device and the peer's half of one connection. */
struct pkt_peer {
	int tun;
	struct in_addr local, remote;
	uint16_t port;			/* the peer's port */
	uint16_t kport;			/* the kernel socket's port; 0 matches any */
	uint32_t iss, snd_nxt, rcv_nxt;	/* the peer's sequence variables */
	uint16_t win;			/* window the peer advertises */
	uint16_t mss;			/* MSS option the peer puts on its SYNs */
	uint16_t ip_id;
	unsigned int bad_csums;		/* kernel segments whose checksums did not verify */
	unsigned int skipped;		/* packets read but not matched by an expectation */
	char last_skipped[160];		/* description of the latest of those */
};

static inline long long peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline long long peer_ts_ms(const struct timespec *ts)
{
	return ts->tv_sec * 1000LL + ts->tv_nsec / 1000000;
}

/* Write a string to a /proc/sys file; 0 or -errno. */
static inline int peer_sysctl(const char *path, const char *value)
{
	ssize_t len = strlen(value), n;
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n != len)
		err = n < 0 ? -errno : -EIO;
	close(fd);
	return err;
}

static inline int peer_ifflags_up(int ctl, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr))
		return -errno;
	return 0;
}

static inline int peer_ifaddr(int ctl, const char *name, unsigned long req, const char *addr)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (ioctl(ctl, req, &ifr))
		return -errno;
	return 0;
}

/* Create the TUN device, address it and bring it and lo up; 0 or -errno. */
static inline int peer_open(struct pkt_peer *p)
{
	struct ifreq ifr;
	int ctl, err;

	memset(p, 0, sizeof(*p));
	p->tun = -1;
	p->win = 65535;
	p->mss = 1400;
	inet_pton(AF_INET, PEER_LOCAL, &p->local);
	inet_pton(AF_INET, PEER_REMOTE, &p->remote);

	p->tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->tun < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, PEER_IFNAME, IFNAMSIZ - 1);
	if (ioctl(p->tun, TUNSETIFF, &ifr))
		return -errno;
	/* Keep IPv6 router solicitations and MLD reports off the device; not fatal. */
	peer_sysctl("/proc/sys/net/ipv6/conf/" PEER_IFNAME "/disable_ipv6", "1");

	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0)
		return -errno;
	err = peer_ifaddr(ctl, PEER_IFNAME, SIOCSIFADDR, PEER_LOCAL);
	if (!err)
		err = peer_ifaddr(ctl, PEER_IFNAME, SIOCSIFNETMASK, PEER_NETMASK);
	if (!err)
		err = peer_ifflags_up(ctl, PEER_IFNAME);
	if (!err)
		err = peer_ifflags_up(ctl, "lo");
	close(ctl);
	return err;
}

static inline void peer_close(struct pkt_peer *p)
{
	if (p->tun >= 0)
		close(p->tun);
	p->tun = -1;
}

/* The Internet checksum (RFC 1071) of buf, continuing from sum. */
static inline uint32_t peer_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len > 1) {
		sum += (uint32_t)b[0] << 8 | b[1];
		b += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static inline uint16_t peer_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP checksum over the pseudo-header (RFC 9293 section 3.1) and the segment. */
static inline uint16_t peer_tcp_csum(const uint8_t *ip, const uint8_t *tcp, size_t tcplen)
{
	uint8_t pseudo[12];

	memcpy(pseudo, ip + 12, 8);		/* source and destination address */
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = tcplen >> 8;
	pseudo[11] = tcplen & 0xff;
	return peer_csum_fold(peer_csum_add(peer_csum_add(0, pseudo, 12), tcp, tcplen));
}

static inline void peer_put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void peer_put32(uint8_t *b, uint32_t v)
{
	peer_put16(b, v >> 16);
	peer_put16(b + 2, v & 0xffff);
}

static inline uint16_t peer_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t peer_get32(const uint8_t *b)
{
	return (uint32_t)peer_get16(b) << 16 | peer_get16(b + 2);
}

/* Build and send one segment from the peer to the kernel; 0 or -errno. */
/* Write a 20-byte IPv4 header (TTL 64) with its checksum at ip. */
static inline void peer_ip_header(uint8_t *ip, uint16_t total, uint16_t id, uint16_t frag,
				  uint8_t proto, const struct in_addr *src,
				  const struct in_addr *dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;				/* version 4, IHL 5 */
	peer_put16(ip + 2, total);
	peer_put16(ip + 4, id);
	peer_put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	peer_put16(ip + 10, peer_csum_fold(peer_csum_add(0, ip, 20)));
}

static inline int peer_xmit(struct pkt_peer *p, const struct pkt_out *o)
{
	uint8_t pkt[20 + 24 + PEER_MAX_PAYLOAD];
	uint8_t *ip = pkt, *tcp = pkt + 20;
	size_t optlen = o->mss > 0 ? 4 : 0, tcplen, total;
	uint16_t csum;

	if (o->len > PEER_MAX_PAYLOAD)
		return -EMSGSIZE;
	tcplen = 20 + optlen + o->len;
	total = 20 + tcplen;
	memset(tcp, 0, 20 + optlen);
	peer_ip_header(ip, total, ++p->ip_id, 0x4000 /* DF */, IPPROTO_TCP, &p->remote,
		       &p->local);

	peer_put16(tcp, p->port);
	peer_put16(tcp + 2, p->kport);
	peer_put32(tcp + 4, o->seq);
	peer_put32(tcp + 8, (o->flags & TH_ACK) ? o->ack : 0);
	tcp[12] = (o->doff ? o->doff : (int)(20 + optlen) / 4) << 4;
	tcp[13] = o->flags;
	peer_put16(tcp + 14, o->win ? o->win : p->win);
	peer_put16(tcp + 18, o->urg_ptr);
	if (optlen) {
		tcp[20] = 2;				/* kind MSS, RFC 9293 3.2 */
		tcp[21] = 4;
		peer_put16(tcp + 22, o->mss);
	}
	if (o->len)
		memcpy(tcp + 20 + optlen, o->data, o->len);
	csum = peer_tcp_csum(ip, tcp, tcplen);
	if (o->bad_csum)
		csum ^= 0x5a5a;
	peer_put16(tcp + 16, csum);

	if (write(p->tun, pkt, total) != (ssize_t)total)
		return -errno;
	return 0;
}

/*
 * Like peer_xmit(), with the TCP options given as raw bytes (opt, optlen <= 40; padded with
 * EOL to a multiple of 4) instead of o->mss.  0 or -errno.
 */
static inline int peer_xmit_opts(struct pkt_peer *p, const struct pkt_out *o, const uint8_t *opt,
				 size_t optlen)
{
	uint8_t pkt[20 + 60 + PEER_MAX_PAYLOAD];
	uint8_t *ip = pkt, *tcp = pkt + 20;
	size_t padded = (optlen + 3) & ~(size_t)3, tcplen, total;

	if (o->len > PEER_MAX_PAYLOAD || padded > 40)
		return -EMSGSIZE;
	tcplen = 20 + padded + o->len;
	total = 20 + tcplen;
	memset(tcp, 0, 20 + padded);
	peer_ip_header(ip, total, ++p->ip_id, 0x4000 /* DF */, IPPROTO_TCP, &p->remote,
		       &p->local);
	peer_put16(tcp, p->port);
	peer_put16(tcp + 2, p->kport);
	peer_put32(tcp + 4, o->seq);
	peer_put32(tcp + 8, (o->flags & TH_ACK) ? o->ack : 0);
	tcp[12] = (uint8_t)((20 + padded) / 4) << 4;
	tcp[13] = o->flags;
	peer_put16(tcp + 14, o->win ? o->win : p->win);
	peer_put16(tcp + 18, o->urg_ptr);
	memcpy(tcp + 20, opt, optlen);
	if (o->len)
		memcpy(tcp + 20 + padded, o->data, o->len);
	peer_put16(tcp + 16, peer_tcp_csum(ip, tcp, tcplen));
	if (write(p->tun, pkt, total) != (ssize_t)total)
		return -errno;
	return 0;
}

/*
 * Send the peer's SYN (flags TH_SYN, or TH_SYN | TH_ACK answering the kernel's SYN) with the
 * options MSS p->mss and, when wscale >= 0, window scale wscale (RFC 7323 2.2); snd_nxt
 * advances by one.  0 or -errno.
 */
static inline int peer_send_syn_wscale(struct pkt_peer *p, uint8_t flags, int wscale)
{
	uint8_t opt[8] = { 2, 4, p->mss >> 8, p->mss & 0xff, 1, 3, 3, (uint8_t)wscale };
	struct pkt_out o = { .flags = flags, .seq = p->snd_nxt, .ack = p->rcv_nxt };
	int err = peer_xmit_opts(p, &o, opt, wscale >= 0 ? 8 : 4);

	if (!err)
		p->snd_nxt++;
	return err;
}

/*
 * Option builders for peer_xmit_opts(), laid out as Linux's tcp_options_write() does; each
 * writes at opt and returns the bytes written (a multiple of 4).
 */

/* NOP, NOP, timestamps (RFC 7323 3): 12 bytes. */
static inline size_t peer_opt_ts(uint8_t *opt, uint32_t tsval, uint32_t tsecr)
{
	opt[0] = 1;
	opt[1] = 1;
	opt[2] = 8;
	opt[3] = 10;
	peer_put32(opt + 4, tsval);
	peer_put32(opt + 8, tsecr);
	return 12;
}

/* NOP, NOP, SACK with n (1..4) blocks of [left, right) (RFC 2018 3): 4 + 8n bytes. */
static inline size_t peer_opt_sack(uint8_t *opt, const uint32_t (*blocks)[2], int n)
{
	int b;

	opt[0] = 1;
	opt[1] = 1;
	opt[2] = 5;
	opt[3] = (uint8_t)(2 + 8 * n);
	for (b = 0; b < n; b++) {
		peer_put32(opt + 4 + 8 * b, blocks[b][0]);
		peer_put32(opt + 8 + 8 * b, blocks[b][1]);
	}
	return 4 + 8 * (size_t)n;
}

/*
 * A SYN's options as Linux sends them: MSS (when mss > 0); SACK-permitted and timestamps
 * together (04 02 08 0a TSval TSecr) or each alone (01 01 08 0a ..., 01 01 04 02); window
 * scale (01 03 03 ws) when wscale >= 0.  Up to 20 bytes.
 */
static inline size_t peer_opt_syn(uint8_t *opt, int mss, bool sack_perm, bool ts, uint32_t tsval,
				  uint32_t tsecr, int wscale)
{
	size_t n = 0;

	if (mss > 0) {
		opt[n++] = 2;
		opt[n++] = 4;
		peer_put16(opt + n, (uint16_t)mss);
		n += 2;
	}
	if (ts) {
		n += peer_opt_ts(opt + n, tsval, tsecr);
		if (sack_perm) {
			opt[n - 12] = 4;
			opt[n - 11] = 2;
		}
	} else if (sack_perm) {
		opt[n++] = 1;
		opt[n++] = 1;
		opt[n++] = 4;
		opt[n++] = 2;
	}
	if (wscale >= 0) {
		opt[n++] = 1;
		opt[n++] = 3;
		opt[n++] = 3;
		opt[n++] = (uint8_t)wscale;
	}
	return n;
}

/*
 * Send an ICMP error (type, code; mtu for "fragmentation needed") from the peer's address
 * that quotes segment s, which the kernel sent: its IPv4 header and first 8 TCP bytes
 * (RFC 792).  0 or -errno.
 */
static inline int peer_icmp(struct pkt_peer *p, uint8_t type, uint8_t code, uint16_t mtu,
			    const struct pkt_seg *s)
{
	uint8_t pkt[20 + 8 + 20 + 8];
	uint8_t *ip = pkt, *icmp = pkt + 20, *in = pkt + 28, *th = pkt + 48;

	memset(pkt, 0, sizeof(pkt));
	peer_ip_header(ip, sizeof(pkt), ++p->ip_id, 0, IPPROTO_ICMP, &p->remote, &p->local);
	/* The quoted header as the kernel sent it (its IP ID is not kept: 0 here). */
	peer_ip_header(in, 40 + s->len, 0, 0x4000, IPPROTO_TCP, &s->saddr, &s->daddr);
	peer_put16(th, s->sport);
	peer_put16(th + 2, s->dport);
	peer_put32(th + 4, s->seq);

	icmp[0] = type;
	icmp[1] = code;
	peer_put16(icmp + 6, mtu);
	peer_put16(icmp + 2, peer_csum_fold(peer_csum_add(0, icmp, sizeof(pkt) - 20)));
	if (write(p->tun, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
		return -errno;
	return 0;
}

/*
 * Send a segment in the peer's current sequence state: seq snd_nxt, ack rcv_nxt, the peer's
 * window, its MSS option on SYNs; snd_nxt advances by the segment's length (SYN and FIN
 * count one each).
 */
static inline int peer_send(struct pkt_peer *p, uint8_t flags, const void *data, size_t len)
{
	struct pkt_out o = {
		.flags = flags,
		.seq = p->snd_nxt,
		.ack = p->rcv_nxt,
		.mss = (flags & TH_SYN) ? p->mss : 0,
		.data = data,
		.len = len,
	};
	int err = peer_xmit(p, &o);

	if (!err)
		p->snd_nxt += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
	return err;
}

static inline void peer_parse_options(struct pkt_seg *s, const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		olen = opt[i + 1];
		if (kind == 2 && olen == 4)
			s->mss = peer_get16(opt + i + 2);
		else if (kind == 3 && olen == 3)
			s->wscale = opt[i + 2];
		else if (kind == 4 && olen == 2)
			s->sack_perm = true;
		else if (kind == 8 && olen == 10) {
			s->has_ts = true;
			s->tsval = peer_get32(opt + i + 2);
			s->tsecr = peer_get32(opt + i + 6);
		} else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
			int b;

			for (b = 0; b < (olen - 2) / 8 && b < 4; b++) {
				s->sack[b][0] = peer_get32(opt + i + 2 + 8 * b);
				s->sack[b][1] = peer_get32(opt + i + 6 + 8 * b);
			}
			s->nsack = b;
		}
		i += olen;
	}
}

/* Parse an IPv4 TCP packet; false for anything else (IPv6, other protocols, runts). */
static inline bool peer_parse(const uint8_t *pkt, size_t n, struct pkt_seg *s)
{
	size_t ihl, total, doff, tcplen;
	const uint8_t *tcp;

	if (n < 20 || pkt[0] >> 4 != 4 || pkt[9] != IPPROTO_TCP)
		return false;
	ihl = (pkt[0] & 0xf) * 4;
	total = peer_get16(pkt + 2);
	if (ihl < 20 || total > n || total < ihl + 20)
		return false;
	tcp = pkt + ihl;
	tcplen = total - ihl;
	doff = (tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tcplen)
		return false;

	memset(s, 0, offsetof(struct pkt_seg, data));
	memcpy(&s->saddr, pkt + 12, 4);
	memcpy(&s->daddr, pkt + 16, 4);
	s->sport = peer_get16(tcp);
	s->dport = peer_get16(tcp + 2);
	s->seq = peer_get32(tcp + 4);
	s->ack = peer_get32(tcp + 8);
	s->flags = tcp[13];
	s->win = peer_get16(tcp + 14);
	s->urg_ptr = peer_get16(tcp + 18);
	s->mss = -1;
	s->wscale = -1;
	s->optlen = doff - 20;
	memcpy(s->opt, tcp + 20, s->optlen);
	peer_parse_options(s, tcp + 20, doff - 20);
	s->len = tcplen - doff;
	memcpy(s->data, tcp + doff, s->len < PEER_MAX_PAYLOAD ? s->len : PEER_MAX_PAYLOAD);
	s->csum_ok = peer_csum_fold(peer_csum_add(0, pkt, ihl)) == 0 &&
		     peer_tcp_csum(pkt, tcp, tcplen) == 0;
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	return true;
}

/* Describe a segment tcpdump-style into buf. */
static inline const char *peer_fmt(const struct pkt_seg *s, char *buf, size_t size)
{
	static const char names[] = "FSRPAU";
	char fl[8], src[16], dst[16];
	int i, j = 0;

	for (i = 0; i < 6; i++)
		if (s->flags & (1 << i))
			fl[j++] = names[i];
	fl[j] = '\0';
	inet_ntop(AF_INET, &s->saddr, src, sizeof(src));
	inet_ntop(AF_INET, &s->daddr, dst, sizeof(dst));
	snprintf(buf, size, "%s:%u > %s:%u [%s] seq %u ack %u win %u mss %d len %zu%s",
		 src, s->sport, dst, s->dport, fl, s->seq, s->ack, s->win, s->mss, s->len,
		 s->csum_ok ? "" : " BAD-CSUM");
	return buf;
}

/* The next IPv4 TCP segment the kernel sends, waiting up to timeout_ms: 1, 0 (none), -errno. */
static inline int peer_recv(struct pkt_peer *p, struct pkt_seg *s, int timeout_ms)
{
	long long deadline = peer_now_ms() + timeout_ms;
	uint8_t pkt[65536];
	ssize_t n;

	for (;;) {
		struct pollfd pfd = { .fd = p->tun, .events = POLLIN };
		long long left = deadline - peer_now_ms();
		int r;

		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0) {
			if (left <= 0)
				return 0;
			continue;
		}
		n = read(p->tun, pkt, sizeof(pkt));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (!peer_parse(pkt, n, s)) {
			p->skipped++;
			snprintf(p->last_skipped, sizeof(p->last_skipped),
				 "non-TCP packet, %zd bytes, first byte 0x%02x", n, pkt[0]);
			continue;
		}
		if (!s->csum_ok)
			p->bad_csums++;
		return 1;
	}
}

/* Does s belong to the peer's connection (either kernel port when kport is 0)? */
static inline bool peer_match(const struct pkt_peer *p, const struct pkt_seg *s)
{
	return s->saddr.s_addr == p->local.s_addr && s->daddr.s_addr == p->remote.s_addr &&
	       s->dport == p->port && (!p->kport || s->sport == p->kport);
}

static inline void peer_skip(struct pkt_peer *p, const struct pkt_seg *s)
{
	p->skipped++;
	peer_fmt(s, p->last_skipped, sizeof(p->last_skipped));
}

/*
 * Wait up to timeout_ms for a segment of the connection with (flags & mask) == want,
 * skipping (and remembering in last_skipped) everything else: 1 found, 0 timed out, -errno.
 */
static inline int peer_expect(struct pkt_peer *p, uint8_t want, uint8_t mask, int timeout_ms,
			      struct pkt_seg *s)
{
	long long deadline = peer_now_ms() + timeout_ms;
	int r;

	for (;;) {
		long long left = deadline - peer_now_ms();

		r = peer_recv(p, s, left > 0 ? (int)left : 0);
		if (r <= 0)
			return r;
		if (peer_match(p, s) && (s->flags & mask) == want)
			return 1;
		peer_skip(p, s);
	}
}

/*
 * Wait up to timeout_ms for an acknowledgment of exactly ack (no SYN, FIN or RST), skipping
 * pure ACKs that acknowledge less (window updates, delayed ACKs of earlier data).
 */
static inline int peer_expect_ack(struct pkt_peer *p, uint32_t ack, int timeout_ms,
				  struct pkt_seg *s)
{
	long long deadline = peer_now_ms() + timeout_ms;
	int r;

	for (;;) {
		long long left = deadline - peer_now_ms();

		r = peer_expect(p, TH_ACK, TH_CTL, left > 0 ? (int)left : 0, s);
		if (r <= 0)
			return r;
		if (s->ack == ack || s->len || (int32_t)(s->ack - ack) > 0)
			return 1;
		peer_skip(p, s);
	}
}

/*
 * Is the connection silent for timeout_ms?  0: nothing of it arrived; 1: s holds what did
 * (packets of other connections and non-TCP packets are skipped).
 */
static inline int peer_expect_quiet(struct pkt_peer *p, int timeout_ms, struct pkt_seg *s)
{
	return peer_expect(p, 0, 0, timeout_ms, s);
}

/* Discard everything already queued on the TUN device. */
static inline void peer_drain(struct pkt_peer *p)
{
	struct pkt_seg s;

	while (peer_recv(p, &s, 0) > 0)
		peer_skip(p, &s);
}

#endif /* PKTPEER_H */
