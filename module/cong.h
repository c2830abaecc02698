/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Congestion control: a small ops table chosen per socket (TCP_CONGESTION) or by the
 * net.tcpalt.congestion_control sysctl, as Linux's struct tcp_congestion_ops.  The ops see
 * only struct tcpalt_cc, never the socket: pure logic, tested by KUnit (cong_test.c).
 * Windows are in bytes; an algorithm that thinks in segments divides by @mss.
 */
#ifndef _TCPALT_CONG_H
#define _TCPALT_CONG_H

#include <linux/types.h>
#include <linux/inet_diag.h>
#include <net/tcp.h>

#define TCPALT_CC_PRIV_U64	13	/* as ICSK_CA_PRIV_SIZE */
#define TCPALT_CWND_MAX		(64U << 20)	/* bytes */

struct tcpalt_cc_ops;

/**
 * struct tcpalt_cc - a connection's congestion-control state.
 * @cwnd: congestion window (bytes), RFC 5681
 * @ssthresh: slow-start threshold (bytes); U32_MAX until the first loss
 * @cwnd_cnt: bytes acknowledged in congestion avoidance towards the next MSS of @cwnd
 * @mss: the connection's send MSS
 * @ca_state: TCP_CA_Open, TCP_CA_Disorder, TCP_CA_CWR, TCP_CA_Recovery or TCP_CA_Loss
 * @prior_cwnd: @cwnd when the current recovery began (undo)
 * @prior_ssthresh: @ssthresh then
 * @ops: the algorithm
 * @priv: the algorithm's own state
 */
struct tcpalt_cc {
	u32 cwnd;
	u32 ssthresh;
	u32 cwnd_cnt;
	u32 mss;
	u8 ca_state;
	u32 prior_cwnd;
	u32 prior_ssthresh;
	const struct tcpalt_cc_ops *ops;
	u64 priv[TCPALT_CC_PRIV_U64];
};

/**
 * struct tcpalt_cc_ack - what one ACK tells congestion control.
 * @now_us: when it arrived (monotonic, microseconds)
 * @acked: bytes it newly acknowledged, cumulatively or selectively
 * @flight: bytes in flight before it
 * @rtt_us: RTT sample it gave, or -1
 * @min_rtt_us: smallest RTT seen on the connection (0: none yet)
 * @snd_una: SND.UNA after it
 * @snd_nxt: SND.NXT now
 */
struct tcpalt_cc_ack {
	u64 now_us;
	u32 acked;
	u32 flight;
	s32 rtt_us;
	u32 min_rtt_us;
	u32 snd_una;
	u32 snd_nxt;
};

/**
 * struct tcpalt_cc_ops - one congestion-control algorithm.
 * @name: its TCP_CONGESTION name
 * @init: set up @priv for a new connection (cwnd and ssthresh are already set)
 * @ssthresh: the new ssthresh (bytes) when a loss is detected
 * @cong_avoid: grow cwnd for an ACK that found the window in use (cwnd-limited)
 * @pkts_acked: every ACK that acknowledged something, with its RTT sample
 * @set_state: the connection's TCP_CA_* state changes to @state
 * @cwnd_event: CA_EVENT_TX_START (sending after idle), CA_EVENT_CWND_RESTART,
 *		CA_EVENT_LOSS (retransmission timeout)
 * @undo_cwnd: the cwnd to restore when a reduction proves spurious
 * @get_info: fill TCP_CC_INFO / INET_DIAG info; returns the size written
 */
struct tcpalt_cc_ops {
	const char *name;
	void (*init)(struct tcpalt_cc *cc);
	u32 (*ssthresh)(struct tcpalt_cc *cc);
	void (*cong_avoid)(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a);
	void (*pkts_acked)(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a);
	void (*set_state)(struct tcpalt_cc *cc, u8 state);
	void (*cwnd_event)(struct tcpalt_cc *cc, enum tcp_ca_event ev);
	u32 (*undo_cwnd)(struct tcpalt_cc *cc);
	size_t (*get_info)(struct tcpalt_cc *cc, u32 ext, int *attr, union tcp_cc_info *info);
};

extern const struct tcpalt_cc_ops tcpalt_reno;

u32 tcpalt_cc_slow_start(struct tcpalt_cc *cc, u32 acked);
void tcpalt_cc_cong_avoid_ai(struct tcpalt_cc *cc, u32 w, u32 acked);
u32 tcpalt_reno_ssthresh(struct tcpalt_cc *cc);
void tcpalt_reno_cong_avoid(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a);
u32 tcpalt_reno_undo_cwnd(struct tcpalt_cc *cc);
const struct tcpalt_cc_ops *tcpalt_cc_find(const char *name);
void tcpalt_cc_start(struct tcpalt_cc *cc, const struct tcpalt_cc_ops *ops, u32 mss);

#endif /* _TCPALT_CONG_H */
