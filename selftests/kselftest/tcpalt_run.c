// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-run: unmodified Debian programs (socat, curl) run through the LD_PRELOAD launcher
 * against each other and against the same programs on the kernel TCP, with the data checked
 * and /proc/tcpalt/stats proving which ends were tcpalt's; then the shim's own promises, from
 * this program re-executed as a probe under tcpalt-run (so it is linked dynamically, unlike
 * the other test programs): SO_DOMAIN/SO_PROTOCOL answers, fd flags and options carried over,
 * --ports, --listen-only/--connect-only, UDP/AF_UNIX/AF_INET6 untouched, exec inheritance, and
 * the module-not-loaded message.  Each test runs in its own network namespace, so every
 * counter starts at 0.
 *
 * TCPALT_RUN_BIN (default tcpalt-run from PATH) picks the launcher.
 */
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#define PROG_DIR_NAME	"tcpalt_run"
#include "tcpalt_prog.h"

#define PROBE_ENV	"TCPALT_RUN_TEST_PROBE"

static const char *launcher(void)
{
	const char *s = getenv("TCPALT_RUN_BIN");

	return s && *s ? s : "tcpalt-run";
}

/* ---- the probe: runs under tcpalt-run, prints "key=value" lines ---- */

/* SO_DOMAIN as the kernel answers it, past the shim's getsockopt(). */
static int raw_domain(int fd)
{
	socklen_t len = sizeof(int);
	int v;

	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &v, &len))
		return -1;
	return v;
}

/*
 * pair PORT: a listener (SOCK_NONBLOCK|SOCK_CLOEXEC, SO_REUSEADDR, SO_RCVBUF, TCP_NODELAY set
 * before bind) and a non-blocking client that connects to it, accept4(), one byte each way.
 */
