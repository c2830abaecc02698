// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt's counters (mib.h): per namespace and per CPU, bumped from every path through
 * tcpalt_mib_inc(), read by /proc/tcpalt/stats.  A leaf: it calls nothing else of tcpalt.
 */
#include <linux/percpu.h>
#include <net/net_namespace.h>

#include "tcpalt.h"

static const char *const tcpalt_mib_names[TCPALT_MIB_ENTER_STATE] = {
	[TCPALT_MIB_ACTIVEOPENS]	= "ActiveOpens",
	[TCPALT_MIB_PASSIVEOPENS]	= "PassiveOpens",
	[TCPALT_MIB_ATTEMPTFAILS]	= "AttemptFails",
	[TCPALT_MIB_ESTABRESETS]	= "EstabResets",
	[TCPALT_MIB_INSEGS]		= "InSegs",
	[TCPALT_MIB_OUTSEGS]		= "OutSegs",
	[TCPALT_MIB_RETRANSSEGS]	= "RetransSegs",
	[TCPALT_MIB_INERRS]		= "InErrs",
	[TCPALT_MIB_OUTRSTS]		= "OutRsts",
	[TCPALT_MIB_INCSUMERRORS]	= "InCsumErrors",
	[TCPALT_MIB_MALFORMED]		= "Malformed",
	[TCPALT_MIB_CHALLENGEACKS]	= "ChallengeAcks",
	[TCPALT_MIB_OUTOFWINDOW]	= "OutOfWindow",
	[TCPALT_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[TCPALT_MIB_TIMEOUTS]		= "Timeouts",
	[TCPALT_MIB_ABORTONDATA]	= "AbortOnData",
	[TCPALT_MIB_ABORTONLINGER]	= "AbortOnLinger",
	[TCPALT_MIB_TWRECYCLED]		= "TimeWaitRecycled",
	[TCPALT_MIB_TWREACKS]		= "TimeWaitReAcks",
	[TCPALT_MIB_TWRSTIGNORED]	= "TimeWaitRstIgnored",
	[TCPALT_MIB_OFODUPS]		= "OfoDuplicates",
	[TCPALT_MIB_OFOPRUNED]		= "OfoPruned",
	[TCPALT_MIB_RCVQDROP]		= "RcvQDrop",
	[TCPALT_MIB_ACKRATELIMITED]	= "AckRateLimited",
	[TCPALT_MIB_POLICYDROPS]	= "PolicyDrops",
	[TCPALT_MIB_OUTDROPS]		= "OutDrops",
	[TCPALT_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[TCPALT_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[TCPALT_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[TCPALT_MIB_ABORTONMEMORY]	= "AbortOnMemory",
	[TCPALT_MIB_TWOVERFLOW]		= "TimeWaitOverflow",
	[TCPALT_MIB_BACKLOGDROP]	= "BacklogDrop",
	[TCPALT_MIB_RCVCOLLAPSED]	= "RcvCollapsed",
	[TCPALT_MIB_FASTRETRANS]	= "FastRetrans",
	[TCPALT_MIB_UNDO]		= "Undo",
	[TCPALT_MIB_TLP]		= "LossProbes",
	[TCPALT_MIB_TLPRECOVERY]	= "LossProbeRecovery",
	[TCPALT_MIB_PAWSDROP]		= "PAWSDrop",
	[TCPALT_MIB_DSACKSENT]		= "DSACKSent",
	[TCPALT_MIB_DSACKRECV]		= "DSACKRecv",
	[TCPALT_MIB_TFOACTIVE]		= "TCPFastOpenActive",
	[TCPALT_MIB_TFOACTIVEFAIL]	= "TCPFastOpenActiveFail",
	[TCPALT_MIB_TFOPASSIVE]		= "TCPFastOpenPassive",
	[TCPALT_MIB_TFOPASSIVEFAIL]	= "TCPFastOpenPassiveFail",
	[TCPALT_MIB_TFOLISTENOVERFLOW]	= "TCPFastOpenListenOverflow",
	[TCPALT_MIB_TFOCOOKIEREQD]	= "TCPFastOpenCookieReqd",
	[TCPALT_MIB_TFOPASSIVEALTKEY]	= "TCPFastOpenPassiveAltKey",
};

/**
 * tcpalt_mib_inc() - bump one counter of @net.
 * @net: namespace
 * @f: counter
 */
void tcpalt_mib_inc(const struct net *net, enum tcpalt_mib_field f)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);

	if (tn && tn->mib)
		this_cpu_inc(tn->mib->v[f]);
}

/**
 * tcpalt_mib_read() - one counter of a namespace, summed over the CPUs.
 * @tn: the namespace's tcpalt data
 * @f: counter (a field, TCPALT_MIB_ENTER_STATE + a state or TCPALT_MIB_TRANS(from, to))
 *
 * Return: the count.
 */
u64 tcpalt_mib_read(const struct tcpalt_net *tn, int f)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(tn->mib, cpu)->v[f];
	return sum;
}

/**
 * tcpalt_mib_name() - the name /proc/tcpalt/stats gives a counter.
 * @f: a field below TCPALT_MIB_ENTER_STATE
 *
 * Return: the name.
 */
const char *tcpalt_mib_name(int f)
{
	BUILD_BUG_ON(ARRAY_SIZE(tcpalt_mib_names) != TCPALT_MIB_ENTER_STATE);
	return tcpalt_mib_names[f];
}
