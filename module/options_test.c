// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for options.c: MSS and window scale, well-formed and malformed option lists.
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

static struct kunit_case tcpalt_options_test_cases[] = {
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
