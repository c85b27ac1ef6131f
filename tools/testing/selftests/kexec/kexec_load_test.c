// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_load(2): the system call contract, pinned against Linux 6.12.
 *
 * Every case checks the errno and the state files afterwards
 * (/sys/kernel/kexec_loaded, /sys/kernel/kexec_crash_loaded). Everything
 * here leaves the system as it found it: the one-way switches (load
 * limits, kexec_load_disabled, shrinking the crash region) are in
 * kexec_policy_test.c, which runs after this program.
 *
 * Every refusal is also checked for the reason ours logs: one kernel line
 * naming the rule and the segment (kx_why_matches()). Upstream 6.12 logs
 * no reason, a deliberate difference: there the check is that no such line
 * appears.
 *
 * Needs root, CONFIG_KEXEC, CONFIG_CRASH_DUMP, CONFIG_USER_NS and a crash
 * region (crashkernel=128M) in a guest of about 2 GiB. The images loaded
 * here are never executed: their content and entry point do not matter,
 * except for crash images, whose entry point must lie in the region.
 *
 * Not covered: KEXEC_ON_CRASH with no crash region reserved, which needs a
 * boot without crashkernel=; the crash cases fail (they do not skip) when
 * the region is missing.
 */
#include <limits.h>

#include "../kselftest_harness.h"
/* Hundreds of refusals in a row: lift the printk rate limit for the run. */
#define KX_EVERY_REFUSAL
#include "kexec_util.h"

#define KX_BUF_PAGES	4
#define KX_MIB		(1024UL * 1024)
#define KX_RACE_LOOPS	300
#define KX_RACE_TRIES	(20 * 1000 * 1000)

/*
 * Each of the @n calls fails as @c says; afterwards kexec_loaded reads
 * @normal and kexec_crash_loaded reads @crash.
 */
static void expect_failures(struct __test_metadata *_metadata,
			    const struct kx_case *c, size_t n,
			    unsigned long entry, long normal, long crash)
{
	size_t i;

	for (i = 0; i < n; i++)
		kx_expect_rejected(_metadata, __LINE__, &c[i], entry, normal,
				   crash);
}

/* Each of the @n calls loads, and unloads again. */
static void expect_loads(struct __test_metadata *_metadata,
			 const struct kx_case *c, size_t n,
			 unsigned long entry)
{
	size_t i;

	for (i = 0; i < n; i++)
		kx_expect_loads(_metadata, __LINE__, &c[i], entry);
}

/* Unload both images and check that nothing is loaded. */
static void unload_all(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, kx_unload(0));
	ASSERT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	ASSERT_EQ(0, kx_loaded());
	ASSERT_EQ(0, kx_crash_loaded());
}

/* The reading of the reason lines, on sample records: no kernel involved. */
TEST(reason_line_parser)
{
	const char *misread = kx_why_self_check();

	EXPECT_EQ(NULL, misread) TH_LOG("misread: %s", misread);
}

FIXTURE(kexec) {
	unsigned long pg;
	char *buf;	/* KX_BUF_PAGES readable pages */
	char *hole;	/* a PROT_NONE page after KX_BUF_PAGES readable ones */
	struct kexec_segment seg;	/* one valid page at KX_DEST */
};

FIXTURE_SETUP(kexec)
{
	self->pg = kx_page();
	self->buf = kx_map(KX_BUF_PAGES * self->pg);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0x5a, KX_BUF_PAGES * self->pg);
	self->hole = kx_map_hole(KX_BUF_PAGES * self->pg);
	ASSERT_NE(NULL, self->hole);
	self->seg = kx_seg(self->buf, self->pg, KX_DEST, self->pg);
	unload_all(_metadata);
}

FIXTURE_TEARDOWN(kexec)
{
	kx_unload(0);
	kx_unload(KEXEC_ON_CRASH);
}

/* State: load, unload, replace. */

TEST_F(kexec, unload_when_nothing_loaded)
{
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
}

TEST_F(kexec, load_sets_kexec_loaded)
{
	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->seg, 0));
	EXPECT_EQ(1, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_loaded());
}

TEST_F(kexec, second_load_replaces)
{
	unsigned long pg = self->pg;
	struct kexec_segment two[] = {
		kx_seg(self->buf, pg, KX_DEST + 8 * pg, pg),
		kx_seg(self->buf, 2 * pg, KX_DEST + 16 * pg, 2 * pg),
	};

	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->seg, 0));
	EXPECT_EQ(0, kx_load(KX_DEST + 8 * pg, 2, two, 0));
	EXPECT_EQ(1, kx_loaded());
	/* One image, not a stack: a single unload empties the slot. */
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_loaded());
}

TEST_F(kexec, failed_load_keeps_previous_image)
{
	unsigned long pg = self->pg;
	unsigned long half = kx_ram_pages() / 2 + 1;
	struct kexec_segment overlap[] = {
		kx_seg(NULL, 0, KX_DEST, 2 * pg),
		kx_seg(NULL, 0, KX_DEST + pg, 2 * pg),
	};
	struct kexec_segment misaligned = kx_seg(NULL, 0, KX_DEST + 1, pg);
	struct kexec_segment big = kx_seg(NULL, 0, KX_DEST, half * pg);
	struct kexec_segment fault = kx_seg(self->hole, pg, KX_DEST, pg);
	struct kexec_segment many[KEXEC_SEGMENT_MAX + 1] = { };
	const struct kx_case cases[] = {
		{ "unknown flag", EINVAL, 1, &self->seg, 0x10, "flags" },
		{ "foreign arch", EINVAL, 1, &self->seg, KX_ARCH_FOREIGN, "arch" },
		{ "17 segments", EINVAL, KEXEC_SEGMENT_MAX + 1, many, 0, "count" },
		{ "segments fault", kx_segments_fault_err(_metadata), 1, NULL, 0,
		  "fault" },
		{ "misaligned", EADDRNOTAVAIL, 1, &misaligned, 0, "align:0" },
		{ "overlap", EINVAL, 2, overlap, 0, "overlap:1:0" },
		{ "over half of RAM", EINVAL, 1, &big, 0, "ram:0" },
		{ "buffer fault", EFAULT, 1, &fault, 0, "fault:0" },
	};

	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->seg, 0));
	expect_failures(_metadata, cases, ARRAY_SIZE(cases), KX_DEST, 1, 0);
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_loaded());
}

/* An unload goes through the flag and architecture checks too. */
TEST_F(kexec, unload_checks_flags_and_arch)
{
	const struct kx_case cases[] = {
		{ "unknown flag", EINVAL, 0, NULL, 0x10, "flags" },
		{ "foreign arch", EINVAL, 0, NULL, KX_ARCH_FOREIGN, "arch" },
	};

	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->seg, 0));
	expect_failures(_metadata, cases, ARRAY_SIZE(cases), 0, 1, 0);
	EXPECT_EQ(0, kx_unload(KX_ARCH_NATIVE));
	EXPECT_EQ(0, kx_loaded());
}

/* With nr_segments == 0, neither segments nor entry is looked at. */
TEST_F(kexec, unload_ignores_segments_and_entry)
{
	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->seg, 0));
	EXPECT_EQ(0, kx_load(~0UL, 0, (void *)self->hole, 0));
	EXPECT_EQ(0, kx_loaded());
}

/* The entry point of a normal image is not validated at all. */
TEST_F(kexec, entry_not_checked_for_normal_load)
{
	EXPECT_LOADS(1, 1, &self->seg, 0);
	EXPECT_LOADS(KX_BEYOND_RAM, 1, &self->seg, 0);
	EXPECT_LOADS(~0UL, 1, &self->seg, 0);
}