static int probe_pair(unsigned short port)
{
	struct sockaddr_in a = sl_loopback(port), name;
	socklen_t len = sizeof(name);
	int lfd, cfd, afd, rcvbuf, one = 1;
	char c = 'x';

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    sl_setint(lfd, SOL_SOCKET, SO_RCVBUF, 96 * 1024))
		return 1;
	rcvbuf = sl_getint(lfd, SOL_SOCKET, SO_RCVBUF);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 8))
		return 2;
	printf("listen_raw=%d\n", raw_domain(lfd));
	printf("listen_so_domain=%d\n", sl_getint(lfd, SOL_SOCKET, SO_DOMAIN));
	printf("listen_so_protocol=%d\n", sl_getint(lfd, SOL_SOCKET, SO_PROTOCOL));
	printf("listen_so_type=%d\n", sl_getint(lfd, SOL_SOCKET, SO_TYPE));
	printf("listen_nonblock=%d\n", !!(fcntl(lfd, F_GETFL) & O_NONBLOCK));
	printf("listen_cloexec=%d\n", !!(fcntl(lfd, F_GETFD) & FD_CLOEXEC));
	printf("listen_reuseaddr=%d\n", sl_getint(lfd, SOL_SOCKET, SO_REUSEADDR));
	printf("listen_nodelay=%d\n", sl_getint(lfd, IPPROTO_TCP, TCP_NODELAY));
	printf("listen_rcvbuf_kept=%d\n", sl_getint(lfd, SOL_SOCKET, SO_RCVBUF) == rcvbuf);
	if (getsockname(lfd, (struct sockaddr *)&name, &len))
		return 3;
	printf("listen_name=%d %s:%u\n", name.sin_family, inet_ntoa(name.sin_addr),
	       ntohs(name.sin_port));

	cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (cfd < 0)
		return 4;
	if (connect(cfd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		return 5;
	if (sl_poll(cfd, POLLOUT, SL_STEP_MS) <= 0 || sl_getint(cfd, SOL_SOCKET, SO_ERROR))
		return 6;
	printf("client_raw=%d\n", raw_domain(cfd));
	printf("client_nonblock=%d\n", !!(fcntl(cfd, F_GETFL) & O_NONBLOCK));
	printf("client_cloexec=%d\n", !!(fcntl(cfd, F_GETFD) & FD_CLOEXEC));
	if (sl_poll(lfd, POLLIN, SL_STEP_MS) <= 0)
		return 7;
	afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (afd < 0)
		return 8;
	printf("accepted_raw=%d\n", raw_domain(afd));
	printf("accepted_so_domain=%d\n", sl_getint(afd, SOL_SOCKET, SO_DOMAIN));
	len = sizeof(name);
	if (getpeername(afd, (struct sockaddr *)&name, &len))
		return 9;
	printf("accepted_peer_family=%d\n", name.sin_family);
	if (send(cfd, &c, 1, 0) != 1 || sl_poll(afd, POLLIN, SL_STEP_MS) <= 0 ||
	    recv(afd, &c, 1, 0) != 1 || send(afd, &c, 1, 0) != 1 ||
	    sl_poll(cfd, POLLIN, SL_STEP_MS) <= 0 || recv(cfd, &c, 1, 0) != 1 || c != 'x')
		return 10;
	printf("data=ok\n");
	close(afd);
	close(cfd);
	close(lfd);
	return 0;
}

/*
 * reuseport PORT: two listeners with SO_REUSEPORT set before bind, as nginx's reuseport
 * workers: both must listen, both converted, the option carried over.
 */
static int probe_reuseport(unsigned short port)
{
	struct sockaddr_in a = sl_loopback(port);
	int l[2], i;

	for (i = 0; i < 2; i++) {
		l[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (l[i] < 0 || sl_setint(l[i], SOL_SOCKET, SO_REUSEPORT, 1))
			return 1;
		printf("listen%d=%d\n", i, bind(l[i], (struct sockaddr *)&a, sizeof(a)) ||
		       listen(l[i], 8) ? errno : 0);
		printf("listen%d_raw=%d\n", i, raw_domain(l[i]));
		printf("listen%d_reuseport=%d\n", i, sl_getint(l[i], SOL_SOCKET, SO_REUSEPORT));
	}
	close(l[0]);
	close(l[1]);
	return 0;
}

/*
 * zerocopy PORT: msg_zerocopy.rst's recipe, unmodified: SO_ZEROCOPY at SOL_SOCKET on the
 * client before connect() (carried over) and on the accepted socket after accept() (made at
 * SOL_TCPALT by the shim's setsockopt()), three MSG_ZEROCOPY sends, and their completions
 * read from the error queue until ids 0..2 are covered.
 */
static int probe_zerocopy(unsigned short port)
{
	struct sockaddr_in a = sl_loopback(port);
	char buf[3 * 4096], ctl[128];
	uint32_t next = 0;
	int lfd, cfd, afd, i, n, one = 1;

	memset(buf, 'z', sizeof(buf));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 8))
		return 1;
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0)
		return 2;
	printf("client_set=%d\n", setsockopt(cfd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) ?
	       errno : 0);
	if (connect(cfd, (struct sockaddr *)&a, sizeof(a)))
		return 3;
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		return 4;
	printf("client_raw=%d\n", raw_domain(cfd));
	printf("client_zerocopy=%d\n", sl_getint(cfd, SOL_SOCKET, SO_ZEROCOPY));
	printf("accepted_set=%d\n", setsockopt(afd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) ?
	       errno : 0);
	printf("accepted_zerocopy=%d\n", sl_getint(afd, SOL_SOCKET, SO_ZEROCOPY));
	for (i = 0; i < 3; i++)
		if (send(cfd, buf + i * 4096, 4096, MSG_ZEROCOPY) != 4096)
			return 5;
	for (n = 0; n < (int)sizeof(buf); n += i) {
		i = recv(afd, buf, sizeof(buf), 0);
		if (i <= 0)
			return 6;
	}
	while (next < 3 && sl_poll_for(cfd, 0, POLLERR, SL_STEP_MS) & POLLERR) {
		struct msghdr msg = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct sock_extended_err *ee;
		struct cmsghdr *cm;

		if (recvmsg(cfd, &msg, MSG_ERRQUEUE) < 0)
			return 7;
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm || cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR)
			return 8;
		ee = (struct sock_extended_err *)CMSG_DATA(cm);
		if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_info != next)
			return 9;
		next = ee->ee_data + 1;
	}
	printf("zc_done=%u\n", next);
	close(afd);
	close(cfd);
	close(lfd);
	return 0;
}

