// SPDX-License-Identifier: GPL-2.0
/*
 * The views of issue 9: /proc/tcpalt/connections in aligned columns, /proc/tcpalt/transitions
 * counting exactly the transitions connections take, and tcpalt-ss showing exactly the rows of
 * the procfs view, filtered as ss filters (-l, -a, state, sport/dport/src/dst), as JSON (-j,
 * checked by a small JSON parser here), as a summary (-s), with internals (-i), watched (-w)
 * and as a state diagram (--diagram).
 *
 * Each test runs in a network namespace of its own (the harness forks per test): a listener
 * on 127.0.0.1:8000, an established pair and one connection in TIME-WAIT.  tcpalt-ss is run
 * from $TCPALT_SS, else from PATH (the guests have it in /usr/bin).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpalt_sock_lib.h"

#define PORT		8000
#define MAX_ROWS	64
#define ROW_LEN		160

static const char *const states[] = {
	"LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT", "CLOSED",
};

#define NSTATES (int)(sizeof(states) / sizeof(states[0]))

static int state_index(const char *s)
{
	int i;

	for (i = 0; i < NSTATES; i++)
		if (!strcmp(s, states[i]))
			return i;
	return -1;
}

/* A set of rows as "STATE LOCAL REMOTE" strings, sorted to compare. */
struct rows {
	char r[MAX_ROWS][ROW_LEN];
	int n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void rows_add(struct rows *s, const char *state, const char *local, const char *remote)
{
	if (s->n < MAX_ROWS)
		snprintf(s->r[s->n++], ROW_LEN, "%s %s %s", state, local, remote);
}

static bool rows_equal(struct rows *a, struct rows *b)
{
	int i;

	qsort(a->r, a->n, ROW_LEN, cmp_str);
	qsort(b->r, b->n, ROW_LEN, cmp_str);
	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->r[i], b->r[i]))
			return false;
	return true;
}

static void rows_print(const char *what, const struct rows *s)
{
	int i;

	fprintf(stderr, "# %s: %d rows\n", what, s->n);
	for (i = 0; i < s->n; i++)
		fprintf(stderr, "#   %s\n", s->r[i]);
}

/* The port of "a.b.c.d:port". */
static unsigned int port_of(const char *ep)
{
	const char *c = strrchr(ep, ':');

	return c ? strtoul(c + 1, NULL, 10) : 0;
}

/* The procfs rows for which keep(state, local, remote) holds (NULL: all). */
static int proc_rows(struct rows *s, bool (*keep)(const char *, const char *, const char *))
{
	char line[512], l[64], r[64], st[32];
	FILE *f = fopen(TCPALT_PROC_CONNECTIONS, "r");

	s->n = 0;
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %63s %31s", l, r, st) == 3 && (!keep || keep(st, l, r)))
			rows_add(s, st, l, r);
	fclose(f);
	return s->n;
}

static const char *ss_path(void)
{
	const char *p = getenv("TCPALT_SS");

	return p ? p : "tcpalt-ss";
}

/* Run tcpalt-ss with args; its stdout into buf.  Exit status, or -1. */
static int run_ss(const char *args, char *buf, size_t size)
{
	return tcpalt_run_tool("TCPALT_SS", "tcpalt-ss", args, buf, size);
}

/* Rows of tcpalt-ss's table output (run with -H): State Recv-Q Send-Q Local Peer. */
static int ss_rows(const char *args, struct rows *s)
{
	static char out[1 << 16];
	char cmd[256], *line, *save = NULL, st[32], l[64], r[64];
	long rq, sq;
	int rc;

	snprintf(cmd, sizeof(cmd), "-H %s", args);
	rc = run_ss(cmd, out, sizeof(out));
	s->n = 0;
	if (rc)
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%31s %ld %ld %63s %63s", st, &rq, &sq, l, r) == 5)
			rows_add(s, st, l, r);
	return s->n;
}

/* ---- a small JSON parser: validates, and collects each object's local/remote/state ---- */

