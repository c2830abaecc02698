// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tcpalt/connections as a reader sees it: sequence numbers only for the socket's owner
 * and CAP_NET_ADMIN (decided by the credentials of whoever opened the file), rows of the
 * reader's network namespace only, every row exactly once and well formed whatever the read()
 * size and however many connections come and go meanwhile, and the time a whole read takes
 * (printed, not asserted) for 1000 and 4000 rows.  Each test runs in a namespace of its own.
 */
#include <grp.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define NOBODY		65534
#define PORT_A		5001
#define PORT_B		5002

/* One row of /proc/tcpalt/connections, every column. */
struct prow {
	char local[32], remote[32], state[16], timer[16];
	unsigned long long sendq, recvq;
	long long ms_left;
	unsigned long long snd_una, snd_nxt, rcv_nxt, wnd, rto, retrans, uid, inode;
};

static const char *const states[] = {
	"LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT", "CLOSED",
};

static const char *const timers[] = {
	"-", "retransmit", "delack", "probe", "keepalive", "finwait2", "timewait",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* "a.b.c.d:port" with a valid address and a port below 65536. */
static int valid_addr(const char *s)
{
	char ip[32];
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	char *end;
	unsigned long port;

	if (!colon || colon - s >= (long)sizeof(ip) || !colon[1])
		return 0;
	memcpy(ip, s, colon - s);
	ip[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	return inet_pton(AF_INET, ip, &a) == 1 && !*end && port < 65536;
}

/* Parse one line (without its newline); 0, or -1 if it is not a well-formed row. */
static int parse_row(const char *line, struct prow *r)
{
	int n = -1;

	if (sscanf(line, "%31s %31s %15s %llu %llu %15s %lld %llu %llu %llu %llu %llu %llu %llu %llu%n",
		   r->local, r->remote, r->state, &r->sendq, &r->recvq, r->timer, &r->ms_left,
		   &r->snd_una, &r->snd_nxt, &r->rcv_nxt, &r->wnd, &r->rto, &r->retrans, &r->uid,
		   &r->inode, &n) != 15 || n < 0 || line[n] != '\0' || strchr(line, '-') == line)
		return -1;
	if (!valid_addr(r->local) || !valid_addr(r->remote) ||
	    !in_list(r->state, states, sizeof(states) / sizeof(states[0])) ||
	    !in_list(r->timer, timers, sizeof(timers) / sizeof(timers[0])) || r->ms_left < 0)
		return -1;
	return 0;
}

/* Read fd to its end with read() calls of at most chunk bytes; malloc'ed text or NULL. */
static char *read_fd(int fd, size_t chunk, size_t *lenp)
{
	size_t len = 0, size = 65536;
	char *buf = malloc(size), *nb;
	ssize_t n;

	while (buf) {
		if (size - len < chunk + 1) {
			size = 2 * size + chunk;
			nb = realloc(buf, size);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[len] = '\0';
			if (lenp)
				*lenp = len;
			return buf;
		}
		len += n;
	}
	free(buf);
	return NULL;
}

static char *read_proc(size_t chunk)
{
	int fd = open(TCPALT_PROC_CONNECTIONS, O_RDONLY | O_CLOEXEC);
	char *text;

	if (fd < 0)
		return NULL;
	text = read_fd(fd, chunk, NULL);
	close(fd);
	return text;
}

/*
 * Check a whole read: the header first, then well-formed rows, each line ended by a newline.
 * Calls each(row, arg) per row.  Returns the number of rows, or -1 (the bad line on stderr).
 */
static int walk_table(char *text, void (*each)(const struct prow *, void *), void *arg)
{
	size_t hl = strlen(TCPALT_PROC_CONNECTIONS_HEADER);
	char *line, *nl;
	struct prow r;
	int rows = 0;

	if (!text || strncmp(text, TCPALT_PROC_CONNECTIONS_HEADER "\n", hl + 1)) {
		fprintf(stderr, "# no header\n");
		return -1;
	}
	for (line = text + hl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			fprintf(stderr, "# unterminated line: %s\n", line);
			return -1;
		}
		*nl = '\0';
		if (parse_row(line, &r)) {
			fprintf(stderr, "# malformed row: %s\n", line);
			return -1;
		}
		*nl = '\n';
		if (each)
			each(&r, arg);
		rows++;
	}
	return rows;
}

/* Find the row local -> remote in a fresh read of the file through fd (or a new open, fd < 0). */
struct find {
	char local[64], remote[64];
	struct prow row;
	int found;
};

static void find_each(const struct prow *r, void *arg)
{
	struct find *f = arg;

	if (!strcmp(r->local, f->local) && !strcmp(r->remote, f->remote)) {
		f->row = *r;
		f->found++;
	}
}

static int find_row(int fd, const struct sockaddr_in *local, const struct sockaddr_in *remote,
		    struct prow *row)
{
	struct find f = { .found = 0 };
	char *text;

	sl_fmt(f.local, sizeof(f.local), local);
	sl_fmt(f.remote, sizeof(f.remote), remote);
	text = fd >= 0 ? read_fd(fd, 4096, NULL) : read_proc(4096);
	if (walk_table(text, find_each, &f) < 0)
		f.found = -1;
	free(text);
	if (f.found == 1)
		*row = f.row;
	return f.found;
}

static int seq_zero(const struct prow *r)
{
	return !r->snd_una && !r->snd_nxt && !r->rcv_nxt;
}

static int seq_set(const struct prow *r)
{
	return r->snd_una && r->snd_nxt && r->rcv_nxt;
}

/* An established tcpalt connection on port with 100 bytes each way, so every number moved. */
static int make_busy_pair(unsigned short port, struct sl_pair *p)
{
	char buf[100] = { 0 };
	int err = sl_make_pair(tcpalt_family(), tcpalt_family(), port, p);

	if (err)
		return err;
	if (send(p->c, buf, sizeof(buf), 0) != sizeof(buf) ||
	    recv(p->s, buf, sizeof(buf), MSG_WAITALL) != sizeof(buf) ||
	    send(p->s, buf, sizeof(buf), 0) != sizeof(buf) ||
	    recv(p->c, buf, sizeof(buf), MSG_WAITALL) != sizeof(buf))
		return -EIO;
	return 0;
}

/* Become uid/gid NOBODY with no capabilities left (effective, permitted or bounding). */
static int drop_to_nobody(void)
{
	char line[256];
	int ok = 0;
	FILE *f;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "CapEff:\t0000000000000000\n"))
			ok = 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* Run fn(arg) in a child; its exit status (0: passed), or -1. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(proc) {
	int unused;
};

