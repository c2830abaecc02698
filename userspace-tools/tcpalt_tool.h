/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the tcpalt userspace tools. */
#ifndef TCPALT_TOOL_H
#define TCPALT_TOOL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <uapi/tcpalt.h>

/* The family number the loaded module registered (AF_TCPALT when it cannot be read). */
static inline int tool_family(void)
{
	FILE *f = fopen(TCPALT_FAMILY_PARAM, "r");
	char buf[16];
	int family = AF_TCPALT;

	if (f && fgets(buf, sizeof(buf), f))
		family = atoi(buf);
	if (f)
		fclose(f);
	return family;
}

/* Write an integer to a sysctl file; 0 or -1. */
static inline int tool_write_int(const char *path, int value)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%d\n", value);
	return fclose(f) ? -1 : 0;
}

/*
 * The value of option opt, a decimal integer in [min, max]; a clear message and exit(2)
 * for anything else ("abc", "12x", out of range), so a typo never runs with a 0.
 */
static inline long tool_arg(const char *prog, const char *opt, const char *arg, long min,
			    long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "%s: --%s: '%s' is not a number from %ld to %ld\n", prog, opt,
			arg, min, max);
		exit(2);
	}
	return v;
}

#endif /* TCPALT_TOOL_H */
