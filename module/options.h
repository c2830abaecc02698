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
#define TCPALT_OPT_SACK_PERM	4
#define TCPALT_OPTLEN_SACK_PERM	2
#define TCPALT_OPT_SACK		5
#define TCPALT_OPTLEN_SACK_BASE	2
#define TCPALT_OPTLEN_SACK_PERBLOCK 8
#define TCPALT_OPT_TS		8
#define TCPALT_OPTLEN_TS	10
#define TCPALT_OPTLEN_TS_ALIGNED 12	/* NOP, NOP, timestamps */
#define TCPALT_OPT_FASTOPEN	34	/* RFC 7413 4.1.1: TCP Fast Open cookie */
#define TCPALT_OPTLEN_FASTOPEN_BASE 2
#define TCPALT_OPT_EXP		254	/* RFC 6994 shared experimental option, with an ExID */
#define TCPALT_OPTLEN_EXP_FASTOPEN_BASE 4
#define TCPALT_FASTOPEN_MAGIC	0xF989	/* the ExID of pre-RFC 7413 Fast Open */
#define TCPALT_FASTOPEN_COOKIE_MIN 4	/* RFC 7413 4.1.1: 4 to 16 bytes, even */
#define TCPALT_FASTOPEN_COOKIE_MAX 16
#define TCPALT_MAX_SACKS	4	/* blocks that fit in 40 option bytes (RFC 2018 3) */
#define TCPALT_MAX_OPTLEN	40

/**
 * struct tcpalt_sack_block - one SACK block: [@start, @end) in sequence space.
 * @start: first sequence number
 * @end: sequence number after the last
 */
struct tcpalt_sack_block {
	u32 start;
	u32 end;
};

/**
 * struct tcpalt_opts - what a segment's options say.
 * @mss: MSS option value, 0 when absent
 * @wscale: window scale shift (at most 14), -1 when absent
 * @sack_ok: SACK-permitted option present (RFC 2018 2)
 * @saw_ts: timestamps option present (RFC 7323 3)
 * @num_sacks: SACK blocks in @sacks
 * @tsval: TSval, when @saw_ts
 * @tsecr: TSecr, when @saw_ts
 * @sacks: SACK blocks as they came (network order converted)
 * @fo_len: Fast Open option: -1 absent or invalid, 0 a cookie request, else the cookie's
 *	    length (4 to 16, even), as tcp_parse_fastopen_option()
 * @fo_exp: the Fast Open option came in the experimental form (kind 254, ExID 0xF989)
 * @fo_cookie: the cookie, @fo_len bytes
 */
struct tcpalt_opts {
	u16 mss;
	s8 wscale;
	u8 sack_ok;
	u8 saw_ts;
	u8 num_sacks;
	u32 tsval;
	u32 tsecr;
	struct tcpalt_sack_block sacks[TCPALT_MAX_SACKS];
	s8 fo_len;
	u8 fo_exp;
	u8 fo_cookie[TCPALT_FASTOPEN_COOKIE_MAX];
};

/**
 * struct tcpalt_opts_out - the options to put on a segment.
 * @mss: MSS to announce (SYN only; 0: none)
 * @wscale: window scale shift to announce (SYN only; -1: none)
 * @sack_perm: announce SACK-permitted (SYN only)
 * @ts: carry timestamps
 * @num_sacks: SACK blocks to carry from @sacks
 * @tsval: our TSval
 * @tsecr: TSecr: the peer's TSval to echo
 * @sacks: the blocks, first one first
 * @fastopen: carry the Fast Open option (SYN or SYN-ACK only)
 * @fo_exp: in the experimental form (kind 254, ExID 0xF989)
 * @fo_len: cookie bytes (0: a cookie request)
 * @fo_cookie: the cookie
 */
struct tcpalt_opts_out {
	u16 mss;
	s8 wscale;
	u8 sack_perm;
	u8 ts;
	u8 num_sacks;
	u32 tsval;
	u32 tsecr;
	const struct tcpalt_sack_block *sacks;
	u8 fastopen;
	u8 fo_exp;
	u8 fo_len;
	const u8 *fo_cookie;
};

int tcpalt_parse_options(const u8 *opt, int len, struct tcpalt_opts *o);
int tcpalt_options_size(const struct tcpalt_opts_out *o);
void tcpalt_write_options(u8 *p, const struct tcpalt_opts_out *o);

#endif /* _TCPALT_OPTIONS_H */