/* Argument validation: flags and architecture. */

TEST_F(kexec, unknown_flag_bits_rejected)
{
	struct kx_case c = {
		.err = EINVAL, .nr = 1, .segs = &self->seg, .why = "flags",
	};
	char name[64];
	int bit;

	for (bit = 4; bit < 16; bit++) {
		snprintf(name, sizeof(name), "flag bit %d", bit);
		c.name = name;
		c.flags = 1UL << bit;
		kx_expect_rejected(_metadata, __LINE__, &c, KX_DEST, 0, 0);
		c.flags |= KEXEC_ON_CRASH;
		kx_expect_rejected(_metadata, __LINE__, &c, KX_DEST, 0, 0);
	}
}

#ifndef KX_COMPAT	/* a 32-bit caller's flags have no bits 32..63 */
/*
 * Upstream quirk, pinned: on 64-bit, flag bits 32..63 are ignored, not
 * rejected. KEXEC_ARCH_MASK (0xffff0000) is an unsigned int, so both the
 * flags check (flags & ~KEXEC_ARCH_MASK) and the arch check (flags &
 * KEXEC_ARCH_MASK) only see the low 32 bits: such a call loads an image
 * as if those bits were clear.
 */
TEST_F(kexec, high_flag_bits_ignored)
{
	EXPECT_LOADS(KX_DEST, 1, &self->seg, 1UL << 63);
	EXPECT_LOADS(KX_DEST, 1, &self->seg, ~0UL << 32);
	EXPECT_LOADS(KX_DEST, 1, &self->seg, (~0UL << 32) | KX_ARCH_NATIVE);
}
#endif

/* Meant for crash images, but a normal load accepts them too. */
TEST_F(kexec, hotplug_flags_accepted)
{
	EXPECT_LOADS(KX_DEST, 1, &self->seg, KEXEC_UPDATE_ELFCOREHDR);
	EXPECT_LOADS(KX_DEST, 1, &self->seg, KEXEC_CRASH_HOTPLUG_SUPPORT);
	EXPECT_LOADS(KX_DEST, 1, &self->seg,
		     KEXEC_UPDATE_ELFCOREHDR | KEXEC_CRASH_HOTPLUG_SUPPORT);
}

/*
 * KEXEC_PRESERVE_CONTEXT is a legal flag only with CONFIG_KEXEC_JUMP,
 * which user space cannot see: either outcome, but a consistent one.
 */
TEST_F(kexec, preserve_context_follows_config)
{
	int log = kx_why_watch();
	int ret = kx_load(KX_DEST, 1, &self->seg, KEXEC_PRESERVE_CONTEXT);

	TH_LOG("KEXEC_PRESERVE_CONTEXT: %s", ret ? strerror(ret) : "loaded");
	kx_expect_why(_metadata, __LINE__, "KEXEC_PRESERVE_CONTEXT", log,
		      ret ? "flags" : NULL, NULL);
	if (ret) {
		EXPECT_EQ(EINVAL, ret);
		EXPECT_EQ(0, kx_loaded());
	} else {
		EXPECT_EQ(1, kx_loaded());
	}
}

TEST_F(kexec, foreign_arch_rejected)
{
	const unsigned long arch[] = {
		KX_ARCH_FOREIGN, KEXEC_ARCH_386, KEXEC_ARCH_PPC64,
		1UL << 16, 0x00ff0000, KEXEC_ARCH_MASK,
	};
	struct kx_case c = {
		.err = EINVAL, .nr = 1, .segs = &self->seg, .why = "arch",
	};
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arch); i++) {
		snprintf(name, sizeof(name), "arch 0x%lx", arch[i]);
		c.name = name;
		c.flags = arch[i];
		kx_expect_rejected(_metadata, __LINE__, &c, KX_DEST, 0, 0);
		c.flags |= KEXEC_ON_CRASH;
		kx_expect_rejected(_metadata, __LINE__, &c, KX_DEST, 0, 0);
	}
}

/*
 * A foreign architecture's image, and an unload naming one: refused with
 * EINVAL by every native entry and by our compat entry. Upstream 6.12's
 * compat entry refuses KEXEC_ARCH_DEFAULT only, and loads and unloads for
 * any other architecture (a defect, pinned).
 */
TEST_F(kexec, foreign_arch_on_every_entry)
{
	int err = EINVAL;

#ifdef KX_COMPAT
	if (!testing_ours(_metadata))
		err = 0;
#endif
	EXPECT_REFUSED(err, err ? "arch" : NULL,
		       kx_load_raw(KX_DEST, 1, &self->seg, KX_ARCH_FOREIGN));
	EXPECT_EQ(!err, kx_loaded());
	EXPECT_REFUSED(err, err ? "arch" : NULL,
		       kx_load_raw(0, 0, NULL, KX_ARCH_FOREIGN));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_unload(0));
}

/*
 * A 32-bit caller must name the architecture: both implementations' compat
 * entries refuse KEXEC_ARCH_DEFAULT, for loads and unloads alike.
 */
TEST_F(kexec, default_and_native_arch_accepted)
{
	unsigned long d = KX_DEST;

	EXPECT_REFUSED(KX_DEFAULT_ARCH_ERR, KX_DEFAULT_ARCH_WHY,
		       kx_load_raw(d, 1, &self->seg, KEXEC_ARCH_DEFAULT));
	EXPECT_EQ(!KX_DEFAULT_ARCH_ERR, kx_loaded());
	EXPECT_REFUSED(KX_DEFAULT_ARCH_ERR, KX_DEFAULT_ARCH_WHY,
		       kx_load_raw(0, 0, NULL, KEXEC_ARCH_DEFAULT));
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_LOADS(KX_DEST, 1, &self->seg, KX_ARCH_NATIVE);
}

/* Argument validation: the segment list. */

TEST_F(kexec, too_many_segments_rejected)
{
	struct kexec_segment segs[KEXEC_SEGMENT_MAX + 1];
	int i;

	for (i = 0; i <= KEXEC_SEGMENT_MAX; i++)
		segs[i] = kx_seg(self->buf, self->pg,
				 KX_DEST + 2 * i * self->pg, self->pg);
	EXPECT_LOAD_FAILS(EINVAL, "count", KX_DEST, KEXEC_SEGMENT_MAX + 1, segs, 0);
#ifndef KX_COMPAT	/* nr_segments is 32 bits wide there */
	EXPECT_LOAD_FAILS(EINVAL, "count", KX_DEST, 1UL << 32, segs, 0);
#endif
	EXPECT_LOAD_FAILS(EINVAL, "count", KX_DEST, ~0UL, segs, 0);
	EXPECT_LOADS(KX_DEST, KEXEC_SEGMENT_MAX, segs, 0);
}

/* Misaligned destinations are EADDRNOTAVAIL, not EINVAL. */
TEST_F(kexec, misaligned_destination_rejected)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg, d + 1, pg),
		kx_seg(self->buf, pg, d + pg / 2, pg),
		kx_seg(self->buf, pg, d, pg + 1),
		kx_seg(self->buf, 1, d, pg / 2),
		kx_seg(self->buf, 1, d, 1),
		/* only the second one */
		kx_seg(self->buf, pg, d, pg),
		kx_seg(self->buf, pg, d + 4 * pg + 8, pg),
	};
	const struct kx_case cases[] = {
		{ "mem + 1", EADDRNOTAVAIL, 1, &segs[0], .why = "align:0" },
		{ "mem + half a page", EADDRNOTAVAIL, 1, &segs[1], .why = "align:0" },
		{ "memsz page + 1", EADDRNOTAVAIL, 1, &segs[2], .why = "align:0" },
		{ "memsz half a page", EADDRNOTAVAIL, 1, &segs[3], .why = "align:0" },
		{ "memsz 1", EADDRNOTAVAIL, 1, &segs[4], .why = "align:0" },
		{ "second segment", EADDRNOTAVAIL, 2, &segs[5], .why = "align:1" },
	};

	expect_failures(_metadata, cases, ARRAY_SIZE(cases), d, 0, 0);
}

