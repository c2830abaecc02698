// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt-trace: the tcpalt:tcpalt_set_state (and tcpalt:tcpalt_cwnd) trace events as a
 * timeline per connection and, with --svg, a ladder diagram with both ends of each connection.
 *
 *   tcpalt-trace [-p PORT] [--cwnd] [--svg FILE] [TRACEFILE|-]
 *   tcpalt-trace [-p PORT] [--cwnd] [--svg FILE] [-o RAWFILE] record -- CMD [ARG]...
 *
 * The input is the text of tracefs's "trace" file.  Each event line is parsed after its
 * "tcpalt_set_state: " / "tcpalt_cwnd: " tag, as module/tcpalt_trace.h's TP_printk writes it:
 *   sk=%p %pI4:%u %pI4:%u %s -> %s
 *   sk=%p %pI4:%u %pI4:%u cwnd=%u (%u segs) ssthresh=%u (%u segs) mss=%u srtt_us=%u
 *       ca_state=%s in_flight=%u [snd_wnd=%u]
 * and the timestamp is the word before the tag ("  6.334465: tcpalt_cwnd: ...").
 *
 * Exit status: 0 on success; 1 when the trace cannot be read or tracefs cannot be driven;
 * 2 on bad usage; 3 when the recorded command failed (the events are still printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpalt_tool.h"

#define PROG "tcpalt-trace"

/* One event: a state change or a cwnd sample. */
struct event {
	int64_t ns;		/* timestamp, ns */
	char local[24];		/* a.b.c.d:port */
	char remote[24];
	int lport, rport;
	int is_cwnd;
	char from[16], to[16];	/* state names (set_state) */
	unsigned int cwnd_segs, ssthresh_segs, srtt_us, in_flight;	/* cwnd */
	char ca_state[16];
};

/* The events of one connection: one 4-tuple from its first state change to CLOSED. */
struct conn {
	char local[24], remote[24];
	int *ev;		/* indices into events[] */
	int nev, cap;
	int closed;		/* last state change went to CLOSED */
	int peer;		/* index of the other end in conns[], or -1 */
};

static struct event *events;
static int nevents, cap_events;
static struct conn *conns;
static int nconns, cap_conns;

static int opt_port = -1;
static int opt_cwnd;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	return p;
}

/* "6.334465" -> ns (any number of decimals up to 9). */
static int parse_ts(const char *s, const char *end, int64_t *ns)
{
	int64_t sec = 0, frac = 0;
	int digits = 0;

	if (s == end)
		return -1;
	while (s < end && *s >= '0' && *s <= '9')
		sec = sec * 10 + (*s++ - '0');
	if (s < end && *s == '.') {
		s++;
		while (s < end && *s >= '0' && *s <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
			s++;
		}
	}
	if (s != end)
		return -1;
	while (digits++ < 9)
		frac *= 10;
	*ns = sec * 1000000000LL + frac;
	return 0;
}

/* "a.b.c.d:port" into buf; the port, or -1 when the word is not one. */
static int parse_endpoint(const char *w, char *buf, size_t len)
{
	unsigned int a, b, c, d, port;
	char tail;

	if (sscanf(w, "%u.%u.%u.%u:%u%c", &a, &b, &c, &d, &port, &tail) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || port > 65535)
		return -1;
	snprintf(buf, len, "%u.%u.%u.%u:%u", a, b, c, d, port);
	return (int)port;
}

/*
 * One line of the trace: 1 and *ev filled for a tcpalt event, 0 for anything else (headers,
 * other events), -1 for a tcpalt event that does not parse.
 */
