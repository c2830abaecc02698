// SPDX-License-Identifier: GPL-2.0
/*
 * Real servers and load generators from Debian's packages, unmodified, over tcpalt through
 * tcpalt-run: nginx with curl, ab (keep-alive and not) and wrk; iperf3 both directions;
 * redis-server with redis-cli and redis-benchmark; sshd and ssh.  Each test checks real data
 * (bytes compared, status codes and failure counts, redis values that count every request) and
 * /proc/tcpalt/stats in the test's own network namespace proves which ends were tcpalt's.
 * Mixed pairs run one end on the kernel TCP, untouched.
 *
 * The default concurrency of ab (10), wrk and redis-benchmark (50 clients) is what froze the
 * guest before the listener fix of the hardening issue: it is kept here on purpose.
 */
#include <netinet/tcp.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#define PROG_DIR_NAME	"tcpalt_apps"
#include "tcpalt_prog.h"

#define NGINX_PORT	18080
#define IPERF_PORT	15201
#define SSH_PORT	12222
#define REDIS_PORT	16379
#define BODY_BYTES	(FILE_BYTES - 4321)	/* not a multiple of a page or a segment */
#define LONG_MS		100000

/*
 * The debug kernel (KASAN, lockdep, under TCG) runs these programs about ten times slower:
 * fewer requests there, and every test may take two minutes.
 */
static int debug_kernel(void)
{
	char buf[16];

	return tcpalt_read_file("/etc/tcpalt-flavor", buf, sizeof(buf)) > 0 &&
	       !strncmp(buf, "debug", 5);
}

FIXTURE(apps) {
	int debug;
};

FIXTURE_SETUP(apps)
{
	ASSERT_EQ(0, setup());
	self->debug = debug_kernel();
}

FIXTURE_TEARDOWN(apps)
{
}

static const char *launcher(void)
{
	const char *s = getenv("TCPALT_RUN_BIN");

	return s && *s ? s : "tcpalt-run";
}

/* argv, through tcpalt-run when tcpalt (the launcher's --verbose logs each socket). */
static const char *const *via(int tcpalt, const char *const *argv)
{
	static const char *buf[4][24];
	static int n;
	const char **out = buf[n++ % 4];
	int i = 0;

	if (tcpalt) {
		out[i++] = launcher();
		out[i++] = "--verbose";
	}
	while (*argv && i < 23)
		out[i++] = *argv++;
	out[i] = NULL;
	return out;
}

/* A whole small file into buf (NUL-terminated); length or -1. */
static int slurp(const char *p, char *buf, size_t size)
{
	return tcpalt_read_file(p, buf, size);
}

/*
 * The number after the first "key" in the file, or after the first "key2" after it (key2 not
 * NULL), skipping blanks, ':' and '"'; -1 if none.
 */
static long long number_after(const char *p, const char *key, const char *key2)
{
	static char buf[1 << 17];
	const char *at;

	if (slurp(p, buf, sizeof(buf)) < 0)
		return -1;
	at = strstr(buf, key);
	if (at && key2)
		at = strstr(at, key2);
	if (!at)
		return -1;
	at += strlen(key2 ? key2 : key);
	while (*at == ' ' || *at == '\t' || *at == ':' || *at == '"')
		at++;
	return *at >= '0' && *at <= '9' ? strtoll(at, NULL, 10) : -1;
}

/* tcpalt's connection counters in the test's namespace: which ends were tcpalt's. */
#define EXPECT_OPENS(active, passive) do {				\
		EXPECT_EQ(active, sl_tcpalt_stat("ActiveOpens"));	\
		EXPECT_EQ(passive, sl_tcpalt_stat("PassiveOpens"));	\
	} while (0)

/* sh -c cmd, output into out; its exit status. */
static int shell(const char *cmd, const char *out, int ms)
{
	return finish(start(RUN("sh", "-c", cmd), out, path("sh.err"), NULL), ms);
}

/* ---- nginx ---- */

