// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86_64 kexec: the page table for the jump, and the jump.
 *
 * At load time we build an identity map of everything the last code and the
 * next kernel's first code touch: all of RAM (sources, destinations, the
 * entry list, the control page), every destination, and the firmware tables
 * an early kernel reads before it has its own page tables. Its pages are
 * control pages, so no destination overlaps them. At the jump nothing is
 * allocated; relocate_kernel() switches to that map and copies.
 */

#define pr_fmt(fmt) "kexec: " fmt

#include <linux/cc_platform.h>
#include <linux/efi.h>
#include <linux/ftrace.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kexec.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/e820/api.h>
#include <asm/efi.h>
#include <asm/init.h>
#include <asm/set_memory.h>
#include <asm/setup.h>

/**
 * arch_kexec_firmware_ram - is a range RAM in the firmware's e820 map?
 * @start: first byte
 * @end: end of the range, past its last byte
 *
 * The firmware's table, not this kernel's: mem= and memmap= change only the
 * latter. Its entries are sorted and do not overlap.
 *
 * Return: true if RAM entries cover all of [@start, @end).
 */
bool arch_kexec_firmware_ram(phys_addr_t start, phys_addr_t end)
{
	const struct e820_table *table = e820_table_firmware;
	u64 covered_to = start;
	u32 i;

	for (i = 0; i < table->nr_entries && covered_to < end; i++) {
		const struct e820_entry *entry = &table->entries[i];

		if (entry->type != E820_TYPE_RAM ||
		    entry->addr + entry->size <= covered_to)
			continue;
		if (entry->addr > covered_to)
			break;
		covered_to = entry->addr + entry->size;
	}
	return covered_to >= end;
}

static void *kexec_pgt_alloc(void *context)
{
	struct page *page = kimage_alloc_control_pages(context, 0);

	if (!page)
		return NULL;
	clear_page(page_address(page));
	return page_address(page);
}

/*
 * Map [@start, @start + @size) a PUD_SIZE-aligned piece at a time: a piece
 * fills at most one page of entries, and between pieces the map of a large
 * machine can stop for a killed caller. Pieces on those boundaries give the
 * tables one call would.
 */
static int kexec_ident_map(struct x86_mapping_info *info, pgd_t *pgd,
			   u64 start, u64 size)
{
	u64 end = start + size, next;
	int err = 0;

	for (; !err && start < end; start = next) {
		next = min(end, ALIGN_DOWN(start, PUD_SIZE) + PUD_SIZE);
		err = kernel_ident_mapping_init(info, pgd, start, next);
		if (!err)
			err = kexec_yield();
	}
	return err;
}

static int kexec_map_firmware_res(struct resource *res, void *arg)
{
	struct x86_mapping_info *info = arg;
	struct kimage *image = info->context;

	return kexec_ident_map(info, image->arch.pgd, res->start,
			       resource_size(res));
}

/* ACPI tables live outside RAM; the new kernel's decompressor reads them. */
static int kexec_map_acpi_tables(struct x86_mapping_info *info)
{
	static const unsigned long descs[] = {
		IORES_DESC_ACPI_TABLES, IORES_DESC_ACPI_NV_STORAGE,
	};
	int i, err;

	for (i = 0; i < ARRAY_SIZE(descs); i++) {
		err = walk_iomem_res_desc(descs[i], IORESOURCE_MEM | IORESOURCE_BUSY,
					  0, -1, info, kexec_map_firmware_res);
		/* -EINVAL: there is no such region */
		if (err && err != -EINVAL)
			return err;
	}
	return 0;
}

