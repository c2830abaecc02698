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
	"kernel BUG at net/core/skbuff.c:110!"; do
	{ clean_log | head -n 3; echo "$report"; clean_log | tail -n +4; } >"$tmp/log"
	expect "fails on: ${report:0:40}" 5 1
done

clean_log | grep -v GUEST-DONE >"$tmp/log"
expect "fails when the guest did not finish" 5 1

clean_log | sed 's/^TCPALT-PROGRAM-END prog rc=0/TCPALT-PROGRAM-END prog rc=139/' >"$tmp/log"
expect "fails when a program crashed after reporting ok" 6 1

clean_log | sed '/^ok [12] global/d' >"$tmp/log"
expect "fails when a program reported nothing" 4 1

clean_log | sed 's/^    ok 2 tcpalt_seq_test_b/    not ok 2 tcpalt_seq_test_b/' >"$tmp/log"
expect "counts a failed KUnit case" 5 1

echo "COUNTS $((n - bad)) $bad"
