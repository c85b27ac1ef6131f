// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_fuzz: seeded, structured-random kexec_load(2) calls, each checked
 * against a model of the contract.
 *
 * usage: kexec_fuzz [-s SEED] [-n COUNT] [-t SECONDS] [-v]
 *   -s SEED     the run to make (default: from the clock); the same seed
 *               makes the same calls, in the same order
 *   -n COUNT    stop after COUNT calls (default 1000000)
 *   -t SECONDS  stop after SECONDS seconds (default 60, at most 3000)
 *   -v          print every call
 *
 * Each call starts from a valid image, a normal one in System RAM or a
 * crash one in the crashkernel= region (both found at run time in
 * /proc/iomem), and is then bent in one or two ways: flags and
 * architecture bits, segment counts around KEXEC_SEGMENT_MAX, unaligned,
 * overlapping, touching, wrapping or outside destinations, oversized
 * segments, segment arrays and buffers in read-only, PROT_NONE, half
 * mapped or unmapped memory, calls without CAP_SYS_BOOT, unloads.
 *
 * The program knows what it asked for, so it works out the errno each call
 * must return (the checks in the order the contract has them: permission,
 * flags and count, architecture, the copy of the segment array, the entry
 * and destinations, overlap, sizes, the crash region, room for the control
 * page, the copy of the buffers) and the state the call must leave. After
 * every call /sys/kernel/kexec_loaded and kexec_crash_loaded must match
 * that model. Then both images are unloaded, and free memory must come
 * back to where it was before the run.
 *
 * Prints "# seed N" first; at the end "# fuzz: N calls in S s (R calls/s),
 * N ok" and the count of each errno, then the slowest call, which bounds
 * how far past -t a run can go (no call is cut short). A run stops early
 * after FZ_MAX_MISMATCHES answers or states that the model did not expect.
 *
 * Needs root, CONFIG_KEXEC, CONFIG_CRASH_DUMP and a crash region
 * (crashkernel=128M) in a guest of about 2 GiB; KX_IMPL names the kernel
 * (kx or upstream), whose answers differ where kexec_load_test.c says.
 */
#include "../kselftest_harness.h"
#include "kexec_util.h"
#include <time.h>

#define FZ_MIB			(1024UL * 1024)
/* Buffers, a few MiB at most so that thousands of calls fit in a minute. */
#define FZ_RW_LEN		(4 * FZ_MIB)
#define FZ_RO_LEN		(64UL * 1024)
#define FZ_MAX_RAM		64
#define FZ_MAX_ERRNO		256
/* The count of answers that are no errno (a child killed, say). */
#define FZ_OTHER		(FZ_MAX_ERRNO - 1)
/* Enough mismatches to see a pattern; more only repeat it. */
#define FZ_MAX_MISMATCHES	20
#define FZ_MAX_SECONDS		3000

struct fz_opts {
	unsigned long long seed;
	long count;
	long seconds;
	bool verbose;
};

static struct fz_opts opts = { .count = 1000000, .seconds = 60 };
/* Measured before any test runs: the baseline of free_memory_returns. */
static long free_before_kib;

/* What the machine offers, found at run time. */
struct fz_world {
	unsigned long pg;
	struct kx_region ram[FZ_MAX_RAM];	/* merged, sorted */
	int nr_ram;
	struct kx_region crash;
	unsigned long ram_pages;	/* totalram_pages(): the half-RAM cap */
	unsigned long dest_limit;	/* KEXEC_DESTINATION_MEMORY_LIMIT */
	bool ours;
	bool preserve_ok;		/* KEXEC_PRESERVE_CONTEXT is a known flag */
};

/* Where a pointer points. */
enum fz_ptr {
	PTR_RW,		/* read/write memory */
	PTR_RO,		/* PROT_READ memory */
	PTR_HALF,	/* readable bytes, then a PROT_NONE page */
	PTR_NONE,	/* a PROT_NONE page */
	PTR_NULL,
	PTR_KERNEL,	/* a kernel address */
	PTR_LOW,	/* below mmap_min_addr: never mapped */
	PTR_NONCANON,	/* not a canonical address */
	NR_PTR
};

static const char *const ptr_names[NR_PTR] = {
	"rw", "ro", "half", "none", "null", "kernel", "low", "noncanon",
};

/* The memory calls point into. */
struct fz_mem {
	char *rw, *hole;	/* FZ_RW_LEN read/write bytes, then a hole */
	char *ro;		/* FZ_RO_LEN read-only bytes */
	char *arr, *arr_hole;	/* a page for segment arrays, then a hole */
	char *arr_ro;		/* a page made read-only after each write */
};

/*
 * One segment as generated: where its buffer is (@kind, and @off, an
 * offset into a pool or, for PTR_HALF, the readable bytes before the hole).
 */
struct fz_seg {
	unsigned long mem, memsz, bufsz, off;
	enum fz_ptr kind;
};

/* One call as generated. */
struct fz_call {
	unsigned long entry, nr, flags;
	struct fz_seg seg[KEXEC_SEGMENT_MAX];
	enum fz_ptr arr_kind;
	unsigned long arr_off;	/* PTR_HALF: readable entries before the hole */
	bool unprivileged;
	/*
	 * Sizes only a check stops: a second mutation that moved or shrank
	 * one segment could make of them a valid load of hundreds of MiB.
	 */
	bool huge;
	const char *what, *then;	/* the mutations, for the log */
};

/* How far a call gets: the stage its errno comes from. */
enum fz_stage {
	ST_PRE,		/* before the kexec lock: nothing touched */
	ST_CHECK,	/* the image's checks, before any copy */
	ST_COPY,	/* copying the buffers */
	ST_DONE,	/* success */
};

