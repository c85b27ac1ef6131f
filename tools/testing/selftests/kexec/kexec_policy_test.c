// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_load(2): the one-way switches, pinned against Linux 6.12.
 *
 *   /sys/kernel/kexec_crash_size          shrinks the crash region for good
 *   /proc/sys/kernel/kexec_load_limit_*   count down, can only be lowered
 *   /proc/sys/kernel/kexec_load_disabled  0 -> 1, never back
 *
 * Each of them changes the running kernel until the next boot, so this
 * program runs after kexec_load_test, and its cases depend on each other:
 * the harness runs them in file order, which is the order below. The
 * crash region cases need crash loads, so they come before the panic
 * limit is used up; kexec_load_disabled comes last of all.
 *
 * Needs root, CONFIG_KEXEC, CONFIG_CRASH_DUMP, CONFIG_PROC_SYSCTL and a
 * crash region (crashkernel=128M). The loaded images are never executed.
 *
 * Every refusal is checked for the reason ours logs (kx_why_matches()):
 * "permission" for each EPERM of the switches. Upstream 6.12 logs none, a
 * deliberate difference: there the check is that no such line appears.
 */
#include "../kselftest_harness.h"
/* More refusals in a row than the printk rate limit lets through. */
#define KX_EVERY_REFUSAL
#include "kexec_util.h"

#define LIMIT_PANIC	"/proc/sys/kernel/kexec_load_limit_panic"
#define LIMIT_REBOOT	"/proc/sys/kernel/kexec_load_limit_reboot"
#define LOAD_DISABLED	"/proc/sys/kernel/kexec_load_disabled"
#define CRASH_SIZE	"/sys/kernel/kexec_crash_size"

/* A value of a sysctl file, or a sentinel no sysctl here can read. */
static long read_sysctl(const char *path)
{
	long val = 0;

	return kx_read_long(path, &val) ? -1000 : val;
}

/* The crash region as /proc/iomem shows it now, the empty one if none. */
static struct kx_region crash_region(void)
{
	struct kx_region r = { 0, 0 };

	kx_crash_region(&r);
	return r;
}

/* An unprivileged kexec_load() from a child: its errno. */
static int load_as_nobody(unsigned long entry,
			  const struct kexec_segment *seg, unsigned long flags)
{
	struct kx_call call = {
		.cred = KX_USER_NOBODY,
		.entry = entry,
		.nr_segments = 1,
		.segments = seg,
		.flags = flags,
	};

	return kx_child(kx_call_as, &call);
}

FIXTURE(policy) {
	unsigned long pg;
	struct kx_region r;
	long size;			/* kexec_crash_size */
	struct kexec_segment normal;	/* a page at KX_DEST */
	struct kexec_segment crash;	/* the first page of the region */
};

FIXTURE_SETUP(policy)
{
	char *buf;

	self->pg = kx_page();
	ASSERT_EQ(0, kx_crash_region(&self->r))
		TH_LOG("no \"Crash kernel\" in /proc/iomem (crashkernel=128M?)");
	self->size = kx_sysfs("kexec_crash_size");
	ASSERT_EQ((long)kx_region_size(&self->r), self->size);
	buf = kx_map(self->pg);
	ASSERT_NE(NULL, buf);
	self->normal = kx_seg(buf, self->pg, KX_DEST, self->pg);
	self->crash = kx_seg(buf, self->pg, self->r.start, self->pg);
}

/* Nothing to undo: these cases leave their changes for the next ones. */
FIXTURE_TEARDOWN(policy)
{
}

/*
 * The region cannot change under a loaded crash image. Upstream reports
 * that with ENOENT (not EBUSY, which means "the kexec lock is taken"),
 * and checks it before anything else: even writing the current size,
 * which is otherwise a no-op, fails.
 */
TEST_F(policy, crash_size_refused_while_loaded)
{
	struct kx_region now;

	ASSERT_EQ(0, kx_load(self->r.start, 1, &self->crash, KEXEC_ON_CRASH));
	EXPECT_EQ(ENOENT, kx_write_long(CRASH_SIZE, self->size - self->pg));
	EXPECT_EQ(ENOENT, kx_write_long(CRASH_SIZE, 0));
	EXPECT_EQ(ENOENT, kx_write_long(CRASH_SIZE, self->size));
	EXPECT_EQ(1, kx_crash_loaded());
	EXPECT_EQ(self->size, kx_sysfs("kexec_crash_size"));
	now = crash_region();
	EXPECT_EQ(self->r.start, now.start);
	EXPECT_EQ(self->r.end, now.end);
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_crash_loaded());
}

/*
 * The region only shrinks; sizes round up to whole pages, so a size that
 * rounds up to the current one changes nothing and succeeds.
 */