/* others PORT: UDP, AF_UNIX and AF_INET6 stream sockets, which the shim must not touch. */
static int probe_others(unsigned short port)
{
	struct sockaddr_in a = sl_loopback(port);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int u, s, sv[2];

	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || connect(u, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	printf("udp_raw=%d\n", raw_domain(u));
	close(u);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 2;
	printf("unix_raw=%d\n", raw_domain(sv[0]));
	close(sv[0]);
	close(sv[1]);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s >= 0 && !bind(s, (struct sockaddr *)&a6, sizeof(a6)) && !listen(s, 1))
		printf("inet6_raw=%d\n", raw_domain(s));
	else
		printf("inet6_raw=none\n");	/* no IPv6 in this kernel: nothing to check */
	if (s >= 0)
		close(s);
	return 0;
}

static int probe(int argc, char **argv)
{
	unsigned short port;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3)
		return 100;
	port = atoi(argv[2]);
	if (!strcmp(argv[1], "pair"))
		return probe_pair(port);
	if (!strcmp(argv[1], "others"))
		return probe_others(port);
	if (!strcmp(argv[1], "reuseport"))
		return probe_reuseport(port);
	if (!strcmp(argv[1], "zerocopy"))
		return probe_zerocopy(port);
	return 100;
}

/* The value of "key=" in a probe's output file, "" if absent. */
static const char *probe_value(const char *path, const char *key, char *val, size_t size)
{
	char line[256];
	size_t kl = strlen(key);
	FILE *f = fopen(path, "r");

	snprintf(val, size, "%s", "");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(val, size, "%s", line + kl + 1);
			break;
		}
	}
	if (f)
		fclose(f);
	return val;
}

/*
 * An HTTP/1.0 server made of socat: each connection runs a shell that reads the request up
 * to its empty line, then answers with body (Content-Length, then the bytes).
 */
static int write_httpd(const char *script, const char *body)
{
	FILE *f = fopen(script, "w");

	if (!f)
		return -1;
	fprintf(f, "while read -r l; do [ \"${l%%$(printf '\\r')}\" ] || break; done\n"
		"printf 'HTTP/1.0 200 OK\\r\\nContent-Length: %%s\\r\\n\\r\\n' "
		"$(wc -c <%s)\ncat %s\n", body, body);
	return fclose(f);
}

#define PORT		5100

/* socat to socat, both through tcpalt-run: 1 MiB file, both ends tcpalt (stats). */
TEST(socat_both_tcpalt)
{
	char port[16], listen_arg[64], conn_arg[64], in[64], out[64], out_arg[96], in_arg[96];
	pid_t srv, cli;

	ASSERT_EQ(0, setup());
	snprintf(in, sizeof(in), "%s", path("in"));
	snprintf(out, sizeof(out), "%s", path("out"));
	ASSERT_EQ(0, make_file(in, FILE_BYTES));
	snprintf(port, sizeof(port), "%d", PORT);
	snprintf(listen_arg, sizeof(listen_arg), "TCP-LISTEN:%d,reuseaddr", PORT);
	snprintf(conn_arg, sizeof(conn_arg), "TCP:127.0.0.1:%d", PORT);
	snprintf(out_arg, sizeof(out_arg), "OPEN:%s,creat,trunc", out);
	snprintf(in_arg, sizeof(in_arg), "FILE:%s", in);

	srv = start(RUN(launcher(), "--verbose", "socat", "-u", listen_arg, out_arg), NULL,
		    path("srv.err"), NULL);
	ASSERT_EQ(0, wait_listener(1, PORT));
	cli = start(RUN(launcher(), "--verbose", "socat", "-u", in_arg, conn_arg), NULL,
		    path("cli.err"), NULL);
	EXPECT_EQ(0, finish(cli, WAIT_MS));
	EXPECT_EQ(0, finish(srv, WAIT_MS));
	EXPECT_TRUE(same_file(in, out));
	EXPECT_EQ(1, sl_tcpalt_stat("ActiveOpens"));
	EXPECT_EQ(1, sl_tcpalt_stat("PassiveOpens"));
	EXPECT_TRUE(file_has(path("srv.err"), "-> tcpalt"));
	EXPECT_TRUE(file_has(path("cli.err"), "-> tcpalt"));
}

