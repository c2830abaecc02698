/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the tcpalt userspace tools. */
#ifndef TCPALT_TOOL_H
#define TCPALT_TOOL_H

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

#endif /* TCPALT_TOOL_H */
