// SPDX-License-Identifier: GPL-2.0
/*
 * kexec under Secure Boot's rules: the lockdown LSM, kexec_file_load with a
 * signed kernel, and an LSM that refuses loaded data (IMA). Run by the
 * lockdown and lsm guest scenarios on the secure flavour of the test kernel,
 * whose bzImage is signed with a key in its trusted keyring.
 *
 * Fixtures, each for one boot:
 *   lockdown  under lockdown= (integrity or confidentiality): kexec_load
 *             refused, unloading allowed on ours; kexec_file_load takes the
 *             signed kernel and refuses an unsigned or tampered one.
 *   armed     under lockdown, with a crash kernel armed by kexec -s -p: crash
 *             reloads through kexec_file_load that fail their checks.
 *   lsm       with an IMA policy that appraises kexec images, and a kernel and
 *             a crash kernel loaded before the policy came: kexec_load and
 *             kexec_file_load refused with IMA's errno, unloading through
 *             kexec_load allowed on ours.
 *
 * Deliberate differences from upstream 6.12, keyed on KX_IMPL:
 *   - An unload through kexec_load (nr_segments == 0) loads nothing, so ours
 *     does not ask lockdown or the LSMs; upstream refuses it with their
 *     errno, though kexec_file_load unloads under lockdown on both.
 *   - A crash reload through kexec_file_load that fails its checks leaves
 *     the armed crash kernel armed on ours; upstream frees it first.
 *
 * Environment: KX_IMPL (kx or upstream), KX_SIGNED and KX_UNSIGNED (the same
 * bzImage with and without its signature; default /boot/bzImage and
 * /boot/bzImage.unsigned).
 */
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "kexec_util.h"

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD	0x00000001
#define KEXEC_FILE_ON_CRASH	0x00000002
#define KEXEC_FILE_NO_INITRAMFS	0x00000004
#endif

#define KX_TMP_TAMPERED	"/tmp/kexec_secure.tampered"
#define KX_TMP_GARBAGE	"/tmp/kexec_secure.garbage"
#define KX_TMP_HUGE	"/tmp/kexec_secure.huge"

/* kexec_file_load(2) of @kernel, with @initrd or (NULL) none: 0 or the errno. */
static int kx_file_load_with(const char *kernel, const char *initrd,
			     unsigned long flags)
{
	static const char cmdline[] = "console=ttyS0";
	int kfd, ifd = -1, err = 0;

	kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0)
		return errno;
	if (initrd)
		ifd = open(initrd, O_RDONLY | O_CLOEXEC);
	else
		flags |= KEXEC_FILE_NO_INITRAMFS;
	if (initrd && ifd < 0)
		err = errno;
	if (!err && syscall(SYS_kexec_file_load, kfd, ifd, sizeof(cmdline),
			    cmdline, flags))
		err = errno;
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	return err;
}

static int kx_file_load(const char *kernel, unsigned long flags)
{
	return kx_file_load_with(kernel, NULL, flags);
}

static int kx_file_unload(unsigned long flags)
{
	if (syscall(SYS_kexec_file_load, -1, -1, 0, NULL,
		    flags | KEXEC_FILE_UNLOAD))
		return errno;
	return 0;
}

static const char *kx_env(const char *name, const char *fallback)
{
	const char *val = getenv(name);

	return val && *val ? val : fallback;
}

static const char *kx_signed(void)
{
	return kx_env("KX_SIGNED", "/boot/bzImage");
}

static const char *kx_unsigned(void)
{
	return kx_env("KX_UNSIGNED", "/boot/bzImage.unsigned");
}

/* Copy @from to @to with @flips bytes inverted at @at: 0 or the errno. */
static int kx_copy_flipped(const char *from, const char *to, off_t at,
			   int flips)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char buf[65536];
	off_t pos = 0;
	ssize_t len;
	int err = 0, i;

	if (in < 0 || out < 0)
		err = errno;
	while (!err && (len = read(in, buf, sizeof(buf))) > 0) {
		for (i = 0; i < flips; i++)
			if (at + i >= pos && at + i < pos + len)
				buf[at + i - pos] ^= 0xff;
		if (write(out, buf, len) != len)
			err = errno ? errno : EIO;
		pos += len;
	}
	if (!err && len < 0)
		err = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/*
 * The signed kernel with bytes in the middle of its compressed payload
 * inverted: inside what the signature's digest covers, far from the
 * signature appended at the end.
 */
static int kx_make_tampered(void)
{
	struct stat st;

	if (stat(kx_signed(), &st))
		return errno;
	return kx_copy_flipped(kx_signed(), KX_TMP_TAMPERED, st.st_size / 2, 16);
}

/* A file of @len bytes; zeros unless @fill. */
static int kx_make_file(const char *path, off_t len, char fill)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char buf[4096];
	int err = 0;

	if (fd < 0)
		return errno;
	memset(buf, fill, sizeof(buf));
	if (fill) {
		for (off_t done = 0; !err && done < len; done += sizeof(buf))
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				err = errno ? errno : EIO;
	} else if (ftruncate(fd, len)) {
		err = errno;
	}
	close(fd);
	return err;
}

