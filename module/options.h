/* SPDX-License-Identifier: GPL-2.0 */
/* TCP option parsing (RFC 9293 3.2).  Pure logic: tested by options_test.c. */
#ifndef _TCPALT_OPTIONS_H
#define _TCPALT_OPTIONS_H

#include <linux/types.h>

#define TCPALT_OPT_EOL		0
#define TCPALT_OPT_NOP		1
#define TCPALT_OPT_MSS		2
#define TCPALT_OPTLEN_MSS	4

int tcpalt_parse_mss(const u8 *opt, int len, u16 *mss);

#endif /* _TCPALT_OPTIONS_H */