struct json {
	const char *p;
	int depth;
	struct rows *rows;	/* objects at depth 2 (inside the top array) go here */
	char local[64], remote[64], state[32];
};

static bool j_value(struct json *j);

static void j_ws(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
		j->p++;
}

/* A string; its text (unescaped only for the plain characters tcpalt uses) into out. */
static bool j_string(struct json *j, char *out, size_t size)
{
	size_t n = 0;
	int i;

	if (*j->p != '"')
		return false;
	for (j->p++; *j->p != '"'; j->p++) {
		char c = *j->p;

		if ((unsigned char)c < 0x20)
			return false;
		if (c == '\\') {
			c = *++j->p;
			if (c == 'u') {
				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)j->p[i]))
						return false;
				j->p += 4;
				c = '?';
			} else if (!strchr("\"\\/bfnrt", c)) {
				return false;
			}
		}
		if (out && n + 1 < size)
			out[n++] = c;
	}
	j->p++;
	if (out)
		out[n] = '\0';
	return true;
}

static bool j_number(struct json *j)
{
	const char *p = j->p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (isdigit((unsigned char)*p))
		while (isdigit((unsigned char)*p))
			p++;
	else
		return false;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	j->p = p;
	return true;
}

static bool j_object(struct json *j)
{
	char key[64], *dst;

	j->p++;
	j->depth++;
	if (j->depth == 2)
		j->local[0] = j->remote[0] = j->state[0] = '\0';
	j_ws(j);
	if (*j->p != '}') {
		for (;;) {
			j_ws(j);
			if (!j_string(j, key, sizeof(key)))
				return false;
			j_ws(j);
			if (*j->p++ != ':')
				return false;
			j_ws(j);
			dst = NULL;
			if (j->depth == 2 && !strcmp(key, "local"))
				dst = j->local;
			else if (j->depth == 2 && !strcmp(key, "remote"))
				dst = j->remote;
			else if (j->depth == 2 && !strcmp(key, "state"))
				dst = j->state;
			if (dst && *j->p == '"') {
				if (!j_string(j, dst, 64))
					return false;
			} else if (!j_value(j)) {
				return false;
			}
			j_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			break;
		}
	}
	if (*j->p++ != '}')
		return false;
	if (j->depth == 2 && j->rows)
		rows_add(j->rows, j->state, j->local, j->remote);
	j->depth--;
	return true;
}

static bool j_array(struct json *j)
{
	j->p++;
	j->depth++;
	j_ws(j);
	if (*j->p != ']') {
		for (;;) {
			j_ws(j);
			if (!j_value(j))
				return false;
			j_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			break;
		}
	}
	if (*j->p++ != ']')
		return false;
	j->depth--;
	return true;
}

static bool j_value(struct json *j)
{
	j_ws(j);
	switch (*j->p) {
	case '{':
		return j_object(j);
	case '[':
		return j_array(j);
	case '"':
		return j_string(j, NULL, 0);
	case 't':
		return !strncmp(j->p, "true", 4) && (j->p += 4);
	case 'f':
		return !strncmp(j->p, "false", 5) && (j->p += 5);
	case 'n':
		return !strncmp(j->p, "null", 4) && (j->p += 4);
	default:
		return j_number(j);
	}
}

/* Is text one valid JSON value (and nothing else)?  Rows of its objects into rows. */
static bool json_valid(const char *text, struct rows *rows)
{
	struct json j = { .p = text, .rows = rows };

	if (rows)
		rows->n = 0;
	if (!j_value(&j))
		return false;
	j_ws(&j);
	return *j.p == '\0';
}

/* ---- the fixture: LISTEN, an ESTABLISHED pair, one TIME-WAIT ---- */

FIXTURE(ss) {
	int family, l, c1, s1;
	struct sockaddr_in srv, c1addr, c2addr;
};

