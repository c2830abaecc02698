/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket-level helpers for tcpalt_api.c and tcpalt_close.c: a private network namespace with lo
 * up, connected pairs of any two families, the connection table of either stack
 * (/proc/tcpalt/connections for tcpalt, /proc/net/tcp for the kernel TCP) and a checksummed
 * pseudorandom byte stream.  Everything here returns errors instead of asserting, so it can run
 * in threads; every blocking step has a timeout.
 */
#ifndef TCPALT_SOCK_LIB_H
#define TCPALT_SOCK_LIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpalt_lib.h"

/* Upper bound for any single blocking step (connect, accept, a recv that must not hang). */
#define SL_STEP_MS	3000

static inline long long sl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sl_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Set IFF_UP on the interface ifr names, through fd (any socket of the namespace).  0 or -errno. */
static inline int sl_ifr_up(int fd, struct ifreq *ifr)
{
	if (ioctl(fd, SIOCGIFFLAGS, ifr))
		return -errno;
	ifr->ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, ifr) ? -errno : 0;
}

/* Enter a new network namespace and bring its lo up (ioctl SIOCSIFFLAGS).  0 or -errno. */
static inline int sl_netns_lo_up(void)
{
	struct ifreq ifr;
	int fd, ret = 0;

	if (unshare(CLONE_NEWNET))
		return -errno;
	/* Orphans in FIN-WAIT-2 end within a second, so the module can be unloaded after. */
	fd = open(TCPALT_SYSCTL_DIR "/fin_timeout_ms", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1000", 4) != 4)
			ret = -errno;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (!ret)
		ret = sl_ifr_up(fd, &ifr);
	close(fd);
	return ret;
}

static inline struct sockaddr_in sl_addr(const char *ip, unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static inline struct sockaddr_in sl_loopback(unsigned short port)
{
	return sl_addr("127.0.0.1", port);
}

static inline int sl_set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

static inline int sl_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

static inline int sl_setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) ? -errno : 0;
}

/* getsockopt of an int; the value, or -errno. */
static inline int sl_getint(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int val = 0;

	if (getsockopt(fd, level, opt, &val, &len))
		return -errno;
	return val;
}

static inline unsigned short sl_local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sin_port);
}

/* poll() one fd; the revents, 0 on timeout, -errno on error. */
static inline int sl_poll(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	n = poll(&p, 1, ms);
	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

/* Poll until (revents & want) == want or ms pass; the last revents (or -errno). */
static inline int sl_poll_for(int fd, short events, short want, int ms)
{
	long long end = sl_now_ms() + ms;
	int rev;

	do {
		rev = sl_poll(fd, events, 10);
		if (rev < 0 || (rev & want) == want)
			return rev;
	} while (sl_now_ms() < end);
	return rev;
}

/* A stream socket of family, bound to 127.0.0.1:port (port 0: ephemeral), listening.  fd or -errno. */
static inline int sl_listener(int family, unsigned short port, int backlog)
{
	struct sockaddr_in a = sl_loopback(port);
	int fd, one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * connect() that cannot hang: a blocking connect bounded by SO_SNDTIMEO (which connect()
 * honours), so the socket ends fully connected as after a plain connect().  0 or -errno;
 * -ETIMEDOUT if the handshake did not finish within ms.
 */
static inline int sl_connect(int fd, const struct sockaddr_in *to, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 }, old;
	socklen_t len = sizeof(old);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &old, &len) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)))
		err = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &old, sizeof(old));
	return err;
}

