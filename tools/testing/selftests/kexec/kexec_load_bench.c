// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_load_bench: the time kexec_load(2) takes for an image of a given size,
 * next to a memcpy() of the same size (the practical limit of a load), and the
 * memory the loaded image holds beyond its own size (held_kib: what unloading
 * it gives back, less the image for a normal load; see settled_free_kib()).
 *
 * usage: kexec_load_bench [-p] [-s SEGMENTS] [-r ROUNDS] MIB...
 *   -p           load with KEXEC_ON_CRASH into the crashkernel= region
 *   -s SEGMENTS  split each image into that many equal segments (default 1)
 *   -r ROUNDS    measurements per size (default 3)
 *
 * Prints one line per measurement, for the host to collect:
 *   KX: bench load crash=C mib=M segments=S load_ns=N memcpy_ns=N held_kib=K
 * Each size is loaded once untimed before its measurements (see measure()).
 * A benchmark, not a test: it asserts nothing about the figures. It exits
 * non-zero only when a load fails, since then there is nothing to report.
 */
#include <time.h>

#include "../kselftest.h"
#include "kexec_util.h"

#define MIB		(1024UL * 1024)

struct bench {
	unsigned long flags;
	unsigned long dest;
	int segments;
	int rounds;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Start of the crashkernel= region, from /proc/iomem (root sees real addresses). */
static unsigned long crash_region_start(void)
{
	char line[256];
	unsigned long start = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Crash kernel")) {
			start = strtoul(line + strspn(line, " "), NULL, 16);
			break;
		}
	fclose(f);
	return start;
}

/* What the image itself takes from free memory: a crash image lives in the reserved region. */
static long image_kib(const struct bench *b, size_t size)
{
	return b->flags & KEXEC_ON_CRASH ? 0 : (long)(size >> 10);
}

/*
 * held_kib: what the loaded image holds beyond its own pages.
 *
 * It used to be free memory before the load less free memory after it, and
 * less the image, which read -2280 KiB for kx at 1024 MiB: a figure that can
 * go below zero measures more than the image. Besides the image, free memory
 * moves during a load by:
 *  - frees still pending from before the first read, which land during the
 *    load: empty slabs on SLUB's per-CPU partial lists, which the load's own
 *    slab traffic discards; objects freed through RCU (xarray nodes, such as
 *    those of the pages the previous load parked); pages whose last
 *    reference is a per-CPU LRU batch (the buffers of the size before, just
 *    unmapped), which alloc_contig_range() frees by draining the batches.
 *    kx's loads call alloc_contig_range() to take destinations in place,
 *    upstream's do not.
 *  - what the load makes the kernel reclaim: alloc_contig_range() drops
 *    clean page cache in a destination instead of migrating it, and the
 *    migration's allocations, when they fall back to pageblocks of another
 *    type, boost the watermarks: kswapd then reclaims and shrinks the slab
 *    caches (dentries, inodes) while the load runs.
 *  - with transparent huge pages (Debian's config; not the test config),
 *    an anonymous huge page that the migration splits gives its zero-filled
 *    subpages back and maps the shared zero page there instead (6.12): a
 *    zero-filled memcpy() destination in the range would shrink, and its
 *    memcpy() would then pay for the faults. It is filled with 0xa5.
 *  - noise from the reading itself: kx_free_kib() reads MemFree, then the
 *    per-CPU free lists from /proc/zoneinfo; pages moving between the two in
 *    between (the vmstat worker trimming a list, a list refilled from the
 *    buddy lists) are counted twice or not at all.
 * All but the last only raise free memory during the load, so lower the
 * figure, and none of it is the image's.
 *
 * Now the figure compares free memory with the image loaded and right after
 * it is unloaded, both read the same way (settled_free_kib()): settled, so
 * that the caches are empty and the slabs shrunk at both reads, leaving
 * nothing for the kernel to give back on its own between them; then read
 * until two readings in a row agree. Between the two reads there is the
 * unload alone, which frees at once every page the image holds: its data
 * pages (the image), its entry list, its control pages, the page tables of
 * the jump and its slab objects. Everything else is the same at both reads:
 * the user buffers (touched before the first load, unmapped after the last
 * read), what the load migrated, split or reclaimed, the page tables it made
 * the kernel allocate, and this program's own heap (each reading allocates
 * and frees the same objects). Nothing of this program's runs between the
 * two reads but the unload, so for a kernel that holds its image the figure
 * is the image's overhead, never below zero; what errs is RCU still holding
 * objects the load freed, which come back between the reads and count as
 * held, a few KiB at most. A kernel that holds less than its image at the
 * unload reads negative, and deserves to. Memory the load takes and the
 * unload does not give back (a leak) is not counted here: the selftests'
 * KX_FREE_SLACK_KIB checks look for that.
 */