static int parse_line(const char *line, struct event *ev)
{
	static const char *const tags[] = { ": tcpalt_set_state: ", ": tcpalt_cwnd: " };
	char local[32], remote[32], w1[32], w2[32], arrow[8];
	const char *tag = NULL, *p = NULL, *ts;
	int i, n;

	if (line[0] == '#')
		return 0;
	for (i = 0; i < 2 && !tag; i++) {
		tag = strstr(line, tags[i]);
		if (tag) {
			memset(ev, 0, sizeof(*ev));
			ev->is_cwnd = i;
			p = tag + strlen(tags[i]);
		}
	}
	if (!tag)
		return 0;
	/* The timestamp: the word ending where the tag starts. */
	ts = tag;
	while (ts > line && ts[-1] != ' ')
		ts--;
	if (parse_ts(ts, tag, &ev->ns))
		return -1;
	if (sscanf(p, "sk=%*s %31s %31s%n", local, remote, &n) != 2)
		return -1;
	ev->lport = parse_endpoint(local, ev->local, sizeof(ev->local));
	ev->rport = parse_endpoint(remote, ev->remote, sizeof(ev->remote));
	if (ev->lport < 0 || ev->rport < 0)
		return -1;
	p += n;
	if (!ev->is_cwnd) {
		if (sscanf(p, " %31s %7s %31s", w1, arrow, w2) != 3 || strcmp(arrow, "->") ||
		    strlen(w1) >= sizeof(ev->from) || strlen(w2) >= sizeof(ev->to))
			return -1;
		strcpy(ev->from, w1);
		strcpy(ev->to, w2);
		return 1;
	}
	if (sscanf(p, " cwnd=%*u (%u segs) ssthresh=%*u (%u segs) mss=%*u srtt_us=%u "
		   "ca_state=%15s in_flight=%u", &ev->cwnd_segs, &ev->ssthresh_segs,
		   &ev->srtt_us, ev->ca_state, &ev->in_flight) != 5)
		return -1;
	return 1;
}

static int conn_find(const struct event *ev)
{
	int i;

	/* The newest connection of the 4-tuple: a tuple can be used again after CLOSED. */
	for (i = nconns - 1; i >= 0; i--)
		if (!strcmp(conns[i].local, ev->local) && !strcmp(conns[i].remote, ev->remote))
			return i;
	return -1;
}

static void conn_add_event(int idx)
{
	const struct event *ev = &events[idx];
	struct conn *c;
	int i = conn_find(ev);

	/* A state change out of CLOSED on a tuple that had closed starts a new connection. */
	if (i >= 0 && conns[i].closed && !ev->is_cwnd && !strcmp(ev->from, "CLOSED"))
		i = -1;
	if (i < 0) {
		if (ev->is_cwnd && !opt_cwnd)
			return;
		if (nconns == cap_conns) {
			cap_conns = cap_conns ? 2 * cap_conns : 16;
			conns = xrealloc(conns, cap_conns * sizeof(*conns));
		}
		i = nconns++;
		memset(&conns[i], 0, sizeof(conns[i]));
		strcpy(conns[i].local, ev->local);
		strcpy(conns[i].remote, ev->remote);
		conns[i].peer = -1;
	}
	c = &conns[i];
	if (c->nev == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->ev = xrealloc(c->ev, c->cap * sizeof(*c->ev));
	}
	c->ev[c->nev++] = idx;
	if (!ev->is_cwnd)
		c->closed = !strcmp(ev->to, "CLOSED");
}