TEST_F(policy, crash_size_cannot_grow)
{
	char hex[32];
	struct kx_region now;

	ASSERT_EQ(0, kx_crash_loaded());
	EXPECT_EQ(EINVAL, kx_write_long(CRASH_SIZE, self->size + self->pg));
	EXPECT_EQ(EINVAL, kx_write_long(CRASH_SIZE, 2 * self->size));
	EXPECT_EQ(EINVAL, kx_write(CRASH_SIZE, "-1\n"));
	EXPECT_EQ(EINVAL, kx_write(CRASH_SIZE, "small\n"));
	EXPECT_EQ(0, kx_write_long(CRASH_SIZE, self->size));
	EXPECT_EQ(0, kx_write_long(CRASH_SIZE, self->size - self->pg + 1));
	snprintf(hex, sizeof(hex), "0x%lx\n", self->size);
	EXPECT_EQ(0, kx_write(CRASH_SIZE, hex));
	EXPECT_EQ(self->size, kx_sysfs("kexec_crash_size"));
	now = crash_region();
	EXPECT_EQ(self->r.start, now.start);
	EXPECT_EQ(self->r.end, now.end);
}

/*
 * Shrinking by one page (asking for a little less, which rounds up) gives
 * the top page back to the page allocator: the region's end moves down,
 * MemTotal grows by that page, and crash loads may no longer use it.
 */
TEST_F(policy, crash_size_shrinks)
{
	unsigned long pg = self->pg, ram = kx_ram_pages();
	struct kexec_segment last, gone;
	struct kx_region now;

	ASSERT_EQ(0, kx_crash_loaded());
	ASSERT_EQ(0, kx_write_long(CRASH_SIZE, self->size - 2 * pg + 1));
	EXPECT_EQ(self->size - (long)pg, kx_sysfs("kexec_crash_size"));
	now = crash_region();
	EXPECT_EQ(self->r.start, now.start);
	EXPECT_EQ(self->r.end - pg, now.end);
	EXPECT_EQ(ram + 1, kx_ram_pages());

	last = kx_seg(NULL, 0, now.end + 1 - pg, pg);
	gone = kx_seg(NULL, 0, self->r.end + 1 - pg, pg);
	EXPECT_LOADS(now.start, 1, &last, KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "crash-region:0", now.start, 1, &gone,
			  KEXEC_ON_CRASH);
	EXPECT_LOAD_FAILS(EADDRNOTAVAIL, "crash-entry", self->r.end, 1,
			  &self->crash, KEXEC_ON_CRASH);
}

/*
 * A load limit reads -1 (no limit) until it is set; after that it can only
 * be lowered: a write of the same or a higher value fails, and so does
 * any negative one.
 */
static void set_limit(struct __test_metadata *_metadata, const char *path,
		      long limit)
{
	ASSERT_EQ(-1, read_sysctl(path)) TH_LOG("%s was set before", path);
	EXPECT_EQ(EINVAL, kx_write_long(path, -1));
	EXPECT_EQ(EINVAL, kx_write_long(path, -2));
	ASSERT_EQ(0, kx_write_long(path, limit + 2));
	EXPECT_EQ(EINVAL, kx_write_long(path, limit + 3));
	EXPECT_EQ(EINVAL, kx_write_long(path, limit + 2));
	EXPECT_EQ(EINVAL, kx_write_long(path, -1));
	ASSERT_EQ(0, kx_write_long(path, limit));
	ASSERT_EQ(limit, read_sysctl(path));
}

/* At 0 the limit stays 0: even writing 0 again fails. */
static void expect_limit_final(struct __test_metadata *_metadata,
			       const char *path)
{
	EXPECT_EQ(EINVAL, kx_write_long(path, 1));
	EXPECT_EQ(EINVAL, kx_write_long(path, 0));
	EXPECT_EQ(EINVAL, kx_write_long(path, -1));
	EXPECT_EQ(0, read_sysctl(path));
}

/*
 * kexec_load_limit_panic counts every KEXEC_ON_CRASH call that gets past
 * the capability check, unloads included; at 0 every such call fails with
 * EPERM and the armed image stays armed. Normal loads do not count here.
 */
