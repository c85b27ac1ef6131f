# faults: kexec -l a kernel, then loads of real size (this kernel and its initrd) under
# failslab, fail_page_alloc and fail_usercopy, armed for the loading task only
# (kexec_faults); a leak scan; then boot. The kernel that comes up must be the one loaded
# before the faults, its initrd intact. Needs the debug flavour (fault injection).
run() {
	[ "$(arg phase)" = booted ] && check_booted
	take_initrd
	load_next -l -- kx.phase=booted kx.tag=kept || fail "kexec -l failed"
	say "selftest begin kexec_faults"
	/kx/selftests/kexec/kexec_faults -s "$(arg seed 1)" -r "$(arg rounds 4)" \
		"$KERNEL" /tmp/initrd </dev/null
	say "selftest end kexec_faults status $?"
	expect_loaded kexec_loaded 1 "after the faults"
	leak_scan
	say "faults exec"
	kexec -e
	fail "kexec -e returned"
}

check_booted() {
	say "faults booted tag=$(arg tag)"
	[ "$(arg tag)" = kept ] || fail "booted an image tagged '$(arg tag)', not the one kept"
	take_initrd
	pass "the image loaded before the faults booted, its initrd intact"
}
