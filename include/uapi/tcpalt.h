/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpalt: what userspace needs to use the AF_TCPALT protocol family.
 *
 * A socket(AF_TCPALT, SOCK_STREAM, 0) behaves like a TCP socket: it takes and returns IPv4
 * struct sockaddr_in addresses (sin_family AF_INET or AF_TCPALT on input, AF_INET on output),
 * the SOL_SOCKET and SOL_TCP options a TCP programmer uses, and speaks real TCP on the wire.
 */
#ifndef _UAPI_TCPALT_H
#define _UAPI_TCPALT_H

/*
 * The family number.  22 is unregistered in Linux 6.1 and below AF_MAX.  The module parameter
 * "family" can move it; the number in force is in TCPALT_FAMILY_PARAM.
 */
#define AF_TCPALT	22
#define PF_TCPALT	AF_TCPALT

/*
 * setsockopt() level for the SOL_SOCKET options Linux 6.1's core refuses to a family other
 * than AF_INET/AF_INET6 before the protocol sees them; the option names are SOL_SOCKET's:
 * setsockopt(fd, SOL_TCPALT, SO_REUSEPORT, &one, sizeof(one)) does what SO_REUSEPORT does
 * for TCP, and setsockopt(fd, SOL_TCPALT, SO_ZEROCOPY, &one, sizeof(one)) what SO_ZEROCOPY
 * does (0 or 1, EINVAL otherwise; then send(MSG_ZEROCOPY) and its completions on the error
 * queue work as for TCP).  setsockopt(fd, SOL_SOCKET, ...) of either fails with EOPNOTSUPP;
 * getsockopt() of them at SOL_SOCKET works.
 */
#define SOL_TCPALT	0x7441

/* Where the loaded module reports the family number it registered. */
#define TCPALT_FAMILY_PARAM	"/sys/module/tcpalt/parameters/family"

/* One line per listener, connection and TIME-WAIT entry of the reader's network namespace. */
#define TCPALT_PROC_CONNECTIONS	"/proc/tcpalt/connections"
/* Counters, in the spirit of /proc/net/snmp's Tcp: line, and per-state transition counts. */
#define TCPALT_PROC_STATS	"/proc/tcpalt/stats"
/* Directory of the sysctls (net.tcpalt.*). */
#define TCPALT_SYSCTL_DIR	"/proc/sys/net/tcpalt"
/* Maximum segment lifetime in milliseconds; TIME-WAIT lasts twice this. */
#define TCPALT_SYSCTL_MSL_MS	TCPALT_SYSCTL_DIR "/msl_ms"

/* Per-transition counts: "FROM TO COUNT" lines, one per edge of the RFC 9293 state diagram. */
#define TCPALT_PROC_TRANSITIONS	"/proc/tcpalt/transitions"

/*
 * The header line of TCPALT_PROC_CONNECTIONS (without its newline).  Columns are aligned as in
 * /proc/net/tcp: every field starts where its header word starts, in every row (widths: the
 * addresses 21, the state 12, the others 10; inode, the last, has none), and fields are still
 * separated by whitespace, so "%s %s %s ..." parsing works unchanged.
 */
#define TCPALT_PROC_CONNECTIONS_HEADER \
	"local                 remote                state        sendq      recvq      " \
	"timer      ms_left    snd_una    snd_nxt    rcv_nxt    wnd        rto        " \
	"retrans    uid        inode"

#endif /* _UAPI_TCPALT_H */
