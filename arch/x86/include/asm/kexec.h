/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_64 kexec: the limits and hooks the generic core needs, and what
 * machine_kexec() hands to relocate_kernel().
 */
#ifndef _ASM_X86_KEXEC_H
#define _ASM_X86_KEXEC_H

/*
 * The control page: relocate_kernel() copied into its first
 * KEXEC_CONTROL_CODE_MAX_SIZE bytes, struct kexec_relocate_args right after,
 * and the stack growing down from its end.
 */
#define KEXEC_CONTROL_PAGE_SIZE		4096
#define KEXEC_CONTROL_CODE_MAX_SIZE	2048

/* kexec_relocate_args.flags: write back caches before copying (SME). */
#define KEXEC_RELOCATE_WBINVD		0x1

#ifndef __ASSEMBLY__

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/page.h>
#include <asm/ptrace.h>
#include <asm/segment.h>

struct kimage;

/* Upstream's values, read as include/linux/kexec.h says. */
#define KEXEC_SOURCE_MEMORY_LIMIT	(MAXMEM - 1)
#define KEXEC_DESTINATION_MEMORY_LIMIT	(MAXMEM - 1)
#define KEXEC_CONTROL_MEMORY_LIMIT	(MAXMEM - 1)
#define KEXEC_ARCH			KEXEC_ARCH_X86_64

/**
 * struct kexec_relocate_args - what relocate_kernel() reads from the control page
 * @head:	first word of the image's entry list
 * @start:	physical address to jump to
 * @flags:	KEXEC_RELOCATE_* bits
 */
struct kexec_relocate_args {
	u64 head;
	u64 start;
	u64 flags;
};

/*
 * Runs from the kernel text only until it has switched to @pgd_pa; the rest
 * runs from the copy in the control page at @control_pa. Does not return.
 */
void relocate_kernel(unsigned long control_pa, unsigned long pgd_pa);

/* Page tables for the jump, built at load time from control pages. */
struct kimage_arch {
	pgd_t *pgd;
};

/* The registers of kexec_file_load()'s purgatory, as kexec-bzimage64 sets them. */
struct kexec_entry64_regs {
	u64 rax;
	u64 rcx;
	u64 rdx;
	u64 rbx;
	u64 rsp;
	u64 rbp;
	u64 rsi;
	u64 rdi;
	u64 r8;
	u64 r9;
	u64 r10;
	u64 r11;
	u64 r12;
	u64 r13;
	u64 r14;
	u64 r15;
	u64 rip;
};

/*
 * Registers for the crash notes: @oldregs when the crash came from an
 * exception, else the caller's own, read here.
 */
static inline void crash_setup_regs(struct pt_regs *newregs,
				    struct pt_regs *oldregs)
{
	if (oldregs) {
		*newregs = *oldregs;
		return;
	}
	asm volatile("mov %%rax, %0\n\t"
		     "mov %%rbx, %1\n\t"
		     "mov %%rcx, %2\n\t"
		     "mov %%rdx, %3\n\t"
		     "mov %%rsi, %4\n\t"
		     "mov %%rdi, %5\n\t"
		     "mov %%rbp, %6\n\t"
		     "mov %%rsp, %7\n\t"
		     "mov %%r8, %8\n\t"
		     "mov %%r9, %9\n\t"
		     "mov %%r10, %10\n\t"
		     "mov %%r11, %11\n\t"
		     "mov %%r12, %12\n\t"
		     "mov %%r13, %13\n\t"
		     "mov %%r14, %14\n\t"
		     "mov %%r15, %15\n\t"
		     : "=m" (newregs->ax), "=m" (newregs->bx),
		       "=m" (newregs->cx), "=m" (newregs->dx),
		       "=m" (newregs->si), "=m" (newregs->di),
		       "=m" (newregs->bp), "=m" (newregs->sp),
		       "=m" (newregs->r8), "=m" (newregs->r9),
		       "=m" (newregs->r10), "=m" (newregs->r11),
		       "=m" (newregs->r12), "=m" (newregs->r13),
		       "=m" (newregs->r14), "=m" (newregs->r15));
	asm volatile("pushfq\n\tpop %0" : "=m" (newregs->flags));
	newregs->cs = __KERNEL_CS;
	newregs->ss = __KERNEL_DS;
	newregs->ip = _THIS_IP_;
}

/*
 * Hooks the generic code calls where defined: pages of an image are mapped
 * unencrypted under SME, and the loaded crash image is read-only.
 */
int arch_kexec_post_alloc_pages(void *vaddr, unsigned int pages, gfp_t gfp);
void arch_kexec_pre_free_pages(void *vaddr, unsigned int pages);
void arch_kexec_protect_crashkres(void);
void arch_kexec_unprotect_crashkres(void);
#define arch_kexec_post_alloc_pages	arch_kexec_post_alloc_pages
#define arch_kexec_pre_free_pages	arch_kexec_pre_free_pages
#define arch_kexec_protect_crashkres	arch_kexec_protect_crashkres
#define arch_kexec_unprotect_crashkres	arch_kexec_unprotect_crashkres

/* Destinations may be RAM that mem= hid: the firmware's e820 map says. */
bool arch_kexec_firmware_ram(phys_addr_t start, phys_addr_t end);
#define arch_kexec_firmware_ram		arch_kexec_firmware_ram

#ifdef CONFIG_KEXEC_FILE
struct purgatory_info;
int arch_kexec_apply_relocations_add(struct purgatory_info *pi,
				     struct elf_shdr *section,
				     const struct elf_shdr *relsec,
				     const struct elf_shdr *symtab);
int arch_kimage_file_post_load_cleanup(struct kimage *image);
#define arch_kexec_apply_relocations_add	arch_kexec_apply_relocations_add
#define arch_kimage_file_post_load_cleanup	arch_kimage_file_post_load_cleanup
#endif

void kdump_nmi_shootdown_cpus(void);

#ifdef CONFIG_CRASH_HOTPLUG
/* arch/x86/kernel/crash.c rewrites the crash image's elfcorehdr in place. */
void arch_crash_handle_hotplug_event(struct kimage *image, void *arg);
int arch_crash_hotplug_support(struct kimage *image, unsigned long kexec_flags);
unsigned int arch_crash_get_elfcorehdr_size(void);
#define arch_crash_handle_hotplug_event	arch_crash_handle_hotplug_event
#define arch_crash_hotplug_support	arch_crash_hotplug_support
#define crash_get_elfcorehdr_size	arch_crash_get_elfcorehdr_size
#endif

#endif /* !__ASSEMBLY__ */
#endif /* _ASM_X86_KEXEC_H */
