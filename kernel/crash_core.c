// SPDX-License-Identifier: GPL-2.0-only
/*
 * The crash side of kexec: entering the crash image on panic or oops, the
 * per-CPU register notes the dump reads, the ELF core header that describes
 * memory to the crash kernel, resizing the crashkernel= region, and keeping
 * the loaded image's core header current across CPU and memory hotplug.
 *
 * The crash image itself is loaded by kexec_load() or kexec_file_load(),
 * straight into the reserved region (kernel/kexec.c, kernel/kexec_core.c).
 */

#define pr_fmt(fmt) "crash: " fmt

#include <linux/btf.h>
#include <linux/cpuhotplug.h>
#include <linux/elf.h>
#include <linux/elfcore.h>
#include <linux/highmem.h>
/*
 * Brings <linux/crash_core.h>, after <asm/kexec.h>: included before that,
 * its empty defaults would take the place of the architecture's hooks.
 */
#include <linux/kexec.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/objtool.h>
#include <linux/panic.h>
#include <linux/reboot.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/sections.h>

#include "kexec_internal.h"

/* Each CPU's registers at the crash, as an ELF note; /sys/.../crash_notes. */
note_buf_t __percpu *crash_notes;

#ifdef CONFIG_CRASH_DUMP

/**
 * kimage_crash_copy_vmcoreinfo - keep VMCOREINFO inside the crash region
 * @image: the image being loaded
 *
 * The running kernel's VMCOREINFO may be corrupt by the time it crashes, so
 * crash_save_vmcoreinfo() writes a fresh copy into a page of the region.
 * That page is reached through a mapping of its own, since the region's
 * direct mapping is read-only while the image is loaded.
 *
 * Return: 0 (also for an image that is no crash image), or -ENOMEM.
 */
int kimage_crash_copy_vmcoreinfo(struct kimage *image)
{
	struct page *page;

	if (image->type != KEXEC_TYPE_CRASH)
		return 0;

	page = kimage_alloc_control_pages(image, 0);
	image->vmcoreinfo_data_copy = page ? vmap(&page, 1, VM_MAP, PAGE_KERNEL) :
					     NULL;
	if (!image->vmcoreinfo_data_copy)
		return -ENOMEM;
	crash_update_vmcoreinfo_safecopy(image->vmcoreinfo_data_copy);
	return 0;
}

/**
 * kimage_crash_free_vmcoreinfo - undo kimage_crash_copy_vmcoreinfo()
 * @image: the image being freed
 *
 * The page itself is a control page of the image, freed with it.
 */
void kimage_crash_free_vmcoreinfo(struct kimage *image)
{
	if (!image->vmcoreinfo_data_copy)
		return;
	crash_update_vmcoreinfo_safecopy(NULL);
	vunmap(image->vmcoreinfo_data_copy);
	image->vmcoreinfo_data_copy = NULL;
}

/**
 * kexec_should_crash - should an oops of @p boot the crash kernel now?
 * @p: the task that oopsed
 *
 * Return: 1 where make_task_dead() would panic anyway (interrupt context,
 * the idle task, init, panic_on_oops), unless panic() is left to do it
 * after its notifiers (crash_kexec_post_notifiers); else 0.
 */
int kexec_should_crash(struct task_struct *p)
{
	bool fatal = panic_on_oops || in_interrupt() || !p->pid ||
		     is_global_init(p);

	return fatal && !crash_kexec_post_notifiers;
}

/**
 * kexec_crash_loaded - is a crash image armed?
 *
 * Return: 1 if so, else 0.
 */
int kexec_crash_loaded(void)
{
	return !!kexec_crash_image;
}
EXPORT_SYMBOL_GPL(kexec_crash_loaded);

/**
 * __crash_kexec - boot the crash image, if one is armed
 * @regs: the registers at the fault, or NULL from panic()
 *
 * The caller holds panic_cpu. A load in progress on another CPU holds the
 * kexec lock; the image it is replacing cannot be trusted, so we give up
 * rather than wait: this may run in NMI context.
 */
