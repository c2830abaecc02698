#!/bin/bash
# `make deps`: install every Debian package tcpalt needs.  Idempotent; quiet when all is there.
set -euo pipefail
pkgs=(build-essential make gcc rsync cpio gzip xz-utils kmod iproute2 nftables busybox-static
      qemu-system-x86 linux-image-cloud-amd64 linux-headers-cloud-amd64 linux-source-6.1
      bc bison flex libelf-dev libssl-dev dwarves perl python3
      socat curl nginx-light apache2-utils wrk iperf3 redis-server redis-tools
      openssh-server openssh-client)
# The last line: real programs the guests run through tcpalt-run (tcpalt_run, tcpalt_apps,
# make run, make bench).  Their services are not started on this machine (policy-rc.d).
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
[ "$(id -u)" -eq 0 ] || { echo "deps: run as root (or with sudo)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
