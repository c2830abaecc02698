// SPDX-License-Identifier: GPL-2.0
/*
 * TCP option parsing, RFC 9293 3.2: MSS, and window scale (RFC 7323 2); every other option is
 * skipped by its length.  Pure logic: tested by options_test.c.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/errno.h>
#include <linux/minmax.h>

#include "options.h"

/**
 * tcpalt_parse_options() - read the MSS and window scale options of a TCP header.
 * @opt: first option byte (just after the fixed 20-byte header)
 * @len: number of option bytes (data offset * 4 - 20)
 * @o: filled in: mss 0 and wscale -1 for options that are absent
 *
 * Return: 0, or -EINVAL if the options are malformed (an option running past the header, a
 * length below 2, an MSS or window scale option of the wrong length).
 */
int tcpalt_parse_options(const u8 *opt, int len, struct tcpalt_opts *o)
{
	o->mss = 0;
	o->wscale = -1;
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
		}
		opt += olen;
		len -= olen;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_parse_options);
