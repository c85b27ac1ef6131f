# kdump-reload: arm a crash kernel with kexec -p, then reload it three times with a bad
# argument (kexec_failed_crash_load, TAP between "KX: selftest" lines). Ours keeps the
# armed crash kernel through those failures, and it must still save the dump after a
# panic. Upstream 6.12 disarms it: there the guest checks that nothing is armed and
# stops, as a test of the difference.
# shellcheck source=scripts/guest/kdump.sh
. /kx/kdump.sh

run() {
	[ "$(arg phase)" = capture ] && capture
	take_initrd
	arm_and_mark
	say "selftest begin kexec_failed_crash_load"
	KX_IMPL=$(arg impl) /kx/selftests/kexec/kexec_failed_crash_load </dev/null
	say "selftest end kexec_failed_crash_load status $?"
	if [ "$(arg impl)" = upstream ]; then
		expect_loaded kexec_crash_loaded 0 "after the failed reloads (upstream disarms)"
		pass "upstream disarmed the crash kernel, as pinned"
	fi
	expect_loaded kexec_crash_loaded 1 "after the failed reloads"
	broken skip-kexec && finish
	crash sysrq
}
