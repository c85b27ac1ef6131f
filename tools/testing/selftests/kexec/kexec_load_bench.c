// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_load_bench: the time kexec_load(2) takes for an image of a given size,
 * next to a memcpy() of the same size (the practical limit of a load), and the
 * memory the loaded image holds beyond its own size (held_kib, free memory
 * before the load less after it, less the image for a normal load).
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
/* Normal loads go to ordinary RAM above the low 16 MiB. */
#define NORMAL_DEST	(16 * MIB)

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

static int measure(const struct bench *b, unsigned long mib)
{
	size_t size = mib * MIB;
	void *src = touched_buffer(size, 0x5a);
	void *dst = touched_buffer(size, 0);
	unsigned long long t0, t_load, t_copy;
	long free_before, free_after;
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
	syscall(SYS_kexec_load, 0, 0, NULL, b->flags);

	for (round = 0; round < b->rounds; round++) {
		free_before = kx_free_kib();
		t0 = now_ns();
		if (load(b, src, size)) {
			fprintf(stderr, "kexec_load of %lu MiB: %s\n", mib, strerror(errno));
			return 1;
		}
		t_load = now_ns() - t0;
		free_after = kx_free_kib();
		syscall(SYS_kexec_load, 0, 0, NULL, b->flags);
		t0 = now_ns();
		memcpy(dst, src, size);
		t_copy = now_ns() - t0;
		printf("KX: bench load crash=%d mib=%lu segments=%d",
		       !!(b->flags & KEXEC_ON_CRASH), mib, b->segments);
		printf(" load_ns=%llu memcpy_ns=%llu held_kib=%ld\n", t_load, t_copy,
		       free_before - free_after - image_kib(b, size));
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
	struct bench b = { .flags = KEXEC_ARCH_DEFAULT, .dest = NORMAL_DEST,
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
