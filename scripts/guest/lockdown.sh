# lockdown: a kernel booted with lockdown= (the secure flavour, whose /boot/bzImage is
# signed with a key in its trusted keyring; init checks the mode). The lockdown cases of
# kexec_secure, then kexec-tools' own unloads under lockdown, each a row of the TAP list
# "kexec-tools": kexec -u and kexec -p -u, which go through kexec_load, after kexec -s
# loaded a signed kernel. Ours unloads; upstream 6.12 refuses with EPERM and the image
# stays loaded, which is what its rows check.
run() {
	take_initrd
	selftest kexec_secure -f lockdown
	say "selftest begin kexec-tools"
	echo "1..2"
	unload_row 1 unload -l kexec_loaded
	unload_row 2 unload_crash -p kexec_crash_loaded
	say "selftest end kexec-tools"
	pass "lockdown cases done"
}

# unload_row N NAME OPT FILE: kexec -s OPT a signed kernel, kexec OPT -u it, and say
# "ok N NAME" when /sys/kernel/FILE then reads what this implementation should leave.
unload_row() {
	local n="$1" name="$2" opt="$3" file="$4" rc=0 want=0 got
	if ! load_next -s "$opt" --; then
		echo "not ok $n $name # kexec -s $opt failed"
		return
	fi
	[ "$opt" = -l ] && opt=
	# shellcheck disable=SC2086 # -p or nothing
	kexec $opt -u 2>/dev/null || rc=$?
	[ "$(arg impl)" = upstream ] && want=1
	got=$(cat "/sys/kernel/$file")
	if [ "$got" = "$want" ] && { [ "$want" = 1 ] || [ "$rc" = 0 ]; }; then
		echo "ok $n $name # kexec $opt -u status $rc, $file=$got"
	else
		echo "not ok $n $name # kexec $opt -u status $rc, $file=$got, expected $want"
	fi
	# shellcheck disable=SC2086 # -p or nothing
	kexec -s $opt -u 2>/dev/null
}
