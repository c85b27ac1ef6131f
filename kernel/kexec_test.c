// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the kexec core: the segment checks, and what a load leaves
 * in the entry list. Nothing here jumps; destinations are only addresses.
 */

#include <kunit/test.h>
#include <linux/highmem.h>
#include <linux/kexec.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "kexec_internal.h"

#define PG	PAGE_SIZE
#define LIMIT	BIT_ULL(40)

static struct kexec_segment seg(unsigned long mem, size_t memsz, size_t bufsz)
{
	return (struct kexec_segment){ .mem = mem, .memsz = memsz, .bufsz = bufsz };
}

/* A limit is the end of the usable range: a range may end exactly there. */
static void range_below_limit_boundaries(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, kexec_range_below(LIMIT - PG, LIMIT, LIMIT));
	KUNIT_EXPECT_FALSE(test, kexec_range_below(LIMIT - PG, LIMIT + 1, LIMIT));
	KUNIT_EXPECT_FALSE(test, kexec_range_below(LIMIT - PG, LIMIT + PG, LIMIT));
	KUNIT_EXPECT_TRUE(test, kexec_range_below(LIMIT, LIMIT, LIMIT));
	KUNIT_EXPECT_FALSE(test, kexec_range_below(LIMIT + PG, LIMIT + PG, LIMIT));
	/* (-1UL) limits nothing but a range that wraps past the top. */
	KUNIT_EXPECT_TRUE(test, kexec_range_below(-2 * PG, -PG, ULONG_MAX));
	KUNIT_EXPECT_TRUE(test, kexec_range_below(ULONG_MAX, ULONG_MAX, ULONG_MAX));
	KUNIT_EXPECT_FALSE(test, kexec_range_below(-PG, 0, ULONG_MAX));
	KUNIT_EXPECT_FALSE(test, kexec_range_below(-PG, PG, ULONG_MAX));
}

static void ranges_overlap_boundaries(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, kexec_ranges_overlap(PG, 2 * PG, 2 * PG, 3 * PG));
	KUNIT_EXPECT_FALSE(test, kexec_ranges_overlap(2 * PG, 3 * PG, PG, 2 * PG));
	KUNIT_EXPECT_TRUE(test, kexec_ranges_overlap(PG, 2 * PG + 1, 2 * PG, 3 * PG));
	KUNIT_EXPECT_TRUE(test, kexec_ranges_overlap(2 * PG - 1, 3 * PG, PG, 2 * PG));
	/* An empty range at an edge touches; strictly inside, it overlaps. */
	KUNIT_EXPECT_FALSE(test, kexec_ranges_overlap(PG, PG, PG, 2 * PG));
	KUNIT_EXPECT_FALSE(test, kexec_ranges_overlap(2 * PG, 2 * PG, PG, 2 * PG));
	KUNIT_EXPECT_TRUE(test, kexec_ranges_overlap(PG + 1, PG + 1, PG, 2 * PG));
	KUNIT_EXPECT_FALSE(test, kexec_ranges_overlap(PG, PG, PG, PG));
	/* At the top of the address space. */
	KUNIT_EXPECT_FALSE(test, kexec_ranges_overlap(-2 * PG, -PG, -PG, ULONG_MAX));
	KUNIT_EXPECT_TRUE(test, kexec_ranges_overlap(-2 * PG, -PG + 1, -PG, ULONG_MAX));
}

static void shape_accepts_aligned_ranges(struct kunit *test)
{
	struct kexec_segment s[] = {
		seg(0x100000, 4 * PG, 0), seg(LIMIT - 2 * PG, PG, 0), seg(PG, 0, 0),
		seg(LIMIT - PG, PG, 0),	/* ends exactly at the limit */
		seg(LIMIT, 0, 0),	/* empty, at the limit */
	};

	KUNIT_EXPECT_EQ(test, 0, kexec_check_segment_shape(s, ARRAY_SIZE(s), LIMIT,
							   NULL));
	/* With (-1UL), up to the last page that does not wrap. */
	s[0] = seg(-2 * PG, PG, 0);
	KUNIT_EXPECT_EQ(test, 0, kexec_check_segment_shape(s, 1, ULONG_MAX, NULL));
}

