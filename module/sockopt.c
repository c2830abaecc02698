// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options: SOL_TCP here, SOL_IP through ip_setsockopt()/ip_getsockopt(), SOL_SOCKET in
 * the socket core.  Values, limits and errno follow tcp_setsockopt()/do_tcp_getsockopt().
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcpalt.h"

/* Options accepted and reported back for compatibility, without effect on tcpalt yet. */
static const int tcpalt_stored_opts[] = {
	TCP_THIN_LINEAR_TIMEOUTS,
};

/* TCP_DEFER_ACCEPT's unit: the SYN-ACK's initial RTO and its ceiling, in seconds. */
#define TCPALT_DEFER_RTO_S	1	/* TCP_TIMEOUT_INIT / HZ */
#define TCPALT_DEFER_RTO_MAX_S	120	/* TCP_RTO_MAX / HZ */

/*
 * TCP_DEFER_ACCEPT seconds as SYN-ACK retransmissions, and back (secs_to_retrans() and
 * retrans_to_secs()): the fewest timeouts of a backed-off RTO (1 s, 2 s, 4 s, ... at most
 * 120 s) that cover the seconds asked for, so 5 s reads back as 7 (1 + 2 + 4).
 */
static u8 tcpalt_defer_secs_to_retrans(int secs)
{
	int rto = TCPALT_DEFER_RTO_S, period = rto;
	u8 n;

	if (secs <= 0)
		return 0;
	for (n = 1; secs > period && n < 255; n++) {
		rto = min(rto << 1, TCPALT_DEFER_RTO_MAX_S);
		period += rto;
	}
	return n;
}

static int tcpalt_defer_retrans_to_secs(u8 n)
{
	int rto = TCPALT_DEFER_RTO_S, period;

	if (!n)
		return 0;
	for (period = rto; --n; period += rto)
		rto = min(rto << 1, TCPALT_DEFER_RTO_MAX_S);
	return period;
}

static int tcpalt_stored_idx(int optname)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(tcpalt_stored_opts); i++)
		if (tcpalt_stored_opts[i] == optname)
			return i;
	return -1;
}

/**
 * tcpalt_keepalive() - SO_KEEPALIVE turned on or off.
 * @sk: the socket, locked by the socket core
 * @val: new value
 */
void tcpalt_keepalive(struct sock *sk, int val)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);

	if (!val) {
		tcpalt_timer_stop(sk, &ts->keepalive_timer);
		return;
	}
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		tcpalt_timer_arm(sk, &ts->keepalive_timer, (u64)ts->keepidle * NSEC_PER_SEC);
}

/*
 * SOL_IP options through ip_setsockopt(), except multicast group membership: a stream socket
 * has no use for it, and the kernel would keep the group until ip_mc_drop_socket(), which
 * only inet_release() calls (Linux TCP answers EPROTO for IP_ADD_MEMBERSHIP too).
 */
static int tcpalt_ip_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
				unsigned int optlen)
{
	int err;

	if (level == SOL_IP) {
		switch (optname) {
		case IP_ADD_MEMBERSHIP:
		case IP_DROP_MEMBERSHIP:
		case IP_ADD_SOURCE_MEMBERSHIP:
		case IP_DROP_SOURCE_MEMBERSHIP:
		case IP_BLOCK_SOURCE:
		case IP_UNBLOCK_SOURCE:
		case IP_MSFILTER:
		case MCAST_JOIN_GROUP:
		case MCAST_LEAVE_GROUP:
		case MCAST_JOIN_SOURCE_GROUP:
		case MCAST_LEAVE_SOURCE_GROUP:
		case MCAST_BLOCK_SOURCE:
		case MCAST_UNBLOCK_SOURCE:
		case MCAST_MSFILTER:
			return -EPROTO;
		}
	}
	err = ip_setsockopt(sk, level, optname, optval, optlen);
	if (!err && level == SOL_IP && optname == IP_OPTIONS) {
		/* The options take room in every segment: the MSS shrinks (tcp_sync_mss). */
		lock_sock(sk);
		tcpalt_sk(sk)->adv_mss = tcpalt_route_mss(sk);
		if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
			tcpalt_sk(sk)->mss = min_t(u32, tcpalt_sk(sk)->mss,
						   tcpalt_route_mss(sk) -
						   tcpalt_opt_overhead(tcpalt_sk(sk)));
			tcpalt_sk(sk)->cc.mss = tcpalt_sk(sk)->mss;
		}
		release_sock(sk);
	}
	return err;
}

