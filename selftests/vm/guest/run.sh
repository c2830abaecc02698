#!/bin/sh
# Guest job for `make run`: load tcpalt and show what it does.
. /tests/common.sh
insmod /lib/modules/tcpalt.ko || exit 1
echo "== tcpalt loaded as protocol family $(cat /sys/module/tcpalt/parameters/family)"
if [ -x /tests/bin/tcpalt-demo ]; then
	/tests/bin/tcpalt-demo
else
	echo "== cat /proc/tcpalt/connections"
	cat /proc/tcpalt/connections
fi
rmmod tcpalt
