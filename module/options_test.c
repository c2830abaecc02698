// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for options.c: parsing MSS, window scale, SACK-permitted, timestamps and SACK
 * blocks, well-formed and malformed; writing them in Linux's order and padding.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "options.h"

static void tcpalt_options_test_mss(struct kunit *test)
{
	const u8 opt[] = { 2, 4, 0x05, 0xb4 };
	struct tcpalt_opts o;

	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(opt, sizeof(opt), &o), 0);
	KUNIT_EXPECT_EQ(test, o.mss, 1460);
	KUNIT_EXPECT_EQ(test, o.wscale, -1);
}

static void tcpalt_options_test_mixed(struct kunit *test)
{
	/* NOP, NOP, SACK-permitted, window scale, MSS, timestamps: MSS is found among them. */
	const u8 opt[] = { 1, 1, 4, 2, 3, 3, 7, 2, 4, 0xff, 0xd7, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0 };
	const u8 big_shift[] = { 3, 3, 15, 0 };	/* RFC 7323 2.3: above 14 counts as 14 */
	struct tcpalt_opts o;

	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(opt, sizeof(opt), &o), 0);
	KUNIT_EXPECT_EQ(test, o.mss, 65495);
	KUNIT_EXPECT_EQ(test, o.wscale, 7);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(big_shift, sizeof(big_shift), &o), 0);
	KUNIT_EXPECT_EQ(test, o.wscale, 14);
	KUNIT_EXPECT_EQ(test, o.mss, 0);
}

static void tcpalt_options_test_none(struct kunit *test)
{
	const u8 nops[] = { 1, 1, 1, 1 };
	const u8 eol_first[] = { 0, 2, 4, 5, 0xb4 };	/* MSS after EOL is not an option */
	struct tcpalt_opts o;

	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(nops, sizeof(nops), &o), 0);
	KUNIT_EXPECT_EQ(test, o.mss, 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(eol_first, sizeof(eol_first), &o), 0);
	KUNIT_EXPECT_EQ(test, o.mss, 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(NULL, 0, &o), 0);
	KUNIT_EXPECT_EQ(test, o.wscale, -1);
}

