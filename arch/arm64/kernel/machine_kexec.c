// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 kexec: the identity map for the jump, and the jump.
 *
 * At load time we build an identity map of all of RAM and every
 * destination, from control pages, so no destination overlaps it. The map
 * has its own geometry: as many levels as the highest address needs,
 * blocks where a whole one is RAM, pages at the edges. It shares nothing
 * with the kernel's tables, whatever their size (48-bit or 52-bit with
 * LPA2). At the jump nothing is allocated: TTBR0 gets the map and the
 * relocation code in the control page copies with the MMU and caches on.
 */

#define pr_fmt(fmt) "kexec: " fmt

#include <linux/cacheflush.h>
#include <linux/ioport.h>
#include <linux/irq.h>
#include <linux/kexec.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mmu_context.h>
#include <linux/pfn.h>
#include <linux/pgtable.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <asm/cpu_ops.h>
#include <asm/daifflags.h>
#include <asm/memory.h>
#include <asm/sections.h>
#include <asm/virt.h>

/* Each table is one page of 8-byte descriptors. */
#define IDMAP_LEVEL_BITS	(PAGE_SHIFT - 3)
#define IDMAP_ENTRIES		BIT(IDMAP_LEVEL_BITS)
/* Tables one level above the pages may hold blocks, at every granule. */
#define IDMAP_BLOCK_HEIGHT	1
/* TCR_EL1.T0SZ is at most 39 with every granule. */
#define IDMAP_MIN_BITS		25

/* Normal write-back memory, global, for EL1 only. */
#define IDMAP_ATTRS		(PTE_AF | PTE_ATTRINDX(MT_NORMAL) | PTE_UXN)

/*
 * @leaf_attrs: what the leaves added now get besides IDMAP_ATTRS: the code
 * page is read-only and executable (with SCTLR_EL1.WXN a writable page
 * cannot run), everything else writable and never executed.
 */
struct kexec_idmap {
	struct kimage *image;
	u64 *top;
	unsigned int top_height;
	u64 leaf_attrs;
};

static unsigned int idmap_shift(unsigned int height)
{
	return PAGE_SHIFT + height * IDMAP_LEVEL_BITS;
}

static u64 idmap_leaf(struct kexec_idmap *map, phys_addr_t pa,
		      unsigned int height)
{
	u64 type = height ? PMD_TYPE_SECT : PTE_TYPE_PAGE;

	return __phys_to_pte_val(pa) | type | IDMAP_ATTRS | PTE_MAYBE_SHARED |
	       map->leaf_attrs;
}

static bool idmap_is_table(u64 desc, unsigned int height)
{
	return height && (desc & PMD_TYPE_MASK) == PMD_TYPE_TABLE;
}

static u64 *idmap_table_of(u64 desc)
{
	return phys_to_virt(__pte_to_phys(__pte(desc)));
}

static u64 *idmap_alloc_table(struct kexec_idmap *map)
{
	struct page *page = kimage_alloc_control_pages(map->image, 0);

	if (!page)
		return NULL;
	clear_page(page_address(page));
	return page_address(page);
}

static int idmap_fill(struct kexec_idmap *map, u64 *table, unsigned int height,
		      phys_addr_t start, phys_addr_t end);

/*
 * One entry's share [@start, @end) of a range. What an entry already maps
 * stays as it is: the first range to reach it decides, so that the control
 * page keeps the page entry it was given.
 */
static int idmap_fill_entry(struct kexec_idmap *map, u64 *entry,
			    unsigned int height, phys_addr_t start,
			    phys_addr_t end)
{
	u64 size = BIT_ULL(idmap_shift(height));
	u64 *next;

	if (*entry && !idmap_is_table(*entry, height))
		return 0;
	if (!*entry && (height == 0 || height == IDMAP_BLOCK_HEIGHT) &&
	    end - start == size) {
		*entry = idmap_leaf(map, start, height);
		return 0;
	}
	if (*entry) {
		next = idmap_table_of(*entry);
	} else {
		next = idmap_alloc_table(map);
		if (!next)
			return -ENOMEM;
		*entry = __phys_to_pte_val(virt_to_phys(next)) | PMD_TYPE_TABLE;
	}
	return idmap_fill(map, next, height - 1, start, end);
}