static long settled_free_kib(void)
{
	long last = kx_settled_free_kib(), now = last;
	int i;

	for (i = 0; i < 5; i++) {
		now = kx_free_kib();
		if (now == last)
			break;
		last = now;
	}
	return now;
}

static void *touched_buffer(size_t size, int fill)
{
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (buf == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(buf, fill, size);
	return buf;
}

static long load(const struct bench *b, void *buf, size_t size)
{
	struct kexec_segment seg[KEXEC_SEGMENT_MAX];
	size_t part = size / b->segments;
	int i;

	if (part % getpagesize()) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < b->segments; i++) {
		seg[i].buf = (char *)buf + i * part;
		seg[i].bufsz = part;
		seg[i].mem = (void *)(b->dest + i * part);
		seg[i].memsz = part;
	}
	return syscall(SYS_kexec_load, b->dest, b->segments, seg, b->flags);
}

static long unload(const struct bench *b)
{
	return syscall(SYS_kexec_load, 0, 0, NULL, b->flags);
}

static int measure(const struct bench *b, unsigned long mib)
{
	size_t size = mib * MIB;
	void *src = touched_buffer(size, 0x5a);
	void *dst = touched_buffer(size, 0xa5);	/* see settled_free_kib() */
	unsigned long long t0, t_load, t_copy;
	long free_loaded, free_unloaded;
	int round;

	/*
	 * One load first, untimed: the memory it writes is then backed by the
	 * host, as the memcpy() destination is after its memset(). Under QEMU
	 * a first write to guest memory costs a host page fault, which would
	 * be counted against the load alone.
	 */
	if (load(b, src, size)) {
		fprintf(stderr, "kexec_load of %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	if (unload(b)) {
		fprintf(stderr, "unload after %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}

	for (round = 0; round < b->rounds; round++) {
		t0 = now_ns();
		if (load(b, src, size)) {
			fprintf(stderr, "kexec_load of %lu MiB: %s\n", mib, strerror(errno));
			return 1;
		}
		t_load = now_ns() - t0;
		free_loaded = settled_free_kib();
		if (unload(b)) {
			fprintf(stderr, "unload after %lu MiB: %s\n", mib, strerror(errno));
			return 1;
		}
		free_unloaded = settled_free_kib();
		t0 = now_ns();
		memcpy(dst, src, size);
		t_copy = now_ns() - t0;
		printf("KX: bench load crash=%d mib=%lu segments=%d",
		       !!(b->flags & KEXEC_ON_CRASH), mib, b->segments);
		printf(" load_ns=%llu memcpy_ns=%llu held_kib=%ld\n", t_load, t_copy,
		       free_unloaded - free_loaded - image_kib(b, size));
		fflush(stdout);
	}
	munmap(src, size);
	munmap(dst, size);
	return 0;
}

static int bad_usage(void)
{
	fputs("usage: kexec_load_bench [-p] [-s SEGMENTS] [-r ROUNDS] MIB...\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct bench b = { .flags = KEXEC_ARCH_DEFAULT, .dest = KX_DEST,
			   .segments = 1, .rounds = 3 };
	int opt;

	while ((opt = getopt(argc, argv, "ps:r:")) != -1) {
		if (opt == 'p')
			b.flags |= KEXEC_ON_CRASH;
		else if (opt == 's')
			b.segments = atoi(optarg);
		else if (opt == 'r')
			b.rounds = atoi(optarg);
		else
			return bad_usage();
	}
	if (optind == argc || b.segments < 1 || b.segments > KEXEC_SEGMENT_MAX ||
	    b.rounds < 1)
		return bad_usage();
	if (b.flags & KEXEC_ON_CRASH) {
		b.dest = crash_region_start();
		if (!b.dest) {
			fprintf(stderr, "no crashkernel= region in /proc/iomem\n");
			return 1;
		}
	}
	for (; optind < argc; optind++)
		if (measure(&b, strtoul(argv[optind], NULL, 0)))
			return 1;
	return 0;
}
