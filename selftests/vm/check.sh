#!/bin/bash
# `make check`: host-side tests, then the module and its tests in a guest on each kernel
# (stock Debian cloud, then the debug kernel).  Ends with "N passed, N failed".
# TCPALT_KERNELS="stock" (or "debug") limits the run to one kernel.
. "$(dirname "$0")/lib.sh"

kernels=${TCPALT_KERNELS:-stock debug}
passed=0
failed=0
mkdir -p "$BUILD/logs"

tally() {	# tally FILE: add a judge's COUNTS line to the totals, echo the rest
	local p f
	grep -v '^COUNTS ' "$1"
	read -r _ p f < <(grep '^COUNTS ' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
}

# Host-side: the log judge must pass a clean log and fail each kind of kernel report.
"$VM/judge_test.sh" >"$BUILD/logs/judge_test.tap" || true
tally "$BUILD/logs/judge_test.tap"

make -s -C "$TOP" tools selftests BUILD_DIR="$BUILD" >/dev/null

for k in $kernels; do
	start=$(date +%s)
	log=$BUILD/logs/$k-check.log
	if ! build_module "$k"; then
		echo "not ok - $k: module build"
		failed=$((failed + 1))
		continue
	fi
	make_initramfs "$k" "$BUILD/$k/initrd.gz"
	limit=600
	[ "$k" = debug ] && limit=1800
	boot "$k" "$BUILD/$k/initrd.gz" "$log" "$limit" check || echo "# $k: qemu exited with status $?"
	awk -v label="$k" -f "$VM/judge.awk" "$log" >"$BUILD/logs/$k-check.tap"
	tally "$BUILD/logs/$k-check.tap"
	echo "# $k: guest log $log ($(($(date +%s) - start)) s)"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