FIXTURE_SETUP(ss)
{
	struct sl_row row;
	socklen_t len = sizeof(struct sockaddr_in);
	int c2, s2;

	ASSERT_EQ(0, sl_netns_lo_up());
	self->family = tcpalt_family();
	self->srv = sl_loopback(PORT);
	self->l = sl_listener(self->family, PORT, 16);
	ASSERT_LE(0, self->l);
	self->c1 = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->c1);
	ASSERT_EQ(0, sl_connect(self->c1, &self->srv, SL_STEP_MS));
	self->s1 = sl_accept(self->l, SL_STEP_MS);
	ASSERT_LE(0, self->s1);
	ASSERT_EQ(0, getsockname(self->c1, (struct sockaddr *)&self->c1addr, &len));

	/* the client closes first, then the server: the client's end stays in TIME-WAIT */
	c2 = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, sl_connect(c2, &self->srv, SL_STEP_MS));
	s2 = sl_accept(self->l, SL_STEP_MS);
	ASSERT_LE(0, s2);
	len = sizeof(self->c2addr);
	ASSERT_EQ(0, getsockname(c2, (struct sockaddr *)&self->c2addr, &len));
	close(c2);
	ASSERT_EQ(0, sl_wait_state(1, &self->c2addr, &self->srv, "FIN-WAIT-2", SL_STEP_MS, &row))
		TH_LOG("client: %s", row.state);
	close(s2);
	ASSERT_EQ(0, sl_wait_state(1, &self->c2addr, &self->srv, "TIME-WAIT", SL_STEP_MS, &row))
		TH_LOG("client: %s", row.state);
	ASSERT_EQ(0, sl_wait_state(1, &self->srv, &self->c2addr, "gone", SL_STEP_MS, &row))
		TH_LOG("server: %s", row.state);
}

FIXTURE_TEARDOWN(ss)
{
	close(self->c1);
	close(self->s1);
	close(self->l);
}

/* Every row's fields start where the header's words start; no trailing blanks. */
TEST_F(ss, columns_aligned)
{
	static char text[1 << 16];
	int off[32], n = 0, rows = 0, i, k;
	char *line, *save = NULL;

	ASSERT_LT(0, tcpalt_read_file(TCPALT_PROC_CONNECTIONS, text, sizeof(text)));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int len = strlen(line);

		ASSERT_NE(' ', line[len - 1]) TH_LOG("trailing blank: '%s'", line);
		for (i = 0, k = 0; i < len; i++) {
			if (line[i] == ' ' || (i && line[i - 1] != ' '))
				continue;
			if (!n || rows == 0) {
				ASSERT_LT(k, 32);
				off[k] = i;
			} else {
				ASSERT_LT(k, n) TH_LOG("extra field in '%s'", line);
				ASSERT_EQ(off[k], i) TH_LOG("field %d of '%s' at %d, header's at %d",
							   k, line, i, off[k]);
			}
			k++;
		}
		if (!n)
			n = k;
		else
			ASSERT_EQ(n, k) TH_LOG("'%s' has %d fields, the header %d", line, k, n);
		rows++;
	}
	EXPECT_EQ(15, n);
	EXPECT_EQ(5, rows);	/* header, listener, the pair, TIME-WAIT */
}

static bool k_listen(const char *st, const char *l, const char *r)
{
	(void)l; (void)r;
	return !strcmp(st, "LISTEN");
}

static bool k_default(const char *st, const char *l, const char *r)
{
	(void)l; (void)r;
	return strcmp(st, "LISTEN") && strcmp(st, "TIME-WAIT") && strcmp(st, "CLOSED") &&
	       strcmp(st, "SYN-RECEIVED");
}

static bool k_tw(const char *st, const char *l, const char *r)
{
	(void)l; (void)r;
	return !strcmp(st, "TIME-WAIT");
}

static bool k_estab_or_listen(const char *st, const char *l, const char *r)
{
	(void)l; (void)r;
	return !strcmp(st, "ESTABLISHED") || !strcmp(st, "LISTEN");
}

