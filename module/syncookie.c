// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full, its SYN-ACK carries all the
 * state the connection needs in the initial sequence number, and nothing is kept; the ACK
 * that completes the handshake brings it back.  Layout of the 32-bit cookie:
 *
 *   bits 31..27  minute counter, modulo 32 (a cookie is good for two minutes)
 *   bits 26..24  index of the MSS in tcpalt_cookie_mss[]
 *   bits 23..0   SipHash(key; addresses, ports, the peer's ISN, the counter, the index)
 *
 * A forged ACK must guess 24 bits of a keyed hash that changes every minute.  Window scaling
 * is lost (the cookie has no room for it; Linux keeps it only with timestamps), as with
 * Linux's cookies without timestamps.  Pure logic, no socket: KUnit tests it directly.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/siphash.h>

#include "tcpalt.h"

/* MSS values a cookie can carry: the common ones, from the IPv4 minimum to loopback's. */
static const u16 tcpalt_cookie_mss[8] = { 536, 1300, 1440, 1460, 4036, 8960, 16344, 65483 };

#define TCPALT_COOKIE_HASH_BITS	24
#define TCPALT_COOKIE_HASH_MASK	((1U << TCPALT_COOKIE_HASH_BITS) - 1)

static siphash_key_t tcpalt_cookie_key __read_mostly;

/**
 * tcpalt_cookie_init() - draw the secret key.
 */
void tcpalt_cookie_init(void)
{
	get_random_bytes(&tcpalt_cookie_key, sizeof(tcpalt_cookie_key));
}

/**
 * tcpalt_cookie_minute() - the cookie clock: minutes since boot.
 *
 * Return: the minute counter.
 */
u32 tcpalt_cookie_minute(void)
{
	return (u32)(get_jiffies_64() / (60 * HZ));
}

static u32 tcpalt_cookie_hash(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport,
			      u32 peer_isn, u32 minute, u32 mssind)
{
	return (u32)siphash_4u32((__force u32)laddr, (__force u32)raddr,
				 (__force u32)lport << 16 | (__force u32)rport,
				 peer_isn ^ (minute << 3 | mssind), &tcpalt_cookie_key) &
	       TCPALT_COOKIE_HASH_MASK;
}

/**
 * tcpalt_cookie_make() - the ISN of a stateless SYN-ACK.
 * @laddr: our address
 * @raddr: the peer's address
 * @lport: our port
 * @rport: the peer's port
 * @peer_isn: the sequence number of the peer's SYN
 * @mss: in: the largest MSS both ends allow; out: the MSS the cookie carries (not larger)
 * @minute: tcpalt_cookie_minute() now
 *
 * Return: the cookie.
 */
u32 tcpalt_cookie_make(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport, u32 peer_isn,
		       u16 *mss, u32 minute)
{
	u32 i = ARRAY_SIZE(tcpalt_cookie_mss) - 1;

	while (i && tcpalt_cookie_mss[i] > *mss)
		i--;
	*mss = tcpalt_cookie_mss[i];
	return (minute % 32) << 27 | i << 24 |
	       tcpalt_cookie_hash(laddr, raddr, lport, rport, peer_isn, minute, i);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cookie_make);

/**
 * tcpalt_cookie_check() - is @cookie one we made in the last two minutes for this
 * connection?
 * @laddr: our address
 * @raddr: the peer's address
 * @lport: our port
 * @rport: the peer's port
 * @peer_isn: the peer's ISN (the ACK's sequence number - 1)
 * @cookie: the ACK's acknowledgment number - 1
 * @minute: tcpalt_cookie_minute() now
 *
 * Return: the MSS the cookie carries, or 0 if it is not valid.
 */
u16 tcpalt_cookie_check(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport, u32 peer_isn,
			u32 cookie, u32 minute)
{
	u32 i = (cookie >> 24) & 7, age, made;

	age = (minute - (cookie >> 27)) % 32;
	if (age > 1)
		return 0;
	made = minute - age;
	if ((cookie & TCPALT_COOKIE_HASH_MASK) !=
	    tcpalt_cookie_hash(laddr, raddr, lport, rport, peer_isn, made, i))
		return 0;
	return tcpalt_cookie_mss[i];
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_cookie_check);
