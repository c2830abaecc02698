// SPDX-License-Identifier: GPL-2.0
/*
 * Per-connection timers (DESIGN D8): soft-mode CLOCK_MONOTONIC hrtimers.
 *
 *   rtx_timer        armed by tcpalt_push()/tcpalt_rearm_rtx() when data, SYN, SYN-ACK or FIN
 *                    is in flight (RFC 6298 RTO with backoff), or as the persist timer when the
 *                    peer's window is zero; stopped when everything is acknowledged.
 *   delack_timer     armed by tcpalt_schedule_ack() (40 ms); stopped when any ACK goes out.
 *   keepalive_timer  SO_KEEPALIVE idle/interval probes, or the FIN-WAIT-2 timeout of an
 *                    orphan (TCP_LINGER2, else net.tcpalt.fin_timeout_ms); armed by
 *                    tcpalt_reset_keepalive().
 *   (TIME-WAIT's 2MSL timer belongs to the TIME-WAIT entry: timewait.c.)
 *
 * TCP_USER_TIMEOUT bounds how long the retransmit timer chases an unanswered SYN or data
 * (from rtx_start, the send time of what timed out first) and how long zero-window probes go
 * on (from probe_start); the timer is clamped so as to fire when the bound passes.
 *
 * Every armed timer holds one reference on the socket.  A callback takes bh_lock_sock(); if
 * the user owns the socket it sets a TCPALT_*_DEFERRED bit (which keeps the reference) and
 * tcpalt_release_cb() runs the work at release_sock().  tcpalt_done() stops them all.
 * An expiry is stale, and does nothing, when the timer was armed again before the callback
 * or the deferred work got the socket (as Linux re-checks icsk_timeout): the new arming has
 * its own callback to come.
 */
#include <net/sock.h>

#include "tcpalt.h"

/**
 * tcpalt_timer_arm() - (re)arm one of the socket's timers.
 * @sk: the socket; must be locked by the caller
 * @t: the timer
 * @ns: delay in nanoseconds
 */
void tcpalt_timer_arm(struct sock *sk, struct hrtimer *t, u64 ns)
{
	int ret = hrtimer_try_to_cancel(t);

	/*
	 * A new arming takes a reference unless one already queued carries over: the one
	 * cancelled here (1), or, while the callback runs (-1: it cannot be cancelled), one
	 * made since it began, which try_to_cancel leaves queued (two re-arms from within a
	 * callback, as a loss probe's push and rearm, must not take two).
	 */
	if (ret == 0 || (ret < 0 && !hrtimer_is_queued(t)))
		sock_hold(sk);
	hrtimer_start(t, ns_to_ktime(ns), HRTIMER_MODE_REL_SOFT);
}

/**
 * tcpalt_timer_stop() - stop a timer if armed, dropping its reference.
 * @sk: the socket; must be locked by the caller
 * @t: the timer
 */
void tcpalt_timer_stop(struct sock *sk, struct hrtimer *t)
{
	if (hrtimer_try_to_cancel(t) == 1)
		__sock_put(sk);
}

/**
 * tcpalt_timers_stop() - stop every timer (the connection is over).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_timers_stop(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	tcpalt_timer_stop(sk, &ts->rtx_timer);
	tcpalt_timer_stop(sk, &ts->delack_timer);
	tcpalt_timer_stop(sk, &ts->keepalive_timer);
	ts->rtx_kind = TCPALT_RTX_NONE;
	ts->rtx_start = 0;
	ts->probe_start = 0;
}

/* Nanoseconds of TCP_USER_TIMEOUT left since @start (ktime ns): 0 once it has passed. */
static u64 tcpalt_user_timeout_left(const struct tcpalt_sock *ts, u64 start)
{
	u64 end = start + (u64)READ_ONCE(ts->user_timeout) * NSEC_PER_MSEC;
	u64 now = ktime_get_ns();

	return now < end ? end - now : 0;
}

