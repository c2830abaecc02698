// SPDX-License-Identifier: GPL-2.0
/*
 * Threaded stress: several threads on one listener or one connection at once, listeners closed
 * while handshakes complete, timers firing while the user holds the socket, and a network
 * namespace that goes away with connections in every state.  Every test runs on AF_INET first
 * (the reference: it must pass) and then on AF_TCPALT, each in a network namespace of its own
 * with only lo up, and checks what it can exactly: checksummed bytes, the errno each call may
 * return, the end of every socket, no rows left for the test's ports but TIME-WAIT, counters.
 *
 * Bounded in time: a stress phase lasts TCPALT_STRESS_MS (environment; default 1500 ms), every
 * blocking call has a timeout, and tables are polled, never waited for by sleeping.  A kernel
 * that deadlocks here ends the guest with a report (softlockup_panic, hung_task_panic in
 * selftests/vm/lib.sh), which selftests/vm/judge.awk counts as a failure.
 */
#include <netinet/tcp.h>
#include <linux/sock_diag.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		7400
#define STEP_MS		8000	/* one blocking call, under TCG on a loaded host */
#define DRAIN_MS	10000	/* orphans to end, rows to go, a namespace to be dismantled */
#define MODULE_REFCNT	"/sys/module/tcpalt/refcnt"
#define TRACE_DIR	"/sys/kernel/tracing"
#define TRACE_ENABLE	TRACE_DIR "/events/tcpalt/tcpalt_set_state/enable"

static int stress_ms(void)
{
	const char *s = getenv("TCPALT_STRESS_MS");
	int ms = s ? atoi(s) : 0;

	return ms > 0 ? ms : 1500;
}