/* Read a trace; events that pass the port filter into events[].  0, or -1 on a read error. */
static int read_trace(FILE *f, const char *name)
{
	char *line = NULL;
	size_t len = 0;
	long lineno = 0;
	struct event ev;
	int r, bad = 0;

	while (getline(&line, &len, f) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		r = parse_line(line, &ev);
		if (r < 0) {
			if (bad++ < 5)
				fprintf(stderr, PROG ": %s:%ld: cannot parse: %s\n", name, lineno,
					line);
			continue;
		}
		if (!r || (ev.is_cwnd && !opt_cwnd))
			continue;
		if (opt_port >= 0 && ev.lport != opt_port && ev.rport != opt_port)
			continue;
		if (nevents == cap_events) {
			cap_events = cap_events ? 2 * cap_events : 256;
			events = xrealloc(events, cap_events * sizeof(*events));
		}
		events[nevents++] = ev;
	}
	free(line);
	if (ferror(f)) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

static double ms_since_start(int64_t ns)
{
	return (double)(ns - events[0].ns) / 1e6;
}

static void print_timeline(void)
{
	int i, j;

	for (i = 0; i < nconns; i++) {
		const struct conn *c = &conns[i];

		printf("%s%s -> %s\n", i ? "\n" : "", c->local, c->remote);
		for (j = 0; j < c->nev; j++) {
			const struct event *ev = &events[c->ev[j]];

			if (ev->is_cwnd)
				printf("%12.3f ms  cwnd %u segs, ssthresh %u segs, srtt %u us, %s, in flight %u\n",
				       ms_since_start(ev->ns), ev->cwnd_segs, ev->ssthresh_segs,
				       ev->srtt_us, ev->ca_state, ev->in_flight);
			else
				printf("%12.3f ms  %s -> %s\n", ms_since_start(ev->ns), ev->from,
				       ev->to);
		}
	}
}

/*
 * Pair the two ends of each connection: a connection whose 4-tuple is another's swapped,
 * their lives overlapping (the first events of the pair are the nearest such).
 */
static void pair_conns(void)
{
	int i, j;

	for (i = 0; i < nconns; i++) {
		if (conns[i].peer >= 0 || !strcmp(conns[i].remote, "0.0.0.0:0"))
			continue;
		for (j = i + 1; j < nconns; j++) {
			if (conns[j].peer < 0 && !strcmp(conns[i].local, conns[j].remote) &&
			    !strcmp(conns[i].remote, conns[j].local)) {
				conns[i].peer = j;
				conns[j].peer = i;
				break;
			}
		}
	}
}

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

#define SVG_W		820
#define SVG_ROW		22	/* px between two successive instants */
#define SVG_HEAD	70	/* px above a panel's first row */
#define SVG_GAP		30	/* px after a panel */
#define SVG_XL		330	/* x of the left end's line */
#define SVG_XR		560	/* x of the right end's line */

/* Distinct instants of a panel (the events of one or two connections), sorted. */
static int panel_times(const struct conn *a, const struct conn *b, int64_t *t)
{
	int n = 0, i, j, k;
	const struct conn *cs[2] = { a, b };

	for (k = 0; k < 2; k++) {
		if (!cs[k])
			continue;
		for (i = 0; i < cs[k]->nev; i++) {
			int64_t ns = events[cs[k]->ev[i]].ns;

			if (events[cs[k]->ev[i]].is_cwnd)
				continue;
			for (j = 0; j < n && t[j] != ns; j++)
				;
			if (j == n)
				t[n++] = ns;
		}
	}
	for (i = 1; i < n; i++)		/* insertion sort: panels are small */
		for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
			int64_t x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return n;
}

static int time_row(const int64_t *t, int n, int64_t ns)
{
	int i;

	for (i = 0; i < n && t[i] != ns; i++)
		;
	return i;
}

/* One end's line: its label on top, a dot and the transition at each state change. */
static void svg_end(FILE *f, const struct conn *c, int x, int left, int y0, const int64_t *t,
		    int n)
{
	int i, y1 = y0 + (n ? n - 1 : 0) * SVG_ROW;

	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">", x,
		y0 - 30);
	svg_text(f, c->local);
	fputs("</text>\n", f);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\" stroke-width=\"2\"/>\n",
		x, y0 - 20, x, y1 + 10);
	for (i = 0; i < c->nev; i++) {
		const struct event *ev = &events[c->ev[i]];
		int y;

		if (ev->is_cwnd)
			continue;
		y = y0 + time_row(t, n, ev->ns) * SVG_ROW;
		fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#c33\"/>\n", x, y);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">", left ? x - 10 : x + 10,
			y + 4, left ? "end" : "start");
		svg_text(f, ev->from);
		fputs(" \xe2\x86\x92 ", f);	/* U+2192 RIGHTWARDS ARROW */
		svg_text(f, ev->to);
		fputs("</text>\n", f);
	}
}

/*
 * The ladder: per connection a panel with its two ends as vertical lines (the end that made
 * the first state change on the left), time going down.  Rows are the instants at which
 * something changed, in order and labelled with their time: a handshake takes microseconds
 * and TIME-WAIT a minute, so a linear axis would show neither.
 */
