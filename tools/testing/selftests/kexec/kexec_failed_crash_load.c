// SPDX-License-Identifier: GPL-2.0
/*
 * Crash loads that fail their checks while a real crash kernel is armed:
 * the three mistakes a kdump service can make when it reloads (entry point
 * outside the crashkernel= region, a segment outside it, a segment running
 * past its end). Each must fail with EADDRNOTAVAIL.
 *
 * What is left armed is where the implementations differ on purpose.
 * Upstream 6.12 frees the armed crash kernel before it checks the new one,
 * so after the first of these the machine has no crash kernel. Ours checks
 * everything before it touches the armed image, which stays armed; the
 * kdump-reload guest scenario then panics, and the crash kernel armed
 * before these loads must save the dump.
 *
 * Each refusal is checked for the reason ours logs (kx_why_matches()):
 * "crash-entry" or "crash-region". Upstream 6.12 logs none, a deliberate
 * difference: there the check is that no such line appears.
 *
 * Not a stand-alone test: it expects a crash kernel loaded by kexec -p.
 */
#include "../kselftest_harness.h"
/* No reason line may be lost to what else used the printk rate limit. */
#define KX_EVERY_REFUSAL
#include "kexec_util.h"

FIXTURE(armed) {
	unsigned long pg;
	struct kx_region r;
	char *buf;
	long armed;	/* what each failed load must leave */
};

FIXTURE_SETUP(armed)
{
	self->pg = kx_page();
	ASSERT_EQ(0, kx_crash_region(&self->r))
		TH_LOG("no \"Crash kernel\" in /proc/iomem");
	self->buf = kx_map(2 * self->pg);
	ASSERT_NE(NULL, self->buf);
	self->armed = testing_ours(_metadata);
	/* Upstream disarmed it in the first case already. */
	if (self->armed)
		ASSERT_EQ(1, kx_crash_loaded()) TH_LOG("arm one (kexec -p) first");
}

FIXTURE_TEARDOWN(armed)
{
}

/* Refused with EADDRNOTAVAIL for the reason @why, leaving self->armed. */
#define EXPECT_KEEPS_ARMED(why, entry, seg) \
	kx_expect_rejected(_metadata, __LINE__, &(const struct kx_case) \
			   { #seg, EADDRNOTAVAIL, 1, &(seg), KEXEC_ON_CRASH, why }, \
			   entry, kx_loaded(), self->armed)

TEST_F(armed, entry_outside_region)
{
	struct kexec_segment seg = kx_seg(self->buf, self->pg, self->r.start,
					  self->pg);

	EXPECT_KEEPS_ARMED("crash-entry", self->r.end + 1, seg);
}

TEST_F(armed, segment_outside_region)
{
	struct kexec_segment seg = kx_seg(self->buf, self->pg, self->r.end + 1,
					  self->pg);

	EXPECT_KEEPS_ARMED("crash-region:0", self->r.start, seg);
}

TEST_F(armed, segment_past_region_end)
{
	struct kexec_segment seg = kx_seg(self->buf, self->pg,
					  self->r.end + 1 - self->pg,
					  2 * self->pg);

	EXPECT_KEEPS_ARMED("crash-region:0", self->r.start, seg);
}

TEST_HARNESS_MAIN
