#!/bin/sh
# Guest job for `make bench`: the same workloads on the kernel TCP and tcpalt, one run.
insmod /lib/modules/tcpalt.ko || exit 1
tcpalt-bench
status=$?
sleep 2
rmmod tcpalt
exit $status