static void shape_rejects_bad_ranges(struct kunit *test)
{
	const struct kexec_segment bad[] = {
		seg(0x100000 + 1, PG, 0),	/* start not aligned */
		seg(0x100000, PG + 1, 0),	/* end not aligned */
		seg(-PG, 2 * PG, 0),		/* wraps */
		seg(LIMIT - PG, 2 * PG, 0),	/* ends a page past the limit */
		seg(LIMIT, PG, 0),		/* starts there */
		seg(LIMIT + PG, 0, 0),		/* empty, past it */
	};
	const struct kexec_segment top = seg(-PG, PG, 0);	/* ends at 0 */
	struct kexec_refusal why;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, -EADDRNOTAVAIL,
				    kexec_check_segment_shape(&bad[i], 1, LIMIT, &why),
				    "case %d", i);
		KUNIT_EXPECT_STREQ_MSG(test, i < 2 ? "align" : "limit", why.rule,
				       "case %d", i);
		KUNIT_EXPECT_EQ(test, 0, why.seg);
	}
	KUNIT_EXPECT_EQ(test, -EADDRNOTAVAIL,
			kexec_check_segment_shape(&top, 1, ULONG_MAX, NULL));
}

/*
 * The real KEXEC_DESTINATION_MEMORY_LIMIT: the last page-aligned end at or
 * below it is accepted, the next page not. On x86 (MAXMEM - 1) that refuses
 * a segment ending at MAXMEM, as kexec_load() always has.
 */
static void shape_at_the_arch_limit(struct kunit *test)
{
	unsigned long lim = KEXEC_DESTINATION_MEMORY_LIMIT;
	unsigned long top = ALIGN_DOWN(lim, PG);
	struct kexec_segment s = seg(top - PG, PG, 0);

	KUNIT_EXPECT_EQ(test, 0, kexec_check_segment_shape(&s, 1, lim, NULL));
	s = seg(top, PG, 0);
	KUNIT_EXPECT_EQ(test, -EADDRNOTAVAIL,
			kexec_check_segment_shape(&s, 1, lim, NULL));
}

static void overlap_found_anywhere_in_the_list(struct kunit *test)
{
	struct kexec_segment s[] = {
		seg(0x100000, 2 * PG, 0), seg(0x200000, PG, 0),
		seg(0x102000, PG, 0),	/* touches the first: fine */
		seg(0x1ff000, 2 * PG, 0),	/* overlaps the second */
	};

	struct kexec_refusal why;

	KUNIT_EXPECT_EQ(test, 0, kexec_check_segment_overlap(s, 3, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, kexec_check_segment_overlap(s, 4, &why));
	KUNIT_EXPECT_STREQ(test, "overlap", why.rule);
	KUNIT_EXPECT_EQ(test, 3, why.seg);
	KUNIT_EXPECT_EQ(test, 1, why.other);
	/* An empty segment strictly inside another overlaps it. */
	s[3] = seg(0x101000, 0, 0);
	KUNIT_EXPECT_EQ(test, -EINVAL, kexec_check_segment_overlap(s, 4, &why));
	KUNIT_EXPECT_EQ(test, 0, why.other);
	/* ... but not one at its start or end. */
	s[3] = seg(0x103000, 0, 0);
	KUNIT_EXPECT_EQ(test, 0, kexec_check_segment_overlap(s, 4, NULL));
}

static void sizes_limit_buffers_and_ram(struct kunit *test)
{
	struct kexec_segment s[] = { seg(0, 4 * PG, 4 * PG), seg(0, 4 * PG, 0) };

	struct kexec_refusal why;

	KUNIT_EXPECT_EQ(test, 0, kexec_check_segment_sizes(s, 2, 16, NULL));
	/* Eight pages are half of 16, but not of 15: the second is one too many. */
	KUNIT_EXPECT_EQ(test, -EINVAL, kexec_check_segment_sizes(s, 2, 15, &why));
	KUNIT_EXPECT_STREQ(test, "ram", why.rule);
	KUNIT_EXPECT_EQ(test, 1, why.seg);
	KUNIT_EXPECT_EQ(test, -EINVAL, kexec_check_segment_sizes(s, 1, 7, &why));
	KUNIT_EXPECT_EQ(test, 0, why.seg);
	s[1].bufsz = 4 * PG + 1;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			kexec_check_segment_sizes(s, 2, 1 << 20, &why));
	KUNIT_EXPECT_STREQ(test, "bufsz", why.rule);
	KUNIT_EXPECT_EQ(test, 1, why.seg);
}

