// SPDX-License-Identifier: GPL-2.0-only
/*
 * kexec_load(2): load, replace or unload the image that the next
 * reboot(LINUX_REBOOT_CMD_KEXEC) boots, or the one a panic boots.
 *
 * A failed load leaves the image that was loaded before exactly as it was.
 * The one exception is the crash image, which is written straight into the
 * crashkernel= region: once every check has passed and the caller's
 * buffers are pinned (so none can fault), the old crash image is dropped to
 * make room. A load that then fails (a fatal signal during the copy, no
 * memory for the jump's page table) leaves no crash image loaded; a load
 * refused by a check, a bad buffer, or want of room for its control page
 * leaves it armed.
 */

#define pr_fmt(fmt) "kexec: " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/kexec.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

#include "kexec_internal.h"

#include <trace/events/kexec.h>

static bool kexec_is_crash(unsigned long flags)
{
	return IS_ENABLED(CONFIG_CRASH_DUMP) && (flags & KEXEC_ON_CRASH);
}

static struct kimage **kexec_slot(unsigned long flags)
{
	return kexec_is_crash(flags) ? &kexec_crash_image : &kexec_image;
}

/* A crash image must start inside the region it is loaded into. */
static bool kexec_crash_entry_ok(unsigned long entry)
{
#ifdef CONFIG_CRASH_DUMP
	unsigned long start, end;

	kexec_crash_region(&start, &end);
	return entry >= start && entry < end;
#else
	return false;
#endif
}

/* Build an image around copies of the segments and check it; nothing loaded. */
static int kimage_create(struct kimage **out, unsigned long entry,
			 unsigned long nr_segments,
			 const struct kexec_segment *segments,
			 unsigned long flags)
{
	struct kimage *image;
	int err;

	if (kexec_is_crash(flags) && !kexec_crash_entry_ok(entry)) {
		kexec_log_refusal("crash-entry",
				  "entry %#lx lies outside the crash region", entry);
		return -EADDRNOTAVAIL;
	}

	image = do_kimage_alloc_init();
	if (!image)
		return -ENOMEM;
	memcpy(image->segment, segments, nr_segments * sizeof(*segments));
	image->nr_segments = nr_segments;
	image->start = entry;
	image->preserve_context = !!(flags & KEXEC_PRESERVE_CONTEXT);
#ifdef CONFIG_CRASH_DUMP
	if (kexec_is_crash(flags)) {
		image->type = KEXEC_TYPE_CRASH;
		image->control_page = phys_to_boot_phys(crashk_res.start);
	}
#endif
#ifdef CONFIG_CRASH_HOTPLUG
	if (kexec_is_crash(flags) && arch_crash_hotplug_support(image, flags))
		image->hotplug_support = 1;
#endif

	err = sanity_check_segment_list(image);
	if (err) {
		kfree(image);
		return err;
	}

	/* Taken here, so that a full crash region fails before any unload. */
	image->control_code_page =
		kimage_alloc_control_pages(image,
					   get_order(KEXEC_CONTROL_PAGE_SIZE));
	if (!image->control_code_page) {
		kimage_free(image);
		return -ENOMEM;
	}
	*out = image;
	return 0;
}

/* Fill a checked image: arch setup, then the segments. */
static int kimage_populate(struct kimage *image)
{
	unsigned long i;
	int err;

	err = machine_kexec_prepare(image);
	if (err == -EOPNOTSUPP)
		kexec_log_refusal("preserve-context",
				  "this kernel cannot come back from the jump");
	if (!err)
		err = kimage_crash_copy_vmcoreinfo(image);
	for (i = 0; !err && i < image->nr_segments; i++)
		err = kimage_load_segment(image, &image->segment[i]);
	if (err)
		return err;

	kimage_terminate(image);
	return machine_kexec_post_load(image);
}

