// SPDX-License-Identifier: GPL-2.0
/*
 * libtcpalt-run.so: the LD_PRELOAD shim of tcpalt-run.  It makes a program's IPv4 TCP sockets
 * tcpalt sockets.
 *
 * When: without --ports, --listen-only or --connect-only, at socket(): every IPv4 TCP socket
 * is tcpalt's from the start.  With them, a socket is created before its port is known, and
 * they decide by port and role, so socket() is left alone and the program gets a kernel TCP
 * socket.  The decision is taken at listen() (port: the one bound) and connect() (port: the
 * destination), the first calls that fix the socket's role.  If the socket is to be tcpalt's,
 * the shim opens a tcpalt socket, gives it what the program set on the old one, and moves it
 * onto the program's fd number with dup3(), which closes the old socket in the same step:
 *   - fd flags: O_NONBLOCK (and the other F_SETFL flags) and FD_CLOEXEC are copied;
 *   - socket options: every option of a fixed list (SOL_SOCKET, SOL_TCP, SOL_IP) whose value on
 *     the old socket differs from a fresh AF_INET socket's is set on the new one (no bookkeeping
 *     of setsockopt() calls, so options set through any path are seen; the fresh socket's
 *     values are read once per network namespace);
 *   - a bound address (bind() before listen() or connect()): the old socket's port is freed by
 *     dup3(), then the new socket binds the same address.
 * Converting at bind() instead would be simpler for servers but wrong for a client that binds
 * before connecting when --listen-only is given, and creating the tcpalt socket in socket()
 * could not honour --ports.  Sockets the shim does not convert stay kernel TCP, untouched; so
 * do UDP, AF_UNIX, AF_INET6 and every other kind (the checks read SO_DOMAIN, SO_TYPE and
 * SO_PROTOCOL of the fd, so no table of fds is kept and fork/exec need nothing).
 *
 * Seen from the program a tcpalt socket is an IPv4 TCP socket: getsockname()/getpeername()
 * already answer sin_family AF_INET, accept() returns tcpalt sockets, getsockopt()
 * SO_DOMAIN is rewritten to AF_INET (SO_PROTOCOL answers IPPROTO_TCP), and setsockopt() of
 * SO_REUSEPORT or SO_ZEROCOPY at SOL_SOCKET, which Linux 6.1's core refuses to other
 * families, is made at SOL_TCPALT (when carried over, and on tcpalt sockets later).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <uapi/tcpalt.h>
#include "tcpalt_run.h"

/* Built with -fvisibility=hidden: only the wrapped calls are exported. */
#define SHIM_EXPORT __attribute__((visibility("default")))

typedef int (*socket_fn)(int, int, int);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*listen_fn)(int, int);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static socket_fn real_socket;
static connect_fn real_connect;
static listen_fn real_listen;
static getsockopt_fn real_getsockopt;
static setsockopt_fn real_setsockopt;

static int family = -1;		/* -1: disabled (module not loaded, bad options) */
static int only_listen, only_connect, verbose, fallback;
static struct run_range ranges[RUN_MAX_RANGES];
static int nranges;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "tcpalt-run[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* One write(), so lines of several processes do not interleave. */
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0)
		return;
}