static void tcpalt_options_test_malformed(struct kunit *test)
{
	const u8 short_len[] = { 2, 1, 0, 0 };		/* length below 2 */
	const u8 past_end[] = { 1, 2, 4, 5 };		/* MSS runs past the header */
	const u8 wrong_len[] = { 2, 6, 5, 0xb4, 0, 0 };	/* MSS must be 4 bytes */
	const u8 lone_kind[] = { 1, 1, 1, 8 };		/* kind with no length byte */
	const u8 zero_len[] = { 30, 0, 2, 4, 5, 0xb4 };	/* unknown kind, length 0 */
	const u8 ws_len[] = { 3, 4, 7, 0 };		/* window scale must be 3 bytes */
	struct tcpalt_opts o;

	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(short_len, sizeof(short_len), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(past_end, sizeof(past_end), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(wrong_len, sizeof(wrong_len), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(lone_kind, sizeof(lone_kind), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(zero_len, sizeof(zero_len), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(ws_len, sizeof(ws_len), &o), -EINVAL);
}

static void tcpalt_options_test_ts_sack(struct kunit *test)
{
	/* NOP, NOP, TS 1/2; NOP, NOP, SACK with two blocks. */
	const u8 opt[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
			   1, 1, 5, 18, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0xff, 0xff, 0xff, 0xf0,
			   0, 0, 0, 0x10 };
	const u8 sack_bad[] = { 5, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 };	/* 2 + 8n only */
	const u8 ts_bad[] = { 8, 8, 0, 0, 0, 1, 0, 0 };			/* TS is 10 bytes */
	const u8 perm_bad[] = { 4, 3, 0, 1 };				/* SACK-perm is 2 */
	struct tcpalt_opts o;

	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(opt, sizeof(opt), &o), 0);
	KUNIT_EXPECT_EQ(test, o.saw_ts, 1);
	KUNIT_EXPECT_EQ(test, o.tsval, 1U);
	KUNIT_EXPECT_EQ(test, o.tsecr, 2U);
	KUNIT_EXPECT_EQ(test, o.sack_ok, 0);
	KUNIT_ASSERT_EQ(test, o.num_sacks, 2);
	KUNIT_EXPECT_EQ(test, o.sacks[0].start, 0x1000U);
	KUNIT_EXPECT_EQ(test, o.sacks[0].end, 0x2000U);
	KUNIT_EXPECT_EQ(test, o.sacks[1].start, 0xfffffff0U);	/* wraps: still a block */
	KUNIT_EXPECT_EQ(test, o.sacks[1].end, 0x10U);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(sack_bad, sizeof(sack_bad), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(ts_bad, sizeof(ts_bad), &o), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(perm_bad, sizeof(perm_bad), &o), -EINVAL);
}

static void tcpalt_options_test_write_syn(struct kunit *test)
{
	/* Linux's SYN: MSS; SACK-perm in place of the NOPs before TS; NOP, window scale. */
	const u8 linux_syn[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0,
				 1, 3, 3, 7 };
	const u8 no_ts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
	struct tcpalt_opts_out o = { .mss = 1460, .wscale = 7, .sack_perm = 1, .ts = 1,
				     .tsval = 7 };
	struct tcpalt_opts back;
	u8 buf[TCPALT_MAX_OPTLEN];

	KUNIT_ASSERT_EQ(test, tcpalt_options_size(&o), (int)sizeof(linux_syn));
	tcpalt_write_options(buf, &o);
	KUNIT_EXPECT_EQ(test, memcmp(buf, linux_syn, sizeof(linux_syn)), 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(buf, sizeof(linux_syn), &back), 0);
	KUNIT_EXPECT_EQ(test, back.mss, 1460);
	KUNIT_EXPECT_EQ(test, back.sack_ok, 1);
	KUNIT_EXPECT_EQ(test, back.wscale, 7);
	KUNIT_EXPECT_EQ(test, back.tsval, 7U);
	o.ts = 0;
	KUNIT_ASSERT_EQ(test, tcpalt_options_size(&o), (int)sizeof(no_ts));
	tcpalt_write_options(buf, &o);
	KUNIT_EXPECT_EQ(test, memcmp(buf, no_ts, sizeof(no_ts)), 0);
}

static void tcpalt_options_test_write_sack(struct kunit *test)
{
	const struct tcpalt_sack_block b[3] = { { 100, 200 }, { 300, 400 }, { 500, 600 } };
	struct tcpalt_opts_out o = { .wscale = -1, .ts = 1, .tsval = 1, .tsecr = 2,
				     .num_sacks = 3, .sacks = b };
	struct tcpalt_opts back;
	u8 buf[TCPALT_MAX_OPTLEN];
	int len = tcpalt_options_size(&o);

	KUNIT_ASSERT_EQ(test, len, 12 + 4 + 24);	/* 40: three blocks with timestamps */
	tcpalt_write_options(buf, &o);
	KUNIT_EXPECT_EQ(test, buf[0], 1);
	KUNIT_EXPECT_EQ(test, buf[1], 1);
	KUNIT_EXPECT_EQ(test, buf[2], 8);
	KUNIT_EXPECT_EQ(test, buf[12], 1);
	KUNIT_EXPECT_EQ(test, buf[13], 1);
	KUNIT_EXPECT_EQ(test, buf[14], 5);
	KUNIT_EXPECT_EQ(test, buf[15], 26);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(buf, len, &back), 0);
	KUNIT_ASSERT_EQ(test, back.num_sacks, 3);
	KUNIT_EXPECT_EQ(test, back.sacks[2].start, 500U);
	KUNIT_EXPECT_EQ(test, back.sacks[2].end, 600U);
	KUNIT_EXPECT_EQ(test, back.tsecr, 2U);
}

static void tcpalt_options_test_fastopen(struct kunit *test)
{
	/* MSS; Fast Open with an 8-byte cookie; an empty one (a request); the experimental form. */
	const u8 cookie[] = { 2, 4, 0x05, 0xb4, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	const u8 request[] = { 1, 1, 34, 2 };
	const u8 exp[] = { 254, 8, 0xf9, 0x89, 9, 8, 7, 6 };
	const u8 odd[] = { 34, 5, 1, 2, 3, 1 };		/* odd length: ignored */
	const u8 short_cookie[] = { 34, 4, 1, 2 };	/* 2 bytes: below 4, invalid */
	const u8 other_exp[] = { 254, 4, 0x12, 0x34 };	/* another experiment */
	struct tcpalt_opts o;

	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(cookie, sizeof(cookie), &o), 0);
	KUNIT_EXPECT_EQ(test, o.mss, 1460);
	KUNIT_ASSERT_EQ(test, o.fo_len, 8);
	KUNIT_EXPECT_EQ(test, o.fo_exp, 0);
	KUNIT_EXPECT_EQ(test, memcmp(o.fo_cookie, cookie + 6, 8), 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(request, sizeof(request), &o), 0);
	KUNIT_EXPECT_EQ(test, o.fo_len, 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(exp, sizeof(exp), &o), 0);
	KUNIT_ASSERT_EQ(test, o.fo_len, 4);
	KUNIT_EXPECT_EQ(test, o.fo_exp, 1);
	KUNIT_EXPECT_EQ(test, o.fo_cookie[0], 9);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(odd, sizeof(odd), &o), 0);
	KUNIT_EXPECT_EQ(test, o.fo_len, -1);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(short_cookie, sizeof(short_cookie), &o), 0);
	KUNIT_EXPECT_EQ(test, o.fo_len, -1);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(other_exp, sizeof(other_exp), &o), 0);
	KUNIT_EXPECT_EQ(test, o.fo_len, -1);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(NULL, 0, &o), 0);
	KUNIT_EXPECT_EQ(test, o.fo_len, -1);
}

