/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kexec inside the kernel: the loaded image, the list that tells the
 * architecture's relocation code which page goes where, and the hooks each
 * architecture provides.
 *
 * The entry list is a chain of pages of kimage_entry_t words. Each word is a
 * page-aligned physical address with one of the IND_* tags in its low bits:
 *   IND_DESTINATION  the next source pages go here, one after the other
 *   IND_SOURCE       copy this page to the current destination, then advance
 *   IND_INDIRECTION  the list goes on in this page
 *   IND_DONE         the end
 * The relocation code of every architecture reads this format, so it is an
 * interface, as are the names below that the rest of the kernel calls.
 */
#ifndef LINUX_KEXEC_H
#define LINUX_KEXEC_H

#include <linux/bits.h>

/* Each tag, and its bit number for assembly that tests bits. */
#define IND_DESTINATION_BIT	0
#define IND_DESTINATION		BIT(IND_DESTINATION_BIT)
#define IND_INDIRECTION_BIT	1
#define IND_INDIRECTION		BIT(IND_INDIRECTION_BIT)
#define IND_DONE_BIT		2
#define IND_DONE		BIT(IND_DONE_BIT)
#define IND_SOURCE_BIT		3
#define IND_SOURCE		BIT(IND_SOURCE_BIT)
#define IND_FLAGS	(IND_DESTINATION | IND_INDIRECTION | IND_DONE | IND_SOURCE)

#ifndef __ASSEMBLY__

#include <linux/vmcore_info.h>
#include <linux/crash_reserve.h>
#include <linux/range.h>
#include <linux/verification.h>
#include <linux/xarray.h>
#include <linux/io.h>
#include <uapi/linux/kexec.h>

extern note_buf_t __percpu *crash_notes;

#ifdef CONFIG_KEXEC_CORE
#include <linux/compat.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/module.h>
/* Before crash_core.h, whose defaults it overrides. */
#include <asm/kexec.h>
#include <linux/crash_core.h>

/*
 * What the architecture must tell us: its kexec_load() architecture code,
 * the control code size, and where the memory usable for source pages,
 * destinations and control pages ends (KEXEC_*_MEMORY_LIMIT, and
 * KEXEC_CRASH_CONTROL_MEMORY_LIMIT below). The core reads a limit as the end
 * of a half-open range: [start, end) may be used when end <= limit, so (-1UL)
 * limits nothing a range can reach. Some architectures give their last
 * usable byte (x86: MAXMEM - 1); read so, the page below it goes unused,
 * which keeps what kexec_load() has always answered for a destination there.
 */
#if !defined(KEXEC_SOURCE_MEMORY_LIMIT) || !defined(KEXEC_DESTINATION_MEMORY_LIMIT)
#error "asm/kexec.h must define KEXEC_SOURCE_MEMORY_LIMIT and KEXEC_DESTINATION_MEMORY_LIMIT"
#endif
#if !defined(KEXEC_CONTROL_MEMORY_LIMIT) || !defined(KEXEC_CONTROL_PAGE_SIZE)
#error "asm/kexec.h must define KEXEC_CONTROL_MEMORY_LIMIT and KEXEC_CONTROL_PAGE_SIZE"
#endif
#ifndef KEXEC_ARCH
#error "asm/kexec.h must define KEXEC_ARCH"
#endif

/*
 * A segment as the kernel keeps it, laid out as user space passes it to
 * kexec_load(), which fills @buf with a user pointer; kexec_file_load() fills
 * @kbuf with a kernel one instead (kimage.file_mode).
 */
struct kexec_segment {
	union {
		void *kbuf;
		void __user *buf;
	};
	size_t bufsz;
	unsigned long mem;
	size_t memsz;
};

struct kimage;

#ifdef CONFIG_KEXEC_FILE
/* The purgatory blob of kexec_file_load() while it is being relocated. */
struct purgatory_info {
	const struct elfhdr *ehdr;	/* the built-in blob, read only */
	struct elf_shdr *sechdrs;	/* writable copy, freed after load */
	void *purgatory_buf;		/* relocated copy, freed after load */
};