TEST_F(policy, limit_panic_counts_down)
{
	unsigned long s = self->r.start;

	set_limit(_metadata, LIMIT_PANIC, 3);
	EXPECT_EQ(0, kx_load(s, 1, &self->crash, KEXEC_ON_CRASH));
	EXPECT_EQ(2, read_sysctl(LIMIT_PANIC));
	/* A caller without CAP_SYS_BOOT is refused before the count. */
	EXPECT_REFUSED(EPERM, "permission",
		       load_as_nobody(s, &self->crash, KEXEC_ON_CRASH));
	EXPECT_EQ(2, read_sysctl(LIMIT_PANIC));
	EXPECT_EQ(0, kx_load(KX_DEST, 1, &self->normal, 0));
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(2, read_sysctl(LIMIT_PANIC));
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(1, read_sysctl(LIMIT_PANIC));
	EXPECT_EQ(0, kx_load(s, 1, &self->crash, KEXEC_ON_CRASH));
	EXPECT_EQ(0, read_sysctl(LIMIT_PANIC));
	EXPECT_EQ(1, kx_crash_loaded());

	EXPECT_REFUSED(EPERM, "permission",
		       kx_load(s, 1, &self->crash, KEXEC_ON_CRASH));
	EXPECT_REFUSED(EPERM, "permission", kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(1, kx_crash_loaded());
	expect_limit_final(_metadata, LIMIT_PANIC);
}

/*
 * kexec_load_limit_reboot counts the other calls the same way, including
 * one that then fails its own checks (the count is taken first).
 */
TEST_F(policy, limit_reboot_counts_down)
{
	set_limit(_metadata, LIMIT_REBOOT, 4);
	EXPECT_EQ(0, kx_load(KX_DEST, 1, &self->normal, 0));
	EXPECT_EQ(3, read_sysctl(LIMIT_REBOOT));
	EXPECT_REFUSED(EINVAL, "flags", kx_load(KX_DEST, 1, &self->normal, 0x10));
	EXPECT_EQ(2, read_sysctl(LIMIT_REBOOT));
	EXPECT_REFUSED(EPERM, "permission",
		       load_as_nobody(KX_DEST, &self->normal, 0));
	EXPECT_EQ(2, read_sysctl(LIMIT_REBOOT));
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(1, read_sysctl(LIMIT_REBOOT));
	EXPECT_EQ(0, kx_load(KX_DEST, 1, &self->normal, 0));
	EXPECT_EQ(0, read_sysctl(LIMIT_REBOOT));
	EXPECT_EQ(1, kx_loaded());

	EXPECT_REFUSED(EPERM, "permission", kx_load(KX_DEST, 1, &self->normal, 0));
	EXPECT_REFUSED(EPERM, "permission", kx_unload(0));
	EXPECT_EQ(1, kx_loaded());
	expect_limit_final(_metadata, LIMIT_REBOOT);
}

/*
 * kexec_load_disabled goes from 0 to 1 once: 1 is the only value it takes,
 * and from then on every kexec_load() fails with EPERM, unloads included;
 * whatever was loaded stays loaded.
 *
 * The load limits above would cause EPERM too, so this case runs alone in a
 * boot of its own (run-order-disabled), after showing that loads work.
 */
TEST_F(policy, load_disabled_is_final)
{
	long normal, crash;

	ASSERT_EQ(0, read_sysctl(LOAD_DISABLED)) TH_LOG("already disabled");
	ASSERT_EQ(0, kx_load(KX_DEST, 1, &self->normal, 0))
		TH_LOG("loads must work before the switch (run this case alone)");
	ASSERT_EQ(0, kx_load(self->r.start, 1, &self->crash, KEXEC_ON_CRASH));
	normal = kx_loaded();
	crash = kx_crash_loaded();
	ASSERT_EQ(1, normal);
	ASSERT_EQ(1, crash);
	EXPECT_EQ(EINVAL, kx_write_long(LOAD_DISABLED, 0));
	EXPECT_EQ(EINVAL, kx_write_long(LOAD_DISABLED, 2));
	EXPECT_EQ(0, read_sysctl(LOAD_DISABLED));
	ASSERT_EQ(0, kx_write_long(LOAD_DISABLED, 1));
	EXPECT_EQ(1, read_sysctl(LOAD_DISABLED));
	EXPECT_EQ(0, kx_write_long(LOAD_DISABLED, 1));
	EXPECT_EQ(EINVAL, kx_write_long(LOAD_DISABLED, 0));
	EXPECT_EQ(1, read_sysctl(LOAD_DISABLED));

	EXPECT_REFUSED(EPERM, "permission", kx_load(KX_DEST, 1, &self->normal, 0));
	EXPECT_REFUSED(EPERM, "permission",
		       kx_load(self->r.start, 1, &self->crash, KEXEC_ON_CRASH));
	EXPECT_REFUSED(EPERM, "permission", kx_unload(0));
	EXPECT_REFUSED(EPERM, "permission", kx_unload(KEXEC_ON_CRASH));
	EXPECT_REFUSED(EPERM, "permission",
		       kx_load(KX_DEST, 1, &self->normal, 0x10));
	EXPECT_EQ(normal, kx_loaded());
	EXPECT_EQ(crash, kx_crash_loaded());
}

TEST_HARNESS_MAIN
