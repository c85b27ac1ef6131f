# memmap: RAM near 2 GiB that this kernel must leave alone, claimed on the command line by
# memmap= (a reservation, or persistent memory). kexec-tools reads the firmware's memory
# map (/sys/firmware/memmap), where that range is RAM, and puts the initrd in it. Ours
# refuses the load with EADDRNOTAVAIL and says in the kernel log what claims the range
# (kx.claim= names it); upstream 6.12 loads over it, which the guest checks as the
# pinned difference. First the selftest of the rule, which must find a claimed page.
run() {
	local claim reason
	claim=$(arg claim)
	take_initrd
	probe_destinations claimed
	if load_next -l --; then
		[ "$(arg impl)" = upstream ] ||
			fail "kexec -l into memory claimed as $claim was accepted"
		expect_loaded kexec_loaded 1 "after kexec -l"
		pass "upstream loaded over the $claim memory, as pinned"
	fi
	[ "$(arg impl)" = upstream ] && fail "kexec -l failed on upstream"
	expect_loaded kexec_loaded 0 "after the refused load"
	reason=$(dmesg | grep "kexec: refused (claimed): segment .* is claimed by $claim" | tail -1)
	[ -n "$reason" ] || fail "no line in the kernel log says the range is claimed by $claim"
	pass "refused: ${reason#*kexec: }"
}
