// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 crash shutdown: stop the other CPUs with an NMI, each saving its
 * registers into its crash note, quiesce the interrupt controllers and
 * timers the crash kernel will reset, and save our own registers. Also the
 * memory description kexec_file_load() and hotplug give the crash kernel.
 */

#define pr_fmt(fmt) "crash: " fmt

#include <linux/elf.h>
#include <linux/elfcore.h>
#include <linux/highmem.h>
#include <linux/kexec.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/cpu.h>
#include <asm/crash.h>
#include <asm/e820/types.h>
#include <asm/hpet.h>
#include <asm/intel_pt.h>
#include <asm/io_apic.h>
#include <asm/reboot.h>
#include <asm/sev.h>

#if defined(CONFIG_SMP) && defined(CONFIG_X86_LOCAL_APIC)
/*
 * Runs on every other CPU, in NMI context, before it halts for good: stop
 * its trace first, then save what it was doing.
 */
static void kdump_stop_this_cpu(int cpu, struct pt_regs *regs)
{
	cpu_emergency_stop_pt();
	crash_save_cpu(regs, cpu);
	kdump_sev_callback();
	disable_local_APIC();
}

/**
 * kdump_nmi_shootdown_cpus - stop the other CPUs, saving their registers
 *
 * smp_ops.crash_stop_other_cpus on x86.
 */
void kdump_nmi_shootdown_cpus(void)
{
	nmi_shootdown_cpus(kdump_stop_this_cpu);
	disable_local_APIC();
}

/**
 * crash_smp_send_stop - stop the other CPUs once, whoever asks first
 *
 * panic() calls it before its notifiers when crash_kexec_post_notifiers is
 * set, and machine_crash_shutdown() calls it again.
 */
void crash_smp_send_stop(void)
{
	static bool stopped;
	void (*stop)(void) = smp_ops.crash_stop_other_cpus ?: smp_send_stop;

	if (!xchg(&stopped, true))
		stop();
}
#else
void crash_smp_send_stop(void)
{
}
#endif

/* Mask every IO-APIC pin, even where a stopped CPU held ioapic_lock. */
static void crash_mask_ioapic(void)
{
#ifdef CONFIG_X86_IO_APIC
	ioapic_zap_locks();
	clear_IO_APIC();
#endif
}

/*
 * Ours is the only CPU left running: tracing and VMX or SVM go off, and the
 * interrupt controllers and timers back to what the crash kernel boots with.
 */
static void crash_quiesce_this_cpu(void)
{
	cpu_emergency_stop_pt();
	cpu_emergency_disable_virtualization();
#ifdef CONFIG_HPET_TIMER
	hpet_disable();
#endif
	crash_mask_ioapic();
	lapic_shutdown();
	restore_boot_irq_mode();
}

/**
 * native_machine_crash_shutdown - leave the machine to the crash kernel
 * @regs: the registers at the crash
 *
 * The kernel is broken: do only what the crash kernel cannot do itself.
 */
void native_machine_crash_shutdown(struct pt_regs *regs)
{
	local_irq_disable();
	crash_smp_send_stop();
	crash_quiesce_this_cpu();
	/*
	 * Confidential guests: with the other CPUs stopped, no conversion
	 * between shared and private memory can be in flight any more.
	 */
	x86_platform.guest.enc_kexec_begin();
	x86_platform.guest.enc_kexec_finish();
	crash_save_cpu(regs, safe_smp_processor_id());
}