static int write_nginx_conf(const char *conf)
{
	FILE *f = fopen(conf, "w");

	if (!f)
		return -1;
	/*
	 * Debian's defaults where they matter to TCP: sendfile, tcp_nopush (TCP_CORK around
	 * header and sendfile()d body), tcp_nodelay on keep-alive connections.
	 */
	fprintf(f, "daemon off;\nmaster_process off;\nworker_processes 1;\nuser root root;\n"
		"pid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
		"events { worker_connections 512; }\n"
		"http {\n\taccess_log off;\n\tsendfile on;\n\ttcp_nopush on;\n"
		"\ttcp_nodelay on;\n\tkeepalive_requests 100000;\n"
		"\tclient_body_temp_path %s/body;\n\tproxy_temp_path %s/proxy;\n"
		"\tfastcgi_temp_path %s/fastcgi;\n\tuwsgi_temp_path %s/uwsgi;\n"
		"\tscgi_temp_path %s/scgi;\n"
		"\tserver {\n\t\tlisten %d;\n\t\troot %s;\n"
		"\t\tlocation = /hello { return 200 \"hello from nginx\\n\"; }\n"
		"\t}\n}\n", dir, dir, dir, dir, dir, dir, dir, NGINX_PORT, dir);
	return fclose(f);
}

static pid_t start_nginx(int tcpalt)
{
	const char *conf = path("nginx.conf");

	if (write_nginx_conf(conf) || make_file(path("body"), BODY_BYTES))
		return -1;
	return start(via(tcpalt, RUN("nginx", "-p", dir, "-c", conf, "-e", path("error.log"))),
		     NULL, path("nginx.err"), NULL);
}

static int stop(pid_t pid)
{
	kill(pid, SIGTERM);
	return finish(pid, WAIT_MS);
}

/*
 * curl fetches the 1 MB body (sendfile() under TCP_CORK) and a short answer over one
 * keep-alive connection, and the body again over a second connection.
 */
static void nginx_curl(struct __test_metadata *_metadata, int tcpalt_server, int tcpalt_client)
{
	char url[64], hello[64], got[2][96], errbuf[512];
	pid_t srv;

	srv = start_nginx(tcpalt_server);
	ASSERT_LT(0, srv);
	ASSERT_EQ(0, wait_listener(tcpalt_server, NGINX_PORT))
		TH_LOG("nginx did not listen: %s", slurp(path("nginx.err"), errbuf, sizeof(errbuf)) >= 0 ?
		       errbuf : "no nginx.err");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/body", NGINX_PORT);
	snprintf(hello, sizeof(hello), "http://127.0.0.1:%d/hello", NGINX_PORT);
	snprintf(got[0], sizeof(got[0]), "%s", path("got0"));
	snprintf(got[1], sizeof(got[1]), "%s", path("got1"));
	EXPECT_EQ(0, finish(start(via(tcpalt_client, RUN("curl", "-sS", "--fail", "-o", got[0],
							  url, "-o", path("hello"), hello)),
				  NULL, path("curl.err"), NULL), WAIT_MS));
	EXPECT_EQ(0, finish(start(via(tcpalt_client, RUN("curl", "-sS", "--fail", "-o", got[1],
							  url)),
				  NULL, path("curl2.err"), NULL), WAIT_MS));
	EXPECT_EQ(0, stop(srv));
	EXPECT_TRUE(same_file(path("body"), got[0]));
	EXPECT_TRUE(same_file(path("body"), got[1]));
	EXPECT_TRUE(file_has(path("hello"), "hello from nginx\n"));
	/* Two connections: the first carried both requests. */
	EXPECT_OPENS(tcpalt_client ? 2 : 0, tcpalt_server ? 2 : 0);
}

TEST_F_TIMEOUT(apps, nginx_curl_both_tcpalt, 150)
{
	nginx_curl(_metadata, 1, 1);
}

TEST_F_TIMEOUT(apps, nginx_kernel_curl_tcpalt, 150)
{
	nginx_curl(_metadata, 0, 1);
}

TEST_F_TIMEOUT(apps, nginx_tcpalt_curl_kernel, 150)
{
	nginx_curl(_metadata, 1, 0);
}

/*
 * ab against nginx, both tcpalt: keep-alive (-k) over 10 connections, then a connection per
 * request (ab's default of 10 concurrent clients both times).
 */