static int kexec_replace_image(unsigned long entry, unsigned long nr_segments,
			       const struct kexec_segment *segments,
			       unsigned long flags)
{
	struct kimage **slot = kexec_slot(flags);
	struct kimage *image;
	int err;

	err = kimage_create(&image, entry, nr_segments, segments, flags);
	if (err)
		return err;

	/*
	 * The new crash image goes where the old one is: pin its buffers
	 * first, so that one that faults fails while the old one is armed.
	 */
	if (image->type == KEXEC_TYPE_CRASH) {
		err = kimage_pin_sources(image);
		if (err) {
			kimage_free(image);
			return err;
		}
		kimage_free(xchg(slot, NULL));
	}

	err = kimage_populate(image);
	kimage_unpin_sources(image);
	if (!err)
		image = xchg(slot, image);
	kimage_free(image);
	return err;
}

static void kexec_trace_load_end(unsigned long flags,
				 unsigned long nr_segments, int err)
{
	struct kimage *image = *kexec_slot(flags);

	/* What the slot holds after a failure is the image loaded before. */
	if (err || !nr_segments)
		image = NULL;
	trace_kexec_load_end(kexec_is_crash(flags), err,
			     image ? image->nr_source_pages : 0,
			     image ? image->nr_in_place_pages : 0);
}

static int do_kexec_load(unsigned long entry, unsigned long nr_segments,
			 const struct kexec_segment *segments,
			 unsigned long flags)
{
	bool crash = kexec_is_crash(flags);
	int err = 0;

	/* The panic path takes this lock too; it must not sleep. */
	if (!kexec_trylock())
		return -EBUSY;
	trace_kexec_load_start(nr_segments, flags);

	if (crash && kexec_crash_image)
		arch_kexec_unprotect_crashkres();

	if (nr_segments)
		err = kexec_replace_image(entry, nr_segments, segments, flags);
	else
		kimage_free(xchg(kexec_slot(flags), NULL));

	if (crash && kexec_crash_image)
		arch_kexec_protect_crashkres();
	kexec_trace_load_end(flags, nr_segments, err);

	kexec_unlock();
	return err;
}

/* Both entries end here, with the segment array in kernel memory. */
static int kexec_load_and_free(unsigned long entry, unsigned long nr_segments,
			       struct kexec_segment *ksegs, unsigned long flags)
{
	int err = do_kexec_load(entry, nr_segments, ksegs, flags);

	kfree(ksegs);
	return err;
}

/* What lockdown and the LSMs say about bringing unsigned code in. */
static int kexec_may_load_data(void)
{
	int err = security_kernel_load_data(LOADING_KEXEC_IMAGE, false);

	/* Under lockdown, nothing unsigned may replace the running kernel. */
	return err ? err : security_locked_down(LOCKDOWN_KEXEC);
}

/* Checks common to the native and the compat entry, before any copying. */
static int kexec_load_check(unsigned long nr_segments, unsigned long flags)
{
	int type = flags & KEXEC_ON_CRASH ? KEXEC_TYPE_CRASH : KEXEC_TYPE_DEFAULT;
	unsigned long known = KEXEC_FLAGS;
	int err;

	if (!kexec_load_permitted(type)) {
		kexec_log_refusal("permission",
				  "no CAP_SYS_BOOT, or loads disabled or used up");
		return -EPERM;
	}

	/*
	 * An unload brings nothing in, so lockdown and the LSMs, which judge
	 * loaded data, do not stop it: kexec_file_load unloads under them too.
	 * It still takes CAP_SYS_BOOT and counts against the load limits.
	 */
	if (nr_segments) {
		err = kexec_may_load_data();
		if (err) {
			kexec_log_refusal("security",
					  "lockdown or a security module said %d",
					  err);
			return err;
		}
	}

	if (nr_segments > KEXEC_SEGMENT_MAX) {
		kexec_log_refusal("count", "%lu segments, at most %d",
				  nr_segments, KEXEC_SEGMENT_MAX);
		return -EINVAL;
	}

	if (!IS_ENABLED(CONFIG_CRASH_DUMP))
		known &= ~(unsigned long)KEXEC_ON_CRASH;
	/*
	 * KEXEC_ARCH_MASK is an unsigned int, so its complement clears flag
	 * bits 32-63 as well: they have always been ignored, and stay so.
	 */
	if ((flags & known) != (flags & ~KEXEC_ARCH_MASK)) {
		kexec_log_refusal("flags", "unknown flags %#lx",
				  flags & ~(known | KEXEC_ARCH_MASK));
		return -EINVAL;
	}
	return 0;
}