/* The lockdown mode in brackets in securityfs, e.g. "integrity"; or NULL. */
static const char *kx_lockdown_mode(char *text, size_t size)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char *mode, *end;

	if (!f)
		return NULL;
	mode = fgets(text, size, f);
	fclose(f);
	mode = mode ? strchr(mode, '[') : NULL;
	end = mode ? strchr(mode, ']') : NULL;
	if (!end)
		return NULL;
	*end = '\0';
	return mode + 1;
}

/* One page of a segment for kexec_load: what lockdown must refuse. */
static struct kexec_segment kx_one_page(unsigned long flags)
{
	unsigned long pg = kx_page(), dest = KX_DEST;
	struct kx_region r = { 0 };
	char *buf = kx_map(pg);

	if ((flags & KEXEC_ON_CRASH) && !kx_crash_region(&r))
		dest = r.start;
	return kx_seg(buf, buf ? pg : 0, dest, pg);
}

/* ---------------------------------------------------------------------- */

FIXTURE(lockdown) {
	bool ours;
};

FIXTURE_SETUP(lockdown)
{
	const char *mode;
	char text[128];

	self->ours = testing_ours(_metadata);
	mode = kx_lockdown_mode(text, sizeof(text));
	ASSERT_NE(NULL, mode)
		TH_LOG("no /sys/kernel/security/lockdown (securityfs mounted?)");
	ASSERT_STRNE("none", mode) TH_LOG("boot with lockdown=integrity");
	/* Each case starts from nothing loaded: unloading is allowed here. */
	ASSERT_EQ(0, kx_file_unload(0));
	ASSERT_EQ(0, kx_file_unload(KEXEC_FILE_ON_CRASH));
}

FIXTURE_TEARDOWN(lockdown)
{
	kx_file_unload(0);
	kx_file_unload(KEXEC_FILE_ON_CRASH);
}

/* Lockdown refuses kexec_load with EPERM: nothing unsigned comes in. */
TEST_F(lockdown, load_refused)
{
	struct kexec_segment seg = kx_one_page(0);

	EXPECT_EQ(EPERM, kx_load(KX_DEST, 1, &seg, 0));
	EXPECT_EQ(0, kx_loaded());
}