/* One kernel image format kexec_file_load() understands. */
struct kexec_file_ops {
	int (*probe)(const char *kernel_buf, unsigned long kernel_size);
	void *(*load)(struct kimage *image, char *kernel_buf,
		      unsigned long kernel_len, char *initrd,
		      unsigned long initrd_len, char *cmdline,
		      unsigned long cmdline_len);
	int (*cleanup)(void *loader_data);
#ifdef CONFIG_KEXEC_SIG
	int (*verify_sig)(const char *kernel_buf, unsigned long kernel_len);
#endif
};

/*
 * A buffer kexec_file_load() places in the new image: kexec_add_buffer()
 * finds it a place of @memsz bytes (the buffer, then zeroes) between
 * @buf_min and @buf_max, aligned to @buf_align, searching down from the top
 * if @top_down, and returns it in @mem. A @mem other than
 * KEXEC_BUF_MEM_UNKNOWN asks for that place.
 */
struct kexec_buf {
	struct kimage *image;
	void *buffer;
	unsigned long bufsz, memsz;
	unsigned long buf_min, buf_max, buf_align;
	bool top_down;
	unsigned long mem;
};

/* kexec_buf.mem value that asks kexec_add_buffer() to find a place. */
#ifndef KEXEC_BUF_MEM_UNKNOWN
#define KEXEC_BUF_MEM_UNKNOWN 0
#endif

/* Placing buffers, then the purgatory and its variables. */
int kexec_add_buffer(struct kexec_buf *kbuf);
int kexec_locate_mem_hole(struct kexec_buf *kbuf);
int kexec_load_purgatory(struct kimage *image, struct kexec_buf *kbuf);
void *kexec_purgatory_get_symbol_addr(struct kimage *image, const char *name);
int kexec_purgatory_get_set_symbol(struct kimage *image, const char *name,
				   void *buf, unsigned int size,
				   bool get_value);

/* The formats an architecture offers, tried in turn by the probe default. */
int kexec_image_probe_default(struct kimage *image, void *buf,
			      unsigned long buf_len);
int kexec_image_post_load_cleanup_default(struct kimage *image);
extern const struct kexec_file_ops * const kexec_file_loaders[];
#if defined(CONFIG_KEXEC_SIG) && defined(CONFIG_SIGNED_PE_FILE_VERIFICATION)
int kexec_kernel_verify_pe_sig(const char *kernel, unsigned long kernel_len);
#endif

/* Defaults for the hooks an architecture may override. */
#ifndef arch_kexec_kernel_image_probe
#define arch_kexec_kernel_image_probe(image, buf, len) \
	kexec_image_probe_default(image, buf, len)
#endif
#ifndef arch_kimage_file_post_load_cleanup
#define arch_kimage_file_post_load_cleanup(image) \
	kexec_image_post_load_cleanup_default(image)
#endif
#ifndef arch_kexec_locate_mem_hole
#define arch_kexec_locate_mem_hole(kbuf)	kexec_locate_mem_hole(kbuf)
#endif

/* Purgatory relocation: architectures whose purgatory has RELA or REL override. */
static inline int kexec_purgatory_relocs_unsupported(const char *kind)
{
	pr_err("purgatory: %s relocations not supported\n", kind);
	return -ENOEXEC;
}

#ifndef arch_kexec_apply_relocations_add
static inline int arch_kexec_apply_relocations_add(struct purgatory_info *pi,
						   struct elf_shdr *section,
						   const struct elf_shdr *relsec,
						   const struct elf_shdr *symtab)
{
	return kexec_purgatory_relocs_unsupported("RELA");
}
#endif
#ifndef arch_kexec_apply_relocations
static inline int arch_kexec_apply_relocations(struct purgatory_info *pi,
					       struct elf_shdr *section,
					       const struct elf_shdr *relsec,
					       const struct elf_shdr *symtab)
{
	return kexec_purgatory_relocs_unsupported("REL");
}
#endif
#endif /* CONFIG_KEXEC_FILE */

