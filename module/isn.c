// SPDX-License-Identifier: GPL-2.0
/*
 * Initial sequence numbers, RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), with M a clock ticking every 64 ns (as Linux's secure_tcp_seq) and F a keyed
 * SipHash with a key of the module's own, drawn at load.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/siphash.h>

#include "tcpalt.h"

static siphash_key_t tcpalt_isn_key __read_mostly;

/**
 * tcpalt_isn_init() - draw the secret key.
 *
 * Return: 0.
 */
int tcpalt_isn_init(void)
{
	get_random_bytes(&tcpalt_isn_key, sizeof(tcpalt_isn_key));
	return 0;
}

/**
 * tcpalt_isn() - an initial sequence number for a connection.
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * Return: the ISN.
 */
u32 tcpalt_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
				(__force u32)sport << 16 | (__force u32)dport, &tcpalt_isn_key);

	return hash + (u32)(ktime_get_real_ns() >> 6);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_isn);
