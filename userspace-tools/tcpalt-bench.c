// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-bench: the same loopback workloads on the kernel's TCP (AF_INET) and on tcpalt, in
 * the same run, and the ratio tcpalt / kernel for each:
 *   stream  bulk transfer, one direction (MB/s)
 *   rr      1-byte request/response with TCP_NODELAY (transactions/s)
 *   crr     connect + accept + 1-byte exchange + close (connections/s)
 *   mem     slab memory per established connection, both ends (bytes, from /proc/slabinfo)
 *
 * Exit status: 0 when every workload ran, 1 when one failed, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpalt_tool.h"

static long long stream_bytes = 64LL << 20;
static int rr_count = 5000, crr_count = 500, mem_conns = 500;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "tcpalt-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listener(int family, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)sin, &len))
		die("bind/listen");
	return fd;
}

static int connect_to(int family, struct sockaddr_in *sin)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)sin, sizeof(*sin)))
		die("connect");
	return fd;
}

static void pair(int family, int lfd, struct sockaddr_in *sin, int *c, int *s)
{
	*c = connect_to(family, sin);
	*s = accept(lfd, NULL, NULL);
	if (*s < 0)
		die("accept");
}

static void *sink(void *arg)
{
	static char buf[1 << 16];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static double bench_stream(int family)
{
	static char buf[1 << 16];
	struct sockaddr_in sin;
	long long left = stream_bytes;
	int lfd, c, s;
	pthread_t th;
	double t0, t;

	lfd = listener(family, &sin);
	pair(family, lfd, &sin, &c, &s);
	pthread_create(&th, NULL, sink, &s);
	t0 = now();
	while (left > 0) {
		size_t chunk = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = write(c, buf, chunk);

		if (n <= 0)
			die("stream write");
		left -= n;
	}
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	t = now() - t0;
	close(c);
	close(s);
	close(lfd);
	return stream_bytes / t / 1e6;
}

static double bench_rr(int family)
{
	struct sockaddr_in sin;
	int lfd, c, s, i, one = 1;
	char b = 'x';
	double t0;

	lfd = listener(family, &sin);
	pair(family, lfd, &sin, &c, &s);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = now();
	for (i = 0; i < rr_count; i++) {
		if (write(c, &b, 1) != 1 || read(s, &b, 1) != 1 || write(s, &b, 1) != 1 ||
		    read(c, &b, 1) != 1)
			die("rr");
	}
	t0 = now() - t0;
	close(c);
	close(s);
	close(lfd);
	return rr_count / t0;
}

static double bench_crr(int family)
{
	struct sockaddr_in sin;
	int lfd, c, s, i;
	char b = 'x';
	double t0;

	lfd = listener(family, &sin);
	t0 = now();
	for (i = 0; i < crr_count; i++) {
		pair(family, lfd, &sin, &c, &s);
		if (write(c, &b, 1) != 1 || read(s, &b, 1) != 1)
			die("crr");
		close(c);
		close(s);
	}
	t0 = now() - t0;
	close(lfd);
	return crr_count / t0;
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
static double bench_mem(int family)
{
	int *fds = calloc(2 * mem_conns, sizeof(int)), lfd, i;
	struct sockaddr_in sin;
	long long before, after;

	if (!fds)
		die("calloc");
	lfd = listener(family, &sin);
	sleep(1);
	before = slab_bytes();
	for (i = 0; i < mem_conns; i++)
		pair(family, lfd, &sin, &fds[2 * i], &fds[2 * i + 1]);
	sleep(1);
	after = slab_bytes();
	for (i = 0; i < 2 * mem_conns; i++)
		close(fds[i]);
	close(lfd);
	free(fds);
	return (double)(after - before) / mem_conns;
}

/* Slab bytes per socket of socket() alone, and of socket() + bind() to an ephemeral port. */
static double sock_bytes(int family, int do_bind)
{
	int *fds = calloc(mem_conns, sizeof(int)), i;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long long before, after;

	if (!fds)
		die("calloc");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sleep(1);	/* let RCU-deferred frees of earlier runs settle */
	before = slab_bytes();
	for (i = 0; i < mem_conns; i++) {
		fds[i] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || (do_bind && bind(fds[i], (struct sockaddr *)&sin, sizeof(sin))))
			die("socket/bind");
	}
	sleep(1);
	after = slab_bytes();
	for (i = 0; i < mem_conns; i++)
		close(fds[i]);
	free(fds);
	return (double)(after - before) / mem_conns;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tcpalt-bench [--stream-mb N] [--rr N] [--crr N] [--mem N]\n"
		"Run loopback workloads on AF_INET and AF_TCPALT and print tcpalt/kernel ratios.\n"
		"  --stream-mb N  bulk transfer size in MiB (default 64)\n"
		"  --rr N         request/response transactions (default 5000)\n"
		"  --crr N        connect/accept/close cycles (default 500)\n"
		"  --mem N        connections held for the memory measure (default 500)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stream-mb", required_argument, NULL, 's' },
		{ "rr", required_argument, NULL, 'r' },
		{ "crr", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "stream MB/s", "rr trans/s", "crr conn/s",
					     "mem bytes/conn" };
	double (*const fn[])(int) = { bench_stream, bench_rr, bench_crr, bench_mem };
	int alt, o, i;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			stream_bytes = tool_arg("tcpalt-bench", "stream-mb", optarg, 1, 1 << 20);
			stream_bytes <<= 20;
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
	if (stream_bytes <= 0 || rr_count <= 0 || crr_count <= 0 || mem_conns <= 0) {
		usage(stderr);
		return 2;
	}
	alt = tool_family();
	/* Short TIME-WAIT so crr's closed connections do not pile up. */
	tool_write_int(TCPALT_SYSCTL_MSL_MS, 500);
	printf("%-16s %14s %14s %8s\n", "workload", "kernel TCP", "tcpalt", "ratio");
	for (i = 0; i < 4; i++) {
		double k = fn[i](AF_INET), t = fn[i](alt);

		printf("%-16s %14.1f %14.1f %8.2f\n", names[i], k, t, k > 0 ? t / k : 0);
		fflush(stdout);
	}
	/* DESIGN D3: what sharing the port space costs (the kernel TCP socket behind a port). */
	printf("%-16s %14.1f %14.1f %8s\n", "bind cost bytes",
	       sock_bytes(AF_INET, 1) - sock_bytes(AF_INET, 0),
	       sock_bytes(alt, 1) - sock_bytes(alt, 0), "-");
	return 0;
}