/* accept() that cannot hang: poll the listener for up to ms.  fd or -errno. */
static inline int sl_accept(int lfd, int ms)
{
	int rev = sl_poll(lfd, POLLIN, ms), fd;

	if (rev < 0)
		return rev;
	if (!(rev & POLLIN))
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A connected pair: c (client) of cfam, s (accepted) from l, a listener of sfam. */
struct sl_pair {
	int c, s, l;
	struct sockaddr_in caddr, saddr;	/* client's and server's (local) addresses */
};

static inline void sl_pair_close(struct sl_pair *p)
{
	if (p->c >= 0)
		close(p->c);
	if (p->s >= 0)
		close(p->s);
	if (p->l >= 0)
		close(p->l);
	p->c = p->s = p->l = -1;
}

/*
 * Listener of sfam on 127.0.0.1:port (0: ephemeral), client of cfam connected to it, the
 * connection accepted; c and s get SO_RCVTIMEO/SO_SNDTIMEO of SL_STEP_MS.  0 or -errno
 * (everything closed on error).
 */
static inline int sl_make_pair(int cfam, int sfam, unsigned short port, struct sl_pair *p)
{
	socklen_t len = sizeof(p->caddr);
	struct sockaddr_in to;
	int err;

	p->c = p->s = -1;
	p->l = sl_listener(sfam, port, 16);
	if (p->l < 0) {
		err = p->l;
		goto fail;
	}
	to = sl_loopback(sl_local_port(p->l));
	p->c = socket(cfam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->c < 0) {
		err = -errno;
		goto fail;
	}
	err = sl_connect(p->c, &to, SL_STEP_MS);
	if (err)
		goto fail;
	p->s = sl_accept(p->l, SL_STEP_MS);
	if (p->s < 0) {
		err = p->s;
		goto fail;
	}
	if (getsockname(p->c, (struct sockaddr *)&p->caddr, &len)) {
		err = -errno;
		goto fail;
	}
	p->saddr = to;
	sl_set_timeouts(p->c, SL_STEP_MS);
	sl_set_timeouts(p->s, SL_STEP_MS);
	return 0;
fail:
	sl_pair_close(p);
	return err;
}

/* ---- connection tables ---- */

/* A row of either stack's table, normalised to RFC 9293 state names. */
struct sl_row {
	char state[32];
	long ms_left;	/* time to the next timer; -1 if none */
};

static const char *const sl_linux_states[] = {
	[1] = "ESTABLISHED", [2] = "SYN-SENT", [3] = "SYN-RECEIVED", [4] = "FIN-WAIT-1",
	[5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "CLOSED", [8] = "CLOSE-WAIT",
	[9] = "LAST-ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "SYN-RECEIVED",
};

static inline void sl_fmt(char *buf, size_t size, const struct sockaddr_in *a)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf, size, "%s:%u", ip, ntohs(a->sin_port));
}

/* /proc/tcpalt/connections: 1 and *row if local/remote has a row, 0 if not, -1 on error. */
static inline int sl_tcpalt_row(const struct sockaddr_in *local, const struct sockaddr_in *remote,
				struct sl_row *row)
{
	char line[512], l[64], r[64], st[32], timer[32], ms[32], want_l[64], want_r[64];
	long sendq, recvq;
	int found = 0;
	FILE *f;

	sl_fmt(want_l, sizeof(want_l), local);
	sl_fmt(want_r, sizeof(want_r), remote);
	f = fopen(TCPALT_PROC_CONNECTIONS, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %63s %31s %ld %ld %31s %31s", l, r, st, &sendq, &recvq,
			   timer, ms) != 7)
			continue;
		if (strcmp(l, want_l) || strcmp(r, want_r))
			continue;
		found = 1;
		snprintf(row->state, sizeof(row->state), "%s", st);
		row->ms_left = strcmp(timer, "-") ? strtol(ms, NULL, 10) : -1;
	}
	fclose(f);
	return found;
}

/*
 * /proc/net/tcp (the kernel TCP of this netns).  Addresses are the raw __be32 printed as %08X;
 * a TIME-WAIT row's "tr:when" is 3:<clock_t to expiry> (USER_HZ 100, so *10 for ms).
 */
