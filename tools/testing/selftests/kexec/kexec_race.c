// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_race: kexec_load(2) and the files around it, from several processes
 * at once, for a bounded time.
 *
 * usage: kexec_race [-t SECONDS] [-n ITERATIONS]
 *   -t SECONDS     how long the workers run (default 10, at most 3000)
 *   -n ITERATIONS  at most this many calls by each worker (default 1000000)
 *
 * The workers, each in a role:
 *   normal   load a small normal image into System RAM
 *   crash    load a small crash image into the crashkernel= region
 *   unload   unload the normal and the crash image in turn
 *   bad      loads that fail: misaligned, entry outside the region, a buffer
 *            that faults half way, a full region, an unknown flag
 *   read     read kexec_loaded, kexec_crash_loaded and kexec_crash_size
 *   size     write kexec_crash_size: its own value, one byte less (rounded
 *            up to it again), and twice the value. None of these shrinks
 *            the region, which is one-way: later tests still have it.
 * The kexec lock is a trylock: whoever loses gets EBUSY, so every call
 * that takes it may fail with EBUSY, and otherwise must give the answer it
 * gives alone. Reads of kexec_crash_size take the lock too; the two state
 * files do not, and read 0 or 1. Writes of kexec_crash_size fail with
 * ENOENT while a crash image is loaded, and a size above the region's with
 * EINVAL.
 *
 * Afterwards both images unload, both state files read 0, the region has
 * its size, and free memory is back within slack of where it was.
 *
 * Needs root, CONFIG_KEXEC, CONFIG_CRASH_DUMP and a crash region whose size
 * is a multiple of KEXEC_CRASH_MEM_ALIGN (crashkernel=128M) in a guest of
 * about 2 GiB.
 */
#include "../kselftest_harness.h"
#include "kexec_util.h"
#include <time.h>

#define RC_MIB		(1024UL * 1024)
#define RC_MAX_SECONDS	3000
/* Results are errnos; this one is a value a file must never read. */
#define RC_BAD_VALUE	255
#define RC_NR_RESULTS	256
/* The bad loads, in turn. */
#define RC_BAD_KINDS	6

enum rc_role { R_NORMAL, R_CRASH, R_UNLOAD, R_BAD, R_READ, R_SIZE, NR_ROLES };

static const char *const role_names[NR_ROLES] = {
	"normal", "crash", "unload", "bad", "read", "size",
};

/* How many workers of each role. */
static const int role_workers[NR_ROLES] = { 2, 2, 1, 1, 1, 1 };

struct rc_opts {
	long seconds;
	long iterations;
};

static struct rc_opts opts = { .seconds = 10, .iterations = 1000000 };
/* Measured before any test runs. */
static long free_before_kib, crash_size_before;

/* Shared by the workers and the parent. */
struct rc_shared {
	struct timespec deadline;
	struct kx_region crash;
	long crash_size;
	long count[NR_ROLES][RC_NR_RESULTS];
	long calls[NR_ROLES];
	long unexpected[NR_ROLES];
	int first_unexpected[NR_ROLES];
};

/* One worker: its role, its number within the role, its memory. */
struct rc_worker {
	struct rc_shared *sh;
	enum rc_role role;
	int index;
	unsigned long pg;
	char *buf;	/* 4 read/write pages */
	char *hole;	/* a PROT_NONE page after 4 readable ones */
};

static void tally(struct rc_worker *w, int result, bool allowed)
{
	struct rc_shared *sh = w->sh;

	if (result < 0 || result >= RC_NR_RESULTS)
		result = RC_BAD_VALUE;
	/* Let the holder of the lock run: on few CPUs, spinners starve it. */
	if (result == EBUSY)
		sched_yield();
	__atomic_add_fetch(&sh->count[w->role][result], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sh->calls[w->role], 1, __ATOMIC_RELAXED);
	if (allowed)
		return;
	if (!__atomic_fetch_add(&sh->unexpected[w->role], 1, __ATOMIC_RELAXED))
		sh->first_unexpected[w->role] = result;
}

/* A call that takes the kexec lock: @want, or EBUSY for losing it. */
static void tally_locked(struct rc_worker *w, int result, int want)
{
	tally(w, result, result == want || result == EBUSY);
}

/* 1 to 4 pages, each worker at its own place. */
static void normal_step(struct rc_worker *w, long i)
{
	unsigned long len = (1 + i % 4) * w->pg;
	unsigned long mem = KX_DEST + w->index * RC_MIB;
	struct kexec_segment seg = kx_seg(w->buf, len - i % 3, mem, len);

	tally_locked(w, kx_load(mem, 1, &seg, 0), 0);
}

