// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-bench: the same workloads on the kernel's TCP (AF_INET) and on tcpalt, alternating in
 * one run (kernel, tcpalt, kernel, tcpalt, ...) for --rounds rounds; for each stack the median
 * and the spread (min-max) over the rounds, and the ratio of the medians tcpalt / kernel:
 *   stream  bulk transfer, one connection, one direction, for --secs seconds; the receiver
 *           counts the bytes that arrive in that window (Mbit/s), on every path
 *   rr      1-byte request/response with TCP_NODELAY (transactions/s), loopback and veth
 *   crr     connect + accept + 1-byte exchange + close (connections/s), loopback and veth
 *   mem     slab memory per established connection, both ends (bytes, from /proc/slabinfo)
 *   bind    what a port reservation costs: slab bytes of socket() + bind() over socket()
 *
 * Paths: "lo" is the loopback of the namespace tcpalt-bench starts in.  Every other path is two
 * new network namespaces, the client's and the server's, joined by a veth pair (MTU 1500), with
 * netem on each end: half the round-trip time each way, and the loss and reordering applied in
 * both directions.  On the lossy paths the veth ends have gso_max_segs 1, so every packet netem
 * drops or reorders is one wire segment for both stacks, as on a real link where the NIC cuts
 * TSO packets before the wire (else a GSO packet of up to 45 segments would be lost whole); the
 * lossless paths keep veth's default, so both stacks may hand it GSO super-segments.
 *
 * Needs root, /usr/sbin/ip and /usr/sbin/tc (iproute2's, not busybox's), veth and sch_netem.
 * Exit status: 0 when every workload ran, 1 when one failed, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpalt_tool.h"

#define IP	"/usr/sbin/ip"
#define TC	"/usr/sbin/tc"
#define CLIENT_ADDR	"10.99.0.1"
#define SERVER_ADDR	"10.99.0.2"
/* Any single blocking step (connect, accept, one rr exchange) gives up after this. */
#define STEP_SECS	10

/**
 * struct path - where a workload's client and server run.
 * @name:  its name in --paths
 * @label: its name in the table
 * @netem: the netem options on each veth end ("" for none); NULL for loopback
 */
struct path {
	const char *name;
	const char *label;
	const char *netem;
};

static const struct path paths[] = {
	{ "lo", "loopback", NULL },
	{ "veth", "veth, no delay", "" },
	{ "rtt20", "veth, RTT 20 ms", "delay 10ms" },
	{ "rtt100", "veth, RTT 100 ms", "delay 50ms" },
	{ "loss0.1", "veth, RTT 20 ms, 0.1% loss", "delay 10ms loss 0.1%" },
	{ "loss1", "veth, RTT 20 ms, 1% loss", "delay 10ms loss 1%" },
	{ "loss5", "veth, RTT 20 ms, 5% loss", "delay 10ms loss 5%" },
	{ "reorder", "veth, RTT 20 ms, 1% loss, reorder 10% 50%",
	  "delay 10ms loss 1% reorder 10% 50%" },
};
#define NPATHS	(sizeof(paths) / sizeof(paths[0]))

enum workload { W_STREAM, W_RR, W_CRR, W_MEM, W_BIND, NWORKLOADS };

static const char *const workload_names[NWORKLOADS] = {
	[W_STREAM] = "stream", [W_RR] = "rr", [W_CRR] = "crr", [W_MEM] = "mem", [W_BIND] = "bind",
};

static int rounds = 5, secs = 5, rr_count = 5000, crr_count = 500, mem_conns = 500;
static int want_path[NPATHS], want_workload[NWORKLOADS];

/* Network namespaces: the one we started in (loopback), the veth client's and server's. */
static int ns_self = -1, ns_client = -1, ns_server = -1;
/* The netem options now on the veth ends; NULL before the veth exists. */
static const char *netem_now;

