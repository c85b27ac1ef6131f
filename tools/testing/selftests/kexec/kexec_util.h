/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kexec_load(2) selftests: the raw system call, the
 * sysfs and sysctl files around it, the crash kernel region, memory with a
 * hole in it, child processes that run with fewer privileges, and the line
 * our kernel logs to say why it refused a call.
 *
 * Programs built on kselftest_harness.h include it first and get the EXPECT_
 * helpers at the end too, which use its EXPECT_EQ() and the _metadata of the
 * test they are used in; the others include kselftest.h.
 */
#ifndef KEXEC_UTIL_H
#define KEXEC_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/kexec.h>

/* Newer than some installed uapi headers; the values are ABI. */
#ifndef KEXEC_UPDATE_ELFCOREHDR
#define KEXEC_UPDATE_ELFCOREHDR		0x00000004
#endif
#ifndef KEXEC_CRASH_HOTPLUG_SUPPORT
#define KEXEC_CRASH_HOTPLUG_SUPPORT	0x00000008
#endif

#if defined(__x86_64__)
#define KX_ARCH_NATIVE		KEXEC_ARCH_X86_64
#define KX_ARCH_FOREIGN		KEXEC_ARCH_ARM
/*
 * KEXEC_DESTINATION_MEMORY_LIMIT is MAXMEM - 1 on x86_64: 2^46 bytes with
 * 4-level paging, 2^52 with 5-level paging. 2^52 is beyond both.
 */
#define KX_BEYOND_DEST_LIMIT	0x0010000000000000UL	/* 2^52 */
#elif defined(__aarch64__)
#define KX_ARCH_NATIVE		KEXEC_ARCH_AARCH64
#define KX_ARCH_FOREIGN		KEXEC_ARCH_X86_64
/* QEMU's virt machine has its RAM from 1 GiB up; below is flash and devices. */
#define KX_RAM_BASE		(1UL << 30)
#elif defined(__i386__)
/*
 * Built with -m32 to run on the x86_64 kernel through the compat entry: what a
 * 32-bit loader must name is the running kernel's architecture.
 */
#define KX_COMPAT		1
#define KX_ARCH_NATIVE		KEXEC_ARCH_X86_64
#define KX_ARCH_FOREIGN		KEXEC_ARCH_ARM
#else
#error "kexec selftests: only x86 (64-bit, or 32-bit on a 64-bit kernel) and arm64 so far"
#endif

#ifndef KX_RAM_BASE
#define KX_RAM_BASE		0UL
#endif
/* Ordinary RAM in the 2 GiB test guest, 16 MiB above where it starts. */
#define KX_DEST			(KX_RAM_BASE + (16UL << 20))
#ifdef KX_COMPAT
/* A 32-bit caller names addresses below 4 GiB only: 3 GiB is the PCI hole. */
#define KX_BEYOND_RAM		(3UL << 30)
/* Above TASK_SIZE of a 32-bit task: no user address. */
#define KX_NOT_USER		((void *)0xfffff000UL)
/* What the entry does with KEXEC_ARCH_DEFAULT: the compat one refuses it. */
#define KX_DEFAULT_ARCH_ERR	EINVAL
#define KX_DEFAULT_ARCH_WHY	"arch"
/* A segment size far beyond the guest's RAM. */
#define KX_HUGE_SIZE		(3UL << 30)
#else
/* Physical address far above the 2 GiB test guest's RAM. */
#define KX_BEYOND_RAM		(8UL << 30)
/* A kernel address. */
#define KX_NOT_USER		((void *)(-1UL << 40))
#define KX_DEFAULT_ARCH_ERR	0
#define KX_DEFAULT_ARCH_WHY	NULL
#define KX_HUGE_SIZE		(1UL << 40)
#endif

#define KX_NOBODY		65534
/* Exit codes of children that could not set themselves up (not errnos). */
#define KX_CHILD_SETUP		200
#define KX_CHILD_GAVE_UP	201

/*
 * kexec_load(2) with @flags as they are: 0 on success, else the errno. A
 * positive return value r, which no entry should give (upstream's compat
 * entry does: kx_segments_fault_err()), comes back as -r.
 */
