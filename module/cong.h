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
 * @ops_set: @ops was chosen by TCP_CONGESTION (Linux's icsk_ca_setsockopt): an accepted
 *	     socket takes its listener's algorithm only then, else the namespace default
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
	u8 ops_set;
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

/**
 * struct tcpalt_cubic - CUBIC's state in &tcpalt_cc.priv (Linux's struct bictcp); windows in
 * segments of &tcpalt_cc.mss, times in microseconds.
 * @cnt: segments to acknowledge per segment of cwnd growth
 * @last_max_cwnd: W_max, the window before the last reduction (RFC 9438 4.6, fast convergence)
 * @last_cwnd: cwnd when @cnt was last computed
 * @last_time: when @cnt was last computed
 * @origin_point: W_max of the current epoch: where the cubic curve flattens
 * @k: K of RFC 9438 eq. 2, in 1/1024 s (Linux's bic_K)
 * @delay_min: smallest RTT sample seen (us)
 * @epoch_start: when the current congestion-avoidance epoch began (0: none)
 * @ack_cnt: bytes acknowledged in the epoch, not yet counted in @tcp_cwnd
 * @tcp_cwnd: W_est, the window Reno would have (RFC 9438 4.3, segments)
 * @sample_cnt: HyStart: RTT samples in this round
 * @found: HyStart found the end of slow start
 * @round_valid: HyStart: @round_start and @end_seq belong to a round (set on the first ACK)
 * @idle_restart: CA_EVENT_TX_START: shift @epoch_start by the idle time at the next ACK
 * @round_start: HyStart: when the current round began (us, 32 bits as Linux's)
 * @end_seq: HyStart: SND.NXT when the round began; the round ends when it is acknowledged
 * @last_ack: HyStart: when the last ACK of the current ACK train arrived
 * @curr_rtt: HyStart: smallest RTT sample of the current round
 * @last_ack_us: when the last ACK reached CUBIC (for @idle_restart)
 */
struct tcpalt_cubic {
	u32 cnt;
	u32 last_max_cwnd;
	u32 last_cwnd;
	u64 last_time;
	u32 origin_point;
	u32 k;
	u32 delay_min;
	u64 epoch_start;
	u32 ack_cnt;
	u32 tcp_cwnd;
	u8 sample_cnt;
	u8 found;
	u8 round_valid;
	u8 idle_restart;
	u32 round_start;
	u32 end_seq;
	u32 last_ack;
	u32 curr_rtt;
	u64 last_ack_us;
};

#define TCPALT_CUBIC_BETA	717	/* RFC 9438 4.6: beta_cubic = 0.7, scaled by 1024 */
#define TCPALT_CUBIC_BETA_SCALE	1024
#define TCPALT_CUBIC_HZ		10	/* K and t are in units of 1/2^10 s */
#define TCPALT_HYSTART_LOW_WINDOW	16	/* segments: no HyStart below */
#define TCPALT_HYSTART_MIN_SAMPLES	8
#define TCPALT_HYSTART_DELAY_MIN	4000U	/* us */
#define TCPALT_HYSTART_DELAY_MAX	16000U	/* us */
#define TCPALT_HYSTART_ACK_DELTA_US	2000	/* ACKs this close belong to one train */

static inline struct tcpalt_cubic *tcpalt_cubic_ca(struct tcpalt_cc *cc)
{
	return (struct tcpalt_cubic *)cc->priv;
}

extern const struct tcpalt_cc_ops tcpalt_reno;
extern const struct tcpalt_cc_ops tcpalt_cubic;

u32 tcpalt_cc_slow_start(struct tcpalt_cc *cc, u32 acked);
void tcpalt_cc_cong_avoid_ai(struct tcpalt_cc *cc, u32 w, u32 acked);
u32 tcpalt_reno_ssthresh(struct tcpalt_cc *cc);
void tcpalt_reno_cong_avoid(struct tcpalt_cc *cc, const struct tcpalt_cc_ack *a);
u32 tcpalt_reno_undo_cwnd(struct tcpalt_cc *cc);
const struct tcpalt_cc_ops *tcpalt_cc_find(const char *name);
void tcpalt_cc_start(struct tcpalt_cc *cc, const struct tcpalt_cc_ops *ops, u32 mss);
void tcpalt_cc_reinit(struct tcpalt_cc *cc, const struct tcpalt_cc_ops *ops, bool started);
size_t tcpalt_cc_available(char *buf, size_t size);

/* cubic.c */
u32 tcpalt_cubic_root(u64 a);
u32 tcpalt_cubic_k(u32 w_max, u32 cwnd);
u32 tcpalt_cubic_w(u32 origin, u32 k, u64 t);

/* sysctl.c: the namespace's net.tcpalt.congestion_control, for new sockets */
struct net;
const struct tcpalt_cc_ops *tcpalt_cc_default(struct net *net);

#endif /* _TCPALT_CONG_H */