#ifdef CONFIG_KEXEC_ELF
/* An ELF kernel image being loaded by kexec_file_load(). */
struct kexec_elf_info {
	const char *buffer;		/* owned by the caller */
	const struct elfhdr *ehdr;
	const struct elf_phdr *proghdrs;
};

int kexec_build_elf_info(const char *buf, size_t len, struct elfhdr *ehdr,
			 struct kexec_elf_info *elf_info);
int kexec_elf_load(struct kimage *image, struct elfhdr *ehdr,
		   struct kexec_elf_info *elf_info, struct kexec_buf *kbuf,
		   unsigned long *lowest_load_addr);
void kexec_free_elf_info(struct kexec_elf_info *elf_info);
int kexec_elf_probe(const char *buf, unsigned long len);
#endif

/* One word of the entry list: an address and its IND_* tag. */
typedef unsigned long kimage_entry_t;

#define KEXEC_TYPE_DEFAULT	0
#define KEXEC_TYPE_CRASH	1

/**
 * struct kimage - a loaded (or loading) kexec image
 * @start:		physical entry point
 * @nr_segments:	number of entries in @segment
 * @segment:		where each piece of the image goes
 * @head:		first word of the entry list (see the top of this file)
 * @entry:		where the next entry goes
 * @last_entry:		last word of the current list page, kept for a link
 * @control_code_page:	page the architecture runs its relocation code from
 * @swap_page:		spare page; kexec_file_load() allocates it, no jump of ours uses it
 * @vmcoreinfo_data_copy: crash images: VMCOREINFO kept in the crash region
 * @control_pages:	pages kimage_alloc_control_pages() gave out
 * @parked_pages:	pages the allocator handed out at a destination of this
 *			image, indexed by pfn: kept so that the destination can
 *			be used in place, given back once the load is over
 * @dest_min:		lowest destination address of any segment
 * @dest_max:		end of the highest destination of any segment
 * @nr_source_pages:	data pages the entry list holds (not the list's own)
 * @nr_in_place_pages:	those of them already at their destination, which
 *			the jump does not copy
 * @claims:		runs of destination pages taken from the page allocator
 *			for the segments' bytes, sorted (normal images)
 * @nr_claims:		runs in @claims
 * @max_claims:		room in @claims
 * @control_page:	crash images: next address to try for a control page
 * @pinned:		kexec_load() crash images: the caller's buffers, pinned
 *			while the image loads
 * @type:		KEXEC_TYPE_DEFAULT or KEXEC_TYPE_CRASH
 * @preserve_context:	KEXEC_PRESERVE_CONTEXT was asked for
 * @file_mode:		loaded by kexec_file_load(); segments hold kernel pointers
 * @dests_claimed:	the destinations have been asked of the page allocator
 * @hotplug_support:	the crash image lets the kernel update its elfcorehdr
 * @arch:		architecture state, such as the page tables for the jump
 * @fops:		kexec_file_load(): the loader of the image's format
 * @image_loader_data:	that loader's state, freed by its cleanup
 * @purgatory_info:	the purgatory while it is relocated
 * @kernel_buf:		the kernel file as read
 * @initrd_buf:		the initramfs file as read
 * @cmdline_buf:	the command line
 * @kernel_buf_len:	bytes in @kernel_buf
 * @initrd_buf_len:	bytes in @initrd_buf
 * @cmdline_buf_len:	bytes in @cmdline_buf
 * @elf_load_addr:	crash images: where kexec_file_load() put the ELF core header
 * @elf_headers_sz:	its size
 * @elf_headers:	its kernel copy
 * @elfcorehdr_index:	the segment that holds it, which hotplug rewrites
 * @elfcorehdr_updated:	hotplug has rewritten it since the load
 * @hp_action:		the hotplug event being handled (KEXEC_CRASH_HP_*)
 * @ima_buffer_addr:	where the IMA measurement list for the next kernel goes
 * @ima_buffer_size:	its size
 * @ima_buffer:		its kernel copy
 * @ima_segment_index:	the segment that holds it
 * @is_ima_segment_index_set: @ima_segment_index is valid
 */
