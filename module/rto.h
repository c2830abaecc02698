/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The retransmission timeout estimator of RFC 6298.  Pure logic: tested by rto_test.c.
 */
#ifndef _TCPALT_RTO_H
#define _TCPALT_RTO_H

#include <linux/types.h>

#define TCPALT_RTO_INIT_US	1000000U	/* RFC 6298 2.1: 1 s */
#define TCPALT_RTO_MIN_US	200000U		/* Linux's TCP_RTO_MIN, below RFC 6298's 1 s */
#define TCPALT_RTO_MAX_US	120000000U	/* RFC 6298 2.5: at least 60 s; Linux uses 120 s */
#define TCPALT_RTO_G_US		1000U		/* clock granularity G */

/**
 * struct tcpalt_rto - RFC 6298 state.
 * @srtt_us: smoothed round-trip time, 0 before the first sample
 * @rttvar_us: round-trip time variation
 * @rto_us: current RTO, without backoff
 */
struct tcpalt_rto {
	u32 srtt_us;
	u32 rttvar_us;
	u32 rto_us;
};

void tcpalt_rto_init(struct tcpalt_rto *r);
void tcpalt_rto_sample(struct tcpalt_rto *r, u32 rtt_us);
u32 tcpalt_rto_backoff(const struct tcpalt_rto *r, unsigned int backoff);

#endif /* _TCPALT_RTO_H */