TEST_F_TIMEOUT(apps, nginx_ab, 150)
{
	int keep = self->debug ? 400 : 2000, each = self->debug ? 60 : 200;
	char url[64], nk[16], ne[16];
	pid_t srv;

	srv = start_nginx(1);
	ASSERT_LT(0, srv);
	ASSERT_EQ(0, wait_listener(1, NGINX_PORT));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", NGINX_PORT);
	snprintf(nk, sizeof(nk), "%d", keep);
	snprintf(ne, sizeof(ne), "%d", each);
	EXPECT_EQ(0, finish(start(via(1, RUN("ab", "-q", "-k", "-n", nk, "-c", "10", url)),
				  path("ab-k.out"), path("ab-k.err"), NULL), LONG_MS));
	EXPECT_EQ(keep, number_after(path("ab-k.out"), "Complete requests:", NULL));
	EXPECT_EQ(0, number_after(path("ab-k.out"), "Failed requests:", NULL));
	EXPECT_EQ(keep, number_after(path("ab-k.out"), "Keep-Alive requests:", NULL));
	EXPECT_FALSE(file_has(path("ab-k.out"), "Non-2xx"));
	EXPECT_LE(10, sl_tcpalt_stat("ActiveOpens"));

	EXPECT_EQ(0, finish(start(via(1, RUN("ab", "-q", "-n", ne, "-c", "10", url)),
				  path("ab.out"), path("ab.err"), NULL), LONG_MS));
	EXPECT_EQ(each, number_after(path("ab.out"), "Complete requests:", NULL));
	EXPECT_EQ(0, number_after(path("ab.out"), "Failed requests:", NULL));
	EXPECT_FALSE(file_has(path("ab.out"), "Non-2xx"));
	EXPECT_EQ(0, stop(srv));
	/* ab may open a few more connections than it needs (one per client at the end). */
	EXPECT_LE(10 + each, sl_tcpalt_stat("ActiveOpens"));
	EXPECT_LE(10 + each, sl_tcpalt_stat("PassiveOpens"));
}

/* wrk's keep-alive load (20 connections, 2 threads) against nginx, both tcpalt. */
TEST_F_TIMEOUT(apps, nginx_wrk, 150)
{
	char url[64];
	pid_t srv;

	srv = start_nginx(1);
	ASSERT_LT(0, srv);
	ASSERT_EQ(0, wait_listener(1, NGINX_PORT));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", NGINX_PORT);
	EXPECT_EQ(0, finish(start(via(1, RUN("wrk", "-t2", "-c20", "-d3s", url)),
				  path("wrk.out"), path("wrk.err"), NULL), LONG_MS));
	EXPECT_EQ(0, stop(srv));
	/* "    Req/Sec ...\n  12345 requests in 3.00s, 1.9MB read" */
	EXPECT_LT(self->debug ? 20 : 100, number_after(path("wrk.out"), "Req/Sec", "\n"))
		TH_LOG("wrk made too few requests");
	EXPECT_FALSE(file_has(path("wrk.out"), "Socket errors"));
	EXPECT_FALSE(file_has(path("wrk.out"), "Non-2xx"));
	/* wrk's 20 connections, and one it makes first to check the address. */
	EXPECT_LE(20, sl_tcpalt_stat("ActiveOpens"));
	EXPECT_LE(20, sl_tcpalt_stat("PassiveOpens"));
}

/* ---- iperf3 ---- */

/*
 * iperf3 -n 16M from client to server (reverse: server to client), control and data
 * connections; both ends' counts (in the client's JSON) and no error.
 */
static void iperf(struct __test_metadata *_metadata, int tcpalt_server, int tcpalt_client,
		  int reverse)
{
	char port[16];
	long long sent, rcvd;
	pid_t srv;

	snprintf(port, sizeof(port), "%d", IPERF_PORT);
	srv = start(via(tcpalt_server, RUN("iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", port)),
		    path("srv.out"),
		    path("srv.err"), NULL);
	/* Bound to 127.0.0.1: iperf3 listens on IPv6 by default, which stays kernel TCP. */
	ASSERT_EQ(0, wait_listener_at(tcpalt_server, "127.0.0.1", IPERF_PORT));
	EXPECT_EQ(0, finish(start(via(tcpalt_client,
				      reverse ? RUN("iperf3", "-c", "127.0.0.1", "-p", port,
						    "-n", "16M", "-J", "-R") :
						RUN("iperf3", "-c", "127.0.0.1", "-p", port,
						    "-n", "16M", "-J")),
				  path("cli.json"), path("cli.err"), NULL), LONG_MS));
	EXPECT_EQ(0, finish(srv, WAIT_MS));
	/* "end": { ... "sum_sent": { "start", "end", "seconds", "bytes" ... }, "sum_received" */
	sent = number_after(path("cli.json"), "\"sum_sent\"", "\"bytes\"");
	rcvd = number_after(path("cli.json"), "\"sum_received\"", "\"bytes\"");
	/*
	 * iperf3 3.12's receiver stops counting when the sender's TEST_END arrives on the
	 * control connection, with data still queued (the kernel TCP on both ends shows it too:
	 * 11.8 of 16.8 MB on this machine's loopback), so received may be less than sent.
	 */
	EXPECT_LE(16LL << 20, sent);
	EXPECT_LT(0, rcvd);
	EXPECT_GE(sent, rcvd);
	EXPECT_FALSE(file_has(path("cli.json"), "\"error\""));
	/* iperf3 makes a control connection and a data connection. */
	EXPECT_OPENS(tcpalt_client ? 2 : 0, tcpalt_server ? 2 : 0);
}

