#!/usr/bin/env bash
# usage: scripts/initramfs.sh kx|upstream [PAD_MIB] [FLAVOUR]
#
# Builds the test guest's initramfs (an uncompressed newc cpio: nothing to inflate under
# TCG) and prints its path: busybox, Debian's kexec and makedumpfile with the shared
# libraries ldd lists, the implementation's own bzImage as /boot/bzImage (what the guest
# kexecs), the guest scripts from scripts/guest, the selftest binaries in build/selftests
# and the kdump test module in build/<impl>/test_modules, where built. Where the kernel was
# also signed (bzImage.signed, the secure flavour), /boot/bzImage is the signed image and
# /boot/bzImage.unsigned the bzImage without its signature. With PAD_MIB, a
# second archive of that many MiB of random data (/pad.bin) is appended, to exercise
# large initrds. A flavour other than plain takes that flavour's kernel and test module
# (scripts/kernel.sh) and writes build/<impl>/initramfs-<flavour>.cpio.
# Rebuilt only when one of those inputs changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
impl=${1:-}
pad=${2:-0}
flavour=${3:-plain}

case "$impl" in
kx | upstream) ;;
*) echo "usage: scripts/initramfs.sh kx|upstream [PAD_MIB] [FLAVOUR]" >&2; exit 2 ;;
esac
sfx=
[ "$flavour" = plain ] || sfx=-$flavour
case "$pad" in
'' | *[!0-9]*) echo "initramfs.sh: PAD_MIB must be a number of MiB" >&2; exit 2 ;;
esac
say() { echo "initramfs.sh[$impl]: $*" >&2; }

kernel=$build/$impl/linux/obj$sfx/arch/x86/boot/bzImage
out=$build/$impl/initramfs$sfx.cpio
selftests=$build/selftests
modules=$build/$impl/test_modules$sfx
programs=(/bin/busybox /sbin/kexec /usr/bin/makedumpfile)
[ -f "$kernel" ] || { say "no kernel at $kernel (run: scripts/kernel.sh $impl $flavour)"; exit 1; }

inputs_digest() {
	{
		sha256sum "${programs[@]}"
		sha256sum <"$kernel"
		[ ! -f "$kernel.signed" ] || sha256sum <"$kernel.signed"
		(cd "$top" && find scripts/initramfs.sh scripts/guest -type f -print0 |
			LC_ALL=C sort -z | xargs -0 sha256sum)
		[ -d "$selftests" ] && (cd "$selftests" && find . -type f -print0 |
			LC_ALL=C sort -z | xargs -0r sha256sum)
		[ -d "$modules" ] && (cd "$modules" && find . -name '*.ko' -print0 |
			LC_ALL=C sort -z | xargs -0r sha256sum)
		true
	} | sha256sum | cut -d' ' -f1
}

# The program and every library the dynamic loader will want, at their own paths.
copy_with_libs() {
	local root=$1 prog=$2 lib
	install -D -m 0755 "$prog" "$root$prog"
	for lib in $(ldd "$prog" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

populate() {
	local root=$1 prog applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,boot,etc,root,kx}
	for prog in "${programs[@]}"; do
		copy_with_libs "$root" "$prog"
	done
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || [ -e "$root/sbin/$applet" ] ||
			ln -s busybox "$root/bin/$applet"
	done
	if [ -f "$kernel.signed" ]; then
		install -m 0644 "$kernel.signed" "$root/boot/bzImage"
		install -m 0644 "$kernel" "$root/boot/bzImage.unsigned"
	else
		install -m 0644 "$kernel" "$root/boot/bzImage"
	fi
	install -m 0755 "$top/scripts/guest/init" "$root/init"
	cp "$top"/scripts/guest/*.sh "$root/kx/"
	if [ -d "$selftests" ]; then
		cp -r "$selftests" "$root/kx/selftests"
	fi
	if [ -d "$modules" ]; then
		mkdir -p "$root/kx/modules"
		cp "$modules"/*.ko "$root/kx/modules/"
	fi
}

pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible)
}

padded() {
	local padded=$build/$impl/initramfs$sfx-pad$pad.cpio root=$build/pad$pad
	if [ ! -f "$padded" ] || [ "$padded" -ot "$out" ]; then
		if [ ! -f "$root/pad.bin" ]; then
			say "making a $pad MiB pad"
			mkdir -p "$root"
			head -c "$((pad << 20))" /dev/urandom >"$root/pad.bin.tmp"
			mv "$root/pad.bin.tmp" "$root/pad.bin"
		fi
		cat "$out" <(pack "$root") >"$padded.tmp"
		mv "$padded.tmp" "$padded"
	fi
	echo "$padded"
}

digest=$(inputs_digest)
if [ ! -f "$out" ] || [ "$(cat "$out.inputs" 2>/dev/null)" != "$digest" ]; then
	say "packing $(basename "$out")"
	# Private names: two harnesses may pack the same image at once.
	root=$(mktemp -d "$build/$impl/initramfs$sfx.root.XXXXXX")
	populate "$root"
	pack "$root" >"$root.cpio"
	mv "$root.cpio" "$out"
	rm -rf "$root"
	echo "$digest" >"$out.inputs"
fi
if [ "$pad" -gt 0 ]; then
	padded
else
	echo "$out"
fi
