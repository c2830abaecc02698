# judge.awk: turn one guest's serial log into TAP results and a verdict.
# Usage: awk -v label=stock -f judge.awk LOG
# Prints "ok"/"not ok" lines prefixed with the label, then "COUNTS <passed> <failed>".
# Counted: every KUnit case, every kselftest case, a program that died or exited non-zero
# without saying which case failed, whether the guest finished, and whether the kernel log
# stayed free of BUG/WARNING/KASAN/lockdep/kmemleak/oops reports and of deadlock reports (soft
# or hard lockup, hung task, RCU stall; the guest panics on the first two, see lib.sh boot()).
function result(good, name) {
	if (good) { passed++; printf "ok %d %s: %s\n", passed + failed, label, name }
	else { failed++; printf "not ok %d %s: %s\n", passed + failed, label, name }
}
function splat(line) {
	return line ~ /(BUG:|WARNING:|KASAN:|UBSAN:|ODEBUG:|kernel BUG at|general protection fault|Kernel panic|Oops:|Call Trace:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|unreferenced object|INFO: task .* blocked|Unable to handle kernel|stack-protector|list_add corruption|list_del corruption|refcount_t:|soft lockup|hard LOCKUP|blocked for more than|hung_task: |rcu_[a-z]+ (self-)?detected stall)/
}
# A kmemleak report is a block: "unreferenced object ..." and its indented details.  One whose
# backtrace is the debug kernel's ACPI boot init (it cannot load QEMU's tables and leaks its
# caches, before any module exists) is a known kernel leak, not a finding; any other counts.
function add_splat(line) {
	if (!seen_splat[line]++) { nsplat++; if (nsplat <= 20) splats[nsplat] = line }
}
function flush_leak() {
	if (leak != "") { if (leak_acpi) acpi_leaks++; else add_splat(leak) }
	leak = ""
}
{ sub(/\r$/, "") }
leak != "" && /^[ \t]/ { if ($0 ~ /acpi_early_init/) leak_acpi = 1 }
leak != "" && !/^[ \t]/ { flush_leak() }
/^unreferenced object/ { leak = $0; leak_acpi = 0 }
splat($0) && !/^unreferenced object/ { add_splat($0) }
/^TCPALT-GUEST-DONE/ { done = 1; next }
/^TCPALT-KUNIT-BEGIN / { kunit = $2; next }
/^TCPALT-KUNIT-END / { kunit = ""; next }
/^TCPALT-PROGRAM-BEGIN / { prog = $2; prog_ok = 0; prog_bad = 0; next }
/^TCPALT-PROGRAM-END / {
	rc = $3; sub(/^rc=/, "", rc)
	if (prog_ok + prog_bad == 0) result(0, prog ": reported no results (rc=" rc ")")
	else if (rc != 0 && prog_bad == 0) result(0, prog ": exited with status " rc)
	prog = ""; next
}
kunit != "" && /^[ \t]+(not )?ok [0-9]+ / {
	line = $0; sub(/^[ \t]+/, "", line)
	good = line ~ /^ok/; sub(/^(not )?ok [0-9]+ /, "", line)
	result(good, "kunit " kunit ": " line); next
}
prog != "" && /^(not )?ok [0-9]+ / {
	line = $0; good = line ~ /^ok/; sub(/^(not )?ok [0-9]+ /, "", line)
	if (good) prog_ok++; else prog_bad++
	result(good, prog ": " line); next
}
END {
	flush_leak()
	if (acpi_leaks) print "# ignored " acpi_leaks " kmemleak report(s) from ACPI boot init"
	if (prog != "") result(0, prog ": did not finish")
	if (kunit != "") result(0, "kunit " kunit ": did not finish")
	result(done, "guest ran to the end")
	for (i = 1; i <= nsplat && i <= 20; i++) print "# kernel report: " splats[i]
	result(nsplat == 0, "kernel log free of BUG/WARNING/KASAN/lockdep/kmemleak reports")
	printf "COUNTS %d %d\n", passed, failed
}
