# kunit: the kernel ran its built-in KUnit suites at boot, before /init (the host limits
# them to ours with kunit.filter_glob=), and logged their KTAP at KERN_INFO, which
# "quiet" keeps off the console. Copy the kernel log from KUnit's top-level
# "KTAP version" line on, one "KX-KTAP: <line>" each, between "KX: kunit begin" and
# "KX: kunit end lines=N"; the host reads the results out of it and counts the lines.
run() {
	local lines
	dmesg -s 1048576 >/tmp/dmesg || fail "dmesg failed"
	awk '/^(\[[ 0-9.]*\] )?KTAP version/ { on = 1 } on' /tmp/dmesg >/tmp/ktap
	lines=$(wc -l </tmp/ktap)
	[ "$lines" -gt 0 ] ||
		fail "no KTAP in the kernel log (KUnit not built in, or disabled)"
	say "kunit begin"
	sed 's/^/KX-KTAP: /' /tmp/ktap
	say "kunit end lines=$lines"
	pass "$lines lines of KTAP"
}