/**
 * struct where - the two ends of one measurement.
 * @cns:   the client's network namespace
 * @sns:   the server's network namespace
 * @saddr: the server's address
 */
struct where {
	int cns, sns;
	const char *saddr;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Report a failed step (with errno).  Returns NAN, what a workload returns when it failed (its
 * cell then says "failed"): mem and bind may rightly measure less than 0.
 */
static double fail(const char *what)
{
	fprintf(stderr, "tcpalt-bench: %s: %s\n", what, strerror(errno));
	return NAN;
}

/* Run a shell command line (full paths: busybox sh has applets named ip and tc); 0 or -1. */
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc) {
		fprintf(stderr, "tcpalt-bench: '%s' failed (status %d)\n", cmd, rc);
		return -1;
	}
	return 0;
}

static int enter(int ns)
{
	if (setns(ns, CLONE_NEWNET)) {
		fail("setns");
		return -1;
	}
	return 0;
}

static int open_ns(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* Short TIME-WAIT (per namespace) so crr's closed connections do not pile up. */
static void short_msl(void)
{
	tool_write_int(TCPALT_SYSCTL_MSL_MS, 500);
}

/*
 * Two new namespaces joined by a veth pair: va (CLIENT_ADDR) in ns_client, vb (SERVER_ADDR)
 * in ns_server.  The namespaces live as long as their descriptors, so they go when we exit.
 */
static int veth_setup(void)
{
	if (unshare(CLONE_NEWNET) || (ns_server = open_ns()) < 0)
		return fail("server namespace"), -1;
	short_msl();
	if (run(IP " link set lo up") || enter(ns_self))
		return -1;
	if (unshare(CLONE_NEWNET) || (ns_client = open_ns()) < 0)
		return fail("client namespace"), -1;
	short_msl();
	if (run(IP " link set lo up && " IP " link add va mtu 1500 type veth "
		"peer name vb mtu 1500 netns /proc/%d/fd/%d && "
		IP " addr add " CLIENT_ADDR "/24 dev va && " IP " link set va up",
		(int)getpid(), ns_server) ||
	    enter(ns_server) ||
	    run(IP " addr add " SERVER_ADDR "/24 dev vb && " IP " link set vb up") ||
	    enter(ns_self))
		return -1;
	netem_now = "";
	return 0;
}

/*
 * The same netem on both veth ends; "" removes it.  limit: netem's default queue of 1000
 * packets would drop on its own at RTT 100 ms, so give it room for any window either stack
 * opens.
 */
static int set_netem(const char *opts)
{
	static const char *const dev[2] = { "va", "vb" };
	int i, rc = 0;

	if (!netem_now && veth_setup())
		return -1;
	if (!strcmp(opts, netem_now))
		return 0;
	for (i = 0; i < 2 && !rc; i++) {
		rc = enter(i ? ns_server : ns_client);
		if (!rc)
			rc = run(IP " link set dev %s gso_max_segs %d", dev[i],
				 strstr(opts, "loss") ? 1 : 65535);
		if (!rc && *opts)
			rc = run(TC " qdisc replace dev %s root netem limit 100000 %s", dev[i], opts);
		else if (!rc)
			rc = run(TC " qdisc del dev %s root", dev[i]);
	}
	if (enter(ns_self))
		rc = -1;
	netem_now = rc ? "?" : opts;
	return rc;
}

/* Set the path up and say where its client and server run. */
static int path_enter(const struct path *p, struct where *w)
{
	if (!p->netem) {
		w->cns = w->sns = ns_self;
		w->saddr = "127.0.0.1";
		return 0;
	}
	if (set_netem(p->netem))
		return -1;
	w->cns = ns_client;
	w->sns = ns_server;
	w->saddr = SERVER_ADDR;
	return 0;
}

/* A socket of the family in the namespace ns (a socket keeps the namespace it was made in). */
static int socket_in(int ns, int family)
{
	int fd;

	if (enter(ns))
		return -1;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket");
	if (enter(ns_self)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void set_timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Close with an RST (SO_LINGER {1, 0}): no orphan or TIME-WAIT left for the next round. */
static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* A listener on the server's address, port chosen by the kernel (in *sin); -1 on failure. */
static int listener(int family, const struct where *w, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket_in(w->sns, family), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	set_timeouts(fd, STEP_SECS);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, w->saddr, &sin->sin_addr);
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)sin, &len)) {
		fail("bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* A connected pair: *c the client's end, *s the server's; 0 or -1 (nothing left open). */
static int pair(int family, const struct where *w, int lfd, struct sockaddr_in *sin, int *c,
		int *s)
{
	*c = socket_in(w->cns, family);
	if (*c < 0)
		return -1;
	set_timeouts(*c, STEP_SECS);
	if (connect(*c, (struct sockaddr *)sin, sizeof(*sin))) {
		fail("connect");
		close(*c);
		return -1;
	}
	*s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*s < 0) {
		fail("accept");
		close(*c);
		return -1;
	}
	set_timeouts(*s, STEP_SECS);
	return 0;
}

/**
 * struct sender - the writing end of a stream.
 * @fd:   the client's socket
 * @stop: set when the measuring window is over
 * @err:  errno of a failed write, 0 if none
 */
struct sender {
	int fd;
	int stop;
	int err;
};

static void *send_loop(void *arg)
{
	static char buf[1 << 16];
	struct sender *sd = arg;

	/*
	 * The send timeout makes a write blocked on a full window come back to see stop.  Once
	 * stop is set, the receiver's RST fails a write: that is the end, not an error.
	 */
	while (!__atomic_load_n(&sd->stop, __ATOMIC_ACQUIRE)) {
		if (write(sd->fd, buf, sizeof(buf)) < 0 && errno != EAGAIN && errno != EINTR) {
			if (!__atomic_load_n(&sd->stop, __ATOMIC_ACQUIRE))
				sd->err = errno;
			break;
		}
	}
	return NULL;
}

/* Bulk stream client -> server for secs seconds: Mbit/s the server received in that time. */
static double bench_stream(int family, const struct where *w)
{
	static char buf[1 << 16];
	struct sender sd = { 0 };
	struct sockaddr_in sin;
	long long bytes = 0;
	int lfd, c, s, err = 0;
	double t0, t, end;
	pthread_t th;

	lfd = listener(family, w, &sin);
	if (lfd < 0)
		return NAN;
	if (pair(family, w, lfd, &sin, &c, &s)) {
		close(lfd);
		return NAN;
	}
	close(lfd);
	set_timeouts(c, 1);
	sd.fd = c;
	if (pthread_create(&th, NULL, send_loop, &sd)) {
		abort_close(c);
		abort_close(s);
		return fail("pthread_create");
	}
	t0 = now();
	end = t0 + secs;
	while (!err && (t = now()) < end) {
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)((end - t) * 1000) + 1) <= 0)
			continue;
		n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			bytes += n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			err = n ? errno : ECONNRESET;
	}
	t = now() - t0;
	__atomic_store_n(&sd.stop, 1, __ATOMIC_RELEASE);
	/* The RST also wakes a sender blocked on a full window. */
	abort_close(s);
	pthread_join(th, NULL);
	abort_close(c);
	if (err || sd.err) {
		errno = err ? err : sd.err;
		return fail(err ? "stream receive" : "stream send");
	}
	return bytes * 8 / t / 1e6;
}