static int aload(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void astore(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void ainc(int *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
}

/* What went wrong in the threads: a count, and the first few, for the main thread's report. */
struct faults {
	pthread_mutex_t lock;
	int n;
	char text[1536];
};

#define FAULTS_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

static void __attribute__((format(printf, 2, 3))) fault(struct faults *f, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&f->lock);
	if (f->n++ < 8) {
		len = strlen(f->text);
		snprintf(f->text + len, sizeof(f->text) - len, "%s%s", len ? "; " : "", line);
	}
	pthread_mutex_unlock(&f->lock);
}

/* send() all of buf: 0 or the errno. */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* recv() exactly len bytes: 0, ENODATA for an EOF before them, or the errno; *got: bytes read. */
static int recv_all(int fd, void *buf, size_t len, size_t *got)
{
	char *p = buf;
	ssize_t n;

	*got = 0;
	while (*got < len) {
		n = recv(fd, p + *got, len - *got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (!n)
			return ENODATA;
		*got += n;
	}
	return 0;
}

/* The first offset where buf differs from bytes [off, off + len) of stream seed, or -1. */
static long long stream_mismatch(const uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint8_t want[4096];
	size_t i, n;

	while (len) {
		n = len < sizeof(want) ? len : sizeof(want);
		sl_fill(want, n, seed, off);
		for (i = 0; i < n; i++)
			if (buf[i] != want[i])
				return off + i;
		buf += n;
		len -= n;
		off += n;
	}
	return -1;
}

static int set_linger(int fd, int on, int secs)
{
	struct linger lg = { .l_onoff = on, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ? -errno : 0;
}

static unsigned short port_of(const char *addr)
{
	const char *colon = strrchr(addr, ':');

	return colon ? (unsigned short)atoi(colon + 1) : 0;
}

static void append(char *buf, size_t size, const char *what, const char *line)
{
	size_t len = strlen(buf);

	if (len + 1 < size)
		snprintf(buf + len, size - len, "%s%s%s", what, *what ? ": " : "", line);
}

/*
 * Rows for port (local or remote) that are not TIME-WAIT: in /proc/tcpalt/connections (alt)
 * and in /proc/net/tcp, the kernel TCP's table, for both stacks (for tcpalt it holds its port
 * reservations while they listen).  Their text goes to buf.  -1 if a table cannot be read.
 */
static int leftover_rows(int alt, unsigned short port, char *buf, size_t size)
{
	char line[512], l[64], r[64], s[32];
	unsigned int lp, rp, st;
	int n = 0;
	FILE *f;

	buf[0] = '\0';
	if (alt) {
		f = fopen(TCPALT_PROC_CONNECTIONS, "r");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %63s %31s", l, r, s) != 3 || !strcmp(l, "local"))
				continue;
			if ((port_of(l) == port || port_of(r) == port) && strcmp(s, "TIME-WAIT")) {
				n++;
				append(buf, size, "tcpalt", line);
			}
		}
		fclose(f);
	}
	f = fopen("/proc/net/tcp", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*X:%X %*X:%X %X", &lp, &rp, &st) != 3)
			continue;
		if ((lp == port || rp == port) && st != 6 /* TIME_WAIT */) {
			n++;
			append(buf, size, "tcp", line);
		}
	}
	fclose(f);
	return n;
}

/* Poll until leftover_rows() is 0, up to ms; the last count. */
static int wait_no_leftovers(int alt, unsigned short port, int ms, char *buf, size_t size)
{
	long long end = sl_now_ms() + ms;
	int n;

	for (;;) {
		n = leftover_rows(alt, port, buf, size);
		if (!n || sl_now_ms() >= end)
			return n;
		sl_sleep_ms(20);
	}
}

/* TIME-WAIT rows for port in the stack's table. */
static int timewait_rows(int alt, unsigned short port)
{
	char line[512], l[64], r[64], s[32];
	unsigned int lp, rp, st;
	int n = 0;
	FILE *f;

	f = fopen(alt ? TCPALT_PROC_CONNECTIONS : "/proc/net/tcp", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (alt) {
			if (sscanf(line, "%63s %63s %31s", l, r, s) == 3 &&
			    (port_of(l) == port || port_of(r) == port) && !strcmp(s, "TIME-WAIT"))
				n++;
		} else if (sscanf(line, " %*d: %*X:%X %*X:%X %X", &lp, &rp, &st) == 3 &&
			   (lp == port || rp == port) && st == 6) {
			n++;
		}
	}
	fclose(f);
	return n;
}

/*
 * The timer of the connection local->remote as its table shows it: "-", "retransmit",
 * "probe", "keepalive", ... ("gone" without a row).  /proc/net/tcp names only retransmit (1),
 * keepalive (2), TIME-WAIT (3) and zero-window probe (4).
 */
static void row_timer(int alt, const struct sockaddr_in *local, const struct sockaddr_in *remote,
		      char *timer, size_t size)
{
	static const char *const linux_timers[] = { "-", "retransmit", "keepalive", "timewait",
						    "probe" };
	char line[512], l[64], r[64], st[32], tm[32], want_l[64], want_r[64];
	unsigned int la, lp, ra, rp, tr;
	long q1, q2;
	FILE *f;

	snprintf(timer, size, "gone");
	sl_fmt(want_l, sizeof(want_l), local);
	sl_fmt(want_r, sizeof(want_r), remote);
	f = fopen(alt ? TCPALT_PROC_CONNECTIONS : "/proc/net/tcp", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (alt) {
			if (sscanf(line, "%63s %63s %31s %ld %ld %31s", l, r, st, &q1, &q2, tm) == 6 &&
			    !strcmp(l, want_l) && !strcmp(r, want_r)) {
				snprintf(timer, size, "%s", tm);
				break;
			}
		} else if (sscanf(line, " %*d: %X:%X %X:%X %*X %*X:%*X %X", &la, &lp, &ra, &rp,
				  &tr) == 5 && la == local->sin_addr.s_addr &&
			   lp == ntohs(local->sin_port) && ra == remote->sin_addr.s_addr &&
			   rp == ntohs(remote->sin_port)) {
			snprintf(timer, size, "%s", tr < 5 ? linux_timers[tr] : "other");
			break;
		}
	}
	fclose(f);
}

/* The raw row of local->remote in the stack's table (whitespace squeezed), "" without one. */
static void row_text(int alt, const struct sockaddr_in *local, const struct sockaddr_in *remote,
		     char *buf, size_t size)
{
	char line[512], l[64], r[64], want_l[64], want_r[64];
	unsigned int la, lp, ra, rp;
	FILE *f;

	buf[0] = '\0';
	sl_fmt(want_l, sizeof(want_l), local);
	sl_fmt(want_r, sizeof(want_r), remote);
	f = fopen(alt ? TCPALT_PROC_CONNECTIONS : "/proc/net/tcp", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (alt ? sscanf(line, "%63s %63s", l, r) == 2 && !strcmp(l, want_l) &&
			  !strcmp(r, want_r) :
			  sscanf(line, " %*d: %X:%X %X:%X", &la, &lp, &ra, &rp) == 4 &&
			  la == local->sin_addr.s_addr && lp == ntohs(local->sin_port) &&
			  ra == remote->sin_addr.s_addr && rp == ntohs(remote->sin_port)) {
			snprintf(buf, size, "%s", line);
			break;
		}
	}
	fclose(f);
}

/* A listener of fam on 127.0.0.1:port with SO_RCVBUF rcvbuf (its children inherit it). */
static int listener_rcvbuf(int fam, unsigned short port, int rcvbuf, int backlog)
{
	struct sockaddr_in a = sl_loopback(port);
	int fd, err;

	fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sl_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1) ||
	    sl_setint(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Connect a new socket of fam (SO_SNDBUF sndbuf unless 0) to l's port and accept it. */
static int connect_accept(int fam, int l, int sndbuf, int *c, int *s, struct sockaddr_in *caddr)
{
	struct sockaddr_in to = sl_loopback(sl_local_port(l));
	socklen_t len = sizeof(*caddr);
	int err;

	*s = -1;
	*c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*c < 0)
		return -errno;
	if (sndbuf && sl_setint(*c, SOL_SOCKET, SO_SNDBUF, sndbuf))
		goto fail;
	err = sl_connect(*c, &to, STEP_MS);
	if (err) {
		errno = -err;
		goto fail;
	}
	if (getsockname(*c, (struct sockaddr *)caddr, &len))
		goto fail;
	*s = sl_accept(l, STEP_MS);
	if (*s < 0) {
		errno = -*s;
		goto fail;
	}
	sl_set_timeouts(*c, STEP_MS);
	sl_set_timeouts(*s, STEP_MS);
	return 0;
fail:
	err = -errno;
	close(*c);
	*c = -1;
	return err;
}

static long module_refcnt(void)
{
	char buf[32];

	if (tcpalt_read_file(MODULE_REFCNT, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

FIXTURE(stress) {
	int fam;
};

FIXTURE_VARIANT(stress) {
	int alt;	/* 0: AF_INET, the reference; 1: AF_TCPALT */
};

FIXTURE_VARIANT_ADD(stress, inet) {
	.alt = 0,
};

FIXTURE_VARIANT_ADD(stress, tcpalt) {
	.alt = 1,
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, sl_netns_lo_up());
	signal(SIGPIPE, SIG_IGN);
	/* TIME-WAIT lasts 20 s: every entry a test makes is still there when it counts them. */
	if (variant->alt)
		ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_MSL_MS, "10000"));
	self->fam = variant->alt ? tcpalt_family() : AF_INET;
}

FIXTURE_TEARDOWN(stress)
{
}

#define EXPECT_NO_LEFTOVERS(alt, port) do { \
	char __rows[2048]; \
	EXPECT_EQ(0, wait_no_leftovers((alt), (port), DRAIN_MS, __rows, sizeof(__rows))) \
		TH_LOG("rows left for port %u:\n%s", (port), __rows); \
} while (0)

/* ---- 1. accept storm: acceptor threads blocked in accept() on one listener ---- */

#define AS_ACCEPTORS	2
#define AS_WORKERS	2	/* serve what the acceptors hand over: accept() stays busy */
#define AS_CONNECTORS	4
#define AS_PER_THREAD	150
#define AS_MIN_PER_THREAD 4	/* ...even past the stress time, on a slow (debug) kernel */
#define AS_MAX_LEN	3000
#define AS_QUEUE	1024	/* > AS_CONNECTORS * AS_PER_THREAD: never full */

/* How a connector ends its connection. */
enum {
	AS_FIN_AFTER_REPLY,	/* wait for the server's 'k', close(): FIN */
	AS_RST_AFTER_REPLY,	/* wait for 'k', SO_LINGER {1, 0}, close(): RST */
	AS_FIN_AT_ONCE,		/* close() right after sending: FIN, maybe before accept() */
	AS_RST_AT_ONCE,		/* RST right after sending, maybe before accept() */
	AS_MODES
};

struct as_hdr {
	uint32_t id, len, mode;
};

struct storm {
	int fam, lfd;
	struct sockaddr_in to;
	long long end;		/* connectors start no connection after this... */
	long long hard_end;	/* ...unless they made fewer than AS_MIN_PER_THREAD, until this */
	int stop;		/* acceptors return at their next accept() timeout */
	int attempts, connected[AS_MODES], cfail;
	int accepted, served[AS_MODES], headerless, afail;
	/* accepted connections on their way from the acceptors to the workers */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	int q[AS_QUEUE], qhead, qtail, qstop;
	struct faults f;
};

static void storm_push(struct storm *s, int fd)
{
	pthread_mutex_lock(&s->qlock);
	s->q[s->qtail++ % AS_QUEUE] = fd;
	pthread_cond_signal(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
}

/* The next accepted connection, or -1 once qstop is set and none is left. */
static int storm_pop(struct storm *s)
{
	int fd = -1;

	pthread_mutex_lock(&s->qlock);
	while (s->qhead == s->qtail && !s->qstop)
		pthread_cond_wait(&s->qcond, &s->qlock);
	if (s->qhead != s->qtail)
		fd = s->q[s->qhead++ % AS_QUEUE];
	pthread_mutex_unlock(&s->qlock);
	return fd;
}

struct storm_arg {
	struct storm *s;
	int idx;
};

static void *storm_connector(void *arg)
{
	struct storm_arg *a = arg;
	struct storm *s = a->s;
	uint8_t buf[sizeof(struct as_hdr) + AS_MAX_LEN];
	struct as_hdr h;
	int k, fd, err;
	char c;

	for (k = 0; k < AS_PER_THREAD; k++) {
		if (sl_now_ms() >= (k < AS_MIN_PER_THREAD ? s->hard_end : s->end))
			break;
		h.id = a->idx * 10000 + k;
		h.mode = (a->idx + k) % AS_MODES;
		h.len = 1 + sl_splitmix(h.id) % AS_MAX_LEN;
		memcpy(buf, &h, sizeof(h));
		sl_fill(buf + sizeof(h), h.len, h.id, 0);
		ainc(&s->attempts);
		fd = socket(s->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fault(&s->f, "socket: %s", strerror(errno));
			ainc(&s->cfail);
			continue;
		}
		err = -sl_connect(fd, &s->to, STEP_MS);
		if (err) {
			fault(&s->f, "connect #%u: %s", h.id, strerror(err));
			ainc(&s->cfail);
			close(fd);
			continue;
		}
		ainc(&s->connected[h.mode]);
		sl_set_timeouts(fd, STEP_MS);
		err = send_all(fd, buf, sizeof(h) + h.len);
		if (err) {
			fault(&s->f, "send #%u: %s", h.id, strerror(err));
			ainc(&s->cfail);
		} else if (h.mode == AS_FIN_AFTER_REPLY || h.mode == AS_RST_AFTER_REPLY) {
			errno = 0;
			if (recv(fd, &c, 1, 0) != 1 || c != 'k') {
				fault(&s->f, "#%u: no reply (%s)", h.id, strerror(errno));
				ainc(&s->cfail);
			}
		}
		if (h.mode == AS_RST_AFTER_REPLY || h.mode == AS_RST_AT_ONCE)
			set_linger(fd, 1, 0);
		close(fd);
	}
	return NULL;
}

/* Read one connection's header and bytes, check them, answer, and see it end as its mode says. */
static void storm_serve(struct storm *s, int fd)
{
	static const char *const names[] = { "fin-after-reply", "rst-after-reply",
					      "fin-at-once", "rst-at-once" };
	uint8_t buf[AS_MAX_LEN];
	struct as_hdr h;
	long long bad;
	size_t got;
	ssize_t n;
	int err;
	char c;

	sl_set_timeouts(fd, STEP_MS);
	err = recv_all(fd, &h, sizeof(h), &got);
	if (err) {
		/* Only a connection reset at once can end before its first byte arrived. */
		ainc(&s->headerless);
		if ((err != ECONNRESET && err != ENODATA) || got)
			fault(&s->f, "header: %zu bytes, %s", got, strerror(err));
		return;
	}
	if (h.mode >= AS_MODES || h.len < 1 || h.len > AS_MAX_LEN) {
		fault(&s->f, "bad header id %u len %u mode %u", h.id, h.len, h.mode);
		return;
	}
	err = recv_all(fd, buf, h.len, &got);
	bad = stream_mismatch(buf, got, h.id, 0);
	if (bad >= 0)
		fault(&s->f, "#%u: byte %lld differs", h.id, bad);
	if (err) {
		if (h.mode != AS_RST_AT_ONCE || (err != ECONNRESET && err != ENODATA))
			fault(&s->f, "#%u %s: %zu of %u bytes, %s", h.id, names[h.mode], got, h.len,
			      strerror(err));
		ainc(&s->served[h.mode]);
		return;
	}
	if (h.mode == AS_FIN_AFTER_REPLY || h.mode == AS_RST_AFTER_REPLY) {
		err = send_all(fd, "k", 1);
		if (err)
			fault(&s->f, "#%u: reply: %s", h.id, strerror(err));
	}
	errno = 0;
	n = recv(fd, &c, 1, 0);
	switch (h.mode) {
	case AS_FIN_AFTER_REPLY:
	case AS_FIN_AT_ONCE:
		if (n != 0)
			fault(&s->f, "#%u %s: end %zd %s, wanted EOF", h.id, names[h.mode], n,
			      strerror(errno));
		break;
	case AS_RST_AFTER_REPLY:
		if (n != -1 || errno != ECONNRESET)
			fault(&s->f, "#%u %s: end %zd %s, wanted ECONNRESET", h.id, names[h.mode],
			      n, strerror(errno));
		break;
	case AS_RST_AT_ONCE:
		if (n != 0 && (n != -1 || errno != ECONNRESET))
			fault(&s->f, "#%u %s: end %zd %s", h.id, names[h.mode], n,
			      strerror(errno));
		break;
	}
	ainc(&s->served[h.mode]);
}

static void *storm_acceptor(void *arg)
{
	struct storm *s = arg;
	int fd;

	for (;;) {
		/* Blocking accept(), bounded by the listener's SO_RCVTIMEO. */
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				if (aload(&s->stop))
					break;
				continue;
			}
			fault(&s->f, "accept: %s", strerror(errno));
			ainc(&s->afail);
			break;
		}
		ainc(&s->accepted);
		storm_push(s, fd);
	}
	return NULL;
}

static void *storm_worker(void *arg)
{
	struct storm *s = arg;
	int fd;

	while ((fd = storm_pop(s)) >= 0) {
		storm_serve(s, fd);
		close(fd);
	}
	return NULL;
}

