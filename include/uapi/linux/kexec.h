/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kexec_load(2) and kexec_file_load(2): the user-space ABI.
 *
 * Every value here is fixed by the ABI and shared with user space (kexec-tools,
 * systemd, ...); none may change.
 */
#ifndef _UAPILINUX_KEXEC_H
#define _UAPILINUX_KEXEC_H

#include <linux/types.h>

#ifndef __KERNEL__
/*
 * kexec_load() takes an array of these, at most KEXEC_SEGMENT_MAX long; the
 * kernel reads it through its own declaration of the same layout
 * (<linux/kexec.h>).
 */
struct kexec_segment {
	const void *buf;	/* bufsz bytes in the caller's memory ... */
	__kernel_size_t bufsz;
	const void *mem;	/* ... land at this physical address; the rest */
	__kernel_size_t memsz;	/* of memsz bytes there is zeroed */
};
#endif

#define KEXEC_SEGMENT_MAX		16

/* kexec_load() flags, low 16 bits */
#define KEXEC_ON_CRASH			0x00000001 /* load the kdump kernel */
#define KEXEC_PRESERVE_CONTEXT		0x00000002 /* come back after the jump */
#define KEXEC_UPDATE_ELFCOREHDR		0x00000004 /* kernel may rewrite elfcorehdr */
#define KEXEC_CRASH_HOTPLUG_SUPPORT	0x00000008 /* ... on CPU/memory hotplug */

/* kexec_file_load() flags */
#define KEXEC_FILE_UNLOAD		0x00000001
#define KEXEC_FILE_ON_CRASH		0x00000002
#define KEXEC_FILE_NO_INITRAMFS		0x00000004
#define KEXEC_FILE_DEBUG		0x00000008

/*
 * kexec_load() flags, high 16 bits: the architecture of the loaded image, its
 * ELF e_machine value shifted up. 0 means this kernel's own.
 */
#define KEXEC_ARCH_MASK			0xffff0000
#define KEXEC_ARCH_DEFAULT		(0 << 16)
#define KEXEC_ARCH_386			(3 << 16)
#define KEXEC_ARCH_68K			(4 << 16)
#define KEXEC_ARCH_MIPS			(8 << 16)
#define KEXEC_ARCH_MIPS_LE		(10 << 16)
#define KEXEC_ARCH_PARISC		(15 << 16)
#define KEXEC_ARCH_PPC			(20 << 16)
#define KEXEC_ARCH_PPC64		(21 << 16)
#define KEXEC_ARCH_S390			(22 << 16)
#define KEXEC_ARCH_ARM			(40 << 16)
#define KEXEC_ARCH_SH			(42 << 16)
#define KEXEC_ARCH_IA_64		(50 << 16)
#define KEXEC_ARCH_X86_64		(62 << 16)
#define KEXEC_ARCH_AARCH64		(183 << 16)
#define KEXEC_ARCH_RISCV		(243 << 16)
#define KEXEC_ARCH_LOONGARCH		(258 << 16)

#endif /* _UAPILINUX_KEXEC_H */
