#!/bin/sh
# Guest job for `make fuzz`: the TCP segment fuzzer alone, for tcpalt.fuzzsecs= seconds from
# seed tcpalt.fuzzseed= (both on the kernel command line), then unload and a kmemleak scan as
# the check job does.  tcpalt.fuzzround=, tcpalt.fuzzmask= and tcpalt.fuzzrepeat= replay one
# round (TCPALT_FUZZ_ROUND, _MASK, _REPEAT of the program).
. /tests/common.sh

secs=60
seed=1
for arg in $(cat /proc/cmdline); do
	case $arg in
	tcpalt.fuzzsecs=*) secs=${arg#tcpalt.fuzzsecs=} ;;
	tcpalt.fuzzseed=*) seed=${arg#tcpalt.fuzzseed=} ;;
	tcpalt.fuzzround=*) export TCPALT_FUZZ_ROUND="${arg#tcpalt.fuzzround=}" ;;
	tcpalt.fuzzmask=*) export TCPALT_FUZZ_MASK="${arg#tcpalt.fuzzmask=}" ;;
	tcpalt.fuzzrepeat=*) export TCPALT_FUZZ_REPEAT="${arg#tcpalt.fuzzrepeat=}" ;;
	esac
done
check_guest
load_tcpalt || exit 1
export TCPALT_FUZZ_SECS="$secs" TCPALT_FUZZ_SEED="$seed"
run_program tcpalt_fuzz /tests/bin/tcpalt_fuzz
unload_tcpalt
kmemleak_scan
