// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_layout: a boot loader of its own for kexec_load(2), so that the
 * kernel sees segment layouts kexec-tools never makes. It reads an x86
 * bzImage and an initrd, builds boot_params and a purgatory of a few
 * instructions itself (kexec_layout_purgatory.S), and loads them as a
 * seeded random layout:
 *   - the kernel and the initrd each cut into a random number of pieces at
 *     random page boundaries, every piece a segment of its own;
 *   - the segments handed to the kernel in a shuffled order, each copied
 *     from its own buffer at a random misalignment;
 *   - the independent objects (initrd, boot_params, command line,
 *     purgatory) at random pages of System RAM, now and then right after
 *     another object; the kernel at its preferred or a random aligned
 *     address;
 *   - zero pages after the data of every object (memsz beyond bufsz),
 *     pieces of the kernel's init_size window with no data at all.
 * kexec -e (reboot(LINUX_REBOOT_CMD_KEXEC)) then boots the layout; the new
 * kernel's checksum of its initrd shows whether every byte arrived where
 * it belongs.
 *
 * usage: kexec_layout [-nvB] [-s SEED] [-c CMDLINE] BZIMAGE INITRD
 *   -n	print the layout, load nothing	-v  describe every segment too
 *   -s	the seed (default: a random one; printed either way)
 *   -B	flip one byte of one initrd piece: a broken layout on purpose,
 *	which the new kernel's initrd check must catch
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <asm/bootparam.h>
#include <linux/kexec.h>

#include "../kselftest.h"

/* Below 1 MiB are the BIOS data and the new kernel's real-mode trampoline. */
#define KL_LOW_END	(1UL << 20)
#define KL_4G		(1UL << 32)
#define KL_MAX_RAM	64
/* Zero pages at most after the data of an object, and between neighbours. */
#define KL_MAX_TAIL	4
#define KL_TRIES	100000

/* The boot protocol's facts (Documentation/arch/x86/boot.rst). */
#define KL_HDR_MAGIC	0x53726448	/* "HdrS" */
#define KL_MIN_VERSION	0x020c		/* 2.12: xloadflags */
#define KL_HDR_LEN_AT	0x201		/* the setup header ends at 0x202 + this byte */
#define KL_ENTRY_64	0x200		/* the 64-bit entry from the load address */
#define KL_SECTOR	512
#define KL_LOADER_ANY	0xff		/* type_of_loader: none with an assigned id */

/* E820 types, by the names /sys/firmware/memmap gives them. */
static const struct {
	const char *name;
	unsigned int type;
} kl_e820_types[] = {
	{ "System RAM", 1 },
	{ "Reserved", 2 },
	{ "ACPI Tables", 3 },
	{ "ACPI Non-volatile Storage", 4 },
	{ "Unusable memory", 5 },
	{ "Persistent Memory", 7 },
	{ "Persistent Memory (legacy)", 12 },
	{ "Soft Reserved", 0xefffffff },
};

#define KL_E820_RESERVED	2

/* A range of System RAM, [start, end]: end inclusive, as /proc/iomem has it. */
struct kl_ram {
	unsigned long start;
	unsigned long end;
};

/*
 * The purgatory (kexec_layout_purgatory.S): bytes in .rodata, never run
 * here, only copied; its first instruction jumps over this header at
 * offset 8.
 */
#define KL_PURGATORY_HEAD	8

struct kl_purgatory_head {
	unsigned long entry;	/* filled in: the kernel's 64-bit entry */
	unsigned long params;	/* filled in: where boot_params are */
	unsigned long size;	/* of the whole purgatory */
};

/* Its address: the assembler's symbol is neither a C object nor a function. */
static const char *kl_purgatory_bytes(void)
{
	const char *bytes;

	asm("leaq kexec_layout_purgatory(%%rip), %0" : "=r" (bytes));
	return bytes;
}

static size_t kl_purgatory_size(void)
{
	const struct kl_purgatory_head *head =
		(const void *)(kl_purgatory_bytes() + KL_PURGATORY_HEAD);

	return head->size;
}

