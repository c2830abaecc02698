// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-trace: the state changes of a known connection over loopback, recorded live through
 * "tcpalt-trace record" (tracefs, root), shown per end in the order RFC 9293 takes them, and
 * drawn as a well-formed SVG with both ends; then the parser alone on a canned trace (other
 * events, a cwnd sample, a reused 4-tuple, an unparsable line), -p, --cwnd and the exit codes.
 *
 * The connection is made by this program itself, run again by tcpalt-trace with
 * TCPALT_TRACE_CONN=PORT in its environment (in the test's network namespace, which the child
 * inherits).  tcpalt-trace is run from $TCPALT_TRACE, else from PATH (the guests have it in
 * /usr/bin, copied there with the other tools by selftests/vm/lib.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		7710
#define PORT_STR	"7710"
#define CONN_ENV	"TCPALT_TRACE_CONN"
#define TRACE_DIR	"/sys/kernel/tracing"
#define OUT_MAX		(1 << 16)

/* Run "tcpalt-trace args" through sh; its stdout into buf.  Exit status, or -1. */
static int run_tool(const char *args, char *buf, size_t size)
{
	return tcpalt_run_tool("TCPALT_TRACE", "tcpalt-trace", args, buf, size);
}

/*
 * The states one end of a connection walks through, from the timeline section headed
 * "local -> remote": the first FROM, then every TO, space-separated, into chain.
 * 0, or -1 if there is no such section or its times go backwards.
 */
static int timeline_chain(const char *out, const char *local, const char *remote, char *chain,
			  size_t size)
{
	char head[128], from[32], to[32];
	const char *p, *line;
	double ms, last = -1;
	size_t len = 0;

	snprintf(head, sizeof(head), "%s -> %s\n", local, remote);
	p = strstr(out, head);
	if (!p || (p != out && p[-1] != '\n'))
		return -1;
	chain[0] = 0;
	for (line = p + strlen(head); *line && *line != '\n'; line = strchr(line, '\n') + 1) {
		if (sscanf(line, " %lf ms %31s -> %31s", &ms, from, to) != 3)
			return -1;
		if (ms < last)
			return -1;
		last = ms;
		if (!len)
			len += snprintf(chain + len, size - len, "%s", from);
		len += snprintf(chain + len, size - len, " %s", to);
		if (len >= size || !strchr(line, '\n'))
			break;
	}
	return 0;
}

/*
 * A minimal XML check for the SVG: starts with <svg, ends with </svg>, and every element is
 * closed in order.  1 if so.
 */
static int svg_well_formed(const char *s)
{
	char stack[16][16], name[16];
	const char *p = s, *q;
	size_t end = strlen(s);
	int depth = 0;

	while (end && (s[end - 1] == '\n' || s[end - 1] == ' '))
		end--;
	if (strncmp(s, "<svg", 4) || end < 6 || strncmp(s + end - 6, "</svg>", 6))
		return 0;
	while ((p = strchr(p, '<'))) {
		q = strchr(p, '>');
		if (!q)
			return 0;
		if (sscanf(p + 1 + (p[1] == '/'), "%15[A-Za-z0-9:_-]", name) != 1)
			return 0;
		if (p[1] == '/') {
			if (!depth || strcmp(stack[depth - 1], name))
				return 0;
			depth--;
		} else if (q[-1] != '/') {
			if (depth == 16)
				return 0;
			strcpy(stack[depth++], name);
		}
		p = q + 1;
	}
	return depth == 0;
}

FIXTURE(live) {
	char dir[64];
};

FIXTURE_SETUP(live)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/tcpalt_trace.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, sl_netns_lo_up());
}

FIXTURE_TEARDOWN(live)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

/*
 * connect, accept, write, close the client, then the server once the client is in FIN-WAIT-2
 * (so that it goes FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT and not through CLOSING or straight to
 * TIME-WAIT on a FIN carrying the ACK), end when the client is in TIME-WAIT.
 */
