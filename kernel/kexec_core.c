// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kexec image: checking where its segments go, taking pages for them,
 * the entry list the relocation code follows, and the reboot into it.
 *
 * Loading is linear in the size of the image. Every page costs a constant
 * amount of work: at most KEXEC_SEGMENT_MAX range compares to see whether the
 * allocator handed out a page that some segment will overwrite at the jump,
 * and one xarray lookup while such pages are parked. No step walks what was
 * loaded before.
 */

#define pr_fmt(fmt) "kexec: " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kexec.h>
#include <linux/kmsg_dump.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/reboot.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/syscore_ops.h>
#include <linux/sysctl.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "kexec_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/kexec.h>

atomic_t __kexec_lock = ATOMIC_INIT(0);
bool kexec_in_progress;
bool kexec_file_dbg_print;

struct kimage *kexec_image;
struct kimage *kexec_crash_image;

/* No destination: a page for the entry list itself. */
#define KIMAGE_NO_DEST		(~0UL)
/* Source pages are taken in blocks of up to 2 MiB (see kimage_alloc_block()). */
#define KIMAGE_BLOCK_ORDER	min_t(int, 9, MAX_PAGE_ORDER)
/*
 * Steps of a loop that grows with the image (pages copied, parked, freed,
 * allocations tried) between two chances for others to run, and for a load
 * to notice that its caller was killed: one counter test a step.
 */
#define KIMAGE_PAGES_PER_YIELD	256

#define KIMAGE_SOURCE_GFP	(GFP_HIGHUSER | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* Entry-list pages are written through page_address(): never highmem. */
#define KIMAGE_LIST_GFP		(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* A block is only a shortcut: no reclaim or compaction for one. */
#define KIMAGE_BLOCK_GFP	((GFP_HIGHUSER & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN)

/**
 * kexec_yield - let others run, and see whether a load should stop
 *
 * Loops of a load that grow with the image call this every so often.
 *
 * Return: -EINTR if the caller got a fatal signal, else 0.
 */
int kexec_yield(void)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

/* Is @step the one of a long loop at which to yield? */
static bool kimage_yield_due(unsigned long step)
{
	return step % KIMAGE_PAGES_PER_YIELD == 0;
}

/* ------------------------------------------------------------------ */
/* Segment checks. The pure ones take arrays so that KUnit can call them. */

static unsigned long kexec_seg_end(const struct kexec_segment *seg)
{
	return seg->mem + seg->memsz;
}

/* Say in @why, if the caller wants to know, which rule segment @seg broke. */
static int kexec_refuse(struct kexec_refusal *why, int err, const char *rule,
			const char *what, unsigned long seg, unsigned long other)
{
	if (why)
		*why = (struct kexec_refusal) {
			.rule = rule, .what = what, .seg = seg, .other = other,
		};
	return err;
}

/**
 * kexec_check_segment_shape - check that each destination is a page-aligned
 * range that does not wrap and ends at or below @dest_limit
 * @segs: the segments
 * @nr: their number
 * @dest_limit: the architecture's KEXEC_DESTINATION_MEMORY_LIMIT
 * @why: where to say which segment broke which rule, or NULL
 *
 * Return: 0, or -EADDRNOTAVAIL.
 */
int kexec_check_segment_shape(const struct kexec_segment *segs,
			      unsigned long nr, unsigned long dest_limit,
			      struct kexec_refusal *why)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		unsigned long start = segs[i].mem;
		unsigned long end = kexec_seg_end(&segs[i]);

		if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end))
			return kexec_refuse(why, -EADDRNOTAVAIL, "align",
					    "is not page aligned", i, KEXEC_NO_SEGMENT);
		if (!kexec_range_below(start, end, dest_limit))
			return kexec_refuse(why, -EADDRNOTAVAIL, "limit",
					    "goes past the highest destination",
					    i, KEXEC_NO_SEGMENT);
	}
	return 0;
}

/**
 * kexec_check_segment_overlap - check that no two destinations overlap
 * @segs: the segments, already through kexec_check_segment_shape()
 * @nr: their number
 * @why: where to say which segment overlaps which, or NULL
 *
 * An empty segment placed strictly inside another counts as overlapping it.
 *
 * Return: 0, or -EINVAL.
 */
int kexec_check_segment_overlap(const struct kexec_segment *segs,
				unsigned long nr, struct kexec_refusal *why)
{
	unsigned long i, j;

	for (i = 1; i < nr; i++)
		for (j = 0; j < i; j++)
			if (kexec_ranges_overlap(segs[i].mem, kexec_seg_end(&segs[i]),
						 segs[j].mem, kexec_seg_end(&segs[j])))
				return kexec_refuse(why, -EINVAL, "overlap",
						    "overlaps segment", i, j);
	return 0;
}

/**
 * kexec_check_segment_sizes - check buffer sizes and the memory asked for
 * @segs: the segments, already through kexec_check_segment_shape()
 * @nr: their number
 * @ram_pages: pages of RAM in the machine
 * @why: where to say which segment broke which rule, or NULL
 *
 * No buffer may be larger than its destination, and the image may take at
 * most half of RAM, since it has to live beside the running kernel.
 *
 * Return: 0, or -EINVAL.
 */
int kexec_check_segment_sizes(const struct kexec_segment *segs,
			      unsigned long nr, unsigned long ram_pages,
			      struct kexec_refusal *why)
{
	unsigned long i, pages = 0;

	for (i = 0; i < nr; i++)
		if (segs[i].bufsz > segs[i].memsz)
			return kexec_refuse(why, -EINVAL, "bufsz",
					    "has a buffer larger than its memory",
					    i, KEXEC_NO_SEGMENT);

	for (i = 0; i < nr; i++) {
		unsigned long n = segs[i].memsz >> PAGE_SHIFT;

		/* Each term is checked before the sum, which cannot wrap. */
		if (n > ram_pages / 2 || pages + n > ram_pages / 2)
			return kexec_refuse(why, -EINVAL, "ram",
					    "takes the image past half of RAM",
					    i, KEXEC_NO_SEGMENT);
		pages += n;
	}
	return 0;
}

/**
 * kexec_check_segments_within - check that every destination lies in a region
 * @segs: the segments, already through kexec_check_segment_shape()
 * @nr: their number
 * @start: first byte of the region
 * @end: end of the region, past its last byte
 * @why: where to say which segment lies outside, or NULL
 *
 * An empty segment may sit at either edge of the region.
 *
 * Return: 0, or -EADDRNOTAVAIL.
 */