static double bench_rr(int family, const struct where *w)
{
	struct sockaddr_in sin;
	int lfd, c, s, i, one = 1;
	char b = 'x';
	double t0;

	lfd = listener(family, w, &sin);
	if (lfd < 0)
		return NAN;
	if (pair(family, w, lfd, &sin, &c, &s)) {
		close(lfd);
		return NAN;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = now();
	for (i = 0; i < rr_count; i++) {
		if (write(c, &b, 1) != 1 || read(s, &b, 1) != 1 || write(s, &b, 1) != 1 ||
		    read(c, &b, 1) != 1) {
			fail("rr exchange");
			break;
		}
	}
	t0 = now() - t0;
	close(c);
	close(s);
	close(lfd);
	return i < rr_count ? NAN : rr_count / t0;
}

static double bench_crr(int family, const struct where *w)
{
	struct sockaddr_in sin;
	int lfd, c, s, i;
	char b = 'x';
	double t0;

	lfd = listener(family, w, &sin);
	if (lfd < 0)
		return NAN;
	t0 = now();
	for (i = 0; i < crr_count; i++) {
		int ok;

		if (pair(family, w, lfd, &sin, &c, &s))
			break;
		ok = write(c, &b, 1) == 1 && read(s, &b, 1) == 1;
		close(c);
		close(s);
		if (!ok) {
			fail("crr exchange");
			break;
		}
	}
	t0 = now() - t0;
	close(lfd);
	return i < crr_count ? NAN : crr_count / t0;
}

/* Bytes in use in every slab cache: sum of active objects times object size. */
static long long slab_bytes(void)
{
	char line[512], name[64];
	long long sum = 0;
	long active, total, size;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total, &size) == 4)
			sum += (long long)active * size;
	fclose(f);
	return sum;
}