struct kimage {
	unsigned long start;
	unsigned long nr_segments;
	struct kexec_segment segment[KEXEC_SEGMENT_MAX];

	kimage_entry_t head;
	kimage_entry_t *entry;
	kimage_entry_t *last_entry;

	struct page *control_code_page;
	struct page *swap_page;
	void *vmcoreinfo_data_copy;
	struct list_head control_pages;
	struct xarray parked_pages;
	unsigned long dest_min;
	unsigned long dest_max;
	unsigned long nr_source_pages;
	unsigned long nr_in_place_pages;
	struct kimage_claim *claims;
	unsigned int nr_claims;
	unsigned int max_claims;

	unsigned long control_page;
	struct kimage_pinned *pinned;

	unsigned int type : 1;
	unsigned int preserve_context : 1;
	unsigned int file_mode : 1;
	unsigned int dests_claimed : 1;
#ifdef CONFIG_CRASH_HOTPLUG
	unsigned int hotplug_support : 1;
#endif

#if defined(CONFIG_ARCH_HAS_KIMAGE_ARCH) || defined(ARCH_HAS_KIMAGE_ARCH)
	struct kimage_arch arch;
#endif

#ifdef CONFIG_KEXEC_FILE
	const struct kexec_file_ops *fops;
	void *image_loader_data;
	struct purgatory_info purgatory_info;
	void *kernel_buf;
	void *initrd_buf;
	char *cmdline_buf;
	unsigned long kernel_buf_len;
	unsigned long initrd_buf_len;
	unsigned long cmdline_buf_len;
#endif

	unsigned long elf_load_addr;
	unsigned long elf_headers_sz;
	void *elf_headers;

#ifdef CONFIG_CRASH_HOTPLUG
	int elfcorehdr_index;
	bool elfcorehdr_updated;
	int hp_action;
#endif

#ifdef CONFIG_IMA_KEXEC
	phys_addr_t ima_buffer_addr;
	size_t ima_buffer_size;
	void *ima_buffer;
	unsigned long ima_segment_index;
	bool is_ima_segment_index_set;
#endif
};

/* What an architecture may leave to these defaults. */
#ifndef KEXEC_CRASH_MEM_ALIGN
#define KEXEC_CRASH_MEM_ALIGN		PAGE_SIZE
#endif
#ifndef KEXEC_CRASH_CONTROL_MEMORY_LIMIT
#define KEXEC_CRASH_CONTROL_MEMORY_LIMIT KEXEC_CONTROL_MEMORY_LIMIT
#endif
#ifndef KEXEC_CONTROL_MEMORY_GFP
#define KEXEC_CONTROL_MEMORY_GFP	(GFP_KERNEL | __GFP_NORETRY)
#endif

/* The name of the ELF notes the crash kernel reads. */
#define KEXEC_CORE_NOTE_NAME		CRASH_CORE_NOTE_NAME

/* Provided by the architecture. */
void machine_kexec(struct kimage *image);
int machine_kexec_prepare(struct kimage *image);
void machine_kexec_cleanup(struct kimage *image);
#ifndef machine_kexec_post_load
static inline int machine_kexec_post_load(struct kimage *image) { return 0; }
#endif

/* Provided by the core. */
int kernel_kexec(void);
int kexec_yield(void);
struct page *kimage_alloc_control_pages(struct kimage *image,
					unsigned int order);
bool kexec_load_permitted(int kexec_image_type);
void *kimage_map_segment(struct kimage *image, unsigned long addr,
			 unsigned long size);
void kimage_unmap_segment(void *buffer);

extern struct kimage *kexec_image;
extern struct kimage *kexec_crash_image;
/* Set once a kexec reboot has started; other code skips what would undo it. */
extern bool kexec_in_progress;

#ifndef kexec_flush_icache_page
static inline void kexec_flush_icache_page(struct page *page) { }
#endif

