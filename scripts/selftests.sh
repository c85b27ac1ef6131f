#!/usr/bin/env bash
# usage: scripts/selftests.sh [x86_64|arm64]
#
# Builds the kexec_load(2) kselftest programs (tools/testing/selftests/kexec) from the kx
# tree, statically linked so that they run in the guest's busybox initramfs, and installs
# them in build/selftests/kexec/ with the lists the guest runs, one program and its
# arguments a line, in order:
#   run-order           the selftests boot: kexec_policy_test flips one-way switches
#                       (load limits, crash size), so it runs last;
#   run-order-disabled  a boot of its own for kexec_load_disabled, which would hide
#                       the load limits' effect (and they its).
# More programs are built there and are in no list: kexec_load_bench (the guest
# scenarios bench-load and bench-crash), kexec_failed_load (the failed-load scenario,
# which runs it between kexec -l and kexec -e), kexec_failed_crash_load (the
# kdump-reload scenario, between kexec -p and the crash), kexec_vmcore_notes (every
# kdump scenario's crash kernel), kexec_vmcore_find (kdump-hotplug's crash kernel, and
# kdump's where makedumpfile cannot read the dump), and the robustness programs each
# scenario of that name runs: kexec_faults (faults), kexec_kill (kill), kexec_layout
# (layouts), kexec_fuzz (fuzz) and kexec_race (race);
# kexec_secure, the secure flavour's lockdown, kdump-reload and lsm scenarios.
# The contract programs (kexec_load_test, kexec_policy_test) are also built as 32-bit
# programs (gcc -m32, Debian's gcc-multilib) in build/selftests/kexec32/, with the same
# run-order: on a kernel with IA32_EMULATION every case goes through the compat entry.
# (The harness's own header casts pointers to integers, which -m32 warns about.) Debian's
# cross compilers conflict with gcc-multilib, whose one file is the /usr/include/asm
# link -m32 wants: gcc-12-multilib has the rest, and the build gets the link from an
# include directory of its own (build/include32).
# With arm64, the programs are cross-built for arm64 instead (aarch64-linux-gnu-gcc,
# static, no 32-bit build) in build/selftests-arm64/kexec/, for the arm64 flavours.
# Prints the output directory. make's own timestamps decide what is rebuilt; the kx tree
# keeps the mtime of every file whose content did not change.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
arch=${1:-x86_64}
out=$build/selftests/kexec
out32=$build/selftests/kexec32
programs=(kexec_load_test kexec_policy_test kexec_load_bench kexec_failed_load
	kexec_failed_crash_load kexec_vmcore_notes kexec_vmcore_find kexec_faults kexec_kill
	kexec_layout kexec_fuzz kexec_race kexec_secure)
programs32=(kexec_load_test kexec_policy_test)
case "$arch" in
x86_64) ;;
arm64)
	out=$build/selftests-arm64/kexec
	# Left out: kexec_layout reads an x86 bzImage and carries an x86 purgatory;
	# kexec_fuzz aims calls beyond KEXEC_DESTINATION_MEMORY_LIMIT, which arm64 does
	# not have (its limit is the top of the address space).
	programs=(kexec_load_test kexec_policy_test kexec_load_bench kexec_failed_load
		kexec_failed_crash_load kexec_vmcore_notes kexec_vmcore_find kexec_faults
		kexec_kill kexec_race kexec_secure)
	;;
*) echo "usage: scripts/selftests.sh [x86_64|arm64]" >&2; exit 2 ;;
esac

say() { echo "selftests.sh: $*" >&2; }

tree=$("$top/scripts/tree.sh" kx)
src=$tree/tools/testing/selftests/kexec
[ -f "$src/Makefile" ] || { say "no $src/Makefile"; exit 1; }

# Called from make check, the outer make's variables would leak into this one.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# write_list DIR FILE LINE...: rewrite DIR/FILE only when its content changes.
write_list() {
	local file=$1/$2
	shift 2
	if [ "$(cat "$file" 2>/dev/null)" != "$(printf '%s\n' "$@")" ]; then
		printf '%s\n' "$@" >"$file"
	fi
}

if [ "$arch" = arm64 ]; then
	mkdir -p "$out"
	make -s -C "$src" OUTPUT="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		USERCFLAGS="-O2 -Wall" USERLDFLAGS=-static "${programs[@]/#/$out/}" >&2
	write_list "$out" run-order kexec_load_test "kexec_policy_test -T load_disabled_is_final"
	write_list "$out" run-order-disabled "kexec_policy_test -t load_disabled_is_final"
	echo "$out"
	exit 0
fi

inc32=$build/include32
mkdir -p "$out" "$out32" "$inc32"
[ -L "$inc32/asm" ] || ln -s /usr/include/x86_64-linux-gnu/asm "$inc32/asm"
make -s -C "$src" OUTPUT="$out" USERCFLAGS="-O2 -Wall" USERLDFLAGS=-static \
	"${programs[@]/#/$out/}" >&2
make -s -C "$src" OUTPUT="$out32" \
	USERCFLAGS="-O2 -Wall -m32 -Wno-pointer-to-int-cast -isystem $inc32" \
	USERLDFLAGS="-static -m32" "${programs32[@]/#/$out32/}" >&2
for dir in "$out" "$out32"; do
	write_list "$dir" run-order kexec_load_test "kexec_policy_test -T load_disabled_is_final"
done
write_list "$out" run-order-disabled "kexec_policy_test -t load_disabled_is_final"
echo "$out"