static void within_region_boundaries(struct kunit *test)
{
	unsigned long start = 0x1000000, end = 0x2000000;
	const struct {
		struct kexec_segment s;
		int err;
	} cases[] = {
		{ seg(start, end - start, 0), 0 },
		{ seg(end - PG, PG, 0), 0 },
		{ seg(end, 0, 0), 0 },			/* empty, at the end */
		{ seg(start, 0, 0), 0 },		/* empty, at the start */
		{ seg(end - PG, 2 * PG, 0), -EADDRNOTAVAIL },
		{ seg(end, PG, 0), -EADDRNOTAVAIL },
		{ seg(start - PG, PG, 0), -EADDRNOTAVAIL },
		{ seg(start - PG, 2 * PG, 0), -EADDRNOTAVAIL },
		{ seg(start - PG, 0, 0), -EADDRNOTAVAIL },
		{ seg(end + PG, 0, 0), -EADDRNOTAVAIL },
	};
	struct kexec_refusal why;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		why.rule = NULL;
		KUNIT_EXPECT_EQ_MSG(test, cases[i].err,
				    kexec_check_segments_within(&cases[i].s, 1,
								start, end, &why),
				    "case %d", i);
		if (cases[i].err)
			KUNIT_EXPECT_STREQ(test, "crash-region", why.rule);
	}
}

static void destination_range_is_inclusive(struct kunit *test)
{
	struct kimage *image = do_kimage_alloc_init();

	KUNIT_ASSERT_NOT_NULL(test, image);
	image->segment[0] = seg(0x100000, 2 * PG, 0);
	image->segment[1] = seg(0x300000, 0, 0);
	image->nr_segments = 2;
	KUNIT_EXPECT_TRUE(test, kimage_is_destination_range(image, 0, 0x100000));
	KUNIT_EXPECT_FALSE(test, kimage_is_destination_range(image, 0, 0xfffff));
	KUNIT_EXPECT_TRUE(test, kimage_is_destination_range(image, 0x101fff, -1UL));
	KUNIT_EXPECT_FALSE(test, kimage_is_destination_range(image, 0x102000, 0x2fffff));
	/* An empty segment is no destination. */
	KUNIT_EXPECT_FALSE(test, kimage_is_destination_range(image, 0x2ff000, 0x301000));
	kimage_free(image);
}

/* Its inclusive end may be the last byte there is; no segment can hold it. */
static void destination_range_at_the_top(struct kunit *test)
{
	struct kimage *image = do_kimage_alloc_init();

	KUNIT_ASSERT_NOT_NULL(test, image);
	image->segment[0] = seg(-3 * PG, 2 * PG, 0);
	image->nr_segments = 1;
	KUNIT_EXPECT_TRUE(test, kimage_is_destination_range(image, 0, ULONG_MAX));
	KUNIT_EXPECT_TRUE(test, kimage_is_destination_range(image, -PG - 1, ULONG_MAX));
	KUNIT_EXPECT_FALSE(test, kimage_is_destination_range(image, -PG, ULONG_MAX));
	KUNIT_EXPECT_FALSE(test, kimage_is_destination_range(image, 0, -3 * PG - 1));
	KUNIT_EXPECT_TRUE(test, kimage_is_destination_range(image, 0, -3 * PG));
	kimage_free(image);
}

/* How crash control pages are placed: around destinations, inside the region. */
static void find_hole_boundaries(struct kunit *test)
{
	const struct kexec_segment s[] = {
		seg(0x10000, 2 * PG, 0), seg(0x14000, PG, 0),
		seg(0x13000, 0, 0),	/* empty: no obstacle */
	};
	const struct kexec_segment top[] = { seg(-8 * PG, 5 * PG, 0) };

	/* A hole may touch a destination on either side. */
	KUNIT_EXPECT_EQ(test, 0x12000, kexec_find_hole(s, 3, 0x10000, 0x20000, PG));
	KUNIT_EXPECT_EQ(test, 0x12000, kexec_find_hole(s, 3, 0x10000, 0x20000, 2 * PG));
	KUNIT_EXPECT_EQ(test, 0xf000, kexec_find_hole(s, 3, 0xf000, 0x20000, PG));
	/* Aligned to its size, past both; it may end exactly at the end. */
	KUNIT_EXPECT_EQ(test, 0x18000, kexec_find_hole(s, 3, 0x10000, 0x20000, 4 * PG));
	KUNIT_EXPECT_EQ(test, 0x18000, kexec_find_hole(s, 3, 0x10000, 0x1c000, 4 * PG));
	KUNIT_EXPECT_EQ(test, 0x1b000, kexec_find_hole(s, 3, 0x10000, 0x1b000, 4 * PG));
	/* Rounding up past the last destination wraps to 0: no hole. */
	KUNIT_EXPECT_EQ(test, ULONG_MAX,
			kexec_find_hole(top, 1, -8 * PG, ULONG_MAX, 4 * PG));
	KUNIT_EXPECT_EQ(test, -3 * PG,
			kexec_find_hole(top, 1, -8 * PG, ULONG_MAX, PG));
}