static int storm_sum(const int *v)
{
	int i, sum = 0;

	for (i = 0; i < AS_MODES; i++)
		sum += aload(&v[i]);
	return sum;
}

/* Every connection but the ones reset at once is served; all of those are accepted. */
static int storm_done(struct storm *s)
{
	int m;

	for (m = 0; m < AS_MODES; m++)
		if (m != AS_RST_AT_ONCE && aload(&s->served[m]) != aload(&s->connected[m]))
			return 0;
	return aload(&s->accepted) == storm_sum(s->connected);
}

/*
 * AS_ACCEPTORS threads blocked in accept() on one listener (handing each connection to one of
 * AS_WORKERS threads, so they are back in accept() at once) while AS_CONNECTORS threads
 * connect, send a checksummed message and close in a loop, four ways (FIN or RST, before or
 * after the server answered), for the stress time (and at least AS_MIN_PER_THREAD each).
 * Every connection that connect()ed is accepted once and its bytes verified.  Linux TCP
 * returns a connection reset before accept() too (see reset_before_accept); a few of those may
 * be lost only where the RST overtook the handshake's last ACK (loopback queues per CPU), hence
 * an allowance of 1 + 10% for them.  Afterwards only the clients' TIME-WAIT rows remain.
 */
TEST_F_TIMEOUT(stress, accept_storm, 40)
{
	struct storm s = { .fam = self->fam, .f = FAULTS_INIT,
			   .qlock = PTHREAD_MUTEX_INITIALIZER, .qcond = PTHREAD_COND_INITIALIZER };
	struct storm_arg args[AS_CONNECTORS];
	pthread_t acc[AS_ACCEPTORS], con[AS_CONNECTORS], wrk[AS_WORKERS];
	int i, fd, connected, tw, fin_closes, lost;
	long long end, t0, t_connect;

	s.lfd = sl_listener(self->fam, PORT, 256);
	ASSERT_LE(0, s.lfd) TH_LOG("listener: %s", strerror(-s.lfd));
	ASSERT_EQ(0, sl_set_timeouts(s.lfd, 200));
	s.to = sl_loopback(PORT);
	t0 = sl_now_ms();
	s.end = t0 + stress_ms();
	s.hard_end = s.end + 3 * stress_ms();
	for (i = 0; i < AS_WORKERS; i++)
		ASSERT_EQ(0, pthread_create(&wrk[i], NULL, storm_worker, &s));
	for (i = 0; i < AS_ACCEPTORS; i++)
		ASSERT_EQ(0, pthread_create(&acc[i], NULL, storm_acceptor, &s));
	for (i = 0; i < AS_CONNECTORS; i++) {
		args[i].s = &s;
		args[i].idx = i;
		ASSERT_EQ(0, pthread_create(&con[i], NULL, storm_connector, &args[i]));
	}
	for (i = 0; i < AS_CONNECTORS; i++)
		pthread_join(con[i], NULL);
	t_connect = sl_now_ms() - t0;
	end = sl_now_ms() + STEP_MS / 2;
	while (!storm_done(&s) && sl_now_ms() < end)
		sl_sleep_ms(20);
	astore(&s.stop, 1);
	for (i = 0; i < AS_ACCEPTORS; i++)
		pthread_join(acc[i], NULL);
	/* Whatever is still queued counts too (accept() waits up to the 200 ms SO_RCVTIMEO). */
	while ((fd = accept4(s.lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		ainc(&s.accepted);
		storm_push(&s, fd);
	}
	pthread_mutex_lock(&s.qlock);
	s.qstop = 1;
	pthread_cond_broadcast(&s.qcond);
	pthread_mutex_unlock(&s.qlock);
	for (i = 0; i < AS_WORKERS; i++)
		pthread_join(wrk[i], NULL);
	close(s.lfd);

	connected = storm_sum(s.connected);
	TH_LOG("%d attempts in %lld ms, %d connected (%d/%d/%d/%d by mode), %d accepted, "
	       "%d without header", s.attempts, t_connect, connected, s.connected[0],
	       s.connected[1], s.connected[2], s.connected[3], s.accepted, s.headerless);
	EXPECT_EQ(0, s.f.n) TH_LOG("%d faults: %s", s.f.n, s.f.text);
	EXPECT_EQ(0, s.cfail);
	EXPECT_EQ(0, s.afail);
	EXPECT_LE(4 * AS_MODES, connected) TH_LOG("too few connections to call it a storm");
	for (i = 0; i < AS_MODES; i++) {
		if (i == AS_RST_AT_ONCE)
			continue;
		EXPECT_EQ(s.connected[i], s.served[i]) TH_LOG("close mode %d", i);
	}
	lost = s.connected[AS_RST_AT_ONCE] - s.served[AS_RST_AT_ONCE] - s.headerless;
	EXPECT_LE(0, lost);
	EXPECT_GE(1 + s.connected[AS_RST_AT_ONCE] / 10, lost)
		TH_LOG("%d of %d connections reset right after connect() never reached accept()",
		       lost, s.connected[AS_RST_AT_ONCE]);
	EXPECT_EQ(s.accepted, storm_sum(s.served) + s.headerless);
	EXPECT_GE(connected, s.accepted);
	if (variant->alt) {
		EXPECT_EQ(s.attempts, sl_tcpalt_stat("ActiveOpens"));
		EXPECT_LE(s.accepted, sl_tcpalt_stat("PassiveOpens"));
		TH_LOG("ListenOverflows %ld", sl_tcpalt_stat("ListenOverflows"));
	}
	EXPECT_NO_LEFTOVERS(variant->alt, PORT);
	/* The clients closed first when they closed with FIN: each left one TIME-WAIT entry. */
	fin_closes = s.connected[AS_FIN_AFTER_REPLY] + s.connected[AS_FIN_AT_ONCE];
	tw = timewait_rows(variant->alt, PORT);
	if (variant->alt) {
		EXPECT_EQ(fin_closes, tw);
	} else {
		/* Linux may recycle a loopback TIME-WAIT port (tcp_tw_reuse=2). */
		EXPECT_GE(fin_closes, tw);
	}
}

/* ---- 2. one connected pair, many threads ---- */

struct hammer;

/* One direction's sender or receiver. */
struct end {
	struct hammer *h;
	int fd;
	int sender;
	uint64_t seed;
	size_t bytes;		/* sent (as send() returned) or received */
	long long bad;		/* receiver: first offset not in the stream, or -1 */
	int err;		/* errno that ended it; 0 for a receiver's EOF */
	int eof;
	long long max_gap;	/* longest wait for one call to make progress (ms) */
};

struct hammer {
	int c, s;
	int c_closed;		/* c was closed: EBADF is an answer now */
	int stop;		/* the option thread stops */
	long long hard_end;	/* nothing may still run after this */
	int opt_rounds;
	struct faults f;
};

static void *hammer_run(void *arg)
{
	static const size_t max = 16384;
	struct end *e = arg;
	uint8_t *buf = malloc(max);
	size_t len;
	ssize_t n;
	long long bad;
	unsigned int i = 0;
	long long t, last = sl_now_ms();

	e->bad = -1;
	while (buf) {
		if (sl_now_ms() > e->h->hard_end) {
			e->err = ETIME;
			break;
		}
		if (e->sender) {
			len = 1 + sl_splitmix(e->seed + i++) % max;
			sl_fill(buf, len, e->seed, e->bytes);
			n = send(e->fd, buf, len, MSG_NOSIGNAL);
		} else {
			n = recv(e->fd, buf, max, 0);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e->err = errno;
			break;
		}
		if (!n && !e->sender) {
			e->eof = 1;
			break;
		}
		t = sl_now_ms();
		if (t - last > e->max_gap)
			e->max_gap = t - last;
		last = t;
		if (!e->sender && e->bad < 0) {
			bad = stream_mismatch(buf, n, e->seed, e->bytes);
			if (bad >= 0)
				e->bad = bad;
		}
		e->bytes += n;
	}
	if (!buf)
		e->err = ENOMEM;
	free(buf);
	return NULL;
}

/* One round of option calls on fd: 0, or the errno of the first that failed (*what: which). */
static int opt_round(int fd, unsigned int i, const char **what)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int st;

#define OPT(call, name) do { *what = name; if (call) return errno; } while (0)
	OPT(sl_setint(fd, SOL_TCP, TCP_NODELAY, i & 1), "TCP_NODELAY");
	OPT(sl_setint(fd, SOL_SOCKET, SO_KEEPALIVE, (i >> 1) & 1), "SO_KEEPALIVE");
	OPT(sl_setint(fd, SOL_TCP, TCP_KEEPIDLE, 1 + i % 100), "TCP_KEEPIDLE");
	OPT(sl_setint(fd, SOL_SOCKET, SO_RCVBUF, 4096 << (i % 6)), "SO_RCVBUF");
	OPT(sl_setint(fd, SOL_SOCKET, SO_SNDBUF, 8192 << (i % 5)), "SO_SNDBUF");
	OPT(getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len), "TCP_INFO");
#undef OPT
	st = ti.tcpi_state;
	/* A connected socket: never LISTEN, SYN-SENT or SYN-RECEIVED again. */
	if (st == 2 || st == 3 || st == 10 || st == 12 || st < 1 || st > 12) {
		*what = "tcpi_state";
		return EPROTO;
	}
	return 0;
}

