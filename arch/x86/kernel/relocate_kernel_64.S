/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The last code of the old kernel: put every page of the new image in
 * place, then enter it.
 *
 * machine_kexec() copies this code to the start of the control page, puts
 * struct kexec_relocate_args after it, and calls relocate_kernel() here in
 * the kernel text, with interrupts off and the other CPUs stopped:
 *	%rdi	physical address of the control page
 *	%rsi	physical address of the identity-mapped page table
 * Nothing here is ever overwritten by the copy: the control page, the page
 * table and the entry list all lie outside every destination.
 */

#include <linux/kexec.h>
#include <linux/linkage.h>
#include <asm/asm-offsets.h>
#include <asm/kexec.h>
#include <asm/nospec-branch.h>
#include <asm/page_types.h>
#include <asm/processor-flags.h>
#include <asm/unwind_hints.h>

/* A field of struct kexec_relocate_args, from the control page's start. */
#define ARG(field)	(KEXEC_CONTROL_CODE_MAX_SIZE + KEXEC_RELOCATE_ARGS_##field)

/* CR4 bits kept: the paging mode, and machine checks (a TDX guest needs them). */
#define CR4_KEPT	(X86_CR4_PAE | X86_CR4_LA57 | X86_CR4_MCE)

	.text
	.align	PAGE_SIZE
	.code64
SYM_CODE_START_NOALIGN(relocate_kernel)
	UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	/*
	 * The new table maps this page at its kernel address too, for the
	 * next three instructions; the stack is on the control page from here.
	 */
	movq	%rsi, %cr3
	leaq	PAGE_SIZE(%rdi), %rsp
	leaq	(identity_mapped - relocate_kernel)(%rdi), %rax
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rax
	int3
SYM_CODE_END(relocate_kernel)

/* From here on we run from the control page, at its physical address. */
SYM_CODE_START_LOCAL_NOALIGN(identity_mapped)
	UNWIND_HINT_END_OF_STACK
	movq	%rdi, %r8

	/* CET goes first, or CR0.WP cannot be cleared. */
	movq	%cr4, %rax
	andq	$~X86_CR4_CET, %rax
	movq	%rax, %cr4

	/* Paging and protected mode on; AM, WP, TS and EM off. */
	movq	%cr0, %rax
	andq	$~(X86_CR0_AM | X86_CR0_WP | X86_CR0_TS | X86_CR0_EM), %rax
	orl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movq	%rax, %cr0

	/*
	 * Clearing PGE flushes the global translations; reloading CR3 the
	 * rest. Nothing of the old kernel's mappings survives.
	 */
	movq	%cr4, %rax
	andq	$CR4_KEPT, %rax
	movq	%rax, %cr4
	movq	%cr3, %rax
	movq	%rax, %cr3

	testq	$KEXEC_RELOCATE_WBINVD, ARG(FLAGS)(%r8)
	jz	.Lwalk
	wbinvd

	/*
	 * Follow the entry list: %rcx the word, %rbx the next word's address,
	 * %rdx the current destination. A source page already at its
	 * destination is left alone; any other is copied once.
	 */
.Lwalk:
	xorl	%edx, %edx
	movq	ARG(HEAD)(%r8), %rcx
	jmp	.Lword
.Lnext:
	movq	(%rbx), %rcx
	addq	$8, %rbx
.Lword:
	movq	%rcx, %rax
	andq	$PAGE_MASK, %rax
	testb	$IND_SOURCE, %cl
	jnz	.Lsource
	testb	$IND_DESTINATION, %cl
	jnz	.Ldestination
	testb	$IND_INDIRECTION, %cl
	jnz	.Lindirection
	testb	$IND_DONE, %cl
	jz	.Lnext
	jmp	.Lenter

.Ldestination:
	movq	%rax, %rdx
	jmp	.Lnext
.Lindirection:
	movq	%rax, %rbx
	jmp	.Lnext
.Lsource:
	cmpq	%rax, %rdx
	je	.Lin_place
	movq	%rax, %rsi
	movq	%rdx, %rdi
	movl	$(PAGE_SIZE / 8), %ecx
	rep	movsq
.Lin_place:
	addq	$PAGE_SIZE, %rdx
	jmp	.Lnext

.Lenter:
	/* Serialize before running bytes just written: reload CR3 again. */
	movq	%cr3, %rax
	movq	%rax, %cr3

	/* The entry point goes on the stack; every other register is zeroed. */
	pushq	ARG(START)(%r8)
	xorl	%r15d, %r15d
	xorl	%r14d, %r14d
	xorl	%r13d, %r13d
	xorl	%r12d, %r12d
	xorl	%r11d, %r11d
	xorl	%r10d, %r10d
	xorl	%r9d, %r9d
	xorl	%r8d, %r8d
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	xorl	%esi, %esi
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	xorl	%ebx, %ebx
	xorl	%eax, %eax
	ANNOTATE_UNRET_SAFE
	ret
	int3
SYM_CODE_END(identity_mapped)

	/* machine_kexec() copies exactly this much; the assembler checks it fits. */
	.skip	KEXEC_CONTROL_CODE_MAX_SIZE - (. - relocate_kernel), 0xcc
	/*
	 * The call thunks compare addresses with the end of that code, so the
	 * kernel refers to relocate_kernel + KEXEC_CONTROL_CODE_MAX_SIZE: let
	 * it be an instruction of ours that says it is no branch target, not
	 * the first of whatever the linker puts next (objtool checks, with IBT).
	 */
	ANNOTATE_NOENDBR
	int3