#if defined(CONFIG_KEXEC_FILE) || defined(CONFIG_CRASH_HOTPLUG)
static int crash_count_range(struct resource *res, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

static int crash_add_range(struct resource *res, void *arg)
{
	struct crash_mem *mem = arg;

	if (mem->nr_ranges == mem->max_nr_ranges)
		return -ENOMEM;
	mem->ranges[mem->nr_ranges].start = res->start;
	mem->ranges[mem->nr_ranges].end = res->end;
	mem->nr_ranges++;
	return 0;
}

/*
 * System RAM the crash kernel must dump: all of it but the first MiB (the
 * crash kernel keeps its own) and the crash regions (the crash kernel runs
 * there).
 */
static struct crash_mem *crash_dump_ranges(void)
{
	unsigned int nr = 0;
	struct crash_mem *mem;
	int err;

	walk_system_ram_res(0, -1, &nr, crash_count_range);
	/* Each exclusion below can split one range in two. */
	mem = vzalloc(struct_size(mem, ranges, nr + 3));
	if (!mem)
		return NULL;
	mem->max_nr_ranges = nr + 3;

	err = walk_system_ram_res(0, -1, mem, crash_add_range);
	if (!err)
		err = crash_exclude_mem_range(mem, 0, SZ_1M - 1);
	if (!err)
		err = crash_exclude_mem_range(mem, crashk_res.start, crashk_res.end);
	if (!err && crashk_low_res.end)
		err = crash_exclude_mem_range(mem, crashk_low_res.start,
					      crashk_low_res.end);
	if (err) {
		vfree(mem);
		return NULL;
	}
	return mem;
}

static int crash_build_elfcorehdr(void **addr, unsigned long *size)
{
	struct crash_mem *mem = crash_dump_ranges();
	int err;

	if (!mem)
		return -ENOMEM;
	err = crash_prepare_elf64_headers(mem, true, addr, size);
	vfree(mem);
	return err;
}
#endif

#ifdef CONFIG_KEXEC_FILE
static void crash_add_e820(struct boot_params *params, u64 addr, u64 size,
			   u32 type)
{
	struct boot_e820_entry *e;

	if (params->e820_entries >= E820_MAX_ENTRIES_ZEROPAGE)
		return;
	e = &params->e820_table[params->e820_entries++];
	e->addr = addr;
	e->size = size;
	e->type = type;
}

struct crash_e820_walk {
	struct boot_params *params;
	u32 type;
};

static int crash_e820_from_res(struct resource *res, void *arg)
{
	struct crash_e820_walk *walk = arg;

	crash_add_e820(walk->params, res->start, resource_size(res), walk->type);
	return 0;
}

/**
 * crash_setup_memmap_entries - the crash kernel's e820 map
 * @image: the crash image, its elfcorehdr already placed
 * @params: the crash kernel's boot parameters
 *
 * The crash kernel may use the first MiB and the crash regions, less the
 * elfcorehdr; it sees the firmware tables where they are.
 *
 * Return: 0 or -ENOMEM.
 */
int crash_setup_memmap_entries(struct kimage *image, struct boot_params *params)
{
	static const struct {
		unsigned long desc;
		unsigned long flags;
		u32 type;
	} firmware[] = {
		{ IORES_DESC_ACPI_TABLES, IORESOURCE_MEM | IORESOURCE_BUSY, E820_TYPE_ACPI },
		{ IORES_DESC_ACPI_NV_STORAGE, IORESOURCE_MEM | IORESOURCE_BUSY, E820_TYPE_NVS },
		{ IORES_DESC_RESERVED, IORESOURCE_MEM, E820_TYPE_RESERVED },
	};
	struct crash_e820_walk walk = { .params = params, .type = E820_TYPE_RAM };
	struct crash_mem *mem;
	unsigned int i;
	int err;

	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, SZ_1M - 1, &walk, crash_e820_from_res);
	for (i = 0; i < ARRAY_SIZE(firmware); i++) {
		walk.type = firmware[i].type;
		walk_iomem_res_desc(firmware[i].desc, firmware[i].flags, 0, -1,
				    &walk, crash_e820_from_res);
	}
	if (crashk_low_res.end)
		crash_add_e820(params, crashk_low_res.start,
			       resource_size(&crashk_low_res), E820_TYPE_RAM);

	mem = vzalloc(struct_size(mem, ranges, 2));
	if (!mem)
		return -ENOMEM;
	mem->max_nr_ranges = 2;
	mem->nr_ranges = 1;
	mem->ranges[0].start = crashk_res.start;
	mem->ranges[0].end = crashk_res.end;
	err = crash_exclude_mem_range(mem, image->elf_load_addr,
				      image->elf_load_addr + image->elf_headers_sz - 1);
	for (i = 0; !err && i < mem->nr_ranges; i++) {
		u64 size = mem->ranges[i].end - mem->ranges[i].start + 1;

		if (size >= PAGE_SIZE)
			crash_add_e820(params, mem->ranges[i].start, size,
				       E820_TYPE_RAM);
	}
	vfree(mem);
	return err;
}

/* Room in the elfcorehdr for what hotplug may add later. */
static unsigned long crash_elfcorehdr_room(unsigned long built)
{
#ifdef CONFIG_CRASH_HOTPLUG
	unsigned long nr = 2 + CONFIG_NR_CPUS_DEFAULT;

	nr += IS_ENABLED(CONFIG_MEMORY_HOTPLUG) ? CONFIG_CRASH_MAX_MEMORY_RANGES :
		(built - sizeof(struct elf64_hdr)) / sizeof(struct elf64_phdr);
	if (nr < PN_XNUM)
		return sizeof(struct elf64_hdr) + nr * sizeof(struct elf64_phdr);
	pr_err("elfcorehdr: %lu program headers are too many\n", nr);
#endif
	return built;
}