/*
 * Load a kernel buffer through the core as kexec_file_load() would, then read
 * the entry list back the way the relocation code does.
 */
struct list_check {
	unsigned long sources;
	unsigned long in_place;
	unsigned long misplaced;
	unsigned long bad_bytes;
	unsigned long list_pages;
	bool out_of_order;
};

static void check_source(struct kimage *image, struct list_check *c,
			 unsigned long dest, struct page *src, const u8 *buf,
			 const struct kexec_segment *s)
{
	unsigned long addr = page_to_pfn(src) << PAGE_SHIFT;
	unsigned long off = dest - s->mem, i;
	u8 *p = kmap_local_page(src);

	if (addr == dest)
		c->in_place++;
	else if (kimage_is_destination_range(image, addr, addr + PG - 1))
		c->misplaced++;
	for (i = 0; i < PG; i++)
		if (p[i] != (off + i < s->bufsz ? buf[off + i] : 0))
			c->bad_bytes++;
	kunmap_local(p);
	c->sources++;
}

static void read_entry_list(struct kimage *image, const u8 *buf,
			    struct list_check *c)
{
	const struct kexec_segment *s = &image->segment[0];
	kimage_entry_t *w = &image->head;
	unsigned long dest = 0;

	for (; !(*w & IND_DONE); w++) {
		if (*w & IND_INDIRECTION) {
			c->list_pages++;
			w = phys_to_virt(*w & PAGE_MASK) - sizeof(*w);
		} else if (*w & IND_DESTINATION) {
			c->out_of_order |= (*w & PAGE_MASK) != s->mem;
			dest = *w & PAGE_MASK;
		} else if (*w & IND_SOURCE) {
			check_source(image, c, dest, pfn_to_page(*w >> PAGE_SHIFT),
				     buf, s);
			dest += PG;
		}
	}
}

struct ram_hole {
	unsigned long size;
	unsigned long start;
};

/* walk_system_ram_res() callback: the first range of System RAM that fits. */
static int find_ram_hole(struct resource *res, void *arg)
{
	struct ram_hole *hole = arg;
	unsigned long start = PAGE_ALIGN(res->start);

	if (start + hole->size - 1 > res->end)
		return 0;
	hole->start = start;
	return 1;
}

/*
 * Three list pages' worth of pages, the last one half filled from @buf, bound
 * for System RAM (a crash kernel has little of it, and not at fixed places);
 * nothing is copied there, as the image is never booted.
 */
static void load_builds_entry_list(struct kunit *test)
{
	unsigned long pages = 3 * (PG / sizeof(kimage_entry_t)) + 7;
	struct ram_hole hole = {};
	struct list_check c = {};
	struct kimage *image;
	u8 *buf;
	unsigned long i;

	buf = vmalloc(pages * PG);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < pages * PG; i++)
		buf[i] = i * 7 + (i >> 12);

	image = do_kimage_alloc_init();
	KUNIT_ASSERT_NOT_NULL(test, image);
	image->file_mode = 1;
	image->nr_segments = 1;
	hole.size = pages * PG;
	KUNIT_ASSERT_EQ(test, 1, walk_system_ram_res(0, -1, &hole, find_ram_hole));
	image->segment[0] = seg(hole.start, pages * PG, pages * PG - PG / 2);
	image->segment[0].kbuf = buf;
	KUNIT_ASSERT_EQ(test, 0, sanity_check_segment_list(image));
	KUNIT_ASSERT_EQ(test, 0, kimage_load_segment(image, &image->segment[0]));
	kimage_terminate(image);

	read_entry_list(image, buf, &c);
	KUNIT_EXPECT_EQ(test, pages, c.sources);
	KUNIT_EXPECT_EQ(test, pages, image->nr_source_pages);
	KUNIT_EXPECT_EQ(test, 0, c.misplaced);
	KUNIT_EXPECT_EQ(test, 0, c.bad_bytes);
	KUNIT_EXPECT_FALSE(test, c.out_of_order);
	KUNIT_EXPECT_EQ(test, 4, c.list_pages);
	KUNIT_EXPECT_TRUE(test, xa_empty(&image->parked_pages));
	KUNIT_EXPECT_EQ(test, c.in_place, image->nr_in_place_pages);
	kunit_info(test, "%lu of %lu pages already in place\n", c.in_place, pages);

	kimage_free(image);
	vfree(buf);
}