/* Kernel memory per connection (both ends, sockets and port reservations): slab growth. */
static double bench_mem(int family, const struct where *w)
{
	int *fds = calloc(2 * mem_conns, sizeof(int)), lfd, i, n = 0;
	struct sockaddr_in sin;
	long long before, after = -1;

	if (!fds)
		return fail("calloc");
	lfd = listener(family, w, &sin);
	if (lfd >= 0) {
		sleep(1);
		before = slab_bytes();
		for (n = 0; n < mem_conns; n++)
			if (pair(family, w, lfd, &sin, &fds[2 * n], &fds[2 * n + 1]))
				break;
		sleep(1);
		if (n == mem_conns)
			after = slab_bytes();
		close(lfd);
	}
	for (i = 0; i < 2 * n; i++)
		close(fds[i]);
	free(fds);
	if (after < 0 || before < 0)
		return NAN;
	return (double)(after - before) / mem_conns;
}

/* Slab bytes per socket of socket() alone, and of socket() + bind() to an ephemeral port. */
static double sock_bytes(int family, int do_bind)
{
	int *fds = calloc(mem_conns, sizeof(int)), i, n;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long long before, after = -1;

	if (!fds)
		return fail("calloc");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sleep(1);	/* let RCU-deferred frees of earlier runs settle */
	before = slab_bytes();
	for (n = 0; n < mem_conns; n++) {
		fds[n] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[n] < 0 ||
		    (do_bind && bind(fds[n], (struct sockaddr *)&sin, sizeof(sin)))) {
			fail("socket/bind");
			if (fds[n] >= 0)
				close(fds[n]);
			break;
		}
	}
	sleep(1);
	if (n == mem_conns)
		after = slab_bytes();
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	if (after < 0 || before < 0)
		return NAN;
	return (double)(after - before) / mem_conns;
}

