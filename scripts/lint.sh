#!/usr/bin/env bash
# usage: scripts/lint.sh [GATE...]   GATE: style series kernel-doc sparse docs scripts
#
# The house style checks on what this repository holds, and the kernel's own gates on the
# series it ships; all of them without a GATE named:
#   style       checkpatch.pl --strict (the base tree's) on the overlay's C and assembly
#   series      checkpatch.pl --strict on every patch of the exported series
#               (scripts/series.py export), run in the base tree they apply to
#   kernel-doc  scripts/kernel-doc -none -Wall on our kernel C files and headers
#   sparse      sparse on our objects of the kx test build (C=2: each object named is
#               checked, rebuilt or not)
#   docs        docutils on our reStructuredText documents (scripts/rstcheck.py)
#   scripts     ShellCheck on the scripts (the guest's as busybox sh), a byte-compile
#               of the Python ones, and their offline self-tests (check.py, series.py)
# Prints a line as each gate starts and each finding; exits non-zero if there was any.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
base=$(scripts/tree.sh base)
gates=(style series kernel-doc sparse docs scripts)
status=0

# checkpatch CHECKs that cannot apply to user-space selftests (no BIT() there, and the
# kselftest harness's macros read as multiplications).
selftest_ignores=BIT_MACRO,SPACING
# Typedefs that are interfaces between the kexec core and every architecture's relocation
# code, kept by name: checkpatch's "do not add new typedefs" is about new ones.
interface_typedefs=kimage_entry_t
# Names in CamelCase that the base tree already gives the code we call: facts, not ours to
# rename (checkpatch knows only those declared under include/).
known_camelcase='<kexec_bzImage64_ops>'

say() { echo "lint.sh: $*" >&2; }
flag() { # flag GATE FINDINGS: print the findings, if any, and mark the run failed
	[ -z "$2" ] && return 0
	echo "$2"
	say "$1: findings above"
	status=1
}
kernel_sources() { git ls-files 'kernel/*.[ch]' 'arch/*.[ch]' 'include/*.h'; }
# checkpatch --terse prints nothing for a clean file; anything but its closing count is
# a finding, also when checkpatch itself could not run.
checkpatch_findings() { grep -v '^total: [0-9]* errors' || true; }

gate_style() {
	local file ignores
	while read -r file; do
		ignores=
		case $file in tools/testing/selftests/*) ignores=--ignore=$selftest_ignores ;; esac
		# shellcheck disable=SC2086 # empty or one option
		flag style "$("$base/scripts/checkpatch.pl" --strict --no-tree --terse $ignores \
			--typedefsfile <(echo "$interface_typedefs") -f "$file" 2>&1 |
			checkpatch_findings)"
	done < <(git ls-files '*.c' '*.h' '*.S')
}

gate_series() {
	local patch ignores
	scripts/series.py export >/dev/null
	mkdir -p build/lint
	for patch in build/series/mbox/0*.patch; do
		case $patch in */0000-cover-letter.patch) continue ;; esac
		ignores=
		if grep -q '^Subject: \[PATCH [0-9/]*\] selftests/' "$patch"; then
			ignores=--ignore=$selftest_ignores
		fi
		# --root: the tree the patches apply to, whose headers checkpatch reads. It
		# writes a cache of their names where it runs: not in the base tree.
		# shellcheck disable=SC2086 # empty or one option
		flag series "$(cd build/lint || exit; "$base/scripts/checkpatch.pl" --strict \
			--terse --show-types --root="$base" $ignores \
			--typedefsfile <(echo "$interface_typedefs") \
			"$top/$patch" 2>&1 | checkpatch_findings |
			grep -vF "CAMELCASE: Avoid CamelCase: $known_camelcase" |
			sed "s|^|${patch##*/}: |" || true)"
	done
}

gate_kernel_doc() {
	# shellcheck disable=SC2046 # paths without spaces
	flag kernel-doc "$("$base/scripts/kernel-doc" -none -Wall $(kernel_sources) 2>&1)"
}

gate_sparse() {
	local src objects out
	src=$(scripts/tree.sh kx)
	scripts/kernel.sh kx >/dev/null
	objects=$(kernel_sources | sed -n 's/\.c$/.o/p' |
		while read -r o; do [ -f "$src/obj/$o" ] && echo "$o"; done)
	# shellcheck disable=SC2086 # a list of objects
	out=$(make -s -C "$src" O=obj ARCH=x86_64 CC="ccache gcc" C=2 $objects 2>&1) ||
		out+=$'\n'"make C=2 failed"
	flag sparse "$(echo "$out" | grep -E '(warning|error):|failed' || true)"
}

gate_docs() {
	local src
	src=$(scripts/tree.sh kx)
	# Debian's docutils is installed for Debian's python3.
	# shellcheck disable=SC2046 # paths without spaces
	flag docs "$(/usr/bin/python3 scripts/rstcheck.py "$src" \
		$(git ls-files 'Documentation/*.rst') \
		$(sed -n 's|^+++ b/\(Documentation/.*\.rst\).*|\1|p' patches/*.patch) || true)"
}

gate_scripts() {
	shellcheck -x scripts/*.sh .ci/run || status=1
	shellcheck -x -s sh -e SC3043 scripts/guest/init scripts/guest/*.sh || status=1
	python3 -m py_compile scripts/*.py || status=1
	local self_test
	for self_test in "scripts/check.py --self-test" "scripts/series.py self-test"; do
		# shellcheck disable=SC2086 # a command and its option
		flag scripts "$(python3 $self_test 2>&1 >/dev/null | grep -E '^(FAIL|ERROR)' || true)"
	done
}

[ $# -gt 0 ] || set -- "${gates[@]}"
for gate in "$@"; do
	case " ${gates[*]} " in
	*" $gate "*) ;;
	*) echo "usage: scripts/lint.sh [GATE...]  (${gates[*]})" >&2; exit 2 ;;
	esac
done
for gate in "$@"; do
	say "$gate"
	case $gate in
	style) gate_style ;;
	series) gate_series ;;
	kernel-doc) gate_kernel_doc ;;
	sparse) gate_sparse ;;
	docs) gate_docs ;;
	scripts) gate_scripts ;;
	esac
done
[ $status = 0 ] && echo "lint.sh: clean"
exit $status
