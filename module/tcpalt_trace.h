/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpalt's tracepoints: tcpalt_set_state, one event per state change, fired by
 * tcpalt_set_state() and, for the end of TIME-WAIT, by tcpalt_trace_tw_end(); tcpalt_cwnd, the
 * congestion window after an ACK, fired by tcpalt_trace_cwnd().
 * Enable with: echo 1 > /sys/kernel/tracing/events/tcpalt/tcpalt_set_state/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tcpalt

#if !defined(_TCPALT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TCPALT_TRACE_H

#include <linux/tracepoint.h>
#include <net/tcp.h>
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

#define tcpalt_trace_ca_state_name(s)		\
	__print_symbolic(s,				\
		{ TCP_CA_Open, "Open" },		\
		{ TCP_CA_Disorder, "Disorder" },	\
		{ TCP_CA_CWR, "CWR" },			\
		{ TCP_CA_Recovery, "Recovery" },	\
		{ TCP_CA_Loss, "Loss" })

/*
 * The congestion window of a connection after an ACK: cwnd and ssthresh in bytes and in
 * segments of @mss (ssthresh 4294967295 bytes: no loss yet), the smoothed RTT, the TCP_CA_*
 * state, the bytes in flight and the peer's window (snd_wnd, as tcp_probe's: a flight held
 * below cwnd by it is receive-window limited).  Addresses and ports in network order.
 */
TRACE_EVENT(tcpalt_cwnd,
	    TP_PROTO(const void *addr, __be32 saddr, __be16 sport, __be32 daddr, __be16 dport,
		     u32 cwnd, u32 ssthresh, u32 mss, u32 srtt_us, u8 ca_state, u32 in_flight,
		     u32 snd_wnd),
	    TP_ARGS(addr, saddr, sport, daddr, dport, cwnd, ssthresh, mss, srtt_us, ca_state,
		    in_flight, snd_wnd),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(__be32, saddr)
			     __field(__be32, daddr)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(u32, cwnd)
			     __field(u32, cwnd_segs)
			     __field(u32, ssthresh)
			     __field(u32, ssthresh_segs)
			     __field(u32, mss)
			     __field(u32, srtt_us)
			     __field(u32, in_flight)
			     __field(u32, snd_wnd)
			     __field(u8, ca_state)),
	    TP_fast_assign(__entry->skaddr = addr;
			   __entry->saddr = saddr;
			   __entry->daddr = daddr;
			   __entry->sport = ntohs(sport);
			   __entry->dport = ntohs(dport);
			   __entry->cwnd = cwnd;
			   __entry->cwnd_segs = mss ? cwnd / mss : 0;
			   __entry->ssthresh = ssthresh;
			   __entry->ssthresh_segs = mss ? ssthresh / mss : 0;
			   __entry->mss = mss;
			   __entry->srtt_us = srtt_us;
			   __entry->in_flight = in_flight;
			   __entry->snd_wnd = snd_wnd;
			   __entry->ca_state = ca_state;),
	    TP_printk("sk=%p %pI4:%u %pI4:%u cwnd=%u (%u segs) ssthresh=%u (%u segs) mss=%u srtt_us=%u ca_state=%s in_flight=%u snd_wnd=%u",
		      __entry->skaddr, &__entry->saddr, __entry->sport, &__entry->daddr,
		      __entry->dport, __entry->cwnd, __entry->cwnd_segs, __entry->ssthresh,
		      __entry->ssthresh_segs, __entry->mss, __entry->srtt_us,
		      tcpalt_trace_ca_state_name(__entry->ca_state), __entry->in_flight,
		      __entry->snd_wnd)
);

#endif /* _TCPALT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tcpalt_trace
#include <trace/define_trace.h>
