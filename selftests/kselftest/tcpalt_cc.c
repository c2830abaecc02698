// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control's socket API (issue 8), each case on the kernel TCP (AF_INET, the
 * reference) and on tcpalt, which must answer alike:
 *
 * - TCP_CONGESTION: the default is "cubic"; "reno" is accepted and reads back, before and
 *   after connect(); an unknown name is ENOENT and changes nothing; optlen 0 is EINVAL; the
 *   name read back is cut to the caller's length; an accepted socket inherits its listener's;
 * - TCP_CC_INFO: the length the kernel TCP gives for reno and cubic (0: neither has
 *   get_info);
 * - the sysctls net.ipv4.tcp_congestion_control / net.tcpalt.congestion_control: the default
 *   of new sockets (not of existing ones), an unknown name refused with ENOENT; the available
 *   list;
 * - the tcpalt_cwnd tracepoint's fields (tcp_probe's for the kernel TCP), and its events
 *   during a CUBIC transfer: cwnd from the initial window up;
 * - a bulk transfer with each algorithm between two namespaces over a veth pair with netem
 *   (10 ms each way: RTT 20 ms), byte-exact, cwnd grown beyond the initial window.
 */
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"
#include "tcpalt_netns.h"

#define PORT		7600
#define CLIENT_IP	"10.0.3.1"
#define SERVER_IP	"10.0.3.2"
#define TC		"/usr/sbin/tc"
#define XFER_MIB	16		/* stock kernel */
#define XFER_MIB_DEBUG	2		/* debug (KASAN) kernel */
#define XFER_MS		240000		/* bound on one recv()/send() of a bulk transfer */
#define CA_NAME_MAX	16		/* TCP_CA_NAME_MAX */
#define TRACE_DIR	"/sys/kernel/tracing"

/* The debug guest (KASAN, lockdep: 5-10 times slower) runs shorter transfers. */
static bool debug_kernel(void)
{
	char flavor[16];

	if (tcpalt_read_file("/etc/tcpalt-flavor", flavor, sizeof(flavor)) > 0)
		return !strncmp(flavor, "debug", 5);
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

/* getsockopt(TCP_CONGESTION) into name (NUL-terminated); the optlen returned, or -errno. */
static int get_cc(int fd, char *name, socklen_t len)
{
	char buf[CA_NAME_MAX + 1] = {};
	socklen_t l = len;

	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, buf, &l))
		return -errno;
	memcpy(name, buf, l);
	name[l] = '\0';
	return l;
}

/* setsockopt(TCP_CONGESTION, name) of strlen(name) bytes: 0 or -errno. */
static int set_cc(int fd, const char *name)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, strlen(name)) ? -errno : 0;
}

/* ---- socket API: one namespace, loopback ---- */

FIXTURE(cc) {
	int fam;
	char sysctl[96];	/* the namespace default's sysctl for this family */
	char avail[96];		/* the list of algorithms */
	struct sl_pair p;
};

FIXTURE_VARIANT(cc) {
	int alt;
};

FIXTURE_VARIANT_ADD(cc, inet) { .alt = 0 };
FIXTURE_VARIANT_ADD(cc, tcpalt) { .alt = 1 };

FIXTURE_SETUP(cc)
{
	self->fam = variant->alt ? tcpalt_family() : AF_INET;
	self->p.c = self->p.s = self->p.l = -1;
	snprintf(self->sysctl, sizeof(self->sysctl), "%s",
		 variant->alt ? TCPALT_SYSCTL_DIR "/congestion_control" :
		 "/proc/sys/net/ipv4/tcp_congestion_control");
	snprintf(self->avail, sizeof(self->avail), "%s",
		 variant->alt ? TCPALT_SYSCTL_DIR "/available_congestion_control" :
		 "/proc/sys/net/ipv4/tcp_available_congestion_control");
	ASSERT_LE(0, self->fam);
	ASSERT_EQ(0, sl_netns_lo_up());
}

FIXTURE_TEARDOWN(cc)
{
	sl_pair_close(&self->p);
}