static void *hammer_opts(void *arg)
{
	struct hammer *h = arg;
	int fds[2] = { h->c, h->s }, gone[2] = { 0, 0 }, k, err;
	const char *what;
	unsigned int i;

	for (i = 0; !aload(&h->stop) && sl_now_ms() < h->hard_end; i++) {
		for (k = 0; k < 2; k++) {
			if (gone[k])
				continue;
			err = opt_round(fds[k], i, &what);
			if (!err)
				continue;
			if (err == EBADF && k == 0 && aload(&h->c_closed)) {
				gone[k] = 1;
				continue;
			}
			fault(&h->f, "%s on %s: %s", what, k ? "server" : "client", strerror(err));
			gone[k] = 1;
		}
		astore(&h->opt_rounds, i + 1);
	}
	return NULL;
}

static void hammer_start(struct hammer *h, struct end e[4], pthread_t th[5])
{
	int i;

	/* e[0] client sends, e[1] server receives; e[2] server sends, e[3] client receives. */
	for (i = 0; i < 4; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].h = h;
		e[i].fd = (i == 0 || i == 3) ? h->c : h->s;
		e[i].sender = !(i & 1);
		e[i].seed = i < 2 ? 21 : 22;
		pthread_create(&th[i], NULL, hammer_run, &e[i]);
	}
	pthread_create(&th[4], NULL, hammer_opts, h);
}

#define EXPECT_ENDED(e, ...) do { \
	int __ok = 0, __want[] = { __VA_ARGS__ }; \
	unsigned int __i; \
	for (__i = 0; __i < sizeof(__want) / sizeof(__want[0]); __i++) \
		__ok |= (e)->err == __want[__i]; \
	EXPECT_TRUE(__ok) TH_LOG("%s %s ended with %s (eof %d)", (e)->fd == c ? "client" : "server", \
				 (e)->sender ? "sender" : "receiver", strerror((e)->err), (e)->eof); \
} while (0)

/* The counters that tell why a pair stalled, read before and after a hammer run. */
static const char *const hammer_stats[] = { "Timeouts", "RetransSegs", "BacklogDrop", "RcvQDrop",
					    "OfoPruned" };
#define HAMMER_STATS (sizeof(hammer_stats) / sizeof(hammer_stats[0]))

static void hammer_stats_read(bool alt, long v[HAMMER_STATS])
{
	unsigned int i;

	for (i = 0; i < HAMMER_STATS; i++)
		v[i] = alt ? sl_tcpalt_stat(hammer_stats[i]) : 0;
}

/* Log each end's longest wait for progress and, on tcpalt, what the counters did meanwhile. */
#define HAMMER_REPORT(alt, e, v0) do { \
	long __v1[HAMMER_STATS]; \
	char __s[256] = ""; \
	unsigned int __i; \
	hammer_stats_read(alt, __v1); \
	for (__i = 0; (alt) && __i < HAMMER_STATS; __i++) \
		snprintf(__s + strlen(__s), sizeof(__s) - strlen(__s), " %s +%ld", \
			 hammer_stats[__i], __v1[__i] - (v0)[__i]); \
	TH_LOG("longest waits (ms): client send %lld, server recv %lld, server send %lld, " \
	       "client recv %lld;%s", (e)[0].max_gap, (e)[1].max_gap, (e)[2].max_gap, \
	       (e)[3].max_gap, __s); \
} while (0)

/* Did one of the four ends stop for lack of progress (deadline or SO_*TIMEO)? */
static bool stalled_end(const struct end *e)
{
	int i;

	for (i = 0; i < 4; i++)
		if (e[i].err == ETIME || e[i].err == EAGAIN)
			return true;
	return false;
}


/*
 * Both directions stream at once between one pair while a fifth thread toggles TCP_NODELAY,
 * SO_KEEPALIVE, TCP_KEEPIDLE, SO_RCVBUF, SO_SNDBUF and reads TCP_INFO on both sockets; then
 * the main thread shuts the client's sending half mid-stream (its sender may be blocked in
 * send()), and the server's once that FIN arrived, its own sender still streaming.  Every
 * call succeeds until the shutdown, the senders then get EPIPE, each receiver reads exactly
 * what its peer's send() calls took, then EOF; the pair ends with the client in TIME-WAIT.
 */
TEST_F_TIMEOUT(stress, shared_pair_shutdown, 30)
{
	struct hammer h = { .f = FAULTS_INIT };
	struct sockaddr_in caddr, saddr = sl_loopback(PORT);
	long v0[HAMMER_STATS];
	pthread_t th[5];
	struct end e[4];
	int l, c, i;

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, connect_accept(self->fam, l, 0, &h.c, &h.s, &caddr));
	close(l);
	c = h.c;
	hammer_stats_read(variant->alt, v0);
	h.hard_end = sl_now_ms() + stress_ms() + STEP_MS;
	hammer_start(&h, e, th);
	sl_sleep_ms(stress_ms() / 2);
	EXPECT_EQ(0, shutdown(h.c, SHUT_WR));
	/*
	 * The server shuts its side once the client's FIN arrived (its reader saw EOF), so the
	 * close is not simultaneous: the FIN may wait long behind queued data when the option
	 * thread has just shrunk SO_RCVBUF.
	 */
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	sl_sleep_ms(stress_ms() / 4);
	EXPECT_EQ(0, shutdown(h.s, SHUT_WR));
	pthread_join(th[2], NULL);
	pthread_join(th[3], NULL);
	astore(&h.stop, 1);
	pthread_join(th[4], NULL);

	TH_LOG("client sent %zu, server sent %zu, %d option rounds", e[0].bytes, e[2].bytes,
	       h.opt_rounds);
	HAMMER_REPORT(variant->alt, e, v0);
	for (i = 0; i < 4; i++) {
		/* No progress within the test's deadline or a socket timeout (SO_*TIMEO). */
		if (e[i].err == ETIME || e[i].err == EAGAIN) {
			char rc[512], rs[512];

			row_text(variant->alt, &caddr, &saddr, rc, sizeof(rc));
			row_text(variant->alt, &saddr, &caddr, rs, sizeof(rs));
			TH_LOG("stalled; rows now:\n%s%s", rc, rs);
			if (variant->alt) {
				static char st[8192];
				__u32 mi[SK_MEMINFO_VARS];
				socklen_t ml = sizeof(mi);
				int fds[2] = { h.c, h.s }, k;

				for (k = 0; k < 2; k++) {
					if (getsockopt(fds[k], SOL_SOCKET, SO_MEMINFO, mi, &ml))
						continue;
					TH_LOG("%s meminfo: rmem %u rcvbuf %u wmem %u sndbuf %u fwd %u queued %u backlog %u drops %u",
					       k ? "server" : "client", mi[SK_MEMINFO_RMEM_ALLOC],
					       mi[SK_MEMINFO_RCVBUF], mi[SK_MEMINFO_WMEM_ALLOC],
					       mi[SK_MEMINFO_SNDBUF], mi[SK_MEMINFO_FWD_ALLOC],
					       mi[SK_MEMINFO_WMEM_QUEUED], mi[SK_MEMINFO_BACKLOG],
					       mi[SK_MEMINFO_DROPS]);
				}

				tcpalt_read_file(TCPALT_PROC_STATS, st, sizeof(st));
				TH_LOG("stats:\n%s", st);
				tcpalt_read_file("/proc/net/sockstat", st, sizeof(st));
				TH_LOG("sockstat:\n%s", st);
			}
			break;
		}
	}
	EXPECT_EQ(0, h.f.n) TH_LOG("%s", h.f.text);
	EXPECT_LT(0, h.opt_rounds);
	for (i = 0; i < 4; i += 2) {
		EXPECT_ENDED(&e[i], EPIPE);
		EXPECT_ENDED(&e[i + 1], 0);
		EXPECT_TRUE(e[i + 1].eof);
		EXPECT_EQ(e[i].bytes, e[i + 1].bytes);
		EXPECT_EQ(-1, e[i + 1].bad);
		EXPECT_LT(0, e[i].bytes);
	}
	{
		struct sl_row r;

		EXPECT_EQ(0, sl_wait_state(variant->alt, &caddr, &saddr, "TIME-WAIT", STEP_MS, &r))
			TH_LOG("client: %s", r.state);
		EXPECT_EQ(0, sl_wait_state(variant->alt, &saddr, &caddr, "gone", STEP_MS, &r))
			TH_LOG("server: %s", r.state);
	}
	close(h.c);
	close(h.s);
	EXPECT_NO_LEFTOVERS(variant->alt, PORT);
	EXPECT_EQ(1, timewait_rows(variant->alt, PORT));
}

/*
 * As above, but mid-stream the main thread sets SO_LINGER {1, 0} on the client and close()s
 * it while its own sender, receiver and the option thread still use it.  Those get EBADF at
 * their next call (a call already running finishes: close() does not interrupt it, and the
 * socket is released, sending RST, after the last one returns).  The server's sender then gets
 * ECONNRESET or EPIPE, its receiver ECONNRESET or EOF, and what each side received is a prefix
 * of what the other sent.  No row is left, not even TIME-WAIT.
 */