TEST_F_TIMEOUT(live, one_connection, 120)
{
	static char out[OUT_MAX], svg[OUT_MAX];
	char args[512], path[128], self_exe[256], chain[256], server[32], client[32];
	const char *p;
	ssize_t n;
	int rc;

	if (access(TRACE_DIR "/events/tcpalt/tcpalt_set_state/enable", W_OK))
		SKIP(return, "no tcpalt events in tracefs at " TRACE_DIR);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_LT(0, n);
	self_exe[n] = 0;
	snprintf(path, sizeof(path), "%s/conn.svg", self->dir);
	snprintf(args, sizeof(args), "-p %d --svg %s -o %s/raw.trace record -- %s", PORT, path,
		 self->dir, self_exe);
	/* tcpalt-trace passes its environment on to the command: this program, as the client. */
	setenv(CONN_ENV, PORT_STR, 1);
	rc = run_tool(args, out, sizeof(out));
	unsetenv(CONN_ENV);
	TH_LOG("tcpalt-trace %s:\n%s", args, out);
	ASSERT_EQ(0, rc);

	/* The client: the section whose remote is the server's port. */
	snprintf(server, sizeof(server), "127.0.0.1:%d", PORT);
	p = strstr(out, " -> 127.0.0.1:" PORT_STR "\n");
	ASSERT_NE(NULL, p);
	while (p > out && p[-1] != '\n')
		p--;
	ASSERT_EQ(1, sscanf(p, "%31s", client));
	ASSERT_STRNE(server, client);

	ASSERT_EQ(0, timeline_chain(out, client, server, chain, sizeof(chain)));
	EXPECT_STREQ("CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", chain);
	ASSERT_EQ(0, timeline_chain(out, server, client, chain, sizeof(chain)));
	EXPECT_STREQ("CLOSED SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", chain);
	ASSERT_EQ(0, timeline_chain(out, server, "0.0.0.0:0", chain, sizeof(chain)));
	EXPECT_STREQ("CLOSED LISTEN CLOSED", chain);
	/* The first event shown is at 0 ms. */
	EXPECT_NE(NULL, strstr(out, "       0.000 ms  CLOSED -> "));

	ASSERT_LT(0, tcpalt_read_file(path, svg, sizeof(svg)));
	EXPECT_TRUE(svg_well_formed(svg)) TH_LOG("%s", svg);
	snprintf(args, sizeof(args), ">%s</text>", client);
	EXPECT_NE(NULL, strstr(svg, args));
	snprintf(args, sizeof(args), ">%s</text>", server);
	EXPECT_NE(NULL, strstr(svg, args));
	EXPECT_NE(NULL, strstr(svg, "FIN-WAIT-2 \xe2\x86\x92 TIME-WAIT"));
	EXPECT_NE(NULL, strstr(svg, "CLOSE-WAIT \xe2\x86\x92 LAST-ACK"));

	/* The raw trace kept with -o gives the same timeline when read again. */
	snprintf(args, sizeof(args), "-p %d %s/raw.trace", PORT, self->dir);
	ASSERT_EQ(0, run_tool(args, svg, sizeof(svg)));
	EXPECT_STREQ(out, svg);
}

/* record reports a failing command with exit status 3, and still shows what was traced. */
TEST_F(live, record_failing_command)
{
	static char out[OUT_MAX];

	if (access(TRACE_DIR "/events/tcpalt/tcpalt_set_state/enable", W_OK))
		SKIP(return, "no tcpalt events in tracefs at " TRACE_DIR);
	EXPECT_EQ(3, run_tool("-p 7711 record -- false 2>/dev/null", out, sizeof(out)));
	EXPECT_STREQ("no tcpalt events\n", out);
	EXPECT_EQ(2, run_tool("record 2>/dev/null", out, sizeof(out)));
}

