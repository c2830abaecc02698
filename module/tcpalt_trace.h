/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpalt's tracepoint: one event per state change, fired by tcpalt_set_state() and, for the
 * end of TIME-WAIT, by tcpalt_trace_tw_end().
 * Enable with: echo 1 > /sys/kernel/tracing/events/tcpalt/tcpalt_set_state/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tcpalt

#if !defined(_TCPALT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TCPALT_TRACE_H

#include <linux/tracepoint.h>
#include <net/tcp_states.h>

#define tcpalt_trace_state_name(s)			\
	__print_symbolic(s,				\
		{ TCP_ESTABLISHED, "ESTABLISHED" },	\
		{ TCP_SYN_SENT, "SYN-SENT" },		\
		{ TCP_SYN_RECV, "SYN-RECEIVED" },	\
		{ TCP_FIN_WAIT1, "FIN-WAIT-1" },	\
		{ TCP_FIN_WAIT2, "FIN-WAIT-2" },	\
		{ TCP_TIME_WAIT, "TIME-WAIT" },		\
		{ TCP_CLOSE, "CLOSED" },		\
		{ TCP_CLOSE_WAIT, "CLOSE-WAIT" },	\
		{ TCP_LAST_ACK, "LAST-ACK" },		\
		{ TCP_LISTEN, "LISTEN" },		\
		{ TCP_CLOSING, "CLOSING" })

/*
 * addr is the socket, or the TIME-WAIT entry for the TIME-WAIT -> CLOSED at the end of 2MSL;
 * addresses and ports are in network order.
 */
TRACE_EVENT(tcpalt_set_state,
	    TP_PROTO(const void *addr, __be32 saddr, __be16 sport, __be32 daddr, __be16 dport,
		     int oldstate, int newstate),
	    TP_ARGS(addr, saddr, sport, daddr, dport, oldstate, newstate),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(int, oldstate)
			     __field(int, newstate)
			     __field(__be32, saddr)
			     __field(__be32, daddr)
			     __field(__u16, sport)
			     __field(__u16, dport)),
	    TP_fast_assign(__entry->skaddr = addr;
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;
			   __entry->saddr = saddr;
			   __entry->daddr = daddr;
			   __entry->sport = ntohs(sport);
			   __entry->dport = ntohs(dport);),
	    TP_printk("sk=%p %pI4:%u %pI4:%u %s -> %s", __entry->skaddr,
		      &__entry->saddr, __entry->sport, &__entry->daddr, __entry->dport,
		      tcpalt_trace_state_name(__entry->oldstate),
		      tcpalt_trace_state_name(__entry->newstate))
);

#endif /* _TCPALT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tcpalt_trace
#include <trace/define_trace.h>