TEST_F_TIMEOUT(stress, shared_pair_abort, 30)
{
	struct hammer h = { .f = FAULTS_INIT };
	struct sockaddr_in caddr;
	long v0[HAMMER_STATS];
	pthread_t th[5];
	struct end e[4];
	long aborts = 0;
	int l, c, i;

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, connect_accept(self->fam, l, 0, &h.c, &h.s, &caddr));
	close(l);
	c = h.c;
	if (variant->alt)
		aborts = sl_tcpalt_stat("AbortOnLinger") + sl_tcpalt_stat("AbortOnData");
	hammer_stats_read(variant->alt, v0);
	h.hard_end = sl_now_ms() + stress_ms() + STEP_MS;
	hammer_start(&h, e, th);
	sl_sleep_ms(stress_ms() / 2);
	EXPECT_EQ(0, set_linger(h.c, 1, 0));
	astore(&h.c_closed, 1);
	EXPECT_EQ(0, close(h.c));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	astore(&h.stop, 1);
	pthread_join(th[4], NULL);

	TH_LOG("client sent %zu (server got %zu), server sent %zu (client got %zu)", e[0].bytes,
	       e[1].bytes, e[2].bytes, e[3].bytes);
	HAMMER_REPORT(variant->alt, e, v0);
	if (variant->alt && stalled_end(e)) {
		static char st[8192];

		tcpalt_read_file(TCPALT_PROC_CONNECTIONS, st, sizeof(st));
		TH_LOG("connections:\n%s", st);
		tcpalt_read_file(TCPALT_PROC_STATS, st, sizeof(st));
		TH_LOG("stats:\n%s", st);
	}
	EXPECT_EQ(0, h.f.n) TH_LOG("%s", h.f.text);
	EXPECT_ENDED(&e[0], EBADF);
	EXPECT_ENDED(&e[3], EBADF);
	EXPECT_ENDED(&e[2], ECONNRESET, EPIPE);
	EXPECT_ENDED(&e[1], ECONNRESET, 0);
	for (i = 0; i < 4; i += 2) {
		EXPECT_GE(e[i].bytes, e[i + 1].bytes);
		EXPECT_EQ(-1, e[i + 1].bad);
	}
	if (variant->alt)
		EXPECT_LT(aborts, sl_tcpalt_stat("AbortOnLinger") + sl_tcpalt_stat("AbortOnData"));
	close(h.s);
	EXPECT_NO_LEFTOVERS(variant->alt, PORT);
	EXPECT_EQ(0, timewait_rows(variant->alt, PORT));
}

/* ---- 3. a listener closed while handshakes complete ---- */

#define LC_CONNECTORS	4
#define LC_CLOSE_AT	120	/* connections made when the listener goes (or half the time) */
#define LC_MAX		128	/* connections one connector holds */
#define LC_ACCEPT_GAP	10	/* ms an acceptor rests after each connection: a queue builds */

struct lc {
	int fam, lfd, by_shutdown;
	struct sockaddr_in to;
	int closing;		/* set just before the listener is closed or shut down */
	int stop_accept, stop_connect;
	int accepted, woken;
	int attempts, connected, refused, reset;
	struct faults f;
};

struct lc_conn {
	struct lc *lc;
	int held[LC_MAX];
	int n;
};

static void lc_serve(struct lc *lc, int fd)
{
	int err, i;

	ainc(&lc->accepted);
	err = send_all(fd, "A", 1);
	if (err)
		fault(&lc->f, "accepted connection: send: %s", strerror(err));
	close(fd);
	for (i = 0; i < LC_ACCEPT_GAP && !aload(&lc->stop_accept); i++)
		sl_sleep_ms(1);
}

/* close() variant: poll + accept on a non-blocking listener until told to stop. */
static void *lc_poll_acceptor(void *arg)
{
	struct lc *lc = arg;
	int fd;

	while (!aload(&lc->stop_accept)) {
		if (sl_poll(lc->lfd, POLLIN, 5) <= 0)
			continue;
		fd = accept4(lc->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fault(&lc->f, "accept: %s", strerror(errno));
			continue;
		}
		lc_serve(lc, fd);
	}
	return NULL;
}

/* shutdown() variant: blocked in accept() until the shutdown wakes it with EINVAL. */
static void *lc_blocking_acceptor(void *arg)
{
	struct lc *lc = arg;
	int fd;

	for (;;) {
		fd = accept4(lc->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			lc_serve(lc, fd);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EINVAL && aload(&lc->closing))
			ainc(&lc->woken);
		else
			fault(&lc->f, "accept: %s", strerror(errno));
		break;
	}
	return NULL;
}

static void *lc_connector(void *arg)
{
	struct lc_conn *t = arg;
	struct lc *lc = t->lc;
	int fd, err;

	while (!aload(&lc->stop_connect) && t->n < LC_MAX) {
		fd = socket(lc->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fault(&lc->f, "socket: %s", strerror(errno));
			break;
		}
		ainc(&lc->attempts);
		err = -sl_connect(fd, &lc->to, STEP_MS);
		if (!err) {
			t->held[t->n++] = fd;
			ainc(&lc->connected);
			continue;
		}
		close(fd);
		/* Read after connect() returned: a refusal caused by the close sees closing set. */
		if (!aload(&lc->closing))
			fault(&lc->f, "connect while listening: %s", strerror(err));
		else if (err == ECONNREFUSED)
			ainc(&lc->refused);
		else if (err == ECONNRESET)
			ainc(&lc->reset);
		else
			fault(&lc->f, "connect: %s", strerror(err));
	}
	return NULL;
}

/* How each held connection ended: its peer accepted it ('A', then EOF) or it was reset. */
static void lc_resolve(struct lc *lc, struct lc_conn *t, int nthreads, int *seen_accepted,
		       int *seen_reset)
{
	struct pollfd pfd[LC_CONNECTORS * LC_MAX];
	int got_a[LC_CONNECTORS * LC_MAX] = { 0 };
	int n = 0, pending, i, k;
	long long end = sl_now_ms() + STEP_MS;
	ssize_t r;
	char c;

	for (k = 0; k < nthreads; k++)
		for (i = 0; i < t[k].n; i++) {
			pfd[n].fd = t[k].held[i];
			pfd[n].events = POLLIN;
			n++;
		}
	pending = n;
	while (pending && sl_now_ms() < end) {
		if (poll(pfd, n, 50) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = recv(pfd[i].fd, &c, 1, MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r == 1 && c == 'A' && !got_a[i]) {
				got_a[i] = 1;
				continue;
			}
			if (r == 0 && got_a[i])
				(*seen_accepted)++;
			else if (r < 0 && errno == ECONNRESET && !got_a[i])
				(*seen_reset)++;
			else
				fault(&lc->f, "held connection: %s%zd %s", got_a[i] ? "'A' then " : "",
				      r, r < 0 ? strerror(errno) : "");
			pfd[i].fd = -1;	/* poll() skips it */
			pending--;
		}
	}
	if (pending)
		fault(&lc->f, "%d connections neither reset nor closed %d ms after the listener went",
		      pending, STEP_MS);
	for (k = 0; k < nthreads; k++)
		for (i = 0; i < t[k].n; i++)
			close(t[k].held[i]);
}

static void listener_race(struct __test_metadata *_metadata, int fam, int alt, int by_shutdown)
{
	struct lc lc = { .fam = fam, .by_shutdown = by_shutdown, .f = FAULTS_INIT };
	static struct lc_conn t[LC_CONNECTORS];
	pthread_t acc[2], con[LC_CONNECTORS];
	int i, nacc = by_shutdown ? 2 : 1, held = 0, seen_accepted = 0, seen_reset = 0;
	struct timespec ts;
	struct sockaddr_in caddr;
	int l2, c2, s2;
	long long end;

	/* A backlog above every connection made: the kernel TCP drops no handshake's last ACK. */
	lc.lfd = sl_listener(fam, PORT, LC_CONNECTORS * LC_MAX);
	ASSERT_LE(0, lc.lfd);
	if (!by_shutdown)
		ASSERT_EQ(0, sl_set_nonblock(lc.lfd, 1));
	lc.to = sl_loopback(PORT);
	for (i = 0; i < nacc; i++)
		ASSERT_EQ(0, pthread_create(&acc[i], NULL, by_shutdown ? lc_blocking_acceptor :
					    lc_poll_acceptor, &lc));
	for (i = 0; i < LC_CONNECTORS; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].lc = &lc;
		ASSERT_EQ(0, pthread_create(&con[i], NULL, lc_connector, &t[i]));
	}
	/* Close while connects are being answered: after LC_CLOSE_AT of them, or half the time. */
	end = sl_now_ms() + stress_ms() / 2;
	while (aload(&lc.connected) < LC_CLOSE_AT && sl_now_ms() < end)
		sl_sleep_ms(2);
	if (by_shutdown) {
		astore(&lc.closing, 1);
		EXPECT_EQ(0, shutdown(lc.lfd, SHUT_RDWR));
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += STEP_MS / 1000;
		for (i = 0; i < nacc; i++)
			EXPECT_EQ(0, pthread_timedjoin_np(acc[i], NULL, &ts))
				TH_LOG("accept() not woken by shutdown()");
		close(lc.lfd);
	} else {
		/* The acceptor polls lfd: it stops before the number can be reused. */
		astore(&lc.stop_accept, 1);
		pthread_join(acc[0], NULL);
		astore(&lc.closing, 1);
		close(lc.lfd);
	}
	sl_sleep_ms(stress_ms() / 2);
	astore(&lc.stop_connect, 1);
	for (i = 0; i < LC_CONNECTORS; i++) {
		pthread_join(con[i], NULL);
		held += t[i].n;
	}
	lc_resolve(&lc, t, LC_CONNECTORS, &seen_accepted, &seen_reset);

	TH_LOG("%d attempts, %d connected: %d accepted, %d reset; %d refused, %d reset in connect",
	       lc.attempts, held, seen_accepted, seen_reset, lc.refused, lc.reset);
	EXPECT_EQ(0, lc.f.n) TH_LOG("%d faults: %s", lc.f.n, lc.f.text);
	EXPECT_LT(0, held);
	EXPECT_LT(0, lc.refused) TH_LOG("no connect() reached the closed port");
	EXPECT_EQ(lc.accepted, seen_accepted);
	EXPECT_EQ(held, seen_accepted + seen_reset);
	if (by_shutdown)
		EXPECT_EQ(nacc, lc.woken);
	EXPECT_NO_LEFTOVERS(alt, PORT);
	/* Nothing of the old listener holds the port: a new one listens and accepts. */
	l2 = sl_listener(fam, PORT, 4);
	ASSERT_LE(0, l2) TH_LOG("listen again: %s", strerror(-l2));
	EXPECT_EQ(0, connect_accept(fam, l2, 0, &c2, &s2, &caddr));
	if (c2 >= 0) {
		close(c2);
		close(s2);
	}
	close(l2);
}