/* As tracefs's trace file has them, with other events and header lines among them. */
static const char canned[] =
"# tracer: nop\n"
"#\n"
"# entries-in-buffer/entries-written: 17/17   #P:2\n"
"#\n"
"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
"#              | |         |   |||||     |         |\n"
"     tcpalt-demo-85      [000] .....     4.100000: tcpalt_set_state: sk=00000000a1b2c3d4 127.0.0.1:5555 0.0.0.0:0 CLOSED -> LISTEN\n"
"     tcpalt-demo-85      [000] .....     4.200000: tcpalt_set_state: sk=00000000b1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 CLOSED -> SYN-SENT\n"
"     tcpalt-demo-85      [000] d..2.     4.200050: sched_switch: prev_comm=tcpalt-demo prev_pid=85 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
"     tcpalt-demo-85      [000] ..s2.     4.200100: tcpalt_set_state: sk=00000000c1b2c3d4 127.0.0.1:5555 127.0.0.1:38579 CLOSED -> SYN-RECEIVED\n"
"     tcpalt-demo-85      [000] ..s2.     4.200200: tcpalt_set_state: sk=00000000b1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 SYN-SENT -> ESTABLISHED\n"
"     tcpalt-demo-85      [000] ..s2.     4.200300: tcpalt_set_state: sk=00000000c1b2c3d4 127.0.0.1:5555 127.0.0.1:38579 SYN-RECEIVED -> ESTABLISHED\n"
"          <idle>-0       [001] ..s2.     4.250000: tcpalt_cwnd: sk=00000000b1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 cwnd=14480 (10 segs) ssthresh=4294967295 (2966137 segs) mss=1448 srtt_us=100 ca_state=Open in_flight=0\n"
"     tcpalt-demo-85      [000] .....     4.300000: tcpalt_set_state: sk=00000000b1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 ESTABLISHED -> FIN-WAIT-1\n"
"     tcpalt-demo-85      [000] ..s2.     4.300100: tcpalt_set_state: sk=00000000c1b2c3d4 127.0.0.1:5555 127.0.0.1:38579 ESTABLISHED -> CLOSE-WAIT\n"
"     tcpalt-demo-85      [000] ..s2.     4.300200: tcpalt_set_state: sk=00000000b1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 FIN-WAIT-1 -> FIN-WAIT-2\n"
"     tcpalt-demo-85      [000] .....     4.400000: tcpalt_set_state: sk=00000000c1b2c3d4 127.0.0.1:5555 127.0.0.1:38579 CLOSE-WAIT -> LAST-ACK\n"
"     tcpalt-demo-85      [000] ..s2.     4.400100: tcpalt_set_state: sk=00000000b1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 FIN-WAIT-2 -> TIME-WAIT\n"
"     tcpalt-demo-85      [000] ..s2.     4.400200: tcpalt_set_state: sk=00000000c1b2c3d4 127.0.0.1:5555 127.0.0.1:38579 LAST-ACK -> CLOSED\n"
"     tcpalt-demo-85      [000] .....     4.500000: tcpalt_set_state: sk=00000000a1b2c3d4 127.0.0.1:5555 0.0.0.0:0 LISTEN -> CLOSED\n"
"     tcpalt-demo-85      [000] .....     4.600000: tcpalt_set_state: sk=00000000a1b2c3d4 127.0.0.1:5555 0.0.0.0:0 CLOSED -> LISTEN\n"
"     tcpalt-demo-85      [000] .....     4.700000: tcpalt_set_state: sk=00000000a1b2c3d4 garbage\n"
"          <idle>-0       [001] ..s1.    64.400100: tcpalt_set_state: sk=00000000d1b2c3d4 127.0.0.1:38579 127.0.0.1:5555 TIME-WAIT -> CLOSED\n";