static int new_socket(FIXTURE_DATA(cc) *self)
{
	return socket(self->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/*
 * A client of the variant's family (self->p.c) connected to the listener self->p.l, and the
 * connection accepted (self->p.s); the teardown closes all three.  Harness assertions.
 */
static void connect_to_listener(struct __test_metadata *_metadata, FIXTURE_DATA(cc) *self)
{
	struct sockaddr_in to = sl_loopback(sl_local_port(self->p.l));

	self->p.c = new_socket(self);
	ASSERT_LE(0, self->p.c);
	ASSERT_EQ(0, sl_connect(self->p.c, &to, SL_STEP_MS));
	self->p.s = sl_accept(self->p.l, SL_STEP_MS);
	ASSERT_LE(0, self->p.s);
}

/* A sysctl's value without its newline; length or -errno. */
static int read_sysctl(const char *path, char *buf, size_t size)
{
	int n = tcpalt_read_file(path, buf, size);

	if (n < 0)
		return n;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

TEST_F(cc, default_is_cubic)
{
	char name[CA_NAME_MAX + 1], val[64];
	int fd = new_socket(self);

	ASSERT_LE(0, fd);
	/* The whole TCP_CA_NAME_MAX buffer comes back, NUL-padded. */
	EXPECT_EQ(CA_NAME_MAX, get_cc(fd, name, CA_NAME_MAX));
	EXPECT_STREQ("cubic", name);
	ASSERT_LT(0, read_sysctl(self->sysctl, val, sizeof(val)));
	EXPECT_STREQ("cubic", val);
	close(fd);
}

TEST_F(cc, set_reno_reads_back)
{
	char name[CA_NAME_MAX + 1];
	int fd = new_socket(self);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, set_cc(fd, "reno"));
	EXPECT_EQ(CA_NAME_MAX, get_cc(fd, name, CA_NAME_MAX));
	EXPECT_STREQ("reno", name);
	/* A short buffer gets the name cut to its length, optlen set so. */
	EXPECT_EQ(3, get_cc(fd, name, 3));
	EXPECT_STREQ("ren", name);
	/* The NUL may be part of optlen. */
	EXPECT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 6));
	EXPECT_EQ(CA_NAME_MAX, get_cc(fd, name, CA_NAME_MAX));
	EXPECT_STREQ("cubic", name);
	/* Setting the algorithm in force again is no error. */
	EXPECT_EQ(0, set_cc(fd, "cubic"));
	close(fd);
}

TEST_F(cc, unknown_name)
{
	char name[CA_NAME_MAX + 1];
	int fd = new_socket(self);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_cc(fd, "reno"));
	EXPECT_EQ(-ENOENT, set_cc(fd, "nosuchcc"));
	EXPECT_EQ(-ENOENT, set_cc(fd, "RENO"));
	/* Only TCP_CA_NAME_MAX - 1 bytes are read: "renoXXXXXXXXXXXX" is "renoXXXXXXXXXXX". */
	EXPECT_EQ(-ENOENT, set_cc(fd, "renoXXXXXXXXXXXXXXXX"));
	EXPECT_EQ(-EINVAL, setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 0) ? -errno : 0);
	EXPECT_EQ(CA_NAME_MAX, get_cc(fd, name, CA_NAME_MAX));
	EXPECT_STREQ("reno", name);
	close(fd);
}

/* Both ends connected, then each switched; data still flows and the names read back. */
TEST_F(cc, set_after_connect)
{
	char name[CA_NAME_MAX + 1], buf[4096];
	int i;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, 0, &self->p));
	EXPECT_EQ(0, set_cc(self->p.c, "reno"));
	EXPECT_EQ(0, set_cc(self->p.s, "reno"));
	for (i = 0; i < 2; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		EXPECT_EQ((ssize_t)sizeof(buf), send(self->p.c, buf, sizeof(buf), 0));
		EXPECT_EQ((ssize_t)sizeof(buf), recv(self->p.s, buf, sizeof(buf), MSG_WAITALL));
		EXPECT_EQ('a' + i, buf[sizeof(buf) - 1]);
		EXPECT_EQ(CA_NAME_MAX, get_cc(self->p.c, name, CA_NAME_MAX));
		EXPECT_STREQ(i ? "cubic" : "reno", name);
		EXPECT_EQ(0, set_cc(self->p.c, "cubic"));
	}
	EXPECT_EQ(-ENOENT, set_cc(self->p.s, "nosuchcc"));
	EXPECT_EQ(CA_NAME_MAX, get_cc(self->p.s, name, CA_NAME_MAX));
	EXPECT_STREQ("reno", name);
}

/* An accepted socket has its listener's algorithm; the client keeps the default. */
TEST_F(cc, inherited_by_accepted)
{
	char name[CA_NAME_MAX + 1];

	self->p.l = sl_listener(self->fam, 0, 4);
	ASSERT_LE(0, self->p.l);
	ASSERT_EQ(0, set_cc(self->p.l, "reno"));
	connect_to_listener(_metadata, self);
	EXPECT_EQ(CA_NAME_MAX, get_cc(self->p.s, name, CA_NAME_MAX));
	EXPECT_STREQ("reno", name);
	EXPECT_EQ(CA_NAME_MAX, get_cc(self->p.c, name, CA_NAME_MAX));
	EXPECT_STREQ("cubic", name);
}