/**
 * crash_load_segments - add the elfcorehdr to a kexec_file_load() crash image
 * @image: the crash image
 *
 * Return: 0, or what building or placing the header returned.
 */
int crash_load_segments(struct kimage *image)
{
	struct kexec_buf kbuf = {
		.image = image,
		.buf_min = 0,
		.buf_max = ULONG_MAX,
		.buf_align = ELF_CORE_HEADER_ALIGN,
		.mem = KEXEC_BUF_MEM_UNKNOWN,
	};
	int err;

	err = crash_build_elfcorehdr(&kbuf.buffer, &kbuf.bufsz);
	if (err)
		return err;
	image->elf_headers = kbuf.buffer;
	kbuf.memsz = crash_elfcorehdr_room(kbuf.bufsz);
	image->elf_headers_sz = kbuf.memsz;
#ifdef CONFIG_CRASH_HOTPLUG
	if (kbuf.memsz != kbuf.bufsz)
		image->elfcorehdr_index = image->nr_segments;
#endif
	err = kexec_add_buffer(&kbuf);
	if (!err) {
		image->elf_load_addr = kbuf.mem;
		kexec_dprintk("elfcorehdr at 0x%lx, %lu bytes in %lu\n",
			      kbuf.mem, kbuf.bufsz, kbuf.memsz);
	}
	return err;
}
#endif /* CONFIG_KEXEC_FILE */

#ifdef CONFIG_CRASH_HOTPLUG
/**
 * arch_crash_hotplug_support - may hotplug rewrite this image's elfcorehdr?
 * @image: the crash image being loaded
 * @kexec_flags: its kexec_load() flags
 *
 * Return: 1 for kexec_file_load() images, which the kernel lays out, and
 * for kexec_load() images whose loader says so; else 0.
 */
int arch_crash_hotplug_support(struct kimage *image, unsigned long kexec_flags)
{
	if (IS_ENABLED(CONFIG_KEXEC_FILE) && image->file_mode)
		return 1;
	return !!(kexec_flags &
		  (KEXEC_UPDATE_ELFCOREHDR | KEXEC_CRASH_HOTPLUG_SUPPORT));
}

/**
 * arch_crash_get_elfcorehdr_size - bytes a loader should leave for headers
 *
 * Return: the program headers' size for every possible CPU and, with memory
 * hotplug, CONFIG_CRASH_MAX_MEMORY_RANGES ranges.
 */
unsigned int arch_crash_get_elfcorehdr_size(void)
{
	unsigned int nr = 2 + CONFIG_NR_CPUS_DEFAULT;

	if (IS_ENABLED(CONFIG_MEMORY_HOTPLUG))
		nr += CONFIG_CRASH_MAX_MEMORY_RANGES;
	return nr * sizeof(struct elf64_phdr);
}

/**
 * arch_crash_handle_hotplug_event - rewrite the loaded elfcorehdr
 * @image: the crash image, unprotected by the caller
 * @arg: the memory notifier's argument, unused
 */
void arch_crash_handle_hotplug_event(struct kimage *image, void *arg)
{
	const struct kexec_segment *seg = &image->segment[image->elfcorehdr_index];
	bool cpu_event = image->hp_action == KEXEC_CRASH_HP_ADD_CPU ||
			 image->hp_action == KEXEC_CRASH_HP_REMOVE_CPU;
	unsigned long size = 0;
	void *hdr = NULL, *old;

	/* Headers for every possible CPU are there from the start. */
	if (cpu_event && (image->file_mode || image->elfcorehdr_updated))
		return;
	if (crash_build_elfcorehdr(&hdr, &size)) {
		pr_err("hotplug: cannot build a new elfcorehdr\n");
		return;
	}
	if (size > seg->memsz) {
		pr_err("hotplug: new elfcorehdr of %lu bytes exceeds its %zu\n",
		       size, seg->memsz);
		vfree(hdr);
		return;
	}
	/* A panic meanwhile must not find a half-written header. */
	old = kmap_local_page(pfn_to_page(seg->mem >> PAGE_SHIFT));
	xchg(&kexec_crash_image, NULL);
	memcpy_flushcache(old, hdr, size);
	xchg(&kexec_crash_image, image);
	kunmap_local(old);
	vfree(hdr);
}
#endif /* CONFIG_CRASH_HOTPLUG */