/**
 * tcpalt_rearm_rtx() - arm the retransmit timer for what is in flight, the persist timer for
 * a zero window, or stop it.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_rearm_rtx(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u64 ns = (u64)tcpalt_rto_backoff(&ts->rto, ts->backoff) * NSEC_PER_USEC;

	if (tcpalt_in_flight(ts)) {
		u64 tlp = tcpalt_tlp_ns(sk, ns);

		/* RACK's reordering window first, then a loss probe, else the RTO. */
		if (ts->reo_us && ts->reo_us < ns / NSEC_PER_USEC) {
			ts->rtx_kind = TCPALT_RTX_REO;
			ns = (u64)ts->reo_us * NSEC_PER_USEC + 2 * TICK_NSEC;
		} else if (tlp) {
			ts->rtx_kind = TCPALT_RTX_TLP;
			ns = tlp;
		} else {
			ts->rtx_kind = TCPALT_RTX_RETRANSMIT;
			/* tcp_clamp_rto_to_user_timeout(): wake when TCP_USER_TIMEOUT passes. */
			if (ts->rtx_start && ts->user_timeout)
				ns = clamp_t(u64, tcpalt_user_timeout_left(ts, ts->rtx_start),
					     TICK_NSEC, ns);
		}
		ts->probe_start = 0;
		tcpalt_timer_arm(sk, &ts->rtx_timer, ns);
	} else if (ts->send_head && !ts->snd_wnd) {
		ts->rtx_kind = TCPALT_RTX_PROBE;
		/* tcp_clamp_probe0_to_user_timeout(): at least TCP_TIMEOUT_MIN (2 jiffies). */
		if (ts->probe_start && ts->user_timeout)
			ns = clamp_t(u64, tcpalt_user_timeout_left(ts, ts->probe_start),
				     2 * TICK_NSEC, ns);
		tcpalt_timer_arm(sk, &ts->rtx_timer, ns);
	} else if (ts->send_head) {
		ts->probe_start = 0;
		/*
		 * Nothing in flight and the window open: a partial segment held by TCP_CORK or
		 * MSG_MORE.  It leaves within 200 ms of being held (tcp(7)), not later: an
		 * armed ceiling is not pushed back.
		 */
		if (ts->rtx_kind != TCPALT_RTX_CORK || !hrtimer_is_queued(&ts->rtx_timer)) {
			ts->rtx_kind = TCPALT_RTX_CORK;
			tcpalt_timer_arm(sk, &ts->rtx_timer, TCPALT_CORK_NS);
		}
	} else {
		ts->rtx_kind = TCPALT_RTX_NONE;
		ts->probe_start = 0;
		tcpalt_timer_stop(sk, &ts->rtx_timer);
	}
}

/**
 * tcpalt_schedule_ack() - owe the peer an ACK: send it within 40 ms unless data or another
 * ACK carries it first (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2).
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_schedule_ack(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	ts->ack_pending = 1;
	if (!hrtimer_is_queued(&ts->delack_timer))
		tcpalt_timer_arm(sk, &ts->delack_timer, tcpalt_ato(ts));
}

/**
 * tcpalt_fin_time_ns() - how long an orphan stays in FIN-WAIT-2 (tcp_fin_time()).
 * @sk: the socket; must be locked by the caller
 *
 * Return: TCP_LINGER2 if set, else net.tcpalt.fin_timeout_ms, but at least 3.5 RTO, in ns.
 */
u64 tcpalt_fin_time_ns(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u64 ms = ts->linger2_ms > 0 ? ts->linger2_ms :
		 READ_ONCE(tcpalt_pernet(sock_net(sk))->fin_timeout_ms);
	u64 rto_us = ts->rto.rto_us;

	return max_t(u64, ms * NSEC_PER_MSEC, (4 * rto_us - rto_us / 2) * NSEC_PER_USEC);
}

/**
 * tcpalt_reset_keepalive() - arm the keepalive timer for the socket's situation: the FIN-WAIT-2
 * timeout of an orphan, the keepalive idle time, or nothing.
 * @sk: the socket; must be locked by the caller
 */
