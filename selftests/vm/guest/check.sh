#!/bin/sh
# Guest job for `make check`: KUnit (debug kernel), then every kselftest program with the
# module loaded, then rmmod attempts while sockets exist (tcpalt_unload), then the end-of-run
# checks (no socket left, no row but TIME-WAIT), unload and a kmemleak scan.
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
	[ "$(basename "$t")" = tcpalt_unload ] && continue	# below, last
	[ -x "$t" ] && run_program "$(basename "$t")" "$t"
done
# rmmod must be refused while a listener, a connection or an orphan exists, and tcpalt must
# keep working after the attempt.  Last, so that no other program runs after a wrong unload.
[ -x /tests/bin/tcpalt_unload ] && run_program tcpalt_unload /tests/bin/tcpalt_unload

echo "TCPALT-PROGRAM-BEGIN unload"
# Sockets pin the module: give orphans still closing (FIN-WAIT, LAST-ACK) time to finish.
i=0
while [ "$(cat /sys/module/tcpalt/refcnt)" != 0 ] && [ $i -lt 150 ]; do
	sleep 0.5
	i=$((i + 1))
done
echo "# waited $((i / 2)) s for the last sockets"
refcnt=$(cat /sys/module/tcpalt/refcnt)
if [ "$refcnt" = 0 ]; then
	echo "ok 1 every tcpalt socket is gone (module refcnt 0)"
else
	echo "not ok 1 every tcpalt socket is gone (module refcnt $refcnt after $((i / 2)) s)"
	sed 's/^/# /' /proc/tcpalt/stats
fi
# The programs' namespaces are gone with their rows; this is the initial namespace's table.
rows=$(tail -n +2 /proc/tcpalt/connections | grep -v ' TIME-WAIT ')
if [ -z "$rows" ]; then
	echo "ok 2 no row left in /proc/tcpalt/connections but TIME-WAIT"
else
	echo "not ok 2 no row left in /proc/tcpalt/connections but TIME-WAIT"
	echo "$rows" | sed 's/^/# /'
fi
if rmmod tcpalt; then
	echo "ok 3 rmmod tcpalt"
else
	echo "not ok 3 rmmod tcpalt"
	echo "# what still holds the module:"
	sed 's/^/# /' /proc/tcpalt/connections
	sed 's/^/# /' /proc/tcpalt/stats
fi
echo "TCPALT-PROGRAM-END unload rc=0"
kmemleak_scan