int kexec_check_segments_within(const struct kexec_segment *segs,
				unsigned long nr, unsigned long start,
				unsigned long end, struct kexec_refusal *why)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (segs[i].mem < start || kexec_seg_end(&segs[i]) > end)
			return kexec_refuse(why, -EADDRNOTAVAIL, "crash-region",
					    "lies outside the crash region",
					    i, KEXEC_NO_SEGMENT);
	return 0;
}

/* walk_system_ram_res() callback: extend the covered prefix, stop at a gap. */
static int kexec_extend_ram_cover(struct resource *res, void *arg)
{
	u64 *covered_to = arg;

	if (res->start > *covered_to)
		return 1;
	/* A resource's end is its last byte. */
	*covered_to = max_t(u64, *covered_to, res->end + 1);
	return 0;
}

/* Is all of the non-empty [@start, @end) System RAM of this kernel? */
static bool kexec_range_is_ram(phys_addr_t start, phys_addr_t end)
{
	u64 covered_to = start;

	/* The resource walk takes the last byte. */
	walk_system_ram_res(start, end - 1, &covered_to, kexec_extend_ram_cover);
	return covered_to >= end;
}

/* walk_iomem_res_desc() callback: stop at memory that is not System RAM. */
static int kexec_note_claim(struct resource *res, void *arg)
{
	unsigned long *desc = arg;

	if (res->flags & IORESOURCE_SYSRAM)
		return 0;
	*desc = res->desc;
	return 1;
}

/* What claims part of [@start, @end) besides System RAM, or NULL if nothing. */
static const char *kexec_range_claimed(phys_addr_t start, phys_addr_t end)
{
	unsigned long desc = ~0UL;

	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_MEM, start, end - 1,
			    &desc, kexec_note_claim);
	switch (desc) {
	case ~0UL:
		return NULL;
	case IORES_DESC_RESERVED:
	case IORES_DESC_SOFT_RESERVED:
		return "reserved memory";
	case IORES_DESC_ACPI_TABLES:
	case IORES_DESC_ACPI_NV_STORAGE:
		return "ACPI";
	case IORES_DESC_PERSISTENT_MEMORY:
	case IORES_DESC_PERSISTENT_MEMORY_LEGACY:
		return "persistent memory";
	default:
		return "a device or the firmware";
	}
}

/*
 * A destination must be RAM, and nothing else may claim it. RAM is what
 * the firmware's memory map says, where the architecture keeps it, since
 * mem= hides RAM from this kernel that the next one may use; hot-added
 * memory is in the resource tree only. A claim is any memory resource
 * other than System RAM: a reservation (memmap=), ACPI tables, persistent
 * memory, a device's window. Upstream finds out at the jump that a
 * destination is not memory (and the machine hangs), and writes over
 * reservations; we refuse both at load time, and say why.
 */
static int kexec_check_segments_in_ram(const struct kexec_segment *segs,
				       unsigned long nr,
				       struct kexec_refusal *why)
{
	phys_addr_t start, end;
	const char *claimed;
	unsigned long i;
	int err;

	for (i = 0; i < nr; i++) {
		if (!segs[i].memsz)
			continue;
		start = boot_phys_to_phys(segs[i].mem);
		end = boot_phys_to_phys(kexec_seg_end(&segs[i]));
		if (!arch_kexec_firmware_ram(start, end) &&
		    !kexec_range_is_ram(start, end))
			return kexec_refuse(why, -EADDRNOTAVAIL, "not-ram",
					    "is not RAM", i, KEXEC_NO_SEGMENT);
		claimed = kexec_range_claimed(start, end);
		if (claimed) {
			err = kexec_refuse(why, -EADDRNOTAVAIL, "claimed",
					   "is claimed by", i, KEXEC_NO_SEGMENT);
			if (why)
				why->by = claimed;
			return err;
		}
	}
	return 0;
}

static void kimage_note_dest_bounds(struct kimage *image)
{
	unsigned long i;

	image->dest_min = ~0UL;
	image->dest_max = 0;
	for (i = 0; i < image->nr_segments; i++) {
		const struct kexec_segment *seg = &image->segment[i];

		if (!seg->memsz)
			continue;
		image->dest_min = min(image->dest_min, seg->mem);
		image->dest_max = max(image->dest_max, kexec_seg_end(seg));
	}
}

/**
 * kexec_log_refusal - say in the kernel log why a load is refused
 * @rule: short name of the rule, the same for every refusal by it
 * @fmt: the rest of the line: what broke the rule
 *
 * One line a refusal, limited by the kernel.printk_ratelimit and
 * kernel.printk_ratelimit_burst sysctls, as printk_ratelimit() is.
 */
void kexec_log_refusal(const char *rule, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&printk_ratelimit_state))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_notice("refused (%s): %pV\n", rule, &vaf);
	va_end(args);
}

static void kexec_log_segment_refusal(const struct kimage *image,
				      const struct kexec_refusal *why)
{
	const struct kexec_segment *seg = &image->segment[why->seg];

	if (why->other != KEXEC_NO_SEGMENT)
		kexec_log_refusal(why->rule, "segment %lu [%#lx-%#lx) %s %lu [%#lx-%#lx)",
				  why->seg, seg->mem, kexec_seg_end(seg), why->what,
				  why->other, image->segment[why->other].mem,
				  kexec_seg_end(&image->segment[why->other]));
	else
		kexec_log_refusal(why->rule, "segment %lu [%#lx-%#lx) %s%s%s",
				  why->seg, seg->mem, kexec_seg_end(seg), why->what,
				  why->by ? " " : "", why->by ?: "");
}

static int kexec_check_segment_list(struct kimage *image,
				    struct kexec_refusal *why)
{
	const struct kexec_segment *segs = image->segment;
	unsigned long nr = image->nr_segments;
	int err;

	err = kexec_check_segment_shape(segs, nr, KEXEC_DESTINATION_MEMORY_LIMIT,
					why);
	if (!err)
		err = kexec_check_segment_overlap(segs, nr, why);
	if (!err)
		err = kexec_check_segment_sizes(segs, nr, totalram_pages(), why);
#ifdef CONFIG_CRASH_DUMP
	if (!err && image->type == KEXEC_TYPE_CRASH) {
		unsigned long start, end;

		kexec_crash_region(&start, &end);
		err = kexec_check_segments_within(segs, nr, start, end, why);
	}
#endif
	/* The crash region is RAM by construction. */
	if (!err && image->type != KEXEC_TYPE_CRASH)
		err = kexec_check_segments_in_ram(segs, nr, why);
	return err;
}