/* Only the destination needs whole pages: bufsz may be anything <= memsz. */
TEST_F(kexec, unaligned_bufsz_accepted)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, 1, d, 2 * pg),
		kx_seg(self->buf, 100, d, 2 * pg),
		kx_seg(self->buf, pg - 1, d, 2 * pg),
		kx_seg(self->buf, pg + 1, d, 2 * pg),
	};
	const struct kx_case cases[] = {
		{ "bufsz 1", 0, 1, &segs[0] },
		{ "bufsz 100", 0, 1, &segs[1] },
		{ "bufsz page - 1", 0, 1, &segs[2] },
		{ "bufsz page + 1", 0, 1, &segs[3] },
	};

	expect_loads(_metadata, cases, ARRAY_SIZE(cases), d);
}

TEST_F(kexec, bufsz_over_memsz_rejected)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg + 1, d, pg),
		kx_seg(self->buf, 2 * pg, d, pg),
		kx_seg(self->buf, 1, d, 0),
	};
	const struct kx_case cases[] = {
		{ "memsz + 1", EINVAL, 1, &segs[0], .why = "bufsz:0" },
		{ "2 * memsz", EINVAL, 1, &segs[1], .why = "bufsz:0" },
		{ "memsz 0", EINVAL, 1, &segs[2], .why = "bufsz:0" },
	};

	expect_failures(_metadata, cases, ARRAY_SIZE(cases), d, 0, 0);
}

TEST_F(kexec, overlapping_segments_rejected)
{
	unsigned long pg = self->pg, d = KX_DEST;
	const struct kexec_segment pairs[][3] = {
		{ kx_seg(NULL, 0, d, 2 * pg), kx_seg(NULL, 0, d, 2 * pg) },
		{ kx_seg(NULL, 0, d, 4 * pg), kx_seg(NULL, 0, d + pg, pg) },
		{ kx_seg(NULL, 0, d + pg, pg), kx_seg(NULL, 0, d, 4 * pg) },
		{ kx_seg(NULL, 0, d, 4 * pg), kx_seg(NULL, 0, d, pg) },
		{ kx_seg(NULL, 0, d, 4 * pg), kx_seg(NULL, 0, d + 3 * pg, pg) },
		{ kx_seg(NULL, 0, d, 2 * pg), kx_seg(NULL, 0, d + pg, 2 * pg) },
		{ kx_seg(NULL, 0, d + pg, 2 * pg), kx_seg(NULL, 0, d, 2 * pg) },
		{ kx_seg(NULL, 0, d, 2 * pg), kx_seg(NULL, 0, d + 8 * pg, pg),
		  kx_seg(NULL, 0, d + pg, pg) },
	};
	const struct kx_case cases[] = {
		{ "identical", EINVAL, 2, pairs[0], .why = "overlap:1:0" },
		{ "nested, outer first", EINVAL, 2, pairs[1], .why = "overlap:1:0" },
		{ "nested, inner first", EINVAL, 2, pairs[2], .why = "overlap:1:0" },
		{ "nested, same start", EINVAL, 2, pairs[3], .why = "overlap:1:0" },
		{ "nested, same end", EINVAL, 2, pairs[4], .why = "overlap:1:0" },
		{ "partial, low first", EINVAL, 2, pairs[5], .why = "overlap:1:0" },
		{ "partial, high first", EINVAL, 2, pairs[6], .why = "overlap:1:0" },
		{ "first and third", EINVAL, 3, pairs[7], .why = "overlap:2:0" },
	};

	expect_failures(_metadata, cases, ARRAY_SIZE(cases), d, 0, 0);
}

TEST_F(kexec, touching_segments_accepted)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment up[] = {
		kx_seg(self->buf, pg, d, pg),
		kx_seg(self->buf, pg, d + pg, pg),
		kx_seg(self->buf, pg, d + 2 * pg, 2 * pg),
	};
	struct kexec_segment down[] = {
		kx_seg(self->buf, pg, d + 2 * pg, 2 * pg),
		kx_seg(self->buf, pg, d + pg, pg),
		kx_seg(self->buf, pg, d, pg),
	};

	EXPECT_LOADS(d, 3, up, 0);
	EXPECT_LOADS(d, 3, down, 0);
}

/*
 * A deliberate difference: destinations outside System RAM. Upstream 6.12
 * checks a destination only against the arch limit, so a segment in a hole
 * below RAM's end, one that runs past the end of RAM, or one far above it
 * loads, and kexec -e would write where there is no RAM. Ours rejects
 * every destination not wholly inside System RAM with EADDRNOTAVAIL, as
 * its last check: inputs that upstream rejects keep upstream's errno
 * (destination_outside_ram_checked_last).
 *
 * The guest names the kernel under test in KX_IMPL: the errno a load
 * outside RAM must fail with there, 0 for "it loads".
 */
static int outside_ram_errno(struct __test_metadata *_metadata)
{
	return testing_ours(_metadata) ? EADDRNOTAVAIL : 0;
}

/* Each of the @n calls fails with its err, or loads and unloads if 0. */
static void expect_outcomes(struct __test_metadata *_metadata,
			    const struct kx_case *c, size_t n,
			    unsigned long entry)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (c[i].err)
			kx_expect_rejected(_metadata, __LINE__, &c[i], entry,
					   0, 0);
		else
			kx_expect_loads(_metadata, __LINE__, &c[i], entry);
	}
}

/* The end of the last whole page of the last System RAM range. */
static unsigned long ram_end(struct __test_metadata *_metadata)
{
	unsigned long pg = kx_page(), end;
	struct kx_region ram = { };

	ASSERT_EQ(0, kx_iomem_find("System RAM", &ram));
	end = (ram.end + 1) & ~(pg - 1);
	ASSERT_TRUE(kx_iomem_covers("System RAM", end - pg))
		TH_LOG("no whole page in 0x%lx-0x%lx", ram.start, ram.end);
	return end;
}

TEST_F(kexec, destination_outside_ram)
{
	unsigned long pg = self->pg, vga = 0xa0000, end = ram_end(_metadata);
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg, vga, pg),
		kx_seg(self->buf, 2 * pg, end - pg, 2 * pg),
		kx_seg(self->buf, pg, KX_BEYOND_RAM, pg),
		/* only the second one */
		kx_seg(self->buf, pg, KX_DEST, pg),
		kx_seg(self->buf, pg, KX_BEYOND_RAM, pg),
	};
	int err = outside_ram_errno(_metadata);
	const struct kx_case cases[] = {
		{ "in the VGA hole", err, 1, &segs[0], .why = "not-ram:0" },
		{ "from RAM past its end", err, 1, &segs[1], .why = "not-ram:0" },
		{ "beyond RAM", err, 1, &segs[2], .why = "not-ram:0" },
		{ "second segment beyond RAM", err, 2, &segs[3], .why = "not-ram:1" },
	};

	ASSERT_FALSE(kx_iomem_covers("System RAM", vga))
		TH_LOG("the guest has RAM at 0x%lx", vga);
	ASSERT_FALSE(kx_iomem_covers("System RAM", KX_BEYOND_RAM))
		TH_LOG("the guest has RAM at 0x%lx", KX_BEYOND_RAM);
	TH_LOG("KX_IMPL=%s: loads outside RAM must %s", getenv("KX_IMPL"),
	       err ? "fail with EADDRNOTAVAIL" : "succeed");
	expect_outcomes(_metadata, cases, ARRAY_SIZE(cases), KX_DEST);
}