/*
 * A listener whose algorithm was never set: an accepted socket gets the namespace default
 * of when it is made, not the listener's (tcp_ca_openreq_child()).
 */
TEST_F(cc, accepted_takes_current_default)
{
	char name[CA_NAME_MAX + 1];

	self->p.l = sl_listener(self->fam, 0, 4);
	ASSERT_LE(0, self->p.l);
	ASSERT_EQ(0, sl_write_file(self->sysctl, "reno"));
	connect_to_listener(_metadata, self);
	EXPECT_EQ(CA_NAME_MAX, get_cc(self->p.s, name, CA_NAME_MAX));
	EXPECT_STREQ("reno", name);
	EXPECT_EQ(CA_NAME_MAX, get_cc(self->p.l, name, CA_NAME_MAX));
	EXPECT_STREQ("cubic", name);
}

/* TCP_CC_INFO: reno and cubic have no get_info, so the kernel TCP writes back length 0. */
TEST_F(cc, cc_info_length)
{
	static const char *const algs[] = { "cubic", "reno" };
	unsigned char info[256];
	socklen_t len;
	int i;

	ASSERT_EQ(0, sl_make_pair(self->fam, self->fam, 0, &self->p));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, set_cc(self->p.c, algs[i]));
		memset(info, 0xa5, sizeof(info));
		len = sizeof(info);
		EXPECT_EQ(0, getsockopt(self->p.c, IPPROTO_TCP, TCP_CC_INFO, info, &len));
		EXPECT_EQ(0U, len) TH_LOG("%s", algs[i]);
		EXPECT_EQ(0xa5, info[0]);
	}
	len = 0;
	EXPECT_EQ(0, getsockopt(self->p.l, IPPROTO_TCP, TCP_CC_INFO, info, &len));
	EXPECT_EQ(0U, len);
}

/* The sysctl sets the default of sockets made after it, not of those before. */
TEST_F(cc, sysctl_default)
{
	char name[CA_NAME_MAX + 1], val[128];
	int before, after;

	ASSERT_LT(0, read_sysctl(self->avail, val, sizeof(val)));
	if (self->fam == AF_INET) {
		EXPECT_NE(NULL, strstr(val, "reno")) TH_LOG("%s", val);
		EXPECT_NE(NULL, strstr(val, "cubic")) TH_LOG("%s", val);
	} else {
		EXPECT_STREQ("reno cubic", val);
	}
	EXPECT_EQ(-EACCES, sl_write_file(self->avail, "reno"));
	before = new_socket(self);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, sl_write_file(self->sysctl, "reno"));
	ASSERT_LT(0, read_sysctl(self->sysctl, val, sizeof(val)));
	EXPECT_STREQ("reno", val);
	after = new_socket(self);
	ASSERT_LE(0, after);
	EXPECT_EQ(CA_NAME_MAX, get_cc(after, name, CA_NAME_MAX));
	EXPECT_STREQ("reno", name);
	EXPECT_EQ(CA_NAME_MAX, get_cc(before, name, CA_NAME_MAX));
	EXPECT_STREQ("cubic", name);
	/* An unknown name is refused and the default stays. */
	EXPECT_EQ(-ENOENT, sl_write_file(self->sysctl, "nosuchcc"));
	ASSERT_LT(0, read_sysctl(self->sysctl, val, sizeof(val)));
	EXPECT_STREQ("reno", val);
	EXPECT_EQ(0, sl_write_file(self->sysctl, "cubic"));
	close(after);
	after = new_socket(self);
	ASSERT_LE(0, after);
	EXPECT_EQ(CA_NAME_MAX, get_cc(after, name, CA_NAME_MAX));
	EXPECT_STREQ("cubic", name);
	close(after);
	close(before);
}

/*
 * The cwnd tracepoint's record has what a cwnd-over-time plot needs (README): tcpalt's
 * tcpalt:tcpalt_cwnd beside the kernel TCP's tcp:tcp_probe.
 */