/* The architecture the caller names must be this kernel's. */
static int kexec_check_arch(unsigned long flags, bool named_only)
{
	unsigned long arch = flags & KEXEC_ARCH_MASK;

	if (arch == KEXEC_ARCH || (!named_only && arch == KEXEC_ARCH_DEFAULT))
		return 0;
	kexec_log_refusal("arch", named_only ?
			  "architecture %#lx, a 32-bit caller must name %#x" :
			  "architecture %#lx, this kernel takes %#x",
			  arch, KEXEC_ARCH);
	return -EINVAL;
}

/* The caller's segment list; a fault in it is logged as a refusal. */
static void *kexec_copy_segments(const void __user *segments,
				 unsigned long nr_segments, size_t size)
{
	void *copy = memdup_array_user(segments, nr_segments, size);

	if (copy == ERR_PTR(-EFAULT))
		kexec_log_refusal("fault", "the segment list at %#lx is not readable",
				  (unsigned long)segments);
	return copy;
}

SYSCALL_DEFINE4(kexec_load, unsigned long, entry, unsigned long, nr_segments,
		struct kexec_segment __user *, segments, unsigned long, flags)
{
	struct kexec_segment *ksegs;
	int err;

	err = kexec_load_check(nr_segments, flags);
	if (!err)
		err = kexec_check_arch(flags, false);
	if (err)
		return err;

	ksegs = kexec_copy_segments(segments, nr_segments, sizeof(*ksegs));
	if (IS_ERR(ksegs))
		return PTR_ERR(ksegs);
	return kexec_load_and_free(entry, nr_segments, ksegs, flags);
}

#ifdef CONFIG_COMPAT
/* A 32-bit caller's struct kexec_segment: the ABI of the compat entry. */
struct compat_kexec_segment {
	compat_uptr_t buf;
	compat_size_t bufsz;
	compat_ulong_t mem;
	compat_size_t memsz;
};

COMPAT_SYSCALL_DEFINE4(kexec_load, compat_ulong_t, entry,
		       compat_ulong_t, nr_segments,
		       struct compat_kexec_segment __user *, segments,
		       compat_ulong_t, flags)
{
	struct compat_kexec_segment *csegs;
	struct kexec_segment *ksegs;
	unsigned long i;
	int err;

	/* A 32-bit caller must name the architecture of what it loads. */
	err = kexec_load_check(nr_segments, flags);
	if (!err)
		err = kexec_check_arch(flags, true);
	if (err)
		return err;

	csegs = kexec_copy_segments(segments, nr_segments, sizeof(*csegs));
	if (IS_ERR(csegs))
		return PTR_ERR(csegs);
	ksegs = kcalloc(nr_segments, sizeof(*ksegs), GFP_KERNEL);
	if (!ksegs) {
		kfree(csegs);
		return -ENOMEM;
	}
	for (i = 0; i < nr_segments; i++) {
		ksegs[i].buf = compat_ptr(csegs[i].buf);
		ksegs[i].bufsz = csegs[i].bufsz;
		ksegs[i].mem = csegs[i].mem;
		ksegs[i].memsz = csegs[i].memsz;
	}
	kfree(csegs);
	return kexec_load_and_free(entry, nr_segments, ksegs, flags);
}
#endif