#ifdef __aarch64__
/*
 * arm64 keeps no firmware memory map: its RAM is the System RAM of the
 * running kernel, entry @i of the top-level System RAM ranges of
 * /proc/iomem. False past the last.
 */
static bool firmware_range(int i, unsigned long long *start,
			   unsigned long long *end, char *type, size_t len)
{
	char line[256];
	bool found = false;
	FILE *f;
	int pos;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		pos = 0;
		if (line[0] == ' ' ||
		    sscanf(line, "%llx-%llx : %n", start, end, &pos) < 2 || !pos ||
		    strcmp(line + pos, "System RAM\n"))
			continue;
		found = i-- == 0;
	}
	fclose(f);
	if (found)
		snprintf(type, len, "System RAM");
	return found;
}
#else
/* Entry @i of the firmware's memory map (/sys/firmware/memmap); false past the last. */
static bool firmware_range(int i, unsigned long long *start,
			   unsigned long long *end, char *type, size_t len)
{
	const char *const files[] = { "start", "end", "type" };
	char path[64], value[64];
	unsigned int f;
	FILE *file;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/%s", i, files[f]);
		file = fopen(path, "r");
		if (!file)
			return false;
		if (!fgets(value, sizeof(value), file))
			value[0] = 0;
		fclose(file);
		value[strcspn(value, "\n")] = 0;
		if (f == 0)
			*start = strtoull(value, NULL, 0);
		else if (f == 1)
			*end = strtoull(value, NULL, 0);
		else
			snprintf(type, len, "%s", value);
	}
	return true;
}
#endif

/* The name of the top-level /proc/iomem entry holding @addr; "" if none. */
static void iomem_owner(unsigned long long addr, char *name, size_t len)
{
	unsigned long long start, end;
	char line[256];
	FILE *f;
	int pos;

	name[0] = 0;
	f = fopen("/proc/iomem", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		pos = 0;
		if (line[0] == ' ' ||
		    sscanf(line, "%llx-%llx : %n", &start, &end, &pos) < 2 || !pos)
			continue;
		if (start <= addr && addr <= end) {
			snprintf(name, len, "%s", line + pos);
			name[strcspn(name, "\n")] = 0;
		}
	}
	fclose(f);
}

enum probe_kind { NOT_RAM, CLAIMED, HIDDEN, PROBE_KINDS };

/* What the rule makes of a page: a probe kind, or -1 for plain RAM. */
static int probe_kind(const char *type, const char *owner)
{
	if (strcmp(type, "System RAM"))
		return NOT_RAM;
	if (!owner[0])
		return HIDDEN;
	return strcmp(owner, "System RAM") ? CLAIMED : -1;
}

/*
 * The destination rule, probed at the first and the last whole page of
 * every range of the firmware's map: a page it does not call RAM is
 * refused; RAM that something other than System RAM claims in /proc/iomem
 * (a memmap= reservation, persistent memory, what the kernel reserved at
 * boot) is refused; RAM that this kernel does not use at all (mem=) is a
 * destination, as the next kernel may use it. Upstream 6.12 takes every
 * one of them. KX_PROBES=claimed or =hidden: the boot must have such a page.
 */
TEST_F(kexec, destinations_follow_firmware_map)
{
	static const char *const kinds[] = { "not RAM", "claimed", "hidden" };
	static const char *const whys[] = { "not-ram:0", "claimed:0", NULL };
	int err = outside_ram_errno(_metadata), i, kind;
	unsigned long pg = self->pg;
	unsigned int probes[PROBE_KINDS] = { }, k;
	unsigned long long start, end, mask = ~(unsigned long long)(pg - 1);
	char type[64], owner[64], name[192];
	struct kexec_segment seg;
	struct kx_case c = { .nr = 1, .segs = &seg };
	const char *want = getenv("KX_PROBES");

	for (i = 0; firmware_range(i, &start, &end, type, sizeof(type)); i++) {
		unsigned long long pages[] = {
			(start + pg - 1) & mask, ((end + 1) & mask) - pg,
		};

		for (k = 0; k < ARRAY_SIZE(pages); k++) {
			/* A 32-bit caller cannot name a destination above 4 GiB. */
			if (pages[k] < start || pages[k] + pg - 1 > end ||
			    pages[k] + pg - 1 > ULONG_MAX || (k && pages[k] == pages[0]))
				continue;
			iomem_owner(pages[k], owner, sizeof(owner));
			kind = probe_kind(type, owner);
			if (kind < 0)
				continue;
			probes[kind]++;
			seg = kx_seg(self->buf, pg, pages[k], pg);
			snprintf(name, sizeof(name), "%s: 0x%llx (firmware: %s, iomem: %s)",
				 kinds[kind], pages[k], type, owner[0] ? owner : "nothing");
			c.name = name;
			c.err = kind == HIDDEN ? 0 : err;
			c.why = whys[kind];
			expect_outcomes(_metadata, &c, 1, KX_DEST);
		}
	}
	ASSERT_GT(i, 0)
		TH_LOG("no /sys/firmware/memmap (CONFIG_FIRMWARE_MEMMAP)");
	for (k = 0; k < PROBE_KINDS; k++) {
		TH_LOG("%s pages probed: %u", kinds[k], probes[k]);
		if (want && !strcmp(want, kinds[k]))
			EXPECT_GT(probes[k], 0);
	}
}

/*
 * Ours checks for RAM last: a call outside RAM that upstream rejects for
 * another reason fails with upstream's errno on both.
 */
TEST_F(kexec, destination_outside_ram_checked_last)
{
	unsigned long pg = self->pg, far = KX_BEYOND_RAM;
	unsigned long half = (kx_ram_pages() / 2 + 1) * pg;
	struct kexec_segment beyond = kx_seg(self->buf, pg, far, pg);
	struct kexec_segment oversized = kx_seg(self->buf, 2 * pg, far, pg);
	struct kexec_segment big = kx_seg(NULL, 0, far, half);
	struct kexec_segment overlap[] = {
		kx_seg(NULL, 0, far, 2 * pg),
		kx_seg(NULL, 0, far + pg, pg),
	};
	struct kexec_segment many[KEXEC_SEGMENT_MAX + 1];
	const struct kx_case cases[] = {
		{ "unknown flag", EINVAL, 1, &beyond, 0x10, "flags" },
		{ "foreign arch", EINVAL, 1, &beyond, KX_ARCH_FOREIGN, "arch" },
		{ "17 segments", EINVAL, KEXEC_SEGMENT_MAX + 1, many, 0, "count" },
		{ "overlap", EINVAL, 2, overlap, 0, "overlap:1:0" },
		{ "bufsz over memsz", EINVAL, 1, &oversized, 0, "bufsz:0" },
		{ "over half of RAM", EINVAL, 1, &big, 0, "ram:0" },
	};
	int i;

	ASSERT_GT(half, pg);
	for (i = 0; i <= KEXEC_SEGMENT_MAX; i++)
		many[i] = kx_seg(self->buf, pg, far + 2 * i * pg, pg);
	expect_failures(_metadata, cases, ARRAY_SIZE(cases), KX_DEST, 0, 0);
}

