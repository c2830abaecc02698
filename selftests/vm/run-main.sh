#!/bin/bash
# `make run`: the main job.  Boot the stock Debian cloud kernel in a VM, load tcpalt, and show
# what it does: the family it registered and /proc/tcpalt/connections as connections live.
# TCPALT_KERNEL=debug runs it on the debug kernel instead.
. "$(dirname "$0")/lib.sh"

k=${TCPALT_KERNEL:-stock}
log=$BUILD/logs/$k-run.log
mkdir -p "$BUILD/logs"
make -s -C "$TOP" tools selftests BUILD_DIR="$BUILD" >/dev/null
build_module "$k"
make_initramfs "$k" "$BUILD/$k/initrd-run.gz"
boot "$k" "$BUILD/$k/initrd-run.gz" "$log" 300 run || true
# Show the job's own output: everything between the guest's start and its dmesg dump.
# The ladder diagram of the HTTP demonstration comes as SVG between markers: save it.
svg=$BUILD/logs/$k-ladder.svg
sed -n '/TCPALT-GUEST-START/,/^TCPALT-DMESG-BEGIN/p' "$log" | tr -d '\r' |
	sed 's/.*TCPALT-GUEST-START/TCPALT-GUEST-START/' | grep -v '^TCPALT-DMESG-BEGIN' |
	awk -v svg="$svg" '/^TCPALT-SVG-BEGIN/ { in_svg = 1; printf "" >svg; next }
		/^TCPALT-SVG-END/ { in_svg = 0; print "(the ladder diagram: " svg ")"; next }
		in_svg { print >svg; next } { print }'
awk -v label="$k" -f "$VM/judge.awk" "$log" | grep -E '^(not ok|# kernel report)' && exit 1
grep -q '^TCPALT-GUEST-DONE status=0' "$log"
