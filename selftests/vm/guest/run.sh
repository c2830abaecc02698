#!/bin/sh
# Guest job for `make run`: load tcpalt and show what it does.
. /tests/common.sh
insmod /lib/modules/tcpalt.ko || exit 1
echo "== tcpalt loaded as protocol family $(cat /sys/module/tcpalt/parameters/family)"
# The snapshots cannot catch the states that last microseconds over loopback (SYN-SENT,
# SYN-RECEIVED, FIN-WAIT-1, LAST-ACK); the state-change tracepoint records every one.
trace=/sys/kernel/tracing
event=$trace/events/tcpalt/tcpalt_set_state/enable
[ -w "$event" ] && : >"$trace/trace" && echo 1 >"$event"
tcpalt-demo
status=$?
if [ -w "$event" ]; then
	echo 0 >"$event"
	echo
	echo "== every state change, from the tcpalt:tcpalt_set_state tracepoint"
	sed -n 's/.*tcpalt_set_state: sk=[^ ]* //p' "$trace/trace"
fi
rmmod tcpalt
exit $status