#ifdef KX_BEYOND_DEST_LIMIT
/* KEXEC_DESTINATION_MEMORY_LIMIT: the end of a segment must stay below. */
TEST_F(kexec, destination_beyond_arch_limit_rejected)
{
	unsigned long pg = self->pg, lim = KX_BEYOND_DEST_LIMIT;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg, lim, pg),
		kx_seg(self->buf, pg, lim - pg, pg),
		kx_seg(self->buf, pg, -2 * pg, pg),
		kx_seg(self->buf, pg, KX_DEST, lim),
	};
	const struct kx_case cases[] = {
		{ "at the limit", EADDRNOTAVAIL, 1, &segs[0], .why = "limit:0" },
		{ "ending at the limit", EADDRNOTAVAIL, 1, &segs[1], .why = "limit:0" },
		{ "at the top", EADDRNOTAVAIL, 1, &segs[2], .why = "limit:0" },
		{ "from RAM to the limit", EADDRNOTAVAIL, 1, &segs[3], .why = "limit:0" },
	};

	expect_failures(_metadata, cases, ARRAY_SIZE(cases), KX_DEST, 0, 0);
}
#endif

/* mem + memsz wrapping around the address space. */
TEST_F(kexec, destination_wrapping_rejected)
{
	unsigned long pg = self->pg;
	struct kexec_segment segs[] = {
		kx_seg(NULL, 0, -pg, 2 * pg),
		kx_seg(NULL, 0, KX_DEST, -KX_DEST),
		kx_seg(NULL, 0, KX_DEST, -pg),
	};
#ifdef KX_COMPAT
	/*
	 * 32-bit addresses and sizes do not wrap in the kernel's 64-bit
	 * arithmetic: the first is a segment outside RAM (which upstream
	 * loads), the last two are of almost 4 GiB, over half of RAM.
	 */
	const int last = outside_ram_errno(_metadata), huge = EINVAL;
	const char *const last_why = "not-ram:0", *const huge_why = "ram:0";
#else
	const int last = EADDRNOTAVAIL, huge = EADDRNOTAVAIL;
	const char *const last_why = "limit:0", *const huge_why = "limit:0";
#endif
	const struct kx_case cases[] = {
		{ "last page + 1", last, 1, &segs[0], .why = last_why },
		{ "ending at 0", huge, 1, &segs[1], .why = huge_why },
		{ "wrapping into RAM", huge, 1, &segs[2], .why = huge_why },
	};

	expect_outcomes(_metadata, cases, ARRAY_SIZE(cases), KX_DEST);
}

/*
 * A segment, or all of them together, may use at most half of
 * totalram_pages() (the MemTotal of sysinfo), counted in whole pages.
 */
TEST_F(kexec, over_half_of_ram_rejected)
{
	unsigned long pg = self->pg, ram = kx_ram_pages();
	unsigned long one = (ram / 2 + 1) * pg, two = (ram / 4 + 1) * pg;
	struct kexec_segment single = kx_seg(NULL, 0, KX_DEST, one);
	struct kexec_segment huge = kx_seg(NULL, 0, KX_DEST, KX_HUGE_SIZE);
	struct kexec_segment pair[] = {
		kx_seg(NULL, 0, KX_DEST, two),
		kx_seg(NULL, 0, KX_DEST + two, two),
	};

	ASSERT_GT(ram, 0);
	EXPECT_LOAD_FAILS(EINVAL, "ram:0", KX_DEST, 1, &single, 0);
	EXPECT_LOAD_FAILS(EINVAL, "ram:0", KX_DEST, 1, &huge, 0);
	/* The second segment takes the total past half. */
	EXPECT_LOAD_FAILS(EINVAL, "ram:1", KX_DEST, 2, pair, 0);
}

/*
 * Upstream accepts zero-length segments (an image with no pages at all
 * loads), and treats one as overlapping a segment only when its address
 * lies strictly inside that segment: the overlap test is on half-open
 * intervals, where an empty one still "starts" somewhere.
 */
TEST_F(kexec, zero_length_segments)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment empty = kx_seg(NULL, 0, d, 0);
	struct kexec_segment unaligned = kx_seg(NULL, 0, d + 8, 0);
	struct kexec_segment at_start[] = {
		kx_seg(self->buf, pg, d, 4 * pg), kx_seg(NULL, 0, d, 0),
	};
	struct kexec_segment at_end[] = {
		kx_seg(self->buf, pg, d, 4 * pg), kx_seg(NULL, 0, d + 4 * pg, 0),
	};
	struct kexec_segment twice[] = {
		kx_seg(NULL, 0, d, 0), kx_seg(NULL, 0, d, 0),
	};
	struct kexec_segment inside[] = {
		kx_seg(self->buf, pg, d, 4 * pg), kx_seg(NULL, 0, d + pg, 0),
	};

	EXPECT_LOADS(d, 1, &empty, 0);
	EXPECT_LOADS(d, 2, at_start, 0);
	EXPECT_LOADS(d, 2, at_end, 0);
	EXPECT_LOADS(d, 2, twice, 0);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "align:0", d, 1, &unaligned, 0);
	EXPECT_LOAD_FAILS(EINVAL, "overlap:1:0", d, 2, inside, 0);
}

/* Faulting user memory. */

TEST_F(kexec, segments_pointer_faults)
{
	struct kexec_segment *straddle = (void *)(self->hole - sizeof(*straddle));
	int efault = kx_segments_fault_err(_metadata);

	*straddle = self->seg;
	EXPECT_LOAD_FAILS(efault, "fault", KX_DEST, 1, NULL, 0);
	EXPECT_LOAD_FAILS(efault, "fault", KX_DEST, 1, (void *)self->hole, 0);
	/* The first entry is readable, the second one is in the hole. */
	EXPECT_LOAD_FAILS(efault, "fault", KX_DEST, 2, straddle, 0);
	/* Not a user address. */
	EXPECT_LOAD_FAILS(efault, "fault", KX_DEST, 1, KX_NOT_USER, 0);
	/* The readable entry alone is fine. */
	EXPECT_LOADS(KX_DEST, 1, straddle, 0);
}

TEST_F(kexec, buffer_faults)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment segs[] = {
		kx_seg(NULL, pg, d, pg),
		kx_seg(self->hole, 1, d, pg),
		kx_seg(KX_NOT_USER, pg, d, pg),
		kx_seg(self->hole - pg, 2 * pg, d, 2 * pg),
		/* the first segment is fine, the second one faults */
		kx_seg(self->buf, pg, d, pg),
		kx_seg(self->hole - 8, 16, d + pg, pg),
	};
	const struct kx_case cases[] = {
		{ "NULL", EFAULT, 1, &segs[0], .why = "fault:0" },
		{ "PROT_NONE", EFAULT, 1, &segs[1], .why = "fault:0" },
		{ "kernel address", EFAULT, 1, &segs[2], .why = "fault:0" },
		{ "second page PROT_NONE", EFAULT, 1, &segs[3], .why = "fault:0" },
		{ "second segment", EFAULT, 2, &segs[4], .why = "fault:1" },
	};

	expect_failures(_metadata, cases, ARRAY_SIZE(cases), d, 0, 0);
}

/* Only bufsz bytes are read; the rest of memsz is zero-filled. */
TEST_F(kexec, buffer_read_only_up_to_bufsz)
{
	unsigned long pg = self->pg, d = KX_DEST;
	struct kexec_segment segs[] = {
		kx_seg(self->hole - pg, pg, d, 4 * pg),
		kx_seg(self->hole - 1, 1, d, pg),
		kx_seg(self->hole, 0, d, pg),
		kx_seg(NULL, 0, d, pg),
	};
	const struct kx_case cases[] = {
		{ "page before the hole", 0, 1, &segs[0] },
		{ "byte before the hole", 0, 1, &segs[1] },
		{ "bufsz 0 at the hole", 0, 1, &segs[2] },
		{ "bufsz 0 at NULL", 0, 1, &segs[3] },
	};

	expect_loads(_metadata, cases, ARRAY_SIZE(cases), d);
}