/* The EFI system table and its configuration tables, read early too. */
static int kexec_map_efi_tables(struct x86_mapping_info *info, pgd_t *pgd)
{
#ifdef CONFIG_EFI
	bool is64 = efi_enabled(EFI_64BIT);
	u64 systab = boot_params.efi_info.efi_systab |
		     (u64)boot_params.efi_info.efi_systab_hi << 32;
	size_t systab_size = is64 ? sizeof(efi_system_table_64_t) :
				    sizeof(efi_system_table_32_t);
	size_t entry_size = is64 ? sizeof(efi_config_table_64_t) :
				   sizeof(efi_config_table_32_t);
	unsigned long nr_tables;
	void *tab;
	int err;

	if (!efi_enabled(EFI_BOOT) || !systab)
		return 0;
	err = kexec_ident_map(info, pgd, systab, systab_size);
	if (err)
		return err;

	tab = memremap(systab, systab_size, MEMREMAP_WB);
	if (!tab)
		return -ENOMEM;
	nr_tables = is64 ? ((efi_system_table_64_t *)tab)->nr_tables :
			   ((efi_system_table_32_t *)tab)->nr_tables;
	memunmap(tab);
	return kexec_ident_map(info, pgd, efi_config_table, nr_tables * entry_size);
#else
	return 0;
#endif
}

static int kexec_build_page_table(struct kimage *image)
{
	struct x86_mapping_info info = {
		.alloc_pgt_page	= kexec_pgt_alloc,
		.context	= image,
		.page_flag	= __PAGE_KERNEL_LARGE_EXEC,
		.kernpg_flag	= _KERNPG_TABLE_NOENC,
		.direct_gbpages	= direct_gbpages,
	};
	unsigned long i;
	pgd_t *pgd;
	int err = 0;

	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		info.page_flag |= _PAGE_ENC;
		info.kernpg_flag |= _PAGE_ENC;
	}

	pgd = kexec_pgt_alloc(image);
	if (!pgd)
		return -ENOMEM;
	image->arch.pgd = pgd;

	for (i = 0; !err && i < nr_pfn_mapped; i++)
		err = kexec_ident_map(&info, pgd, PFN_PHYS(pfn_mapped[i].start),
				      PFN_PHYS(pfn_mapped[i].end -
					       pfn_mapped[i].start));
	/* RAM beyond what this kernel maps (mem=) can still be a destination. */
	for (i = 0; !err && i < image->nr_segments; i++)
		err = kexec_ident_map(&info, pgd, image->segment[i].mem,
				      image->segment[i].memsz);
	if (!err)
		err = kexec_map_efi_tables(&info, pgd);
	if (!err)
		err = kexec_map_acpi_tables(&info);
	if (err)
		return err;

	/*
	 * relocate_kernel() switches to this table while it still runs at its
	 * kernel address, so lend it the kernel's own top-level entry for the
	 * kernel image. It is used for three instructions, before any page is
	 * copied; after that only the identity map is.
	 */
	set_pgd(pgd + pgd_index(__START_KERNEL_map),
		*pgd_offset_k(__START_KERNEL_map));
	return 0;
}

/**
 * machine_kexec_prepare - build what the jump will need
 * @image: the image being loaded
 *
 * Return: 0, -ENOMEM, or -EOPNOTSUPP for KEXEC_PRESERVE_CONTEXT, since our
 * relocation code copies each page once and cannot come back.
 */
int machine_kexec_prepare(struct kimage *image)
{
	if (image->preserve_context)
		return -EOPNOTSUPP;
	return kexec_build_page_table(image);
}

/**
 * machine_kexec_cleanup - forget the jump's page table
 * @image: the image being freed
 *
 * Its pages are control pages, which the core frees with the image.
 */
void machine_kexec_cleanup(struct kimage *image)
{
	image->arch.pgd = NULL;
}

/*
 * Load the data segment registers from the GDT while it is still valid:
 * their hidden parts keep working after the GDT is gone.
 */
static void kexec_settle_segments(void)
{
	asm volatile("movl %0, %%ds\n\t"
		     "movl %0, %%es\n\t"
		     "movl %0, %%ss\n\t"
		     "movl %0, %%fs\n\t"
		     "movl %0, %%gs\n\t"
		     : : "r" (__KERNEL_DS) : "memory");
}

