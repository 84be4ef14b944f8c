#!/usr/bin/env bash
# Installs the Debian packages Bastion needs, or says exactly what to run.
# Usage: deps.sh [run|test|bench]
set -euo pipefail

need_run=(softhsm2 nftables iproute2)
need_test=(softhsm2 nftables iproute2 chromium poppler-utils bzip2)
need_bench=(softhsm2 nftables iproute2 udpcast iperf3 bzip2)

case "${1:-test}" in
run) want=("${need_run[@]}") ;;
test) want=("${need_test[@]}") ;;
bench) want=("${need_bench[@]}") ;;
*) echo "usage: deps.sh run|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${missing[*]}" >&2
	echo "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
