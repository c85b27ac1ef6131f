// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_vmcore_find: run in a crash kernel, look for a string at a physical
 * address of the crashed kernel's memory, as /proc/vmcore describes it. The
 * hotplug scenario writes a marker into memory added after the crash kernel
 * was loaded: the dump covers that memory only if the crash kernel's core
 * header was brought up to date. With "any" for PHYS it reads every PT_LOAD
 * and looks for STRING anywhere: the kdump scenario's marker, in the crashed
 * kernel's log, where no makedumpfile can read the dump.
 *
 * usage: kexec_vmcore_find PHYS|any STRING
 *
 * Prints "KX: vmcore find ..." with the PT_LOAD that covers PHYS, if any,
 * or where STRING was found; exits 0 if STRING is there, 1 if no PT_LOAD
 * covers PHYS, the bytes differ or STRING is nowhere, 2 on bad arguments.
 */
#define _GNU_SOURCE		/* memmem() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/elf.h>

static int read_at(FILE *f, unsigned long long off, void *buf, size_t len)
{
	return fseeko(f, off, SEEK_SET) || fread(buf, 1, len, f) != len;
}

/* The file offset of PHYS in the dump, or 0 when no PT_LOAD covers it. */
static unsigned long long offset_of(FILE *f, const struct elf64_hdr *eh,
				    unsigned long long phys)
{
	struct elf64_phdr ph;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		if (read_at(f, eh->e_phoff + i * sizeof(ph), &ph, sizeof(ph)))
			return 0;
		if (ph.p_type != PT_LOAD || phys < ph.p_paddr ||
		    phys >= ph.p_paddr + ph.p_filesz)
			continue;
		printf("KX: vmcore find %#llx in PT_LOAD %d [%#llx-%#llx)\n", phys,
		       i, (unsigned long long)ph.p_paddr,
		       (unsigned long long)(ph.p_paddr + ph.p_filesz));
		return ph.p_offset + (phys - ph.p_paddr);
	}
	printf("KX: vmcore find %#llx in no PT_LOAD of %d headers\n", phys,
	       eh->e_phnum);
	return 0;
}

/* A PT_LOAD is read this much at a time when STRING is looked for anywhere. */
#define KX_SCAN_CHUNK	(1UL << 20)

/*
 * Where in @ph the first copy of @s is (its physical address), or 0. @buf
 * holds KX_SCAN_CHUNK + strlen(@s) bytes: each chunk is read after the last
 * strlen(@s) - 1 bytes of the one before, so a copy across two is found too.
 */
static unsigned long long find_in_load(FILE *f, const struct elf64_phdr *ph,
				       const char *s, char *buf)
{
	size_t len = strlen(s), kept = 0, got, held;
	unsigned long long done = 0;
	char *hit;

	while (done < ph->p_filesz) {
		got = ph->p_filesz - done < KX_SCAN_CHUNK ?
		      ph->p_filesz - done : KX_SCAN_CHUNK;
		if (read_at(f, ph->p_offset + done, buf + kept, got))
			return 0;
		held = kept + got;
		hit = memmem(buf, held, s, len);
		if (hit)
			return ph->p_paddr + done - kept + (hit - buf);
		kept = held < len - 1 ? held : len - 1;
		memmove(buf, buf + held - kept, kept);
		done += got;
	}
	return 0;
}

/* Every PT_LOAD, in order, until one holds @s: exit status as main()'s. */
static int find_anywhere(FILE *f, const struct elf64_hdr *eh, const char *s)
{
	char *buf = malloc(KX_SCAN_CHUNK + strlen(s));
	unsigned long long at = 0, bytes = 0;
	struct elf64_phdr ph;
	int i;

	for (i = 0; buf && !at && i < eh->e_phnum; i++) {
		if (read_at(f, eh->e_phoff + i * sizeof(ph), &ph, sizeof(ph)))
			break;
		if (ph.p_type != PT_LOAD)
			continue;
		at = find_in_load(f, &ph, s, buf);
		bytes += ph.p_filesz;
	}
	free(buf);
	if (at)
		printf("KX: vmcore find \"%s\" at %#llx (PT_LOAD %d)\n", s, at, i - 1);
	else
		printf("KX: vmcore find \"%s\" in none of %llu MiB of PT_LOADs\n",
		       s, bytes >> 20);
	return !at;
}

int main(int argc, char **argv)
{
	FILE *f = fopen("/proc/vmcore", "r");
	unsigned long long phys, off;
	struct elf64_hdr eh;
	char *got;
	size_t len;

	if (argc != 3) {
		fputs("usage: kexec_vmcore_find PHYS STRING\n", stderr);
		return 2;
	}
	phys = strtoull(argv[1], NULL, 0);
	len = strlen(argv[2]);
	got = calloc(1, len + 1);
	if (!f || !got || read_at(f, 0, &eh, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		fputs("kexec_vmcore_find: /proc/vmcore is not an ELF core\n", stderr);
		return 1;
	}
	if (!strcmp(argv[1], "any"))
		return len ? find_anywhere(f, &eh, argv[2]) : 2;
	off = offset_of(f, &eh, phys);
	if (!off)
		return 1;
	if (read_at(f, off, got, len)) {
		printf("KX: vmcore find %#llx: reading %zu bytes at offset %#llx: %s\n",
		       phys, len, off, ferror(f) ? strerror(errno) : "end of file");
		return 1;
	}
	printf("KX: vmcore find %#llx holds \"%.*s\"\n", phys, (int)len, got);
	return strcmp(got, argv[2]) ? 1 : 0;
}