/**
 * machine_kexec - jump into the loaded image
 * @image: kexec_image after machine_shutdown(), or the crash image after
 *	   machine_crash_shutdown(); the other CPUs are stopped either way
 *
 * Past the point of no return: allocates nothing and does not fail.
 */
void machine_kexec(struct kimage *image)
{
	void *control = page_address(image->control_code_page);
	struct kexec_relocate_args *args = control + KEXEC_CONTROL_CODE_MAX_SIZE;
	bool wbinvd = cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT);
	unsigned long control_pa = virt_to_phys(control);
	unsigned long pgd_pa = __pa(image->arch.pgd);

	/* No tracer may run once the segment and descriptor tables go. */
	__ftrace_enabled_save();
	local_irq_disable();
	hw_breakpoint_disable();
	cet_disable();

	__memcpy(control, relocate_kernel, KEXEC_CONTROL_CODE_MAX_SIZE);
	args->head = image->head;
	args->start = image->start;
	/* Under SME the old, encrypted cache lines must not shadow the copy. */
	args->flags = wbinvd ? KEXEC_RELOCATE_WBINVD : 0;

	/*
	 * From here no function call: %gs no longer points at per-CPU data.
	 * With the descriptor tables gone, any fault resets the machine
	 * instead of running a handler of the kernel being overwritten.
	 */
	kexec_settle_segments();
	native_idt_invalidate();
	native_gdt_invalidate();

	relocate_kernel(control_pa, pgd_pa);
}

#ifdef CONFIG_KEXEC_FILE
static int kexec_purgatory_value(const struct purgatory_info *pi,
				 const struct elf64_sym *sym, const char *name,
				 u64 *value)
{
	switch (sym->st_shndx) {
	case SHN_UNDEF:
		pr_err("purgatory: undefined symbol %s\n", name);
		return -ENOEXEC;
	case SHN_COMMON:
		pr_err("purgatory: common symbol %s\n", name);
		return -ENOEXEC;
	case SHN_ABS:
		*value = sym->st_value;
		return 0;
	}
	if (sym->st_shndx >= pi->ehdr->e_shnum) {
		pr_err("purgatory: symbol %s in section %u of %u\n", name,
		       sym->st_shndx, pi->ehdr->e_shnum);
		return -ENOEXEC;
	}
	*value = pi->sechdrs[sym->st_shndx].sh_addr + sym->st_value;
	return 0;
}

/* Write one relocated value at @where, which runs at @place. */
static int kexec_purgatory_reloc(const struct elf64_rela *rela, void *where,
				 u64 target, u64 place)
{
	switch (ELF64_R_TYPE(rela->r_info)) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_64:
		*(u64 *)where = target;
		return 0;
	case R_X86_64_32:
		*(u32 *)where = target;
		return target == (u32)target ? 0 : -EOVERFLOW;
	case R_X86_64_32S:
		*(s32 *)where = target;
		return (s64)target == (s32)target ? 0 : -EOVERFLOW;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		*(u32 *)where = target - place;
		return 0;
	}
	pr_err("purgatory: relocation type %llu not supported\n",
	       ELF64_R_TYPE(rela->r_info));
	return -ENOEXEC;
}

/**
 * arch_kexec_apply_relocations_add - check the RELA relocations of purgatory
 * @pi: the purgatory being loaded, already placed by the generic code
 * @section: the section the relocations apply to
 * @relsec: the relocation section
 * @symtabsec: its symbol table
 *
 * Each relocation gets the address its symbol has where kexec_file_load()
 * placed the purgatory's sections.
 *
 * Return: 0 or -ENOEXEC.
 */