/*
 * TCP_CONGESTION (do_tcp_setsockopt(), tcp_set_congestion_control()): the name, up to
 * TCP_CA_NAME_MAX - 1 bytes, picks the socket's algorithm; a name tcpalt has none of is ENOENT.
 * On a connection under way the new algorithm starts afresh from the current cwnd and ssthresh
 * (tcp_reinit_congestion_control()).
 */
static int tcpalt_set_congestion(struct sock *sk, sockptr_t optval, unsigned int optlen)
{
	const struct tcpalt_cc_ops *ops;
	char name[TCP_CA_NAME_MAX];
	long len;

	if (optlen < 1)
		return -EINVAL;
	len = strncpy_from_sockptr(name, optval, min_t(long, TCP_CA_NAME_MAX - 1, optlen));
	if (len < 0)
		return -EFAULT;
	name[len] = 0;
	ops = tcpalt_cc_find(name);
	if (!ops)
		return -ENOENT;
	lock_sock(sk);
	WRITE_ONCE(tcpalt_sk(sk)->cc.ops_set, 1);	/* even for the algorithm in force */
	if (ops != tcpalt_sk(sk)->cc.ops)
		tcpalt_cc_reinit(&tcpalt_sk(sk)->cc, ops,
				 !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)));
	release_sock(sk);
	return 0;
}

/**
 * tcpalt_setsockopt() - setsockopt() for levels other than SOL_SOCKET.
 * @sock: the socket
 * @level: SOL_TCP, or an IP level passed to ip_setsockopt()
 * @optname: option
 * @optval: value
 * @optlen: value length
 *
 * Return: 0 or the errno Linux TCP gives.
 */
int tcpalt_setsockopt(struct socket *sock, int level, int optname, sockptr_t optval,
		      unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int val, err = 0, idx;

	if (level != SOL_TCP)
		return tcpalt_ip_setsockopt(sk, level, optname, optval, optlen);
	if (optname == TCP_CONGESTION)
		return tcpalt_set_congestion(sk, optval, optlen);
	if (optname == TCP_FASTOPEN_KEY)
		return tcpalt_fastopen_set_key(sk, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TCP_NODELAY:
		/* On: what waits for Nagle goes now, once even past a cork (TCP_NAGLE_PUSH). */
		ts->nodelay = !!val;
		if (val)
			__tcpalt_push(sk, TCPALT_PUSH_FORCE);
		break;
	case TCP_CORK:
		/* Off: the partial segment goes unless Nagle holds it (tcp_sock_set_cork()). */
		ts->cork = !!val;
		if (!val)
			__tcpalt_push(sk, ts->nodelay ? TCPALT_PUSH_FORCE : 0);
		break;
	case TCP_QUICKACK:
		/* On: an ACK owed goes now; off: ACKs are delayed (pingpong). */
		ts->pingpong = !val;
		if (val && ts->ack_pending &&
		    ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))) {
			tcpalt_send_ack(sk);
			if (!(val & 1))
				ts->pingpong = 1;
		}
		break;
	case TCP_NOTSENT_LOWAT:
		WRITE_ONCE(ts->notsent_lowat, val);
		sk->sk_write_space(sk);
		break;
	case TCP_WINDOW_CLAMP:
		/*
		 * tcp_set_window_clamp(): 0 only while closed; at least half SOCK_MIN_RCVBUF,
		 * compared unsigned as there, so a negative value is a huge clamp (reads back -1).
		 */
		if (!val) {
			if (sk->sk_state != TCP_CLOSE)
				err = -EINVAL;
			else
				ts->window_clamp = 0;
			break;
		}
		ts->window_clamp = (u32)val < SOCK_MIN_RCVBUF / 2 ? SOCK_MIN_RCVBUF / 2 : val;
		break;
	case TCP_MAXSEG:
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW)) {
			err = -EINVAL;
			break;
		}
		ts->user_mss = val;
		break;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE) {
			err = -EINVAL;
			break;
		}
		ts->keepidle = val;
		if (sock_flag(sk, SOCK_KEEPOPEN))
			tcpalt_keepalive(sk, 1);
		break;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			err = -EINVAL;
		else
			ts->keepintvl = val;
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			err = -EINVAL;
		else
			ts->keepcnt = val;
		break;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			WRITE_ONCE(ts->user_timeout, val);
		break;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			err = -EINVAL;
		else
			WRITE_ONCE(ts->syncnt, val);
		break;
	case TCP_LINGER2:
		/* Negative: no FIN-WAIT-2 for an orphan; at most TCP_FIN_TIMEOUT_MAX (120 s). */
		if (val < 0)
			WRITE_ONCE(ts->linger2_ms, -1);
		else
			WRITE_ONCE(ts->linger2_ms,
				   min(val, TCP_FIN_TIMEOUT_MAX / HZ) * MSEC_PER_SEC);
		break;
	case TCP_DEFER_ACCEPT:
		WRITE_ONCE(ts->defer_accept, tcpalt_defer_secs_to_retrans(val));
		break;
	case TCP_INQ:
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			WRITE_ONCE(ts->recvmsg_inq, val);
		break;
	case TCP_FASTOPEN:
	case TCP_FASTOPEN_CONNECT:
	case TCP_FASTOPEN_NO_COOKIE:
		err = tcpalt_fastopen_setsockopt(sk, optname, val);
		break;
	default:
		idx = tcpalt_stored_idx(optname);
		if (idx < 0)
			err = -ENOPROTOOPT;
		else
			ts->stored_opts[idx] = val;
		break;
	}
	release_sock(sk);
	return err;
}

