#!/bin/sh
# Guest job for `make run`: load tcpalt and show what it does.
. /tests/common.sh
insmod /lib/modules/tcpalt.ko || exit 1
echo "== tcpalt loaded as protocol family $(cat /sys/module/tcpalt/parameters/family)"
tcpalt-demo
status=$?
rmmod tcpalt
exit $status