static bool k_dport(const char *st, const char *l, const char *r)
{
	(void)st; (void)l;
	return port_of(r) == PORT;
}

static bool k_sport(const char *st, const char *l, const char *r)
{
	(void)st; (void)r;
	return port_of(l) == PORT;
}

static bool k_not_sport(const char *st, const char *l, const char *r)
{
	return !k_sport(st, l, r);
}

static bool k_estab_dport(const char *st, const char *l, const char *r)
{
	return !strcmp(st, "ESTABLISHED") && k_dport(st, l, r);
}

static bool k_none(const char *st, const char *l, const char *r)
{
	(void)st; (void)l; (void)r;
	return false;
}

/* tcpalt-ss lists exactly the procfs rows its options and filter select. */
TEST_F(ss, rows_and_filters)
{
	static const struct {
		const char *args;
		bool (*keep)(const char *, const char *, const char *);
		int want;
	} cases[] = {
		{ "-a", NULL, 4 },
		{ "", k_default, 2 },
		{ "-l", k_listen, 1 },
		{ "state time-wait", k_tw, 1 },
		{ "state TIME-WAIT", k_tw, 1 },
		{ "state established state listening", k_estab_or_listen, 3 },
		{ "-a dport = :8000", k_dport, 2 },
		{ "-a dst 127.0.0.1:8000", k_dport, 2 },
		{ "-a sport = :8000", k_sport, 2 },
		{ "-a sport != :8000", k_not_sport, 2 },
		{ "-a src 127.0.0.1", NULL, 4 },
		{ "-a src 10.0.0.2", k_none, 0 },
		{ "dport == :8000", k_estab_dport, 1 },
		{ "state all dst *:8000", k_dport, 2 },
	};
	struct rows *want = malloc(sizeof(*want)), *got = malloc(sizeof(*got));
	size_t i;

	ASSERT_TRUE(want && got);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(cases[i].want, proc_rows(want, cases[i].keep)) {
			rows_print("procfs", want);
			TH_LOG("fixture rows, for '%s'", cases[i].args);
		}
		ASSERT_LE(0, ss_rows(cases[i].args, got)) TH_LOG("tcpalt-ss %s", cases[i].args);
		EXPECT_TRUE(rows_equal(want, got)) {
			rows_print("procfs", want);
			rows_print("tcpalt-ss", got);
			TH_LOG("tcpalt-ss %s", cases[i].args);
		}
	}
	/* bad usage is exit status 2 */
	EXPECT_EQ(2, run_ss("-H state nosuch 2>/dev/null", (char *)want, sizeof(*want)));
	EXPECT_EQ(2, run_ss("dport = :99999 2>/dev/null", (char *)want, sizeof(*want)));
	free(want);
	free(got);
}

/* -j is valid JSON with the same rows; -s -j and --diagram ... are valid too. */
TEST_F(ss, json)
{
	static char out[1 << 16];
	struct rows *want = malloc(sizeof(*want)), *got = malloc(sizeof(*got));

	ASSERT_TRUE(want && got);
	/* the parser itself: it must refuse what is not JSON */
	EXPECT_TRUE(json_valid("[{\"a\": -1.5e3, \"b\": [true, false, null, \"x\\\"\"]}]", NULL));
	EXPECT_FALSE(json_valid("[{\"a\": 01}]", NULL));
	EXPECT_FALSE(json_valid("[{\"a\": 1,}]", NULL));
	EXPECT_FALSE(json_valid("[{\"a\" 1}]", NULL));
	EXPECT_FALSE(json_valid("[1] [2]", NULL));
	EXPECT_FALSE(json_valid("[\"tab\there\"]", NULL));

	ASSERT_EQ(0, run_ss("-a -j", out, sizeof(out)));
	ASSERT_TRUE(json_valid(out, got)) TH_LOG("not JSON: %s", out);
	ASSERT_EQ(4, proc_rows(want, NULL));
	EXPECT_TRUE(rows_equal(want, got)) {
		rows_print("procfs", want);
		rows_print("tcpalt-ss -j", got);
	}
	ASSERT_EQ(0, run_ss("-j state time-wait", out, sizeof(out)));
	ASSERT_TRUE(json_valid(out, got)) TH_LOG("not JSON: %s", out);
	EXPECT_EQ(1, got->n);
	ASSERT_EQ(0, run_ss("-j src 10.9.9.9", out, sizeof(out)));
	EXPECT_TRUE(json_valid(out, got)) TH_LOG("not JSON: %s", out);
	EXPECT_EQ(0, got->n);
	ASSERT_EQ(0, run_ss("-s -j", out, sizeof(out)));
	EXPECT_TRUE(json_valid(out, NULL)) TH_LOG("not JSON: %s", out);
	EXPECT_NE(NULL, strstr(out, "\"ESTABLISHED\": 2"));
	EXPECT_NE(NULL, strstr(out, "\"TIME-WAIT\": 1"));
	free(want);
	free(got);
}