static void tcpalt_get_info(struct sock *sk, struct tcp_info *info)
{
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	u32 now = jiffies;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = inet_sk_state_load(sk);
	if (info->tcpi_state == TCP_LISTEN) {
		info->tcpi_unacked = READ_ONCE(ts->accept_qlen);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}
	lock_sock(sk);
	info->tcpi_retransmits = ts->retries;
	info->tcpi_probes = ts->probes_out;
	info->tcpi_backoff = ts->backoff;
	info->tcpi_rto = tcpalt_rto_backoff(&ts->rto, ts->backoff);
	info->tcpi_ato = div_u64(tcpalt_ato(ts), NSEC_PER_USEC);
	info->tcpi_snd_mss = ts->mss;
	info->tcpi_rcv_mss = ts->rcv_mss;
	info->tcpi_unacked = DIV_ROUND_UP(ts->snd_nxt - ts->snd_una, ts->mss);
	info->tcpi_last_data_sent = jiffies_to_msecs(now - ts->lsndtime);
	info->tcpi_last_data_recv = jiffies_to_msecs(now - ts->lrcvtime);
	info->tcpi_last_ack_recv = info->tcpi_last_data_recv;
	info->tcpi_pmtu = ts->mss + sizeof(struct iphdr) + sizeof(struct tcphdr);
	info->tcpi_rcv_ssthresh = ts->rcv_wnd;
	info->tcpi_rtt = ts->rto.srtt_us;
	info->tcpi_rttvar = ts->rto.rttvar_us;
	info->tcpi_snd_ssthresh = ts->cc.ssthresh == U32_MAX ? TCP_INFINITE_SSTHRESH :
				  ts->cc.ssthresh / ts->mss;
	info->tcpi_snd_cwnd = max_t(u32, ts->cc.cwnd / ts->mss, 1);
	info->tcpi_advmss = ts->adv_mss;
	info->tcpi_rcv_space = ts->rcvq_space;
	info->tcpi_rcv_rtt = ts->rcv_rtt_us;
	info->tcpi_total_retrans = ts->total_retrans;
	info->tcpi_snd_wnd = ts->snd_wnd;
	info->tcpi_notsent_bytes = ts->write_seq - ts->snd_nxt;
	info->tcpi_ca_state = ts->cc.ca_state;
	if (ts->tstamp_ok)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (ts->sack_ok)
		info->tcpi_options |= TCPI_OPT_SACK;
	if (ts->fo.syn_data_acked)
		info->tcpi_options |= TCPI_OPT_SYN_DATA;
	info->tcpi_fastopen_client_fail = ts->fo.client_fail;
	if (ts->wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = ts->snd_wscale;
		info->tcpi_rcv_wscale = ts->rcv_wscale;
	}
	info->tcpi_sacked = DIV_ROUND_UP(ts->sacked_out, ts->mss);
	info->tcpi_lost = DIV_ROUND_UP(ts->lost_out, ts->mss);
	info->tcpi_retrans = DIV_ROUND_UP(ts->retrans_out, ts->mss);
	info->tcpi_reordering = ts->reord_seen ? 4 : 3;
	info->tcpi_reord_seen = ts->reord_count;
	info->tcpi_dsack_dups = ts->dsack_dups;
	info->tcpi_bytes_acked = ts->bytes_acked;
	info->tcpi_bytes_received = ts->bytes_received;
	info->tcpi_bytes_sent = ts->bytes_sent;
	info->tcpi_bytes_retrans = ts->bytes_retrans;
	info->tcpi_segs_in = ts->segs_in;
	info->tcpi_segs_out = ts->segs_out;
	info->tcpi_data_segs_in = ts->data_segs_in;
	info->tcpi_data_segs_out = ts->data_segs_out;
	info->tcpi_min_rtt = ts->min_rtt_us ? : ~0U;
	info->tcpi_delivered = DIV_ROUND_UP_ULL(ts->bytes_acked, ts->mss);
	release_sock(sk);
}

