// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-ss: an ss(8)-like view of tcpalt's connections, read from /proc/tcpalt/connections,
 * /proc/tcpalt/stats and /proc/tcpalt/transitions (docs/interfaces.md, docs/man/tcpalt-ss.8).
 *
 * Columns are found by their header word, not by position, so a column added to the procfs
 * view later does not break the tool.  Run as tcpalt-watch (a link made by the Makefile) it
 * behaves as the old tcpalt-watch: the raw file each time it changes.
 *
 * Exit status: 0 on success, 1 when a /proc file cannot be read, 2 on bad usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tcpalt_tool.h"

#define PROG		"tcpalt-ss"
#define MAX_COLS	32
#define MAX_FILTERS	16

/* RFC 9293 states, in the order summaries list them; bit i of a state mask is states[i]. */
static const char *const states[] = {
	"LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT", "CLOSED",
};

#define NSTATES		(int)(sizeof(states) / sizeof(states[0]))
#define ST(i)		(1u << (i))
#define ST_ALL		((1u << NSTATES) - 1)
enum { S_LISTEN, S_SYN_SENT, S_SYN_RECV, S_ESTAB, S_FW1, S_FW2, S_CLOSE_WAIT, S_CLOSING,
	S_LAST_ACK, S_TIME_WAIT, S_CLOSED };
/* ss's default: connected sockets, without LISTEN, CLOSED, TIME-WAIT and SYN-RECEIVED. */
#define ST_DEFAULT	(ST_ALL & ~(ST(S_LISTEN) | ST(S_CLOSED) | ST(S_TIME_WAIT) | ST(S_SYN_RECV)))
#define ST_CONNECTED	(ST_ALL & ~(ST(S_LISTEN) | ST(S_CLOSED)))
#define ST_SYNCHRONIZED	(ST_CONNECTED & ~ST(S_SYN_SENT))

/* ss's names for the states, accepted after "state" besides the RFC's. */
static const struct { const char *name; unsigned int mask; } state_words[] = {
	{ "all", ST_ALL }, { "connected", ST_CONNECTED }, { "synchronized", ST_SYNCHRONIZED },
	{ "established", ST(S_ESTAB) }, { "syn-sent", ST(S_SYN_SENT) },
	{ "syn-recv", ST(S_SYN_RECV) }, { "fin-wait-1", ST(S_FW1) }, { "fin-wait-2", ST(S_FW2) },
	{ "time-wait", ST(S_TIME_WAIT) }, { "closed", ST(S_CLOSED) },
	{ "close-wait", ST(S_CLOSE_WAIT) }, { "last-ack", ST(S_LAST_ACK) },
	{ "listening", ST(S_LISTEN) }, { "closing", ST(S_CLOSING) },
};

/* One row: the text of each column, named by the header. */
struct row {
	char *col[MAX_COLS];
	int state;		/* index in states[], -1 if unknown */
	unsigned int laddr, raddr;	/* host order */
	unsigned int lport, rport;
	char key[64];		/* local remote inode: identifies the row between reads */
};

struct table {
	char *text;
	char *names[MAX_COLS];
	int ncols;
	struct row *rows;
	int nrows;
};

/* An address/port filter: FIELD OP VALUE, all ANDed. */
struct filter {
	enum { F_SPORT, F_DPORT, F_SRC, F_DST } field;
	bool neg;
	bool any_addr;		/* "*" */
	unsigned int addr;	/* host order */
	int port;		/* -1: any */
};