/*
 * curl through tcpalt-run against a socat HTTP server on the kernel TCP (tcpalt client,
 * kernel server), then plain curl against the server through tcpalt-run (and back).
 */
static void http_pair(struct __test_metadata *_metadata, int tcpalt_server, int tcpalt_client)
{
	char listen_arg[64], url[64], sys_arg[128], body[64], got[64];
	const char *const plain_srv[] = { "socat", listen_arg, sys_arg, NULL };
	const char *const run_srv[] = { launcher(), "socat", listen_arg, sys_arg, NULL };
	const char *const plain_cli[] = { "curl", "-sS", "-o", got, url, NULL };
	const char *const run_cli[] = { launcher(), "curl", "-sS", "-o", got, url, NULL };
	pid_t srv, cli;

	ASSERT_EQ(0, setup());
	snprintf(body, sizeof(body), "%s", path("body"));
	snprintf(got, sizeof(got), "%s", path("got"));
	ASSERT_EQ(0, make_file(body, 200 * 1000));
	ASSERT_EQ(0, write_httpd(path("httpd.sh"), body));
	snprintf(listen_arg, sizeof(listen_arg), "TCP-LISTEN:%d,reuseaddr", PORT);
	snprintf(sys_arg, sizeof(sys_arg), "SYSTEM:sh %s", path("httpd.sh"));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/body", PORT);

	srv = start(tcpalt_server ? run_srv : plain_srv, NULL, path("srv.err"), NULL);
	ASSERT_EQ(0, wait_listener(tcpalt_server, PORT));
	cli = start(tcpalt_client ? run_cli : plain_cli, NULL, path("cli.err"), NULL);
	EXPECT_EQ(0, finish(cli, WAIT_MS));
	EXPECT_EQ(0, finish(srv, WAIT_MS));
	EXPECT_TRUE(same_file(body, got));
	EXPECT_EQ(tcpalt_client, sl_tcpalt_stat("ActiveOpens"));
	EXPECT_EQ(tcpalt_server, sl_tcpalt_stat("PassiveOpens"));
}

TEST(curl_tcpalt_to_socat_kernel)
{
	http_pair(_metadata, 0, 1);
}

TEST(curl_kernel_to_socat_tcpalt)
{
	http_pair(_metadata, 1, 0);
}

TEST(curl_tcpalt_to_socat_tcpalt)
{
	http_pair(_metadata, 1, 1);
}

/*
 * A forking socat server (accept in the parent, the connection in a child that runs a shell)
 * and one curl fetching three URLs over three connections, all through tcpalt-run.
 */
