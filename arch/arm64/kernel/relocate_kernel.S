/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The last code of the old kernel: put every page of the new image in
 * place, then enter it as the arm64 boot protocol asks (MMU and data cache
 * off, the image cleaned to the point of coherency, x0 the device tree,
 * x1-x3 zero, at the exception level the old kernel was booted at).
 *
 * machine_kexec_post_load() copies arm64_relocate_new_kernel into the
 * control page; machine_kexec() calls that copy at its physical address,
 * with interrupts masked, the other CPUs stopped, and TTBR0 holding the
 * image's identity map of RAM:
 *	x0	the image's entry list head
 *	x1	the physical address to enter
 *	x2	the device tree's physical address (or 0)
 *	x3	non-zero: enter at EL2 through an hvc (booted at EL2, no VHE)
 * The control page, the identity map and the entry list lie outside every
 * destination, so the copy never overwrites what it runs on.
 */

#include <linux/kexec.h>
#include <linux/linkage.h>
#include <asm/assembler.h>
#include <asm/kexec.h>
#include <asm/page.h>
#include <asm/ptrace.h>
#include <asm/sysreg.h>
#include <asm/virt.h>

	.pushsection ".kexec_relocate.text", "ax"
SYM_CODE_START(arm64_relocate_new_kernel)
	/*
	 * Only the identity map is used from here: stop walks of the kernel's
	 * own tables, which the copy may overwrite, and drop what the TLB
	 * holds of them.
	 */
	mrs	x9, tcr_el1
	orr	x9, x9, #TCR_EPD1_MASK
	msr	tcr_el1, x9
	isb
	tlbi	vmalle1
	dsb	nsh
	isb

	mov	x5, x3				/* leave through EL2? */
	raw_dcache_line_size x10, x9		/* x10: bytes a dc op covers */
	mov	x13, xzr			/* x13: the current destination */
	mov	x15, x0				/* x15: the current word */
	b	.Lword

	/*
	 * Follow the entry list: x14 the next word's address. A source page
	 * already at its destination is only cleaned; any other is copied
	 * once, then cleaned.
	 */
.Lnext:
	ldr	x15, [x14], #8
.Lword:
	and	x16, x15, #PAGE_MASK
	tbnz	x15, #IND_SOURCE_BIT, .Lsource
	tbnz	x15, #IND_DESTINATION_BIT, .Ldestination
	tbnz	x15, #IND_INDIRECTION_BIT, .Lindirection
	tbz	x15, #IND_DONE_BIT, .Lnext
	b	.Lenter

.Ldestination:
	mov	x13, x16
	b	.Lnext
.Lindirection:
	mov	x14, x16
	b	.Lnext

.Lsource:
	cmp	x16, x13
	b.eq	.Lclean
	mov	x11, x13
	add	x17, x16, #PAGE_SIZE
.Lcopy:
	ldp	x3, x4, [x16]
	ldp	x6, x7, [x16, #16]
	ldp	x8, x9, [x16, #32]
	ldp	x19, x20, [x16, #48]
	add	x16, x16, #64
	stp	x3, x4, [x11]
	stp	x6, x7, [x11, #16]
	stp	x8, x9, [x11, #32]
	stp	x19, x20, [x11, #48]
	add	x11, x11, #64
	cmp	x16, x17
	b.ne	.Lcopy
	/* The new kernel reads it with its caches off: push it to PoC. */
.Lclean:
	mov	x11, x13
	add	x13, x13, #PAGE_SIZE
.Lclean_line:
	dc	civac, x11
	add	x11, x11, x10
	cmp	x11, x13
	b.lo	.Lclean_line
	b	.Lnext

.Lenter:
	/* Every clean done, and no stale instruction of the old kernel. */
	dsb	sy
	ic	iallu
	dsb	nsh
	isb

	/* This page is identity-mapped: the next fetch finds it with the MMU off. */
	mov_q	x9, INIT_SCTLR_EL1_MMU_OFF
	pre_disable_mmu_workaround
	msr	sctlr_el1, x9
	isb

	mov	x4, x1
	mov	x0, x2
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	cbnz	x5, .Lvia_el2
	br	x4
.Lvia_el2:
	/*
	 * EL2 belongs to the hyp stub, or on a panic maybe to KVM's host
	 * vector: both take HVC_SOFT_RESTART, enter x1 at EL2 with everything
	 * masked and the EL2 MMU off, and move x2-x4 down to x0-x2 (x3 stays).
	 */
	mov	x1, x4
	mov	x2, x0
	mov	x4, xzr
	mov	x0, #HVC_SOFT_RESTART
	hvc	#0
	b	.
SYM_CODE_END(arm64_relocate_new_kernel)
	.popsection
