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
# A flavour whose kernel was built for arm64 (CONFIG_ARM64 in its .config) gets Debian's
# arm64 binaries instead of the host's: busybox-static, kexec-tools and makedumpfile
# :arm64 and the libraries they need, fetched with apt-get download into
# build/arm64/debs and unpacked (dpkg-deb -x) into build/arm64/root, never installed;
# its Image is /boot/Image, and its selftests those of build/selftests-arm64.
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

obj=$build/$impl/linux/obj$sfx
arch=x86_64
! grep -qx 'CONFIG_ARM64=y' "$obj/.config" 2>/dev/null || arch=arm64
kernel=$obj/arch/x86/boot/bzImage
image=bzImage
out=$build/$impl/initramfs$sfx.cpio
selftests=$build/selftests
modules=$build/$impl/test_modules$sfx
programs=(/bin/busybox /sbin/kexec /usr/bin/makedumpfile)
# Where the programs come from: / (the host's), or the unpacked arm64 packages.
sysroot=
if [ "$arch" = arm64 ]; then
	kernel=$obj/arch/arm64/boot/Image
	image=Image
	selftests=$build/selftests-arm64
	sysroot=$build/arm64/root
fi
[ -f "$kernel" ] || { say "no kernel at $kernel (run: scripts/kernel.sh $impl $flavour)"; exit 1; }

# Debian's arm64 packages the guest's programs come from, and the libraries they need
# (readelf -d: NEEDED), which arm64_root checks are all there.
arm64_packages=(busybox-static kexec-tools makedumpfile libc6 zlib1g
	libxenmisc4.17 libxentoollog1 libxencall1 libxenevtchn1 libxengnttab1
	libxenforeignmemory1 libxendevicemodel1 libxentoolcore1
	liblzo2-2 libdw1 libelf1 liblzma5 libbz2-1.0 libzstd1 libyajl2 libuuid1)

# The arm64 programs' root: the packages downloaded (once for each list and version
# apt offers) and unpacked into build/arm64/root.
arm64_root() {
	local debs=$build/arm64/debs want tmp deb
	want=$(printf '%s\n' "${arm64_packages[@]/%/:arm64}" | LC_ALL=C sort |
		xargs apt-cache policy 2>/dev/null | awk '/^[^ ]/ { p = $1 } /Candidate:/ { print p, $2 }')
	if [ "$(cat "$debs/.list" 2>/dev/null)" != "$want" ] || [ ! -d "$sysroot" ]; then
		say "downloading Debian's arm64 packages (${#arm64_packages[@]}) to ${debs#"$top"/}"
		rm -rf "$debs" "$sysroot"
		mkdir -p "$debs"
		(cd "$debs" && apt-get download -qq "${arm64_packages[@]/%/:arm64}") \
			>"$debs/.log" 2>&1 || {
			cat "$debs/.log" >&2
			say "apt-get download failed: is arm64 known to dpkg? (run: make deps)"
			exit 1
		}
		tmp=$sysroot.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"
		for deb in "$debs"/*.deb; do
			dpkg-deb -x "$deb" "$tmp"
		done
		mv "$tmp" "$sysroot"
		echo "$want" >"$debs/.list"
	fi
}

# The path of arm64 library NAME in the root, by the loader's search order.
arm64_lib() {
	local dir
	for dir in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /lib /usr/lib; do
		[ -e "$sysroot$dir/$1" ] && { echo "$dir/$1"; return 0; }
	done
	return 1
}

inputs_digest() {
	{
		if [ -n "$sysroot" ]; then
			(cd "$sysroot" && sha256sum "${programs[@]#/}")
		else
			sha256sum "${programs[@]}"
		fi
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
	if [ -n "$sysroot" ]; then
		copy_arm64 "$root" "$prog"
		return
	fi
	install -D -m 0755 "$prog" "$root$prog"
	for lib in $(ldd "$prog" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

# The same for an arm64 program of the unpacked packages: the libraries it and they
# need (NEEDED, read with aarch64-linux-gnu-readelf: nothing arm64 runs on the host),
# and the dynamic loader its program header names.
copy_arm64() {
	local root=$1 file=$2 need path interp
	[ -e "$root$file" ] && return 0
	[ -e "$sysroot$file" ] || { say "$file is in none of the arm64 packages"; exit 1; }
	install -D -m 0755 "$(readlink -f "$sysroot$file")" "$root$file"
	interp=$(aarch64-linux-gnu-readelf -l "$sysroot$file" |
		sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
		install -D -m 0755 "$(readlink -f "$sysroot$interp")" "$root$interp"
	fi
	for need in $(aarch64-linux-gnu-readelf -d "$sysroot$file" |
		sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		path=$(arm64_lib "$need") || {
			say "${file##*/} needs $need, which no package of arm64_packages has (add its package there)"
			exit 1
		}
		copy_arm64 "$root" "$path"
	done
}

populate() {
	local root=$1 prog applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,boot,etc,root,kx}
	for prog in "${programs[@]}"; do
		copy_with_libs "$root" "$prog"
	done
	# The applets of the host's busybox: the arm64 one does not run here, and both are
	# Debian's busybox-static of the same release.
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || [ -e "$root/sbin/$applet" ] ||
			ln -s busybox "$root/bin/$applet"
	done
	if [ -f "$kernel.signed" ]; then
		install -m 0644 "$kernel.signed" "$root/boot/bzImage"
		install -m 0644 "$kernel" "$root/boot/bzImage.unsigned"
	else
		install -m 0644 "$kernel" "$root/boot/$image"
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

[ -z "$sysroot" ] || arm64_root
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