TEST(curl_three_to_forking_socat)
{
	char listen_arg[64], url[64], sys_arg[128], body[64], got[3][96];
	pid_t srv, cli;
	int i;

	ASSERT_EQ(0, setup());
	snprintf(body, sizeof(body), "%s", path("body"));
	for (i = 0; i < 3; i++)
		snprintf(got[i], sizeof(got[i]), "%s/got%d", dir, i);
	ASSERT_EQ(0, make_file(body, 100 * 1000));
	ASSERT_EQ(0, write_httpd(path("httpd.sh"), body));
	snprintf(listen_arg, sizeof(listen_arg), "TCP-LISTEN:%d,reuseaddr,fork", PORT);
	snprintf(sys_arg, sizeof(sys_arg), "SYSTEM:sh %s", path("httpd.sh"));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/body", PORT);

	srv = start(RUN(launcher(), "socat", listen_arg, sys_arg), NULL, path("srv.err"), NULL);
	ASSERT_EQ(0, wait_listener(1, PORT));
	cli = start(RUN(launcher(), "curl", "-sS", "-H", "Connection: close", "-o", got[0], url,
			"-o", got[1], url, "-o", got[2], url), NULL, path("cli.err"), NULL);
	EXPECT_EQ(0, finish(cli, WAIT_MS));
	kill(srv, SIGTERM);
	finish(srv, WAIT_MS);
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(same_file(body, got[i]));
	EXPECT_EQ(3, sl_tcpalt_stat("ActiveOpens"));
	EXPECT_EQ(3, sl_tcpalt_stat("PassiveOpens"));
}

/*
 * Run this program as a probe (MODE PORT) under tcpalt-run with opts (NULL-terminated),
 * stdout into out; returns the launcher's exit status.
 */
static int run_probe(const char *out, const char *err, const char *mode, int port,
		     const char *env, const char *opt1, const char *opt2)
{
	char self[256], p[16];
	const char *argv[8];
	ssize_t n;
	int i = 0;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	snprintf(p, sizeof(p), "%d", port);
	argv[i++] = launcher();
	if (opt1)
		argv[i++] = opt1;
	if (opt2)
		argv[i++] = opt2;
	argv[i++] = self;
	argv[i++] = mode;
	argv[i++] = p;
	argv[i] = NULL;
	return finish(start(argv, out, err, env ? env : PROBE_ENV "=1"),
		      WAIT_MS);
}

#define PV(key)	probe_value(out, key, val, sizeof(val))

/*
 * Through the shim a tcpalt socket looks like IPv4 TCP and keeps what was set before, both
 * ways the shim makes one: at socket() (no --ports) and by converting a kernel TCP socket at
 * listen()/connect() (--ports).
 */
static void socket_looks_inet(struct __test_metadata *_metadata, const char *opt)
{
	char out[64], val[64], fam[16];

	ASSERT_EQ(0, setup());
	snprintf(out, sizeof(out), "%s", path("probe.out"));
	snprintf(fam, sizeof(fam), "%d", tcpalt_family());
	ASSERT_EQ(0, run_probe(out, path("probe.err"), "pair", PORT, NULL, opt, NULL));
	EXPECT_STREQ(fam, PV("listen_raw"));
	EXPECT_STREQ("2", PV("listen_so_domain"));	/* AF_INET */
	EXPECT_STREQ("6", PV("listen_so_protocol"));	/* IPPROTO_TCP */
	EXPECT_STREQ("1", PV("listen_so_type"));	/* SOCK_STREAM */
	EXPECT_STREQ("1", PV("listen_nonblock"));
	EXPECT_STREQ("1", PV("listen_cloexec"));
	EXPECT_STREQ("1", PV("listen_reuseaddr"));
	EXPECT_STREQ("1", PV("listen_nodelay"));
	EXPECT_STREQ("1", PV("listen_rcvbuf_kept"));
	EXPECT_STREQ("2 127.0.0.1:5100", PV("listen_name"));
	EXPECT_STREQ(fam, PV("client_raw"));
	EXPECT_STREQ("1", PV("client_nonblock"));
	EXPECT_STREQ("0", PV("client_cloexec"));
	EXPECT_STREQ(fam, PV("accepted_raw"));
	EXPECT_STREQ("2", PV("accepted_so_domain"));
	EXPECT_STREQ("2", PV("accepted_peer_family"));
	EXPECT_STREQ("ok", PV("data"));
}

TEST(shim_socket_looks_inet)
{
	socket_looks_inet(_metadata, NULL);
}

TEST(shim_converted_looks_inet)
{
	socket_looks_inet(_metadata, "--ports=5100");
}

/*
 * Run the probe in mode both ways the shim makes a tcpalt socket: way 0 at socket(), way 1
 * converted at listen()/connect() (--ports), on a port each (the first run's TIME-WAIT keeps
 * its own).  Fills out[64] (the probe's output file) and fam[16] (tcpalt's family number).
 */
#define WAY(k)	((k) ? "converted (--ports)" : "at socket()")

static int probe_way(char *out, char *fam, const char *mode, unsigned int way)
{
	char ports[32];

	if (setup())
		return -1;
	snprintf(out, 64, "%s", path("probe.out"));
	snprintf(fam, 16, "%d", tcpalt_family());
	snprintf(ports, sizeof(ports), "--ports=%d", PORT + way);
	return run_probe(out, path("probe.err"), mode, PORT + way, NULL, way ? ports : NULL,
			 NULL);
}

/* SO_REUSEPORT set on the kernel socket reaches the tcpalt one (at SOL_TCPALT). */
TEST(shim_reuseport)
{
	char out[64], val[64], fam[16];
	unsigned int k;

	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, probe_way(out, fam, "reuseport", k)) TH_LOG("%s", WAY(k));
		EXPECT_STREQ("0", PV("listen0"));
		EXPECT_STREQ("0", PV("listen1"));	/* EADDRINUSE (98) without the option */
		EXPECT_STREQ(fam, PV("listen0_raw"));
		EXPECT_STREQ(fam, PV("listen1_raw"));
		EXPECT_STREQ("1", PV("listen0_reuseport"));
		EXPECT_STREQ("1", PV("listen1_reuseport"));
	}
}

/*
 * SO_ZEROCOPY at SOL_SOCKET, set before connect() and after accept(), reaches the tcpalt
 * sockets (at SOL_TCPALT), and MSG_ZEROCOPY completions come back on the error queue.
 */
TEST(shim_zerocopy)
{
	char out[64], val[64], fam[16];
	unsigned int k;

	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, probe_way(out, fam, "zerocopy", k)) TH_LOG("%s", WAY(k));
		EXPECT_STREQ("0", PV("client_set"));
		EXPECT_STREQ(fam, PV("client_raw"));
		EXPECT_STREQ("1", PV("client_zerocopy"));
		EXPECT_STREQ("0", PV("accepted_set"));
		EXPECT_STREQ("1", PV("accepted_zerocopy"));
		EXPECT_STREQ("3", PV("zc_done"));
	}
}

/* --ports: only a listen or connect port in the list converts. */
TEST(shim_ports_limit)
{
	char out[64], val[64], fam[16];

	ASSERT_EQ(0, setup());
	snprintf(out, sizeof(out), "%s", path("probe.out"));
	snprintf(fam, sizeof(fam), "%d", tcpalt_family());
	ASSERT_EQ(0, run_probe(out, NULL, "pair", PORT, NULL, "--ports=80,6000-6010", NULL));
	EXPECT_STREQ("2", PV("listen_raw"));
	EXPECT_STREQ("2", PV("client_raw"));
	EXPECT_STREQ("ok", PV("data"));
	ASSERT_EQ(0, run_probe(out, NULL, "pair", 6005, NULL, "--ports=80,6000-6010", NULL));
	EXPECT_STREQ(fam, PV("listen_raw"));
	EXPECT_STREQ(fam, PV("client_raw"));
	EXPECT_STREQ("ok", PV("data"));
	EXPECT_EQ(2, run_probe(out, NULL, "pair", PORT, NULL, "--ports=80,x", NULL));
}

