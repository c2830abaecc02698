// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-demo: one connection's whole life over loopback, shown as snapshots of
 * /proc/tcpalt/connections: LISTEN, the 3-way handshake, data, the 4-way close with
 * half-close, TIME-WAIT counting down, and the entry gone after 2MSL.
 *
 * Exit status: 0 when every step behaved, 1 when a step failed, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpalt_tool.h"

static int family = AF_TCPALT;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tcpalt-demo [--port N] [--msl-ms MS]\n"
		"Run one tcpalt connection over 127.0.0.1 through its whole life and print\n"
		TCPALT_PROC_CONNECTIONS " at each step.\n"
		"  -p, --port N     server port (default 5555)\n"
		"  -m, --msl-ms MS  set net.tcpalt.msl_ms first (default 1000: TIME-WAIT 2 s)\n"
		"  -h, --help       this text\n");
}

static void snapshot(const char *what)
{
	char buf[8192];
	FILE *f = fopen(TCPALT_PROC_CONNECTIONS, "r");
	size_t n;

	printf("\n== %s\n", what);
	if (!f) {
		printf("(cannot open %s: %s)\n", TCPALT_PROC_CONNECTIONS, strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fputs(buf, stdout);
	fflush(stdout);
}

/* Poll the procfs until a row with state appears (or disappears: want = 0). */
static int wait_state(const char *state, int want, int timeout_ms)
{
	char line[512], l[64], r[64], s[64];
	int waited, rows;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		FILE *f = fopen(TCPALT_PROC_CONNECTIONS, "r");

		if (!f)
			return -1;
		rows = 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63s %63s %63s", l, r, s) == 3 && !strcmp(s, state))
				rows++;
		fclose(f);
		if ((want && rows) || (!want && !rows))
			return 0;
		usleep(5000);
	}
	return -1;
}

static int fail(const char *what)
{
	fprintf(stderr, "tcpalt-demo: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "msl-ms", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int port = 5555, msl = 1000, c, lfd, cfd, sfd, one = 1;
	char buf[64];

	while ((c = getopt_long(argc, argv, "p:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = tool_arg("tcpalt-demo", "port", optarg, 1, 65535);
			break;
		case 'm':
			msl = tool_arg("tcpalt-demo", "msl-ms", optarg, 1, 3600000);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || msl <= 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	family = tool_family();
	if (tool_write_int(TCPALT_SYSCTL_MSL_MS, msl))
		return fail("set " TCPALT_SYSCTL_MSL_MS);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		return fail("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 8))
		return fail("bind/listen");
	snapshot("server: socket(AF_TCPALT), bind 127.0.0.1, listen -> LISTEN");

	cfd = socket(family, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sin, sizeof(sin)))
		return fail("connect");
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0)
		return fail("accept");
	snapshot("client connect() + server accept(): 3-way handshake done -> ESTABLISHED both ends");

	if (write(cfd, "hello, tcpalt\n", 14) != 14 || read(sfd, buf, sizeof(buf)) != 14)
		return fail("data");
	printf("\n== server read 14 bytes: %.13s\n", buf);

	if (shutdown(cfd, SHUT_WR) || read(sfd, buf, sizeof(buf)) != 0)
		return fail("half-close");
	if (wait_state("FIN-WAIT-2", 1, 2000))
		fprintf(stderr, "tcpalt-demo: no FIN-WAIT-2 row\n");
	snapshot("client shutdown(SHUT_WR): FIN sent, ACKed -> client FIN-WAIT-2, server CLOSE-WAIT (half-close)");

	if (write(sfd, "bye\n", 4) != 4 || read(cfd, buf, sizeof(buf)) != 4)
		return fail("data after half-close");
	printf("\n== server still sends after the half-close; client read: %.3s\n", buf);

	close(sfd);
	if (wait_state("TIME-WAIT", 1, 2000))
		fprintf(stderr, "tcpalt-demo: no TIME-WAIT row\n");
	snapshot("server close(): FIN, client ACKs -> server LAST-ACK then gone, client TIME-WAIT");
	close(cfd);
	close(lfd);
	usleep(msl * 1000);
	snapshot("one MSL later: TIME-WAIT counting down (ms_left column)");
	if (wait_state("TIME-WAIT", 0, 3 * msl)) {
		fprintf(stderr, "tcpalt-demo: TIME-WAIT did not end\n");
		return 1;
	}
	snapshot("after 2MSL: the TIME-WAIT entry is gone");
	return 0;
}