static void crash_step(struct rc_worker *w, long i)
{
	unsigned long len = (1 + i % 4) * w->pg;
	unsigned long mem = w->sh->crash.start + w->index * RC_MIB;
	struct kexec_segment seg = kx_seg(w->buf, len, mem, len);

	tally_locked(w, kx_load(w->sh->crash.start, 1, &seg, KEXEC_ON_CRASH),
		     0);
}

static void unload_step(struct rc_worker *w, long i)
{
	tally_locked(w, kx_unload(i % 2 ? KEXEC_ON_CRASH : 0), 0);
}

/* The bad loads, in turn: the call's arguments and its errno. */
struct rc_bad {
	unsigned long entry;
	struct kexec_segment seg;
	unsigned long flags;
	int err;
};

static struct rc_bad bad_load(const struct rc_worker *w, long i)
{
	const struct kx_region *r = &w->sh->crash;
	unsigned long pg = w->pg, s = r->start, f = KEXEC_ON_CRASH;
	const struct rc_bad bad[RC_BAD_KINDS] = {
		{ KX_DEST, kx_seg(w->buf, pg, KX_DEST + 1, pg), 0,
		  EADDRNOTAVAIL },
		{ r->end + 1, kx_seg(w->buf, pg, s, pg), f, EADDRNOTAVAIL },
		{ KX_DEST, kx_seg(w->hole - pg, 2 * pg, KX_DEST, 2 * pg), 0,
		  EFAULT },
		{ s, kx_seg(w->hole - pg, 2 * pg, s, 2 * pg), f, EFAULT },
		{ s, kx_seg(NULL, 0, s, kx_region_size(r)), f, ENOMEM },
		{ KX_DEST, kx_seg(w->buf, pg, KX_DEST, pg), 0x10, EINVAL },
	};

	return bad[i % RC_BAD_KINDS];
}

/* Loads that fail; the flag check comes before the lock: never EBUSY. */
static void bad_step(struct rc_worker *w, long i)
{
	struct rc_bad b = bad_load(w, i);
	int err = kx_load(b.entry, 1, &b.seg, b.flags);

	if (b.flags & ~(unsigned long)KEXEC_ON_CRASH)
		tally(w, err, err == b.err);
	else
		tally_locked(w, err, b.err);
}

/* A state file reads 0 or 1; kexec_crash_size the region's size, or EBUSY. */
static void read_step(struct rc_worker *w, long i)
{
	long val;

	if (i % 3 == 2) {
		val = kx_sysfs("kexec_crash_size");
		if (val == -EBUSY)
			tally(w, EBUSY, true);
		else
			tally(w, val == w->sh->crash_size ? 0 : RC_BAD_VALUE,
			      val == w->sh->crash_size);
		return;
	}
	val = i % 3 ? kx_crash_loaded() : kx_loaded();
	tally(w, val == 0 || val == 1 ? 0 : RC_BAD_VALUE, val == 0 || val == 1);
}

/*
 * Writes that leave the region as it is. Its own size (or one byte less,
 * which rounds up to it) is a no-op: 0, unless a crash image is loaded
 * (ENOENT). More than its size is EINVAL, or ENOENT for the same reason.
 */
static void size_step(struct rc_worker *w, long i)
{
	const char *path = "/sys/kernel/kexec_crash_size";
	long size = w->sh->crash_size;
	int err;

	switch (i % 3) {
	case 0:
		err = kx_write_long(path, size);
		break;
	case 1:
		err = kx_write_long(path, size - 1);
		break;
	default:
		err = kx_write_long(path, 2 * size);
		tally(w, err, err == EINVAL || err == ENOENT || err == EBUSY);
		return;
	}
	tally(w, err, !err || err == ENOENT || err == EBUSY);
}

static void (*const role_steps[NR_ROLES])(struct rc_worker *w, long i) = {
	normal_step, crash_step, unload_step, bad_step, read_step, size_step,
};

static bool before_deadline(const struct timespec *deadline)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec < deadline->tv_sec ||
	       (ts.tv_sec == deadline->tv_sec && ts.tv_nsec < deadline->tv_nsec);
}

/* kx_child_fn: run the worker's role until the deadline or the count. */
static int run_worker(void *arg)
{
	struct rc_worker *w = arg;
	long i;

	w->pg = kx_page();
	w->buf = kx_map(4 * w->pg);
	w->hole = kx_map_hole(4 * w->pg);
	if (!w->buf || !w->hole)
		return KX_CHILD_SETUP;
	memset(w->buf, 0x5a, 4 * w->pg);
	for (i = 0; i < opts.iterations && before_deadline(&w->sh->deadline); i++)
		role_steps[w->role](w, i);
	return 0;
}

