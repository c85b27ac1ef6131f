#!/usr/bin/env bash
# usage: scripts/deps.sh
#
# Installs the Debian packages the build and the tests use, if any is missing, and makes
# Debian's arm64 packages known to apt (dpkg --add-architecture arm64): the arm64 guest's
# initramfs takes their binaries (scripts/initramfs.sh downloads them, installs none).
# Quiet when everything is there. Needs root (or sudo) only when something must change.
set -euo pipefail

packages=(
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev dwarves cpio
	xz-utils rsync ccache sparse quilt python3 python3-docutils qemu-system-x86 kexec-tools busybox-static
	makedumpfile crash gnuplot-nox shellcheck openssl sbsigntool
	gcc-12-multilib ovmf linux-config-6.12
	qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
)
# gcc-12-multilib, not gcc-multilib: that conflicts with every cross compiler, for its
# /usr/include/asm link, which scripts/selftests.sh makes for its -m32 build itself.

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "deps.sh: adding the arm64 architecture to dpkg"
	$sudo dpkg --add-architecture arm64
	$sudo apt-get update -qq
fi

missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
echo "deps.sh: done"
