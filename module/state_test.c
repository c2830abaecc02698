// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for state.c: every (state, next state) pair against RFC 9293's diagram.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <net/tcp_states.h>

#include "tcpalt.h"

/* The edges of RFC 9293 3.3.2's diagram, written out independently of state.c's table. */
static const struct { int from, to; } tcpalt_test_edges[] = {
	{ TCP_CLOSE, TCP_LISTEN },		/* passive OPEN */
	{ TCP_CLOSE, TCP_SYN_SENT },		/* active OPEN, send SYN */
	{ TCP_CLOSE, TCP_SYN_RECV },		/* child born from a listener's SYN */
	{ TCP_LISTEN, TCP_CLOSE },		/* CLOSE */
	{ TCP_SYN_SENT, TCP_ESTABLISHED },	/* rcv SYN,ACK, snd ACK */
	{ TCP_SYN_SENT, TCP_SYN_RECV },		/* rcv SYN (simultaneous open), snd SYN,ACK */
	{ TCP_SYN_SENT, TCP_CLOSE },		/* CLOSE, RST, timeout */
	{ TCP_SYN_RECV, TCP_ESTABLISHED },	/* rcv ACK of SYN */
	{ TCP_SYN_RECV, TCP_FIN_WAIT1 },	/* CLOSE, snd FIN */
	{ TCP_SYN_RECV, TCP_CLOSE },		/* RST, timeout */
	{ TCP_ESTABLISHED, TCP_FIN_WAIT1 },	/* CLOSE, snd FIN */
	{ TCP_ESTABLISHED, TCP_CLOSE_WAIT },	/* rcv FIN, snd ACK */
	{ TCP_ESTABLISHED, TCP_CLOSE },		/* RST, abort */
	{ TCP_FIN_WAIT1, TCP_FIN_WAIT2 },	/* rcv ACK of FIN */
	{ TCP_FIN_WAIT1, TCP_CLOSING },		/* rcv FIN, snd ACK */
	{ TCP_FIN_WAIT1, TCP_TIME_WAIT },	/* rcv FIN+ACK of FIN */
	{ TCP_FIN_WAIT1, TCP_CLOSE },		/* RST, abort */
	{ TCP_FIN_WAIT2, TCP_TIME_WAIT },	/* rcv FIN, snd ACK */
	{ TCP_FIN_WAIT2, TCP_CLOSE },		/* RST, orphan timeout */
	{ TCP_CLOSE_WAIT, TCP_LAST_ACK },	/* CLOSE, snd FIN */
	{ TCP_CLOSE_WAIT, TCP_CLOSE },		/* RST, abort */
	{ TCP_CLOSING, TCP_TIME_WAIT },		/* rcv ACK of FIN */
	{ TCP_CLOSING, TCP_CLOSE },		/* RST */
	{ TCP_LAST_ACK, TCP_CLOSE },		/* rcv ACK of FIN */
	{ TCP_TIME_WAIT, TCP_CLOSE },		/* 2MSL timeout */
};

static bool tcpalt_test_is_edge(int from, int to)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(tcpalt_test_edges); i++)
		if (tcpalt_test_edges[i].from == from && tcpalt_test_edges[i].to == to)
			return true;
	return false;
}

static void tcpalt_state_test_every_pair(struct kunit *test)
{
	int from, to;

	for (from = TCP_ESTABLISHED; from <= TCP_CLOSING; from++)
		for (to = TCP_ESTABLISHED; to <= TCP_CLOSING; to++)
			KUNIT_EXPECT_EQ_MSG(test, tcpalt_state_transition_ok(from, to),
					    tcpalt_test_is_edge(from, to), "%s -> %s",
					    tcpalt_state_name(from), tcpalt_state_name(to));
}

static void tcpalt_state_test_out_of_range(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, tcpalt_state_transition_ok(-1, TCP_CLOSE));
	KUNIT_EXPECT_FALSE(test, tcpalt_state_transition_ok(TCP_CLOSE, TCP_MAX_STATES));
	KUNIT_EXPECT_FALSE(test, tcpalt_state_transition_ok(0, TCP_LISTEN));
	KUNIT_EXPECT_FALSE(test, tcpalt_state_transition_ok(TCP_NEW_SYN_RECV, TCP_CLOSE));
}

static void tcpalt_state_test_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, tcpalt_state_name(TCP_SYN_RECV), "SYN-RECEIVED");
	KUNIT_EXPECT_STREQ(test, tcpalt_state_name(TCP_FIN_WAIT1), "FIN-WAIT-1");
	KUNIT_EXPECT_STREQ(test, tcpalt_state_name(TCP_CLOSE), "CLOSED");
	KUNIT_EXPECT_STREQ(test, tcpalt_state_name(TCP_TIME_WAIT), "TIME-WAIT");
	KUNIT_EXPECT_STREQ(test, tcpalt_state_name(TCP_NEW_SYN_RECV), "UNKNOWN");
	KUNIT_EXPECT_STREQ(test, tcpalt_state_name(99), "UNKNOWN");
}

static struct kunit_case tcpalt_state_test_cases[] = {
	KUNIT_CASE(tcpalt_state_test_every_pair),
	KUNIT_CASE(tcpalt_state_test_out_of_range),
	KUNIT_CASE(tcpalt_state_test_names),
	{}
};

static struct kunit_suite tcpalt_state_test_suite = {
	.name = "tcpalt_state",
	.test_cases = tcpalt_state_test_cases,
};

kunit_test_suite(tcpalt_state_test_suite);
