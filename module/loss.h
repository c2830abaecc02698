/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arithmetic of loss recovery: the receiver's SACK block list (RFC 2018 4), RACK's
 * reordering window (RFC 8985 6.2), PRR (RFC 6937).  Pure logic: tested by loss_test.c.
 */
#ifndef _TCPALT_LOSS_H
#define _TCPALT_LOSS_H

#include <linux/types.h>

#include "options.h"

void tcpalt_sack_add(struct tcpalt_sack_block *b, u8 *n, u32 start, u32 end);
void tcpalt_sack_trim(struct tcpalt_sack_block *b, u8 *n, u32 rcv_nxt);
u32 tcpalt_rack_reo_wnd_us(bool reord_seen, bool recovering, u32 sacked_segs, u32 min_rtt_us,
			   u32 srtt_us);
u32 tcpalt_prr_cwnd(u32 ssthresh, u32 pipe, u32 prior_cwnd, u32 *prr_delivered, u32 prr_out,
		    u32 newly_delivered, bool una_advanced, u32 mss);

#endif /* _TCPALT_LOSS_H */
