# fuzz: kexec_fuzz, seeded structured-random kexec_load(2) calls checked against a model
# of the contract, its TAP between "KX: selftest" lines. The run is the one kx.seed=
# names (default: one from the clock, printed as "# seed N"), at most kx.count= calls
# (default 1000000) and kx.time= seconds (default 60); kx.verbose=1 prints every call.
# Needs crashkernel=128M. Then the kernel log must hold no splat.
# shellcheck source=scripts/guest/race.sh
. /kx/race.sh

run() {
	local opts
	opts="-n $(arg count 1000000) -t $(arg time 60)"
	[ -n "$(arg seed)" ] && opts="$opts -s $(arg seed)"
	[ "$(arg verbose)" = 1 ] && opts="$opts -v"
	# shellcheck disable=SC2086 # the options are words
	run_selftest kexec_fuzz $opts
}