TEST_F(lockdown, crash_load_refused)
{
	struct kexec_segment seg = kx_one_page(KEXEC_ON_CRASH);

	EXPECT_EQ(EPERM, kx_load((unsigned long)seg.mem, 1, &seg, KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_crash_loaded());
}

/* The same refusal for a loaded kernel: it stays loaded. */
TEST_F(lockdown, load_refused_keeps_loaded)
{
	struct kexec_segment seg = kx_one_page(0);

	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(EPERM, kx_load(KX_DEST, 1, &seg, 0));
	EXPECT_EQ(1, kx_loaded());
}

/* The signed kernel loads through kexec_file_load. */
TEST_F(lockdown, file_signed)
{
	EXPECT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(1, kx_loaded());
}

/*
 * Without a valid signature, lockdown turns the failed check into EPERM
 * (KEXEC_SIG_FORCE is off, as in Debian), and the kernel loaded before
 * stays loaded.
 */
TEST_F(lockdown, file_unsigned)
{
	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(EPERM, kx_file_load(kx_unsigned(), 0));
	EXPECT_EQ(1, kx_loaded());
}

TEST_F(lockdown, file_tampered)
{
	ASSERT_EQ(0, kx_make_tampered());
	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(EPERM, kx_file_load(KX_TMP_TAMPERED, 0));
	EXPECT_EQ(1, kx_loaded());
	unlink(KX_TMP_TAMPERED);
}

TEST_F(lockdown, file_crash_signed)
{
	EXPECT_EQ(0, kx_file_load(kx_signed(), KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(1, kx_crash_loaded());
}

/* kexec_file_load unloads under lockdown, on both implementations. */
TEST_F(lockdown, file_unload)
{
	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(0, kx_file_unload(0));
	EXPECT_EQ(0, kx_loaded());
}

/*
 * An unload through kexec_load: ours lets it through, upstream refuses it
 * with EPERM and the image stays loaded.
 */
TEST_F(lockdown, unload)
{
	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(self->ours ? 0 : EPERM, kx_unload(0));
	EXPECT_EQ(self->ours ? 0 : 1, kx_loaded());
}

TEST_F(lockdown, unload_crash)
{
	ASSERT_EQ(0, kx_file_load(kx_signed(), KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(self->ours ? 0 : EPERM, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(self->ours ? 0 : 1, kx_crash_loaded());
}

/* Unloading is still for CAP_SYS_BOOT only. */
TEST_F(lockdown, unload_needs_cap_sys_boot)
{
	struct kx_call call = { .cred = KX_ROOT_WITHOUT_CAP };

	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(EPERM, kx_child(kx_call_as, &call));
	EXPECT_EQ(1, kx_loaded());
}

/* Bad flags are still refused on an unload; lockdown answers first upstream. */
TEST_F(lockdown, unload_bad_flags)
{
	ASSERT_EQ(0, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(self->ours ? EINVAL : EPERM, kx_unload(0x80));
	EXPECT_EQ(1, kx_loaded());
}

/* ---------------------------------------------------------------------- */

/*
 * A crash kernel armed by kexec -s -p (the guest's), then crash reloads
 * through kexec_file_load that fail. Ours keeps it armed through each, and
 * the guest then panics and reads the dump; upstream frees it before it
 * looks at the new kernel, so there nothing is armed after the first case.
 */
FIXTURE(armed) {
	long armed;	/* what each failed reload must leave */
};

FIXTURE_SETUP(armed)
{
	self->armed = testing_ours(_metadata);
	if (self->armed)
		ASSERT_EQ(1, kx_crash_loaded()) TH_LOG("arm one (kexec -s -p) first");
}

FIXTURE_TEARDOWN(armed)
{
}

TEST_F(armed, reload_unsigned)
{
	EXPECT_EQ(EPERM, kx_file_load(kx_unsigned(), KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(self->armed, kx_crash_loaded());
}

TEST_F(armed, reload_tampered)
{
	ASSERT_EQ(0, kx_make_tampered());
	EXPECT_EQ(EPERM, kx_file_load(KX_TMP_TAMPERED, KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(self->armed, kx_crash_loaded());
	unlink(KX_TMP_TAMPERED);
}

/* Not a kernel at all: no loader recognises it. */
TEST_F(armed, reload_bad_image)
{
	ASSERT_EQ(0, kx_make_file(KX_TMP_GARBAGE, 1 << 20, 0x5a));
	EXPECT_EQ(ENOEXEC, kx_file_load(KX_TMP_GARBAGE, KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(self->armed, kx_crash_loaded());
	unlink(KX_TMP_GARBAGE);
}

/* An initrd as large as the whole region leaves no room for it. */
TEST_F(armed, reload_no_room)
{
	struct kx_region r;

	ASSERT_EQ(0, kx_crash_region(&r));
	ASSERT_EQ(0, kx_make_file(KX_TMP_HUGE, kx_region_size(&r), 0));
	EXPECT_EQ(EADDRNOTAVAIL, kx_file_load_with(kx_signed(), KX_TMP_HUGE,
						   KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(self->armed, kx_crash_loaded());
	unlink(KX_TMP_HUGE);
}

/* ---------------------------------------------------------------------- */

/*
 * IMA with a policy that appraises kexec images (the guest writes it after
 * loading a kernel and a crash kernel): kexec_load cannot be appraised, so
 * IMA refuses it with EACCES, its own errno, and nothing changes. Runs in
 * order: the unloads come last.
 */
FIXTURE(lsm) {
	bool ours;
};

FIXTURE_SETUP(lsm)
{
	self->ours = testing_ours(_metadata);
}

FIXTURE_TEARDOWN(lsm)
{
}

TEST_F(lsm, load_refused)
{
	struct kexec_segment seg = kx_one_page(0);

	ASSERT_EQ(1, kx_loaded()) TH_LOG("load a kernel before the policy");
	EXPECT_EQ(EACCES, kx_load(KX_DEST, 1, &seg, 0));
	EXPECT_EQ(1, kx_loaded());
}

TEST_F(lsm, crash_load_refused)
{
	struct kexec_segment seg = kx_one_page(KEXEC_ON_CRASH);

	ASSERT_EQ(1, kx_crash_loaded()) TH_LOG("arm a crash kernel before the policy");
	EXPECT_EQ(EACCES, kx_load((unsigned long)seg.mem, 1, &seg, KEXEC_ON_CRASH));
	EXPECT_EQ(1, kx_crash_loaded());
}

/*
 * kexec_file_load goes through the LSM too, on the file: IMA wants its
 * signature in an extended attribute, which the initramfs has none of.
 */
TEST_F(lsm, file_load_refused)
{
	ASSERT_EQ(1, kx_loaded());
	EXPECT_EQ(EACCES, kx_file_load(kx_signed(), 0));
	EXPECT_EQ(1, kx_loaded());
}

TEST_F(lsm, unload)
{
	ASSERT_EQ(1, kx_loaded());
	EXPECT_EQ(self->ours ? 0 : EACCES, kx_unload(0));
	EXPECT_EQ(self->ours ? 0 : 1, kx_loaded());
}

TEST_F(lsm, unload_crash)
{
	ASSERT_EQ(1, kx_crash_loaded());
	EXPECT_EQ(self->ours ? 0 : EACCES, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(self->ours ? 0 : 1, kx_crash_loaded());
}

TEST_HARNESS_MAIN
