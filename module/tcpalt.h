/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpalt internal header: the socket, the TIME-WAIT entry, the lookup tables and the functions
 * the files share.  Layers (one file each):
 *
 *   af.c       socket(), proto_ops: bind/listen/accept/connect/send/recv/poll/shutdown/close
 *   sockopt.c  SOL_TCP / SOL_IP options, TCP_INFO
 *   input.c    protocol 6 handler -> validate -> policy -> lookup -> state machine (3.10.7)
 *   icmp.c     ICMP errors and path MTU; errqueue.c the socket error queue (MSG_ERRQUEUE)
 *   output.c   building and sending segments; the send queue
 *   timer.c    hrtimers: retransmit/probe, delayed ACK, keepalive/FIN-WAIT-2
 *   timewait.c the small TIME-WAIT entry
 *   hash.c     lookup tables
 *   port.c     the port space shared with the kernel TCP
 *   state.c    the transition table and tcpalt_set_state()
 *   proc.c     the /proc/tcpalt files; mib.c the counters; sysctl.c: net.tcpalt sysctls
 *   seq.h, options.c, rto.c, isn.c: pure logic, tested by KUnit
 *
 * Locking (numbered lock order; take a lower number before a higher one, never the reverse):
 *   1. the socket lock: lock_sock(sk) in process context, bh_lock_sock(sk) in softirq.  A
 *      socket's spinlock is taken in process context only with BH disabled (a softirq on the
 *      same CPU would spin on it forever).  Segments for a listener are never queued to its
 *      backlog: the LISTEN path (input.c) runs in softirq without the listener's lock, on
 *      the listener's accept_lock alone, so accept() holding the listener never stalls SYNs.
 *      A listener's lock is never held while a child's is taken, and vice versa.
 *   2. tcpalt_sock::accept_lock (a listener's SYN and accept queues; sock.c's accept-queue
 *      helpers are the only code that takes it), always with BH disabled; may be taken under
 *      a child's lock
 *   3. tcpalt_ehash_lock / tcpalt_lhash_lock (writers of the lookup tables; readers use RCU)
 *   4. tcpalt_net::all_lock (a namespace's list of entries, the one /proc/tcpalt walks)
 *   5. tcpalt_net::fo_lock (the namespace's Fast Open cookie cache), with BH disabled;
 *      nothing is taken under it
 * Every protocol field of struct tcpalt_sock is protected by the socket lock (1) unless its
 * comment says otherwise.  State changes happen only through tcpalt_set_state().
 *
 * A segment sent with a socket's spinlock held is sent from softirq (or with BH disabled),
 * where a loopback reply cannot be processed before the lock is released.
 */
#ifndef _TCPALT_H
#define _TCPALT_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rbtree.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <net/inet_sock.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include <uapi/tcpalt.h>

#include "cong.h"
#include "mib.h"
#include "options.h"
#include "rto.h"

/* TCP header flags, as the kernel's TCPHDR_* (the 14th byte of the header). */
#define TCPALT_FIN	0x01
#define TCPALT_SYN	0x02
#define TCPALT_RST	0x04
#define TCPALT_PSH	0x08
#define TCPALT_ACK	0x10

#define TCPALT_MAX_HEADER	(128 + MAX_HEADER)	/* as MAX_TCP_HEADER */
#define TCPALT_DEFAULT_MSS	536	/* RFC 9293 3.7.1: when the peer sends no MSS option */
#define TCPALT_MAX_WINDOW	65535U	/* largest unscaled window field */
#define TCPALT_INIT_CWND	10	/* RFC 6928, in segments */
#define TCPALT_ATO_MIN_NS	(40 * NSEC_PER_MSEC)	/* TCP_ATO_MIN, TCP_DELACK_MIN */
#define TCPALT_DELACK_MAX_NS	(200 * NSEC_PER_MSEC)	/* TCP_DELACK_MAX */
#define TCPALT_CORK_NS		(200 * NSEC_PER_MSEC)	/* ceiling on a corked partial segment */
#define TCPALT_MAX_QUICKACKS	16	/* TCP_MAX_QUICKACKS */
#define TCPALT_RETRIES2		15	/* RFC 1122 4.2.3.5 R2, as Linux's tcp_retries2 */

/* tcpalt_sock::urg_data: the urgent byte in the low 8 bits with TCPALT_URG_VALID (TCP_URG_*). */
#define TCPALT_URG_VALID	0x0100
#define TCPALT_URG_NOTYET	0x0200
#define TCPALT_URG_READ		0x0400

/* Kinds of entries in the lookup tables and the /proc list. */
enum tcpalt_kind {
	TCPALT_KIND_SOCK,
	TCPALT_KIND_TW,
	TCPALT_KIND_CURSOR,	/* a reader's place in tcpalt_net::all (proc.c); never hashed */
};

/**
 * struct tcpalt_hnode - what the lookup tables and /proc/tcpalt/connections see of an entry.
 * @node: link in the established or listener table (writers hold the table's lock)
 * @all: link in its namespace's tcpalt_net::all (protected by tcpalt_net::all_lock)
 * @net: network namespace
 * @laddr: local address (network order)
 * @raddr: remote address
 * @lport: local port
 * @rport: remote port
 * @kind: TCPALT_KIND_SOCK or TCPALT_KIND_TW
 * @hashed: 0, or which table @node is in ('e' or 'l')
 * @reuseport: a listener in an SO_REUSEPORT group (set before it is hashed, then fixed)
 */
struct tcpalt_hnode {
	struct hlist_node node;
	struct list_head all;
	struct net *net;
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;
	u8 kind;
	u8 hashed;
	u8 reuseport;
};

/* Deferred timer work, bits in tcpalt_sock::deferred (atomic bitops). */
enum {
	TCPALT_RTX_DEFERRED,
	TCPALT_DELACK_DEFERRED,
	TCPALT_KEEPALIVE_DEFERRED,
	TCPALT_MTU_DEFERRED,	/* an ICMP "fragmentation needed" met the user's lock */
};

/* What the retransmit timer is doing. */
enum tcpalt_rtx_kind {
	TCPALT_RTX_NONE,
	TCPALT_RTX_RETRANSMIT,	/* data, SYN, SYN-ACK or FIN unacknowledged */
	TCPALT_RTX_PROBE,	/* zero-window probe, RFC 9293 3.8.6.1 */
	TCPALT_RTX_CORK,	/* a corked partial segment's 200 ms ceiling (tcp(7) TCP_CORK) */
	TCPALT_RTX_REO,		/* RACK's reordering window of a segment not yet lost (RFC 8985) */
	TCPALT_RTX_TLP,		/* tail loss probe (RFC 8985 7) */
};

/* How tcpalt_push() treats a partial (sub-MSS) segment at the tail, as Linux's nonagle bits. */
enum {
	TCPALT_PUSH_MORE = 1,	/* MSG_MORE: more follows; hold it as TCP_CORK would */
	TCPALT_PUSH_FORCE = 2,	/* send it whatever Nagle and the cork say (uncork, cork timer) */
};

struct tcpalt_port;

/* net.ipv4.tcp_fastopen bits, as Linux's TFO_* (include/net/tcp.h). */
#define TCPALT_TFO_CLIENT_ENABLE	0x1
#define TCPALT_TFO_SERVER_ENABLE	0x2
#define TCPALT_TFO_CLIENT_NO_COOKIE	0x4
#define TCPALT_TFO_SERVER_NO_COOKIE	0x200
#define TCPALT_TFO_SERVER_WO_SOCKOPT1	0x400
#define TCPALT_TFO_COOKIE_LEN		8	/* tcpalt's cookies (TCP_FASTOPEN_COOKIE_SIZE) */
#define TCPALT_TFO_CACHE_SIZE		32	/* cached cookies per namespace */

/**
 * struct tcpalt_fo_ctx - TCP_FASTOPEN_KEY: a socket's own server cookie keys (RCU).
 * @rcu: deferred free
 * @num: keys: the primary one, and a backup that cookies are still checked against
 * @key: the keys
 */
struct tcpalt_fo_ctx {
	struct rcu_head rcu;
	int num;
	siphash_key_t key[2];
};

/**
 * struct tcpalt_fo - a socket's TCP Fast Open state (fastopen.c; RFC 7413).
 * @ctx: TCP_FASTOPEN_KEY's keys, or NULL (the module's key); replaced under RCU
 * @max_qlen: TCP_FASTOPEN: Fast Open children that may wait in SYN-RECEIVED (listener)
 * @qlen: Fast Open children now in SYN-RECEIVED (listener; atomic, the LISTEN path is lockless)
 * @listener: a Fast Open child still in SYN-RECEIVED: the listener whose @qlen counts it (a
 *	      reference is held)
 * @msg: sendmsg()'s data, while a MSG_FASTOPEN or deferred connect is in progress
 * @copied: bytes of @msg that went in the SYN
 * @connect: TCP_FASTOPEN_CONNECT
 * @no_cookie: TCP_FASTOPEN_NO_COOKIE
 * @defer: connect() was deferred to the first write (TCP_FASTOPEN_CONNECT with a cookie)
 * @req: the next SYN is a Fast Open one (data with a cookie, or a cookie request)
 * @send_opt: the next SYN or SYN-ACK carries the option (@cookie_len bytes; 0: request)
 * @exp: in the experimental form
 * @syn_fastopen: our SYN carried the option (a SYN-ACK's cookie is then taken)
 * @syn_data: our SYN carried data
 * @syn_data_acked: the SYN's data was acknowledged / accepted (TCPI_OPT_SYN_DATA)
 * @client_fail: why the client's Fast Open failed, TFO_* of enum tcp_fastopen_client_fail
 *		 (TCP_INFO tcpi_fastopen_client_fail)
 * @cookie_len: bytes in @cookie
 * @cookie: the cookie to send
 */
struct tcpalt_fo {
	struct tcpalt_fo_ctx __rcu *ctx;
	int max_qlen;
	atomic_t qlen;
	struct sock *listener;
	struct msghdr *msg;
	size_t copied;
	u8 connect;
	u8 no_cookie;
	u8 defer;
	u8 req;
	u8 send_opt;
	u8 exp;
	u8 syn_fastopen;
	u8 syn_data;
	u8 syn_data_acked;
	u8 client_fail;
	u8 cookie_len;
	u8 cookie[TCPALT_FASTOPEN_COOKIE_MAX];
};

/**
 * struct tcpalt_sock - one AF_TCPALT socket (listener, connection or unconnected).
 * @inet: the IPv4 socket it is built on; first, so inet_sk() and tcpalt_sk() agree
 * @h: lookup-table and /proc entry
 * @iss: initial send sequence number
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @snd_wnd: peer's advertised window
 * @snd_wl1: segment sequence number of the last window update
 * @snd_wl2: segment acknowledgment number of the last window update
 * @max_window: largest window the peer has offered
 * @irs: initial receive sequence number
 * @rcv_nxt: next sequence number expected
 * @rcv_wnd: window last advertised
 * @rcv_wup: rcv_nxt when @rcv_wnd was advertised (the right edge never moves left)
 * @copied_seq: next sequence number the user will read
 * @write_seq: sequence number after the last byte queued by the user (and FIN)
 * @snd_sml: end of the last small segment sent (Minshall's Nagle)
 * @snd_up: send urgent pointer: the sequence number after the last urgent byte (RFC 9293
 *	    3.8.5; Linux's BSD-style pointer)
 * @urg_mode: @snd_up is ahead of SND.UNA: segments carry URG (tcp_urg_mode())
 * @urg_seq: sequence number of the urgent byte received last (valid with @urg_data)
 * @urg_data: 0, or TCPALT_URG_NOTYET (pointer seen, byte not yet), TCPALT_URG_VALID | the
 *	      byte, or TCPALT_URG_READ (recv(MSG_OOB) took it); as Linux's tp->urg_data
 * @mss: effective send MSS
 * @adv_mss: MSS we announce
 * @user_mss: TCP_MAXSEG, 0 if unset
 * @snd_wscale: shift of the peer's window fields (RFC 7323)
 * @rcv_wscale: shift of our window fields
 * @wscale_ok: both SYNs carried the window scale option
 * @cc: congestion control: cwnd, ssthresh (bytes) and the algorithm's state (cong.h)
 * @rto: RFC 6298 estimator
 * @min_rtt_us: smallest RTT sample (0: none yet)
 * @backoff: exponential backoff shift of the retransmit timer
 * @retries: consecutive timeouts without progress
 * @total_retrans: segments retransmitted on this connection
 * @rtx_kind: what @rtx_timer is armed for
 * @send_head: first skb in sk_write_queue not yet sent, or NULL
 * @ooo_root: out-of-order segments by sequence number, without overlaps, charged to
 *	      sk_rmem_alloc
 * @ooo_bytes: data bytes in @ooo_root
 * @mtu_info: path MTU of a deferred ICMP "fragmentation needed"
 * @rtx_timer: retransmit / zero-window probe timer
 * @delack_timer: delayed ACK timer
 * @keepalive_timer: keepalive, and FIN-WAIT-2 timeout of an orphan
 * @deferred: TCPALT_*_DEFERRED bits: timer work waiting for release_sock()
 * @ack_pending: an ACK is owed to the peer
 * @nodelay: TCP_NODELAY
 * @cork: TCP_CORK
 * @quick: ACKs still to send at once (quick-ACK mode, as icsk_ack.quick)
 * @ack_pushed: a segment smaller than @rcv_mss arrived since our last ACK
 * @pingpong: interactive: we reply within ato of the data (or TCP_QUICKACK was cleared);
 *	      ACKs wait to ride on the reply, even in quick-ACK mode
 * @rcv_mss: estimate of the peer's segment size, from what arrives (tcp_measure_rcv_mss)
 * @ato_ns: delayed-ACK timeout, estimated from data arrivals (icsk_ack.ato)
 * @last_data_ns: when the last data segment arrived
 * @rcv_rtt_us: round-trip time seen by the receiver: time to receive one window
 * @rcv_rtt_seq: the sequence number that ends the current @rcv_rtt_us measurement
 * @rcv_rtt_ns: when it began
 * @rcvq_space: bytes the user read in the last measured round trip (receive autotuning)
 * @rcvq_seq: copied_seq when the current autotuning period began
 * @rcvq_ns: when it began
 * @window_clamp: largest window we announce (TCP_WINDOW_CLAMP; 0 = none)
 * @notsent_lowat: TCP_NOTSENT_LOWAT (0 = net.ipv4.tcp_notsent_lowat)
 * @queue_shrunk: an ACK freed part of the write queue (the send buffer may grow)
 * @tstamp_ok: timestamps negotiated (RFC 7323 3)
 * @sack_ok: SACK negotiated (RFC 2018)
 * @num_sacks: blocks in @sacks (what we report to the peer)
 * @dsack: @dsack_block is to be reported (RFC 2883)
 * @ts_offset: added to our clock in TSval (one per pair of hosts, tcpalt_ts_off())
 * @ts_recent: the peer's TSval to echo (RFC 7323 4.3)
 * @ts_recent_stamp: seconds (monotonic) when @ts_recent was taken
 * @rx_opt: options of the segment being processed
 * @sacks: SACK blocks for our out-of-order queue, most recent first
 * @dsack_block: a duplicate range to report
 * @sacked_out: bytes the peer SACKed (sender scoreboard; recounted per ACK)
 * @lost_out: bytes marked lost and not yet retransmitted
 * @retrans_out: bytes retransmitted and not yet acknowledged or SACKed
 * @high_seq: SND.NXT when recovery or loss began (its end)
 * @prior_flight: bytes in flight when recovery began (RFC 6937 RecoverFS)
 * @prr_delivered: bytes delivered since recovery began (RFC 6937)
 * @prr_out: bytes sent since recovery began
 * @dupacks: duplicate ACKs counted without SACK (RFC 5681, NewReno)
 * @highest_sack: end of the highest SACKed sequence
 * @reord_seen: reordering observed (RACK widens its window)
 * @rack_ns: send time of the most recently sent segment delivered (RFC 8985 RACK.xmit_ts)
 * @rack_end_seq: its end (RACK.end_seq)
 * @rack_rtt_us: its RTT (RACK.rtt)
 * @reo_us: RACK's wait for a segment not yet lost (0: none waits)
 * @tlp_high_seq: SND.NXT when a loss probe was sent, 0 when none is outstanding
 * @tlp_retrans: the probe was a retransmission
 * @retrans_stamp: our TSval clock (ms) at the episode's first retransmission, 0 if none
 * @undo_marker: SND.UNA when the episode began; 0 when undo is impossible
 * @undo_retrans: retransmissions of the episode not yet shown spurious by D-SACK
 * @bytes_acked: bytes acknowledged (TCP_INFO, RFC 4898)
 * @bytes_received: bytes received in order
 * @bytes_sent: data bytes sent, retransmissions included
 * @bytes_retrans: data bytes retransmitted
 * @segs_in: segments received
 * @segs_out: segments sent
 * @data_segs_in: segments received with data
 * @data_segs_out: segments sent with data
 * @dsack_dups: D-SACK blocks received
 * @reord_count: reorderings seen
 * @keepidle: TCP_KEEPIDLE (s)
 * @keepintvl: TCP_KEEPINTVL (s)
 * @keepcnt: TCP_KEEPCNT
 * @probes_out: unanswered keepalive or zero-window probes
 * @lsndtime: jiffies of the last data segment sent (keepalive idle)
 * @lrcvtime: jiffies of the last segment received
 * @syn_retries: SYN / SYN-ACK retransmissions so far
 * @last_oow_ack: jiffies of the last rate-limited ACK (RFC 5961 10)
 * @passive: made by a listener for a SYN (never changes)
 * @orphan: counted in tcpalt_net::orphans (closed by its user, not yet CLOSED)
 * @accepting: a listener whose queues take new children (accept_lock)
 * @synq_overflow: jiffies when a listener last answered with a SYN cookie (0: never)
 * @accept_lock: protects @syn_queue, @accept_queue, @syn_qlen, @accept_qlen, @accepting
 *		 (listener) and the @accept_node, @queued, @parent of its children
 * @syn_queue: children in SYN-RECEIVED (listener)
 * @accept_queue: established children not yet accepted (listener)
 * @syn_qlen: length of @syn_queue
 * @accept_qlen: length of @accept_queue
 * @accept_node: link in the parent's @syn_queue or @accept_queue (child; parent's accept_lock)
 * @queued: which of the parent's queues holds this child: 0 none, 1 SYN, 2 accept
 * @parent: listener that created this child and holds it in a queue (parent's accept_lock)
 * @port: reservation of the local port in the space shared with the kernel TCP (hash.c)
 * @user_timeout: TCP_USER_TIMEOUT (ms): how long data, a SYN or zero-window probes may go
 *		  unanswered before the connection is aborted (0: the retry counts decide)
 * @rtx_start: when (ktime ns) the unanswered segment that the retransmit timer is chasing
 *	       was sent (TCP_USER_TIMEOUT's clock starts there); 0 while nothing timed out
 * @probe_start: when (ktime ns) the first zero-window probe of a shut window went, 0 if none
 * @syncnt: TCP_SYNCNT: SYN retransmissions before connect() gives up (0: the sysctl)
 * @linger2_ms: TCP_LINGER2: life of an orphan in FIN-WAIT-2 (0: the sysctl; -1: none, reset)
 * @defer_accept: TCP_DEFER_ACCEPT in SYN-ACK retransmissions (a listener and its children)
 * @defer_acked: a child waiting for data got the handshake-completing ACK (TCP_DEFER_ACCEPT)
 * @recvmsg_inq: TCP_INQ: recvmsg() reports the bytes left to read (TCP_CM_INQ)
 * @stored_opts: TCP options accepted for compatibility (sockopt.c)
 * @fo: TCP Fast Open (fastopen.c)
 */
struct tcpalt_sock {
	struct inet_sock inet;
	struct tcpalt_hnode h;

	u32 iss;
	u32 snd_una;
	u32 snd_nxt;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 max_window;
	u32 irs;
	u32 rcv_nxt;
	u32 rcv_wnd;
	u32 rcv_wup;
	u32 copied_seq;
	u32 write_seq;
	u32 snd_sml;
	u32 snd_up;
	u8 urg_mode;
	u32 urg_seq;
	u16 urg_data;
	u16 mss;
	u16 adv_mss;
	u16 user_mss;
	u8 snd_wscale;
	u8 rcv_wscale;
	u8 wscale_ok;
	struct tcpalt_cc cc;
	struct tcpalt_rto rto;
	u32 min_rtt_us;
	u8 backoff;
	u8 retries;
	u8 rtx_kind;
	u32 total_retrans;
	struct sk_buff *send_head;
	struct rb_root ooo_root;
	u32 ooo_bytes;
	u32 mtu_info;

	struct hrtimer rtx_timer;
	struct hrtimer delack_timer;
	struct hrtimer keepalive_timer;
	unsigned long deferred;
	u8 ack_pending;
	u8 nodelay;
	u8 cork;
	u8 quick;
	u8 ack_pushed;
	u8 pingpong;
	u16 rcv_mss;
	u32 ato_ns;
	u64 last_data_ns;
	u32 rcv_rtt_us;
	u32 rcv_rtt_seq;
	u64 rcv_rtt_ns;
	u32 rcvq_space;
	u32 rcvq_seq;
	u64 rcvq_ns;
	u32 window_clamp;
	u32 notsent_lowat;
	u8 queue_shrunk;
	u8 tstamp_ok;
	u8 sack_ok;
	u8 num_sacks;
	u8 dsack;
	u32 ts_offset;
	u32 ts_recent;
	u32 ts_recent_stamp;
	struct tcpalt_opts rx_opt;
	struct tcpalt_sack_block sacks[TCPALT_MAX_SACKS];
	struct tcpalt_sack_block dsack_block;
	u32 sacked_out;
	u32 lost_out;
	u32 retrans_out;
	u32 high_seq;
	u32 prior_flight;
	u32 prr_delivered;
	u32 prr_out;
	u32 dupacks;
	u32 highest_sack;
	u8 reord_seen;
	u8 tlp_retrans;
	u64 rack_ns;
	u32 rack_end_seq;
	u32 rack_rtt_us;
	u32 reo_us;
	u32 tlp_high_seq;
	u32 retrans_stamp;
	u32 undo_marker;
	int undo_retrans;
	u64 bytes_acked;
	u64 bytes_received;
	u64 bytes_sent;
	u64 bytes_retrans;
	u32 segs_in;
	u32 segs_out;
	u32 data_segs_in;
	u32 data_segs_out;
	u32 dsack_dups;
	u32 reord_count;
	u8 probes_out;
	int keepidle;
	int keepintvl;
	int keepcnt;
	unsigned long lsndtime;
	unsigned long lrcvtime;
	u8 syn_retries;
	unsigned long last_oow_ack;
	u8 passive;
	u8 orphan;
	u8 accepting;
	unsigned long synq_overflow;

	spinlock_t accept_lock;	/* lock order 2: the listener's queues */
	struct list_head syn_queue;
	struct list_head accept_queue;
	int syn_qlen;
	int accept_qlen;
	struct list_head accept_node;
	u8 queued;
	struct sock *parent;

	struct tcpalt_port *port;
	u32 user_timeout;
	u64 rtx_start;
	u64 probe_start;
	u8 syncnt;
	int linger2_ms;
	u8 defer_accept;
	u8 defer_acked;
	u8 recvmsg_inq;
	int stored_opts[1];
	struct tcpalt_fo fo;
};

static inline struct tcpalt_sock *tcpalt_sk(const struct sock *sk)
{
	return (struct tcpalt_sock *)sk;
}

static inline struct sock *tcpalt_to_sk(struct tcpalt_sock *ts)
{
	return (struct sock *)ts;
}

/**
 * struct tcpalt_skb_cb - what tcpalt keeps in skb->cb for a segment.
 * @seq: first sequence number
 * @end_seq: @seq + data length + SYN + FIN
 * @ack_seq: acknowledgment number (received segments)
 * @flags: TCPALT_* header flags
 * @retransmitted: sent more than once (Karn's rule: no RTT sample)
 * @sacked: TCPALT_SACKED, TCPALT_LOST, TCPALT_RETRANS (sender scoreboard)
 * @eor: the user ended a record here (MSG_EOR): later data starts a new segment
 * @win: window field (received segments)
 * @sent_ns: when last sent (RTT sample, RACK)
 */
struct tcpalt_skb_cb {
	u32 seq;
	u32 end_seq;
	u32 ack_seq;
	u8 flags;
	u8 retransmitted;
	u8 sacked;
	u8 eor;
	u16 win;
	u64 sent_ns;
};

/* Scoreboard bits of a sent segment (tcpalt_skb_cb::sacked), as Linux's TCPCB_*. */
#define TCPALT_SACKED	0x01	/* the peer SACKed it */
#define TCPALT_LOST	0x02	/* taken as lost: to be retransmitted */
#define TCPALT_RETRANS	0x04	/* retransmitted, not yet acknowledged or SACKed */

#define TCPALT_SKB_CB(skb) ((struct tcpalt_skb_cb *)&((skb)->cb[0]))

/**
 * struct tcpalt_tw - a connection in TIME-WAIT: the little that RFC 9293 needs of it.
 * @h: lookup-table and /proc entry
 * @refcnt: table reference + one per lookup in flight
 * @timer: 2MSL hrtimer
 * @expires: when @timer fires (ktime)
 * @snd_nxt: our sequence number after our FIN
 * @rcv_nxt: next sequence number expected (after the peer's FIN)
 * @rcv_wnd: window field we advertise (already shifted by the connection's scale)
 * @tstamp_ok: the connection used timestamps
 * @ts_offset: its TSval offset
 * @ts_recent: the peer's last TSval (PAWS, RFC 6191)
 * @ts_recent_stamp: seconds when @ts_recent was taken
 * @port: the connection's port reservation, held until 2MSL ends
 * @rcu: deferred free
 */
struct tcpalt_tw {
	struct tcpalt_hnode h;
	refcount_t refcnt;
	struct hrtimer timer;
	ktime_t expires;
	u32 snd_nxt;
	u32 rcv_nxt;
	u32 rcv_wnd;
	u8 tstamp_ok;
	u32 ts_offset;
	u32 ts_recent;
	u32 ts_recent_stamp;
	struct tcpalt_port *port;
	struct rcu_head rcu;
};

/**
 * struct tcpalt_fo_cache - a Fast Open cookie a server gave us (fastopen.c).
 * @daddr: the server's address (0: a free slot)
 * @len: cookie length
 * @cookie: the cookie
 * @stamp: jiffies when last set or used (the oldest goes first)
 */
struct tcpalt_fo_cache {
	__be32 daddr;
	u8 len;
	u8 cookie[TCPALT_FASTOPEN_COOKIE_MAX];
	unsigned long stamp;
};

/* Per-namespace settings and counters (sysctl.c, proc.c). */
struct tcpalt_net {
	int msl_ms;
	int fin_timeout_ms;
	int syn_retries;
	int synack_retries;
	int max_orphans;	/* connections closed by their user and not yet gone */
	const struct tcpalt_cc_ops *cc_default;	/* net.tcpalt.congestion_control (READ_ONCE) */
	atomic_t orphans;	/* that many now */
	atomic_t tw_count;	/* TIME-WAIT entries (limit: net.ipv4.tcp_max_tw_buckets) */
	u32 challenge_stamp;	/* second of the challenge ACK count (RFC 5961 7) */
	u32 challenge_count;	/* challenge ACKs sent in that second */
	struct ctl_table_header *sysctl_hdr;
	struct tcpalt_mib __percpu *mib;
	/*
	 * Every socket and TIME-WAIT entry of the namespace, as /proc/tcpalt/connections shows
	 * them (hash.c adds and removes, proc.c walks).  Entries are added only at the tail, so a
	 * reader's cursor (an entry of kind TCPALT_KIND_CURSOR) keeps its place while others come
	 * and go.  all_lock is lock order 4, taken with BHs off.
	 */
	spinlock_t all_lock;
	struct list_head all;
	/* Fast Open cookies by server (fastopen.c); fo_lock taken with BHs off, nothing inside. */
	spinlock_t fo_lock;
	struct tcpalt_fo_cache fo_cache[TCPALT_TFO_CACHE_SIZE];
};

/* main.c */
extern int tcpalt_family;
extern unsigned int tcpalt_net_id;

/* tcpalt's per-namespace data. */
static inline struct tcpalt_net *tcpalt_pernet(const struct net *net)
{
	return net_generic(net, tcpalt_net_id);
}

/* Queue @skb's memory on the write queue, charged to the socket (sk_wmem_schedule() first). */
static inline void tcpalt_wmem_charge(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
}

/* Free a segment that left the write queue, and its charge. */
static inline void tcpalt_wmem_free(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	kfree_skb(skb);
}

/* The SYN queue's bound: the listen() backlog, as Linux's inet_csk_reqsk_queue_is_full(). */
static inline int tcpalt_synq_max(const struct sock *sk)
{
	return max_t(int, READ_ONCE(sk->sk_max_ack_backlog), 1);
}

/* sock.c */
extern struct proto tcpalt_prot;
void tcpalt_sock_init(struct sock *sk);
struct sock *tcpalt_child_clone(const struct sock *sk);
void tcpalt_child_free(struct sock *child);
int tcpalt_child_link(struct sock *sk, struct sock *child, bool cookie);
void tcpalt_child_ready(struct sock *child);
bool tcpalt_child_acceptq_full(struct sock *child);
struct sock *tcpalt_accept_dequeue(struct sock *sk);
void tcpalt_listen_start(struct sock *sk);
void tcpalt_listen_stop(struct sock *sk);
void tcpalt_done(struct sock *sk);
void tcpalt_orphan_start(struct sock *sk);
u32 tcpalt_unread(struct sock *sk);
bool tcpalt_close_state(struct sock *sk);
int tcpalt_disconnect(struct sock *sk);
void tcpalt_close(struct sock *sk, long timeout);
void tcpalt_reset(struct sock *sk, int err);
void tcpalt_release_cb(struct sock *sk);

/* af.c */
int __tcpalt_stream_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len, int flags,
			    bool is_sendmsg);
int tcpalt_af_init(void);
void tcpalt_af_exit(void);

/* sockopt.c */
int tcpalt_setsockopt(struct socket *sock, int level, int optname, sockptr_t optval,
		      unsigned int optlen);
int tcpalt_getsockopt(struct socket *sock, int level, int optname, char __user *optval,
		      int __user *optlen);
void tcpalt_keepalive(struct sock *sk, int val);

/* state.c */
const char *tcpalt_state_name(int state);
bool tcpalt_state_transition_ok(int from, int to);
void tcpalt_set_state(struct sock *sk, int state);
void tcpalt_trace_sk(const struct sock *sk, int old, int state);
void tcpalt_trace_tw_end(const struct tcpalt_tw *tw);
void tcpalt_trace_cwnd(const struct sock *sk);

/* hash.c */
int tcpalt_hash_init(void);
void tcpalt_hash_exit(void);
void tcpalt_all_add(struct tcpalt_hnode *h);
void tcpalt_all_del(struct tcpalt_hnode *h);
int tcpalt_ehash_insert(struct tcpalt_hnode *h);
void tcpalt_ehash_replace(struct tcpalt_hnode *old, struct tcpalt_hnode *new);
void tcpalt_unhash(struct tcpalt_hnode *h);
int tcpalt_lhash_insert(struct sock *sk);
struct tcpalt_hnode *tcpalt_lookup(struct net *net, __be32 saddr, __be16 sport,
				   __be32 daddr, __be16 dport);
struct tcpalt_tw *tcpalt_lookup_tw(struct net *net, __be32 laddr, __be16 lport, __be32 raddr,
				   __be16 rport);
struct sock *tcpalt_lookup_listener(struct net *net, __be32 saddr, __be16 sport,
				    __be32 daddr, __be16 dport);

/* port.c */
int tcpalt_port_init(void);
void tcpalt_port_exit(void);
int tcpalt_port_reserve(struct sock *sk, __be32 addr, __be16 port);
int tcpalt_port_connect(struct sock *sk, __be32 addr, u32 *isn);
void tcpalt_port_release(struct sock *sk, bool can_sleep);
int tcpalt_port_listen(struct sock *sk, int backlog);
void tcpalt_port_unlisten(struct sock *sk);
struct tcpalt_port *tcpalt_port_get(struct tcpalt_port *port);
void tcpalt_port_put(struct tcpalt_port *port, bool can_sleep);
void tcpalt_port_flush(void);

/* input.c */
int tcpalt_input_init(void);
void tcpalt_input_exit(void);
int tcpalt_do_rcv(struct sock *sk, struct sk_buff *skb);
bool tcpalt_readable(const struct sock *sk, int target);
void tcpalt_data_ready(struct sock *sk);
void tcpalt_rcv_space_adjust(struct sock *sk);
void tcpalt_rcv_init(struct sock *sk);
void tcpalt_ofo_purge(struct sock *sk);
struct net_protocol;
extern const struct net_protocol *tcpalt_tcp_proto;

/* errqueue.c */
void tcpalt_icmp_queue_err(struct sock *sk, struct sk_buff *skb, int err, __be16 port,
			   u32 info, const u8 *payload);
int tcpalt_recv_error(struct sock *sk, struct msghdr *msg, size_t len);

/* icmp.c */
int tcpalt_v4_err(struct sk_buff *skb, u32 info);
void tcpalt_mtu_reduced(struct sock *sk);

/* output.c */
int tcpalt_send_syn(struct sock *sk);
void tcpalt_send_synack(struct sock *sk);
void tcpalt_send_ack(struct sock *sk);
void tcpalt_send_fin(struct sock *sk);
void tcpalt_send_active_reset(struct sock *sk, gfp_t gfp);
void tcpalt_send_probe(struct sock *sk);
void tcpalt_send_reply(struct net *net, struct sk_buff *in, u32 seq, u32 ack, u8 flags, u16 win);
void tcpalt_send_reply_ts(struct net *net, struct sk_buff *in, u32 seq, u32 ack, u8 flags,
			  u16 win, u32 tsval, u32 tsecr);
void tcpalt_send_cookie_synack(struct net *net, struct sk_buff *in, u16 peer_mss, u16 win);
int tcpalt_send_syn_data(struct sock *sk);
void __tcpalt_push(struct sock *sk, int how);
static inline void tcpalt_push(struct sock *sk)
{
	__tcpalt_push(sk, 0);
}

int tcpalt_queue_data(struct sock *sk, struct msghdr *msg);
int tcpalt_queue_page(struct sock *sk, struct page *page, int offset, size_t size);
struct ubuf_info *tcpalt_zc_uarg(struct sock *sk, size_t size);
int tcpalt_queue_zc(struct sock *sk, struct msghdr *msg, struct ubuf_info *uarg);
u32 tcpalt_size_goal(struct sock *sk);
void tcpalt_sndbuf_expand(struct sock *sk);
bool tcpalt_stream_memory_free(const struct sock *sk, int wake);
void tcpalt_xmit_retrans(struct sock *sk);
u32 tcpalt_ts_now(const struct tcpalt_sock *ts);
u32 tcpalt_opt_overhead(const struct tcpalt_sock *ts);
int tcpalt_retransmit_head(struct sock *sk);
void tcpalt_retransmit_all(struct sock *sk);
int tcpalt_fragment(struct sock *sk, struct sk_buff *skb, u32 len);
s32 tcpalt_clean_rtx_queue(struct sock *sk, u32 ack, u32 *sacked);
int tcpalt_retransmit_one(struct sock *sk, struct sk_buff *skb);
u32 tcpalt_select_window(struct sock *sk);
u8 tcpalt_pick_wscale(struct sock *sk);
u16 tcpalt_route_mss(struct sock *sk);
void tcpalt_sync_mss(struct sock *sk);
static inline u32 tcpalt_in_flight(const struct tcpalt_sock *ts)
{
	return ts->snd_nxt - ts->snd_una;
}

/* recovery.c: the sender's scoreboard, RACK-TLP, fast recovery with PRR, undo */
void tcpalt_sacktag(struct sock *sk, u32 *delivered, bool *dsack);
void tcpalt_sb_recount(struct sock *sk);
void tcpalt_recovery_ack(struct sock *sk, u32 prior_una, u32 delivered, bool dsack,
			 s32 rtt_us, u32 prior_flight, bool dupack);
void tcpalt_enter_loss(struct sock *sk);
void tcpalt_recovery_reset(struct tcpalt_sock *ts);
void tcpalt_rack_timeout(struct sock *sk);
void tcpalt_tlp_timeout(struct sock *sk);
u64 tcpalt_tlp_ns(struct sock *sk, u64 rto_ns);
void tcpalt_rack_advance(struct sock *sk, const struct tcpalt_skb_cb *cb, u64 now);

/*
 * Bytes in flight (RFC 6675 pipe, tcp_packets_in_flight()): sent and not acknowledged, less
 * what the peer SACKed and what is lost and not yet sent again.
 */
static inline u32 tcpalt_pipe(const struct tcpalt_sock *ts)
{
	u32 out = ts->sacked_out + ts->lost_out;

	return tcpalt_in_flight(ts) > out ? tcpalt_in_flight(ts) - out : 0;
}

/*
 * The delayed-ACK timeout (tcp_send_delayed_ack()): the estimate from arrivals, at most
 * 200 ms (TCP_QUICKACK cleared) or 500 ms, and never more than the smoothed RTT.
 */
static inline u64 tcpalt_ato(const struct tcpalt_sock *ts)
{
	u64 ato = max_t(u64, ts->ato_ns, TCPALT_ATO_MIN_NS);
	u64 max_ato = ts->pingpong ? TCPALT_DELACK_MAX_NS : NSEC_PER_SEC / 2;

	if (ts->rto.srtt_us)
		max_ato = min_t(u64, max_ato, max_t(u64, (u64)ts->rto.srtt_us * NSEC_PER_USEC,
						    TCPALT_ATO_MIN_NS));
	return min(ato, max_ato);
}

/* timer.c */
void tcpalt_timers_init(struct sock *sk);
void tcpalt_timers_stop(struct sock *sk);
void tcpalt_timer_arm(struct sock *sk, struct hrtimer *t, u64 ns);
void tcpalt_timer_stop(struct sock *sk, struct hrtimer *t);
void tcpalt_rearm_rtx(struct sock *sk);
void tcpalt_schedule_ack(struct sock *sk);
void tcpalt_reset_keepalive(struct sock *sk);
u64 tcpalt_fin_time_ns(struct sock *sk);
void tcpalt_timers_run_deferred(struct sock *sk);

/* timewait.c */
enum tcpalt_tw_verdict {
	TCPALT_TW_DONE,	/* the segment was handled */
	TCPALT_TW_SYN,	/* a SYN ended the entry: give it to the listener */
};

void tcpalt_time_wait(struct sock *sk);
enum tcpalt_tw_verdict tcpalt_tw_rcv(struct tcpalt_tw *tw, struct sk_buff *skb);
void tcpalt_tw_put(struct tcpalt_tw *tw);
bool tcpalt_tw_kill(struct tcpalt_tw *tw);
u32 tcpalt_tw_reuse(struct sock *sk);
void tcpalt_tw_purge(struct net *net);
s64 tcpalt_tw_ms_left(struct tcpalt_tw *tw);

/* isn.c */
int tcpalt_isn_init(void);
u32 tcpalt_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 tcpalt_ts_off(__be32 saddr, __be32 daddr);

/* syncookie.c */
void tcpalt_cookie_init(void);
u32 tcpalt_cookie_minute(void);
u32 tcpalt_cookie_make(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport, u32 peer_isn,
		       u16 *mss, u32 minute);
u16 tcpalt_cookie_check(__be32 laddr, __be32 raddr, __be16 lport, __be16 rport, u32 peer_isn,
			u32 cookie, u32 minute);

/* fastopen.c */
void tcpalt_fastopen_init(void);
void tcpalt_fastopen_net_init(struct net *net);
int tcpalt_fastopen_setsockopt(struct sock *sk, int optname, int val);
int tcpalt_fastopen_getsockopt(struct sock *sk, int optname, int *val);
int tcpalt_fastopen_set_key(struct sock *sk, sockptr_t optval, unsigned int optlen);
int tcpalt_fastopen_get_key(struct sock *sk, char __user *optval, int __user *optlen);
void tcpalt_fastopen_destroy(struct sock *sk);
void tcpalt_fastopen_listen(struct sock *sk, int backlog);
bool tcpalt_fastopen_syn(struct sock *sk, struct sock *child, struct sk_buff *skb);
void tcpalt_fastopen_child_end(struct sock *sk);
bool tcpalt_fastopen_defer_connect(struct sock *sk);
bool tcpalt_fastopen_send_syn(struct sock *sk);
bool tcpalt_fastopen_synack(struct sock *sk, struct sk_buff *skb);
void tcpalt_fastopen_out_options(struct tcpalt_sock *ts, struct tcpalt_opts_out *o);
int tcpalt_fastopen_sendmsg(struct socket *sock, struct msghdr *msg, size_t *copied);

/* proc.c, sysctl.c */
int tcpalt_proc_init(void);
void tcpalt_proc_exit(void);
int tcpalt_sysctl_net_init(struct net *net);
void tcpalt_sysctl_net_exit(struct net *net);

#endif /* _TCPALT_H */
