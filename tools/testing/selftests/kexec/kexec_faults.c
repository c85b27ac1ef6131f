// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_load(2) of a real-sized image (a kernel and an initrd read from
 * files) under fault injection: failslab, fail_page_alloc and fail_usercopy,
 * armed for the loading task only, at varied probabilities and intervals.
 *
 * Every load must succeed or fail with ENOMEM or EFAULT, and the image loaded
 * before (by kexec -l) must stay loaded: each normal load ends in a segment
 * whose buffer faults, so that none can replace it even when no fault is
 * injected. Crash loads may succeed. Then a sweep with small images: the
 * first fault site of a load fails, then the second, and so on (fail-nth)
 * until a load passes every site. At the end the crash image is unloaded
 * and free memory must be back where it was. The faults guest scenario then
 * scans for leaks and boots the image kept, checking its initrd.
 *
 * usage: kexec_faults [-s SEED] [-r ROUNDS] KERNEL INITRD
 */
#include <getopt.h>
#include <time.h>
#include <sys/stat.h>

#include "../kselftest.h"
#include "kexec_util.h"

#define FAULT_DIR	"/sys/kernel/debug"
/* Injections allowed per load: enough for every allocation of a load. */
#define FAULT_BUDGET	100000

struct fault_kind {
	const char *name;
	/* The filters that would keep this kind away from kexec's allocations. */
	const char *const *off;
	unsigned long injected;
};

static const char *const slab_off[] = { "ignore-gfp-wait", NULL };
static const char *const page_off[] = { "ignore-gfp-wait", "ignore-gfp-highmem", NULL };
static const char *const copy_off[] = { NULL };

static struct fault_kind kinds[] = {
	{ "failslab", slab_off },
	{ "fail_page_alloc", page_off },
	{ "fail_usercopy", copy_off },
};

#define NR_KINDS ARRAY_SIZE(kinds)
/* The loading child's own stack, faulted in before any fault is armed. */
#define CHILD_STACK	(64UL << 10)
/* The sweep's image: small, so that its fault sites are few. */
#define SWEEP_BYTES	(32UL << 10)
#define SWEEP_MAX	400

struct image {
	char *kernel, *initrd, *hole;
	size_t kernel_sz, initrd_sz;
	struct kx_region crash;
};

static int fault_set(const struct fault_kind *k, const char *attr, long val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s/%s", FAULT_DIR, k->name, attr);
	return kx_write_long(path, val);
}

static long fault_get(const struct fault_kind *k, const char *attr)
{
	char path[128];
	long val = -1;

	snprintf(path, sizeof(path), "%s/%s/%s", FAULT_DIR, k->name, attr);
	return kx_read_long(path, &val) ? -1 : val;
}

static int fault_arm(const struct fault_kind *k, long probability, long interval)
{
	char path[128];
	int i, err = 0;

	for (i = 0; k->off[i] && !err; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", FAULT_DIR, k->name, k->off[i]);
		err = kx_write(path, "N");
	}
	if (!err && !strcmp(k->name, "fail_page_alloc"))
		err = fault_set(k, "min-order", 0);
	if (!err)
		err = fault_set(k, "task-filter", 1) ?: fault_set(k, "verbose", 0) ?:
		      fault_set(k, "times", FAULT_BUDGET) ?:
		      fault_set(k, "interval", interval) ?:
		      fault_set(k, "probability", probability);
	return err;
}

/* Disarm; returns how many faults were injected since fault_arm(). */
static long fault_disarm(const struct fault_kind *k)
{
	fault_set(k, "probability", 0);
	return FAULT_BUDGET - fault_get(k, "times");
}

/* A file's content in fresh memory, every page touched. */
static char *read_file(const char *path, size_t *size)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t done = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = kx_map(st.st_size ?: 1);
	while (buf && done < (size_t)st.st_size) {
		got = read(fd, buf + done, st.st_size - done);
		if (got <= 0) {
			buf = NULL;
			break;
		}
		done += got;
	}
	close(fd);
	*size = st.st_size;
	return buf;
}

static unsigned long page_up(unsigned long n)
{
	return (n + kx_page() - 1) & ~(kx_page() - 1);
}

/*
 * The kernel, then the initrd 2 MiB further on; a normal load ends in a
 * segment whose second page faults.
 */
static unsigned long layout(const struct image *img, bool crash,
			    struct kexec_segment *segs, unsigned long *nr)
{
	unsigned long base = crash ? img->crash.start : KX_DEST;
	unsigned long at = base, pg = kx_page();