/*
 * Free a block, then load over exactly it: the load takes the free
 * destination as it is, where alloc_contig_range() exists; either way the
 * allocator may hand those pages back, and the load must use them only at
 * their own destination. The block is a whole movable pageblock, since
 * alloc_contig_range() refuses a range whose pageblocks hold other pages
 * that cannot move.
 */
static void pages_at_a_destination_stay_there(struct kunit *test)
{
	unsigned int order = pageblock_order;
	unsigned long pages = 1UL << order;
	struct page *block = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, order);
	struct list_check c = {};
	struct kimage *image;
	u8 *buf;

	KUNIT_ASSERT_NOT_NULL(test, block);
	buf = vzalloc(pages * PG);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0x5a, pages * PG);

	image = do_kimage_alloc_init();
	KUNIT_ASSERT_NOT_NULL(test, image);
	image->file_mode = 1;
	image->nr_segments = 1;
	image->segment[0] = seg(page_to_pfn(block) << PAGE_SHIFT, pages * PG,
				pages * PG);
	image->segment[0].kbuf = buf;
	__free_pages(block, order);

	KUNIT_ASSERT_EQ(test, 0, sanity_check_segment_list(image));
	KUNIT_ASSERT_EQ(test, 0, kimage_load_segment(image, &image->segment[0]));
	kimage_terminate(image);
	read_entry_list(image, buf, &c);
	KUNIT_EXPECT_EQ(test, pages, c.sources);
	KUNIT_EXPECT_EQ(test, 0, c.misplaced);
	KUNIT_EXPECT_EQ(test, 0, c.bad_bytes);
	KUNIT_EXPECT_EQ(test, c.in_place, image->nr_in_place_pages);
	/* A free destination is taken as it is, where the allocator can. */
	if (IS_ENABLED(CONFIG_CONTIG_ALLOC))
		KUNIT_EXPECT_EQ(test, pages, c.in_place);
	kunit_info(test, "%lu of %lu pages already in place\n", c.in_place, pages);

	kimage_free(image);
	vfree(buf);
}

static void control_pages_avoid_destinations(struct kunit *test)
{
	struct kimage *image = do_kimage_alloc_init();
	struct page *block = alloc_pages(GFP_KERNEL, 4);
	struct page *ctl;
	unsigned long addr;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, image);
	KUNIT_ASSERT_NOT_NULL(test, block);
	image->nr_segments = 1;
	image->segment[0] = seg(page_to_pfn(block) << PAGE_SHIFT, 16 * PG, 0);
	__free_pages(block, 4);

	for (i = 0; i < 32; i++) {
		ctl = kimage_alloc_control_pages(image, 0);
		KUNIT_ASSERT_NOT_NULL(test, ctl);
		addr = page_to_pfn(ctl) << PAGE_SHIFT;
		KUNIT_EXPECT_FALSE(test, kimage_is_destination_range(image, addr,
								     addr + PG - 1));
	}
	kimage_free(image);
}

static struct kunit_case kexec_segment_cases[] = {
	KUNIT_CASE(range_below_limit_boundaries),
	KUNIT_CASE(ranges_overlap_boundaries),
	KUNIT_CASE(shape_accepts_aligned_ranges),
	KUNIT_CASE(shape_rejects_bad_ranges),
	KUNIT_CASE(shape_at_the_arch_limit),
	KUNIT_CASE(overlap_found_anywhere_in_the_list),
	KUNIT_CASE(sizes_limit_buffers_and_ram),
	KUNIT_CASE(within_region_boundaries),
	KUNIT_CASE(destination_range_is_inclusive),
	KUNIT_CASE(destination_range_at_the_top),
	KUNIT_CASE(find_hole_boundaries),
	{}
};

static struct kunit_case kexec_load_cases[] = {
	KUNIT_CASE(load_builds_entry_list),
	KUNIT_CASE(pages_at_a_destination_stay_there),
	KUNIT_CASE(control_pages_avoid_destinations),
	{}
};

static struct kunit_suite kexec_segment_suite = {
	.name = "kexec_segments",
	.test_cases = kexec_segment_cases,
};

static struct kunit_suite kexec_load_suite = {
	.name = "kexec_load",
	.test_cases = kexec_load_cases,
};

kunit_test_suites(&kexec_segment_suite, &kexec_load_suite);

MODULE_DESCRIPTION("KUnit tests of the kexec core");
MODULE_LICENSE("GPL");