/**
 * sanity_check_segment_list - check the segments of an image before loading
 * @image: the image, with its segments and type set
 *
 * The checks come in the order whose errnos user space has always seen;
 * the System RAM check is last so that it only adds refusals.
 *
 * Return: 0, -EADDRNOTAVAIL for a destination that cannot be used, or
 * -EINVAL for overlapping, oversized or inconsistent segments.
 */
int sanity_check_segment_list(struct kimage *image)
{
	struct kexec_refusal why = { .by = NULL };
	int err = kexec_check_segment_list(image, &why);

	trace_kexec_load_checked(err);
	if (err) {
		kexec_log_segment_refusal(image, &why);
		return err;
	}
	kimage_note_dest_bounds(image);
	return 0;
}

/**
 * kexec_dest_overlap_end - how far the destinations that overlap a range reach
 * @segs: the segments
 * @nr: their number
 * @start: first byte of the range
 * @end: end of the range, past its last byte
 *
 * An empty segment is no destination.
 *
 * Return: the highest end of a destination overlapping [@start, @end), or 0
 * if none does (a destination that does not wrap ends above 0).
 */
unsigned long kexec_dest_overlap_end(const struct kexec_segment *segs,
				     unsigned long nr, unsigned long start,
				     unsigned long end)
{
	unsigned long i, reach = 0;

	for (i = 0; i < nr; i++)
		if (segs[i].memsz &&
		    kexec_ranges_overlap(start, end, segs[i].mem, kexec_seg_end(&segs[i])))
			reach = max(reach, kexec_seg_end(&segs[i]));
	return reach;
}

/**
 * kexec_find_hole - the first aligned range no destination overlaps
 * @segs: the segments
 * @nr: their number
 * @from: lowest address to consider
 * @end: end of the memory to search, past its last byte
 * @size: size of the hole, a power of two it is aligned to
 *
 * Return: the start of the hole, or @end if [@from, @end) has none.
 */
unsigned long kexec_find_hole(const struct kexec_segment *segs,
			      unsigned long nr, unsigned long from,
			      unsigned long end, unsigned long size)
{
	unsigned long hole = ALIGN(from, size);

	/*
	 * Each round skips past a destination, so there are at most @nr + 1.
	 * ALIGN() comes out below what it rounds only when it wraps.
	 */
	while (hole >= from && kexec_range_below(hole, hole + size, end)) {
		unsigned long reach = kexec_dest_overlap_end(segs, nr, hole,
							     hole + size);

		if (!reach)
			return hole;
		from = reach;
		hole = ALIGN(reach, size);
	}
	return end;
}

/**
 * kimage_is_destination_range - does any segment go to [@start, @end]?
 * @image: the image
 * @start: first byte
 * @end: last byte, not the end past it: kexec_file_load() and architecture
 *	 code call this with inclusive ranges
 *
 * Return: 1 if some segment's destination overlaps the range, else 0.
 */
int kimage_is_destination_range(struct kimage *image,
				unsigned long start, unsigned long end)
{
	/* No destination holds the last byte of the address space: it would wrap. */
	unsigned long stop = end == ULONG_MAX ? ULONG_MAX : end + 1;

	return !!kexec_dest_overlap_end(image->segment, image->nr_segments,
					start, stop);
}

/* Hot path of the load: the bounds rule out most pages without a loop. */
static bool kimage_page_is_destination(struct kimage *image,
				       unsigned long addr)
{
	unsigned long end = addr + PAGE_SIZE;

	if (!kexec_ranges_overlap(addr, end, image->dest_min, image->dest_max))
		return false;
	return kexec_dest_overlap_end(image->segment, image->nr_segments,
				      addr, end);
}

/* ------------------------------------------------------------------ */
/* The image and its pages. */

/**
 * do_kimage_alloc_init - allocate an empty image
 *
 * The image holds no other allocation until segments or control pages are
 * added, so a caller that has added none may kfree() it.
 *
 * Return: the image, or NULL.
 */
struct kimage *do_kimage_alloc_init(void)
{
	struct kimage *image = kzalloc(sizeof(*image), GFP_KERNEL);

	if (!image)
		return NULL;
	image->entry = &image->head;
	image->last_entry = &image->head;
	INIT_LIST_HEAD(&image->control_pages);
	xa_init(&image->parked_pages);
#ifdef CONFIG_CRASH_HOTPLUG
	/* Not known yet: found on the first hotplug event, or set by the loader. */
	image->elfcorehdr_index = -1;
	image->hp_action = KEXEC_CRASH_HP_NONE;
#endif
	return image;
}

static unsigned long kimage_page_addr(struct page *page)
{
	return page_to_boot_pfn(page) << PAGE_SHIFT;
}

/* Free @nr consecutive pages of a split block, prepared for the image. */
static void kimage_free_pages(struct page *first, unsigned int nr)
{
	unsigned int i;

	arch_kexec_pre_free_pages(page_address(first), nr);
	for (i = 0; i < nr; i++)
		__free_page(nth_page(first, i));
}

static void kimage_free_image_page(struct page *page)
{
	kimage_free_pages(page, 1);
}

/**
 * kimage_free_page_list - free pages linked through page->lru
 * @list: the pages; each holds its allocation order in page_private()
 */
void kimage_free_page_list(struct list_head *list)
{
	struct page *page, *next;
	unsigned long n = 0;

	list_for_each_entry_safe(page, next, list, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		arch_kexec_pre_free_pages(page_address(page), 1 << order);
		__free_pages(page, order);
		if (kimage_yield_due(++n))
			cond_resched();
	}
}

static void kimage_release_parked(struct kimage *image)
{
	struct page *page;
	unsigned long pfn, n = 0;

	xa_for_each(&image->parked_pages, pfn, page) {
		kimage_free_image_page(page);
		if (kimage_yield_due(++n))
			cond_resched();
	}
	xa_destroy(&image->parked_pages);
}

/*
 * A block of pages, as large as @wanted pages allow up to KIMAGE_BLOCK_ORDER,
 * split into single pages and prepared for the image: one trip to the page
 * allocator, and one arch_kexec_post_alloc_pages(), for many pages. A single
 * page is the last resort, with all the effort the allocator can make.
 * *@nr says how many pages the block has.
 */
static struct page *kimage_alloc_block(unsigned long wanted, unsigned int *nr)
{
	int order = min_t(int, KIMAGE_BLOCK_ORDER, ilog2(max(wanted, 1UL)));
	gfp_t gfp = KIMAGE_BLOCK_GFP;
	struct page *block;