static int read_family(void)
{
	const char *path = getenv(RUN_ENV_PARAM);
	char buf[16];
	FILE *f;
	int fam = -1;

	f = fopen(path && *path ? path : TCPALT_FAMILY_PARAM, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		fam = atoi(buf);
	fclose(f);
	return fam > 0 ? fam : -1;
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *s;

	real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
	real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
	real_listen = (listen_fn)dlsym(RTLD_NEXT, "listen");
	real_getsockopt = (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt");
	real_setsockopt = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");

	verbose = (s = getenv(RUN_ENV_VERBOSE)) && !strcmp(s, "1");
	fallback = (s = getenv(RUN_ENV_FALLBACK)) && !strcmp(s, "1");
	s = getenv(RUN_ENV_ONLY);
	only_listen = s && !strcmp(s, "listen");
	only_connect = s && !strcmp(s, "connect");
	s = getenv(RUN_ENV_PORTS);
	nranges = s && *s ? run_parse_ports(s, ranges) : 0;
	if (nranges < 0) {
		say("bad %s '%s': no socket is converted\n", RUN_ENV_PORTS, s);
		return;
	}
	s = getenv(RUN_ENV_FAMILY);
	family = s && atoi(s) > 0 ? atoi(s) : read_family();
	if (family < 0 && verbose)
		say("tcpalt is not loaded: sockets stay kernel TCP\n");
}

static int sockopt_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v;

	if (!real_getsockopt || real_getsockopt(fd, level, name, &v, &len) || len != sizeof(int))
		return -1;
	return v;
}

/*
 * A kernel IPv4 TCP socket that has neither connected nor listened (state CLOSE): the only
 * kind the shim converts.  The state check keeps a connect() repeated on a socket the shim
 * left on the kernel TCP (to learn a non-blocking connect's outcome) from replacing it.
 */
static int is_fresh_inet_tcp(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (sockopt_int(fd, SOL_SOCKET, SO_DOMAIN) != AF_INET ||
	    sockopt_int(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
	    sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP)
		return 0;
	return !real_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) && len >= 1 &&
	       ti.tcpi_state == TCP_CLOSE;
}

/* The options carried over to the tcpalt socket when they differ from a fresh socket's. */
static const struct {
	int level, name;
	const char *label;
} copied[] = {
	{ SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR" },
	{ SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT" },
	{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE" },
	{ SOL_SOCKET, SO_LINGER, "SO_LINGER" },
	{ SOL_SOCKET, SO_OOBINLINE, "SO_OOBINLINE" },
	{ SOL_SOCKET, SO_RCVLOWAT, "SO_RCVLOWAT" },
	{ SOL_SOCKET, SO_RCVTIMEO, "SO_RCVTIMEO" },
	{ SOL_SOCKET, SO_SNDTIMEO, "SO_SNDTIMEO" },
	{ SOL_SOCKET, SO_PRIORITY, "SO_PRIORITY" },
	{ SOL_SOCKET, SO_MARK, "SO_MARK" },
	{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF" },
	{ SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF" },
	{ SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE" },
	{ SOL_SOCKET, SO_ZEROCOPY, "SO_ZEROCOPY" },
	{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY" },
	{ IPPROTO_TCP, TCP_CORK, "TCP_CORK" },
	{ IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE" },
	{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL" },
	{ IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT" },
	{ IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG" },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT" },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT" },
	{ IPPROTO_TCP, TCP_LINGER2, "TCP_LINGER2" },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, "TCP_WINDOW_CLAMP" },
	{ IPPROTO_IP, IP_TOS, "IP_TOS" },
	{ IPPROTO_IP, IP_TTL, "IP_TTL" },
	{ IPPROTO_IP, IP_FREEBIND, "IP_FREEBIND" },
};

#define NCOPIED (sizeof(copied) / sizeof(copied[0]))

/* What a fresh AF_INET TCP socket answers for copied[]: the same for every socket of a netns. */
struct fresh_values {
	dev_t ns_dev;		/* the network namespace it was read in (st_dev/st_ino of */
	ino_t ns_ino;		/* /proc/self/ns/net) */
	int valid;
	int ok[NCOPIED];	/* getsockopt() answered */
	socklen_t len[NCOPIED];
	char v[NCOPIED][64];
};

static struct fresh_values fresh_cache;
static pthread_mutex_t fresh_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The fresh socket's values in *out, read once per network namespace (a socket, 26
 * getsockopt() calls and a close() per conversion were a third of what a connect() cost a
 * program that opens a connection per request, ab's).  0, or -1 when no AF_INET socket opens.
 */
static int fresh_values(struct fresh_values *out)
{
	struct stat ns;
	int have_ns = !stat("/proc/self/ns/net", &ns);
	unsigned int i;
	int fd, ret = 0;

	pthread_mutex_lock(&fresh_lock);
	if (!fresh_cache.valid || !have_ns || fresh_cache.ns_dev != ns.st_dev ||
	    fresh_cache.ns_ino != ns.st_ino) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ret = -1;
			goto out;
		}
		for (i = 0; i < NCOPIED; i++) {
			fresh_cache.len[i] = sizeof(fresh_cache.v[i]);
			fresh_cache.ok[i] = !real_getsockopt(fd, copied[i].level, copied[i].name,
							     fresh_cache.v[i], &fresh_cache.len[i]);
		}
		close(fd);
		/* Without /proc the namespace is unknown: read the values again next time. */
		fresh_cache.valid = have_ns;
		fresh_cache.ns_dev = have_ns ? ns.st_dev : 0;
		fresh_cache.ns_ino = have_ns ? ns.st_ino : 0;
	}
	*out = fresh_cache;
out:
	pthread_mutex_unlock(&fresh_lock);
	return ret;
}

/*
 * setsockopt() of a SOL_SOCKET option that Linux 6.1's core refuses (EOPNOTSUPP) to a family
 * other than AF_INET/AF_INET6 before the protocol sees it: tcpalt takes SO_REUSEPORT and
 * SO_ZEROCOPY at SOL_TCPALT instead (uapi/tcpalt.h).  Other calls go through unchanged.
 */
static int set_opt(int fd, int level, int name, const void *v, socklen_t len)
{
	int ret, err;

	if (!real_setsockopt) {
		errno = ENOSYS;
		return -1;
	}
	ret = real_setsockopt(fd, level, name, v, len);
	if (!ret || errno != EOPNOTSUPP || family <= 0 || level != SOL_SOCKET ||
	    (name != SO_REUSEPORT && name != SO_ZEROCOPY) ||
	    sockopt_int(fd, SOL_SOCKET, SO_DOMAIN) != family)
		return ret;
	err = errno;
	ret = real_setsockopt(fd, SOL_TCPALT, name, v, len);
	if (ret && errno == ENOPROTOOPT)
		errno = err;	/* a module without the option: the core's answer */
	return ret;
}

/* Set on nfd every option of copied[] whose value on old differs from a fresh socket's. */
static void copy_options(int old, int nfd)
{
	struct fresh_values ref;
	socklen_t vlen;
	unsigned int i;
	char v[64];

	if (fresh_values(&ref))
		return;
	for (i = 0; i < NCOPIED; i++) {
		vlen = sizeof(v);
		if (!ref.ok[i] || real_getsockopt(old, copied[i].level, copied[i].name, v, &vlen))
			continue;
		if (vlen == ref.len[i] && !memcmp(v, ref.v[i], vlen))
			continue;
		/* The kernel doubles what SO_RCVBUF/SO_SNDBUF set (socket(7)), and reports that. */
		if (copied[i].level == SOL_SOCKET &&
		    (copied[i].name == SO_RCVBUF || copied[i].name == SO_SNDBUF) &&
		    vlen == sizeof(int))
			*(int *)v /= 2;
		if (!set_opt(nfd, copied[i].level, copied[i].name, v, vlen))
			continue;
		if (verbose)
			say("%s not carried over: %s\n", copied[i].label, strerror(errno));
	}
}

static const char *fmt_addr(char *buf, size_t size, const struct sockaddr_in *a)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf, size, "%s:%u", ip, ntohs(a->sin_port));
	return buf;
}

/*
 * Replace the kernel TCP socket fd by a tcpalt socket with its flags, options and bound
 * address.  0 when done (or when --fallback keeps the kernel TCP), -1 with errno when the
 * program's call must fail.
 */
static int convert(int fd, const char *why, const struct sockaddr_in *peer)
{
	int fl, fdfl, nfd, err;
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	char a[32], b[32];

	fl = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return -1;
	memset(&local, 0, sizeof(local));
	if (getsockname(fd, (struct sockaddr *)&local, &len))
		return -1;
	nfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (nfd < 0) {
		err = errno;
		if (fallback) {
			if (verbose)
				say("fd %d stays kernel TCP: no tcpalt socket (%s)\n", fd,
				    strerror(err));
			return 0;
		}
		say("fd %d: cannot open a tcpalt socket (family %d): %s\n", fd, family,
		    strerror(err));
		errno = err;
		return -1;
	}
	copy_options(fd, nfd);
	if (dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
		err = errno;
		close(nfd);
		errno = err;
		return -1;
	}
	close(nfd);
	/* dup3() shares the open file description: its status flags are the new socket's. */
	if (fcntl(fd, F_SETFL, fl))
		return -1;
	if ((local.sin_port || local.sin_addr.s_addr) &&
	    bind(fd, (struct sockaddr *)&local, sizeof(local))) {
		err = errno;
		say("fd %d: tcpalt socket cannot bind %s again: %s\n", fd,
		    fmt_addr(a, sizeof(a), &local), strerror(err));
		errno = err;
		return -1;
	}
	if (verbose && peer)
		say("fd %d -> tcpalt (family %d): connect to %s from %s\n", fd, family,
		    fmt_addr(a, sizeof(a), peer), fmt_addr(b, sizeof(b), &local));
	else if (verbose)
		say("fd %d -> tcpalt (family %d): %s %s\n", fd, family, why,
		    fmt_addr(a, sizeof(a), &local));
	return 0;
}

/*
 * Without --ports, --listen-only or --connect-only every IPv4 TCP socket is to be tcpalt's,
 * so it is tcpalt's from socket() on and nothing is converted later: a conversion costs a
 * program some 35 system calls per connect() (reading and setting its options, dup3()),
 * which a client that opens a connection per request pays on every one.
 */
SHIM_EXPORT int socket(int domain, int type, int protocol)
{
	int fd, err;

	if (!real_socket) {
		errno = ENOSYS;
		return -1;
	}
	if (family <= 0 || nranges || only_listen || only_connect || domain != AF_INET ||
	    (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM ||
	    (protocol != 0 && protocol != IPPROTO_TCP))
		return real_socket(domain, type, protocol);
	fd = real_socket(family, type, protocol);
	if (fd >= 0) {
		if (verbose)
			say("fd %d -> tcpalt (family %d): socket()\n", fd, family);
		return fd;
	}
	err = errno;
	if (fallback) {
		if (verbose)
			say("socket() stays kernel TCP: no tcpalt socket (%s)\n", strerror(err));
		return real_socket(domain, type, protocol);
	}
	say("cannot open a tcpalt socket (family %d): %s\n", family, strerror(err));
	errno = err;
	return -1;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

	if (!real_connect) {
		errno = ENOSYS;
		return -1;
	}
	if (family > 0 && !only_listen && addr && len >= sizeof(*sin) &&
	    addr->sa_family == AF_INET && run_port_matches(ranges, nranges, ntohs(sin->sin_port)) &&
	    is_fresh_inet_tcp(fd) && convert(fd, "connect to", sin))
		return -1;
	return real_connect(fd, addr, len);
}

SHIM_EXPORT int listen(int fd, int backlog)
{
	struct sockaddr_in local;
	socklen_t len = sizeof(local);

	if (!real_listen) {
		errno = ENOSYS;
		return -1;
	}
	if (family > 0 && !only_connect && is_fresh_inet_tcp(fd) &&
	    !getsockname(fd, (struct sockaddr *)&local, &len) &&
	    (ntohs(local.sin_port) ? run_port_matches(ranges, nranges, ntohs(local.sin_port)) :
	     !nranges) &&
	    convert(fd, "listen on", NULL))
		return -1;
	return real_listen(fd, backlog);
}

/*
 * SO_REUSEPORT and SO_ZEROCOPY set on a socket that is tcpalt's already (after listen() or
 * connect(), or accepted) reach it at SOL_TCPALT, as they would reach a kernel TCP socket.
 */
SHIM_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return set_opt(fd, level, name, val, len);
}

SHIM_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int ret;

	if (!real_getsockopt) {
		errno = ENOSYS;
		return -1;
	}
	ret = real_getsockopt(fd, level, name, val, len);
	if (ret || family <= 0 || level != SOL_SOCKET || !val || !len || *len != sizeof(int))
		return ret;
	/* A tcpalt socket is an IPv4 TCP socket to the program (sd_is_socket_inet() etc.). */
	if (name == SO_DOMAIN && *(int *)val == family)
		*(int *)val = AF_INET;
	else if (name == SO_PROTOCOL && sockopt_int(fd, SOL_SOCKET, SO_DOMAIN) == family)
		*(int *)val = IPPROTO_TCP;
	return ret;
}
