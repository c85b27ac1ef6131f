// SPDX-License-Identifier: GPL-2.0
/*
 * A large kexec_load(2) killed part way through: a child loads one big
 * segment, the parent waits until the child has spent some system time in
 * the call (read from /proc/PID/stat, not a sleep), sends SIGKILL, and
 * measures how long the kill takes to land. Afterwards nothing may be loaded
 * and free memory must be back where it was. The latency is a benchmark
 * figure, printed, never asserted.
 *
 * Upstream 6.12 checks for a fatal signal in its page allocation, so a normal
 * load stops early there too; its crash load copies into the region without
 * ever looking, finishes, and leaves the crash image armed by a process
 * that was killed: an upstream defect, pinned as such on upstream.
 *
 * usage: kexec_kill [-m MIB] [-c]   (-c: a crash load into the crashkernel= region)
 */
#include <getopt.h>
#include <time.h>

#include "../kselftest.h"
#include "kexec_util.h"

/* System time the child must have spent in the kernel before the kill. */
#define PROGRESS_TICKS	5

struct load {
	char *buf;
	unsigned long size, dest, flags;
	int ready[2];
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Field 15 of /proc/PID/stat: system time in clock ticks, or -1; *@state
 * gets field 3 ('Z' once the process has exited).
 */
static long system_ticks(pid_t pid, char *state)
{
	char path[64], text[1024], *p;
	long ticks = -1;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(text, sizeof(text), f)) {
		/* The command name may hold spaces: count from its closing paren. */
		p = strrchr(text, ')');
		*state = p && p[1] ? p[2] : '?';
		for (i = 2; p && i < 15; i++)
			p = strchr(p + 1, ' ');
		if (p)
			ticks = strtol(p + 1, NULL, 10);
	}
	fclose(f);
	return ticks;
}

static int loader(void *arg)
{
	struct load *l = arg;
	struct kexec_segment seg = kx_seg(l->buf, l->size, l->dest, l->size);
	int err;

	close(l->ready[0]);
	if (write(l->ready[1], "x", 1) != 1)
		return KX_CHILD_SETUP;
	err = kx_load(l->dest, 1, &seg, l->flags);
	return err ?: KX_CHILD_GAVE_UP;
}

/*
 * Wait until the child has worked in the kernel for a while, or has exited
 * (a load that ended before the kill: the caller sees it in the status).
 */
static bool wait_for_progress(pid_t pid, int ready)
{
	long start, ticks;
	char c, state = '?';

	if (read(ready, &c, 1) != 1)
		return false;
	start = system_ticks(pid, &state);
	do {
		sched_yield();
		ticks = system_ticks(pid, &state);
	} while (ticks >= 0 && ticks < start + PROGRESS_TICKS && state != 'Z');
	return ticks >= 0;
}

static int setup(struct load *l, unsigned long mib, bool crash)
{
	struct kx_region region = { 0 };

	l->flags = crash ? KEXEC_ON_CRASH : 0;
	l->dest = KX_DEST;
	if (crash) {
		if (kx_crash_region(&region))
			return -1;
		l->dest = region.start;
		/* The region less room for the control page. */
		if (mib << 20 > kx_region_size(&region) - (4UL << 20))
			mib = (kx_region_size(&region) >> 20) - 4;
	}
	l->size = mib << 20;
	l->buf = kx_map(l->size);
	if (!l->buf || pipe(l->ready))
		return -1;
	memset(l->buf, 0x5a, l->size);
	return kx_unload(l->flags);
}

int main(int argc, char **argv)
{
	unsigned long mib = 512;
	bool crash = false, upstream = getenv("KX_IMPL") &&
		!strcmp(getenv("KX_IMPL"), "upstream");
	const char *mode;
	struct load l;
	long free_start, free_end, loaded, defect;
	double t0, latency;
	int opt, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "m:c")) != -1) {
		if (opt == 'm')
			mib = strtoul(optarg, NULL, 0);
		else if (opt == 'c')
			crash = true;
	}
	mode = crash ? "crash" : "normal";
	ksft_print_header();
	ksft_set_plan(3);
	if (setup(&l, mib, crash))
		ksft_exit_fail_msg("setup: %s\n", strerror(errno));
	free_start = kx_settled_free_kib();

	pid = kx_spawn(loader, &l);
	close(l.ready[1]);
	if (pid < 0 || !wait_for_progress(pid, l.ready[0]))
		ksft_exit_fail_msg("the loader never got going\n");
	t0 = now_ms();
	kill(pid, SIGKILL);
	status = kx_reap(pid);
	latency = now_ms() - t0;

	ksft_print_msg("kill latency: %.1f ms (%s load of %lu MiB, killed after %d ticks %s)\n",
		       latency, mode, l.size >> 20, PROGRESS_TICKS, "in the kernel");
	ksft_test_result(status == 256 + SIGKILL, "%s_died_of_sigkill (status %d)\n",
			 mode, status);

	/* Pinned both ways: upstream's killed crash load always finishes armed. */
	defect = upstream && crash;
	loaded = kx_image_loaded(l.flags);
	ksft_test_result(loaded == defect, "%s_nothing_loaded (%s: %ld%s)\n", mode,
			 crash ? "kexec_crash_loaded" : "kexec_loaded", loaded,
			 defect ? ", upstream defect: the killed crash load finished, armed" : "");
	kx_unload(l.flags);

	free_end = kx_settled_free_kib();
	ksft_test_result(free_start - free_end <= KX_FREE_SLACK_KIB,
			 "%s_memory_back (free memory %ld KiB from the start, slack %ld)\n",
			 mode, free_end - free_start, KX_FREE_SLACK_KIB);
	ksft_finished();
}
