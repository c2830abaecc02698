// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control shared arithmetic and Reno (RFC 5681 with RFC 3465's byte counting, as
 * Linux's tcp_cong.c), and the table of algorithms TCP_CONGESTION chooses from.  Pure logic:
 * no socket, no locking; tested by cong_test.c.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "cong.h"

/**
 * tcpalt_cc_slow_start() - RFC 5681 3.1 slow start counting bytes (RFC 3465, tcp_slow_start()):
 * cwnd grows by what the ACK covers, up to ssthresh.
 * @cc: state
 * @acked: bytes the ACK acknowledged
 *
 * Return: the bytes left over for congestion avoidance once cwnd reached ssthresh.
 */
u32 tcpalt_cc_slow_start(struct tcpalt_cc *cc, u32 acked)
{
	u32 cwnd = min_t(u32, cc->cwnd + acked, cc->ssthresh);

	acked -= cwnd - cc->cwnd;
	cc->cwnd = min(cwnd, TCPALT_CWND_MAX);
	return acked;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cc_slow_start);

/**
 * tcpalt_cc_cong_avoid_ai() - additive increase (tcp_cong_avoid_ai()): one MSS per @w bytes
 * acknowledged.
 * @cc: state
 * @w: bytes to acknowledge per MSS of growth (Reno: cwnd)
 * @acked: bytes the ACK acknowledged
 */
void tcpalt_cc_cong_avoid_ai(struct tcpalt_cc *cc, u32 w, u32 acked)
{
	w = max(w, cc->mss);
	/* A window that shrank since the count began: grow by one at once (as Linux). */
	if (cc->cwnd_cnt >= w) {
		cc->cwnd_cnt = 0;
		cc->cwnd += cc->mss;
	}
	cc->cwnd_cnt += acked;
	if (cc->cwnd_cnt >= w) {
		u32 delta = cc->cwnd_cnt / w;

		cc->cwnd_cnt -= delta * w;
		cc->cwnd += delta * cc->mss;
	}
	cc->cwnd = min(cc->cwnd, TCPALT_CWND_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cc_cong_avoid_ai);

/**
 * tcpalt_reno_ssthresh() - RFC 5681 3.1 eq. 4 as Linux's tcp_reno_ssthresh(): half of cwnd,
 * at least two segments.
 * @cc: state
 *
 * Return: the new ssthresh in bytes.
 */
u32 tcpalt_reno_ssthresh(struct tcpalt_cc *cc)
{
	return max(cc->cwnd / 2, 2 * cc->mss);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_reno_ssthresh);

/**
 * tcpalt_reno_cong_avoid() - slow start below ssthresh, then one MSS per window.
 * @cc: state
 * @a: the ACK
 */
void tcpalt_reno_cong_avoid(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a)
{
	u32 acked = a->acked;

	if (cc->cwnd < cc->ssthresh) {
		acked = tcpalt_cc_slow_start(cc, acked);
		if (!acked)
			return;
	}
	tcpalt_cc_cong_avoid_ai(cc, cc->cwnd, acked);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_reno_cong_avoid);

/**
 * tcpalt_reno_undo_cwnd() - a reduction was spurious: cwnd as before it (tcp_reno_undo_cwnd()).
 * @cc: state
 *
 * Return: the cwnd to restore, in bytes.
 */
u32 tcpalt_reno_undo_cwnd(struct tcpalt_cc *cc)
{
	return max(cc->cwnd, cc->prior_cwnd);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_reno_undo_cwnd);

const struct tcpalt_cc_ops tcpalt_reno = {
	.name = "reno",
	.ssthresh = tcpalt_reno_ssthresh,
	.cong_avoid = tcpalt_reno_cong_avoid,
	.undo_cwnd = tcpalt_reno_undo_cwnd,
};
EXPORT_SYMBOL_IF_KUNIT(tcpalt_reno);

/* In the order net.tcpalt.available_congestion_control lists them (Linux: registration). */
static const struct tcpalt_cc_ops *const tcpalt_cc_table[] = {
	&tcpalt_reno,
	&tcpalt_cubic,
};

/**
 * tcpalt_cc_find() - the algorithm called @name.
 * @name: a TCP_CONGESTION name
 *
 * Return: its ops, or NULL when tcpalt has none of that name.
 */
const struct tcpalt_cc_ops *tcpalt_cc_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(tcpalt_cc_table); i++)
		if (!strcmp(tcpalt_cc_table[i]->name, name))
			return tcpalt_cc_table[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cc_find);

/**
 * tcpalt_cc_start() - give a connection @ops, its initial window already in @cc->cwnd.
 * @cc: state
 * @ops: the algorithm
 * @mss: the send MSS
 */
void tcpalt_cc_start(struct tcpalt_cc *cc, const struct tcpalt_cc_ops *ops, u32 mss)
{
	cc->ops = ops;
	cc->mss = mss;
	cc->cwnd_cnt = 0;
	cc->ca_state = TCP_CA_Open;
	cc->prior_cwnd = 0;
	cc->prior_ssthresh = 0;
	memset(cc->priv, 0, sizeof(cc->priv));
	if (ops->init)
		ops->init(cc);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cc_start);

/**
 * tcpalt_cc_reinit() - switch a connection to @ops (TCP_CONGESTION), as Linux's
 * tcp_reinit_congestion_control(): the algorithm's state starts afresh, cwnd and ssthresh stay.
 * @cc: state
 * @ops: the new algorithm
 * @started: the connection is under way (not closed or listening): run @ops->init now;
 *	     otherwise tcpalt_cc_start() runs it when the connection is established
 */
void tcpalt_cc_reinit(struct tcpalt_cc *cc, const struct tcpalt_cc_ops *ops, bool started)
{
	WRITE_ONCE(cc->ops, ops);	/* read locklessly by getsockopt() and accept()'s clone */
	memset(cc->priv, 0, sizeof(cc->priv));
	if (!started)
		return;
	cc->prior_ssthresh = 0;	/* tcp_init_congestion_control() */
	if (ops->init)
		ops->init(cc);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cc_reinit);

/**
 * tcpalt_cc_available() - the names of the algorithms, separated by spaces, as Linux's
 * tcp_get_available_congestion_control().
 * @buf: where to write them
 * @size: its size
 *
 * Return: the length of the string written (truncated to fit @size, NUL included).
 */
size_t tcpalt_cc_available(char *buf, size_t size)
{
	size_t len = 0;
	int i;

	if (!size)
		return 0;
	buf[0] = 0;
	for (i = 0; i < ARRAY_SIZE(tcpalt_cc_table); i++)
		len += scnprintf(buf + len, size - len, "%s%s", i ? " " : "",
				 tcpalt_cc_table[i]->name);
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cc_available);
