/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the tcpalt kselftest programs. */
#ifndef TCPALT_LIB_H
#define TCPALT_LIB_H

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/tcpalt.h>

/* Read a whole (small) file into buf, NUL-terminated; returns its length or -1. */
static inline int tcpalt_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

/* The family number the loaded module registered. */
static inline int tcpalt_family(void)
{
	char buf[32];

	if (tcpalt_read_file(TCPALT_FAMILY_PARAM, buf, sizeof(buf)) <= 0)
		return AF_TCPALT;
	return atoi(buf);
}

/* Rows of /proc/tcpalt/connections whose state column is state (NULL: every row). */
static inline int tcpalt_count_rows(const char *state)
{
	char line[512], l[64], r[64], s[64];
	int rows = 0;
	FILE *f;

	f = fopen(TCPALT_PROC_CONNECTIONS, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %63s %63s", l, r, s) != 3)
			continue;
		if (!state || !strcmp(s, state))
			rows++;
	}
	fclose(f);
	return rows;
}

/*
 * Run a tool: the program named by the environment variable env (for a build outside the
 * guest), else dflt, with args (through sh); its stdout into buf.  Exit status, or -1.
 */
static inline int tcpalt_run_tool(const char *env, const char *dflt, const char *args,
				  char *buf, size_t size)
{
	const char *tool = getenv(env) ? getenv(env) : dflt;
	size_t len = 0, n;
	char cmd[1024];
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s", tool, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len + 1 < size && (n = fread(buf + len, 1, size - 1 - len, p)) > 0)
		len += n;
	buf[len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif /* TCPALT_LIB_H */