FIXTURE_SETUP(proc)
{
	ASSERT_EQ(0, sl_netns_lo_up());
}

FIXTURE_TEARDOWN(proc)
{
}

/* A reader who neither owns the socket nor has CAP_NET_ADMIN sees 0 sequence numbers. */
static int nobody_sees_zero(void *arg)
{
	struct sl_pair *p = arg;
	struct prow c, s;

	if (drop_to_nobody())
		return 10;
	if (find_row(-1, &p->caddr, &p->saddr, &c) != 1 ||
	    find_row(-1, &p->saddr, &p->caddr, &s) != 1)
		return 11;
	if (strcmp(c.state, "ESTABLISHED") || strcmp(s.state, "ESTABLISHED"))
		return 12;
	if (!seq_zero(&c) || !seq_zero(&s))
		return 13;
	if (c.uid != 0 || !c.inode)	/* the other columns stay */
		return 14;
	return 0;
}

TEST_F(proc, seq_hidden_from_others)
{
	struct sl_pair p;
	struct prow c, s;

	ASSERT_EQ(0, make_busy_pair(PORT_A, &p));
	ASSERT_EQ(1, find_row(-1, &p.caddr, &p.saddr, &c));
	ASSERT_EQ(1, find_row(-1, &p.saddr, &p.caddr, &s));
	/* root sees the real numbers (an ISN of exactly 0 is a 2^-32 chance) */
	EXPECT_TRUE(seq_set(&c));
	EXPECT_TRUE(seq_set(&s));
	EXPECT_EQ(c.snd_nxt, s.rcv_nxt);
	EXPECT_EQ(s.snd_nxt, c.rcv_nxt);
	EXPECT_EQ(0, in_child(nobody_sees_zero, &p));
	sl_pair_close(&p);
}

/* The owner sees its own connection's numbers, and still not root's. */
static int owner_sees_own(void *arg)
{
	struct sl_pair *root = arg, p;
	struct prow c, s, rc;

	if (drop_to_nobody())
		return 10;
	if (make_busy_pair(PORT_B, &p))
		return 11;
	if (find_row(-1, &p.caddr, &p.saddr, &c) != 1 ||
	    find_row(-1, &p.saddr, &p.caddr, &s) != 1 ||
	    find_row(-1, &root->caddr, &root->saddr, &rc) != 1)
		return 12;
	if (c.uid != NOBODY || s.uid != NOBODY)
		return 13;
	if (!seq_set(&c) || !seq_set(&s) || c.snd_nxt != s.rcv_nxt)
		return 14;
	if (!seq_zero(&rc))
		return 15;
	sl_pair_close(&p);
	return 0;
}