enum kl_obj {
	KL_KERNEL, KL_INITRD, KL_PARAMS, KL_CMDLINE, KL_PURGATORY, KL_NR_OBJ
};

static const char *const kl_obj_names[KL_NR_OBJ] = {
	"kernel", "initrd", "boot_params", "cmdline", "purgatory",
};

/* An object to place: its bytes and where they go, [mem, mem + memsz). */
struct kl_object {
	const char *data;
	size_t size;
	unsigned long mem;
	unsigned long memsz;
	unsigned long limit;	/* the end may not pass this */
	int pieces;
};

/* What -v says about a segment. */
struct kl_piece {
	enum kl_obj obj;
	int nr;
	unsigned long off;	/* from the object's start */
	unsigned long skew;	/* of the buffer from a page boundary */
};

struct kl_layout {
	unsigned long seed;
	unsigned long rng;
	unsigned long pg;
	struct kl_ram ram[KL_MAX_RAM];
	int nr_ram;
	const char *image;
	size_t image_size;
	const struct setup_header *hdr;
	struct kl_object obj[KL_NR_OBJ];
	struct kexec_segment seg[KEXEC_SEGMENT_MAX];
	struct kl_piece piece[KEXEC_SEGMENT_MAX];
	int nr_seg;
};

static __noreturn __printf(1, 2) void kl_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kexec_layout: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(KSFT_FAIL);
}

/* splitmix64: small, and the same sequence for a seed everywhere. */
static unsigned long kl_rand(struct kl_layout *l)
{
	unsigned long z = (l->rng += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), 0 for n == 0. */
static unsigned long kl_below(struct kl_layout *l, unsigned long n)
{
	return n ? kl_rand(l) % n : 0;
}

static unsigned long kl_align_up(unsigned long x, unsigned long a)
{
	return (x + a - 1) & ~(a - 1);
}

static char *kl_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "r");
	long len = -1;
	char *buf;

	if (f && !fseek(f, 0, SEEK_END))
		len = ftell(f);
	if (len <= 0 || fseek(f, 0, SEEK_SET))
		kl_die("%s: %s", path, strerror(errno ? errno : EINVAL));
	buf = malloc(len);
	if (!buf || fread(buf, 1, len, f) != (size_t)len)
		kl_die("%s: short read", path);
	fclose(f);
	*size = len;
	return buf;
}

/* The System RAM the running kernel knows, above the low 1 MiB. */
static void kl_read_ram(struct kl_layout *l)
{
	struct kl_ram r;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");
	int pos;

	if (!f)
		kl_die("/proc/iomem: %s", strerror(errno));
	while (fgets(line, sizeof(line), f) && l->nr_ram < KL_MAX_RAM) {
		/* Top-level lines only: nested ones are parts of a range. */
		pos = 0;
		if (sscanf(line, "%lx-%lx : %n", &r.start, &r.end, &pos) < 2 ||
		    !pos || strcmp(line + pos, "System RAM\n"))
			continue;
		if (r.end < KL_LOW_END)
			continue;
		if (r.start < KL_LOW_END)
			r.start = KL_LOW_END;
		l->ram[l->nr_ram++] = r;
	}
	fclose(f);
	if (!l->nr_ram || !l->ram[l->nr_ram - 1].end)
		kl_die("no System RAM in /proc/iomem (not root?)");
}

/* Check the bzImage for what this loader relies on. */
static void kl_check_kernel(struct kl_layout *l)
{
	const struct setup_header *h;
	size_t hdr_end;

	if (l->image_size < KL_HDR_LEN_AT + 1)
		kl_die("kernel image too short");
	h = (const void *)(l->image + offsetof(struct boot_params, hdr));
	hdr_end = KL_HDR_LEN_AT + 1 + (unsigned char)l->image[KL_HDR_LEN_AT];
	if (hdr_end > offsetof(struct boot_params, edd_mbr_sig_buffer) ||
	    hdr_end > l->image_size)
		kl_die("setup header of %zu bytes", hdr_end);
	if (h->header != KL_HDR_MAGIC || h->version < KL_MIN_VERSION)
		kl_die("not a bzImage of boot protocol 2.12 or later");
	if (!(h->xloadflags & XLF_KERNEL_64) || !h->relocatable_kernel)
		kl_die("kernel has no relocatable 64-bit entry point");
	if (h->kernel_alignment & (h->kernel_alignment - 1))
		kl_die("kernel_alignment %#x", h->kernel_alignment);
	l->hdr = h;
}