/* -s: per-state counts equal the procfs rows' */
TEST_F(ss, summary)
{
	static char out[1 << 14];
	int count[NSTATES] = { 0 }, seen = 0, total = -1, i, n;
	struct rows *all = malloc(sizeof(*all));
	char *line, *save = NULL, name[32], st[32];

	ASSERT_TRUE(all != NULL);
	ASSERT_EQ(4, proc_rows(all, NULL));
	for (i = 0; i < all->n; i++) {
		ASSERT_EQ(1, sscanf(all->r[i], "%31s", st));
		ASSERT_LE(0, state_index(st));
		count[state_index(st)]++;
	}
	ASSERT_EQ(0, run_ss("-s", out, sizeof(out)));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "Total: %d", &n) == 1)
			total = n;
		if (sscanf(line, " %31s %d", name, &n) == 2 && state_index(name) >= 0) {
			EXPECT_EQ(count[state_index(name)], n) TH_LOG("%s", name);
			seen++;
		}
		if (sscanf(line, " %31s %d", name, &n) == 2 && !strcmp(name, "CurrEstab"))
			EXPECT_EQ(2, n);
		if (sscanf(line, " %31s %d", name, &n) == 2 && !strcmp(name, "TimeWaitEntries"))
			EXPECT_EQ(1, n);
	}
	EXPECT_EQ(4, total);
	EXPECT_EQ(NSTATES, seen);
	free(all);
}

/* -i: a second line per row with the internals the procfs row carries */
TEST_F(ss, info)
{
	static char out[1 << 14];
	char want[128];

	ASSERT_EQ(0, run_ss("-a -i -H", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "timer:(timewait,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " rto:")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " wnd:")) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\n\t rto:");
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
}

/* -w -n: the first snapshot marks every row new, a later one the row whose state changed */
TEST_F(ss, watch)
{
	char cmd[256], line[512], key[128];
	int lines = 0, snaps = 0, starred = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -a -w 20 -n 2", ss_path());
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	snprintf(key, sizeof(key), "127.0.0.1:%u", ntohs(self->c1addr.sin_port));
	while (fgets(line, sizeof(line), p)) {
		if (!strncmp(line, "--- t=", 6)) {
			snaps++;
			continue;
		}
		if (!strncmp(line, "State", 5))
			continue;
		lines++;
		if (snaps == 1) {
			EXPECT_EQ('+', line[0]) TH_LOG("first snapshot: %s", line);
			/* all four rows seen: make a change */
			if (lines == 4)
				close(self->s1);
		} else if (line[0] == '*' && strstr(line, key)) {
			starred++;
		}
	}
	self->s1 = -1;
	EXPECT_EQ(0, pclose(p));
	EXPECT_EQ(2, snaps);
	EXPECT_LE(1, starred) TH_LOG("no '*' row for the connection that changed state");
}

/* ---- /proc/tcpalt/transitions ---- */

struct trans {
	unsigned long long n[NSTATES][NSTATES];
	int lines;
};

static int read_transitions(struct trans *t)
{
	char line[256], from[32], to[32];
	unsigned long long n;
	FILE *f = fopen(TCPALT_PROC_TRANSITIONS, "r");

	memset(t, 0, sizeof(*t));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %31s %llu", from, to, &n) != 3 ||
		    state_index(from) < 0 || state_index(to) < 0) {
			fclose(f);
			return -1;
		}
		t->n[state_index(from)][state_index(to)] = n;
		t->lines++;
	}
	fclose(f);
	return t->lines;
}