static int write_svg(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int64_t *t = xrealloc(NULL, (nevents + 1) * sizeof(*t));
	int i, h = 20, y, pass;

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		free(t);
		return -1;
	}
	/* Pass 0 measures the height, pass 1 draws. */
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
				"viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"12\">\n",
				SVG_W, h, SVG_W, h);
			fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
		}
		y = 20;
		for (i = 0; i < nconns; i++) {
			const struct conn *a = &conns[i];
			const struct conn *b = a->peer >= 0 ? &conns[a->peer] : NULL;
			int n, r, y0;

			if (a->peer >= 0 && a->peer < i)
				continue;	/* drawn with its peer */
			n = panel_times(a, b, t);
			if (!n)
				continue;
			y0 = y + SVG_HEAD;
			if (pass) {
				fprintf(f, "<g class=\"connection\">\n<text x=\"10\" y=\"%d\" font-weight=\"bold\">",
					y + 14);
				svg_text(f, a->local);
				fputs(" \xe2\x86\x94 ", f);	/* U+2194 LEFT RIGHT ARROW */
				svg_text(f, a->remote);
				fprintf(f, "%s</text>\n", b ? "" : !strcmp(a->remote, "0.0.0.0:0") ?
					" (listener)" : " (one end traced)");
				for (r = 0; r < n; r++)
					fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"#666\">%.3f ms</text>\n",
						y0 + r * SVG_ROW + 4, ms_since_start(t[r]));
				svg_end(f, a, b ? SVG_XL : (SVG_XL + SVG_XR) / 2, 1, y0, t, n);
				if (b)
					svg_end(f, b, SVG_XR, 0, y0, t, n);
				fputs("</g>\n", f);
			}
			y = y0 + (n - 1) * SVG_ROW + 10 + SVG_GAP;
		}
		h = y;
	}
	fputs("</svg>\n", f);
	free(t);
	if (f != stdout && fclose(f)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* tracefs: /sys/kernel/tracing, or under debugfs; NULL when neither is mounted. */
static const char *tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char p[128];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/trace", dirs[i]);
		if (!access(p, F_OK))
			return dirs[i];
	}
	return NULL;
}

static int tracefs_write(const char *dir, const char *file, const char *val, int quiet)
{
	char p[256];
	int fd, ok;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		if (!quiet)
			fprintf(stderr, PROG ": %s: %s\n", p, strerror(errno));
		return -1;
	}
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	if (!ok && !quiet)
		fprintf(stderr, PROG ": %s: %s\n", p, strerror(errno));
	close(fd);
	return ok ? 0 : -1;
}

#define EV_STATE "events/tcpalt/tcpalt_set_state/enable"
#define EV_CWND	 "events/tcpalt/tcpalt_cwnd/enable"

/*
 * record: enable the events, run argv, disable, and read the buffer.  The trace is copied to
 * rawpath when given.  0, 1 on a tracefs error, 3 when the command failed.
 */