static struct {
	unsigned int states;
	bool states_given;
	struct filter f[MAX_FILTERS];
	int nf;
	bool info, json, summary, diagram, header;
	long watch_ms, count;
} opt = { .states = ST_DEFAULT, .header = true, .count = -1 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [-a|-l] [-i] [-j] [-H] [-s] [-w MS [-n COUNT]] [--diagram]\n"
		"                 [state STATE]... [FILTER]...\n"
		"Show tcpalt connections from " TCPALT_PROC_CONNECTIONS ".\n"
		"  -a, --all          all rows (default: connected, without LISTEN, SYN-RECEIVED,\n"
		"                     TIME-WAIT and CLOSED, as ss)\n"
		"  -l, --listening    listeners only\n"
		"  -i, --info         a second line per row with timer, rto, window, sequence numbers\n"
		"  -s, --summary      counts per state and the main counters of " TCPALT_PROC_STATS "\n"
		"  -j, --json         JSON instead of columns (with -s: the summary)\n"
		"  -H, --no-header    no header line\n"
		"  -w, --watch MS     re-read every MS ms; print when rows change, marking new rows\n"
		"                     '+', rows whose state changed '*', rows gone '-'\n"
		"  -n, --count N      with -w: stop after N snapshots\n"
		"  -D, --diagram      the RFC 9293 state diagram: connections per state, transitions\n"
		"                     taken per edge (" TCPALT_PROC_TRANSITIONS ")\n"
		"  -t, -4             accepted and ignored (tcpalt is TCP over IPv4 only)\n"
		"  -h, --help         this text\n"
		"STATE: an RFC 9293 name (ESTABLISHED, TIME-WAIT, ...) or ss's (established,\n"
		"  syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait,\n"
		"  last-ack, listening, closing, all, connected, synchronized); repeat to add.\n"
		"FILTER: sport OP :PORT, dport OP :PORT, src ADDR[:PORT], dst ADDR[:PORT]\n"
		"  (OP: = == eq != ne; ADDR: a.b.c.d or *); filters are ANDed.\n");
}

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (" PROG " --help)\n");
	exit(2);
}

/* ---- reading the files ---- */

