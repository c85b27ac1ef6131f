# kdump-hotplug: arm a crash kernel, then change the machine under it: the host plugs in a
# 512 MiB DIMM (QEMU's monitor) when asked, and a CPU goes offline. A marker is written
# into the new memory (the test module, which logs where), then a crash. The crash kernel
# reads the crashed kernel's log out of /proc/vmcore, finds the marker's address there,
# and looks for the marker at that address in the dump: it is found only if the core
# header the crash kernel got covers memory that did not exist when it was loaded.
#   kx.syscall=file  kexec -s -p: the kernel rewrites the header on each hotplug event,
#                    and crash_hotplug (cpu and memory) reads 1
#   (otherwise)      kexec -p (kexec_load without KEXEC_UPDATE_ELFCOREHDR): crash_hotplug
#                    reads 0, and the guest reloads the crash kernel after the hotplug,
#                    as distributions' udev rules do
# shellcheck source=scripts/guest/kdump.sh
. /kx/kdump.sh

MEMORY=/sys/devices/system/memory

run() {
	local want=0 before range marker
	[ "$(arg phase)" = capture ] && capture_hotplug
	take_initrd
	[ "$(arg syscall)" = file ] && want=1
	arm_for_hotplug $(($(nproc) - 1))
	expect_loaded ../devices/system/cpu/crash_hotplug $want "after kexec -p"
	expect_loaded ../devices/system/memory/crash_hotplug $want "after kexec -p"
	before=$(find $MEMORY -maxdepth 1 -name 'memory[0-9]*' | wc -l)
	say "hotplug add-memory"
	range=$(new_memory "$before") || fail "no memory came online in 60 s (blocks: $before)"
	say "hotplug memory online: $range"
	echo 0 >/sys/devices/system/cpu/cpu1/online || fail "cpu1 would not go offline"
	say "hotplug cpu1 offline, $(nproc) online"
	if [ $want = 0 ]; then
		kexec -p -u || fail "kexec -p -u failed"
		arm_for_hotplug "$(nproc)"
	fi
	marker=KX-HOTPLUG-$(nonce)
	# shellcheck disable=SC2086 # start and size
	set -- $range
	insmod /kx/modules/kexec_crash_test.ko action=mark-range region_start="$1" \
		region_size="$2" marker="$marker" || fail "no page of the new memory for the marker"
	say "hotplug marker $marker $(dmesg | grep -o 'marker at 0x[0-9a-f]*' | tail -1)"
	echo "$marker" >/dev/kmsg
	say "kdump marker $marker"
	crash sysrq
}

# arm_for_hotplug CPUS: the crash kernel, told how many CPUs will be online at the crash.
# It must leave the DIMM alone (acpi_no_memhotplug, as RHEL's kdump passes): ACPI still
# lists it, and a crash kernel that added it would use the memory it is to dump, and
# could not read it from /proc/vmcore (EFAULT: ioremap refuses its own RAM).
arm_for_hotplug() {
	load_next -p -- kx.phase=capture "kx.cpus=$1" nr_cpus=1 reset_devices \
		irqpoll acpi_no_memhotplug || fail "kexec -p failed"
	expect_loaded kexec_crash_loaded 1 "after kexec -p"
}

# new_memory BLOCKS: once more than BLOCKS memory blocks exist and all are online, prints
# the new ones' physical range as "START SIZE" (bytes; the new blocks are contiguous and
# numbered above the others).
new_memory() {
	local tries=60 size blocks first last
	size=$((0x$(cat $MEMORY/block_size_bytes)))
	while [ $tries -gt 0 ]; do
		blocks=$(find $MEMORY -maxdepth 1 -name 'memory[0-9]*' | sed 's/.*memory//' | sort -n)
		if [ "$(echo "$blocks" | wc -l)" -gt "$1" ] &&
			! grep -qx offline $MEMORY/memory*/state; then
			first=$(echo "$blocks" | sed -n "$(($1 + 1))p")
			last=$(echo "$blocks" | tail -1)
			echo "$((first * size)) $(((last - first + 1) * size))"
			return 0
		fi
		tries=$((tries - 1))
		sleep 1
	done
	return 1
}

# In the crash kernel: the marker the crashed kernel logged, at the address it logged.
capture_hotplug() {
	local log=/tmp/crashed-dmesg addr marker
	makedumpfile --dump-dmesg /proc/vmcore $log >/dev/null 2>&1 ||
		fail "makedumpfile --dump-dmesg failed in the crash kernel"
	addr=$(grep -o 'marker at 0x[0-9a-f]*' $log | tail -1 | cut -d' ' -f3)
	marker=$(grep -o 'KX-HOTPLUG-[0-9a-f]*' $log | tail -1)
	if [ -z "$addr" ] || [ -z "$marker" ]; then
		fail "the crashed kernel's log names no marker"
	fi
	/kx/selftests/kexec/kexec_vmcore_find "$addr" "$marker" ||
		fail "the dump does not hold $marker at $addr (the hot-added memory)"
	say "hotplug marker found in the dump at $addr"
	capture
}