static int record(char **argv, const char *rawpath)
{
	const char *dir = tracefs();
	int status = 0, ret = 0, cwnd_on = 0;
	char p[256];
	FILE *f, *raw = NULL;
	pid_t pid;

	if (!dir) {
		fprintf(stderr, PROG ": no tracefs (mount -t tracefs nodev /sys/kernel/tracing)\n");
		return 1;
	}
	snprintf(p, sizeof(p), "%s/events/tcpalt", dir);
	if (access(p, F_OK)) {
		fprintf(stderr, PROG ": %s: no tcpalt events (is the module loaded?)\n", p);
		return 1;
	}
	if (tracefs_write(dir, "trace", "", 0) || tracefs_write(dir, "tracing_on", "1", 0) ||
	    tracefs_write(dir, EV_STATE, "1", 0))
		return 1;
	if (opt_cwnd)
		cwnd_on = !tracefs_write(dir, EV_CWND, "1", 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(errno));
		status = -1;
	}
	tracefs_write(dir, EV_STATE, "0", 0);
	if (cwnd_on)
		tracefs_write(dir, EV_CWND, "0", 0);
	if (status) {
		fprintf(stderr, PROG ": %s %s %d\n", argv[0],
			WIFEXITED(status) ? "exited with" : "killed by signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		ret = 3;
	}

	snprintf(p, sizeof(p), "%s/trace", dir);
	f = fopen(p, "r");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", p, strerror(errno));
		return 1;
	}
	if (rawpath) {
		/* Copy first, then parse the copy: the trace file is read once. */
		char buf[65536];
		size_t n;

		raw = fopen(rawpath, "w+");
		if (!raw) {
			fprintf(stderr, PROG ": %s: %s\n", rawpath, strerror(errno));
			fclose(f);
			return 1;
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, raw);
		fclose(f);
		if (fflush(raw)) {
			fprintf(stderr, PROG ": %s: %s\n", rawpath, strerror(errno));
			fclose(raw);
			return 1;
		}
		rewind(raw);
		f = raw;
	}
	if (read_trace(f, rawpath ? rawpath : p))
		ret = 1;
	fclose(f);
	return ret;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [-p PORT] [--cwnd] [--svg FILE] [TRACEFILE|-]\n"
		"       " PROG " [-p PORT] [--cwnd] [--svg FILE] [-o RAWFILE] record -- CMD [ARG]...\n"
		"Timelines of tcpalt connections from the tcpalt:tcpalt_set_state trace events.\n"
		"  TRACEFILE          text of tracefs's trace file (- for stdin; default:\n"
		"                     /sys/kernel/tracing/trace)\n"
		"  record -- CMD      enable the events, run CMD, disable them, show what was traced\n"
		"  -p, --port PORT    only connections with PORT at either end\n"
		"  -c, --cwnd         also tcpalt:tcpalt_cwnd events (enabled by record if present)\n"
		"  -s, --svg FILE     write a ladder diagram of each connection's two ends (- for stdout)\n"
		"  -o, --output FILE  with record: keep the raw trace in FILE\n"
		"  -q, --quiet        no text timeline\n"
		"  -h, --help         this text\n"
		"Exit status: 0 ok, 1 trace or tracefs error, 2 bad usage, 3 CMD failed.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "cwnd", no_argument, NULL, 'c' },
		{ "svg", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *svg = NULL, *rawpath = NULL, *in = NULL;
	int c, ret = 0, quiet = 0;

	while ((c = getopt_long(argc, argv, "p:cs:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt_port = (int)tool_arg(PROG, "port", optarg, 0, 65535);
			break;
		case 'c':
			opt_cwnd = 1;
			break;
		case 's':
			svg = optarg;
			break;
		case 'o':
			rawpath = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "record")) {
		optind++;
		if (optind < argc && !strcmp(argv[optind], "--"))
			optind++;
		if (optind >= argc) {
			fprintf(stderr, PROG ": record needs a command (" PROG " --help)\n");
			return 2;
		}
		ret = record(argv + optind, rawpath);
		if (ret == 1)
			return 1;
	} else {
		FILE *f;

		if (rawpath) {
			fprintf(stderr, PROG ": -o is for record (" PROG " --help)\n");
			return 2;
		}
		if (optind + 1 < argc) {
			usage(stderr);
			return 2;
		}
		if (optind < argc) {
			in = argv[optind];
		} else {
			static char p[128];
			const char *dir = tracefs();

			snprintf(p, sizeof(p), "%s/trace", dir ? dir : "/sys/kernel/tracing");
			in = p;
		}
		f = strcmp(in, "-") ? fopen(in, "r") : stdin;
		if (!f) {
			fprintf(stderr, PROG ": %s: %s\n", in, strerror(errno));
			return 1;
		}
		if (read_trace(f, in))
			return 1;
		if (f != stdin)
			fclose(f);
	}
	for (c = 0; c < nevents; c++)
		conn_add_event(c);
	pair_conns();
	if (!quiet) {
		if (!nconns)
			printf("no tcpalt events\n");
		print_timeline();
	}
	if (svg && write_svg(svg))
		return 1;
	fflush(stdout);
	return ret;
}
