/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tcpalt-run (the launcher) and libtcpalt-run.so (the LD_PRELOAD shim) share: the
 * environment variables that carry the options across exec, and the --ports parser.
 */
#ifndef TCPALT_RUN_H
#define TCPALT_RUN_H

#include <stdlib.h>
#include <string.h>

/* The family number the shim opens (the launcher reads it from the module parameter). */
#define RUN_ENV_FAMILY	"TCPALT_RUN_FAMILY"
/* --ports: "80,8000-8100"; unset or empty converts every port. */
#define RUN_ENV_PORTS	"TCPALT_RUN_PORTS"
/* "listen", "connect" or unset (both). */
#define RUN_ENV_ONLY	"TCPALT_RUN_ONLY"
/* "1": log each converted socket on stderr. */
#define RUN_ENV_VERBOSE	"TCPALT_RUN_VERBOSE"
/* "1": --fallback, keep the kernel TCP when a tcpalt socket cannot be made. */
#define RUN_ENV_FALLBACK "TCPALT_RUN_FALLBACK"
/* For tests: read the family from this file instead of TCPALT_FAMILY_PARAM. */
#define RUN_ENV_PARAM	"TCPALT_RUN_PARAM"
/* For tests and unusual installs: the shim's path (default: next to tcpalt-run). */
#define RUN_ENV_LIB	"TCPALT_RUN_LIB"

#define RUN_LIB_NAME	"libtcpalt-run.so"
#define RUN_MAX_RANGES	64

struct run_range {
	unsigned int lo, hi;
};

/*
 * Parse "80,8000-8100" into at most RUN_MAX_RANGES ranges of ports 1..65535.
 * Returns the number of ranges, or -1 on any malformed item (so a typo is never silently
 * read as "every port").
 */
static inline int run_parse_ports(const char *s, struct run_range *r)
{
	int n = 0;

	while (*s) {
		unsigned long lo, hi;
		char *end;

		if (n == RUN_MAX_RANGES || *s < '0' || *s > '9')
			return -1;
		lo = strtoul(s, &end, 10);
		hi = lo;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -1;
			hi = strtoul(s, &end, 10);
		}
		if (lo < 1 || hi > 65535 || lo > hi)
			return -1;
		r[n].lo = lo;
		r[n].hi = hi;
		n++;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return n;
}

/* Whether port (host order) is in one of the n ranges; n == 0 means every port. */
static inline int run_port_matches(const struct run_range *r, int n, unsigned int port)
{
	int i;

	if (!n)
		return 1;
	for (i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return 1;
	return 0;
}

#endif /* TCPALT_RUN_H */
