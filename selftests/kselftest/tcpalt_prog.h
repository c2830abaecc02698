/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running real programs from a test: start one with its output in files, wait for it with a
 * deadline, wait for its listener's row, make and compare data files in a directory private
 * to the test.  Used by tcpalt_run (socat, curl) and tcpalt_apps (nginx, ab, wrk, iperf3,
 * redis).  Needs kselftest_harness.h and tcpalt_sock_lib.h first; PROG_DIR_NAME names the
 * work directory.
 */
#ifndef TCPALT_PROG_H
#define TCPALT_PROG_H

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define WAIT_MS		15000
#define FILE_BYTES	(1 << 20)
#define RUN(...)	((const char *const[]){ __VA_ARGS__, NULL })

/*
 * Start argv with stdout and stderr into files (NULL: /dev/null) and env extra set.  It is
 * killed when the test's process ends, so a server a failed assertion leaves behind cannot
 * keep its sockets (and the module) alive.
 */
static inline pid_t start(const char *const argv[], const char *out, const char *err,
			   const char *env)
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, STDOUT_FILENO);
	fd = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, STDERR_FILENO);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, STDIN_FILENO);
	if (env)
		putenv((char *)env);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* Exit status of pid, or -1 (after killing it) if it does not end within ms. */
static inline int finish(pid_t pid, int ms)
{
	long long end = sl_now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		if (sl_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		sl_sleep_ms(10);
	}
}

/* Poll a listener's row (tcpalt or kernel TCP) on ip:port; 0 when there. */
static inline int wait_listener_at(int tcpalt, const char *ip, unsigned short port)
{
	struct sockaddr_in l = sl_addr(ip, port), any = sl_addr("0.0.0.0", 0);

	return sl_wait_state(tcpalt, &l, &any, "LISTEN", WAIT_MS, NULL);
}

/* Poll a listener's row (tcpalt or kernel TCP) on 0.0.0.0:port; 0 when there. */
static inline int wait_listener(int tcpalt, unsigned short port)
{
	return wait_listener_at(tcpalt, "0.0.0.0", port);
}

/* A pseudorandom file of len bytes. */
static inline int make_file(const char *path, size_t len)
{
	static uint8_t buf[FILE_BYTES];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0 || len > sizeof(buf))
		return -1;
	sl_fill(buf, len, 0x7c9a1u, 0);
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* 1 if the two files have the same bytes. */
static inline int same_file(const char *p, const char *q)
{
	static char a[FILE_BYTES + 1], b[FILE_BYTES + 1];
	int fa, fb, na, nb, same = 0;

	fa = open(p, O_RDONLY);
	fb = open(q, O_RDONLY);
	if (fa >= 0 && fb >= 0) {
		na = read(fa, a, sizeof(a));
		nb = read(fb, b, sizeof(b));
		same = na >= 0 && na == nb && !memcmp(a, b, na);
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static inline int file_has(const char *path, const char *needle)
{
	static char buf[1 << 16];

	return tcpalt_read_file(path, buf, sizeof(buf)) >= 0 && strstr(buf, needle);
}

/* Work files go to a private directory per test (the harness forks a process per test). */
static char dir[64] __attribute__((unused));

static inline const char *path(const char *name)
{
	static char bufs[8][128];
	static int i;
	char *p = bufs[i++ % 8];

	snprintf(p, sizeof(bufs[0]), "%s/%s", dir, name);
	return p;
}

static inline int setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/" PROG_DIR_NAME ".%d", (int)getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	return sl_netns_lo_up();
}

#endif /* TCPALT_PROG_H */