void tcpalt_reset_keepalive(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD))
		tcpalt_timer_arm(sk, &ts->keepalive_timer, tcpalt_fin_time_ns(sk));
	else if (sock_flag(sk, SOCK_KEEPOPEN) &&
		 ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
					 TCPF_FIN_WAIT2)))
		tcpalt_timer_arm(sk, &ts->keepalive_timer, (u64)ts->keepidle * NSEC_PER_SEC);
	else
		tcpalt_timer_stop(sk, &ts->keepalive_timer);
}

/* The error a timeout reports: a soft error an ICMP left behind, else ETIMEDOUT (tcp_write_err). */
static int tcpalt_timeout_err(struct sock *sk)
{
	return READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT;
}

/* Retransmissions before giving up: R2, or Linux's 8 for an orphan (tcp_orphan_retries). */
static unsigned int tcpalt_max_retries(struct sock *sk)
{
	return sock_flag(sk, SOCK_DEAD) ? 8 : TCPALT_RETRIES2;
}

/* When the oldest segment in flight was last sent (ktime ns); now if unknown. */
static u64 tcpalt_head_sent_ns(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	return head && TCPALT_SKB_CB(head)->sent_ns ? TCPALT_SKB_CB(head)->sent_ns :
						     ktime_get_ns();
}

/*
 * TCP_USER_TIMEOUT passed since the unanswered transmission (retransmits_timed_out() with
 * icsk_user_timeout).  Only once something was retransmitted, as there: the first timeout
 * always retransmits.  Not for a listener's child in SYN-RECEIVED, whose SYN-ACKs go by the
 * request sock's own rules (net.tcpalt.synack_retries) in Linux.
 */
static bool tcpalt_user_timed_out(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u8 sent_again = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ?
			ts->syn_retries : ts->retries;

	if (!ts->user_timeout || !sent_again || (sk->sk_state == TCP_SYN_RECV && ts->passive))
		return false;
	return !tcpalt_user_timeout_left(ts, ts->rtx_start);
}

