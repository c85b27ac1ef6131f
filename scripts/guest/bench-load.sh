# bench-load: kexec_load timings for the sizes in kx.sizes= (MiB, comma separated), 16
# segments of 1 MiB, then kexec -l of the real kernel with this boot's (large) initrd,
# timed, and the jump to it. The host times the reboot from the console.
run() {
	local bench=/kx/selftests/kexec/kexec_load_bench rounds t0 t1
	if [ "$(arg phase)" = rebooted ]; then
		say "bench init"
		pass "rebooted"
	fi
	take_initrd
	rounds=$(arg rounds 1)
	# shellcheck disable=SC2046 # one argument per size
	$bench -r "$rounds" $(arg sizes 16,64,256 | tr , ' ') || fail "load benchmark failed"
	$bench -r "$rounds" -s 16 16 || fail "16-segment benchmark failed"
	t0=$(uptime_ms)
	load_next -l -- kx.phase=rebooted loglevel=6 || fail "kexec -l failed"
	t1=$(uptime_ms)
	say "bench kexec-l mib=$(($(stat -c %s /tmp/initrd) >> 20)) ms=$((t1 - t0))"
	say "bench exec"
	kexec -e
	fail "kexec -e returned"
}