static inline int kx_load_raw(unsigned long entry, unsigned long nr_segments,
			      const struct kexec_segment *segments,
			      unsigned long flags)
{
	long ret = syscall(SYS_kexec_load, entry, nr_segments, segments, flags);

	return ret < 0 ? errno : -(int)ret;
}

/*
 * kexec_load(2): 0 on success, else the errno. The compat entry refuses
 * KEXEC_ARCH_DEFAULT (on both implementations), so a 32-bit build names
 * the kernel's architecture where @flags name none, as 32-bit kexec-tools
 * does; the default architecture's own cases call kx_load_raw().
 */
static inline int kx_load(unsigned long entry, unsigned long nr_segments,
			  const struct kexec_segment *segments,
			  unsigned long flags)
{
#ifdef KX_COMPAT
	if (!(flags & KEXEC_ARCH_MASK))
		flags |= KX_ARCH_NATIVE;
#endif
	return kx_load_raw(entry, nr_segments, segments, flags);
}

/* nr_segments == 0 unloads the image that @flags selects. */
static inline int kx_unload(unsigned long flags)
{
	return kx_load(0, 0, NULL, flags);
}

static inline struct kexec_segment kx_seg(const void *buf, size_t bufsz,
					  unsigned long mem, size_t memsz)
{
	struct kexec_segment seg = {
		.buf = buf,
		.bufsz = bufsz,
		.mem = (const void *)mem,
		.memsz = memsz,
	};

	return seg;
}

static inline unsigned long kx_page(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* Read a decimal number from @path: 0 or the errno. */
static inline int kx_read_long(const char *path, long *val)
{
	char text[64];
	ssize_t len;
	int fd, err;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	len = read(fd, text, sizeof(text) - 1);
	err = len < 0 ? errno : 0;
	close(fd);
	if (err)
		return err;
	text[len] = '\0';
	*val = strtol(text, NULL, 0);
	return 0;
}

/* Write @text to @path in one write(2): 0 or the errno. */
static inline int kx_write(const char *path, const char *text)
{
	ssize_t len;
	int fd, err;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	len = write(fd, text, strlen(text));
	err = len < 0 ? errno : 0;
	close(fd);
	if (!err && len != (ssize_t)strlen(text))
		err = EIO;
	return err;
}

static inline int kx_write_long(const char *path, long val)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld\n", val);
	return kx_write(path, text);
}

/* The value of /sys/kernel/@name, or -errno. */
static inline long kx_sysfs(const char *name)
{
	char path[128];
	long val = 0;
	int err;

	snprintf(path, sizeof(path), "/sys/kernel/%s", name);
	err = kx_read_long(path, &val);
	return err ? -err : val;
}

static inline long kx_loaded(void)
{
	return kx_sysfs("kexec_loaded");
}

static inline long kx_crash_loaded(void)
{
	return kx_sysfs("kexec_crash_loaded");
}

/* The state file of the image that @flags selects. */
static inline long kx_image_loaded(unsigned long flags)
{
	return (flags & KEXEC_ON_CRASH) ? kx_crash_loaded() : kx_loaded();
}

/* A resource from /proc/iomem; @end is inclusive, as the file shows it. */
struct kx_region {
	unsigned long start;
	unsigned long end;
};

static inline unsigned long kx_region_size(const struct kx_region *r)
{
	return r->end - r->start + 1;
}

/*
 * Parse one /proc/iomem line into @r: true if it names a resource called
 * @name. Nested resources are indented; the addresses are real for root.
 */
static inline bool kx_iomem_line(const char *line, const char *name,
				 struct kx_region *r)
{
	int pos = 0;

	if (sscanf(line, " %lx-%lx : %n", &r->start, &r->end, &pos) < 2 ||
	    !pos)
		return false;
	return !strncmp(line + pos, name, strlen(name)) &&
	       line[pos + strlen(name)] == '\n';
}

/*
 * The highest resource called @name in /proc/iomem (with a low and a high
 * crash region, the high one is the one loads go to): 0 or the errno.
 */