TEST_F(cc, cwnd_tracepoint_format)
{
	static const char *const alt_fields[] = {
		"skaddr", "saddr", "sport", "daddr", "dport", "cwnd;", "cwnd_segs", "ssthresh;",
		"ssthresh_segs", "mss", "srtt_us", "in_flight", "ca_state",
	};
	static const char *const inet_fields[] = { "snd_cwnd", "ssthresh", "srtt" };
	const char *const *fields = self->fam == AF_INET ? inet_fields : alt_fields;
	int i, n = self->fam == AF_INET ? 3 : 13;
	char buf[4096];

	if (access(TRACE_DIR "/events", R_OK))
		SKIP(return, "no tracefs at " TRACE_DIR);
	ASSERT_LT(0, tcpalt_read_file(self->fam == AF_INET ?
				      TRACE_DIR "/events/tcp/tcp_probe/format" :
				      TRACE_DIR "/events/tcpalt/tcpalt_cwnd/format",
				      buf, sizeof(buf)));
	for (i = 0; i < n; i++)
		EXPECT_NE(NULL, strstr(buf, fields[i])) TH_LOG("no field %s", fields[i]);
}

/* ---- bulk transfer with each algorithm: namespaces A and B, veth va <-> vb, netem ---- */

FIXTURE(path) {
	int fam;
	int ns_a, ns_b;
	struct sockaddr_in srv;
};

FIXTURE_VARIANT(path) {
	int alt;
};

FIXTURE_VARIANT_ADD(path, inet) { .alt = 0 };
FIXTURE_VARIANT_ADD(path, tcpalt) { .alt = 1 };

FIXTURE_SETUP(path)
{
	int i;

	self->ns_a = self->ns_b = -1;
	self->fam = variant->alt ? tcpalt_family() : AF_INET;
	self->srv = sl_addr(SERVER_IP, PORT);
	signal(SIGPIPE, SIG_IGN);
	ASSERT_LE(0, self->fam);

	/* A (this process) and B: veth va (A) <-> vb (B). */
	veth_pair(_metadata, &self->ns_a, &self->ns_b);
	veth_pair_up(_metadata, self->ns_a, self->ns_b, CLIENT_IP, SERVER_IP);
	/* RTT 20 ms: 10 ms each way; a queue long enough that netem itself drops nothing. */
	RUN_OK(self->ns_a, TC " qdisc add dev va root netem limit 100000 delay 10ms");
	RUN_OK(self->ns_b, TC " qdisc add dev vb root netem limit 100000 delay 10ms");
	/* Short-lived orphans and TIME-WAIT entries, so the module can be unloaded after. */
	for (i = 0; variant->alt && i < 2; i++) {
		int ns = i ? self->ns_b : self->ns_a;

		ASSERT_EQ(0, short_lived_orphans(ns));
	}
	ASSERT_EQ(0, enter(self->ns_a));
}

FIXTURE_TEARDOWN(path)
{
	veth_pair_close(self->ns_a, self->ns_b);
}

/*
 * One connection A -> B with algorithm alg set on the listener (so on the accepted socket)
 * and on the client before connect(); len bytes from the client, checked byte by byte; the
 * names read back and the client's cwnd grew past the initial window.
 */
static void bulk_with(struct __test_metadata *_metadata, FIXTURE_DATA(path) *self,
		      const char *alg, size_t len)
{
	char name[CA_NAME_MAX + 1];
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	struct sl_xfer tx, rx;
	pthread_t tt, rt;
	int one = 1, l, c, s;
	long long t0, ms;

	l = socket_in(self->ns_b, self->fam);
	ASSERT_LE(0, l);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, set_cc(l, alg));
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&self->srv, sizeof(self->srv)));
	ASSERT_EQ(0, listen(l, 4));
	c = socket_in(self->ns_a, self->fam);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, set_cc(c, alg));
	ASSERT_EQ(0, sl_connect(c, &self->srv, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	ASSERT_LE(0, s);
	sl_set_timeouts(c, XFER_MS);
	sl_set_timeouts(s, XFER_MS);
	EXPECT_EQ(CA_NAME_MAX, get_cc(s, name, CA_NAME_MAX));
	EXPECT_STREQ(alg, name);

	t0 = sl_now_ms();
	sl_xfer_start(&tt, &tx, c, 1, 801, len);
	sl_xfer_start(&rt, &rx, s, 0, 801, len);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	ms = sl_now_ms() - t0;
	EXPECT_EQ(0, tx.err) TH_LOG("sender: %s", strerror(tx.err));
	EXPECT_STREAM(&rx, &tx);
	ASSERT_EQ(0, getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl));
	TH_LOG("%s: %zu MiB in %lld ms (%.1f Mbit/s), cwnd %u ssthresh %u rtt %u us retrans %u",
	       alg, len >> 20, ms, ms ? len * 8.0 / 1000.0 / ms : 0.0, ti.tcpi_snd_cwnd,
	       ti.tcpi_snd_ssthresh, ti.tcpi_rtt, ti.tcpi_total_retrans);
	EXPECT_LT(10U, ti.tcpi_snd_cwnd);	/* grew past the initial window (RFC 6928) */
	EXPECT_LE(20000U, ti.tcpi_rtt);		/* the path's 20 ms */
	EXPECT_EQ(CA_NAME_MAX, get_cc(c, name, CA_NAME_MAX));
	EXPECT_STREQ(alg, name);
	close(c);
	close(s);
	close(l);
}