/*
 * Bad arguments are refused before user memory is read: a call that is
 * wrong in two ways reports the argument error, not the fault.
 */
TEST_F(kexec, validation_precedes_copy)
{
	unsigned long pg = self->pg, d = KX_DEST;
	unsigned long half = kx_ram_pages() / 2 + 1;
	struct kexec_segment overlap[] = {
		kx_seg(self->hole, pg, d, 2 * pg),
		kx_seg(self->hole, pg, d + pg, pg),
	};
	struct kexec_segment misaligned = kx_seg(self->hole, pg, d + 1, pg);
	struct kexec_segment oversized = kx_seg(self->hole, 2 * pg, d, pg);
	struct kexec_segment big = kx_seg(self->hole, pg, d, half * pg);
	void *bad = self->hole;

	EXPECT_LOAD_FAILS(EINVAL, "flags", d, 1, bad, 0x10);
	EXPECT_LOAD_FAILS(EINVAL, "arch", d, 1, bad, KX_ARCH_FOREIGN);
	EXPECT_LOAD_FAILS(EINVAL, "count", d, KEXEC_SEGMENT_MAX + 1, bad, 0);
	EXPECT_LOAD_FAILS(EINVAL, "overlap:1:0", d, 2, overlap, 0);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "align:0", d, 1, &misaligned, 0);
	EXPECT_LOAD_FAILS(EINVAL, "bufsz:0", d, 1, &oversized, 0);
	EXPECT_LOAD_FAILS(EINVAL, "ram:0", d, 1, &big, 0);
}

/* Large images. */

TEST_F_TIMEOUT(kexec, sixteen_segments, 120)
{
	struct kexec_segment segs[KEXEC_SEGMENT_MAX];
	char *mib = kx_map(KX_MIB);
	int i;

	ASSERT_NE(NULL, mib);
	memset(mib, 0xa5, KX_MIB);
	for (i = 0; i < KEXEC_SEGMENT_MAX; i++)
		segs[i] = kx_seg(mib, KX_MIB, KX_DEST + 2 * i * KX_MIB, KX_MIB);
	EXPECT_LOADS(KX_DEST, KEXEC_SEGMENT_MAX, segs, 0);
}

/* The whole buffer is copied (untouched anonymous memory reads as zero). */
TEST_F_TIMEOUT(kexec, segment_of_256m, 300)
{
	size_t len = 256 * KX_MIB;
	char *big = kx_map(len);
	struct kexec_segment seg = kx_seg(big, len, KX_DEST, len);

	ASSERT_NE(NULL, big);
	EXPECT_LOADS(KX_DEST, 1, &seg, 0);
	munmap(big, len);
}

/*
 * Concurrency: the kexec lock is a trylock, so the loser of a race gets
 * EBUSY and nothing else. It is not fair either: one process can win
 * every round while the other spins, so each one runs until it has had
 * its share of successful calls (which it gets at the latest once the
 * other one is done).
 */

struct kx_race {
	const struct kexec_segment *seg;
	unsigned long flags;
	int busy;	/* EBUSY count, in shared memory */
	int done;	/* successful calls */
};

/*
 * kx_child_fn: alternate loads and unloads until 2 * KX_RACE_LOOPS of them
 * succeeded: 0, the first errno other than EBUSY, or KX_CHILD_GAVE_UP.
 */
static int race_loader(void *arg)
{
	struct kx_race *r = arg;
	unsigned long entry = (unsigned long)r->seg->mem;
	long tries;
	int ret;

	for (tries = 0; r->done < 2 * KX_RACE_LOOPS; tries++) {
		if (tries == KX_RACE_TRIES)
			return KX_CHILD_GAVE_UP;
		if (tries & 1)
			ret = kx_unload(r->flags);
		else
			ret = kx_load(entry, 1, r->seg, r->flags);
		if (!ret)
			__atomic_add_fetch(&r->done, 1, __ATOMIC_RELAXED);
		else if (ret == EBUSY)
			__atomic_add_fetch(&r->busy, 1, __ATOMIC_RELAXED);
		else
			return ret;
	}
	return 0;
}

TEST_F_TIMEOUT(kexec, concurrent_load_unload, 300)
{
	struct kx_race *r = mmap(NULL, 2 * sizeof(*r), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t a, b;

	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, 2 * sizeof(*r));
	r[0].seg = &self->seg;
	r[1].seg = &self->seg;
	a = kx_spawn(race_loader, &r[0]);
	b = kx_spawn(race_loader, &r[1]);
	EXPECT_EQ(0, kx_reap(a));
	EXPECT_EQ(0, kx_reap(b));
	TH_LOG("succeeded %d + %d, EBUSY %d + %d",
	       r[0].done, r[1].done, r[0].busy, r[1].busy);
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
}

/* Permissions: CAP_SYS_BOOT in the initial user namespace. */

FIXTURE(cred) {
	unsigned long pg;
	char *buf;
	struct kexec_segment seg;
};

FIXTURE_VARIANT(cred) {
	enum kx_cred cred;
};

FIXTURE_VARIANT_ADD(cred, root_without_cap_sys_boot) {
	.cred = KX_ROOT_WITHOUT_CAP,
};

FIXTURE_VARIANT_ADD(cred, nobody) {
	.cred = KX_USER_NOBODY,
};

FIXTURE_VARIANT_ADD(cred, root_in_user_namespace) {
	.cred = KX_USERNS_ROOT,
};

FIXTURE_SETUP(cred)
{
	self->pg = kx_page();
	self->buf = kx_map(self->pg);
	ASSERT_NE(NULL, self->buf);
	self->seg = kx_seg(self->buf, self->pg, KX_DEST, self->pg);
	unload_all(_metadata);
}

FIXTURE_TEARDOWN(cred)
{
	kx_unload(0);
	kx_unload(KEXEC_ON_CRASH);
}

/* kexec_load() from a child with the variant's credentials. */
static int call_as(const FIXTURE_VARIANT(cred) *variant,
		   unsigned long nr, const struct kexec_segment *segs,
		   unsigned long flags)
{
	struct kx_call call = {
		.cred = variant->cred,
		.entry = KX_DEST,
		.nr_segments = nr,
		.segments = segs,
		.flags = flags,
	};

	return kx_child(kx_call_as, &call);
}

TEST_F(cred, load_refused)
{
	EXPECT_REFUSED(EPERM, "permission", call_as(variant, 1, &self->seg, 0));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_REFUSED(EPERM, "permission",
		       call_as(variant, 1, &self->seg, KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_crash_loaded());
}

TEST_F(cred, unload_refused)
{
	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->seg, 0));
	EXPECT_REFUSED(EPERM, "permission", call_as(variant, 0, NULL, 0));
	EXPECT_EQ(1, kx_loaded());
	EXPECT_REFUSED(EPERM, "permission",
		       call_as(variant, 0, NULL, KEXEC_ON_CRASH));
}

/* The permission check comes before every argument check. */
TEST_F(cred, checked_before_arguments)
{
	EXPECT_REFUSED(EPERM, "permission", call_as(variant, 1, &self->seg, 0x10));
	EXPECT_REFUSED(EPERM, "permission",
		       call_as(variant, 1, &self->seg, KX_ARCH_FOREIGN));
	EXPECT_REFUSED(EPERM, "permission",
		       call_as(variant, KEXEC_SEGMENT_MAX + 1, NULL, 0));
	EXPECT_REFUSED(EPERM, "permission", call_as(variant, 1, NULL, 0));
	EXPECT_EQ(0, kx_loaded());
}