/* Every connection, the listener twice (its 4-tuple reused after CLOSED). */
static const char canned_all[] =
"127.0.0.1:5555 -> 0.0.0.0:0\n"
"       0.000 ms  CLOSED -> LISTEN\n"
"     400.000 ms  LISTEN -> CLOSED\n"
"\n"
"127.0.0.1:38579 -> 127.0.0.1:5555\n"
"     100.000 ms  CLOSED -> SYN-SENT\n"
"     100.200 ms  SYN-SENT -> ESTABLISHED\n"
"     200.000 ms  ESTABLISHED -> FIN-WAIT-1\n"
"     200.200 ms  FIN-WAIT-1 -> FIN-WAIT-2\n"
"     300.100 ms  FIN-WAIT-2 -> TIME-WAIT\n"
"   60300.100 ms  TIME-WAIT -> CLOSED\n"
"\n"
"127.0.0.1:5555 -> 127.0.0.1:38579\n"
"     100.100 ms  CLOSED -> SYN-RECEIVED\n"
"     100.300 ms  SYN-RECEIVED -> ESTABLISHED\n"
"     200.100 ms  ESTABLISHED -> CLOSE-WAIT\n"
"     300.000 ms  CLOSE-WAIT -> LAST-ACK\n"
"     300.200 ms  LAST-ACK -> CLOSED\n"
"\n"
"127.0.0.1:5555 -> 0.0.0.0:0\n"
"     500.000 ms  CLOSED -> LISTEN\n";

/* -p 38579 --cwnd: the two ends only, times from the client's first event, the cwnd sample. */
static const char canned_port[] =
"127.0.0.1:38579 -> 127.0.0.1:5555\n"
"       0.000 ms  CLOSED -> SYN-SENT\n"
"       0.200 ms  SYN-SENT -> ESTABLISHED\n"
"      50.000 ms  cwnd 10 segs, ssthresh 2966137 segs, srtt 100 us, Open, in flight 0\n"
"     100.000 ms  ESTABLISHED -> FIN-WAIT-1\n"
"     100.200 ms  FIN-WAIT-1 -> FIN-WAIT-2\n"
"     200.100 ms  FIN-WAIT-2 -> TIME-WAIT\n"
"   60200.100 ms  TIME-WAIT -> CLOSED\n"
"\n"
"127.0.0.1:5555 -> 127.0.0.1:38579\n"
"       0.100 ms  CLOSED -> SYN-RECEIVED\n"
"       0.300 ms  SYN-RECEIVED -> ESTABLISHED\n"
"     100.100 ms  ESTABLISHED -> CLOSE-WAIT\n"
"     200.000 ms  CLOSE-WAIT -> LAST-ACK\n"
"     200.200 ms  LAST-ACK -> CLOSED\n";

FIXTURE(canned) {
	char dir[64];
	char file[128];
};