struct fz_want {
	int err;
	enum fz_stage stage;
};

struct fz_state {
	long normal, crash;
};

struct fz_stats {
	long calls, ok, normal_loads, crash_loads, unloads;
	long errno_mismatches, state_mismatches;
	long by_errno[FZ_MAX_ERRNO];
	/* The slowest call: a bound on how late -t can stop the run. */
	struct fz_call slowest;
	long slowest_n;
	int slowest_got;
	double slowest_secs;
};

/* splitmix64: small, and the same sequence everywhere for a seed. */
static unsigned long long fz_rng;

static unsigned long rnd(void)
{
	unsigned long long z = (fz_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* The world: System RAM, the crash region, the limits. */

/* Add a System RAM range, merging it with one it touches or overlaps. */
static void add_ram(struct fz_world *w, struct kx_region r)
{
	int i;

	for (i = 0; i < w->nr_ram; i++) {
		struct kx_region *q = &w->ram[i];

		if (r.start <= q->end + 1 && q->start <= r.end + 1) {
			q->start = r.start < q->start ? r.start : q->start;
			q->end = r.end > q->end ? r.end : q->end;
			return;
		}
	}
	if (w->nr_ram < FZ_MAX_RAM)
		w->ram[w->nr_ram++] = r;
}

static int read_ram(struct fz_world *w)
{
	struct kx_region r;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f))
		if (kx_iomem_line(line, "System RAM", &r))
			add_ram(w, r);
	fclose(f);
	return w->nr_ram ? 0 : ENOENT;
}

/*
 * KEXEC_DESTINATION_MEMORY_LIMIT on x86_64 is MAXMEM - 1: 2^46 with four
 * levels of page tables, 2^52 with five. VmallocTotal tells them apart
 * (32 TiB against 12800 TiB).
 */
static unsigned long dest_limit(void)
{
	char line[128];
	long kib = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "VmallocTotal:", 13))
				kib = strtol(line + 13, NULL, 10);
		fclose(f);
	}
	return (kib > (1L << 36) ? 1UL << 52 : 1UL << 46) - 1;
}

/* Whether [mem, mem + len) lies in one (merged) System RAM range. */
static bool in_ram(const struct fz_world *w, unsigned long mem,
		   unsigned long len)
{
	int i;

	for (i = 0; i < w->nr_ram; i++)
		if (w->ram[i].start <= mem && mem + len - 1 <= w->ram[i].end)
			return true;
	return false;
}

static unsigned long pg_up(const struct fz_world *w, unsigned long a)
{
	return (a + w->pg - 1) & ~(w->pg - 1);
}

static unsigned long pg_down(const struct fz_world *w, unsigned long a)
{
	return a & ~(w->pg - 1);
}

/* Whole pages of RAM range @i: [*start, *end). */
static unsigned long ram_pages_of(const struct fz_world *w, int i,
				  unsigned long *start)
{
	unsigned long end = pg_down(w, w->ram[i].end + 1);

	*start = pg_up(w, w->ram[i].start);
	return end > *start ? (end - *start) / w->pg : 0;
}

/* The model: what a call must return, and what it must leave. */

static unsigned long known_flags(const struct fz_world *w)
{
	return KEXEC_ON_CRASH | KEXEC_UPDATE_ELFCOREHDR |
	       KEXEC_CRASH_HOTPLUG_SUPPORT |
	       (w->preserve_ok ? KEXEC_PRESERVE_CONTEXT : 0);
}

/*
 * The checks made before the kexec lock. KEXEC_ARCH_MASK is an unsigned
 * int: flags & ~KEXEC_ARCH_MASK sees bits 0-15 only, flags &
 * KEXEC_ARCH_MASK bits 16-31, and bits 32-63 are ignored.
 */
static int check_args(const struct fz_world *w, const struct fz_call *c)
{
	unsigned long arch = c->flags & KEXEC_ARCH_MASK;

	if (c->unprivileged)
		return -EPERM;
	if (c->nr > KEXEC_SEGMENT_MAX ||
	    (c->flags & ~KEXEC_ARCH_MASK & ~known_flags(w)))
		return -EINVAL;
	if (arch != KEXEC_ARCH_DEFAULT && arch != KX_ARCH_NATIVE)
		return -EINVAL;
	return 0;
}

/* Bytes of the segment array that can be read. */
static unsigned long arr_readable(const struct fz_world *w,
				  const struct fz_call *c)
{
	switch (c->arr_kind) {
	case PTR_RW:
	case PTR_RO:
		return w->pg;
	case PTR_HALF:
		return c->arr_off * sizeof(struct kexec_segment);
	default:
		return 0;
	}
}

static bool is_crash(const struct fz_call *c)
{
	return c->flags & KEXEC_ON_CRASH;
}

/* Page-aligned, not wrapping, below the architecture's limit. */
static int check_shape(const struct fz_world *w, const struct fz_call *c)
{
	unsigned long i;

	for (i = 0; i < c->nr; i++) {
		unsigned long start = c->seg[i].mem;
		unsigned long end = start + c->seg[i].memsz;

		if (end < start || (start | end) & (w->pg - 1) ||
		    end >= w->dest_limit)
			return -EADDRNOTAVAIL;
	}
	return 0;
}

static int check_overlap(const struct fz_call *c)
{
	unsigned long i, j;

	for (i = 0; i < c->nr; i++)
		for (j = 0; j < i; j++) {
			const struct fz_seg *a = &c->seg[i], *b = &c->seg[j];

			if (a->mem + a->memsz > b->mem &&
			    a->mem < b->mem + b->memsz)
				return -EINVAL;
		}
	return 0;
}