int arch_kexec_apply_relocations_add(struct purgatory_info *pi,
				     struct elf_shdr *section, const struct elf_shdr *relsec,
				     const struct elf_shdr *symtabsec)
{
	const void *elf = pi->ehdr;
	const struct elf_shdr *shdrs = elf + pi->ehdr->e_shoff;
	const char *strtab = elf + shdrs[symtabsec->sh_link].sh_offset;
	const struct elf64_rela *rela = elf + relsec->sh_offset;
	const struct elf64_sym *syms = elf + symtabsec->sh_offset;
	unsigned long i, n = relsec->sh_size / sizeof(*rela);

	for (i = 0; i < n; i++) {
		const struct elf64_sym *sym = &syms[ELF64_R_SYM(rela[i].r_info)];
		void *where = pi->purgatory_buf + section->sh_offset +
			      rela[i].r_offset;
		u64 target;
		int err;

		err = kexec_purgatory_value(pi, sym, strtab + sym->st_name,
					    &target);
		if (!err)
			err = kexec_purgatory_reloc(&rela[i], where,
						    target + rela[i].r_addend,
						    section->sh_addr +
						    rela[i].r_offset);
		if (err == -EOVERFLOW)
			pr_err("purgatory: relocation %lu overflows\n", i);
		if (err)
			return -ENOEXEC;
	}
	return 0;
}

/**
 * arch_kimage_file_post_load_cleanup - free what kexec_file_load() kept
 * @image: the image
 *
 * Return: what the generic cleanup returns.
 */
int arch_kimage_file_post_load_cleanup(struct kimage *image)
{
	void *headers = image->elf_headers;

	image->elf_headers = NULL;
	image->elf_headers_sz = 0;
	vfree(headers);
	return kexec_image_post_load_cleanup_default(image);
}
#endif /* CONFIG_KEXEC_FILE */

#ifdef CONFIG_CRASH_DUMP
static void kexec_set_ro(phys_addr_t start, phys_addr_t end, bool ro)
{
	unsigned long addr = (unsigned long)phys_to_virt(start);
	int pages = (end - start) >> PAGE_SHIFT;

	if (end <= start)
		return;
	if (ro)
		set_memory_ro(addr, pages);
	else
		set_memory_rw(addr, pages);
}

/*
 * The crash regions' direct mapping, except the control code page, which
 * machine_kexec() writes on the way out.
 */
static void kexec_protect_crash_regions(bool ro)
{
	phys_addr_t control = page_to_phys(kexec_crash_image->control_code_page);

	if (crashk_low_res.end)
		kexec_set_ro(crashk_low_res.start, crashk_low_res.end + 1, ro);
	kexec_set_ro(crashk_res.start, control, ro);
	kexec_set_ro(control + KEXEC_CONTROL_PAGE_SIZE, crashk_res.end + 1, ro);
}

/**
 * arch_kexec_protect_crashkres - make the loaded crash image read-only
 *
 * A stray write of a failing kernel then faults instead of corrupting the
 * kernel that is to save it.
 */
void arch_kexec_protect_crashkres(void)
{
	kexec_protect_crash_regions(true);
}

/**
 * arch_kexec_unprotect_crashkres - make the crash regions writable again
 */
void arch_kexec_unprotect_crashkres(void)
{
	kexec_protect_crash_regions(false);
}
#endif /* CONFIG_CRASH_DUMP */

/* With SME the next kernel starts unencrypted, so it must find its pages plain. */
static int kexec_sme_set_plain(void *vaddr, unsigned int pages, bool plain)
{
	unsigned long addr = (unsigned long)vaddr;

	if (!cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT))
		return 0;
	return plain ? set_memory_decrypted(addr, pages) :
		       set_memory_encrypted(addr, pages);
}

/**
 * arch_kexec_post_alloc_pages - prepare pages given to a kexec image
 * @vaddr: their kernel address
 * @pages: their number
 * @gfp: how they were allocated
 *
 * Return: 0, or the error of mapping them unencrypted.
 */
int arch_kexec_post_alloc_pages(void *vaddr, unsigned int pages, gfp_t gfp)
{
	return kexec_sme_set_plain(vaddr, pages, true);
}

/**
 * arch_kexec_pre_free_pages - undo arch_kexec_post_alloc_pages()
 * @vaddr: their kernel address
 * @pages: their number
 */
void arch_kexec_pre_free_pages(void *vaddr, unsigned int pages)
{
	kexec_sme_set_plain(vaddr, pages, false);
}