TEST_F_TIMEOUT(apps, iperf3_both_tcpalt, 150)
{
	iperf(_metadata, 1, 1, 0);
}

TEST_F_TIMEOUT(apps, iperf3_both_tcpalt_reverse, 150)
{
	iperf(_metadata, 1, 1, 1);
}

TEST_F_TIMEOUT(apps, iperf3_kernel_server_tcpalt_client, 150)
{
	iperf(_metadata, 0, 1, 0);
}

TEST_F_TIMEOUT(apps, iperf3_tcpalt_server_kernel_client_reverse, 150)
{
	iperf(_metadata, 1, 0, 1);
}

/* ---- redis ---- */

static pid_t start_redis(int tcpalt)
{
	char port[16];

	snprintf(port, sizeof(port), "%d", REDIS_PORT);
	return start(via(tcpalt, RUN("redis-server", "--port", port, "--bind", "127.0.0.1",
				     "--save", "", "--appendonly", "no", "--dir", dir,
				     "--protected-mode", "no")),
		     path("redis.out"), path("redis.err"), NULL);
}

/*
 * redis-benchmark's 50 clients: INCR on one key n times (3000; 500 on the debug kernel), then
 * SET/GET; the counter must be exactly n (every request counted once).  A 1 MB binary value
 * set with redis-cli -x must come back byte for byte.
 */
static void redis(struct __test_metadata *_metadata, int n, int tcpalt_server, int tcpalt_client)
{
	char port[16], cmd[512], count[16];
	pid_t srv;

	snprintf(port, sizeof(port), "%d", REDIS_PORT);
	snprintf(count, sizeof(count), "%d", n);
	srv = start_redis(tcpalt_server);
	ASSERT_EQ(0, wait_listener_at(tcpalt_server, "127.0.0.1", REDIS_PORT));
	/* Wait until it answers (it listens before it loads). */
	EXPECT_EQ(0, finish(start(via(tcpalt_client, RUN("redis-cli", "-p", port, "PING")),
				  path("ping.out"), NULL, NULL), WAIT_MS));
	EXPECT_TRUE(file_has(path("ping.out"), "PONG"));
	EXPECT_EQ(0, finish(start(via(tcpalt_client,
				      RUN("redis-benchmark", "-p", port, "-q", "-c", "50", "-n",
					  count, "-t", "incr,set,get")),
				  path("bench.out"), path("bench.err"), NULL), LONG_MS));
	EXPECT_TRUE(file_has(path("bench.out"), "INCR:"));
	EXPECT_TRUE(file_has(path("bench.out"), "GET:"));
	EXPECT_EQ(0, finish(start(via(tcpalt_client, RUN("redis-cli", "-p", port, "GET",
							 "counter:__rand_int__")),
				  path("counter.out"), NULL, NULL), WAIT_MS));
	EXPECT_EQ(n, number_after(path("counter.out"), "", NULL));

	ASSERT_EQ(0, make_file(path("big"), BODY_BYTES));
	snprintf(cmd, sizeof(cmd), "%s redis-cli -p %d -x SET big <%s >%s",
		 tcpalt_client ? "tcpalt-run" : "", REDIS_PORT, path("big"), path("set.out"));
	EXPECT_EQ(0, shell(cmd, NULL, WAIT_MS));
	EXPECT_TRUE(file_has(path("set.out"), "OK"));
	snprintf(cmd, sizeof(cmd), "%s redis-cli -p %d --raw GET big | head -c %d >%s",
		 tcpalt_client ? "tcpalt-run" : "", REDIS_PORT, BODY_BYTES, path("big.got"));
	EXPECT_EQ(0, shell(cmd, NULL, WAIT_MS));
	EXPECT_TRUE(same_file(path("big"), path("big.got")));
	EXPECT_EQ(0, stop(srv));
	/* redis-cli PING, GET, SET, GET and redis-benchmark's 50 clients (and its probe). */
	EXPECT_EQ(tcpalt_client, sl_tcpalt_stat("ActiveOpens") >= 50 + 4);
	EXPECT_EQ(tcpalt_client ? 1 : 0, sl_tcpalt_stat("ActiveOpens") > 0);
	EXPECT_EQ(tcpalt_server, sl_tcpalt_stat("PassiveOpens") >= 50 + 4);
	EXPECT_EQ(tcpalt_server ? 1 : 0, sl_tcpalt_stat("PassiveOpens") > 0);
}