	for (;; order--) {
		if (!order)
			gfp = KIMAGE_SOURCE_GFP;
		block = alloc_pages(gfp, order);
		if (block || !order)
			break;
	}
	if (!block)
		return NULL;
	split_page(block, order);
	*nr = 1U << order;
	if (arch_kexec_post_alloc_pages(page_address(block), *nr, gfp)) {
		kimage_free_pages(block, *nr);
		return NULL;
	}
	return block;
}

static struct page *kimage_alloc_list_page(void)
{
	struct page *page = alloc_page(KIMAGE_LIST_GFP);

	if (page && arch_kexec_post_alloc_pages(page_address(page), 1,
						KIMAGE_LIST_GFP)) {
		__free_page(page);
		return NULL;
	}
	return page;
}

/*
 * The block of the segment ending at @end, and its pages not handed out yet:
 * next[0] walks the even pages of the block, next[1] the odd ones.
 */
struct kimage_batch {
	struct page *block;
	unsigned int nr;
	unsigned int next[2];
	unsigned long end;
};

static bool kimage_batch_empty(const struct kimage_batch *batch)
{
	return batch->next[0] >= batch->nr && batch->next[1] >= batch->nr;
}

/*
 * A page of the batch, for @dest: a new block is sized to what is left.
 * A block is aligned to its size, so handing out pages in order would give
 * each source the same offset in the block as its destination has in the
 * segment; the page of the other parity is taken where there is one. Then
 * a source and its destination differ in the lowest bit of their frame
 * number, and the jump's copy does not read and write, access after
 * access, two pages that a direct-mapped TLB (QEMU's emulated one) or a
 * cache set of the same index holds in the same slot.
 */
static struct page *kimage_batch_take(struct kimage_batch *batch,
				      unsigned long dest)
{
	unsigned int parity = !((dest >> PAGE_SHIFT) & 1);

	if (kimage_batch_empty(batch)) {
		batch->nr = 0;
		batch->block = kimage_alloc_block((batch->end - dest) >> PAGE_SHIFT,
						  &batch->nr);
		if (!batch->block)
			return NULL;
		batch->next[0] = 0;
		batch->next[1] = 1;
	}
	if (batch->next[parity] >= batch->nr)
		parity ^= 1;
	batch->next[parity] += 2;
	return nth_page(batch->block, batch->next[parity] - 2);
}

static void kimage_batch_release(struct kimage_batch *batch)
{
	unsigned int parity, i;

	for (parity = 0; parity < 2; parity++)
		for (i = batch->next[parity]; i < batch->nr; i += 2)
			kimage_free_image_page(nth_page(batch->block, i));
	batch->nr = 0;
}

/* ------------------------------------------------------------------ */
/*
 * Destinations taken in place. Before the first page of a normal image is
 * copied, each destination range is asked of the page allocator as it is:
 * alloc_contig_range() hands over the free pages of a range, and moves
 * movable ones (page cache, user memory) out of the way. A page taken so
 * receives its own bytes, and the jump leaves it where it is. It refuses
 * a range if any pageblock the range touches holds a page that cannot
 * move (this kernel's image and early allocations, page tables, slab,
 * pinned pages), so a range refused whole is halved on pageblock
 * boundaries down to single pageblocks; pages of the pageblocks still
 * refused take the usual path through a source page. Each call drains the
 * per-CPU lists, so a busy pageblock costs a few calls at each halving,
 * not one a page.
 */

/* Destination pages the image owns: [start, end) as pfns, used below next. */
struct kimage_claim {
	unsigned long start;
	unsigned long next;
	unsigned long end;
};

#ifdef CONFIG_CONTIG_ALLOC
#define KIMAGE_CLAIM_GFP	(GFP_KERNEL | __GFP_NOWARN)

static int kimage_add_claim(struct kimage *image, unsigned long start,
			    unsigned long end)
{
	struct kimage_claim *claims = image->claims;

	if (image->nr_claims == image->max_claims) {
		unsigned int room = max(8U, 2 * image->max_claims);

		claims = krealloc_array(claims, room, sizeof(*claims),
					GFP_KERNEL);
		if (!claims)
			return -ENOMEM;
		image->claims = claims;
		image->max_claims = room;
	}
	claims[image->nr_claims++] = (struct kimage_claim) {
		.start = start, .next = start, .end = end,
	};
	return 0;
}

static void kimage_free_pfns(unsigned long start, unsigned long end)
{
	arch_kexec_pre_free_pages(pfn_to_kaddr(start), end - start);
	free_contig_range(start, end - start);
}

/*
 * Take the pages [@start, @end), which lie in one zone, or as many pieces
 * of them as halving finds free. Only a fatal signal is an error: what
 * cannot be taken is loaded the usual way.
 */
static int kimage_claim_pfns(struct kimage *image, unsigned long start,
			     unsigned long end)
{
	unsigned long mid = ALIGN_DOWN(start + (end - start) / 2,
				       pageblock_nr_pages);
	int err;

	err = alloc_contig_range(start, end, MIGRATE_MOVABLE, KIMAGE_CLAIM_GFP);
	if (!err) {
		if (arch_kexec_post_alloc_pages(pfn_to_kaddr(start), end - start,
						KIMAGE_CLAIM_GFP)) {
			free_contig_range(start, end - start);
			return 0;
		}
		if (kimage_add_claim(image, start, end))
			kimage_free_pfns(start, end);
		return 0;
	}
	if (fatal_signal_pending(current))
		return -EINTR;
	/* Halves meet on a pageblock boundary, or the range is one pageblock. */
	if (mid <= start)
		mid = ALIGN(start + 1, pageblock_nr_pages);
	if (err != -EBUSY || mid >= end)
		return 0;

	err = kimage_claim_pfns(image, start, mid);
	return err ? err : kimage_claim_pfns(image, mid, end);
}

/* Does the pageblock piece [@pfn, @end) have online pages of @zone only? */
static bool kimage_piece_in_zone(unsigned long pfn, unsigned long end,
				 const struct zone *zone)
{
	struct page *first = pfn_to_online_page(pfn);
	struct page *last = pfn_to_online_page(end - 1);

	return first && last && page_zone(first) == zone &&
	       page_zone(last) == zone;
}

/*
 * The end of the run of pageblock pieces from @pfn, before @end, that
 * alloc_contig_range() may be asked for at once; @pfn itself if its piece
 * has no online pages or straddles two zones.
 */
static unsigned long kimage_claimable_end(unsigned long pfn, unsigned long end)
{
	struct page *first = pfn_to_online_page(pfn);
	const struct zone *zone;
	unsigned long next;

	if (!first)
		return pfn;
	zone = page_zone(first);
	for (; pfn < end; pfn = next) {
		next = min(ALIGN(pfn + 1, pageblock_nr_pages), end);
		if (!kimage_piece_in_zone(pfn, next, zone))
			break;
	}
	return pfn;
}