static inline int kx_iomem_find(const char *name, struct kx_region *found)
{
	struct kx_region r;
	char line[256];
	FILE *f;
	int err = ENOENT;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		if (!kx_iomem_line(line, name, &r))
			continue;
		if (err || r.start > found->start)
			*found = r;
		err = 0;
	}
	fclose(f);
	return err;
}

/* Whether a resource called @name in /proc/iomem contains @addr. */
static inline bool kx_iomem_covers(const char *name, unsigned long addr)
{
	struct kx_region r;
	char line[256];
	bool covers = false;
	FILE *f;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (kx_iomem_line(line, name, &r) &&
		    r.start <= addr && addr <= r.end)
			covers = true;
	fclose(f);
	return covers;
}

static inline int kx_crash_region(struct kx_region *r)
{
	return kx_iomem_find("Crash kernel", r);
}

/* totalram_pages() as the kernel counts it, the base of its half-RAM cap. */
static inline unsigned long kx_ram_pages(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return (unsigned long)si.totalram * si.mem_unit / kx_page();
}

/*
 * Free memory in KiB: MemFree plus the pages parked on the per-CPU free lists
 * (the "count:" lines of /proc/zoneinfo), which MemFree leaves out and which
 * would otherwise swing by megabytes between two readings.
 */
static inline long kx_free_kib(void)
{
	char line[128];
	long kib = -1, pages = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "MemFree:", 8))
			kib = strtol(line + 8, NULL, 10);
	fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return kib;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line + strspn(line, " "), "count:", 6))
			pages += strtol(line + strspn(line, " ") + 6, NULL, 10);
	fclose(f);
	return kib + pages * (getpagesize() / 1024);
}

/*
 * kx_free_kib() once what the kernel merely caches is given back: the page
 * and dentry caches dropped, and every slab cache shrunk where SLUB shows
 * them in sysfs, which frees empty slabs and, under KASAN, the freed
 * objects it holds in quarantine. Compares well before and after a run.
 */
static inline long kx_settled_free_kib(void)
{
	char path[300];
	struct dirent *d;
	DIR *dir;

	kx_write("/proc/sys/vm/drop_caches", "3");
	dir = opendir("/sys/kernel/slab");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 d->d_name);
		kx_write(path, "1");
	}
	if (dir)
		closedir(dir);
	return kx_free_kib();
}

/*
 * How far below its starting point kx_settled_free_kib() may be after a run
 * that unloaded what it loaded. Slab pages that still hold other objects
 * stay, and the per-CPU free lists move between two readings: over runs of
 * kexec_fuzz, kexec_race, kexec_faults and kexec_kill on both kernels, plain
 * and debug (KASAN, kmemleak), at most 776 KiB was missing. One page leaked
 * per load would be tens of MiB; a 4 MiB image left loaded shows as 4096 KiB.
 */
#define KX_FREE_SLACK_KIB	2048L

/* @len bytes of zeroed read/write memory, or NULL. */
static inline void *kx_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * @len readable bytes followed by one PROT_NONE page: returns the address
 * of that page (the hole), so the usable memory is [hole - len, hole).
 */
static inline char *kx_map_hole(size_t len)
{
	char *p = kx_map(len + kx_page());

	if (!p || mprotect(p + len, kx_page(), PROT_NONE))
		return NULL;
	return p + len;
}

/* Child processes: @fn's return value becomes the exit status. */
typedef int (*kx_child_fn)(void *arg);

static inline pid_t kx_spawn(kx_child_fn fn, void *arg)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	/* Do not outlive a test that the harness kills on timeout. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		_exit(KX_CHILD_SETUP);
	_exit(fn(arg));
}

/* The exit status of @pid, 256 + signal if it was killed, -1 on error. */
static inline int kx_reap(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 256 + WTERMSIG(status);
}

static inline int kx_child(kx_child_fn fn, void *arg)
{
	return kx_reap(kx_spawn(fn, arg));
}

/* Capabilities, through the raw system calls (no libcap in the guest). */
struct kx_caps {
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
};

