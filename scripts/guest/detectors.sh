# detectors: the debug flavour's judge must fail this run. The test module commits the
# bug kx.bug= names (leak, use-after-free, lock-inversion); the host expects the splat
# judge to quote the report of that bug's detector, and nothing else.
run() {
	local bug
	bug=$(arg bug)
	[ -n "$bug" ] || fail "no kx.bug= on the command line"
	say "detectors bug $bug"
	insmod /kx/modules/kexec_crash_test.ko action="$bug" || fail "insmod action=$bug failed"
	pass "committed $bug"
}