TEST_F(proc, seq_shown_to_owner)
{
	struct sl_pair p;

	ASSERT_EQ(0, make_busy_pair(PORT_A, &p));
	EXPECT_EQ(0, in_child(owner_sees_own, &p));
	sl_pair_close(&p);
}

static int send_fd(int sock, int fd)
{
	char data = 'f', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct opener {
	struct sl_pair *p;
	int root_fd;	/* opened by root before the fork */
	int sock;	/* to hand root a file nobody opened */
};

static int opener_child(void *arg)
{
	struct opener *o = arg;
	struct prow c;
	int fd;

	if (drop_to_nobody())
		return 10;
	/* root opened it: nobody reading it sees what root would */
	if (find_row(o->root_fd, &o->p->caddr, &o->p->saddr, &c) != 1 || !seq_set(&c))
		return 11;
	fd = open(TCPALT_PROC_CONNECTIONS, O_RDONLY);
	if (fd < 0 || send_fd(o->sock, fd))
		return 12;
	return 0;
}

/* What a reader sees is decided by the credentials the file was opened with. */
TEST_F(proc, seq_visibility_follows_opener)
{
	struct sl_pair p;
	struct opener o = { .p = &p };
	struct prow c;
	int sv[2], fd;

	ASSERT_EQ(0, make_busy_pair(PORT_A, &p));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	o.root_fd = open(TCPALT_PROC_CONNECTIONS, O_RDONLY);
	ASSERT_LE(0, o.root_fd);
	o.sock = sv[1];
	ASSERT_EQ(0, in_child(opener_child, &o));
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	/* nobody opened it: root reading it sees zeros */
	ASSERT_EQ(1, find_row(fd, &p.caddr, &p.saddr, &c));
	EXPECT_TRUE(seq_zero(&c));
	close(fd);
	close(o.root_fd);
	close(sv[0]);
	close(sv[1]);
	sl_pair_close(&p);
}

/* Rows whose local or remote port is port; -1 if any row has neither. */
struct ports {
	unsigned short port;
	int mine, other;
};

static unsigned short row_port(const char *addr)
{
	return (unsigned short)atoi(strrchr(addr, ':') + 1);
}

static void ports_each(const struct prow *r, void *arg)
{
	struct ports *p = arg;

	if (row_port(r->local) == p->port || row_port(r->remote) == p->port)
		p->mine++;
	else
		p->other++;
}

static int count_ports(unsigned short port, int *other)
{
	struct ports p = { .port = port };
	char *text = read_proc(4096);
	int rows = walk_table(text, ports_each, &p);

	free(text);
	*other = p.other;
	return rows < 0 ? -1 : p.mine;
}

struct netns_sync {
	int ready[2], done[2];
};

static int other_netns(void *arg)
{
	struct netns_sync *y = arg;
	struct sl_pair p;
	int other;
	char c;

	if (sl_netns_lo_up())
		return 10;
	if (count_ports(PORT_A, &other) != 0 || other)	/* the parent's are not here */
		return 11;
	if (make_busy_pair(PORT_B, &p))
		return 12;
	if (count_ports(PORT_B, &other) != 3 || other)	/* listener, client, accepted */
		return 13;
	if (write(y->ready[1], "r", 1) != 1 || read(y->done[0], &c, 1) != 1)
		return 14;
	sl_pair_close(&p);
	return 0;
}

TEST_F(proc, rows_per_netns)
{
	struct netns_sync y;
	struct sl_pair p;
	int status, other;
	pid_t pid;
	char c;

	ASSERT_EQ(0, make_busy_pair(PORT_A, &p));
	ASSERT_EQ(3, count_ports(PORT_A, &other));
	ASSERT_EQ(0, other);
	ASSERT_EQ(0, pipe(y.ready));
	ASSERT_EQ(0, pipe(y.done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(other_netns(&y));
	close(y.ready[1]);
	if (read(y.ready[0], &c, 1) == 1) {
		/* the child's connection exists now, in its namespace only */
		EXPECT_EQ(3, count_ports(PORT_A, &other));
		EXPECT_EQ(0, other);
	}
	EXPECT_EQ(1, write(y.done[1], "d", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	sl_pair_close(&p);
}

/* Poll /proc/tcpalt/stats until counter name reads want, up to ms; the last value read. */
static long wait_stat(const char *name, long want, int ms)
{
	long long end = sl_now_ms() + ms;
	long v;

	while ((v = sl_tcpalt_stat(name)) != want && sl_now_ms() < end)
		sl_sleep_ms(10);
	return v;
}

static int stats_elsewhere(void *arg)
{
	(void)arg;
	if (sl_netns_lo_up())
		return 10;
	if (sl_tcpalt_stat("CurrEstab") != 0 || sl_tcpalt_stat("TimeWaitEntries") != 0)
		return 11;
	return 0;
}

#define STAT_PAIRS	100
#define STAT_CLOSED	70

/* CurrEstab and TimeWaitEntries count the reader's namespace, past one batch of the walk. */
TEST_F(proc, stats_per_netns)
{
	struct sockaddr_in to;
	int l, c[STAT_PAIRS], s[STAT_PAIRS], i;

	l = sl_listener(tcpalt_family(), PORT_A, STAT_PAIRS);
	ASSERT_LE(0, l);
	to = sl_loopback(PORT_A);
	for (i = 0; i < STAT_PAIRS; i++) {
		c[i] = socket(tcpalt_family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, c[i]);
		ASSERT_EQ(0, sl_connect(c[i], &to, SL_STEP_MS));
		s[i] = sl_accept(l, SL_STEP_MS);
		ASSERT_LE(0, s[i]);
	}
	EXPECT_EQ(2 * STAT_PAIRS, wait_stat("CurrEstab", 2 * STAT_PAIRS, SL_STEP_MS));
	EXPECT_EQ(0, sl_tcpalt_stat("TimeWaitEntries"));
	/*
	 * The client closes first and ends in TIME-WAIT (60 s by default); the server closes once
	 * it has read the FIN, or both would close at once and both end in TIME-WAIT.
	 */
	for (i = 0; i < STAT_CLOSED; i++) {
		char byte;

		close(c[i]);
		ASSERT_EQ(0, sl_set_timeouts(s[i], SL_STEP_MS));
		ASSERT_EQ(0, recv(s[i], &byte, 1, 0));
		close(s[i]);
	}
	EXPECT_EQ(STAT_CLOSED, wait_stat("TimeWaitEntries", STAT_CLOSED, SL_STEP_MS));
	EXPECT_EQ(2 * (STAT_PAIRS - STAT_CLOSED),
		  wait_stat("CurrEstab", 2 * (STAT_PAIRS - STAT_CLOSED), SL_STEP_MS));
	EXPECT_EQ(0, in_child(stats_elsewhere, NULL));
	for (i = STAT_CLOSED; i < STAT_PAIRS; i++) {
		close(c[i]);
		close(s[i]);
	}
	close(l);
}

/* ---- many rows ---- */

#define MAX_LISTENERS	4000

struct listeners {
	int fd[MAX_LISTENERS];
	int n;
};

static int raise_nofile(void)
{
	struct rlimit rl = { .rlim_cur = 16384, .rlim_max = 16384 };

	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Listeners on 127.0.0.1, ephemeral ports, up to n in all. */
static int add_listeners(struct listeners *l, int n)
{
	while (l->n < n) {
		int fd = sl_listener(tcpalt_family(), 0, 1);

		if (fd < 0)
			return fd;
		l->fd[l->n++] = fd;
	}
	return 0;
}

static void close_listeners(struct listeners *l)
{
	while (l->n)
		close(l->fd[--l->n]);
}

/* How often each port appears as a LISTEN row's local port. */
struct seen {
	unsigned short count[65536];
	int rows;
};

static void seen_each(const struct prow *r, void *arg)
{
	struct seen *s = arg;

	s->rows++;
	if (!strcmp(r->state, "LISTEN"))
		s->count[row_port(r->local)]++;
}

/*
 * Read the whole file in chunks of chunk bytes: well formed, and each of the listeners (and
 * extra, if not 0) exactly once.  0 or -1 (what is wrong on stderr).
 */
static int check_once(struct listeners *l, unsigned short extra, size_t chunk, int *rows)
{
	struct seen *s = calloc(1, sizeof(*s));
	char *text = read_proc(chunk);
	int i, ret = 0;

	if (!s || walk_table(text, seen_each, s) < 0)
		ret = -1;
	for (i = 0; !ret && i < l->n; i++) {
		unsigned short port = sl_local_port(l->fd[i]);

		if (s->count[port] != 1) {
			fprintf(stderr, "# chunk %zu: listener port %u seen %u times\n", chunk, port,
				s->count[port]);
			ret = -1;
		}
	}
	if (!ret && extra && s->count[extra] != 1) {
		fprintf(stderr, "# chunk %zu: port %u seen %u times\n", chunk, extra,
			s->count[extra]);
		ret = -1;
	}
	if (s && rows)
		*rows = s->rows;
	free(s);
	free(text);
	return ret;
}

struct churn {
	unsigned short port;
	int stop;
	int rounds;
	int err;
};

/* Connect, accept and close, in alternating orders, until told to stop. */
static void *churn_run(void *arg)
{
	struct churn *ch = arg;
	struct sockaddr_in to = sl_loopback(ch->port);
	int l = sl_listener(tcpalt_family(), ch->port, 64);

	if (l < 0) {
		ch->err = -l;
		return NULL;
	}
	__atomic_store_n(&ch->rounds, -1, __ATOMIC_RELEASE);	/* listening */
	while (!__atomic_load_n(&ch->stop, __ATOMIC_ACQUIRE)) {
		int c = socket(tcpalt_family(), SOCK_STREAM | SOCK_CLOEXEC, 0), s, err;
		int r = __atomic_load_n(&ch->rounds, __ATOMIC_RELAXED);

		err = c < 0 ? -errno : sl_connect(c, &to, SL_STEP_MS);
		if (err) {
			ch->err = -err;
			if (c >= 0)
				close(c);
			break;
		}
		s = sl_accept(l, SL_STEP_MS);
		if (s < 0)
			ch->err = -s;
		if (r & 1) {
			close(c);
			if (s >= 0)
				close(s);
		} else {
			if (s >= 0)
				close(s);
			close(c);
		}
		__atomic_store_n(&ch->rounds, r < 0 ? 1 : r + 1, __ATOMIC_RELEASE);
	}
	close(l);
	return NULL;
}

/* Every row exactly once while connections come and go (and TIME-WAIT entries end). */
TEST_F_TIMEOUT(proc, rows_once_under_churn, 240)
{
	static const size_t chunks[] = { 64, 4096, 1000, 7, 131072 };
	struct listeners *l = calloc(1, sizeof(*l));
	struct churn ch = { .port = PORT_B };
	int i, rows = 0, rounds;
	long long start;
	pthread_t t;

	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, raise_nofile());
	/* TIME-WAIT entries of 100 ms: they come and go during every read */
	ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_MSL_MS, "50"));
	ASSERT_EQ(0, add_listeners(l, 2000));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, check_once(l, 0, chunks[i], &rows));
		EXPECT_EQ(2000, rows);
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_run, &ch));
	while (!__atomic_load_n(&ch.rounds, __ATOMIC_ACQUIRE) && !ch.err)
		sl_sleep_ms(1);
	start = sl_now_ms();
	for (i = 0; i < 10; i++) {
		size_t chunk = chunks[i % (sizeof(chunks) / sizeof(chunks[0]))];

		if (chunk == 7 && i > 5)
			continue;	/* one 7-byte pass is enough (20000 read() calls) */
		EXPECT_EQ(0, check_once(l, PORT_B, chunk, &rows));
		EXPECT_LE(2001, rows);
	}
	__atomic_store_n(&ch.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, NULL));
	rounds = __atomic_load_n(&ch.rounds, __ATOMIC_ACQUIRE);
	ksft_print_msg("%d connections made and closed during %lld ms of reading\n", rounds,
		       sl_now_ms() - start);
	EXPECT_EQ(0, ch.err);
	EXPECT_LT(0, rounds);
	close_listeners(l);
	free(l);
}

/* Milliseconds for one whole read in chunks of chunk bytes (the best of five). */
static long long time_read(size_t chunk, int *rows)
{
	long long best = -1, t;
	int i;

	for (i = 0; i < 5; i++) {
		char *text;

		t = sl_now_ms();
		text = read_proc(chunk);
		t = sl_now_ms() - t;
		*rows = walk_table(text, NULL, NULL);
		free(text);
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/* Printed, not asserted: a whole read takes time linear in the rows, for any read() size. */
TEST_F_TIMEOUT(proc, read_time_by_rows, 240)
{
	static const int sizes[] = { 1000, 4000 };
	struct listeners *l = calloc(1, sizeof(*l));
	long long small, large;
	int i, rows;

	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, raise_nofile());
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, add_listeners(l, sizes[i]));
		small = time_read(64, &rows);
		EXPECT_EQ(sizes[i], rows);
		large = time_read(131072, &rows);
		EXPECT_EQ(sizes[i], rows);
		ksft_print_msg("rows %d: read(64) %lld ms, read(128K) %lld ms\n", sizes[i], small,
			       large);
	}
	close_listeners(l);
	free(l);
}

TEST_HARNESS_MAIN
