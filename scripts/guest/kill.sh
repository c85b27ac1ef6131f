# kill: a large normal load and a large crash load, each killed with SIGKILL part way
# through (kexec_kill); nothing may stay loaded and every page must come back. The
# kill latency is printed for the host to collect.
run() {
	local args
	# kexec_kill pins an upstream defect by name.
	KX_IMPL=$(arg impl)
	export KX_IMPL
	for args in "-m 512" "-c -m 224"; do
		say "selftest begin kexec_kill"
		# shellcheck disable=SC2086 # the options are words
		/kx/selftests/kexec/kexec_kill $args </dev/null
		say "selftest end kexec_kill status $?"
	done
	pass "killed loads done"
}
