// SPDX-License-Identifier: GPL-2.0
/*
 * Loads that must fail while a real kernel is loaded, each at a different
 * stage of kexec_load(): the flag check, the segment checks, and the copy
 * from user space half way through. After every one the loaded image must
 * still be loaded; the failed-load guest scenario then boots it, which shows
 * that it is intact too (kexec-tools' purgatory checks every segment's
 * digest before it jumps, and the new kernel checks its initrd).
 *
 * Each refusal is checked for the reason ours logs (kx_why_matches()).
 * Upstream 6.12 logs none, a deliberate difference: there the check is that
 * no such line appears.
 *
 * Not a stand-alone test: it expects an image loaded by kexec -l first.
 */
#include "../kselftest_harness.h"
/* No reason line may be lost to what else used the printk rate limit. */
#define KX_EVERY_REFUSAL
#include "kexec_util.h"

/* Unknown to every kernel so far (the known flags are bits 0 to 3). */
#define KX_UNKNOWN_FLAG	0x10

FIXTURE(loaded) {
	unsigned long pg;
	char *buf;
	char *hole;
};

FIXTURE_SETUP(loaded)
{
	self->pg = kx_page();
	ASSERT_EQ(1, kx_loaded()) TH_LOG("load an image (kexec -l) first");
	self->buf = kx_map(4 * self->pg);
	ASSERT_NE(NULL, self->buf);
	self->hole = kx_map_hole(self->pg);
	ASSERT_NE(NULL, self->hole);
}

FIXTURE_TEARDOWN(loaded)
{
}

/*
 * The call fails with @err, the kernel logs the reason @why, and the image
 * loaded before it is still loaded.
 */
#define EXPECT_KEEPS_IMAGE(err, why, nr, segs, flags) \
	kx_expect_rejected(_metadata, __LINE__, &(const struct kx_case) \
			   { #segs, err, nr, segs, flags, why }, KX_DEST, 1, 0)

TEST_F(loaded, unknown_flag)
{
	struct kexec_segment seg = kx_seg(self->buf, self->pg, KX_DEST, self->pg);

	EXPECT_KEEPS_IMAGE(EINVAL, "flags", 1, &seg, KX_UNKNOWN_FLAG);
}

TEST_F(loaded, overlapping_segments)
{
	struct kexec_segment segs[] = {
		kx_seg(self->buf, self->pg, KX_DEST, 2 * self->pg),
		kx_seg(self->buf, self->pg, KX_DEST + self->pg, self->pg),
	};

	EXPECT_KEEPS_IMAGE(EINVAL, "overlap:1:0", 2, segs, 0);
}

TEST_F(loaded, more_than_half_of_ram)
{
	unsigned long memsz = (kx_ram_pages() / 2 + 1) * self->pg;
	struct kexec_segment seg = kx_seg(self->buf, self->pg, KX_DEST, memsz);

	EXPECT_KEEPS_IMAGE(EINVAL, "ram:0", 1, &seg, 0);
}

/* The first page copies, the second one faults: the new image is half built. */
TEST_F(loaded, fault_half_way_through_a_segment)
{
	struct kexec_segment seg = kx_seg(self->hole - self->pg, 2 * self->pg,
					  KX_DEST, 2 * self->pg);

	EXPECT_KEEPS_IMAGE(EFAULT, "fault:0", 1, &seg, 0);
}

TEST_F(loaded, fault_in_a_later_segment)
{
	struct kexec_segment segs[] = {
		kx_seg(self->buf, 4 * self->pg, KX_DEST, 4 * self->pg),
		kx_seg(self->hole, self->pg, KX_DEST + 4 * self->pg, self->pg),
	};

	EXPECT_KEEPS_IMAGE(EFAULT, "fault:1", 2, segs, 0);
}

TEST_HARNESS_MAIN