/**
 * tcpalt_getsockopt() - getsockopt() for levels other than SOL_SOCKET.
 * @sock: the socket
 * @level: SOL_TCP, or an IP level passed to ip_getsockopt()
 * @optname: option
 * @optval: user buffer
 * @optlen: user length (in: buffer size, out: bytes written)
 *
 * Return: 0 or the errno Linux TCP gives.
 */
int tcpalt_getsockopt(struct socket *sock, int level, int optname, char __user *optval,
		      int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct tcpalt_sock *ts = tcpalt_sk(sk);
	int len, val, idx;

	if (level != SOL_TCP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_FASTOPEN_KEY:
		return tcpalt_fastopen_get_key(sk, optval, optlen);
	case TCP_INFO: {
		struct tcp_info info;

		tcpalt_get_info(sk, &info);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	}
	case TCP_CONGESTION: {
		char name[TCP_CA_NAME_MAX] = {};

		/* The name, NUL-padded to TCP_CA_NAME_MAX, cut to the caller's length. */
		strscpy(name, READ_ONCE(ts->cc.ops)->name, sizeof(name));
		len = min_t(unsigned int, len, TCP_CA_NAME_MAX);
		if (put_user(len, optlen) || copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	case TCP_CC_INFO: {
		/*
		 * The algorithm's get_info, as Linux; Reno and CUBIC have none, so the length
		 * written back is 0 there as here.
		 */
		union tcp_cc_info info = {};
		size_t sz = 0;
		int attr;

		lock_sock(sk);
		if (ts->cc.ops->get_info)
			sz = ts->cc.ops->get_info(&ts->cc, ~0U, &attr, &info);
		release_sock(sk);
		len = min_t(unsigned int, len, sz);
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	}
	case TCP_NODELAY:
		val = ts->nodelay;
		break;
	case TCP_MAXSEG:
		val = ts->mss;
		if (ts->user_mss && ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			val = ts->user_mss;
		break;
	case TCP_KEEPIDLE:
		val = ts->keepidle;
		break;
	case TCP_CORK:
		val = ts->cork;
		break;
	case TCP_QUICKACK:
		val = !ts->pingpong;
		break;
	case TCP_NOTSENT_LOWAT:
		val = READ_ONCE(ts->notsent_lowat);
		break;
	case TCP_WINDOW_CLAMP:
		val = ts->window_clamp;
		break;
	case TCP_KEEPINTVL:
		val = ts->keepintvl;
		break;
	case TCP_KEEPCNT:
		val = ts->keepcnt;
		break;
	case TCP_USER_TIMEOUT:
		val = READ_ONCE(ts->user_timeout);
		break;
	case TCP_SYNCNT:
		val = READ_ONCE(ts->syncnt) ? :
		      READ_ONCE(tcpalt_pernet(sock_net(sk))->syn_retries);
		break;
	case TCP_LINGER2:
		val = READ_ONCE(ts->linger2_ms);
		if (val >= 0)
			val = (val ? : READ_ONCE(tcpalt_pernet(sock_net(sk))->fin_timeout_ms)) /
			      MSEC_PER_SEC;
		break;
	case TCP_DEFER_ACCEPT:
		val = tcpalt_defer_retrans_to_secs(READ_ONCE(ts->defer_accept));
		break;
	case TCP_INQ:
		val = READ_ONCE(ts->recvmsg_inq);
		break;
	case TCP_FASTOPEN:
	case TCP_FASTOPEN_CONNECT:
	case TCP_FASTOPEN_NO_COOKIE:
		tcpalt_fastopen_getsockopt(sk, optname, &val);
		break;
	default:
		idx = tcpalt_stored_idx(optname);
		if (idx < 0)
			return -ENOPROTOOPT;
		val = ts->stored_opts[idx];
		break;
	}
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}
