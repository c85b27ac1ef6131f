# chain: every generation checks its initrd and its place in the chain, then kexecs the
# next one with kx.gen incremented and a fresh nonce. The host checks that generations
# 1..kx.gens each announced the nonce handed to them, in order.
run() {
	local gen gens next
	gen=$(arg gen 1)
	gens=$(arg gens 5)
	take_initrd
	say "chain gen=$gen nonce=$(arg nonce none) initrd ok"
	# kx.probes=KIND: generation 1 runs the selftest of the destination rule first.
	[ "$gen" = 1 ] && [ -n "$(arg probes)" ] && probe_destinations "$(arg probes)"
	[ "$gen" -lt "$gens" ] || pass "$gens generations"
	next=$(nonce)
	load_next -l -- "kx.gen=$((gen + 1))" "kx.nonce=$next" ||
		fail "gen $gen: kexec -l failed"
	expect_loaded kexec_loaded 1 "in gen $gen after kexec -l"
	say "chain handoff gen=$((gen + 1)) nonce=$next"
	broken skip-kexec && finish
	kexec -e
	fail "gen $gen: kexec -e returned"
}
