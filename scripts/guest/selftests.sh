# selftests: the kselftest programs named in run-order, one after the other, their TAP
# between "KX: selftest begin/end" lines; the host counts every case.
run() {
	local dir=/kx/selftests/kexec prog rc
	[ -f $dir/run-order ] || fail "no selftests in the initramfs"
	KX_IMPL=$(arg impl)
	export KX_IMPL
	while read -r prog; do
		say "selftest begin $prog"
		(cd $dir && "./$prog" </dev/null)
		rc=$?
		say "selftest end $prog status $rc"
	done <$dir/run-order
	pass "ran $(wc -l <$dir/run-order) programs"
}
