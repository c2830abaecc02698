#!/bin/sh
# Guest job for `make check`: KUnit (debug kernel), then every kselftest program with the
# module loaded, then unload and a kmemleak scan.
. /tests/common.sh

# The races the tests look for need two CPUs; the debug kernel must also be preemptible.
echo "TCPALT-PROGRAM-BEGIN guest"
online=$(cat /sys/devices/system/cpu/online)
if [ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ]; then
	echo "ok 1 two CPUs online ($online)"
else
	echo "not ok 1 two CPUs online ($online)"
fi
if [ "$(cat /etc/tcpalt-flavor)" != debug ] || uname -v | grep -q PREEMPT; then
	echo "ok 2 preemptible kernel ($(uname -v))"
else
	echo "not ok 2 preemptible kernel ($(uname -v))"
fi
echo "TCPALT-PROGRAM-END guest rc=0"
kmemleak_baseline

if ! insmod /lib/modules/tcpalt.ko; then
	echo "TCPALT-PROGRAM-BEGIN insmod"
	echo "not ok 1 insmod tcpalt.ko"
	echo "TCPALT-PROGRAM-END insmod rc=1"
	exit 1
fi
[ -f /lib/modules/tcpalt_kunit.ko ] && run_kunit tcpalt_kunit
for t in /tests/bin/*; do
	[ -x "$t" ] && run_program "$(basename "$t")" "$t"
done
echo "TCPALT-PROGRAM-BEGIN unload"
# Sockets pin the module: give orphans still closing (FIN-WAIT, LAST-ACK) time to finish.
i=0
while [ "$(cat /sys/module/tcpalt/refcnt)" != 0 ] && [ $i -lt 150 ]; do
	sleep 0.5
	i=$((i + 1))
done
echo "# waited $((i / 2)) s for the last sockets"
if rmmod tcpalt; then
	echo "ok 1 rmmod tcpalt"
else
	echo "not ok 1 rmmod tcpalt"
	echo "# what still holds the module:"
	sed 's/^/# /' /proc/tcpalt/connections
	sed 's/^/# /' /proc/tcpalt/stats
fi
echo "TCPALT-PROGRAM-END unload rc=0"
kmemleak_scan