static unsigned long long trans_get(const struct trans *t, const char *from, const char *to)
{
	return t->n[state_index(from)][state_index(to)];
}

/*
 * A scripted connection in a fresh namespace: the counts are exactly its transitions.  The
 * client closes first and the server closes once the client is in FIN-WAIT-2 (so no FIN+ACK
 * shortcut): RFC 9293 3.3.2 / 3.6's normal close, with tcpalt's passive side born in
 * SYN-RECEIVED from CLOSED (its listener stays in LISTEN).
 */
TEST(transitions_exact)
{
	static const struct { const char *from, *to; } path[] = {
		{ "CLOSED", "LISTEN" },			/* listen() */
		{ "CLOSED", "SYN-SENT" },		/* connect(): SYN */
		{ "CLOSED", "SYN-RECEIVED" },		/* the listener's new connection */
		{ "SYN-SENT", "ESTABLISHED" },		/* SYN,ACK received */
		{ "SYN-RECEIVED", "ESTABLISHED" },	/* ACK of SYN received */
		{ "ESTABLISHED", "FIN-WAIT-1" },	/* client close(): FIN */
		{ "ESTABLISHED", "CLOSE-WAIT" },	/* server gets the FIN */
		{ "FIN-WAIT-1", "FIN-WAIT-2" },		/* client gets the ACK of its FIN */
		{ "CLOSE-WAIT", "LAST-ACK" },		/* server close(): FIN */
		{ "FIN-WAIT-2", "TIME-WAIT" },		/* client gets the FIN */
		{ "LAST-ACK", "CLOSED" },		/* server gets the ACK of its FIN */
		{ "TIME-WAIT", "CLOSED" },		/* 2MSL later */
		{ "LISTEN", "CLOSED" },			/* the listener's close() */
	};
	struct sockaddr_in srv = sl_loopback(PORT), caddr;
	socklen_t len = sizeof(caddr);
	struct trans t;
	struct sl_row row;
	int fam, l, c, s, i, k, edges;
	unsigned long long want;
	char out[8192];

	ASSERT_EQ(0, sl_netns_lo_up());
	ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_MSL_MS, "100"));
	/* the client's orphan waits in FIN-WAIT-2 for the server's close, however slow */
	ASSERT_EQ(0, sl_write_file(TCPALT_SYSCTL_DIR "/fin_timeout_ms", "20000"));
	fam = tcpalt_family();
	/* a new namespace starts from zero, whatever other namespaces did */
	edges = read_transitions(&t);
	ASSERT_LE(20, edges);
	for (i = 0; i < NSTATES; i++)
		for (k = 0; k < NSTATES; k++)
			ASSERT_EQ(0, t.n[i][k]) TH_LOG("%s -> %s", states[i], states[k]);

	l = sl_listener(fam, PORT, 4);
	ASSERT_LE(0, l);
	c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sl_connect(c, &srv, SL_STEP_MS));
	s = sl_accept(l, SL_STEP_MS);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&caddr, &len));
	close(c);
	ASSERT_EQ(0, sl_wait_state(1, &caddr, &srv, "FIN-WAIT-2", SL_STEP_MS, &row))
		TH_LOG("client: %s", row.state);
	ASSERT_EQ(0, sl_wait_state(1, &srv, &caddr, "CLOSE-WAIT", SL_STEP_MS, &row))
		TH_LOG("server: %s", row.state);
	close(s);
	ASSERT_EQ(0, sl_wait_state(1, &caddr, &srv, "gone", SL_STEP_MS, &row))
		TH_LOG("client (TIME-WAIT of 200 ms): %s", row.state);
	ASSERT_EQ(0, sl_wait_state(1, &srv, &caddr, "gone", SL_STEP_MS, &row))
		TH_LOG("server: %s", row.state);
	close(l);

	ASSERT_EQ(edges, read_transitions(&t));	/* the same set of lines */
	for (i = 0; i < NSTATES; i++) {
		for (k = 0; k < NSTATES; k++) {
			want = 0;
			for (size_t e = 0; e < sizeof(path) / sizeof(path[0]); e++)
				if (!strcmp(path[e].from, states[i]) && !strcmp(path[e].to, states[k]))
					want = 1;
			EXPECT_EQ(want, t.n[i][k]) TH_LOG("%s -> %s", states[i], states[k]);
		}
	}

	/* the diagram shows them: it runs, and its edge list has what the art does not draw */
	ASSERT_EQ(0, run_ss("--diagram", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "ESTABLISHED")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "LISTEN       -> CLOSED       1")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "2MSL timeout 1")) TH_LOG("%s", out);
}