/* RFC 6298 5.4-5.7 on expiry; SYN/SYN-ACK limits; zero-window probes (RFC 9293 3.8.6.1). */
static void tcpalt_rtx_timeout(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	struct tcpalt_net *tn = tcpalt_pernet(sock_net(sk));
	u8 kind = ts->rtx_kind;

	ts->rtx_kind = TCPALT_RTX_NONE;
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (kind == TCPALT_RTX_CORK) {
		__tcpalt_push(sk, TCPALT_PUSH_FORCE);
		return;
	}
	if (kind == TCPALT_RTX_REO) {
		tcpalt_rack_timeout(sk);
		return;
	}
	if (kind == TCPALT_RTX_TLP) {
		tcpalt_tlp_timeout(sk);
		return;
	}
	if (kind == TCPALT_RTX_PROBE) {
		if (ts->snd_wnd || !ts->send_head) {
			tcpalt_push(sk);
			return;
		}
		/*
		 * tcp_probe_timer(): TCP_USER_TIMEOUT counts from the first probe, and an answer
		 * that leaves the window shut does not restart it.
		 */
		if (!ts->probe_start) {
			ts->probe_start = ktime_get_ns();
		} else if (ts->user_timeout && !tcpalt_user_timeout_left(ts, ts->probe_start)) {
			tcpalt_send_active_reset(sk, GFP_ATOMIC);
			tcpalt_reset(sk, tcpalt_timeout_err(sk));
			return;
		}
		if (++ts->probes_out > tcpalt_max_retries(sk)) {
			tcpalt_send_active_reset(sk, GFP_ATOMIC);
			tcpalt_reset(sk, tcpalt_timeout_err(sk));
			return;
		}
		tcpalt_send_probe(sk);
		ts->backoff = min_t(u8, ts->backoff + 1, 16);
		tcpalt_rearm_rtx(sk);
		return;
	}
	if (!tcpalt_in_flight(ts))
		return;
	tcpalt_mib_inc(sock_net(sk), TCPALT_MIB_TIMEOUTS);
	if (!ts->rtx_start)
		ts->rtx_start = tcpalt_head_sent_ns(sk);
	if (sk->sk_state == TCP_SYN_SENT &&
	    ts->syn_retries >= (READ_ONCE(ts->syncnt) ? : READ_ONCE(tn->syn_retries))) {
		tcpalt_reset(sk, tcpalt_timeout_err(sk));
		return;
	}
	if (tcpalt_user_timed_out(sk)) {
		if (sk->sk_state != TCP_SYN_SENT)
			tcpalt_send_active_reset(sk, GFP_ATOMIC);
		tcpalt_reset(sk, tcpalt_timeout_err(sk));
		return;
	}
	if (sk->sk_state == TCP_SYN_RECV && ts->passive && ts->defer_acked &&
	    ts->syn_retries + 1 < ts->defer_accept) {
		/*
		 * TCP_DEFER_ACCEPT (syn_ack_recalc()): the peer ACKed and we wait for its data.
		 * The SYN-ACK goes again only as the deferral ends, a last chance for an ACK to
		 * make the connection.
		 */
		ts->syn_retries++;
		ts->backoff = min_t(u8, ts->backoff + 1, 16);
		tcpalt_rearm_rtx(sk);
		return;
	}
	if (sk->sk_state == TCP_SYN_RECV && ts->syn_retries >= tn->synack_retries &&
	    !(ts->passive && ts->defer_acked && ts->syn_retries < ts->defer_accept)) {
		if (ts->passive && !ts->fo.listener) {
			tcpalt_done(sk);	/* half-open connection never completed: drop it */
			return;
		}
		/* Simultaneous open, or a Fast Open child: give up as a connection timed out. */
		tcpalt_reset(sk, tcpalt_timeout_err(sk));
		return;
	}
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		ts->syn_retries++;
	} else if (++ts->retries > tcpalt_max_retries(sk)) {
		tcpalt_send_active_reset(sk, GFP_ATOMIC);
		tcpalt_reset(sk, tcpalt_timeout_err(sk));
		return;
	}
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		tcpalt_retransmit_head(sk);
	} else {
		/*
		 * RFC 5681 3.1 and tcp_enter_loss(): ssthresh from the algorithm, cwnd one
		 * segment, everything not SACKed lost and resent from SND.UNA as the window,
		 * growing again in slow start, allows.
		 */
		tcpalt_enter_loss(sk);
		tcpalt_xmit_retrans(sk);
	}
	ts->backoff = min_t(u8, ts->backoff + 1, 16);
	tcpalt_rearm_rtx(sk);
}

/*
 * The delayed ACK is due (tcp_delack_timer_handler()): no data carried it.  An interactive
 * connection leaves pingpong mode (its replies stopped), a bulk one waits longer next time.
 */
static void tcpalt_delack_timeout(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!ts->ack_pending)
		return;
	if (ts->pingpong) {
		ts->pingpong = 0;
		ts->ato_ns = TCPALT_ATO_MIN_NS;
	} else {
		ts->ato_ns = min_t(u64, 2ULL * max_t(u64, ts->ato_ns, TCPALT_ATO_MIN_NS),
				   (u64)ts->rto.rto_us * NSEC_PER_USEC);
	}
	tcpalt_send_ack(sk);
}

