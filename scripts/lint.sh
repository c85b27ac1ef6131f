#!/usr/bin/env bash
# usage: scripts/lint.sh
#
# The house style checks on what this repository holds: checkpatch.pl --strict (from the
# base tree) on every C and assembly file of the overlay, shellcheck on the scripts (the
# guest's as busybox sh), and a byte-compile of the Python ones. Prints each finding and
# exits non-zero if there was any.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
base=$(scripts/tree.sh base)
status=0

# checkpatch CHECKs that cannot apply to user-space selftests (no BIT() there, and the
# kselftest harness's macros read as multiplications).
selftest_ignores=BIT_MACRO,SPACING
# Typedefs that are interfaces between the kexec core and every architecture's relocation
# code, kept by name: checkpatch's "do not add new typedefs" is about new ones.
interface_typedefs=kimage_entry_t

while read -r file; do
	ignores=
	case $file in tools/testing/selftests/*) ignores=--ignore=$selftest_ignores ;; esac
	# shellcheck disable=SC2086 # empty or one option
	out=$("$base/scripts/checkpatch.pl" --strict --no-tree --terse $ignores \
		--typedefsfile <(echo "$interface_typedefs") -f "$file" |
		grep -E ': (ERROR|WARNING|CHECK):' || true)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	fi
done < <(git ls-files '*.c' '*.h' '*.S')

shellcheck -x scripts/*.sh .ci/run || status=1
shellcheck -x -s sh -e SC3043 scripts/guest/init scripts/guest/*.sh || status=1
python3 -m py_compile scripts/*.py || status=1

[ $status = 0 ] && echo "lint.sh: clean"
exit $status