/* The protected-mode kernel follows the setup sectors (0 of them means 4). */
static void kl_kernel_object(struct kl_layout *l)
{
	const struct setup_header *h = l->hdr;
	struct kl_object *k = &l->obj[KL_KERNEL];
	size_t setup = ((h->setup_sects ? h->setup_sects : 4) + 1) * KL_SECTOR;

	if (setup >= l->image_size)
		kl_die("no protected-mode kernel after %zu setup bytes", setup);
	k->data = l->image + setup;
	k->size = l->image_size - setup;
	/* Up to init_size the kernel decompresses and runs: all of it a segment. */
	k->memsz = kl_align_up(h->init_size > k->size ? h->init_size : k->size,
			       l->pg);
	k->limit = h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G ? ULONG_MAX : KL_4G;
}

/* Whether [mem, mem + memsz) fits @o's limit, one RAM range and no object. */
static bool kl_fits(const struct kl_layout *l, const struct kl_object *o,
		    unsigned long mem)
{
	unsigned long end = mem + o->memsz;
	bool in_ram = false;
	int i;

	if (end < mem || end > o->limit)
		return false;
	for (i = 0; i < l->nr_ram; i++)
		if (l->ram[i].start <= mem && end - 1 <= l->ram[i].end)
			in_ram = true;
	for (i = 0; in_ram && i < KL_NR_OBJ; i++) {
		const struct kl_object *p = &l->obj[i];

		if (p != o && p->mem && mem < p->mem + p->memsz && p->mem < end)
			return false;
	}
	return in_ram;
}

static unsigned long kl_ram_size(const struct kl_ram *r)
{
	return r->end - r->start + 1;
}

/* A random address in System RAM, every byte of it equally likely. */
static unsigned long kl_random_ram(struct kl_layout *l)
{
	unsigned long total = 0, pick;
	int i;

	for (i = 0; i < l->nr_ram; i++)
		total += kl_ram_size(&l->ram[i]);
	pick = kl_below(l, total);
	for (i = 0; pick >= kl_ram_size(&l->ram[i]); i++)
		pick -= kl_ram_size(&l->ram[i]);
	return l->ram[i].start + pick;
}

/* Right after an object placed before, or a few pages further. */
static unsigned long kl_next_to_other(struct kl_layout *l)
{
	const struct kl_object *p = &l->obj[kl_below(l, KL_NR_OBJ)];

	if (!p->mem)
		return 0;
	return p->mem + p->memsz + kl_below(l, KL_MAX_TAIL) * l->pg;
}

/* Place @o at an @align-aligned address, no lower than @min. */
static void kl_place(struct kl_layout *l, enum kl_obj obj,
		     unsigned long align, unsigned long min)
{
	struct kl_object *o = &l->obj[obj];
	unsigned long mem;
	int i;

	for (i = 0; i < KL_TRIES; i++) {
		if (kl_below(l, 3))
			mem = kl_random_ram(l) & ~(align - 1);
		else
			mem = kl_align_up(kl_next_to_other(l), align);
		if (mem >= min && kl_fits(l, o, mem)) {
			o->mem = mem;
			return;
		}
	}
	kl_die("no room for the %s (%#lx bytes)", kl_obj_names[obj], o->memsz);
}

/*
 * The kernel first, where the boot protocol lets it run in place: aligned
 * to kernel_alignment and not below pref_address (below it, the kernel
 * would move itself up there, onto whatever else is placed there).
 */
static void kl_place_kernel(struct kl_layout *l)
{
	const struct setup_header *h = l->hdr;
	struct kl_object *k = &l->obj[KL_KERNEL];
	unsigned long align = h->kernel_alignment > l->pg ?
			      h->kernel_alignment : l->pg;

	if (kl_below(l, 4) == 0 && kl_fits(l, k, h->pref_address)) {
		k->mem = h->pref_address;
		return;
	}
	kl_place(l, KL_KERNEL, align, h->pref_address);
}

