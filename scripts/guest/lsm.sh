# lsm: an LSM refusing what kexec_load brings in (IMA, on the secure flavour). A kernel
# (kexec -l) and a crash kernel (kexec -p) are loaded through kexec_load first; then an
# IMA policy that appraises kexec images goes in (securityfs takes one policy per boot),
# and the lsm cases of kexec_secure run: IMA refuses kexec_load with EACCES, and on ours
# an unload through it still works.
run() {
	take_initrd
	load_next -l -- || fail "kexec -l failed"
	load_next -p -- || fail "kexec -p failed"
	echo "appraise func=KEXEC_KERNEL_CHECK appraise_type=imasig" \
		>/sys/kernel/security/ima/policy || fail "IMA refused the policy"
	say "IMA policy: $(cat /sys/kernel/security/ima/policy 2>/dev/null || echo written)"
	selftest kexec_secure -f lsm
	pass "lsm cases done"
}
