#!/bin/bash
# `make fuzz SECS=N [SEED=S]`: the TCP segment fuzzer (tcpalt_fuzz) alone for N seconds in a
# guest of the debug kernel (KASAN, lockdep, kmemleak), judged as `make check` judges: a kernel
# report, a module that will not unload or a guest that does not finish fails.  Ends with
# "N passed, N failed".  SEED defaults to the time (printed, to replay a run);
# TCPALT_KERNEL=stock runs on the stock kernel instead (faster: no KASAN).  ROUND=R replays
# round R of SEED (with MASK=0110... its actions marked 1, REPEAT=N times), as the fuzzer
# prints when it finds something.
. "$(dirname "$0")/lib.sh"

k=${TCPALT_KERNEL:-debug}
secs=${SECS:-${TCPALT_FUZZ_SECS:-300}}
seed=${SEED:-${TCPALT_FUZZ_SEED:-$(date +%s)}}
case $secs in ''|*[!0-9]*) echo "fuzz: SECS must be a whole number of seconds" >&2; exit 2 ;; esac
case $seed in ''|*[!0-9,]*) echo "fuzz: SEED must be a number (or numbers, comma-separated)" >&2; exit 2 ;; esac
[ "$secs" -ge 1 ] || secs=1
args="tcpalt.fuzzsecs=$secs tcpalt.fuzzseed=$seed"
case ${ROUND:-}${REPEAT:-} in *[!0-9]*) echo "fuzz: ROUND and REPEAT are numbers" >&2; exit 2 ;; esac
case ${MASK:-} in *[!01]*) echo "fuzz: MASK is a string of 0 and 1" >&2; exit 2 ;; esac
[ -n "${ROUND:-}" ] && args="$args tcpalt.fuzzround=$ROUND"
[ -n "${MASK:-}" ] && args="$args tcpalt.fuzzmask=$MASK"
[ -n "${REPEAT:-}" ] && args="$args tcpalt.fuzzrepeat=$REPEAT"

log=$BUILD/logs/$k-fuzz.log
mkdir -p "$BUILD/logs"
echo "# fuzz: $secs s on the $k kernel, seed $seed; guest log $log"
make -s -C "$TOP" selftests BUILD_DIR="$BUILD" >/dev/null
build_module "$k"
TCPALT_TESTS=tcpalt_fuzz make_initramfs "$k" "$BUILD/$k/initrd-fuzz.gz"
# The fuzzer stops starting rounds after SECS; then come its final checks and the replays
# that shrink a leaking round (a few minutes at most), the unload, the kmemleak scan, and on
# the debug kernel a slower boot.
limit=$((secs + secs / 10 + 600))
[ "$k" = debug ] && limit=$((limit + 300))
start=$(date +%s)
boot "$k" "$BUILD/$k/initrd-fuzz.gz" "$log" "$limit" fuzz "$args" || echo "# $k: qemu exited with status $?"
# What the fuzzer said, without its one line per round.
sed -n '/^TCPALT-PROGRAM-BEGIN tcpalt_fuzz/,/^TCPALT-PROGRAM-END tcpalt_fuzz/p' "$log" |
	tr -d '\r' | grep -vE '^(TCPALT-|# round [0-9]+ seed |(not )?ok [0-9]+ )' || true
awk -v label="$k" -f "$VM/judge.awk" "$log" >"$BUILD/logs/$k-fuzz.tap"
grep -v '^COUNTS ' "$BUILD/logs/$k-fuzz.tap"
read -r _ passed failed < <(grep '^COUNTS ' "$BUILD/logs/$k-fuzz.tap")
echo "# $k: guest log $log ($(($(date +%s) - start)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