void __noclone __crash_kexec(struct pt_regs *regs)
{
	struct pt_regs at_crash;

	if (!kexec_trylock())
		return;
	if (!kexec_crash_image) {
		kexec_unlock();
		return;
	}
	crash_setup_regs(&at_crash, regs);
	crash_save_vmcoreinfo();
	machine_crash_shutdown(&at_crash);
	machine_kexec(kexec_crash_image);
	/* Not reached: a crash image does not come back. */
	kexec_unlock();
}

/* crash_setup_regs() reads the frame registers as they are. */
STACK_FRAME_NON_STANDARD(__crash_kexec);

/**
 * crash_kexec - boot the crash image from an oops or a BPF program
 * @regs: the registers at the fault
 *
 * Claims panic_cpu first, like panic(): when several CPUs crash at once,
 * one goes on and the others stop in panic(). If no crash image is armed,
 * panic_cpu is given back so that a later panic() can run.
 */
__bpf_kfunc void crash_kexec(struct pt_regs *regs)
{
	int none = PANIC_CPU_INVALID;

	if (!atomic_try_cmpxchg(&panic_cpu, &none, raw_smp_processor_id()))
		return;
	__crash_kexec(regs);
	atomic_set(&panic_cpu, PANIC_CPU_INVALID);
}

/* ------------------------------------------------------------------ */
/* The ELF core header: one note per CPU, VMCOREINFO, then memory. */

static void crash_elf_header(struct elf64_hdr *ehdr)
{
	memcpy(ehdr->e_ident, ELFMAG, SELFMAG);
	ehdr->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr->e_ident[EI_DATA] = ELF_DATA;
	ehdr->e_ident[EI_VERSION] = EV_CURRENT;
	ehdr->e_ident[EI_OSABI] = ELF_OSABI;
	ehdr->e_type = ET_CORE;
	ehdr->e_machine = ELF_ARCH;
	ehdr->e_version = EV_CURRENT;
	ehdr->e_ehsize = sizeof(*ehdr);
	ehdr->e_phoff = sizeof(*ehdr);
	ehdr->e_phentsize = sizeof(struct elf64_phdr);
}

static void crash_add_phdr(struct elf64_hdr *ehdr, u32 type, u64 vaddr, u64 paddr,
			   u64 size)
{
	struct elf64_phdr *phdr = (struct elf64_phdr *)(ehdr + 1) + ehdr->e_phnum++;

	phdr->p_type = type;
	phdr->p_flags = type == PT_LOAD ? PF_R | PF_W | PF_X : 0;
	phdr->p_offset = paddr;
	phdr->p_paddr = paddr;
	phdr->p_vaddr = vaddr;
	phdr->p_filesz = size;
	phdr->p_memsz = size;
}

/**
 * crash_prepare_elf64_headers - build the ELF core header of a crash image
 * @mem: the memory ranges to describe, inclusive
 * @need_kernel_map: add a PT_LOAD for the kernel image at its text address
 * @addr: out, the header (vzalloc()ed; the caller frees it)
 * @sz: out, its size, rounded up to ELF_CORE_HEADER_ALIGN
 *
 * Return: 0 or -ENOMEM.
 */