static char *read_file(const char *path)
{
	size_t len = 0, size = 65536;
	char *buf = malloc(size), *nb;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	while ((n = fread(buf + len, 1, size - 1 - len, f)) > 0) {
		len += n;
		if (size - 1 - len == 0) {
			size *= 2;
			nb = realloc(buf, size);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int split(char *line, char **col, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		col[n++] = t;
	return n;
}

static int state_index(const char *name)
{
	int i;

	for (i = 0; i < NSTATES; i++)
		if (!strcmp(name, states[i]))
			return i;
	return -1;
}

static int column(const struct table *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->names[i], name))
			return i;
	return -1;
}

static const char *field(const struct table *t, const struct row *r, const char *name)
{
	int i = column(t, name);

	return i < 0 ? "" : r->col[i];
}

/* "a.b.c.d:port" into host-order address and port; false if malformed. */
static bool parse_endpoint(const char *s, unsigned int *addr, unsigned int *port)
{
	char ip[32];
	const char *colon = strrchr(s, ':');
	struct in_addr a;

	if (!colon || colon - s >= (long)sizeof(ip))
		return false;
	memcpy(ip, s, colon - s);
	ip[colon - s] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	*port = strtoul(colon + 1, NULL, 10);
	return true;
}

static void table_free(struct table *t)
{
	free(t->text);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* Read and parse the connections file; false (errno set) when it cannot be read. */
static bool table_read(struct table *t)
{
	char *line, *nl, *save = NULL;
	int cap = 64;

	memset(t, 0, sizeof(*t));
	t->text = read_file(TCPALT_PROC_CONNECTIONS);
	if (!t->text)
		return false;
	t->rows = calloc(cap, sizeof(*t->rows));
	line = strtok_r(t->text, "\n", &save);
	if (!line || !t->rows) {
		table_free(t);
		errno = EINVAL;
		return false;
	}
	t->ncols = split(line, t->names, MAX_COLS);
	while ((nl = strtok_r(NULL, "\n", &save))) {
		struct row *r;

		if (t->nrows == cap) {
			struct row *nr = realloc(t->rows, 2 * cap * sizeof(*nr));

			if (!nr)
				break;
			t->rows = nr;
			cap *= 2;
		}
		r = &t->rows[t->nrows];
		memset(r, 0, sizeof(*r));
		if (split(nl, r->col, MAX_COLS) != t->ncols)
			continue;
		t->nrows++;
		r->state = state_index(field(t, r, "state"));
		parse_endpoint(field(t, r, "local"), &r->laddr, &r->lport);
		parse_endpoint(field(t, r, "remote"), &r->raddr, &r->rport);
		snprintf(r->key, sizeof(r->key), "%s %s %s", field(t, r, "local"),
			 field(t, r, "remote"), field(t, r, "inode"));
	}
	return true;
}

/* ---- filters ---- */

static bool filter_match(const struct filter *f, const struct row *r)
{
	bool m = true;

	switch (f->field) {
	case F_SPORT:
		m = r->lport == (unsigned int)f->port;
		break;
	case F_DPORT:
		m = r->rport == (unsigned int)f->port;
		break;
	case F_SRC:
		m = (f->any_addr || r->laddr == f->addr) &&
		    (f->port < 0 || r->lport == (unsigned int)f->port);
		break;
	case F_DST:
		m = (f->any_addr || r->raddr == f->addr) &&
		    (f->port < 0 || r->rport == (unsigned int)f->port);
		break;
	}
	return m != f->neg;
}

static bool row_shown(const struct row *r)
{
	int i;

	if (r->state < 0 || !(opt.states & ST(r->state)))
		return false;
	for (i = 0; i < opt.nf; i++)
		if (!filter_match(&opt.f[i], r))
			return false;
	return true;
}

static int parse_port(const char *s)
{
	char *end;
	long p;

	if (*s == ':')
		s++;
	if (!strcmp(s, "*"))
		return -1;
	p = strtol(s, &end, 10);
	if (end == s || *end || p < 0 || p > 65535)
		die_usage("bad port '%s'", s);
	return p;
}

/* ADDR[:PORT], ADDR a.b.c.d or "*" */
static void parse_addr(const char *s, struct filter *f)
{
	char ip[32];
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	struct in_addr a;

	if (len >= sizeof(ip))
		die_usage("bad address '%s'", s);
	memcpy(ip, s, len);
	ip[len] = '\0';
	f->port = colon ? parse_port(colon) : -1;
	if (!strcmp(ip, "*") || !len) {
		f->any_addr = true;
		return;
	}
	if (inet_pton(AF_INET, ip, &a) != 1)
		die_usage("bad address '%s' (IPv4 a.b.c.d or *)", s);
	f->addr = ntohl(a.s_addr);
}

/* The words after the options: state STATE..., exclude STATE, FIELD [OP] VALUE... */
static void parse_expr(int argc, char **argv)
{
	int i = 0, j;

	while (i < argc) {
		const char *w = argv[i];

		if (!strcmp(w, "state") || !strcmp(w, "exclude")) {
			unsigned int mask = 0;
			int s;

			if (i + 1 >= argc)
				die_usage("'%s' needs a state", w);
			s = state_index(argv[i + 1]);
			if (s < 0) {
				for (j = 0; j < (int)(sizeof(state_words) / sizeof(state_words[0]));
				     j++)
					if (!strcasecmp(argv[i + 1], state_words[j].name))
						mask = state_words[j].mask;
				for (j = 0; !mask && j < NSTATES; j++)
					if (!strcasecmp(argv[i + 1], states[j]))
						mask = ST(j);
			} else {
				mask = ST(s);
			}
			if (!mask)
				die_usage("unknown state '%s'", argv[i + 1]);
			if (!strcmp(w, "exclude")) {
				if (!opt.states_given)
					opt.states = ST_ALL;
				opt.states &= ~mask;
			} else {
				if (!opt.states_given)
					opt.states = 0;
				opt.states |= mask;
			}
			opt.states_given = true;
			i += 2;
			continue;
		}
		if (!strcmp(w, "sport") || !strcmp(w, "dport") || !strcmp(w, "src") ||
		    !strcmp(w, "dst")) {
			struct filter *f = &opt.f[opt.nf];
			const char *val;

			if (opt.nf == MAX_FILTERS)
				die_usage("more than %s filters", "16");
			memset(f, 0, sizeof(*f));
			f->field = w[0] == 's' ? (w[1] == 'p' ? F_SPORT : F_SRC) :
						 (w[1] == 'p' ? F_DPORT : F_DST);
			if (i + 1 >= argc)
				die_usage("'%s' needs a value", w);
			val = argv[i + 1];
			i += 2;
			if (!strcmp(val, "=") || !strcmp(val, "==") || !strcmp(val, "eq") ||
			    !strcmp(val, "!=") || !strcmp(val, "ne")) {
				f->neg = val[0] == '!' || val[0] == 'n';
				if (i >= argc)
					die_usage("'%s' needs a value", w);
				val = argv[i++];
			}
			if (f->field == F_SPORT || f->field == F_DPORT) {
				f->port = parse_port(val);
				if (f->port < 0)	/* ":*" matches every port */
					continue;
			} else {
				parse_addr(val, f);
			}
			opt.nf++;
			continue;
		}
		die_usage("unknown filter word '%s'", w);
	}
}

/* ---- output ---- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static bool is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	/* JSON numbers have no leading zeros */
	if (s[0] == '0' && s[1])
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void json_row(const struct table *t, const struct row *r)
{
	int i;

	printf("{");
	for (i = 0; i < t->ncols; i++) {
		printf("%s", i ? ", " : "");
		json_str(t->names[i]);
		printf(": ");
		if (is_number(r->col[i]))
			printf("%s", r->col[i]);
		else
			json_str(r->col[i]);
	}
	printf(", \"local_port\": %u, \"remote_port\": %u}", r->lport, r->rport);
}

static void print_header(void)
{
	if (opt.header)
		printf("%-13s %-8s %-8s %-22s %s\n", "State", "Recv-Q", "Send-Q",
		       "Local Address:Port", "Peer Address:Port");
}

static void print_row(const struct table *t, const struct row *r, char mark)
{
	if (mark)
		printf("%c", mark);
	printf("%-*s %-8s %-8s %-22s %s\n", mark ? 12 : 13, field(t, r, "state"),
	       field(t, r, "recvq"), field(t, r, "sendq"), field(t, r, "local"),
	       field(t, r, "remote"));
	if (opt.info) {
		const char *timer = field(t, r, "timer");

		printf("\t");
		if (strcmp(timer, "-"))
			printf(" timer:(%s,%sms)", timer, field(t, r, "ms_left"));
		printf(" rto:%s wnd:%s retrans:%s snd_una:%s snd_nxt:%s rcv_nxt:%s uid:%s ino:%s\n",
		       field(t, r, "rto"), field(t, r, "wnd"), field(t, r, "retrans"),
		       field(t, r, "snd_una"), field(t, r, "snd_nxt"), field(t, r, "rcv_nxt"),
		       field(t, r, "uid"), field(t, r, "inode"));
	}
}

static void show_table(const struct table *t)
{
	int i, n = 0;

	if (opt.json) {
		printf("[");
		for (i = 0; i < t->nrows; i++) {
			if (!row_shown(&t->rows[i]))
				continue;
			printf("%s\n  ", n++ ? "," : "");
			json_row(t, &t->rows[i]);
		}
		printf("%s]\n", n ? "\n" : "");
		return;
	}
	print_header();
	for (i = 0; i < t->nrows; i++)
		if (row_shown(&t->rows[i]))
			print_row(t, &t->rows[i], 0);
}

/* "Name value" lines of the stats file: the value of name, or -1. */
static long long stat_value(const char *stats, const char *name)
{
	size_t len = strlen(name);
	const char *p = stats;

	while (p && *p) {
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static const char *const key_counters[] = {
	"CurrEstab", "TimeWaitEntries", "ActiveOpens", "PassiveOpens", "AttemptFails",
	"EstabResets", "InSegs", "OutSegs", "RetransSegs", "InErrs", "OutRsts", "Timeouts",
	"ListenOverflows",
};

static int show_summary(const struct table *t)
{
	int count[NSTATES] = { 0 }, total = 0, i;
	char *stats = read_file(TCPALT_PROC_STATS);

	if (!stats) {
		fprintf(stderr, PROG ": %s: %s\n", TCPALT_PROC_STATS, strerror(errno));
		return 1;
	}
	for (i = 0; i < t->nrows; i++) {
		if (t->rows[i].state >= 0) {
			count[t->rows[i].state]++;
			total++;
		}
	}
	if (opt.json) {
		printf("{\"total\": %d, \"states\": {", total);
		for (i = 0; i < NSTATES; i++)
			printf("%s\"%s\": %d", i ? ", " : "", states[i], count[i]);
		printf("}, \"counters\": {");
		for (i = 0; i < (int)(sizeof(key_counters) / sizeof(key_counters[0])); i++)
			printf("%s\"%s\": %lld", i ? ", " : "", key_counters[i],
			       stat_value(stats, key_counters[i]));
		printf("}}\n");
	} else {
		printf("Total: %d\n", total);
		for (i = 0; i < NSTATES; i++)
			printf("  %-14s %d\n", states[i], count[i]);
		printf("Counters:\n");
		for (i = 0; i < (int)(sizeof(key_counters) / sizeof(key_counters[0])); i++)
			printf("  %-16s %lld\n", key_counters[i], stat_value(stats, key_counters[i]));
	}
	free(stats);
	return 0;
}

/* ---- watch ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct row *find_key(const struct table *t, const char *key)
{
	int i;

	for (i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].key, key))
			return &t->rows[i];
	return NULL;
}

/* Print the shown rows of cur marked against prev; true if anything differs. */
static bool diff_tables(const struct table *prev, const struct table *cur, bool print)
{
	bool changed = false;
	int i;

	for (i = 0; i < cur->nrows; i++) {
		const struct row *r = &cur->rows[i], *p;
		char mark = ' ';

		if (!row_shown(r))
			continue;
		p = find_key(prev, r->key);
		if (!p || !row_shown(p))
			mark = '+';
		else if (p->state != r->state)
			mark = '*';
		if (mark != ' ')
			changed = true;
		if (print) {
			if (mark != ' ' && isatty(STDOUT_FILENO))
				printf("\033[1m");
			print_row(cur, r, mark);
			if (mark != ' ' && isatty(STDOUT_FILENO))
				printf("\033[0m");
		}
	}
	for (i = 0; i < prev->nrows; i++) {
		const struct row *p = &prev->rows[i], *r;

		if (!row_shown(p))
			continue;
		r = find_key(cur, p->key);
		if (r && row_shown(r))
			continue;
		changed = true;
		if (print)
			print_row(prev, p, '-');
	}
	return changed;
}

static int watch(void)
{
	struct table prev = { 0 }, cur;
	double start = now();
	long shown = 0;
	bool first = true;

	while (opt.count < 0 || shown < opt.count) {
		if (!table_read(&cur)) {
			fprintf(stderr, PROG ": %s: %s\n", TCPALT_PROC_CONNECTIONS,
				strerror(errno));
			table_free(&prev);
			return 1;
		}
		if (first || diff_tables(&prev, &cur, false)) {
			printf("--- t=%.3fs\n", now() - start);
			print_header();
			diff_tables(&prev, &cur, true);
			fflush(stdout);
			shown++;
			first = false;
		}
		table_free(&prev);
		prev = cur;
		if (opt.count >= 0 && shown >= opt.count)
			break;
		usleep(opt.watch_ms * 1000);
	}
	table_free(&prev);
	return 0;
}

/* The old tcpalt-watch: the raw file whenever it changes. */
static int watch_compat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long interval = 10, count = -1, shown = 0;
	double seconds = -1, start;
	char *cur, *prev = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "i:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interval = tool_arg("tcpalt-watch", "interval", optarg, 1, 3600000);
			break;
		case 'n':
			count = tool_arg("tcpalt-watch", "count", optarg, 0, LONG_MAX);
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'h':
			printf("usage: tcpalt-watch [--interval MS] [--count N] [--seconds S]\n"
			       "Print " TCPALT_PROC_CONNECTIONS " whenever its contents change\n"
			       "(tcpalt-ss -a -w MS marks what changed).\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc)
		return 2;
	start = now();
	while (count < 0 || shown < count) {
		cur = read_file(TCPALT_PROC_CONNECTIONS);
		if (!cur) {
			fprintf(stderr, "tcpalt-watch: %s: %s\n", TCPALT_PROC_CONNECTIONS,
				strerror(errno));
			free(prev);
			return 1;
		}
		if (!prev || strcmp(cur, prev)) {
			printf("--- t=%.3fs\n%s", now() - start, cur);
			fflush(stdout);
			shown++;
		}
		free(prev);
		prev = cur;
		if (seconds >= 0 && now() - start >= seconds)
			break;
		usleep(interval * 1000);
	}
	free(prev);
	return 0;
}

/* ---- the diagram ---- */

/*
 * RFC 9293 3.3.2's diagram, redrawn with tcpalt's model (a passively opened connection is
 * born in SYN-RECEIVED; its listener stays in LISTEN).  {XY} is replaced by four characters:
 * two capitals, the connections now in that state; otherwise an edge's transition count.
 */
static const char *const art[] = {
	"                              +------------------+",
	"                              |  CLOSED     {CL} |",
	"                              +------------------+",
	"          passive open {lo}  /         |          \\  rcv SYN on a listener {ch}",
	"                            /          | active    \\   (a new connection)",
	"                           v           | open {so}  v",
	" +------------------+  +------------------+ rcv SYN +--------------------+",
	" |  LISTEN     {LI} |  |  SYN-SENT   {SS} |--{sr}-->| SYN-RECEIVED  {SR} |",
	" +------------------+  +------------------+         +--------------------+",
	"                          | rcv SYN,ACK {se}          | rcv ACK of SYN {re}",
	"                          v                           v",
	"   +-------------------------------------------------------------------------+",
	"   |                           ESTABLISHED  {ES}                             |",
	"   +-------------------------------------------------------------------------+",
	"     | close, snd FIN {ef}                                       | rcv FIN {ec}",
	"     v                                                           v",
	" +------------------+  rcv FIN {1c}    +------------------+   +------------------+",
	" | FIN-WAIT-1  {F1} |----------------->|  CLOSING    {CG} |   | CLOSE-WAIT  {CW} |",
	" +------------------+                  +------------------+   +------------------+",
	"   | rcv ACK of FIN {12}  \\ rcv FIN+ACK  | rcv ACK of         | close, snd FIN {cl}",
	"   |                       \\ {1t}        | FIN {gt}           |",
	"   v                        \\            v                    v",
	" +------------------+  rcv FIN {2t}    +------------------+   +------------------+",
	" | FIN-WAIT-2  {F2} |----------------->|  TIME-WAIT  {TW} |   |  LAST-ACK   {LA} |",
	" +------------------+                  +------------------+   +------------------+",
	"                                         | 2MSL timeout {tc}    | rcv ACK of FIN {lc}",
	"                                         v                      v",
	"                                       CLOSED                 CLOSED",
};

static const struct { const char code[3]; int from, to; } art_edges[] = {
	{ "lo", S_CLOSED, S_LISTEN }, { "so", S_CLOSED, S_SYN_SENT },
	{ "ch", S_CLOSED, S_SYN_RECV }, { "sr", S_SYN_SENT, S_SYN_RECV },
	{ "se", S_SYN_SENT, S_ESTAB }, { "re", S_SYN_RECV, S_ESTAB },
	{ "ef", S_ESTAB, S_FW1 }, { "ec", S_ESTAB, S_CLOSE_WAIT },
	{ "12", S_FW1, S_FW2 }, { "1c", S_FW1, S_CLOSING }, { "1t", S_FW1, S_TIME_WAIT },
	{ "cl", S_CLOSE_WAIT, S_LAST_ACK }, { "lc", S_LAST_ACK, S_CLOSED },
	{ "2t", S_FW2, S_TIME_WAIT }, { "gt", S_CLOSING, S_TIME_WAIT },
	{ "tc", S_TIME_WAIT, S_CLOSED },
};

static const struct { const char code[3]; int state; } art_states[] = {
	{ "CL", S_CLOSED }, { "LI", S_LISTEN }, { "SS", S_SYN_SENT }, { "SR", S_SYN_RECV },
	{ "ES", S_ESTAB }, { "F1", S_FW1 }, { "F2", S_FW2 }, { "CW", S_CLOSE_WAIT },
	{ "CG", S_CLOSING }, { "LA", S_LAST_ACK }, { "TW", S_TIME_WAIT },
};

#define NART_EDGES (int)(sizeof(art_edges) / sizeof(art_edges[0]))

/* A count in four columns: 0-9999, then 10k-999k, then 1M-999M, then "big!". */
static void four(char *out, unsigned long long v)
{
	char buf[16];

	if (v < 10000)
		snprintf(buf, sizeof(buf), "%llu", v);
	else if (v < 1000000)
		snprintf(buf, sizeof(buf), "%lluk", v / 1000);
	else if (v < 1000000000)
		snprintf(buf, sizeof(buf), "%lluM", v / 1000000);
	else
		snprintf(buf, sizeof(buf), "big!");
	memset(out, ' ', 4);
	memcpy(out, buf, strnlen(buf, 4));
	out[4] = '\0';
}

static int show_diagram(const struct table *t)
{
	unsigned long long trans[NSTATES][NSTATES] = { { 0 } };
	bool known[NSTATES][NSTATES] = { { false } };
	int count[NSTATES] = { 0 }, i, j, from, to, others = 0;
	char *text = read_file(TCPALT_PROC_TRANSITIONS), *line, *save = NULL;

	if (!text) {
		fprintf(stderr, PROG ": %s: %s\n", TCPALT_PROC_TRANSITIONS, strerror(errno));
		return 1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *col[3];

		if (split(line, col, 3) != 3)
			continue;
		from = state_index(col[0]);
		to = state_index(col[1]);
		if (from < 0 || to < 0)
			continue;
		trans[from][to] = strtoull(col[2], NULL, 10);
		known[from][to] = true;
	}
	free(text);
	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].state >= 0)
			count[t->rows[i].state]++;

	printf("tcpalt connections now in each state, and transitions taken since load\n"
	       "(this network namespace; " TCPALT_PROC_TRANSITIONS ")\n\n");
	for (i = 0; i < (int)(sizeof(art) / sizeof(art[0])); i++) {
		char out[256], *p;

		snprintf(out, sizeof(out), "%s", art[i]);
		while ((p = strchr(out, '{')) && p[3] == '}') {
			char code[3] = { p[1], p[2], '\0' }, val[5] = "?   ";

			for (j = 0; j < (int)(sizeof(art_states) / sizeof(art_states[0])); j++)
				if (!strcmp(code, art_states[j].code))
					four(val, count[art_states[j].state]);
			for (j = 0; j < NART_EDGES; j++)
				if (!strcmp(code, art_edges[j].code))
					four(val, trans[art_edges[j].from][art_edges[j].to]);
			memcpy(p, val, 4);
		}
		for (j = strlen(out); j > 0 && out[j - 1] == ' '; j--)
			out[j - 1] = '\0';
		printf("%s\n", out);
	}
	/* Every other edge: the closes, resets, timeouts and aborts into CLOSED, and the rest. */
	for (from = 0; from < NSTATES; from++) {
		for (to = 0; to < NSTATES; to++) {
			if (!known[from][to])
				continue;
			for (j = 0; j < NART_EDGES; j++)
				if (art_edges[j].from == from && art_edges[j].to == to)
					break;
			if (j < NART_EDGES)
				continue;
			if (!others++)
				printf("\nother transitions (close, RST, timeout, abort):\n");
			printf("  %-12s -> %-12s %llu\n", states[from], states[to], trans[from][to]);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "listening", no_argument, NULL, 'l' },
		{ "info", no_argument, NULL, 'i' },
		{ "summary", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "diagram", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *base = strrchr(argv[0], '/');
	struct table t;
	int c, rc;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "tcpalt-watch"))
		return watch_compat(argc, argv);
	while ((c = getopt_long(argc, argv, "+alisjHw:n:Dht4", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			opt.states = ST_ALL;
			break;
		case 'l':
			opt.states = ST(S_LISTEN);
			break;
		case 'i':
			opt.info = true;
			break;
		case 's':
			opt.summary = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'H':
			opt.header = false;
			break;
		case 'w':
			opt.watch_ms = tool_arg(PROG, "watch", optarg, 1, 3600000);
			break;
		case 'n':
			opt.count = tool_arg(PROG, "count", optarg, 0, LONG_MAX);
			break;
		case 'D':
			opt.diagram = true;
			break;
		case 't':
		case '4':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	parse_expr(argc - optind, argv + optind);
	if (opt.watch_ms && (opt.json || opt.summary || opt.diagram))
		die_usage("%s", "-w does not combine with -j, -s or --diagram");
	if (opt.watch_ms)
		return watch();
	if (!table_read(&t)) {
		fprintf(stderr, PROG ": %s: %s\n", TCPALT_PROC_CONNECTIONS, strerror(errno));
		return 1;
	}
	if (opt.diagram)
		rc = show_diagram(&t);
	else if (opt.summary)
		rc = show_summary(&t);
	else {
		show_table(&t);
		rc = 0;
	}
	table_free(&t);
	return fflush(stdout) ? 1 : rc;
}
