#!/bin/bash
# Build (or find in the cache) the debug guest kernel: linux-source-6.1 on tinyconfig plus
# selftests/vm/debug.config.  Prints the path of the prepared kernel tree on stdout.
# The cache lives outside the source tree, keyed by the fragment and the source package version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${TCPALT_CACHE:-/var/cache/tcpalt}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "debug-kernel: $tarball missing (make deps)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (cat "$here/debug.config"; echo "$srcver") | sha256sum | cut -c1-16)
tree=$cache/debug-$key/linux
if [ -f "$tree/.tcpalt-built" ]; then
	echo "$tree"
	exit 0
fi
mkdir -p "$cache/debug-$key"
exec 9>"$cache/debug-$key/lock"
flock 9
if [ ! -f "$tree/.tcpalt-built" ]; then
	rm -rf "$tree"
	echo "debug-kernel: building $tree (a few minutes)" >&2
	tar -C "$cache/debug-$key" -xf "$tarball"
	mv "$cache/debug-$key/linux-source-6.1" "$tree"
	{
		make -C "$tree" tinyconfig
		(cd "$tree" && scripts/kconfig/merge_config.sh -m .config "$here/debug.config")
		make -C "$tree" olddefconfig
		missing=0
		for opt in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' "$here/debug.config"); do
			grep -q "^$opt=y" "$tree/.config" || { echo "debug-kernel: $opt did not stick" >&2; missing=1; }
		done
		[ "$missing" = 0 ] &&
		make -C "$tree" -j"$(($(nproc) + 1))" bzImage modules modules_prepare
	} > "$cache/debug-$key/build.log" 2>&1 || {
		tail -40 "$cache/debug-$key/build.log" >&2
		echo "debug-kernel: build failed, log in $cache/debug-$key/build.log" >&2
		exit 1
	}
	touch "$tree/.tcpalt-built"
fi
echo "$tree"
