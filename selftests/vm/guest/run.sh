#!/bin/sh
# Guest job for `make run`: load tcpalt and show what it does: tcpalt-demo's connection (its
# states as /proc/tcpalt/connections shows them), then unmodified nginx and curl from Debian
# talking HTTP over tcpalt through tcpalt-run, with tcpalt-ss, the state diagram and a
# ladder diagram of one connection.
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

http_demo() {
	web=/tmp/web
	mkdir -p $web
	head -c 300000 /dev/urandom >$web/photo.jpg
	nginx_conf $web 8080 'location = / { return 200 "hello from nginx over tcpalt\n"; }'
	echo
	echo "== unmodified Debian programs over tcpalt: nginx and curl through tcpalt-run"
	echo "\$ tcpalt-run nginx -c $web/nginx.conf &"
	tcpalt-run --verbose nginx -p $web -c $web/nginx.conf -e $web/error.log 2>$web/nginx.err &
	nginx=$!
	i=0
	until tcpalt-ss -l -H sport = :8080 | grep -q LISTEN || [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "\$ tcpalt-ss -l"
	tcpalt-ss -l
	sysctl -qw net.tcpalt.msl_ms=2000	# TIME-WAIT for 4 s, so it shows below
	[ -w "$event" ] && : >"$trace/trace" && echo 1 >"$event"
	echo "\$ tcpalt-run curl -sS -o /tmp/hello http://127.0.0.1:8080/ -o /tmp/photo http://127.0.0.1:8080/photo.jpg"
	tcpalt-run curl -sS -o /tmp/hello http://127.0.0.1:8080/ -o /tmp/photo http://127.0.0.1:8080/photo.jpg
	rc=$?
	[ $rc -eq 0 ] || { echo "curl failed: exit status $rc"; status=1; }
	echo "\$ cat /tmp/hello"
	cat /tmp/hello
	if cmp -s $web/photo.jpg /tmp/photo; then
		echo "(photo.jpg: $(wc -c </tmp/photo) bytes, the same as nginx's file)"
	else
		echo "photo.jpg differs from nginx's file: $(wc -c </tmp/photo) bytes"
		status=1
	fi
	echo "\$ cat /proc/tcpalt/connections"
	cat /proc/tcpalt/connections
	echo "\$ tcpalt-ss -a -i"
	tcpalt-ss -a -i
	[ -w "$event" ] && echo 0 >"$event"
	kill $nginx
	wait $nginx 2>/dev/null
	echo "\$ tcpalt-ss -s"
	tcpalt-ss -s
	echo "\$ tcpalt-ss --diagram"
	tcpalt-ss --diagram
	if [ -w "$event" ]; then
		echo "\$ tcpalt-trace -p 8080 --svg /tmp/ladder.svg    # the connection, both ends"
		tcpalt-trace -p 8080 --svg /tmp/ladder.svg "$trace/trace" || status=1
		# The host's run-main.sh saves what is between the markers as ladder.svg.
		echo "TCPALT-SVG-BEGIN"
		cat /tmp/ladder.svg
		echo "TCPALT-SVG-END"
	fi
}

if command -v nginx >/dev/null && command -v curl >/dev/null; then
	http_demo
else
	echo "(nginx or curl not in this guest: make deps installs them)"
fi
# Let the TIME-WAIT entries end so that the module unloads.
i=0
while grep -q TIME-WAIT /proc/tcpalt/connections && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod tcpalt
exit $status
