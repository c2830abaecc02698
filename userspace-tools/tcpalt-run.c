// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-run [options] CMD [ARGS...]: run a dynamically linked program with its IPv4 TCP
 * sockets made tcpalt sockets, through the LD_PRELOAD shim libtcpalt-run.so installed next to
 * this program.  Options travel to the shim in TCPALT_RUN_* environment variables, so the
 * program's children (fork, exec) keep them and the shim.
 *
 * Exit status: CMD's own once exec'd; 2 for a usage error; 127 when the module is not loaded
 * (without --fallback), the shim is missing or CMD is not found; 126 when CMD cannot be run.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpalt_tool.h"
#include "tcpalt_run.h"

static const char *prog = "tcpalt-run";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [options] CMD [ARGS...]\n"
		"Run CMD with its IPv4 TCP sockets (SOCK_STREAM) made tcpalt sockets.\n"
		"  --ports=LIST     only sockets whose listen (bound) or connect port is in LIST,\n"
		"                   e.g. 80,8000-8100\n"
		"  --listen-only    only listening sockets (and what they accept)\n"
		"  --connect-only   only sockets that connect()\n"
		"  --fallback       keep the kernel TCP when the tcpalt module is not loaded\n"
		"  --verbose        log each converted socket on stderr\n"
		"  --help           this text\n"
		"CMD must be dynamically linked.  See tcpalt-run(1).\n", prog);
}

/* The shim: $TCPALT_RUN_LIB, else libtcpalt-run.so in this program's directory. */
static int find_lib(char *path, size_t size)
{
	const char *env = getenv(RUN_ENV_LIB);
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(path, size, "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -1;
		self[n] = '\0';
		snprintf(path, size, "%s/%s", dirname(self), RUN_LIB_NAME);
	}
	return access(path, R_OK);
}

/* The family the module registered, or -1 (with why) when tcpalt sockets cannot be made. */
static int module_family(const char *param, char *why, size_t size)
{
	char buf[16];
	FILE *f;
	int fam = -1, fd;

	f = fopen(param, "re");
	if (!f) {
		snprintf(why, size, "%s: %s", param, strerror(errno));
		return -1;
	}
	if (fgets(buf, sizeof(buf), f))
		fam = atoi(buf);
	fclose(f);
	if (fam <= 0) {
		snprintf(why, size, "%s: no family number", param);
		return -1;
	}
	fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, size, "socket(family %d): %s", fam, strerror(errno));
		return -1;
	}
	close(fd);
	return fam;
}

static void set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1)) {
		fprintf(stderr, "%s: setenv %s: %s\n", prog, name, strerror(errno));
		exit(127);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ports", required_argument, NULL, 'p' },
		{ "listen-only", no_argument, NULL, 'l' },
		{ "connect-only", no_argument, NULL, 'c' },
		{ "fallback", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_range ranges[RUN_MAX_RANGES];
	int c, fam, listen_only = 0, connect_only = 0, fallback = 0, verbose = 0;
	const char *ports = NULL, *param, *old;
	char lib[PATH_MAX], why[PATH_MAX + 64], buf[32], *preload;

	/* '+': options end at CMD, so CMD's own options are left to it. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			ports = optarg;
			break;
		case 'l':
			listen_only = 1;
			break;
		case 'c':
			connect_only = 1;
			break;
		case 'f':
			fallback = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "%s: no command given\n", prog);
		usage(stderr);
		return 2;
	}
	if (listen_only && connect_only) {
		fprintf(stderr, "%s: --listen-only and --connect-only exclude each other\n", prog);
		return 2;
	}
	if (ports && run_parse_ports(ports, ranges) <= 0) {
		fprintf(stderr, "%s: --ports: '%s' is not a list of ports and ranges such as "
			"80,8000-8100 (ports 1-65535)\n", prog, ports);
		return 2;
	}

	param = getenv(RUN_ENV_PARAM);
	if (!param || !*param)
		param = TCPALT_FAMILY_PARAM;
	fam = module_family(param, why, sizeof(why));
	if (fam < 0 && !fallback) {
		fprintf(stderr, "%s: the tcpalt module is not loaded (%s); load it "
			"(insmod tcpalt.ko) or use --fallback to run on the kernel TCP\n",
			prog, why);
		return 127;
	}
	if (fam < 0) {
		if (verbose)
			fprintf(stderr, "%s: tcpalt is not loaded (%s): %s runs on the kernel TCP\n",
				prog, why, argv[optind]);
	} else {
		if (find_lib(lib, sizeof(lib))) {
			fprintf(stderr, "%s: the shim %s cannot be read: %s\n", prog, lib,
				strerror(errno));
			return 127;
		}
		snprintf(buf, sizeof(buf), "%d", fam);
		set_env(RUN_ENV_FAMILY, buf);
		set_env(RUN_ENV_PORTS, ports ? ports : "");
		set_env(RUN_ENV_ONLY, listen_only ? "listen" : connect_only ? "connect" : "");
		set_env(RUN_ENV_VERBOSE, verbose ? "1" : "0");
		set_env(RUN_ENV_FALLBACK, fallback ? "1" : "0");
		/* Ours first; a preload already there (a sanitizer, a profiler) stays after it. */
		old = getenv("LD_PRELOAD");
		if (old && *old) {
			preload = malloc(strlen(lib) + strlen(old) + 2);
			if (!preload)
				return 127;
			sprintf(preload, "%s:%s", lib, old);
		} else {
			preload = lib;
		}
		set_env("LD_PRELOAD", preload);
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