/* Write s to a tracefs file: 0 or -errno. */
static int trace_write(const char *file, const char *s)
{
	char path[128];

	snprintf(path, sizeof(path), TRACE_DIR "/%s", file);
	return sl_write_file(path, s);
}

/* The whole trace buffer (malloc'ed, NUL-terminated), or NULL. */
static char *trace_read(void)
{
	size_t len = 0, size = 8 << 20;
	char *buf = malloc(size);
	int fd = open(TRACE_DIR "/trace", O_RDONLY);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (len + 1 < size && (n = read(fd, buf + len, size - len - 1)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

/*
 * cwnd over time, as README's recipe records it: the cwnd tracepoint (tcpalt:tcpalt_cwnd,
 * or tcp:tcp_probe for the kernel TCP) during a CUBIC transfer gives one event per ACK for
 * the sender, cwnd starting at the initial window and growing.
 */
TEST_F_TIMEOUT(path, cwnd_trace, 600)
{
	const char *event = self->fam == AF_INET ? "events/tcp/tcp_probe/enable" :
				"events/tcpalt/tcpalt_cwnd/enable";
	const char *filter = self->fam == AF_INET ? "events/tcp/tcp_probe/filter" :
				 "events/tcpalt/tcpalt_cwnd/filter";
	size_t len = (size_t)(debug_kernel() ? XFER_MIB_DEBUG : XFER_MIB / 4) << 20;
	unsigned int first = 0, max = 0, cwnd, events = 0;
	char *buf, *line, *save, *first_line = NULL, *last_line = NULL;

	if (access(TRACE_DIR "/trace", W_OK))
		SKIP(return, "no tracefs at " TRACE_DIR);
	ASSERT_EQ(0, trace_write("buffer_size_kb", "8192"));
	ASSERT_EQ(0, trace_write("trace", ""));
	/* README's filter: the events of one port only */
	ASSERT_EQ(0, trace_write(filter, "dport == 7600 || sport == 7600"));
	ASSERT_EQ(0, trace_write(event, "1"));
	bulk_with(_metadata, self, "cubic", len);
	ASSERT_EQ(0, trace_write(event, "0"));
	ASSERT_EQ(0, trace_write(filter, "0"));
	buf = trace_read();
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p;

		if (self->fam == AF_INET) {
			p = strstr(line, "tcp_probe:");
			if (!p || !strstr(p, "dest=" SERVER_IP ":7600"))
				continue;
			p = strstr(p, "snd_cwnd=");
			if (!p || sscanf(p, "snd_cwnd=%u", &cwnd) != 1)
				continue;
		} else {
			p = strstr(line, "tcpalt_cwnd:");
			if (!p || !strstr(p, SERVER_IP ":7600 cwnd="))
				continue;
			p = strstr(p, "segs) ssthresh");
			while (p && p > line && p[-1] != '(')
				p--;
			if (!p || sscanf(p, "%u", &cwnd) != 1)
				continue;
		}
		if (!events++) {
			first = cwnd;
			first_line = line;
		}
		last_line = line;
		max = cwnd > max ? cwnd : max;
	}
	TH_LOG("%u events, first cwnd %u, largest %u", events, first, max);
	if (first_line)
		TH_LOG("first: %s", first_line);
	if (last_line)
		TH_LOG("last:  %s", last_line);
	EXPECT_LT(20U, events);
	EXPECT_LE(10U, first);	/* RFC 6928 initial window (more by the first ACK's growth) */
	EXPECT_GE(20U, first);
	EXPECT_LT(first, max);
	free(buf);
}

TEST_F_TIMEOUT(path, bulk_reno, 600)
{
	bulk_with(_metadata, self, "reno", (size_t)(debug_kernel() ? XFER_MIB_DEBUG : XFER_MIB) << 20);
}

TEST_F_TIMEOUT(path, bulk_cubic, 600)
{
	bulk_with(_metadata, self, "cubic",
		  (size_t)(debug_kernel() ? XFER_MIB_DEBUG : XFER_MIB) << 20);
}

TEST_HARNESS_MAIN
