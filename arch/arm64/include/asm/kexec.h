/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 kexec: the limits and hooks the generic core needs, what the jump
 * is given, and the registers saved for a crash dump.
 */
#ifndef _ASM_ARM64_KEXEC_H
#define _ASM_ARM64_KEXEC_H

/*
 * Any page can be a source, a destination or a control page: the jump runs
 * with the MMU on through an identity map of all of them.
 */
#define KEXEC_SOURCE_MEMORY_LIMIT	(-1UL)
#define KEXEC_DESTINATION_MEMORY_LIMIT	(-1UL)
#define KEXEC_CONTROL_MEMORY_LIMIT	(-1UL)

/* The control page: the relocation code runs from it. */
#define KEXEC_CONTROL_PAGE_SIZE		4096

#define KEXEC_ARCH			KEXEC_ARCH_AARCH64

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <asm/ptrace.h>
#include <asm/stack_pointer.h>

struct kimage;

/**
 * struct kimage_arch - what arm64 keeps with an image
 * @dtb: kexec_file_load(): the device tree built for the next kernel
 * @dtb_mem: its physical address, handed over in x0 (0 for kexec_load(),
 *	whose purgatory passes its own)
 * @idmap: physical address of the top table of the jump's identity map
 * @idmap_bits: the input address size of that map, for TCR_EL1.T0SZ
 */
struct kimage_arch {
	void *dtb;
	phys_addr_t dtb_mem;
	phys_addr_t idmap;
	unsigned int idmap_bits;
};

/*
 * The relocation code, copied into the control page; the linker script
 * checks that it fits there.
 */
void arm64_relocate_new_kernel(unsigned long head, unsigned long entry,
			       unsigned long dtb, unsigned long via_el2);

int machine_kexec_post_load(struct kimage *image);
#define machine_kexec_post_load machine_kexec_post_load

/*
 * Registers for the crash notes: @oldregs when the crash came from an
 * exception, else the caller's own, read here.
 */
static inline void crash_setup_regs(struct pt_regs *newregs,
				    struct pt_regs *oldregs)
{
	u64 el, daif, nzcv, spsel;

	if (oldregs) {
		*newregs = *oldregs;
		return;
	}
	asm volatile(".irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14\n\t"
		     "str x\\r, [%0, #(8 * \\r)]\n\t"
		     ".endr\n\t"
		     ".irp r, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27\n\t"
		     "str x\\r, [%0, #(8 * \\r)]\n\t"
		     ".endr\n\t"
		     ".irp r, 28, 29, 30\n\t"
		     "str x\\r, [%0, #(8 * \\r)]\n\t"
		     ".endr"
		     : : "r" (newregs->regs) : "memory");
	asm volatile("mrs %0, CurrentEL\n\t"
		     "mrs %1, DAIF\n\t"
		     "mrs %2, NZCV\n\t"
		     "mrs %3, SPSel"
		     : "=r" (el), "=r" (daif), "=r" (nzcv), "=r" (spsel));
	newregs->sp = current_stack_pointer;
	newregs->pc = _THIS_IP_;
	/* The PSTATE an exception taken here would have saved. */
	newregs->pstate = el | daif | nzcv | spsel;
}

#if defined(CONFIG_CRASH_DUMP) && defined(CONFIG_HIBERNATION)
bool crash_is_nosave(unsigned long pfn);
#else
static inline bool crash_is_nosave(unsigned long pfn) { return false; }
#endif

/*
 * Hibernation calls these around the image it writes. arm64 leaves the
 * crash region mapped and writable, so there is nothing to undo or redo.
 */
static inline void crash_prepare_suspend(void) { }
static inline void crash_post_resume(void) { }

#ifdef CONFIG_KEXEC_FILE
/* Upstream's Image loader and its device tree (kexec_image.c, machine_kexec_file.c). */
extern const struct kexec_file_ops kexec_image_ops;

int arch_kimage_file_post_load_cleanup(struct kimage *image);
#define arch_kimage_file_post_load_cleanup arch_kimage_file_post_load_cleanup

int load_other_segments(struct kimage *image,
			unsigned long kernel_load_addr, unsigned long kernel_size,
			char *initrd, unsigned long initrd_len, char *cmdline);
#endif

#endif /* !__ASSEMBLY__ */
#endif /* _ASM_ARM64_KEXEC_H */
