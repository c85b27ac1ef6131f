# kdump: arm a crash kernel with kexec -p, write a marker to the kernel log, crash. The
# crash kernel writes the dump (makedumpfile's flattened format) to /dev/vda; the host
# reads the crashed kernel's log out of it and looks for the marker.
run() {
	[ "$(arg phase)" = capture ] && capture
	local marker
	take_initrd
	[ "$(cat /sys/kernel/kexec_crash_size)" -gt 0 ] || fail "no crashkernel= region"
	expect_loaded kexec_crash_loaded 0 "at boot"
	load_next -p -- kx.phase=capture nr_cpus=1 reset_devices irqpoll ||
		fail "kexec -p failed"
	expect_loaded kexec_crash_loaded 1 "after kexec -p"
	marker=KX-MARKER-$(nonce)
	echo "$marker" >/dev/kmsg
	say "kdump marker $marker"
	broken skip-kexec && finish
	echo c >/proc/sysrq-trigger
	fail "still running after the sysrq crash"
}

capture() {
	[ -r /proc/vmcore ] || fail "no /proc/vmcore in the crash kernel"
	[ -b /dev/vda ] || fail "no /dev/vda to write the dump to"
	say "kdump capture: /proc/vmcore is $(stat -c %s /proc/vmcore) bytes"
	makedumpfile -F -c -d 31 /proc/vmcore >/dev/vda 2>/tmp/makedumpfile.err || {
		tail -5 /tmp/makedumpfile.err
		fail "makedumpfile failed in the crash kernel"
	}
	say "kdump dump written"
	pass "dump written"
}