static inline int kx_caps_get(struct kx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->hdr.version = _LINUX_CAPABILITY_VERSION_3;
	return syscall(SYS_capget, &c->hdr, c->data);
}

static inline bool kx_cap_effective(int cap)
{
	struct kx_caps c;

	if (kx_caps_get(&c))
		return false;
	return c.data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/* Keep only @cap in the effective set (0 on success). */
static inline int kx_caps_only(int cap)
{
	struct kx_caps c;
	int i;

	if (kx_caps_get(&c))
		return -1;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		c.data[i].effective = 0;
	c.data[CAP_TO_INDEX(cap)].effective = CAP_TO_MASK(cap);
	return syscall(SYS_capset, &c.hdr, c.data);
}

/* Drop @cap from the effective, permitted and inheritable sets. */
static inline int kx_cap_drop(int cap)
{
	struct kx_caps c;
	int i = CAP_TO_INDEX(cap);

	if (kx_caps_get(&c))
		return -1;
	c.data[i].effective &= ~CAP_TO_MASK(cap);
	c.data[i].permitted &= ~CAP_TO_MASK(cap);
	c.data[i].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &c.hdr, c.data);
}

/* Who a child calls kexec_load(2) as. */
enum kx_cred {
	KX_ROOT_WITHOUT_CAP,	/* uid 0, CAP_SYS_BOOT dropped */
	KX_USER_NOBODY,		/* setresuid(nobody): no capabilities */
	KX_USERNS_ROOT,		/* root with every capability, in a new userns */
	KX_NOBODY_WITH_CAP,	/* nobody that kept CAP_SYS_BOOT, nothing else */
};

static inline int kx_become_nobody(void)
{
	return setresgid(KX_NOBODY, KX_NOBODY, KX_NOBODY) ||
	       setresuid(KX_NOBODY, KX_NOBODY, KX_NOBODY);
}

/*
 * Switch to @cred and check that the switch took: 0, or -1 if the child
 * is not what the test needs.
 */
static inline int kx_become(enum kx_cred cred)
{
	switch (cred) {
	case KX_ROOT_WITHOUT_CAP:
		if (kx_cap_drop(CAP_SYS_BOOT))
			return -1;
		return getuid() || kx_cap_effective(CAP_SYS_BOOT) ? -1 : 0;
	case KX_USER_NOBODY:
		if (kx_become_nobody())
			return -1;
		return kx_cap_effective(CAP_SYS_BOOT) ? -1 : 0;
	case KX_USERNS_ROOT:
		/* Every capability, but in the new namespace only. */
		if (unshare(CLONE_NEWUSER))
			return -1;
		return kx_cap_effective(CAP_SYS_BOOT) ? 0 : -1;
	case KX_NOBODY_WITH_CAP:
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || kx_become_nobody() ||
		    kx_caps_only(CAP_SYS_BOOT))
			return -1;
		return getuid() == KX_NOBODY &&
		       kx_cap_effective(CAP_SYS_BOOT) ? 0 : -1;
	}
	return -1;
}

/* One kexec_load(2) call, made by a child as @cred. */
struct kx_call {
	enum kx_cred cred;
	unsigned long entry;
	unsigned long nr_segments;
	const struct kexec_segment *segments;
	unsigned long flags;
};

/* kx_child_fn: the errno of the call, or KX_CHILD_SETUP. */
static inline int kx_call_as(void *arg)
{
	const struct kx_call *c = arg;

	if (kx_become(c->cred))
		return KX_CHILD_SETUP;
	return kx_load(c->entry, c->nr_segments, c->segments, c->flags);
}

/*
 * Why a call was refused. Ours logs one kernel notice for every refused
 * kexec_load(2), "kexec: refused (RULE): DETAIL", where DETAIL starts with
 * "segment I [S-E) " for the rules about one segment, and an overlap names
 * the earlier segment J it overlaps the same way. The cases name the reason
 * they expect as "RULE", "RULE:I" or "RULE:I:J". Upstream 6.12 logs none.
 */
#define KX_WHY_TEXT	"kexec: refused ("
#define KX_WHY_PRIO	5	/* LOG_KERN | LOG_NOTICE */
#define KX_WHY_BURST	"/proc/sys/kernel/printk_ratelimit_burst"

