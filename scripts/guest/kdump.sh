# kdump: arm a crash kernel with kexec -p, write a marker to the kernel log, crash. The
# crash kernel writes the dump (makedumpfile's flattened format) to /dev/vda; the host
# reads the crashed kernel's log out of it and looks for the marker.
# kx.crash= says how the kernel crashes (the kdump-* scenarios set it):
#   sysrq           echo c >/proc/sysrq-trigger (the default)
#   oops-kthread    an oops in a kernel thread; the command line has oops=panic
#   panic-all-cpus  every CPU calls panic() at the same moment
#   write-region    every page of the crash region is written over first, then a panic
# The last three come from the test module (tools/testing/selftests/kexec/test_modules).
run() {
	[ "$(arg phase)" = capture ] && capture
	take_initrd
	[ "$(cat /sys/kernel/kexec_crash_size)" -gt 0 ] || fail "no crashkernel= region"
	expect_loaded kexec_crash_loaded 0 "at boot"
	arm_and_mark
	broken skip-kexec && finish
	crash "$(arg crash sysrq)"
}

# Load the crash kernel, then write the marker the host looks for in the dump.
arm_and_mark() {
	local nonce marker
	# The crash kernel gets the nonce alone: the whole marker is nowhere in its memory.
	nonce=$(nonce)
	load_next -p -- kx.phase=capture "kx.cpus=$(nproc)" "kx.nonce=$nonce" nr_cpus=1 \
		reset_devices irqpoll || fail "kexec -p failed"
	expect_loaded kexec_crash_loaded 1 "after kexec -p"
	marker=KX-MARKER-$nonce
	echo "$marker" >/dev/kmsg
	say "kdump marker $marker"
}

# crash HOW: does not return while a crash kernel is armed.
crash() {
	local module=/kx/modules/kexec_crash_test.ko region
	say "kdump crash $1"
	case $1 in
	sysrq) echo c >/proc/sysrq-trigger ;;
	oops-kthread | panic-all-cpus) insmod "$module" action="$1" ;;
	write-region)
		region=$(sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : Crash kernel$/\1 \2/p' /proc/iomem)
		[ -n "$region" ] || fail "no Crash kernel in /proc/iomem"
		# shellcheck disable=SC2086 # start and end
		set -- $region
		insmod "$module" action=write-region region_start="0x$1" \
			region_size="$((0x$2 - 0x$1 + 1))"
		;;
	*) fail "unknown kx.crash=$1" ;;
	esac
	# The oops and the panics run in kernel threads: give them time to happen.
	sleep 10
	fail "still running 10 s after the crash ($1)"
}

capture() {
	[ -r /proc/vmcore ] || fail "no /proc/vmcore in the crash kernel"
	[ -b /dev/vda ] || fail "no /dev/vda to write the dump to"
	say "kdump capture: /proc/vmcore is $(stat -c %s /proc/vmcore) bytes"
	# Every CPU of the crashed kernel left its registers.
	/kx/selftests/kexec/kexec_vmcore_notes "$(arg cpus)" ||
		fail "the dump lacks a register note of one of the $(arg cpus) CPUs"
	makedumpfile -F -c -d 31 /proc/vmcore >/dev/vda 2>/tmp/makedumpfile.err || {
		tail -5 /tmp/makedumpfile.err
		unreadable_dump
		fail "makedumpfile failed in the crash kernel"
	}
	say "kdump dump written"
	pass "dump written"
}

# Debian 12's makedumpfile (1.7.2) reads no arm64 dump of 4K pages with 52-bit VA: there
# the crash kernel itself looks for the marker in every page of /proc/vmcore. Returns only
# for another failure.
unreadable_dump() {
	grep -q "VA Bits 52 not supported" /tmp/makedumpfile.err || return 0
	say "kdump makedumpfile cannot read this dump: the marker looked for in /proc/vmcore"
	/kx/selftests/kexec/kexec_vmcore_find any "KX-MARKER-$(arg nonce)" ||
		fail "no page of /proc/vmcore holds the marker"
	pass "marker found in /proc/vmcore"
}