/*
 * A segment smaller than a pageblock is not asked for: each call drains the
 * per-CPU page and LRU lists and waits for an expedited RCU grace period,
 * which costs more than copying a few pages at the jump.
 */
static int kimage_claim_segment(struct kimage *image,
				const struct kexec_segment *seg)
{
	unsigned long pfn = PHYS_PFN(boot_phys_to_phys(seg->mem));
	unsigned long end = pfn + (seg->memsz >> PAGE_SHIFT);
	unsigned long stop;
	int err;

	if (end - pfn < pageblock_nr_pages)
		return 0;

	while (pfn < end) {
		stop = kimage_claimable_end(pfn, end);
		if (stop == pfn) {
			pfn = min(ALIGN(pfn + 1, pageblock_nr_pages), end);
			continue;
		}
		err = kimage_claim_pfns(image, pfn, stop);
		if (err)
			return err;
		pfn = stop;
	}
	return 0;
}

static unsigned long kimage_claimed_pages(const struct kimage *image)
{
	unsigned long pages = 0;
	unsigned int i;

	for (i = 0; i < image->nr_claims; i++)
		pages += image->claims[i].end - image->claims[i].start;
	return pages;
}

static int kimage_cmp_claims(const void *a, const void *b)
{
	const struct kimage_claim *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void kimage_release_claims(struct kimage *image)
{
	unsigned int i;

	for (i = 0; i < image->nr_claims; i++) {
		struct kimage_claim *claim = &image->claims[i];

		if (claim->next < claim->end)
			kimage_free_pfns(claim->next, claim->end);
		cond_resched();
	}
	kfree(image->claims);
	image->claims = NULL;
	image->nr_claims = 0;
	image->max_claims = 0;
}

/* Take whatever destination pages the allocator can give, once an image. */
static int kimage_claim_destinations(struct kimage *image)
{
	unsigned long i;
	int err = 0;

	if (image->dests_claimed)
		return 0;
	image->dests_claimed = 1;
	for (i = 0; !err && i < image->nr_segments; i++)
		err = kimage_claim_segment(image, &image->segment[i]);
	sort(image->claims, image->nr_claims, sizeof(*image->claims),
	     kimage_cmp_claims, NULL);
	if (trace_kexec_load_claimed_enabled())
		trace_kexec_load_claimed(kimage_claimed_pages(image),
					 image->nr_claims);
	return err;
}
#else
static void kimage_release_claims(struct kimage *image) { }

static int kimage_claim_destinations(struct kimage *image)
{
	return 0;
}
#endif

/* The claim that holds @pfn, by halving the sorted runs: no call a page. */
static struct kimage_claim *kimage_find_claim(struct kimage *image,
					      unsigned long pfn)
{
	unsigned int lo = 0, hi = image->nr_claims;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct kimage_claim *claim = &image->claims[mid];

		if (pfn < claim->start)
			hi = mid;
		else if (pfn >= claim->end)
			lo = mid + 1;
		else
			return claim;
	}
	return NULL;
}

/*
 * The claimed page for @dest, if there is one. Pages of a claim are asked
 * for in order, since each lies in one segment, which is loaded upwards.
 */
static struct page *kimage_take_claimed(struct kimage *image,
					unsigned long dest)
{
	unsigned long pfn = PHYS_PFN(boot_phys_to_phys(dest));
	struct kimage_claim *claim = kimage_find_claim(image, pfn);

	if (!claim || WARN_ON_ONCE(pfn != claim->next))
		return NULL;
	claim->next++;
	return pfn_to_page(pfn);
}

/*
 * A page for the bytes that go to @dest, or for the entry list when @dest is
 * KIMAGE_NO_DEST. Prefer the destination page itself, if the allocator gave
 * it out earlier: it is then already in place and the jump skips it.
 * Otherwise any page that no segment overwrites at the jump will do; pages
 * that some segment does overwrite are parked, either for later use in
 * place or until the load is over.
 */
static struct page *kimage_take_page(struct kimage *image,
				     struct kimage_batch *batch,
				     unsigned long dest)
{
	unsigned long parked = 0;
	struct page *page;

	if (dest != KIMAGE_NO_DEST) {
		page = kimage_take_claimed(image, dest);
		if (page)
			return page;
	}
	if (dest != KIMAGE_NO_DEST && !xa_empty(&image->parked_pages)) {
		page = xa_erase(&image->parked_pages, dest >> PAGE_SHIFT);
		if (page)
			return page;
	}

	for (;;) {
		unsigned long addr;
		int err;

		page = batch ? kimage_batch_take(batch, dest) :
			       kimage_alloc_list_page();
		if (!page)
			return ERR_PTR(-ENOMEM);

		addr = kimage_page_addr(page);
		if (addr == dest)
			return page;
		if (kexec_range_below(addr, addr + PAGE_SIZE,
				      KEXEC_SOURCE_MEMORY_LIMIT) &&
		    !kimage_page_is_destination(image, addr))
			return page;

		err = xa_err(xa_store(&image->parked_pages, addr >> PAGE_SHIFT,
				      page, GFP_KERNEL));
		if (err) {
			kimage_free_image_page(page);
			return ERR_PTR(err);
		}
		/* A parked page is the image's: kimage_free() gives it back. */
		err = kimage_yield_due(++parked) ? kexec_yield() : 0;
		if (err)
			return ERR_PTR(err);
	}
}

/*
 * Append one word to the entry list. Each list page keeps its last word for
 * the link to the next one; the list always ends in a zero word, so that a
 * half-built image can be freed.
 */
static int kimage_add_entry(struct kimage *image, kimage_entry_t word)
{
	if (image->entry == image->last_entry) {
		struct page *page = kimage_take_page(image, NULL, KIMAGE_NO_DEST);
		kimage_entry_t *list;

		if (IS_ERR(page))
			return PTR_ERR(page);
		list = page_address(page);
		*image->entry = kimage_page_addr(page) | IND_INDIRECTION;
		image->entry = list;
		image->last_entry = list + PAGE_SIZE / sizeof(*list) - 1;
	}
	*image->entry++ = word;
	*image->entry = 0;
	return 0;
}

typedef void (*kimage_visit_t)(unsigned long dest, struct page *src, void *arg);

/*
 * Call @visit for every source page and its destination, in list order.
 * With @free_list, each list page is freed once it has been read.
 */