static int idmap_fill(struct kexec_idmap *map, u64 *table, unsigned int height,
		      phys_addr_t start, phys_addr_t end)
{
	unsigned int shift = idmap_shift(height);
	phys_addr_t next;
	int err = 0;

	for (; !err && start < end; start = next) {
		next = min(end, (start | (BIT_ULL(shift) - 1)) + 1);
		err = idmap_fill_entry(map, &table[(start >> shift) %
						  IDMAP_ENTRIES],
				       height, start, next);
	}
	return err;
}

static int idmap_add(struct kexec_idmap *map, phys_addr_t start,
		     phys_addr_t end)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN(end, PAGE_SIZE);
	return idmap_fill(map, map->top, map->top_height, start, end);
}

static int idmap_add_ram(struct resource *res, void *arg)
{
	int err = idmap_add(arg, res->start, res->end + 1);

	return err ?: kexec_yield();
}

/* The highest address the map must reach: RAM's end, or a segment's. */
static phys_addr_t idmap_limit(struct kimage *image)
{
	phys_addr_t limit = memblock_end_of_DRAM();
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++)
		limit = max_t(phys_addr_t, limit,
			      image->segment[i].mem + image->segment[i].memsz);
	return limit;
}

static int kexec_build_idmap(struct kimage *image, phys_addr_t code)
{
	struct kexec_idmap map = { .image = image };
	unsigned int bits = max(fls64(idmap_limit(image) - 1), IDMAP_MIN_BITS);
	unsigned long i;
	int err;

	if (bits > vabits_actual) {
		pr_err("RAM ends above what TTBR0 can map (%u bits)\n", bits);
		return -ERANGE;
	}
	map.top_height = DIV_ROUND_UP(bits - PAGE_SHIFT, IDMAP_LEVEL_BITS) - 1;
	map.top = idmap_alloc_table(&map);
	if (!map.top)
		return -ENOMEM;

	/* The code page first, so that its own entry is not a RAM block's. */
	map.leaf_attrs = PTE_RDONLY;
	err = idmap_add(&map, code, code + PAGE_SIZE);
	map.leaf_attrs = PTE_PXN;
	if (!err)
		err = walk_system_ram_res(0, -1, &map, idmap_add_ram);
	for (i = 0; !err && i < image->nr_segments; i++)
		err = idmap_add(&map, image->segment[i].mem,
				image->segment[i].mem + image->segment[i].memsz);
	if (err)
		return err;

	image->arch.idmap = virt_to_phys(map.top);
	image->arch.idmap_bits = bits;
	return 0;
}

/*
 * A crash image was written straight to its destinations through the
 * linear map; the crash kernel starts with its caches off.
 */
static void kexec_clean_crash_segments(struct kimage *image)
{
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++) {
		unsigned long va = (unsigned long)phys_to_virt(image->segment[i].mem);

		dcache_clean_inval_poc(va, va + image->segment[i].memsz);
	}
}

/**
 * machine_kexec_prepare - check that the jump can be made
 * @image: the image being loaded
 *
 * A CPU that could not be taken offline would still run kernel text while
 * the copy overwrites it; only a crash, which stops CPUs another way, can
 * do without.
 *
 * Return: 0, or -EBUSY when CPUs are stuck in the kernel.
 */
int machine_kexec_prepare(struct kimage *image)
{
	if (image->type == KEXEC_TYPE_CRASH || !cpus_are_stuck_in_kernel())
		return 0;
	pr_err("a CPU failed to go offline and still runs here: no kexec until a reboot\n");
	return -EBUSY;
}

/* The relocation code runs its last lines, and fetches them, with the MMU off. */
static void kexec_clean_control_page(void *control)
{
	dcache_clean_inval_poc((unsigned long)control,
			       (unsigned long)control + KEXEC_CONTROL_PAGE_SIZE);
}

/**
 * machine_kexec_post_load - build what the jump will need
 * @image: the image, its segments loaded
 *
 * The relocation code goes into the control page, cleaned to the point of
 * coherency; then the identity map is built.
 *
 * Return: 0, -ENOMEM, -EINTR for a killed caller, or -ERANGE when RAM ends
 * beyond what TTBR0 can map.
 */