/* Start every worker; @pids gets one pid per worker, in role order. */
static int spawn_all(struct rc_shared *sh, pid_t *pids)
{
	struct rc_worker w = { .sh = sh };
	int role, n = 0;

	for (role = 0; role < NR_ROLES; role++)
		for (w.index = 0; w.index < role_workers[role]; w.index++) {
			w.role = role;
			pids[n++] = kx_spawn(run_worker, &w);
		}
	return n;
}

static const char *result_name(int result)
{
	if (result == RC_BAD_VALUE)
		return "bad value";
	return result ? strerrorname_np(result) : "ok";
}

static void print_role(const struct rc_shared *sh, int role)
{
	char text[512];
	int len, r;

	len = snprintf(text, sizeof(text), "race: %s x%d: %ld calls",
		       role_names[role], role_workers[role], sh->calls[role]);
	for (r = 0; r < RC_NR_RESULTS && len < (int)sizeof(text); r++) {
		if (!sh->count[role][r])
			continue;
		len += snprintf(text + len, sizeof(text) - len, ", %s %ld",
				result_name(r), sh->count[role][r]);
	}
	ksft_print_msg("%s\n", text);
}

FIXTURE(race) {
	struct rc_shared *sh;
};

FIXTURE_SETUP(race)
{
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	memset(self->sh, 0, sizeof(*self->sh));
	ASSERT_EQ(0, kx_crash_region(&self->sh->crash))
		TH_LOG("no \"Crash kernel\" in /proc/iomem (crashkernel=128M?)");
	ASSERT_GE(kx_region_size(&self->sh->crash), 64 * RC_MIB);
	self->sh->crash_size = crash_size_before;
}

FIXTURE_TEARDOWN(race)
{
	munmap(self->sh, sizeof(*self->sh));
}

/* Every result is one the contract allows, and every role got somewhere. */
static void check_roles(struct __test_metadata *_metadata,
			const struct rc_shared *sh)
{
	int role;

	for (role = 0; role < NR_ROLES; role++) {
		print_role(sh, role);
		EXPECT_EQ(0, sh->unexpected[role])
			TH_LOG("%s: first unexpected result: %s", role_names[role],
			       result_name(sh->first_unexpected[role]));
		EXPECT_LT(0, sh->calls[role]);
	}
	/* Roles whose calls can succeed must have succeeded at least once. */
	EXPECT_LT(0, sh->count[R_NORMAL][0]);
	EXPECT_LT(0, sh->count[R_CRASH][0]);
	EXPECT_LT(0, sh->count[R_UNLOAD][0]);
	EXPECT_LT(0, sh->count[R_READ][0]);
}

TEST_F_TIMEOUT(race, calls_follow_contract, RC_MAX_SECONDS + 600)
{
	pid_t pids[16];
	int i, n;

	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &self->sh->deadline));
	self->sh->deadline.tv_sec += opts.seconds;
	n = spawn_all(self->sh, pids);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, kx_reap(pids[i])) TH_LOG("worker %d", i);
	check_roles(_metadata, self->sh);
}

TEST_F(race, final_state)
{
	EXPECT_EQ(0, kx_unload(0));
	EXPECT_EQ(0, kx_unload(KEXEC_ON_CRASH));
	EXPECT_EQ(0, kx_loaded());
	EXPECT_EQ(0, kx_crash_loaded());
	EXPECT_EQ(crash_size_before, kx_sysfs("kexec_crash_size"));
	EXPECT_EQ((long)kx_region_size(&self->sh->crash), crash_size_before);
}

/* Runs last: the workers, and what they loaded, are gone. */
TEST_F(race, free_memory_returns)
{
	kx_expect_memory_back(_metadata, "race", free_before_kib);
}

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t SECONDS] [-n ITERATIONS]\n", prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			opts.seconds = strtol(optarg, NULL, 0);
		else if (opt == 'n')
			opts.iterations = strtol(optarg, NULL, 0);
		else
			bad_usage(argv[0]);
	}
	if (optind != argc || opts.seconds < 1 || opts.iterations < 1)
		bad_usage(argv[0]);
	if (opts.seconds > RC_MAX_SECONDS)
		opts.seconds = RC_MAX_SECONDS;
	ksft_print_msg("race: %ld s, at most %ld calls a worker\n",
		       opts.seconds, opts.iterations);
	kx_unload(0);
	kx_unload(KEXEC_ON_CRASH);
	crash_size_before = kx_sysfs("kexec_crash_size");
	free_before_kib = kx_settled_free_kib();
	/* The harness parses no options of ours: restart getopt() for it. */
	optind = 1;
	return test_harness_run(1, argv);
}
