#!/usr/bin/env bash
# usage: scripts/tree.sh base|upstream|kx
#
# Prints the path of the requested source tree, creating or refreshing it first.
#   base      Debian's linux-source-6.12 tarball, unpacked once per package version.
#   upstream  build/upstream/linux: the base tree hard-linked, unchanged.
#   kx        build/kx/linux: the base tree hard-linked, plus this repository's overlay
#             (kernel/ arch/ include/ tools/ Documentation/), patches/series on top,
#             and the upstream files listed in patches/removed deleted.
# Kernels build in <tree>/obj: kbuild then names the source tree "..", the compiler sees
# the same relative paths in both trees, and ccache shares the objects they have in common.
# Re-syncing kx rewrites only files whose content changed, so kbuild stays incremental.
# Files are replaced by rename (never written in place): the hard links to the base break
# instead of the base changing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
tarball=/usr/src/linux-source-6.12.tar.xz
overlay_dirs=(kernel arch include tools Documentation)

die() { echo "tree.sh: $*" >&2; exit 1; }
say() { echo "tree.sh: $*" >&2; }

base_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
		die "linux-source-6.12 is not installed (run: make deps)"
}

base_tree() {
	local ver dir tmp
	ver=$(base_version)
	dir=$build/base/$ver
	if [ ! -f "$dir/.unpacked" ]; then
		[ -f "$tarball" ] || die "$tarball missing (run: make deps)"
		say "unpacking $tarball ($ver), about a minute"
		tmp=$dir.tmp
		rm -rf "$tmp" "$dir"
		mkdir -p "$tmp"
		tar -xJf "$tarball" -C "$tmp" --strip-components=1
		touch "$tmp/.unpacked"
		mv "$tmp" "$dir"
	fi
	echo "$dir"
}

# Files the overlay places in the tree, relative to the repository root.
overlay_files() {
	local d
	for d in "${overlay_dirs[@]}"; do
		if [ -d "$top/$d" ]; then
			(cd "$top" && find "$d" -type f ! -name '*~' ! -name '.*.swp')
		fi
	done | LC_ALL=C sort
}

# Paths named by a patch's "+++ b/..." lines.
patched_files() {
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$1"
}

# Build the desired content of every file we manage into $stage.
stage_tree() {
	local base=$1 stage=$2 f p
	rm -rf "$stage"
	mkdir -p "$stage"
	overlay_files | while read -r f; do
		mkdir -p "$stage/$(dirname "$f")"
		cp "$top/$f" "$stage/$f"
	done
	[ -f "$top/patches/series" ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$top/patches/series" | while read -r p; do
		[ -f "$top/patches/$p" ] || die "patches/series names missing patch $p"
		patched_files "$top/patches/$p" | while read -r f; do
			[ -e "$stage/$f" ] && continue
			mkdir -p "$stage/$(dirname "$f")"
			[ -f "$base/$f" ] && cp "$base/$f" "$stage/$f"
			true
		done
		patch -s -p1 -d "$stage" --no-backup-if-mismatch <"$top/patches/$p" ||
			die "patch $p does not apply"
	done
}

removed_files() {
	[ -f "$top/patches/removed" ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$top/patches/removed" | LC_ALL=C sort -u
}

# Give a path back its base content with a fresh mtime, or drop it if the base has none.
restore_from_base() {
	local base=$1 tree=$2 f=$3
	rm -f "$tree/$f"
	if [ -f "$base/$f" ]; then
		mkdir -p "$tree/$(dirname "$f")"
		cp "$base/$f" "$tree/$f"
	fi
}

# link_tree IMPL: build/IMPL/linux, a hard-linked copy of the current base tree.
link_tree() {
	local base=$1 impl=$2 tree=$build/$2/linux state=$build/$2/state
	if [ "$(cat "$state/base" 2>/dev/null)" != "$base" ] || [ ! -d "$tree" ]; then
		say "linking the $impl tree to $base"
		rm -rf "$tree" "$state"
		mkdir -p "$build/$impl" "$state"
		cp -al "$base" "$tree"
		: >"$state/managed"
		: >"$state/removed"
		echo "$base" >"$state/base"
	fi
	echo "$tree"
}

kx_tree() {
	local base tree state stage f
	base=$(base_tree)
	tree=$(link_tree "$base" kx)
	state=$build/kx/state
	stage=$build/kx/stage
	stage_tree "$base" "$stage"
	(cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$state/managed.new"
	removed_files >"$state/removed.new"

	# Files we stopped managing or stopped removing go back to upstream's content.
	LC_ALL=C comm -23 "$state/managed" "$state/managed.new" | while read -r f; do
		restore_from_base "$base" "$tree" "$f"
	done
	LC_ALL=C comm -23 "$state/removed" "$state/removed.new" | while read -r f; do
		restore_from_base "$base" "$tree" "$f"
	done
	# rsync replaces changed files by rename and leaves identical ones (and their mtimes).
	rsync -rc --executability "$stage/" "$tree/"
	while read -r f; do
		rm -f "$tree/$f"
	done <"$state/removed.new"
	mv "$state/managed.new" "$state/managed"
	mv "$state/removed.new" "$state/removed"
	echo "$tree"
}

case "${1:-}" in
base) base_tree ;;
upstream) link_tree "$(base_tree)" upstream ;;
kx) kx_tree ;;
*) echo "usage: scripts/tree.sh base|upstream|kx" >&2; exit 2 ;;
esac
