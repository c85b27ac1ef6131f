// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_vmcore_notes: run in a crash kernel, count the CPU register notes
 * (NT_PRSTATUS) that /proc/vmcore holds for the crashed kernel, and check
 * that each one holds registers: an instruction pointer and a stack pointer,
 * which no running CPU has at zero.
 *
 * usage: kexec_vmcore_notes CPUS
 *   CPUS  how many CPUs the crashed kernel had online: each must have left
 *         a note (the panicking one itself, the others from the NMI that
 *         stopped them)
 *
 * Prints "KX: vmcore notes=N" and one "KX: vmcore note pid=P ip=X sp=X"
 * line per note; exits 0 if there are CPUS notes, all of them plausible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <linux/elf.h>

/* Where pr_reg keeps the instruction and the stack pointer. */
#if defined(__x86_64__)
#include <sys/reg.h>
#define KX_REG_IP	RIP
#define KX_REG_SP	RSP
#elif defined(__aarch64__)
/* struct user_pt_regs: x0 to x30, then sp, pc, pstate. */
#define KX_REG_SP	31
#define KX_REG_IP	32
#else
#error "kexec_vmcore_notes: x86_64 and arm64 only so far"
#endif

static int read_at(FILE *f, long off, void *buf, size_t len)
{
	return fseek(f, off, SEEK_SET) || fread(buf, 1, len, f) != len;
}

/* The notes of one PT_NOTE segment: how many NT_PRSTATUS, how many bad. */
static void scan_notes(const char *p, size_t len, int *notes, int *bad)
{
	size_t off = 0;

	while (off + sizeof(struct elf64_note) <= len) {
		const struct elf64_note *n = (const void *)(p + off);
		size_t desc = off + sizeof(*n) + ((n->n_namesz + 3) & ~3UL);
		const struct elf_prstatus *st = (const void *)(p + desc);

		if (desc + n->n_descsz > len)
			break;
		if (n->n_type == NT_PRSTATUS && n->n_descsz >= sizeof(*st)) {
			unsigned long ip = st->pr_reg[KX_REG_IP];
			unsigned long sp = st->pr_reg[KX_REG_SP];

			printf("KX: vmcore note pid=%d ip=%#lx sp=%#lx\n",
			       st->pr_pid, ip, sp);
			(*notes)++;
			*bad += !ip || !sp;
		}
		off = desc + ((n->n_descsz + 3) & ~3UL);
	}
}

int main(int argc, char **argv)
{
	FILE *f = fopen("/proc/vmcore", "r");
	int i, notes = 0, bad = 0;
	struct elf64_hdr eh;

	if (argc != 2) {
		fputs("usage: kexec_vmcore_notes CPUS\n", stderr);
		return 2;
	}
	if (!f || read_at(f, 0, &eh, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		fputs("kexec_vmcore_notes: /proc/vmcore is not an ELF core\n", stderr);
		return 1;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		char *buf;

		if (read_at(f, eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)))
			return 1;
		if (ph.p_type != PT_NOTE)
			continue;
		buf = malloc(ph.p_filesz);
		if (!buf || read_at(f, ph.p_offset, buf, ph.p_filesz))
			return 1;
		scan_notes(buf, ph.p_filesz, &notes, &bad);
		free(buf);
	}
	printf("KX: vmcore notes=%d implausible=%d\n", notes, bad);
	return notes == atoi(argv[1]) && !bad ? 0 : 1;
}