static void kimage_walk_entries(struct kimage *image, kimage_visit_t visit,
				void *arg, bool free_list)
{
	kimage_entry_t *word = &image->head;
	struct page *list_page = NULL;
	unsigned long dest = 0, n = 0;

	for (; *word && !(*word & IND_DONE); word++) {
		kimage_entry_t w = *word;

		if (kimage_yield_due(++n))
			cond_resched();

		if (w & IND_INDIRECTION) {
			if (free_list && list_page)
				kimage_free_image_page(list_page);
			list_page = boot_pfn_to_page(w >> PAGE_SHIFT);
			word = boot_phys_to_virt(w & PAGE_MASK);
			word--;
		} else if (w & IND_DESTINATION) {
			dest = w & PAGE_MASK;
		} else if (w & IND_SOURCE) {
			if (visit)
				visit(dest, boot_pfn_to_page(w >> PAGE_SHIFT), arg);
			dest += PAGE_SIZE;
		}
	}
	if (free_list && list_page)
		kimage_free_image_page(list_page);
}

static void kimage_free_source(unsigned long dest, struct page *src, void *arg)
{
	kimage_free_image_page(src);
}

/**
 * kimage_terminate - end the entry list once every segment is loaded
 * @image: the image
 *
 * Pages parked during the load and not used in place go back now.
 */
void kimage_terminate(struct kimage *image)
{
	*image->entry = IND_DONE;
	kimage_release_parked(image);
	kimage_release_claims(image);
}

/**
 * kimage_free - free an image and every page it holds
 * @image: the image, or NULL
 */
void kimage_free(struct kimage *image)
{
	if (!image)
		return;

	kimage_unpin_sources(image);
	kimage_crash_free_vmcoreinfo(image);
	/* Crash images load in place: their data pages are the region's. */
	kimage_walk_entries(image, image->type == KEXEC_TYPE_CRASH ?
			    NULL : kimage_free_source, NULL, true);
	kimage_release_parked(image);
	kimage_release_claims(image);
	machine_kexec_cleanup(image);
	kimage_free_page_list(&image->control_pages);
	if (image->file_mode)
		kimage_file_post_load_cleanup(image);
	kfree(image);
}

/* ------------------------------------------------------------------ */
/* Control pages: what the architecture needs at the jump, never overwritten. */

/* May control pages of @image go to [@addr, @addr + @size)? */
static bool kimage_control_fits(struct kimage *image, unsigned long addr,
				unsigned long size)
{
	return kexec_range_below(addr, addr + size, KEXEC_CONTROL_MEMORY_LIMIT) &&
	       !kexec_dest_overlap_end(image->segment, image->nr_segments,
				       addr, addr + size);
}

static void kimage_free_unusable(struct list_head *list, unsigned int order)
{
	struct page *page, *next;
	unsigned long n = 0;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		__free_pages(page, order);
		if (kimage_yield_due(++n))
			cond_resched();
	}
}

static struct page *kimage_alloc_normal_control_pages(struct kimage *image,
						      unsigned int order)
{
	unsigned long size = PAGE_SIZE << order, tries = 0;
	LIST_HEAD(unusable);
	struct page *pages;

	/* Keep unusable blocks until the end, or they come straight back. */
	for (;;) {
		pages = alloc_pages(KEXEC_CONTROL_MEMORY_GFP, order);
		if (!pages || kimage_control_fits(image, kimage_page_addr(pages),
						  size))
			break;
		list_add(&pages->lru, &unusable);
		if (kimage_yield_due(++tries) && kexec_yield()) {
			pages = NULL;
			break;
		}
	}
	kimage_free_unusable(&unusable, order);
	if (!pages)
		return NULL;
	set_page_private(pages, order);

	if (arch_kexec_post_alloc_pages(page_address(pages), 1 << order,
					KEXEC_CONTROL_MEMORY_GFP)) {
		__free_pages(pages, order);
		return NULL;
	}
	list_add(&pages->lru, &image->control_pages);
	return pages;
}

#ifdef CONFIG_CRASH_DUMP
/*
 * Crash images take control pages from the reserved region, in the first
 * aligned hole after the last one given out that no segment covers.
 */
static struct page *kimage_alloc_crash_control_pages(struct kimage *image,
						     unsigned int order)
{
	unsigned long size = PAGE_SIZE << order;
	unsigned long start, end, hole;
	struct page *pages;

	kexec_crash_region(&start, &end);
	start = max(start, image->control_page);
	end = min_t(unsigned long, end, KEXEC_CRASH_CONTROL_MEMORY_LIMIT);
	hole = kexec_find_hole(image->segment, image->nr_segments, start, end,
			       size);
	if (hole == end)
		return NULL;

	pages = boot_pfn_to_page(hole >> PAGE_SHIFT);
	image->control_page = hole + size;
	if (arch_kexec_post_alloc_pages(page_address(pages), 1 << order, 0))
		return NULL;
	return pages;
}
#else
static struct page *kimage_alloc_crash_control_pages(struct kimage *image,
						     unsigned int order)
{
	return NULL;
}
#endif

/**
 * kimage_alloc_control_pages - pages the relocation code may use at the jump
 * @image: the image
 * @order: log2 of the number of contiguous pages
 *
 * The pages lie below KEXEC_CONTROL_MEMORY_LIMIT and outside every
 * destination, so the jump does not overwrite them. They are freed with the
 * image.
 *
 * Return: the first page, or NULL when there is none, or when the caller
 * got a fatal signal while the allocator kept handing out unusable pages.
 */
struct page *kimage_alloc_control_pages(struct kimage *image,
					unsigned int order)
{
	if (image->type == KEXEC_TYPE_CRASH)
		return kimage_alloc_crash_control_pages(image, order);
	return kimage_alloc_normal_control_pages(image, order);
}

/* ------------------------------------------------------------------ */
/*
 * Crash loads through kexec_load(): the new image is written over the one
 * armed now, so the caller's buffers are pinned before that one is dropped.
 * A buffer that is not all readable then fails the load with the armed
 * image still armed, and the copy into the region cannot fault.
 */

static void kimage_log_fault(const struct kimage *image, unsigned long i)
{
	const struct kexec_segment *seg = &image->segment[i];

	kexec_log_refusal("fault", "segment %lu [%#lx-%#lx) has a buffer that is not all readable",
			  i, seg->mem, seg->mem + seg->memsz);
}

struct kimage_pinned {
	struct page **pages;
	unsigned long nr;	/* pages pinned so far */
	unsigned long offset;	/* of the buffer in its first page */
};