/*
 * Four threads hammer connect() on a listener whose one acceptor takes connections, writes
 * 'A' and closes them (resting 10 ms after each, so a queue builds), until the main thread
 * stops the acceptor and close()s the listener while handshakes are being answered (after
 * LC_CLOSE_AT connections or half the stress time); the connects go on a while.  Every
 * connect() that succeeded ends defined: 'A' then EOF if accepted, else ECONNRESET (queued or
 * half-open when the listener went; Linux resets those as inet_csk_listen_stop() and the
 * request-socket lookup do); every later connect() is refused.  Then only TIME-WAIT rows
 * remain and the port can listen again.
 */
TEST_F_TIMEOUT(stress, listener_close_race, 40)
{
	listener_race(_metadata, self->fam, variant->alt, 0);
}

/*
 * As above, with two threads blocked in accept() and shutdown(SHUT_RDWR) on the listener
 * (Linux: LISTEN -> CLOSED through tcp_disconnect()): both accept() calls return EINVAL.
 */
TEST_F_TIMEOUT(stress, listener_shutdown_race, 40)
{
	listener_race(_metadata, self->fam, variant->alt, 1);
}

/*
 * Linux TCP keeps a connection that was reset before accept() in the accept queue: accept()
 * returns it, recv() gives the data that came first, then ECONNRESET, then EOF.
 */
TEST_F(stress, reset_before_accept)
{
	struct sockaddr_in caddr, saddr = sl_loopback(PORT);
	socklen_t len = sizeof(caddr);
	struct sl_row r;
	long long end;
	int l, c, s, outq = -1;
	char buf[8];

	l = sl_listener(self->fam, PORT, 4);
	ASSERT_LE(0, l);
	c = socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_connect(c, &saddr, STEP_MS));
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&caddr, &len));
	ASSERT_EQ(5, send(c, "hello", 5, 0));
	ASSERT_EQ(POLLIN, sl_poll_for(l, POLLIN, POLLIN, STEP_MS));
	/* The server end has the data once the client's send queue is empty (all ACKed). */
	end = sl_now_ms() + STEP_MS;
	while (!ioctl(c, SIOCOUTQ, &outq) && outq && sl_now_ms() < end)
		sl_sleep_ms(5);
	ASSERT_EQ(0, outq);
	ASSERT_EQ(0, sl_wait_state(variant->alt, &saddr, &caddr, "ESTABLISHED", STEP_MS, &r));
	ASSERT_EQ(0, set_linger(c, 1, 0));
	close(c);
	EXPECT_EQ(0, sl_wait_state(variant->alt, &saddr, &caddr, "gone", STEP_MS, &r))
		TH_LOG("server end: %s", r.state);
	s = sl_accept(l, 1000);
	EXPECT_LE(0, s) TH_LOG("accept: %s: the reset connection was dropped from the queue",
			       strerror(-s));
	if (s >= 0) {
		sl_set_timeouts(s, STEP_MS);
		EXPECT_EQ(5, recv(s, buf, sizeof(buf), 0));
		errno = 0;
		EXPECT_EQ(-1, recv(s, buf, sizeof(buf), 0));
		EXPECT_EQ(ECONNRESET, errno);
		EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0));
		close(s);
	}
	close(l);
	EXPECT_NO_LEFTOVERS(variant->alt, PORT);
}

/* ---- 4. timers firing while the user holds the socket ---- */

#define TM_BIG		(192u << 10)
#define TM_SEED_BIG	41
#define TM_SEED_SMALL	42

struct tm4 {
	int c, s;
	int stop;
	int polls, bad_state, max_probes, max_backoff;
	int small_err;
	size_t small_sent;
	ssize_t big_ret;
	int big_errno;
	struct faults f;
};

/* One send() of TM_BIG bytes: it blocks while the peer's window is closed. */
static void *tm_big_sender(void *arg)
{
	struct tm4 *t = arg;
	uint8_t *buf = malloc(TM_BIG);

	if (!buf) {
		t->big_errno = ENOMEM;
		return NULL;
	}
	sl_fill(buf, TM_BIG, TM_SEED_BIG, 0);
	t->big_ret = send(t->c, buf, TM_BIG, MSG_NOSIGNAL);
	t->big_errno = t->big_ret < 0 ? errno : 0;
	free(buf);
	return NULL;
}

/* TCP_INFO (socket lock taken each time) and SIOCOUTQ on both ends, as fast as it goes. */
static void *tm_info_poller(void *arg)
{
	struct tm4 *t = arg;
	struct tcp_info ti;
	socklen_t len;
	int k, fd, outq;

	while (!aload(&t->stop)) {
		for (k = 0; k < 2; k++) {
			fd = k ? t->s : t->c;
			len = sizeof(ti);
			if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len) ||
			    ioctl(fd, SIOCOUTQ, &outq)) {
				fault(&t->f, "TCP_INFO/SIOCOUTQ: %s", strerror(errno));
				return NULL;
			}
			if (ti.tcpi_state != 1 /* TCP_ESTABLISHED */) {
				t->bad_state++;
				fault(&t->f, "tcpi_state %u", ti.tcpi_state);
			}
			if (!k && ti.tcpi_probes > t->max_probes)
				t->max_probes = ti.tcpi_probes;
			if (!k && ti.tcpi_backoff > t->max_backoff)
				t->max_backoff = ti.tcpi_backoff;
		}
		t->polls++;
	}
	return NULL;
}

/* A trickle of small writes server -> client: the client must ACK them (delayed ACKs). */
static void *tm_small_sender(void *arg)
{
	struct tm4 *t = arg;
	uint8_t buf[8];
	size_t len;
	unsigned int i;

	for (i = 0; !aload(&t->stop); i++) {
		len = 1 + i % 7;
		sl_fill(buf, len, TM_SEED_SMALL, t->small_sent);
		if (send(t->s, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
			t->small_err = errno;
			break;
		}
		t->small_sent += len;
		sl_sleep_ms(15);
	}
	return NULL;
}

/* Reads the trickle on the client, checking it, until EOF. */
static void *tm_small_receiver(void *arg)
{
	struct end *e = arg;
	uint8_t buf[256];
	long long bad;
	ssize_t n;

	e->bad = -1;
	for (;;) {
		n = recv(e->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e->eof = !n;
			e->err = n ? errno : 0;
			break;
		}
		bad = stream_mismatch(buf, n, e->seed, e->bytes);
		if (bad >= 0 && e->bad < 0)
			e->bad = bad;
		e->bytes += n;
	}
	return NULL;
}

/*
 * The client's one big send() blocks on a small SO_SNDBUF towards a server that does not read
 * (SO_RCVBUF 4 KiB): the window closes and the persist timer probes it (the client's row
 * shows the zero-window probe timer).  Meanwhile a thread reads TCP_INFO on both ends in a
 * loop (taking the socket lock each time, so timers find the socket owned by the user) and the
 * server trickles small writes the client reads and must ACK.  Then the server drains: the big
 * send() completes with every byte, and the trickle arrives intact.
 */
TEST_F_TIMEOUT(stress, timers_while_user_holds, 40)
{
	struct tm4 t = { .f = FAULTS_INIT };
	struct sockaddr_in caddr, saddr = sl_loopback(PORT);
	pthread_t big, poller, small_tx, small_rx, drain;
	char timer[32] = "", rows[1600] = "", row[512];
	struct sl_xfer rx;
	struct end srx;
	long long end;
	int l, i, probe_seen = 0;
	char c;

	l = listener_rcvbuf(self->fam, PORT, 4096, 4);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, connect_accept(self->fam, l, 4096, &t.c, &t.s, &caddr));
	close(l);
	ASSERT_EQ(0, sl_set_timeouts(t.c, 4 * STEP_MS));
	ASSERT_EQ(0, pthread_create(&big, NULL, tm_big_sender, &t));
	ASSERT_EQ(0, pthread_create(&poller, NULL, tm_info_poller, &t));
	end = sl_now_ms() + STEP_MS;
	while (!probe_seen && sl_now_ms() < end) {
		row_timer(variant->alt, &caddr, &saddr, timer, sizeof(timer));
		probe_seen = !strcmp(timer, "probe");
		if (!probe_seen)
			sl_sleep_ms(5);
	}
	EXPECT_TRUE(probe_seen) TH_LOG("client's timer: %s, wanted the zero-window probe", timer);

	memset(&srx, 0, sizeof(srx));
	srx.fd = t.c;
	srx.seed = TM_SEED_SMALL;
	ASSERT_EQ(0, pthread_create(&small_tx, NULL, tm_small_sender, &t));
	ASSERT_EQ(0, pthread_create(&small_rx, NULL, tm_small_receiver, &srx));
	/* The client's row through the stall, for the report. */
	for (i = 0; i < 5; i++) {
		row_text(variant->alt, &caddr, &saddr, row, sizeof(row));
		append(rows, sizeof(rows), "", row);
		sl_sleep_ms(stress_ms() / 5);
	}

	memset(&rx, 0, sizeof(rx));
	rx.fd = t.s;
	rx.seed = TM_SEED_BIG;
	rx.len = TM_BIG;
	ASSERT_EQ(0, pthread_create(&drain, NULL, sl_xfer_run, &rx));
	pthread_join(big, NULL);
	pthread_join(drain, NULL);
	astore(&t.stop, 1);
	pthread_join(small_tx, NULL);
	pthread_join(poller, NULL);
	EXPECT_EQ(0, shutdown(t.s, SHUT_WR));
	pthread_join(small_rx, NULL);

	TH_LOG("%d TCP_INFO rounds, max tcpi_probes %d, max tcpi_backoff %d, trickle %zu bytes",
	       t.polls, t.max_probes, t.max_backoff, t.small_sent);
	EXPECT_EQ((ssize_t)TM_BIG, t.big_ret) TH_LOG("big send: %s", strerror(t.big_errno));
	EXPECT_EQ(0, rx.err) TH_LOG("drain: %s", strerror(rx.err));
	EXPECT_EQ(TM_BIG, rx.done);
	EXPECT_EQ(-1, rx.first_bad);
	EXPECT_EQ(sl_stream_hash(TM_SEED_BIG, TM_BIG), rx.hash);
	EXPECT_EQ(0, t.small_err) TH_LOG("trickle: %s", strerror(t.small_err));
	EXPECT_TRUE(srx.eof) TH_LOG("client reader: %s", strerror(srx.err));
	EXPECT_EQ(t.small_sent, srx.bytes);
	EXPECT_EQ(-1, srx.bad);
	EXPECT_LT(0, t.polls);
	/* RFC 9293 3.8.6.1: the probes' interval grows exponentially while the window stays 0. */
	EXPECT_LT(0, t.max_backoff) TH_LOG("no zero-window probe backed off; client's row:\n%s",
					   rows);
	EXPECT_EQ(0, t.f.n) TH_LOG("%s", t.f.text);
	EXPECT_EQ(0, shutdown(t.c, SHUT_WR));
	EXPECT_EQ(0, recv(t.s, &c, 1, 0));
	close(t.c);
	close(t.s);
	EXPECT_NO_LEFTOVERS(variant->alt, PORT);
}

