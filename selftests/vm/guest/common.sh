#!/bin/sh
# Helpers for the guest jobs.

# kmemleak_baseline: report, then forget, what leaked before tcpalt was loaded (the debug
# kernel's ACPI leaks its caches when it cannot load the tables QEMU gives it); only leaks
# after this point fail the run.
kmemleak_baseline() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	# kmemleak reports nothing younger than 5 s: let boot's allocations age first.
	while [ "$(cut -d. -f1 /proc/uptime)" -lt 7 ]; do
		sleep 0.5
	done
	echo scan >/sys/kernel/debug/kmemleak
	echo "# kmemleak: $(grep -c '^unreferenced' /sys/kernel/debug/kmemleak) leak(s) from boot, before tcpalt"
	echo clear >/sys/kernel/debug/kmemleak
}

# kmemleak_scan: ask kmemleak for a scan (where the kernel has it) and print what it found;
# the host fails the run on any "unreferenced object" report.
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
