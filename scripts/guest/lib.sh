# Helpers for the guest scenarios (sourced by /init).

# arg NAME [DEFAULT]: the value of kx.NAME= on the kernel command line; the last one
# wins, so that words added after a scenario's own (KX_APPEND, make soak) override them.
arg() {
	local w val="${2:-}"
	# shellcheck disable=SC2013 # the command line is one line of words
	for w in $(cat /proc/cmdline); do
		case $w in kx.$1=*) val=${w#*=} ;; esac
	done
	echo "$val"
}

say() { echo "KX: $*"; }

# The kernel image the guest kexecs, its own: /boot/bzImage on x86, /boot/Image on arm64.
KERNEL=/boot/bzImage
[ -e $KERNEL ] || KERNEL=/boot/Image

# On a kernel with kmemleak (the debug flavour), report every unreferenced object; the
# host fails the run on any. kmemleak reports an object only once it is 5 s old and two
# scans in a row found nothing pointing to it.
leak_scan() {
	local f=/sys/kernel/debug/kmemleak
	[ -w $f ] || return 0
	sleep 5
	echo scan >$f
	echo scan >$f
	say "kmemleak scan: $(grep -c '^unreferenced object' $f) unreferenced objects"
	cat $f
}

finish() {
	leak_scan
	sync
	poweroff -f
	sleep 10
}

pass() { say "result $SCENARIO PASS $*"; finish; }
fail() { say "result $SCENARIO FAIL $*"; finish; }

# broken WHAT: true when the host asked (kx.break=WHAT) for a deliberately broken run.
broken() { [ "$(arg break)" = "$1" ]; }

nonce() { head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The command line for the next kernel: this one without the words that describe this
# boot only, followed by "$*".
next_cmdline() {
	local w out=
	# shellcheck disable=SC2013 # the command line is one line of words
	for w in $(cat /proc/cmdline); do
		case $w in
		kx.gen=* | kx.nonce=* | kx.phase=* | kx.tag=* | crashkernel=* | BOOT_IMAGE=*) ;;
		*) out="$out $w" ;;
		esac
	done
	echo "${out# } $*"
}

# The initrd this kernel was booted with (kept by retain_initrd), checked against the
# kx.sum= its loader put on the command line, copied to /tmp/initrd for the next kernel.
take_initrd() {
	local sum
	[ -r /sys/firmware/initrd ] || fail "no /sys/firmware/initrd (retain_initrd missing?)"
	cat /sys/firmware/initrd >/tmp/initrd
	sum=$(sha256sum /tmp/initrd | cut -d' ' -f1)
	[ "$sum" = "$(arg sum)" ] ||
		fail "initrd checksum $sum does not match kx.sum=$(arg sum)"
}

# expect_loaded FILE WANT WHEN: /sys/kernel/FILE must read WANT.
expect_loaded() {
	local got
	got=$(cat "/sys/kernel/$1")
	[ "$got" = "$2" ] || fail "$1 is $got $3, expected $2"
	say "$1=$got $3"
}

# load_next [kexec options...] -- WORDS: kexec -l $KERNEL with our initrd and the
# next command line plus WORDS. With kx.syscall=file, through kexec_file_load (kexec -s).
load_next() {
	local opts=
	[ "$(arg syscall)" = file ] && opts=-s
	while [ "$1" != -- ]; do opts="$opts $1"; shift; done
	shift
	# shellcheck disable=SC2086 # the options are words
	kexec $opts "$KERNEL" --initrd=/tmp/initrd --append="$(next_cmdline "$@")" && return
	# Say why: the same load again with kexec-tools' debug output, and the kernel's log.
	say "kexec $opts failed; again with -d:"
	# shellcheck disable=SC2086 # the options are words
	kexec -d $opts "$KERNEL" --initrd=/tmp/initrd --append="$(next_cmdline "$@")" 2>&1 |
		tail -40
	dmesg | tail -20
	return 1
}

# selftest PROGRAM [ARGS...]: one selftest program, its TAP between "KX: selftest" lines.
selftest() {
	local prog="$1" rc
	shift
	say "selftest begin $prog"
	KX_IMPL=$(arg impl) "/kx/selftests/kexec/$prog" "$@" </dev/null
	rc=$?
	say "selftest end $prog status $rc"
}

# probe_destinations KIND: the selftest of the destination rule, which must find at least
# one page of KIND (claimed, hidden) in this boot's firmware map.
probe_destinations() {
	KX_PROBES=$1
	export KX_PROBES
	selftest kexec_load_test -t destinations_follow_firmware_map
	unset KX_PROBES
}

# A kernel booted with lockdown=MODE must say, in securityfs, that it is locked down so.
check_lockdown() {
	local w want=
	# shellcheck disable=SC2013 # the command line is one line of words
	for w in $(cat /proc/cmdline); do
		case $w in lockdown=*) want=${w#*=} ;; esac
	done
	[ -n "$want" ] || return 0
	grep -q "\[$want\]" /sys/kernel/security/lockdown 2>/dev/null ||
		fail "booted with lockdown=$want, securityfs says: $(cat /sys/kernel/security/lockdown 2>&1)"
	say "lockdown $want"
}

# What the flavour says every kernel of the run must be: kx.paging=5 (five-level page
# tables: the kernel keeps la57 in cpuinfo only when it uses them, and its vmalloc space
# is then 12800 TiB instead of 32), kx.firmware=efi (EFI found, at boot or through kexec),
# kx.el=2 (arm64: every CPU started at EL2, which the kernel says once at boot).
check_platform() {
	local vmalloc
	if [ "$(arg paging)" = 5 ]; then
		vmalloc=$(awk '/^VmallocTotal:/ { print $2 }' /proc/meminfo)
		if ! grep -qw la57 /proc/cpuinfo || [ "$vmalloc" -le 34359738367 ]; then
			fail "not paging with five levels (VmallocTotal ${vmalloc} kB)"
		fi
		say "paging 5-level (VmallocTotal ${vmalloc} kB)"
	fi
	if [ "$(arg firmware)" = efi ]; then
		[ -d /sys/firmware/efi ] || fail "booted through EFI, but no /sys/firmware/efi"
		say "firmware efi ($(head -1 /sys/firmware/efi/systab 2>/dev/null))"
	fi
	if [ "$(arg el)" = 2 ]; then
		dmesg | grep -q "CPU: All CPU(s) started at EL2" ||
			fail "not started at EL2: $(dmesg | grep -o 'CPU(s) started at.*' | head -1)"
		say "started at EL2"
	fi
}

# Milliseconds since boot (/proc/uptime has centiseconds).
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
