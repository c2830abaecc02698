// SPDX-License-Identifier: GPL-2.0
/*
 * TCP options, RFC 9293 3.2: MSS, window scale and timestamps (RFC 7323), SACK-permitted and
 * SACK (RFC 2018), Fast Open (RFC 7413, and its experimental form); every other option is
 * skipped by its length.  Options are written in
 * Linux's order and padding (tcp_options_write()), which peers and tools compare.
 * Pure logic: tested by options_test.c.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/align.h>
#include <asm/unaligned.h>

#include "options.h"

/* RFC 7413 4.1.1, as tcp_parse_fastopen_option(): an even length, 0 or 4 to 16 bytes. */
static void tcpalt_parse_fastopen(int len, const u8 *cookie, bool exp, struct tcpalt_opts *o)
{
	if (len < 0 || (len & 1))
		return;
	if (len >= TCPALT_FASTOPEN_COOKIE_MIN && len <= TCPALT_FASTOPEN_COOKIE_MAX)
		memcpy(o->fo_cookie, cookie, len);
	else if (len)
		len = -1;
	o->fo_len = len;
	o->fo_exp = exp;
}

/**
 * tcpalt_parse_options() - read the options of a TCP header.
 * @opt: first option byte (just after the fixed 20-byte header)
 * @len: number of option bytes (data offset * 4 - 20)
 * @o: filled in: mss 0, wscale -1, no flags and no blocks for options that are absent
 *
 * Return: 0, or -EINVAL if the options are malformed (an option running past the header, a
 * length below 2, an MSS, window scale, SACK-permitted, timestamps or SACK option of the
 * wrong length).  What was parsed before the fault stays in @o.
 */
