#!/bin/sh
# Guest job for `make bench`: the same workloads on the kernel TCP and tcpalt, alternating, in
# one boot.  The kernel command line picks a subset: tcpalt.benchpaths=, tcpalt.benchworkloads=
# (comma-separated), tcpalt.benchrounds=, tcpalt.benchsecs= (tcpalt-bench's --paths,
# --workloads, --rounds, --secs).  The workload "apps" is the real programs' rows
# (bench-apps.sh), not tcpalt-bench's.
insmod /lib/modules/tcpalt.ko || exit 1
set --
workloads=all
rounds=5
secs=5
for arg in $(cat /proc/cmdline); do
	case $arg in
	tcpalt.benchpaths=*) set -- "$@" "--paths=${arg#tcpalt.benchpaths=}" ;;
	tcpalt.benchworkloads=*) workloads=${arg#tcpalt.benchworkloads=} ;;
	tcpalt.benchrounds=*) rounds=${arg#tcpalt.benchrounds=}; set -- "$@" "--rounds=$rounds" ;;
	tcpalt.benchsecs=*) secs=${arg#tcpalt.benchsecs=}; set -- "$@" "--secs=$secs" ;;
	esac
done
apps=0
case ,$workloads, in
*,all,*) apps=1 ;;
*,apps,*) apps=1; workloads=$(echo ",$workloads," | sed 's/,apps,/,/g; s/^,//; s/,$//') ;;
esac
start=$(date +%s)
status=0
if [ -n "$workloads" ]; then
	tcpalt-bench "$@" "--workloads=$workloads"
	status=$?
fi
if [ $apps = 1 ]; then
	# Three rounds are enough for medians here; the streams' SECS, at most 3 s.
	[ "$rounds" -gt 3 ] && rounds=3
	[ "$secs" -gt 3 ] && secs=3
	/tests/bench-apps.sh "$rounds" "$secs" || status=1
fi
echo
echo "(the benchmark ran $(($(date +%s) - start)) s, exit status $status)"
sleep 2
rmmod tcpalt
exit $status