/* DESIGN D3: what sharing the port space costs (the kernel TCP socket behind a port). */
static double bench_bind(int family, const struct where *w)
{
	double bound, unbound;

	(void)w;
	bound = sock_bytes(family, 1);
	unbound = isnan(bound) ? NAN : sock_bytes(family, 0);
	return bound - unbound;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Three significant figures or so, without a fraction once it says nothing. */
static const char *num(char *buf, size_t len, double v)
{
	int prec = v >= 100 || v <= -100 ? 0 : v >= 10 || v <= -10 ? 1 : 2;

	snprintf(buf, len, "%.*f", prec, v);
	return buf;
}

static void cell(char *buf, size_t len, double *v, int n)
{
	char m[32], lo[32], hi[32];
	double med = median(v, n);

	snprintf(buf, len, "%s (%s–%s)", num(m, sizeof(m), med), num(lo, sizeof(lo), v[0]),
		 num(hi, sizeof(hi), v[n - 1]));
}

/*
 * One row: rounds of fn (which returns NAN when it fails) on the kernel TCP then tcpalt,
 * alternating, then the table line.  Returns 0, or -1 when a run failed (the row then says
 * which stack failed; that stack runs no more rounds).
 */
static int row(const char *label, double (*fn)(int, const struct where *), const struct path *p,
	       int alt)
{
	double *k = calloc(rounds, sizeof(double)), *t = calloc(rounds, sizeof(double));
	char kc[128], tc[128], ratio[32];
	int r, kfail = 0, tfail = 0;
	struct where w;

	if (!k || !t) {
		free(k);
		free(t);
		return fail("calloc"), -1;
	}
	if (path_enter(p, &w)) {
		kfail = tfail = 1;
	} else {
		for (r = 0; r < rounds && !(kfail && tfail); r++) {
			if (!kfail && isnan(k[r] = fn(AF_INET, &w)))
				kfail = 1;
			if (!tfail && isnan(t[r] = fn(alt, &w)))
				tfail = 1;
		}
	}
	if (kfail)
		snprintf(kc, sizeof(kc), "failed");
	else
		cell(kc, sizeof(kc), k, rounds);
	if (tfail)
		snprintf(tc, sizeof(tc), "failed");
	else
		cell(tc, sizeof(tc), t, rounds);
	/* cell() sorted both, so the medians are in the middle. */
	if (kfail || tfail || median(k, rounds) <= 0)
		snprintf(ratio, sizeof(ratio), "-");
	else
		snprintf(ratio, sizeof(ratio), "%.2f", median(t, rounds) / median(k, rounds));
	printf("| %s | %s | %s | %s |\n", label, kc, tc, ratio);
	fflush(stdout);
	free(k);
	free(t);
	return kfail || tfail ? -1 : 0;
}

/* Parse a comma-separated list of names into want[] (1 for each named); -1 on an unknown one. */
static int parse_list(const char *opt, char *arg, const char *(*name)(int), int n, int *want)
{
	char *tok, *save = NULL;
	int i;

	memset(want, 0, n * sizeof(*want));
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n && strcmp(tok, name(i)); i++)
			;
		if (!strcmp(tok, "all")) {
			for (i = 0; i < n; i++)
				want[i] = 1;
		} else if (i < n) {
			want[i] = 1;
		} else {
			fprintf(stderr, "tcpalt-bench: --%s: no '%s' (see --help)\n", opt, tok);
			return -1;
		}
	}
	return 0;
}

static const char *path_name(int i)
{
	return paths[i].name;
}

