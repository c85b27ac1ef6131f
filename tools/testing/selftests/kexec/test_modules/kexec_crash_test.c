// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crashes for the kdump scenarios that user space cannot cause by itself, and
 * the bugs the debug flavour's detectors must catch. Loading the module does
 * what its "action" parameter names; the crashes never return when a crash
 * kernel is armed:
 *
 *   oops-kthread    a kernel thread dereferences a bad pointer (boot with
 *                   oops=panic, so that the oops boots the crash kernel)
 *   panic-all-cpus  one thread bound to each online CPU; they meet, then all
 *                   call panic() at the same moment
 *   write-region    try to overwrite every page of the physical range
 *                   region_start..+region_size (the crashkernel= region with
 *                   a crash kernel loaded in it), report how many pages took
 *                   the write, then panic
 *   mark-range      write the string "marker" at the start of a page that
 *                   the page allocator hands out inside region_start..
 *                   +region_size (memory just hot-added), keep the page and
 *                   say where it is: the dump must hold it after a crash
 *
 * The bugs, each of which must fail a run of the debug flavour, and only
 * through its own detector (kmemleak, KASAN, lockdep):
 *
 *   leak            allocate an object and lose the only pointer to it
 *   use-after-free  read an object after freeing it
 *   lock-inversion  take two locks in one order, then in the other (one
 *                   thread, so nothing deadlocks; lockdep sees the cycle)
 *
 * It works on any kernel with kexec, ours or upstream's: it uses no symbol
 * of the kexec code, and it is told where the region is by its loader.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static char *action = "";
module_param(action, charp, 0400);
MODULE_PARM_DESC(action, "oops-kthread, panic-all-cpus, write-region, mark-range, leak, use-after-free or lock-inversion");

static unsigned long region_start;
module_param(region_start, ulong, 0400);
MODULE_PARM_DESC(region_start, "write-region, mark-range: first physical byte");

static unsigned long region_size;
module_param(region_size, ulong, 0400);
MODULE_PARM_DESC(region_size, "write-region, mark-range: bytes");

static char *marker = "";
module_param(marker, charp, 0400);
MODULE_PARM_DESC(marker, "mark-range: the string to write");

/* A pointer the compiler cannot prove NULL, so the bad access stays in. */
static int *bad_pointer;

static int oops_thread(void *unused)
{
	int *p = bad_pointer;

	OPTIMIZER_HIDE_VAR(p);
	pr_info("oopsing in kernel thread %s\n", current->comm);
	WRITE_ONCE(*p, 1);
	return 0;
}

static atomic_t cpus_waiting;

static int panic_thread(void *unused)
{
	/* Everyone spins here until the last one has arrived. */
	atomic_dec(&cpus_waiting);
	while (atomic_read(&cpus_waiting))
		cpu_relax();
	panic("kexec_crash_test: panic on CPU %d\n", raw_smp_processor_id());
	return 0;
}

/*
 * All threads exist before any runs: a spinning thread bound to this CPU
 * must not keep us from creating the others.
 */
static int start_panic_threads(void)
{
	struct task_struct **threads;
	unsigned int cpu, n = 0;
	int err = 0;

	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		threads[n] = kthread_create(panic_thread, NULL, "kx_panic/%u", cpu);
		if (IS_ERR(threads[n])) {
			err = PTR_ERR(threads[n]);
			break;
		}
		kthread_bind(threads[n++], cpu);
	}
	if (err) {
		while (n)
			kthread_stop(threads[--n]);
	} else {
		atomic_set(&cpus_waiting, n);
		pr_info("%u CPUs panic at once\n", n);
		while (n)
			wake_up_process(threads[--n]);
	}
	cpus_read_unlock();
	kfree(threads);
	return err;
}

/* Write a pattern over one page through the direct map; false if refused. */
static bool write_page(unsigned long phys)
{
	u64 *word = phys_to_virt(phys);
	u64 pattern = 0xdeadbeefdeadbeefULL;
	unsigned int i;

	pagefault_disable();
	for (i = 0; i < PAGE_SIZE / sizeof(*word); i++)
		__put_kernel_nofault(word + i, &pattern, u64, refused);
	pagefault_enable();
	return true;
refused:
	pagefault_enable();
	return false;
}