/* @size bytes of data, their object @memsz with a random zero tail. */
static void kl_object(struct kl_layout *l, enum kl_obj obj, const void *data,
		      size_t size, unsigned long limit)
{
	struct kl_object *o = &l->obj[obj];

	o->data = data;
	o->size = size;
	o->memsz = kl_align_up(size, l->pg) + kl_below(l, KL_MAX_TAIL) * l->pg;
	o->limit = limit;
}

/* A copy of @size bytes at a random offset from a page boundary. */
static const void *kl_buffer(struct kl_layout *l, const char *data,
			     size_t size, unsigned long *skew)
{
	char *buf;

	*skew = kl_below(l, l->pg);
	buf = malloc(size + l->pg);
	if (!buf)
		kl_die("out of memory");
	memcpy(buf + *skew, data, size);
	return buf + *skew;
}

static int kl_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* @n distinct page offsets in @o, the first 0, sorted; @cut[n] the end. */
static void kl_cuts(struct kl_layout *l, const struct kl_object *o, int n,
		    unsigned long *cut)
{
	unsigned long pages = o->memsz / l->pg;
	int i, j;

	cut[0] = 0;
	for (i = 1; i < n; i++) {
		cut[i] = (1 + kl_below(l, pages - 1)) * l->pg;
		for (j = 0; j < i; j++)
			if (cut[j] == cut[i])
				break;
		if (j < i)
			i--;	/* taken: draw again */
	}
	qsort(cut, n, sizeof(*cut), kl_cmp_ulong);
	cut[n] = o->memsz;
}

/* Cut @obj into its pieces, each the next segment. */
static void kl_split(struct kl_layout *l, enum kl_obj obj)
{
	struct kl_object *o = &l->obj[obj];
	unsigned long cut[KEXEC_SEGMENT_MAX + 1];
	int i;

	if (o->pieces > (int)(o->memsz / l->pg))
		o->pieces = o->memsz / l->pg;
	kl_cuts(l, o, o->pieces, cut);
	for (i = 0; i < o->pieces; i++) {
		struct kl_piece *p = &l->piece[l->nr_seg];
		unsigned long memsz = cut[i + 1] - cut[i];
		size_t bufsz = 0;

		if (cut[i] < o->size)
			bufsz = o->size - cut[i] < memsz ? o->size - cut[i] : memsz;
		p->obj = obj;
		p->nr = i + 1;
		p->off = cut[i];
		l->seg[l->nr_seg++] = (struct kexec_segment) {
			.buf = kl_buffer(l, o->data + cut[i], bufsz, &p->skew),
			.bufsz = bufsz,
			.mem = (void *)(o->mem + cut[i]),
			.memsz = memsz,
		};
	}
}

/* How many segments, and how many of them kernel and initrd pieces. */
static void kl_count_pieces(struct kl_layout *l)
{
	int whole = KL_NR_OBJ - 2;	/* boot_params, cmdline, purgatory */
	int total = KL_NR_OBJ + kl_below(l, KEXEC_SEGMENT_MAX - KL_NR_OBJ + 1);
	int pieces = total - whole;

	l->obj[KL_KERNEL].pieces = 1 + kl_below(l, pieces - 1);
	l->obj[KL_INITRD].pieces = pieces - l->obj[KL_KERNEL].pieces;
	l->obj[KL_PARAMS].pieces = 1;
	l->obj[KL_CMDLINE].pieces = 1;
	l->obj[KL_PURGATORY].pieces = 1;
}

static void kl_shuffle(struct kl_layout *l)
{
	int i, j;

	for (i = l->nr_seg - 1; i > 0; i--) {
		struct kexec_segment s = l->seg[i];
		struct kl_piece p = l->piece[i];

		j = kl_below(l, i + 1);
		l->seg[i] = l->seg[j];
		l->piece[i] = l->piece[j];
		l->seg[j] = s;
		l->piece[j] = p;
	}
}

