/*
 * include/tern/mm.h: Tern's memory layout and memory managers.
 *
 * Virtual layout (x86-64, 4-level paging):
 *   0x0000000000000000 - 0x00007fffffffffff  user half (ring-3 domains)
 *   0xffff800000000000 - ...                 direct map of all physical memory
 *   0xffffffff80000000 - ...                 the kernel image (link.ld)
 *
 * kernel/mm/frame.c  physical frames (4 KiB), from the boot memory map
 * kernel/mm/paging.c the kernel page tables and mapping helpers
 * kernel/mm/heap.c   kmalloc/kfree for small kernel objects
 */
#ifndef TERN_MM_H
#define TERN_MM_H

#include <tern/compiler.h>

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1ul << PAGE_SHIFT)
#define PAGE_MASK       (~(PAGE_SIZE - 1))
#define LARGE_PAGE_SIZE (1ul << 21)

#define DIRECT_MAP_BASE 0xffff800000000000ul
#define KERNEL_VMA      0xffffffff80000000ul

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(pa + DIRECT_MAP_BASE);
}

/*
 * How far the kernel image sits from its link-time physical address: 0
 * under GRUB (which loads at the ELF's physical addresses), possibly not
 * under the GNU-EFI loader, which may place it anywhere 2 MiB-aligned.
 * Set once, first thing at boot (boot/efi_handoff.c).
 */
extern uint64_t kernel_phys_offset;

/* Works for direct-map and kernel-image addresses alike. */
static inline uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v >= KERNEL_VMA ? v - KERNEL_VMA + kernel_phys_offset
                           : v - DIRECT_MAP_BASE;
}

/* Symbols from link.ld: link-time physical addresses (add
 * kernel_phys_offset for where the image really is). */
extern char _kernel_phys_start[], _kernel_phys_end[];
extern char _text[], _etext[], _rodata[], _erodata[], _data[], _end[];

/* ---- frame allocator (kernel/mm/frame.c) ---- */

struct boot_info;

/* A physical range the allocator must never hand out. */
struct phys_range {
    uint64_t start, end;        /* [start, end) */
    const char *what;           /* for the boot log */
};

struct frame_stats {
    uint64_t total, free;       /* in frames */
    uint64_t max_phys;          /* end of the highest usable RAM */
};

/*
 * Build the allocator from the memory map: everything is used except
 * BOOT_MEM_AVAILABLE RAM, minus the ranges in 'reserved' and the first
 * MiB (real-mode IVT, BDA, EBDA, option ROMs). 'bitmap' holds one bit per
 * frame up to the highest available address (frame_bitmap_bytes()).
 */
size_t frame_bitmap_bytes(const struct boot_info *bi);
void frame_init_bitmap(const struct boot_info *bi,
                       const struct phys_range *reserved, unsigned nr_reserved,
                       uint8_t *bitmap, size_t bitmap_bytes);
/* Set up from boot info in the kernel: picks where the bitmap lives. */
void frame_init(const struct boot_info *bi);

/* Returns a frame's physical address, or 0 when none is left. */
uint64_t frame_alloc(void);
/* 'count' contiguous frames aligned to 'align' bytes; 0 when none. */
uint64_t frame_alloc_contig(uint64_t count, uint64_t align);
void frame_free(uint64_t pa);
void frame_free_contig(uint64_t pa, uint64_t count);
void frame_get_stats(struct frame_stats *st);
bool frame_is_free(uint64_t pa);

/* A zeroed frame, returned through the direct map; NULL when none. */
void *page_alloc_zeroed(void);
void page_free(void *va);

/* ---- kernel page tables (kernel/mm/paging.c) ---- */

#define PTE_P       (1ul << 0)
#define PTE_W       (1ul << 1)
#define PTE_U       (1ul << 2)
#define PTE_PWT     (1ul << 3)
#define PTE_PCD     (1ul << 4)
#define PTE_A       (1ul << 5)
#define PTE_D       (1ul << 6)
#define PTE_PS      (1ul << 7)
#define PTE_G       (1ul << 8)
#define PTE_NX      (1ul << 63)
#define PTE_ADDR    0x000ffffffffff000ul

/* Build the final tables (direct map of all RAM, kernel sections with
 * their own permissions) and switch to them. */
void paging_init(uint64_t max_phys);
/* Map one 4 KiB page in the kernel tables; 0 or -ENOMEM. */
int paging_map(uint64_t va, uint64_t pa, uint64_t flags);
/* Uncached mapping of a device's registers in the direct-map area. */
void *paging_map_mmio(uint64_t pa, size_t size);
/* The leaf entry mapping va, or 0; *level is 1 (4K), 2 (2M) or 3 (1G). */
uint64_t paging_lookup(uint64_t va, int *level);
uint64_t paging_kernel_cr3(void);

/* ---- kernel heap (kernel/mm/heap.c) ---- */

void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif
