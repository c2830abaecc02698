// SPDX-License-Identifier: GPL-2.0
/*
 * The one place where a tcpalt socket changes state.
 *
 * State values are the kernel's TCP_* numbers (TCP_INFO's tcpi_state, TCPF_* masks and the
 * generic stream helpers all work); names are RFC 9293's.  The transition table mirrors the
 * RFC 9293 3.3.2 state diagram, with two Linux realities: a passively opened connection is born
 * in SYN-RECEIVED (its listener stays in LISTEN), and any state may be aborted to CLOSED.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "tcpalt.h"

#define CREATE_TRACE_POINTS
#include "tcpalt_trace.h"

static const char *const tcpalt_state_names[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN-SENT",
	[TCP_SYN_RECV]		= "SYN-RECEIVED",
	[TCP_FIN_WAIT1]		= "FIN-WAIT-1",
	[TCP_FIN_WAIT2]		= "FIN-WAIT-2",
	[TCP_TIME_WAIT]		= "TIME-WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCP_LAST_ACK]		= "LAST-ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

/* For each state, the set of states RFC 9293's diagram lets it move to. */
static const u16 tcpalt_next_states[TCP_MAX_STATES] = {
	/* passive open, active open, born from a listener's SYN */
	[TCP_CLOSE]		= TCPF_LISTEN | TCPF_SYN_SENT | TCPF_SYN_RECV,
	/* close; (send on a listener is not offered, as in Linux) */
	[TCP_LISTEN]		= TCPF_CLOSE,
	/* SYN+ACK, simultaneous open (SYN), close/RST/timeout */
	[TCP_SYN_SENT]		= TCPF_ESTABLISHED | TCPF_SYN_RECV | TCPF_CLOSE,
	/* ACK of SYN, close (send FIN), RST/timeout */
	[TCP_SYN_RECV]		= TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_CLOSE,
	/* close, FIN received, RST/abort */
	[TCP_ESTABLISHED]	= TCPF_FIN_WAIT1 | TCPF_CLOSE_WAIT | TCPF_CLOSE,
	/* ACK of FIN, FIN, FIN+ACK of FIN together, RST/abort */
	[TCP_FIN_WAIT1]		= TCPF_FIN_WAIT2 | TCPF_CLOSING | TCPF_TIME_WAIT | TCPF_CLOSE,
	/* FIN, RST/orphan timeout */
	[TCP_FIN_WAIT2]		= TCPF_TIME_WAIT | TCPF_CLOSE,
	/* close (send FIN), RST/abort */
	[TCP_CLOSE_WAIT]	= TCPF_LAST_ACK | TCPF_CLOSE,
	/* ACK of FIN, RST/abort */
	[TCP_CLOSING]		= TCPF_TIME_WAIT | TCPF_CLOSE,
	/* ACK of FIN, RST/abort */
	[TCP_LAST_ACK]		= TCPF_CLOSE,
	/* 2MSL timeout */
	[TCP_TIME_WAIT]		= TCPF_CLOSE,
};

/**
 * tcpalt_state_name() - RFC 9293 name of a state.
 * @state: a TCP_* state number
 *
 * Return: the name, or "UNKNOWN" for a number that is not a tcpalt state.
 */
const char *tcpalt_state_name(int state)
{
	if (state < 0 || state >= TCP_MAX_STATES || !tcpalt_state_names[state])
		return "UNKNOWN";
	return tcpalt_state_names[state];
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_state_name);

/**
 * tcpalt_state_transition_ok() - is @from -> @to an edge of the state diagram?
 * @from: current TCP_* state
 * @to: next TCP_* state
 *
 * Pure: no locking.  Return: true if the transition is legal.
 */