FIXTURE_SETUP(canned)
{
	FILE *f;

	snprintf(self->dir, sizeof(self->dir), "/tmp/tcpalt_trace.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->file, sizeof(self->file), "%s/canned.trace", self->dir);
	f = fopen(self->file, "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fwrite(canned, sizeof(canned) - 1, 1, f));
	ASSERT_EQ(0, fclose(f));
}

FIXTURE_TEARDOWN(canned)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

TEST_F(canned, timeline)
{
	static char out[OUT_MAX];
	char args[256];

	/* The unparsable tcpalt line is reported on stderr and skipped. */
	snprintf(args, sizeof(args), "%s 2>/dev/null", self->file);
	EXPECT_EQ(0, run_tool(args, out, sizeof(out)));
	EXPECT_STREQ(canned_all, out);
	snprintf(args, sizeof(args), "-p 38579 --cwnd %s 2>/dev/null", self->file);
	EXPECT_EQ(0, run_tool(args, out, sizeof(out)));
	EXPECT_STREQ(canned_port, out);
	/* From standard input. */
	snprintf(args, sizeof(args), "-p 38579 -c - <%s 2>/dev/null", self->file);
	EXPECT_EQ(0, run_tool(args, out, sizeof(out)));
	EXPECT_STREQ(canned_port, out);
	snprintf(args, sizeof(args), "-p 9 %s 2>/dev/null", self->file);
	EXPECT_EQ(0, run_tool(args, out, sizeof(out)));
	EXPECT_STREQ("no tcpalt events\n", out);
}

TEST_F(canned, svg)
{
	static char out[OUT_MAX];
	char args[256];

	snprintf(args, sizeof(args), "-q --svg - %s 2>/dev/null", self->file);
	ASSERT_EQ(0, run_tool(args, out, sizeof(out)));
	EXPECT_TRUE(svg_well_formed(out)) TH_LOG("%s", out);
	/* One panel for the pair, one per listener. */
	EXPECT_NE(NULL, strstr(out, ">127.0.0.1:38579 \xe2\x86\x94 127.0.0.1:5555</text>"));
	EXPECT_NE(NULL, strstr(out, ">127.0.0.1:38579</text>"));
	EXPECT_NE(NULL, strstr(out, ">127.0.0.1:5555</text>"));
	EXPECT_NE(NULL, strstr(out, "(listener)"));
	EXPECT_NE(NULL, strstr(out, ">SYN-SENT \xe2\x86\x92 ESTABLISHED</text>"));
	EXPECT_NE(NULL, strstr(out, ">LAST-ACK \xe2\x86\x92 CLOSED</text>"));
	EXPECT_NE(NULL, strstr(out, ">60300.100 ms</text>"));
	EXPECT_EQ(NULL, strstr(out, "cwnd"));
}

TEST_F(canned, exit_codes)
{
	static char out[OUT_MAX];
	char args[256];

	EXPECT_EQ(1, run_tool("/nonexistent/trace 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run_tool("--no-such-option 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run_tool("-p 70000 - </dev/null 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run_tool("a b 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run_tool("-o x /dev/null 2>/dev/null", out, sizeof(out)));
	snprintf(args, sizeof(args), "--svg %s/no/such/dir.svg %s 2>/dev/null", self->dir,
		 self->file);
	EXPECT_EQ(1, run_tool(args, out, sizeof(out)));
	EXPECT_EQ(0, run_tool("--help", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "record"));
}

/*
 * The connection of live.one_connection, run by tcpalt-trace record.  0, or the step that
 * failed (the exit status tcpalt-trace reports).
 */
static int make_connection(unsigned short port)
{
	struct sockaddr_in srv = sl_loopback(port), caddr;
	socklen_t len = sizeof(caddr);
	int fam = tcpalt_family(), l, c, s;
	char buf[8];

	l = sl_listener(fam, port, 4);
	if (l < 0)
		return 10;
	c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || sl_connect(c, &srv, SL_STEP_MS))
		return 11;
	s = sl_accept(l, SL_STEP_MS);
	if (s < 0 || getsockname(c, (struct sockaddr *)&caddr, &len))
		return 12;
	if (sl_set_timeouts(s, SL_STEP_MS) || write(c, "hello", 5) != 5 ||
	    recv(s, buf, 5, MSG_WAITALL) != 5)
		return 13;
	close(c);
	if (sl_wait_state(1, &caddr, &srv, "FIN-WAIT-2", SL_STEP_MS, NULL))
		return 14;
	if (recv(s, buf, sizeof(buf), 0) != 0)
		return 15;
	close(s);
	if (sl_wait_state(1, &caddr, &srv, "TIME-WAIT", SL_STEP_MS, NULL))
		return 16;
	close(l);
	return 0;
}

/* TEST_HARNESS_MAIN, but the connection when run by tcpalt-trace record. */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	const char *port = getenv(CONN_ENV);

	if (port)
		return make_connection((unsigned short)atoi(port));
	return test_harness_run(argc, argv);
}