static inline int sl_inet_row(const struct sockaddr_in *local, const struct sockaddr_in *remote,
			      struct sl_row *row)
{
	unsigned int la, lp, ra, rp, st, tr;
	unsigned long when;
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/proc/net/tcp", "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %X:%X %X:%X %X %*X:%*X %X:%lX", &la, &lp, &ra, &rp, &st,
			   &tr, &when) != 7)
			continue;
		if (la != local->sin_addr.s_addr || lp != ntohs(local->sin_port) ||
		    ra != remote->sin_addr.s_addr || rp != ntohs(remote->sin_port))
			continue;
		found = 1;
		snprintf(row->state, sizeof(row->state), "%s",
			 st < 13 && sl_linux_states[st] ? sl_linux_states[st] : "?");
		row->ms_left = tr ? (long)when * 10 : -1;
	}
	fclose(f);
	return found;
}

/* The row of the endpoint local (of stack tcpalt or not) talking to remote. */
static inline int sl_row(int tcpalt, const struct sockaddr_in *local,
			 const struct sockaddr_in *remote, struct sl_row *row)
{
	return tcpalt ? sl_tcpalt_row(local, remote, row) : sl_inet_row(local, remote, row);
}

/* The row's state name, "gone" if there is no row, "error" if the table can't be read. */
static inline const char *sl_state(int tcpalt, const struct sockaddr_in *local,
				   const struct sockaddr_in *remote, struct sl_row *row)
{
	int ret = sl_row(tcpalt, local, remote, row);

	if (ret < 0)
		return "error";
	return ret ? row->state : "gone";
}

/*
 * Poll the table every 10 ms until the endpoint's state is state ("gone": no row), up to ms.
 * 0 when reached (row filled), else -ETIMEDOUT with row->state the last seen state.
 */
static inline int sl_wait_state(int tcpalt, const struct sockaddr_in *local,
				const struct sockaddr_in *remote, const char *state, int ms,
				struct sl_row *row)
{
	long long end = sl_now_ms() + ms;
	const char *seen;
	struct sl_row tmp;

	if (!row)
		row = &tmp;
	for (;;) {
		seen = sl_state(tcpalt, local, remote, row);
		if (!strcmp(seen, state))
			return 0;
		if (seen != row->state)
			snprintf(row->state, sizeof(row->state), "%s", seen);
		if (sl_now_ms() >= end)
			return -ETIMEDOUT;
		sl_sleep_ms(10);
	}
}

/* A counter of /proc/tcpalt/stats ("Name value" lines); -1 if absent. */
static inline long sl_tcpalt_stat(const char *name)
{
	char line[256], n[128];
	long v, ret = -1;
	FILE *f;

	f = fopen(TCPALT_PROC_STATS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", n, &v) == 2 && !strcmp(n, name))
			ret = v;
	fclose(f);
	return ret;
}

/* A TcpExt counter of /proc/net/netstat (the kernel TCP of this namespace); -1 if absent. */
static inline long sl_tcpext(const char *name)
{
	static char names[8192], vals[8192];
	char *sn = NULL, *sv = NULL, *n, *v;
	long ret = -1;
	FILE *f;

	f = fopen("/proc/net/netstat", "r");
	if (!f)
		return -1;
	while (ret < 0 && fgets(names, sizeof(names), f)) {
		if (strncmp(names, "TcpExt:", 7) || !fgets(vals, sizeof(vals), f))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(vals, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, name)) {
				ret = atol(v);
				break;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return ret;
}

/* A counter both stacks keep under one name: tcpalt's /proc/tcpalt/stats or TcpExt. */
static inline long sl_stack_stat(int tcpalt, const char *name)
{
	return tcpalt ? sl_tcpalt_stat(name) : sl_tcpext(name);
}

/* Write a string to a sysctl file; 0 or -errno. */
static inline int sl_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- checksummed pseudorandom stream ---- */

#define SL_FNV_INIT	0xcbf29ce484222325ULL

static inline uint64_t sl_splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes [off, off + len) of the stream named by seed. */
static inline void sl_fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint64_t w = sl_splitmix(seed ^ (off / 8));
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (i && !(off % 8))
			w = sl_splitmix(seed ^ (off / 8));
		buf[i] = (uint8_t)(w >> (8 * (off % 8)));
	}
}

