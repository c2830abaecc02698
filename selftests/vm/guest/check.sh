#!/bin/sh
# Guest job for `make check`: KUnit (debug kernel), then every kselftest program with the
# module loaded, then rmmod attempts while sockets exist (tcpalt_unload), then the end-of-run
# checks (no socket left, no row but TIME-WAIT), unload and a kmemleak scan.
. /tests/common.sh

check_guest
load_tcpalt || exit 1
[ -f /lib/modules/tcpalt_kunit.ko ] && run_kunit tcpalt_kunit
for t in /tests/bin/*; do
	[ "$(basename "$t")" = tcpalt_unload ] && continue	# below, last
	[ -x "$t" ] && run_program "$(basename "$t")" "$t"
done
# rmmod must be refused while a listener, a connection or an orphan exists, and tcpalt must
# keep working after the attempt.  Last, so that no other program runs after a wrong unload.
[ -x /tests/bin/tcpalt_unload ] && run_program tcpalt_unload /tests/bin/tcpalt_unload

unload_tcpalt
kmemleak_scan