/* A reason line, parsed. */
struct kx_why {
	int prio;
	char rule[24];
	long seg;			/* the segment it names, -1 for none */
	long other;			/* the one that overlaps, -1 for none */
	unsigned long long start, end;	/* [start-end) of @seg */
	unsigned long long other_start, other_end;
	char text[200];			/* the whole line, for the log */
};

/* What the guest names in KX_IMPL (kx.impl=). */
enum kx_impl { KX_IMPL_UNSET, KX_IMPL_OURS, KX_IMPL_UPSTREAM };

static inline enum kx_impl kx_impl(void)
{
	const char *impl = getenv("KX_IMPL");

	if (impl && !strcmp(impl, "kx"))
		return KX_IMPL_OURS;
	if (impl && !strcmp(impl, "upstream"))
		return KX_IMPL_UPSTREAM;
	return KX_IMPL_UNSET;
}

/* The end of @seg's destination as the kernel computes it, in 64 bits. */
static inline unsigned long long kx_seg_end(const struct kexec_segment *seg)
{
	return (unsigned long)seg->mem + (unsigned long long)seg->memsz;
}

/* Parse "segment I [S-E)" at @s: its length, or 0 if @s names none. */
static inline int kx_why_segment(const char *s, long *i,
				 unsigned long long *start,
				 unsigned long long *end)
{
	unsigned long long a, b;
	long n;
	int pos = 0;

	if (sscanf(s, "segment %ld [%llx-%llx)%n", &n, &a, &b, &pos) < 3 ||
	    !pos)
		return 0;
	*i = n;
	*start = a;
	*end = b;
	return pos;
}

/*
 * Parse one /dev/kmsg record, "PRIO,SEQ,USEC,FLAGS;TEXT\n" and perhaps
 * continuation lines: true if TEXT is a reason line. A reason line whose
 * rule cannot be read comes back with an empty rule.
 */
static inline bool kx_why_parse(const char *rec, struct kx_why *w)
{
	const char *text = strchr(rec, ';');
	int pos = 0, n;

	memset(w, 0, sizeof(*w));
	w->seg = -1;
	w->other = -1;
	if (!text || sscanf(rec, "%d,", &w->prio) != 1)
		return false;
	text++;
	if (strncmp(text, KX_WHY_TEXT, strlen(KX_WHY_TEXT)))
		return false;
	snprintf(w->text, sizeof(w->text), "%.*s",
		 (int)strcspn(text, "\n"), text);
	text += strlen(KX_WHY_TEXT);
	if (sscanf(text, "%23[^)]): %n", w->rule, &pos) < 1 || !pos) {
		w->rule[0] = '\0';
		return true;
	}
	text += pos;
	n = kx_why_segment(text, &w->seg, &w->start, &w->end);
	if (n && !strncmp(text + n, " overlaps ", 10))
		kx_why_segment(text + n + 10, &w->other, &w->other_start,
			       &w->other_end);
	return true;
}

/* @w's reason as the cases write it: "RULE", "RULE:I" or "RULE:I:J". */
static inline void kx_why_key(const struct kx_why *w, char *key, size_t len)
{
	if (w->seg >= 0 && w->other >= 0)
		snprintf(key, len, "%s:%ld:%ld", w->rule, w->seg, w->other);
	else if (w->seg >= 0)
		snprintf(key, len, "%s:%ld", w->rule, w->seg);
	else
		snprintf(key, len, "%s", w->rule);
}

/* Before a call: /dev/kmsg, read from its end, or -errno. */
static inline int kx_why_watch(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int err;

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/*
 * After the call: read what the kernel logged since kx_why_watch() gave
 * @fd, and close it. The number of reason lines, the first in @w; -errno.
 */
static inline int kx_why_collect(int fd, struct kx_why *w)
{
	char rec[8192];
	struct kx_why cur;
	ssize_t len;
	int n = 0, err = 0;

	if (fd < 0)
		return fd;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		/* EPIPE: records overwritten unread; the next read goes on. */
		if (len < 0 && (errno == EPIPE || errno == EINTR))
			continue;
		if (len <= 0) {
			err = len < 0 && errno != EAGAIN ? errno : 0;
			break;
		}
		rec[len] = '\0';
		if (kx_why_parse(rec, &cur) && !n++)
			*w = cur;
	}
	close(fd);
	return err ? -err : n;
}

