#!/bin/bash
# Host-side test of judge.awk: a clean log passes; a log with any kind of kernel report, a
# missing end marker, or a test program that died must fail.  Prints TAP and a COUNTS line.
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
bad=0

clean_log() {
	cat <<'LOG'
TCPALT-GUEST-START kernel=x flavor=stock mode=check
TCPALT-KUNIT-BEGIN tcpalt_kunit
KTAP version 1
    ok 1 tcpalt_seq_test_a
    ok 2 tcpalt_seq_test_b
ok 1 tcpalt_seq
TCPALT-KUNIT-END tcpalt_kunit
TCPALT-PROGRAM-BEGIN prog
TAP version 13
ok 1 global.one
ok 2 global.two
TCPALT-PROGRAM-END prog rc=0
TCPALT-GUEST-DONE status=0
LOG
}

lockup_log() {
	cat <<'LOG'
TCPALT-GUEST-START kernel=6.1.0-56-cloud-amd64 flavor=stock mode=check
tcpalt: loading out-of-tree module taints kernel.
TCPALT-PROGRAM-BEGIN tcpalt_stress
TAP version 13
1..16
# Starting 16 tests from 3 test cases.
#  RUN           stress.inet.accept_storm ...
#            OK  stress.inet.accept_storm
ok 1 stress.inet.accept_storm
#  RUN           stress.inet.shared_pair_shutdown ...
#            OK  stress.inet.shared_pair_shutdown
ok 2 stress.inet.shared_pair_shutdown
#  RUN           stress.tcpalt.accept_storm ...
rcu: INFO: rcu_preempt self-detected stall on CPU
rcu: 	0-...!: (4329 ticks this GP) idle=a76c/1/0x4000000000000000 softirq=1347/1351 fqs=0
	(t=5250 jiffies g=933 q=149 ncpus=2)
watchdog: BUG: soft lockup - CPU#0 stuck for 48s! [tcpalt_stress:159]
Modules linked in: tcpalt(OE) nf_conntrack libcrc32c nf_defrag_ipv6 nf_defrag_ipv4 sch_netem tun veth
CPU: 0 PID: 159 Comm: tcpalt_stress Tainted: G           OE      6.1.0-56-cloud-amd64 #1  Debian 6.1.192-2
RIP: 0010:native_queued_spin_lock_slowpath+0x30/0x2a0
Call Trace:
 <IRQ>
 _raw_spin_lock+0x25/0x30
 tcpalt_sk_rcv+0x1e/0x170 [tcpalt]
 tcpalt_nf_local_in+0x249/0x780 [tcpalt]
 nf_hook_slow+0x41/0xf0
 ip_local_deliver+0xce/0x110
 __netif_receive_skb_one_core+0x89/0xa0
 process_backlog+0x81/0x120
 __napi_poll+0x2b/0x160
 net_rx_action+0x2a0/0x350
 handle_softirqs+0xd7/0x280
 do_softirq.part.0+0x5f/0x80
 </IRQ>
 <TASK>
 __local_bh_enable_ip+0x64/0x70
 __dev_queue_xmit+0x385/0xe30
 ip_finish_output2+0x297/0x560
 ip_output+0x76/0x130
 __ip_queue_xmit+0x18b/0x4a0
 tcpalt_xmit+0x210/0x300 [tcpalt]
 tcpalt_push+0xa7/0x1d0 [tcpalt]
 tcpalt_do_rcv+0x5f8/0xf40 [tcpalt]
 __release_sock+0xef/0x100
 release_sock+0x2b/0x90
 tcpalt_accept+0x232/0x310 [tcpalt]
 do_accept+0x11b/0x190
 __sys_accept4+0x5b/0xc0
 </TASK>
Kernel panic - not syncing: softlockup: hung tasks
CPU: 0 PID: 159 Comm: tcpalt_stress Tainted: G           OEL     6.1.0-56-cloud-amd64 #1  Debian 6.1.192-2
LOG
}

expect() {	# expect NAME PASSED FAILED: judge $tmp/log and compare its counts
	local name=$1 want_p=$2 want_f=$3 p f
	read -r _ p f < <(awk -v label=t -f "$here/judge.awk" "$tmp/log" | grep '^COUNTS ')
	n=$((n + 1))
	if [ "$p" = "$want_p" ] && [ "$f" = "$want_f" ]; then
		echo "ok $n judge: $name"
	else
		echo "not ok $n judge: $name (got $p passed $f failed, want $want_p/$want_f)"
		bad=$((bad + 1))
	fi
}

