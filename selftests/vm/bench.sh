#!/bin/bash
# `make bench`: boot the stock kernel (never the debug one: KASAN distorts timings), run
# tcpalt-bench, print its table of tcpalt / kernel TCP ratios.  Not a test: it asserts nothing.
. "$(dirname "$0")/lib.sh"

log=$BUILD/logs/stock-bench.log
mkdir -p "$BUILD/logs"
make -s -C "$TOP" tools selftests BUILD_DIR="$BUILD" >/dev/null
build_module stock
make_initramfs stock "$BUILD/stock/initrd-bench.gz"
boot stock "$BUILD/stock/initrd-bench.gz" "$log" 900 bench || true
sed -n '/TCPALT-GUEST-START/,/^TCPALT-DMESG-BEGIN/p' "$log" | tr -d '\r' |
	sed 's/.*TCPALT-GUEST-START/TCPALT-GUEST-START/' | grep -v '^TCPALT-'
grep -q '^TCPALT-GUEST-DONE status=0' "$log"