/* --listen-only and --connect-only: a tcpalt listener for a kernel client, and back. */
TEST(shim_listen_or_connect_only)
{
	char out[64], val[64], fam[16];

	ASSERT_EQ(0, setup());
	snprintf(out, sizeof(out), "%s", path("probe.out"));
	snprintf(fam, sizeof(fam), "%d", tcpalt_family());
	ASSERT_EQ(0, run_probe(out, NULL, "pair", PORT, NULL, "--listen-only", NULL));
	EXPECT_STREQ(fam, PV("listen_raw"));
	EXPECT_STREQ("2", PV("client_raw"));
	EXPECT_STREQ(fam, PV("accepted_raw"));
	EXPECT_STREQ("ok", PV("data"));
	ASSERT_EQ(0, run_probe(out, NULL, "pair", PORT + 1, NULL, "--connect-only", NULL));
	EXPECT_STREQ("2", PV("listen_raw"));
	EXPECT_STREQ(fam, PV("client_raw"));
	EXPECT_STREQ("2", PV("accepted_raw"));
	EXPECT_STREQ("ok", PV("data"));
}

/* UDP, AF_UNIX and AF_INET6 pass through untouched. */
TEST(shim_others_untouched)
{
	char out[64], val[64];

	ASSERT_EQ(0, setup());
	snprintf(out, sizeof(out), "%s", path("probe.out"));
	ASSERT_EQ(0, run_probe(out, NULL, "others", PORT, NULL, NULL, NULL));
	EXPECT_STREQ("2", PV("udp_raw"));
	EXPECT_STREQ("1", PV("unix_raw"));
	PV("inet6_raw");
	if (strcmp(val, "none"))
		EXPECT_STREQ("10", val);
	EXPECT_EQ(0, sl_tcpalt_stat("ActiveOpens"));
}

/* The options reach a grandchild through a shell's exec (busybox sh, static: env only). */
TEST(shim_inherited_across_exec)
{
	char out[64], val[64], fam[16], cmd[512], self[256];
	ssize_t n;

	ASSERT_EQ(0, setup());
	snprintf(out, sizeof(out), "%s", path("probe.out"));
	snprintf(fam, sizeof(fam), "%d", tcpalt_family());
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_LT(0, n);
	self[n] = '\0';
	snprintf(cmd, sizeof(cmd), "%s=1 %s pair %d; echo done", PROBE_ENV, self, PORT);
	ASSERT_EQ(0, finish(start(RUN(launcher(), "--verbose", "--ports=5100", "sh", "-c", cmd),
				  out, path("err"), NULL), WAIT_MS));
	EXPECT_STREQ(fam, PV("listen_raw"));
	EXPECT_STREQ(fam, PV("client_raw"));
	EXPECT_TRUE(file_has(path("err"), "-> tcpalt"));
}

/* Module not loaded (the parameter file missing): a clear message and 127, or --fallback. */
TEST(not_loaded)
{
	char out[64], val[64];
	const char *env = "TCPALT_RUN_PARAM=/nonexistent/family";

	ASSERT_EQ(0, setup());
	snprintf(out, sizeof(out), "%s", path("probe.out"));
	EXPECT_EQ(127, finish(start(RUN(launcher(), "true"), NULL, path("err"), env), WAIT_MS));
	EXPECT_TRUE(file_has(path("err"), "tcpalt module is not loaded"));
	EXPECT_EQ(0, finish(start(RUN(launcher(), "--fallback", "true"), NULL, path("err"), env),
			    WAIT_MS));
	/* --fallback: the program runs, on the kernel TCP (PROBE_ENV comes from the shell). */
	setenv(PROBE_ENV, "1", 1);
	ASSERT_EQ(0, run_probe(out, NULL, "pair", PORT, env, "--fallback", NULL));
	unsetenv(PROBE_ENV);
	EXPECT_STREQ("2", PV("listen_raw"));
	EXPECT_STREQ("ok", PV("data"));
	EXPECT_EQ(127, finish(start(RUN(launcher(), "/nonexistent/cmd"), NULL, NULL, NULL),
			      WAIT_MS));
}

/* TEST_HARNESS_MAIN, but a probe when run by the tests above. */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (getenv(PROBE_ENV))
		return probe(argc, argv);
	return test_harness_run(argc, argv);
}
