// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_TCPALT family itself: socket()/close(), the errno for types and protocols Linux TCP
 * refuses, the family number the module reports, and /proc/tcpalt/connections.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_lib.h"

TEST(family_param_matches_header)
{
	ASSERT_EQ(AF_TCPALT, tcpalt_family());
}

TEST(stream_socket_open_close)
{
	int fd = socket(tcpalt_family(), SOCK_STREAM, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, close(fd));
}

TEST(stream_socket_ipproto_tcp)
{
	int fd = socket(tcpalt_family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
}

TEST(unsupported_types)
{
	static const int types[] = { SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_RDM };
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, socket(tcpalt_family(), types[i], 0));
		EXPECT_EQ(ESOCKTNOSUPPORT, errno) TH_LOG("type %d", types[i]);
	}
}

TEST(wrong_protocol)
{
	errno = 0;
	EXPECT_EQ(-1, socket(tcpalt_family(), SOCK_STREAM, IPPROTO_UDP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	errno = 0;
	EXPECT_EQ(-1, socket(tcpalt_family(), SOCK_STREAM, IPPROTO_SCTP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(proc_connections_header)
{
	char buf[4096];
	int n;

	n = tcpalt_read_file(TCPALT_PROC_CONNECTIONS, buf, sizeof(buf));
	ASSERT_LT(0, n);
	ASSERT_EQ(0, strncmp(buf, TCPALT_PROC_CONNECTIONS_HEADER "\n",
			     strlen(TCPALT_PROC_CONNECTIONS_HEADER) + 1));
}

/* A socket shows up as one CLOSED row while it exists and is gone after close(). */
TEST(proc_connections_row_follows_socket)
{
	int fd, before, during, after;

	before = tcpalt_count_rows("CLOSED");
	fd = socket(tcpalt_family(), SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	during = tcpalt_count_rows("CLOSED");
	ASSERT_EQ(0, close(fd));
	after = tcpalt_count_rows("CLOSED");
	EXPECT_EQ(before + 1, during);
	EXPECT_EQ(before, after);
}

/* Rows belong to the reader's network namespace. */
TEST(proc_connections_per_netns)
{
	int fd = socket(tcpalt_family(), SOCK_STREAM, 0);
	int rows_here, rows_there, status;
	pid_t pid;

	ASSERT_LE(0, fd);
	rows_here = tcpalt_count_rows("CLOSED");
	EXPECT_LE(1, rows_here);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(100);
		rows_there = tcpalt_count_rows("CLOSED");
		_exit(rows_there);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

#define TRACE_DIR "/sys/kernel/tracing"
#define TRACE_EVENT_ENABLE TRACE_DIR "/events/tcpalt/tcpalt_set_state/enable"

/*
 * Start tracing state changes (trace buffer emptied), then make one loopback connection:
 * fd[0] the listener (its address in *srv), fd[1] the client, fd[2] the accepted socket.
 */
static int traced_connection(int fd[3], struct sockaddr_in *srv)
{
	socklen_t len = sizeof(*srv);

	*srv = (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (write_str(TRACE_DIR "/trace", "") || write_str(TRACE_EVENT_ENABLE, "1"))
		return -1;
	fd[0] = socket(tcpalt_family(), SOCK_STREAM, 0);
	fd[1] = socket(tcpalt_family(), SOCK_STREAM, 0);
	if (fd[0] < 0 || fd[1] < 0 || bind(fd[0], (struct sockaddr *)srv, sizeof(*srv)) ||
	    listen(fd[0], 1) || getsockname(fd[0], (struct sockaddr *)srv, &len) ||
	    connect(fd[1], (struct sockaddr *)srv, sizeof(*srv)))
		return -1;
	fd[2] = accept(fd[0], NULL, NULL);
	return fd[2] < 0 ? -1 : 0;
}

/* DESIGN D6: every state change fires the tcpalt_set_state tracepoint. */
TEST(tracepoint_state_changes)
{
	static char buf[1 << 16];
	struct sockaddr_in sin;
	int fd[3];

	if (access(TRACE_EVENT_ENABLE, W_OK))
		SKIP(return, "no tracefs at " TRACE_DIR);
	ASSERT_EQ(0, traced_connection(fd, &sin)) TH_LOG("%s", strerror(errno));
	close(fd[2]);
	close(fd[1]);
	close(fd[0]);
	write_str(TRACE_EVENT_ENABLE, "0");
	ASSERT_LT(0, tcpalt_read_file(TRACE_DIR "/trace", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "CLOSED -> LISTEN"));
	EXPECT_NE(NULL, strstr(buf, "CLOSED -> SYN-SENT"));
	EXPECT_NE(NULL, strstr(buf, "SYN-SENT -> ESTABLISHED"));
	EXPECT_NE(NULL, strstr(buf, "CLOSED -> SYN-RECEIVED"));
	EXPECT_NE(NULL, strstr(buf, "SYN-RECEIVED -> ESTABLISHED"));
	EXPECT_NE(NULL, strstr(buf, "ESTABLISHED -> FIN-WAIT-1"));
	EXPECT_NE(NULL, strstr(buf, "LISTEN -> CLOSED"));
}

/* How many times needle occurs in haystack. */
static int count_of(const char *haystack, const char *needle)
{
	int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/*
 * The connection's TIME-WAIT -> CLOSED is traced when its TIME-WAIT ends, 2MSL after it
 * began (net.tcpalt.msl_ms = 500 here), once, and not when the socket hands the connection
 * over to its TIME-WAIT entry.
 */
TEST(tracepoint_time_wait_end)
{
	char old_msl[32] = "", enter[96], leave[96];
	struct sockaddr_in sin, cin;
	static char buf[1 << 16];
	socklen_t len = sizeof(cin);
	int fd[3];

	if (access(TRACE_EVENT_ENABLE, W_OK))
		SKIP(return, "no tracefs at " TRACE_DIR);
	ASSERT_LT(0, tcpalt_read_file(TCPALT_SYSCTL_MSL_MS, old_msl, sizeof(old_msl)));
	ASSERT_EQ(0, write_str(TCPALT_SYSCTL_MSL_MS, "500"));
	ASSERT_EQ(0, traced_connection(fd, &sin)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, getsockname(fd[1], (struct sockaddr *)&cin, &len));
	snprintf(enter, sizeof(enter), "127.0.0.1:%u 127.0.0.1:%u FIN-WAIT-2 -> TIME-WAIT",
		 ntohs(cin.sin_port), ntohs(sin.sin_port));
	snprintf(leave, sizeof(leave), "127.0.0.1:%u 127.0.0.1:%u TIME-WAIT -> CLOSED",
		 ntohs(cin.sin_port), ntohs(sin.sin_port));
	close(fd[1]);			/* the client closes first: it ends in TIME-WAIT */
	usleep(100 * 1000);
	close(fd[2]);
	close(fd[0]);
	usleep(200 * 1000);
	ASSERT_LT(0, tcpalt_read_file(TRACE_DIR "/trace", buf, sizeof(buf)));
	EXPECT_EQ(1, count_of(buf, enter)) TH_LOG("trace:\n%s", buf);
	EXPECT_EQ(0, count_of(buf, leave)) TH_LOG("TIME-WAIT ended early:\n%s", buf);
	usleep(1500 * 1000);		/* 2MSL = 1 s after TIME-WAIT began */
	write_str(TRACE_EVENT_ENABLE, "0");
	ASSERT_LT(0, tcpalt_read_file(TRACE_DIR "/trace", buf, sizeof(buf)));
	EXPECT_EQ(1, count_of(buf, leave)) TH_LOG("trace:\n%s", buf);
	EXPECT_EQ(0, write_str(TCPALT_SYSCTL_MSL_MS, old_msl));
}

TEST_HARNESS_MAIN