/* The firmware's memory map, as the new kernel would get it from the BIOS. */
static int kl_read_e820(struct boot_e820_entry *e820)
{
	char path[64], type[64];
	unsigned long start, end;
	int n, t;

	for (n = 0; n < E820_MAX_ENTRIES_ZEROPAGE; n++) {
		FILE *f;
		int got;

		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/start", n);
		f = fopen(path, "r");
		if (!f)
			break;
		got = fscanf(f, "%lx", &start);
		fclose(f);
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/end", n);
		f = fopen(path, "r");
		if (!f || got != 1 || fscanf(f, "%lx", &end) != 1)
			kl_die("%s: unreadable", path);
		fclose(f);
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/type", n);
		f = fopen(path, "r");
		if (!f || !fgets(type, sizeof(type), f))
			kl_die("%s: unreadable", path);
		fclose(f);
		type[strcspn(type, "\n")] = '\0';
		e820[n].addr = start;
		e820[n].size = end - start + 1;
		e820[n].type = KL_E820_RESERVED;
		for (t = 0; t < (int)ARRAY_SIZE(kl_e820_types); t++)
			if (!strcmp(type, kl_e820_types[t].name))
				e820[n].type = kl_e820_types[t].type;
	}
	if (!n)
		kl_die("no /sys/firmware/memmap (CONFIG_FIRMWARE_MEMMAP?)");
	return n;
}

/*
 * boot_params as the 64-bit boot protocol wants them: zeroed, the image's
 * setup header copied in, then what a loader writes: who it is, where the
 * kernel, command line and initrd went, and the memory map.
 */
static void kl_fill_params(struct kl_layout *l, struct boot_params *bp)
{
	size_t at = offsetof(struct boot_params, hdr);
	size_t end = KL_HDR_LEN_AT + 1 + (unsigned char)l->image[KL_HDR_LEN_AT];
	unsigned long cmdline = l->obj[KL_CMDLINE].mem;
	unsigned long initrd = l->obj[KL_INITRD].mem;
	unsigned long initrd_size = l->obj[KL_INITRD].size;

	memset(bp, 0, sizeof(*bp));
	memcpy((char *)bp + at, l->image + at, end - at);
	bp->hdr.type_of_loader = KL_LOADER_ANY;
	bp->hdr.code32_start = l->obj[KL_KERNEL].mem;
	bp->hdr.cmd_line_ptr = cmdline;
	bp->ext_cmd_line_ptr = cmdline >> 32;
	bp->hdr.ramdisk_image = initrd;
	bp->ext_ramdisk_image = initrd >> 32;
	bp->hdr.ramdisk_size = initrd_size;
	bp->ext_ramdisk_size = initrd_size >> 32;
	bp->e820_entries = kl_read_e820(bp->e820_table);
}

/* The purgatory's bytes, told where to go next. */
static void kl_fill_purgatory(struct kl_layout *l, char *code)
{
	struct kl_purgatory_head *head = (void *)(code + KL_PURGATORY_HEAD);

	memcpy(code, kl_purgatory_bytes(), l->obj[KL_PURGATORY].size);
	head->entry = l->obj[KL_KERNEL].mem + KL_ENTRY_64;
	head->params = l->obj[KL_PARAMS].mem;
}

/* Every object placed, then cut into its segments. */
static void kl_build(struct kl_layout *l, const char *initrd, size_t initrd_size,
		     const char *cmdline, struct boot_params *bp, char *code)
{
	const struct setup_header *h = l->hdr;
	unsigned long below_4g = h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G ?
				 ULONG_MAX : KL_4G;
	unsigned long initrd_limit = below_4g == KL_4G ?
				     h->initrd_addr_max + 1UL : ULONG_MAX;
	enum kl_obj obj;

	kl_count_pieces(l);
	kl_kernel_object(l);
	kl_place_kernel(l);
	kl_object(l, KL_INITRD, initrd, initrd_size, initrd_limit);
	kl_object(l, KL_PARAMS, bp, sizeof(*bp), below_4g);
	kl_object(l, KL_CMDLINE, cmdline, strlen(cmdline) + 1, below_4g);
	kl_object(l, KL_PURGATORY, code, kl_purgatory_size(), ULONG_MAX);
	for (obj = KL_INITRD; obj < KL_NR_OBJ; obj++)
		kl_place(l, obj, l->pg, KL_LOW_END);
	kl_fill_params(l, bp);
	kl_fill_purgatory(l, code);
	for (obj = 0; obj < KL_NR_OBJ; obj++)
		kl_split(l, obj);
	kl_shuffle(l);
}