static int write_region(void)
{
	unsigned long off, written = 0, pages = region_size >> PAGE_SHIFT;

	if (!region_size || !PAGE_ALIGNED(region_start | region_size))
		return -EINVAL;
	for (off = 0; off < region_size; off += PAGE_SIZE)
		written += write_page(region_start + off);
	/* The panic message reaches the console even with "quiet". */
	panic("kexec_crash_test: %lu of %lu crash region pages took the write\n",
	      written, pages);
	return 0;
}

/* At most this many pages taken from elsewhere before one in the range. */
#define MARK_TRIES	65536

static bool page_in_region(struct page *page)
{
	phys_addr_t phys = page_to_phys(page);

	return phys >= region_start && phys - region_start < region_size;
}

/*
 * Fresh memory sits in the highest zone, which kernel allocations try first:
 * the page wanted comes at once, or after a few taken from elsewhere.
 */
static int mark_range(void)
{
	struct page *page, *next;
	unsigned int tries;
	LIST_HEAD(others);
	int err = -ENOSPC;

	if (!region_size || strlen(marker) >= PAGE_SIZE)
		return -EINVAL;
	for (tries = 0; tries < MARK_TRIES; tries++) {
		page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!page) {
			err = -ENOMEM;
			break;
		}
		if (page_in_region(page)) {
			phys_addr_t phys = page_to_phys(page);

			/* Kept, never freed: the crash comes next. */
			strscpy(page_address(page), marker, PAGE_SIZE);
			pr_info("marker at %pa after %u other pages\n", &phys, tries);
			err = 0;
			break;
		}
		list_add(&page->lru, &others);
	}
	list_for_each_entry_safe(page, next, &others, lru)
		__free_page(page);
	return err;
}

static void *lost_object;

static int leak(void)
{
	lost_object = kmalloc(192, GFP_KERNEL);
	if (!lost_object)
		return -ENOMEM;
	pr_info("leaking an object of 192 bytes\n");
	/* Hide the pointer from kmemleak's scan: nothing refers to it now. */
	lost_object = (void *)((unsigned long)lost_object ^ ~0UL);
	return 0;
}

static int use_after_free(void)
{
	u64 *object = kmalloc(64, GFP_KERNEL);

	if (!object)
		return -ENOMEM;
	kfree(object);
	OPTIMIZER_HIDE_VAR(object);
	pr_info("read after free: %llx\n", READ_ONCE(object[1]));
	return 0;
}

static DEFINE_MUTEX(first_lock);
static DEFINE_MUTEX(second_lock);

static int lock_inversion(void)
{
	mutex_lock(&first_lock);
	mutex_lock(&second_lock);
	mutex_unlock(&second_lock);
	mutex_unlock(&first_lock);

	mutex_lock(&second_lock);
	mutex_lock(&first_lock);
	mutex_unlock(&first_lock);
	mutex_unlock(&second_lock);
	pr_info("took two locks in both orders\n");
	return 0;
}

static int __init kexec_crash_test_init(void)
{
	struct task_struct *t;

	if (!strcmp(action, "oops-kthread")) {
		t = kthread_run(oops_thread, NULL, "kx_oops");
		return PTR_ERR_OR_ZERO(t);
	}
	if (!strcmp(action, "panic-all-cpus"))
		return start_panic_threads();
	if (!strcmp(action, "write-region"))
		return write_region();
	if (!strcmp(action, "mark-range"))
		return mark_range();
	if (!strcmp(action, "leak"))
		return leak();
	if (!strcmp(action, "use-after-free"))
		return use_after_free();
	if (!strcmp(action, "lock-inversion"))
		return lock_inversion();
	pr_err("unknown action '%s'\n", action);
	return -EINVAL;
}
module_init(kexec_crash_test_init);

MODULE_DESCRIPTION("Crashes for testing kdump, bugs for testing the detectors");
MODULE_LICENSE("GPL");
