# bench-jump: the jump itself. A fresh boot, nothing loaded before: kexec -l -i
# (kexec-tools' --no-checks: the purgatory skips its SHA-256) of /boot/bzImage with an
# initrd of kx.initrd_mib= MiB (default 8) made by make_initrd, timed on the guest's clock,
# then kexec -e. The console prints info lines for the jump (loglevel 7), so that kx's last
# line, "kexec: jump: P pages, I in place, C to copy" (pr_info), is on it. The host times,
# on its own clock, "bench exec" and the old kernel's last line to the new kernel's first.
# The new kernel runs this script again from that initrd, checks its pad and powers off.
# Nothing here reads /sys/firmware/initrd: the host boots this scenario without
# retain_initrd, so that the initrd it booted with is freed, as on a booted machine.

# make_initrd MIB FILE: an initrd of exactly MIB MiB (at least 4) from which the next
# kernel runs this scenario: /init, the guest scripts and busybox (statically linked:
# about 2 MiB together), then a second archive holding /pad.bin, random bytes up to the
# size, then zeros, which the kernel skips after an archive. The harness's initramfs could
# not be cut down to 8 MiB (its selftest programs alone take 13), and a file that is not a
# cpio archive would leave the next kernel without an /init. Sets PAD to /pad.bin's size.
make_initrd() {
	local want=$(($1 << 20)) out="$2" dir=/tmp/pad.d have i
	rm -rf "$dir"
	mkdir "$dir" || return 1
	# cpio -o archives the names it is given, not the trees below them: the mount
	# points go in as empty directories.
	(cd / && {
		echo init
		echo kx
		find kx -maxdepth 1 -name '*.sh'
		find bin
		echo proc
		echo sys
		echo dev
		echo tmp
	} | cpio -o -H newc) >"$out" || return 1
	have=$(stat -c %s "$out")
	# Room for the second archive's two headers, with some to spare for the zeros.
	PAD=$((want - have - 1024))
	[ "$PAD" -gt 0 ] || return 1
	# Random, as scripts/initramfs.sh pads, but one MiB of it repeated: copies, not
	# 256 MiB of /dev/urandom's ChaCha20 emulated by TCG.
	head -c 1048576 /dev/urandom >"$dir/block" || return 1
	i=$((PAD >> 20))
	while [ "$i" -gt 0 ]; do
		cat "$dir/block"
		i=$((i - 1))
	done >"$dir/pad.bin"
	head -c $((PAD & 1048575)) "$dir/block" >>"$dir/pad.bin"
	(cd "$dir" && echo pad.bin | cpio -o -H newc) >>"$out" || return 1
	rm -rf "$dir"
	have=$(stat -c %s "$out")
	head -c $((want - have)) /dev/zero >>"$out"
	[ "$(stat -c %s "$out")" -eq "$want" ]
}

run() {
	local mib t0 t1
	if [ "$(arg phase)" = rebooted ]; then
		say "bench init"
		[ "$(stat -c %s /pad.bin 2>/dev/null)" = "$(arg pad)" ] ||
			fail "/pad.bin is not the $(arg pad) bytes the initrd had"
		pass "rebooted"
	fi
	mib=$(arg initrd_mib 8)
	make_initrd "$mib" /tmp/initrd || fail "could not make a $mib MiB initrd"
	t0=$(uptime_ms)
	load_next -l -i -- kx.phase=rebooted loglevel=6 "kx.pad=$PAD" ||
		fail "kexec -l -i failed"
	t1=$(uptime_ms)
	say "bench jump-load mib=$mib ms=$((t1 - t0))"
	# The boot is quiet (loglevel 4): let the jump's info lines through.
	echo 7 >/proc/sys/kernel/printk
	say "bench exec"
	kexec -e
	fail "kexec -e returned"
}