/* The range a reason line gives segment @i is that of @segs[@i]. */
static inline bool kx_why_range(const struct kexec_segment *segs, long i,
				unsigned long long start,
				unsigned long long end, char *msg, size_t len)
{
	unsigned long long mem = (unsigned long)segs[i].mem;

	if (start == mem && end == kx_seg_end(&segs[i]))
		return true;
	snprintf(msg, len, "segment %ld is [%#llx-%#llx), the line says [%#llx-%#llx)",
		 i, mem, kx_seg_end(&segs[i]), start, end);
	return false;
}

/*
 * Whether one call's log, @n reason lines and the first in @w, is what its
 * case wants: the reason @want (NULL for no line at all), with the ranges
 * of the segments in @segs if not NULL. If not, @msg says why not.
 *
 * A deliberate difference: upstream 6.12 says nothing about why it refuses,
 * so there the check is that no reason line appears. A kernel not named
 * (KX_IMPL unset) fails: what to expect depends on it.
 */
static inline bool kx_why_matches(int n, const struct kx_why *w,
				  const char *want,
				  const struct kexec_segment *segs,
				  enum kx_impl impl, char *msg, size_t len)
{
	char key[64];

	if (impl == KX_IMPL_UNSET) {
		snprintf(msg, len, "KX_IMPL unset: kx or upstream?");
		return false;
	}
	if (n < 0) {
		snprintf(msg, len, "cannot read /dev/kmsg: %s", strerror(-n));
		return false;
	}
	if (!n) {
		if (!want || impl == KX_IMPL_UPSTREAM)
			return true;
		snprintf(msg, len, "no reason line, want \"%s\" (rate limited?)", want);
		return false;
	}
	if (impl == KX_IMPL_UPSTREAM || n > 1 || !want) {
		snprintf(msg, len, "%d reason line(s), want %s: %s", n,
			 impl == KX_IMPL_UPSTREAM || !want ? "none" : "one",
			 w->text);
		return false;
	}
	kx_why_key(w, key, sizeof(key));
	if (strcmp(key, want) || w->prio != KX_WHY_PRIO) {
		snprintf(msg, len, "reason \"%s\" at priority %d, want \"%s\" at %d: %s",
			 key, w->prio, want, KX_WHY_PRIO, w->text);
		return false;
	}
	if (!segs || w->seg < 0)
		return true;
	return kx_why_range(segs, w->seg, w->start, w->end, msg, len) &&
	       (w->other < 0 ||
		kx_why_range(segs, w->other, w->other_start, w->other_end,
			     msg, len));
}

/*
 * The parser on sample records, no log read (it runs on any host): NULL,
 * or the text of the first sample it gets wrong.
 */
static inline const char *kx_why_self_check(void)
{
	static const struct {
		int prio;
		const char *text;	/* after pr_fmt's "kexec: " */
		const char *key;	/* NULL: not a reason line */
	} s[] = {
		{ 5, "refused (flags): unknown flags 0x10", "flags" },
		{ 5, "refused (fault): the segment list at 0 is not readable",
		  "fault" },
		{ 5, "refused (align): segment 1 [0x1004000-0x1005008) is not page aligned",
		  "align:1" },
		{ 5, "refused (overlap): segment 2 [0x1000-0x2000) overlaps segment 0 [0-0x2000)",
		  "overlap:2:0" },
		{ 5, "refused (claimed): segment 0 [0x70000000-0x70001000) is claimed by ACPI\n"
		  " SUBSYSTEM=memory", "claimed:0" },
		{ 13, "refused (flags): written from user space", "flags" },
		{ 6, "Starting new kernel", NULL },
	};
	static char rec[256];
	struct kx_why w;
	char key[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		snprintf(rec, sizeof(rec), "%d,%zu,4120335,-;kexec: %s\n",
			 s[i].prio, 812 + i, s[i].text);
		if (kx_why_parse(rec, &w) != !!s[i].key)
			return rec;
		kx_why_key(&w, key, sizeof(key));
		if (s[i].key && (strcmp(key, s[i].key) || w.prio != s[i].prio))
			return rec;
	}
	/* The overlap's ranges, 0 printed as "0". */
	snprintf(rec, sizeof(rec), "5,1,0,-;kexec: %s\n", s[3].text);
	kx_why_parse(rec, &w);
	if (w.start != 0x1000 || w.end != 0x2000 || w.other_start ||
	    w.other_end != 0x2000)
		return rec;
	return NULL;
}