	segs[0] = kx_seg(img->kernel, img->kernel_sz, at, page_up(img->kernel_sz));
	at = (at + page_up(img->kernel_sz) + (2UL << 20)) & ~((2UL << 20) - 1);
	segs[1] = kx_seg(img->initrd, img->initrd_sz, at, page_up(img->initrd_sz));
	at += page_up(img->initrd_sz) + pg;
	segs[2] = kx_seg(img->hole - pg, 2 * pg, at, 2 * pg);
	*nr = crash ? 2 : 3;
	return base;
}

struct faulty_load {
	unsigned long entry, nr, flags;
	struct kexec_segment *segs;
	long nth;		/* 0: the armed faults; N: the Nth fault site fails */
	int result;
	int loaded, released;	/* the handshake, in memory both share */
};

/*
 * In the child: mark this task for the faults, load, then wait, without a
 * system call that could count as a fault site, until the parent has read
 * what is left of fail-nth.
 */
static int faulty_child(void *arg)
{
	struct faulty_load *l = arg;
	char text[24];
	int fd, len;

	if (l->nth) {
		len = snprintf(text, sizeof(text), "%ld", l->nth);
		fd = open("/proc/thread-self/fail-nth", O_WRONLY);
	} else {
		len = snprintf(text, sizeof(text), "1");
		fd = open("/proc/self/make-it-fail", O_WRONLY);
	}
	if (fd < 0 || write(fd, text, len) != len)
		return KX_CHILD_SETUP;
	l->result = kx_load(l->entry, l->nr, l->segs, l->flags);
	__atomic_store_n(&l->loaded, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&l->released, __ATOMIC_ACQUIRE))
		;
	return 0;
}

/*
 * Load with faults armed for a child that shares our memory and runs on a
 * stack faulted in already: it takes no page fault of its own that an
 * injected failure could break. Returns 0 or the errno, -1 if the child
 * could not run; *@left is what the child's fail-nth counter has left (0:
 * the Nth site was reached and failed).
 */
static int load_with_faults(unsigned long entry, unsigned long nr,
			    struct kexec_segment *segs, unsigned long flags,
			    long nth, long *left)
{
	static char *stack;
	struct faulty_load l = { entry, nr, flags, segs, nth, -1 };
	char path[64];
	pid_t pid;

	if (!stack) {
		stack = kx_map(CHILD_STACK);
		if (!stack)
			return -1;
		memset(stack, 0, CHILD_STACK);
	}
	pid = clone(faulty_child, stack + CHILD_STACK, CLONE_VM | SIGCHLD, &l);
	if (pid < 0)
		return -1;
	while (!__atomic_load_n(&l.loaded, __ATOMIC_ACQUIRE) && !waitpid(pid, NULL, WNOHANG))
		sched_yield();
	snprintf(path, sizeof(path), "/proc/%d/fail-nth", pid);
	if (left && kx_read_long(path, left))
		*left = -1;
	__atomic_store_n(&l.released, 1, __ATOMIC_RELEASE);
	if (kx_reap(pid) != 0)
		return -1;
	return l.result;
}

static bool errno_allowed(int err, bool crash)
{
	return err == ENOMEM || err == EFAULT || (crash && err == 0);
}

/*
 * What is wrong with a load's outcome, or NULL: the result must be allowed,
 * the image loaded before kept, and a failed crash load may drop the armed
 * image but never arm one.
 */
static const char *outcome_wrong(int err, bool crash, long crash_before)
{
	long crash_now = kx_crash_loaded();

	if (err < 0)
		return "the loading child failed";
	if (!errno_allowed(err, crash))
		return strerror(err);
	if (kx_loaded() != 1)
		return "the image loaded before is gone";
	if (crash && crash_now != (err ? 0 : 1) && !(err && crash_now == crash_before))
		return "kexec_crash_loaded is wrong after the load";
	return NULL;
}

/* One load under one kind of fault; the state afterwards must agree. */
static void round_one(const struct image *img, struct fault_kind *k,
		      long probability, long interval, bool crash)
{
	struct kexec_segment segs[3];
	unsigned long nr, entry = layout(img, crash, segs, &nr);
	long crash_before = kx_crash_loaded(), injected;
	const char *wrong;
	char name[64];
	int err;

	snprintf(name, sizeof(name), "%s_p%ld_i%ld_%s", k->name, probability, interval,
		 crash ? "crash" : "normal");
	if (fault_arm(k, probability, interval)) {
		ksft_test_result_fail("%s_arm (cannot arm: no debugfs?)\n", k->name);
		return;
	}
	err = load_with_faults(entry, nr, segs, crash ? KEXEC_ON_CRASH : 0, 0, NULL);
	injected = fault_disarm(k);
	k->injected += injected;

	wrong = outcome_wrong(err, crash, crash_before);
	if (wrong)
		ksft_test_result_fail("%s (%s; %s)\n", name, wrong,
				      err > 0 ? strerror(err) : "loaded");
	else
		ksft_test_result_pass("%s (%s, %ld injected)\n", name,
				      err ? strerror(err) : "loaded", injected);
}

