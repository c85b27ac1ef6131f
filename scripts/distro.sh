#!/usr/bin/env bash
# usage: scripts/distro.sh [--full] kx|upstream...
#
# Builds a tree with Debian's own amd64 config (linux-config-6.12, olddefconfig; the
# package's signing keys emptied, as for any build outside Debian) in <tree>/obj-debian,
# with W=1: the directories holding an object whose source includes a kexec or crash
# header (arch/x86 for the architecture), as configured, and our own objects again under
# sparse (C=2). --full then builds and links the whole vmlinux (on 2 cores, most of an
# hour; the modules beyond those directories are not built). Each tree's warnings land
# in build/<impl>/distro-warnings.txt (-full.txt with --full), one "file:line: message"
# a line, sorted. Fails if any warning (compiler, sparse, objtool) names a file of ours,
# or if kx warns where upstream, built to the same extent, does not.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
config=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
full=0
usage() { echo "usage: scripts/distro.sh [--full] kx|upstream..." >&2; exit 2; }
say() { echo "distro.sh[$impl]: $*" >&2; }

impls=()
for arg in "$@"; do
	case $arg in
	--full) full=1 ;;
	kx | upstream) impls+=("$arg") ;;
	*) usage ;;
	esac
done
[ ${#impls[@]} -gt 0 ] || usage
# Compared only with a build of the same extent.
report=distro-warnings.txt
[ $full = 0 ] || report=distro-warnings-full.txt
[ -f "$config" ] || { echo "distro.sh: $config missing (run: make deps)" >&2; exit 1; }

kmake() {
	make -C "$src" O=obj-debian ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(nproc)" "$@"
}

configure() {
	mkdir -p "$src/obj-debian"
	if [ "$(cat "$src/obj-debian/.kx-config" 2>/dev/null)" != "$(sha256sum <"$config")" ]; then
		say "configuring (Debian's amd64 config, olddefconfig)"
		xz -dc "$config" >"$src/obj-debian/.config"
		"$src/scripts/config" --file "$src/obj-debian/.config" \
			--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS ""
		kmake -s olddefconfig >/dev/null
		sha256sum <"$config" >"$src/obj-debian/.kx-config"
	fi
	say "prepare"
	kmake -s prepare >/dev/null
}

# Objects of the x86 build whose source includes a kexec or crash header, built or not.
kexec_objects() {
	local pattern='#include [<"](linux/kexec|linux/crash_(core|dump|reserve)|asm/kexec|uapi/linux/kexec)\.h[>"]'
	(cd "$src" && grep -rlE --include='*.c' "$pattern" arch/x86 block certs crypto drivers \
		fs init ipc kernel lib mm net security sound virt) | sort | sed 's/\.c$/.o/'
}

# Whether every CONFIG_ option named in the text $1 is set (y or m) in the config.
all_set() {
	local opt
	for opt in $(grep -oE 'CONFIG_[A-Z0-9_]+' <<<"$1" || true); do
		grep -qE "^$opt=(y|m)" "$src/obj-debian/.config" || return 1
	done
}

# Whether kbuild descends into directory $1 with this config: each parent's Makefile (or
# Kbuild) names it on a line whose CONFIG_ options are all set, or that names none.
reached() {
	local dir=$1 parent=${1%/*} line
	# The top-level directories, and the architecture's.
	[ "$dir" = "$parent" ] || [ "$dir" = arch/x86 ] && return 0
	while read -r line; do
		if all_set "$line"; then
			reached "$parent"
			return
		fi
	done < <(cat "$src/$parent"/Makefile "$src/$parent"/Kbuild 2>/dev/null |
		grep -E "(^|[[:space:]=+])${dir##*/}/")
	return 1
}

# Build, with W=1, the directories that hold such objects and that kbuild reaches with
# this config: kbuild builds there what the config has (a single object it names would
# be compiled whether configured or not). Says how many of the objects were built.
build_objects() {
	local objects dirs=() dir log=$1 built=0 obj
	mapfile -t objects < <(kexec_objects)
	# A directory inside another one of the list is built with it (and kbuild, given
	# both, trips over its own modules.order).
	for dir in $(printf '%s\n' "${objects[@]%/*}" | sort -u); do
		[ ${#dirs[@]} -gt 0 ] && [ "${dir#"${dirs[-1]}"}" != "$dir" ] && continue
		if reached "$dir"; then dirs+=("$dir/"); fi
	done
	# Everything there compiles again (from ccache, which replays the warnings): a
	# warning is reported by every run, not only by the one that first built the object.
	for dir in "${dirs[@]}"; do
		[ ! -d "$src/obj-debian/$dir" ] || find "$src/obj-debian/$dir" -name '*.o' -delete
	done
	say "W=1 on the ${#dirs[@]} configured directories of the ${#objects[@]} objects that include a kexec or crash header"
	if ! kmake W=1 "${dirs[@]}" >"$log" 2>&1; then
		grep -E ': error: |Error [0-9]+$' "$log" | head -20 >&2
		say "a build error (above; log: ${log#"$top"/})"
		exit 1
	fi
	for obj in "${objects[@]}"; do
		[ ! -f "$src/obj-debian/$obj" ] || built=$((built + 1))
	done
	say "$built of the ${#objects[@]} objects are in Debian's config, built"
}

# Our own objects (the overlay's kernel and x86 C files) once more under sparse.
sparse_ours() {
	local log=$1 ours
	mapfile -t ours < <(cd "$top" && git ls-files 'kernel/*.c' 'arch/x86/*.c' | sed 's/\.c$/.o/')
	say "sparse on ${#ours[@]} objects of ours"
	kmake C=2 W=1 "${ours[@]}" >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
}

# "file:line: message" for every warning in LOG, paths relative to the tree, sorted.
warnings() {
	sed -nE 's#^(\.\./)?([^: ]+):([0-9]+):([0-9]+:)? (warning|error): (.*)#\2:\3: \6#p;
		s#^([^: ]+\.o): warning: objtool: (.*)#\1: objtool: \2#p' "$1" | sort -u
}

for impl in "${impls[@]}"; do
	src=$("$top/scripts/tree.sh" "$impl")
	log=$build/$impl/distro-build.log
	start=$SECONDS
	configure
	build_objects "$log"
	[ "$impl" = kx ] && sparse_ours "$log"
	if [ $full = 1 ]; then
		say "building and linking the whole vmlinux (--full)"
		kmake W=1 vmlinux >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
	fi
	warnings "$log" >"$build/$impl/$report"
	say "done in $((SECONDS - start)) s: $(wc -l <"$build/$impl/$report") warnings"
done

status=0
if [ -f "$build/kx/$report" ]; then
	mine=$(cd "$top" && git ls-files kernel arch include | sed 's/[.^$*]/\\&/g; s/^/^/; s/$/:/')
	if grep -f <(echo "$mine") "$build/kx/$report"; then
		echo "distro.sh: warnings in our files (above)" >&2
		status=1
	fi
	if [ -f "$build/upstream/$report" ]; then
		new=$(comm -23 <(sed 's/:[0-9]*:/:/' "$build/kx/$report" | sort -u) \
			<(sed 's/:[0-9]*:/:/' "$build/upstream/$report" | sort -u))
		if [ -n "$new" ]; then
			echo "$new"
			echo "distro.sh: warnings that upstream's build does not have (above)" >&2
			status=1
		fi
	fi
fi
[ $status = 0 ] && echo "distro.sh: no warning of ours"
exit $status
