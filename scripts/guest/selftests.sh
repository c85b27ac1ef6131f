# selftests: the kselftest programs named in the list kx.order= (default run-order), one
# after the other with their arguments, their TAP between "KX: selftest begin/end" lines;
# the host counts every case. kx.bits=32: the 32-bit build of them (the compat entry).
run() {
	local dir=/kx/selftests/kexec list prog args rc
	[ "$(arg bits 64)" = 32 ] && dir=/kx/selftests/kexec32
	list=$dir/$(arg order run-order)
	[ -f "$list" ] || fail "no $list in the initramfs"
	KX_IMPL=$(arg impl)
	export KX_IMPL
	while read -r prog args; do
		say "selftest begin $prog"
		# shellcheck disable=SC2086 # the arguments are words
		(cd $dir && "./$prog" $args </dev/null)
		rc=$?
		say "selftest end $prog status $rc"
	done <"$list"
	pass "$(basename "$list") done"
}