/* The kexec_load() flags this kernel understands, besides the arch code. */
#ifdef CONFIG_KEXEC_JUMP
#define KEXEC_FLAGS	(KEXEC_ON_CRASH | KEXEC_PRESERVE_CONTEXT | \
			 KEXEC_UPDATE_ELFCOREHDR | KEXEC_CRASH_HOTPLUG_SUPPORT)
#else
#define KEXEC_FLAGS	(KEXEC_ON_CRASH | KEXEC_UPDATE_ELFCOREHDR | \
			 KEXEC_CRASH_HOTPLUG_SUPPORT)
#endif
#define KEXEC_FILE_FLAGS	(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH | \
				 KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_DEBUG)

/* kexec_file_load() with KEXEC_FILE_DEBUG logs what it places where. */
extern bool kexec_file_dbg_print;
#define kexec_dprintk(fmt, arg...)				\
	do {							\
		if (kexec_file_dbg_print)			\
			pr_info(fmt, ##arg);			\
	} while (0)

/*
 * Where the booted kernel sees memory at another address than we do, the
 * architecture overrides these; everywhere else they are the identity.
 */
#ifndef page_to_boot_pfn
#define page_to_boot_pfn(page)		page_to_pfn(page)
#endif
#ifndef boot_pfn_to_page
#define boot_pfn_to_page(boot_pfn)	pfn_to_page(boot_pfn)
#endif
#ifndef phys_to_boot_phys
#define phys_to_boot_phys(phys)		((unsigned long)(phys))
#endif
#ifndef boot_phys_to_phys
#define boot_phys_to_phys(boot_phys)	((phys_addr_t)(boot_phys))
#endif

static inline unsigned long virt_to_boot_phys(void *addr)
{
	return phys_to_boot_phys(virt_to_phys(addr));
}

static inline void *boot_phys_to_virt(unsigned long boot_phys)
{
	return phys_to_virt(boot_phys_to_phys(boot_phys));
}

#ifndef crash_free_reserved_phys_range
static inline void crash_free_reserved_phys_range(unsigned long begin,
						  unsigned long end)
{
	for (; begin < end; begin += PAGE_SIZE)
		free_reserved_page(boot_pfn_to_page(begin >> PAGE_SHIFT));
}
#endif

/*
 * Is all of [@start, @end) RAM in the firmware's memory map, whether or not
 * this kernel uses it (mem=)? Architectures that keep the map say so; by
 * default only this kernel's System RAM counts.
 */
#ifndef arch_kexec_firmware_ram
static inline bool arch_kexec_firmware_ram(phys_addr_t start, phys_addr_t end)
{
	return false;
}
#endif

/*
 * Pages kexec allocates go through these, so that an architecture can change
 * their attributes (x86 with memory encryption maps them decrypted).
 */
#ifndef arch_kexec_post_alloc_pages
static inline int arch_kexec_post_alloc_pages(void *vaddr, unsigned int pages,
					      gfp_t gfp)
{
	return 0;
}
#endif

#ifndef arch_kexec_pre_free_pages
static inline void arch_kexec_pre_free_pages(void *vaddr, unsigned int pages) { }
#endif

#else /* !CONFIG_KEXEC_CORE */
/* Without kexec nothing is ever loaded, in progress, or crashed into. */
#define kexec_in_progress false
static inline int kexec_crash_loaded(void) { return 0; }

struct task_struct;
static inline int kexec_should_crash(struct task_struct *p) { return 0; }

struct pt_regs;
static inline void crash_kexec(struct pt_regs *regs) { }
static inline void __crash_kexec(struct pt_regs *regs) { }

struct kimage;
static inline void kimage_unmap_segment(void *buffer) { }
static inline void *kimage_map_segment(struct kimage *image, unsigned long addr,
				       unsigned long size)
{
	return NULL;
}
#endif /* CONFIG_KEXEC_CORE */

#ifdef CONFIG_KEXEC_SIG
void set_kexec_sig_enforced(void);
#else
static inline void set_kexec_sig_enforced(void) { }
#endif

#endif /* !__ASSEMBLY__ */
#endif /* LINUX_KEXEC_H */
