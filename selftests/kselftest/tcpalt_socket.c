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

TEST_HARNESS_MAIN
