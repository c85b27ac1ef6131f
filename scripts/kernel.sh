#!/usr/bin/env bash
# usage: scripts/kernel.sh kx|upstream [FLAVOUR]
#
# Configures (tinyconfig + kernel/configs/kexec-qemu.config, and for kx also
# kernel/configs/kexec-qemu-kx.config: options only our tree has) and builds the bzImage of one
# implementation in build/<impl>/linux/obj, with ccache. A flavour other than plain adds
# kernel/configs/kexec-<flavour>.config on top and builds in obj-<flavour> beside it (the
# debug flavour: the kernel's bug detectors). A flavour whose fragment has a line
# "# ARCH=<arch>" (arm64) is built for that architecture, cross-compiled, from
# kernel/configs/kexec-<arch>.config in place of kexec-qemu.config (then kexec-qemu-kx.config
# for kx, then the flavour's own fragment, if it is not that one); its image is the
# architecture's own (arm64: arch/arm64/boot/Image). A fragment that names the test certificate
# (the secure flavour) gets it from scripts/signing-key.sh, and the bzImage is then also
# signed with its key (sbsign), as bzImage.signed beside it. Prints the image path. When
# the inputs (base version, overlay, patches, config fragments, the certificate) are those
# of the last build, kbuild is not run at all.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
impl=${1:-}
flavour=${2:-plain}
configs=$top/kernel/configs
usage() { echo "usage: scripts/kernel.sh kx|upstream [FLAVOUR]  (plain, or kernel/configs/kexec-FLAVOUR.config)" >&2; exit 2; }

case "$impl" in
kx | upstream) ;;
*) usage ;;
esac
case "$flavour" in
plain) objdir=obj ;;
*[!a-z0-9-]* | '' | -* | *- | *--*) usage ;;
*)
	[ -f "$configs/kexec-$flavour.config" ] || usage
	objdir=obj-$flavour
	;;
esac
# The architecture: x86_64, or what the flavour's fragment names.
arch=x86_64
if [ "$flavour" != plain ]; then
	arch=$(sed -n 's/^# ARCH=\([a-z0-9_]*\)$/\1/p' "$configs/kexec-$flavour.config" | tail -1)
	arch=${arch:-x86_64}
fi
case "$arch" in
x86_64)
	fragments=("$configs/kexec-qemu.config")
	target=bzImage
	cross=
	;;
arm64)
	fragments=("$configs/kexec-arm64.config")
	target=Image
	cross=aarch64-linux-gnu-
	;;
*) echo "kernel.sh: kexec-$flavour.config names ARCH=$arch, which the harness does not build" >&2; exit 2 ;;
esac
[ "$impl" = upstream ] || fragments+=("$configs/kexec-qemu-kx.config")
if [ "$flavour" != plain ] && [ "$configs/kexec-$flavour.config" != "${fragments[0]}" ]; then
	fragments+=("$configs/kexec-$flavour.config")
fi
tag=$impl
[ "$flavour" = plain ] || tag=$impl-$flavour
say() { echo "kernel.sh[$tag]: $*" >&2; }

src=$("$top/scripts/tree.sh" "$impl")
obj=$src/$objdir
log=$build/$impl/build${objdir#obj}.log
image=$obj/arch/${arch%_64}/boot/$target
cert_name=kexec-test.crt.pem
keys=
mkdir -p "$obj"
if grep -qF "\"certs/$cert_name\"" "${fragments[@]}"; then
	keys=$("$top/scripts/signing-key.sh")
	mkdir -p "$obj/certs"
	cmp -s "$keys/$cert_name" "$obj/certs/$cert_name" ||
		cp "$keys/$cert_name" "$obj/certs/$cert_name"
fi

# Everything the kernel is made from, as one digest.
inputs_digest() {
	{
		echo "src=$src"
		(cd "$top" && sha256sum scripts/kernel.sh "${fragments[@]#"$top"/}")
		if [ "$impl" = kx ]; then
			# tools/ and Documentation/ are not part of the kernel image.
			(cd "$build/kx/stage" && find . -type f ! -path './tools/*' \
				! -path './Documentation/*' -print0 | LC_ALL=C sort -z |
				xargs -0r sha256sum)
			cat "$build/kx/state/removed"
		fi
		[ -z "$keys" ] || sha256sum <"$keys/$cert_name"
	} | sha256sum | cut -d' ' -f1
}

kmake() {
	make -C "$src" O="$objdir" ARCH="$arch" ${cross:+CROSS_COMPILE="$cross"} \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_USER=kx KBUILD_BUILD_HOST=qemu \
		KBUILD_BUILD_TIMESTAMP="2025-01-01" -j"$(nproc)" "$@"
}

# Fail if kconfig silently dropped an option of the fragments (a missing dependency); a
# later fragment's value of an option overrides an earlier one's, as in merge_config.sh.
# CONFIG_X=n (a later fragment turning off an earlier one's choice) wants X unset.
check_config() {
	local want missing=0
	while read -r want; do
		if [ "${want#*=}" = n ]; then
			grep -qE "^${want%%=*}=" "$obj/.config" || continue
		else
			! grep -qxF "$want" "$obj/.config" || continue
		fi
		say "config: wanted '$want', got '$(grep -E "^(# )?${want%%=*}[= ]" "$obj/.config" || echo unset)'"
		missing=1
	done < <(grep -hE '^CONFIG_[A-Z0-9_]+=' "${fragments[@]}" |
		awk -F= '{ last[$1] = $0 } END { for (k in last) print last[k] }')
	[ $missing = 0 ] || { say "config fragment not satisfied"; exit 1; }
}

configure() {
	say "configuring (tinyconfig + ${fragments[*]##*/})"
	kmake -s tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}" >/dev/null
	kmake -s olddefconfig >/dev/null
	check_config
}

# One progress line every 400 lines of kbuild output.
progress() {
	awk -v tag="kernel.sh[$tag]" 'NR % 400 == 0 {
		printf "%s: %d build steps, at %s\n", tag, NR, $NF; fflush() }'
}

digest=$(inputs_digest)
if [ -f "$image" ] && [ "$(cat "$obj/.kx-inputs" 2>/dev/null)" = "$digest" ]; then
	say "up to date"
	echo "$image"
	exit 0
fi
rm -f "$obj/.kx-inputs"
config_digest=$(cat "${fragments[@]}" | sha256sum)
if [ "$(cat "$obj/.kx-config" 2>/dev/null)" != "$config_digest" ] ||
	[ ! -f "$obj/.config" ]; then
	configure
	echo "$config_digest" >"$obj/.kx-config"
fi
say "building $target (log: ${log#"$top"/})"
start=$SECONDS
# "modules" too: it writes Module.symvers, which the test module builds against.
if ! kmake "$target" modules 2>&1 | tee "$log" | progress >&2; then
	grep -E 'error|Error' "$log" | tail -20 >&2 || true
	say "build failed"
	exit 1
fi
say "built in $((SECONDS - start)) s"
if [ -n "$keys" ]; then
	sbsign --key "$keys/kexec-test.key.pem" --cert "$keys/$cert_name" \
		--output "$image.signed" "$image" >&2
fi
echo "$digest" >"$obj/.kx-inputs"
echo "$image"