#ifdef KX_EVERY_REFUSAL
/*
 * The reason lines obey the printk rate limit, 10 in 5 s by default: a
 * program that makes more refusals than that in a row defines
 * KX_EVERY_REFUSAL before it includes this file, which lifts the burst for
 * its run and puts it back when the program exits.
 */
static long kx_old_burst = -1;
static pid_t kx_burst_owner;

__attribute__((constructor)) static void kx_burst_lift(void)
{
	long old = 0;

	if (kx_read_long(KX_WHY_BURST, &old) ||
	    kx_write_long(KX_WHY_BURST, 100000))
		return;
	kx_old_burst = old;
	kx_burst_owner = getpid();
}

/* Forked children _exit(), and must not put it back early if they exit(). */
__attribute__((destructor)) static void kx_burst_restore(void)
{
	if (kx_old_burst >= 0 && getpid() == kx_burst_owner)
		kx_write_long(KX_WHY_BURST, kx_old_burst);
}
#endif /* KX_EVERY_REFUSAL */

#ifdef __KSELFTEST_HARNESS_H
/* Which implementation runs: the guest sets KX_IMPL from kx.impl=. */
static inline bool testing_ours(struct __test_metadata *_metadata)
{
	const char *impl = getenv("KX_IMPL");
	bool kx;

	ASSERT_NE(NULL, impl) TH_LOG("KX_IMPL unset: kx or upstream?");
	kx = !strcmp(impl, "kx");
	ASSERT_TRUE(kx || !strcmp(impl, "upstream"))
		TH_LOG("KX_IMPL=%s: neither kx nor upstream", impl);
	return kx;
}

/*
 * Upstream 6.12's compat entry, pinned: when the segment array faults, it
 * returns copy_from_user()'s count of bytes not copied (16, the 32-bit
 * struct kexec_segment it stopped at), a positive value, not -EFAULT.
 */
static inline int kx_segments_fault_err(struct __test_metadata *_metadata)
{
	int err = EFAULT;

#ifdef KX_COMPAT
	if (!testing_ours(_metadata))
		err = -16;
#endif
	return err;
}

/*
 * Upstream 6.12's compat entry refuses KEXEC_ARCH_DEFAULT only: it takes a
 * foreign architecture's image, which its native entry refuses. Calls that
 * must be refused for their architecture are not made there (the image
 * they would load or unload would change what the test checks next);
 * foreign_arch_on_every_entry pins what they do.
 */
static inline bool kx_foreign_arch_taken(struct __test_metadata *_metadata,
					 unsigned long flags)
{
#ifdef KX_COMPAT
	unsigned long arch = flags & KEXEC_ARCH_MASK;

	return arch && arch != KX_ARCH_NATIVE && !testing_ours(_metadata);
#else
	return false;
#endif
}

/*
 * One kexec_load(2) call of a test: what it is (@name, for the log), its
 * arguments but the entry point, the errno it must fail with (0: it must
 * succeed), and the reason ours must log for refusing it (kx_why_matches()).
 */
struct kx_case {
	const char *name;
	int err;
	unsigned long nr;
	const struct kexec_segment *segs;
	unsigned long flags;
	const char *why;
};

/*
 * The reason logged since kx_why_watch() gave @log is @want (NULL: none),
 * naming the segments of @segs if not NULL; on upstream, none is logged.
 */