static void tcpalt_options_test_write_fastopen(struct kunit *test)
{
	/* Linux's SYN with a cookie: MSS, SACK-perm + TS, NOP + WS, then TFO padded by NOPs. */
	const u8 key[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
	const u8 want[] = { 2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
			    34, 10, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 1, 1 };
	const u8 want_req[] = { 34, 2, 1, 1 };
	const u8 want_exp[] = { 254, 12, 0xf9, 0x89, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				0xa8 };
	struct tcpalt_opts_out o = { .mss = 65495, .wscale = 7, .sack_perm = 1, .ts = 1,
				     .tsval = 1, .fastopen = 1, .fo_len = 8, .fo_cookie = key };
	struct tcpalt_opts back;
	u8 buf[TCPALT_MAX_OPTLEN];

	KUNIT_ASSERT_EQ(test, tcpalt_options_size(&o), (int)sizeof(want));
	tcpalt_write_options(buf, &o);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, sizeof(want)), 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(buf, sizeof(want), &back), 0);
	KUNIT_EXPECT_EQ(test, back.fo_len, 8);
	KUNIT_EXPECT_EQ(test, memcmp(back.fo_cookie, key, 8), 0);

	o = (struct tcpalt_opts_out){ .wscale = -1, .fastopen = 1 };
	KUNIT_ASSERT_EQ(test, tcpalt_options_size(&o), (int)sizeof(want_req));
	tcpalt_write_options(buf, &o);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want_req, sizeof(want_req)), 0);

	o = (struct tcpalt_opts_out){ .wscale = -1, .fastopen = 1, .fo_exp = 1, .fo_len = 8,
				      .fo_cookie = key };
	KUNIT_ASSERT_EQ(test, tcpalt_options_size(&o), (int)sizeof(want_exp));
	tcpalt_write_options(buf, &o);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want_exp, sizeof(want_exp)), 0);
	KUNIT_EXPECT_EQ(test, tcpalt_parse_options(buf, sizeof(want_exp), &back), 0);
	KUNIT_EXPECT_EQ(test, back.fo_len, 8);
	KUNIT_EXPECT_EQ(test, back.fo_exp, 1);
}

static struct kunit_case tcpalt_options_test_cases[] = {
	KUNIT_CASE(tcpalt_options_test_fastopen),
	KUNIT_CASE(tcpalt_options_test_write_fastopen),
	KUNIT_CASE(tcpalt_options_test_ts_sack),
	KUNIT_CASE(tcpalt_options_test_write_syn),
	KUNIT_CASE(tcpalt_options_test_write_sack),
	KUNIT_CASE(tcpalt_options_test_mss),
	KUNIT_CASE(tcpalt_options_test_mixed),
	KUNIT_CASE(tcpalt_options_test_none),
	KUNIT_CASE(tcpalt_options_test_malformed),
	{}
};

static struct kunit_suite tcpalt_options_test_suite = {
	.name = "tcpalt_options",
	.test_cases = tcpalt_options_test_cases,
};

kunit_test_suite(tcpalt_options_test_suite);
