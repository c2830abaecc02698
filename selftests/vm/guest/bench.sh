#!/bin/sh
# Guest job for `make bench`: the same workloads on the kernel TCP and tcpalt, alternating, in
# one boot.  The kernel command line picks a subset: tcpalt.benchpaths=, tcpalt.benchworkloads=
# (comma-separated), tcpalt.benchrounds=, tcpalt.benchsecs= (tcpalt-bench's --paths,
# --workloads, --rounds, --secs).
insmod /lib/modules/tcpalt.ko || exit 1
set --
for arg in $(cat /proc/cmdline); do
	case $arg in
	tcpalt.benchpaths=*) set -- "$@" "--paths=${arg#tcpalt.benchpaths=}" ;;
	tcpalt.benchworkloads=*) set -- "$@" "--workloads=${arg#tcpalt.benchworkloads=}" ;;
	tcpalt.benchrounds=*) set -- "$@" "--rounds=${arg#tcpalt.benchrounds=}" ;;
	tcpalt.benchsecs=*) set -- "$@" "--secs=${arg#tcpalt.benchsecs=}" ;;
	esac
done
start=$(date +%s)
tcpalt-bench "$@"
status=$?
echo
echo "(tcpalt-bench ran $(($(date +%s) - start)) s, exit status $status)"
sleep 2
rmmod tcpalt
exit $status
