# kdump-reload: arm a crash kernel with kexec -p, then reload it with loads that must fail,
# TAP between "KX: selftest" lines. kx.reload= says which:
#   checks      kexec_load with a bad argument, three times (kexec_failed_crash_load)
#   signatures  kexec_file_load of an unsigned, a tampered, a bad image and one too large
#               for the region (kexec_secure -f armed; the secure flavour, under lockdown)
# Ours keeps the armed crash kernel through those failures, and it must still save the
# dump after a panic. Upstream 6.12 disarms it: there the guest checks that nothing is
# armed and stops, as a test of the difference.
# shellcheck source=scripts/guest/kdump.sh
. /kx/kdump.sh

run() {
	[ "$(arg phase)" = capture ] && capture
	take_initrd
	arm_and_mark
	case $(arg reload checks) in
	checks) selftest kexec_failed_crash_load ;;
	signatures) selftest kexec_secure -f armed ;;
	*) fail "unknown kx.reload=$(arg reload)" ;;
	esac
	if [ "$(arg impl)" = upstream ]; then
		expect_loaded kexec_crash_loaded 0 "after the failed reloads (upstream disarms)"
		pass "upstream disarmed the crash kernel, as pinned"
	fi
	expect_loaded kexec_crash_loaded 1 "after the failed reloads"
	broken skip-kexec && finish
	crash sysrq
}
