#!/usr/bin/env bash
# usage: scripts/test-module.sh kx|upstream [FLAVOUR]
#
# Builds the test module (tools/testing/selftests/kexec/test_modules) against one
# implementation's kernel build of a flavour, in build/<impl>/test_modules (plain) or
# build/<impl>/test_modules-<flavour>, and prints the path of the .ko. Run after scripts/kernel.sh; kbuild's own timestamps decide what is
# rebuilt. A kernel built for arm64 (CONFIG_ARM64 in its .config) gets an arm64 module,
# cross-compiled as scripts/kernel.sh built the kernel.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
impl=${1:-}
flavour=${2:-plain}

case "$impl" in
kx | upstream) ;;
*) echo "usage: scripts/test-module.sh kx|upstream [FLAVOUR]" >&2; exit 2 ;;
esac
sfx=
[ "$flavour" = plain ] || sfx=-$flavour
say() { echo "test-module.sh[$impl$sfx]: $*" >&2; }

obj=$build/$impl/linux/obj$sfx
src=$top/tools/testing/selftests/kexec/test_modules
out=$build/$impl/test_modules$sfx
[ -f "$obj/Module.symvers" ] ||
	{ say "no $obj/Module.symvers (run: scripts/kernel.sh $impl $flavour)"; exit 1; }

# Called from make check, the outer make's variables would leak into kbuild.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# kbuild writes next to the sources: build from a copy that keeps unchanged files' mtimes.
mkdir -p "$out"
rsync -c -t "$src"/*.c "$src"/Makefile "$out"/
if grep -qx 'CONFIG_ARM64=y' "$obj/.config"; then
	make -s -C "$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		CC="ccache aarch64-linux-gnu-gcc" HOSTCC="ccache gcc" M="$out" modules >&2
else
	make -s -C "$obj" ARCH=x86_64 CC="ccache gcc" M="$out" modules >&2
fi
echo "$out/kexec_crash_test.ko"