/* FNV-1a (64 bit), continued from h. */
static inline uint64_t sl_fnv(uint64_t h, const uint8_t *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* One direction of a transfer; run by sl_xfer_run, in a thread or not. */
struct sl_xfer {
	int fd;
	int sender;		/* 1: write len bytes of the stream; 0: read them */
	uint64_t seed;
	size_t len;
	size_t done;		/* bytes sent or received */
	uint64_t hash;		/* FNV-1a of those bytes */
	long long first_bad;	/* receiver: offset of the first byte not in the stream, or -1 */
	int err;		/* errno of the failing call; ENODATA for an early EOF */
};

static inline void *sl_xfer_run(void *arg)
{
	static const size_t chunk = 65536;
	struct sl_xfer *x = arg;
	uint8_t *buf = malloc(chunk), *want = malloc(chunk);
	ssize_t n;
	size_t i;

	x->hash = SL_FNV_INIT;
	x->done = 0;
	x->first_bad = -1;
	x->err = 0;
	while (buf && want && x->done < x->len && !x->err) {
		size_t len = x->len - x->done < chunk ? x->len - x->done : chunk;

		if (x->sender) {
			sl_fill(buf, len, x->seed, x->done);
			n = send(x->fd, buf, len, MSG_NOSIGNAL);
		} else {
			n = recv(x->fd, buf, len, 0);
		}
		if (n < 0) {
			if (errno != EINTR)
				x->err = errno;
			continue;
		}
		if (n == 0) {
			x->err = ENODATA;
			continue;
		}
		if (!x->sender && x->first_bad < 0) {
			sl_fill(want, n, x->seed, x->done);
			for (i = 0; i < (size_t)n; i++)
				if (buf[i] != want[i]) {
					x->first_bad = x->done + i;
					break;
				}
		}
		x->hash = sl_fnv(x->hash, buf, n);
		x->done += n;
	}
	if (!buf || !want)
		x->err = ENOMEM;
	free(buf);
	free(want);
	return NULL;
}

/* Run one direction of a transfer in a new thread (*th): fd sends or reads len bytes. */
static inline void sl_xfer_start(pthread_t *th, struct sl_xfer *x, int fd, int sender,
				 uint64_t seed, size_t len)
{
	memset(x, 0, sizeof(*x));
	x->fd = fd;
	x->sender = sender;
	x->seed = seed;
	x->len = len;
	pthread_create(th, NULL, sl_xfer_run, x);
}

/*
 * A received stream is complete, in order and matches the sender's checksum (kselftest
 * harness assertions: use inside a TEST).
 */
#define EXPECT_STREAM(rx, tx) do { \
	EXPECT_EQ(0, (rx)->err) TH_LOG("receiver: %s", strerror((rx)->err)); \
	EXPECT_EQ((rx)->len, (rx)->done); \
	EXPECT_EQ(-1, (rx)->first_bad); \
	EXPECT_EQ(sl_stream_hash((rx)->seed, (rx)->len), (rx)->hash); \
	EXPECT_EQ((tx)->hash, (rx)->hash); \
} while (0)

/* The FNV-1a of the first len bytes of stream seed, computed without any socket. */
static inline uint64_t sl_stream_hash(uint64_t seed, size_t len)
{
	uint8_t buf[4096];
	uint64_t h = SL_FNV_INIT, off = 0;

	while (off < len) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		sl_fill(buf, n, seed, off);
		h = sl_fnv(h, buf, n);
		off += n;
	}
	return h;
}

#endif /* TCPALT_SOCK_LIB_H */