/* ---- 5. a network namespace that goes away with connections in every state ---- */

#define NS_PORT		7500	/* listener; NS_PORT + 1: listener with a 4 KiB receive buffer */
#define NS_TW		3

enum {
	NS_ESTAB_UNREAD	= 1 << 0,	/* ESTABLISHED, unread data both ways */
	NS_QUEUED	= 1 << 1,	/* established, never accepted */
	NS_FW1_UNSENT	= 1 << 2,	/* orphan in FIN-WAIT-1 with unsent data, zero window */
	NS_FW2		= 1 << 3,	/* orphan in FIN-WAIT-2, its peer in CLOSE-WAIT, open */
	NS_TIMEWAIT	= 1 << 4,	/* NS_TW connections in TIME-WAIT */
	NS_LINGER	= 1 << 5,	/* open, SO_LINGER {1, 5}, unsent data: exit() must not wait */
	NS_ALL		= (1 << 6) - 1,
	NS_NETEM	= 1 << 6,	/* lo delays 20 ms: the orphans outlive the process */
};

struct ns_report {
	int mask;
	unsigned short tw_port[NS_TW];	/* the TIME-WAIT clients' ports */
	char why[256];
};

/* Send on a non-blocking fd until the peer's window and our buffer are full. */
static int fill_window(int fd)
{
	static char buf[16384];
	long long end = sl_now_ms() + STEP_MS;
	ssize_t n;

	if (sl_set_nonblock(fd, 1))
		return -1;
	while (sl_now_ms() < end) {
		n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			/* Full only if it stays full (the peer may still be ACKing). */
			if (sl_poll(fd, POLLOUT, 200) == 0)
				return 0;
			continue;
		}
		if (n < 0)
			return -1;
	}
	return -1;
}

#define NS_FAIL(what) do { \
	snprintf(rep->why, sizeof(rep->why), "%s: %s", what, strerror(errno)); \
	return; \
} while (0)

#define NS_FAIL_STATE(what, row) do { \
	snprintf(rep->why, sizeof(rep->why), "%s: state %s", what, (row).state); \
	return; \
} while (0)

/* The child: a namespace of its own, connections in each state, then exit() with all open. */
static void ns_build(int fam, int alt, struct ns_report *rep)
{
	struct sockaddr_in ca, sa = sl_loopback(NS_PORT), sa2 = sl_loopback(NS_PORT + 1);
	int l, l2, c, s, c0, i;
	struct sl_row r;
	char ch;

	if (sl_netns_lo_up())
		NS_FAIL("netns");
	/* Long TIME-WAIT and FIN-WAIT-2: only the namespace's end can end them. */
	if (alt && (sl_write_file(TCPALT_SYSCTL_MSL_MS, "60000") ||
		    sl_write_file(TCPALT_SYSCTL_DIR "/fin_timeout_ms", "60000")))
		NS_FAIL("sysctl");
	l = sl_listener(fam, NS_PORT, 16);
	l2 = listener_rcvbuf(fam, NS_PORT + 1, 4096, 16);
	if (l < 0 || l2 < 0)
		NS_FAIL("listen");

	if (connect_accept(fam, l, 0, &c, &s, &ca) || send(c, "unread", 6, 0) != 6 ||
	    send(s, "unread", 6, 0) != 6 || sl_poll_for(c, POLLIN, POLLIN, STEP_MS) != POLLIN ||
	    sl_poll_for(s, POLLIN, POLLIN, STEP_MS) != POLLIN)
		NS_FAIL("established pair");
	rep->mask |= NS_ESTAB_UNREAD;

	if (connect_accept(fam, l2, 16384, &c, &s, &ca) || fill_window(c))
		NS_FAIL("zero window");
	close(c);
	if (sl_wait_state(alt, &ca, &sa2, "FIN-WAIT-1", STEP_MS, &r))
		NS_FAIL_STATE("orphan with unsent data", r);
	rep->mask |= NS_FW1_UNSENT;

	if (connect_accept(fam, l, 0, &c, &s, &ca))
		NS_FAIL("pair for FIN-WAIT-2");
	close(c);
	if (sl_wait_state(alt, &ca, &sa, "FIN-WAIT-2", STEP_MS, &r) ||
	    sl_wait_state(alt, &sa, &ca, "CLOSE-WAIT", STEP_MS, &r))
		NS_FAIL_STATE("half-closed pair", r);
	rep->mask |= NS_FW2;

	for (i = 0; i < NS_TW; i++) {
		if (connect_accept(fam, l, 0, &c, &s, &ca))
			NS_FAIL("pair for TIME-WAIT");
		close(c);
		if (recv(s, &ch, 1, 0) != 0)
			NS_FAIL("EOF");
		close(s);
		if (sl_wait_state(alt, &ca, &sa, "TIME-WAIT", STEP_MS, &r))
			NS_FAIL_STATE("closed pair", r);
		rep->tw_port[i] = ntohs(ca.sin_port);
	}
	rep->mask |= NS_TIMEWAIT;

	if (connect_accept(fam, l2, 16384, &c, &s, &ca) || fill_window(c) || set_linger(c, 1, 5))
		NS_FAIL("lingering socket");
	rep->mask |= NS_LINGER;

	/* Last, so that no accept() above took it. */
	c0 = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c0 < 0 || sl_connect(c0, &sa, STEP_MS) ||
	    sl_poll_for(l, POLLIN, POLLIN, STEP_MS) != POLLIN)
		NS_FAIL("queued connection");
	rep->mask |= NS_QUEUED;

	if (!system("/usr/sbin/tc qdisc add dev lo root netem delay 20ms 2>/dev/null"))
		rep->mask |= NS_NETEM;
}

/* Lines of the trace that are tcpalt state changes touching port (either end), from -> to. */
static int trace_count(const char *trace, unsigned short port, unsigned short port2,
		       const char *from, const char *to)
{
	char l[64], r[64], f[32], t[32];
	const char *p = trace;
	int n = 0;

	while ((p = strstr(p, "tcpalt_set_state: "))) {
		p = strchr(p, ' ') + 1;
		p = strchr(p, ' ') + 1;	/* past "sk=..." */
		if (sscanf(p, "%63s %63s %31s -> %31s", l, r, f, t) != 4)
			continue;
		if ((port_of(l) == port || port_of(r) == port || port_of(l) == port2 ||
		     port_of(r) == port2) && (!from || !strcmp(f, from)) && !strcmp(t, to))
			n++;
	}
	return n;
}

/*
 * A forked child makes a namespace with connections in every state — established with unread
 * data, queued and never accepted, orphans in FIN-WAIT-1 (unsent data, zero window) and
 * FIN-WAIT-2, TIME-WAIT entries, a socket with SO_LINGER — adds 20 ms of delay on lo and
 * exits with everything open.  exit() closes it all at once; the orphans outlive the process
 * (each still holds the namespace), then the namespace is dismantled with its TIME-WAIT
 * entries (2MSL 120 s: only the namespace's end can end them).  The parent checks that the
 * module's reference count comes back (no socket leaked) and, from the state-change
 * tracepoint, that every TIME-WAIT entry of that namespace ended.  The AF_INET run checks
 * that the states are reached.
 */
