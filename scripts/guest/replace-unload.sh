# replace-unload: load, replace, unload (twice), load twice more and boot; the kernel that
# comes up must be the last one loaded.
run() {
	[ "$(arg phase)" = booted ] && check_booted
	take_initrd
	expect_loaded kexec_loaded 0 "at boot"
	load_next -l -- kx.phase=booted kx.tag=first || fail "first kexec -l failed"
	expect_loaded kexec_loaded 1 "after the first load"
	load_next -l -- kx.phase=booted kx.tag=second || fail "second kexec -l failed"
	expect_loaded kexec_loaded 1 "after the replacing load"
	kexec -u || fail "kexec -u failed"
	expect_loaded kexec_loaded 0 "after kexec -u"
	kexec -u || fail "kexec -u with nothing loaded failed"
	expect_loaded kexec_loaded 0 "after a second kexec -u"
	load_next -l -- kx.phase=booted kx.tag=first || fail "third kexec -l failed"
	load_next -l -- kx.phase=booted kx.tag=second || fail "fourth kexec -l failed"
	expect_loaded kexec_loaded 1 "after loading again"
	say "replace-unload exec"
	broken skip-kexec && finish
	kexec -e
	fail "kexec -e returned"
}

check_booted() {
	local tag
	tag=$(arg tag)
	say "replace-unload booted tag=$tag"
	[ "$tag" = second ] || fail "booted the image tagged '$tag', not the last one loaded"
	take_initrd
	expect_loaded kexec_loaded 0 "in the new kernel"
	pass "booted the last image loaded"
}