/* No buffer larger than its segment; at most half of RAM in all. */
static int check_sizes(const struct fz_world *w, const struct fz_call *c)
{
	unsigned long i, pages = 0, half = w->ram_pages / 2;

	for (i = 0; i < c->nr; i++)
		if (c->seg[i].bufsz > c->seg[i].memsz)
			return -EINVAL;
	for (i = 0; i < c->nr; i++) {
		if (c->seg[i].memsz / w->pg > half)
			return -EINVAL;
		pages += c->seg[i].memsz / w->pg;
	}
	return pages > half ? -EINVAL : 0;
}

/* Where the destinations must lie: the crash region, or (ours) RAM. */
static int check_places(const struct fz_world *w, const struct fz_call *c)
{
	unsigned long i;

	for (i = 0; i < c->nr; i++) {
		const struct fz_seg *s = &c->seg[i];

		if (is_crash(c) && (s->mem < w->crash.start ||
				    s->mem + s->memsz > w->crash.end + 1))
			return -EADDRNOTAVAIL;
		if (!is_crash(c) && w->ours && s->memsz &&
		    !in_ram(w, s->mem, s->memsz))
			return -EADDRNOTAVAIL;
	}
	return 0;
}

/*
 * A crash image's control page comes from the part of the region that no
 * segment covers; the generator leaves either none or megabytes.
 */
static int check_room(const struct fz_world *w, const struct fz_call *c)
{
	unsigned long i, used = 0;

	if (!is_crash(c))
		return 0;
	for (i = 0; i < c->nr; i++)
		used += c->seg[i].memsz;
	return used >= kx_region_size(&w->crash) ? -ENOMEM : 0;
}

/*
 * Upstream defect: 6.12 computes a segment's last byte as mem + memsz - 1,
 * which for an empty segment at address 0 wraps to the top of memory, so
 * that every page it allocates (the control page first) looks like a
 * destination. A normal load with such a segment takes all free memory,
 * page by page, then fails with ENOMEM. Ours uses half-open ranges.
 */
static unsigned long upstream_empty_at_zero;

static int check_empty_at_zero(const struct fz_world *w, const struct fz_call *c)
{
	unsigned long i;

	if (w->ours || is_crash(c))
		return 0;
	for (i = 0; i < c->nr; i++)
		if (!c->seg[i].mem && !c->seg[i].memsz) {
			upstream_empty_at_zero++;
			return -ENOMEM;
		}
	return 0;
}

static int check_image(const struct fz_world *w, const struct fz_call *c)
{
	int err = 0;

	if (is_crash(c) &&
	    (c->entry < w->crash.start || c->entry > w->crash.end))
		return -EADDRNOTAVAIL;
	err = check_shape(w, c);
	if (!err)
		err = check_overlap(c);
	if (!err)
		err = check_sizes(w, c);
	if (!err)
		err = check_places(w, c);
	if (!err)
		err = check_room(w, c);
	if (!err)
		err = check_empty_at_zero(w, c);
	return err;
}

/* Bytes that can be read at the buffer of @s. */
static unsigned long buf_readable(const struct fz_seg *s)
{
	switch (s->kind) {
	case PTR_RW:
		return FZ_RW_LEN - s->off;
	case PTR_RO:
		return FZ_RO_LEN - s->off;
	case PTR_HALF:
		return s->off;
	default:
		return 0;
	}
}

/* The errno the call must fail with (0: it must succeed), and its stage. */
static struct fz_want predict(const struct fz_world *w,
			      const struct fz_call *c)
{
	struct fz_want want = { -check_args(w, c), ST_PRE };
	unsigned long i;

	if (want.err)
		return want;
	if (c->nr && arr_readable(w, c) < c->nr * sizeof(struct kexec_segment))
		return (struct fz_want){ EFAULT, ST_PRE };
	if (!c->nr)
		return (struct fz_want){ 0, ST_DONE };
	want.err = -check_image(w, c);
	if (want.err)
		return (struct fz_want){ want.err, ST_CHECK };
	for (i = 0; i < c->nr; i++)
		if (c->seg[i].bufsz > buf_readable(&c->seg[i]))
			return (struct fz_want){ EFAULT, ST_COPY };
	return (struct fz_want){ 0, ST_DONE };
}

/*
 * The state a call leaves. A failed normal load leaves the normal image
 * as it was, on both kernels. A failed crash load is where they differ:
 * upstream 6.12 frees the armed crash image as soon as it holds the lock
 * (it writes the new one where the old one lives), so every failure after
 * the lock, a failed check included, leaves nothing armed. Ours checks
 * everything first, room for the control page included, and pins the
 * caller's buffers before it drops the armed image, so a failed check and
 * a buffer that faults both keep it.
 */
static void next_state(const struct fz_world *w, const struct fz_call *c,
		       int err, enum fz_stage stage, struct fz_state *s)
{
	long *slot = is_crash(c) ? &s->crash : &s->normal;

	if (!err) {
		*slot = c->nr ? 1 : 0;
		return;
	}
	if (!is_crash(c) || stage == ST_PRE)
		return;
	if (!w->ours)
		*slot = 0;
}

/* The generator. */

static enum fz_ptr bad_ptr(void)
{
	static const enum fz_ptr bad[] = {
		PTR_HALF, PTR_NONE, PTR_NULL, PTR_KERNEL, PTR_LOW,
		PTR_NONCANON,
	};

	return bad[below(ARRAY_SIZE(bad))];
}

/* A readable buffer for @s, read/write or (sometimes) read-only. */
static void readable_buf(struct fz_seg *s)
{
	if (s->bufsz <= FZ_RO_LEN && chance(15)) {
		s->kind = PTR_RO;
		s->off = below(FZ_RO_LEN - s->bufsz + 1);
	} else {
		s->kind = PTR_RW;
		s->off = below(FZ_RW_LEN - s->bufsz + 1);
	}
}

/* A buffer that faults: at the first byte, or (PTR_HALF) part way. */
static void faulting_buf(const struct fz_world *w, struct fz_seg *s)
{
	if (!s->bufsz)
		s->bufsz = 1 + below(s->memsz < 2 * w->pg ? s->memsz : 2 * w->pg);
	s->kind = bad_ptr();
	s->off = s->kind == PTR_HALF ? below(s->bufsz) : 0;
}

/* Mostly a few pages; sometimes tens; rarely 1 to 4 MiB. */
static unsigned long seg_pages(bool *big)
{
	unsigned int r = below(100);

	if (r < 75 || (r >= 97 && *big))
		return 1 + below(4);
	if (r < 97)
		return 16 + below(49);
	*big = true;
	return 256 + below(769);
}

static unsigned long seg_bufsz(const struct fz_world *w, unsigned long memsz)
{
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(w->pg);
	case 2:
		return below(memsz + 1);
	default:
		return memsz;
	}
}

static void shuffle(struct fz_call *c)
{
	unsigned long i, j;
	struct fz_seg t;

	if (chance(50))
		return;
	for (i = c->nr - 1; i > 0; i--) {
		j = below(i + 1);
		t = c->seg[i];
		c->seg[i] = c->seg[j];
		c->seg[j] = t;
	}
}

/* A place for @span pages: mostly the largest RAM range, else any. */
static unsigned long normal_base(const struct fz_world *w, unsigned long span)
{
	unsigned long start, pages, best = 0, best_start = 0;
	int i, pick = below(w->nr_ram);

	for (i = 0; i < w->nr_ram; i++) {
		pages = ram_pages_of(w, i, &start);
		if (pages > best) {
			best = pages;
			best_start = start;
		}
	}
	pages = ram_pages_of(w, pick, &start);
	if (chance(90) || pages < span) {
		pages = best;
		start = best_start;
	}
	return start + below(pages - span + 1) * w->pg;
}

static unsigned long crash_base(const struct fz_world *w, unsigned long span)
{
	unsigned long pages = kx_region_size(&w->crash) / w->pg;

	return w->crash.start + below(pages - span + 1) * w->pg;
}

static unsigned long crash_entry(const struct fz_world *w)
{
	switch (below(5)) {
	case 0:
		return w->crash.end;
	case 1:
		return w->crash.start + below(kx_region_size(&w->crash));
	default:
		return w->crash.start;
	}
}

/* Valid flags: the type, and sometimes bits that change nothing. */
static unsigned long valid_flags(bool crash)
{
	unsigned long flags = crash ? KEXEC_ON_CRASH : 0;

	if (chance(20))
		flags |= chance(50) ? KX_ARCH_NATIVE : KEXEC_ARCH_DEFAULT;
	if (chance(10))
		flags |= (1 + below(3)) << 2;	/* the hotplug flags */
	if (chance(10))
		flags |= rnd() << 32;
	return flags;
}

static unsigned long seg_count(void)
{
	unsigned int r = below(100);

	if (r < 40)
		return 1;
	if (r < 75)
		return 2 + below(3);
	if (r < 90)
		return 5 + below(11);
	return KEXEC_SEGMENT_MAX;
}

/* A valid call: segments laid out from a base, touching or with gaps. */
static void valid_call(const struct fz_world *w, struct fz_call *c)
{
	unsigned long i, at = 0, pages[KEXEC_SEGMENT_MAX], gap[KEXEC_SEGMENT_MAX];
	bool crash = chance(45), big = false;

	memset(c, 0, sizeof(*c));
	c->nr = seg_count();
	c->flags = valid_flags(crash);
	c->what = "valid";
	for (i = 0; i < c->nr; i++) {
		pages[i] = seg_pages(&big);
		gap[i] = chance(40) ? 0 : 1 + below(4);
		at += pages[i] + gap[i];
	}
	at = (crash ? crash_base(w, at) : normal_base(w, at)) / w->pg;
	for (i = 0; i < c->nr; i++) {
		struct fz_seg *s = &c->seg[i];

		s->mem = at * w->pg;
		s->memsz = pages[i] * w->pg;
		s->bufsz = seg_bufsz(w, s->memsz);
		readable_buf(s);
		at += pages[i] + gap[i];
	}
	shuffle(c);
	if (crash)
		c->entry = crash_entry(w);
	else
		c->entry = chance(50) ? c->seg[0].mem : rnd();
}

/* Mutations: each bends a valid call in one way. */

static struct fz_seg *any_seg(struct fz_call *c)
{
	return &c->seg[below(c->nr)];
}

static void bad_flags(const struct fz_world *w, struct fz_call *c)
{
	static const unsigned long arch[] = {
		KX_ARCH_FOREIGN, KEXEC_ARCH_386, KEXEC_ARCH_PPC64, 1UL << 16,
		KEXEC_ARCH_MASK,
	};

	switch (below(4)) {
	case 0:
		c->what = "unknown flag";
		c->flags |= 1UL << (4 + below(12));
		break;
	case 1:
		c->what = "foreign arch";
		c->flags = (c->flags & ~(unsigned long)KEXEC_ARCH_MASK) |
			   arch[below(ARRAY_SIZE(arch))];
		break;
	case 2:
		c->what = "random arch";
		c->flags = (c->flags & ~(unsigned long)KEXEC_ARCH_MASK) |
			   (below(0x10000) << 16);
		break;
	default:
		c->what = "preserve context";
		c->flags |= KEXEC_PRESERVE_CONTEXT;
		break;
	}
}

static void bad_count(const struct fz_world *w, struct fz_call *c)
{
	static const unsigned long nr[] = {
		KEXEC_SEGMENT_MAX + 1, KEXEC_SEGMENT_MAX + 2, 1UL << 32,
		~0UL, 1UL << 63,
	};

	c->what = "segment count";
	c->nr = chance(20) ? KEXEC_SEGMENT_MAX + 1 + below(1000) :
			     nr[below(ARRAY_SIZE(nr))];
}

static void bad_array(const struct fz_world *w, struct fz_call *c)
{
	c->what = "segment array";
	c->arr_kind = chance(20) ? PTR_RO : bad_ptr();
	if (c->arr_kind == PTR_HALF)
		c->arr_off = below(c->nr);
}

/* nr_segments 0: an unload, whatever the pointer and the entry. */
static void unload_call(const struct fz_world *w, struct fz_call *c)
{
	c->what = "unload";
	c->nr = 0;
	if (chance(30))
		c->arr_kind = bad_ptr();
	if (chance(30))
		c->entry = rnd();
}

static void misalign(const struct fz_world *w, struct fz_call *c)
{
	struct fz_seg *s = any_seg(c);

	c->what = "misaligned";
	if (chance(50))
		s->mem += 1 + below(w->pg - 1);
	else
		s->memsz += 1 + below(w->pg - 1);
}

static void oversized_buf(const struct fz_world *w, struct fz_call *c)
{
	struct fz_seg *s = any_seg(c);

	c->what = "bufsz over memsz";
	s->bufsz = s->memsz + 1 + below(2 * w->pg);
	if (s->bufsz > FZ_RW_LEN)
		s->bufsz = FZ_RW_LEN;
	readable_buf(s);
}

static void overlap(const struct fz_world *w, struct fz_call *c)
{
	struct fz_seg *a, *b;

	c->what = "overlap";
	if (c->nr == 1) {
		c->nr = 2;
		c->seg[1] = c->seg[0];
	}
	a = any_seg(c);
	do {
		b = any_seg(c);
	} while (a == b);
	b->mem = a->mem + below(a->memsz / w->pg) * w->pg;
}

static void wrap(const struct fz_world *w, struct fz_call *c)
{
	struct fz_seg *s = any_seg(c);

	c->what = "wrapping";
	switch (below(3)) {
	case 0:
		s->mem = -(1 + below(4)) * w->pg;
		s->memsz = (5 + below(8)) * w->pg;
		break;
	case 1:
		s->memsz = -s->mem;
		break;
	default:
		s->memsz = pg_down(w, -1UL - below(1000) * w->pg);
		break;
	}
	s->bufsz = 0;
}

/* A destination neither kernel can use: above the architecture's limit. */
static void beyond_limit(const struct fz_world *w, struct fz_call *c)
{
	c->what = "beyond the limit";
	any_seg(c)->mem = KX_BEYOND_DEST_LIMIT + below(1UL << 20) * w->pg;
}

/* Destinations outside RAM, below the limit: ours refuses, upstream loads. */
static void outside_ram(const struct fz_world *w, struct fz_call *c)
{
	const struct kx_region *r = &w->ram[below(w->nr_ram)];
	struct fz_seg *s = any_seg(c);

	switch (below(4)) {
	case 0:
		c->what = "beyond RAM";
		s->mem = KX_BEYOND_RAM + below(1UL << 20) * w->pg;
		break;
	case 1:
		c->what = "VGA hole";
		s->mem = 0xa0000;
		break;
	case 2:
		c->what = "past a RAM range";
		s->mem = pg_down(w, r->end + 1) - w->pg;
		s->memsz = 2 * w->pg;
		break;
	default:
		c->what = "before a RAM range";
		s->mem = pg_down(w, r->start - w->pg);
		s->memsz = 2 * w->pg;
		break;
	}
	if (s->bufsz > s->memsz)
		s->bufsz = s->memsz;
}

/* More than half of RAM, in one segment or in all of them together. */
static void too_big(const struct fz_world *w, struct fz_call *c)
{
	unsigned long half = w->ram_pages / 2;
	struct fz_seg *s = any_seg(c);

	c->what = "over half of RAM";
	c->huge = true;
	switch (below(3)) {
	case 0:
		s->memsz = (half + 1 + below(half)) * w->pg;
		break;
	case 1:
		s->memsz = 1UL << (40 + below(4));
		break;
	default:
		c->nr = 2;
		c->seg[0].memsz = (half / 2 + 1) * w->pg;
		c->seg[1].mem = c->seg[0].mem + c->seg[0].memsz;
		c->seg[1].memsz = c->seg[0].memsz;
		break;
	}
}

static void bad_buf(const struct fz_world *w, struct fz_call *c)
{
	c->what = "buffer fault";
	faulting_buf(w, any_seg(c));
}

static void crash_entry_outside(const struct fz_world *w, struct fz_call *c)
{
	const unsigned long entry[] = {
		w->crash.start - 1, w->crash.end + 1, 0, KX_BEYOND_RAM, ~0UL,
	};

	c->what = "entry outside the region";
	c->flags |= KEXEC_ON_CRASH;
	c->entry = entry[below(ARRAY_SIZE(entry))];
}

static void crash_seg_outside(const struct fz_world *w, struct fz_call *c)
{
	struct fz_seg *s = any_seg(c);
	unsigned long end = w->crash.end + 1;

	c->what = "segment outside the region";
	c->flags |= KEXEC_ON_CRASH;
	switch (below(4)) {
	case 0:
		s->mem = w->crash.start - (1 + below(16)) * w->pg;
		break;
	case 1:
		s->mem = end + below(16) * w->pg;
		break;
	case 2:
		s->mem = end - w->pg;
		s->memsz = 2 * w->pg;
		break;
	default:
		s->mem = w->crash.start - w->pg;
		s->memsz = 2 * w->pg;
		break;
	}
	if (s->bufsz > s->memsz)
		s->bufsz = s->memsz;
}

/* Segments covering the whole region leave no room for the control page. */
static void crash_region_full(const struct fz_world *w, struct fz_call *c)
{
	unsigned long size = kx_region_size(&w->crash);
	unsigned long half = pg_down(w, size / 2);

	c->what = "region full";
	c->huge = true;
	c->flags |= KEXEC_ON_CRASH;
	c->entry = w->crash.start;
	c->nr = 1 + below(2);
	c->seg[0] = (struct fz_seg){ w->crash.start, size, 0, 0, PTR_RW };
	if (c->nr == 2) {
		c->seg[0].memsz = half;
		c->seg[1] = (struct fz_seg){ w->crash.start + half, size - half,
					     0, 0, PTR_RW };
	}
	c->seg[0].bufsz = below(w->pg);
}

/* Empty segments: at either end of another, inside it, unaligned, far. */
static void empty_seg(const struct fz_world *w, struct fz_call *c)
{
	const struct fz_seg *other = any_seg(c);
	struct fz_seg *s;

	c->what = "empty segment";
	if (c->nr < KEXEC_SEGMENT_MAX && chance(70))
		c->nr++;
	s = &c->seg[c->nr - 1];
	*s = (struct fz_seg){ other->mem, 0, 0, 0, PTR_NULL };
	switch (below(5)) {
	case 0:
		s->mem += other->memsz;
		break;
	case 1:
		s->mem += below(other->memsz / w->pg) * w->pg;
		break;
	case 2:
		s->mem += 8;
		break;
	case 3:
		s->mem = KX_BEYOND_RAM;
		break;
	default:
		break;
	}
}

/* A normal layout loaded as a crash image, or the other way round. */
static void swap_type(const struct fz_world *w, struct fz_call *c)
{
	c->what = "other type";
	c->flags ^= KEXEC_ON_CRASH;
}

/* Read-only buffers and array, high and hotplug flag bits: all fine. */
static void harmless(const struct fz_world *w, struct fz_call *c)
{
	c->what = "harmless";
	readable_buf(any_seg(c));
	if (chance(30))
		c->arr_kind = PTR_RO;
	if (chance(30))
		c->flags |= rnd() << 32;
}

static void (*const mutations[])(const struct fz_world *w,
				  struct fz_call *c) = {
	bad_flags, bad_count, bad_array, unload_call, misalign, oversized_buf,
	overlap, wrap, beyond_limit, outside_ram, too_big, bad_buf,
	crash_entry_outside, crash_seg_outside, crash_region_full, empty_seg,
	swap_type, harmless,
};

static void gen_call(const struct fz_world *w, struct fz_call *c)
{
	unsigned int r = below(100);

	valid_call(w, c);
	if (r < 4) {
		unload_call(w, c);
		c->flags &= KEXEC_ON_CRASH;
		return;
	}
	if (r < 50)
		return;
	mutations[below(ARRAY_SIZE(mutations))](w, c);
	if (chance(20) && c->nr && c->nr <= KEXEC_SEGMENT_MAX && !c->huge) {
		const char *first = c->what;

		mutations[below(ARRAY_SIZE(mutations))](w, c);
		c->then = c->what;
		c->what = first;
	}
	c->unprivileged = chance(2);
}

/* Making the call. */

static void *bad_addr(enum fz_ptr kind, char *none)
{
	switch (kind) {
	case PTR_NONE:
		return none;
	case PTR_KERNEL:
		return (void *)(-1UL << 40);
	case PTR_LOW:
		return (void *)4096UL;
	case PTR_NONCANON:
		return (void *)(1UL << 63);
	default:
		return NULL;
	}
}

static const void *buf_addr(const struct fz_mem *m, const struct fz_seg *s)
{
	switch (s->kind) {
	case PTR_RW:
		return m->rw + s->off;
	case PTR_RO:
		return m->ro + s->off;
	case PTR_HALF:
		return m->hole - s->off;
	default:
		return bad_addr(s->kind, m->hole);
	}
}

/* Write the segment array where the call says it is; return its address. */
static const struct kexec_segment *place_array(const struct fz_world *w,
					       const struct fz_mem *m,
					       const struct fz_call *c)
{
	struct kexec_segment segs[KEXEC_SEGMENT_MAX], *at;
	unsigned long i, n = c->nr < KEXEC_SEGMENT_MAX ? c->nr : KEXEC_SEGMENT_MAX;

	for (i = 0; i < n; i++)
		segs[i] = kx_seg(buf_addr(m, &c->seg[i]), c->seg[i].bufsz,
				 c->seg[i].mem, c->seg[i].memsz);
	switch (c->arr_kind) {
	case PTR_RW:
		memcpy(m->arr, segs, n * sizeof(*segs));
		return (void *)m->arr;
	case PTR_RO:
		mprotect(m->arr_ro, w->pg, PROT_READ | PROT_WRITE);
		memcpy(m->arr_ro, segs, n * sizeof(*segs));
		mprotect(m->arr_ro, w->pg, PROT_READ);
		return (void *)m->arr_ro;
	case PTR_HALF:
		/* Entries from arr_off on are in the hole. */
		at = (struct kexec_segment *)m->arr_hole - c->arr_off;
		memcpy(at, segs, (c->arr_off < n ? c->arr_off : n) * sizeof(*segs));
		return at;
	default:
		return bad_addr(c->arr_kind, m->arr_hole);
	}
}