#define CT_THREADS	4
#define CT_EACH		25

static void *ct_connect(void *arg)
{
	struct sockaddr_in srv = sl_loopback(PORT);
	int fam = *(int *)arg, i, c;
	long fails = 0;

	for (i = 0; i < CT_EACH; i++) {
		c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0 || sl_connect(c, &srv, SL_STEP_MS))
			fails++;
		if (c >= 0)
			close(c);
	}
	return (void *)fails;
}

/* Threads on both CPUs connecting at once: no count is lost. */
TEST(transitions_concurrent)
{
	pthread_t th[CT_THREADS];
	struct trans before, after;
	int fam, l, i;
	long long end;
	void *fails;

	ASSERT_EQ(0, sl_netns_lo_up());
	fam = tcpalt_family();
	l = sl_listener(fam, PORT, CT_THREADS * CT_EACH + 16);
	ASSERT_LE(0, l);
	ASSERT_LT(0, read_transitions(&before));
	for (i = 0; i < CT_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, ct_connect, &fam));
	for (i = 0; i < CT_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &fails));
		ASSERT_EQ(0, (long)fails);
	}
	/* the passive ends' last ACK may still be in flight on another CPU */
	end = sl_now_ms() + SL_STEP_MS;
	do {
		ASSERT_LT(0, read_transitions(&after));
	} while (trans_get(&after, "SYN-RECEIVED", "ESTABLISHED") <
		 trans_get(&before, "SYN-RECEIVED", "ESTABLISHED") + CT_THREADS * CT_EACH &&
		 sl_now_ms() < end && (sl_sleep_ms(10), 1));
	EXPECT_EQ(CT_THREADS * CT_EACH, trans_get(&after, "CLOSED", "SYN-SENT") -
					trans_get(&before, "CLOSED", "SYN-SENT"));
	EXPECT_EQ(CT_THREADS * CT_EACH, trans_get(&after, "SYN-SENT", "ESTABLISHED") -
					trans_get(&before, "SYN-SENT", "ESTABLISHED"));
	EXPECT_EQ(CT_THREADS * CT_EACH, trans_get(&after, "CLOSED", "SYN-RECEIVED") -
					trans_get(&before, "CLOSED", "SYN-RECEIVED"));
	EXPECT_EQ(CT_THREADS * CT_EACH, trans_get(&after, "SYN-RECEIVED", "ESTABLISHED") -
					trans_get(&before, "SYN-RECEIVED", "ESTABLISHED"));
	EXPECT_EQ(CT_THREADS * CT_EACH, trans_get(&after, "ESTABLISHED", "FIN-WAIT-1") -
					trans_get(&before, "ESTABLISHED", "FIN-WAIT-1"));
	close(l);
}

TEST_HARNESS_MAIN
