// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 6298 retransmission timeout: SRTT/RTTVAR smoothing, the RTO bounds and backoff.
 * Pure logic: no socket, no locking.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/minmax.h>

#include "rto.h"

/**
 * tcpalt_rto_init() - RFC 6298 2.1: no sample yet, RTO = 1 s.
 * @r: estimator
 */
void tcpalt_rto_init(struct tcpalt_rto *r)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->rto_us = TCPALT_RTO_INIT_US;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_rto_init);

/**
 * tcpalt_rto_sample() - feed one RTT measurement (taken per Karn's rule by the caller).
 * @r: estimator
 * @rtt_us: measured round-trip time in microseconds
 */
void tcpalt_rto_sample(struct tcpalt_rto *r, u32 rtt_us)
{
	u32 delta;
	u64 rto;

	rtt_us = max(rtt_us, 1U);
	if (!r->srtt_us) {
		/* RFC 6298 2.2: first measurement R. */
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
	} else {
		/* RFC 6298 2.3: beta = 1/4, alpha = 1/8. */
		delta = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;
		r->rttvar_us = r->rttvar_us - r->rttvar_us / 4 + delta / 4;
		r->srtt_us = r->srtt_us - r->srtt_us / 8 + rtt_us / 8;
	}
	rto = (u64)r->srtt_us + max_t(u64, TCPALT_RTO_G_US, 4ULL * r->rttvar_us);
	r->rto_us = clamp_t(u64, rto, TCPALT_RTO_MIN_US, TCPALT_RTO_MAX_US);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_rto_sample);

/**
 * tcpalt_rto_backoff() - RFC 6298 5.5: the RTO doubled @backoff times, capped.
 * @r: estimator
 * @backoff: number of consecutive timeouts
 *
 * Return: the timeout to arm, in microseconds.
 */
u32 tcpalt_rto_backoff(const struct tcpalt_rto *r, unsigned int backoff)
{
	u64 rto = r->rto_us;

	if (backoff >= 16)
		return TCPALT_RTO_MAX_US;
	return min_t(u64, rto << backoff, TCPALT_RTO_MAX_US);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_rto_backoff);
