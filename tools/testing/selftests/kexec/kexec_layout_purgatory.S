/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The purgatory of kexec_layout: the few instructions between the kernel's
 * relocation code and the new kernel's 64-bit entry point. kexec_layout
 * copies these bytes into a segment of their own at a random page and
 * fills in the header below; nothing here runs in the loader itself.
 *
 * Entered as relocate_kernel() leaves the CPU, in both implementations:
 * 64-bit mode, paging on with an identity map of all RAM and every
 * segment, interrupts off, the old kernel's GDT still in GDTR (its address
 * is a kernel virtual one the identity map lacks) and the stack on the
 * control page. The 64-bit boot protocol wants a GDT with flat __BOOT_CS
 * (0x10) and __BOOT_DS (0x18) loaded, CS and DS, ES, SS holding them, and
 * %rsi pointing at boot_params: so load our own GDT, found rip-relative
 * since the page is anywhere, and run on our own stack.
 */

#define BOOT_CS		0x10
#define BOOT_DS		0x18

	.section .rodata, "a"
	.code64
	.balign	16
	.globl	kexec_layout_purgatory
kexec_layout_purgatory:
	jmp	.Lstart

	/*
	 * At offset 8, what kexec_layout reads and fills in (its struct
	 * kl_purgatory_head): the kernel's 64-bit entry, the address of
	 * boot_params, and the size of all these bytes.
	 */
	.org	8
.Lentry:
	.quad	0
.Lparams:
	.quad	0
	.quad	.Lend - kexec_layout_purgatory

.Lstart:
	/* The descriptor's base is wherever the GDT landed. */
	leaq	.Lgdt(%rip), %rax
	movq	%rax, .Lgdt_desc + 2(%rip)
	lgdt	.Lgdt_desc(%rip)
	leaq	.Lstack_top(%rip), %rsp

	/* A far return is the way to load CS in 64-bit mode. */
	pushq	$BOOT_CS
	leaq	.Lnew_cs(%rip), %rax
	pushq	%rax
	lretq
.Lnew_cs:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	movq	.Lparams(%rip), %rsi
	jmpq	*.Lentry(%rip)
	int3

	/* lgdt operand: a 16-bit limit, then the 64-bit base at offset 2. */
	.balign	8
.Lgdt_desc:
	.word	.Lgdt_end - .Lgdt - 1
	.quad	0

	.balign	16
.Lgdt:
	.quad	0			/* null */
	.quad	0			/* 0x08: unused */
	.quad	0x00af9a000000ffff	/* 0x10: 64-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x18: data, flat 4 GiB read/write */
.Lgdt_end:

	/* The far return needs 16 bytes; the rest is margin. */
	.balign	16
	.fill	64, 1, 0
.Lstack_top:
.Lend:

	.section .note.GNU-stack, "", @progbits