int crash_prepare_elf64_headers(struct crash_mem *mem, int need_kernel_map,
				void **addr, unsigned long *sz)
{
	unsigned long nr_phdr = num_possible_cpus() + 2 + mem->nr_ranges;
	unsigned long size = ALIGN(sizeof(struct elf64_hdr) +
				   nr_phdr * sizeof(struct elf64_phdr),
				   ELF_CORE_HEADER_ALIGN);
	struct elf64_hdr *ehdr = vzalloc(size);
	unsigned int cpu, i;

	if (!ehdr)
		return -ENOMEM;
	crash_elf_header(ehdr);

	for_each_possible_cpu(cpu)
		crash_add_phdr(ehdr, PT_NOTE, 0,
			       per_cpu_ptr_to_phys(per_cpu_ptr(crash_notes, cpu)),
			       sizeof(note_buf_t));
	crash_add_phdr(ehdr, PT_NOTE, 0, paddr_vmcoreinfo_note(),
		       VMCOREINFO_NOTE_SIZE);
	/* Tools such as gdb want the kernel text at its own addresses too. */
	if (need_kernel_map)
		crash_add_phdr(ehdr, PT_LOAD, (unsigned long)_text,
			       __pa_symbol(_text), _end - _text);
	for (i = 0; i < mem->nr_ranges; i++) {
		u64 start = mem->ranges[i].start;

		crash_add_phdr(ehdr, PT_LOAD, (unsigned long)__va(start), start,
			       mem->ranges[i].end - start + 1);
	}

	*addr = ehdr;
	*sz = size;
	return 0;
}

/* Open a gap at @i by moving the ranges from @i on one place up. */
static int crash_mem_insert_at(struct crash_mem *mem, unsigned int i)
{
	if (mem->nr_ranges == mem->max_nr_ranges)
		return -ENOMEM;
	memmove(&mem->ranges[i + 1], &mem->ranges[i],
		(mem->nr_ranges - i) * sizeof(mem->ranges[0]));
	mem->nr_ranges++;
	return 0;
}

static void crash_mem_remove_at(struct crash_mem *mem, unsigned int i)
{
	mem->nr_ranges--;
	memmove(&mem->ranges[i], &mem->ranges[i + 1],
		(mem->nr_ranges - i) * sizeof(mem->ranges[0]));
}

/**
 * crash_exclude_mem_range - cut [@mstart, @mend] out of sorted ranges
 * @mem: ranges in ascending order, inclusive ends
 * @mstart: first byte to cut
 * @mend: last byte to cut
 *
 * Return: 0, or -ENOMEM if a range would have to split and @mem is full.
 */