int tcpalt_parse_options(const u8 *opt, int len, struct tcpalt_opts *o)
{
	o->mss = 0;
	o->wscale = -1;
	o->sack_ok = 0;
	o->saw_ts = 0;
	o->num_sacks = 0;
	o->fo_len = -1;
	o->fo_exp = 0;
	while (len > 0) {
		u8 kind = opt[0];
		u8 olen;

		if (kind == TCPALT_OPT_EOL)
			break;
		if (kind == TCPALT_OPT_NOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		olen = opt[1];
		if (olen < 2 || olen > len)
			return -EINVAL;
		if (kind == TCPALT_OPT_MSS) {
			if (olen != TCPALT_OPTLEN_MSS)
				return -EINVAL;
			o->mss = (opt[2] << 8) | opt[3];
		} else if (kind == TCPALT_OPT_WSCALE) {
			if (olen != TCPALT_OPTLEN_WSCALE)
				return -EINVAL;
			/* RFC 7323 2.3: a shift above 14 is used as 14. */
			o->wscale = min_t(u8, opt[2], TCPALT_MAX_WSCALE);
		} else if (kind == TCPALT_OPT_SACK_PERM) {
			if (olen != TCPALT_OPTLEN_SACK_PERM)
				return -EINVAL;
			o->sack_ok = 1;
		} else if (kind == TCPALT_OPT_TS) {
			if (olen != TCPALT_OPTLEN_TS)
				return -EINVAL;
			o->saw_ts = 1;
			o->tsval = get_unaligned_be32(opt + 2);
			o->tsecr = get_unaligned_be32(opt + 6);
		} else if (kind == TCPALT_OPT_SACK) {
			int i, n = (olen - TCPALT_OPTLEN_SACK_BASE) / TCPALT_OPTLEN_SACK_PERBLOCK;

			if (olen < TCPALT_OPTLEN_SACK_BASE + TCPALT_OPTLEN_SACK_PERBLOCK ||
			    (olen - TCPALT_OPTLEN_SACK_BASE) % TCPALT_OPTLEN_SACK_PERBLOCK ||
			    n > TCPALT_MAX_SACKS)
				return -EINVAL;
			for (i = 0; i < n; i++) {
				const u8 *b = opt + 2 + i * TCPALT_OPTLEN_SACK_PERBLOCK;

				o->sacks[i].start = get_unaligned_be32(b);
				o->sacks[i].end = get_unaligned_be32(b + 4);
			}
			o->num_sacks = n;
		} else if (kind == TCPALT_OPT_FASTOPEN) {
			tcpalt_parse_fastopen(olen - TCPALT_OPTLEN_FASTOPEN_BASE, opt + 2, false,
					      o);
		} else if (kind == TCPALT_OPT_EXP &&
			   olen >= TCPALT_OPTLEN_EXP_FASTOPEN_BASE &&
			   get_unaligned_be16(opt + 2) == TCPALT_FASTOPEN_MAGIC) {
			tcpalt_parse_fastopen(olen - TCPALT_OPTLEN_EXP_FASTOPEN_BASE, opt + 4, true,
					      o);
		}
		opt += olen;
		len -= olen;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_parse_options);

/**
 * tcpalt_options_size() - bytes the options @o take (a multiple of 4).
 * @o: the options
 *
 * Return: the length, at most 40.
 */
int tcpalt_options_size(const struct tcpalt_opts_out *o)
{
	int size = 0;

	if (o->mss)
		size += TCPALT_OPTLEN_MSS;
	if (o->ts)
		size += TCPALT_OPTLEN_TS_ALIGNED;	/* SACK-permitted rides in its NOPs */
	else if (o->sack_perm)
		size += 4;
	if (o->wscale >= 0)
		size += 4;
	if (o->num_sacks)
		size += 4 + o->num_sacks * TCPALT_OPTLEN_SACK_PERBLOCK;
	if (o->fastopen)
		size += ALIGN((o->fo_exp ? TCPALT_OPTLEN_EXP_FASTOPEN_BASE :
			       TCPALT_OPTLEN_FASTOPEN_BASE) + o->fo_len, 4);
	return size;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_options_size);

/**
 * tcpalt_write_options() - write @o at @p as Linux's tcp_options_write() does: MSS;
 * SACK-permitted and timestamps (SACK-permitted in place of the NOPs before timestamps);
 * NOP and window scale; NOP, NOP and SACK blocks; Fast Open, NOP-padded to 4 bytes.
 * @p: where the options go: tcpalt_options_size(@o) bytes
 * @o: the options (the caller keeps them within 40 bytes)
 */
void tcpalt_write_options(u8 *p, const struct tcpalt_opts_out *o)
{
	int i;

	if (o->mss) {
		*p++ = TCPALT_OPT_MSS;
		*p++ = TCPALT_OPTLEN_MSS;
		put_unaligned_be16(o->mss, p);
		p += 2;
	}
	if (o->ts) {
		if (o->sack_perm) {
			*p++ = TCPALT_OPT_SACK_PERM;
			*p++ = TCPALT_OPTLEN_SACK_PERM;
		} else {
			*p++ = TCPALT_OPT_NOP;
			*p++ = TCPALT_OPT_NOP;
		}
		*p++ = TCPALT_OPT_TS;
		*p++ = TCPALT_OPTLEN_TS;
		put_unaligned_be32(o->tsval, p);
		put_unaligned_be32(o->tsecr, p + 4);
		p += 8;
	} else if (o->sack_perm) {
		*p++ = TCPALT_OPT_NOP;
		*p++ = TCPALT_OPT_NOP;
		*p++ = TCPALT_OPT_SACK_PERM;
		*p++ = TCPALT_OPTLEN_SACK_PERM;
	}
	if (o->wscale >= 0) {
		*p++ = TCPALT_OPT_NOP;
		*p++ = TCPALT_OPT_WSCALE;
		*p++ = TCPALT_OPTLEN_WSCALE;
		*p++ = o->wscale;
	}
	if (o->num_sacks) {
		*p++ = TCPALT_OPT_NOP;
		*p++ = TCPALT_OPT_NOP;
		*p++ = TCPALT_OPT_SACK;
		*p++ = TCPALT_OPTLEN_SACK_BASE + o->num_sacks * TCPALT_OPTLEN_SACK_PERBLOCK;
		for (i = 0; i < o->num_sacks; i++) {
			put_unaligned_be32(o->sacks[i].start, p);
			put_unaligned_be32(o->sacks[i].end, p + 4);
			p += 8;
		}
	}
	if (o->fastopen) {
		u8 len;

		if (o->fo_exp) {
			len = TCPALT_OPTLEN_EXP_FASTOPEN_BASE + o->fo_len;
			*p++ = TCPALT_OPT_EXP;
			*p++ = len;
			put_unaligned_be16(TCPALT_FASTOPEN_MAGIC, p);
			p += 2;
		} else {
			len = TCPALT_OPTLEN_FASTOPEN_BASE + o->fo_len;
			*p++ = TCPALT_OPT_FASTOPEN;
			*p++ = len;
		}
		memcpy(p, o->fo_cookie, o->fo_len);
		p += o->fo_len;
		while (len++ & 3)
			*p++ = TCPALT_OPT_NOP;
	}
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_write_options);