clean_log >"$tmp/log"
expect "clean log passes" 6 0

for report in \
	"WARNING: CPU: 1 PID: 77 at module/state.c:90 tcpalt_set_state+0x5/0x9 [tcpalt]" \
	"BUG: KASAN: slab-use-after-free in tcpalt_release+0x1/0x2" \
	"BUG: kernel NULL pointer dereference, address: 0000000000000008" \
	"WARNING: possible circular locking dependency detected" \
	"unreferenced object 0xffff888003a1c000 (size 2048):" \
	"ODEBUG: free active (active state 0) object type: hrtimer" \
	"kernel BUG at net/core/skbuff.c:110!" \
	"watchdog: BUG: soft lockup - CPU#0 stuck for 48s! [tcpalt_stress:159]" \
	"Kernel panic - not syncing: softlockup: hung tasks" \
	"INFO: task tcpalt_stress:163 blocked for more than 120 seconds." \
	"Kernel panic - not syncing: hung_task: blocked tasks" \
	"rcu: INFO: rcu_preempt self-detected stall on CPU" \
	"NMI watchdog: Watchdog detected hard LOCKUP on cpu 1"; do
	{ clean_log | head -n 3; echo "$report"; clean_log | tail -n +4; } >"$tmp/log"
	expect "fails on: ${report:0:40}" 5 1
done

leak_report() {	# leak_report FUNCTION: a kmemleak block whose backtrace ends in FUNCTION
	cat <<LOG
unreferenced object 0xff11000000181500 (size 216):
  comm "swapper/0", pid 0, jiffies 4294892296
  backtrace:
    [<(____ptrval____)>] kmem_cache_alloc+0xf0/0x11c
    [<(____ptrval____)>] $1
    [<(____ptrval____)>] start_kernel+0x294/0x30c
LOG
}
# The debug kernel's ACPI leaks its caches at boot: known, not tcpalt's; anything else fails.
{ clean_log | grep -v GUEST-DONE; leak_report "acpi_early_init+0x115/0x397"
  leak_report "acpi_early_init+0x115/0x397"; echo "TCPALT-GUEST-DONE status=0"; } >"$tmp/log"
expect "passes a kmemleak report from ACPI boot init" 6 0
{ clean_log | grep -v GUEST-DONE; leak_report "acpi_early_init+0x115/0x397"
  leak_report "tcpalt_child_clone+0x1c/0x90 [tcpalt]"; echo "TCPALT-GUEST-DONE status=0"; } \
	>"$tmp/log"
expect "fails on a kmemleak report from tcpalt next to an ACPI one" 5 1

clean_log | grep -v GUEST-DONE >"$tmp/log"
expect "fails when the guest did not finish" 5 1

# The deadlock panics are on the kernel command line, which the dmesg dump repeats.
{ clean_log | head -n 1
  echo "Command line: console=ttyS0 loglevel=5 panic=-1 oops=panic softlockup_panic=1 hung_task_panic=1 printk.time=0 tcpalt.mode=check"
  clean_log | tail -n +2; } >"$tmp/log"
expect "passes with softlockup_panic/hung_task_panic on the command line" 6 0

# Recorded (trimmed) from a stock guest: tcpalt_stress's accept storm on a module whose
# listener path self-deadlocks; softlockup_panic ended the guest, no end markers follow.
lockup_log >"$tmp/log"
expect "fails on a recorded soft lockup that ended the guest" 2 3

clean_log | sed 's/^TCPALT-PROGRAM-END prog rc=0/TCPALT-PROGRAM-END prog rc=139/' >"$tmp/log"
expect "fails when a program crashed after reporting ok" 6 1

clean_log | sed '/^ok [12] global/d' >"$tmp/log"
expect "fails when a program reported nothing" 4 1

clean_log | sed 's/^    ok 2 tcpalt_seq_test_b/    not ok 2 tcpalt_seq_test_b/' >"$tmp/log"
expect "counts a failed KUnit case" 5 1

echo "COUNTS $((n - bad)) $bad"
