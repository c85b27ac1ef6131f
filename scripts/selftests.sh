#!/usr/bin/env bash
# usage: scripts/selftests.sh
#
# Builds the kexec_load(2) kselftest programs (tools/testing/selftests/kexec) from the kx
# tree, statically linked so that they run in the guest's busybox initramfs, and installs
# them in build/selftests/kexec/ with a file run-order: the programs to run, one a line,
# in that order (kexec_policy_test flips one-way switches, so it runs last).
# Prints the output directory. make's own timestamps decide what is rebuilt; the kx tree
# keeps the mtime of every file whose content did not change.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
out=$build/selftests/kexec
programs=(kexec_load_test kexec_policy_test)

say() { echo "selftests.sh: $*" >&2; }

tree=$("$top/scripts/tree.sh" kx)
src=$tree/tools/testing/selftests/kexec
[ -f "$src/Makefile" ] || { say "no $src/Makefile"; exit 1; }

# Called from make check, the outer make's variables would leak into this one.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

mkdir -p "$out"
make -s -C "$src" OUTPUT="$out" USERCFLAGS="-O2 -Wall" USERLDFLAGS=-static \
	"${programs[@]/#/$out/}" >&2

# Only the programs and run-order: the whole directory goes into the initramfs.
for f in "$out"/*; do
	case ${f##*/} in
	run-order | kexec_load_test | kexec_policy_test) ;;
	*) rm -rf "$f" ;;
	esac
done
order=$(printf '%s\n' "${programs[@]}")
if [ "$(cat "$out/run-order" 2>/dev/null)" != "$order" ]; then
	echo "$order" >"$out/run-order"
fi
echo "$out"
