#!/bin/sh
# Real-program rows of `make bench`: unmodified Debian programs on the kernel TCP, then the
# same programs through tcpalt-run (server and client both tcpalt), alternating for ROUNDS
# rounds over loopback; the median (min-max) of each stack and the ratio tcpalt / kernel, as
# tcpalt-bench prints its rows.  Usage: bench-apps.sh ROUNDS SECS.  Not a test: it fails only
# when a program could not run.
rounds=${1:-3}
secs=${2:-3}
dir=/tmp/bench-apps
mkdir -p $dir
nginx_port=28080
redis_port=26379
iperf_port=25201
failed=0
. /tests/common.sh

nginx_conf $dir 127.0.0.1:$nginx_port 'location = /hello { return 200 "hello\n"; }'
head -c 102400 /dev/urandom >$dir/100k

# with STACK CMD...: run CMD on the stack (kernel: as is; tcpalt: through tcpalt-run).
with() {
	stack=$1
	shift
	if [ "$stack" = tcpalt ]; then
		tcpalt-run "$@"
	else
		"$@"
	fi
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (either stack), up to 10 s.
wait_port() {
	i=0
	until { grep -q "127.0.0.1:$1 .* LISTEN" /proc/tcpalt/connections ||
		grep -qi ":$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp; } 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 100 ] && return 1
		sleep 0.1
	done
}

# One measurement each; print the number, or nothing when it failed.
m_iperf3() {
	with "$1" iperf3 -s -1 -B 127.0.0.1 -p $iperf_port >/dev/null 2>&1 &
	srv=$!
	wait_port $iperf_port || { kill $srv; return; }
	# Mbit/s at the receiver.
	with "$1" iperf3 -c 127.0.0.1 -p $iperf_port -t "$secs" -f m 2>/dev/null |
		awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }'
	wait $srv
}

m_redis() {	# $2: set or get; requests/s of redis-benchmark's 50 clients
	with "$1" redis-benchmark -p $redis_port -q -c 50 -n 20000 -t "$2" 2>/dev/null |
		tr '\r' '\n' | awk -v t="$(echo "$2" | tr a-z A-Z):" '$1 == t && $3 == "requests" { print $2 }'
}

m_ab() {	# $2: -k for keep-alive, or -r (a no-op here)
	n=3000
	[ "$2" = -k ] || n=600
	with "$1" ab -q "$2" -n $n -c 10 "http://127.0.0.1:$nginx_port/hello" 2>/dev/null |
		awk '/^Failed requests:/ && $3 != 0 { bad = 1 }
		     /^Requests per second:/ { rps = $4 } END { if (!bad && rps) print rps }'
}

m_wrk() {
	with "$1" wrk -t2 -c20 -d"${secs}s" "http://127.0.0.1:$nginx_port/hello" 2>/dev/null |
		awk '/Socket errors|Non-2xx/ { bad = 1 } /^Requests\/sec:/ { rps = $2 }
		     END { if (!bad && rps) print rps }'
}

# measure NAME STACK CMD...: append one number to $dir/NAME.STACK (or count a failure).
measure() {
	name=$1
	stack=$2
	shift 2
	v=$("$@")
	if [ -n "$v" ]; then
		echo "$v" >>"$dir/$name.$stack"
	else
		echo "# $name on $stack failed" >&2
		failed=1
	fi
}

# The servers of one round on one stack.
servers_start() {
	with "$1" nginx -p $dir -c $dir/nginx.conf -e $dir/error.log 2>/dev/null &
	nginx=$!
	with "$1" redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no \
		--dir $dir --protected-mode no >/dev/null 2>&1 &
	redis=$!
	wait_port $nginx_port && wait_port $redis_port
}

servers_stop() {
	kill "$nginx" "$redis" 2>/dev/null
	wait "$nginx" "$redis" 2>/dev/null
	# Let the TIME-WAIT of the servers' ends go, so the next stack starts clean.
	sleep 1
}

rm -f $dir/*.kernel $dir/*.tcpalt
sysctl -qw net.tcpalt.msl_ms=1000
r=0
while [ $r -lt "$rounds" ]; do
	for stack in kernel tcpalt; do
		servers_start $stack || { echo "# servers did not start on $stack" >&2; failed=1; }
		measure iperf3 $stack m_iperf3 $stack
		measure redis_set $stack m_redis $stack set
		measure redis_get $stack m_redis $stack get
		measure ab_k $stack m_ab $stack -k
		measure ab $stack m_ab $stack -r
		measure wrk $stack m_wrk $stack
		servers_stop
	done
	r=$((r + 1))
done

# median FILE: "median min max" of its numbers.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (!NR) { print "- - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR] }'
}

echo
echo "Real programs, unmodified (loopback; server and client both on the stack; $rounds rounds):"
echo
echo "| program | kernel TCP (median, min–max) | tcpalt (median, min–max) | tcpalt ÷ kernel |"
echo "|---|---|---|---|"
for row in "iperf3:iperf3 -t $secs, Mbit/s" "redis_set:redis-benchmark SET, 50 clients, req/s" \
	"redis_get:redis-benchmark GET, 50 clients, req/s" \
	"ab_k:ab -k -c 10 (keep-alive), req/s" "ab:ab -c 10 (a connection each), req/s" \
	"wrk:wrk -c 20 (keep-alive), req/s"; do
	name=${row%%:*}
	label=${row#*:}
	set -- $(median "$dir/$name.kernel" 2>/dev/null || echo - - -) \
		$(median "$dir/$name.tcpalt" 2>/dev/null || echo - - -)
	echo "| $label | $1 ($2–$3) | $4 ($5–$6) | $(awk -v k="$1" -v t="$4" \
		'BEGIN { if (k > 0 && t != "-") printf "%.2f", t / k; else print "-" }') |"
done
exit $failed