/* -B: one byte of one initrd piece flipped after its copy was made. */
static void kl_break_initrd(struct kl_layout *l)
{
	int i;

	for (i = 0; i < l->nr_seg; i++) {
		struct kexec_segment *s = &l->seg[i];

		if (l->piece[i].obj != KL_INITRD || !s->bufsz)
			continue;
		((char *)s->buf)[kl_below(l, s->bufsz)] ^= 0x01;
		printf("kexec_layout: broken on purpose: one byte of segment %d flipped\n",
		       i);
		return;
	}
}

static void kl_print(const struct kl_layout *l, bool verbose)
{
	int i;

	printf("kexec_layout: seed=%lu segments=%d", l->seed, l->nr_seg);
	for (i = 0; i < KL_NR_OBJ; i++)
		printf(" %s=%#lx", kl_obj_names[i], l->obj[i].mem);
	printf("\n");
	for (i = 0; verbose && i < l->nr_seg; i++) {
		const struct kexec_segment *s = &l->seg[i];
		const struct kl_piece *p = &l->piece[i];
		unsigned long mem = (unsigned long)s->mem;

		printf("kexec_layout:  %2d mem %#010lx-%#010lx bufsz %#9zx",
		       i, mem, mem + s->memsz, s->bufsz);
		printf(" buf+%#05lx %s %d/%d at +%#lx\n", p->skew,
		       kl_obj_names[p->obj], p->nr, l->obj[p->obj].pieces,
		       p->off);
	}
	fflush(stdout);
}

static __noreturn void kl_usage(void)
{
	fprintf(stderr,
		"usage: kexec_layout [-nvB] [-s SEED] [-c CMDLINE] BZIMAGE INITRD\n");
	exit(KSFT_FAIL);
}

static unsigned long kl_random_seed(void)
{
	unsigned long seed = 0;
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, &seed, sizeof(seed)) != sizeof(seed))
		seed = getpid() ^ time(NULL);
	if (fd >= 0)
		close(fd);
	return seed % 1000000000;	/* short enough to type back */
}

int main(int argc, char **argv)
{
	static struct boot_params bp;
	static struct kl_layout l;
	bool dry_run = false, verbose = false, broken = false;
	const char *cmdline = "";
	char *initrd, *code;
	size_t initrd_size;
	int opt;

	l.seed = kl_random_seed();
	while ((opt = getopt(argc, argv, "nvBs:c:")) != -1) {
		switch (opt) {
		case 'n':
			dry_run = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'B':
			broken = true;
			break;
		case 's':
			l.seed = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			cmdline = optarg;
			break;
		default:
			kl_usage();
		}
	}
	if (argc - optind != 2)
		kl_usage();
	l.rng = l.seed;
	l.pg = sysconf(_SC_PAGESIZE);
	l.image = kl_read_file(argv[optind], &l.image_size);
	initrd = kl_read_file(argv[optind + 1], &initrd_size);
	kl_check_kernel(&l);
	if (strlen(cmdline) > l.hdr->cmdline_size)
		kl_die("command line longer than the kernel's %u bytes",
		       l.hdr->cmdline_size);
	kl_read_ram(&l);
	code = malloc(kl_purgatory_size());
	if (!code)
		kl_die("out of memory");
	kl_build(&l, initrd, initrd_size, cmdline, &bp, code);
	if (broken)
		kl_break_initrd(&l);
	kl_print(&l, verbose);
	if (dry_run)
		return KSFT_PASS;
	if (syscall(SYS_kexec_load, l.obj[KL_PURGATORY].mem, l.nr_seg, l.seg,
		    KEXEC_ARCH_X86_64))
		kl_die("kexec_load: %s", strerror(errno));
	printf("kexec_layout: loaded, entry %#lx\n", l.obj[KL_PURGATORY].mem);
	return KSFT_PASS;
}
