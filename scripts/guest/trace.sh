# trace: the kexec trace events. A kexec -l with every event of the kexec system on, read
# back from tracefs: the call's start, its checks, the destination pages taken in place,
# one event a segment, its end with the page counts, in that order. Then kexec -e; the
# kernel command line has the jump's event printed to the console too (tp_printk), where
# the host finds it, and kx's last line, with the counts of the load. Upstream 6.12 has no
# kexec events, which the guest checks (pinned).
TRACEFS=/sys/kernel/tracing

run() {
	local order want count end
	if [ "$(arg phase)" = booted ]; then
		say "trace booted"
		pass "booted after the traced jump"
	fi
	take_initrd
	[ -e $TRACEFS/trace ] || mount -t tracefs tracefs $TRACEFS || fail "no tracefs"
	if [ "$(arg impl)" = upstream ]; then
		[ -e $TRACEFS/events/kexec ] && fail "upstream 6.12 has kexec trace events"
		pass "upstream 6.12 has no kexec trace events, as pinned"
	fi
	echo 1 >$TRACEFS/events/kexec/enable || fail "cannot enable the kexec events"
	: >$TRACEFS/trace
	load_next -l -- kx.phase=booted || fail "kexec -l failed"
	order=$(sed -n 's/.* \(kexec_[a-z_]*\): .*/\1/p' $TRACEFS/trace | uniq | tr '\n' ' ')
	want="kexec_load_start kexec_load_checked kexec_load_claimed kexec_segment_copied"
	want="$want kexec_load_end "
	[ "$order" = "$want" ] || fail "kexec events out of order: $order"
	count=$(grep -c ' kexec_segment_copied: .* err=0$' $TRACEFS/trace)
	grep -q " kexec_load_start: segments=$count " $TRACEFS/trace ||
		fail "$count segment events for: $(grep -o 'kexec_load_start: .*' $TRACEFS/trace)"
	end=$(grep -o 'kexec_load_end: crash=0 err=0 pages=[1-9][0-9]* .*' $TRACEFS/trace) ||
		fail "no kexec_load_end event of a load that kept its pages"
	grep -o 'kexec_\(load_claimed\|segment_copied\): .*' $TRACEFS/trace | while read -r line; do
		say "trace $line"
	done
	say "trace load $count segments ${end#kexec_load_end: }"
	# The boot is quiet; the jump's line is KERN_INFO.
	echo 7 >/proc/sys/kernel/printk
	say "trace exec"
	kexec -e
	fail "kexec -e returned"
}
