// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-watch: print /proc/tcpalt/connections each time its rows change, so a connection's
 * walk through the RFC 9293 states can be followed.
 *
 * Exit status: 0 after --count snapshots or --seconds elapsed, 1 when the file cannot be read,
 * 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcpalt_tool.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tcpalt-watch [--interval MS] [--count N] [--seconds S]\n"
		"Print " TCPALT_PROC_CONNECTIONS " whenever its contents change.\n"
		"  -i, --interval MS  poll period in milliseconds (default 10)\n"
		"  -n, --count N      stop after N snapshots (default: no limit)\n"
		"  -s, --seconds S    stop after S seconds (default: no limit)\n"
		"  -h, --help         this text\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_all(char *buf, size_t size)
{
	FILE *f = fopen(TCPALT_PROC_CONNECTIONS, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char cur[1 << 20], prev[1 << 20];
	long interval = 10, count = -1, shown = 0;
	double seconds = -1, start;
	int c;

	while ((c = getopt_long(argc, argv, "i:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interval = tool_arg("tcpalt-watch", "interval", optarg, 1, 3600000);
			break;
		case 'n':
			count = tool_arg("tcpalt-watch", "count", optarg, 0, LONG_MAX);
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (interval <= 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	start = now();
	prev[0] = '\0';
	while (count < 0 || shown < count) {
		if (read_all(cur, sizeof(cur))) {
			fprintf(stderr, "tcpalt-watch: %s: %s\n", TCPALT_PROC_CONNECTIONS,
				strerror(errno));
			return 1;
		}
		if (strcmp(cur, prev)) {
			printf("--- t=%.3fs\n%s", now() - start, cur);
			fflush(stdout);
			memcpy(prev, cur, strlen(cur) + 1);
			shown++;
		}
		if (seconds >= 0 && now() - start >= seconds)
			break;
		usleep(interval * 1000);
	}
	return 0;
}
