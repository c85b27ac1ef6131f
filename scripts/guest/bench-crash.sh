# bench-crash: KEXEC_ON_CRASH load timings for the sizes in kx.crash_sizes= (MiB, comma
# separated), then kexec -p and a panic. The host times panic to crash kernel.
run() {
	local bench=/kx/selftests/kexec/kexec_load_bench
	if [ "$(arg phase)" = crashed ]; then
		say "bench crash-init"
		pass "crash kernel up"
	fi
	take_initrd
	# shellcheck disable=SC2046 # one argument per size
	$bench -p -r "$(arg rounds 1)" $(arg crash_sizes 16,64 | tr , ' ') ||
		fail "crash load benchmark failed"
	load_next -p -- kx.phase=crashed loglevel=6 nr_cpus=1 reset_devices irqpoll ||
		fail "kexec -p failed"
	say "bench crash"
	echo c >/proc/sysrq-trigger
	fail "still running after the sysrq crash"
}