static inline void kx_expect_why(struct __test_metadata *_metadata, int line,
				 const char *name, int log, const char *want,
				 const struct kexec_segment *segs)
{
	enum kx_impl impl = kx_impl();
	char msg[400] = "";
	struct kx_why w;
	int n = kx_why_collect(log, &w);

	EXPECT_TRUE(kx_why_matches(n, &w, want, segs, impl, msg, sizeof(msg)))
		TH_LOG("line %d: %s: %s", line, name, msg);
}

/* @call returns the errno @err, and the kernel logs the reason @why. */
#define EXPECT_REFUSED(err, why, call) do { \
	int __kx_log = kx_why_watch(); \
	\
	EXPECT_EQ(err, call) TH_LOG("%s", #call); \
	kx_expect_why(_metadata, __LINE__, #call, __kx_log, why, NULL); \
} while (0)

/*
 * The call fails with @c->err and logs @c->why, after which kexec_loaded
 * reads @normal and kexec_crash_loaded reads @crash. @line is the
 * caller's, for the log.
 */
static inline void kx_expect_rejected(struct __test_metadata *_metadata,
				      int line, const struct kx_case *c,
				      unsigned long entry, long normal,
				      long crash)
{
	int log;

	if (kx_foreign_arch_taken(_metadata, c->flags)) {
		TH_LOG("line %d: %s: not made on upstream's compat entry", line, c->name);
		return;
	}
	log = kx_why_watch();
	EXPECT_EQ(c->err, kx_load(entry, c->nr, c->segs, c->flags))
		TH_LOG("line %d: %s", line, c->name);
	kx_expect_why(_metadata, line, c->name, log, c->why, c->segs);
	EXPECT_EQ(normal, kx_loaded())
		TH_LOG("line %d: %s: kexec_loaded", line, c->name);
	EXPECT_EQ(crash, kx_crash_loaded())
		TH_LOG("line %d: %s: kexec_crash_loaded", line, c->name);
}

/*
 * The call succeeds and sets the state file of the image @c->flags
 * selects; unloading that image clears the file again.
 */
static inline void kx_expect_loads(struct __test_metadata *_metadata,
				   int line, const struct kx_case *c,
				   unsigned long entry)
{
	unsigned long crash = c->flags & KEXEC_ON_CRASH;

	EXPECT_EQ(0, kx_load(entry, c->nr, c->segs, c->flags))
		TH_LOG("line %d: %s", line, c->name);
	EXPECT_EQ(1, kx_image_loaded(crash))
		TH_LOG("line %d: %s: not loaded", line, c->name);
	EXPECT_EQ(0, kx_unload(crash))
		TH_LOG("line %d: %s: unload", line, c->name);
	EXPECT_EQ(0, kx_image_loaded(crash))
		TH_LOG("line %d: %s: still loaded", line, c->name);
}

/*
 * kexec_load() fails with @err, the kernel logs the reason @why, and neither
 * image is loaded afterwards.
 */
#define EXPECT_LOAD_FAILS(err, why, entry, nr, segs, flags) \
	kx_expect_rejected(_metadata, __LINE__, &(const struct kx_case) \
			   { #segs, err, nr, segs, flags, why }, entry, 0, 0)

/* kexec_load() loads, and the image unloads again. */
#define EXPECT_LOADS(entry, nr, segs, flags) \
	kx_expect_loads(_metadata, __LINE__, &(const struct kx_case) \
			{ #segs, 0, nr, segs, flags, NULL }, entry)

/* Free memory is back within KX_FREE_SLACK_KIB of @before_kib (@who names the run). */
static inline void kx_expect_memory_back(struct __test_metadata *_metadata,
					 const char *who, long before_kib)
{
	long after = kx_settled_free_kib();

	ksft_print_msg("%s: free memory %ld KiB before, %ld KiB after, slack %ld KiB\n",
		       who, before_kib, after, KX_FREE_SLACK_KIB);
	ASSERT_LT(0, before_kib);
	EXPECT_GE(after + KX_FREE_SLACK_KIB, before_kib);
}

#endif /* __KSELFTEST_HARNESS_H */

#endif /* KEXEC_UTIL_H */