static int kimage_pin_buffer(struct kimage_pinned *pin,
			     const void __user *buf, size_t len)
{
	unsigned long first = (unsigned long)buf & PAGE_MASK;
	unsigned long want, batch;
	int got, err;

	pin->offset = offset_in_page(buf);
	want = DIV_ROUND_UP(pin->offset + len, PAGE_SIZE);
	pin->pages = kvmalloc_array(want, sizeof(*pin->pages), GFP_KERNEL);
	if (!pin->pages)
		return -ENOMEM;
	while (pin->nr < want) {
		batch = min_t(unsigned long, want - pin->nr,
			      KIMAGE_PAGES_PER_YIELD);
		got = pin_user_pages_fast(first + pin->nr * PAGE_SIZE, batch, 0,
					  pin->pages + pin->nr);
		if (got == -ENOMEM || got == -EINTR)
			return got;
		if (got < 0)
			return -EFAULT;
		pin->nr += got;
		if (got < batch)
			return -EFAULT;
		err = kexec_yield();
		if (err)
			return err;
	}
	return 0;
}

/**
 * kimage_pin_sources - pin the user buffers of a kexec_load() image
 * @image: a checked image whose segments point into the caller's memory
 *
 * Return: 0; -EFAULT if a buffer is not all readable, -ENOMEM, or -EINTR
 * when the caller got a fatal signal. What was pinned stays with the image
 * until kimage_unpin_sources() or kimage_free().
 */
int kimage_pin_sources(struct kimage *image)
{
	const struct kexec_segment *seg;
	unsigned long i;
	int err = 0;

	image->pinned = kcalloc(image->nr_segments, sizeof(*image->pinned),
				GFP_KERNEL);
	if (!image->pinned)
		return -ENOMEM;
	for (i = 0; !err && i < image->nr_segments; i++) {
		seg = &image->segment[i];
		if (seg->bufsz)
			err = kimage_pin_buffer(&image->pinned[i], seg->buf,
						seg->bufsz);
	}
	if (err == -EFAULT)
		kimage_log_fault(image, i - 1);
	return err;
}

/**
 * kimage_unpin_sources - let go of what kimage_pin_sources() pinned
 * @image: the image; nothing happens if none of its buffers is pinned
 */
void kimage_unpin_sources(struct kimage *image)
{
	unsigned long i;

	if (!image->pinned)
		return;
	for (i = 0; i < image->nr_segments; i++) {
		unpin_user_pages(image->pinned[i].pages, image->pinned[i].nr);
		kvfree(image->pinned[i].pages);
	}
	kfree(image->pinned);
	image->pinned = NULL;
}

/* Copy @len bytes from @off into a pinned buffer to @dst. */
static void kimage_copy_pinned(void *dst, const struct kimage_pinned *pin,
			       unsigned long off, size_t len)
{
	unsigned long pos;
	size_t chunk;

	for (; len; dst += chunk, off += chunk, len -= chunk) {
		pos = pin->offset + off;
		chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(pos));
		memcpy_from_page(dst, pin->pages[pos >> PAGE_SHIFT],
				 offset_in_page(pos), chunk);
	}
}

/* ------------------------------------------------------------------ */
/* Loading segments. */

/* Copy what the segment has for the page at @off into @page; zero the rest. */
static int kimage_fill_page(struct kimage *image, struct page *page,
			    const struct kexec_segment *seg, unsigned long off)
{
	size_t len = off < seg->bufsz ? min_t(size_t, seg->bufsz - off,
					      PAGE_SIZE) : 0;
	void *dst = kmap_local_page(page);
	int err = 0;

	if (image->file_mode)
		memcpy(dst, seg->kbuf + off, len);
	else if (image->pinned)
		kimage_copy_pinned(dst, &image->pinned[seg - image->segment],
				   off, len);
	else if (copy_from_user(dst, seg->buf + off, len))
		err = -EFAULT;
	memset(dst + len, 0, PAGE_SIZE - len);
	kunmap_local(dst);
	kexec_flush_icache_page(page);
	return err;
}

static int kimage_load_page(struct kimage *image, struct kimage_batch *batch,
			    const struct kexec_segment *seg, unsigned long off)
{
	struct page *page = kimage_take_page(image, batch, seg->mem + off);
	int err;

	if (IS_ERR(page))
		return PTR_ERR(page);
	err = kimage_add_entry(image, kimage_page_addr(page) | IND_SOURCE);
	if (err) {
		kimage_free_image_page(page);
		return err;
	}
	image->nr_source_pages++;
	if (kimage_page_addr(page) == seg->mem + off)
		image->nr_in_place_pages++;
	return kimage_fill_page(image, page, seg, off);
}

static int kimage_load_normal_segment(struct kimage *image,
				      const struct kexec_segment *seg)
{
	struct kimage_batch batch = { .end = seg->mem + seg->memsz };
	unsigned long off;
	int err = 0;

	if (!seg->memsz)
		return 0;
	err = kimage_claim_destinations(image);
	if (!err)
		err = kimage_add_entry(image, seg->mem | IND_DESTINATION);
	for (off = 0; !err && off < seg->memsz; off += PAGE_SIZE) {
		err = kimage_load_page(image, &batch, seg, off);
		if (!err && kimage_yield_due(off >> PAGE_SHIFT))
			err = kexec_yield();
	}
	kimage_batch_release(&batch);
	return err;
}

/* Crash images are written straight into the reserved region. */
static int kimage_load_crash_segment(struct kimage *image,
				     const struct kexec_segment *seg)
{
	unsigned long off;
	int err = 0;

	for (off = 0; !err && off < seg->memsz; off += PAGE_SIZE) {
		struct page *page = boot_pfn_to_page((seg->mem + off) >> PAGE_SHIFT);

		err = kimage_fill_page(image, page, seg, off);
		if (!err && kimage_yield_due(off >> PAGE_SHIFT))
			err = kexec_yield();
	}
	return err;
}

/**
 * kimage_load_segment - copy one segment into the image
 * @image: the image, checked by sanity_check_segment_list()
 * @segment: one of @image's segments
 *
 * Return: 0, -ENOMEM, -EFAULT for a bad user buffer, or -EINTR when the
 * caller got a fatal signal. On error the image keeps what it took and
 * kimage_free() gives it back.
 */
int kimage_load_segment(struct kimage *image, struct kexec_segment *segment)
{
	int err;

	if (image->type == KEXEC_TYPE_CRASH)
		err = kimage_load_crash_segment(image, segment);
	else
		err = kimage_load_normal_segment(image, segment);
	trace_kexec_segment_copied(segment - image->segment, segment->mem,
				   segment->memsz, err);
	if (err == -EFAULT)
		kimage_log_fault(image, segment - image->segment);
	return err;
}

struct kimage_map_req {
	unsigned long first;
	unsigned long nr;
	unsigned long found;
	struct page **pages;
};