int machine_kexec_post_load(struct kimage *image)
{
	void *control = page_address(image->control_code_page);
	unsigned long code_size = __relocate_new_kernel_end -
				  __relocate_new_kernel_start;

	if (WARN_ON(code_size > KEXEC_CONTROL_PAGE_SIZE))
		return -EINVAL;

	memcpy(control, __relocate_new_kernel_start, code_size);
	kexec_clean_control_page(control);
	icache_inval_pou((unsigned long)control,
			 (unsigned long)control + KEXEC_CONTROL_PAGE_SIZE);

	if (image->type == KEXEC_TYPE_CRASH)
		kexec_clean_crash_segments(image);
	return kexec_build_idmap(image, virt_to_phys(control));
}

/**
 * machine_kexec_cleanup - forget the jump's identity map
 * @image: the image being freed
 *
 * Its tables are control pages, which the core frees with the image.
 */
void machine_kexec_cleanup(struct kimage *image)
{
	image->arch.idmap = 0;
}

/**
 * machine_kexec - jump into the loaded image
 * @image: kexec_image after machine_shutdown(), or the crash image after
 *	   machine_crash_shutdown()
 *
 * Past the point of no return: allocates nothing and does not return.
 */
void machine_kexec(struct kimage *image)
{
	typeof(arm64_relocate_new_kernel) *relocate;
	bool crash = image == kexec_crash_image;
	bool via_el2 = is_hyp_nvhe();

	if (!crash && (num_online_cpus() > 1 || cpus_are_stuck_in_kernel()))
		panic("kexec: other CPUs still run the kernel the jump overwrites\n");
	if (crash && (cpus_are_stuck_in_kernel() || smp_crash_stop_failed()))
		pr_warn("not every CPU stopped: the dump may be inconsistent\n");

	local_daif_mask();
	/* A resume from hibernation restores pages cleaned to the PoU only. */
	kexec_clean_control_page(page_address(image->control_code_page));
	cpu_install_ttbr0(phys_to_ttbr(image->arch.idmap),
			  TCR_T0SZ(image->arch.idmap_bits));

	relocate = (void *)page_to_phys(image->control_code_page);
	relocate(image->head, image->start, image->arch.dtb_mem, via_el2);
	unreachable();
}

/**
 * machine_crash_shutdown - stop the other CPUs and save this one's registers
 * @regs: the registers of the crash
 */
void machine_crash_shutdown(struct pt_regs *regs)
{
	local_irq_disable();
	crash_save_cpu(regs, smp_processor_id());
	/* The others are stopped by IPI: mask the interrupt controllers after. */
	crash_smp_send_stop();
	machine_kexec_mask_interrupts();
	pr_info("entering the crash kernel\n");
}

#if defined(CONFIG_CRASH_DUMP) && defined(CONFIG_HIBERNATION)
static bool kexec_crash_segment_holds(phys_addr_t addr)
{
	unsigned long i;

	for (i = 0; kexec_crash_image && i < kexec_crash_image->nr_segments; i++) {
		const struct kexec_segment *seg = &kexec_crash_image->segment[i];

		if (addr >= seg->mem && addr - seg->mem < seg->memsz)
			return true;
	}
	return false;
}

/*
 * The crash image's control pages (its relocation code and identity map):
 * kimage_alloc_control_pages() gives them out upwards from the region's
 * start, and the image's control_page marks where the next would go.
 */
static bool kexec_crash_control_holds(phys_addr_t addr)
{
	return kexec_crash_image && addr >= crashk_res.start &&
	       addr < kexec_crash_image->control_page;
}

static bool kexec_in_crash_region(phys_addr_t addr)
{
	if (crashk_res.end && addr >= crashk_res.start && addr <= crashk_res.end)
		return true;
	return crashk_low_res.end && addr >= crashk_low_res.start &&
	       addr <= crashk_low_res.end;
}

/**
 * crash_is_nosave - may hibernation leave out this page?
 * @pfn: a page frame
 *
 * The crash region is reserved, so hibernation would save it whole; only
 * the loaded crash image in it needs to survive: its segments and the
 * control pages its jump runs on.
 *
 * Return: true for a crash region page that holds neither.
 */
bool crash_is_nosave(unsigned long pfn)
{
	phys_addr_t addr = PFN_PHYS(pfn);

	return kexec_in_crash_region(addr) && !kexec_crash_segment_holds(addr) &&
	       !kexec_crash_control_holds(addr);
}
#endif /* CONFIG_CRASH_DUMP && CONFIG_HIBERNATION */