/* Keepalive (RFC 1122 4.2.3.6) and the orphan FIN-WAIT-2 timeout (tcp_keepalive_timer). */
static void tcpalt_keepalive_timeout(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	unsigned long idle;

	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		/* Ends silently, as Linux's FIN-WAIT-2 timewait entry does. */
		tcpalt_done(sk);
		return;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2)))
		return;
	if (tcpalt_in_flight(ts) || ts->send_head) {
		/* The retransmit timer is watching the connection. */
		tcpalt_timer_arm(sk, &ts->keepalive_timer, (u64)ts->keepintvl * NSEC_PER_SEC);
		return;
	}
	idle = jiffies - max(ts->lrcvtime, ts->lsndtime);
	if (idle < (unsigned long)ts->keepidle * HZ && !ts->probes_out) {
		tcpalt_timer_arm(sk, &ts->keepalive_timer,
				 (u64)jiffies_to_nsecs((unsigned long)ts->keepidle * HZ - idle));
		return;
	}
	/*
	 * tcp_keepalive_timer(): with TCP_USER_TIMEOUT, give up once that long has gone by
	 * without a word from the peer and a probe is out, whatever TCP_KEEPCNT says.
	 */
	if (ts->user_timeout ? idle >= msecs_to_jiffies(ts->user_timeout) && ts->probes_out :
			       ts->probes_out >= ts->keepcnt) {
		tcpalt_send_active_reset(sk, GFP_ATOMIC);
		tcpalt_reset(sk, tcpalt_timeout_err(sk));
		return;
	}
	tcpalt_send_probe(sk);
	ts->probes_out++;
	tcpalt_timer_arm(sk, &ts->keepalive_timer, (u64)ts->keepintvl * NSEC_PER_SEC);
}

static void tcpalt_timer_fire(struct sock *sk, struct hrtimer *t, int bit,
			      void (*handler)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (hrtimer_is_queued(t))
		;	/* re-armed while we waited for the lock: stale */
	else if (!sock_owned_by_user(sk))
		handler(sk);
	else if (!test_and_set_bit(bit, &tcpalt_sk(sk)->deferred))
		sock_hold(sk);	/* the deferred work's reference */
	bh_unlock_sock(sk);
	sock_put(sk);		/* the timer's reference */
}

static enum hrtimer_restart tcpalt_rtx_fn(struct hrtimer *t)
{
	tcpalt_timer_fire(tcpalt_to_sk(container_of(t, struct tcpalt_sock, rtx_timer)), t,
			  TCPALT_RTX_DEFERRED, tcpalt_rtx_timeout);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart tcpalt_delack_fn(struct hrtimer *t)
{
	tcpalt_timer_fire(tcpalt_to_sk(container_of(t, struct tcpalt_sock, delack_timer)), t,
			  TCPALT_DELACK_DEFERRED, tcpalt_delack_timeout);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart tcpalt_keepalive_fn(struct hrtimer *t)
{
	tcpalt_timer_fire(tcpalt_to_sk(container_of(t, struct tcpalt_sock, keepalive_timer)), t,
			  TCPALT_KEEPALIVE_DEFERRED, tcpalt_keepalive_timeout);
	return HRTIMER_NORESTART;
}

/**
 * tcpalt_timers_run_deferred() - run the timer work that found the socket owned by the user.
 * @sk: the socket; called from release_sock() with the socket's spinlock held
 */
void tcpalt_timers_run_deferred(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!READ_ONCE(ts->deferred))
		return;
	if (test_and_clear_bit(TCPALT_RTX_DEFERRED, &ts->deferred)) {
		if (!hrtimer_is_queued(&ts->rtx_timer))
			tcpalt_rtx_timeout(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(TCPALT_DELACK_DEFERRED, &ts->deferred)) {
		if (!hrtimer_is_queued(&ts->delack_timer))
			tcpalt_delack_timeout(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(TCPALT_KEEPALIVE_DEFERRED, &ts->deferred)) {
		if (!hrtimer_is_queued(&ts->keepalive_timer))
			tcpalt_keepalive_timeout(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(TCPALT_MTU_DEFERRED, &ts->deferred)) {
		tcpalt_mtu_reduced(sk);
		__sock_put(sk);
	}
}

/**
 * tcpalt_timers_init() - set up the socket's timers (not armed).
 * @sk: a new socket
 */
void tcpalt_timers_init(struct sock *sk)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	hrtimer_init(&ts->rtx_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	ts->rtx_timer.function = tcpalt_rtx_fn;
	hrtimer_init(&ts->delack_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	ts->delack_timer.function = tcpalt_delack_fn;
	hrtimer_init(&ts->keepalive_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	ts->keepalive_timer.function = tcpalt_keepalive_fn;
}
