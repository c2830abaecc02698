#!/bin/bash
# Shared pieces of the VM runner: build the module for a guest kernel, pack an initramfs,
# boot it under QEMU (TCG, no NIC, hard timeout), and judge the serial log.
# Sourced by check.sh, run-main.sh and bench.sh.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${TCPALT_BUILD:-$TOP/build}
VM=$TOP/selftests/vm

# stock_version: the Debian cloud kernel whose headers are installed (e.g. 6.1.0-56-cloud-amd64).
stock_version() {
	local d
	d=$(ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] || { echo "no linux-headers-*-cloud-amd64 installed (make deps)" >&2; return 1; }
	basename "$d" | sed 's/^linux-headers-//'
}

# kernel_tree FLAVOR: the tree the module is built against.
kernel_tree() {
	case $1 in
	stock) echo "/usr/src/linux-headers-$(stock_version)" ;;
	debug) "$VM/debug-kernel.sh" ;;
	esac
}

# kernel_image FLAVOR: the bzImage the guest boots.
kernel_image() {
	case $1 in
	stock) echo "/boot/vmlinuz-$(stock_version)" ;;
	debug) echo "$(kernel_tree debug)/arch/x86/boot/bzImage" ;;
	esac
}

# build_module FLAVOR: build tcpalt.ko (and the KUnit module where the kernel has KUnit) in a
# private copy of the sources, so the two guest kernels never share object files.
build_module() {
	local flavor=$1 kdir out
	kdir=$(kernel_tree "$flavor")
	out=$BUILD/$flavor/src
	# Objects built against another kernel tree would not load (version magic): start over.
	if [ "$(cat "$out/.kernel-tree" 2>/dev/null)" != "$kdir" ]; then
		rm -rf "$out"
	fi
	mkdir -p "$out"
	echo "$kdir" >"$out/.kernel-tree"
	rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '*.mod*' --exclude '.*.cmd' \
		"$TOP/Kbuild" "$TOP/module" "$TOP/include" "$out/"
	make -s -C "$kdir" M="$out" W=1 modules >"$BUILD/$flavor/module-build.log" 2>&1 || {
		cat "$BUILD/$flavor/module-build.log" >&2
		return 1
	}
	if grep -iE 'warning|error:' "$BUILD/$flavor/module-build.log" | grep -v 'Skipping BTF' >&2; then
		echo "module build for $flavor has warnings" >&2
		return 1
	fi
}

