# race: kexec_race, kexec_load(2) and its sysfs files from several processes at once for
# kx.time= seconds (default 10), its TAP between "KX: selftest" lines. Needs
# crashkernel=128M. Then the kernel log must hold no splat.

SPLAT='BUG:|WARNING:|Oops|Call Trace:|UBSAN:|KASAN:|kernel BUG'

# run_selftest PROG ARGS...: run PROG with KX_IMPL set, pass if it and the kernel log
# are clean.
run_selftest() {
	local prog="$1" rc splats
	shift
	KX_IMPL=$(arg impl)
	export KX_IMPL
	say "selftest begin $prog"
	(cd /kx/selftests/kexec && "./$prog" "$@" </dev/null)
	rc=$?
	say "selftest end $prog status $rc"
	# The console may be quiet: show what the kernel log holds.
	splats=$(dmesg | grep -cE "$SPLAT")
	[ "$splats" = 0 ] || {
		dmesg | grep -E -A12 "$SPLAT" | head -100
		fail "$splats splat lines in the kernel log"
	}
	[ $rc = 0 ] || fail "$prog status $rc"
	pass "$prog clean"
}

run() {
	run_selftest kexec_race -t "$(arg time 10)"
}
