/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpalt's counters: per network namespace, per CPU, shown by /proc/tcpalt/stats.  The names
 * table is in mib.c; the per-state entry counts follow the enum (one per TCP_* state), then
 * one count per (from, to) pair of states for /proc/tcpalt/transitions (1352 bytes per CPU and
 * namespace: a flat array keeps the bump one this_cpu_inc() in tcpalt_set_state()).
 */
#ifndef _TCPALT_MIB_H
#define _TCPALT_MIB_H

#include <linux/percpu.h>
#include <net/tcp_states.h>

enum tcpalt_mib_field {
	TCPALT_MIB_ACTIVEOPENS,		/* connect() sent a SYN */
	TCPALT_MIB_PASSIVEOPENS,	/* a listener answered a SYN */
	TCPALT_MIB_ATTEMPTFAILS,	/* SYN-SENT/SYN-RECEIVED -> CLOSED */
	TCPALT_MIB_ESTABRESETS,		/* ESTABLISHED/CLOSE-WAIT -> CLOSED by RST */
	TCPALT_MIB_INSEGS,		/* segments taken for tcpalt */
	TCPALT_MIB_OUTSEGS,		/* segments sent */
	TCPALT_MIB_RETRANSSEGS,		/* segments retransmitted */
	TCPALT_MIB_INERRS,		/* segments dropped as bad */
	TCPALT_MIB_OUTRSTS,		/* RSTs sent */
	TCPALT_MIB_INCSUMERRORS,	/* bad checksum */
	TCPALT_MIB_MALFORMED,		/* bad data offset or truncated header */
	TCPALT_MIB_CHALLENGEACKS,	/* RFC 5961 challenge ACKs sent */
	TCPALT_MIB_OUTOFWINDOW,		/* segments outside the receive window */
	TCPALT_MIB_LISTENOVERFLOWS,	/* SYNs dropped: SYN or accept queue full */
	TCPALT_MIB_TIMEOUTS,		/* retransmission timeouts */
	TCPALT_MIB_ABORTONDATA,		/* RST sent: close() with unread data or data after close */
	TCPALT_MIB_ABORTONLINGER,	/* RST sent: SO_LINGER {1,0} */
	TCPALT_MIB_TWRECYCLED,		/* TIME-WAIT ended early: a new SYN, connect() (tw_reuse) */
	TCPALT_MIB_TWREACKS,		/* retransmitted FIN re-ACKed in TIME-WAIT */
	TCPALT_MIB_TWRSTIGNORED,	/* RST ignored in TIME-WAIT (RFC 1337) */
	TCPALT_MIB_OFODUPS,		/* out-of-order segments we already had */
	TCPALT_MIB_OFOPRUNED,		/* out-of-order segments dropped for memory */
	TCPALT_MIB_RCVQDROP,		/* segments dropped: receive buffer full */
	TCPALT_MIB_ACKRATELIMITED,	/* out-of-window or challenge ACKs not sent (RFC 5961 10) */
	TCPALT_MIB_POLICYDROPS,		/* segments dropped by IPsec policy or a socket filter */
	TCPALT_MIB_OUTDROPS,		/* segments the host failed to send (retransmitted later) */
	TCPALT_MIB_SYNCOOKIESSENT,	/* SYN-ACKs with a SYN cookie (SYN queue full) */
	TCPALT_MIB_SYNCOOKIESRECV,	/* connections made from a valid cookie */
	TCPALT_MIB_SYNCOOKIESFAILED,	/* ACKs to a listener with an invalid cookie */
	TCPALT_MIB_ABORTONMEMORY,	/* RST on close: too many orphans or over tcp_mem */
	TCPALT_MIB_TWOVERFLOW,		/* no TIME-WAIT entry: tcp_max_tw_buckets reached */
	TCPALT_MIB_BACKLOGDROP,		/* segments dropped: the owned socket's backlog was full */
	TCPALT_MIB_RCVCOLLAPSED,	/* receive queue copied compact to make room */
	TCPALT_MIB_FASTRETRANS,		/* fast recoveries begun (RACK or 3 duplicate ACKs) */
	TCPALT_MIB_UNDO,		/* reductions undone: the retransmission was spurious */
	TCPALT_MIB_TLP,			/* tail loss probes sent */
	TCPALT_MIB_TLPRECOVERY,		/* losses a tail loss probe repaired */
	TCPALT_MIB_PAWSDROP,		/* segments dropped by PAWS (RFC 7323 5) */
	TCPALT_MIB_DSACKSENT,		/* D-SACK blocks sent (RFC 2883) */
	TCPALT_MIB_DSACKRECV,		/* D-SACK blocks received */
	TCPALT_MIB_TFOACTIVE,		/* our SYN's data was acknowledged (RFC 7413) */
	TCPALT_MIB_TFOACTIVEFAIL,	/* our SYN's data was not acknowledged: sent again */
	TCPALT_MIB_TFOPASSIVE,		/* a SYN with a valid cookie made a Fast Open child */
	TCPALT_MIB_TFOPASSIVEFAIL,	/* a SYN's cookie was invalid (or no child was made) */
	TCPALT_MIB_TFOLISTENOVERFLOW,	/* Fast Open refused: TCP_FASTOPEN's queue was full */
	TCPALT_MIB_TFOCOOKIEREQD,	/* SYNs that asked for a cookie */
	TCPALT_MIB_TFOPASSIVEALTKEY,	/* a Fast Open SYN's cookie was of the backup key */
	TCPALT_MIB_ENTER_STATE,		/* first of TCP_MAX_STATES per-state entry counts */
	/* first of TCP_MAX_STATES^2 transition counts, [from * TCP_MAX_STATES + to] */
	TCPALT_MIB_TRANSITION = TCPALT_MIB_ENTER_STATE + TCP_MAX_STATES,
	TCPALT_MIB_MAX = TCPALT_MIB_TRANSITION + TCP_MAX_STATES * TCP_MAX_STATES,
};

/* The counter of the transition @from -> @to (TCP_* states). */
#define TCPALT_MIB_TRANS(from, to) (TCPALT_MIB_TRANSITION + (from) * TCP_MAX_STATES + (to))

struct tcpalt_mib {
	u64 v[TCPALT_MIB_MAX];
};

struct net;
struct tcpalt_net;
void tcpalt_mib_inc(const struct net *net, enum tcpalt_mib_field f);
u64 tcpalt_mib_read(const struct tcpalt_net *tn, int f);
const char *tcpalt_mib_name(int f);

#endif /* _TCPALT_MIB_H */
