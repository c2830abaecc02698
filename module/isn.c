// SPDX-License-Identifier: GPL-2.0
/*
 * Initial sequence numbers, RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), with M a clock ticking every 64 ns (as Linux's secure_tcp_seq) and F a keyed
 * SipHash with a key of the module's own, drawn at load.  And the TSval offsets, one per
 * pair of hosts, keyed likewise (secure_tcp_ts_off()).
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/siphash.h>

#include "tcpalt.h"

static siphash_key_t tcpalt_isn_key __read_mostly;
static siphash_key_t tcpalt_ts_key __read_mostly;

/**
 * tcpalt_isn_init() - draw the secret key.
 *
 * Return: 0.
 */
int tcpalt_isn_init(void)
{
	get_random_bytes(&tcpalt_isn_key, sizeof(tcpalt_isn_key));
	get_random_bytes(&tcpalt_ts_key, sizeof(tcpalt_ts_key));
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

/**
 * tcpalt_ts_off() - the offset added to our clock in the TSvals of a connection.
 * @saddr: local address
 * @daddr: remote address
 *
 * One offset per pair of hosts, as Linux's secure_tcp_ts_off(): the clock it hides stays
 * monotonic from one connection to the next between the same hosts, so a SYN that reuses a
 * 4-tuple whose TIME-WAIT the peer keeps carries a newer TSval and is accepted (RFC 6191),
 * where a random offset per connection met PAWS half the time.
 *
 * Return: the offset.
 */
u32 tcpalt_ts_off(__be32 saddr, __be32 daddr)
{
	return siphash_2u32((__force u32)saddr, (__force u32)daddr, &tcpalt_ts_key);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_ts_off);
