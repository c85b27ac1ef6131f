#!/usr/bin/env bash
# usage: scripts/deps.sh
#
# Installs the Debian packages the build and the tests use, if any is missing. Quiet when
# everything is there. Needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev dwarves cpio
	xz-utils rsync ccache sparse quilt python3 python3-docutils qemu-system-x86 kexec-tools busybox-static
	makedumpfile crash gnuplot-nox shellcheck openssl sbsigntool
	gcc-multilib ovmf linux-config-6.12
)

missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps.sh: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
echo "deps.sh: done"
