# failed-load: kexec -l a kernel, then loads that must fail at each stage of kexec_load
# (kexec_failed_load, TAP between "KX: selftest" lines), then boot. The kernel that comes
# up must be the one loaded before them, and its initrd must be intact.
run() {
	[ "$(arg phase)" = booted ] && check_booted
	take_initrd
	load_next -l -- kx.phase=booted kx.tag=kept || fail "kexec -l failed"
	selftest kexec_failed_load
	expect_loaded kexec_loaded 1 "after the failed loads"
	say "failed-load exec"
	broken skip-kexec && finish
	kexec -e
	fail "kexec -e returned"
}

check_booted() {
	say "failed-load booted tag=$(arg tag)"
	[ "$(arg tag)" = kept ] || fail "booted an image tagged '$(arg tag)', not the one kept"
	take_initrd
	pass "the image loaded before the failed loads booted, its initrd intact"
}
