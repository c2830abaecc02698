#!/bin/sh
# Helpers for the guest jobs.

# kmemleak_scan: ask kmemleak for a scan (where the kernel has it) and print what it found;
# the host fails the run on any "unreferenced object" report, except the debug kernel's ACPI
# boot-time caches, which the judge (judge.awk) recognises by their backtrace: that kernel's
# ACPI cannot load QEMU's tables and loses them, and no baseline taken here can forget them
# all (kmemleak reports an object once two scans find it unchanged, and these still change
# after boot: one scan at uptime 32 s reported none, a second 8, the last 2 came at the end).
kmemleak_scan() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
}

# run_program NAME CMD...: run one kselftest program, its TAP framed for the host parser; the
# end line also tells how long it ran (programs must stay well under a minute in a TCG guest).
run_program() {
	name=$1
	shift
	echo "TCPALT-PROGRAM-BEGIN $name"
	start=$(date +%s)
	"$@" 2>&1
	rc=$?
	echo "TCPALT-PROGRAM-END $name rc=$rc secs=$(($(date +%s) - start))"
}

# run_kunit MODULE: load a KUnit module and report each suite's results file.
run_kunit() {
	echo "TCPALT-KUNIT-BEGIN $1"
	if insmod "/lib/modules/$1.ko"; then
		for r in /sys/kernel/debug/kunit/*/results; do
			cat "$r"
		done
		rmmod "$1"
	else
		echo "not ok 1 insmod $1"
	fi
	echo "TCPALT-KUNIT-END $1"
}

# unload_tcpalt: the end-of-run checks: wait for the last sockets to go (orphans still closing
# in FIN-WAIT or LAST-ACK pin the module), then no socket may be left, no row but TIME-WAIT,
# and rmmod must succeed; on failure, show what still holds the module.
unload_tcpalt() {
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
}

# check_guest: the races the tests look for need two CPUs; the debug kernel must also be
# preemptible.  Reported as a program of two results.
check_guest() {
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
}

# load_tcpalt: insmod the module, reported as a failed program when it does not load.
load_tcpalt() {
	insmod /lib/modules/tcpalt.ko && return 0
	echo "TCPALT-PROGRAM-BEGIN insmod"
	echo "not ok 1 insmod tcpalt.ko"
	echo "TCPALT-PROGRAM-END insmod rc=1"
	return 1
}

# nginx_conf DIR LISTEN LOCATION: an nginx.conf in DIR for one foreground process serving DIR
# on LISTEN (e.g. 8080 or 127.0.0.1:8080), with Debian's TCP settings (sendfile, tcp_nopush,
# tcp_nodelay), its files and temp paths in DIR and LOCATION (an nginx location block) added.
nginx_conf() {
	cat >"$1/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
user root root;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 512; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 1000000;
	client_body_temp_path $1/body;
	proxy_temp_path $1/proxy;
	fastcgi_temp_path $1/fastcgi;
	uwsgi_temp_path $1/uwsgi;
	scgi_temp_path $1/scgi;
	server {
		listen $2;
		root $1;
		$3
	}
}
CONF
}