TEST_F_TIMEOUT(stress, netns_exit_with_connections, 60)
{
	static char trace[1 << 18];
	struct ns_report rep = { 0 };
	long ref0 = -1, ref = -1;
	int pfd[2], status = -1, tracing = 0, i, entered, left;
	long long end;
	pid_t pid;

	if (variant->alt) {
		ref0 = module_refcnt();
		ASSERT_LE(0, ref0);
		tracing = !access(TRACE_ENABLE, W_OK) && !sl_write_file(TRACE_DIR "/trace", "") &&
			  !sl_write_file(TRACE_ENABLE, "1");
	}
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pfd[0]);
		ns_build(self->fam, variant->alt, &rep);
		if (write(pfd[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(2);
		_exit(0);	/* every socket still open */
	}
	close(pfd[1]);
	if (sl_poll(pfd[0], POLLIN, 4 * STEP_MS) > 0)
		EXPECT_EQ((ssize_t)sizeof(rep), read(pfd[0], &rep, sizeof(rep)));
	close(pfd[0]);
	end = sl_now_ms() + STEP_MS;
	while (waitpid(pid, &status, WNOHANG) == 0 && sl_now_ms() < end)
		sl_sleep_ms(10);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(NS_ALL, rep.mask & NS_ALL) TH_LOG("states reached %#x, then %s", rep.mask,
						    rep.why);
	if (!(rep.mask & NS_NETEM))
		TH_LOG("no netem: the orphans end before the process does");
	if (!variant->alt)
		return;

	end = sl_now_ms() + 2 * DRAIN_MS;
	while ((ref = module_refcnt()) > ref0 && sl_now_ms() < end)
		sl_sleep_ms(50);
	EXPECT_GE(ref0, ref) TH_LOG("module refcnt %ld, was %ld before the namespace", ref, ref0);
	if (!tracing) {
		TH_LOG("no tracefs: TIME-WAIT purge not checked");
		return;
	}
	/* Every TIME-WAIT entry the namespace had ends (and no other way than its end). */
	end = sl_now_ms() + 2 * DRAIN_MS;
	do {
		sl_sleep_ms(100);
		ASSERT_LE(0, tcpalt_read_file(TRACE_DIR "/trace", trace, sizeof(trace)));
		entered = trace_count(trace, NS_PORT, NS_PORT + 1, NULL, "TIME-WAIT");
		left = trace_count(trace, NS_PORT, NS_PORT + 1, "TIME-WAIT", "CLOSED");
	} while (entered != left && sl_now_ms() < end);
	sl_write_file(TRACE_ENABLE, "0");
	EXPECT_LE(NS_TW, entered);
	EXPECT_EQ(entered, left) TH_LOG("%d TIME-WAIT entries, %d ended", entered, left);
	for (i = 0; i < NS_TW; i++) {
		char want[96];

		snprintf(want, sizeof(want), "127.0.0.1:%u 127.0.0.1:%u TIME-WAIT -> CLOSED",
			 rep.tw_port[i], NS_PORT);
		EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("%s missing", want);
	}
}

/* ---- 9. two ephemeral ports for four connector threads and three servers ---- */

#define PS_PORT		7600	/* the servers: 7600..7602 */
#define PS_SERVERS	3
#define PS_CONNECTORS	4
#define PS_LOW		40000	/* net.ipv4.ip_local_port_range: two ports */
#define PS_HIGH		40001
#define PS_MIN_OK	(2 * PS_SERVERS)	/* more connections than 4-tuples */

struct ps {
	int fam, l[PS_SERVERS];
	long long end, hard_end;
	int stop, ok, served, notavail, open, max_open;
	struct faults f;
};

struct ps_arg {
	struct ps *ps;
	int idx;
};

/*
 * A server: echo each connection's byte and close first, so its end goes to TIME-WAIT and
 * the client's port is let go when the client's LAST-ACK ends, in softirq.
 */
static void *ps_server(void *arg)
{
	struct ps_arg *a = arg;
	struct ps *ps = a->ps;

	while (!aload(&ps->stop)) {
		int fd = accept4(ps->l[a->idx], NULL, NULL, SOCK_CLOEXEC);
		char c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fault(&ps->f, "accept: %s", strerror(errno));
			continue;
		}
		sl_set_timeouts(fd, STEP_MS);
		if (recv(fd, &c, 1, MSG_WAITALL) != 1 || send(fd, &c, 1, MSG_NOSIGNAL) != 1)
			fault(&ps->f, "server %d: %s", a->idx, strerror(errno));
		else
			ainc(&ps->served);
		close(fd);
	}
	return NULL;
}

/* One connection from a connector; false when connect() found no port (EADDRNOTAVAIL). */
static bool ps_connect_once(struct ps *ps, unsigned int n)
{
	struct sockaddr_in to = sl_loopback(PS_PORT + n % PS_SERVERS), me;
	int fd = socket(ps->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), err, open;
	socklen_t len = sizeof(me);
	char c = 'a' + n % 26, r = 0;

	if (fd < 0) {
		fault(&ps->f, "socket: %s", strerror(errno));
		return true;
	}
	err = sl_connect(fd, &to, STEP_MS);
	if (err) {
		if (err == -EADDRNOTAVAIL)
			ainc(&ps->notavail);
		else
			fault(&ps->f, "connect: %s", strerror(-err));
		close(fd);
		return err != -EADDRNOTAVAIL;
	}
	open = __atomic_add_fetch(&ps->open, 1, __ATOMIC_RELAXED);
	if (open > aload(&ps->max_open))
		astore(&ps->max_open, open);	/* a report only: races may lose a maximum */
	if (getsockname(fd, (struct sockaddr *)&me, &len) || ntohs(me.sin_port) < PS_LOW ||
	    ntohs(me.sin_port) > PS_HIGH)
		fault(&ps->f, "local port %u outside the range", ntohs(me.sin_port));
	sl_set_timeouts(fd, STEP_MS);
	/* Every other connection the client closes without waiting: TIME-WAIT on either end. */
	if (send(fd, &c, 1, MSG_NOSIGNAL) != 1 || recv(fd, &r, 1, MSG_WAITALL) != 1 || r != c ||
	    (n % 2 && recv(fd, &r, 1, 0) != 0))
		fault(&ps->f, "exchange from port %u: %s", ntohs(me.sin_port), strerror(errno));
	else
		ainc(&ps->ok);
	__atomic_sub_fetch(&ps->open, 1, __ATOMIC_RELAXED);
	close(fd);
	return true;
}

static void *ps_connector(void *arg)
{
	struct ps_arg *a = arg;
	unsigned int n = a->idx;

	/* Past the stress time only while too few connections were made (a slow debug guest). */
	while (sl_now_ms() < a->ps->end ||
	       (aload(&a->ps->ok) < PS_MIN_OK && sl_now_ms() < a->ps->hard_end))
		if (!ps_connect_once(a->ps, n++))
			sl_sleep_ms(1);
	return NULL;
}

/*
 * Connector threads share two ephemeral ports among connections to three servers while the
 * ports' last connections end in softirq: connect() must pick a port whose 4-tuple is free,
 * or held by a TIME-WAIT entry a second old (tcp_tw_reuse on loopback), or fail with
 * EADDRNOTAVAIL, never take a 4-tuple in use, and every exchange must work.  Run on the debug
 * kernel, this puts connect()'s port sharing and TIME-WAIT reuse under lockdep and KASAN.
 */
TEST_F_TIMEOUT(stress, shared_ephemeral_ports, 40)
{
	struct ps ps = { .fam = self->fam, .f = FAULTS_INIT };
	struct ps_arg sa[PS_SERVERS], ca[PS_CONNECTORS];
	pthread_t st[PS_SERVERS], ct[PS_CONNECTORS];
	char range[32];
	long recycled;
	int i;

	recycled = sl_stack_stat(variant->alt, variant->alt ? "TimeWaitRecycled" : "TWRecycled");
	snprintf(range, sizeof(range), "%d %d", PS_LOW, PS_HIGH);
	ASSERT_EQ(0, sl_write_file("/proc/sys/net/ipv4/ip_local_port_range", range));
	for (i = 0; i < PS_SERVERS; i++) {
		ps.l[i] = sl_listener(self->fam, PS_PORT + i, 64);
		ASSERT_LE(0, ps.l[i]) TH_LOG("listener: %s", strerror(-ps.l[i]));
		ASSERT_EQ(0, sl_set_timeouts(ps.l[i], 200));
	}
	ps.end = sl_now_ms() + stress_ms();
	ps.hard_end = ps.end + 3 * stress_ms();
	for (i = 0; i < PS_SERVERS; i++) {
		sa[i] = (struct ps_arg){ .ps = &ps, .idx = i };
		ASSERT_EQ(0, pthread_create(&st[i], NULL, ps_server, &sa[i]));
	}
	for (i = 0; i < PS_CONNECTORS; i++) {
		ca[i] = (struct ps_arg){ .ps = &ps, .idx = i };
		ASSERT_EQ(0, pthread_create(&ct[i], NULL, ps_connector, &ca[i]));
	}
	for (i = 0; i < PS_CONNECTORS; i++)
		pthread_join(ct[i], NULL);
	astore(&ps.stop, 1);
	for (i = 0; i < PS_SERVERS; i++) {
		pthread_join(st[i], NULL);
		close(ps.l[i]);
	}
	TH_LOG("%d connections from 2 ports (at most %d open at once), %d served, %d connect() "
	       "EADDRNOTAVAIL, %ld TIME-WAIT entries ended early (by a SYN or connect())", ps.ok, ps.max_open, ps.served,
	       ps.notavail, sl_stack_stat(variant->alt, variant->alt ? "TimeWaitRecycled" :
				      "TWRecycled") - recycled);
	EXPECT_EQ(0, ps.f.n) TH_LOG("%d faults: %s", ps.f.n, ps.f.text);
	EXPECT_EQ(ps.ok, ps.served);
	EXPECT_LE(PS_MIN_OK, ps.ok) TH_LOG("too few connections to call it a test");
	EXPECT_NO_LEFTOVERS(variant->alt, PS_LOW);
	EXPECT_NO_LEFTOVERS(variant->alt, PS_HIGH);
}

TEST_HARNESS_MAIN
