#!/bin/bash
# `make bench [PATHS=lo,veth,...] [WORKLOADS=stream,rr,...] [ROUNDS=N] [SECS=S]`: boot the
# stock kernel (never the debug one: KASAN distorts timings), run tcpalt-bench, print its
# tables of kernel TCP and tcpalt medians and their ratios.  Not a test: it asserts nothing,
# and fails only when a workload could not run.  `tcpalt-bench --help` lists the paths.
. "$(dirname "$0")/lib.sh"

paths=${PATHS:-all}
workloads=${WORKLOADS:-all}
rounds=${ROUNDS:-5}
secs=${SECS:-5}
case $paths$workloads in *[!a-z0-9.,]*) echo "bench: PATHS and WORKLOADS are comma-separated names" >&2; exit 2 ;; esac
case $rounds$secs in *[!0-9]*) echo "bench: ROUNDS and SECS are whole numbers" >&2; exit 2 ;; esac
if [ "$rounds" -lt 1 ] || [ "$secs" -lt 1 ]; then
	echo "bench: ROUNDS and SECS are at least 1" >&2
	exit 2
fi
args="tcpalt.benchpaths=$paths tcpalt.benchworkloads=$workloads tcpalt.benchrounds=$rounds tcpalt.benchsecs=$secs"

# Guest time limit: boot, then per round a minute for the other workloads (they take about
# 15 s), and per stream SECS plus set-up and handshakes (a lost SYN costs a second; streams
# take SECS + 0.3 s on an idle host), with room for a busy host.  The defaults give 18
# minutes; a run takes 7.
npaths=8
[ "$paths" = all ] || npaths=$(echo "$paths" | tr ',' '\n' | grep -c .)
limit=$((120 + rounds * 60 + 2 * rounds * npaths * (secs + 3)))
# The real programs' rows (workload apps): at most 3 rounds of 2 x 6 runs of about 5 s.
case ,$workloads, in *,all,*|*,apps,*) limit=$((limit + 420)) ;; esac

log=$BUILD/logs/stock-bench.log
mkdir -p "$BUILD/logs"
make -s -C "$TOP" tools selftests BUILD_DIR="$BUILD" >/dev/null
build_module stock
make_initramfs stock "$BUILD/stock/initrd-bench.gz"
echo "$(date -u +%F): stock kernel $(stock_version) in a QEMU TCG guest (2 vCPUs) on a" \
	"$(nproc)-core host (load average $(cut -d' ' -f1-3 /proc/loadavg));" \
	"$rounds round(s) per stack, ${secs} s streams"
start=$(date +%s)
boot stock "$BUILD/stock/initrd-bench.gz" "$log" "$limit" bench "$args" ||
	echo "# qemu exited with status $? (limit $limit s)"
sed -n '/TCPALT-GUEST-START/,/^TCPALT-DMESG-BEGIN/p' "$log" | tr -d '\r' |
	sed 's/.*TCPALT-GUEST-START/TCPALT-GUEST-START/' | grep -v '^TCPALT-'
echo "(guest $(($(date +%s) - start)) s; log $log)"
grep -q '^TCPALT-GUEST-DONE status=0' "$log"
