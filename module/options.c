// SPDX-License-Identifier: GPL-2.0
/*
 * TCP option parsing, RFC 9293 3.2.  Only MSS is used so far; every other option is skipped
 * by its length.  Pure logic: tested by options_test.c.
 */
#include <linux/errno.h>

#include "options.h"

/**
 * tcpalt_parse_mss() - find the MSS option in a TCP header's option bytes.
 * @opt: first option byte (just after the fixed 20-byte header)
 * @len: number of option bytes (data offset * 4 - 20)
 * @mss: set to the option's value when one is found
 *
 * Return: 1 if an MSS option was found, 0 if none, -EINVAL if the options are malformed
 * (an option running past the header, a length below 2, an MSS option of the wrong length).
 */
int tcpalt_parse_mss(const u8 *opt, int len, u16 *mss)
{
	int found = 0;

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
			*mss = (opt[2] << 8) | opt[3];
			found = 1;
		}
		opt += olen;
		len -= olen;
	}
	return found;
}
