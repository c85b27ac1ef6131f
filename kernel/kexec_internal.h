/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kexec_load(), kexec_file_load() and the crash code share inside
 * kernel/, and the pure checks the KUnit suite calls directly.
 */
#ifndef LINUX_KEXEC_INTERNAL_H
#define LINUX_KEXEC_INTERNAL_H

#include <linux/kexec.h>

/*
 * The core writes every range of addresses half-open: [start, end) holds the
 * bytes from start up to, not including, end, and is empty when they are
 * equal. A range that would end past the top of the address space cannot be
 * written so; its end wraps below its start, and no check lets it through.
 * Interfaces that speak of a last byte (struct resource, the callers of
 * kimage_is_destination_range()) are converted where they are called.
 */

/* Do the ranges share a byte, or does an empty one lie strictly inside the other? */
static inline bool kexec_ranges_overlap(unsigned long a_start, unsigned long a_end,
					unsigned long b_start, unsigned long b_end)
{
	return a_start < b_end && b_start < a_end;
}

/* Does [@start, @end) not wrap, and end at or below one of the *_MEMORY_LIMITs? */
static inline bool kexec_range_below(unsigned long start, unsigned long end,
				     unsigned long limit)
{
	return start <= end && end <= limit;
}

#ifdef CONFIG_CRASH_DUMP
/* The crashkernel= region, in boot addresses. */
static inline void kexec_crash_region(unsigned long *start, unsigned long *end)
{
	*start = phys_to_boot_phys(crashk_res.start);
	/* A resource's end is its last byte. */
	*end = phys_to_boot_phys(crashk_res.end) + 1;
}
#endif

/* Checking an image's segments before anything is taken for them. */
int sanity_check_segment_list(struct kimage *image);
int kimage_is_destination_range(struct kimage *image,
				unsigned long start, unsigned long end);

/* An image's life: empty, segments copied in, list ended, freed. */
struct kimage *do_kimage_alloc_init(void);
int kimage_load_segment(struct kimage *image, struct kexec_segment *segment);
void kimage_terminate(struct kimage *image);
void kimage_free(struct kimage *image);
void kimage_free_page_list(struct list_head *list);
int kimage_pin_sources(struct kimage *image);
void kimage_unpin_sources(struct kimage *image);

/* Crash images keep VMCOREINFO in their region (crash_core.c). */
#ifdef CONFIG_CRASH_DUMP
void kimage_crash_free_vmcoreinfo(struct kimage *image);
#else
static inline void kimage_crash_free_vmcoreinfo(struct kimage *image) { }
#endif

/* Why a check refused an image: the rule, and the segments it names. */
#define KEXEC_NO_SEGMENT	(~0UL)
struct kexec_refusal {
	const char *rule;	/* short name, as the log line gives it */
	const char *what;	/* what the segment did, for the log line */
	const char *by;		/* what claims its destination, or NULL */
	unsigned long seg;	/* the segment that broke the rule */
	unsigned long other;	/* the one it overlaps, or KEXEC_NO_SEGMENT */
};

__printf(2, 3) void kexec_log_refusal(const char *rule, const char *fmt, ...);

/* Pure checks on a segment array (no memory map involved), for the tests. */
int kexec_check_segment_shape(const struct kexec_segment *segs,
			      unsigned long nr, unsigned long dest_limit,
			      struct kexec_refusal *why);
int kexec_check_segment_overlap(const struct kexec_segment *segs,
				unsigned long nr, struct kexec_refusal *why);
int kexec_check_segment_sizes(const struct kexec_segment *segs,
			      unsigned long nr, unsigned long ram_pages,
			      struct kexec_refusal *why);
int kexec_check_segments_within(const struct kexec_segment *segs,
				unsigned long nr, unsigned long start,
				unsigned long end, struct kexec_refusal *why);
unsigned long kexec_dest_overlap_end(const struct kexec_segment *segs,
				     unsigned long nr, unsigned long start,
				     unsigned long end);
unsigned long kexec_find_hole(const struct kexec_segment *segs,
			      unsigned long nr, unsigned long from,
			      unsigned long end, unsigned long size);

/*
 * One lock for everything that loads, unloads or boots an image. The panic
 * path takes it too, possibly from NMI context, so it is a bare atomic that
 * never sleeps: whoever finds it taken gets -EBUSY (or, on panic, gives up).
 */
extern atomic_t __kexec_lock;
static inline bool kexec_trylock(void)
{
	return atomic_cmpxchg_acquire(&__kexec_lock, 0, 1) == 0;
}

static inline void kexec_unlock(void)
{
	atomic_set_release(&__kexec_lock, 0);
}

/* kexec_file_load(): the built-in purgatory, and freeing what a load kept. */
#ifndef CONFIG_KEXEC_FILE
static inline void kimage_file_post_load_cleanup(struct kimage *image) { }
#else
#include <linux/purgatory.h>
extern char kexec_purgatory[];
extern size_t kexec_purgatory_size;
void kimage_file_post_load_cleanup(struct kimage *image);
#endif

#endif /* LINUX_KEXEC_INTERNAL_H */