int crash_exclude_mem_range(struct crash_mem *mem,
			    unsigned long long mstart, unsigned long long mend)
{
	unsigned int i = 0;

	while (i < mem->nr_ranges && mem->ranges[i].start <= mend) {
		struct range *r = &mem->ranges[i];

		if (r->end < mstart) {
			i++;
		} else if (mstart <= r->start && r->end <= mend) {
			crash_mem_remove_at(mem, i);
		} else if (r->start < mstart && mend < r->end) {
			if (crash_mem_insert_at(mem, i + 1))
				return -ENOMEM;
			mem->ranges[i + 1].start = mend + 1;
			mem->ranges[i + 1].end = r->end;
			r->end = mstart - 1;
			return 0;
		} else if (r->start < mstart) {
			r->end = mstart - 1;
			i++;
		} else {
			r->start = mend + 1;
			return 0;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The size of the crashkernel= region, /sys/kernel/kexec_crash_size. */

static unsigned long crash_region_size(const struct resource *res)
{
	return res->end ? resource_size(res) : 0;
}

/**
 * crash_get_memory_size - bytes reserved by crashkernel=
 *
 * Return: the size, or -EBUSY while a load or unload holds the kexec lock.
 */
ssize_t crash_get_memory_size(void)
{
	ssize_t size;

	if (!kexec_trylock())
		return -EBUSY;
	size = crash_region_size(&crashk_res) + crash_region_size(&crashk_low_res);
	kexec_unlock();
	return size;
}

/* Bytes handed back to the page allocator between two chances to reschedule. */
#define CRASH_FREE_CHUNK	SZ_1M

/* Free the reserved pages of [@start, @end); a large region takes a while. */
static void crash_free_range(unsigned long start, unsigned long end)
{
	unsigned long next;

	for (; start < end; start = next) {
		next = min(end, start + CRASH_FREE_CHUNK);
		crash_free_reserved_phys_range(start, next);
		cond_resched();
	}
}

/* Give the part of @res beyond its first @keep bytes back to the kernel. */
static int crash_release_tail(struct resource *res, unsigned long keep)
{
	struct resource *ram;

	if (keep >= crash_region_size(res))
		return 0;
	ram = kzalloc(sizeof(*ram), GFP_KERNEL);
	if (!ram)
		return -ENOMEM;
	ram->name = "System RAM";
	ram->flags = IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY;
	ram->start = res->start + keep;
	ram->end = res->end;

	if (keep) {
		res->end = ram->start - 1;
	} else {
		release_resource(res);
		res->start = 0;
		res->end = 0;
	}
	crash_free_range(ram->start, ram->start + resource_size(ram));
	insert_resource(&iomem_resource, ram);
	return 0;
}

/* Move the range of @from, an empty region afterwards, to the empty @to. */
static void crash_region_move(struct resource *to, struct resource *from)
{
	release_resource(from);
	to->start = from->start;
	to->end = from->end;
	from->start = 0;
	from->end = 0;
	insert_resource(&iomem_resource, to);
}

static int crash_shrink_locked(unsigned long new_size)
{
	unsigned long low = crash_region_size(&crashk_low_res);
	unsigned long now = crash_region_size(&crashk_res) + low;
	int err;

	new_size = roundup(new_size, KEXEC_CRASH_MEM_ALIGN);
	if (new_size >= now)
		return new_size == now ? 0 : -EINVAL;

	/* The high region goes first; the low one only below its own size. */
	if (new_size >= low) {
		err = crash_release_tail(&crashk_res, new_size - low);
	} else {
		err = crash_release_tail(&crashk_res, 0);
		if (!err)
			err = crash_release_tail(&crashk_low_res, new_size);
	}
	/* Only the low region is left: it becomes the crash region. */
	if (!err && !crashk_res.end && crashk_low_res.end)
		crash_region_move(&crashk_res, &crashk_low_res);
	return err;
}

/**
 * crash_shrink_memory - give crashkernel= memory back to the kernel
 * @new_size: bytes to keep, rounded up to KEXEC_CRASH_MEM_ALIGN
 *
 * Return: 0; -EINVAL to grow; -ENOENT while a crash image is loaded (its
 * memory would go); -EBUSY while a load holds the kexec lock; -ENOMEM.
 */
int crash_shrink_memory(unsigned long new_size)
{
	int err;

	if (!kexec_trylock())
		return -EBUSY;
	err = kexec_crash_image ? -ENOENT : crash_shrink_locked(new_size);
	kexec_unlock();
	return err;
}

/* ------------------------------------------------------------------ */
/* Per-CPU register notes. */

/**
 * crash_save_cpu - write @cpu's registers into its crash note
 * @regs: the registers
 * @cpu: the CPU they belong to
 */
void crash_save_cpu(struct pt_regs *regs, int cpu)
{
	struct elf_prstatus prstatus = {};
	u32 *note;

	if (cpu < 0 || cpu >= nr_cpu_ids || !crash_notes)
		return;
	prstatus.common.pr_pid = current->pid;
	elf_core_copy_regs(&prstatus.pr_reg, regs);
	note = append_elf_note((u32 *)per_cpu_ptr(crash_notes, cpu),
			       KEXEC_CORE_NOTE_NAME, NT_PRSTATUS,
			       &prstatus, sizeof(prstatus));
	final_note(note);
}

static int __init crash_notes_init(void)
{
	size_t size = sizeof(note_buf_t);

	/*
	 * User space learns one physical address and a size per CPU, so each
	 * note must not cross a page: align it to its size, rounded up.
	 */
	BUILD_BUG_ON(sizeof(note_buf_t) > PAGE_SIZE);
	crash_notes = __alloc_percpu(size, roundup_pow_of_two(size));
	if (crash_notes)
		return 0;
	pr_warn("no memory for the CPU crash notes\n");
	return -ENOMEM;
}
subsys_initcall(crash_notes_init);

#endif /* CONFIG_CRASH_DUMP */

#ifdef CONFIG_CRASH_HOTPLUG
/* ------------------------------------------------------------------ */
/* Hotplug: rewrite the loaded image's elfcorehdr when CPUs or memory change. */

static DEFINE_MUTEX(crash_hotplug_mutex);

/**
 * crash_check_hotplug_support - may the kernel rewrite the crash elfcorehdr?
 *
 * Read by /sys/devices/system/{cpu,memory}/crash_hotplug.
 *
 * Return: 1 if the loaded crash image allows it, else 0 (also while a
 * load holds the kexec lock).
 */
int crash_check_hotplug_support(void)
{
	int supported = 0;

	mutex_lock(&crash_hotplug_mutex);
	if (kexec_trylock()) {
		supported = kexec_crash_image && kexec_crash_image->hotplug_support;
		kexec_unlock();
	}
	mutex_unlock(&crash_hotplug_mutex);
	return supported;
}

/* kexec_load() images do not say which segment is the elfcorehdr. */
static int crash_find_elfcorehdr(struct kimage *image)
{
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++) {
		void *p = kmap_local_page(pfn_to_page(image->segment[i].mem >>
						      PAGE_SHIFT));
		bool is_elf = !memcmp(p, ELFMAG, SELFMAG);

		kunmap_local(p);
		if (is_elf)
			return i;
	}
	return -1;
}

static void crash_update_elfcorehdr(struct kimage *image, unsigned int action,
				    void *arg)
{
	if (image->elfcorehdr_index < 0)
		image->elfcorehdr_index = crash_find_elfcorehdr(image);
	if (image->elfcorehdr_index < 0) {
		pr_err("hotplug: no elfcorehdr segment in the crash image\n");
		return;
	}
	arch_kexec_unprotect_crashkres();
	image->hp_action = action;
	arch_crash_handle_hotplug_event(image, arg);
	image->hp_action = KEXEC_CRASH_HP_NONE;
	image->elfcorehdr_updated = true;
	arch_kexec_protect_crashkres();
}

static void crash_hotplug_event(unsigned int action, void *arg)
{
	mutex_lock(&crash_hotplug_mutex);
	if (!kexec_trylock()) {
		pr_info("hotplug: a kexec load is running, the dump may be inaccurate\n");
	} else {
		if (kexec_crash_image && kexec_crash_image->hotplug_support)
			crash_update_elfcorehdr(kexec_crash_image, action, arg);
		kexec_unlock();
	}
	mutex_unlock(&crash_hotplug_mutex);
}

static int crash_memory_event(struct notifier_block *nb, unsigned long val,
			      void *arg)
{
	if (val == MEM_ONLINE)
		crash_hotplug_event(KEXEC_CRASH_HP_ADD_MEMORY, arg);
	else if (val == MEM_OFFLINE)
		crash_hotplug_event(KEXEC_CRASH_HP_REMOVE_MEMORY, arg);
	return NOTIFY_OK;
}

static struct notifier_block crash_memory_nb = {
	.notifier_call = crash_memory_event,
};

static int crash_cpu_up(unsigned int cpu)
{
	crash_hotplug_event(KEXEC_CRASH_HP_ADD_CPU, NULL);
	return 0;
}

static int crash_cpu_down(unsigned int cpu)
{
	crash_hotplug_event(KEXEC_CRASH_HP_REMOVE_CPU, NULL);
	return 0;
}

static int __init crash_hotplug_init(void)
{
	if (IS_ENABLED(CONFIG_MEMORY_HOTPLUG))
		register_memory_notifier(&crash_memory_nb);
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		return 0;
	return cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "crash/cpuhp",
					 crash_cpu_up, crash_cpu_down);
}
subsys_initcall(crash_hotplug_init);
#endif /* CONFIG_CRASH_HOTPLUG */