static void kimage_collect_page(unsigned long dest, struct page *src, void *arg)
{
	struct kimage_map_req *req = arg;
	unsigned long idx = (dest - req->first) >> PAGE_SHIFT;

	if (dest >= req->first && idx < req->nr) {
		req->pages[idx] = src;
		req->found++;
	}
}

/**
 * kimage_map_segment - map the source pages of a destination range
 * @image: a loaded image
 * @addr: first byte of the destination range
 * @size: its length
 *
 * Return: a virtual address for @addr, to be released with
 * kimage_unmap_segment(), or NULL.
 */
void *kimage_map_segment(struct kimage *image, unsigned long addr,
			 unsigned long size)
{
	struct kimage_map_req req = { .first = addr & PAGE_MASK };
	void *vaddr = NULL;

	req.nr = DIV_ROUND_UP(addr + size - req.first, PAGE_SIZE);
	req.pages = kvcalloc(req.nr, sizeof(*req.pages), GFP_KERNEL);
	if (!req.pages)
		return NULL;
	kimage_walk_entries(image, kimage_collect_page, &req, false);
	if (req.found == req.nr)
		vaddr = vmap(req.pages, req.nr, VM_MAP, PAGE_KERNEL);
	kvfree(req.pages);
	return vaddr ? vaddr + offset_in_page(addr) : NULL;
}

/**
 * kimage_unmap_segment - undo kimage_map_segment()
 * @buffer: what it returned
 */
void kimage_unmap_segment(void *buffer)
{
	vunmap(PTR_ALIGN_DOWN(buffer, PAGE_SIZE));
}

/* ------------------------------------------------------------------ */
/* Who may load: capability, the one-way switch, and the load budgets. */

static int kexec_load_disabled;
static DEFINE_MUTEX(kexec_budget_lock);
/* Loads left per image type; -1 means no limit. */
static int kexec_loads_left[2] = { -1, -1 };

/**
 * kexec_load_permitted - may the caller load an image of this type now?
 * @kexec_image_type: KEXEC_TYPE_DEFAULT or KEXEC_TYPE_CRASH
 *
 * Every permitted call uses up one load of a limited budget, whether the
 * load then succeeds or not.
 *
 * Return: true if so.
 */
bool kexec_load_permitted(int kexec_image_type)
{
	int *left = &kexec_loads_left[kexec_image_type == KEXEC_TYPE_CRASH];
	bool ok;

	if (!capable(CAP_SYS_BOOT) || READ_ONCE(kexec_load_disabled))
		return false;

	mutex_lock(&kexec_budget_lock);
	ok = *left != 0;
	if (*left > 0)
		(*left)--;
	mutex_unlock(&kexec_budget_lock);
	return ok;
}

#ifdef CONFIG_SYSCTL
/* A budget can be set once, then only lowered. */
static int kexec_budget_handler(const struct ctl_table *table, int write,
				void *buffer, size_t *lenp, loff_t *ppos)
{
	int *left = table->data;
	int val, err;
	struct ctl_table tmp = {
		.data = &val,
		.maxlen = sizeof(val),
		.mode = table->mode,
	};

	if (!write) {
		mutex_lock(&kexec_budget_lock);
		val = *left;
		mutex_unlock(&kexec_budget_lock);
		return proc_dointvec(&tmp, write, buffer, lenp, ppos);
	}

	err = proc_dointvec(&tmp, write, buffer, lenp, ppos);
	if (err)
		return err;
	if (val < 0)
		return -EINVAL;
	mutex_lock(&kexec_budget_lock);
	if (*left != -1 && val >= *left)
		err = -EINVAL;
	else
		*left = val;
	mutex_unlock(&kexec_budget_lock);
	return err;
}

#define KEXEC_SYSCTL(name, var, handler, min, max) {			\
	.procname	= name,						\
	.data		= &(var),					\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= handler,					\
	.extra1		= min,						\
	.extra2		= max,						\
}

static struct ctl_table kexec_sysctls[] = {
	/* Only 1 may be written: once off, loads stay off. */
	KEXEC_SYSCTL("kexec_load_disabled", kexec_load_disabled,
		     proc_dointvec_minmax, SYSCTL_ONE, SYSCTL_ONE),
	KEXEC_SYSCTL("kexec_load_limit_reboot",
		     kexec_loads_left[KEXEC_TYPE_DEFAULT], kexec_budget_handler,
		     NULL, NULL),
	KEXEC_SYSCTL("kexec_load_limit_panic",
		     kexec_loads_left[KEXEC_TYPE_CRASH], kexec_budget_handler,
		     NULL, NULL),
};

static int __init kexec_sysctls_init(void)
{
	register_sysctl_init("kernel", kexec_sysctls);
	return 0;
}
late_initcall(kexec_sysctls_init);
#endif

/* ------------------------------------------------------------------ */

/*
 * Devices, syscore and the other CPUs down, as for a reboot. The reboot CPU
 * disabled CPU hotplug on the way, but machine_shutdown() may take the
 * other CPUs down through it, so it comes back on first.
 */
static void kexec_shutdown_for_reboot(void)
{
	kernel_restart_prepare("kexec reboot");
	migrate_to_reboot_cpu();
	syscore_shutdown();
	cpu_hotplug_enable();
	machine_shutdown();
}

/**
 * kernel_kexec - reboot into the loaded image
 *
 * Called by reboot(LINUX_REBOOT_CMD_KEXEC). Devices are shut down, the other
 * CPUs stopped (machine_shutdown()), and the architecture jumps.
 *
 * Return: -EBUSY if a load is in progress, -EINVAL if nothing is loaded;
 * otherwise it does not return.
 */
int kernel_kexec(void)
{
	if (!kexec_trylock())
		return -EBUSY;
	if (!kexec_image) {
		kexec_unlock();
		return -EINVAL;
	}

	kexec_in_progress = true;
	pr_notice("Starting new kernel\n");
	kexec_shutdown_for_reboot();
	kmsg_dump(KMSG_DUMP_SHUTDOWN);
	trace_kexec_jump(kexec_image->nr_source_pages,
			 kexec_image->nr_in_place_pages);
	/* The last line: what the jump has left to do. */
	pr_info("jump: %lu pages, %lu in place, %lu to copy\n",
		kexec_image->nr_source_pages, kexec_image->nr_in_place_pages,
		kexec_image->nr_source_pages - kexec_image->nr_in_place_pages);
	machine_kexec(kexec_image);

	/* Only a context-preserving image comes back, and we load none. */
	kexec_unlock();
	return -EIO;
}