TEST_F_TIMEOUT(apps, redis_both_tcpalt, 150)
{
	redis(_metadata, self->debug ? 500 : 3000, 1, 1);
}

TEST_F_TIMEOUT(apps, redis_kernel_server_tcpalt_clients, 150)
{
	redis(_metadata, self->debug ? 500 : 3000, 0, 1);
}

/* ---- ssh ---- */

/*
 * sshd (privilege separation, key exchange, a session running a command) and ssh: 1 MB of
 * random bytes up through ssh's stdin into sha256sum on the server, whose digest must match
 * the local one; then the same bytes back down (cat), compared.
 */
static void ssh(struct __test_metadata *_metadata, int tcpalt_server, int tcpalt_client)
{
	char port[16], cmd[1536], keys[160], hostkey[96], sum[2][160], errbuf[512];
	const char *run = tcpalt_client ? "tcpalt-run" : "";
	pid_t srv;

	snprintf(port, sizeof(port), "%d", SSH_PORT);
	snprintf(hostkey, sizeof(hostkey), "%s", path("hostkey"));
	snprintf(keys, sizeof(keys), "AuthorizedKeysFile=%s", path("key.pub"));
	snprintf(cmd, sizeof(cmd), "mkdir -p /run/sshd /root && "
		 "ssh-keygen -q -t ed25519 -N '' -f %s && ssh-keygen -q -t ed25519 -N '' -f %s",
		 hostkey, path("key"));
	ASSERT_EQ(0, shell(cmd, NULL, LONG_MS));
	ASSERT_EQ(0, make_file(path("data"), BODY_BYTES));
	srv = start(via(tcpalt_server,
			RUN("/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null", "-p", port,
			    "-h", hostkey, "-o", "ListenAddress=127.0.0.1", "-o", "PidFile=none",
			    "-o", "UsePAM=no", "-o", "StrictModes=no", "-o", keys)),
		    NULL, path("sshd.err"), NULL);
	ASSERT_EQ(0, wait_listener_at(tcpalt_server, "127.0.0.1", SSH_PORT))
		TH_LOG("sshd did not listen: %s", slurp(path("sshd.err"), errbuf,
							sizeof(errbuf)) >= 0 ? errbuf : "");
#define SSH_OPTS "-i %s -o BatchMode=yes -o StrictHostKeyChecking=no " \
		 "-o UserKnownHostsFile=/dev/null -p %d root@127.0.0.1"
	snprintf(cmd, sizeof(cmd), "%s ssh " SSH_OPTS " sha256sum <%s >%s && sha256sum <%s >%s",
		 run, path("key"), SSH_PORT, path("data"), path("sum.remote"), path("data"),
		 path("sum.local"));
	EXPECT_EQ(0, shell(cmd, NULL, LONG_MS))
		TH_LOG("ssh failed: %s", slurp(path("sh.err"), errbuf, sizeof(errbuf)) >= 0 ?
		       errbuf : "");
	EXPECT_LT(0, slurp(path("sum.remote"), sum[0], sizeof(sum[0])));
	EXPECT_LT(0, slurp(path("sum.local"), sum[1], sizeof(sum[1])));
	EXPECT_STREQ(sum[1], sum[0]);
	snprintf(cmd, sizeof(cmd), "%s ssh " SSH_OPTS " cat %s >%s", run, path("key"), SSH_PORT,
		 path("data"), path("data.back"));
#undef SSH_OPTS
	EXPECT_EQ(0, shell(cmd, NULL, LONG_MS));
	EXPECT_TRUE(same_file(path("data"), path("data.back")));
	EXPECT_EQ(0, stop(srv));
	EXPECT_OPENS(tcpalt_client ? 2 : 0, tcpalt_server ? 2 : 0);
}

TEST_F_TIMEOUT(apps, ssh_both_tcpalt, 150)
{
	ssh(_metadata, 1, 1);
}

TEST_F_TIMEOUT(apps, ssh_kernel_server_tcpalt_client, 150)
{
	ssh(_metadata, 0, 1);
}

TEST_HARNESS_MAIN