static const char *workload_name(int i)
{
	return workload_names[i];
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: tcpalt-bench [--paths LIST] [--workloads LIST] [--rounds N] [--secs S]\n"
		"                    [--rr N] [--crr N] [--mem N]\n"
		"Run workloads on AF_INET and AF_TCPALT, alternating, and print a markdown table of\n"
		"medians, min-max and the ratio tcpalt / kernel.\n"
		"  --paths LIST      comma-separated, or all (default): stream runs on each path,\n"
		"                    rr and crr on lo and veth, mem and bind on lo\n"
		"  --workloads LIST  comma-separated from stream,rr,crr,mem,bind, or all (default)\n"
		"  --rounds N        runs per stack of each row (default 5)\n"
		"  --secs S          length of each stream in seconds (default 5)\n"
		"  --rr N            request/response transactions (default 5000)\n"
		"  --crr N           connect/accept/close cycles (default 500)\n"
		"  --mem N           connections held for the memory measure (default 500)\n"
		"Paths:\n");
	for (i = 0; i < NPATHS; i++)
		fprintf(out, "  %-9s %s%s%s\n", paths[i].name, paths[i].label,
			paths[i].netem && *paths[i].netem ? "; netem " : "",
			paths[i].netem ? paths[i].netem : "");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "paths", required_argument, NULL, 'p' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "secs", required_argument, NULL, 'S' },
		{ "rr", required_argument, NULL, 'r' },
		{ "crr", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct path *lo = &paths[0], *veth = &paths[1];
	int alt, o, status = 0;
	char label[96];
	size_t i;

	for (i = 0; i < NPATHS; i++)
		want_path[i] = 1;
	for (i = 0; i < NWORKLOADS; i++)
		want_workload[i] = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			if (parse_list("paths", optarg, path_name, NPATHS, want_path))
				return 2;
			break;
		case 'w':
			if (parse_list("workloads", optarg, workload_name, NWORKLOADS,
				       want_workload))
				return 2;
			break;
		case 'n':
			rounds = tool_arg("tcpalt-bench", "rounds", optarg, 1, 1000);
			break;
		case 'S':
			secs = tool_arg("tcpalt-bench", "secs", optarg, 1, 3600);
			break;
		case 'r':
			rr_count = tool_arg("tcpalt-bench", "rr", optarg, 1, 1 << 24);
			break;
		case 'c':
			crr_count = tool_arg("tcpalt-bench", "crr", optarg, 1, 1 << 24);
			break;
		case 'm':
			mem_conns = tool_arg("tcpalt-bench", "mem", optarg, 1, 1 << 20);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	/* A reset peer must fail a write, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	ns_self = open_ns();
	if (ns_self < 0)
		return fail("open /proc/self/ns/net"), 1;
	alt = tool_family();
	short_msl();
	printf("tcpalt-bench: %d round%s per stack, kernel TCP and tcpalt alternating; "
	       "%d s streams\n", rounds, rounds == 1 ? "" : "s", secs);
	if (want_workload[W_STREAM]) {
		printf("\nBulk stream, one connection, Mbit/s received in %d s:\n\n", secs);
		printf("| path | kernel TCP (median, min–max) | tcpalt (median, min–max) | "
		       "tcpalt ÷ kernel |\n|---|---|---|---|\n");
		for (i = 0; i < NPATHS; i++)
			if (want_path[i] && row(paths[i].label, bench_stream, &paths[i], alt))
				status = 1;
	}
	/* rr and crr have rows on lo and veth, mem and bind on lo only. */
	if (((want_path[0] || want_path[1]) && (want_workload[W_RR] || want_workload[W_CRR])) ||
	    (want_path[0] && (want_workload[W_MEM] || want_workload[W_BIND]))) {
		printf("\nOther workloads:\n\n");
		printf("| workload | kernel TCP (median, min–max) | tcpalt (median, min–max) | "
		       "tcpalt ÷ kernel |\n|---|---|---|---|\n");
	}
	for (i = 0; i < 2; i++) {
		const struct path *p = i ? veth : lo;

		if (!want_path[i])
			continue;
		snprintf(label, sizeof(label), "rr, %s (trans/s)", p->label);
		if (want_workload[W_RR] && row(label, bench_rr, p, alt))
			status = 1;
	}
	for (i = 0; i < 2; i++) {
		const struct path *p = i ? veth : lo;

		if (!want_path[i])
			continue;
		snprintf(label, sizeof(label), "crr, %s (conn/s)", p->label);
		if (want_workload[W_CRR] && row(label, bench_crr, p, alt))
			status = 1;
	}
	if (want_path[0] && want_workload[W_MEM] &&
	    row("mem per connection, loopback (bytes)", bench_mem, lo, alt))
		status = 1;
	if (want_path[0] && want_workload[W_BIND] &&
	    row("bind cost per socket (bytes)", bench_bind, lo, alt))
		status = 1;
	return status;
}
