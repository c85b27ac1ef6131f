# layouts: boots kernels loaded by kexec_layout, a loader of our own (not kexec-tools)
# that cuts the kernel and its initrd into a seeded random layout of segments: random
# piece counts, shuffled order, random RAM destinations, zero tails. Every booted
# kernel checks its initrd byte for byte (take_initrd) and that it got the layout's
# command line. kx.layouts=K boots K layouts in a row, the g-th (from 0) with the seed
# kx.seed=S plus g; without kx.seed= the first boot picks S at random and says it.
# The host checks that layouts 1..K each announced "booted" with the seed its parent
# said it exec'd.
# kx.break=layout-initrd: one initrd byte is flipped on purpose, the check must fail.

# The next kernel's command line: layout_cmdline WORDS, this boot's layout words dropped.
layout_cmdline() {
	local w out=
	for w in $(next_cmdline); do
		case $w in kx.layout=* | kx.seed=*) ;; *) out="$out $w" ;; esac
	done
	echo "${out# } $*"
}

run() {
	local gen layouts seed layout opts="" out segs
	gen=$(arg gen 0)
	layouts=$(arg layouts 1)
	seed=$(arg seed)
	take_initrd
	if [ "$(arg phase)" = booted ]; then
		say "layouts booted gen=$gen seed=$(arg layout) initrd ok"
		[ "$(arg layout)" = "$((seed + gen - 1))" ] ||
			fail "gen $gen came up with kx.layout=$(arg layout), not $((seed + gen - 1))"
		[ "$gen" -lt "$layouts" ] || pass "$layouts layouts"
	fi
	if [ -z "$seed" ]; then
		seed=$(od -An -tu4 -N4 /dev/urandom | tr -d ' ')
		say "layouts seed=$seed (random)"
	fi
	layout=$((seed + gen))
	broken layout-initrd && opts=-B
	# shellcheck disable=SC2086 # empty or one option
	out=$(/kx/selftests/kexec/kexec_layout -v $opts -s "$layout" \
		-c "$(layout_cmdline kx.phase=booted "kx.gen=$((gen + 1))" \
			"kx.seed=$seed" "kx.layout=$layout")" \
		/boot/bzImage /tmp/initrd) || fail "kexec_layout -s $layout failed: $out"
	echo "$out"
	segs=$(echo "$out" | sed -n 's/^kexec_layout: seed=[0-9]* segments=\([0-9]*\).*/\1/p')
	expect_loaded kexec_loaded 1 "after kexec_layout"
	say "layouts exec seed=$layout segments=$segs"
	kexec -e
	fail "gen $gen: kexec -e returned"
}