/* The capability is what counts, not uid 0. */
TEST_F(kexec, cap_sys_boot_without_root_is_enough)
{
	struct kx_call call = {
		.cred = KX_NOBODY_WITH_CAP,
		.entry = KX_DEST,
		.nr_segments = 1,
		.segments = &self->seg,
	};

	EXPECT_EQ(0, kx_child(kx_call_as, &call));
	EXPECT_EQ(1, kx_loaded());
	call.nr_segments = 0;
	EXPECT_EQ(0, kx_child(kx_call_as, &call));
	EXPECT_EQ(0, kx_loaded());
}

/* KEXEC_ON_CRASH: the crash region from /proc/iomem. */

FIXTURE(crash) {
	unsigned long pg;
	struct kx_region r;
	char *buf;	/* KX_BUF_PAGES readable pages */
	char *hole;	/* a PROT_NONE page after KX_BUF_PAGES readable ones */
	struct kexec_segment seg;	/* the first page of the region */
};

FIXTURE_SETUP(crash)
{
	self->pg = kx_page();
	ASSERT_EQ(0, kx_crash_region(&self->r))
		TH_LOG("no \"Crash kernel\" in /proc/iomem (crashkernel=128M?)");
	ASSERT_GE(kx_region_size(&self->r), 64 * KX_MIB);
	self->buf = kx_map(KX_BUF_PAGES * self->pg);
	ASSERT_NE(NULL, self->buf);
	self->hole = kx_map_hole(KX_BUF_PAGES * self->pg);
	ASSERT_NE(NULL, self->hole);
	self->seg = kx_seg(self->buf, self->pg, self->r.start, self->pg);
	unload_all(_metadata);
}

FIXTURE_TEARDOWN(crash)
{
	kx_unload(0);
	kx_unload(KEXEC_ON_CRASH);
}

/* Load the fixture's crash image and check that it is armed. */
static void arm(struct __test_metadata *_metadata,
		FIXTURE_DATA(crash) *self)
{
	ASSERT_EQ(0, kx_load(self->r.start, 1, &self->seg, KEXEC_ON_CRASH));
	ASSERT_EQ(1, kx_crash_loaded());
}

TEST_F(crash, crash_size_matches_region)
{
	EXPECT_EQ((long)kx_region_size(&self->r), kx_sysfs("kexec_crash_size"));
}

TEST_F(crash, load_and_unload)
{
	ASSERT_EQ(0, kx_load(self->r.start, 1, &self->seg, KEXEC_ON_CRASH));
	EXPECT_EQ(1, kx_crash_loaded());
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_crash_loaded());
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
}

TEST_F(crash, flags_and_arch_accepted)
{
	const struct kexec_segment *seg = &self->seg;
	const struct kx_case cases[] = {
		{ "native arch", 0, 1, seg, KEXEC_ON_CRASH | KX_ARCH_NATIVE },
		{ "elfcorehdr", 0, 1, seg, KEXEC_ON_CRASH | KEXEC_UPDATE_ELFCOREHDR },
		{ "hotplug", 0, 1, seg, KEXEC_ON_CRASH | KEXEC_CRASH_HOTPLUG_SUPPORT },
	};

	expect_loads(_metadata, cases, ARRAY_SIZE(cases), self->r.start);
	EXPECT_REFUSED(KX_DEFAULT_ARCH_ERR, KX_DEFAULT_ARCH_WHY,
		       kx_load_raw(self->r.start, 1, seg,
				   KEXEC_ON_CRASH | KEXEC_ARCH_DEFAULT));
	EXPECT_EQ(!KX_DEFAULT_ARCH_ERR, kx_crash_loaded());
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
}

/* The normal and the crash image live side by side. */
TEST_F(crash, independent_of_normal_image)
{
	struct kexec_segment normal = kx_seg(self->buf, self->pg, KX_DEST,
					     self->pg);

	arm(_metadata, self);
	ASSERT_EQ(0, kx_load(KX_DEST, 1, &normal, 0));
	EXPECT_EQ(1, kx_crash_loaded());
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(1, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
	arm(_metadata, self);
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(1, kx_crash_loaded());
}

/* The entry point must lie in the region, both ends included. */
TEST_F(crash, entry_outside_region)
{
	const unsigned long outside[] = {
		self->r.start - 1, self->r.end + 1, 0, KX_BEYOND_RAM,
	};
	struct kx_case c = {
		"entry", EADDRNOTAVAIL, 1, &self->seg, KEXEC_ON_CRASH, "crash-entry"
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(outside); i++)
		kx_expect_rejected(_metadata, __LINE__, &c, outside[i], 0, 0);
	EXPECT_LOADS(self->r.start, 1, &self->seg, KEXEC_ON_CRASH);
	EXPECT_LOADS(self->r.end, 1, &self->seg, KEXEC_ON_CRASH);
}

TEST_F(crash, segment_outside_region)
{
	unsigned long pg = self->pg, s = self->r.start, e = self->r.end + 1;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg, s - pg, pg),
		kx_seg(self->buf, pg, e, pg),
		kx_seg(self->buf, pg, 0, pg),
		kx_seg(self->buf, pg, KX_BEYOND_RAM, pg),
		/* the first one inside, the second one not */
		kx_seg(self->buf, pg, s, pg),
		kx_seg(self->buf, pg, e + pg, pg),
	};
	const unsigned long f = KEXEC_ON_CRASH;
	const struct kx_case cases[] = {
		{ "page below", EADDRNOTAVAIL, 1, &segs[0], f, "crash-region:0" },
		{ "page above", EADDRNOTAVAIL, 1, &segs[1], f, "crash-region:0" },
		{ "page 0", EADDRNOTAVAIL, 1, &segs[2], f, "crash-region:0" },
		{ "beyond RAM", EADDRNOTAVAIL, 1, &segs[3], f, "crash-region:0" },
		{ "second of two", EADDRNOTAVAIL, 2, &segs[4], f, "crash-region:1" },
	};

	expect_failures(_metadata, cases, ARRAY_SIZE(cases), s, 0, 0);
}

TEST_F(crash, segment_straddling_region)
{
	unsigned long pg = self->pg, s = self->r.start, e = self->r.end + 1;
	struct kexec_segment end = kx_seg(self->buf, pg, e - pg, 2 * pg);
	struct kexec_segment start = kx_seg(self->buf, pg, s - pg, 2 * pg);
	struct kexec_segment all = kx_seg(NULL, 0, s - pg, e - s + 2 * pg);

	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "crash-region:0", s, 1, &end, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "crash-region:0", s, 1, &start, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "crash-region:0", s, 1, &all, KEXEC_ON_CRASH);
}

/* Both boundary pages of the region are usable. */
TEST_F(crash, boundary_pages_accepted)
{
	unsigned long pg = self->pg, e = self->r.end + 1;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg, self->r.start, pg),
		kx_seg(self->buf, pg, e - pg, pg),
	};

	EXPECT_LOADS(e - 1, 1, &segs[1], KEXEC_ON_CRASH);
	EXPECT_LOADS(self->r.start, 2, segs, KEXEC_ON_CRASH);
}

