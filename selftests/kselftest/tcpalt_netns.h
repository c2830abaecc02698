/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network-namespace helpers shared by the test programs that build their own topology
 * (tcpalt_policy.c, tcpalt_bulk.c, tcpalt_cc.c): enter a namespace, run a command in it, write
 * a sysctl there, make a socket there, address an interface and wait for it to come up, and
 * the two namespaces joined by veth that their fixtures start from.  Include after
 * kselftest_harness.h and tcpalt_sock_lib.h (RUN_OK and the fixture helpers assert;
 * sl_now_ms(), sl_write_file(), sl_ifr_up(), sl_netns_lo_up()).
 */
#ifndef TCPALT_NETNS_H
#define TCPALT_NETNS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NETNS_IP	"/usr/sbin/ip"	/* busybox sh would run its own applet for "ip" */

static inline int enter(int nsfd)
{
	return setns(nsfd, CLONE_NEWNET) ? -errno : 0;
}

/*
 * Run a shell command in namespace nsfd (the calling thread moves there), its stdout and
 * stderr into out (NUL-terminated, truncated to size).  The exit status, or -1.
 */
static inline int run(int nsfd, char *out, size_t size, const char *fmt, ...)
{
	char cmd[1024], sink[256];
	size_t len = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = '\0';
	if (enter(nsfd))
		return -1;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len + 1 < size && fgets(out + len, size - len, p))
		len += strlen(out + len);
	while (fgets(sink, sizeof(sink), p))
		;
	st = pclose(p);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Run a command that must succeed; on failure log it with its output. */
#define RUN_OK(ns, fmt, ...) do { \
	char __out[2048]; \
	int __st = run((ns), __out, sizeof(__out), fmt, ##__VA_ARGS__); \
	ASSERT_EQ(0, __st) TH_LOG("`" fmt "` failed (%d): %s", ##__VA_ARGS__, __st, __out); \
} while (0)

/* Write a sysctl (or any small file) as seen from namespace ns.  0 or -errno. */
static inline int write_in(int ns, const char *path, const char *val)
{
	int err = enter(ns);

	return err ? err : sl_write_file(path, val);
}

/*
 * Enter namespace ns and open a socket for interface ioctls there, *ifr zeroed but for the
 * name ifname.  The fd or -errno.
 */
static inline int if_socket(int ns, const char *ifname, struct ifreq *ifr)
{
	int fd;

	if (enter(ns))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	return fd;
}

/* In namespace ns: address addr/24 on ifname and bring it up (ioctls, no ip(8)).  0 or -errno. */
static inline int if_up(int ns, const char *ifname, const char *addr)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int fd, err = 0;

	fd = if_socket(ns, ifname, &ifr);
	if (fd < 0)
		return fd;
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	if (addr) {
		inet_pton(AF_INET, addr, &sin->sin_addr);
		if (ioctl(fd, SIOCSIFADDR, &ifr))
			err = -errno;
		inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
		if (!err && ioctl(fd, SIOCSIFNETMASK, &ifr))
			err = -errno;
	}
	if (!err)
		err = sl_ifr_up(fd, &ifr);
	close(fd);
	return err;
}

/* Poll until interface ifname of namespace ns is IFF_RUNNING (carrier and operstate up). */
static inline int wait_running(int ns, const char *ifname, int ms)
{
	long long end = sl_now_ms() + ms;
	struct ifreq ifr;
	int fd, ret = -ETIMEDOUT;

	fd = if_socket(ns, ifname, &ifr);
	if (fd < 0)
		return fd;
	do {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
			ret = -errno;
			break;
		}
		if (ifr.ifr_flags & IFF_RUNNING) {
			ret = 0;
			break;
		}
		sl_sleep_ms(10);
	} while (sl_now_ms() < end);
	close(fd);
	return ret;
}

/*
 * Short-lived orphans and TIME-WAIT entries in tcpalt of namespace ns, so the module can be
 * unloaded after the test.  0 or -errno.
 */
static inline int short_lived_orphans(int ns)
{
	int err = write_in(ns, TCPALT_SYSCTL_DIR "/fin_timeout_ms", "1000");

	return err ? err : write_in(ns, TCPALT_SYSCTL_MSL_MS, "1000");
}

/*
 * The start of a fixture of two namespaces joined by veth (harness assertions: call from
 * FIXTURE_SETUP).  The caller moves to a new namespace A with lo up (sl_netns_lo_up()); a
 * child unshares namespace B and waits while the peer vb of a veth va made in A is moved
 * into B.  *ns_a and *ns_b get the namespaces' fds as soon as each is open (the caller
 * closes them in its teardown); the interfaces are left down and unaddressed.
 */
static inline void veth_pair(struct __test_metadata *_metadata, int *ns_a, int *ns_b)
{
	int up[2], hold[2];
	char path[64], c;
	pid_t pid;

	ASSERT_EQ(0, sl_netns_lo_up());
	*ns_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, *ns_a);

	ASSERT_EQ(0, pipe2(up, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(hold[1]);		/* or the read below would never see EOF */
		close(up[0]);
		c = unshare(CLONE_NEWNET) ? 'e' : 'k';
		if (write(up[1], &c, 1) == 1)
			while (read(hold[0], &c, 1) < 0 && errno == EINTR)
				;
		_exit(0);
	}
	close(up[1]);
	close(hold[0]);
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ('k', c);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	*ns_b = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, *ns_b);
	RUN_OK(*ns_a, NETNS_IP " link add va type veth peer name vb netns %d", pid);
	close(hold[1]);
	close(up[0]);
	waitpid(pid, NULL, 0);
}

/* Close veth_pair()'s namespace fds (those that are open, >= 0). */
static inline void veth_pair_close(int ns_a, int ns_b)
{
	if (ns_a >= 0)
		close(ns_a);
	if (ns_b >= 0)
		close(ns_b);
}

/* A stream socket of family fam in namespace ns (the calling thread moves there).  fd or -errno. */
static inline int socket_in(int ns, int fam)
{
	int fd;

	if (enter(ns))
		return -errno;
	fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/*
 * veth_pair()'s interfaces addressed (a_ip/24 on va, b_ip/24 on vb) and up, lo of B up, by
 * ioctls; returns once both ends are running.  Harness assertions.
 */
static inline void veth_pair_up(struct __test_metadata *_metadata, int ns_a, int ns_b,
				const char *a_ip, const char *b_ip)
{
	ASSERT_EQ(0, if_up(ns_a, "va", a_ip));
	ASSERT_EQ(0, if_up(ns_b, "lo", NULL));
	ASSERT_EQ(0, if_up(ns_b, "vb", b_ip));
	ASSERT_EQ(0, wait_running(ns_a, "va", SL_STEP_MS));
	ASSERT_EQ(0, wait_running(ns_b, "vb", SL_STEP_MS));
}

#endif /* TCPALT_NETNS_H */
