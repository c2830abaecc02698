/* SPDX-License-Identifier: GPL-2.0 */
/* TCP option parsing (RFC 9293 3.2).  Pure logic: tested by options_test.c. */
#ifndef _TCPALT_OPTIONS_H
#define _TCPALT_OPTIONS_H

#include <linux/types.h>

#define TCPALT_OPT_EOL		0
#define TCPALT_OPT_NOP		1
#define TCPALT_OPT_MSS		2
#define TCPALT_OPTLEN_MSS	4
#define TCPALT_OPT_WSCALE	3
#define TCPALT_OPTLEN_WSCALE	3
#define TCPALT_MAX_WSCALE	14	/* RFC 7323 2.3 */

/**
 * struct tcpalt_opts - what a SYN's options say.
 * @mss: MSS option value, 0 when absent
 * @wscale: window scale shift (at most 14), -1 when absent
 */
struct tcpalt_opts {
	u16 mss;
	s8 wscale;
};

int tcpalt_parse_options(const u8 *opt, int len, struct tcpalt_opts *o);

#endif /* _TCPALT_OPTIONS_H */