# add_libs ROOT FILE: put the shared libraries a dynamically linked FILE needs (every path
# ldd lists, the dynamic loader included) into ROOT at their host paths; nothing for a static
# FILE.
add_libs() {
	local root=$1 file=$2 lib
	for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# add_dynamic_binary ROOT PATH: put a host program (found in PATH when PATH has no slash)
# and its libraries into ROOT, at its host path.
add_dynamic_binary() {
	local root=$1 bin=$2
	case $bin in
	*/*) ;;
	*) bin=$(command -v "$bin") || { echo "$2: not installed (make deps)" >&2; return 1; } ;;
	esac
	mkdir -p "$root$(dirname "$bin")"
	cp -L "$bin" "$root$bin"
	add_libs "$root" "$bin"
}

# copy_binary ROOT PATH: put a dynamically linked program and its libraries into ROOT.
copy_binary() {
	add_dynamic_binary "$@"
}

# Unmodified Debian programs tcpalt_run and tcpalt_apps run through tcpalt-run, and make run's
# HTTP demonstration and make bench's real-program rows (scripts/deps.sh installs them).
GUEST_PROGRAMS=(socat curl nginx ab wrk iperf3 redis-server redis-cli redis-benchmark
		/usr/sbin/sshd ssh ssh-keygen)

# stock_module_order NAMES...: .ko paths of the named stock-kernel modules and their
# dependencies, dependencies first.
stock_module_order() {
	local ver mod
	ver=$(stock_version)
	declare -A seen=()
	visit() {
		local name=$1 path dep
		[ -n "${seen[$name]:-}" ] && return 0
		seen[$name]=1
		path=$(modinfo -k "$ver" -F filename "$name" 2>/dev/null) || return 0
		case $path in (builtin*|"") return 0 ;; esac
		for dep in $(modinfo -k "$ver" -F depends "$name" | tr ',' ' '); do
			visit "$dep"
		done
		echo "$path"
	}
	for mod in "$@"; do
		visit "$mod"
	done
}

# make_initramfs FLAVOR OUT: pack busybox, iproute2, the module, the kernel modules the tests
# need (stock kernel only: the debug kernel has them built in) and the test programs.
make_initramfs() {
	local flavor=$1 out=$2 root ko bin i=0
	root=$BUILD/$flavor/initramfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules/extra,tests/bin,var/run/netns}
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	copy_binary "$root" "$(command -v ip)"
	copy_binary "$root" "$(command -v tc)"
	copy_binary "$root" /usr/sbin/nft	# tcpalt_policy: nftables rules and counters
	rm -f "$root/bin/ip" "$root/bin/tc"	# iproute2's, not busybox's (netns, netem)
	ln -sf /usr/sbin/ip "$root/sbin/ip"
	ln -sf /usr/sbin/tc "$root/sbin/tc"
	if [ "$flavor" = stock ]; then
		# nf_tables/nft_ct/xfrm_user: the nftables, conntrack and IPsec policy tests.
		for ko in $(stock_module_order veth tun sch_netem nf_conntrack nf_tables nft_ct \
			xfrm_user); do
			i=$((i + 1))
			cp "$ko" "$root/lib/modules/extra/$(printf %02d $i)-$(basename "$ko")"
		done
	fi
	cp "$BUILD/$flavor/src/module/tcpalt.ko" "$root/lib/modules/"
	[ -f "$BUILD/$flavor/src/module/tcpalt_kunit.ko" ] &&
		cp "$BUILD/$flavor/src/module/tcpalt_kunit.ko" "$root/lib/modules/"
	# TCPALT_TESTS="prog ..." limits the guest to those test programs; check.sh's rmmod step
	# (tcpalt_unload) runs in every guest.
	if [ -n "${TCPALT_TESTS:-}" ]; then
		for t in $TCPALT_TESTS tcpalt_unload; do cp "$BUILD/tests/$t" "$root/tests/bin/"; done
	else
		cp "$BUILD"/tests/* "$root/tests/bin/" 2>/dev/null || true
	fi
	mkdir -p "$root/usr/bin"
	cp "$BUILD"/tools/* "$root/usr/bin/" 2>/dev/null || true
	# nginx, redis and ssh look users up (root; nobody; sshd for privilege separation).
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'sshd:x:100:65534::/run/sshd:/bin/false' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	for bin in "${GUEST_PROGRAMS[@]}"; do
		add_dynamic_binary "$root" "$bin"
	done
	# Test programs and tools built dynamically (tcpalt_run, the tcpalt-run shim).
	for bin in "$root"/tests/bin/* "$root"/usr/bin/*; do
		add_libs "$root" "$bin"
	done
	cp "$VM"/guest/* "$root/tests/"
	mv "$root/tests/init" "$root/init"
	chmod +x "$root/init" "$root"/tests/*.sh
	echo "$flavor" >"$root/etc/tcpalt-flavor"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

# boot FLAVOR INITRD LOG TIMEOUT MODE [ARGS]: boot the guest; the serial console goes to LOG.
# ARGS are more kernel command line words for the guest job (e.g. tcpalt.fuzzsecs=60).
# A soft lockup or a task hung in D state panics the guest (softlockup_panic, hung_task_panic;
# panic=-1 reboots, -no-reboot ends QEMU), so a deadlock ends the run with its report instead of
# waiting for the timeout.  Returns QEMU's status (124 when the timeout killed it).
boot() {
	local flavor=$1 initrd=$2 log=$3 limit=$4 mode=$5 args=${6:-} mem=1024
	[ "$flavor" = debug ] && mem=2048
	timeout --foreground -k 10 "$limit" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 2 \
		-kernel "$(kernel_image "$flavor")" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 panic=-1 oops=panic softlockup_panic=1 hung_task_panic=1 printk.time=0 tcpalt.mode=$mode${args:+ $args}" \
		-nographic -no-reboot -nic none -serial file:"$log" -monitor none \
		</dev/null >/dev/null 2>&1
}