static int make_call(const struct fz_world *w, const struct fz_mem *m,
		     const struct fz_call *c)
{
	const struct kexec_segment *arr = place_array(w, m, c);
	struct kx_call call = {
		.cred = KX_ROOT_WITHOUT_CAP,
		.entry = c->entry,
		.nr_segments = c->nr,
		.segments = arr,
		.flags = c->flags,
	};

	if (c->unprivileged)
		return kx_child(kx_call_as, &call);
	return kx_load(c->entry, c->nr, arr, c->flags);
}

static const char *err_name(int err)
{
	if (!err)
		return "ok";
	return err == FZ_OTHER ? "other" : strerrorname_np(err);
}

static void print_call(long n, const struct fz_call *c, int got,
		       const struct fz_want *want)
{
	unsigned long i, shown = c->nr < KEXEC_SEGMENT_MAX ? c->nr : KEXEC_SEGMENT_MAX;

	ksft_print_msg("#%ld %s%s%s%s: flags=%#lx entry=%#lx nr=%lu array=%s -> %s",
		       n, c->what, c->then ? ", " : "", c->then ?: "",
		       c->unprivileged ? " (no CAP_SYS_BOOT)" : "",
		       c->flags, c->entry, c->nr, ptr_names[c->arr_kind],
		       err_name(got));
	printf(got == want->err ? "\n" : " (want %s)\n", err_name(want->err));
	for (i = 0; i < shown; i++)
		ksft_print_msg("   mem=%#lx memsz=%#lx bufsz=%#lx buf=%s+%#lx\n",
			       c->seg[i].mem, c->seg[i].memsz, c->seg[i].bufsz,
			       ptr_names[c->seg[i].kind], c->seg[i].off);
}

/* Setup: the world, the memory, the options. */

static int read_world(struct fz_world *w)
{
	const char *impl = getenv("KX_IMPL");
	int err;

	memset(w, 0, sizeof(*w));
	w->pg = kx_page();
	w->ram_pages = kx_ram_pages();
	w->dest_limit = dest_limit();
	w->ours = impl && !strcmp(impl, "kx");
	err = read_ram(w);
	if (!err)
		err = kx_crash_region(&w->crash);
	return err;
}

/*
 * KEXEC_PRESERVE_CONTEXT is a flag only with CONFIG_KEXEC_JUMP, which user
 * space cannot see: ask once, then hold the kernel to its answer.
 */
static bool preserve_context_known(const struct fz_world *w, char *buf)
{
	struct kexec_segment seg = kx_seg(buf, w->pg, KX_DEST, w->pg);
	bool known = !kx_load(KX_DEST, 1, &seg, KEXEC_PRESERVE_CONTEXT);

	kx_unload(0);
	return known;
}

static int map_memory(const struct fz_world *w, struct fz_mem *m)
{
	m->hole = kx_map_hole(FZ_RW_LEN);
	m->ro = kx_map(FZ_RO_LEN);
	m->arr_hole = kx_map_hole(w->pg);
	m->arr_ro = kx_map(w->pg);
	if (!m->hole || !m->ro || !m->arr_hole || !m->arr_ro)
		return -ENOMEM;
	m->rw = m->hole - FZ_RW_LEN;
	m->arr = m->arr_hole - w->pg;
	memset(m->rw, 0xa5, FZ_RW_LEN);
	memset(m->ro, 0x5a, FZ_RO_LEN);
	return mprotect(m->ro, FZ_RO_LEN, PROT_READ) ? -errno : 0;
}

FIXTURE(fuzz) {
	struct fz_world w;
};

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, read_world(&self->w))
		TH_LOG("no System RAM or no \"Crash kernel\" in /proc/iomem (crashkernel=128M?)");
	ASSERT_GE(kx_region_size(&self->w.crash), 64 * FZ_MIB);
	ASSERT_GT(self->w.ram_pages, 0);
}