/* Every fault site reachable, none failing by chance: fail-nth alone decides. */
static int sweep_setup(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < NR_KINDS && !err; i++)
		err = fault_arm(&kinds[i], 0, 1);
	return err;
}

/*
 * Fail each fault site of a small load in turn, until a load passes them
 * all (or SWEEP_MAX sites). Every result must be allowed and the image
 * loaded before kept; a crash load may disarm, never arm on failure.
 */
static void sweep(const struct image *full, bool crash)
{
	struct image img = *full;
	struct kexec_segment segs[3];
	unsigned long nr, entry;
	long nth, left = 0, bad = 0;
	int err = 0;

	img.kernel_sz = SWEEP_BYTES;
	img.initrd_sz = SWEEP_BYTES;
	entry = layout(&img, crash, segs, &nr);
	for (nth = 1; nth <= SWEEP_MAX && !left; nth++) {
		long crash_before = kx_crash_loaded();

		const char *wrong;

		err = load_with_faults(entry, nr, segs, crash ? KEXEC_ON_CRASH : 0, nth, &left);
		wrong = left < 0 ? "fail-nth unreadable" : outcome_wrong(err, crash, crash_before);
		if (wrong) {
			ksft_print_msg("fail-nth %ld (%s): %s\n", nth,
				       crash ? "crash" : "normal", wrong);
			bad++;
		}
		if (crash && !err)
			kx_unload(KEXEC_ON_CRASH);
	}
	ksft_test_result(!bad && left > 0, "sweep_%s (%ld fault sites failed in turn, %ld wrong)\n",
			 crash ? "crash" : "normal", nth - 2, bad);
}

static const long probabilities[] = { 5, 25, 50, 100 };
static const long intervals[] = { 1, 2, 10, 100, 1000 };

static int setup(struct image *img, const char *kernel, const char *initrd)
{
	img->kernel = read_file(kernel, &img->kernel_sz);
	img->initrd = read_file(initrd, &img->initrd_sz);
	img->hole = kx_map_hole(kx_page());
	if (!img->kernel || !img->initrd || !img->hole)
		return -1;
	return kx_crash_region(&img->crash);
}

int main(int argc, char **argv)
{
	unsigned int seed = time(NULL), rounds = 4, r, i;
	struct image img = { 0 };
	long free_start, free_end;
	int opt;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		if (opt == 's')
			seed = strtoul(optarg, NULL, 0);
		else if (opt == 'r')
			rounds = strtoul(optarg, NULL, 0);
		else
			break;
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "usage: %s [-s SEED] [-r ROUNDS] KERNEL INITRD\n", argv[0]);
		return KSFT_FAIL;
	}
	ksft_print_header();
	ksft_print_msg("seed %u\n", seed);
	srand(seed);
	if (setup(&img, argv[optind], argv[optind + 1]) || kx_loaded() != 1 ||
	    kx_crash_loaded() != 0)
		ksft_exit_fail_msg("%s, %s\n", "needs KERNEL, INITRD and a crash region",
				   "an image loaded by kexec -l and no crash image");
	ksft_set_plan(rounds * NR_KINDS * 2 + 3);

	free_start = kx_settled_free_kib();
	for (r = 0; r < rounds; r++)
		for (i = 0; i < NR_KINDS * 2; i++) {
			long probability = probabilities[rand() % ARRAY_SIZE(probabilities)];
			long interval = intervals[rand() % ARRAY_SIZE(intervals)];

			round_one(&img, &kinds[i / 2], probability, interval, i % 2);
		}
	kx_unload(KEXEC_ON_CRASH);
	if (sweep_setup())
		ksft_exit_fail_msg("cannot set the fault attributes up for the sweep\n");
	sweep(&img, false);
	sweep(&img, true);
	free_end = kx_settled_free_kib();

	ksft_print_msg("faults injected: %s %lu, %s %lu, %s %lu\n", kinds[0].name,
		       kinds[0].injected, kinds[1].name, kinds[1].injected,
		       kinds[2].name, kinds[2].injected);
	ksft_test_result(kx_loaded() == 1 && kx_crash_loaded() == 0 &&
			 free_start - free_end <= KX_FREE_SLACK_KIB,
			 "kept_image_memory_back (kept image loaded, crash unloaded, %s %ld KiB, slack %ld)\n",
			 "free memory moved by", free_end - free_start, KX_FREE_SLACK_KIB);
	ksft_finished();
}
