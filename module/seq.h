/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequence-number arithmetic, RFC 9293 3.4: sequence numbers live in a 32-bit circle, so
 * every comparison is modulo 2^32.  a is "before" b when the signed 32-bit difference
 * a - b is negative, which is right as long as the two are less than 2^31 apart.
 *
 * Pure logic: no locking, no socket; tested by seq_test.c.
 */
#ifndef _TCPALT_SEQ_H
#define _TCPALT_SEQ_H

#include <linux/types.h>

/* a < b in sequence space. */
static inline bool tcpalt_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

/* a > b in sequence space. */
static inline bool tcpalt_seq_after(u32 a, u32 b)
{
	return tcpalt_seq_before(b, a);
}

/* a <= b in sequence space. */
static inline bool tcpalt_seq_leq(u32 a, u32 b)
{
	return !tcpalt_seq_after(a, b);
}

/* a >= b in sequence space. */
static inline bool tcpalt_seq_geq(u32 a, u32 b)
{
	return !tcpalt_seq_before(a, b);
}

/* lo <= x <= hi in sequence space (the RFC's "=<" on both ends). */
static inline bool tcpalt_seq_between(u32 x, u32 lo, u32 hi)
{
	return hi - lo >= x - lo;
}

/* The later of a and b. */
static inline u32 tcpalt_seq_max(u32 a, u32 b)
{
	return tcpalt_seq_after(a, b) ? a : b;
}

/* The earlier of a and b. */
static inline u32 tcpalt_seq_min(u32 a, u32 b)
{
	return tcpalt_seq_before(a, b) ? a : b;
}

/**
 * tcpalt_seq_acceptable() - RFC 9293 3.10.7.4 segment acceptability test.
 * @seq: first sequence number of the segment (SEG.SEQ)
 * @len: segment length in sequence space (data, plus one each for SYN and FIN)
 * @rcv_nxt: RCV.NXT
 * @rcv_wnd: RCV.WND
 *
 * Return: true if any part of the segment falls in the receive window, per the RFC's
 * four-case table (zero-length and zero-window cases included).
 */
static inline bool tcpalt_seq_acceptable(u32 seq, u32 len, u32 rcv_nxt, u32 rcv_wnd)
{
	u32 end = seq + len - 1;

	if (len == 0) {
		if (rcv_wnd == 0)
			return seq == rcv_nxt;
		return seq - rcv_nxt < rcv_wnd;
	}
	if (rcv_wnd == 0)
		return false;
	return seq - rcv_nxt < rcv_wnd || end - rcv_nxt < rcv_wnd;
}

#endif /* _TCPALT_SEQ_H */