bool tcpalt_state_transition_ok(int from, int to)
{
	BUILD_BUG_ON(ARRAY_SIZE(tcpalt_next_states) != TCP_MAX_STATES);
	BUILD_BUG_ON(TCP_MAX_STATES > 16);

	if (from < 0 || from >= TCP_MAX_STATES || to < 0 || to >= TCP_MAX_STATES)
		return false;
	return tcpalt_next_states[from] & (1 << to);
}
EXPORT_SYMBOL_IF_KUNIT(tcpalt_state_transition_ok);

/*
 * One transition of a connection, for /proc/tcpalt/transitions: counted where it is traced, so
 * the counts and the tracepoint agree (TIME-WAIT -> CLOSED when the TIME-WAIT entry ends).  A
 * per-CPU bump: no lock, and exact once summed over the CPUs.
 */
static void tcpalt_count_transition(const struct net *net, int old, int state)
{
	if (old >= 0 && old < TCP_MAX_STATES && state >= 0 && state < TCP_MAX_STATES)
		tcpalt_mib_inc(net, TCPALT_MIB_TRANS(old, state));
}

/**
 * tcpalt_trace_sk() - fire the tcpalt_set_state tracepoint for a socket, count the transition.
 * @sk: the socket
 * @old: the state left
 * @state: the state entered
 */
void tcpalt_trace_sk(const struct sock *sk, int old, int state)
{
	const struct inet_sock *inet = inet_sk(sk);

	trace_tcpalt_set_state(sk, inet->inet_rcv_saddr, inet->inet_sport, inet->inet_daddr,
			       inet->inet_dport, old, state);
	tcpalt_count_transition(sock_net(sk), old, state);
}

/**
 * tcpalt_trace_cwnd() - fire the tcpalt_cwnd tracepoint: @sk's congestion window now.
 * @sk: the socket; its lock must be held by the caller (as on the ACK path).
 */
void tcpalt_trace_cwnd(const struct sock *sk)
{
	const struct tcpalt_sock *ts = tcpalt_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);

	trace_tcpalt_cwnd(sk, inet->inet_rcv_saddr, inet->inet_sport, inet->inet_daddr,
			  inet->inet_dport, ts->cc.cwnd, ts->cc.ssthresh, ts->mss, ts->rto.srtt_us,
			  ts->cc.ca_state, tcpalt_in_flight(ts), ts->snd_wnd);
}

/**
 * tcpalt_trace_tw_end() - trace and count the end of a connection's TIME-WAIT (its entry ends).
 * @tw: the entry
 */
void tcpalt_trace_tw_end(const struct tcpalt_tw *tw)
{
	trace_tcpalt_set_state(tw, tw->h.laddr, tw->h.lport, tw->h.raddr, tw->h.rport,
			       TCP_TIME_WAIT, TCP_CLOSE);
	tcpalt_count_transition(tw->h.net, TCP_TIME_WAIT, TCP_CLOSE);
}

/**
 * tcpalt_set_state() - move @sk to @state.
 * @sk: the socket; its lock must be held by the caller.
 * @state: the TCP_* state to enter
 *
 * Checks the transition against the state diagram (an illegal one is a tcpalt bug and
 * warns), fires the tcpalt_set_state tracepoint, counts the entry in /proc/tcpalt/stats and
 * the transition in /proc/tcpalt/transitions.
 */
void tcpalt_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;

	if (old == state)
		return;
	WARN_ONCE(!tcpalt_state_transition_ok(old, state), "tcpalt: illegal transition %s -> %s\n",
		  tcpalt_state_name(old), tcpalt_state_name(state));
	/*
	 * A socket leaves TIME-WAIT at once, handing the connection to a TIME-WAIT entry: the
	 * connection's TIME-WAIT -> CLOSED is traced when that entry ends, after 2MSL.
	 */
	if (old != TCP_TIME_WAIT)
		tcpalt_trace_sk(sk, old, state);
	inet_sk_set_state(sk, state);
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_ENTER_STATE + state);
	if (old == TCP_SYN_RECV && tcpalt_sk(sk)->fo.listener)
		tcpalt_fastopen_child_end(sk);	/* its place in TCP_FASTOPEN's queue */
}