TEST_F(crash, segment_list_checked)
{
	unsigned long pg = self->pg, s = self->r.start;
	struct kexec_segment overlap[] = {
		kx_seg(self->buf, pg, s, 2 * pg),
		kx_seg(self->buf, pg, s + pg, pg),
	};
	struct kexec_segment misaligned = kx_seg(self->buf, pg, s + 8, pg);
	struct kexec_segment oversized = kx_seg(self->buf, 2 * pg, s, pg);

	EXPECT_LOAD_FAILS(EINVAL, "overlap:1:0", s, 2, overlap, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "align:0", s, 1, &misaligned, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EINVAL, "bufsz:0", s, 1, &oversized, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EINVAL, "count", s, KEXEC_SEGMENT_MAX + 1, overlap,
			  KEXEC_ON_CRASH);
}

/*
 * The control pages of a crash image (the relocation code and its page
 * tables) come from the holes the segments leave in the region: segments
 * covering all of it are valid, but leave no room, and upstream fails
 * with ENOMEM.
 */
TEST_F(crash, region_full_fails_enomem)
{
	struct kexec_segment all = kx_seg(NULL, 0, self->r.start,
					  kx_region_size(&self->r));

	/* Not a refusal of the request: no reason line. */
	EXPECT_LOAD_FAILS(ENOMEM, NULL, self->r.start, 1, &all, KEXEC_ON_CRASH);
}

TEST_F_TIMEOUT(crash, large_segment, 300)
{
	size_t len = kx_region_size(&self->r) - KX_MIB;
	char *big = kx_map(len);
	struct kexec_segment seg = kx_seg(big, len, self->r.start, len);
	struct kexec_segment zero = kx_seg(NULL, 0, self->r.start, len);

	ASSERT_NE(NULL, big);
	EXPECT_LOADS(self->r.start, 1, &seg, KEXEC_ON_CRASH);
	EXPECT_LOADS(self->r.start, 1, &zero, KEXEC_ON_CRASH);
	munmap(big, len);
}

TEST_F(crash, sixteen_segments)
{
	struct kexec_segment segs[KEXEC_SEGMENT_MAX];
	unsigned long s = self->r.start;
	int i;

	for (i = 0; i < KEXEC_SEGMENT_MAX; i++)
		segs[i] = kx_seg(self->buf, self->pg, s + 2 * i * KX_MIB,
				 KX_MIB);
	EXPECT_LOADS(s, KEXEC_SEGMENT_MAX, segs, KEXEC_ON_CRASH);
}

TEST_F(crash, buffer_faults)
{
	unsigned long pg = self->pg, s = self->r.start;
	struct kexec_segment hole = kx_seg(self->hole, pg, s, pg);
	struct kexec_segment half = kx_seg(self->hole - pg, 2 * pg, s, 2 * pg);

	EXPECT_LOAD_FAILS(EFAULT, "fault:0", s, 1, &hole, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EFAULT, "fault:0", s, 1, &half, KEXEC_ON_CRASH);
}

/*
 * A crash load that fails after the armed crash image is gone leaves none.
 * Upstream frees the armed image before it checks the new one, so every
 * failure below disarms it: a kdump service that reloads with one bad
 * argument leaves the machine without a crash kernel. Ours checks
 * everything first, room for the control page included, and pins the
 * caller's buffers before it drops the armed image (the new one is written
 * where the old one was), so it keeps the armed image on all of them, a
 * buffer that faults included.
 */
TEST_F(crash, failed_load_and_armed_image)
{
	unsigned long pg = self->pg, s = self->r.start, e = self->r.end + 1;
	struct kexec_segment segs[] = {
		kx_seg(self->buf, pg, e, pg),
		kx_seg(self->buf, pg, e - pg, 2 * pg),
		kx_seg(NULL, 0, s, e - s),
		kx_seg(self->hole, pg, s, pg),
		kx_seg(self->buf, pg, s, 2 * pg),
		kx_seg(self->buf, pg, s + pg, pg),
	};
	const unsigned long f = KEXEC_ON_CRASH;
	const struct kx_case cases[] = {
		{ "segment outside", EADDRNOTAVAIL, 1, &segs[0], f, "crash-region:0" },
		{ "straddling the end", EADDRNOTAVAIL, 1, &segs[1], f, "crash-region:0" },
		{ "region full", ENOMEM, 1, &segs[2], f, NULL },
		{ "overlap", EINVAL, 2, &segs[4], f, "overlap:1:0" },
	};
	const struct kx_case fault = {
		"buffer fault", EFAULT, 1, &segs[3], f, "fault:0"
	};
	const struct kx_case entry = {
		"entry outside", EADDRNOTAVAIL, 1, &self->seg, f, "crash-entry"
	};
	long kept = testing_ours(_metadata);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		arm(_metadata, self);
		kx_expect_rejected(_metadata, __LINE__, &cases[i], s, 0, kept);
	}
	arm(_metadata, self);
	kx_expect_rejected(_metadata, __LINE__, &entry, e, 0, kept);
	arm(_metadata, self);
	kx_expect_rejected(_metadata, __LINE__, &fault, s, 0, kept);
	kx_unload(KEXEC_ON_CRASH);
}

/* Failures before the image slot is touched keep the armed image. */
TEST_F(crash, early_failure_keeps_armed_image)
{
	const struct kexec_segment *seg = &self->seg;
	const unsigned long f = KEXEC_ON_CRASH;
	const struct kx_case cases[] = {
		{ "unknown flag", EINVAL, 1, seg, f | 0x10, "flags" },
		{ "foreign arch", EINVAL, 1, seg, f | KX_ARCH_FOREIGN, "arch" },
		{ "17 segments", EINVAL, KEXEC_SEGMENT_MAX + 1, seg, f, "count" },
		{ "segments fault", kx_segments_fault_err(_metadata), 1, NULL, f,
		  "fault" },
	};

	arm(_metadata, self);
	expect_failures(_metadata, cases, ARRAY_SIZE(cases), self->r.start,
			0, 1);
}

/* A reader of kexec_crash_size, which takes the kexec lock too. */
struct kx_reader {
	long size;
	int stop;	/* set by the parent, in shared memory */
	int busy;
};

/*
 * kx_child_fn: read until told to stop; every read returns the size or
 * fails with EBUSY. 0, or the errno (1 for a wrong size).
 */
static int race_reader(void *arg)
{
	struct kx_reader *r = arg;
	long val;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		val = kx_sysfs("kexec_crash_size");
		if (val == -EBUSY)
			r->busy++;
		else if (val != r->size)
			return val < 0 ? -val : 1;
	}
	return 0;
}

/*
 * One kexec lock serialises normal and crash loads (and reads of the
 * crash region's size): whoever loses gets EBUSY.
 */
TEST_F_TIMEOUT(crash, concurrent_normal_and_crash, 300)
{
	struct kexec_segment normal = kx_seg(self->buf, self->pg, KX_DEST,
					     self->pg);
	struct {
		struct kx_race race[2];
		struct kx_reader reader;
	} *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t a, b, c;

	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	sh->race[0].seg = &normal;
	sh->race[1].seg = &self->seg;
	sh->race[1].flags = KEXEC_ON_CRASH;
	sh->reader.size = kx_region_size(&self->r);
	c = kx_spawn(race_reader, &sh->reader);
	a = kx_spawn(race_loader, &sh->race[0]);
	b = kx_spawn(race_loader, &sh->race[1]);
	EXPECT_EQ(0, kx_reap(a));
	EXPECT_EQ(0, kx_reap(b));
	__atomic_store_n(&sh->reader.stop, 1, __ATOMIC_RELAXED);
	EXPECT_EQ(0, kx_reap(c));
	TH_LOG("normal %d ok %d EBUSY, crash %d ok %d EBUSY, reads EBUSY %d",
	       sh->race[0].done, sh->race[0].busy, sh->race[1].done,
	       sh->race[1].busy, sh->reader.busy);
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
}

TEST_HARNESS_MAIN
