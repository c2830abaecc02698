/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network-namespace helpers shared by the test programs that build their own topology
 * (tcpalt_policy.c, tcpalt_bulk.c): enter a namespace, run a command in it, write a sysctl
 * there, wait for an interface to come up.  Include after kselftest_harness.h and
 * tcpalt_sock_lib.h (RUN_OK asserts; sl_now_ms(), sl_write_file()).
 */
#ifndef TCPALT_NETNS_H
#define TCPALT_NETNS_H

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Poll until interface ifname of namespace ns is IFF_RUNNING (carrier and operstate up). */
static inline int wait_running(int ns, const char *ifname, int ms)
{
	long long end = sl_now_ms() + ms;
	struct ifreq ifr;
	int fd, ret = -ETIMEDOUT;

	if (enter(ns))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
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

#endif /* TCPALT_NETNS_H */