FIXTURE_TEARDOWN(fuzz)
{
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Count the answer; keep the slowest call. */
static void count_call(struct fz_stats *st, const struct fz_call *c, int got,
		       const struct fz_want *want, double secs)
{
	st->by_errno[got >= 0 && got < FZ_OTHER ? got : FZ_OTHER]++;
	st->errno_mismatches += got != want->err;
	if (secs > st->slowest_secs) {
		st->slowest = *c;
		st->slowest_n = st->calls;
		st->slowest_got = got;
		st->slowest_secs = secs;
	}
	st->calls++;
	if (!got) {
		st->ok++;
		st->unloads += !c->nr;
		st->normal_loads += c->nr && !is_crash(c);
		st->crash_loads += c->nr && is_crash(c);
	}
}

/* The state files must read what the model says. */
static void check_state(struct fz_stats *st, const struct fz_call *c,
			int got, const struct fz_want *want,
			struct fz_state *model)
{
	struct fz_state seen = { kx_loaded(), kx_crash_loaded() };

	if (seen.normal == model->normal && seen.crash == model->crash)
		return;
	if (!opts.verbose && got == want->err)
		print_call(st->calls, c, got, want);
	ksft_print_msg("#%ld state: loaded %ld crash_loaded %ld, model %ld %ld\n",
		       st->calls, seen.normal, seen.crash, model->normal,
		       model->crash);
	st->state_mismatches++;
	*model = seen;	/* one wrong answer, not a cascade of them */
}

/* One call: make it, check its errno and the state it leaves. */
static void fuzz_one(const struct fz_world *w, const struct fz_mem *m,
		     struct fz_state *model, struct fz_stats *st)
{
	struct fz_call c;
	struct fz_want want;
	double start;
	int got;

	gen_call(w, &c);
	want = predict(w, &c);
	start = now();
	got = make_call(w, m, &c);
	next_state(w, &c, want.err, want.stage, model);
	if (opts.verbose || got != want.err)
		print_call(st->calls, &c, got, &want);
	check_state(st, &c, got, &want, model);
	count_call(st, &c, got, &want, now() - start);
}

static void print_summary(const struct fz_stats *st, double secs)
{
	char text[512];
	int len, err;

	if (upstream_empty_at_zero)
		ksft_print_msg("fuzz: upstream defect: %lu %s, %s\n", upstream_empty_at_zero,
			       "normal loads with an empty segment at 0 took all free memory",
			       "then failed with ENOMEM");
	len = snprintf(text, sizeof(text),
		       "fuzz: %ld calls in %.1f s (%.0f calls/s), %ld ok",
		       st->calls, secs, secs > 0 ? st->calls / secs : 0.0,
		       st->ok);
	for (err = 1; err < FZ_MAX_ERRNO && len < (int)sizeof(text); err++)
		if (st->by_errno[err])
			len += snprintf(text + len, sizeof(text) - len,
					", %s %ld", err_name(err),
					st->by_errno[err]);
	ksft_print_msg("%s\n", text);
	ksft_print_msg("fuzz: loads ok: %ld normal, %ld crash; unloads ok %ld\n",
		       st->normal_loads, st->crash_loads, st->unloads);
	ksft_print_msg("fuzz: slowest call, %.3f s:\n", st->slowest_secs);
	print_call(st->slowest_n, &st->slowest, st->slowest_got,
		   &(struct fz_want){ st->slowest_got });
}

TEST_F_TIMEOUT(fuzz, calls_follow_contract, FZ_MAX_SECONDS + 600)
{
	struct fz_state model = { 0, 0 };
	struct fz_stats st = { 0 };
	struct fz_mem m;
	double start, secs;

	ASSERT_EQ(0, map_memory(&self->w, &m));
	ASSERT_EQ(0, kx_unload(0));
	ASSERT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	self->w.preserve_ok = preserve_context_known(&self->w, m.rw);
	ksft_print_msg("fuzz: KX_IMPL=%s, %d RAM ranges, crash region %#lx-%#lx, %s\n",
		       self->w.ours ? "kx" : "upstream", self->w.nr_ram,
		       self->w.crash.start, self->w.crash.end,
		       self->w.preserve_ok ? "KEXEC_PRESERVE_CONTEXT known" :
					     "no KEXEC_PRESERVE_CONTEXT");
	fz_rng = opts.seed;
	start = now();
	do {
		fuzz_one(&self->w, &m, &model, &st);
		secs = now() - start;
	} while (st.calls < opts.count && secs < opts.seconds &&
		 st.errno_mismatches + st.state_mismatches < FZ_MAX_MISMATCHES);
	print_summary(&st, secs);
	EXPECT_EQ(0, st.errno_mismatches);
	EXPECT_EQ(0, st.state_mismatches);
	/* The model is only worth something if loads succeed too. */
	EXPECT_GE(st.ok * 5, st.calls) TH_LOG("under a fifth of the calls succeeded");
	EXPECT_LT(0, st.normal_loads);
	EXPECT_LT(0, st.crash_loads);
}

TEST_F(fuzz, both_unload)
{
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
}

/* Runs after the others: their processes, and what they loaded, are gone. */
TEST_F(fuzz, free_memory_returns)
{
	kx_expect_memory_back(_metadata, "fuzz", free_before_kib);
}

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-s SEED] [-n COUNT] [-t SECONDS] [-v]\n",
		prog);
	exit(KSFT_FAIL);
}

static void parse_opts(int argc, char **argv)
{
	struct timespec ts;
	int opt;

	clock_gettime(CLOCK_REALTIME, &ts);
	opts.seed = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	while ((opt = getopt(argc, argv, "s:n:t:v")) != -1) {
		switch (opt) {
		case 's':
			opts.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opts.count = strtol(optarg, NULL, 0);
			break;
		case 't':
			opts.seconds = strtol(optarg, NULL, 0);
			break;
		case 'v':
			opts.verbose = true;
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (optind != argc || opts.count < 1 || opts.seconds < 1)
		bad_usage(argv[0]);
	if (opts.seconds > FZ_MAX_SECONDS)
		opts.seconds = FZ_MAX_SECONDS;
}

int main(int argc, char **argv)
{
	parse_opts(argc, argv);
	printf("# seed %llu\n", opts.seed);
	ksft_print_msg("fuzz: at most %ld calls, at most %ld s\n", opts.count,
		       opts.seconds);
	fflush(stdout);
	kx_unload(0);
	kx_unload(KEXEC_ON_CRASH);
	free_before_kib = kx_settled_free_kib();
	/* The harness parses no options of ours: restart getopt() for it. */
	optind = 1;
	return test_harness_run(1, argv);
}
